/* Scaling consumers out: one QoS 1 stream spread by a shared subscription
 * ($share/GROUP/FILTER) over four mqtt-sub processes with persistent
 * sessions, one of them killed (SIGKILL) midway and started again. Every
 * message reaches one of them at least once, and each gets about a
 * quarter. */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <mqtt-glib/mqtt-glib.h>

#include "recorder.h"
#include "test-common.h"

#define MESSAGES 4000
#define WORKERS 4
#define FILTER "$share/workers/scale/stream"
#define WAIT_MS 20000

static gboolean
file_has_suback (gpointer path)
{
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) && strstr (text, "SUBACK") != NULL;
}

/* mqtt-sub with a persistent session in the shared group; its messages
 * (one payload a line, flushed at once) go to @out, its packet log (-d)
 * to @err; returns once the broker has acknowledged the subscription. */
static GSubprocess *
start_worker (guint16 port, guint n, const char *out, char *err)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *id = g_strdup_printf ("worker-%u", n);
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autoptr(GError) error = NULL;
  GSubprocess *worker;

  g_subprocess_launcher_set_stdout_file_path (launcher, out);
  g_subprocess_launcher_set_stderr_file_path (launcher, err);
  worker = g_subprocess_launcher_spawn (launcher, &error, MQTT_TEST_SUB, "-h", "127.0.0.1", "-p",
                                        port_text, "-i", id, "-c", "-q", "1", "-t", FILTER, "-d",
                                        NULL);
  g_assert_no_error (error);
  test_wait_until_full (file_has_suback, err, WAIT_MS, "the worker's SUBACK");
  return worker;
}

/* Counts the payloads in @path into @got; returns how many lines it held. */
static guint
count_file (const char *path, guint8 *got)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint i, n = 0;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i]; i++)
    {
      guint64 seq;

      /* The last line may be cut: a worker killed while it wrote. */
      if (lines[i + 1] == NULL || !g_ascii_string_to_unsigned (lines[i], 10, 0, MESSAGES - 1,
                                                               &seq, NULL))
        continue;
      if (got[seq] < G_MAXUINT8)
        got[seq]++;
      n++;
    }
  return n;
}

static void
test_shared_subscription (void)
{
  g_autoptr(TestBroker) broker = test_broker_new (NULL);
  guint16 port = test_broker_get_port (broker);
  g_autofree char *dir = g_dir_make_tmp ("mqtt-scale-XXXXXX", NULL);
  g_autoptr(MqttClient) publisher = mqtt_client_new ("scale-pub", TRUE, MQTT_PROTOCOL_V311, NULL);
  g_autoptr(GError) error = NULL;
  GSubprocess *workers[WORKERS + 1];
  char *outs[WORKERS + 1], *errs[WORKERS + 1];
  guint per_worker[WORKERS + 1];
  g_autofree guint8 *got = g_new0 (guint8, MESSAGES);
  TestStream stream;
  guint i, distinct = 0, total = 0, last_distinct = 0;
  gint64 quiet_since;

  for (i = 0; i <= WORKERS; i++)
    {
      outs[i] = g_strdup_printf ("%s/worker-%u.out", dir, i);
      errs[i] = g_strdup_printf ("%s/worker-%u.err", dir, i);
    }
  for (i = 0; i < WORKERS; i++)
    workers[i] = start_worker (port, i, outs[i], errs[i]);

  g_assert_true (mqtt_client_connect_to_broker (publisher, "127.0.0.1", port, 60, NULL, &error));
  g_assert_no_error (error);
  test_stream_start (&stream, publisher, "scale/stream", MESSAGES);

  /* Halfway, worker 0 dies; it comes back half a second later with its
   * session (the same client id), as a supervisor would restart it. */
  test_wait_count (&stream.published, MESSAGES / 2, WAIT_MS);
  g_subprocess_force_exit (workers[0]);
  g_assert_true (g_subprocess_wait (workers[0], NULL, NULL));
  g_clear_object (&workers[0]);
  test_run_for (500);
  workers[WORKERS] = start_worker (port, 0, outs[WORKERS], errs[WORKERS]);
  test_wait_count (&stream.published, MESSAGES, WAIT_MS);

  /* Until all have arrived, or nothing more has for five seconds. */
  quiet_since = g_get_monotonic_time ();
  while (g_get_monotonic_time () - quiet_since < 5 * G_USEC_PER_SEC)
    {
      memset (got, 0, MESSAGES);
      for (i = 0; i <= WORKERS; i++)
        per_worker[i] = count_file (outs[i], got);
      for (distinct = 0, i = 0; i < MESSAGES; i++)
        distinct += got[i] > 0;
      if (distinct == MESSAGES)
        break;
      if (distinct != last_distinct)
        quiet_since = g_get_monotonic_time ();
      last_distinct = distinct;
      test_run_for (200);
    }

  for (i = 0; i <= WORKERS; i++)
    total += per_worker[i];
  g_test_message ("shared subscription over %u mqtt-sub processes, %u QoS 1 messages: "
                  "%u, %u, %u, %u (worker 0: %u before the kill, %u after); %u distinct, "
                  "%u twice (redelivered to the restarted worker)",
                  WORKERS, MESSAGES, per_worker[0] + per_worker[WORKERS], per_worker[1],
                  per_worker[2], per_worker[3], per_worker[0], per_worker[WORKERS], distinct,
                  total - distinct);
  for (i = 0; i < MESSAGES; i++)
    if (!got[i])
      g_test_message ("message %u never arrived", i);
  g_assert_cmpuint (distinct, ==, MESSAGES);
  /* About a quarter each: the broker deals round the group. */
  g_assert_cmpuint (per_worker[0] + per_worker[WORKERS], >=, MESSAGES * 15 / 100);
  for (i = 1; i < WORKERS; i++)
    {
      g_assert_cmpuint (per_worker[i], >=, MESSAGES * 15 / 100);
      g_assert_cmpuint (per_worker[i], <=, MESSAGES * 35 / 100);
    }

  g_assert_true (mqtt_client_disconnect_from_broker (publisher, &error));
  for (i = 1; i <= WORKERS; i++)
    {
      g_subprocess_force_exit (workers[i]);
      g_subprocess_wait (workers[i], NULL, NULL);
      g_object_unref (workers[i]);
    }
  for (i = 0; i <= WORKERS; i++)
    {
      g_unlink (outs[i]);
      g_unlink (errs[i]);
      g_free (outs[i]);
      g_free (errs[i]);
    }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scale-out/shared-subscription", test_shared_subscription);
  return g_test_run ();
}
