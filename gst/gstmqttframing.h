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
 *        5    1 kind: 0 a buffer (or a piece of one), 1 end of stream,
 *               2 the stream's header (below)
 *        6    2 header size: where the payload starts (80 + caps size +
 *               extensions; readers skip extensions they do not know)
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
 *   80 + n      extensions up to the header size, each
 *                 2 type, 2 length, then length bytes:
 *               type 1, a GstReferenceTimestampMeta of the buffer:
 *                 8 timestamp, 8 duration (all ones: none), then its
 *                 reference caps string (e.g. "timestamp/x-ntp", no NUL)
 *
 * The stream's header (kind 2) is what a receiver that joins late needs
 * before the first buffer: it always carries the caps (which hold any
 * streamheader or codec_data), and its payload is the stream's header
 * buffers (those flagged GST_BUFFER_FLAG_HEADER at its start), each as
 * 4 bytes of size and its bytes. mqttsink publishes it retained, on the
 * stream's own topic, whenever the caps or headers change and at every
 * connection; the buffers' messages are not retained, so the broker keeps
 * it and gives it to every new subscriber first. It is one message (no
 * pieces) and takes no sequence number.
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
  GST_MQTT_FRAME_HEADER = 2,
} GstMqttFrameKind;

#define GST_MQTT_FRAME_EXTENSION_REFERENCE_TIMESTAMP 1

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
  /* Writing: a buffer whose GstReferenceTimestampMetas the header carries,
   * or NULL; and one more reference timestamp, @stamp with the reference
   * caps string @stamp_reference, or NULL for none. Parsing: the
   * extensions, into the parsed data. */
  GstBuffer *metas;
  const char *stamp_reference;
  GstClockTime stamp;
  const guint8 *extensions;
  gsize extensions_size;
} GstMqttFrame;

/* Writes the header of @frame and @caps (or none) into a new GBytes. */
GBytes *gst_mqtt_frame_write (const GstMqttFrame *frame, const char *caps);
/* The payload of a stream header: @n buffers, each with its size. */
GBytes *gst_mqtt_frame_pack_headers (GstBuffer *const *buffers, guint n);

/* Reads the header at the start of @data; sets frame->header_size to where
 * the payload starts. FALSE with a message in @error when it is not a valid
 * version 1 header (never reads past @size). */
gboolean gst_mqtt_frame_parse (const guint8 *data, gsize size, GstMqttFrame *frame,
                               GError **error);

/* Reassembles pieces into buffers. */
typedef struct {
  GstBuffer *partial;    /* the pieces so far, or NULL */
  GstBufferList *headers; /* the header buffers of the last stream header */
  gboolean have_seqnum;  /* the last whole buffer's sequence number, to see gaps */
  guint32 last_seqnum;
  guint64 gaps;          /* buffers that never came (a sequence number skipped) */
  char *reference_text;  /* the last reference caps string and its caps */
  GstCaps *reference_caps;
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
  GST_MQTT_ASSEMBLER_HEADER,   /* a stream header: its caps taken, its buffers in headers */
} GstMqttAssemblerResult;

/* Takes one message's payload. A complete buffer wraps @payload's memory
 * (no copy); its timestamps are the sender's running times, its base time
 * in *base_time. A malformed or out-of-order message is dropped (counted
 * in drops) with the reason in @error. */
GstMqttAssemblerResult gst_mqtt_assembler_push (GstMqttAssembler *assembler, GBytes *payload,
                                                GstBuffer **buffer, GstClockTime *base_time,
                                                GError **error);

G_END_DECLS
