/* Every way a connection attempt fails, as the manual's table says
 * (docs/tls-websockets.xml, "When a connection cannot be made"): the
 * error of the connecting call and of the helpers, and the signals, for
 * the first connection and for automatic reconnections. */

#include "config.h"

#include <string.h>

#include "fault-proxy.h"
#include "recorder.h"
#include "test-common.h"
#include "test-resolver.h"

#define CONFIG                                                                \
  "listener @PORT1@ 127.0.0.1\nprotocol websockets\n"                         \
  "listener @PORT2@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "listener @PORT3@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/wrongname.crt\nkeyfile @CERTS@/wrongname.key\n"

typedef enum {
  FAIL_DNS,
  FAIL_TCP,
  FAIL_TLS,
  FAIL_WEBSOCKET,
  FAIL_REFUSAL,
} FailureKind;

typedef struct {
  const char *name;
  FailureKind kind;
  GQuark (*domain) (void);
  int code;
} Row;

static GQuark
mqtt_error_domain (void)
{
  return MQTT_ERROR;
}

/* The manual's table, row by row. */
static const Row rows[] = {
  { "dns", FAIL_DNS, g_resolver_error_quark, G_RESOLVER_ERROR_NOT_FOUND },
  { "tcp", FAIL_TCP, g_io_error_quark, G_IO_ERROR_CONNECTION_REFUSED },
  { "tls", FAIL_TLS, g_tls_error_quark, G_TLS_ERROR_BAD_CERTIFICATE },
  { "websocket", FAIL_WEBSOCKET, mqtt_error_domain, MQTT_ERROR_CONN_REFUSED },
  { "refusal", FAIL_REFUSAL, mqtt_error_domain, MQTT_ERROR_REFUSED_NOT_AUTHORIZED },
};

/* ------------------------------------------------------------------------ */

typedef struct {
  TestBroker *open;        /* anonymous: TCP, WebSocket, TLS, TLS for another name */
  TestBroker *locked;      /* refuses anonymous clients */
  TestHttpServer *http;    /* refuses every WebSocket handshake */
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->open = test_broker_new (CONFIG);
  f->locked = test_broker_new ("allow_anonymous false\npassword_file " MQTT_TEST_PASSWORD_FILE
                               "\n");
  f->http = test_http_server_new ();
  test_name_resolver_install ();
}

static void
teardown (Fixture *f, gconstpointer data)
{
  test_name_resolver_uninstall ();
  test_http_server_free (f->http);
  test_broker_free (f->locked);
  test_broker_free (f->open);
}

/* Where a row's client connects when all is well, and what breaks it. */
typedef struct {
  const char *host;
  guint16 good_port;       /* the upstream that works */
  guint16 bad_port;        /* the upstream that fails this row's way */
  gboolean websocket;
  gboolean tls;
} Endpoint;

static Endpoint
endpoint_of (Fixture *f, const Row *row)
{
  Endpoint e = { "127.0.0.1", test_broker_get_port (f->open), 0, FALSE, FALSE };

  switch (row->kind)
    {
    case FAIL_DNS:
      e.host = "broker.test";
      break;
    case FAIL_TCP:
      e.bad_port = test_free_port ();
      break;
    case FAIL_TLS:
      e.tls = TRUE;
      e.good_port = test_broker_get_extra_port (f->open, 2);
      e.bad_port = test_broker_get_extra_port (f->open, 3);
      break;
    case FAIL_WEBSOCKET:
      e.websocket = TRUE;
      e.good_port = test_broker_get_extra_port (f->open, 1);
      e.bad_port = test_http_server_get_port (f->http);
      break;
    case FAIL_REFUSAL:
      e.bad_port = test_broker_get_port (f->locked);
      break;
    default:
      g_assert_not_reached ();
    }
  return e;
}

static char *
ca_file (void)
{
  return g_build_filename (test_certs_dir (), "ca.crt", NULL);
}

