/* Beyond one broker: a client's server list (a dead server skipped, a lost
 * connection continued on the next server, a whole list failing, a node of
 * an ejabberd cluster killed under a QoS 1 stream), an MQTT 5
 * Server Reference followed, Unix sockets against mosquitto, ALPN in the
 * TLS handshake (against a GTlsServerConnection), and reconnection jitter
 * (100 clients after a broker restart, with and without). */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <mqtt-glib/mqtt-glib.h>

#include "ejabberd.h"
#include "recorder.h"
#include "test-common.h"

#define WAIT_MS 15000

typedef struct {
  guint connected;
  guint connect_failed;
  guint disconnected;
  guint server_notified;
  gint64 connected_at;
  GPtrArray *messages;
} Seen;

static void
on_connected (MqttClient *client, gboolean session_present, int code, Seen *seen)
{
  /* Refusals are reported by this signal too. */
  if (code != 0)
    return;
  seen->connected++;
  seen->connected_at = g_get_monotonic_time ();
}

static void
on_connect_failed (MqttClient *client, const GError *error, Seen *seen)
{
  seen->connect_failed++;
}

static void
on_disconnected (MqttClient *client, MqttError code, const GError *error, Seen *seen)
{
  seen->disconnected++;
}

static void
on_server (MqttClient *client, GParamSpec *pspec, Seen *seen)
{
  seen->server_notified++;
}

static void
on_message (MqttClient *client, MqttMessage *message, Seen *seen)
{
  g_ptr_array_add (seen->messages, mqtt_message_ref (message));
}

static void
watch (MqttClient *client, Seen *seen)
{
  if (seen->messages == NULL)
    seen->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) mqtt_message_unref);
  g_signal_connect (client, "connected", G_CALLBACK (on_connected), seen);
  g_signal_connect (client, "connect-failed", G_CALLBACK (on_connect_failed), seen);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), seen);
  g_signal_connect (client, "notify::server", G_CALLBACK (on_server), seen);
  g_signal_connect (client, "message", G_CALLBACK (on_message), seen);
}

static void
seen_clear (Seen *seen)
{
  g_clear_pointer (&seen->messages, g_ptr_array_unref);
}

static char *
tcp_uri (guint16 port)
{
  return g_strdup_printf ("mqtt://127.0.0.1:%u", port);
}

static void
assert_server (MqttClient *client, const char *uri)
{
  g_autofree char *server = mqtt_client_dup_server (client);

  g_assert_cmpstr (server, ==, uri);
}

/* Bad URIs are refused with the URI named, and nothing changes; the list
 * reads back with default ports written out. */
static void
test_uris (void)
{
  g_autoptr(MqttClient) client = mqtt_client_new ("uris", TRUE, MQTT_PROTOCOL_V311, NULL);
  const char *good[] = { "mqtt://a", "mqtts://b", "mqtt+ws://c/ws", "mqtt+wss://[::1]:9",
                         "unix:///run/m.sock", NULL };
  const char *expected[] = { "mqtt://a:1883", "mqtts://b:8883", "mqtt+ws://c:80/ws",
                             "mqtt+wss://[::1]:9", "unix:///run/m.sock", NULL };
  const struct {
    const char *uri;
    gint code;
  } bad[] = {
    { "http://a", MQTT_ERROR_NOT_SUPPORTED },
    { "mqtt://", MQTT_ERROR_INVAL },
    { "mqtt://a/topic", MQTT_ERROR_INVAL },
    { "mqtt://u:p@a", MQTT_ERROR_INVAL },
    { "mqtt://a?client-id=x", MQTT_ERROR_INVAL },
    { "unix://relative/path", MQTT_ERROR_INVAL },
    { "not a uri", MQTT_ERROR_INVAL },
  };
  g_auto (GStrv) servers = NULL;
  guint i;

  g_assert_true (mqtt_client_set_servers (client, good, NULL));
  servers = mqtt_client_get_servers (client);
  g_assert_true (g_strv_equal ((const char *const *) servers, expected));
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *list[] = { "mqtt://fine", bad[i].uri, NULL };
      g_autoptr(GError) error = NULL;
      g_auto (GStrv) after = NULL;

      g_assert_false (mqtt_client_set_servers (client, list, &error));
      g_assert_error (error, MQTT_ERROR, bad[i].code);
      g_assert_nonnull (strstr (error->message, bad[i].uri));
      after = mqtt_client_get_servers (client);
      g_assert_true (g_strv_equal ((const char *const *) after, expected));
    }

  /* No host and no servers: nothing to connect to. */
  g_assert_true (mqtt_client_set_servers (client, NULL, NULL));
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (mqtt_client_connect_to_broker (client, NULL, 0, 60, NULL, &error));
    g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  }
}

