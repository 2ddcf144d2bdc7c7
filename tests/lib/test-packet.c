/* Codec tests: byte-exact vectors for every packet type in both directions
 * and at every protocol level (3, 4 and 5, properties and reason codes
 * included), chunked decoding, malformed input with the error (and so the
 * MQTT 5 reason code) each violation gets, bounds. */

#include "config.h"

#include <string.h>

#include "mqtt-error.h"
#include "mqtt-packet-private.h"
#include "mqtt-properties-private.h"
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

/* Properties compare by their wire form: same properties, same order. */
static void
assert_props_equal (MqttProperties *a, MqttProperties *b)
{
  g_autofree guint8 *wa = NULL, *wb = NULL;
  gsize na, nb;

  g_assert_true ((a == NULL) == (b == NULL));
  if (a == NULL)
    return;
  na = mqtt_properties_encoded_size (a, NULL);
  nb = mqtt_properties_encoded_size (b, NULL);
  wa = g_malloc (na);
  wb = g_malloc (nb);
  g_assert_true (mqtt_properties_write (a, wa) == wa + na);
  g_assert_true (mqtt_properties_write (b, wb) == wb + nb);
  g_assert_cmpmem (wa, na, wb, nb);
}

static void
assert_packet_equal (const MqttPacket *a, const MqttPacket *b)
{
  guint i;

  g_assert_cmpint (a->type, ==, b->type);
  g_assert_cmpuint (a->packet_id, ==, b->packet_id);
  g_assert_cmpuint (a->reason_code, ==, b->reason_code);
  assert_props_equal (a->props, b->props);
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
      assert_props_equal (a->connect.will_props, b->connect.will_props);
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
          g_assert_cmpuint (a->subscribe.topics[i].options, ==, b->subscribe.topics[i].options);
        }
      break;
    case MQTT_PACKET_SUBACK:
    case MQTT_PACKET_UNSUBACK:
      g_assert_cmpmem (a->suback.return_codes, a->suback.n_return_codes,
                       b->suback.return_codes, b->suback.n_return_codes);
      break;
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    case MQTT_PACKET_DISCONNECT:
    case MQTT_PACKET_AUTH:
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
      int options = va_arg (ap, int);
      MqttTopicRequest r = { g_strdup (filter), options & 3, options & ~3 };

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


/* Level 5 */

static void
build_v5_connect_minimal (MqttPacket *p)
{
  build_connect_minimal (p);
}

static void
build_v5_connect_full (MqttPacket *p)
{
  MqttProperties *props = mqtt_properties_new (), *will = mqtt_properties_new ();

  build_connect_full (p);
  mqtt_properties_set_session_expiry_interval (props, 3600);
  mqtt_properties_set_receive_maximum (props, 20);
  mqtt_properties_set_maximum_packet_size (props, 65536);
  mqtt_properties_set_topic_alias_maximum (props, 10);
  mqtt_properties_set_request_problem_information (props, 0);
  mqtt_properties_add_user_property (props, "k", "v");
  mqtt_properties_set_authentication_method (props, "SCRAM");
  mqtt_properties_set_from_string (props, MQTT_PROPERTY_AUTHENTICATION_DATA, "x", NULL);
  p->props = props;
  mqtt_properties_set_will_delay_interval (will, 5);
  mqtt_properties_set_payload_format_indicator (will, 1);
  mqtt_properties_set_message_expiry_interval (will, 100);
  mqtt_properties_set_content_type (will, "t");
  mqtt_properties_set_response_topic (will, "r");
  mqtt_properties_set_from_string (will, MQTT_PROPERTY_CORRELATION_DATA, "c", NULL);
  mqtt_properties_add_user_property (will, "a", "b");
  p->connect.will_props = will;
}

static void
build_v5_connect_password_only (MqttPacket *p)
{
  p->type = MQTT_PACKET_CONNECT;
  p->connect.clean_session = TRUE;
  p->connect.client_id = g_strdup ("");
  p->connect.password = bytes_from_string ("p");
}

