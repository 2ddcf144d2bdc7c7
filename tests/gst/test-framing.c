/* The gst framing: headers written and read back, pieces put together,
 * and every malformed header refused without reading past the message. */

#include "config.h"

#include <string.h>

#include "gstmqttframing.h"

static GstBuffer *
buffer_of_text (const char *text)
{
  return *text ? gst_buffer_new_memdup (text, strlen (text)) : gst_buffer_new ();
}

static GstMqttFrame
sample_frame (void)
{
  GstMqttFrame frame = { 0 };

  frame.kind = GST_MQTT_FRAME_BUFFER;
  frame.flags = GST_BUFFER_FLAG_DELTA_UNIT | GST_BUFFER_FLAG_DISCONT;
  frame.seqnum = 0x01020304;
  frame.n_pieces = 1;
  frame.pts = 40 * GST_MSECOND;
  frame.dts = 20 * GST_MSECOND;
  frame.duration = 33 * GST_MSECOND;
  frame.base_time = 123456789 * GST_SECOND;
  frame.offset = 7;
  frame.offset_end = 8;
  return frame;
}

/* @header followed by @payload_size bytes of 'p', in an allocation of
 * exactly that size (ASan sees any read past it). */
static GBytes *
message_with (GBytes *header, gsize payload_size)
{
  gsize header_size = g_bytes_get_size (header);
  guint8 *data = g_malloc (header_size + payload_size);

  memcpy (data, g_bytes_get_data (header, NULL), header_size);
  memset (data + header_size, 'p', payload_size);
  return g_bytes_new_take (data, header_size + payload_size);
}

static void
test_round_trip (void)
{
  GstMqttFrame frame = sample_frame (), parsed;
  g_autoptr(GBytes) header = NULL, message = NULL;
  g_autoptr(GError) error = NULL;
  const char *caps = "video/x-raw, width=(int)320, height=(int)240";

  frame.total_size = 10;
  header = gst_mqtt_frame_write (&frame, caps);
  g_assert_cmpuint (g_bytes_get_size (header), ==, GST_MQTT_FRAME_FIXED_SIZE + strlen (caps));
  /* Little-endian, as documented. */
  g_assert_cmpmem (g_bytes_get_data (header, NULL), 4, "GSTM", 4);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (header, NULL))[16], ==, 0x04);

  message = message_with (header, 10);
  g_assert_true (gst_mqtt_frame_parse (g_bytes_get_data (message, NULL),
                                       g_bytes_get_size (message), &parsed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (parsed.header_size, ==, g_bytes_get_size (header));
  g_assert_cmpuint (parsed.flags, ==, frame.flags);
  g_assert_cmpuint (parsed.seqnum, ==, frame.seqnum);
  g_assert_cmpuint (parsed.pts, ==, frame.pts);
  g_assert_cmpuint (parsed.dts, ==, frame.dts);
  g_assert_cmpuint (parsed.duration, ==, frame.duration);
  g_assert_cmpuint (parsed.base_time, ==, frame.base_time);
  g_assert_cmpuint (parsed.offset, ==, 7);
  g_assert_cmpuint (parsed.offset_end, ==, 8);
  g_assert_cmpuint (parsed.total_size, ==, 10);
  g_assert_cmpmem (parsed.caps, parsed.caps_size, caps, strlen (caps));
}

/* A buffer in three pieces comes out whole, wrapping the messages' memory. */
static void
test_pieces (void)
{
  GstMqttAssembler assembler;
  GstMqttFrame frame = sample_frame ();
  GBytes *messages[3];
  GstBuffer *buffer = NULL;
  GstClockTime base_time = 0;
  g_autoptr(GError) error = NULL;
  GstMapInfo map;
  guint i;

  gst_mqtt_assembler_init (&assembler);
  frame.n_pieces = 3;
  frame.total_size = 25;
  for (i = 0; i < 3; i++)
    {
      g_autoptr(GBytes) header = NULL;

      frame.index = i;
      header = gst_mqtt_frame_write (&frame, i == 0 ? "audio/x-raw, rate=(int)8000" : NULL);
      messages[i] = message_with (header, i < 2 ? 10 : 5);
    }
  for (i = 0; i < 3; i++)
    {
      GstMqttAssemblerResult result = gst_mqtt_assembler_push (&assembler, messages[i], &buffer,
                                                               &base_time, &error);

      g_assert_no_error (error);
      g_assert_cmpint (result, ==, i < 2 ? GST_MQTT_ASSEMBLER_NONE : GST_MQTT_ASSEMBLER_BUFFER);
    }
  g_assert_nonnull (buffer);
  g_assert_true (assembler.caps_changed);
  g_assert_cmpstr (gst_structure_get_name (gst_caps_get_structure (assembler.caps, 0)), ==,
                   "audio/x-raw");
  g_assert_cmpuint (gst_buffer_get_size (buffer), ==, 25);
  g_assert_cmpuint (gst_buffer_n_memory (buffer), ==, 3);
  g_assert_cmpuint (GST_BUFFER_PTS (buffer), ==, frame.pts);
  g_assert_true (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT));
  g_assert_cmpuint (base_time, ==, frame.base_time);
  /* No copy: the first memory is the first message's payload. */
  {
    GstMemory *first = gst_buffer_peek_memory (buffer, 0);

    g_assert_true (gst_memory_map (first, &map, GST_MAP_READ));
    g_assert_true (map.data == (guint8 *) g_bytes_get_data (messages[0], NULL) +
                                 GST_MQTT_FRAME_FIXED_SIZE +
                                 strlen ("audio/x-raw, rate=(int)8000"));
    gst_memory_unmap (first, &map);
  }
  gst_buffer_unref (buffer);
  for (i = 0; i < 3; i++)
    g_bytes_unref (messages[i]);

  /* End of stream. */
  {
    GstMqttFrame eos = sample_frame ();
    g_autoptr(GBytes) header = NULL;

    eos.kind = GST_MQTT_FRAME_EOS;
    header = gst_mqtt_frame_write (&eos, NULL);
    g_assert_cmpint (gst_mqtt_assembler_push (&assembler, header, &buffer, &base_time, &error),
                     ==, GST_MQTT_ASSEMBLER_EOS);
    g_assert_no_error (error);
  }
  g_assert_cmpuint (assembler.drops, ==, 0);
  gst_mqtt_assembler_clear (&assembler);
}