/* A server that refuses connections is skipped at once, within one
 * connect call; a list of dead servers fails that call after trying each. */
static void
test_dead_server_skipped (void)
{
  g_autoptr(TestBroker) broker = test_broker_new (NULL);
  g_autoptr(MqttClient) client = mqtt_client_new ("skip", TRUE, MQTT_PROTOCOL_V311, NULL);
  g_autofree char *dead = tcp_uri (test_free_port ());
  g_autofree char *live = tcp_uri (test_broker_get_port (broker));
  const char *servers[] = { dead, live, NULL };
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();
  Seen seen = { 0 };

  watch (client, &seen);
  g_assert_true (mqtt_client_set_servers (client, servers, &error));
  g_assert_true (mqtt_client_connect_to_broker (client, NULL, 0, 60, NULL, &error));
  g_assert_no_error (error);
  /* No reconnect delay between the two. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
  g_assert_cmpuint (seen.connect_failed, ==, 1);
  assert_server (client, live);
  g_assert_cmpuint (seen.server_notified, >=, 2);
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));

  /* All dead: the call fails once the list is through. */
  {
    g_autofree char *dead2 = tcp_uri (test_free_port ());
    const char *all_dead[] = { dead, dead2, NULL };

    seen.connect_failed = 0;
    g_assert_true (mqtt_client_set_servers (client, all_dead, &error));
    g_assert_false (mqtt_client_connect_to_broker (client, NULL, 0, 60, NULL, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
    g_assert_cmpuint (seen.connect_failed, ==, 2);
    assert_server (client, dead2);
  }
  seen_clear (&seen);
}

/* A connection lost to a broker that stopped goes on with the next server
 * after the reconnect delay, and back to the first when that one stops. */
static void
test_lost_connection_moves_on (void)
{
  g_autoptr(TestBroker) a = test_broker_new (NULL);
  g_autoptr(TestBroker) b = test_broker_new (NULL);
  g_autoptr(MqttClient) client = mqtt_client_new ("moves", TRUE, MQTT_PROTOCOL_V311, NULL);
  g_autofree char *uri_a = tcp_uri (test_broker_get_port (a));
  g_autofree char *uri_b = tcp_uri (test_broker_get_port (b));
  const char *servers[] = { uri_a, uri_b, NULL };
  g_autoptr(GError) error = NULL;
  gint64 lost;
  Seen seen = { 0 };

  watch (client, &seen);
  g_object_set (client, "servers", servers, NULL);
  g_assert_true (mqtt_client_connect_to_broker (client, NULL, 0, 60, NULL, &error));
  g_assert_no_error (error);
  assert_server (client, uri_a);

  lost = g_get_monotonic_time ();
  test_broker_stop (a);
  test_wait_count (&seen.connected, 2, WAIT_MS);
  assert_server (client, uri_b);
  /* The reconnect delay (1 s), not more: B was tried first. */
  g_assert_cmpint (seen.connected_at - lost, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (seen.connect_failed, ==, 0);

  test_broker_start (a);
  test_broker_stop (b);
  test_wait_count (&seen.connected, 3, WAIT_MS);
  assert_server (client, uri_a);
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
  seen_clear (&seen);
}

/* An MQTT 5 broker that refuses with "Use another server" and a Server
 * Reference of HOST:PORT: the client goes there at once. */
static void
refer_script (FakeBroker *broker, gpointer data)
{
  guint16 port = GPOINTER_TO_UINT (data);
  g_auto (MqttPacket) connect = { 0 };
  MqttPacket connack = { MQTT_PACKET_CONNACK };
  g_autofree char *reference = g_strdup_printf ("127.0.0.1:%u", port);

  fake_broker_accept (broker);
  fake_broker_read_packet (broker, &connect);
  g_assert_cmpint (connect.type, ==, MQTT_PACKET_CONNECT);
  connack.connack.return_code = MQTT_REASON_CODE_USE_ANOTHER_SERVER;
  connack.props = mqtt_properties_new ();
  mqtt_properties_set_server_reference (connack.props, reference);
  fake_broker_send_packet (broker, &connack);
  mqtt_packet_clear (&connack);
  fake_broker_wait_closed (broker, 5000);
}

static void
test_server_reference (void)
{
  g_autoptr(TestBroker) broker = test_broker_new (NULL);
  guint16 port = test_broker_get_port (broker);
  g_autoptr(FakeBroker) referrer = fake_broker_new (refer_script, GUINT_TO_POINTER (port));
  g_autoptr(MqttClient) client = mqtt_client_new ("referred", TRUE, MQTT_PROTOCOL_V5, NULL);
  g_autofree char *target = tcp_uri (port);
  g_autoptr(GError) error = NULL;
  Seen seen = { 0 };

  watch (client, &seen);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (referrer), 60, NULL,
                                                &error));
  g_assert_no_error (error);
  g_assert_cmpuint (seen.connect_failed, ==, 1);
  assert_server (client, target);
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
  seen_clear (&seen);
}

/* unix:///PATH against mosquitto's `listener 0 PATH`: a round trip. */
static void
test_unix_socket (void)
{
  g_autoptr(TestBroker) broker = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mqtt-unix-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "broker.sock", NULL);
  g_autofree char *config = g_strdup_printf ("listener 0 %s\n", path);
  g_autofree char *uri = g_strconcat ("unix://", path, NULL);
  const char *servers[] = { uri, NULL };
  g_autoptr(MqttClient) client = mqtt_client_new ("local", TRUE, MQTT_PROTOCOL_V311, NULL);
  g_autoptr(GBytes) payload = g_bytes_new_static ("over a unix socket", 18);
  g_autoptr(GError) error = NULL;
  Seen seen = { 0 };

  broker = test_broker_new (config);
  watch (client, &seen);
  g_assert_true (mqtt_client_set_servers (client, servers, &error));
  g_assert_true (mqtt_client_connect_to_broker (client, NULL, 0, 60, NULL, &error));
  g_assert_no_error (error);
  assert_server (client, uri);
  g_assert_true (mqtt_client_subscribe (client, "unix/t", MQTT_QOS_AT_LEAST_ONCE, NULL,
                                        &error));
  g_assert_true (mqtt_client_publish_bytes (client, "unix/t", payload, MQTT_QOS_AT_LEAST_ONCE,
                                            FALSE, NULL, &error));
  g_assert_no_error (error);
  test_wait_count (&seen.messages->len, 1, WAIT_MS);
  g_assert_true (g_bytes_equal (mqtt_message_get_payload (seen.messages->pdata[0]), payload));
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
  g_clear_pointer (&broker, test_broker_free);
  g_remove (path);
  g_rmdir (dir);
  seen_clear (&seen);
}