static void
build_v5_connack_full (MqttPacket *p)
{
  MqttProperties *props = mqtt_properties_new ();

  p->type = MQTT_PACKET_CONNACK;
  p->connack.session_present = TRUE;
  mqtt_properties_set_receive_maximum (props, 10);
  mqtt_properties_set_maximum_qos (props, 1);
  mqtt_properties_set_retain_available (props, 0);
  mqtt_properties_set_maximum_packet_size (props, 1024);
  mqtt_properties_set_assigned_client_identifier (props, "gen");
  mqtt_properties_set_topic_alias_maximum (props, 5);
  mqtt_properties_set_reason_string (props, "ok");
  mqtt_properties_set_wildcard_subscription_available (props, 1);
  mqtt_properties_set_subscription_identifier_available (props, 0);
  mqtt_properties_set_shared_subscription_available (props, 1);
  mqtt_properties_set_server_keep_alive (props, 30);
  mqtt_properties_set_response_information (props, "ri");
  mqtt_properties_set_server_reference (props, "other");
  mqtt_properties_set_session_expiry_interval (props, 60);
  p->props = props;
}

static MqttProperties *
reason_string (const char *text)
{
  MqttProperties *props = mqtt_properties_new ();

  mqtt_properties_set_reason_string (props, text);
  return props;
}

static MqttProperties *
user_property (const char *name, const char *value)
{
  MqttProperties *props = mqtt_properties_new ();

  mqtt_properties_add_user_property (props, name, value);
  return props;
}

static void
build_v5_connack_refused (MqttPacket *p)
{
  p->type = MQTT_PACKET_CONNACK;
  p->connack.return_code = 0x87;
  p->props = reason_string ("no");
}

static void
build_v5_publish_props (MqttPacket *p)
{
  MqttProperties *props = mqtt_properties_new ();

  p->type = MQTT_PACKET_PUBLISH;
  p->packet_id = 10;
  p->publish.topic = g_strdup ("a/b");
  p->publish.payload = bytes_from_string ("hi");
  p->publish.qos = 1;
  mqtt_properties_set_payload_format_indicator (props, 1);
  mqtt_properties_set_message_expiry_interval (props, 60);
  mqtt_properties_set_content_type (props, "text/plain");
  mqtt_properties_set_response_topic (props, "reply");
  mqtt_properties_set_from_string (props, MQTT_PROPERTY_CORRELATION_DATA, "id", NULL);
  mqtt_properties_add_user_property (props, "k", "v");
  p->props = props;
}

static void
build_v5_publish_from_server (MqttPacket *p)
{
  MqttProperties *props = mqtt_properties_new ();

  p->type = MQTT_PACKET_PUBLISH;
  p->publish.topic = g_strdup ("a");
  p->publish.payload = bytes_from_string ("x");
  mqtt_properties_add_subscription_identifier (props, 1);
  mqtt_properties_add_subscription_identifier (props, 300);
  mqtt_properties_set_topic_alias (props, 7);
  p->props = props;
}

static void
build_v5_publish_alias_only (MqttPacket *p)
{
  MqttProperties *props = mqtt_properties_new ();

  p->type = MQTT_PACKET_PUBLISH;
  p->publish.topic = g_strdup ("");
  p->publish.payload = bytes_from_string ("x");
  mqtt_properties_set_topic_alias (props, 7);
  p->props = props;
}

static void
build_v5_puback_reason (MqttPacket *p)
{
  build_puback (p);
  p->reason_code = 0x10;
}

static void
build_v5_puback_reason_props (MqttPacket *p)
{
  build_puback (p);
  p->reason_code = 0x87;
  p->props = reason_string ("no");
}

static void
build_v5_pubrec_reason (MqttPacket *p)
{
  build_pubrec (p);
  p->reason_code = 0x80;
}

