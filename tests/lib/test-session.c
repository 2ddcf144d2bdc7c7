/* The session engine, deterministically: packets in, bytes and events out,
 * a fake clock for retries, keepalive and timeouts; at level 5 the
 * broker's limits, topic aliases both ways, message expiry, reason codes,
 * DISCONNECT and AUTH. */

#include "config.h"

#include <string.h>


#include "mqtt-error.h"
#include "mqtt-file-store.h"
#include "mqtt-session-private.h"
#include "mqtt-store-private.h"
#include "test-common.h"

#define SEC G_GINT64_CONSTANT (1000000)

/* Changes the session's configuration as the client does: a copy, edited,
 * given back. */
#define RECONFIGURE(session, field, value)                                     \
  G_STMT_START                                                                 \
  {                                                                            \
    MqttSessionConfig config_;                                                 \
    mqtt_session_config_copy (&config_, mqtt_session_get_config (session));    \
    config_.field = (value);                                                   \
    mqtt_session_configure ((session), &config_);                              \
    mqtt_session_config_clear (&config_);                                      \
  }                                                                            \
  G_STMT_END

typedef struct {
  MqttSession *session;
  gint64 now;
  GArray *events;
  GPtrArray *sent;   /* MqttPacket*, what the session wrote */
} Fixture;

static void
packet_free (MqttPacket *packet)
{
  mqtt_packet_clear (packet);
  g_free (packet);
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->session = mqtt_session_new ();
  f->now = 1000 * SEC;
  f->events = g_array_new (FALSE, TRUE, sizeof (MqttSessionEvent));
  g_array_set_clear_func (f->events, (GDestroyNotify) mqtt_session_event_clear);
  f->sent = g_ptr_array_new_with_free_func ((GDestroyNotify) packet_free);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  mqtt_session_free (f->session);
  g_array_unref (f->events);
  g_ptr_array_unref (f->sent);
}

/* "Writes" everything pending: decodes it into f->sent. */
static void
flush (Fixture *f)
{
  MqttOutbuf *out = mqtt_session_get_output (f->session);
  g_autoptr(MqttDecoder) decoder =
    mqtt_decoder_new (mqtt_session_get_config (f->session)->protocol, MQTT_MAX_PACKET_SIZE);
  GOutputVector vectors[64];
  guint n, i;

  while (mqtt_outbuf_get_length (out) > 0)
    {
      gsize total = 0;

      n = mqtt_outbuf_get_vectors (out, vectors, G_N_ELEMENTS (vectors));
      for (i = 0; i < n; i++)
        {
          mqtt_decoder_feed (decoder, vectors[i].buffer, vectors[i].size);
          total += vectors[i].size;
        }
      mqtt_session_written (f->session, total);
    }
  for (;;)
    {
      MqttPacket *packet = g_new0 (MqttPacket, 1);
      g_autoptr(GError) error = NULL;

      if (mqtt_decoder_next (decoder, packet, &error) != MQTT_DECODE_PACKET)
        {
          g_assert_no_error (error);
          g_free (packet);
          break;
        }
      g_ptr_array_add (f->sent, packet);
    }
  mqtt_session_take_events (f->session, f->events);
}

static MqttPacket *
sent (Fixture *f, guint i)
{
  g_assert_cmpuint (i, <, f->sent->len);
  return g_ptr_array_index (f->sent, i);
}

static guint
count_events (Fixture *f, MqttSessionEventType type)
{
  guint i, n = 0;

  for (i = 0; i < f->events->len; i++)
    if (g_array_index (f->events, MqttSessionEvent, i).type == type)
      n++;
  return n;
}

/* The session takes a PUBLISH's topic and payload from @packet. */
static void
receive (Fixture *f, MqttPacket *packet)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_session_receive (f->session, packet, f->now, &error));
  g_assert_no_error (error);
}

static void
receive_ack (Fixture *f, MqttPacketType type, guint16 id)
{
  MqttPacket packet = { type, id };

  receive (f, &packet);
}

static void
connect (Fixture *f, gboolean session_present)
{
  MqttPacket connack = { MQTT_PACKET_CONNACK };

  mqtt_session_connection_made (f->session, f->now);
  connack.connack.session_present = session_present;
  receive (f, &connack);
  g_assert_cmpint (mqtt_session_get_state (f->session), ==, MQTT_SESSION_CONNECTED);
}

static guint
publish (Fixture *f, guint8 qos, const char *payload)
{
  g_autoptr(GError) error = NULL;
  guint mid = 0;

  g_assert_true (mqtt_session_publish (f->session, "t", (const guint8 *) payload,
                                       strlen (payload), NULL, qos, FALSE, NULL, f->now, &mid,
                                       &error));
  g_assert_no_error (error);
  return mid;
}

/* ------------------------------------------------------------------------ */

static void
test_connect (Fixture *f, gconstpointer data)
{
  RECONFIGURE (f->session, keepalive, 30);
  mqtt_session_connection_made (f->session, f->now);
  flush (f);
  g_assert_cmpuint (f->sent->len, ==, 1);
  g_assert_cmpint (sent (f, 0)->type, ==, MQTT_PACKET_CONNECT);
  g_assert_cmpuint (sent (f, 0)->connect.keepalive, ==, 30);
  g_assert_cmpint (mqtt_session_get_state (f->session), ==, MQTT_SESSION_CONNECTING);

  /* Nothing but CONNACK is allowed before CONNACK. */
  {
    MqttPacket ping = { MQTT_PACKET_PINGRESP };
    g_autoptr(GError) error = NULL;

    g_assert_false (mqtt_session_receive (f->session, &ping, f->now, &error));
    g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PROTOCOL);
  }
}

static void
test_connack_timeout (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  RECONFIGURE (f->session, keepalive, 10);
  mqtt_session_connection_made (f->session, f->now);
  g_assert_cmpint (mqtt_session_next_deadline (f->session), ==, f->now + 10 * SEC);
  g_assert_true (mqtt_session_tick (f->session, f->now + 9 * SEC, &error));
  g_assert_false (mqtt_session_tick (f->session, f->now + 10 * SEC, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_KEEPALIVE);
}

static void
test_window_and_queue (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint mids[3], mid;
  guint i;

  RECONFIGURE (f->session, max_inflight, 2);
  RECONFIGURE (f->session, max_queued, 3);
  connect (f, FALSE);
  for (i = 0; i < 3; i++)
    mids[i] = publish (f, 1, "x");
  g_assert_false (
      mqtt_session_publish (f->session, "t", NULL, 0, NULL, 1, FALSE, NULL, f->now, &mid, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_QUEUE_SIZE);
  flush (f);
  /* CONNECT, then the two the window allows. */
  g_assert_cmpuint (f->sent->len, ==, 3);
  g_assert_cmpuint (mqtt_session_get_inflight_count (f->session), ==, 2);
  g_assert_cmpuint (mqtt_session_get_queued_count (f->session), ==, 1);

  /* The queued message takes a packet identifier when it is sent. */
  receive_ack (f, MQTT_PACKET_PUBACK, sent (f, 1)->packet_id);
  flush (f);
  g_assert_cmpuint (f->sent->len, ==, 4);
  g_assert_cmpuint (sent (f, 3)->packet_id, !=, 0);
  g_assert_cmpuint (sent (f, 3)->packet_id, !=, sent (f, 2)->packet_id);
  g_assert_cmpuint (mids[2], >, mids[1]);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_PUBLISHED), ==, 1);
  /* Room again in the queue. */
  publish (f, 2, "y");
}

