/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#include <gst/base/gstbasesink.h>

#include "gstmqttelements.h"

G_BEGIN_DECLS

#define GST_TYPE_MQTT_SINK (gst_mqtt_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstMqttSink, gst_mqtt_sink, GST, MQTT_SINK, GstBaseSink)

struct _GstMqttSink {
  GstBaseSink parent;
  GstMqttObject mqtt;

  /* Settings (under mqtt.lock) */
  GstMqttFraming framing;
  guint max_inflight;
  gboolean wait_ack;
  guint max_message_size;
  guint caps_interval;

  /* Streaming state (under mqtt.lock) */
  GHashTable *outstanding;   /* mid -> QoS + 1: published, not complete */
  char *caps_string;         /* gst framing: the caps to send */
  gboolean send_caps;
  gint64 caps_sent_at;
  guint32 seqnum;
  guint64 messages;
  guint64 bytes;
  guint64 drops;
};

G_END_DECLS
