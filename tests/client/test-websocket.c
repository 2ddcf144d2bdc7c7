/* MQTT over WebSocket: against mosquitto's ws:// and wss:// listeners, and
 * against a SoupServer that splits and coalesces frames and checks the
 * handshake. */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "recorder.h"
#include "test-common.h"

#define WS_CONFIG                                                             \
  "listener @PORT1@ 127.0.0.1\nprotocol websockets\n"                         \
  "listener @PORT2@ 127.0.0.1\nprotocol websockets\n"                         \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n"

typedef struct {
  TestBroker *broker;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->broker = test_broker_new (WS_CONFIG);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  test_broker_free (f->broker);
}

static MqttClient *
ws_client (MqttProtocolVersion protocol)
{
  g_autoptr(GError) error = NULL;
  MqttClient *client = mqtt_client_new (NULL, TRUE, protocol, &error);

  g_assert_no_error (error);
  mqtt_client_set_transport (client, MQTT_TRANSPORT_WEBSOCKETS);
  mqtt_client_set_auto_reconnect (client, FALSE);
  return client;
}

static void
round_trip (MqttClient *client, guint n)
{
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;
  /* mosquitto 2.0.11 sends WebSocket data at some 50 kB/s (libwebsockets
   * writes 4 kB pieces on a timer): a "big" message of 10 kB spans pieces
   * without slowing the test. */
  g_autofree guint8 *big = g_malloc (10000);
  guint i;

  memset (big, 'b', 10000);
  g_assert_true (mqtt_client_subscribe (client, "ws/#", 2, NULL, &error));
  RECORDER_WAIT (r, recorder_subscribed, 1);
  for (i = 0; i < n; i++)
    g_assert_true (mqtt_client_publish (client, "ws/t", (const guint8 *) "x", 1, i % 3, FALSE,
                                        NULL, &error));
  /* A packet larger than a frame chunk. */
  g_assert_true (mqtt_client_publish (client, "ws/big", big, 10000, 1, FALSE, NULL, &error));
  RECORDER_WAIT (r, recorder_messages, n + 1);
  RECORDER_WAIT (r, recorder_published, n + 1);
  for (i = 0; i < r->messages->len; i++)
    {
      MqttMessage *message = g_ptr_array_index (r->messages, i);

      g_assert_cmpuint (g_bytes_get_size (mqtt_message_get_payload (message)), ==,
                        g_str_equal (mqtt_message_get_topic (message), "ws/big") ? 10000 : 1);
    }
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
  RECORDER_WAIT (r, recorder_disconnected, 1);
  g_assert_cmpint (r->disconnect_rc, ==, 0);
}

static void
test_ws (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = ws_client (MQTT_PROTOCOL_V311);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (mqtt_client_get_transport (client), ==, MQTT_TRANSPORT_WEBSOCKETS);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                test_broker_get_extra_port (f->broker, 1), 60,
                                                NULL, &error));
  g_assert_no_error (error);
  /* libsoup owns the socket: there is none for a foreign loop. */
  g_assert_null (mqtt_client_get_socket (client));
  round_trip (client, 100);
}

static void
test_ws_v31 (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = ws_client (MQTT_PROTOCOL_V31);
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                test_broker_get_extra_port (f->broker, 1), 60,
                                                NULL, &error));
  g_assert_no_error (error);
  round_trip (client, 10);
}

