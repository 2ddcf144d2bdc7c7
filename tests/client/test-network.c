/* Reaching the broker: SRV lookups through a test GResolver, and a SOCKS 5
 * proxy carrying TCP, TLS and WebSocket connections. */

#include "config.h"

#include <string.h>

#include "recorder.h"
#include "socks-proxy.h"
#include "test-common.h"

#define NETWORK_CONFIG                                                        \
  "listener @PORT1@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "listener @PORT2@ 127.0.0.1\nprotocol websockets\n"

typedef struct {
  TestBroker *broker;
  char *ca;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->broker = test_broker_new (NETWORK_CONFIG);
  f->ca = g_build_filename (test_certs_dir (), "ca.crt", NULL);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  test_broker_free (f->broker);
  g_free (f->ca);
}

static MqttClient *
new_client (void)
{
  g_autoptr(GError) error = NULL;
  MqttClient *client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, &error);

  g_assert_no_error (error);
  mqtt_client_set_auto_reconnect (client, FALSE);
  return client;
}

static void
round_trip_and_disconnect (MqttClient *client)
{
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_subscribe (client, "net/t", 1, NULL, &error));
  RECORDER_WAIT (r, recorder_subscribed, 1);
  g_assert_true (mqtt_client_publish (client, "net/t", (const guint8 *) "x", 1, 1, FALSE, NULL,
                                      &error));
  RECORDER_WAIT (r, recorder_messages, 1);
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
  RECORDER_WAIT (r, recorder_disconnected, 1);
}

/* ------------------------------------------------------------------------ */
/* A resolver that knows a few SRV records */

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver {
  GResolver parent;
  GHashTable *records;   /* "_mqtt._tcp.example.test" -> GList of GSrvTarget */
  guint lookups;
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
copy_targets (GList *targets)
{
  return g_list_copy_deep (targets, (GCopyFunc) (void (*) (void)) g_srv_target_copy, NULL);
}

static GList *
test_resolver_lookup_service (GResolver *resolver, const gchar *rrname, GCancellable *cancellable,
                              GError **error)
{
  TestResolver *self = TEST_RESOLVER (resolver);
  GList *targets = g_hash_table_lookup (self->records, rrname);

  self->lookups++;
  if (targets == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No record for %s",
                   rrname);
      return NULL;
    }
  return copy_targets (targets);
}

static void
test_resolver_lookup_service_async (GResolver *resolver, const gchar *rrname,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *targets = test_resolver_lookup_service (resolver, rrname, cancellable, &error);

  if (targets)
    g_task_return_pointer (task, targets, (GDestroyNotify) g_resolver_free_targets);
  else
    g_task_return_error (task, error);
}

static GList *
test_resolver_lookup_service_finish (GResolver *resolver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
free_targets (gpointer targets)
{
  g_resolver_free_targets (targets);
}

static void
test_resolver_finalize (GObject *object)
{
  g_hash_table_unref (TEST_RESOLVER (object)->records);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_resolver_finalize;
  resolver_class->lookup_service = test_resolver_lookup_service;
  resolver_class->lookup_service_async = test_resolver_lookup_service_async;
  resolver_class->lookup_service_finish = test_resolver_lookup_service_finish;
}

static void
test_resolver_init (TestResolver *self)
{
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_targets);
}

static void
add_record (TestResolver *resolver, const char *rrname, guint16 port, guint16 priority)
{
  GList *targets = g_hash_table_lookup (resolver->records, rrname);

  g_hash_table_steal (resolver->records, rrname);
  targets = g_list_prepend (targets, g_srv_target_new ("127.0.0.1", port, priority, 1));
  g_hash_table_insert (resolver->records, g_strdup (rrname), targets);
}

static void
script_accept_one (FakeBroker *broker, gpointer data)
{
  fake_broker_handshake (broker, 0, FALSE);
  g_assert_true (fake_broker_wait_closed (broker, 10000));
}

static gboolean
broker_done (gpointer data)
{
  return fake_broker_is_done (data);
}

