/* The one-shot helpers (Paho's publish.single/multiple and
 * subscribe.simple/callback) against mosquitto. */

#include "config.h"

#include <string.h>

#include "recorder.h"
#include "test-common.h"

/* @PORT1@ TLS, @PORT2@ WebSockets. */
#define HELPERS_CONFIG                                                        \
  "listener @PORT1@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "listener @PORT2@ 127.0.0.1\nprotocol websockets\n"

typedef struct {
  TestBroker *broker;
  MqttClient *watcher;     /* subscribed to "h/#", to see what the helpers publish */
  Recorder *seen;
} Fixture;

static MqttClient *
connected_client (TestBroker *broker)
{
  g_autoptr(GError) error = NULL;
  MqttClient *client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, &error);

  g_assert_no_error (error);
  mqtt_client_set_auto_reconnect (client, FALSE);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                test_broker_get_port (broker), 60, NULL,
                                                &error));
  g_assert_no_error (error);
  return client;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->broker = test_broker_new (HELPERS_CONFIG);
  f->watcher = connected_client (f->broker);
  f->seen = recorder_new (f->watcher);
  g_assert_true (mqtt_client_subscribe (f->watcher, "h/#", MQTT_QOS_EXACTLY_ONCE, NULL, &error));
  g_assert_no_error (error);
  RECORDER_WAIT (f->seen, recorder_subscribed, 1);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  recorder_free (f->seen);
  mqtt_client_disconnect_from_broker (f->watcher, NULL);
  g_object_unref (f->watcher);
  test_broker_free (f->broker);
}

static MqttSettings *
options_for (Fixture *f)
{
  return mqtt_settings_new ("127.0.0.1", test_broker_get_port (f->broker));
}

static MqttMessage *
seen_message (Fixture *f, guint i)
{
  return g_ptr_array_index (f->seen->messages, i);
}

static void
assert_payload (MqttMessage *message, const void *data, gsize length)
{
  gsize got_length = 0;
  const void *got = g_bytes_get_data (mqtt_message_get_payload (message), &got_length);

  g_assert_cmpmem (got, got_length, data, length);
}

/* publish.single() with every QoS, a binary payload and the retain flag. */
static void
test_publish_single (Fixture *f, gconstpointer data)
{
  static const guint8 binary[] = { 0, 1, 2, 0xff, 0xfe, 0, '\n', 0x80 };
  g_autoptr(MqttSettings) options = options_for (f);
  g_autoptr(GBytes) payload = g_bytes_new_static (binary, sizeof binary);
  g_autoptr(GError) error = NULL;
  guint qos;

  for (qos = 0; qos <= 2; qos++)
    {
      g_autofree char *topic = g_strdup_printf ("h/single/%u", qos);

      g_assert_true (mqtt_publish_single (topic, payload, qos, FALSE, options, NULL, &error));
      g_assert_no_error (error);
      RECORDER_WAIT (f->seen, recorder_messages, qos + 1);
      g_assert_cmpstr (mqtt_message_get_topic (seen_message (f, qos)), ==, topic);
      g_assert_cmpint (mqtt_message_get_qos (seen_message (f, qos)), ==, qos);
      assert_payload (seen_message (f, qos), binary, sizeof binary);
    }

  /* A NULL GBytes is the empty payload (retained: it clears the topic). */
  g_assert_true (mqtt_publish_single ("h/kept", NULL, MQTT_QOS_AT_LEAST_ONCE, TRUE, options, NULL, &error));
  g_assert_no_error (error);
  RECORDER_WAIT (f->seen, recorder_messages, 4);
  g_assert_cmpuint (g_bytes_get_size (mqtt_message_get_payload (seen_message (f, 3))), ==, 0);
}

/* publish.multiple(): every message, in order, with its own QoS and retain
 * flag; retained ones reach a later subscriber. */
