/* Many clients in one process and one GMainContext, as a gateway or a
 * pipeline with many elements has them: N clients connect at once to one
 * broker, then stay idle with a short keepalive.
 *
 *   bench-many-clients --host H --port P [--clients N] [--keepalive S] [--idle S]
 *
 * prints one JSON line: the time to connect them all, the resident memory
 * each connected idle client adds, and the CPU time an idle client costs a
 * second (keepalive timers and PINGREQs included). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <mqtt-glib/mqtt-glib.h>

static const char *host = "127.0.0.1";
static int port = 1883, n_clients = 1000, keepalive = 5, idle = 20;

typedef struct {
  int connected;
  int failed;
} Progress;

static void
connected (GObject *source, GAsyncResult *result, gpointer data)
{
  Progress *progress = data;
  g_autoptr(GError) error = NULL;

  if (mqtt_client_connect_to_broker_finish (MQTT_CLIENT (source), result, &error))
    progress->connected++;
  else
    {
      if (progress->failed++ == 0)
        g_printerr ("bench-many-clients: %s\n", error->message);
    }
}

/* Resident memory, KiB. */
static long
rss_kib (void)
{
  g_autofree char *text = NULL;
  long pages = 0, resident = 0;

  if (g_file_get_contents ("/proc/self/statm", &text, NULL, NULL))
    sscanf (text, "%ld %ld", &pages, &resident);
  return resident * (sysconf (_SC_PAGESIZE) / 1024);
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

static gboolean
stop_waiting (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  Progress progress = { 0 };
  gboolean done = FALSE;
  gint64 start, connected_at;
  long rss_before, rss_after;
  double cpu_before, cpu_after;
  int i;

  for (i = 1; i + 1 < argc; i += 2)
    {
      if (g_str_equal (argv[i], "--host"))
        host = argv[i + 1];
      else if (g_str_equal (argv[i], "--port"))
        port = atoi (argv[i + 1]);
      else if (g_str_equal (argv[i], "--clients"))
        n_clients = atoi (argv[i + 1]);
      else if (g_str_equal (argv[i], "--keepalive"))
        keepalive = atoi (argv[i + 1]);
      else if (g_str_equal (argv[i], "--idle"))
        idle = atoi (argv[i + 1]);
      else
        {
          g_printerr ("usage: %s --host H --port P [--clients N] [--keepalive S] [--idle S]\n",
                      argv[0]);
          return 2;
        }
    }

  /* The library's own start-up (types, the resolver) before measuring. */
  g_object_unref (mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, NULL));
  rss_before = rss_kib ();
  start = g_get_monotonic_time ();
  for (i = 0; i < n_clients; i++)
    {
      MqttClient *client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, NULL);

      g_ptr_array_add (clients, client);
      mqtt_client_connect_to_broker_async (client, host, port, keepalive, NULL, connected,
                                           &progress);
    }
  while (progress.connected + progress.failed < n_clients)
    g_main_context_iteration (NULL, TRUE);
  connected_at = g_get_monotonic_time ();
  if (progress.failed)
    {
      g_printerr ("bench-many-clients: %d of %d clients could not connect\n", progress.failed,
                  n_clients);
      return 1;
    }
  rss_after = rss_kib ();

  /* Idle: only keepalives. */
  cpu_before = cpu_seconds ();
  g_timeout_add_seconds (idle, stop_waiting, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  cpu_after = cpu_seconds ();
  for (i = 0; i < n_clients; i++)
    if (!mqtt_client_is_connected (g_ptr_array_index (clients, i)))
      {
        g_printerr ("bench-many-clients: client %d lost its connection while idle\n", i);
        return 1;
      }

  g_print ("{\"clients\":%d,\"connect_all_s\":%.3f,\"rss_kib_per_client\":%.1f,"
           "\"keepalive_s\":%d,\"idle_s\":%d,\"cpu_us_per_client_second\":%.3f}\n",
           n_clients, (connected_at - start) / 1e6,
           (double) (rss_after - rss_before) / n_clients, keepalive, idle,
           (cpu_after - cpu_before) * 1e6 / n_clients / idle);
  for (i = 0; i < n_clients; i++)
    mqtt_client_disconnect_from_broker (g_ptr_array_index (clients, i), NULL);
  return 0;
}