/* A lost piece drops its buffer, and the next buffer comes through. */
static void
test_lost_piece (void)
{
  GstMqttAssembler assembler;
  GstMqttFrame frame = sample_frame ();
  GstBuffer *buffer = NULL;
  GstClockTime base_time;
  GError *error = NULL;
  g_autoptr(GBytes) first = NULL, third = NULL, whole = NULL;

  gst_mqtt_assembler_init (&assembler);
  frame.n_pieces = 3;
  frame.total_size = 30;
  frame.index = 0;
  {
    g_autoptr(GBytes) h = gst_mqtt_frame_write (&frame, "ANY");

    first = message_with (h, 10);
  }
  frame.index = 2;
  {
    g_autoptr(GBytes) h = gst_mqtt_frame_write (&frame, NULL);

    third = message_with (h, 10);
  }
  g_assert_cmpint (gst_mqtt_assembler_push (&assembler, first, &buffer, &base_time, &error), ==,
                   GST_MQTT_ASSEMBLER_NONE);
  g_assert_no_error (error);
  g_assert_cmpint (gst_mqtt_assembler_push (&assembler, third, &buffer, &base_time, &error), ==,
                   GST_MQTT_ASSEMBLER_NONE);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (buffer);
  g_assert_cmpuint (assembler.drops, ==, 2);

  /* A piece without its first piece. */
  g_assert_cmpint (gst_mqtt_assembler_push (&assembler, third, &buffer, &base_time, &error), ==,
                   GST_MQTT_ASSEMBLER_NONE);
  g_assert_nonnull (error);
  g_clear_error (&error);

  frame = sample_frame ();
  frame.seqnum++;
  frame.total_size = 4;
  {
    g_autoptr(GBytes) h = gst_mqtt_frame_write (&frame, NULL);

    whole = message_with (h, 4);
  }
  g_assert_cmpint (gst_mqtt_assembler_push (&assembler, whole, &buffer, &base_time, &error), ==,
                   GST_MQTT_ASSEMBLER_BUFFER);
  g_assert_no_error (error);
  g_assert_cmpuint (gst_buffer_get_size (buffer), ==, 4);
  gst_buffer_unref (buffer);
  /* "ANY": a sender without caps. */
  g_assert_true (gst_caps_is_any (assembler.caps));
  gst_mqtt_assembler_clear (&assembler);
}

