/* Faults under load: QoS 1 and QoS 2 streams between two clients with
 * persistent sessions and automatic reconnection, through mosquitto,
 * while
 * - /faults/proxy: a proxy in front of each client cuts, stalls, delays and
 *   fragments their connections at random bytes (FAULTS faults at least,
 *   default 30; the `slow` suite asks for 150);
 * - /faults/broker-restarts: the broker is stopped and started under the
 *   stream (RESTARTS times, default 2; `slow`: 10).
 * What the receiving application sees: every QoS 1 message at least once,
 * every QoS 2 message exactly once. FAULT_SEED repeats a run. */

#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fault-proxy.h"
#include "recorder.h"
#include "test-common.h"

#define MS G_GINT64_CONSTANT (1000)

typedef struct {
  TestBroker *broker;
  MqttClient *pub;
  MqttClient *sub;
  guint total;            /* messages per QoS */
  guint capacity;         /* of seen[] */
  guint *seen[3];         /* per QoS, per sequence number: deliveries */
  guint delivered[3];     /* distinct messages seen, per QoS */
  guint published;        /* acknowledged (or written) */
  gboolean subscribed;
  GQueue sub_log;         /* the subscriber's last log lines, for a failure */
} Stream;

static void
on_sub_log (MqttClient *client, MqttLogLevel level, const char *text, Stream *s)
{
  g_queue_push_tail (&s->sub_log, g_strdup (text));
  if (s->sub_log.length > 60)
    g_free (g_queue_pop_head (&s->sub_log));
}

static void
dump_sub_log (Stream *s)
{
  GList *l;

  for (l = s->sub_log.head; l; l = l->next)
    g_printerr ("subscriber: %s\n", (char *) l->data);
}

static guint
env_uint (const char *name, guint fallback)
{
  const char *value = g_getenv (name);

  return value && *value ? (guint) g_ascii_strtoull (value, NULL, 10) : fallback;
}

static void
on_sub_connected (MqttClient *client, gboolean session_present, int rc, Stream *s)
{
  static const char *const filters[] = { "faults/1", "faults/2" };
  static const MqttQos qos[] = { MQTT_QOS_AT_LEAST_ONCE, MQTT_QOS_EXACTLY_ONCE };

  if (rc != 0)
    return;
  /* The session keeps the subscriptions; a new one (first time) needs them. */
  if (!session_present)
    g_assert_true (mqtt_client_subscribe_multiple (client, filters, qos, 2, NULL, NULL));
}

static void
on_message (MqttClient *client, MqttMessage *message, Stream *s)
{
  guint qos = mqtt_message_get_qos (message), value;
  GBytes *payload = mqtt_message_get_payload (message);

  memcpy (&value, g_bytes_get_data (payload, NULL), MIN (sizeof value, g_bytes_get_size (payload)));
  if (g_bytes_get_size (payload) != sizeof value || value >= s->capacity || (qos != 1 && qos != 2))
    {
      g_autofree char *hex = test_hex (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));

      dump_sub_log (s);

      g_error ("a message that was never sent: topic %s, QoS %u, packet id %u, DUP %d, "
               "payload %s", mqtt_message_get_topic (message), qos, mqtt_message_get_mid (message),
               mqtt_message_get_dup (message), hex);
    }
  if (s->seen[qos][value]++ == 0)
    s->delivered[qos]++;
}

static void
on_published (MqttClient *client, guint mid, Stream *s)
{
  s->published++;
}

static void
count_connects (MqttClient *client, gboolean session_present, int rc, gpointer data)
{
  guint n = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (client), "connects"));

  g_object_set_data (G_OBJECT (client), "connects", GUINT_TO_POINTER (n + 1));
}

static MqttClient *
stream_client (const char *id, Stream *s)
{
  g_autoptr(GError) error = NULL;
  MqttClient *client = mqtt_client_new (id, FALSE, MQTT_PROTOCOL_V311, &error);

  g_assert_no_error (error);
  /* Stalls longer than the keepalive drop the connection. */
  mqtt_client_set_keepalive (client, 2);
  mqtt_client_set_reconnect_delay (client, 1, 1, NULL);
  mqtt_client_set_message_retry (client, 2);
  return client;
}

