/* The persistent store against SIGKILL: a publisher (store-publisher)
 * with a file store streams QoS 1 and QoS 2 messages and is killed at a
 * random moment, again and again, each time restarted with the same
 * client id and store. A subscriber with a persistent session counts what
 * arrives: every message a publish call returned success for arrives (QoS
 * 1 at least once, QoS 2 exactly once), and nothing else does. The one
 * number a killed publisher may have published without saying so is
 * allowed at most once. MQTT_TEST_KILLS sets the number of kills (100). */

#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <mqtt-glib/mqtt-glib.h>

#include "test-common.h"

#define WAIT_MS 60000

typedef struct {
  GArray *counts[2];    /* guint8 per sequence number: crash/q1, crash/q2 */
  guint messages;
} Counter;

static void
on_message (MqttClient *client, MqttMessage *message, Counter *counter)
{
  const char *topic = mqtt_message_get_topic (message);
  GBytes *payload = mqtt_message_get_payload (message);
  g_autofree char *text = g_strndup (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  GArray *counts = counter->counts[g_str_equal (topic, "crash/q2")];
  guint64 seq;

  g_assert_true (g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &seq, NULL));
  if (seq >= counts->len)
    g_array_set_size (counts, seq + 1);
  if (g_array_index (counts, guint8, seq) < G_MAXUINT8)
    g_array_index (counts, guint8, seq)++;
  counter->messages++;
}

/* The last number a killed publisher wrote whole, or -1. */
static gint64
last_reported (const char *path)
{
  g_autofree char *text = NULL;
  char *end, *start;
  guint64 seq;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (end = strrchr (text, '\n')) == NULL)
    return -1;
  *end = '\0';
  start = strrchr (text, '\n');
  start = start ? start + 1 : text;
  g_assert_true (g_ascii_string_to_unsigned (start, 10, 0, G_MAXUINT32, &seq, NULL));
  return seq;
}

static GSubprocess *
start_publisher (guint16 port, const char *store, guint64 first, guint64 stop, const char *out,
                 const char *err)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autofree char *first_text = g_strdup_printf ("%" G_GUINT64_FORMAT, first);
  g_autofree char *stop_text = g_strdup_printf ("%" G_GUINT64_FORMAT, stop);
  g_autoptr(GError) error = NULL;
  GSubprocess *publisher;

  g_subprocess_launcher_set_stdout_file_path (launcher, out);
  /* Not the test's stderr: a publisher left behind by a failed test must
   * not hold the test runner's pipe open. */
  g_subprocess_launcher_set_stderr_file_path (launcher, err);
  publisher = g_subprocess_launcher_spawn (launcher, &error, MQTT_TEST_STORE_PUBLISHER, port_text,
                                           store, first_text, stop_text, NULL);
  g_assert_no_error (error);
  return publisher;
}

/* Kills @publisher, which must not have ended on its own (what it said
 * is in @err). */
static void
kill_publisher (GSubprocess *publisher, const char *err)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_force_exit (publisher);
  g_assert_true (g_subprocess_wait (publisher, NULL, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_if_signaled (publisher) ||
      g_subprocess_get_term_sig (publisher) != SIGKILL)
    {
      g_autofree char *text = NULL;

      g_file_get_contents (err, &text, NULL, NULL);
      g_error ("The publisher ended on its own: %s", text ? text : "");
    }
}

typedef struct {
  Counter *counter;
  GHashTable *unsure;  /* numbers that may be missing */
  guint64 end;         /* the numbers below it were reported, or unsure */
} Awaited;

static gboolean
all_arrived (gpointer data)
{
  Awaited *awaited = data;
  guint s;
  guint64 seq;

  for (s = 0; s < 2; s++)
    {
      GArray *counts = awaited->counter->counts[s];

      for (seq = 0; seq < awaited->end; seq++)
        if ((seq >= counts->len || g_array_index (counts, guint8, seq) == 0) &&
            !g_hash_table_contains (awaited->unsure, GUINT_TO_POINTER (seq)))
          return FALSE;
    }
  return TRUE;
}