typedef struct {
  const char *name;
  guint offset;      /* byte to overwrite */
  guint width;       /* 1, 2, 4 or 8 bytes, little-endian */
  guint64 value;
  gsize payload;     /* payload bytes after the header */
  const char *caps;
} Malformed;

static const Malformed malformed[] = {
  { "bad magic", 0, 1, 'X', 4, NULL },
  { "version 2", 4, 1, 2, 4, NULL },
  { "kind 7", 5, 1, 7, 4, NULL },
  { "header size below fixed", 6, 2, 79, 4, NULL },
  { "header past the message", 6, 2, 200, 4, NULL },
  { "caps past the header", 12, 4, 30, 4, NULL },
  { "huge caps", 12, 4, 0xffffffff, 4, NULL },
  { "zero pieces", 22, 2, 0, 4, NULL },
  { "index past pieces", 20, 2, 1, 4, NULL },
  { "size above payload", 24, 8, 5, 4, NULL },
  { "size below payload", 24, 8, 3, 4, NULL },
  { "piece above total", 22, 2, 2, 4, NULL },   /* 2 pieces, total 4, piece of 4: fine... */
  { "eos with payload", 5, 1, 1, 4, NULL },
  { "caps do not parse", 0, 0, 0, 4, "video/x-raw, width=(int)" },
  { "caps not fixed", 0, 0, 0, 4, "video/x-raw, width=(int)[ 1, 10 ]" },
  { "caps with a NUL", 0, 0, 0, 4, "NUL" },
};

static void
test_malformed (gconstpointer data)
{
  const Malformed *m = data;
  GstMqttAssembler assembler;
  GstMqttFrame frame = sample_frame ();
  g_autoptr(GBytes) header = NULL, message = NULL;
  g_autoptr(GError) error = NULL;
  GstBuffer *buffer = NULL;
  GstClockTime base_time;
  guint8 *bytes;
  guint i;

  frame.total_size = m->payload;
  if (g_str_equal (m->name, "piece above total"))
    frame.total_size = 3;
  header = gst_mqtt_frame_write (&frame, m->caps && !g_str_equal (m->caps, "NUL") ? m->caps
                                                                                   : NULL);
  if (m->caps && g_str_equal (m->caps, "NUL"))
    {
      /* "a\0b" as caps */
      GByteArray *a = g_byte_array_new ();

      g_byte_array_append (a, g_bytes_get_data (header, NULL), g_bytes_get_size (header));
      g_byte_array_append (a, (const guint8 *) "a\0b", 3);
      a->data[12] = 3;
      a->data[6] = GST_MQTT_FRAME_FIXED_SIZE + 3;
      g_bytes_unref (header);
      header = g_byte_array_free_to_bytes (a);
    }
  message = message_with (header, m->payload);
  bytes = (guint8 *) g_bytes_get_data (message, NULL);
  for (i = 0; i < m->width; i++)
    bytes[m->offset + i] = m->value >> (8 * i);

  gst_mqtt_assembler_init (&assembler);
  g_assert_cmpint (gst_mqtt_assembler_push (&assembler, message, &buffer, &base_time, &error), ==,
                   GST_MQTT_ASSEMBLER_NONE);
  g_assert_null (buffer);
  g_assert_nonnull (error);
  g_test_message ("%s: %s", m->name, error->message);
  g_assert_cmpuint (assembler.drops, ==, 1);
  gst_mqtt_assembler_clear (&assembler);
}

/* Every truncation of a valid message is refused, reading only what is there. */
static void
test_truncated (void)
{
  GstMqttFrame frame = sample_frame (), parsed;
  g_autoptr(GBytes) header = NULL, message = NULL;
  gsize size, n;

  frame.total_size = 8;
  header = gst_mqtt_frame_write (&frame, "text/plain");
  message = message_with (header, 8);
  size = g_bytes_get_size (message);
  for (n = 0; n < size; n++)
    {
      g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (message, NULL), n);
      g_autoptr(GError) error = NULL;

      g_assert_false (gst_mqtt_frame_parse (copy, n, &parsed, &error));
      g_assert_nonnull (error);
    }
}