static void
on_subscribed (MqttClient *client, guint mid, GArray *granted, Stream *s)
{
  s->subscribed = TRUE;
}

static gboolean
subscribed (gpointer data)
{
  return ((Stream *) data)->subscribed;
}

static void
stream_start (Stream *s, guint16 pub_port, guint16 sub_port)
{
  g_autoptr(GError) error = NULL;

  s->pub = stream_client ("faults-pub", s);
  s->sub = stream_client ("faults-sub", s);
  g_signal_connect (s->sub, "connected", G_CALLBACK (on_sub_connected), s);
  g_signal_connect (s->sub, "message", G_CALLBACK (on_message), s);
  g_signal_connect (s->sub, "subscribed", G_CALLBACK (on_subscribed), s);
  g_signal_connect (s->sub, "log", G_CALLBACK (on_sub_log), s);
  g_signal_connect (s->pub, "published", G_CALLBACK (on_published), s);
  g_signal_connect (s->pub, "connected", G_CALLBACK (count_connects), NULL);
  g_signal_connect (s->sub, "connected", G_CALLBACK (count_connects), NULL);
  /* Faults start once both are connected. */
  g_assert_true (mqtt_client_connect_to_broker (s->sub, "127.0.0.1", sub_port, 2, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (mqtt_client_connect_to_broker (s->pub, "127.0.0.1", pub_port, 2, NULL, &error));
  g_assert_no_error (error);
  /* Nothing is published before the broker has the subscriptions. */
  TEST_WAIT_FOR (subscribed, s, 30000);
}

/* Publishes message @i at both QoS. */
static void
stream_publish (Stream *s, guint i)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_publish (s->pub, "faults/1", (const guint8 *) &i, sizeof i,
                                      MQTT_QOS_AT_LEAST_ONCE, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (mqtt_client_publish (s->pub, "faults/2", (const guint8 *) &i, sizeof i,
                                      MQTT_QOS_EXACTLY_ONCE, FALSE, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
all_delivered (gpointer data)
{
  Stream *s = data;

  return s->published == 2 * s->total && s->delivered[1] == s->total &&
         s->delivered[2] == s->total;
}

static void
stream_check (Stream *s)
{
  guint i, duplicates1 = 0;
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (!all_delivered (s))
    {
      if (g_get_monotonic_time () > deadline)
        {
          GString *missing = g_string_new (NULL);
          guint qos;

          dump_sub_log (s);
          for (qos = 1; qos <= 2; qos++)
            for (i = 0; i < s->total && missing->len < 200; i++)
              if (s->seen[qos][i] == 0)
                g_string_append_printf (missing, " %u/q%u", i, qos);
          g_error ("after 120 s: %u of %u publications complete, %u QoS 1 and %u QoS 2 of %u "
                   "delivered; publisher %s, subscriber %s; missing:%s", s->published,
                   2 * s->total, s->delivered[1], s->delivered[2], s->total,
                   mqtt_client_is_connected (s->pub) ? "connected" : "disconnected",
                   mqtt_client_is_connected (s->sub) ? "connected" : "disconnected",
                   missing->str);
        }
      test_run_for (100);
    }
  /* Late duplicates would come now. */
  test_run_for (500);
  for (i = 0; i < s->total; i++)
    {
      g_assert_cmpuint (s->seen[1][i], >=, 1);
      duplicates1 += s->seen[1][i] - 1;
      if (s->seen[2][i] != 1)
        g_error ("QoS 2 message %u delivered %u times", i, s->seen[2][i]);
    }
  g_test_message ("%u QoS 1 and %u QoS 2 messages: 0 lost, %u QoS 1 duplicates, "
                  "0 QoS 2 duplicates; connections: publisher %u, subscriber %u",
                  s->total, s->total, duplicates1,
                  GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (s->pub), "connects")),
                  GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (s->sub), "connects")));
}

static void
stream_stop (Stream *s)
{
  guint i;

  mqtt_client_set_auto_reconnect (s->pub, FALSE);
  mqtt_client_set_auto_reconnect (s->sub, FALSE);
  mqtt_client_disconnect_from_broker (s->pub, NULL);
  mqtt_client_disconnect_from_broker (s->sub, NULL);
  test_run_for (200);
  g_clear_object (&s->pub);
  g_clear_object (&s->sub);
  for (i = 0; i < G_N_ELEMENTS (s->seen); i++)
    g_free (s->seen[i]);
  g_queue_clear_full (&s->sub_log, g_free);
}

static void
stream_init (Stream *s, guint total)
{
  guint i;

  s->total = s->capacity = total;
  for (i = 0; i < G_N_ELEMENTS (s->seen); i++)
    s->seen[i] = g_new0 (guint, total);
}

static void
test_proxy (void)
{
  guint32 seed = env_uint ("FAULT_SEED", g_random_int ());
  guint wanted = env_uint ("FAULTS", 30);
  g_autoptr(TestBroker) broker = test_broker_new ("max_inflight_messages 0\n"
                                                  "max_queued_messages 0\n");
  g_autoptr(FaultProxy) pub_proxy = fault_proxy_new (test_broker_get_port (broker), seed);
  g_autoptr(FaultProxy) sub_proxy = fault_proxy_new (test_broker_get_port (broker), seed + 1);
  Stream s = { 0 };
  guint i = 0, faults = 0, kind;

  g_test_message ("FAULT_SEED=%u FAULTS=%u", seed, wanted);
  stream_init (&s, 200 * wanted + 1000);
  stream_start (&s, fault_proxy_get_port (pub_proxy), fault_proxy_get_port (sub_proxy));
  /* FAULT_SIDES: pub, sub or both (default). */
  if (g_strcmp0 (g_getenv ("FAULT_SIDES"), "sub") != 0)
    fault_proxy_set_enabled (pub_proxy, TRUE, 200, 4000);
  if (g_strcmp0 (g_getenv ("FAULT_SIDES"), "pub") != 0)
    fault_proxy_set_enabled (sub_proxy, TRUE, 200, 4000);

  /* Publish steadily (at least 500 messages) until enough faults came. */
  while ((i < 500 || faults < wanted) && i < s.capacity)
    {
      stream_publish (&s, i++);
      test_run_for (2);
      faults = fault_proxy_get_faults (pub_proxy, FAULT_N_KINDS) +
               fault_proxy_get_faults (sub_proxy, FAULT_N_KINDS);
    }
  s.total = i;
  fault_proxy_set_enabled (pub_proxy, FALSE, 0, 0);
  fault_proxy_set_enabled (sub_proxy, FALSE, 0, 0);
  for (kind = 0; kind < FAULT_N_KINDS; kind++)
    g_test_message ("faults of kind %u: %u", kind,
                    fault_proxy_get_faults (pub_proxy, kind) +
                    fault_proxy_get_faults (sub_proxy, kind));
  g_test_message ("%u faults injected over %u connections", faults,
                  fault_proxy_get_connections (pub_proxy) +
                  fault_proxy_get_connections (sub_proxy));
  stream_check (&s);
  stream_stop (&s);
}

static void
test_broker_restarts (void)
{
  guint restarts = env_uint ("RESTARTS", 2), r;
  g_autoptr(TestBroker) broker = test_broker_new ("persistence true\n"
                                                  "autosave_interval 1\n"
                                                  "max_inflight_messages 0\n"
                                                  "max_queued_messages 0\n");
  guint16 port = test_broker_get_port (broker);
  Stream s = { 0 };
  guint i = 0, per_restart = 300;

  stream_init (&s, per_restart * (restarts + 1));
  stream_start (&s, port, port);
  for (r = 0; r <= restarts; r++)
    {
      guint end = per_restart * (r + 1);

      for (; i < end; i++)
        {
          stream_publish (&s, i);
          if (i % 10 == 0)
            test_run_for (1);
        }
      if (r < restarts)
        {
          /* Under load: messages are in flight both ways. */
          test_run_for (20);
          test_broker_stop (broker);
          test_run_for (g_random_int_range (0, 1500));
          test_broker_start (broker);
        }
    }
  g_test_message ("%u broker restarts", restarts);
  stream_check (&s);
  stream_stop (&s);
}

/* The proxy itself: whatever it does to a connection, the bytes that get
 * through are a prefix of those sent, never altered (a sender writes a
 * counting pattern, a server checks it). */
typedef struct {
  GSocket *listener;
  gint mismatches;
  gint connections;
  gint stopping;
  GPtrArray *threads;
  pthread_mutex_t lock;
} PatternServer;

static gpointer
check_pattern (gpointer data)
{
  GSocket *socket = data;
  PatternServer *server = g_object_get_data (G_OBJECT (socket), "server");
  guint8 buffer[8192];
  guint64 position = 0;
  gssize n, i;

  while ((n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, NULL)) > 0)
    for (i = 0; i < n; i++, position++)
      if (buffer[i] != (guint8) (position % 251))
        {
          g_atomic_int_inc (&server->mismatches);
          goto out;
        }
out:
  g_object_unref (socket);
  return NULL;
}

