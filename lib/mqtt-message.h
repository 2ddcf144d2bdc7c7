/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#if !defined(__MQTT_GLIB_INSIDE__) && !defined(MQTT_GLIB_COMPILATION)
#error "Only <mqtt-glib/mqtt-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "mqtt-enums.h"
#include "mqtt-properties.h"
#include "mqtt-version.h"

G_BEGIN_DECLS

#define MQTT_TYPE_MESSAGE (mqtt_message_get_type ())

typedef struct _MqttMessage MqttMessage;

MQTT_AVAILABLE_IN_ALL
GType mqtt_message_get_type (void) G_GNUC_CONST;

MQTT_AVAILABLE_IN_ALL
MqttMessage *mqtt_message_new (const char *topic, GBytes *payload, MqttQos qos, gboolean retain);

MQTT_AVAILABLE_IN_ALL
MqttMessage *mqtt_message_ref (MqttMessage *message);

MQTT_AVAILABLE_IN_ALL
void mqtt_message_unref (MqttMessage *message);

MQTT_AVAILABLE_IN_ALL
const char *mqtt_message_get_topic (MqttMessage *message);

MQTT_AVAILABLE_IN_ALL
GBytes *mqtt_message_get_payload (MqttMessage *message);

MQTT_AVAILABLE_IN_ALL
MqttQos mqtt_message_get_qos (MqttMessage *message);

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_message_get_retain (MqttMessage *message);

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_message_get_dup (MqttMessage *message);

MQTT_AVAILABLE_IN_ALL
guint mqtt_message_get_mid (MqttMessage *message);

MQTT_AVAILABLE_IN_ALL
gint64 mqtt_message_get_timestamp (MqttMessage *message);

MQTT_AVAILABLE_IN_ALL
MqttProperties *mqtt_message_get_properties (MqttMessage *message);
MQTT_AVAILABLE_IN_ALL
void mqtt_message_set_properties (MqttMessage *message, MqttProperties *properties);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MqttMessage, mqtt_message_unref)

G_END_DECLS
