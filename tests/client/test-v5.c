/* MqttClient at MQTT 5: behaviour against mosquitto 2.0 (properties end to
 * end, subscription options, shared subscriptions, topic aliases, message
 * and session expiry, the broker's limits, will delay, session take-over,
 * reasons in DISCONNECT, request and response), the broker-independent of
 * them again against ejabberd's mod_mqtt (/v5/ejabberd/...), and against the
 * scripted broker what no broker can be made to do (an AUTH challenge and
 * response, a DISCONNECT from the broker with a Server Reference, a
 * protocol error answered with its reason code). */

#include "config.h"

#include <string.h>

#include <mqtt-glib/mqtt-glib.h>

#include "ejabberd.h"
#include "test-common.h"

#define WAIT_MS 10000

/* What one client saw, from the level-5 signals. */
typedef struct {
  MqttClient *client;
  GPtrArray *messages;        /* MqttMessage */
  guint connected;
  gint connect_reason;
  gboolean session_present;
  MqttProperties *connack_props;
  guint published;
  gint publish_reason;
  guint subscribed;
  GArray *sub_codes;
  guint unsubscribed;
  GArray *unsub_codes;
  guint disconnected;
  gint disconnect_reason;
  MqttProperties *disconnect_props;
  GError *disconnect_error;
  guint connect_failed;
} Seen;

static void
on_connected (MqttClient *client, gboolean session_present, MqttReasonCode reason,
              MqttProperties *props, Seen *seen)
{
  seen->connected++;
  seen->session_present = session_present;
  seen->connect_reason = reason;
  g_clear_pointer (&seen->connack_props, mqtt_properties_unref);
  if (props)
    seen->connack_props = mqtt_properties_ref (props);
}

static void
on_message (MqttClient *client, MqttMessage *message, Seen *seen)
{
  g_ptr_array_add (seen->messages, mqtt_message_ref (message));
}

static void
on_published (MqttClient *client, guint mid, MqttReasonCode reason, MqttProperties *props,
              Seen *seen)
{
  seen->published++;
  seen->publish_reason = reason;
}

static void
on_subscribed (MqttClient *client, guint mid, GArray *codes, MqttProperties *props, Seen *seen)
{
  seen->subscribed++;
  g_clear_pointer (&seen->sub_codes, g_array_unref);
  seen->sub_codes = g_array_ref (codes);
}

static void
on_unsubscribed (MqttClient *client, guint mid, GArray *codes, MqttProperties *props,
                 Seen *seen)
{
  seen->unsubscribed++;
  g_clear_pointer (&seen->unsub_codes, g_array_unref);
  seen->unsub_codes = g_array_ref (codes);
}

static void
on_disconnected (MqttClient *client, MqttReasonCode reason, MqttProperties *props,
                 const GError *error, Seen *seen)
{
  seen->disconnected++;
  seen->disconnect_reason = reason;
  g_clear_pointer (&seen->disconnect_props, mqtt_properties_unref);
  if (props)
    seen->disconnect_props = mqtt_properties_ref (props);
  g_clear_error (&seen->disconnect_error);
  if (error)
    seen->disconnect_error = g_error_copy (error);
}

static void
on_connect_failed (MqttClient *client, const GError *error, Seen *seen)
{
  seen->connect_failed++;
}

static Seen *
seen_new (MqttClient *client)
{
  Seen *seen = g_new0 (Seen, 1);

  seen->client = g_object_ref (client);
  seen->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) mqtt_message_unref);
  g_signal_connect (client, "connected-v5", G_CALLBACK (on_connected), seen);
  g_signal_connect (client, "message", G_CALLBACK (on_message), seen);
  g_signal_connect (client, "published-v5", G_CALLBACK (on_published), seen);
  g_signal_connect (client, "subscribed-v5", G_CALLBACK (on_subscribed), seen);
  g_signal_connect (client, "unsubscribed-v5", G_CALLBACK (on_unsubscribed), seen);
  g_signal_connect (client, "disconnected-v5", G_CALLBACK (on_disconnected), seen);
  g_signal_connect (client, "connect-failed", G_CALLBACK (on_connect_failed), seen);
  return seen;
}

static void
seen_free (Seen *seen)
{
  g_signal_handlers_disconnect_by_data (seen->client, seen);
  g_object_unref (seen->client);
  g_ptr_array_unref (seen->messages);
  g_clear_pointer (&seen->connack_props, mqtt_properties_unref);
  g_clear_pointer (&seen->disconnect_props, mqtt_properties_unref);
  g_clear_pointer (&seen->sub_codes, g_array_unref);
  g_clear_pointer (&seen->unsub_codes, g_array_unref);
  g_clear_error (&seen->disconnect_error);
  g_free (seen);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Seen, seen_free)

/* Waits until a Seen has @n messages. */
typedef struct {
  guint *counter;
  guint n;
} Until;

static gboolean
messages_reached (gpointer data)
{
  Until *u = data;

  return ((GPtrArray *) u->counter)->len >= u->n;
}

static void
wait_messages (Seen *seen, guint n)
{
  Until u = { (guint *) seen->messages, n };

  test_wait_until_full (messages_reached, &u, WAIT_MS, "messages");
}

/* A mosquitto of the test's own (the data is its extra configuration), or
 * the ejabberd node the tests share (EJABBERD). */
typedef struct {
  TestBroker *broker;
  guint16 port;
  gboolean login;
} Fixture;

static const char EJABBERD[] = "ejabberd";
static TestEjabberd *ejabberd;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  if (data != EJABBERD)
    {
      f->broker = test_broker_new (data);
      f->port = test_broker_get_port (f->broker);
      return;
    }
  if (ejabberd == NULL)
    ejabberd = test_ejabberd_new ();
  f->port = test_ejabberd_get_port (ejabberd);
  f->login = TRUE;
}