static gpointer
pattern_server (gpointer data)
{
  PatternServer *server = data;

  while (!g_atomic_int_get (&server->stopping))
    {
      GSocket *socket = g_socket_accept (server->listener, NULL, NULL);

      if (socket == NULL)
        continue;
      g_socket_set_blocking (socket, TRUE);
      g_socket_set_timeout (socket, 0);
      g_object_set_data (G_OBJECT (socket), "server", server);
      g_atomic_int_inc (&server->connections);
      pthread_mutex_lock (&server->lock);
      g_ptr_array_add (server->threads, g_thread_new ("pattern", check_pattern, socket));
      pthread_mutex_unlock (&server->lock);
    }
  return NULL;
}

static void
test_proxy_integrity (void)
{
  g_autoptr(FaultProxy) proxy = NULL;
  PatternServer server = { 0 };
  GThread *thread;
  guint8 buffer[1000];
  guint16 port;
  guint c, i, k;

  server.listener = test_listen_loopback (&port, 1);
  server.threads = g_ptr_array_new ();
  pthread_mutex_init (&server.lock, NULL);
  thread = g_thread_new ("pattern-server", pattern_server, &server);

  proxy = fault_proxy_new (port, env_uint ("FAULT_SEED", g_random_int ()));
  fault_proxy_set_enabled (proxy, TRUE, 200, 4000);
  for (c = 0; c < 150; c++)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GSocketConnection) connection = NULL;
      GSocket *socket;
      guint64 position = 0;

      connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                    fault_proxy_get_port (proxy), NULL, NULL);
      g_assert_nonnull (connection);
      socket = g_socket_connection_get_socket (connection);
      g_socket_set_timeout (socket, 2);
      for (k = 0; k < 200; k++)
        {
          gsize length = g_random_int_range (1, sizeof buffer);
          gssize sent;

          for (i = 0; i < length; i++)
            buffer[i] = (guint8) ((position + i) % 251);
          sent = g_socket_send (socket, (const char *) buffer, length, NULL, NULL);
          if (sent <= 0)
            break;
          position += sent;
        }
    }
  /* Every proxied connection ends: the checkers finish. */
  g_clear_pointer (&proxy, fault_proxy_free);
  g_atomic_int_set (&server.stopping, TRUE);
  g_thread_join (thread);
  for (i = 0; i < server.threads->len; i++)
    g_thread_join (g_ptr_array_index (server.threads, i));
  g_test_message ("%d connections through the proxy, %d altered", server.connections,
                  server.mismatches);
  g_assert_cmpint (server.connections, >, 0);
  g_assert_cmpint (server.mismatches, ==, 0);
  g_ptr_array_unref (server.threads);
  pthread_mutex_destroy (&server.lock);
  g_object_unref (server.listener);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/faults/proxy-integrity", test_proxy_integrity);
  g_test_add_func ("/faults/proxy", test_proxy);
  g_test_add_func ("/faults/broker-restarts", test_broker_restarts);
  return g_test_run ();
}