/* Pushes @message, expecting @expected. */
static void
push (GstMqttAssembler *assembler, GBytes *message, GstMqttAssemblerResult expected,
      GstBuffer **buffer)
{
  g_autoptr(GError) error = NULL;
  GstClockTime base_time;
  GstBuffer *out = NULL;

  g_assert_cmpint (gst_mqtt_assembler_push (assembler, message, &out, &base_time, &error), ==,
                   expected);
  if (buffer)
    *buffer = out;
  else
    gst_clear_buffer (&out);
}

/* A stream header: the caps, and header buffers wrapped (no copy) and
 * flagged; it comes between the pieces of a buffer without breaking it. */
static void
test_stream_header (void)
{
  GstBuffer *headers[2] = { buffer_of_text ("OVP80"), buffer_of_text ("") };
  GstMqttFrame frame = { 0 }, piece = sample_frame ();
  g_autoptr(GBytes) payload = gst_mqtt_frame_pack_headers (headers, 2);
  g_autoptr(GBytes) head = NULL, message = NULL, first = NULL, second = NULL, h = NULL;
  GstMqttAssembler assembler;
  GstBuffer *buffer = NULL;
  GstMapInfo map;

  frame.kind = GST_MQTT_FRAME_HEADER;
  frame.n_pieces = 1;
  frame.total_size = g_bytes_get_size (payload);
  head = gst_mqtt_frame_write (&frame, "video/x-vp8, width=(int)160");
  {
    GByteArray *joined = g_byte_array_new ();

    g_byte_array_append (joined, g_bytes_get_data (head, NULL), g_bytes_get_size (head));
    g_byte_array_append (joined, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
    message = g_byte_array_free_to_bytes (joined);
  }

  gst_mqtt_assembler_init (&assembler);
  /* The first of two pieces, then the header, then the second piece. */
  piece.n_pieces = 2;
  piece.total_size = 4;
  h = gst_mqtt_frame_write (&piece, "video/x-vp8, width=(int)160");
  first = message_with (h, 2);
  g_clear_pointer (&h, g_bytes_unref);
  piece.index = 1;
  h = gst_mqtt_frame_write (&piece, NULL);
  second = message_with (h, 2);
  push (&assembler, first, GST_MQTT_ASSEMBLER_NONE, NULL);
  push (&assembler, message, GST_MQTT_ASSEMBLER_HEADER, NULL);
  g_assert_nonnull (assembler.caps);
  g_assert_cmpuint (gst_buffer_list_length (assembler.headers), ==, 2);
  buffer = gst_buffer_list_get (assembler.headers, 0);
  g_assert_true (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_HEADER));
  g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
  g_assert_cmpmem (map.data, map.size, "OVP80", 5);
  gst_buffer_unmap (buffer, &map);
  g_assert_cmpuint (gst_buffer_get_size (gst_buffer_list_get (assembler.headers, 1)), ==, 0);
  push (&assembler, second, GST_MQTT_ASSEMBLER_BUFFER, &buffer);
  g_assert_cmpuint (gst_buffer_get_size (buffer), ==, 4);
  gst_buffer_unref (buffer);
  g_assert_cmpuint (assembler.drops, ==, 0);

  /* A header whose buffers do not add up to its payload is refused. */
  {
    g_autoptr(GBytes) bad_head = NULL, bad = NULL;

    frame.total_size = 3;
    bad_head = gst_mqtt_frame_write (&frame, "video/x-vp8, width=(int)160");
    bad = message_with (bad_head, 3);

    push (&assembler, bad, GST_MQTT_ASSEMBLER_NONE, NULL);
    g_assert_cmpuint (assembler.drops, ==, 1);
  }
  gst_mqtt_assembler_clear (&assembler);
  gst_buffer_unref (headers[0]);
  gst_buffer_unref (headers[1]);
}

/* Skipped sequence numbers are counted as lost buffers; a sender that
 * starts again from 0 is not a gap. */