static void
test_srv (Fixture *f, gconstpointer data)
{
  g_autoptr(TestResolver) resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_autoptr(GResolver) original = g_resolver_get_default ();
  g_autoptr(FakeBroker) preferred = fake_broker_new (script_accept_one, NULL);
  g_autoptr(GError) error = NULL;
  guint16 dead = test_free_port ();

  g_resolver_set_default (G_RESOLVER (resolver));

  /* Priority order, and each target tried until one connects: the dead
   * port first (refused), then the fake broker (10), not mosquitto (20),
   * although the records come in another order. */
  add_record (resolver, "_mqtt._tcp.example.test", test_broker_get_port (f->broker), 20);
  add_record (resolver, "_mqtt._tcp.example.test", fake_broker_get_port (preferred), 10);
  add_record (resolver, "_mqtt._tcp.example.test", dead, 5);
  {
    g_autoptr(MqttClient) client = new_client ();
    g_autoptr(Recorder) r = recorder_new (client);

    g_assert_true (mqtt_client_connect_srv (client, "example.test", 60, NULL, &error));
    g_assert_no_error (error);
    g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
    RECORDER_WAIT (r, recorder_disconnected, 1);
    TEST_WAIT_FOR (broker_done, preferred, 10000);
  }

  /* With TLS the service is _secure-mqtt, and the target's name is checked. */
  add_record (resolver, "_secure-mqtt._tcp.example.test",
              test_broker_get_extra_port (f->broker, 1), 0);
  {
    g_autoptr(MqttClient) client = new_client ();

    g_assert_true (mqtt_client_tls_set (client, f->ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                        MQTT_TLS_VERSION_DEFAULT, NULL, &error));
    g_assert_true (mqtt_client_connect_srv (client, "example.test", 60, NULL, &error));
    g_assert_no_error (error);
    round_trip_and_disconnect (client);
  }

  /* No record: the resolver's error. */
  {
    g_autoptr(MqttClient) client = new_client ();

    g_assert_false (mqtt_client_connect_srv (client, "nowhere.test", 60, NULL, &error));
    g_assert_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  g_assert_cmpuint (resolver->lookups, ==, 3);
  g_resolver_set_default (original);
}

/* ------------------------------------------------------------------------ */
/* A SOCKS 5 proxy on every transport */

static void
test_proxy (Fixture *f, gconstpointer data)
{
  g_autoptr(SocksProxy) proxy = socks_proxy_new ();
  g_autofree char *uri = g_strdup_printf ("socks5://127.0.0.1:%u", socks_proxy_get_port (proxy));
  g_autoptr(GError) error = NULL;
  struct {
    gboolean tls;
    MqttTransportType transport;
    guint16 port;
  } cases[] = {
    { FALSE, MQTT_TRANSPORT_TCP, test_broker_get_port (f->broker) },
    { TRUE, MQTT_TRANSPORT_TCP, test_broker_get_extra_port (f->broker, 1) },
    { FALSE, MQTT_TRANSPORT_WEBSOCKETS, test_broker_get_extra_port (f->broker, 2) },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(MqttClient) client = new_client ();

      g_assert_true (mqtt_client_proxy_set (client, uri, &error));
      mqtt_client_set_transport (client, cases[i].transport);
      if (cases[i].tls)
        g_assert_true (mqtt_client_tls_set (client, f->ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                            MQTT_TLS_VERSION_DEFAULT, NULL, &error));
      g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1", cases[i].port, 60, NULL,
                                                    &error));
      g_assert_no_error (error);
      g_assert_cmpuint (socks_proxy_get_connections (proxy), ==, i + 1);
      g_assert_cmpuint (socks_proxy_get_last_port (proxy), ==, cases[i].port);
      round_trip_and_disconnect (client);
    }

  /* Bad proxy settings are refused, without echoing a password. */
  {
    g_autoptr(MqttClient) client = new_client ();

    g_assert_false (mqtt_client_proxy_set (client, "ftp://user:Pw123@host:21", &error));
    g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
    g_assert_null (strstr (error->message, "Pw123"));
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add ("/network/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("srv", test_srv);
  ADD ("proxy", test_proxy);

  return g_test_run ();
}
