/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * MqttSettings: everything that describes a connection, in one object and
 * one URI grammar. The helpers, the GStreamer elements and the tools fill
 * one and apply it to a client; a new connection option is added here.
 */

#pragma once

#if !defined(__MQTT_GLIB_INSIDE__) && !defined(MQTT_GLIB_COMPILATION)
#error "Only <mqtt-glib/mqtt-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "mqtt-client.h"
#include "mqtt-enums.h"
#include "mqtt-version.h"

G_BEGIN_DECLS

#define MQTT_TYPE_SETTINGS (mqtt_settings_get_type ())

MQTT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MqttSettings, mqtt_settings, MQTT, SETTINGS, GObject)

MQTT_AVAILABLE_IN_ALL
MqttSettings *mqtt_settings_new (const char *host, guint port);
MQTT_AVAILABLE_IN_ALL
MqttSettings *mqtt_settings_new_for_uri (const char *uri, GError **error);
MQTT_AVAILABLE_IN_ALL
MqttSettings *mqtt_settings_copy (MqttSettings *self);

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_settings_set_uri (MqttSettings *self, const char *uri, char **topic,
                                GHashTable **parameters, GError **error);
MQTT_AVAILABLE_IN_ALL
char *mqtt_settings_to_uri (MqttSettings *self, const char *topic);

MQTT_AVAILABLE_IN_ALL
const char *mqtt_settings_get_host (MqttSettings *self);
MQTT_AVAILABLE_IN_ALL
guint mqtt_settings_get_port (MqttSettings *self);
MQTT_AVAILABLE_IN_ALL
guint mqtt_settings_get_keepalive (MqttSettings *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_settings_get_tls (MqttSettings *self);

MQTT_AVAILABLE_IN_ALL
void mqtt_settings_set_will (MqttSettings *self, const char *topic, GBytes *payload, MqttQos qos,
                             gboolean retain);
MQTT_AVAILABLE_IN_ALL
void mqtt_settings_set_auth (MqttSettings *self, const char *username, const char *password);
MQTT_AVAILABLE_IN_ALL
void mqtt_settings_set_tls (MqttSettings *self, const char *ca_certs, const char *certfile,
                            const char *keyfile);

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_settings_apply (MqttSettings *self, MqttClient *client, GError **error);
MQTT_AVAILABLE_IN_ALL
MqttClient *mqtt_settings_create_client (MqttSettings *self, GError **error);

G_END_DECLS