static void
test_retry (Fixture *f, gconstpointer data)
{
  guint16 mid;

  RECONFIGURE (f->session, retry_interval, 5);
  RECONFIGURE (f->session, keepalive, 0);
  connect (f, FALSE);
  publish (f, 2, "r");
  flush (f);
  mid = sent (f, 1)->packet_id;
  g_assert_false (sent (f, 1)->publish.dup);
  g_assert_cmpint (mqtt_session_next_deadline (f->session), ==, f->now + 5 * SEC);

  g_assert_true (mqtt_session_tick (f->session, f->now + 5 * SEC - 1, NULL));
  flush (f);
  g_assert_cmpuint (f->sent->len, ==, 2);

  g_assert_true (mqtt_session_tick (f->session, f->now + 5 * SEC, NULL));
  flush (f);
  g_assert_cmpuint (f->sent->len, ==, 3);
  g_assert_true (sent (f, 2)->publish.dup);
  g_assert_cmpuint (sent (f, 2)->packet_id, ==, mid);

  /* After PUBREC the retry is a PUBREL. */
  f->now += 5 * SEC;
  receive_ack (f, MQTT_PACKET_PUBREC, mid);
  flush (f);
  g_assert_cmpint (sent (f, 3)->type, ==, MQTT_PACKET_PUBREL);
  g_assert_true (mqtt_session_tick (f->session, f->now + 5 * SEC, NULL));
  flush (f);
  g_assert_cmpint (sent (f, 4)->type, ==, MQTT_PACKET_PUBREL);
  receive_ack (f, MQTT_PACKET_PUBCOMP, mid);
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_PUBLISHED), ==, 1);
  g_assert_cmpint (mqtt_session_next_deadline (f->session), ==, G_MAXINT64);
}

/* TRUE if a pending output vector points into @bytes' own memory. */
static gboolean
output_references (Fixture *f, GBytes *bytes)
{
  GOutputVector vectors[64];
  guint n, i;

  n = mqtt_outbuf_get_vectors (mqtt_session_get_output (f->session), vectors,
                               G_N_ELEMENTS (vectors));
  for (i = 0; i < n; i++)
    if (vectors[i].buffer == g_bytes_get_data (bytes, NULL))
      return TRUE;
  return FALSE;
}

/* A payload in pieces goes out as one message; its large piece is written
 * from its own memory, at the first send and at a resend. */
static void
test_publish_parts (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strnfill (2000, 'x');
  g_autoptr(GBytes) head = g_bytes_new_static ("head", 4);
  g_autoptr(GBytes) big = g_bytes_new (text, 2000);
  g_autoptr(GBytes) tail = g_bytes_new_static ("tail", 4);
  GBytes *parts[] = { head, big, tail };
  g_autoptr(GString) expected = g_string_new ("head");
  guint mid = 0, qos;

  g_string_append (expected, text);
  g_string_append (expected, "tail");
  connect (f, FALSE);
  flush (f);
  for (qos = 0; qos <= 1; qos++)
    {
      g_assert_true (mqtt_session_publish_parts (f->session, "t", parts, 3, qos, FALSE, NULL,
                                                 f->now, &mid, &error));
      g_assert_no_error (error);
      g_assert_true (output_references (f, big));
      flush (f);
      g_assert_cmpmem (g_bytes_get_data (sent (f, 1 + qos)->publish.payload, NULL),
                       g_bytes_get_size (sent (f, 1 + qos)->publish.payload), expected->str,
                       expected->len);
    }

  /* The QoS 1 one again after a reconnection, with DUP. */
  mqtt_session_connection_lost (f->session, TRUE);
  connect (f, TRUE);
  g_assert_true (output_references (f, big));
  flush (f);
  g_assert_true (sent (f, 4)->publish.dup);
  g_assert_cmpmem (g_bytes_get_data (sent (f, 4)->publish.payload, NULL),
                   g_bytes_get_size (sent (f, 4)->publish.payload), expected->str,
                   expected->len);

  /* No pieces: an empty message. */
  g_assert_true (mqtt_session_publish_parts (f->session, "t", NULL, 0, 1, FALSE, NULL, f->now, &mid,
                                             &error));
  flush (f);
  g_assert_cmpuint (g_bytes_get_size (sent (f, f->sent->len - 1)->publish.payload), ==, 0);
}

static void
test_keepalive (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 start = f->now;

  RECONFIGURE (f->session, keepalive, 10);
  connect (f, FALSE);
  flush (f);
  g_assert_cmpint (mqtt_session_next_deadline (f->session), ==, start + 10 * SEC);
  g_assert_true (mqtt_session_tick (f->session, start + 10 * SEC, &error));
  flush (f);
  g_assert_cmpint (sent (f, 1)->type, ==, MQTT_PACKET_PINGREQ);
  /* Answered: the next ping is a keepalive later. */
  f->now = start + 11 * SEC;
  receive_ack (f, MQTT_PACKET_PINGRESP, 0);
  g_assert_cmpint (mqtt_session_next_deadline (f->session), ==, start + 20 * SEC);
  g_assert_true (mqtt_session_tick (f->session, start + 20 * SEC, &error));
  flush (f);
  g_assert_cmpint (sent (f, 2)->type, ==, MQTT_PACKET_PINGREQ);
  /* Not answered: the connection is dead a keepalive after the ping. */
  g_assert_true (mqtt_session_tick (f->session, start + 30 * SEC - 1, &error));
  g_assert_false (mqtt_session_tick (f->session, start + 30 * SEC, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_KEEPALIVE);
}

/* Keepalive deadlines fall on a grid that every session shares (a second,
 * a quarter of a short keepalive), at most a step late: pings of many
 * clients go out together. The ping is sent when the timer fires there. */
static void
test_keepalive_grid (Fixture *f, gconstpointer data)
{
  gint64 whole = f->now;

  /* 0.3 s past a whole second. */
  f->now = whole + 300 * 1000;
  RECONFIGURE (f->session, keepalive, GPOINTER_TO_UINT (data));
  connect (f, FALSE);
  flush (f);
  if (GPOINTER_TO_UINT (data) == 10)
    {
      /* A step of a second: 10.3 s becomes 11 s. */
      g_assert_cmpint (mqtt_session_next_deadline (f->session), ==, whole + 11 * SEC);
      g_assert_true (mqtt_session_tick (f->session, whole + 11 * SEC, NULL));
      flush (f);
      g_assert_cmpint (sent (f, 1)->type, ==, MQTT_PACKET_PINGREQ);
    }
  else
    /* A keepalive of 1 s, a step of 250 ms: 1.3 s becomes 1.5 s. */
    g_assert_cmpint (mqtt_session_next_deadline (f->session), ==, whole + 1500 * 1000);
}

static void
test_incoming_qos2 (Fixture *f, gconstpointer data)
{
  MqttPacket publish_packet = { MQTT_PACKET_PUBLISH, 9 };

  connect (f, FALSE);
  publish_packet.publish.topic = g_strdup ("q");
  publish_packet.publish.payload = g_bytes_new ("1", 1);
  publish_packet.publish.qos = 2;
  {
    MqttPacket copy = publish_packet;

    copy.publish.topic = g_strdup ("q");
    copy.publish.payload = g_bytes_new ("1", 1);
    receive (f, &copy);
    mqtt_packet_clear (&copy);
  }
  /* The same identifier again, DUP: acknowledged, not delivered. */
  publish_packet.publish.dup = TRUE;
  {
    MqttPacket copy = publish_packet;

    copy.publish.topic = g_strdup ("q");
    copy.publish.payload = g_bytes_new ("1", 1);
    receive (f, &copy);
    mqtt_packet_clear (&copy);
  }
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_MESSAGE), ==, 1);
  g_assert_cmpint (sent (f, 1)->type, ==, MQTT_PACKET_PUBREC);
  g_assert_cmpint (sent (f, 2)->type, ==, MQTT_PACKET_PUBREC);

  /* Across a reconnection to a kept session the identifier stays known... */
  mqtt_session_connection_lost (f->session, TRUE);
  connect (f, TRUE);
  {
    MqttPacket copy = publish_packet;

    copy.publish.topic = g_strdup ("q");
    copy.publish.payload = g_bytes_new ("1", 1);
    receive (f, &copy);
    mqtt_packet_clear (&copy);
  }
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_MESSAGE), ==, 1);
  receive_ack (f, MQTT_PACKET_PUBREL, 9);
  flush (f);
  g_assert_cmpint (sent (f, f->sent->len - 1)->type, ==, MQTT_PACKET_PUBCOMP);
  mqtt_packet_clear (&publish_packet);
}

