/* MqttClient against a scripted fake broker: exact bytes on the wire,
 * timing (retry, keepalive, backoff) and faults a real broker won't make. */

#include "config.h"

#include <string.h>

#include "recorder.h"
#include "test-common.h"

#define MS G_GINT64_CONSTANT (1000)

static gboolean
broker_done (gpointer data)
{
  return fake_broker_is_done (data);
}

static MqttClient *
new_client (const char *id, gboolean clean, MqttProtocolVersion protocol)
{
  g_autoptr(GError) error = NULL;
  MqttClient *client = mqtt_client_new (id, clean, protocol, &error);

  g_assert_no_error (error);
  return client;
}

static void
expect_raw (FakeBroker *broker, const char *spec)
{
  g_autoptr(GBytes) got = fake_broker_read_raw_packet (broker);
  g_autoptr(GByteArray) want = test_parse_bytes (spec);
  gsize n;
  const guint8 *data = g_bytes_get_data (got, &n);

  if (n != want->len || memcmp (data, want->data, n) != 0)
    {
      g_autofree char *got_hex = test_hex (data, n);
      g_autofree char *want_hex = test_hex (want->data, want->len);

      g_error ("expected %s\n     got %s", want_hex, got_hex);
    }
}

static void
expect_type (FakeBroker *broker, MqttPacketType type, MqttPacket *out)
{
  MqttPacket packet = { 0 };

  fake_broker_read_packet (broker, &packet);
  if (packet.type != type)
    g_error ("expected %s, got %s", mqtt_packet_type_name (type),
             mqtt_packet_type_name (packet.type));
  if (out)
    *out = packet;
  else
    mqtt_packet_clear (&packet);
}

/* ------------------------------------------------------------------------ */
/* CONNECT on the wire */

static void
script_connect_bytes (FakeBroker *broker, gpointer data)
{
  fake_broker_accept (broker);
  /* Flags 0xec: user, password, will retain, will QoS 1, will; no clean
   * session. Keepalive 30. */
  expect_raw (broker, "10 25 00 04 'MQTT' 04 ec 00 1e 00 02 'c1' 00 03 'w/t' 00 04 'gone' "
                      "00 04 'user' 00 04 'pass'");
  fake_broker_send (broker, "20 02 00 00");
  /* A clean disconnection: DISCONNECT, then the connection closes. */
  expect_raw (broker, "e0 00");
  g_assert_true (fake_broker_wait_closed (broker, 5000));

  fake_broker_accept (broker);
  /* Same client over MQTT 3.1, after clearing the will. */
  expect_raw (broker, "10 1c 00 06 'MQIsdp' 03 c0 00 1e 00 02 'c1' 00 04 'user' 00 04 'pass'");
  fake_broker_send (broker, "20 02 00 00");
  expect_raw (broker, "e0 00");
}