static void
build_v5_pubrel_not_found (MqttPacket *p)
{
  build_pubrel (p);
  p->reason_code = 0x92;
}

static void
build_v5_pubcomp_props (MqttPacket *p)
{
  build_pubcomp (p);
  p->props = user_property ("k", "v");
}

static void
build_v5_subscribe (MqttPacket *p)
{
  MqttProperties *props = mqtt_properties_new ();

  p->type = MQTT_PACKET_SUBSCRIBE;
  p->packet_id = 1;
  p->subscribe.topics = requests ("a/+", 1 | MQTT_SUBSCRIBE_NO_LOCAL |
                                           MQTT_SUBSCRIBE_RETAIN_AS_PUBLISHED |
                                           2 << MQTT_SUBSCRIBE_RETAIN_HANDLING_SHIFT,
                                  "#", 2 | 1 << MQTT_SUBSCRIBE_RETAIN_HANDLING_SHIFT, NULL);
  p->subscribe.n_topics = 2;
  mqtt_properties_add_subscription_identifier (props, 5);
  p->props = props;
}

static void
build_v5_subscribe_shared (MqttPacket *p)
{
  p->type = MQTT_PACKET_SUBSCRIBE;
  p->packet_id = 4;
  p->subscribe.topics = requests ("$share/g/a/#", 1, NULL);
  p->subscribe.n_topics = 1;
}

static void
build_v5_suback (MqttPacket *p)
{
  static const guint8 codes[] = { 0x00, 0x01, 0x02, 0x80, 0x87, 0x97, 0x9e, 0xa1, 0xa2 };

  p->type = MQTT_PACKET_SUBACK;
  p->packet_id = 9;
  p->suback.return_codes = g_memdup2 (codes, sizeof codes);
  p->suback.n_return_codes = sizeof codes;
  p->props = reason_string ("ok");
}

static void
build_v5_unsubscribe (MqttPacket *p)
{
  build_unsubscribe (p);
  p->props = user_property ("k", "v");
}

static void
build_v5_unsuback (MqttPacket *p)
{
  static const guint8 codes[] = { 0x00, 0x11, 0x87 };

  p->type = MQTT_PACKET_UNSUBACK;
  p->packet_id = 2;
  p->suback.return_codes = g_memdup2 (codes, sizeof codes);
  p->suback.n_return_codes = sizeof codes;
}

static void
build_v5_disconnect_with_will (MqttPacket *p)
{
  build_disconnect (p);
  p->reason_code = 0x04;
}

static void
build_v5_disconnect_taken_over (MqttPacket *p)
{
  build_disconnect (p);
  p->reason_code = 0x8e;
  p->props = reason_string ("taken");
  mqtt_properties_set_server_reference (p->props, "other");
}

static void
build_v5_disconnect_session_expiry (MqttPacket *p)
{
  build_disconnect (p);
  p->props = mqtt_properties_new ();
  mqtt_properties_set_session_expiry_interval (p->props, 10);
}

static void
build_v5_auth (MqttPacket *p)
{
  p->type = MQTT_PACKET_AUTH;
}

static void
build_v5_auth_continue (MqttPacket *p)
{
  p->type = MQTT_PACKET_AUTH;
  p->reason_code = 0x18;
  p->props = mqtt_properties_new ();
  mqtt_properties_set_authentication_method (p->props, "SCRAM");
  mqtt_properties_set_from_string (p->props, MQTT_PROPERTY_AUTHENTICATION_DATA, "abc", NULL);
}

