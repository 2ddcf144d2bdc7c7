/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#include "mqtt-message.h"
#include "mqtt-properties.h"

G_BEGIN_DECLS

struct _MqttMessage {
  gatomicrefcount ref_count;
  char *topic;
  GBytes *payload;
  guint16 mid;
  guint8 qos;
  gboolean retain;
  gboolean dup;
  gint64 timestamp;
  MqttProperties *props;   /* MQTT 5, NULL when none */
};

/* Takes ownership of @topic and @payload; props are added afterwards. */
MqttMessage *mqtt_message_new_take (char *topic, GBytes *payload, guint8 qos, gboolean retain,
                                    gboolean dup, guint16 mid, gint64 timestamp);

G_END_DECLS
