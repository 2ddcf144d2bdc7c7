/* Each connection is judged by its own TLS settings, whatever other clients
 * and helpers of the process trusted before it.
 *
 * glib-networking resumes TLS sessions from one cache for the whole process,
 * keyed by the server's address and the client's certificate; a resumed
 * handshake carries no certificate. Without a check of its own, a client
 * that trusts only the system's CAs would resume the session of a client
 * that trusted a private CA, and connect. glib-networking turns resumption
 * off under GTest, so these tests run without it (tests/common/tap.h). */

#include "config.h"

#include <string.h>

#include <mqtt-glib/mqtt-glib.h>

#include "tap.h"
#include "test-common.h"

/* @PORT1@ server-authenticated TLS, @PORT2@ mutual TLS, @PORT3@ TLS with a
 * certificate for another host, @PORT4@ WebSocket over TLS. */
#define TRUST_CONFIG                                                          \
  "listener @PORT1@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "listener @PORT2@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "require_certificate true\n"                                                \
  "listener @PORT3@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/wrongname.crt\nkeyfile @CERTS@/wrongname.key\n" \
  "listener @PORT4@ 127.0.0.1\nprotocol websockets\n"                         \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n"

static TestBroker *broker;

/* What a client trusts, and what it presents. */
typedef struct {
  const char *ca;         /* a file of the test certificates; NULL: the system's CAs */
  gboolean verify;        /* FALSE: Paho's cert_reqs=CERT_NONE */
  gboolean insecure;      /* Paho's tls_insecure_set(True) */
  gboolean client_cert;   /* present client.crt */
} Trust;

static const Trust system_trust = { NULL, TRUE, FALSE, FALSE };
static const Trust test_ca = { "ca.crt", TRUE, FALSE, FALSE };
static const Trust other_ca = { "other-ca.crt", TRUE, FALSE, FALSE };
static const Trust no_verify = { NULL, FALSE, FALSE, FALSE };
static const Trust test_ca_any_name = { "ca.crt", TRUE, TRUE, FALSE };
static const Trust test_ca_with_cert = { "ca.crt", TRUE, FALSE, TRUE };

/* Where a client connects. */
typedef struct {
  const char *name;
  guint listener;
  const char *host;
  gboolean websocket;
} Target;

static char *
cert (const char *name)
{
  return name ? g_build_filename (test_certs_dir (), name, NULL) : NULL;
}

static MqttClient *
new_client (const Trust *trust, gboolean websocket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttClient) client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, &error);
  g_autofree char *ca = cert (trust->ca);
  g_autofree char *crt = cert (trust->client_cert ? "client.crt" : NULL);
  g_autofree char *key = cert (trust->client_cert ? "client.key" : NULL);

  g_assert_no_error (error);
  mqtt_client_set_auto_reconnect (client, FALSE);
  if (websocket)
    mqtt_client_set_transport (client, MQTT_TRANSPORT_WEBSOCKETS);
  g_assert_true (mqtt_client_tls_set (client, ca, crt, key,
                                      trust->verify ? MQTT_TLS_CERT_REQUIRED : MQTT_TLS_CERT_NONE,
                                      MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  g_assert_no_error (error);
  mqtt_client_tls_insecure_set (client, trust->insecure);
  return g_steal_pointer (&client);
}

static gboolean
is_connected (gpointer client)
{
  return mqtt_client_get_state (client) == MQTT_CLIENT_STATE_CONNECTED;
}

static gboolean
is_closed (gpointer client)
{
  return mqtt_client_get_state (client) == MQTT_CLIENT_STATE_DISCONNECTED;
}

typedef struct {
  MqttClient *client;
  gboolean published;
} Round;

static void
on_published (MqttClient *client, guint mid, gpointer data)
{
  ((Round *) data)->published = TRUE;
}

static gboolean
acknowledged_or_closed (gpointer data)
{
  Round *round = data;

  return round->published || !is_connected (round->client);
}

/* A new client with @trust connects to @target: TRUE if the broker
 * accepted it, else FALSE with the error. A client that connected
 * exchanges a message first, which also brings the broker's session
 * tickets in, for the clients that come after. */
static gboolean
attempt (const Trust *trust, const Target *target, GError **error)
{
  g_autoptr(MqttClient) client = new_client (trust, target->websocket);
  Round round = { NULL, FALSE };
  guint16 port = test_broker_get_extra_port (broker, target->listener);

  if (!mqtt_client_connect_to_broker (client, target->host, port, 60, NULL, error))
    {
      g_assert_false (mqtt_client_is_connected (client));
      return FALSE;
    }
  /* A refusal after the handshake (no client certificate) would come with
   * the first packets: a QoS 1 message goes round first. */
  round.client = client;
  g_signal_connect (client, "published", G_CALLBACK (on_published), &round);
  g_assert_true (mqtt_client_publish (client, "trust/t", (const guint8 *) "x", 1, 1, FALSE, NULL,
                                      NULL));
  TEST_WAIT_FOR (acknowledged_or_closed, &round, 5000);
  if (!is_connected (client))
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_CONN_LOST,
                           "the broker closed the connection");
      return FALSE;
    }
  g_assert_true (mqtt_client_disconnect_from_broker (client, NULL));
  TEST_WAIT_FOR (is_closed, client, 5000);
  return TRUE;
}

