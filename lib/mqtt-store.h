/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * MqttStore: where a client keeps its QoS 1 and 2 state so that a new
 * process with the same client id finishes what the last one began. An
 * interface of keyed records; MqttFileStore is the implementation that
 * ships, an application may write its own.
 */

#pragma once

#if !defined(__MQTT_GLIB_INSIDE__) && !defined(MQTT_GLIB_COMPILATION)
#error "Only <mqtt-glib/mqtt-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "mqtt-version.h"

G_BEGIN_DECLS

#define MQTT_TYPE_STORE (mqtt_store_get_type ())

MQTT_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (MqttStore, mqtt_store, MQTT, STORE, GObject)

/**
 * MqttStoreFunc:
 * @key: the record's key
 * @value: the record
 * @user_data: the data passed to mqtt_store_load()
 *
 * Receives one record of mqtt_store_load().
 */
typedef void (*MqttStoreFunc) (guint64 key, GBytes *value, gpointer user_data);

/**
 * MqttStoreInterface:
 * @g_iface: the parent interface
 * @open: opens the store of a client id: see mqtt_store_open()
 * @load: gives every record, in order: see mqtt_store_load()
 * @put: adds or replaces a record: see mqtt_store_put()
 * @remove: removes a record: see mqtt_store_remove()
 * @commit: makes what changed durable: see mqtt_store_commit()
 * @close: closes the store: see mqtt_store_close()
 *
 * The virtual functions of #MqttStore. A client calls them from one thread
 * at a time, in the order open, load, then any number of put, remove and
 * commit, then close.
 */
struct _MqttStoreInterface
{
  GTypeInterface g_iface;

  gboolean (*open) (MqttStore *self, const char *client_id, GError **error);
  gboolean (*load) (MqttStore *self, MqttStoreFunc func, gpointer user_data, GError **error);
  void (*put) (MqttStore *self, guint64 key, GBytes *value);
  void (*remove) (MqttStore *self, guint64 key);
  gboolean (*commit) (MqttStore *self, GError **error);
  void (*close) (MqttStore *self);

  /*< private >*/
  gpointer padding[8];
};

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_store_open (MqttStore *self, const char *client_id, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_store_load (MqttStore *self, MqttStoreFunc func, gpointer user_data,
                          GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_store_put (MqttStore *self, guint64 key, GBytes *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_store_remove (MqttStore *self, guint64 key);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_store_commit (MqttStore *self, GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_store_close (MqttStore *self);

G_END_DECLS
