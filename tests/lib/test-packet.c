/* Codec tests: byte-exact vectors for every packet type in both directions
 * and both protocol levels, chunked decoding, malformed input, bounds. */

#include "config.h"

#include <string.h>

#include "mqtt-error.h"
#include "mqtt-packet-private.h"
#include "test-common.h"

#define parse_bytes test_parse_bytes

static GBytes *
bytes_from_string (const char *s)
{
  return g_bytes_new (s, strlen (s));
}

static void
assert_bytes_equal (GBytes *a, GBytes *b)
{
  if (a == NULL || b == NULL)
    {
      g_assert_true (a == b);
      return;
    }
  g_assert_true (g_bytes_equal (a, b));
}

static void
assert_packet_equal (const MqttPacket *a, const MqttPacket *b)
{
  guint i;

  g_assert_cmpint (a->type, ==, b->type);
  g_assert_cmpuint (a->packet_id, ==, b->packet_id);
  switch (a->type)
    {
    case MQTT_PACKET_CONNECT:
      g_assert_cmpint (a->connect.clean_session, ==, b->connect.clean_session);
      g_assert_cmpuint (a->connect.keepalive, ==, b->connect.keepalive);
      g_assert_cmpstr (a->connect.client_id, ==, b->connect.client_id);
      g_assert_cmpint (a->connect.will, ==, b->connect.will);
      g_assert_cmpstr (a->connect.will_topic, ==, b->connect.will_topic);
      assert_bytes_equal (a->connect.will_payload, b->connect.will_payload);
      g_assert_cmpuint (a->connect.will_qos, ==, b->connect.will_qos);
      g_assert_cmpint (a->connect.will_retain, ==, b->connect.will_retain);
      g_assert_cmpstr (a->connect.username, ==, b->connect.username);
      assert_bytes_equal (a->connect.password, b->connect.password);
      break;
    case MQTT_PACKET_CONNACK:
      g_assert_cmpint (a->connack.session_present, ==, b->connack.session_present);
      g_assert_cmpuint (a->connack.return_code, ==, b->connack.return_code);
      break;
    case MQTT_PACKET_PUBLISH:
      g_assert_cmpstr (a->publish.topic, ==, b->publish.topic);
      assert_bytes_equal (a->publish.payload, b->publish.payload);
      g_assert_cmpuint (a->publish.qos, ==, b->publish.qos);
      g_assert_cmpint (a->publish.retain, ==, b->publish.retain);
      g_assert_cmpint (a->publish.dup, ==, b->publish.dup);
      break;
    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_UNSUBSCRIBE:
      g_assert_cmpuint (a->subscribe.n_topics, ==, b->subscribe.n_topics);
      for (i = 0; i < a->subscribe.n_topics; i++)
        {
          g_assert_cmpstr (a->subscribe.topics[i].filter, ==, b->subscribe.topics[i].filter);
          g_assert_cmpuint (a->subscribe.topics[i].qos, ==, b->subscribe.topics[i].qos);
        }
      break;
    case MQTT_PACKET_SUBACK:
      g_assert_cmpmem (a->suback.return_codes, a->suback.n_return_codes,
                       b->suback.return_codes, b->suback.n_return_codes);
      break;
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_UNSUBACK:
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    case MQTT_PACKET_DISCONNECT:
    default:
      break;
    }
}

/* ------------------------------------------------------------------------ */
/* Valid vectors */

typedef struct {
  const char *name;
  MqttProtocolVersion level;
  const char *bytes;
  void (*build) (MqttPacket *packet);
} Vector;

static MqttTopicRequest *
requests (const char *first, ...)
{
  GArray *array = g_array_new (FALSE, TRUE, sizeof (MqttTopicRequest));
  const char *filter;
  va_list ap;

  va_start (ap, first);
  for (filter = first; filter; filter = va_arg (ap, const char *))
    {
      MqttTopicRequest r = { g_strdup (filter), va_arg (ap, int) };

      g_array_append_val (array, r);
    }
  va_end (ap);
  return (MqttTopicRequest *) (void *) g_array_free (array, FALSE);
}

static void
build_connect_minimal (MqttPacket *p)
{
  p->type = MQTT_PACKET_CONNECT;
  p->connect.clean_session = TRUE;
  p->connect.keepalive = 60;
  p->connect.client_id = g_strdup ("abc");
}

static void
build_connect_empty_id (MqttPacket *p)
{
  p->type = MQTT_PACKET_CONNECT;
  p->connect.clean_session = TRUE;
  p->connect.client_id = g_strdup ("");
}

static void
build_connect_full (MqttPacket *p)
{
  p->type = MQTT_PACKET_CONNECT;
  p->connect.clean_session = FALSE;
  p->connect.keepalive = 10;
  p->connect.client_id = g_strdup ("c");
  p->connect.will = TRUE;
  p->connect.will_topic = g_strdup ("w");
  p->connect.will_payload = bytes_from_string ("bye");
  p->connect.will_qos = 1;
  p->connect.will_retain = TRUE;
  p->connect.username = g_strdup ("u");
  p->connect.password = bytes_from_string ("p");
}

static void
build_connect_user_only (MqttPacket *p)
{
  p->type = MQTT_PACKET_CONNECT;
  p->connect.clean_session = TRUE;
  p->connect.keepalive = 0xffff;
  p->connect.client_id = g_strdup ("id");
  p->connect.will = TRUE;
  p->connect.will_topic = g_strdup ("a/b");
  p->connect.will_payload = g_bytes_new (NULL, 0);
  p->connect.will_qos = 2;
  p->connect.username = g_strdup ("user");
}

