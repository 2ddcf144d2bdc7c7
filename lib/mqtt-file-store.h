/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * MqttFileStore: the MqttStore that ships, an append log with checksums in
 * a directory per client id.
 */

#pragma once

#if !defined(__MQTT_GLIB_INSIDE__) && !defined(MQTT_GLIB_COMPILATION)
#error "Only <mqtt-glib/mqtt-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "mqtt-enums.h"
#include "mqtt-store.h"
#include "mqtt-version.h"

G_BEGIN_DECLS

#define MQTT_TYPE_FILE_STORE (mqtt_file_store_get_type ())

MQTT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MqttFileStore, mqtt_file_store, MQTT, FILE_STORE, GObject)

MQTT_AVAILABLE_IN_ALL
MqttFileStore *mqtt_file_store_new (const char *directory);

MQTT_AVAILABLE_IN_ALL
const char *mqtt_file_store_get_directory (MqttFileStore *self);

MQTT_AVAILABLE_IN_ALL
void mqtt_file_store_set_sync (MqttFileStore *self, MqttStoreSync sync);
MQTT_AVAILABLE_IN_ALL
MqttStoreSync mqtt_file_store_get_sync (MqttFileStore *self);

MQTT_AVAILABLE_IN_ALL
void mqtt_file_store_set_sync_interval (MqttFileStore *self, guint milliseconds);
MQTT_AVAILABLE_IN_ALL
guint mqtt_file_store_get_sync_interval (MqttFileStore *self);

MQTT_AVAILABLE_IN_ALL
void mqtt_file_store_set_salvage (MqttFileStore *self, gboolean salvage);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_file_store_get_salvage (MqttFileStore *self);

G_END_DECLS
