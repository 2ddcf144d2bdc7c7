/* libFuzzer target for the gst framing (mqttsrc's side of a broker).
 *
 * The input is a sequence of messages, each a 2-byte little-endian length
 * and that many bytes (the last one takes what is left), fed in order to
 * one assembler as the payloads of MQTT messages. Oracles, beyond the
 * sanitizers (each message in an exact-size allocation):
 * - a buffer that comes out has the size its header announced, and its
 *   bytes are the pieces' payloads in order (checked against a copy);
 * - nothing comes out of a message that does not parse, and a message
 *   that parses alone either feeds the assembler or is reported dropped;
 * - the drop count never goes down. */

#include "config.h"

#include <string.h>

#include "gstmqttframing.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static gboolean initialised;
  GstMqttAssembler assembler;
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  gsize offset = 0;
  guint64 drops = 0;

  if (!initialised)
    {
      gst_init (NULL, NULL);
      initialised = TRUE;
    }
  gst_mqtt_assembler_init (&assembler);

  while (offset < size)
    {
      gsize length = size - offset;
      g_autoptr(GBytes) message = NULL;
      g_autoptr(GError) error = NULL;
      GstBuffer *buffer = NULL;
      GstClockTime base_time;
      GstMqttFrame frame;
      gboolean parses;
      GstMqttAssemblerResult result;

      if (length >= 2)
        {
          length = MIN ((gsize) (data[offset] | (data[offset + 1] << 8)), length - 2);
          offset += 2;
        }
      message = g_bytes_new (data + offset, length);
      offset += length;

      parses = gst_mqtt_frame_parse (g_bytes_get_data (message, NULL), length, &frame, NULL);
      /* A stream header stands apart: the buffer in progress goes on. */
      if (parses && frame.index == 0 && frame.kind != GST_MQTT_FRAME_HEADER)
        g_byte_array_set_size (expected, 0);
      if (parses && frame.kind == GST_MQTT_FRAME_BUFFER)
        g_byte_array_append (expected, (const guint8 *) g_bytes_get_data (message, NULL) +
                                         frame.header_size, length - frame.header_size);

      result = gst_mqtt_assembler_push (&assembler, message, &buffer, &base_time, &error);
      g_assert (assembler.drops >= drops);
      if (!parses)
        {
          g_assert (result == GST_MQTT_ASSEMBLER_NONE && buffer == NULL && error != NULL);
          g_assert (assembler.drops == drops + 1);
        }
      drops = assembler.drops;
      if (result == GST_MQTT_ASSEMBLER_BUFFER)
        {
          GstMapInfo map;

          g_assert (buffer != NULL && parses);
          g_assert (gst_buffer_get_size (buffer) == frame.total_size);
          g_assert (gst_buffer_map (buffer, &map, GST_MAP_READ));
          g_assert (map.size == expected->len);
          /* An empty buffer may map to NULL: no memcmp with it. */
          g_assert (map.size == 0 || memcmp (map.data, expected->data, map.size) == 0);
          gst_buffer_unmap (buffer, &map);
          gst_buffer_unref (buffer);
        }
      else
        g_assert (buffer == NULL);
      if (result == GST_MQTT_ASSEMBLER_HEADER)
        g_assert (parses && frame.kind == GST_MQTT_FRAME_HEADER && assembler.headers != NULL);
    }
  gst_mqtt_assembler_clear (&assembler);
  return 0;
}