static void
test_publish_multiple (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttSettings) options = options_for (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (
    (GDestroyNotify) mqtt_message_unref);
  g_autoptr(MqttClient) late = NULL;
  g_autoptr(Recorder) late_seen = NULL;
  guint i;

  for (i = 0; i < 30; i++)
    {
      g_autofree char *topic = g_strdup_printf ("h/multi/%u", i % 3);
      g_autofree char *text = g_strdup_printf ("message %u", i);
      g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));

      g_ptr_array_add (messages, mqtt_message_new (topic, payload, i % 3, i == 29));
    }
  g_assert_true (mqtt_publish_multiple ((MqttMessage **) messages->pdata, messages->len, options,
                                        NULL, &error));
  g_assert_no_error (error);

  /* Each topic keeps its order; the watcher subscribed with QoS 2 gets each
   * at its own QoS. */
  RECORDER_WAIT (f->seen, recorder_messages, 30);
  for (i = 0; i < 3; i++)
    {
      g_autofree char *topic = g_strdup_printf ("h/multi/%u", i);
      guint expected = i, j;

      for (j = 0; j < 30; j++)
        {
          MqttMessage *message = seen_message (f, j);
          g_autofree char *text = g_strdup_printf ("message %u", expected);

          if (g_strcmp0 (mqtt_message_get_topic (message), topic) != 0)
            continue;
          g_assert_cmpint (mqtt_message_get_qos (message), ==, i);
          assert_payload (message, text, strlen (text));
          expected += 3;
        }
      g_assert_cmpuint (expected, ==, 30 + i);
    }

  late = connected_client (f->broker);
  late_seen = recorder_new (late);
  g_assert_true (mqtt_client_subscribe (late, "h/multi/#", MQTT_QOS_AT_MOST_ONCE, NULL, &error));
  RECORDER_WAIT (late_seen, recorder_messages, 1);
  g_assert_true (mqtt_message_get_retain (g_ptr_array_index (late_seen->messages, 0)));
  assert_payload (g_ptr_array_index (late_seen->messages, 0), "message 29", 10);
  mqtt_client_disconnect_from_broker (late, NULL);

  /* No message at all is a connection and a clean disconnection. */
  g_assert_true (mqtt_publish_multiple (NULL, 0, options, NULL, &error));
  g_assert_no_error (error);
}

typedef struct {
  GAsyncResult *result;
} Wait;

static void
got_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return ((Wait *) data)->result != NULL;
}

/* Publishes @text on @topic every 20 ms until @wait has a result: live
 * messages for a subscriber whose subscription time is unknown. */
static void
feed_until_done (Fixture *f, Wait *wait, const char *topic)
{
  guint i;

  for (i = 0; wait->result == NULL; i++)
    {
      g_autofree char *text = g_strdup_printf ("live %u", i);

      g_assert_cmpuint (i, <, 500);
      mqtt_client_publish (f->watcher, topic, (const guint8 *) text, -1, MQTT_QOS_AT_LEAST_ONCE, FALSE,
                           NULL, NULL);
      test_run_for (20);
    }
}

/* subscribe.simple(): retained messages count only when asked. */
static void
test_subscribe_simple (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttSettings) options = options_for (f);
  g_autoptr(GError) error = NULL;
  const char *topics[] = { "h/simple/a", "h/simple/b" };
  g_autoptr(GBytes) a = g_bytes_new_static ("retained a", 10);
  g_autoptr(GBytes) b = g_bytes_new_static ("retained b", 10);
  MqttMessage **messages;
  Wait wait = { NULL };
  gsize n = 99, i;

  g_assert_true (mqtt_publish_single ("h/simple/a", a, MQTT_QOS_AT_LEAST_ONCE, TRUE, options, NULL, &error));
  g_assert_true (mqtt_publish_single ("h/simple/b", b, MQTT_QOS_AT_LEAST_ONCE, TRUE, options, NULL, &error));
  g_assert_no_error (error);

  /* retained=TRUE: the two retained messages are enough. */
  messages = mqtt_subscribe_simple (topics, 2, MQTT_QOS_AT_LEAST_ONCE, 2, TRUE, options, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  for (i = 0; i < n; i++)
    g_assert_true (mqtt_message_get_retain (messages[i]));
  g_assert_cmpstr (mqtt_message_get_topic (messages[0]), !=,
                   mqtt_message_get_topic (messages[1]));
  for (i = 0; i < n; i++)
    mqtt_message_unref (messages[i]);
  g_free (messages);

  /* retained=FALSE (Paho's default): they are skipped and live ones wait. */
  mqtt_subscribe_simple_async (topics, 2, MQTT_QOS_EXACTLY_ONCE, 3, FALSE, options, NULL, got_result, &wait);
  feed_until_done (f, &wait, "h/simple/b");
  messages = mqtt_subscribe_simple_finish (wait.result, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 3);
  for (i = 0; i < n; i++)
    {
      g_assert_false (mqtt_message_get_retain (messages[i]));
      g_assert_true (g_str_has_prefix (g_bytes_get_data (mqtt_message_get_payload (messages[i]),
                                                         NULL),
                                       "live "));
      mqtt_message_unref (messages[i]);
    }
  g_free (messages);
  g_object_unref (wait.result);
}