static MqttClient *
new_client (const Endpoint *e)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttClient) client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, &error);

  g_assert_no_error (error);
  if (e->websocket)
    mqtt_client_set_transport (client, MQTT_TRANSPORT_WEBSOCKETS);
  if (e->tls)
    {
      g_autofree char *ca = ca_file ();

      g_assert_true (mqtt_client_tls_set (client, ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                          MQTT_TLS_VERSION_DEFAULT, NULL, &error));
    }
  mqtt_client_set_reconnect_delay (client, 1, 1, NULL);
  return g_steal_pointer (&client);
}

/* Breaks the endpoint for new connections and cuts those open. */
static void
break_endpoint (const Row *row, const Endpoint *e, FaultProxy *proxy)
{
  if (row->kind == FAIL_DNS)
    {
      test_name_resolver_set_working (FALSE);
      fault_proxy_redirect (proxy, e->good_port);   /* cuts */
    }
  else
    fault_proxy_redirect (proxy, e->bad_port);
}

static void
repair_endpoint (const Row *row, const Endpoint *e, FaultProxy *proxy)
{
  test_name_resolver_set_working (TRUE);
  fault_proxy_redirect (proxy, e->good_port);
}

static void
assert_row_error (const Row *row, const GError *error)
{
  g_assert_nonnull (error);
  g_test_message ("%s: %s (%s %d)", row->name, error->message, g_quark_to_string (error->domain),
                  error->code);
  g_assert_error ((GError *) error, row->domain (), row->code);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static gboolean
have_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

/* The first connection: the call's error, connect-failed with the same
 * error, connected only for a refusal (with its return code), never
 * disconnected. */
static void
test_first (Fixture *f, gconstpointer data)
{
  const Row *row = data;
  Endpoint e = endpoint_of (f, row);
  g_autoptr(MqttClient) client = new_client (&e);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;
  const char *host = row->kind == FAIL_DNS ? "broker.invalid" : e.host;
  guint16 port = row->kind == FAIL_DNS ? e.good_port : e.bad_port;

  g_assert_false (mqtt_client_connect_to_broker (client, host, port, 60, NULL, &error));
  assert_row_error (row, error);
  test_run_for (100);
  g_assert_cmpuint (r->connect_failed, ==, 1);
  g_assert_error (r->connect_error, error->domain, error->code);
  g_assert_cmpstr (r->connect_error->message, ==, error->message);
  g_assert_cmpuint (r->connected, ==, row->kind == FAIL_REFUSAL ? 1 : 0);
  if (row->kind == FAIL_REFUSAL)
    g_assert_cmpint (r->connect_rc, ==, MQTT_CONNACK_REFUSED_NOT_AUTHORIZED);
  g_assert_cmpuint (r->disconnected, ==, 0);
  g_assert_cmpint (mqtt_client_get_state (client), ==, MQTT_CLIENT_STATE_DISCONNECTED);

  /* The asynchronous form says the same, and auto-reconnect does not
   * retry a first connection that failed (as Paho). */
  {
    g_autoptr(MqttClient) other = new_client (&e);
    g_autoptr(Recorder) ro = recorder_new (other);
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) again = NULL;

    mqtt_client_set_auto_reconnect (other, TRUE);
    mqtt_client_connect_to_broker_async (other, host, port, 60, NULL, store_result, &result);
    TEST_WAIT_FOR (have_result, &result, 10000);
    g_assert_false (mqtt_client_connect_to_broker_finish (other, result, &again));
    assert_row_error (row, again);
    test_run_for (1500);
    g_assert_cmpuint (ro->connect_failed, ==, 1);
    g_assert_cmpuint (ro->disconnected, ==, 0);
  }
}

static gboolean
failed_twice (gpointer data)
{
  return ((Recorder *) data)->connect_failed >= 2;
}

/* A connection the broker accepted, then lost, then attempts that fail
 * the row's way: disconnected once, connect-failed at each attempt (with
 * connected and the return code for a refusal), then connected again once
 * the endpoint works. */