static void
test_gaps (void)
{
  static const guint32 numbers[] = { 5, 6, 9, 10, 0, 1 };
  GstMqttAssembler assembler;
  guint i;

  gst_mqtt_assembler_init (&assembler);
  for (i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      GstMqttFrame frame = sample_frame ();
      g_autoptr(GBytes) header = NULL, message = NULL;

      frame.seqnum = numbers[i];
      frame.total_size = 1;
      header = gst_mqtt_frame_write (&frame, i == 0 ? "text/plain" : NULL);
      message = message_with (header, 1);
      push (&assembler, message, GST_MQTT_ASSEMBLER_BUFFER, NULL);
    }
  g_assert_cmpuint (assembler.gaps, ==, 2);
  gst_mqtt_assembler_clear (&assembler);
}

/* A buffer's reference timestamps travel in the header's extensions. */
static void
test_reference_timestamps (void)
{
  g_autoptr(GstBuffer) sent = gst_buffer_new ();
  g_autoptr(GstCaps) ntp = gst_caps_new_empty_simple ("timestamp/x-ntp");
  g_autoptr(GstCaps) unix_time = gst_caps_new_empty_simple ("timestamp/x-unix");
  GstMqttFrame frame = sample_frame (), parsed;
  g_autoptr(GBytes) header = NULL, message = NULL;
  GstReferenceTimestampMeta *meta;
  GstMqttAssembler assembler;
  GstBuffer *buffer = NULL;

  gst_buffer_add_reference_timestamp_meta (sent, ntp, 3 * GST_SECOND, GST_CLOCK_TIME_NONE);
  gst_buffer_add_reference_timestamp_meta (sent, unix_time, 5 * GST_SECOND, GST_MSECOND);
  frame.metas = sent;
  frame.total_size = 2;
  header = gst_mqtt_frame_write (&frame, "text/plain");
  message = message_with (header, 2);
  g_assert_true (gst_mqtt_frame_parse (g_bytes_get_data (message, NULL),
                                       g_bytes_get_size (message), &parsed, NULL));
  g_assert_cmpuint (parsed.extensions_size, ==, 2 * 20 + strlen ("timestamp/x-ntp") +
                                                strlen ("timestamp/x-unix"));

  gst_mqtt_assembler_init (&assembler);
  push (&assembler, message, GST_MQTT_ASSEMBLER_BUFFER, &buffer);
  meta = gst_buffer_get_reference_timestamp_meta (buffer, ntp);
  g_assert_nonnull (meta);
  g_assert_cmpuint (meta->timestamp, ==, 3 * GST_SECOND);
  g_assert_cmpuint (meta->duration, ==, GST_CLOCK_TIME_NONE);
  meta = gst_buffer_get_reference_timestamp_meta (buffer, unix_time);
  g_assert_nonnull (meta);
  g_assert_cmpuint (meta->timestamp, ==, 5 * GST_SECOND);
  g_assert_cmpuint (meta->duration, ==, GST_MSECOND);
  gst_buffer_unref (buffer);

  /* An extension that overruns the header is malformed. */
  {
    g_autofree guint8 *bad = g_memdup2 (g_bytes_get_data (message, NULL),
                                        g_bytes_get_size (message));
    g_autoptr(GError) error = NULL;

    bad[GST_MQTT_FRAME_FIXED_SIZE + strlen ("text/plain") + 2] = 0xff;
    g_assert_false (gst_mqtt_frame_parse (bad, g_bytes_get_size (message), &parsed, &error));
    g_assert_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE);
  }
  gst_mqtt_assembler_clear (&assembler);
}

int
main (int argc, char **argv)
{
  guint i;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/framing/round-trip", test_round_trip);
  g_test_add_func ("/framing/pieces", test_pieces);
  g_test_add_func ("/framing/lost-piece", test_lost_piece);
  g_test_add_func ("/framing/truncated", test_truncated);
  g_test_add_func ("/framing/stream-header", test_stream_header);
  g_test_add_func ("/framing/gaps", test_gaps);
  g_test_add_func ("/framing/reference-timestamps", test_reference_timestamps);
  for (i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autofree char *path = g_strdup_printf ("/framing/malformed/%s", malformed[i].name);

      g_test_add_data_func (path, &malformed[i], test_malformed);
    }
  return g_test_run ();
}