static void
skip_ejabberd (gconstpointer why_not)
{
  g_test_skip (why_not);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->broker)
    test_broker_free (f->broker);
}

static MqttClient *
client_v5 (const char *id, gboolean clean_start, MqttProperties *connect_props)
{
  g_autoptr(GError) error = NULL;
  MqttClient *client = mqtt_client_new (id, clean_start, MQTT_PROTOCOL_V5, &error);

  g_assert_no_error (error);
  if (connect_props)
    g_assert_true (mqtt_client_set_connect_properties (client, connect_props, &error));
  g_assert_no_error (error);
  return client;
}

static void
connect_and_wait (Fixture *f, MqttClient *client, Seen *seen)
{
  g_autoptr(GError) error = NULL;
  guint before = seen->connected;

  if (f->login)
    mqtt_client_set_credentials (client, TEST_EJABBERD_USER, TEST_EJABBERD_PASSWORD);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1", f->port, 60, NULL,
                                                &error));
  g_assert_no_error (error);
  test_wait_count (&seen->connected, before + 1, WAIT_MS);
  g_assert_cmpint (seen->connect_reason, ==, MQTT_REASON_CODE_SUCCESS);
}

static void
subscribe_wait (MqttClient *client, Seen *seen, const char *filter, MqttQos qos,
                MqttSubscribeFlags options, MqttProperties *props)
{
  g_autoptr(GError) error = NULL;
  const char *filters[] = { filter };
  guint before = seen->subscribed;

  g_assert_true (mqtt_client_subscribe_with_options (client, filters, &qos, 1, options, props,
                                                     NULL, &error));
  g_assert_no_error (error);
  test_wait_count (&seen->subscribed, before + 1, WAIT_MS);
}

static void
publish (MqttClient *client, const char *topic, const char *payload, MqttQos qos,
         gboolean retain, MqttProperties *props)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (payload, strlen (payload));

  g_assert_true (mqtt_client_publish_with_properties (client, topic, bytes, qos, retain, props,
                                                      NULL, &error));
  g_assert_no_error (error);
}

static void
disconnect_wait (MqttClient *client, Seen *seen)
{
  guint before = seen->disconnected;

  g_assert_true (mqtt_client_disconnect_from_broker (client, NULL));
  test_wait_count (&seen->disconnected, before + 1, WAIT_MS);
}

/* ------------------------------------------------------------------------ */

/* Properties travel end to end, and a Subscription Identifier comes back
 * with each message. */
static void
test_properties_end_to_end (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen = seen_new (client);
  g_autoptr(MqttProperties) sub = mqtt_properties_new ();
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(GBytes) correlation = g_bytes_new ("\x01\x02", 2);
  g_autofree guint32 *ids = NULL;
  MqttProperties *got;
  gsize n_ids = 0;
  guint8 format = 0;
  guint32 expiry = 0;

  connect_and_wait (f, client, seen);
  g_assert_nonnull (seen->connack_props);
  mqtt_properties_add_subscription_identifier (sub, 42);
  subscribe_wait (client, seen, "props/#", 1, 0, sub);
  g_assert_cmpint (g_array_index (seen->sub_codes, int, 0), ==, 1);

  mqtt_properties_set_content_type (props, "application/json");
  mqtt_properties_set_response_topic (props, "props/reply");
  mqtt_properties_set_correlation_data (props, correlation);
  mqtt_properties_set_payload_format_indicator (props, 1);
  mqtt_properties_set_message_expiry_interval (props, 100);
  mqtt_properties_add_user_property (props, "a", "1");
  mqtt_properties_add_user_property (props, "a", "2");
  publish (client, "props/t", "{}", 1, FALSE, props);
  wait_messages (seen, 1);
  test_wait_count (&seen->published, 1, WAIT_MS);
  g_assert_cmpint (seen->publish_reason, ==, 0);

  got = mqtt_message_get_properties (g_ptr_array_index (seen->messages, 0));
  g_assert_nonnull (got);
  g_assert_cmpstr (mqtt_properties_get_content_type (got), ==, "application/json");
  g_assert_cmpstr (mqtt_properties_get_response_topic (got), ==, "props/reply");
  g_assert_true (g_bytes_equal (mqtt_properties_get_correlation_data (got), correlation));
  g_assert_true (mqtt_properties_get_payload_format_indicator (got, &format));
  g_assert_cmpuint (format, ==, 1);
  g_assert_true (mqtt_properties_get_message_expiry_interval (got, &expiry));
  g_assert_cmpuint (expiry, <=, 100);
  g_assert_cmpuint (mqtt_properties_get_n_user_properties (got), ==, 2);
  ids = mqtt_properties_get_subscription_identifiers (got, &n_ids);
  g_assert_cmpuint (n_ids, ==, 1);
  g_assert_cmpuint (ids[0], ==, 42);
  disconnect_wait (client, seen);
  g_assert_cmpint (seen->disconnect_reason, ==, 0);
}