static void
test_connect_bytes (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_connect_bytes, NULL);
  g_autoptr(MqttClient) client = new_client ("c1", FALSE, MQTT_PROTOCOL_V311);
  g_autoptr(MqttClient) client31 = new_client ("c1", FALSE, MQTT_PROTOCOL_V31);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(Recorder) r31 = recorder_new (client31);
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_set_will (client, "w/t", (const guint8 *) "gone", -1, 1, TRUE,
                                       &error));
  mqtt_client_set_credentials (client, "user", "pass");
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 30, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
  RECORDER_WAIT (r, recorder_disconnected, 1);

  mqtt_client_set_credentials (client31, "user", "pass");
  g_assert_true (mqtt_client_connect_to_broker (client31, "127.0.0.1",
                                                fake_broker_get_port (broker), 30, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (mqtt_client_disconnect_from_broker (client31, &error));
  RECORDER_WAIT (r31, recorder_disconnected, 1);
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

/* ------------------------------------------------------------------------ */
/* Refusals */

static void
script_refuse_all (FakeBroker *broker, gpointer data)
{
  guint8 code;

  for (code = 1; code <= 6; code++)
    {
      fake_broker_handshake (broker, code, FALSE);
      /* The broker closes after a refusal. */
      fake_broker_close (broker);
    }
}

static void
test_refused (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_refuse_all, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  guint8 code;

  for (code = 1; code <= 6; code++)
    {
      g_autoptr(GError) error = NULL;
      int expected = code <= 5 ? MQTT_ERROR_CONNACK_BASE + code : MQTT_ERROR_CONN_REFUSED;

      g_assert_false (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                     fake_broker_get_port (broker), 60, NULL,
                                                     &error));
      g_assert_error (error, MQTT_ERROR, expected);
      g_assert_cmpstr (strstr (error->message, mqtt_connack_string (code)), ==, error->message);
      g_assert_cmpuint (r->connected, ==, code);
      g_assert_cmpint (r->connect_rc, ==, code);
      g_assert_cmpuint (r->connect_failed, ==, code);
      g_assert_error (r->connect_error, MQTT_ERROR, expected);
      g_assert_cmpuint (r->disconnected, ==, 0);
      g_assert_false (mqtt_client_is_connected (client));
    }
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

/* ------------------------------------------------------------------------ */
/* Outgoing QoS flows */

typedef struct {
  gint64 first;
  gint64 second;
} RetryTimes;

static void
script_retry (FakeBroker *broker, gpointer data)
{
  RetryTimes *times = data;
  g_auto (MqttPacket) first = { 0 };
  g_auto (MqttPacket) second = { 0 };

  fake_broker_handshake (broker, 0, FALSE);
  /* No PUBACK: the client resends with DUP after message-retry. */
  expect_type (broker, MQTT_PACKET_PUBLISH, &first);
  times->first = fake_broker_last_read_time (broker);
  g_assert_false (first.publish.dup);
  expect_type (broker, MQTT_PACKET_PUBLISH, &second);
  times->second = fake_broker_last_read_time (broker);
  g_assert_true (second.publish.dup);
  g_assert_cmpuint (second.packet_id, ==, first.packet_id);
  g_assert_true (g_bytes_equal (first.publish.payload, second.publish.payload));
  {
    MqttPacket ack = { MQTT_PACKET_PUBACK, first.packet_id };

    /* One PUBACK for each send: the second acknowledges what is already
     * complete, which is no protocol error for a message sent twice. */
    fake_broker_send_packet (broker, &ack);
    fake_broker_send_packet (broker, &ack);
  }
  expect_type (broker, MQTT_PACKET_DISCONNECT, NULL);
}

static void
test_retry_dup (void)
{
  RetryTimes times = { 0 };
  g_autoptr(FakeBroker) broker = fake_broker_new (script_retry, &times);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;
  guint mid;

  mqtt_client_set_message_retry (client, 1);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  g_assert_true (mqtt_client_publish (client, "retry/t", (const guint8 *) "again", -1, 1, FALSE,
                                      &mid, &error));
  RECORDER_WAIT (r, recorder_published, 1);
  g_assert_cmpuint (g_array_index (r->published, guint, 0), ==, mid);
  /* Resent after about one second. */
  g_assert_cmpint (times.second - times.first, >=, 900 * MS);
  g_assert_cmpint (times.second - times.first, <, 2500 * MS);
  mqtt_client_disconnect_from_broker (client, NULL);
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

static void
script_qos2_out (FakeBroker *broker, gpointer data)
{
  fake_broker_handshake (broker, 0, FALSE);
  expect_raw (broker, "34 0a 00 03 'q/2' 00 01 'two'");
  fake_broker_send (broker, "50 02 00 01");       /* PUBREC */
  expect_raw (broker, "62 02 00 01");              /* PUBREL */
  /* A repeated PUBREC gets PUBREL again. */
  fake_broker_send (broker, "50 02 00 01");
  expect_raw (broker, "62 02 00 01");
  fake_broker_send (broker, "70 02 00 01");       /* PUBCOMP */
  expect_raw (broker, "e0 00");
}

static void
test_qos2_outgoing (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_qos2_out, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  g_assert_true (mqtt_client_publish (client, "q/2", (const guint8 *) "two", -1, 2, FALSE, NULL,
                                      &error));
  RECORDER_WAIT (r, recorder_published, 1);
  mqtt_client_disconnect_from_broker (client, NULL);
  TEST_WAIT_FOR (broker_done, broker, 10000);
  g_assert_cmpuint (r->published->len, ==, 1);
}

static void
script_qos_in (FakeBroker *broker, gpointer data)
{
  fake_broker_handshake (broker, 0, FALSE);
  /* QoS 1: PUBACK after delivery. */
  fake_broker_send (broker, "32 08 00 03 'q/1' 00 05 'a'");
  expect_raw (broker, "40 02 00 05");
  /* QoS 2: PUBREC, and a resent PUBLISH (DUP) is acknowledged again but
   * not delivered again. */
  fake_broker_send (broker, "34 08 00 03 'q/2' 00 07 'b'");
  expect_raw (broker, "50 02 00 07");
  fake_broker_send (broker, "3c 08 00 03 'q/2' 00 07 'b'");
  expect_raw (broker, "50 02 00 07");
  fake_broker_send (broker, "62 02 00 07");       /* PUBREL */
  expect_raw (broker, "70 02 00 07");              /* PUBCOMP */
  /* After PUBREL the identifier is free: a new message with it is new. */
  fake_broker_send (broker, "34 08 00 03 'q/2' 00 07 'c'");
  expect_raw (broker, "50 02 00 07");
  fake_broker_send (broker, "62 02 00 07");
  expect_raw (broker, "70 02 00 07");
  /* PUBREL for an unknown id still gets PUBCOMP. */
  fake_broker_send (broker, "62 02 00 63");
  expect_raw (broker, "70 02 00 63");
  expect_raw (broker, "e0 00");
}

static void
test_qos_incoming (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_qos_in, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  RECORDER_WAIT (r, recorder_messages, 3);
  /* Let the unknown PUBREL go through before disconnecting. */
  test_run_for (200);
  mqtt_client_disconnect_from_broker (client, NULL);
  TEST_WAIT_FOR (broker_done, broker, 10000);

  g_assert_cmpuint (r->messages->len, ==, 3);
  g_assert_cmpint (mqtt_message_get_qos (g_ptr_array_index (r->messages, 0)), ==, 1);
  g_assert_cmpuint (mqtt_message_get_mid (g_ptr_array_index (r->messages, 0)), ==, 5);
  g_assert_cmpint (mqtt_message_get_qos (g_ptr_array_index (r->messages, 1)), ==, 2);
  g_assert_false (mqtt_message_get_dup (g_ptr_array_index (r->messages, 1)));
  {
    g_autoptr(GBytes) c = g_bytes_new_static ("c", 1);

    g_assert_true (g_bytes_equal (mqtt_message_get_payload (g_ptr_array_index (r->messages, 2)),
                                  c));
  }
}

static void
script_window (FakeBroker *broker, gpointer data)
{
  MqttPacket packet = { 0 };
  guint16 ids[5];
  guint i;

  fake_broker_handshake (broker, 0, FALSE);
  for (i = 0; i < 2; i++)
    {
      expect_type (broker, MQTT_PACKET_PUBLISH, &packet);
      ids[i] = packet.packet_id;
      mqtt_packet_clear (&packet);
    }
  /* The window (2) is full: nothing more comes until an ack. */
  g_assert_false (fake_broker_try_read_packet (broker, &packet, 300));
  for (i = 2; i < 5; i++)
    {
      MqttPacket ack = { MQTT_PACKET_PUBACK, ids[i - 2] };

      fake_broker_send_packet (broker, &ack);
      expect_type (broker, MQTT_PACKET_PUBLISH, &packet);
      ids[i] = packet.packet_id;
      mqtt_packet_clear (&packet);
      g_assert_false (fake_broker_try_read_packet (broker, &packet, 100));
    }
  for (i = 3; i < 5; i++)
    {
      MqttPacket ack = { MQTT_PACKET_PUBACK, ids[i] };

      fake_broker_send_packet (broker, &ack);
    }
  expect_type (broker, MQTT_PACKET_DISCONNECT, NULL);
}

static void
test_inflight_window (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_window, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;
  guint i;

  mqtt_client_set_max_inflight_messages (client, 2);
  mqtt_client_set_message_retry (client, 0);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  for (i = 0; i < 5; i++)
    g_assert_true (mqtt_client_publish (client, "w", NULL, 0, 1, FALSE, NULL, &error));
  RECORDER_WAIT (r, recorder_published, 5);
  mqtt_client_disconnect_from_broker (client, NULL);
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

/* ------------------------------------------------------------------------ */
/* Faults */

static void
script_drop_midflow (FakeBroker *broker, gpointer data)
{
  g_auto (MqttPacket) first = { 0 };
  g_auto (MqttPacket) again = { 0 };
  g_auto (MqttPacket) queued = { 0 };

  fake_broker_handshake (broker, 0, FALSE);
  expect_type (broker, MQTT_PACKET_PUBLISH, &first);
  /* Gone before PUBACK. */
  fake_broker_close (broker);

  /* The client reconnects by itself and resends, with DUP, before what it
   * queued meanwhile. */
  fake_broker_handshake (broker, 0, TRUE);
  expect_type (broker, MQTT_PACKET_PUBLISH, &again);
  g_assert_true (again.publish.dup);
  g_assert_cmpuint (again.packet_id, ==, first.packet_id);
  expect_type (broker, MQTT_PACKET_PUBLISH, &queued);
  g_assert_false (queued.publish.dup);
  g_assert_cmpstr (queued.publish.topic, ==, "after");
  {
    MqttPacket ack1 = { MQTT_PACKET_PUBACK, again.packet_id };
    MqttPacket ack2 = { MQTT_PACKET_PUBACK, queued.packet_id };

    fake_broker_send_packet (broker, &ack1);
    fake_broker_send_packet (broker, &ack2);
  }
  expect_type (broker, MQTT_PACKET_DISCONNECT, NULL);
}

static void
test_broker_drops_midflow (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_drop_midflow, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  g_assert_true (mqtt_client_publish (client, "before", NULL, 0, 1, FALSE, NULL, &error));
  RECORDER_WAIT (r, recorder_disconnected, 1);
  g_assert_cmpint (r->disconnect_rc, ==, MQTT_ERROR_CONN_LOST);
  g_assert_error (r->disconnect_error, MQTT_ERROR, MQTT_ERROR_CONN_LOST);
  /* Queued while disconnected, sent after the resend. */
  g_assert_true (mqtt_client_publish (client, "after", NULL, 0, 1, FALSE, NULL, &error));
  RECORDER_WAIT (r, recorder_connected, 2);
  g_assert_true (r->session_present);
  RECORDER_WAIT (r, recorder_published, 2);
  mqtt_client_disconnect_from_broker (client, NULL);
  TEST_WAIT_FOR (broker_done, broker, 15000);
}

typedef struct {
  const char *garbage;
  gboolean after_subscribe;
} Garbage;

static void
script_garbage (FakeBroker *broker, gpointer data)
{
  Garbage *g = data;

  fake_broker_handshake (broker, 0, FALSE);
  if (g->after_subscribe)
    expect_type (broker, MQTT_PACKET_SUBSCRIBE, NULL);
  fake_broker_send (broker, g->garbage);
  g_assert_true (fake_broker_wait_closed (broker, 5000));
}

static void
run_protocol_error (const char *garbage, gboolean subscribe_first)
{
  Garbage g = { garbage, subscribe_first };
  g_autoptr(FakeBroker) broker = fake_broker_new (script_garbage, &g);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  mqtt_client_set_auto_reconnect (client, FALSE);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  if (subscribe_first)
    g_assert_true (mqtt_client_subscribe (client, "a", 0, NULL, &error));
  RECORDER_WAIT (r, recorder_disconnected, 1);
  g_assert_cmpint (r->disconnect_rc, ==, MQTT_ERROR_PROTOCOL);
  g_assert_error (r->disconnect_error, MQTT_ERROR, MQTT_ERROR_PROTOCOL);
  g_assert_false (mqtt_client_is_connected (client));
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

static void
test_garbage (void)
{
  /* A reserved packet type. */
  run_protocol_error ("ff ff ff ff ff", FALSE);
  /* A remaining length that never ends. */
  run_protocol_error ("30 ff ff ff ff ff", FALSE);
  /* A second CONNACK. */
  run_protocol_error ("20 02 00 00", FALSE);
  /* A packet only clients send. */
  run_protocol_error ("c0 00", FALSE);
  /* A SUBACK with two codes for one filter. */
  run_protocol_error ("90 04 00 01 00 00", TRUE);
  /* PUBLISH with an invalid topic. */
  run_protocol_error ("30 05 00 03 'a/#'", FALSE);
}

/* A broker that sends what no broker should: each is a protocol error, the
 * connection closes and #MqttClient::disconnected says why; nothing
 * crashes, hangs or grows. */
static void
test_malicious (void)
{
  static const struct {
    const char *bytes;
    gboolean after_subscribe;
  } cases[] = {
    /* Acknowledgements for packet ids nothing waits for. */
    { "40 02 00 07", FALSE },           /* PUBACK */
    { "50 02 00 07", FALSE },           /* PUBREC */
    { "70 02 00 07", FALSE },           /* PUBCOMP */
    { "90 03 00 09 00", FALSE },        /* SUBACK */
    { "b0 02 00 09", FALSE },           /* UNSUBACK */
    { "90 03 00 09 00", TRUE },         /* SUBACK with the wrong id */
    /* Packet id 0. */
    { "40 02 00 00", FALSE },
    { "32 06 00 01 'a' 00 00 'x'", FALSE },
    /* The largest remaining length MQTT can encode, above max-packet-size:
     * refused from the header alone. */
    { "30 ff ff ff 7f", FALSE },
    /* Reserved flags, a fixed-size packet of the wrong size. */
    { "41 02 00 01", FALSE },
    { "d0 01 00", FALSE },
    /* A SUBACK with a reserved return code. */
    { "90 03 00 01 03", TRUE },
    /* A CONNACK with reserved bits. */
    { "20 02 02 00", FALSE },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("broker sends %s", cases[i].bytes);
      run_protocol_error (cases[i].bytes, cases[i].after_subscribe);
    }
}

static void
script_pubrel_unknown (FakeBroker *broker, gpointer data)
{
  fake_broker_handshake (broker, 0, FALSE);
  /* A PUBREL for an id we do not know is what a broker sends again after a
   * reconnection when our PUBCOMP was lost [MQTT-4.3.3]: answered. */
  fake_broker_send (broker, "62 02 00 07");
  expect_raw (broker, "70 02 00 07");
  expect_raw (broker, "e0 00");
}

static void
test_pubrel_unknown (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_pubrel_unknown, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  /* The PUBCOMP goes out before the DISCONNECT asked for later. */
  test_run_for (300);
  g_assert_cmpuint (r->disconnected, ==, 0);
  mqtt_client_disconnect_from_broker (client, NULL);
  TEST_WAIT_FOR (broker_done, broker, 10000);
  g_assert_cmpuint (r->disconnected, ==, 1);
  g_assert_cmpint (r->disconnect_rc, ==, MQTT_ERROR_SUCCESS);
}

typedef struct {
  const char *bytes;
} Endless;

static void
script_endless_packet (FakeBroker *broker, gpointer data)
{
  Endless *e = data;

  fake_broker_handshake (broker, 0, FALSE);
  fake_broker_send (broker, e->bytes);
  /* Then nothing: the rest never comes. */
  g_assert_true (fake_broker_wait_closed (broker, 10000));
}

/* A packet that never ends: the keepalive gives up on it (bytes of a
 * packet are not an answer to PINGREQ). */
static void
test_endless_packet (void)
{
  Endless e = { "30 e8 07 00 01 'a' 'partial'" };
  g_autoptr(FakeBroker) broker = fake_broker_new (script_endless_packet, &e);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  mqtt_client_set_auto_reconnect (client, FALSE);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 1, NULL, &error));
  RECORDER_WAIT (r, recorder_disconnected, 1);
  g_assert_error (r->disconnect_error, MQTT_ERROR, MQTT_ERROR_KEEPALIVE);
  g_assert_cmpuint (r->messages->len, ==, 0);
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

static gsize
resident_bytes (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + 6, NULL, 10) * 1024;
}

static void
script_stall (FakeBroker *broker, gpointer data)
{
  fake_broker_handshake (broker, 0, FALSE);
  /* Reads nothing more: the client's writes back up. */
  g_assert_true (fake_broker_wait_closed (broker, 30000));
}

/* A stalled broker and a publisher flooding QoS 0 and 1: the client holds
 * at most max-queued-bytes (plus what the kernel took), then publications
 * fail with MQTT_ERROR_QUEUE_SIZE; resident memory follows. */
static void
test_flood_bounded (void)
{
  const gsize limit = 8 * 1024 * 1024, size = 4096;
  g_autoptr(FakeBroker) broker = fake_broker_new (script_stall, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autofree guint8 *payload = g_malloc0 (size);
  g_autoptr(GError) error = NULL;
  gsize before, accepted = 0;
  guint i, round;

  g_assert_cmpuint (mqtt_client_get_max_queued_bytes (client), ==, 64 * 1024 * 1024);
  mqtt_client_set_max_queued_bytes (client, limit);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  before = resident_bytes ();
  /* Until refused, twice: the kernel's socket buffers (a few MB on
   * loopback) may take some more once the client's context has run. */
  for (round = 0; round < 2; round++)
    {
      for (i = 0; i < 100000; i++)
        {
          if (!mqtt_client_publish (client, "flood", payload, size, i % 2, FALSE, NULL, &error))
            break;
          accepted += size;
          if (i % 64 == 0)
            test_run_for (0);
        }
      g_assert_error (error, MQTT_ERROR, MQTT_ERROR_QUEUE_SIZE);
      g_clear_error (&error);
      test_run_for (200);
    }
  g_test_message ("%" G_GSIZE_FORMAT " bytes accepted, resident memory grew by %" G_GSIZE_FORMAT,
                  accepted, resident_bytes () - before);
  /* What the client holds, and what the kernel took. */
  g_assert_cmpuint (accepted, >=, limit);
  g_assert_cmpuint (accepted, <=, limit + 32 * 1024 * 1024);
  g_assert_cmpuint (resident_bytes (), <=, before + 3 * limit + 32 * 1024 * 1024);
  mqtt_client_set_auto_reconnect (client, FALSE);
  g_clear_object (&client);
  TEST_WAIT_FOR (broker_done, broker, 35000);
}

/* max-packet-size refuses a packet from its header, before its contents:
 * 2 MiB claimed, 1 MiB allowed. */
static void
test_max_packet_size (void)
{
  Endless e = { "30 80 80 80 01 00 01 'a'" };
  g_autoptr(FakeBroker) broker = fake_broker_new (script_endless_packet, &e);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (mqtt_client_get_max_packet_size (client), ==, 64 * 1024 * 1024);
  mqtt_client_set_max_packet_size (client, 1024 * 1024);
  mqtt_client_set_auto_reconnect (client, FALSE);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  RECORDER_WAIT (r, recorder_disconnected, 1);
  g_assert_error (r->disconnect_error, MQTT_ERROR, MQTT_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (r->disconnect_error->message, "maximum packet size"));
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

static void
script_publish_before_connack (FakeBroker *broker, gpointer data)
{
  g_auto (MqttPacket) packet = { 0 };

  fake_broker_accept (broker);
  fake_broker_read_packet (broker, &packet);
  fake_broker_send (broker, "30 05 00 01 'a' 'xy'");
  g_assert_true (fake_broker_wait_closed (broker, 5000));
}

static void
test_packet_before_connack (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_publish_before_connack, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  g_assert_false (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                 fake_broker_get_port (broker), 60, NULL, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PROTOCOL);
  g_assert_cmpuint (r->messages->len, ==, 0);
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

/* ------------------------------------------------------------------------ */
/* Time */

typedef struct {
  gint64 connack_sent;
  gint64 ping;
} PingTimes;

static void
script_silent_on_ping (FakeBroker *broker, gpointer data)
{
  PingTimes *times = data;

  fake_broker_handshake (broker, 0, FALSE);
  times->connack_sent = g_get_monotonic_time ();
  expect_raw (broker, "c0 00");
  times->ping = fake_broker_last_read_time (broker);
  /* No PINGRESP: the client gives up one keepalive interval later. */
  g_assert_true (fake_broker_wait_closed (broker, 5000));
}

static void
test_keepalive (void)
{
  PingTimes times = { 0 };
  g_autoptr(FakeBroker) broker = fake_broker_new (script_silent_on_ping, &times);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;
  gint64 disconnected;

  mqtt_client_set_auto_reconnect (client, FALSE);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 1, NULL, &error));
  RECORDER_WAIT (r, recorder_disconnected, 1);
  disconnected = g_get_monotonic_time ();
  g_assert_cmpint (r->disconnect_rc, ==, MQTT_ERROR_KEEPALIVE);
  g_assert_error (r->disconnect_error, MQTT_ERROR, MQTT_ERROR_KEEPALIVE);
  TEST_WAIT_FOR (broker_done, broker, 10000);
  /* PINGREQ after one idle second (up to a quarter more: the keepalive
   * grid), the drop one second after that. */
  g_assert_cmpint (times.ping - times.connack_sent, >=, 900 * MS);
  g_assert_cmpint (times.ping - times.connack_sent, <, 1850 * MS);
  g_assert_cmpint (disconnected - times.ping, >=, 900 * MS);
  g_assert_cmpint (disconnected - times.ping, <, 1800 * MS);
}

static void
script_pingresp (FakeBroker *broker, gpointer data)
{
  guint i;

  fake_broker_handshake (broker, 0, FALSE);
  for (i = 0; i < 2; i++)
    {
      expect_raw (broker, "c0 00");
      fake_broker_send (broker, "d0 00");
    }
  expect_raw (broker, "e0 00");
}

static void
test_keepalive_answered (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_pingresp, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 1, NULL, &error));
  /* Two answered pings keep the connection up (each up to a quarter
   * keepalive late: the keepalive grid, see mqtt-session.c). */
  test_run_for (2800);
  g_assert_cmpuint (r->disconnected, ==, 0);
  mqtt_client_disconnect_from_broker (client, NULL);
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

static void
script_backoff (FakeBroker *broker, gpointer data)
{
  gint64 *times = data;
  guint i;

  /* Refuse three times (the broker is "unavailable"), then accept. */
  for (i = 0; i < 4; i++)
    {
      g_auto (MqttPacket) packet = { 0 };

      fake_broker_accept (broker);
      times[i] = g_get_monotonic_time ();
      fake_broker_read_packet (broker, &packet);
      fake_broker_send (broker, i < 3 ? "20 02 00 03" : "20 02 00 00");
      if (i < 3)
        fake_broker_close (broker);
    }
  expect_raw (broker, "e0 00");
}

static void
backoff_on_connected (MqttClient *client, gboolean session_present, gint rc, gpointer data)
{
  if (rc == 0)
    mqtt_client_disconnect_from_broker (client, NULL);
}

static void
test_reconnect_backoff (void)
{
  gint64 times[4] = { 0 };
  g_autoptr(FakeBroker) broker = fake_broker_new (script_backoff, times);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  mqtt_client_set_reconnect_delay (client, 1, 2, NULL);
  g_assert_true (mqtt_client_connect_deferred (client, "127.0.0.1", fake_broker_get_port (broker),
                                               60, &error));
  /* Deferred connections are made by a loop: loop_forever() retries until
   * the broker accepts, and the handler then ends it. */
  g_signal_connect (client, "connected", G_CALLBACK (backoff_on_connected), NULL);
  g_assert_true (mqtt_client_loop_forever (client, TRUE, &error));
  g_assert_no_error (error);
  TEST_WAIT_FOR (broker_done, broker, 15000);
  g_assert_cmpuint (r->connected, ==, 4);
  /* Delays: 1 s, 2 s, then capped at 2 s. */
  g_assert_cmpint (times[1] - times[0], >=, 900 * MS);
  g_assert_cmpint (times[1] - times[0], <, 1700 * MS);
  g_assert_cmpint (times[2] - times[1], >=, 1900 * MS);
  g_assert_cmpint (times[2] - times[1], <, 2700 * MS);
  g_assert_cmpint (times[3] - times[2], >=, 1900 * MS);
  g_assert_cmpint (times[3] - times[2], <, 2700 * MS);
}

/* ------------------------------------------------------------------------ */
/* Subscriptions the broker refuses */

static void
script_suback_failure (FakeBroker *broker, gpointer data)
{
  g_auto (MqttPacket) subscribe = { 0 };
  g_autofree char *reply = NULL;

  fake_broker_handshake (broker, 0, FALSE);
  expect_type (broker, MQTT_PACKET_SUBSCRIBE, &subscribe);
  g_assert_cmpuint (subscribe.subscribe.n_topics, ==, 2);
  reply = g_strdup_printf ("90 04 %02x %02x 01 80", subscribe.packet_id >> 8,
                           subscribe.packet_id & 0xff);
  fake_broker_send (broker, reply);
  expect_type (broker, MQTT_PACKET_DISCONNECT, NULL);
}

static void
test_suback_failure (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_suback_failure, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;
  const char *filters[] = { "allowed", "forbidden" };
  const MqttQos qos[] = { 1, 2 };
  const guint8 *granted;

  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  g_assert_true (mqtt_client_subscribe_multiple (client, filters, qos, 2, NULL, &error));
  RECORDER_WAIT (r, recorder_subscribed, 1);
  g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (r->granted, 0)), ==, 2);
  granted = g_bytes_get_data (g_ptr_array_index (r->granted, 0), NULL);
  g_assert_cmpuint (granted[0], ==, 1);
  g_assert_cmpuint (granted[1], ==, 0x80);
  mqtt_client_disconnect_from_broker (client, NULL);
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

/* ------------------------------------------------------------------------ */
/* GLib logging */

static GPtrArray *glib_log_lines;
static GMutex glib_log_lock;

static GLogWriterOutput
capture_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  const char *domain = NULL, *message = NULL;
  gsize i;

  for (i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE"))
        message = fields[i].value;
    }
  if (g_strcmp0 (domain, "Mqtt") == 0 && message && !(level & G_LOG_LEVEL_ERROR))
    {
      g_mutex_lock (&glib_log_lock);
      g_ptr_array_add (glib_log_lines, g_strdup (message));
      g_mutex_unlock (&glib_log_lock);
      return G_LOG_WRITER_HANDLED;
    }
  return g_log_writer_default (level, fields, n_fields, data);
}

static void
script_logger (FakeBroker *broker, gpointer data)
{
  fake_broker_handshake (broker, 0, FALSE);
  expect_type (broker, MQTT_PACKET_PUBLISH, NULL);
  expect_type (broker, MQTT_PACKET_PUBLISH, NULL);
  expect_type (broker, MQTT_PACKET_DISCONNECT, NULL);
}

static void
test_logger (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_logger, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;
  gboolean saw_connect = FALSE, saw_second = FALSE;
  guint i, before;

  mqtt_client_enable_logger (client);
  mqtt_client_set_credentials (client, "someone", "Tr0ub4dor&3");
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  mqtt_client_publish (client, "first", NULL, 0, 0, FALSE, NULL, NULL);
  RECORDER_WAIT (r, recorder_published, 1);

  g_mutex_lock (&glib_log_lock);
  for (i = 0; i < glib_log_lines->len; i++)
    {
      const char *line = g_ptr_array_index (glib_log_lines, i);

      g_assert_null (strstr (line, "Tr0ub4dor"));
      saw_connect |= g_str_has_prefix (line, "Sending CONNECT (u1, p1");
    }
  before = glib_log_lines->len;
  g_mutex_unlock (&glib_log_lock);
  g_assert_true (saw_connect);

  /* Disabled: the log signal goes on, GLib's log hears nothing more. */
  mqtt_client_disable_logger (client);
  mqtt_client_publish (client, "second", NULL, 0, 0, FALSE, NULL, NULL);
  RECORDER_WAIT (r, recorder_published, 2);
  for (i = 0; i < r->logs->len; i++)
    saw_second |= strstr (g_ptr_array_index (r->logs, i), "'second'") != NULL;
  g_assert_true (saw_second);
  g_mutex_lock (&glib_log_lock);
  g_assert_cmpuint (glib_log_lines->len, ==, before);
  g_mutex_unlock (&glib_log_lock);

  mqtt_client_disconnect_from_broker (client, NULL);
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

/* ------------------------------------------------------------------------ */
/* Local address */

static void
script_bind (FakeBroker *broker, gpointer data)
{
  fake_broker_handshake (broker, 0, FALSE);
  expect_type (broker, MQTT_PACKET_DISCONNECT, NULL);
}

static void
test_bind_address (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_bind, NULL);
  g_autoptr(MqttClient) client = new_client (NULL, TRUE, MQTT_PROTOCOL_V311);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *local_ip = NULL;

  /* Not an address: a clear error. */
  mqtt_client_set_bind_address (client, "not-an-address");
  g_assert_false (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                 fake_broker_get_port (broker), 60, NULL, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);

  /* 127.0.0.2 is a loopback address too: the connection comes from it. */
  mqtt_client_set_bind_address (client, "127.0.0.2");
  g_assert_cmpstr (mqtt_client_get_bind_address (client), ==, "127.0.0.2");
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  g_assert_no_error (error);
  local = g_socket_get_local_address (mqtt_client_get_socket (client), &error);
  local_ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
  g_assert_cmpstr (local_ip, ==, "127.0.0.2");
  mqtt_client_disconnect_from_broker (client, NULL);
  TEST_WAIT_FOR (broker_done, broker, 10000);
}

int
main (int argc, char *argv[])
{
  /* Before anything logs: GLib's log writer can be set once. */
  glib_log_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fake/connect-bytes", test_connect_bytes);
  g_test_add_func ("/fake/refused", test_refused);
  g_test_add_func ("/fake/retry-dup", test_retry_dup);
  g_test_add_func ("/fake/qos2-outgoing", test_qos2_outgoing);
  g_test_add_func ("/fake/qos-incoming", test_qos_incoming);
  g_test_add_func ("/fake/inflight-window", test_inflight_window);
  g_test_add_func ("/fake/broker-drops-midflow", test_broker_drops_midflow);
  g_test_add_func ("/fake/garbage", test_garbage);
  g_test_add_func ("/fake/malicious", test_malicious);
  g_test_add_func ("/fake/pubrel-unknown", test_pubrel_unknown);
  g_test_add_func ("/fake/endless-packet", test_endless_packet);
  g_test_add_func ("/fake/max-packet-size", test_max_packet_size);
  g_test_add_func ("/fake/flood-bounded", test_flood_bounded);
  g_test_add_func ("/fake/packet-before-connack", test_packet_before_connack);
  g_test_add_func ("/fake/keepalive", test_keepalive);
  g_test_add_func ("/fake/keepalive-answered", test_keepalive_answered);
  g_test_add_func ("/fake/reconnect-backoff", test_reconnect_backoff);
  g_test_add_func ("/fake/suback-failure", test_suback_failure);
  g_test_add_func ("/fake/logger", test_logger);
  g_test_add_func ("/fake/bind-address", test_bind_address);

  return g_test_run ();
}
