/* The gst framing: headers written and read back, pieces put together,
 * and every malformed header refused without reading past the message. */

#include "config.h"

#include <string.h>

#include "gstmqttframing.h"

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
  for (i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autofree char *path = g_strdup_printf ("/framing/malformed/%s", malformed[i].name);

      g_test_add_data_func (path, &malformed[i], test_malformed);
    }
  return g_test_run ();
}