typedef struct {
  guint count;
  guint stop_at;
  GCancellable *cancellable;
  char *last;
} Counter;

static void
count_message (MqttClient *client, MqttMessage *message, gpointer user_data)
{
  Counter *counter = user_data;

  g_assert_true (MQTT_IS_CLIENT (client));
  g_free (counter->last);
  counter->last = g_strndup (g_bytes_get_data (mqtt_message_get_payload (message), NULL),
                             g_bytes_get_size (mqtt_message_get_payload (message)));
  if (++counter->count == counter->stop_at)
    {
      if (counter->cancellable)
        g_cancellable_cancel (counter->cancellable);
      else
        mqtt_client_disconnect_from_broker (client, NULL);
    }
}

/* subscribe.callback(): every message, retained included, until the
 * callback disconnects the client or the cancellable stops it. */
static void
test_subscribe_callback (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttSettings) options = options_for (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) kept = g_bytes_new_static ("kept", 4);
  const char *topics[] = { "h/cb/#" };
  Counter counter = { 0, 4, NULL, NULL };
  Wait wait = { NULL };

  g_assert_true (mqtt_publish_single ("h/cb/kept", kept, MQTT_QOS_AT_MOST_ONCE, TRUE, options, NULL,
                                      &error));
  mqtt_subscribe_callback_async (count_message, &counter, NULL, topics, 1, MQTT_QOS_AT_LEAST_ONCE, options,
                                 NULL, got_result, &wait);
  feed_until_done (f, &wait, "h/cb/live");
  g_assert_true (mqtt_subscribe_callback_finish (wait.result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counter.count, ==, 4);
  g_clear_object (&wait.result);

  /* Stopped by its cancellable instead. */
  counter.count = 0;
  counter.stop_at = 2;
  counter.cancellable = g_cancellable_new ();
  mqtt_subscribe_callback_async (count_message, &counter, NULL, topics, 1, MQTT_QOS_AT_MOST_ONCE, options,
                                 counter.cancellable, got_result, &wait);
  feed_until_done (f, &wait, "h/cb/live");
  g_assert_true (mqtt_subscribe_callback_finish (wait.result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counter.count, ==, 2);
  g_clear_object (&wait.result);
  g_object_unref (counter.cancellable);
  g_free (counter.last);
}

/* subscribe.callback() renews its subscription when the broker comes back. */
static void
test_subscribe_callback_reconnects (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttSettings) options = options_for (f);
  g_autoptr(GError) error = NULL;
  const char *topics[] = { "h/again" };
  Counter counter = { 0, 0, NULL, NULL };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Wait wait = { NULL };
  guint before, tries = 0;

  counter.stop_at = G_MAXUINT;
  mqtt_subscribe_callback_async (count_message, &counter, NULL, topics, 1, MQTT_QOS_AT_LEAST_ONCE, options,
                                 cancellable, got_result, &wait);
  while (counter.count == 0)
    {
      g_assert_cmpuint (tries++, <, 500);
      mqtt_client_publish (f->watcher, "h/again", (const guint8 *) "one", -1, MQTT_QOS_AT_MOST_ONCE, FALSE,
                           NULL, NULL);
      test_run_for (20);
    }

  /* The broker restarts without its state: the subscription is gone unless
   * the helper makes it again. */
  recorder_free (f->seen);
  mqtt_client_disconnect_from_broker (f->watcher, NULL);
  g_clear_object (&f->watcher);
  test_broker_kill (f->broker);
  test_run_for (100);
  test_broker_start (f->broker);
  f->watcher = connected_client (f->broker);
  f->seen = recorder_new (f->watcher);

  before = counter.count;
  while (counter.count == before || g_strcmp0 (counter.last, "two") != 0)
    {
      g_assert_null (wait.result);
      g_assert_cmpuint (tries++, <, 500);
      mqtt_client_publish (f->watcher, "h/again", (const guint8 *) "two", -1, MQTT_QOS_AT_MOST_ONCE, FALSE,
                           NULL, NULL);
      test_run_for (50);
    }
  g_cancellable_cancel (cancellable);
  TEST_WAIT_FOR (has_result, &wait, 5000);
  g_assert_true (mqtt_subscribe_callback_finish (wait.result, &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);
  g_free (counter.last);
}

/* Bad arguments fail at once, before any connection. */
static void
test_bad_arguments (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttSettings) options = options_for (f);
  g_autoptr(MqttMessage) wildcard = mqtt_message_new ("h/+", NULL, MQTT_QOS_AT_MOST_ONCE, FALSE);
  g_autoptr(MqttMessage) good = mqtt_message_new ("h/ok", NULL, MQTT_QOS_AT_MOST_ONCE, FALSE);
  MqttMessage *both[] = { good, wildcard };
  const char *bad_filters[] = { "h/#/x" };
  const char *good_filters[] = { "h/x" };
  GError *error = NULL;
  gsize n = 7;

  g_assert_false (mqtt_publish_single ("h/#", NULL, MQTT_QOS_AT_MOST_ONCE, FALSE, options, NULL, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_false (mqtt_publish_single ("", NULL, MQTT_QOS_AT_MOST_ONCE, FALSE, options, NULL, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_false (mqtt_publish_single ("h/q", NULL, 3, FALSE, options, NULL, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);

  /* One bad message: none is published. */
  g_assert_false (mqtt_publish_multiple (both, 2, options, NULL, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);

  g_assert_null (mqtt_subscribe_simple (bad_filters, 1, MQTT_QOS_AT_MOST_ONCE, 1, FALSE, options, &n, NULL,
                                        &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_assert_cmpuint (n, ==, 0);
  g_clear_error (&error);
  g_assert_null (mqtt_subscribe_simple (good_filters, 0, MQTT_QOS_AT_MOST_ONCE, 1, FALSE, options, &n, NULL,
                                        &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_null (mqtt_subscribe_simple (good_filters, 1, 3, 1, FALSE, options, &n, NULL,
                                        &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_false (mqtt_subscribe_callback (count_message, NULL, bad_filters, 1, MQTT_QOS_AT_MOST_ONCE,
                                           options, NULL, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);

  test_run_for (100);
  g_assert_cmpuint (recorder_messages (f->seen), ==, 0);
}

/* The broker refuses: the CONNACK code is the error. */
static void
test_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(TestBroker) locked = test_broker_new ("allow_anonymous false\npassword_file "
                                                  MQTT_TEST_PASSWORD_FILE "\n");
  g_autoptr(MqttSettings) options = mqtt_settings_new (
    "127.0.0.1", test_broker_get_port (locked));
  g_autoptr(GError) error = NULL;
  const char *topics[] = { "h/x" };
  gsize n;

  mqtt_settings_set_auth (options, "alice", "wrong");
  g_assert_false (mqtt_publish_single ("h/x", NULL, MQTT_QOS_AT_LEAST_ONCE, FALSE, options, NULL, &error));
  g_assert_true (error->domain == MQTT_ERROR &&
                 (error->code == MQTT_ERROR_REFUSED_NOT_AUTHORIZED ||
                  error->code == MQTT_ERROR_REFUSED_BAD_USERNAME_PASSWORD));
  g_clear_error (&error);
  g_assert_null (mqtt_subscribe_simple (topics, 1, MQTT_QOS_AT_MOST_ONCE, 1, FALSE, options, &n, NULL,
                                        &error));
  g_assert_true (error->domain == MQTT_ERROR);
  g_clear_error (&error);

  /* The right password passes. */
  mqtt_settings_set_auth (options, "alice", "s3cret");
  g_assert_true (mqtt_publish_single ("h/x", NULL, MQTT_QOS_AT_LEAST_ONCE, FALSE, options, NULL, &error));
  g_assert_no_error (error);

  /* Nobody listening. */
  g_object_set (options, "port", (guint) test_free_port (), NULL);
  g_assert_false (mqtt_publish_single ("h/x", NULL, MQTT_QOS_AT_MOST_ONCE, FALSE, options, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (200 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

/* A cancellable bounds a helper in time, blocking or not. */
static void
test_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttSettings) options = options_for (f);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  const char *topics[] = { "h/nothing" };
  GThread *thread;
  Wait wait = { NULL };
  gint64 start;
  gsize n;

  thread = g_thread_new ("cancel", cancel_later, cancellable);
  start = g_get_monotonic_time ();
  g_assert_null (mqtt_subscribe_simple (topics, 1, MQTT_QOS_AT_MOST_ONCE, 1, FALSE, options, &n,
                                        cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_thread_join (thread);
  g_clear_error (&error);

  /* Cancelled before it starts. */
  g_assert_false (mqtt_publish_single ("h/x", NULL, MQTT_QOS_AT_MOST_ONCE, FALSE, options, cancellable,
                                       &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Cancelled while it connects (a broker that never answers). */
  g_cancellable_reset (cancellable);
  {
    g_autoptr(GSocketListener) silent = g_socket_listener_new ();
    guint16 port = g_socket_listener_add_any_inet_port (silent, NULL, &error);

    g_assert_no_error (error);
    g_object_set (options, "host", "127.0.0.1", "port", (guint) port, NULL);
    mqtt_publish_single_async ("h/x", NULL, MQTT_QOS_AT_LEAST_ONCE, FALSE, options, cancellable, got_result,
                               &wait);
    test_run_for (100);
    g_assert_null (wait.result);
    g_cancellable_cancel (cancellable);
    TEST_WAIT_FOR (has_result, &wait, 5000);
    g_assert_false (mqtt_publish_single_finish (wait.result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_object_unref (wait.result);
  }
}

/* TLS and WebSockets through the options; a TLS failure is a G_TLS_ERROR. */
static void
test_transports (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttSettings) options = options_for (f);
  g_autoptr(GError) error = NULL;
  g_autofree char *ca = g_build_filename (test_certs_dir (), "ca.crt", NULL);
  g_autofree char *other_ca = g_build_filename (test_certs_dir (), "other-ca.crt", NULL);
  g_autoptr(GBytes) payload = g_bytes_new_static ("via", 3);

  g_object_set (options, "port", test_broker_get_extra_port (f->broker, 1), NULL);
  mqtt_settings_set_tls (options, ca, NULL, NULL);
  g_assert_true (mqtt_publish_single ("h/tls", payload, MQTT_QOS_AT_LEAST_ONCE, FALSE, options, NULL,
                                      &error));
  g_assert_no_error (error);
  RECORDER_WAIT (f->seen, recorder_messages, 1);
  g_assert_cmpstr (mqtt_message_get_topic (seen_message (f, 0)), ==, "h/tls");

  mqtt_settings_set_tls (options, other_ca, NULL, NULL);
  g_assert_false (mqtt_publish_single ("h/tls", payload, MQTT_QOS_AT_LEAST_ONCE, FALSE, options, NULL,
                                       &error));
  g_assert_nonnull (error);
  g_assert_true (error->domain == G_TLS_ERROR);
  g_clear_error (&error);

  /* Plaintext again: the CA must go too, or TLS stays on. */
  g_object_set (options, "tls", FALSE, "transport", MQTT_TRANSPORT_WEBSOCKETS, "port",
                test_broker_get_extra_port (f->broker, 2), NULL);
  g_assert_false (mqtt_publish_single ("h/ws", payload, MQTT_QOS_EXACTLY_ONCE, FALSE, options, NULL,
                                       &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_object_set (options, "ca-certs", NULL, NULL);
  g_assert_true (mqtt_publish_single ("h/ws", payload, MQTT_QOS_EXACTLY_ONCE, FALSE, options, NULL,
                                      &error));
  g_assert_no_error (error);
  RECORDER_WAIT (f->seen, recorder_messages, 2);
  g_assert_cmpstr (mqtt_message_get_topic (seen_message (f, 1)), ==, "h/ws");
}

/* Every option reaches the client. */
static void
test_options (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttSettings) options = mqtt_settings_new (NULL, 0);
  g_autoptr(GBytes) will = g_bytes_new_static ("gone", 4);
  g_autoptr(MqttClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hostname = NULL, *ws_path = NULL;
  guint port, keepalive;
  MqttProtocolVersion protocol;

  g_object_get (options, "host", &hostname, "port", &port, "keepalive", &keepalive,
                "protocol-version", &protocol, NULL);
  g_assert_cmpstr (hostname, ==, "localhost");
  g_assert_cmpuint (port, ==, 0);
  g_assert_cmpuint (mqtt_settings_get_port (options), ==, 1883);
  g_assert_cmpuint (keepalive, ==, 60);
  g_assert_cmpint (protocol, ==, MQTT_PROTOCOL_V311);
  g_clear_pointer (&hostname, g_free);
  g_object_set (options, "host", "broker.example", NULL);
  g_object_set (options, "host", NULL, NULL);
  g_object_get (options, "host", &hostname, NULL);
  g_assert_cmpstr (hostname, ==, "localhost");

  g_object_set (options, "client-id", "helper-1", "protocol-version", MQTT_PROTOCOL_V31,
                "transport", MQTT_TRANSPORT_WEBSOCKETS, "ws-path", "/ws", NULL);
  mqtt_settings_set_will (options, "h/will", will, MQTT_QOS_AT_LEAST_ONCE, TRUE);
  mqtt_settings_set_auth (options, "bob", NULL);
  client = mqtt_settings_create_client (options, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mqtt_client_get_client_id (client), ==, "helper-1");
  g_assert_cmpint (mqtt_client_get_protocol_version (client), ==, MQTT_PROTOCOL_V31);
  g_assert_cmpint (mqtt_client_get_transport (client), ==, MQTT_TRANSPORT_WEBSOCKETS);
  g_assert_cmpstr (mqtt_client_get_username (client), ==, "bob");
  g_object_get (client, "ws-path", &ws_path, NULL);
  g_assert_cmpstr (ws_path, ==, "/ws");
  g_clear_object (&client);

  /* A will with a bad topic, and TLS settings GIO cannot honour, are errors
   * of making the client. */
  mqtt_settings_set_will (options, "h/+", will, MQTT_QOS_AT_LEAST_ONCE, TRUE);
  g_assert_null (mqtt_settings_create_client (options, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);
  g_object_set (options, "will-topic", NULL, "tls", TRUE, "ciphers", "AES256", NULL);
  g_assert_null (mqtt_settings_create_client (options, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
}

typedef struct {
  guint16 port;
  GError *error;
} ThreadRun;

static gpointer
publish_in_thread (gpointer data)
{
  ThreadRun *run = data;
  g_autoptr(MqttSettings) options = mqtt_settings_new ("127.0.0.1", run->port);
  g_autoptr(GBytes) payload = g_bytes_new_static ("threaded", 8);
  guint i;

  for (i = 0; i < 5 && run->error == NULL; i++)
    mqtt_publish_single ("h/thread", payload, MQTT_QOS_EXACTLY_ONCE, FALSE, options, NULL, &run->error);
  return NULL;
}

/* The blocking forms work in any thread, beside a running main loop. */
static void
test_threads (Fixture *f, gconstpointer data)
{
  ThreadRun runs[2] = { { test_broker_get_port (f->broker), NULL },
                        { test_broker_get_port (f->broker), NULL } };
  GThread *threads[2];
  guint i;

  for (i = 0; i < 2; i++)
    threads[i] = g_thread_new ("helper", publish_in_thread, &runs[i]);
  RECORDER_WAIT (f->seen, recorder_messages, 10);
  for (i = 0; i < 2; i++)
    {
      g_thread_join (threads[i]);
      g_assert_no_error (runs[i].error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/helpers/publish-single", test_publish_single);
  ADD ("/helpers/publish-multiple", test_publish_multiple);
  ADD ("/helpers/subscribe-simple", test_subscribe_simple);
  ADD ("/helpers/subscribe-callback", test_subscribe_callback);
  ADD ("/helpers/subscribe-callback-reconnects", test_subscribe_callback_reconnects);
  ADD ("/helpers/bad-arguments", test_bad_arguments);
  ADD ("/helpers/refused", test_refused);
  ADD ("/helpers/cancelled", test_cancelled);
  ADD ("/helpers/transports", test_transports);
  ADD ("/helpers/options", test_options);
  ADD ("/helpers/threads", test_threads);
#undef ADD
  return g_test_run ();
}
