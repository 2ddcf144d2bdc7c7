/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#if !defined(__MQTT_GLIB_INSIDE__) && !defined(MQTT_GLIB_COMPILATION)
#error "Only <mqtt-glib/mqtt-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "mqtt-client.h"
#include "mqtt-message.h"
#include "mqtt-settings.h"
#include "mqtt-version.h"

G_BEGIN_DECLS

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_publish_single (const char *topic, GBytes *payload, MqttQos qos, gboolean retain,
                              MqttSettings *settings, GCancellable *cancellable,
                              GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_publish_single_async (const char *topic, GBytes *payload, MqttQos qos, gboolean retain,
                                MqttSettings *settings, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_publish_single_finish (GAsyncResult *result, GError **error);

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_publish_multiple (MqttMessage **messages, gsize n_messages,
                                MqttSettings *settings, GCancellable *cancellable,
                                GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_publish_multiple_async (MqttMessage **messages, gsize n_messages,
                                  MqttSettings *settings, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_publish_multiple_finish (GAsyncResult *result, GError **error);

MQTT_AVAILABLE_IN_ALL
MqttMessage **mqtt_subscribe_simple (const char *const *topics, gsize n_topics, MqttQos qos,
                                     guint msg_count, gboolean retained,
                                     MqttSettings *settings, gsize *n_messages,
                                     GCancellable *cancellable, GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_subscribe_simple_async (const char *const *topics, gsize n_topics, MqttQos qos,
                                  guint msg_count, gboolean retained, MqttSettings *settings,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
MQTT_AVAILABLE_IN_ALL
MqttMessage **mqtt_subscribe_simple_finish (GAsyncResult *result, gsize *n_messages,
                                            GError **error);

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_subscribe_callback (MqttMessageCallback callback, gpointer user_data,
                                  const char *const *topics, gsize n_topics, MqttQos qos,
                                  MqttSettings *settings, GCancellable *cancellable,
                                  GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_subscribe_callback_async (MqttMessageCallback callback, gpointer callback_data,
                                    GDestroyNotify callback_destroy, const char *const *topics,
                                    gsize n_topics, MqttQos qos, MqttSettings *settings,
                                    GCancellable *cancellable, GAsyncReadyCallback ready,
                                    gpointer ready_data);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_subscribe_callback_finish (GAsyncResult *result, GError **error);

G_END_DECLS
