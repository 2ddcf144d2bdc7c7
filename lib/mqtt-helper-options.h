/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#if !defined(__MQTT_GLIB_INSIDE__) && !defined(MQTT_GLIB_COMPILATION)
#error "Only <mqtt-glib/mqtt-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "mqtt-client.h"
#include "mqtt-enums.h"
#include "mqtt-version.h"

G_BEGIN_DECLS

#define MQTT_TYPE_HELPER_OPTIONS (mqtt_helper_options_get_type ())

MQTT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MqttHelperOptions, mqtt_helper_options, MQTT, HELPER_OPTIONS, GObject)

MQTT_AVAILABLE_IN_ALL
MqttHelperOptions *mqtt_helper_options_new (const char *hostname, guint port);

MQTT_AVAILABLE_IN_ALL
void mqtt_helper_options_set_will (MqttHelperOptions *self, const char *topic, GBytes *payload,
                                   MqttQos qos, gboolean retain);
MQTT_AVAILABLE_IN_ALL
void mqtt_helper_options_set_auth (MqttHelperOptions *self, const char *username,
                                   const char *password);
MQTT_AVAILABLE_IN_ALL
void mqtt_helper_options_set_tls (MqttHelperOptions *self, const char *ca_certs,
                                  const char *certfile, const char *keyfile);

MQTT_AVAILABLE_IN_ALL
MqttClient *mqtt_helper_options_create_client (MqttHelperOptions *self, GError **error);

G_END_DECLS
