/* Peak memory with many QoS 1 messages queued, beside libmosquitto when
 * it is there: a broker of the program's own (a thread on loopback that
 * answers CONNECT, then reads and never acknowledges) holds a client's
 * messages in flight, so that all the others stay queued. Each
 * measurement is a process of its own (this program run with --child),
 * that connects, publishes N messages of SIZE bytes, waits a second and
 * reports its peak resident size; N = 0 gives the size of the process
 * alone.
 *
 *   bench-queue-memory [--count N] [--sizes S,S,...]
 *
 * prints one JSON line per client and size: {"client", "count", "size",
 * "peak_kib", "base_kib", "ratio"} (ratio: to libmosquitto's peak). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <mqtt-glib/mqtt-glib.h>
#ifdef HAVE_LIBMOSQUITTO
#include <mosquitto.h>
#endif

static int count = 100000;
static char *sizes = NULL;

/* ------------------------------------------------------------------------ */
/* The broker that never acknowledges */

static gpointer
swallow (gpointer data)
{
  g_autoptr(GSocketConnection) connection = data;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  static const guint8 connack[] = { 0x20, 0x02, 0x00, 0x00 };
  guint8 buffer[65536];
  gboolean answered = FALSE;

  /* CONNECT comes alone in its first read: the client waits for CONNACK. */
  while (g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL) > 0)
    if (!answered)
      answered = g_output_stream_write_all (out, connack, sizeof connack, NULL, NULL, NULL);
  return NULL;
}

static gpointer
accept_loop (gpointer data)
{
  GSocketListener *listener = data;
  GSocketConnection *connection;

  while ((connection = g_socket_listener_accept (listener, NULL, NULL, NULL)))
    g_thread_unref (g_thread_new ("swallow", swallow, connection));
  return NULL;
}

/* A port on 127.0.0.1 for @listener, 0 on failure. */
static int
listen_loopback (GSocketListener *listener, GError **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;

  if (!g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

/* ------------------------------------------------------------------------ */
/* The measured processes */

static long
peak_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmHWM:")) == NULL)
    return -1;
  return strtol (line + strlen ("VmHWM:"), NULL, 10);
}

static int
child_glib (int port, int n, gsize size)
{
  g_autoptr(MqttClient) client = mqtt_client_new ("queue-memory", TRUE, MQTT_PROTOCOL_V311, NULL);
  g_autofree guint8 *payload = g_malloc0 (size);
  g_autoptr(GError) error = NULL;
  int i;

  if (n == 0)
    return printf ("%ld\n", peak_kib ()) < 0;
  mqtt_client_set_max_queued_bytes (client, 0);
  if (!mqtt_client_connect_to_broker (client, "127.0.0.1", port, 60, NULL, &error) ||
      !mqtt_client_loop_start (client, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_usleep (G_USEC_PER_SEC / 2);
  for (i = 0; i < n; i++)
    if (!mqtt_client_publish (client, "bench/queued", payload, size, 1, FALSE, NULL, &error))
      {
        g_printerr ("%s\n", error->message);
        return 1;
      }
  g_usleep (G_USEC_PER_SEC);
  printf ("%ld\n", peak_kib ());
  mqtt_client_loop_stop (client);
  return 0;
}

#ifdef HAVE_LIBMOSQUITTO
static int
child_mosquitto (int port, int n, gsize size)
{
  g_autofree guint8 *payload = g_malloc0 (size);
  struct mosquitto *m;
  int i;

  mosquitto_lib_init ();
  m = mosquitto_new ("queue-memory", true, NULL);
  if (n == 0)
    return printf ("%ld\n", peak_kib ()) < 0;
  if (mosquitto_connect (m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS ||
      mosquitto_loop_start (m) != MOSQ_ERR_SUCCESS)
    return 1;
  g_usleep (G_USEC_PER_SEC / 2);
  for (i = 0; i < n; i++)
    if (mosquitto_publish (m, NULL, "bench/queued", size, payload, 1, false) != MOSQ_ERR_SUCCESS)
      return 1;
  g_usleep (G_USEC_PER_SEC);
  printf ("%ld\n", peak_kib ());
  mosquitto_disconnect (m);
  mosquitto_loop_stop (m, true);
  mosquitto_destroy (m);
  mosquitto_lib_cleanup ();
  return 0;
}
#endif

/* ------------------------------------------------------------------------ */

/* The peak a child reports, -1 on failure. */
static long
measure (const char *self, const char *client, int port, int n, gsize size)
{
  g_autofree char *port_s = g_strdup_printf ("%d", port), *n_s = g_strdup_printf ("%d", n);
  g_autofree char *size_s = g_strdup_printf ("%" G_GSIZE_FORMAT, size), *out = NULL;
  const char *argv[] = { self, "--child", client, port_s, n_s, size_s, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("%s %d×%" G_GSIZE_FORMAT ": %s\n", client, n, size, error->message);
      return -1;
    }
  return strtol (out, NULL, 10);
}

int
main (int argc, char **argv)
{
  const char *clients[] = {
#ifdef HAVE_LIBMOSQUITTO
    "libmosquitto",
#endif
    "mqtt-glib",
  };
  GOptionEntry entries[] = {
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "Messages queued", "N" },
    { "sizes", 0, 0, G_OPTION_ARG_STRING, &sizes, "Payload sizes (64,1024)", "S,S" },
    { NULL },
  };
  g_autoptr(GOptionContext) options = NULL;
  g_autoptr(GSocketListener) listener = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) size_list = NULL;
  int port;
  guint i, j;

  if (argc == 6 && strcmp (argv[1], "--child") == 0)
    {
      int child_port = atoi (argv[3]), n = atoi (argv[4]);
      gsize size = strtoul (argv[5], NULL, 10);

#ifdef HAVE_LIBMOSQUITTO
      if (strcmp (argv[2], "libmosquitto") == 0)
        return child_mosquitto (child_port, n, size);
#endif
      return child_glib (child_port, n, size);
    }

  options = g_option_context_new ("- peak memory with messages queued");
  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  size_list = g_strsplit (sizes ? sizes : "64,1024", ",", -1);

  listener = g_socket_listener_new ();
  port = listen_loopback (listener, &error);
  if (port == 0)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_thread_unref (g_thread_new ("accept", accept_loop, listener));

  for (i = 0; size_list[i]; i++)
    {
      gsize size = strtoul (size_list[i], NULL, 10);
      long mosquitto_peak = -1;

      for (j = 0; j < G_N_ELEMENTS (clients); j++)
        {
          long base = measure (argv[0], clients[j], port, 0, size);
          long peak = measure (argv[0], clients[j], port, count, size);

          if (base < 0 || peak < 0)
            return 1;
          if (strcmp (clients[j], "libmosquitto") == 0)
            mosquitto_peak = peak;
          printf ("{\"client\": \"%s\", \"count\": %d, \"size\": %" G_GSIZE_FORMAT
                  ", \"peak_kib\": %ld, \"base_kib\": %ld, \"ratio\": %.2f}\n",
                  clients[j], count, size, peak, base,
                  mosquitto_peak > 0 ? (double) peak / mosquitto_peak : 1.0);
          fflush (stdout);
        }
    }
  return 0;
}