/* ALPN: a TLS server that speaks "x-amzn-mqtt-ca" sees it negotiated. */
typedef struct {
  GSocket *listener;
  GTlsCertificate *certificate;
  char *negotiated;
  gboolean handshaken;
  gboolean done;
} AlpnServer;

static gpointer
alpn_serve (gpointer data)
{
  AlpnServer *server = data;
  const char *protocols[] = { "x-amzn-mqtt-ca", "mqtt", NULL };
  g_autoptr(GSocket) socket = g_socket_accept (server->listener, NULL, NULL);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;
  guint8 buffer[256];
  const guint8 connack[] = { 0x20, 0x02, 0x00, 0x00 };

  g_assert_nonnull (socket);
  g_socket_set_timeout (socket, 10);
  connection = g_socket_connection_factory_create_connection (socket);
  tls = g_tls_server_connection_new (G_IO_STREAM (connection), server->certificate, &error);
  g_assert_no_error (error);
  g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (tls), protocols);
  g_assert_true (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &error));
  g_assert_no_error (error);
  server->negotiated = g_strdup (g_tls_connection_get_negotiated_protocol (G_TLS_CONNECTION (tls)));
  /* The CONNECT, then CONNACK. */
  g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (tls), buffer,
                                        sizeof buffer, NULL, &error), >, 0);
  g_output_stream_write_all (g_io_stream_get_output_stream (tls), connack, sizeof connack, NULL,
                             NULL, &error);
  g_assert_no_error (error);
  g_atomic_int_set (&server->handshaken, TRUE);
  /* Until the client closes. */
  g_input_stream_read (g_io_stream_get_input_stream (tls), buffer, sizeof buffer, NULL, NULL);
  g_atomic_int_set (&server->done, TRUE);
  return NULL;
}