static void
assert_accepted (const Trust *trust, const Target *target)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (attempt (trust, target, &error));
  g_assert_no_error (error);
}

static void
assert_refused_certificate (const Trust *trust, const Target *target, const char *why)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (attempt (trust, target, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, why));
}

static const Target targets[] = {
  { "tcp, by name", 1, "localhost", FALSE },
  { "tcp, by address", 1, "127.0.0.1", FALSE },
  { "websocket, by name", 4, "localhost", TRUE },
  { "websocket, by address", 4, "127.0.0.1", TRUE },
};

/* The sequence first reported: system CAs refused, the private CA
 * accepted, the system CAs refused again. */
static void
test_trust_sequence (gconstpointer data)
{
  const Target *target = data;

  assert_refused_certificate (&system_trust, target, "not signed by a trusted authority");
  assert_accepted (&test_ca, target);
  assert_refused_certificate (&system_trust, target, "not signed by a trusted authority");
  assert_refused_certificate (&other_ca, target, "not signed by a trusted authority");
  /* The same trust again: accepted (and may resume). */
  assert_accepted (&test_ca, target);
  assert_refused_certificate (&system_trust, target, "not signed by a trusted authority");
}

/* A client that checked nothing, then one that checks. */
static void
test_insecure_then_strict (gconstpointer data)
{
  const Target *target = data;
  const Target wrong_name = { "tcp, certificate for another host", 3, "127.0.0.1", FALSE };

  assert_accepted (&no_verify, target);
  assert_refused_certificate (&system_trust, target, "not signed by a trusted authority");
  assert_accepted (&test_ca, target);

  /* Only the host name let go, then not. */
  assert_accepted (&test_ca_any_name, &wrong_name);
  assert_refused_certificate (&test_ca, &wrong_name, "issued for another host");
  assert_refused_certificate (&system_trust, &wrong_name, "not signed by a trusted authority");
  assert_accepted (&test_ca_any_name, &wrong_name);
}

/* A broker that requires a client certificate: one client presents it,
 * the next has none. */