/* No Local, Retain As Published and Retain Handling. */
static void
test_subscription_options (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = client_v5 (NULL, TRUE, NULL);
  g_autoptr(MqttClient) other = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen = seen_new (client);
  g_autoptr(Seen) other_seen = seen_new (other);
  MqttMessage *m;

  connect_and_wait (f, client, seen);
  connect_and_wait (f, other, other_seen);

  /* No Local: our own messages do not come back; another's do. */
  subscribe_wait (client, seen, "opt/local", 1, MQTT_SUBSCRIBE_FLAGS_NO_LOCAL, NULL);
  publish (client, "opt/local", "mine", 1, FALSE, NULL);
  publish (other, "opt/local", "theirs", 1, FALSE, NULL);
  wait_messages (seen, 1);
  test_run_for (200);
  g_assert_cmpuint (seen->messages->len, ==, 1);
  m = g_ptr_array_index (seen->messages, 0);
  g_assert_cmpmem (g_bytes_get_data (mqtt_message_get_payload (m), NULL), 6, "theirs", 6);
  g_ptr_array_set_size (seen->messages, 0);

  /* A retained message: sent at every subscription by default, never with
   * NO_RETAINED, only to a new subscription with RETAINED_IF_NEW. */
  publish (other, "opt/kept", "r", 1, TRUE, NULL);
  test_wait_count (&other_seen->published, 2, WAIT_MS);
  subscribe_wait (client, seen, "opt/kept", 1, MQTT_SUBSCRIBE_FLAGS_NO_RETAINED, NULL);
  test_run_for (300);
  g_assert_cmpuint (seen->messages->len, ==, 0);
  subscribe_wait (client, seen, "opt/kept/#", 1, MQTT_SUBSCRIBE_FLAGS_RETAINED_IF_NEW, NULL);
  wait_messages (seen, 1);
  subscribe_wait (client, seen, "opt/kept/#", 1, MQTT_SUBSCRIBE_FLAGS_RETAINED_IF_NEW, NULL);
  test_run_for (300);
  g_assert_cmpuint (seen->messages->len, ==, 1);
  g_ptr_array_set_size (seen->messages, 0);

  /* Retain As Published keeps the flag on live messages. */
  subscribe_wait (client, seen, "opt/rap", 1,
                  MQTT_SUBSCRIBE_FLAGS_RETAIN_AS_PUBLISHED | MQTT_SUBSCRIBE_FLAGS_NO_RETAINED,
                  NULL);
  subscribe_wait (client, seen, "opt/norap", 1, MQTT_SUBSCRIBE_FLAGS_NO_RETAINED, NULL);
  publish (other, "opt/rap", "x", 1, TRUE, NULL);
  wait_messages (seen, 1);
  m = g_ptr_array_index (seen->messages, 0);
  g_assert_true (mqtt_message_get_retain (m));
  publish (other, "opt/norap", "y", 1, TRUE, NULL);
  wait_messages (seen, 2);
  m = g_ptr_array_index (seen->messages, 1);
  g_assert_false (mqtt_message_get_retain (m));

  /* Options need MQTT 5. */
  {
    g_autoptr(MqttClient) v311 = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, NULL);
    g_autoptr(GError) error = NULL;
    const char *filters[] = { "x" };
    MqttQos qos = 0;

    g_assert_false (mqtt_client_subscribe_with_options (v311, filters, &qos, 1,
                                                        MQTT_SUBSCRIBE_FLAGS_NO_LOCAL, NULL, NULL,
                                                        &error));
    g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  }
}

static void
count_callback (MqttClient *client, MqttMessage *message, gpointer data)
{
  (*(guint *) data)++;
}

typedef struct {
  Seen *seen;
  guint *in_callback;
} SharedCount;

static gboolean
shared_all_arrived (gpointer data)
{
  SharedCount *shared = data;

  return shared->seen->messages->len + *shared->in_callback >= 40;
}

/* A shared subscription spreads a stream over its members; a per-filter
 * callback given the shared filter sees the messages. */
static void
test_shared_subscription (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) a = client_v5 (NULL, TRUE, NULL);
  g_autoptr(MqttClient) b = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen_a = seen_new (a);
  g_autoptr(Seen) seen_b = seen_new (b);
  g_autoptr(GError) error = NULL;
  const char *bad[] = { "$share//t", "$share/g+/t", "$share/g", "$share/g/" };
  guint in_callback = 0, i;
  SharedCount shared;
  guint8 available = 1;
  MqttQos qos = 1;

  connect_and_wait (f, a, seen_a);
  connect_and_wait (f, b, seen_b);
  /* A broker without them (ejabberd 23.01 says so in CONNACK): refused here,
   * with a clear error, nothing sent. */
  if (seen_a->connack_props &&
      mqtt_properties_get_shared_subscription_available (seen_a->connack_props, &available) &&
      !available)
    {
      const char *shared_filter[] = { "$share/g/share/#" };

      g_assert_false (mqtt_client_subscribe_with_options (a, shared_filter, &qos, 1, 0, NULL, NULL,
                                                          &error));
      g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
      return;
    }
  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (mqtt_client_subscribe_with_options (a, &bad[i], &qos, 1, 0, NULL, NULL,
                                                          &error));
      g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
      g_clear_error (&error);
    }
  g_assert_true (mqtt_client_message_callback_add (b, "$share/g/share/#", count_callback,
                                                   &in_callback, NULL, &error));
  subscribe_wait (a, seen_a, "$share/g/share/#", 1, 0, NULL);
  subscribe_wait (b, seen_b, "$share/g/share/#", 1, 0, NULL);
  for (i = 0; i < 40; i++)
    publish (a, "share/t", "x", 1, FALSE, NULL);
  shared.seen = seen_a;
  shared.in_callback = &in_callback;
  test_wait_until_full (shared_all_arrived, &shared, WAIT_MS, "all shared messages");
  test_run_for (200);
  /* Each message once, to one member; both got some. */
  g_assert_cmpuint (seen_a->messages->len + in_callback, ==, 40);
  g_assert_cmpuint (seen_a->messages->len, >, 0);
  g_assert_cmpuint (in_callback, >, 0);
  g_assert_cmpuint (seen_b->messages->len, ==, 0);
}

/* Outgoing topic aliases: the broker maps them back; bytes on the wire go
 * down (the benchmark measures how much). */
