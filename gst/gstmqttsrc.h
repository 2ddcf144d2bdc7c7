/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#include <gst/base/gstpushsrc.h>

#include "gstmqttelements.h"
#include "gstmqttframing.h"

G_BEGIN_DECLS

/**
 * GstMqttLeaky:
 * @GST_MQTT_LEAKY_UPSTREAM: a full queue drops the message that arrives
 * @GST_MQTT_LEAKY_DOWNSTREAM: a full queue drops its oldest buffer
 */
typedef enum {
  GST_MQTT_LEAKY_UPSTREAM,
  GST_MQTT_LEAKY_DOWNSTREAM,
} GstMqttLeaky;

/**
 * GstMqttTimestampMode:
 * @GST_MQTT_TIMESTAMP_NONE: the sender's timestamps are cleared (use
 *   do-timestamp to stamp buffers as they arrive)
 * @GST_MQTT_TIMESTAMP_SENDER: the sender's running times, shifted so that
 *   the first buffer is due when it arrives: the sender's spacing is kept
 * @GST_MQTT_TIMESTAMP_CLOCK: the sender's clock times (its base time plus
 *   running time) on this pipeline's clock, which must be the same clock
 *   (a GstNetClientClock or GstPtpClock, or the system clock on one host)
 */
typedef enum {
  GST_MQTT_TIMESTAMP_NONE,
  GST_MQTT_TIMESTAMP_SENDER,
  GST_MQTT_TIMESTAMP_CLOCK,
} GstMqttTimestampMode;

#define GST_TYPE_MQTT_SRC (gst_mqtt_src_get_type ())
G_DECLARE_FINAL_TYPE (GstMqttSrc, gst_mqtt_src, GST, MQTT_SRC, GstPushSrc)

struct _GstMqttSrc {
  GstPushSrc parent;
  GstMqttObject mqtt;

  /* Settings (under mqtt.lock) */
  GstMqttFraming framing;
  GstCaps *caps;
  guint max_buffers;
  guint64 max_bytes;
  GstMqttLeaky leaky;
  guint64 idle_timeout;           /* ns, 0 for none */
  GstMqttTimestampMode timestamp_mode;
  gint latency_ms;                /* -1: measured */
  gboolean message_meta;

  /* The queue between the client's thread and the streaming thread (under
   * mqtt.lock): GstBuffer, GstCaps (a change of caps) and GstEvent (EOS). */
  GQueue queue;
  guint queued_buffers;
  guint64 queued_bytes;
  gint64 last_message;            /* monotonic µs */

  /* Client thread only */
  GstMqttAssembler assembler;
  gint64 last_warning;
  char **subscribed_filters;      /* what the broker was asked for */
  int subscribed_qos;
  GHashTable *pending;            /* mid -> the filters of a (un)subscription */

  /* Streaming thread only */
  gboolean have_offset;
  GstClockTimeDiff offset;        /* timestamp-mode=sender */
  GstClockTime measured_latency;

  /* Counters (under mqtt.lock) */
  guint64 messages;
  guint64 bytes;
  guint64 drops;
};

G_END_DECLS