static void
test_kill_and_restart (void)
{
  g_autoptr(TestBroker) broker = test_broker_new ("max_queued_messages 0\n"
                                                  "max_inflight_messages 0\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mqtt-store-crash-XXXXXX", &error);
  g_autofree char *store = g_build_filename (dir, "store", NULL);
  g_autofree char *last_err = g_build_filename (dir, "last.err", NULL);
  g_autoptr(MqttClient) subscriber = mqtt_client_new ("crash-counter", FALSE, MQTT_PROTOCOL_V311,
                                                      NULL);
  g_autoptr(GHashTable) unsure = g_hash_table_new (NULL, NULL);
  const char *kills_text = g_getenv ("MQTT_TEST_KILLS");
  guint kills = kills_text ? atoi (kills_text) : 100;
  guint16 port = test_broker_get_port (broker);
  Counter counter = { { g_array_new (FALSE, TRUE, 1), g_array_new (FALSE, TRUE, 1) } };
  Awaited awaited = { &counter, unsure };
  guint64 first = 0, seq;
  guint i, s, lost[2] = { 0 }, extra[2] = { 0 }, duplicated[2] = { 0 }, unsure_seen = 0;
  gint64 started = g_get_monotonic_time ();
  GSubprocess *publisher;

  g_assert_no_error (error);
  g_signal_connect (subscriber, "message", G_CALLBACK (on_message), &counter);
  g_assert_true (mqtt_client_connect_to_broker (subscriber, "127.0.0.1", port, 60, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (mqtt_client_subscribe (subscriber, "crash/#", MQTT_QOS_EXACTLY_ONCE, NULL,
                                        &error));
  g_assert_no_error (error);
  test_run_for (300);

  for (i = 0; i < kills; i++)
    {
      g_autofree char *name = g_strdup_printf ("out-%u", i);
      g_autofree char *out = g_build_filename (dir, name, NULL);
      g_autofree char *err = g_strconcat (out, ".err", NULL);
      gint64 last;

      publisher = start_publisher (port, store, first, 0, out, err);
      test_run_for (g_test_rand_int_range (5, 250));
      kill_publisher (publisher, err);
      g_object_unref (publisher);
      last = last_reported (out);
      /* The number after the last one reported may have been published
       * (its calls returned, the line not written yet): allowed, once. */
      first = (last < 0 ? first : (guint64) last + 1) + 1;
      g_hash_table_add (unsure, GUINT_TO_POINTER (first - 1));
    }

  /* A last publisher, with nothing new: it finishes what the store holds. */
  publisher = start_publisher (port, store, first, first, "/dev/null", last_err);
  awaited.end = first;
  test_wait_until_full (all_arrived, &awaited, WAIT_MS, "every reported message");
  test_run_for (1000);
  kill_publisher (publisher, last_err);
  g_object_unref (publisher);

  for (s = 0; s < 2; s++)
    {
      GArray *counts = counter.counts[s];

      for (seq = 0; seq < MAX ((guint64) counts->len, first); seq++)
        {
          guint n = seq < counts->len ? g_array_index (counts, guint8, seq) : 0;

          if (g_hash_table_contains (unsure, GUINT_TO_POINTER (seq)))
            {
              unsure_seen += n > 0;
              duplicated[s] += n > 1;
              continue;
            }
          lost[s] += n == 0;
          extra[s] += seq >= first && n > 0;
          duplicated[s] += n > 1;
        }
    }
  g_test_message ("%u kills in %.1f s: %" G_GUINT64_FORMAT " numbers published on each of "
                  "crash/q1 and crash/q2 (%u messages received); lost: %u QoS 1, %u QoS 2; "
                  "duplicated: %u QoS 1 (allowed), %u QoS 2; of the %u numbers a killed "
                  "publisher may have published unreported, %u were",
                  kills, (g_get_monotonic_time () - started) / 1e6, first, counter.messages,
                  lost[0], lost[1], duplicated[0], duplicated[1], g_hash_table_size (unsure),
                  unsure_seen);
  g_assert_cmpuint (lost[0], ==, 0);
  g_assert_cmpuint (lost[1], ==, 0);
  g_assert_cmpuint (duplicated[1], ==, 0);
  g_assert_cmpuint (extra[0] + extra[1], ==, 0);

  mqtt_client_disconnect_from_broker (subscriber, NULL);
  test_run_for (100);
  g_array_unref (counter.counts[0]);
  g_array_unref (counter.counts[1]);
  test_remove_dir (dir);
}

static void
count_published (MqttClient *client, guint mid, GArray *mids)
{
  g_array_append_val (mids, mid);
}

/* A restart without a crash: messages queued offline by one client are
 * sent by the next with its client id and store, made from settings; one
 * store per client id at a time; no change of store while connected. */
static void
test_restart_offline (void)
{
  g_autoptr(TestBroker) broker = test_broker_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("mqtt-store-restart-XXXXXX", &error);
  g_autoptr(MqttClient) subscriber = mqtt_client_new ("restart-counter", FALSE,
                                                      MQTT_PROTOCOL_V311, NULL);
  g_autoptr(MqttClient) second = mqtt_client_new ("restarter", FALSE, MQTT_PROTOCOL_V311, NULL);
  g_autoptr(MqttFileStore) second_store = mqtt_file_store_new (dir);
  g_autoptr(MqttClient) next = NULL;
  g_autoptr(MqttSettings) settings = NULL;
  g_autoptr(GArray) mids = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree char *uri = NULL;
  Counter counter = { { g_array_new (FALSE, TRUE, 1), g_array_new (FALSE, TRUE, 1) } };
  MqttClient *first = mqtt_client_new ("restarter", FALSE, MQTT_PROTOCOL_V311, NULL);
  MqttFileStore *first_store = mqtt_file_store_new (dir);
  guint i;

  g_signal_connect (subscriber, "message", G_CALLBACK (on_message), &counter);
  g_assert_true (mqtt_client_connect_to_broker (subscriber, "127.0.0.1",
                                                test_broker_get_port (broker), 60, NULL, &error));
  g_assert_true (mqtt_client_subscribe (subscriber, "crash/q1", MQTT_QOS_AT_LEAST_ONCE, NULL,
                                        &error));
  g_assert_no_error (error);

  g_assert_true (mqtt_client_set_store (first, MQTT_STORE (first_store), &error));
  g_assert_no_error (error);
  g_assert_false (mqtt_client_set_store (second, MQTT_STORE (second_store), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);
  for (i = 0; i < 3; i++)
    g_assert_true (mqtt_client_publish (first, "crash/q1", (const guint8 *) "7", 1,
                                        MQTT_QOS_AT_LEAST_ONCE, FALSE, NULL, &error));
  g_assert_no_error (error);
  g_object_unref (first);
  g_object_unref (first_store);

  uri = g_strdup_printf ("mqtt://127.0.0.1:%u/?client-id=restarter&clean-session=false&"
                         "store-directory=%s", test_broker_get_port (broker), dir);
  settings = mqtt_settings_new_for_uri (uri, &error);
  g_assert_no_error (error);
  next = mqtt_settings_create_client (settings, &error);
  g_assert_no_error (error);
  g_assert_true (MQTT_IS_FILE_STORE (mqtt_client_get_store (next)));
  g_signal_connect (next, "published", G_CALLBACK (count_published), mids);
  g_assert_true (mqtt_client_connect_to_broker (next, "127.0.0.1", test_broker_get_port (broker),
                                                60, NULL, &error));
  g_assert_no_error (error);
  test_wait_count (&counter.messages, 3, WAIT_MS);
  test_wait_count (&mids->len, 3, WAIT_MS);
  for (i = 0; i < 3; i++)
    g_assert_cmpuint (g_array_index (mids, guint, i), ==, i + 1);
  g_assert_cmpuint (g_array_index (counter.counts[0], guint8, 7), ==, 3);

  g_assert_false (mqtt_client_set_store (next, NULL, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);

  mqtt_client_disconnect_from_broker (next, NULL);
  mqtt_client_disconnect_from_broker (subscriber, NULL);
  test_run_for (100);
  g_array_unref (counter.counts[0]);
  g_array_unref (counter.counts[1]);
  g_clear_object (&next);
  g_clear_object (&second);
  test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store/restart-offline", test_restart_offline);
  g_test_add_func ("/store/kill-and-restart", test_kill_and_restart);
  return g_test_run ();
}