static void
receive_qos2 (Fixture *f, guint16 id, gboolean dup, const char *payload)
{
  MqttPacket packet = { MQTT_PACKET_PUBLISH, id };

  packet.publish.topic = g_strdup ("q");
  packet.publish.payload = g_bytes_new (payload, strlen (payload));
  packet.publish.qos = 2;
  packet.publish.dup = dup;
  receive (f, &packet);
  mqtt_packet_clear (&packet);
}

/* mosquitto 2.0 with persistence resends, after a restart, a QoS 2 message
 * it already sent PUBREL for: the same message, DUP, same identifier. It
 * is acknowledged and not delivered again; a new message under the same
 * identifier is delivered. */
static void
test_completed_qos2_resent (Fixture *f, gconstpointer data)
{
  connect (f, FALSE);
  receive_qos2 (f, 7, FALSE, "first");
  receive_ack (f, MQTT_PACKET_PUBREL, 7);
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_MESSAGE), ==, 1);

  mqtt_session_connection_lost (f->session, TRUE);
  connect (f, TRUE);
  receive_qos2 (f, 7, TRUE, "first");
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_MESSAGE), ==, 1);
  g_assert_cmpint (sent (f, f->sent->len - 1)->type, ==, MQTT_PACKET_PUBREC);
  receive_ack (f, MQTT_PACKET_PUBREL, 7);

  /* The identifier used again: without DUP, or for another message. */
  receive_qos2 (f, 7, FALSE, "first");
  receive_ack (f, MQTT_PACKET_PUBREL, 7);
  receive_qos2 (f, 7, TRUE, "second");
  receive_ack (f, MQTT_PACKET_PUBREL, 7);
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_MESSAGE), ==, 3);

  /* A broker that forgot the session forgets them too. */
  mqtt_session_connection_lost (f->session, TRUE);
  connect (f, FALSE);
  receive_qos2 (f, 7, TRUE, "second");
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_MESSAGE), ==, 4);
}

static void
test_resend_after_reconnect (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  MqttTopicRequest request = { (char *) "s/#", 1 };
  guint16 m1, m2;
  guint sub, i;

  RECONFIGURE (f->session, clean_session, FALSE);
  connect (f, FALSE);
  publish (f, 1, "a");
  publish (f, 2, "b");
  g_assert_true (mqtt_session_subscribe (f->session, &request, 1, NULL, f->now, &sub, &error));
  flush (f);
  m1 = sent (f, 1)->packet_id;
  m2 = sent (f, 2)->packet_id;
  receive_ack (f, MQTT_PACKET_PUBREC, m2);
  /* QoS 0 written before the loss counts as published; QoS 0 queued for a
   * connection on its way waits for it. */
  publish (f, 0, "c");
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_PUBLISHED), ==, 1);
  {
    guint16 sub_id = sent (f, 3)->packet_id;

  mqtt_session_connection_lost (f->session, TRUE);
  publish (f, 0, "d");
  g_ptr_array_set_size (f->sent, 0);
  connect (f, TRUE);
  flush (f);
  /* CONNECT, PUBLISH m1 (DUP), PUBREL m2, SUBSCRIBE again (persistent
   * session), then the QoS 0 message queued meanwhile. */
  g_assert_cmpuint (f->sent->len, ==, 5);
  g_assert_cmpint (sent (f, 1)->type, ==, MQTT_PACKET_PUBLISH);
  g_assert_cmpuint (sent (f, 1)->packet_id, ==, m1);
  g_assert_true (sent (f, 1)->publish.dup);
  g_assert_cmpint (sent (f, 2)->type, ==, MQTT_PACKET_PUBREL);
  g_assert_cmpuint (sent (f, 2)->packet_id, ==, m2);
  g_assert_cmpint (sent (f, 3)->type, ==, MQTT_PACKET_SUBSCRIBE);
  g_assert_cmpuint (sent (f, 3)->packet_id, ==, sub_id);
  }
  g_assert_cmpint (sent (f, 4)->type, ==, MQTT_PACKET_PUBLISH);
  g_assert_cmpuint (sent (f, 4)->publish.qos, ==, 0);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_PUBLISHED), ==, 2);

  /* With a clean session a pending SUBSCRIBE is dropped with an event. */
  RECONFIGURE (f->session, clean_session, TRUE);
  mqtt_session_connection_lost (f->session, FALSE);
  mqtt_session_take_events (f->session, f->events);
  for (i = 0; i < f->events->len; i++)
    {
      MqttSessionEvent *event = &g_array_index (f->events, MqttSessionEvent, i);

      if (event->type == MQTT_SESSION_EVENT_DROPPED)
        g_assert_cmpuint (event->mid, ==, sub);
    }
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_DROPPED), ==, 1);
}

static void
test_idle_refusals (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  MqttTopicRequest request = { (char *) "s", 0 };
  guint mid;

  g_assert_false (
      mqtt_session_publish (f->session, "t", NULL, 0, NULL, 0, FALSE, NULL, f->now, &mid, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NO_CONN);
  g_clear_error (&error);
  g_assert_false (mqtt_session_subscribe (f->session, &request, 1, NULL, f->now, &mid, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NO_CONN);
  g_clear_error (&error);
  /* QoS 1 is queued for the next connection. */
  g_assert_true (mqtt_session_publish (f->session, "t", NULL, 0, NULL, 1, FALSE, NULL, f->now, &mid,
                                       &error));
  g_assert_cmpuint (mqtt_session_get_queued_count (f->session), ==, 1);
}

/* The dropping policies: the oldest unsent messages, or the new one, go
 * with a DROPPED event each (never a message in flight); QoS 0 is held
 * while disconnected and sent after the connection. */
static guint
dropped_mid (Fixture *f, guint n)
{
  guint i, seen = 0;

  for (i = 0; i < f->events->len; i++)
    {
      MqttSessionEvent *event = &g_array_index (f->events, MqttSessionEvent, i);

      if (event->type == MQTT_SESSION_EVENT_DROPPED && seen++ == n)
        {
          g_assert_cmpint (event->code, ==, MQTT_ERROR_QUEUE_SIZE);
          return event->mid;
        }
    }
  g_assert_not_reached ();
}

static void
test_queue_policies (Fixture *f, gconstpointer data)
{
  guint mids[5];
  guint i;

  /* Drop oldest, while disconnected: QoS 0 and 1 alike. */
  RECONFIGURE (f->session, max_queued, 3);
  RECONFIGURE (f->session, queue_policy, MQTT_QUEUE_POLICY_DROP_OLDEST);
  for (i = 0; i < 5; i++)
    mids[i] = publish (f, i % 2, i % 2 ? "one" : "zero");
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_DROPPED), ==, 2);
  g_assert_cmpuint (dropped_mid (f, 0), ==, mids[0]);
  g_assert_cmpuint (dropped_mid (f, 1), ==, mids[1]);
  g_assert_cmpuint (mqtt_session_get_queued_count (f->session), ==, 3);

  /* Connected with a window of one: the message in flight stays, the
   * oldest waiting one goes. */
  RECONFIGURE (f->session, max_inflight, 1);
  connect (f, FALSE);
  flush (f);
  /* CONNECT and the three, in order: QoS 0 needs no room in the window. */
  g_assert_cmpuint (f->sent->len, ==, 4);
  g_assert_cmpuint (sent (f, 1)->publish.qos, ==, 0);
  g_assert_cmpuint (sent (f, 2)->publish.qos, ==, 1);
  g_assert_cmpuint (sent (f, 3)->publish.qos, ==, 0);
  g_array_set_size (f->events, 0);
  mids[0] = publish (f, 1, "a");
  publish (f, 1, "b");
  publish (f, 1, "c");
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_DROPPED), ==, 1);
  g_assert_cmpuint (dropped_mid (f, 0), ==, mids[0]);
  g_assert_cmpuint (mqtt_session_get_inflight_count (f->session), ==, 1);
  g_assert_cmpuint (mqtt_session_get_queued_count (f->session), ==, 2);

  /* Drop newest: accepted with a mid, dropped at once. */
  g_array_set_size (f->events, 0);
  RECONFIGURE (f->session, queue_policy, MQTT_QUEUE_POLICY_DROP_NEWEST);
  mids[0] = publish (f, 1, "d");
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_DROPPED), ==, 1);
  g_assert_cmpuint (dropped_mid (f, 0), ==, mids[0]);
  g_assert_cmpuint (mqtt_session_get_queued_count (f->session), ==, 2);

  /* Refuse: today's error, nothing dropped. */
  g_array_set_size (f->events, 0);
  RECONFIGURE (f->session, queue_policy, MQTT_QUEUE_POLICY_REFUSE);
  {
    g_autoptr(GError) error = NULL;
    guint mid;

    g_assert_false (mqtt_session_publish (f->session, "t", NULL, 0, NULL, 1, FALSE, NULL, f->now,
                                          &mid, &error));
    g_assert_error (error, MQTT_ERROR, MQTT_ERROR_QUEUE_SIZE);
  }
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_DROPPED), ==, 0);
}