static void
test_client_certificate_then_none (gconstpointer data)
{
  const Target mutual = { "tcp, mutual", 2, "127.0.0.1", FALSE };
  g_autoptr(GError) error = NULL;

  assert_accepted (&test_ca_with_cert, &mutual);
  g_assert_false (attempt (&test_ca, &mutual, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  assert_refused_certificate (&system_trust, &mutual, "not signed by a trusted authority");
  assert_accepted (&test_ca_with_cert, &mutual);
}

/* One client reconnecting keeps working. */
static void
test_reconnect (gconstpointer data)
{
  const Target *target = data;
  g_autoptr(MqttClient) client = new_client (&test_ca, target->websocket);
  guint16 port = test_broker_get_extra_port (broker, target->listener);
  g_autoptr(GError) error = NULL;
  guint i;

  for (i = 0; i < 3; i++)
    {
      if (i == 0)
        g_assert_true (mqtt_client_connect_to_broker (client, target->host, port, 60, NULL,
                                                      &error));
      else
        g_assert_true (mqtt_client_reconnect (client, NULL, &error));
      g_assert_no_error (error);
      test_run_for (50);
      g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
      TEST_WAIT_FOR (is_closed, client, 5000);
    }
}

/* ------------------------------------------------------------------------ */
/* The helpers make their own clients: the same rules. */

static MqttSettings *
helper_options (const Trust *trust, const Target *target)
{
  g_autoptr(MqttSettings) options = NULL;
  g_autofree char *ca = cert (trust->ca);
  g_autofree char *crt = cert (trust->client_cert ? "client.crt" : NULL);
  g_autofree char *key = cert (trust->client_cert ? "client.key" : NULL);

  options = mqtt_settings_new (target->host,
                                     test_broker_get_extra_port (broker, target->listener));
  mqtt_settings_set_tls (options, ca, crt, key);
  g_object_set (options, "tls-insecure", trust->insecure, NULL);
  if (target->websocket)
    g_object_set (options, "transport", MQTT_TRANSPORT_WEBSOCKETS, NULL);
  return g_steal_pointer (&options);
}

static gboolean
helper_publish (const Trust *trust, const Target *target, GError **error)
{
  g_autoptr(MqttSettings) options = helper_options (trust, target);
  g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);

  return mqtt_publish_single ("trust/helper", payload, MQTT_QOS_AT_LEAST_ONCE, FALSE, options,
                              NULL, error);
}

static gboolean
helper_subscribe (const Trust *trust, const Target *target, GError **error)
{
  g_autoptr(MqttSettings) options = helper_options (trust, target);
  const char *topics[] = { "trust/retained" };
  MqttMessage **messages;
  gsize n = 0, i;

  messages = mqtt_subscribe_simple (topics, 1, MQTT_QOS_AT_LEAST_ONCE, 1, TRUE, options, &n, NULL,
                                    error);
  if (messages == NULL)
    return FALSE;
  g_assert_cmpuint (n, ==, 1);
  for (i = 0; i < n; i++)
    mqtt_message_unref (messages[i]);
  g_free (messages);
  return TRUE;
}

static void
test_helpers (gconstpointer data)
{
  const Target *target = data;
  const Target wrong_name = { "tcp, certificate for another host", 3, "127.0.0.1", FALSE };
  g_autoptr(MqttSettings) retain = helper_options (&test_ca, target);
  g_autoptr(GBytes) payload = g_bytes_new_static ("kept", 4);
  g_autoptr(GError) error = NULL;

  g_assert_false (helper_publish (&system_trust, target, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  g_assert_true (mqtt_publish_single ("trust/retained", payload, MQTT_QOS_AT_LEAST_ONCE, TRUE,
                                      retain, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (helper_publish (&test_ca, target, &error));
  g_assert_no_error (error);
  g_assert_true (helper_subscribe (&test_ca, target, &error));
  g_assert_no_error (error);

  g_assert_false (helper_publish (&system_trust, target, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);
  g_assert_false (helper_subscribe (&other_ca, target, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  /* And a client made by hand after the helpers. */
  assert_refused_certificate (&system_trust, target, "not signed by a trusted authority");

  g_assert_true (helper_publish (&test_ca_any_name, &wrong_name, &error));
  g_assert_no_error (error);
  g_assert_false (helper_publish (&test_ca, &wrong_name, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

/* The helpers against a broker that requires a client certificate. */
static void
test_helpers_client_certificate (gconstpointer data)
{
  const Target mutual = { "tcp, mutual", 2, "127.0.0.1", FALSE };
  g_autoptr(GError) error = NULL;

  g_assert_true (helper_publish (&test_ca_with_cert, &mutual, &error));
  g_assert_no_error (error);
  g_assert_false (helper_publish (&test_ca, &mutual, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (helper_publish (&test_ca_with_cert, &mutual, &error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  guint i;

  broker = test_broker_new (TRUST_CONFIG);
  for (i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *name = g_strdup_printf ("trust sequence, %s", targets[i].name);

      tap_run (name, test_trust_sequence, &targets[i]);
    }
  tap_run ("insecure then strict, tcp", test_insecure_then_strict, &targets[1]);
  tap_run ("insecure then strict, websocket", test_insecure_then_strict, &targets[3]);
  tap_run ("client certificate then none", test_client_certificate_then_none, NULL);
  tap_run ("reconnect, tcp", test_reconnect, &targets[0]);
  tap_run ("reconnect, websocket", test_reconnect, &targets[2]);
  tap_run ("helpers, tcp", test_helpers, &targets[1]);
  tap_run ("helpers, websocket", test_helpers, &targets[3]);
  tap_run ("helpers, client certificate then none", test_helpers_client_certificate, NULL);
  test_broker_free (broker);
  return tap_done ();
}