static void
test_topic_alias_out (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen = seen_new (client);
  g_autoptr(MqttProperties) explicit = mqtt_properties_new ();
  guint i;

  mqtt_client_set_outgoing_topic_aliases (client, 2);
  connect_and_wait (f, client, seen);
  subscribe_wait (client, seen, "alias/#", 0, 0, NULL);
  for (i = 0; i < 9; i++)
    publish (client, i % 3 == 0 ? "alias/a" : i % 3 == 1 ? "alias/b" : "alias/c", "x", 0, FALSE,
             NULL);
  mqtt_properties_set_topic_alias (explicit, 1);
  publish (client, "alias/d", "y", 1, FALSE, explicit);
  publish (client, "alias/d", "z", 1, FALSE, explicit);
  wait_messages (seen, 11);
  for (i = 0; i < 9; i++)
    g_assert_cmpstr (mqtt_message_get_topic (g_ptr_array_index (seen->messages, i)), ==,
                     i % 3 == 0 ? "alias/a" : i % 3 == 1 ? "alias/b" : "alias/c");
  g_assert_cmpstr (mqtt_message_get_topic (g_ptr_array_index (seen->messages, 10)), ==,
                   "alias/d");
}

/* The broker's Receive Maximum (mosquitto's max_inflight_messages): a
 * client that sent more would be disconnected with 0x93. */
static void
test_receive_maximum (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen = seen_new (client);
  guint16 receive_max = 0;
  guint i;

  mqtt_client_set_max_inflight_messages (client, 0);
  connect_and_wait (f, client, seen);
  g_assert_true (mqtt_properties_get_receive_maximum (seen->connack_props, &receive_max));
  g_assert_cmpuint (receive_max, ==, 2);
  subscribe_wait (client, seen, "rm/t", 2, 0, NULL);
  for (i = 0; i < 60; i++)
    publish (client, "rm/t", "x", 1 + i % 2, FALSE, NULL);
  wait_messages (seen, 60);
  test_wait_count (&seen->published, 60, WAIT_MS);
  g_assert_cmpuint (seen->disconnected, ==, 0);
}