/* Subscriptions sent again after a reconnection as the policy says: the
 * ones held (an unsubscribed filter is not), with their last QoS. */
static guint
count_subscribes (Fixture *f)
{
  guint i, n = 0;

  for (i = 0; i < f->sent->len; i++)
    n += sent (f, i)->type == MQTT_PACKET_SUBSCRIBE;
  return n;
}

static void
receive_suback (Fixture *f, guint16 id, guint n_codes)
{
  MqttPacket suback = { MQTT_PACKET_SUBACK, id };
  guint8 codes[4] = { 0 };

  suback.suback.return_codes = codes;
  suback.suback.n_return_codes = n_codes;
  receive (f, &suback);
}

static void
reconnect (Fixture *f, gboolean session_present)
{
  mqtt_session_connection_lost (f->session, TRUE);
  g_ptr_array_set_size (f->sent, 0);
  g_array_set_size (f->events, 0);
  connect (f, session_present);
  flush (f);
}

static void
test_resubscribe (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  MqttTopicRequest subs[] = { { (char *) "a/#", 1 }, { (char *) "b", 0 }, { (char *) "c", 2 } };
  MqttTopicRequest again = { (char *) "a/#", 2 };
  MqttTopicRequest gone = { (char *) "b", 0 };
  MqttPacket *packet;
  guint mid;

  connect (f, FALSE);
  g_assert_true (mqtt_session_subscribe (f->session, subs, 3, NULL, f->now, &mid, &error));
  g_assert_true (mqtt_session_subscribe (f->session, &again, 1, NULL, f->now, &mid, &error));
  g_assert_true (mqtt_session_unsubscribe (f->session, &gone, 1, NULL, f->now, &mid, &error));
  flush (f);
  receive_suback (f, sent (f, 1)->packet_id, 3);
  receive_suback (f, sent (f, 2)->packet_id, 1);
  receive_ack (f, MQTT_PACKET_UNSUBACK, sent (f, 3)->packet_id);

  /* Never (the default): nothing, session or not. */
  reconnect (f, FALSE);
  g_assert_cmpuint (count_subscribes (f), ==, 0);

  /* Without a session: only when the broker lost it. */
  RECONFIGURE (f->session, resubscribe, MQTT_RESUBSCRIBE_WITHOUT_SESSION);
  reconnect (f, TRUE);
  g_assert_cmpuint (count_subscribes (f), ==, 0);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_RESUBSCRIBED), ==, 0);
  reconnect (f, FALSE);
  g_assert_cmpuint (count_subscribes (f), ==, 1);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_RESUBSCRIBED), ==, 1);
  packet = sent (f, 1);
  g_assert_cmpint (packet->type, ==, MQTT_PACKET_SUBSCRIBE);
  g_assert_cmpuint (packet->subscribe.n_topics, ==, 2);
  g_assert_cmpstr (packet->subscribe.topics[0].filter, ==, "c");
  g_assert_cmpuint (packet->subscribe.topics[0].qos, ==, 2);
  g_assert_cmpstr (packet->subscribe.topics[1].filter, ==, "a/#");
  g_assert_cmpuint (packet->subscribe.topics[1].qos, ==, 2);
  /* The SUBACK completes it like any subscription. */
  receive_suback (f, packet->packet_id, 2);
  mqtt_session_take_events (f->session, f->events);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_SUBSCRIBED), ==, 1);

  /* Always. */
  RECONFIGURE (f->session, resubscribe, MQTT_RESUBSCRIBE_ALWAYS);
  reconnect (f, TRUE);
  g_assert_cmpuint (count_subscribes (f), ==, 1);

  /* A reset forgets them. */
  mqtt_session_reset (f->session);
  connect (f, FALSE);
  reconnect (f, FALSE);
  g_assert_cmpuint (count_subscribes (f), ==, 0);
}

/* The queue holds more messages than there are packet identifiers: they
 * take one when sent and give it back when acknowledged. */
static void
test_packet_ids (Fixture *f, gconstpointer data)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (NULL, NULL);
  guint i, last_mid = 0, total = 70000;
  guint16 first_id, next_id;

  RECONFIGURE (f->session, max_inflight, 0);
  connect (f, FALSE);
  for (i = 0; i < total; i++)
    {
      guint mid = publish (f, 1, "");

      g_assert_cmpuint (mid, >, last_mid);
      last_mid = mid;
    }
  flush (f);
  /* CONNECT and one PUBLISH per identifier, each identifier once. */
  g_assert_cmpuint (f->sent->len, ==, 1 + G_MAXUINT16);
  for (i = 1; i < f->sent->len; i++)
    {
      guint16 id = sent (f, i)->packet_id;

      g_assert_cmpuint (id, !=, 0);
      g_assert_false (g_hash_table_contains (ids, GUINT_TO_POINTER (id)));
      g_hash_table_add (ids, GUINT_TO_POINTER (id));
    }
  g_assert_cmpuint (mqtt_session_get_queued_count (f->session), ==, total - G_MAXUINT16);

  /* An acknowledgement frees an identifier for the next queued message. */
  first_id = sent (f, 1)->packet_id;
  receive_ack (f, MQTT_PACKET_PUBACK, first_id);
  flush (f);
  next_id = sent (f, f->sent->len - 1)->packet_id;
  g_assert_cmpuint (next_id, ==, first_id);
  g_assert_cmpuint (mqtt_session_get_queued_count (f->session), ==, total - G_MAXUINT16 - 1);
}


/* ------------------------------------------------------------------------ */
/* Level 5 */

static void
setup_v5 (Fixture *f, gconstpointer data)
{
  setup (f, data);
  RECONFIGURE (f->session, protocol, MQTT_PROTOCOL_V5);
}

/* A CONNACK with @props (taken), accepted. */
static void
connect_v5 (Fixture *f, MqttProperties *props)
{
  MqttPacket connack = { MQTT_PACKET_CONNACK };

  mqtt_session_connection_made (f->session, f->now);
  connack.props = props;
  receive (f, &connack);
  mqtt_properties_unref (props);
  g_assert_cmpint (mqtt_session_get_state (f->session), ==, MQTT_SESSION_CONNECTED);
}

static guint
publish_props (Fixture *f, const char *topic, guint8 qos, MqttProperties *props)
{
  g_autoptr(GError) error = NULL;
  guint mid = 0;

  g_assert_true (mqtt_session_publish (f->session, topic, (const guint8 *) "x", 1, NULL, qos,
                                       FALSE, props, f->now, &mid, &error));
  g_assert_no_error (error);
  return mid;
}

static MqttSessionEvent *
last_event (Fixture *f, MqttSessionEventType type)
{
  guint i;

  for (i = f->events->len; i > 0; i--)
    if (g_array_index (f->events, MqttSessionEvent, i - 1).type == type)
      return &g_array_index (f->events, MqttSessionEvent, i - 1);
  g_assert_not_reached ();
}