static gboolean
alpn_done (gpointer data)
{
  AlpnServer *server = data;

  return g_atomic_int_get (&server->done);
}

static char *
alpn_round (const char *const *offered)
{
  g_autofree char *certfile = g_build_filename (test_certs_dir (), "server.crt", NULL);
  g_autofree char *keyfile = g_build_filename (test_certs_dir (), "server.key", NULL);
  g_autofree char *cafile = g_build_filename (test_certs_dir (), "ca.crt", NULL);
  g_autoptr(MqttClient) client = mqtt_client_new ("alpn", TRUE, MQTT_PROTOCOL_V311, NULL);
  g_autoptr(GError) error = NULL;
  AlpnServer server = { 0 };
  GThread *thread;
  guint16 port;

  server.certificate = g_tls_certificate_new_from_files (certfile, keyfile, &error);
  g_assert_no_error (error);
  server.listener = test_listen_loopback (&port, 10);
  thread = g_thread_new ("alpn", alpn_serve, &server);

  g_assert_true (mqtt_client_tls_set (client, cafile, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                      MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  mqtt_client_tls_set_alpn_protocols (client, offered);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1", port, 60, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
  /* The client closes the connection from its main context. */
  test_wait_until_full (alpn_done, &server, WAIT_MS, "the ALPN server's end");
  g_thread_join (thread);
  g_assert_true (server.handshaken);
  g_object_unref (server.listener);
  g_object_unref (server.certificate);
  return server.negotiated;
}

static void
test_alpn (void)
{
  const char *aws[] = { "x-amzn-mqtt-ca", NULL };
  g_autofree char *with = alpn_round (aws);
  g_autofree char *without = alpn_round (NULL);

  g_assert_cmpstr (with, ==, "x-amzn-mqtt-ca");
  g_assert_null (without);
}

/* 100 clients dropped by a broker restart: how far apart their
 * reconnections land, with and without jitter. The spread is that of the
 * middle 80 %, so that a straggler on a loaded machine (a timer served
 * late, a refused SYN) does not pass for jitter. */
#define N_CLIENTS 100

static int
compare_times (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static gint64
reconnection_spread (TestBroker *broker, gboolean jitter)
{
  MqttClient *clients[N_CLIENTS];
  Seen seen[N_CLIENTS] = { { 0 } };
  gint64 times[N_CLIENTS];
  guint i, connected;

  for (i = 0; i < N_CLIENTS; i++)
    {
      g_autofree char *id = g_strdup_printf ("herd-%d-%u", jitter, i);

      clients[i] = mqtt_client_new (id, TRUE, MQTT_PROTOCOL_V311, NULL);
      watch (clients[i], &seen[i]);
      mqtt_client_set_reconnect_jitter (clients[i], jitter);
      g_assert_true (mqtt_client_set_reconnect_delay (clients[i], 1, 16, NULL));
      mqtt_client_connect_to_broker_async (clients[i], "127.0.0.1",
                                           test_broker_get_port (broker), 60, NULL, NULL, NULL);
    }
  for (i = 0; i < N_CLIENTS; i++)
    test_wait_count (&seen[i].connected, 1, WAIT_MS);

  /* Down for 4.5 s: without jitter the retries at 1 s and 1 + 2 s fail
   * and all come back at 1 + 2 + 4 s, well clear of the restart. */
  test_broker_stop (broker);
  test_run_for (4500);
  test_broker_start (broker);
  for (i = 0; i < N_CLIENTS; i++)
    test_wait_count (&seen[i].connected, 2, WAIT_MS);

  for (i = 0, connected = 0; i < N_CLIENTS; i++)
    {
      times[i] = seen[i].connected_at;
      connected += seen[i].connected;
      mqtt_client_disconnect_from_broker_async (clients[i], NULL, NULL, NULL);
    }
  g_assert_cmpuint (connected, ==, 2 * N_CLIENTS);
  test_run_for (200);
  for (i = 0; i < N_CLIENTS; i++)
    {
      g_object_unref (clients[i]);
      seen_clear (&seen[i]);
    }
  qsort (times, N_CLIENTS, sizeof times[0], compare_times);
  return times[N_CLIENTS * 9 / 10] - times[N_CLIENTS / 10];
}

static void
test_jitter_spreads_reconnections (void)
{
  g_autoptr(TestBroker) broker = test_broker_new ("max_connections -1\n");
  gint64 fixed = reconnection_spread (broker, FALSE);
  gint64 jittered = reconnection_spread (broker, TRUE);

  g_test_message ("%u clients reconnecting after a broker restart: spread %.3f s with "
                  "Paho's fixed doubling, %.3f s with full jitter",
                  N_CLIENTS, fixed / 1e6, jittered / 1e6);
  g_assert_cmpint (jittered, >, 500000);
  g_assert_cmpint (jittered, >, 4 * fixed);
}

/* The offline queue with the drop-oldest policy: QoS 0 messages published
 * before the client connects are held, the oldest dropped beyond the
 * bound with #MqttClient::dropped each, the rest sent once connected. */
static void
on_dropped (MqttClient *client, guint mid, const GError *error, GArray *dropped)
{
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_QUEUE_SIZE);
  g_array_append_val (dropped, mid);
}

static void
test_offline_queue_policy (void)
{
  g_autoptr(TestBroker) broker = test_broker_new (NULL);
  g_autoptr(MqttClient) subscriber = mqtt_client_new ("queue-sub", TRUE, MQTT_PROTOCOL_V311,
                                                      NULL);
  g_autoptr(MqttClient) publisher = mqtt_client_new ("queue-pub", TRUE, MQTT_PROTOCOL_V311,
                                                     NULL);
  g_autoptr(GArray) dropped = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GError) error = NULL;
  guint mids[5], i;
  Seen seen = { 0 };

  watch (subscriber, &seen);
  g_assert_true (mqtt_client_connect_to_broker (subscriber, "127.0.0.1",
                                                test_broker_get_port (broker), 60, NULL, &error));
  g_assert_true (mqtt_client_subscribe (subscriber, "queue/t", 0, NULL, &error));
  test_run_for (200);

  g_signal_connect (publisher, "dropped", G_CALLBACK (on_dropped), dropped);
  mqtt_client_set_max_queued_messages (publisher, 3);
  g_object_set (publisher, "queue-policy", MQTT_QUEUE_POLICY_DROP_OLDEST, NULL);
  for (i = 0; i < 5; i++)
    {
      g_autofree char *payload = g_strdup_printf ("%u", i);

      g_assert_true (mqtt_client_publish (publisher, "queue/t", (guint8 *) payload, -1, 0, FALSE,
                                          &mids[i], &error));
      g_assert_no_error (error);
    }
  g_assert_true (mqtt_client_connect_to_broker (publisher, "127.0.0.1",
                                                test_broker_get_port (broker), 60, NULL, &error));
  test_wait_count (&seen.messages->len, 3, WAIT_MS);
  test_run_for (200);
  g_assert_cmpuint (seen.messages->len, ==, 3);
  g_assert_cmpuint (dropped->len, ==, 2);
  g_assert_cmpuint (g_array_index (dropped, guint, 0), ==, mids[0]);
  g_assert_cmpuint (g_array_index (dropped, guint, 1), ==, mids[1]);
  for (i = 0; i < 3; i++)
    {
      gsize size;
      const char *data = g_bytes_get_data (mqtt_message_get_payload (seen.messages->pdata[i]),
                                           &size);

      g_assert_cmpmem (data, size, (char[]){ '2' + i }, 1);
    }
  seen_clear (&seen);
}

/* Re-subscription that knows the session: after a broker restart without
 * persistence the broker has no session and the client subscribes again;
 * after a reconnection to a broker that kept it, it sends no SUBSCRIBE. */
static void
count_signal (MqttClient *client, guint mid, guint *count)
{
  (*count)++;
}

static void
count_subscribed (MqttClient *client, guint mid, GArray *granted, guint *count)
{
  (*count)++;
}

static void
test_resubscribe (void)
{
  g_autoptr(TestBroker) broker = test_broker_new (NULL);
  guint16 port = test_broker_get_port (broker);
  g_autoptr(MqttClient) client = mqtt_client_new ("resub", FALSE, MQTT_PROTOCOL_V311, NULL);
  g_autoptr(MqttSettings) settings = mqtt_settings_new ("127.0.0.1", port);
  g_autoptr(GError) error = NULL;
  guint resubscribed = 0, subscribed = 0;
  Seen seen = { 0 };

  watch (client, &seen);
  g_signal_connect (client, "resubscribed", G_CALLBACK (count_signal), &resubscribed);
  g_signal_connect (client, "subscribed", G_CALLBACK (count_subscribed), &subscribed);
  g_object_set (client, "resubscribe", MQTT_RESUBSCRIBE_WITHOUT_SESSION, NULL);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1", port, 60, NULL, &error));
  g_assert_true (mqtt_client_subscribe (client, "resub/t", 1, NULL, &error));
  test_wait_count (&subscribed, 1, WAIT_MS);

  /* The broker kept the session: nothing sent again, messages still come. */
  g_assert_true (mqtt_client_reconnect (client, NULL, &error));
  g_assert_no_error (error);
  test_run_for (300);
  g_assert_cmpuint (resubscribed, ==, 0);
  g_assert_cmpuint (subscribed, ==, 1);
  g_assert_true (mqtt_publish_single ("resub/t", NULL, 1, FALSE, settings, NULL, &error));
  test_wait_count (&seen.messages->len, 1, WAIT_MS);

  /* Restarted without persistence: the session is gone, subscribed again. */
  test_broker_stop (broker);
  test_broker_start (broker);
  test_wait_count (&resubscribed, 1, WAIT_MS);
  test_wait_count (&subscribed, 2, WAIT_MS);
  g_assert_true (mqtt_publish_single ("resub/t", NULL, 1, FALSE, settings, NULL, &error));
  test_wait_count (&seen.messages->len, 2, WAIT_MS);
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
  seen_clear (&seen);
}

/* Credentials refreshed before every attempt, asynchronously: a scripted
 * broker that accepts each password once (a token broker) closes the
 * first two connections; each reconnection comes with a new token. Then a
 * refresh that fails fails the attempt with its error. */
#define TOKEN_CONNECTIONS 3

static void
token_script (FakeBroker *broker, gpointer data)
{
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint i;

  for (i = 0; i < TOKEN_CONNECTIONS; i++)
    {
      g_auto (MqttPacket) connect = { 0 };
      g_autofree char *password = NULL;
      gsize size = 0;
      const char *bytes;

      fake_broker_accept (broker);
      fake_broker_read_packet (broker, &connect);
      g_assert_cmpint (connect.type, ==, MQTT_PACKET_CONNECT);
      bytes = connect.connect.password ? g_bytes_get_data (connect.connect.password, &size) : "";
      password = g_strndup (bytes, size);
      if (g_hash_table_contains (used, password))
        {
          fake_broker_send (broker, "20 02 00 05");
          fake_broker_wait_closed (broker, 5000);
          continue;
        }
      g_hash_table_add (used, g_strdup (password));
      fake_broker_send (broker, "20 02 00 00");
      if (i + 1 < TOKEN_CONNECTIONS)
        fake_broker_close (broker);
      else
        fake_broker_wait_closed (broker, 10000);
    }
}

typedef struct {
  MqttClient *client;
  guint refreshes;
  gboolean fail;
} Tokens;

static gboolean
token_fetched (gpointer data)
{
  Tokens *tokens = data;

  if (tokens->fail)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                                     "the token service said no");

      mqtt_client_credentials_ready (tokens->client, error);
    }
  else
    {
      g_autofree char *token = g_strdup_printf ("token-%u", tokens->refreshes);

      mqtt_client_set_credentials (tokens->client, "device", token);
      mqtt_client_credentials_ready (tokens->client, NULL);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
on_refresh (MqttClient *client, Tokens *tokens)
{
  tokens->refreshes++;
  /* Later, as a token service would answer. */
  g_timeout_add (50, token_fetched, tokens);
  return TRUE;
}

static void
test_credentials_refreshed (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (token_script, NULL);
  g_autoptr(MqttClient) client = mqtt_client_new ("tokens", TRUE, MQTT_PROTOCOL_V311, NULL);
  g_autoptr(GError) error = NULL;
  Tokens tokens = { client };
  Seen seen = { 0 };

  watch (client, &seen);
  g_signal_connect (client, "refresh-credentials", G_CALLBACK (on_refresh), &tokens);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  g_assert_no_error (error);
  test_wait_count (&seen.connected, TOKEN_CONNECTIONS, WAIT_MS);
  g_assert_cmpuint (tokens.refreshes, ==, TOKEN_CONNECTIONS);
  g_assert_cmpuint (seen.connect_failed, ==, 0);
  g_assert_cmpstr (mqtt_client_get_username (client), ==, "device");

  /* No token: the attempt fails with the application's error. */
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
  tokens.fail = TRUE;
  g_assert_false (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                 fake_broker_get_port (broker), 60, NULL,
                                                 &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpuint (seen.connect_failed, ==, 1);
  seen_clear (&seen);
}

/* Two ejabberd nodes joined in a cluster. A subscriber with a persistent
 * session on node B; a publisher with a persistent session and the list
 * [A, B], on A, under a QoS 1 stream; A is killed (SIGKILL) midway. The
 * publisher goes on with B within the reconnect delay and every message
 * reaches the subscriber (at least once), counted end to end. */
#define STREAM 3000

static MqttClient *
cluster_client (const char *id)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  MqttClient *client = mqtt_client_new (id, FALSE, MQTT_PROTOCOL_V5, NULL);

  mqtt_properties_set_session_expiry_interval (props, 600);
  g_assert_true (mqtt_client_set_connect_properties (client, props, NULL));
  mqtt_client_set_credentials (client, TEST_EJABBERD_USER, TEST_EJABBERD_PASSWORD);
  return client;
}

static void
test_ejabberd_cluster (void)
{
  g_autofree char *why_not = NULL;
  TestEjabberd *a, *b;
  g_autofree char *uri_a = NULL, *uri_b = NULL;
  g_autoptr(MqttClient) publisher = NULL, subscriber = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *got = g_new0 (guint8, STREAM);
  Seen pub_seen = { 0 }, sub_seen = { 0 };
  TestStream stream;
  guint i, distinct = 0, duplicates = 0, lost_by_broker = 0, killed_at;
  gint64 kill_time, quiet_since;

  if (!test_ejabberd_available (&why_not))
    {
      g_test_skip (why_not);
      return;
    }
  a = test_ejabberd_new ();
  b = test_ejabberd_new_joined (a);
  uri_a = tcp_uri (test_ejabberd_get_port (a));
  uri_b = tcp_uri (test_ejabberd_get_port (b));

  subscriber = cluster_client ("cluster-sub");
  watch (subscriber, &sub_seen);
  g_assert_true (mqtt_client_connect_to_broker (subscriber, "127.0.0.1",
                                                test_ejabberd_get_port (b), 60, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (mqtt_client_subscribe (subscriber, "cluster/stream", MQTT_QOS_AT_LEAST_ONCE,
                                        NULL, &error));
  test_run_for (500);

  publisher = cluster_client ("cluster-pub");
  watch (publisher, &pub_seen);
  {
    const char *servers[] = { uri_a, uri_b, NULL };

    g_assert_true (mqtt_client_set_servers (publisher, servers, &error));
  }
  g_assert_true (mqtt_client_connect_to_broker (publisher, NULL, 0, 60, NULL, &error));
  g_assert_no_error (error);
  assert_server (publisher, uri_a);

  test_stream_start (&stream, publisher, "cluster/stream", STREAM);
  test_wait_count (&stream.published, STREAM / 3, WAIT_MS);
  killed_at = stream.published;
  kill_time = g_get_monotonic_time ();
  test_ejabberd_kill (a);
  test_wait_count (&pub_seen.connected, 2, WAIT_MS);
  assert_server (publisher, uri_b);
  test_wait_count (&stream.published, STREAM, WAIT_MS);

  /* Every message at the subscriber, at least once; the wait ends when all
   * are there or when nothing more has come for five seconds. */
  quiet_since = g_get_monotonic_time ();
  while (distinct < STREAM && g_get_monotonic_time () - quiet_since < 5 * G_USEC_PER_SEC)
    {
      for (; sub_seen.messages->len > 0; g_ptr_array_remove_index_fast (sub_seen.messages, 0))
        {
          gsize size;
          const char *data = g_bytes_get_data (
            mqtt_message_get_payload (sub_seen.messages->pdata[0]), &size);
          g_autofree char *text = g_strndup (data, size);
          guint64 seq = g_ascii_strtoull (text, NULL, 10);

          g_assert_cmpuint (seq, <, STREAM);
          if (got[seq]++)
            duplicates++;
          else
            distinct++;
          quiet_since = g_get_monotonic_time ();
        }
      test_run_for (50);
    }

  /* What the client answers for arrives: every message node A had not
   * acknowledged when it died was resent to node B or sent there first.
   * A message node A acknowledged in its last moments may die with it:
   * ejabberd sends PUBACK before it routes the message to the subscriber's
   * node, which no client can undo. Those are counted, and must be among
   * the last acknowledged before the kill. */
  for (i = 0; i < STREAM; i++)
    if (!got[i])
      {
        g_test_message ("message %u never arrived (%s)", i,
                        i < killed_at ? "acknowledged by node A before the kill"
                                      : "not acknowledged by node A");
        g_assert_cmpuint (i, <, killed_at);
        g_assert_cmpuint (i, >=, killed_at - 10);
        lost_by_broker++;
      }
  g_test_message ("ejabberd cluster: node A killed after %u of %u QoS 1 messages; the publisher "
                  "was on node B %.2f s later; %u delivered, %u of them twice (resent with DUP); "
                  "%u acknowledged by node A just before it died and lost with it",
                  killed_at, STREAM, (pub_seen.connected_at - kill_time) / 1e6, distinct,
                  duplicates, lost_by_broker);
  g_assert_cmpuint (lost_by_broker, <=, 2);
  g_assert_cmpuint (sub_seen.disconnected, ==, 0);
  g_assert_cmpint (pub_seen.connected_at - kill_time, <, 3 * G_USEC_PER_SEC);

  g_assert_true (mqtt_client_disconnect_from_broker (publisher, &error));
  g_assert_true (mqtt_client_disconnect_from_broker (subscriber, &error));
  seen_clear (&pub_seen);
  seen_clear (&sub_seen);
  test_ejabberd_free (b);
  test_ejabberd_free (a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/failover/uris", test_uris);
  g_test_add_func ("/failover/dead-server-skipped", test_dead_server_skipped);
  g_test_add_func ("/failover/lost-connection-moves-on", test_lost_connection_moves_on);
  g_test_add_func ("/failover/server-reference", test_server_reference);
  g_test_add_func ("/failover/unix-socket", test_unix_socket);
  g_test_add_func ("/failover/alpn", test_alpn);
  g_test_add_func ("/failover/jitter", test_jitter_spreads_reconnections);
  g_test_add_func ("/failover/offline-queue-policy", test_offline_queue_policy);
  g_test_add_func ("/failover/resubscribe", test_resubscribe);
  g_test_add_func ("/failover/credentials-refreshed", test_credentials_refreshed);
  g_test_add_func ("/failover/ejabberd-cluster", test_ejabberd_cluster);
  return g_test_run ();
}