static void
build_connack (MqttPacket *p)
{
  p->type = MQTT_PACKET_CONNACK;
}

static void
build_connack_session (MqttPacket *p)
{
  p->type = MQTT_PACKET_CONNACK;
  p->connack.session_present = TRUE;
}

static void
build_connack_refused (MqttPacket *p)
{
  p->type = MQTT_PACKET_CONNACK;
  p->connack.return_code = MQTT_CONNACK_REFUSED_NOT_AUTHORIZED;
}

static void
build_publish_qos0 (MqttPacket *p)
{
  p->type = MQTT_PACKET_PUBLISH;
  p->publish.topic = g_strdup ("a/b");
  p->publish.payload = bytes_from_string ("hi");
}

static void
build_publish_qos1 (MqttPacket *p)
{
  p->type = MQTT_PACKET_PUBLISH;
  p->packet_id = 10;
  p->publish.topic = g_strdup ("a/b");
  p->publish.payload = bytes_from_string ("hi");
  p->publish.qos = 1;
  p->publish.retain = TRUE;
  p->publish.dup = TRUE;
}

static void
build_publish_qos2 (MqttPacket *p)
{
  p->type = MQTT_PACKET_PUBLISH;
  p->packet_id = 0x1234;
  p->publish.topic = g_strdup ("a/b");
  p->publish.payload = g_bytes_new (NULL, 0);
  p->publish.qos = 2;
}

static void
build_publish_utf8 (MqttPacket *p)
{
  p->type = MQTT_PACKET_PUBLISH;
  p->publish.topic = g_strdup ("caf\xc3\xa9/\xf0\x9f\x98\x80");
  p->publish.payload = g_bytes_new ("\0\xff", 2);
}

static void
build_publish_long (MqttPacket *p)
{
  g_autofree char *payload = g_strnfill (200, 'x');

  p->type = MQTT_PACKET_PUBLISH;
  p->publish.topic = g_strdup ("t");
  p->publish.payload = bytes_from_string (payload);
}

#define BUILD_ACK(fn, TYPE, id)   \
  static void fn (MqttPacket *p) \
  {                              \
    p->type = TYPE;              \
    p->packet_id = id;           \
  }
BUILD_ACK (build_puback, MQTT_PACKET_PUBACK, 1)
BUILD_ACK (build_pubrec, MQTT_PACKET_PUBREC, 0x0102)
BUILD_ACK (build_pubrel, MQTT_PACKET_PUBREL, 0xffff)
BUILD_ACK (build_pubcomp, MQTT_PACKET_PUBCOMP, 7)
BUILD_ACK (build_unsuback, MQTT_PACKET_UNSUBACK, 2)
BUILD_ACK (build_pingreq, MQTT_PACKET_PINGREQ, 0)
BUILD_ACK (build_pingresp, MQTT_PACKET_PINGRESP, 0)
BUILD_ACK (build_disconnect, MQTT_PACKET_DISCONNECT, 0)

static void
build_subscribe (MqttPacket *p)
{
  p->type = MQTT_PACKET_SUBSCRIBE;
  p->packet_id = 1;
  p->subscribe.topics = requests ("a/+", 1, "#", 2, NULL);
  p->subscribe.n_topics = 2;
}

static void
build_subscribe_sys (MqttPacket *p)
{
  p->type = MQTT_PACKET_SUBSCRIBE;
  p->packet_id = 3;
  p->subscribe.topics = requests ("$SYS/#", 0, NULL);
  p->subscribe.n_topics = 1;
}

static void
build_suback (MqttPacket *p)
{
  static const guint8 codes[] = { 0x01, 0x80 };

  p->type = MQTT_PACKET_SUBACK;
  p->packet_id = 1;
  p->suback.return_codes = g_memdup2 (codes, sizeof codes);
  p->suback.n_return_codes = sizeof codes;
}

static void
build_suback_all (MqttPacket *p)
{
  static const guint8 codes[] = { 0x00, 0x01, 0x02 };

  p->type = MQTT_PACKET_SUBACK;
  p->packet_id = 9;
  p->suback.return_codes = g_memdup2 (codes, sizeof codes);
  p->suback.n_return_codes = sizeof codes;
}

static void
build_unsubscribe (MqttPacket *p)
{
  p->type = MQTT_PACKET_UNSUBSCRIBE;
  p->packet_id = 2;
  p->subscribe.topics = requests ("a/+", 0, "#", 0, NULL);
  p->subscribe.n_topics = 2;
}

#define V4 MQTT_PROTOCOL_V311
#define V3 MQTT_PROTOCOL_V31