static void
test_v5_connect (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(MqttProperties) will = mqtt_properties_new ();
  guint32 value = 0;
  MqttPacket *connect;

  mqtt_properties_set_session_expiry_interval (props, 300);
  mqtt_properties_add_user_property (props, "k", "v");
  mqtt_properties_set_will_delay_interval (will, 5);
  RECONFIGURE (f->session, connect_props, mqtt_properties_ref (props));
  RECONFIGURE (f->session, will, TRUE);
  RECONFIGURE (f->session, will_topic, g_strdup ("w"));
  RECONFIGURE (f->session, will_props, mqtt_properties_ref (will));
  RECONFIGURE (f->session, max_packet_size, 4096);
  mqtt_session_connection_made (f->session, f->now);
  flush (f);
  connect = sent (f, 0);
  g_assert_cmpuint (connect->connect.protocol_level, ==, 5);
  /* The application's properties, and our Maximum Packet Size. */
  g_assert_true (mqtt_properties_get_session_expiry_interval (connect->props, &value));
  g_assert_cmpuint (value, ==, 300);
  g_assert_cmpstr (mqtt_properties_lookup_user_property (connect->props, "k"), ==, "v");
  g_assert_true (mqtt_properties_get_maximum_packet_size (connect->props, &value));
  g_assert_cmpuint (value, ==, 4096);
  g_assert_true (mqtt_properties_get_will_delay_interval (connect->connect.will_props, &value));
  g_assert_cmpuint (value, ==, 5);
}

static void
test_v5_receive_maximum (Fixture *f, gconstpointer data)
{
  MqttProperties *limits = mqtt_properties_new ();
  guint i;

  mqtt_properties_set_receive_maximum (limits, 2);
  connect_v5 (f, limits);
  for (i = 0; i < 5; i++)
    publish (f, 1, "x");
  flush (f);
  /* CONNECT and the two the broker allows. */
  g_assert_cmpuint (f->sent->len, ==, 3);
  receive_ack (f, MQTT_PACKET_PUBACK, sent (f, 1)->packet_id);
  flush (f);
  g_assert_cmpuint (f->sent->len, ==, 4);
  g_assert_cmpuint (mqtt_session_get_inflight_sent (f->session), ==, 2);

  /* After a reconnection with a Receive Maximum of 1, one resend at a time. */
  mqtt_session_connection_lost (f->session, TRUE);
  limits = mqtt_properties_new ();
  mqtt_properties_set_receive_maximum (limits, 1);
  g_ptr_array_set_size (f->sent, 0);
  connect_v5 (f, limits);
  flush (f);
  g_assert_cmpuint (f->sent->len, ==, 2);
  g_assert_true (sent (f, 1)->publish.dup);
  receive_ack (f, MQTT_PACKET_PUBACK, sent (f, 1)->packet_id);
  flush (f);
  g_assert_cmpuint (f->sent->len, ==, 3);
  g_assert_true (sent (f, 2)->publish.dup);
  g_assert_cmpuint (mqtt_session_get_inflight_sent (f->session), ==, 1);
}

/* After a reconnection, a PUBREC for a message not yet sent again is
 * answered with PUBREL, which the broker's Receive Maximum does not count. */
static void
test_v5_pubrel_outside_quota (Fixture *f, gconstpointer data)
{
  MqttProperties *limits;
  guint16 a, b;

  connect_v5 (f, mqtt_properties_new ());
  publish (f, 2, "a");
  publish (f, 2, "b");
  flush (f);
  a = sent (f, 1)->packet_id;
  b = sent (f, 2)->packet_id;

  mqtt_session_connection_lost (f->session, TRUE);
  limits = mqtt_properties_new ();
  mqtt_properties_set_receive_maximum (limits, 1);
  g_ptr_array_set_size (f->sent, 0);
  connect_v5 (f, limits);
  flush (f);
  /* CONNECT, and A again; B waits for room. */
  g_assert_cmpuint (f->sent->len, ==, 2);
  g_assert_cmpuint (sent (f, 1)->packet_id, ==, a);
  receive_ack (f, MQTT_PACKET_PUBREC, b);
  flush (f);
  g_assert_cmpint (sent (f, 2)->type, ==, MQTT_PACKET_PUBREL);
  g_assert_cmpuint (sent (f, 2)->packet_id, ==, b);
  g_assert_cmpuint (mqtt_session_get_inflight_sent (f->session), ==, 1);
  receive_ack (f, MQTT_PACKET_PUBCOMP, b);
  receive_ack (f, MQTT_PACKET_PUBREC, a);
  receive_ack (f, MQTT_PACKET_PUBCOMP, a);
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_PUBLISHED), ==, 2);
  g_assert_cmpuint (mqtt_session_get_inflight_sent (f->session), ==, 0);
  g_assert_cmpuint (mqtt_session_get_inflight_count (f->session), ==, 0);
}