static void
test_reconnect (Fixture *f, gconstpointer data)
{
  const Row *row = data;
  Endpoint e = endpoint_of (f, row);
  g_autoptr(MqttClient) client = new_client (&e);
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(FaultProxy) proxy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TestBroker) own = NULL;
  guint16 port;

  if (row->kind == FAIL_TCP)
    {
      /* A broker of its own, stopped and started again. */
      own = test_broker_new (NULL);
      port = test_broker_get_port (own);
    }
  else
    {
      proxy = fault_proxy_new (e.good_port, 1);
      port = fault_proxy_get_port (proxy);
    }
  mqtt_client_set_auto_reconnect (client, TRUE);
  g_assert_true (mqtt_client_connect_to_broker (client, e.host, port, 60, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r->connected, ==, 1);

  if (own)
    test_broker_stop (own);
  else
    break_endpoint (row, &e, proxy);
  RECORDER_WAIT (r, recorder_disconnected, 1);
  TEST_WAIT_FOR (failed_twice, r, 10000);
  assert_row_error (row, r->connect_error);
  g_assert_cmpuint (r->disconnected, ==, 1);
  if (row->kind == FAIL_REFUSAL)
    {
      g_assert_cmpuint (r->connected, >=, 3);
      g_assert_cmpint (r->connect_rc, ==, MQTT_CONNACK_REFUSED_NOT_AUTHORIZED);
    }
  else
    g_assert_cmpuint (r->connected, ==, 1);

  if (own)
    test_broker_start (own);
  else
    repair_endpoint (row, &e, proxy);
  {
    guint before = r->connected;

    RECORDER_WAIT (r, recorder_connected, before + 1);
  }
  g_assert_cmpint (r->connect_rc, ==, 0);
  g_assert_true (mqtt_client_is_connected (client));
  g_assert_cmpuint (r->disconnected, ==, 1);
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
  RECORDER_WAIT (r, recorder_disconnected, 2);
}

/* The helpers fail with the call's error. */
static void
test_helpers (Fixture *f, gconstpointer data)
{
  const Row *row = data;
  Endpoint e = endpoint_of (f, row);
  const char *host = row->kind == FAIL_DNS ? "broker.invalid" : e.host;
  guint16 port = row->kind == FAIL_DNS ? e.good_port : e.bad_port;
  g_autoptr(MqttSettings) options = mqtt_settings_new (host, port);
  g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
  g_autoptr(GError) error = NULL;
  const char *topics[] = { "failures/t" };
  gsize n = 0;

  if (e.websocket)
    g_object_set (options, "transport", MQTT_TRANSPORT_WEBSOCKETS, NULL);
  if (e.tls)
    {
      g_autofree char *ca = ca_file ();

      mqtt_settings_set_tls (options, ca, NULL, NULL);
    }
  g_assert_false (mqtt_publish_single ("failures/t", payload, 1, FALSE, options, NULL, &error));
  assert_row_error (row, error);
  g_clear_error (&error);
  g_assert_null (mqtt_subscribe_simple (topics, 1, 0, 1, FALSE, options, &n, NULL, &error));
  assert_row_error (row, error);
}

int
main (int argc, char *argv[])
{
  guint i;

  g_test_init (&argc, &argv, NULL);

  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *first = g_strdup_printf ("/failures/first/%s", rows[i].name);
      g_autofree char *reconnect = g_strdup_printf ("/failures/reconnect/%s", rows[i].name);
      g_autofree char *helpers = g_strdup_printf ("/failures/helpers/%s", rows[i].name);

      g_test_add (first, Fixture, &rows[i], setup, test_first, teardown);
      g_test_add (reconnect, Fixture, &rows[i], setup, test_reconnect, teardown);
      g_test_add (helpers, Fixture, &rows[i], setup, test_helpers, teardown);
    }
  return g_test_run ();
}