static const Vector vectors[] = {
  { "connect-minimal", V4, "10 0f 00 04 'MQTT' 04 02 00 3c 00 03 'abc'", build_connect_minimal },
  { "connect-minimal", V3, "10 11 00 06 'MQIsdp' 03 02 00 3c 00 03 'abc'", build_connect_minimal },
  { "connect-empty-id", V4, "10 0c 00 04 'MQTT' 04 02 00 00 00 00", build_connect_empty_id },
  { "connect-full", V4,
    "10 1b 00 04 'MQTT' 04 ec 00 0a 00 01 'c' 00 01 'w' 00 03 'bye' 00 01 'u' 00 01 'p'",
    build_connect_full },
  { "connect-full", V3,
    "10 1d 00 06 'MQIsdp' 03 ec 00 0a 00 01 'c' 00 01 'w' 00 03 'bye' 00 01 'u' 00 01 'p'",
    build_connect_full },
  { "connect-user-only", V4,
    "10 1b 00 04 'MQTT' 04 96 ff ff 00 02 'id' 00 03 'a/b' 00 00 00 04 'user'",
    build_connect_user_only },
  { "connack", V4, "20 02 00 00", build_connack },
  { "connack", V3, "20 02 00 00", build_connack },
  { "connack-session-present", V4, "20 02 01 00", build_connack_session },
  { "connack-refused", V4, "20 02 00 05", build_connack_refused },
  { "connack-refused", V3, "20 02 00 05", build_connack_refused },
  { "publish-qos0", V4, "30 07 00 03 'a/b' 'hi'", build_publish_qos0 },
  { "publish-qos0", V3, "30 07 00 03 'a/b' 'hi'", build_publish_qos0 },
  { "publish-qos1-dup-retain", V4, "3b 09 00 03 'a/b' 00 0a 'hi'", build_publish_qos1 },
  { "publish-qos1-dup-retain", V3, "3b 09 00 03 'a/b' 00 0a 'hi'", build_publish_qos1 },
  { "publish-qos2-empty", V4, "34 07 00 03 'a/b' 12 34", build_publish_qos2 },
  { "publish-qos2-empty", V3, "34 07 00 03 'a/b' 12 34", build_publish_qos2 },
  { "publish-utf8-binary", V4, "30 0e 00 0a 63 61 66 c3 a9 2f f0 9f 98 80 00 ff",
    build_publish_utf8 },
  { "publish-2-byte-length", V4,
    "30 cb 01 00 01 't' "
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' "
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' "
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' "
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'",
    build_publish_long },
  { "puback", V4, "40 02 00 01", build_puback },
  { "puback", V3, "40 02 00 01", build_puback },
  { "pubrec", V4, "50 02 01 02", build_pubrec },
  { "pubrec", V3, "50 02 01 02", build_pubrec },
  { "pubrel", V4, "62 02 ff ff", build_pubrel },
  { "pubrel", V3, "62 02 ff ff", build_pubrel },
  { "pubcomp", V4, "70 02 00 07", build_pubcomp },
  { "pubcomp", V3, "70 02 00 07", build_pubcomp },
  { "subscribe", V4, "82 0c 00 01 00 03 'a/+' 01 00 01 '#' 02", build_subscribe },
  { "subscribe", V3, "82 0c 00 01 00 03 'a/+' 01 00 01 '#' 02", build_subscribe },
  { "subscribe-sys", V4, "82 0b 00 03 00 06 '$SYS/#' 00", build_subscribe_sys },
  { "suback", V4, "90 04 00 01 01 80", build_suback },
  { "suback", V3, "90 04 00 01 01 80", build_suback },
  { "suback-granted", V4, "90 05 00 09 00 01 02", build_suback_all },
  { "unsubscribe", V4, "a2 0a 00 02 00 03 'a/+' 00 01 '#'", build_unsubscribe },
  { "unsubscribe", V3, "a2 0a 00 02 00 03 'a/+' 00 01 '#'", build_unsubscribe },
  { "unsuback", V4, "b0 02 00 02", build_unsuback },
  { "unsuback", V3, "b0 02 00 02", build_unsuback },
  { "pingreq", V4, "c0 00", build_pingreq },
  { "pingreq", V3, "c0 00", build_pingreq },
  { "pingresp", V4, "d0 00", build_pingresp },
  { "pingresp", V3, "d0 00", build_pingresp },
  { "disconnect", V4, "e0 00", build_disconnect },
  { "disconnect", V3, "e0 00", build_disconnect },
};