static void
test_wss (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = ws_client (MQTT_PROTOCOL_V311);
  g_autoptr(GError) error = NULL;
  g_autofree char *ca = g_build_filename (test_certs_dir (), "ca.crt", NULL);
  g_autofree char *other_ca = g_build_filename (test_certs_dir (), "other-ca.crt", NULL);

  /* The wrong CA: the certificate is refused, as over TCP. */
  g_assert_true (mqtt_client_tls_set (client, other_ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                      MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  g_assert_false (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                 test_broker_get_extra_port (f->broker, 2), 60,
                                                 NULL, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  g_assert_true (mqtt_client_tls_set (client, ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                      MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                test_broker_get_extra_port (f->broker, 2), 60,
                                                NULL, &error));
  g_assert_no_error (error);
  round_trip (client, 30);
}

/* ------------------------------------------------------------------------ */
/* A WebSocket fake broker */

typedef struct {
  SoupServer *server;
  guint16 port;
  SoupWebsocketConnection *connection;
  char *path;
  char *protocol;
  char *extra_header;
  char *rewritten_header;
  char *remote_host;
  GByteArray *received;
  guint frames;
} FakeWs;

static void
fake_ws_message (SoupWebsocketConnection *connection, gint type, GBytes *message, FakeWs *ws)
{
  g_byte_array_append (ws->received, g_bytes_get_data (message, NULL),
                       g_bytes_get_size (message));
  ws->frames++;
}

static void
fake_ws_connected (SoupServer *server, SoupServerMessage *msg, const char *path,
                   SoupWebsocketConnection *connection, gpointer user_data)
{
  FakeWs *ws = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  ws->connection = g_object_ref (connection);
  ws->path = g_strdup (path);
  ws->protocol = g_strdup (soup_websocket_connection_get_protocol (connection));
  ws->extra_header = g_strdup (soup_message_headers_get_one (headers, "X-Extra"));
  ws->rewritten_header = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
  ws->remote_host = g_strdup (soup_server_message_get_remote_host (msg));
  g_signal_connect (connection, "message", G_CALLBACK (fake_ws_message), ws);
}

static FakeWs *
fake_ws_new (void)
{
  FakeWs *ws = g_new0 (FakeWs, 1);
  const char *protocols[] = { "mqtt", NULL };
  g_autoptr(GError) error = NULL;
  GSList *uris;

  ws->received = g_byte_array_new ();
  ws->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (ws->server, "/custom", NULL, (char **) protocols,
                                     fake_ws_connected, ws, NULL);
  g_assert_true (soup_server_listen_local (ws->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (ws->server);
  ws->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return ws;
}

static void
fake_ws_free (FakeWs *ws)
{
  g_clear_object (&ws->connection);
  soup_server_disconnect (ws->server);
  g_object_unref (ws->server);
  g_byte_array_unref (ws->received);
  g_free (ws->path);
  g_free (ws->protocol);
  g_free (ws->extra_header);
  g_free (ws->rewritten_header);
  g_free (ws->remote_host);
  g_free (ws);
}

static gboolean
ws_connected (gpointer data)
{
  return ((FakeWs *) data)->connection != NULL;
}

static gboolean
ws_received_connect (gpointer data)
{
  FakeWs *ws = data;

  return ws->received->len > 0 && ws->received->data[0] == 0x10;
}

static void
send_split (FakeWs *ws, const char *spec)
{
  g_autoptr(GByteArray) bytes = test_parse_bytes (spec);
  guint i;

  for (i = 0; i < bytes->len; i++)
    soup_websocket_connection_send_binary (ws->connection, bytes->data + i, 1);
}

static void
send_frame (FakeWs *ws, const char *spec)
{
  g_autoptr(GByteArray) bytes = test_parse_bytes (spec);

  soup_websocket_connection_send_binary (ws->connection, bytes->data, bytes->len);
}

static void
on_handshake (MqttClient *client, SoupMessageHeaders *headers, gpointer data)
{
  /* Paho's callable form: rewrite the headers, here a signature. */
  g_assert_cmpstr (soup_message_headers_get_one (headers, "X-Extra"), ==, "yes");
  soup_message_headers_replace (headers, "Authorization", "Signed abc");
}

static void
test_frames (void)
{
  FakeWs *ws = fake_ws_new ();
  g_autoptr(MqttClient) client = ws_client (MQTT_PROTOCOL_V311);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GHashTable) headers = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  guint frames_before, i;

  g_hash_table_insert (headers, "X-Extra", "yes");
  mqtt_client_ws_set_options (client, "/custom", headers);
  g_signal_connect (client, "websocket-handshake", G_CALLBACK (on_handshake), NULL);
  mqtt_client_connect_to_broker_async (client, "127.0.0.1", ws->port, 60, NULL, NULL, NULL);
  TEST_WAIT_FOR (ws_connected, ws, 10000);
  g_assert_cmpstr (ws->path, ==, "/custom");
  g_assert_cmpstr (ws->protocol, ==, "mqtt");
  g_assert_cmpstr (ws->extra_header, ==, "yes");
  g_assert_cmpstr (ws->rewritten_header, ==, "Signed abc");
  TEST_WAIT_FOR (ws_received_connect, ws, 10000);

  /* CONNACK one byte per frame. */
  send_split (ws, "20 02 00 00");
  RECORDER_WAIT (r, recorder_connected, 1);
  /* Three packets in one frame, the third cut in two frames. */
  send_frame (ws, "30 05 00 01 'a' 'xy' 30 05 00 01 'b' 'zz' 30 06 00 01");
  send_frame (ws, "'c' '123'");
  RECORDER_WAIT (r, recorder_messages, 3);
  g_assert_cmpstr (mqtt_message_get_topic (g_ptr_array_index (r->messages, 2)), ==, "c");

  /* What the client writes in one turn goes in one frame. */
  frames_before = ws->frames;
  g_byte_array_set_size (ws->received, 0);
  for (i = 0; i < 10; i++)
    g_assert_true (mqtt_client_publish (client, "out", (const guint8 *) "p", 1, 0, FALSE, NULL,
                                        &error));
  RECORDER_WAIT (r, recorder_published, 10);
  test_run_for (100);
  g_assert_cmpuint (ws->received->len, ==, 10 * 8);
  g_assert_cmpuint (ws->frames - frames_before, ==, 1);

  /* A text frame is not MQTT: a protocol error. */
  soup_websocket_connection_send_text (ws->connection, "hello");
  RECORDER_WAIT (r, recorder_disconnected, 1);
  g_assert_cmpint (r->disconnect_rc, ==, MQTT_ERROR_PROTOCOL);
  fake_ws_free (ws);
}

/* The local address applies to WebSocket connections too. */
static void
test_bind (void)
{
  FakeWs *ws = fake_ws_new ();
  g_autoptr(MqttClient) client = ws_client (MQTT_PROTOCOL_V311);

  mqtt_client_ws_set_options (client, "/custom", NULL);
  mqtt_client_set_bind_address (client, "127.0.0.2");
  mqtt_client_connect_to_broker_async (client, "127.0.0.1", ws->port, 60, NULL, NULL, NULL);
  TEST_WAIT_FOR (ws_connected, ws, 10000);
  g_assert_cmpstr (ws->remote_host, ==, "127.0.0.2");
  fake_ws_free (ws);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add ("/websocket/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("ws", test_ws);
  ADD ("ws-v31", test_ws_v31);
  ADD ("wss", test_wss);
  g_test_add_func ("/websocket/frames", test_frames);
  g_test_add_func ("/websocket/bind", test_bind);

  return g_test_run ();
}
