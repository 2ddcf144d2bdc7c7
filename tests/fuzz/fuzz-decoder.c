/* libFuzzer target for the packet decoder.
 *
 * The first input byte chooses the protocol level (3, 4 or 5), a small or
 * the largest maximum packet size, and the chunk sizes; the rest is the
 * byte stream from the peer. Oracles, beyond the sanitizers:
 * - the incremental decoder fed in chunks yields exactly what decoding the
 *   whole buffer yields (same packets, same error at the same place);
 * - below level 5 every decoded packet re-encodes to the very bytes it was
 *   decoded from (the decoder accepts only canonical encodings), except
 *   the reserved CONNACK byte of MQTT 3.1, which carries no meaning;
 * - at level 5, where a reason code of 0 or an empty property block may be
 *   written or left out (and a broker that speaks 3.1.1 answers with a
 *   CONNACK without properties), the re-encoding decodes to a packet that
 *   encodes to the same bytes again: one canonical form. */

#include "config.h"

#include <string.h>

#include "mqtt-packet-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_reencoding (const MqttPacket *packet, MqttProtocolVersion level, const guint8 *bytes,
                  gsize length)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  MqttProtocolVersion encode_level = level;

  if (packet->type == MQTT_PACKET_CONNECT)
    encode_level = packet->connect.protocol_level;
  if (!mqtt_packet_encode (packet, encode_level, out, &error))
    g_error ("decoded %s does not re-encode: %s", mqtt_packet_type_name (packet->type),
             error->message);
  if (packet->type == MQTT_PACKET_CONNACK && level == MQTT_PROTOCOL_V31)
    return;
  if (out->len == length && memcmp (out->data, bytes, length) == 0)
    return;
  if (encode_level < MQTT_PROTOCOL_V5)
    g_error ("decoded %s re-encodes differently", mqtt_packet_type_name (packet->type));
  else
    {
      g_auto(MqttPacket) again = { 0 };
      g_autoptr(GByteArray) out2 = g_byte_array_new ();
      gsize consumed = 0;

      if (mqtt_packet_decode (out->data, out->len, level, MQTT_MAX_PACKET_SIZE, &again, &consumed,
                              &error) != MQTT_DECODE_PACKET ||
          consumed != out->len || !mqtt_packet_encode (&again, encode_level, out2, &error) ||
          out2->len != out->len || memcmp (out2->data, out->data, out->len) != 0)
        g_error ("decoded %s re-encodes to an unstable form",
                 mqtt_packet_type_name (packet->type));
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  MqttProtocolVersion level;
  gsize max_packet_size, offset = 0, fed = 0, whole_packets = 0, chunk_packets = 0;
  MqttDecodeStatus whole_status = MQTT_DECODE_NEED_MORE, chunk_status = MQTT_DECODE_NEED_MORE;
  g_autoptr(MqttDecoder) decoder = NULL;
  guint chunk_seed;
  const guint8 *stream;
  gsize length;

  if (size < 1)
    return 0;
  level = (data[0] & 1) ? MQTT_PROTOCOL_V31 : (data[0] & 4) ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311;
  max_packet_size = (data[0] & 2) ? 64 : MQTT_MAX_PACKET_SIZE;
  chunk_seed = data[0] >> 3;
  stream = data + 1;
  length = size - 1;

  /* Whole buffer, packet after packet. */
  for (;;)
    {
      g_auto(MqttPacket) packet = { 0 };
      g_autoptr(GError) error = NULL;
      gsize consumed = 0;

      whole_status = mqtt_packet_decode (stream + offset, length - offset, level, max_packet_size,
                                         &packet, &consumed, &error);
      if (whole_status != MQTT_DECODE_PACKET)
        {
          g_assert ((whole_status == MQTT_DECODE_ERROR) == (error != NULL));
          break;
        }
      g_assert (consumed > 0 && consumed <= length - offset);
      check_reencoding (&packet, level, stream + offset, consumed);
      offset += consumed;
      whole_packets++;
    }

  /* The incremental decoder, in chunks of 1 to 64 bytes. */
  decoder = mqtt_decoder_new (level, max_packet_size);
  while (fed < length && chunk_status != MQTT_DECODE_ERROR)
    {
      gsize n = MIN (length - fed, 1 + (chunk_seed + fed * 7) % 64);

      mqtt_decoder_feed (decoder, stream + fed, n);
      fed += n;
      for (;;)
        {
          g_auto(MqttPacket) packet = { 0 };
          g_autoptr(GError) error = NULL;

          chunk_status = mqtt_decoder_next (decoder, &packet, &error);
          if (chunk_status != MQTT_DECODE_PACKET)
            break;
          chunk_packets++;
        }
    }

  g_assert (whole_packets == chunk_packets);
  g_assert (whole_status == chunk_status);
  return 0;
}