static void
test_encode (gconstpointer data)
{
  const Vector *v = data;
  g_autoptr(GByteArray) expected = parse_bytes (v->bytes);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_auto(MqttPacket) packet = { 0 };
  g_autoptr(GError) error = NULL;

  v->build (&packet);
  g_assert_true (mqtt_packet_encode (&packet, v->level, out, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (out->data, out->len, expected->data, expected->len);
}

static void
test_decode (gconstpointer data)
{
  const Vector *v = data;
  g_autoptr(GByteArray) input = parse_bytes (v->bytes);
  /* An exact-size copy, so that a read past the end is caught by ASan. */
  g_autofree guint8 *exact = g_memdup2 (input->data, input->len);
  g_auto(MqttPacket) expected = { 0 };
  g_auto(MqttPacket) packet = { 0 };
  g_autoptr(GError) error = NULL;
  gsize consumed = 0, i;

  v->build (&expected);
  if (expected.type == MQTT_PACKET_CONNECT)
    expected.connect.protocol_level = v->level;
  if (expected.type == MQTT_PACKET_PUBLISH && expected.publish.payload == NULL)
    expected.publish.payload = g_bytes_new (NULL, 0);

  g_assert_cmpint (mqtt_packet_decode (exact, input->len, v->level, MQTT_MAX_PACKET_SIZE, &packet,
                                       &consumed, &error),
                   ==, MQTT_DECODE_PACKET);
  g_assert_no_error (error);
  g_assert_cmpuint (consumed, ==, input->len);
  assert_packet_equal (&packet, &expected);
  if (packet.type == MQTT_PACKET_CONNECT)
    g_assert_cmpuint (packet.connect.protocol_level, ==, v->level);

  /* Every proper prefix is incomplete, never an error. */
  for (i = 0; i < input->len; i++)
    {
      g_autofree guint8 *prefix = g_memdup2 (input->data, i);
      g_auto(MqttPacket) partial = { 0 };

      g_assert_cmpint (mqtt_packet_decode (prefix, i, v->level, MQTT_MAX_PACKET_SIZE, &partial,
                                           &consumed, &error),
                       ==, MQTT_DECODE_NEED_MORE);
      g_assert_no_error (error);
    }
}

/* The CONNACK flags byte is reserved in MQTT 3.1: any value is accepted and
 * means nothing, while 3.1.1 refuses reserved bits. */
static void
test_connack_v31_reserved_byte (void)
{
  static const guint8 bytes[] = { 0x20, 0x02, 0xff, 0x00 };
  g_auto(MqttPacket) packet = { 0 };
  g_autoptr(GError) error = NULL;
  gsize consumed;

  g_assert_cmpint (mqtt_packet_decode (bytes, sizeof bytes, MQTT_PROTOCOL_V31, 64, &packet,
                                       &consumed, &error),
                   ==, MQTT_DECODE_PACKET);
  g_assert_false (packet.connack.session_present);
  g_assert_cmpint (mqtt_packet_decode (bytes, sizeof bytes, MQTT_PROTOCOL_V311, 64, &packet,
                                       &consumed, &error),
                   ==, MQTT_DECODE_ERROR);
  g_assert_error (error, MQTT_PACKET_ERROR, MQTT_PACKET_ERROR_RETURN_CODE);
}

/* Remaining-length boundaries of the variable-length integer. */
static void
test_remaining_length_encoding (void)
{
  static const struct {
    gsize remaining;
    const char *header;
  } cases[] = {
    { 127, "30 7f" },
    { 128, "30 80 01" },
    { 16383, "30 ff 7f" },
    { 16384, "30 80 80 01" },
    { 2097151, "30 ff ff 7f" },
    { 2097152, "30 80 80 80 01" },
    { 268435455, "30 ff ff ff 7f" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GByteArray) expected = parse_bytes (cases[i].header);
      g_autoptr(GError) error = NULL;
      MqttPacket packet;
      gsize consumed;

      /* Topic "t" takes 3 bytes of the remaining length. */
      g_assert_true (mqtt_packet_encode_publish_head (out, "t", 1, 0, FALSE, FALSE, 0,
                                                      cases[i].remaining - 3, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (out->len, ==, expected->len + 3);
      g_assert_cmpmem (out->data, expected->len, expected->data, expected->len);

      /* The decoder reads the same length back: it waits for the body. */
      g_assert_cmpint (mqtt_packet_decode (out->data, out->len, V4, MQTT_MAX_PACKET_SIZE, &packet,
                                           &consumed, &error),
                       ==, cases[i].remaining == 3 ? MQTT_DECODE_PACKET : MQTT_DECODE_NEED_MORE);
      g_assert_no_error (error);
    }
}

static void
test_encode_limits (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *long_topic = g_strnfill (65536, 'a');
  MqttPacket packet = { 0 };

  g_assert_false (mqtt_packet_encode_publish_head (out, "t", 1, 1, FALSE, FALSE, 1,
                                                   MQTT_MAX_REMAINING_LENGTH - 4, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE);
  g_clear_error (&error);
  g_assert_true (mqtt_packet_encode_publish_head (out, "t", 1, 1, FALSE, FALSE, 1,
                                                  MQTT_MAX_REMAINING_LENGTH - 5, &error));
  g_assert_no_error (error);
  g_byte_array_set_size (out, 0);

  g_assert_false (mqtt_packet_encode_publish_head (out, long_topic, 65536, 0, FALSE, FALSE, 0, 0,
                                                   &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_cmpuint (out->len, ==, 0);

  packet.type = MQTT_PACKET_CONNECT;
  packet.connect.client_id = long_topic;
  g_assert_false (mqtt_packet_encode (&packet, V4, out, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_assert_cmpuint (out->len, ==, 0);
}

/* ------------------------------------------------------------------------ */
/* Chunked decoding: the same stream fed whole, byte by byte and in random
 * chunks gives the same packets. */

static GByteArray *
build_stream (MqttProtocolVersion level)
{
  GByteArray *stream = g_byte_array_new ();
  g_autoptr(GByteArray) big = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  guint i, round;

  for (round = 0; round < 3; round++)
    for (i = 0; i < G_N_ELEMENTS (vectors); i++)
      if (vectors[i].level == level)
        {
          g_autoptr(GByteArray) bytes = parse_bytes (vectors[i].bytes);

          g_byte_array_append (stream, bytes->data, bytes->len);
        }

  /* A 100 kB PUBLISH with a 3-byte remaining length. */
  g_assert_true (mqtt_packet_encode_publish_head (big, "big/one", 7, 1, FALSE, FALSE, 77, 100000,
                                                  &error));
  for (i = 0; i < 100000; i++)
    {
      guint8 b = i * 7;

      g_byte_array_append (big, &b, 1);
    }
  g_byte_array_append (stream, big->data, big->len);
  return stream;
}

/* Feeds @stream in chunks of the sizes @next_chunk returns and re-encodes
 * every packet that comes out. */
static GByteArray *
decode_in_chunks (GByteArray *stream, MqttProtocolVersion level, gboolean zero_copy,
                  gsize (*next_chunk) (gsize left), guint *n_packets)
{
  g_autoptr(MqttDecoder) decoder = mqtt_decoder_new (level, MQTT_MAX_PACKET_SIZE);
  GByteArray *reencoded = g_byte_array_new ();
  gsize offset = 0;

  *n_packets = 0;
  while (offset < stream->len)
    {
      gsize left = stream->len - offset;
      gsize wanted = next_chunk (left);
      gsize n = MIN (wanted, left);
      g_autoptr(GError) error = NULL;
      MqttDecodeStatus status;

      if (zero_copy)
        {
          gsize space;
          guint8 *p = mqtt_decoder_get_space (decoder, n, &space);

          /* Less only where a large packet ends. */
          g_assert_cmpuint (space, >, 0);
          n = MIN (n, space);
          memcpy (p, stream->data + offset, n);
          mqtt_decoder_commit (decoder, n);
        }
      else
        mqtt_decoder_feed (decoder, stream->data + offset, n);
      offset += n;

      for (;;)
        {
          g_auto(MqttPacket) packet = { 0 };

          status = mqtt_decoder_next (decoder, &packet, &error);
          g_assert_no_error (error);
          if (status != MQTT_DECODE_PACKET)
            break;
          (*n_packets)++;
          g_assert_true (mqtt_packet_encode (&packet, level, reencoded, &error));
        }
      g_assert_cmpint (status, ==, MQTT_DECODE_NEED_MORE);
    }
  g_assert_cmpuint (mqtt_decoder_get_pending (decoder), ==, 0);
  return reencoded;
}

static gsize
chunk_whole (gsize left)
{
  return left;
}

static gsize
chunk_one (gsize left)
{
  return 1;
}

static gsize
chunk_random (gsize left)
{
  return g_test_rand_int_range (1, 3000);
}

static void
test_chunked (gconstpointer data)
{
  MqttProtocolVersion level = GPOINTER_TO_INT (data);
  g_autoptr(GByteArray) stream = build_stream (level);
  gsize (*chunkers[]) (gsize) = { chunk_whole, chunk_one, chunk_random };
  guint expected_packets = 0, i, zero_copy;

  for (i = 0; i < G_N_ELEMENTS (vectors); i++)
    if (vectors[i].level == level)
      expected_packets += 3;
  expected_packets++;

  for (zero_copy = 0; zero_copy < 2; zero_copy++)
    for (i = 0; i < G_N_ELEMENTS (chunkers); i++)
      {
        guint n_packets;
        g_autoptr(GByteArray) out = decode_in_chunks (stream, level, zero_copy, chunkers[i],
                                                      &n_packets);

        g_assert_cmpuint (n_packets, ==, expected_packets);
        /* Every vector is canonical, so re-encoding gives the stream back. */
        g_assert_cmpmem (out->data, out->len, stream->data, stream->len);
      }
}

/* ------------------------------------------------------------------------ */
/* Malformed input */

typedef struct {
  const char *name;
  const char *bytes;
  int code;   /* a MqttPacketError */
  MqttProtocolVersion level;
  gsize max_packet_size;   /* 0: the protocol maximum */
} Malformed;

#define E(x) MQTT_PACKET_ERROR_##x

static const Malformed malformed[] = {
  { "type-0", "00 00", E (TYPE) },
  { "type-15", "f0 00", E (TYPE) },
  { "connect-flags", "11 00", E (FLAGS) },
  { "connack-flags", "21 02 00 00", E (FLAGS) },
  { "puback-flags", "48 02 00 01", E (FLAGS) },
  { "pubrel-flags-0", "60 02 00 01", E (FLAGS) },
  { "subscribe-flags-0", "80 06 00 01 00 01 'a' 00", E (FLAGS) },
  { "unsubscribe-flags-3", "a3 05 00 01 00 01 'a'", E (FLAGS) },
  { "pingreq-flags", "c1 00", E (FLAGS) },
  { "disconnect-flags", "e4 00", E (FLAGS) },
  { "publish-qos3", "36 07 00 03 'a/b' 00 01", E (QOS) },
  { "publish-dup-qos0", "38 05 00 03 'a/b'", E (FLAGS) },
  { "length-5-bytes", "30 ff ff ff ff 7f", E (REMAINING_LENGTH) },
  { "length-5-bytes-partial", "30 80 80 80 80", E (REMAINING_LENGTH) },
  { "length-not-minimal-2", "30 80 00", E (REMAINING_LENGTH) },
  { "length-not-minimal-3", "30 85 80 00", E (REMAINING_LENGTH) },
  { "length-not-minimal-4", "d0 80 80 80 00", E (REMAINING_LENGTH) },
  { "too-large", "30 c8 01 00 01 't'", E (TOO_LARGE), V4, 100 },
  { "too-large-claim", "30 ff ff ff 7f", E (TOO_LARGE), V4, 1024 * 1024 },
  { "puback-length-3", "40 03 00 01 00", E (LENGTH) },
  { "puback-length-1", "40 01 00", E (LENGTH) },
  { "pingresp-length-1", "d0 01 00", E (LENGTH) },
  { "pingreq-huge", "c0 ff ff ff 7f", E (LENGTH) },
  { "connack-length-3", "20 03 00 00 00", E (LENGTH) },
  { "disconnect-length-2", "e0 02 00 00", E (LENGTH) },
  { "unsuback-length-0", "b0 00", E (LENGTH) },
  { "puback-id-0", "40 02 00 00", E (PACKET_ID) },
  { "pubrec-id-0", "50 02 00 00", E (PACKET_ID) },
  { "pubrel-id-0", "62 02 00 00", E (PACKET_ID) },
  { "pubcomp-id-0", "70 02 00 00", E (PACKET_ID) },
  { "unsuback-id-0", "b0 02 00 00", E (PACKET_ID) },
  { "publish-qos1-id-0", "32 07 00 03 'a/b' 00 00", E (PACKET_ID) },
  { "publish-qos2-id-0", "34 07 00 03 'a/b' 00 00", E (PACKET_ID) },
  { "subscribe-id-0", "82 06 00 00 00 01 'a' 00", E (PACKET_ID) },
  { "suback-id-0", "90 03 00 00 00", E (PACKET_ID) },
  { "unsubscribe-id-0", "a2 05 00 00 00 01 'a'", E (PACKET_ID) },
  { "publish-length-0", "30 00", E (LENGTH) },
  { "publish-length-1", "30 01 00", E (LENGTH) },
  { "publish-topic-past-end", "30 03 00 05 'a'", E (LENGTH) },
  { "publish-qos1-no-id", "32 05 00 03 'a/b'", E (LENGTH) },
  { "publish-qos1-half-id", "32 06 00 03 'a/b' 00", E (LENGTH) },
  { "publish-empty-topic", "30 02 00 00", E (TOPIC) },
  { "publish-topic-plus", "30 05 00 03 'a/+'", E (TOPIC) },
  { "publish-topic-hash", "30 03 00 01 '#'", E (TOPIC) },
  { "publish-topic-bad-utf8", "30 04 00 02 c3 28", E (UTF8) },
  { "publish-topic-nul", "30 05 00 03 'a' 00 'b'", E (UTF8) },
  { "publish-topic-overlong-nul", "30 04 00 02 c0 80", E (UTF8) },
  { "publish-topic-surrogate", "30 05 00 03 ed a0 80", E (UTF8) },
  { "publish-topic-truncated-utf8", "30 04 00 02 'a' e2", E (UTF8) },
  { "publish-topic-above-max-cp", "30 06 00 04 f4 90 80 80", E (UTF8) },
  { "subscribe-empty", "82 02 00 01", E (EMPTY) },
  { "subscribe-qos3", "82 06 00 01 00 01 'a' 03", E (QOS) },
  { "subscribe-qos-reserved-bits", "82 06 00 01 00 01 'a' 41", E (QOS) },
  { "subscribe-no-qos", "82 05 00 01 00 01 'a'", E (LENGTH) },
  { "subscribe-second-no-qos", "82 09 00 01 00 01 'a' 00 00 01 'b'", E (LENGTH) },
  { "subscribe-filter-a-hash", "82 07 00 01 00 02 'a#' 00", E (TOPIC) },
  { "subscribe-filter-hash-not-last", "82 08 00 01 00 03 '#/a' 00", E (TOPIC) },
  { "subscribe-filter-plus-in-level", "82 09 00 01 00 04 'a+/b' 00", E (TOPIC) },
  { "subscribe-filter-empty", "82 05 00 01 00 00 00", E (TOPIC) },
  { "subscribe-filter-bad-utf8", "82 07 00 01 00 02 ff fe 00", E (UTF8) },
  { "unsubscribe-empty", "a2 02 00 01", E (EMPTY) },
  { "unsubscribe-bad-utf8", "a2 05 00 01 00 01 80", E (UTF8) },
  { "unsubscribe-partial-string", "a2 08 00 01 00 01 'a' 00 05 'b'", E (LENGTH) },
  { "unsubscribe-hash-not-last", "a2 09 00 01 00 05 'a/#/b'", E (TOPIC) },
  { "unsubscribe-filter-plus-hash", "a2 06 00 01 00 02 '+#'", E (TOPIC) },
  { "suback-empty", "90 02 00 01", E (EMPTY) },
  { "suback-code-3", "90 03 00 01 03", E (RETURN_CODE) },
  { "suback-code-81", "90 04 00 01 00 81", E (RETURN_CODE) },
  { "connack-reserved-flags", "20 02 02 00", E (RETURN_CODE) },
  { "connack-session-refused", "20 02 01 05", E (RETURN_CODE) },
  { "connect-protocol-name", "10 0c 00 04 'MQTX' 04 02 00 00 00 00", E (PROTOCOL) },
  { "connect-mqtt-level-3", "10 0c 00 04 'MQTT' 03 02 00 00 00 00", E (PROTOCOL) },
  { "connect-mqisdp-level-4", "10 0e 00 06 'MQIsdp' 04 02 00 00 00 00", E (PROTOCOL) },
  { "connect-level-5", "10 0d 00 04 'MQTT' 05 02 00 00 00 00 00", E (PROTOCOL) },
  { "connect-reserved-flag", "10 0c 00 04 'MQTT' 04 03 00 00 00 00", E (CONNECT_FLAGS) },
  { "connect-will-qos3", "10 11 00 04 'MQTT' 04 1e 00 00 00 00 00 01 'w' 00 00", E (QOS) },
  { "connect-will-retain-no-will", "10 0c 00 04 'MQTT' 04 22 00 00 00 00", E (CONNECT_FLAGS) },
  { "connect-will-qos-no-will", "10 0c 00 04 'MQTT' 04 0a 00 00 00 00", E (CONNECT_FLAGS) },
  { "connect-password-no-user", "10 0f 00 04 'MQTT' 04 42 00 00 00 00 00 01 'p'",
    E (CONNECT_FLAGS) },
  { "connect-trailing-byte", "10 0d 00 04 'MQTT' 04 02 00 00 00 00 00", E (LENGTH) },
  { "connect-missing-user", "10 0c 00 04 'MQTT' 04 82 00 00 00 00", E (LENGTH) },
  { "connect-missing-will", "10 0c 00 04 'MQTT' 04 06 00 00 00 00", E (LENGTH) },
  { "connect-will-wildcard", "10 11 00 04 'MQTT' 04 06 00 00 00 00 00 01 '#' 00 00", E (TOPIC) },
  { "connect-client-id-bad-utf8", "10 0d 00 04 'MQTT' 04 02 00 00 00 01 ff", E (UTF8) },
  { "connect-user-nul", "10 0f 00 04 'MQTT' 04 82 00 00 00 00 00 01 00", E (UTF8) },
  { "connect-truncated-header", "10 05 00 04 'MQT'", E (LENGTH) },
};

static void
test_malformed (gconstpointer data)
{
  const Malformed *m = data;
  MqttProtocolVersion level = m->level ? m->level : V4;
  gsize max = m->max_packet_size ? m->max_packet_size : MQTT_MAX_PACKET_SIZE;
  g_autoptr(GByteArray) input = parse_bytes (m->bytes);
  g_autofree guint8 *exact = g_memdup2 (input->data, input->len);
  g_autoptr(MqttDecoder) decoder = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(MqttPacket) packet = { 0 };
  MqttDecodeStatus status = MQTT_DECODE_NEED_MORE;
  gsize consumed = 0, i;

  g_assert_cmpint (mqtt_packet_decode (exact, input->len, level, max, &packet, &consumed, &error),
                   ==, MQTT_DECODE_ERROR);
  g_assert_error (error, MQTT_PACKET_ERROR, m->code);
  g_assert_cmpint (packet.type, ==, 0);
  g_clear_error (&error);

  /* Fed byte by byte, the decoder fails with the same error, no later than
   * at the last byte. */
  decoder = mqtt_decoder_new (level, max);
  for (i = 0; i < input->len && status == MQTT_DECODE_NEED_MORE; i++)
    {
      mqtt_decoder_feed (decoder, input->data + i, 1);
      status = mqtt_decoder_next (decoder, &packet, &error);
    }
  g_assert_cmpint (status, ==, MQTT_DECODE_ERROR);
  g_assert_error (error, MQTT_PACKET_ERROR, m->code);
}

/* Memory grows with the bytes received, not with the length a peer claims. */
static void
test_claimed_length_bounded (void)
{
  g_autoptr(MqttDecoder) decoder = mqtt_decoder_new (V4, MQTT_MAX_PACKET_SIZE);
  static const guint8 header[] = { 0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 't' };
  guint8 chunk[1000];
  g_auto(MqttPacket) packet = { 0 };
  g_autoptr(GError) error = NULL;
  guint i;

  memset (chunk, 'x', sizeof chunk);
  mqtt_decoder_feed (decoder, header, sizeof header);
  for (i = 0; i < 100; i++)
    {
      gsize space;
      guint8 *p = mqtt_decoder_get_space (decoder, sizeof chunk, &space);

      memcpy (p, chunk, sizeof chunk);
      mqtt_decoder_commit (decoder, sizeof chunk);
      g_assert_cmpint (mqtt_decoder_next (decoder, &packet, &error), ==, MQTT_DECODE_NEED_MORE);
    }
  g_assert_cmpuint (mqtt_decoder_get_pending (decoder), ==, sizeof header + 100 * sizeof chunk);
  /* 100 kB received of 256 MB claimed: the buffer holds about that. */
  g_assert_cmpuint (mqtt_decoder_get_allocated (decoder), <=, 4 * (sizeof header + 100 * 1000));

  /* A large packet's buffer is released once it has been decoded. */
  mqtt_decoder_reset (decoder);
  g_assert_cmpuint (mqtt_decoder_get_pending (decoder), ==, 0);
}

/* A large PUBLISH payload is not copied out of the buffer it was read
 * into: reads stop at the end of its packet, the payload references the
 * buffer, and the bytes read next go to a buffer of their own, sized at once
 * for the next packet alike. */
static void
test_large_payload_referenced (void)
{
  g_autoptr(MqttDecoder) decoder = mqtt_decoder_new (V4, MQTT_MAX_PACKET_SIZE);
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autoptr(GBytes) first = NULL;
  const gsize sizes[] = { 200 * 1024, 200 * 1024, 100 };
  gsize offset = 0, i, reads_first = 0;
  g_autoptr(GError) error = NULL;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_auto(MqttPacket) p = { 0 };
      guint8 *payload = g_malloc (sizes[i]);

      memset (payload, 'a' + i, sizes[i]);
      p.type = MQTT_PACKET_PUBLISH;
      p.publish.topic = g_strdup ("big");
      p.publish.payload = g_bytes_new_take (payload, sizes[i]);
      g_assert_true (mqtt_packet_encode (&p, V4, stream, &error));
    }

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_auto(MqttPacket) packet = { 0 };
      MqttDecodeStatus status;
      const guint8 *last_read = NULL, *payload_end;
      gsize last_n = 0;
      gsize reads = 0;

      /* As a client does: packets already there first, then a read. */
      while ((status = mqtt_decoder_next (decoder, &packet, &error)) == MQTT_DECODE_NEED_MORE)
        {
          /* Whatever is left of the stream is offered at each read. */
          gsize space, n;
          guint8 *p = mqtt_decoder_get_space (decoder, 64 * 1024, &space);

          n = MIN (space, stream->len - offset);
          g_assert_cmpuint (n, >, 0);
          memcpy (p, stream->data + offset, n);
          mqtt_decoder_commit (decoder, n);
          last_read = p;
          last_n = n;
          offset += n;
          reads++;
        }
      g_assert_no_error (error);
      g_assert_cmpint (packet.type, ==, MQTT_PACKET_PUBLISH);
      g_assert_cmpuint (g_bytes_get_size (packet.publish.payload), ==, sizes[i]);
      g_assert_cmpuint (((const guint8 *) g_bytes_get_data (packet.publish.payload, NULL))[0],
                        ==, 'a' + i);
      /* The large ones end in the memory the last read wrote. */
      payload_end = (const guint8 *) g_bytes_get_data (packet.publish.payload, NULL) + sizes[i];
      if (sizes[i] >= 16 * 1024)
        g_assert_true (payload_end > last_read && payload_end <= last_read + last_n);
      if (i == 0)
        {
          first = g_bytes_ref (packet.publish.payload);
          reads_first = reads;
        }
      else if (i == 1)
        /* Sized at once: the first packet took several reads (a buffer
         * growing), this one fewer. */
        g_assert_cmpuint (reads, <, reads_first);
      /* Nothing read after a referenced payload went over it. */
      g_assert_cmpuint (((const guint8 *) g_bytes_get_data (first, NULL))[sizes[0] - 1], ==, 'a');
    }
  g_assert_cmpuint (offset, ==, stream->len);
  g_assert_cmpuint (mqtt_decoder_get_pending (decoder), ==, 0);
}

/* Packets decoded one after another from one buffer stop exactly at their
 * end, and trailing garbage after valid packets is reported. */
static void
test_garbage_after_packets (void)
{
  g_autoptr(MqttDecoder) decoder = mqtt_decoder_new (V4, MQTT_MAX_PACKET_SIZE);
  g_autoptr(GByteArray) input = parse_bytes ("d0 00 40 02 00 05 ff ff");
  g_autoptr(GError) error = NULL;
  g_auto(MqttPacket) packet = { 0 };

  mqtt_decoder_feed (decoder, input->data, input->len);
  g_assert_cmpint (mqtt_decoder_next (decoder, &packet, &error), ==, MQTT_DECODE_PACKET);
  g_assert_cmpint (packet.type, ==, MQTT_PACKET_PINGRESP);
  g_assert_cmpint (mqtt_decoder_next (decoder, &packet, &error), ==, MQTT_DECODE_PACKET);
  g_assert_cmpint (packet.type, ==, MQTT_PACKET_PUBACK);
  g_assert_cmpuint (packet.packet_id, ==, 5);
  g_assert_cmpint (mqtt_decoder_next (decoder, &packet, &error), ==, MQTT_DECODE_ERROR);
  g_assert_error (error, MQTT_PACKET_ERROR, MQTT_PACKET_ERROR_TYPE);
}

int
main (int argc, char *argv[])
{
  guint i;

  g_test_init (&argc, &argv, NULL);

  for (i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *enc = g_strdup_printf ("/packet/encode/v%d/%s",
                                              vectors[i].level == V3 ? 31 : 311, vectors[i].name);
      g_autofree char *dec = g_strdup_printf ("/packet/decode/v%d/%s",
                                              vectors[i].level == V3 ? 31 : 311, vectors[i].name);

      g_test_add_data_func (enc, &vectors[i], test_encode);
      g_test_add_data_func (dec, &vectors[i], test_decode);
    }
  for (i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autofree char *path = g_strdup_printf ("/packet/malformed/%s", malformed[i].name);

      g_test_add_data_func (path, &malformed[i], test_malformed);
    }
  g_test_add_data_func ("/packet/chunked/v31", GINT_TO_POINTER (V3), test_chunked);
  g_test_add_data_func ("/packet/chunked/v311", GINT_TO_POINTER (V4), test_chunked);
  g_test_add_func ("/packet/connack-v31-reserved-byte", test_connack_v31_reserved_byte);
  g_test_add_func ("/packet/remaining-length-encoding", test_remaining_length_encoding);
  g_test_add_func ("/packet/encode-limits", test_encode_limits);
  g_test_add_func ("/packet/claimed-length-bounded", test_claimed_length_bounded);
  g_test_add_func ("/packet/garbage-after-packets", test_garbage_after_packets);
  g_test_add_func ("/packet/large-payload-referenced", test_large_payload_referenced);

  return g_test_run ();
}