static void
test_v5_server_limits (Fixture *f, gconstpointer data)
{
  MqttProperties *limits = mqtt_properties_new ();
  g_autoptr(MqttProperties) sub_id = mqtt_properties_new ();
  MqttTopicRequest wildcard = { (char *) "a/+", 0 }, shared = { (char *) "$share/g/a", 0 };
  MqttTopicRequest plain = { (char *) "a", 0 };
  g_autoptr(GError) error = NULL;
  char big[64];
  guint mid, queued;

  /* Queued before CONNACK, then refused by what it says. */
  mqtt_session_connection_made (f->session, f->now);
  queued = publish (f, 1, "x");
  mqtt_properties_set_maximum_qos (limits, 0);
  mqtt_properties_set_retain_available (limits, 0);
  mqtt_properties_set_maximum_packet_size (limits, 40);
  mqtt_properties_set_wildcard_subscription_available (limits, 0);
  mqtt_properties_set_shared_subscription_available (limits, 0);
  mqtt_properties_set_subscription_identifier_available (limits, 0);
  {
    MqttPacket connack = { MQTT_PACKET_CONNACK };

    connack.props = limits;
    receive (f, &connack);
    mqtt_properties_unref (limits);
  }
  flush (f);
  g_assert_cmpuint (last_event (f, MQTT_SESSION_EVENT_DROPPED)->mid, ==, queued);
  g_assert_cmpint (last_event (f, MQTT_SESSION_EVENT_DROPPED)->code, ==,
                   MQTT_ERROR_NOT_SUPPORTED);

  g_assert_false (mqtt_session_publish (f->session, "t", NULL, 0, NULL, 1, FALSE, NULL, f->now,
                                        &mid, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (mqtt_session_publish (f->session, "t", NULL, 0, NULL, 0, TRUE, NULL, f->now,
                                        &mid, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  memset (big, 'x', sizeof big);
  g_assert_false (mqtt_session_publish (f->session, "t", (guint8 *) big, sizeof big, NULL, 0,
                                        FALSE, NULL, f->now, &mid, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE);
  g_clear_error (&error);
  g_assert_true (mqtt_session_publish (f->session, "t", (guint8 *) big, 20, NULL, 0, FALSE, NULL,
                                       f->now, &mid, &error));

  g_assert_false (mqtt_session_subscribe (f->session, &wildcard, 1, NULL, f->now, &mid, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (mqtt_session_subscribe (f->session, &shared, 1, NULL, f->now, &mid, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  mqtt_properties_add_subscription_identifier (sub_id, 7);
  g_assert_false (mqtt_session_subscribe (f->session, &plain, 1, sub_id, f->now, &mid, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_true (mqtt_session_subscribe (f->session, &plain, 1, NULL, f->now, &mid, &error));
}

static void
test_v5_topic_alias_in (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(GError) error = NULL;
  MqttPacket publish = { MQTT_PACKET_PUBLISH };

  mqtt_properties_set_topic_alias_maximum (props, 2);
  RECONFIGURE (f->session, connect_props, mqtt_properties_ref (props));
  connect_v5 (f, mqtt_properties_new ());

  /* The first message names the topic, the next only the alias. */
  publish.publish.topic = g_strdup ("a/b");
  publish.publish.payload = g_bytes_new ("1", 1);
  publish.props = mqtt_properties_new ();
  mqtt_properties_set_topic_alias (publish.props, 1);
  receive (f, &publish);
  mqtt_packet_clear (&publish);
  publish.type = MQTT_PACKET_PUBLISH;
  publish.publish.topic = g_strdup ("");
  publish.publish.payload = g_bytes_new ("2", 1);
  publish.props = mqtt_properties_new ();
  mqtt_properties_set_topic_alias (publish.props, 1);
  receive (f, &publish);
  mqtt_packet_clear (&publish);
  flush (f);
  g_assert_cmpstr (last_event (f, MQTT_SESSION_EVENT_MESSAGE)->message->topic, ==, "a/b");
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_MESSAGE), ==, 2);

  /* An alias never named is a protocol error; one above our maximum is
   * Topic Alias invalid: DISCONNECT says which. */
  publish.type = MQTT_PACKET_PUBLISH;
  publish.publish.topic = g_strdup ("");
  publish.publish.payload = g_bytes_new ("3", 1);
  publish.props = mqtt_properties_new ();
  mqtt_properties_set_topic_alias (publish.props, 2);
  g_assert_false (mqtt_session_receive (f->session, &publish, f->now, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PROTOCOL);
  mqtt_packet_clear (&publish);
  flush (f);
  g_assert_cmpint (sent (f, f->sent->len - 1)->type, ==, MQTT_PACKET_DISCONNECT);
  g_assert_cmphex (sent (f, f->sent->len - 1)->reason_code, ==, 0x82);

  g_clear_error (&error);
  mqtt_session_connection_lost (f->session, TRUE);
  connect_v5 (f, mqtt_properties_new ());
  publish.type = MQTT_PACKET_PUBLISH;
  publish.publish.topic = g_strdup ("a");
  publish.publish.payload = g_bytes_new ("4", 1);
  publish.props = mqtt_properties_new ();
  mqtt_properties_set_topic_alias (publish.props, 3);
  g_assert_false (mqtt_session_receive (f->session, &publish, f->now, &error));
  mqtt_packet_clear (&publish);
  flush (f);
  g_assert_cmphex (sent (f, f->sent->len - 1)->reason_code, ==, 0x94);
}

static void
test_v5_topic_alias_out (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *topic;
    guint16 explicit;
    const char *wire_topic;
    guint16 wire_alias;
  } steps[] = {
    { "t1", 0, "t1", 1 },  /* assigned */
    { "t1", 0, "", 1 },    /* known: the alias alone */
    { "t2", 0, "t2", 2 },
    { "t3", 0, "t3", 0 },  /* none left */
    { "t1", 0, "", 1 },
    { "t4", 2, "t4", 2 },  /* the application's alias replaces t2's */
    { "t4", 2, "", 2 },
    { "t2", 0, "t2", 0 },
  };
  MqttProperties *limits = mqtt_properties_new ();
  guint i;

  mqtt_properties_set_topic_alias_maximum (limits, 2);
  RECONFIGURE (f->session, topic_alias_out, 5);
  connect_v5 (f, limits);
  for (i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(MqttProperties) props = NULL;
      MqttPacket *packet;
      guint16 alias = 0;

      if (steps[i].explicit)
        {
          props = mqtt_properties_new ();
          mqtt_properties_set_topic_alias (props, steps[i].explicit);
        }
      publish_props (f, steps[i].topic, 0, props);
      flush (f);
      packet = sent (f, f->sent->len - 1);
      g_assert_cmpstr (packet->publish.topic, ==, steps[i].wire_topic);
      if (packet->props)
        mqtt_properties_get_topic_alias (packet->props, &alias);
      g_assert_cmpuint (alias, ==, steps[i].wire_alias);
    }

  /* The broker's maximum bounds the application's aliases too. */
  {
    g_autoptr(MqttProperties) props = mqtt_properties_new ();
    g_autoptr(GError) error = NULL;
    guint mid;

    mqtt_properties_set_topic_alias (props, 3);
    g_assert_false (mqtt_session_publish (f->session, "t", NULL, 0, NULL, 0, FALSE, props,
                                          f->now, &mid, &error));
    g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  }
}

static void
test_v5_message_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  guint32 remaining = 0;
  guint expired;

  mqtt_properties_set_message_expiry_interval (props, 10);
  mqtt_session_connection_lost (f->session, TRUE);
  expired = publish_props (f, "t", 1, props);
  f->now += 4 * SEC;
  publish_props (f, "t", 1, props);
  f->now += 7 * SEC;
  connect_v5 (f, mqtt_properties_new ());
  flush (f);
  /* The first waited 11 s: dropped. The second goes with 3 s left. */
  g_assert_cmpuint (last_event (f, MQTT_SESSION_EVENT_DROPPED)->mid, ==, expired);
  g_assert_cmpint (last_event (f, MQTT_SESSION_EVENT_DROPPED)->code, ==, MQTT_ERROR_EXPIRED);
  g_assert_cmpuint (f->sent->len, ==, 2);
  g_assert_true (mqtt_properties_get_message_expiry_interval (sent (f, 1)->props, &remaining));
  g_assert_cmpuint (remaining, ==, 3);

  /* A resend after a reconnection forwards what is left, even nothing. */
  mqtt_session_connection_lost (f->session, TRUE);
  f->now += 5 * SEC;
  g_ptr_array_set_size (f->sent, 0);
  connect_v5 (f, mqtt_properties_new ());
  flush (f);
  g_assert_true (sent (f, 1)->publish.dup);
  g_assert_true (mqtt_properties_get_message_expiry_interval (sent (f, 1)->props, &remaining));
  g_assert_cmpuint (remaining, ==, 0);
}

static void
test_v5_reason_codes (Fixture *f, gconstpointer data)
{
  MqttPacket ack = { MQTT_PACKET_PUBACK };
  MqttTopicRequest filters[2] = { { (char *) "a", 1 }, { (char *) "b", 2 } };
  g_autoptr(GError) error = NULL;
  guint mid, i;

  connect_v5 (f, mqtt_properties_new ());
  publish (f, 1, "x");
  publish (f, 2, "y");
  flush (f);

  /* PUBACK with a failure completes the message with its reason. */
  ack.packet_id = sent (f, 1)->packet_id;
  ack.reason_code = 0x87;
  ack.props = mqtt_properties_new ();
  mqtt_properties_set_reason_string (ack.props, "no");
  receive (f, &ack);
  mqtt_packet_clear (&ack);
  flush (f);
  g_assert_cmpint (last_event (f, MQTT_SESSION_EVENT_PUBLISHED)->code, ==, 0x87);
  g_assert_cmpstr (mqtt_properties_get_reason_string (
                     last_event (f, MQTT_SESSION_EVENT_PUBLISHED)->props), ==, "no");

  /* PUBREC with a failure ends the QoS 2 exchange: no PUBREL. */
  ack.type = MQTT_PACKET_PUBREC;
  ack.packet_id = sent (f, 2)->packet_id;
  ack.reason_code = 0x97;
  i = f->sent->len;
  receive (f, &ack);
  flush (f);
  g_assert_cmpuint (f->sent->len, ==, i);
  g_assert_cmpint (last_event (f, MQTT_SESSION_EVENT_PUBLISHED)->code, ==, 0x97);
  g_assert_cmpuint (mqtt_session_get_inflight_count (f->session), ==, 0);

  /* UNSUBACK at level 5 has a code for each filter. */
  g_assert_true (mqtt_session_unsubscribe (f->session, filters, 2, NULL, f->now, &mid, &error));
  flush (f);
  {
    MqttPacket unsuback = { MQTT_PACKET_UNSUBACK };
    guint8 codes[] = { 0x00, 0x11 };

    unsuback.packet_id = sent (f, f->sent->len - 1)->packet_id;
    unsuback.suback.return_codes = codes;
    unsuback.suback.n_return_codes = 2;
    receive (f, &unsuback);
  }
  flush (f);
  g_assert_cmpuint (g_bytes_get_size (last_event (f, MQTT_SESSION_EVENT_UNSUBSCRIBED)->granted),
                    ==, 2);
  g_assert_true (mqtt_session_unsubscribe (f->session, filters, 2, NULL, f->now, &mid, &error));
  flush (f);
  {
    MqttPacket unsuback = { MQTT_PACKET_UNSUBACK };
    guint8 codes[] = { 0x00 };

    unsuback.packet_id = sent (f, f->sent->len - 1)->packet_id;
    unsuback.suback.return_codes = codes;
    unsuback.suback.n_return_codes = 1;
    g_assert_false (mqtt_session_receive (f->session, &unsuback, f->now, &error));
    g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PROTOCOL);
  }
}

static void
test_v5_disconnect (Fixture *f, gconstpointer data)
{
  MqttPacket disconnect = { MQTT_PACKET_DISCONNECT };
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(GError) error = NULL;
  MqttSessionEvent *event;

  connect_v5 (f, mqtt_properties_new ());
  disconnect.reason_code = 0x8e;
  disconnect.props = mqtt_properties_new ();
  mqtt_properties_set_reason_string (disconnect.props, "elsewhere");
  g_assert_false (mqtt_session_receive (f->session, &disconnect, f->now, &error));
  mqtt_packet_clear (&disconnect);
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_CONN_LOST);
  g_assert_nonnull (strstr (error->message, "Session taken over"));
  g_assert_nonnull (strstr (error->message, "elsewhere"));
  flush (f);
  event = last_event (f, MQTT_SESSION_EVENT_DISCONNECT);
  g_assert_cmphex (event->code, ==, 0x8e);
  g_assert_cmpstr (mqtt_properties_get_reason_string (event->props), ==, "elsewhere");

  /* The client's own reason and properties. */
  mqtt_session_connection_lost (f->session, TRUE);
  connect_v5 (f, mqtt_properties_new ());
  mqtt_properties_set_reason_string (props, "bye");
  g_assert_true (mqtt_session_send_disconnect (f->session, 0x04, props, f->now));
  flush (f);
  g_assert_cmpint (sent (f, f->sent->len - 1)->type, ==, MQTT_PACKET_DISCONNECT);
  g_assert_cmphex (sent (f, f->sent->len - 1)->reason_code, ==, 0x04);
  g_assert_cmpstr (mqtt_properties_get_reason_string (sent (f, f->sent->len - 1)->props), ==,
                   "bye");
}

static void
test_v5_auth (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(GError) error = NULL;
  MqttPacket auth = { MQTT_PACKET_AUTH };
  MqttPacket connack = { MQTT_PACKET_CONNACK };

  mqtt_properties_set_authentication_method (props, "CHALLENGE");
  RECONFIGURE (f->session, connect_props, mqtt_properties_ref (props));
  mqtt_session_connection_made (f->session, f->now);
  auth.reason_code = 0x18;
  auth.props = mqtt_properties_ref (props);
  receive (f, &auth);
  mqtt_packet_clear (&auth);
  flush (f);
  g_assert_cmphex (last_event (f, MQTT_SESSION_EVENT_AUTH)->code, ==, 0x18);
  g_assert_true (mqtt_session_send_auth (f->session, 0x18, props, f->now, &error));
  flush (f);
  g_assert_cmpint (sent (f, f->sent->len - 1)->type, ==, MQTT_PACKET_AUTH);
  g_assert_cmphex (sent (f, f->sent->len - 1)->reason_code, ==, 0x18);
  receive (f, &connack);
  g_assert_cmpint (mqtt_session_get_state (f->session), ==, MQTT_SESSION_CONNECTED);

  /* Only the client re-authenticates. */
  auth.type = MQTT_PACKET_AUTH;
  auth.reason_code = 0x19;
  g_assert_false (mqtt_session_receive (f->session, &auth, f->now, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PROTOCOL);
}

static void
test_v5_server_keepalive_no_retry (Fixture *f, gconstpointer data)
{
  MqttProperties *limits = mqtt_properties_new ();

  RECONFIGURE (f->session, keepalive, 60);
  RECONFIGURE (f->session, retry_interval, 1);
  mqtt_properties_set_server_keep_alive (limits, 5);
  connect_v5 (f, limits);
  g_assert_cmpuint (mqtt_session_get_keepalive (f->session), ==, 5);
  publish (f, 1, "x");
  flush (f);
  /* No resend on the same connection at level 5; a ping at 5 s. */
  g_assert_cmpint (mqtt_session_next_deadline (f->session), ==, f->now + 5 * SEC);
  g_assert_true (mqtt_session_tick (f->session, f->now + 5 * SEC, NULL));
  flush (f);
  g_assert_cmpint (sent (f, f->sent->len - 1)->type, ==, MQTT_PACKET_PINGREQ);
  g_assert_false (sent (f, f->sent->len - 2)->publish.dup);
}

static void
test_v5_receive_maximum_in (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(GError) error = NULL;
  guint i;

  mqtt_properties_set_receive_maximum (props, 1);
  RECONFIGURE (f->session, connect_props, mqtt_properties_ref (props));
  connect_v5 (f, mqtt_properties_new ());
  for (i = 1; i <= 2; i++)
    {
      MqttPacket publish = { MQTT_PACKET_PUBLISH, i };
      gboolean ok;

      publish.publish.qos = 2;
      publish.publish.topic = g_strdup ("t");
      publish.publish.payload = g_bytes_new ("x", 1);
      ok = mqtt_session_receive (f->session, &publish, f->now, &error);
      mqtt_packet_clear (&publish);
      g_assert_true (ok == (i == 1));
    }
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PROTOCOL);
  flush (f);
  g_assert_cmphex (sent (f, f->sent->len - 1)->reason_code, ==, 0x93);
}

static void
test_v5_malformed (Fixture *f, gconstpointer data)
{
  /* A PUBACK with a reason code PUBACK may not carry. */
  static const guint8 bad[] = { 0x40, 0x03, 0x00, 0x01, 0x05 };
  g_autoptr(GError) error = NULL;
  gsize space;
  guint8 *buffer;

  connect_v5 (f, mqtt_properties_new ());
  buffer = mqtt_session_get_read_buffer (f->session, sizeof bad, &space);
  memcpy (buffer, bad, sizeof bad);
  g_assert_false (mqtt_session_commit_read (f->session, sizeof bad, f->now, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PROTOCOL);
  flush (f);
  g_assert_cmpint (sent (f, f->sent->len - 1)->type, ==, MQTT_PACKET_DISCONNECT);
  g_assert_cmphex (sent (f, f->sent->len - 1)->reason_code, ==, 0x82);
}


/* ------------------------------------------------------------------------ */
/* A store: what a new process takes over from one that died */

static MqttStore *
open_store (const char *dir)
{
  g_autoptr(GError) error = NULL;
  MqttFileStore *store = mqtt_file_store_new (dir);

  g_assert_true (mqtt_store_open (MQTT_STORE (store), "restarting", &error));
  g_assert_no_error (error);
  return MQTT_STORE (store);
}

/* The session a new process makes from @store. */
static void
restart (Fixture *f, MqttStore *store)
{
  g_autoptr(GError) error = NULL;
  MqttSessionConfig config;

  mqtt_session_config_copy (&config, mqtt_session_get_config (f->session));
  mqtt_session_free (f->session);
  f->session = mqtt_session_new ();
  mqtt_session_configure (f->session, &config);
  mqtt_session_config_clear (&config);
  g_array_set_size (f->events, 0);
  g_ptr_array_set_size (f->sent, 0);
  g_assert_true (mqtt_session_load_store (f->session, store, f->now, &error));
  g_assert_no_error (error);
}

static void
commit (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_session_commit_store (f->session, &error));
  g_assert_no_error (error);
}

static void
count_record (guint64 key, GBytes *value, gpointer data)
{
  (*(guint *) data)++;
}

static void
test_store_restart (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mqtt-session-store-XXXXXX", &error);
  MqttStore *store = open_store (dir);
  guint mids[5], i, n, left = 0;
  guint16 ids[2];

  RECONFIGURE (f->session, max_inflight, 2);
  g_assert_true (mqtt_session_load_store (f->session, store, f->now, &error));
  /* Queued before any connection, then sent. */
  mids[0] = publish (f, 1, "one");
  connect (f, FALSE);
  mids[1] = publish (f, 2, "two");
  mids[2] = publish (f, 1, "three");
  mids[3] = publish (f, 2, "four");
  mids[4] = publish (f, 0, "not kept");
  commit (f);
  flush (f);
  g_assert_cmpuint (f->sent->len, ==, 4);   /* CONNECT, one, two, not kept */
  ids[0] = sent (f, 1)->packet_id;
  ids[1] = sent (f, 2)->packet_id;
  /* "two" is past PUBREC: only its PUBREL is left. An incoming QoS 2
   * message is acknowledged, not yet released. */
  receive_ack (f, MQTT_PACKET_PUBREC, ids[1]);
  receive_qos2 (f, 9, FALSE, "in");
  commit (f);
  flush (f);
  g_assert_cmpint (sent (f, 4)->type, ==, MQTT_PACKET_PUBREL);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_MESSAGE), ==, 1);
  /* Staged and not committed when the process dies: not kept. */
  receive_ack (f, MQTT_PACKET_PUBACK, ids[0]);

  /* The process dies; a new one opens the same store. */
  mqtt_store_close (store);
  g_object_unref (store);
  store = open_store (dir);
  restart (f, store);
  g_assert_cmpuint (mqtt_session_get_inflight_count (f->session), ==, 2);
  g_assert_cmpuint (mqtt_session_get_queued_count (f->session), ==, 2);

  /* In order: "one" again with DUP and its identifier, "two"'s PUBREL; the
   * queue waits for room in the window. */
  connect (f, TRUE);
  flush (f);
  g_assert_cmpuint (f->sent->len, ==, 3);
  g_assert_cmpint (sent (f, 1)->type, ==, MQTT_PACKET_PUBLISH);
  g_assert_cmpuint (sent (f, 1)->packet_id, ==, ids[0]);
  g_assert_true (sent (f, 1)->publish.dup);
  g_assert_cmpmem (g_bytes_get_data (sent (f, 1)->publish.payload, NULL), 3, "one", 3);
  g_assert_cmpint (sent (f, 2)->type, ==, MQTT_PACKET_PUBREL);
  g_assert_cmpuint (sent (f, 2)->packet_id, ==, ids[1]);

  /* The broker resends the QoS 2 message it had no PUBREL for: not
   * delivered again. */
  receive_qos2 (f, 9, TRUE, "in");
  receive_ack (f, MQTT_PACKET_PUBACK, ids[0]);
  receive_ack (f, MQTT_PACKET_PUBCOMP, ids[1]);
  commit (f);
  flush (f);
  g_assert_cmpuint (count_events (f, MQTT_SESSION_EVENT_MESSAGE), ==, 0);
  g_assert_cmpint (sent (f, 3)->type, ==, MQTT_PACKET_PUBREC);
  for (i = 4; i < 6; i++)
    {
      g_assert_cmpint (sent (f, i)->type, ==, MQTT_PACKET_PUBLISH);
      g_assert_false (sent (f, i)->publish.dup);
    }
  g_assert_cmpmem (g_bytes_get_data (sent (f, 4)->publish.payload, NULL), 5, "three", 5);
  g_assert_cmpmem (g_bytes_get_data (sent (f, 5)->publish.payload, NULL), 4, "four", 4);
  /* Reported under the mids they had. */
  for (i = 0, n = 0; i < f->events->len; i++)
    {
      MqttSessionEvent *event = &g_array_index (f->events, MqttSessionEvent, i);

      if (event->type == MQTT_SESSION_EVENT_PUBLISHED)
        g_assert_cmpuint (event->mid, ==, mids[n++]);
    }
  g_assert_cmpuint (n, ==, 2);
  /* New mids follow the stored ones (a QoS 0 mid was never kept). */
  g_assert_cmpuint (publish (f, 1, "five"), >, mids[3]);
  g_assert_cmpuint (mids[4], >, mids[3]);

  /* Everything finished: nothing left for a third process. */
  receive_ack (f, MQTT_PACKET_PUBREL, 9);
  receive_ack (f, MQTT_PACKET_PUBACK, sent (f, 4)->packet_id);
  receive_ack (f, MQTT_PACKET_PUBREC, sent (f, 5)->packet_id);
  flush (f);
  receive_ack (f, MQTT_PACKET_PUBCOMP, sent (f, 5)->packet_id);
  flush (f);
  for (i = f->sent->len - 1; sent (f, i)->type != MQTT_PACKET_PUBLISH; i--)
    ;
  g_assert_cmpmem (g_bytes_get_data (sent (f, i)->publish.payload, NULL), 4, "five", 4);
  receive_ack (f, MQTT_PACKET_PUBACK, sent (f, i)->packet_id);
  commit (f);
  g_assert_cmpuint (mqtt_session_get_inflight_count (f->session), ==, 0);
  mqtt_store_close (store);
  g_object_unref (store);
  store = open_store (dir);
  g_assert_true (mqtt_store_load (store, count_record, &left, &error));
  g_assert_cmpuint (left, ==, 0);
  mqtt_store_close (store);
  g_object_unref (store);
  test_remove_dir (dir);
}

/* Records a store gives back that this client did not write: refused, with
 * an error, whatever their bytes. */
static void
test_store_records_checked (Fixture *f, gconstpointer data)
{
  guint round, accepted = 0;

  for (round = 0; round < 20000; round++)
    {
      guint8 bytes[48];
      gsize size = g_test_rand_int_range (0, sizeof bytes + 1);
      guint64 key = mqtt_store_key (g_test_rand_int_range (0, 6), g_test_rand_int ());
      g_autoptr(GBytes) value = NULL;
      g_autoptr(GError) error = NULL;
      MqttStoredRecord record;
      guint i;

      for (i = 0; i < size; i++)
        bytes[i] = g_test_rand_int_range (0, 256);
      if (size > 0 && g_test_rand_bit ())
        bytes[0] = key >> 32;   /* the right kind, the rest at random */
      value = g_bytes_new (bytes, size);
      if (mqtt_store_decode (key, value, &record, &error))
        accepted++;
      else
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      mqtt_stored_record_clear (&record);
    }
  g_test_message ("20,000 random records: %u taken for valid", accepted);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add ("/session/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("connect", test_connect);
  ADD ("connack-timeout", test_connack_timeout);
  ADD ("window-and-queue", test_window_and_queue);
  ADD ("retry", test_retry);
  ADD ("publish-parts", test_publish_parts);
  ADD ("keepalive", test_keepalive);
  g_test_add ("/session/keepalive-grid", Fixture, GUINT_TO_POINTER (10), setup,
              test_keepalive_grid, teardown);
  g_test_add ("/session/keepalive-grid-short", Fixture, GUINT_TO_POINTER (1), setup,
              test_keepalive_grid, teardown);
  ADD ("incoming-qos2", test_incoming_qos2);
  ADD ("completed-qos2-resent", test_completed_qos2_resent);
  ADD ("resend-after-reconnect", test_resend_after_reconnect);
  ADD ("idle-refusals", test_idle_refusals);
  ADD ("packet-ids", test_packet_ids);
  ADD ("queue-policies", test_queue_policies);
  ADD ("resubscribe", test_resubscribe);
  ADD ("store-restart", test_store_restart);
  ADD ("store-records-checked", test_store_records_checked);
#define ADD5(path, fn) g_test_add ("/session/v5/" path, Fixture, NULL, setup_v5, fn, teardown)
  ADD5 ("connect", test_v5_connect);
  ADD5 ("receive-maximum", test_v5_receive_maximum);
  ADD5 ("pubrel-outside-quota", test_v5_pubrel_outside_quota);
  ADD5 ("server-limits", test_v5_server_limits);
  ADD5 ("topic-alias-in", test_v5_topic_alias_in);
  ADD5 ("topic-alias-out", test_v5_topic_alias_out);
  ADD5 ("message-expiry", test_v5_message_expiry);
  ADD5 ("reason-codes", test_v5_reason_codes);
  ADD5 ("disconnect", test_v5_disconnect);
  ADD5 ("auth", test_v5_auth);
  ADD5 ("server-keepalive-no-retry", test_v5_server_keepalive_no_retry);
  ADD5 ("receive-maximum-in", test_v5_receive_maximum_in);
  ADD5 ("malformed", test_v5_malformed);

  return g_test_run ();
}
