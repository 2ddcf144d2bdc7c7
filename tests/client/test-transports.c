/* One behaviour suite over every transport: TCP, TLS, WebSocket and
 * WebSocket over TLS. */

#include "config.h"

#include <string.h>

#include "recorder.h"
#include "test-common.h"

#define TRANSPORTS_CONFIG                                                     \
  "listener @PORT1@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "listener @PORT2@ 127.0.0.1\nprotocol websockets\n"                         \
  "listener @PORT3@ 127.0.0.1\nprotocol websockets\n"                         \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n"

typedef struct {
  const char *name;
  gboolean tls;
  MqttTransportType transport;
  guint listener;   /* 0: the main port */
} Transport;

static const Transport transports[] = {
  { "tcp", FALSE, MQTT_TRANSPORT_TCP, 0 },
  { "tls", TRUE, MQTT_TRANSPORT_TCP, 1 },
  { "ws", FALSE, MQTT_TRANSPORT_WEBSOCKETS, 2 },
  { "wss", TRUE, MQTT_TRANSPORT_WEBSOCKETS, 3 },
};

typedef struct {
  TestBroker *broker;
  const Transport *transport;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->broker = test_broker_new (TRANSPORTS_CONFIG);
  f->transport = data;
}

static void
teardown (Fixture *f, gconstpointer data)
{
  test_broker_free (f->broker);
}

static guint16
port_of (Fixture *f)
{
  return f->transport->listener ? test_broker_get_extra_port (f->broker, f->transport->listener)
                                : test_broker_get_port (f->broker);
}

/* A client on the fixture's transport, not connected yet. */
static MqttClient *
new_client (Fixture *f, const char *id, gboolean clean)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ca = g_build_filename (test_certs_dir (), "ca.crt", NULL);
  MqttClient *client = mqtt_client_new (id, clean, MQTT_PROTOCOL_V311, &error);

  g_assert_no_error (error);
  mqtt_client_set_transport (client, f->transport->transport);
  if (f->transport->tls)
    g_assert_true (mqtt_client_tls_set (client, ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                        MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  return client;
}

static void
connect_client (Fixture *f, MqttClient *client)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1", port_of (f), 60, NULL,
                                                &error));
  g_assert_no_error (error);
}

static void
subscribe (MqttClient *client, Recorder *r, const char *filter)
{
  guint before = recorder_subscribed (r);

  g_assert_true (mqtt_client_subscribe (client, filter, 2, NULL, NULL));
  RECORDER_WAIT (r, recorder_subscribed, before + 1);
}

static void
disconnect (MqttClient *client, Recorder *r)
{
  guint before = recorder_disconnected (r);

  g_assert_true (mqtt_client_disconnect_from_broker (client, NULL));
  RECORDER_WAIT (r, recorder_disconnected, before + 1);
}

static MqttMessage *
find (Recorder *r, const char *topic)
{
  guint i;

  for (i = 0; i < r->messages->len; i++)
    if (g_str_equal (mqtt_message_get_topic (g_ptr_array_index (r->messages, i)), topic))
      return g_ptr_array_index (r->messages, i);
  g_error ("no message on %s", topic);
}

static void
test_qos (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = new_client (f, NULL, TRUE);
  g_autoptr(Recorder) r = recorder_new (client);
  MqttQos qos;

  connect_client (f, client);
  subscribe (client, r, "behaviour/#");
  for (qos = 0; qos <= 2; qos++)
    {
      g_autofree char *topic = g_strdup_printf ("behaviour/q%d", qos);

      g_assert_true (mqtt_client_publish (client, topic, (const guint8 *) "payload", -1, qos,
                                          FALSE, NULL, NULL));
    }
  RECORDER_WAIT (r, recorder_messages, 3);
  RECORDER_WAIT (r, recorder_published, 3);
  for (qos = 0; qos <= 2; qos++)
    {
      g_autofree char *topic = g_strdup_printf ("behaviour/q%d", qos);

      g_assert_cmpint (mqtt_message_get_qos (find (r, topic)), ==, qos);
    }
  disconnect (client, r);
}

static void
test_retained (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) pub = new_client (f, NULL, TRUE);
  g_autoptr(Recorder) rp = recorder_new (pub);
  g_autoptr(MqttClient) sub = new_client (f, NULL, TRUE);
  g_autoptr(Recorder) rs = recorder_new (sub);

  connect_client (f, pub);
  g_assert_true (mqtt_client_publish (pub, "behaviour/retained", (const guint8 *) "kept", -1, 1,
                                      TRUE, NULL, NULL));
  RECORDER_WAIT (rp, recorder_published, 1);
  connect_client (f, sub);
  subscribe (sub, rs, "behaviour/retained");
  RECORDER_WAIT (rs, recorder_messages, 1);
  g_assert_true (mqtt_message_get_retain (find (rs, "behaviour/retained")));
  disconnect (sub, rs);
  disconnect (pub, rp);
}

static void
test_will (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) watcher = new_client (f, NULL, TRUE);
  g_autoptr(Recorder) rw = recorder_new (watcher);
  MqttClient *dying = new_client (f, NULL, TRUE);

  connect_client (f, watcher);
  subscribe (watcher, rw, "behaviour/will");
  g_assert_true (mqtt_client_set_will (dying, "behaviour/will", (const guint8 *) "gone", -1, 1,
                                       FALSE, NULL));
  connect_client (f, dying);
  /* Gone without DISCONNECT. */
  g_object_unref (dying);
  RECORDER_WAIT (rw, recorder_messages, 1);
  g_assert_cmpstr (mqtt_message_get_topic (g_ptr_array_index (rw->messages, 0)), ==,
                   "behaviour/will");
  disconnect (watcher, rw);
}

static void
test_reconnect (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = new_client (f, "behaviour-reconnect", TRUE);
  g_autoptr(Recorder) r = recorder_new (client);

  connect_client (f, client);
  test_broker_stop (f->broker);
  RECORDER_WAIT (r, recorder_disconnected, 1);
  g_assert_cmpint (r->disconnect_rc, !=, 0);
  /* Queued while the broker is away, delivered after reconnecting. */
  g_assert_true (mqtt_client_publish (client, "behaviour/after", (const guint8 *) "x", 1, 1,
                                      FALSE, NULL, NULL));
  test_broker_start (f->broker);
  RECORDER_WAIT (r, recorder_connected, 2);
  subscribe (client, r, "behaviour/#");
  RECORDER_WAIT (r, recorder_published, 1);
  g_assert_true (mqtt_client_publish (client, "behaviour/again", (const guint8 *) "y", 1, 1,
                                      FALSE, NULL, NULL));
  RECORDER_WAIT (r, recorder_messages, 1);
  disconnect (client, r);
}

int
main (int argc, char *argv[])
{
  guint i;

  g_test_init (&argc, &argv, NULL);

  for (i = 0; i < G_N_ELEMENTS (transports); i++)
    {
      static const struct {
        const char *name;
        void (*fn) (Fixture *, gconstpointer);
      } tests[] = {
        { "qos", test_qos },
        { "retained", test_retained },
        { "will", test_will },
        { "reconnect", test_reconnect },
      };
      guint j;

      for (j = 0; j < G_N_ELEMENTS (tests); j++)
        {
          g_autofree char *path = g_strdup_printf ("/transports/%s/%s", transports[i].name,
                                                   tests[j].name);

          g_test_add (path, Fixture, &transports[i], setup, tests[j].fn, teardown);
        }
    }
  return g_test_run ();
}