#define V5 MQTT_PROTOCOL_V5
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
  { "connect-minimal", V5, "10 10 00 04 'MQTT' 05 02 00 3c 00 00 03 'abc'",
    build_v5_connect_minimal },
  { "connect-full", V5,
    "10 61 00 04 'MQTT' 05 ec 00 0a "
    "25 11 00 00 0e 10 21 00 14 27 00 01 00 00 22 00 0a 17 00 26 00 01 'k' 00 01 'v' "
    "15 00 05 'SCRAM' 16 00 01 'x' "
    "00 01 'c' "
    "1f 18 00 00 00 05 01 01 02 00 00 00 64 03 00 01 't' 08 00 01 'r' 09 00 01 'c' "
    "26 00 01 'a' 00 01 'b' "
    "00 01 'w' 00 03 'bye' 00 01 'u' 00 01 'p'",
    build_v5_connect_full },
  { "connect-password-only", V5, "10 10 00 04 'MQTT' 05 42 00 00 00 00 00 00 01 'p'",
    build_v5_connect_password_only },
  { "connack", V5, "20 03 00 00 00", build_connack },
  { "connack-full", V5,
    "20 38 01 00 35 21 00 0a 24 01 25 00 27 00 00 04 00 12 00 03 'gen' 22 00 05 "
    "1f 00 02 'ok' 28 01 29 00 2a 01 13 00 1e 1a 00 02 'ri' 1c 00 05 'other' 11 00 00 00 3c",
    build_v5_connack_full },
  { "connack-refused", V5, "20 08 00 87 05 1f 00 02 'no'", build_v5_connack_refused },
  { "publish-qos0", V5, "30 08 00 03 'a/b' 00 'hi'", build_publish_qos0 },
  { "publish-qos2-empty", V5, "34 08 00 03 'a/b' 12 34 00", build_publish_qos2 },
  { "publish-props", V5,
    "32 32 00 03 'a/b' 00 0a 28 01 01 02 00 00 00 3c 03 00 0a 'text/plain' "
    "08 00 05 'reply' 09 00 02 'id' 26 00 01 'k' 00 01 'v' 'hi'",
    build_v5_publish_props },
  { "publish-from-server", V5, "30 0d 00 01 'a' 08 0b 01 0b ac 02 23 00 07 'x'",
    build_v5_publish_from_server },
  { "publish-alias-only", V5, "30 07 00 00 03 23 00 07 'x'", build_v5_publish_alias_only },
  { "puback", V5, "40 02 00 01", build_puback },
  { "puback-reason", V5, "40 03 00 01 10", build_v5_puback_reason },
  { "puback-reason-props", V5, "40 09 00 01 87 05 1f 00 02 'no'", build_v5_puback_reason_props },
  { "pubrec-reason", V5, "50 03 01 02 80", build_v5_pubrec_reason },
  { "pubrel-not-found", V5, "62 03 ff ff 92", build_v5_pubrel_not_found },
  { "pubcomp-props", V5, "70 0b 00 07 00 07 26 00 01 'k' 00 01 'v'", build_v5_pubcomp_props },
  { "subscribe-options", V5, "82 0f 00 01 02 0b 05 00 03 'a/+' 2d 00 01 '#' 12",
    build_v5_subscribe },
  { "subscribe-shared", V5, "82 12 00 04 00 00 0c '$share/g/a/#' 01", build_v5_subscribe_shared },
  { "suback", V5, "90 11 00 09 05 1f 00 02 'ok' 00 01 02 80 87 97 9e a1 a2", build_v5_suback },
  { "unsubscribe", V5, "a2 12 00 02 07 26 00 01 'k' 00 01 'v' 00 03 'a/+' 00 01 '#'",
    build_v5_unsubscribe },
  { "unsuback", V5, "b0 06 00 02 00 00 11 87", build_v5_unsuback },
  { "pingreq", V5, "c0 00", build_pingreq },
  { "pingresp", V5, "d0 00", build_pingresp },
  { "disconnect", V5, "e0 00", build_disconnect },
  { "disconnect-with-will", V5, "e0 01 04", build_v5_disconnect_with_will },
  { "disconnect-taken-over", V5, "e0 12 8e 10 1f 00 05 'taken' 1c 00 05 'other'",
    build_v5_disconnect_taken_over },
  { "disconnect-session-expiry", V5, "e0 07 00 05 11 00 00 00 0a",
    build_v5_disconnect_session_expiry },
  { "auth", V5, "f0 00", build_v5_auth },
  { "auth-continue", V5, "f0 10 18 0e 15 00 05 'SCRAM' 16 00 03 'abc'", build_v5_auth_continue },
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
      g_assert_true (mqtt_packet_encode_publish_head (out, V4, NULL, "t", 1, 0, FALSE, FALSE, 0,
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

  g_assert_false (mqtt_packet_encode_publish_head (out, V4, NULL, "t", 1, 1, FALSE, FALSE, 1,
                                                   MQTT_MAX_REMAINING_LENGTH - 4, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE);
  g_clear_error (&error);
  g_assert_true (mqtt_packet_encode_publish_head (out, V4, NULL, "t", 1, 1, FALSE, FALSE, 1,
                                                  MQTT_MAX_REMAINING_LENGTH - 5, &error));
  g_assert_no_error (error);
  g_byte_array_set_size (out, 0);

  g_assert_false (mqtt_packet_encode_publish_head (out, V4, NULL, long_topic, 65536, 0, FALSE,
                                                   FALSE, 0, 0, &error));
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
  g_assert_true (mqtt_packet_encode_publish_head (big, V4, NULL, "big/one", 7, 1, FALSE, FALSE, 77,
                                                  100000, &error));
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
  { "connect-level-6", "10 0d 00 04 'MQTT' 06 02 00 00 00 00 00", E (PROTOCOL) },
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
  /* Level 5 */
  { "v5-auth-at-level-4", "f0 00", E (TYPE) },
  { "v5-auth-flags", "f1 00", E (FLAGS), V5 },
  { "v5-puback-reason-05", "40 03 00 01 05", E (RETURN_CODE), V5 },
  { "v5-pubrel-reason-10", "62 03 00 01 10", E (RETURN_CODE), V5 },
  { "v5-disconnect-reason-01", "e0 01 01", E (RETURN_CODE), V5 },
  { "v5-auth-reason-01", "f0 01 01", E (RETURN_CODE), V5 },
  { "v5-connack-reason-01-with-props", "20 03 00 01 00", E (RETURN_CODE), V5 },
  { "v5-connack-no-properties", "20 02 00 00", E (LENGTH), V5 },
  { "v5-connack-session-refused", "20 03 01 87 00", E (RETURN_CODE), V5 },
  { "v5-suback-code-03", "90 04 00 01 00 03", E (RETURN_CODE), V5 },
  { "v5-unsuback-no-codes", "b0 03 00 01 00", E (EMPTY), V5 },
  { "v5-unsuback-code-01", "b0 04 00 01 00 01", E (RETURN_CODE), V5 },
  { "v5-puback-length-1", "40 01 00", E (LENGTH), V5 },
  { "v5-pingreq-length-1", "c0 01 00", E (LENGTH), V5 },
  { "v5-disconnect-trailing", "e0 03 00 00 00", E (LENGTH), V5 },
  { "v5-property-wrong-packet", "30 0a 00 01 'a' 05 11 00 00 00 01 'x'", E (PROPERTY), V5 },
  { "v5-property-repeated", "30 0c 00 01 'a' 08 03 00 01 'a' 03 00 01 'b'", E (PROPERTY), V5 },
  { "v5-property-boolean-2", "30 06 00 01 'a' 02 01 02", E (PROPERTY), V5 },
  { "v5-receive-maximum-0", "20 06 00 00 03 21 00 00", E (PROPERTY), V5 },
  { "v5-maximum-packet-size-0", "20 08 00 00 05 27 00 00 00 00", E (PROPERTY), V5 },
  { "v5-maximum-qos-2", "20 05 00 00 02 24 02", E (PROPERTY), V5 },
  { "v5-topic-alias-0", "30 07 00 01 'a' 03 23 00 00", E (PROPERTY), V5 },
  { "v5-subscription-id-0", "30 06 00 01 'a' 02 0b 00", E (PROPERTY), V5 },
  { "v5-property-unknown", "30 06 00 01 'a' 02 07 00", E (PROPERTY), V5 },
  { "v5-property-id-not-minimal", "30 06 00 01 'a' 02 81 00", E (LENGTH), V5 },
  { "v5-property-varint-5-bytes", "30 0a 00 01 'a' 06 0b ff ff ff ff 7f", E (LENGTH), V5 },
  { "v5-properties-past-end", "30 05 00 01 'a' 05 01", E (LENGTH), V5 },
  { "v5-properties-length-short", "30 04 00 01 'a' 80", E (LENGTH), V5 },
  { "v5-property-value-past-end", "30 06 00 01 'a' 02 02 00", E (LENGTH), V5 },
  { "v5-property-string-bad-utf8", "30 08 00 01 'a' 04 03 00 01 ff", E (UTF8), V5 },
  { "v5-user-property-value-past-end", "30 09 00 01 'a' 05 26 00 01 'k' 00", E (LENGTH), V5 },
  { "v5-publish-empty-topic-no-alias", "30 03 00 00 00", E (TOPIC), V5 },
  { "v5-publish-no-properties", "30 03 00 01 'a'", E (LENGTH), V5 },
  { "v5-subscribe-retain-handling-3", "82 07 00 01 00 00 01 'a' 30", E (PROTOCOL), V5 },
  { "v5-subscribe-qos-3", "82 07 00 01 00 00 01 'a' 03", E (PROTOCOL), V5 },
  { "v5-subscribe-reserved-bit", "82 07 00 01 00 00 01 'a' 40", E (QOS), V5 },
  { "v5-subscribe-two-identifiers", "82 0b 00 01 04 0b 01 0b 02 00 01 'a' 00", E (PROPERTY), V5 },
  { "v5-subscribe-no-options-level-4", "82 06 00 01 00 01 'a' 04", E (QOS) },
  { "v5-will-session-expiry",
    "10 18 00 04 'MQTT' 05 06 00 00 00 00 00 05 11 00 00 00 01 00 01 'w' 00 00", E (PROPERTY) },
  { "v5-connect-will-delay", "10 12 00 04 'MQTT' 05 02 00 00 05 18 00 00 00 01 00 00",
    E (PROPERTY) },
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


/* ------------------------------------------------------------------------ */
/* Level 5 beyond the vectors */

/* A broker that does not speak MQTT 5 answers a level-5 CONNECT in the
 * form of 3.1.1: the client reads its refusal, not a malformed packet. */
static void
test_v5_connack_from_311_broker (void)
{
  static const guint8 bytes[] = { 0x20, 0x02, 0x00, 0x01 };
  g_auto(MqttPacket) packet = { 0 };
  g_autoptr(GError) error = NULL;
  gsize consumed;

  g_assert_cmpint (mqtt_packet_decode (bytes, sizeof bytes, V5, MQTT_MAX_PACKET_SIZE, &packet,
                                       &consumed, &error),
                   ==, MQTT_DECODE_PACKET);
  g_assert_no_error (error);
  g_assert_cmpuint (packet.connack.return_code, ==, MQTT_CONNACK_REFUSED_PROTOCOL_VERSION);
  g_assert_null (packet.props);

  /* And it is written back in that form. */
  {
    g_autoptr(GByteArray) out = g_byte_array_new ();

    g_assert_true (mqtt_packet_encode (&packet, V5, out, &error));
    g_assert_cmpmem (out->data, out->len, bytes, sizeof bytes);
  }
}

/* Each decoding error is answered with the reason code the specification
 * gives it, and the tables of allowed codes are the specification's. */
static void
test_v5_reason_codes (void)
{
  static const struct {
    int code;
    guint8 reason;
  } map[] = {
    { E (TYPE), 0x81 },        { E (FLAGS), 0x81 },     { E (REMAINING_LENGTH), 0x81 },
    { E (LENGTH), 0x81 },      { E (UTF8), 0x81 },      { E (QOS), 0x81 },
    { E (CONNECT_FLAGS), 0x81 }, { E (TOO_LARGE), 0x95 }, { E (TOPIC), 0x90 },
    { E (PACKET_ID), 0x82 },   { E (EMPTY), 0x82 },     { E (PROTOCOL), 0x82 },
    { E (RETURN_CODE), 0x82 }, { E (PROPERTY), 0x82 },  { E (TOPIC_ALIAS), 0x94 },
  };
  guint i, n;

  for (i = 0; i < G_N_ELEMENTS (map); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (MQTT_PACKET_ERROR, map[i].code, "x");

      g_assert_cmphex (mqtt_packet_error_reason_code (error), ==, map[i].reason);
    }
  g_assert_cmphex (mqtt_packet_error_reason_code (NULL), ==, 0x80);

  /* How many codes each packet may carry, as the specification lists them. */
  for (n = 0, i = 0; i < 256; i++)
    n += mqtt_packet_reason_code_valid (MQTT_PACKET_DISCONNECT, i);
  g_assert_cmpuint (n, ==, 29);
  for (n = 0, i = 0; i < 256; i++)
    n += mqtt_packet_reason_code_valid (MQTT_PACKET_CONNACK, i);
  g_assert_cmpuint (n, ==, 22);
  for (n = 0, i = 0; i < 256; i++)
    n += mqtt_packet_reason_code_valid (MQTT_PACKET_SUBACK, i);
  g_assert_cmpuint (n, ==, 12);
  g_assert_true (mqtt_packet_reason_code_valid (MQTT_PACKET_PUBACK, 0x10));
  g_assert_false (mqtt_packet_reason_code_valid (MQTT_PACKET_PUBREL, 0x10));
  g_assert_true (mqtt_packet_reason_code_valid (MQTT_PACKET_AUTH, 0x19));
  g_assert_false (mqtt_packet_reason_code_valid (MQTT_PACKET_PUBLISH, 0x00));
}

/* One property of each wire type, byte-exact both ways, in a DISCONNECT
 * and a PUBLISH (between them they allow all seven types). */
static void
test_v5_properties_every_type (void)
{
  static const struct {
    guint context;
    const char *bytes;
  } blocks[] = {
    /* byte, two-byte, four-byte, variable byte integer, string, binary, pair */
    { MQTT_PACKET_CONNACK, "0a 24 00 21 ff ff 27 ff ff ff ff" },
    { MQTT_PACKET_PUBLISH, "15 0b ff ff ff 7f 03 00 00 09 00 03 00 ff 00 26 00 00 00 02 'vv'" },
    /* User properties repeat, in their order, names too. */
    { MQTT_PACKET_DISCONNECT, "0c 26 00 01 'b' 00 00 26 00 01 'a' 00 00" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (blocks); i++)
    {
      g_autoptr(GByteArray) input = parse_bytes (blocks[i].bytes);
      g_autofree guint8 *exact = g_memdup2 (input->data, input->len);
      g_autoptr(MqttProperties) props = NULL;
      g_autoptr(GError) error = NULL;
      const guint8 *p = exact;
      g_autofree guint8 *out = NULL;
      gsize size;

      g_assert_true (mqtt_properties_read (&p, exact + input->len, blocks[i].context, TRUE,
                                           &props, &error));
      g_assert_no_error (error);
      g_assert_true (p == exact + input->len);
      g_assert_true (mqtt_properties_check (props, blocks[i].context, TRUE, &error));
      size = mqtt_properties_encoded_size (props, &error);
      g_assert_cmpuint (size, ==, input->len);
      out = g_malloc (size);
      g_assert_true (mqtt_properties_write (props, out) == out + size);
      g_assert_cmpmem (out, size, input->data, input->len);
    }
}

static void
test_v5_properties_encode_limits (void)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autofree char *long_string = g_strnfill (65536, 'a');
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  MqttPacket packet = { .type = MQTT_PACKET_DISCONNECT, .reason_code = 0x80 };

  /* The sender checks where properties may go and their values. */
  mqtt_properties_set_receive_maximum (props, 0);
  g_assert_false (mqtt_properties_check (props, MQTT_PACKET_CONNECT, FALSE, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);
  mqtt_properties_set_receive_maximum (props, 1);
  g_assert_true (mqtt_properties_check (props, MQTT_PACKET_CONNECT, FALSE, &error));
  g_assert_false (mqtt_properties_check (props, MQTT_PACKET_PUBLISH, FALSE, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);
  mqtt_properties_remove (props, MQTT_PROPERTY_RECEIVE_MAXIMUM);
  mqtt_properties_add_subscription_identifier (props, 1);
  mqtt_properties_add_subscription_identifier (props, 2);
  g_assert_true (mqtt_properties_check (props, MQTT_PACKET_PUBLISH, TRUE, &error));
  g_assert_false (mqtt_properties_check (props, MQTT_PACKET_PUBLISH, FALSE, &error));
  g_clear_error (&error);
  mqtt_properties_remove (props, MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER);
  mqtt_properties_add_subscription_identifier (props, MQTT_VARINT_MAX + 1);
  g_assert_false (mqtt_properties_check (props, MQTT_PACKET_SUBSCRIBE, FALSE, &error));
  g_clear_error (&error);
  mqtt_properties_remove (props, MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER);

  /* A string over 65,535 bytes cannot be encoded: the packet is refused,
   * @out left as it was. */
  mqtt_properties_set_reason_string (props, long_string);
  packet.props = props;
  g_assert_false (mqtt_packet_encode (&packet, V5, out, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE);
  g_assert_cmpuint (out->len, ==, 0);
  g_clear_error (&error);
  g_assert_false (mqtt_packet_encode_publish_head (out, V5, props, "t", 1, 0, FALSE, FALSE, 0, 0,
                                                   &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE);
  g_assert_cmpuint (out->len, ==, 0);
  g_clear_error (&error);

  /* Below level 5 the properties are not written at all. */
  g_assert_true (mqtt_packet_encode (&packet, V4, out, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (out->len, ==, 2);
}

int
main (int argc, char *argv[])
{
  guint i;

  g_test_init (&argc, &argv, NULL);

  for (i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      int version = vectors[i].level == V3 ? 31 : vectors[i].level == V4 ? 311 : 5;
      g_autofree char *enc = g_strdup_printf ("/packet/encode/v%d/%s", version, vectors[i].name);
      g_autofree char *dec = g_strdup_printf ("/packet/decode/v%d/%s", version, vectors[i].name);

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
  g_test_add_data_func ("/packet/chunked/v5", GINT_TO_POINTER (V5), test_chunked);
  g_test_add_func ("/packet/v5/connack-from-3.1.1-broker", test_v5_connack_from_311_broker);
  g_test_add_func ("/packet/v5/reason-codes", test_v5_reason_codes);
  g_test_add_func ("/packet/v5/properties-every-type", test_v5_properties_every_type);
  g_test_add_func ("/packet/v5/properties-encode-limits", test_v5_properties_encode_limits);
  g_test_add_func ("/packet/connack-v31-reserved-byte", test_connack_v31_reserved_byte);
  g_test_add_func ("/packet/remaining-length-encoding", test_remaining_length_encoding);
  g_test_add_func ("/packet/encode-limits", test_encode_limits);
  g_test_add_func ("/packet/claimed-length-bounded", test_claimed_length_bounded);
  g_test_add_func ("/packet/garbage-after-packets", test_garbage_after_packets);
  g_test_add_func ("/packet/large-payload-referenced", test_large_payload_referenced);

  return g_test_run ();
}
