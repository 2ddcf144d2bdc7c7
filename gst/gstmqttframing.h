/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The `gst` framing: a header in front of each payload that carries what
 * a GstBuffer has beyond its bytes, so that two pipelines can be joined
 * through a broker. Version 1, all integers little-endian:
 *
 *   offset size field
 *        0    4 magic "GSTM"
 *        4    1 version (1)
 *        5    1 kind: 0 a buffer (or a piece of one), 1 end of stream
 *        6    2 header size: where the payload starts (80 + caps size, or more
 *               in later versions that add fields: readers skip them)
 *        8    4 GstBufferFlags
 *       12    4 caps size: bytes of caps string after the fixed fields, 0 when
 *               the caps are those of the previous buffer
 *       16    4 sequence number of the buffer
 *       20    2 index of this piece (0 for the first)
 *       22    2 number of pieces (1 for a whole buffer)
 *       24    8 size of the whole buffer
 *       32    8 PTS, as a running time (all ones: none)
 *       40    8 DTS, as a running time
 *       48    8 duration
 *       56    8 the sender's base time: the clock time of running time 0
 *       64    8 offset
 *       72    8 offset end
 *       80    n caps string (gst_caps_to_string(), no NUL)
 *
 * A buffer larger than the message size limit is sent as pieces with the
 * same sequence number; each piece has the whole header, caps in the first
 * only. Pieces of a buffer come in order (one topic, one publisher, the
 * broker keeps the order per QoS), so reassembly is appending.
 */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_MQTT_FRAME_MAGIC "GSTM"
#define GST_MQTT_FRAME_VERSION 1
#define GST_MQTT_FRAME_FIXED_SIZE 80
/* Caps strings longer than this are refused (they would be a hostile header). */
#define GST_MQTT_FRAME_MAX_CAPS 65000

typedef enum {
  GST_MQTT_FRAME_BUFFER = 0,
  GST_MQTT_FRAME_EOS = 1,
} GstMqttFrameKind;

typedef struct {
  GstMqttFrameKind kind;
  guint header_size;
  guint32 flags;
  guint32 seqnum;
  guint16 index;
  guint16 n_pieces;
  guint64 total_size;
  GstClockTime pts;
  GstClockTime dts;
  GstClockTime duration;
  GstClockTime base_time;
  guint64 offset;
  guint64 offset_end;
  const char *caps;      /* into the parsed data, not NUL-terminated; or NULL */
  gsize caps_size;
} GstMqttFrame;

/* Writes the header of @frame and @caps (or none) into a new GBytes. */
GBytes *gst_mqtt_frame_write (const GstMqttFrame *frame, const char *caps);

/* Reads the header at the start of @data; sets frame->header_size to where
 * the payload starts. FALSE with a message in @error when it is not a valid
 * version 1 header (never reads past @size). */
gboolean gst_mqtt_frame_parse (const guint8 *data, gsize size, GstMqttFrame *frame,
                               GError **error);

/* Reassembles pieces into buffers. */
typedef struct {
  GstBuffer *partial;    /* the pieces so far, or NULL */
  guint32 seqnum;
  guint16 next_index;
  guint16 n_pieces;
  guint64 total_size;
  GstCaps *caps;         /* the latest caps a header carried */
  gboolean caps_changed;
  char *caps_text;       /* the last caps string parsed, and whether it parsed: */
  gboolean caps_text_ok; /* senders repeat theirs, and bad ones are not parsed twice */
  guint64 drops;         /* pieces and buffers given up */
} GstMqttAssembler;

void gst_mqtt_assembler_init (GstMqttAssembler *assembler);
void gst_mqtt_assembler_clear (GstMqttAssembler *assembler);

typedef enum {
  GST_MQTT_ASSEMBLER_NONE,     /* nothing to output yet (a piece was kept, or dropped) */
  GST_MQTT_ASSEMBLER_BUFFER,   /* *buffer is a whole buffer */
  GST_MQTT_ASSEMBLER_EOS,      /* the sender ended its stream */
} GstMqttAssemblerResult;

/* Takes one message's payload. A complete buffer wraps @payload's memory
 * (no copy); its timestamps are the sender's running times, its base time
 * in *base_time. A malformed or out-of-order message is dropped (counted
 * in drops) with the reason in @error. */
GstMqttAssemblerResult gst_mqtt_assembler_push (GstMqttAssembler *assembler, GBytes *payload,
                                                GstBuffer **buffer, GstClockTime *base_time,
                                                GError **error);

G_END_DECLS