/* The broker's limits, refused locally with a clear error. */
static void
test_broker_limits (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen = seen_new (client);
  g_autoptr(GBytes) big = g_bytes_new_take (g_malloc0 (500), 500);
  g_autoptr(GError) error = NULL;

  connect_and_wait (f, client, seen);
  g_assert_false (mqtt_client_publish_with_properties (client, "lim/t", big, 0, FALSE, NULL, NULL,
                                                       &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE);
  g_clear_error (&error);
  g_assert_false (mqtt_client_publish (client, "lim/t", (const guint8 *) "x", 1, 2, FALSE, NULL,
                                       &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (mqtt_client_publish (client, "lim/t", (const guint8 *) "x", 1, 0, TRUE, NULL,
                                       &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  /* What is allowed still goes. */
  publish (client, "lim/t", "ok", 1, FALSE, NULL);
  test_wait_count (&seen->published, 1, WAIT_MS);
}

/* A retained message with a Message Expiry Interval is gone after it. */
static void
test_message_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen = seen_new (client);
  g_autoptr(MqttProperties) props = mqtt_properties_new ();

  connect_and_wait (f, client, seen);
  mqtt_properties_set_message_expiry_interval (props, 1);
  publish (client, "exp/short", "gone", 1, TRUE, props);
  publish (client, "exp/long", "kept", 1, TRUE, NULL);
  test_wait_count (&seen->published, 2, WAIT_MS);
  test_run_for (2100);
  subscribe_wait (client, seen, "exp/#", 1, 0, NULL);
  wait_messages (seen, 1);
  test_run_for (300);
  g_assert_cmpuint (seen->messages->len, ==, 1);
  g_assert_cmpstr (mqtt_message_get_topic (g_ptr_array_index (seen->messages, 0)), ==,
                   "exp/long");
}

/* A session with an expiry interval outlives its connection: what was
 * published meanwhile arrives at the next one, with session present. */
static void
test_session_expiry (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(MqttClient) client = NULL;
  g_autoptr(MqttClient) publisher = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen = NULL;
  g_autoptr(Seen) publisher_seen = seen_new (publisher);

  mqtt_properties_set_session_expiry_interval (props, 60);
  client = client_v5 ("v5-expiry", FALSE, props);
  seen = seen_new (client);
  connect_and_wait (f, client, seen);
  g_assert_false (seen->session_present);
  subscribe_wait (client, seen, "sx/t", 1, 0, NULL);
  disconnect_wait (client, seen);

  connect_and_wait (f, publisher, publisher_seen);
  publish (publisher, "sx/t", "while away", 1, FALSE, NULL);
  test_wait_count (&publisher_seen->published, 1, WAIT_MS);

  connect_and_wait (f, client, seen);
  g_assert_true (seen->session_present);
  wait_messages (seen, 1);

  /* Without an expiry (the default), the session ends with the connection. */
  {
    g_autoptr(MqttClient) brief = client_v5 ("v5-brief", FALSE, NULL);
    g_autoptr(Seen) brief_seen = seen_new (brief);

    connect_and_wait (f, brief, brief_seen);
    subscribe_wait (brief, brief_seen, "sx/t", 1, 0, NULL);
    disconnect_wait (brief, brief_seen);
    connect_and_wait (f, brief, brief_seen);
    g_assert_false (brief_seen->session_present);
  }
}

/* A client created without an identifier sends an empty one at level 5;
 * the broker assigns one, and the client names itself with it when it
 * connects again (the broker assigns none the second time). */
static void
test_assigned_client_id (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen = seen_new (client);
  g_autofree char *assigned = NULL;
  g_autoptr(MqttClient) v311 = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, NULL);

  g_assert_cmpstr (mqtt_client_get_client_id (client), ==, "");
  /* Below level 5 an empty id is a random one. */
  g_assert_cmpuint (strlen (mqtt_client_get_client_id (v311)), ==, 23);

  connect_and_wait (f, client, seen);
  g_assert_nonnull (seen->connack_props);
  assigned = g_strdup (mqtt_properties_get_assigned_client_identifier (seen->connack_props));
  g_assert_nonnull (assigned);
  g_assert_cmpstr (assigned, !=, "");
  disconnect_wait (client, seen);

  connect_and_wait (f, client, seen);
  g_assert_true (seen->connack_props == NULL ||
                 mqtt_properties_get_assigned_client_identifier (seen->connack_props) == NULL);
  g_assert_cmpstr (mqtt_client_get_client_id (client), ==, "");
}

/* Clean Start changed between connections: clean the first time, then the
 * session (kept by its expiry interval) resumes. */
static void
test_clean_start_first_only (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(MqttClient) client = NULL;
  g_autoptr(Seen) seen = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttClient) anonymous = client_v5 (NULL, TRUE, NULL);

  mqtt_properties_set_session_expiry_interval (props, 60);
  client = client_v5 ("v5-first-only", TRUE, props);
  seen = seen_new (client);
  connect_and_wait (f, client, seen);
  g_assert_false (seen->session_present);
  mqtt_client_set_clean_session (client, FALSE);
  g_assert_false (mqtt_client_get_clean_session (client));
  disconnect_wait (client, seen);
  connect_and_wait (f, client, seen);
  g_assert_true (seen->session_present);

  /* An empty id must keep a clean session. */
  mqtt_client_set_clean_session (anonymous, FALSE);
  g_assert_false (mqtt_client_connect_to_broker (anonymous, "127.0.0.1", f->port, 60, NULL,
                                                 &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
}

/* A second connection with the same client identifier takes the session
 * over. mosquitto 2.0.11 closes the first without DISCONNECT 0x8E (seen on
 * the wire): the first client reports a lost connection, and the second
 * carries on. (The scripted broker's 0x8E is test-session's.) */
static void
test_session_taken_over (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) first = client_v5 ("v5-twin", TRUE, NULL);
  g_autoptr(MqttClient) second = client_v5 ("v5-twin", TRUE, NULL);
  g_autoptr(Seen) seen1 = seen_new (first);
  g_autoptr(Seen) seen2 = seen_new (second);

  mqtt_client_set_auto_reconnect (first, FALSE);
  connect_and_wait (f, first, seen1);
  connect_and_wait (f, second, seen2);
  test_wait_count (&seen1->disconnected, 1, WAIT_MS);
  g_assert_true (seen1->disconnect_reason == MQTT_REASON_CODE_SESSION_TAKEN_OVER ||
                 seen1->disconnect_reason == MQTT_REASON_CODE_UNSPECIFIED_ERROR);
  g_assert_error (seen1->disconnect_error, MQTT_ERROR, MQTT_ERROR_CONN_LOST);
  subscribe_wait (second, seen2, "twin/t", 1, 0, NULL);
  publish (second, "twin/t", "still here", 1, FALSE, NULL);
  wait_messages (seen2, 1);
}

/* The will waits for its Will Delay Interval, or the end of the session if
 * that comes first [MQTT-3.1.3-9]: hence a session that outlives the
 * connection (with none, ejabberd publishes at once, as it should, and
 * mosquitto 2.0.11 waits all the same). DISCONNECT with reason 0x04 asks
 * for the will. */
static void
test_will_delay (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttProperties) session = mqtt_properties_new ();
  g_autoptr(MqttClient) client = NULL;
  g_autoptr(MqttClient) watcher = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen = NULL;
  g_autoptr(Seen) watcher_seen = seen_new (watcher);
  g_autoptr(MqttProperties) will = mqtt_properties_new ();
  g_autoptr(GError) error = NULL;
  gint64 sent_at;

  mqtt_properties_set_session_expiry_interval (session, 60);
  client = client_v5 (NULL, TRUE, session);
  seen = seen_new (client);
  mqtt_properties_set_will_delay_interval (will, 2);
  mqtt_properties_set_content_type (will, "text/plain");
  g_assert_true (mqtt_client_set_will (client, "will/t", (const guint8 *) "gone", -1, 1, FALSE,
                                       &error));
  g_assert_true (mqtt_client_set_will_properties (client, will, &error));
  connect_and_wait (f, watcher, watcher_seen);
  subscribe_wait (watcher, watcher_seen, "will/t", 1, 0, NULL);
  connect_and_wait (f, client, seen);

  g_assert_true (mqtt_client_disconnect_with_reason (
    client, MQTT_REASON_CODE_DISCONNECT_WITH_WILL_MESSAGE, NULL, &error));
  g_assert_no_error (error);
  sent_at = g_get_monotonic_time ();
  test_wait_count (&seen->disconnected, 1, WAIT_MS);
  g_assert_cmphex (seen->disconnect_reason, ==, 0x04);
  wait_messages (watcher_seen, 1);
  g_assert_cmpint (g_get_monotonic_time () - sent_at, >=, 1500 * 1000);
  g_assert_cmpstr (mqtt_properties_get_content_type (
                     mqtt_message_get_properties (g_ptr_array_index (watcher_seen->messages, 0))),
                   ==, "text/plain");

  /* Reasons and properties need MQTT 5, and DISCONNECT only takes its own. */
  g_assert_false (mqtt_client_disconnect_with_reason (watcher, MQTT_REASON_CODE_GRANTED_QOS_1,
                                                      NULL, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
}

/* The one-shot helpers at MQTT 5: messages with properties out, and in. */
static void
test_helpers (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttSettings) settings = mqtt_settings_new ("127.0.0.1", f->port);
  g_autoptr(GBytes) payload = g_bytes_new_static ("kept", 4);
  /* Retained, so that the subscriber gets it whenever it subscribes (an
   * empty one would clear it). */
  g_autoptr(MqttMessage) message = mqtt_message_new ("helpers/t", payload, 1, TRUE);
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(GError) error = NULL;
  const char *topics[] = { "helpers/t" };
  MqttMessage **received;
  gsize n = 0;

  g_object_set (settings, "protocol-version", MQTT_PROTOCOL_V5, NULL);
  if (f->login)
    mqtt_settings_set_auth (settings, TEST_EJABBERD_USER, TEST_EJABBERD_PASSWORD);
  mqtt_properties_set_content_type (props, "text/plain");
  mqtt_properties_add_user_property (props, "via", "publish.multiple");
  mqtt_message_set_properties (message, props);
  g_assert_true (mqtt_publish_multiple (&message, 1, settings, NULL, &error));
  g_assert_no_error (error);

  received = mqtt_subscribe_simple (topics, 1, 1, 1, TRUE, settings, &n, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpstr (mqtt_properties_get_content_type (mqtt_message_get_properties (received[0])),
                   ==, "text/plain");
  g_assert_cmpstr (mqtt_properties_lookup_user_property (
                     mqtt_message_get_properties (received[0]), "via"),
                   ==, "publish.multiple");
  mqtt_message_unref (received[0]);
  g_free (received);

  /* Below MQTT 5 the properties are refused, not dropped. */
  g_object_set (settings, "protocol-version", MQTT_PROTOCOL_V311, NULL);
  g_assert_false (mqtt_publish_multiple (&message, 1, settings, NULL, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
}

/* ------------------------------------------------------------------------ */
/* Request and response */

static void
respond_upper (MqttClient *client, MqttMessage *message, gpointer data)
{
  gsize n;
  const char *text = g_bytes_get_data (mqtt_message_get_payload (message), &n);
  g_autofree char *upper = g_ascii_strup (text, n);
  g_autoptr(GBytes) reply = g_bytes_new (upper, n);
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_respond (client, message, reply, 1, NULL, NULL, &error));
  g_assert_no_error (error);
}

typedef struct {
  guint done;
  guint cancelled;
  GPtrArray *replies;   /* char *, by request */
} Requests;

typedef struct {
  Requests *requests;
  guint index;
} RequestSlot;

static void
request_done (GObject *source, GAsyncResult *result, gpointer data)
{
  RequestSlot *slot = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttMessage) reply = mqtt_client_request_finish (MQTT_CLIENT (source), result,
                                                             &error);

  slot->requests->done++;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    slot->requests->cancelled++;
  else
    {
      gsize n;
      const char *text;

      g_assert_no_error (error);
      text = g_bytes_get_data (mqtt_message_get_payload (reply), &n);
      g_ptr_array_index (slot->requests->replies, slot->index) = g_strndup (text, n);
    }
  g_free (slot);
}

static gboolean
cancel_now (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* Many requests in flight on one response subscription, each completed
 * with its own response; a request nobody answers ends through its
 * cancellable; responses reach neither the message signal nor callbacks. */
static void
test_request_response (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) responder = client_v5 (NULL, TRUE, NULL);
  g_autoptr(MqttClient) requester = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) responder_seen = seen_new (responder);
  g_autoptr(Seen) seen = seen_new (requester);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Requests requests = { 0 };
  guint i;

  requests.replies = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_set_size (requests.replies, 20);
  connect_and_wait (f, responder, responder_seen);
  connect_and_wait (f, requester, seen);
  g_assert_true (mqtt_client_message_callback_add (responder, "svc/upper", respond_upper, NULL,
                                                   NULL, &error));
  subscribe_wait (responder, responder_seen, "svc/upper", 1, 0, NULL);
  /* A callback on the response topic must not see responses. */
  g_assert_true (mqtt_client_message_callback_add (requester, "mqtt-glib/responses/#",
                                                   count_callback, &i, NULL, &error));

  for (i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("request %u", i);
      g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
      RequestSlot *slot = g_new (RequestSlot, 1);

      slot->requests = &requests;
      slot->index = i;
      mqtt_client_request_async (requester, "svc/upper", payload, 1, NULL, NULL, NULL,
                                 request_done, slot);
    }
  i = 0;
  test_wait_count (&requests.done, 20, WAIT_MS);
  g_assert_cmpuint (i, ==, 0);
  g_assert_cmpuint (seen->messages->len, ==, 0);
  for (i = 0; i < 20; i++)
    {
      g_autofree char *want = g_strdup_printf ("REQUEST %u", i);

      g_assert_cmpstr (g_ptr_array_index (requests.replies, i), ==, want);
    }

  /* Nobody answers: the cancellable ends the wait. */
  {
    RequestSlot *slot = g_new (RequestSlot, 1);

    slot->requests = &requests;
    slot->index = 0;
    mqtt_client_request_async (requester, "svc/nobody", NULL, 1, "replies/here", NULL,
                               cancellable, request_done, slot);
    g_timeout_add (300, cancel_now, cancellable);
    test_wait_count (&requests.done, 21, WAIT_MS);
    g_assert_cmpuint (requests.cancelled, ==, 1);
  }

  /* Responding needs a response topic. */
  {
    g_autoptr(MqttMessage) plain = mqtt_message_new ("t", NULL, 0, FALSE);

    g_assert_false (mqtt_client_respond (responder, plain, NULL, 0, NULL, NULL, &error));
    g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
    g_clear_error (&error);
  }
  g_ptr_array_unref (requests.replies);
}

static void
request_fails (GObject *source, GAsyncResult *result, gpointer data)
{
  GError **error = data;
  MqttMessage *reply = mqtt_client_request_finish (MQTT_CLIENT (source), result, error);

  g_assert_null (reply);
}

static gboolean
error_set (gpointer data)
{
  return *(GError **) data != NULL;
}

/* Below MQTT 5 there is no response topic to give. */
static void
test_request_needs_v5 (void)
{
  g_autoptr(MqttClient) client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, NULL);
  g_autoptr(GError) error = NULL;

  mqtt_client_request_async (client, "svc/x", NULL, 1, NULL, NULL, NULL, request_fails, &error);
  test_wait_until_full (error_set, &error, WAIT_MS, "the request's failure");
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
}

/* ------------------------------------------------------------------------ */
/* The scripted broker */

static void
auth_script (FakeBroker *broker, gpointer data)
{
  g_auto (MqttPacket) connect = { 0 };
  g_auto (MqttPacket) answer = { 0 };
  MqttPacket challenge = { MQTT_PACKET_AUTH, 0, 0x18 };
  MqttPacket connack = { MQTT_PACKET_CONNACK };

  fake_broker_accept (broker);
  fake_broker_read_packet (broker, &connect);
  g_assert_cmpint (connect.connect.protocol_level, ==, 5);
  g_assert_cmpstr (mqtt_properties_get_authentication_method (connect.props), ==, "CHALLENGE");
  challenge.props = mqtt_properties_new ();
  mqtt_properties_set_authentication_method (challenge.props, "CHALLENGE");
  mqtt_properties_set_from_string (challenge.props, MQTT_PROPERTY_AUTHENTICATION_DATA,
                                   "nonce", NULL);
  fake_broker_send_packet (broker, &challenge);
  mqtt_packet_clear (&challenge);

  fake_broker_read_packet (broker, &answer);
  g_assert_cmpint (answer.type, ==, MQTT_PACKET_AUTH);
  g_assert_cmphex (answer.reason_code, ==, 0x18);
  g_assert_cmpmem (g_bytes_get_data (mqtt_properties_get_authentication_data (answer.props), NULL),
                   10, "nonce-seen", 10);
  connack.props = mqtt_properties_new ();
  mqtt_properties_set_authentication_method (connack.props, "CHALLENGE");
  fake_broker_send_packet (broker, &connack);
  mqtt_packet_clear (&connack);

  /* Then it leaves, pointing elsewhere. */
  {
    MqttPacket disconnect = { MQTT_PACKET_DISCONNECT, 0, 0x9c };

    disconnect.props = mqtt_properties_new ();
    mqtt_properties_set_server_reference (disconnect.props, "other.example:1883");
    mqtt_properties_set_reason_string (disconnect.props, "maintenance");
    fake_broker_send_packet (broker, &disconnect);
    mqtt_packet_clear (&disconnect);
  }
  fake_broker_wait_closed (broker, 5000);
}

typedef struct {
  guint auths;
  MqttClient *client;
} AuthState;

static gboolean
answer_later (gpointer data)
{
  AuthState *state = data;
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(GError) error = NULL;

  mqtt_properties_set_authentication_method (props, "CHALLENGE");
  mqtt_properties_set_from_string (props, MQTT_PROPERTY_AUTHENTICATION_DATA, "nonce-seen", NULL);
  g_assert_true (mqtt_client_auth_continue (state->client, props, &error));
  g_assert_no_error (error);
  return G_SOURCE_REMOVE;
}

static void
on_auth (MqttClient *client, MqttReasonCode reason, MqttProperties *props, AuthState *state)
{
  g_assert_cmphex (reason, ==, 0x18);
  g_assert_cmpmem (g_bytes_get_data (mqtt_properties_get_authentication_data (props), NULL), 5,
                   "nonce", 5);
  state->auths++;
  /* The application answers later, not from the handler. */
  g_timeout_add (100, answer_later, state);
}

static void
test_auth_and_server_disconnect (void)
{
  FakeBroker *broker = fake_broker_new (auth_script, NULL);
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(MqttClient) client = NULL;
  g_autoptr(Seen) seen = NULL;
  g_autoptr(GError) error = NULL;
  AuthState state = { 0 };

  mqtt_properties_set_authentication_method (props, "CHALLENGE");
  mqtt_properties_set_from_string (props, MQTT_PROPERTY_AUTHENTICATION_DATA, "hello", NULL);
  client = client_v5 (NULL, TRUE, props);
  seen = seen_new (client);
  state.client = client;
  g_signal_connect (client, "auth", G_CALLBACK (on_auth), &state);
  mqtt_client_set_auto_reconnect (client, FALSE);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  g_assert_no_error (error);
  test_wait_count (&seen->connected, 1, WAIT_MS);
  g_assert_cmpuint (state.auths, ==, 1);
  g_assert_cmpint (seen->connect_reason, ==, 0);

  test_wait_count (&seen->disconnected, 1, WAIT_MS);
  g_assert_cmphex (seen->disconnect_reason, ==, MQTT_REASON_CODE_USE_ANOTHER_SERVER);
  g_assert_cmpstr (mqtt_properties_get_server_reference (seen->disconnect_props), ==,
                   "other.example:1883");
  g_assert_error (seen->disconnect_error, MQTT_ERROR, MQTT_ERROR_CONN_LOST);
  g_assert_nonnull (strstr (seen->disconnect_error->message, "maintenance"));
  g_clear_object (&client);
  fake_broker_free (broker);
}

static void
refuse_script (FakeBroker *broker, gpointer data)
{
  g_auto (MqttPacket) connect = { 0 };
  MqttPacket connack = { MQTT_PACKET_CONNACK };

  fake_broker_accept (broker);
  fake_broker_read_packet (broker, &connect);
  connack.connack.return_code = 0x8c;
  connack.props = mqtt_properties_new ();
  mqtt_properties_set_reason_string (connack.props, "unknown method");
  fake_broker_send_packet (broker, &connack);
  mqtt_packet_clear (&connack);
  fake_broker_wait_closed (broker, 5000);
}

/* A level-5 refusal keeps the error codes of 3.1.1's and says why. */
static void
test_refused (void)
{
  FakeBroker *broker = fake_broker_new (refuse_script, NULL);
  g_autoptr(MqttClient) client = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen = seen_new (client);
  g_autoptr(GError) error = NULL;

  g_assert_false (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                 fake_broker_get_port (broker), 60, NULL,
                                                 &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_REFUSED_BAD_USERNAME_PASSWORD);
  g_assert_nonnull (strstr (error->message, "Bad authentication method"));
  g_assert_nonnull (strstr (error->message, "unknown method"));
  g_assert_cmphex (seen->connect_reason, ==, 0x8c);
  g_clear_object (&client);
  fake_broker_free (broker);
}

static void
bad_alias_script (FakeBroker *broker, gpointer data)
{
  g_auto (MqttPacket) connect = { 0 };
  g_auto (MqttPacket) answer = { 0 };
  MqttPacket connack = { MQTT_PACKET_CONNACK };

  fake_broker_accept (broker);
  fake_broker_read_packet (broker, &connect);
  fake_broker_send_packet (broker, &connack);
  /* A topic alias the client never allowed (it sent no Topic Alias
   * Maximum): PUBLISH, property length 3, Topic Alias 1. */
  fake_broker_send (broker, "30 07 00 01 't' 03 23 00 01");
  fake_broker_read_packet (broker, &answer);
  g_assert_cmpint (answer.type, ==, MQTT_PACKET_DISCONNECT);
  g_assert_cmphex (answer.reason_code, ==, MQTT_REASON_CODE_TOPIC_ALIAS_INVALID);
  fake_broker_wait_closed (broker, 5000);
}

/* A protocol error from the broker is answered with DISCONNECT and the
 * reason code the specification gives it, before the connection closes. */
static void
test_protocol_error_disconnect (void)
{
  FakeBroker *broker = fake_broker_new (bad_alias_script, NULL);
  g_autoptr(MqttClient) client = client_v5 (NULL, TRUE, NULL);
  g_autoptr(Seen) seen = seen_new (client);
  g_autoptr(GError) error = NULL;

  mqtt_client_set_auto_reconnect (client, FALSE);
  g_assert_true (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                fake_broker_get_port (broker), 60, NULL, &error));
  test_wait_count (&seen->disconnected, 1, WAIT_MS);
  g_assert_error (seen->disconnect_error, MQTT_ERROR, MQTT_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (seen->disconnect_error->message, "Topic Alias invalid"));
  g_clear_object (&client);
  fake_broker_free (broker);
}

int
main (int argc, char *argv[])
{
  g_autofree char *no_ejabberd = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn, config) \
  g_test_add ("/v5/" path, Fixture, config, fixture_setup, fn, fixture_teardown)
  ADD ("properties-end-to-end", test_properties_end_to_end, NULL);
  ADD ("subscription-options", test_subscription_options, NULL);
  ADD ("shared-subscription", test_shared_subscription, NULL);
  ADD ("topic-alias-out", test_topic_alias_out, NULL);
  ADD ("receive-maximum", test_receive_maximum, "max_inflight_messages 2");
  ADD ("broker-limits", test_broker_limits,
       "max_packet_size 200\nmax_qos 1\nretain_available false");
  ADD ("message-expiry", test_message_expiry, NULL);
  ADD ("session-expiry", test_session_expiry, NULL);
  ADD ("session-taken-over", test_session_taken_over, NULL);
  ADD ("assigned-client-id", test_assigned_client_id, NULL);
  ADD ("clean-start-first-only", test_clean_start_first_only, NULL);
  ADD ("will-delay", test_will_delay, NULL);
  ADD ("request-response", test_request_response, NULL);
  ADD ("helpers", test_helpers, NULL);
  g_test_add_func ("/v5/request-needs-v5", test_request_needs_v5);
  g_test_add_func ("/v5/auth-and-server-disconnect", test_auth_and_server_disconnect);
  g_test_add_func ("/v5/refused", test_refused);
  g_test_add_func ("/v5/protocol-error-disconnect", test_protocol_error_disconnect);

  /* The behaviour that is the specification's, not mosquitto's, again
   * against ejabberd, started once for them all. */
  if (test_ejabberd_available (&no_ejabberd))
    {
      ADD ("ejabberd/properties-end-to-end", test_properties_end_to_end, EJABBERD);
      ADD ("ejabberd/subscription-options", test_subscription_options, EJABBERD);
      ADD ("ejabberd/shared-subscription", test_shared_subscription, EJABBERD);
      ADD ("ejabberd/topic-alias-out", test_topic_alias_out, EJABBERD);
      ADD ("ejabberd/message-expiry", test_message_expiry, EJABBERD);
      ADD ("ejabberd/session-expiry", test_session_expiry, EJABBERD);
      ADD ("ejabberd/will-delay", test_will_delay, EJABBERD);
      ADD ("ejabberd/request-response", test_request_response, EJABBERD);
      ADD ("ejabberd/helpers", test_helpers, EJABBERD);
    }
  else
    g_test_add_data_func ("/v5/ejabberd", no_ejabberd, skip_ejabberd);
  status = g_test_run ();
  test_ejabberd_free (ejabberd);
  return status;
}
