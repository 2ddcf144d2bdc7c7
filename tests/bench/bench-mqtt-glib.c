/* bench-mqtt-glib: the benchmark program of the peer harness contract
 * (shared/bench/README.md), for mqtt-glib.
 *
 *   bench-mqtt-glib --host H --port P --workload pub0|pub1|pub2|sub0|sub1|rtt
 *                   --count N --size BYTES
 *
 * (and, outside the harness contract, --transport tcp|tls|ws|wss --cafile
 * CA.pem, --protocol 3|4|5, --topic-aliases N and --topic T for the pub
 * workloads, with "protocol" and, over TCP with --topic, the bytes sent
 * per message added to the JSON)
 * With MQTT_BENCH_STORE=DIR in the environment the client keeps its QoS 1/2
 * state in a MqttFileStore in DIR (client id bench-PID), with the sync
 * policy MQTT_BENCH_STORE_SYNC (always, batched or none; batched by
 * default).
 *
 * prints one JSON line on stdout, after a line "ready" once a sub
 * workload's SUBACK is in; diagnostics on stderr. Exit 0 on success, 1 on error, 2 on bad
 * usage, 3 after 10 one-second ticks without progress.
 *
 * It is written as a GLib application would be: one thread, the client in
 * the default main context, a GMainLoop, signals. All N publications are
 * handed to the client at once (as the libmosquitto peer does); the
 * client's in-flight window is its default, 20. */

#include <math.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mqtt-glib/mqtt-glib.h>

static const char *host = "127.0.0.1";
static const char *workload = "pub0";
static guint port = 18830;
static gint count = 100000;
static gint size = 64;
static const char *transport = "tcp";   /* beyond the harness contract: tcp, tls, ws, wss */
static const char *cafile = NULL;
static int protocol = MQTT_PROTOCOL_V311;
static int topic_aliases = 0;
static const char *topic = "bench/t";

static GMainLoop *loop;
static guint8 *payload;
static gint64 t0, t_end;
static guint barrier_mid;
static gint written0, acked, received;
static guint64 progress;
static gdouble *rtts;
static gdouble ping_t;   /* seconds, to the nanosecond (rtt) */
static int exit_code;

static gboolean
is (const char *w)
{
  return strcmp (workload, w) == 0;
}

/* The monotonic clock to the nanosecond: round trips are tens of
 * microseconds, and g_get_monotonic_time() rounds to one. */
static gdouble
now_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
finish (void)
{
  t_end = g_get_monotonic_time ();
  g_main_loop_quit (loop);
}

static void
fail (const char *what, const GError *error)
{
  fprintf (stderr, "mqtt-glib: %s: %s\n", what, error ? error->message : "failed");
  exit_code = 1;
  g_main_loop_quit (loop);
}

static void
on_published (MqttClient *client, guint mid, gpointer data)
{
  progress++;
  if (is ("pub0"))
    {
      /* The barrier is the only QoS 1 message, published after all QoS 0
       * ones: its PUBACK is the last callback. */
      if (written0 == count && mid == barrier_mid)
        finish ();
      else if (++written0 > count)
        {
          fprintf (stderr, "mqtt-glib: unexpected published signal\n");
          exit (1);
        }
    }
  else if (++acked == count)
    finish ();
}

static void
on_message (MqttClient *client, MqttMessage *message, gpointer data)
{
  if (g_bytes_get_size (mqtt_message_get_payload (message)) != (gsize) size)
    return;
  progress++;
  if (is ("rtt"))
    {
      gdouble t = now_seconds ();
      g_autoptr(GError) error = NULL;

      rtts[received++] = t - ping_t;
      if (received == count)
        {
          finish ();
          return;
        }
      ping_t = t;
      if (!mqtt_client_publish (client, "bench/ping", payload, size, MQTT_QOS_AT_MOST_ONCE, FALSE,
                                NULL, &error))
        fail ("publish", error);
    }
  else if (received < count)
    {
      if (received++ == 0)
        t0 = g_get_monotonic_time ();
      if (received == count)
        finish ();
    }
}

static void
on_subscribed (MqttClient *client, guint mid, GArray *granted, gpointer data)
{
  g_autoptr(GError) error = NULL;

  if (granted->len != 1 || g_array_index (granted, guint8, 0) > 2)
    {
      fprintf (stderr, "mqtt-glib: subscription refused\n");
      exit (1);
    }
  if (is ("rtt"))
    {
      t0 = g_get_monotonic_time ();
      ping_t = now_seconds ();
      if (!mqtt_client_publish (client, "bench/ping", payload, size, MQTT_QOS_AT_MOST_ONCE, FALSE,
                                NULL, &error))
        fail ("publish", error);
      return;
    }
  /* The harness reads it on stdout. */
  printf ("ready\n");
  fflush (stdout);
}

static void
on_disconnected (MqttClient *client, gint rc, GError *error, gpointer data)
{
  if (t_end == 0)
    fail ("connection lost", error);
}

/* Gives up after 10 one-second ticks without progress: ticks, not wall
 * time, as the harness may freeze the process. */
static gboolean
watchdog (gpointer data)
{
  static guint64 seen = G_MAXUINT64;
  static int idle;

  if (progress != seen)
    {
      seen = progress;
      idle = 0;
    }
  else if (++idle >= 10)
    {
      fprintf (stderr, "mqtt-glib: stalled: received %d, acknowledged %d of %d\n", received,
               acked, count);
      exit (3);
    }
  return G_SOURCE_CONTINUE;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

int
main (int argc, char *argv[])
{
  g_autoptr(MqttClient) client = NULL;
  g_autoptr(GError) error = NULL;
  MqttQos qos;
  double seconds;
  int i;

  for (i = 1; i + 1 < argc; i += 2)
    {
      if (!strcmp (argv[i], "--host"))
        host = argv[i + 1];
      else if (!strcmp (argv[i], "--port"))
        port = atoi (argv[i + 1]);
      else if (!strcmp (argv[i], "--workload"))
        workload = argv[i + 1];
      else if (!strcmp (argv[i], "--count"))
        count = atoi (argv[i + 1]);
      else if (!strcmp (argv[i], "--size"))
        size = atoi (argv[i + 1]);
      else if (!strcmp (argv[i], "--transport"))
        transport = argv[i + 1];
      else if (!strcmp (argv[i], "--cafile"))
        cafile = argv[i + 1];
      else if (!strcmp (argv[i], "--protocol"))
        protocol = atoi (argv[i + 1]);
      else if (!strcmp (argv[i], "--topic-aliases"))
        topic_aliases = atoi (argv[i + 1]);
      else if (!strcmp (argv[i], "--topic"))
        topic = argv[i + 1];
      else
        {
          fprintf (stderr, "unknown option %s\n", argv[i]);
          return 2;
        }
    }
  if (!(is ("pub0") || is ("pub1") || is ("pub2") || is ("sub0") || is ("sub1") || is ("rtt")) ||
      count < 1 || size < 0 || i != argc)
    {
      fprintf (stderr, "usage: %s --host H --port P --workload pub0|pub1|pub2|sub0|sub1|rtt "
                       "--count N --size BYTES\n", argv[0]);
      return 2;
    }

  qos = is ("rtt") ? MQTT_QOS_AT_MOST_ONCE : (MqttQos) (workload[3] - '0');
  payload = g_malloc (size + 1);
  memset (payload, 'x', size);
  if (is ("rtt"))
    rtts = g_new0 (double, count);
  loop = g_main_loop_new (NULL, FALSE);

  if (g_getenv ("MQTT_BENCH_STORE"))
    {
      g_autoptr(MqttFileStore) store = mqtt_file_store_new (g_getenv ("MQTT_BENCH_STORE"));
      const char *sync = g_getenv ("MQTT_BENCH_STORE_SYNC");
      g_autofree char *id = g_strdup_printf ("bench-%d", (int) getpid ());

      mqtt_file_store_set_sync (store, !g_strcmp0 (sync, "always") ? MQTT_STORE_SYNC_ALWAYS
                                       : !g_strcmp0 (sync, "none") ? MQTT_STORE_SYNC_NONE
                                                                   : MQTT_STORE_SYNC_BATCHED);
      client = mqtt_client_new (id, TRUE, protocol, &error);
      if (client && !mqtt_client_set_store (client, MQTT_STORE (store), &error))
        g_clear_object (&client);
    }
  else
    client = mqtt_client_new (NULL, TRUE, protocol, &error);
  if (client == NULL)
    {
      fprintf (stderr, "mqtt-glib: %s\n", error->message);
      return 2;
    }
  mqtt_client_set_outgoing_topic_aliases (client, topic_aliases);
  g_signal_connect (client, "message", G_CALLBACK (on_message), NULL);
  g_signal_connect (client, "subscribed", G_CALLBACK (on_subscribed), NULL);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), NULL);
  if (g_str_has_prefix (workload, "pub"))
    g_signal_connect (client, "published", G_CALLBACK (on_published), NULL);
  mqtt_client_set_auto_reconnect (client, FALSE);
  if (g_str_has_prefix (transport, "ws"))
    mqtt_client_set_transport (client, MQTT_TRANSPORT_WEBSOCKETS);
  if ((!strcmp (transport, "tls") || !strcmp (transport, "wss")) &&
      !mqtt_client_tls_set (client, cafile, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                            MQTT_TLS_VERSION_DEFAULT, NULL, &error))
    {
      fprintf (stderr, "mqtt-glib: tls: %s\n", error->message);
      return 1;
    }

  if (!mqtt_client_connect_to_broker (client, host, port, 60, NULL, &error))
    {
      fprintf (stderr, "mqtt-glib: connect: %s\n", error->message);
      return 1;
    }
  g_timeout_add_seconds (1, watchdog, NULL);

  if (g_str_has_prefix (workload, "sub") || is ("rtt"))
    {
      if (!mqtt_client_subscribe (client, is ("rtt") ? "bench/ping" : "bench/t", qos, NULL, &error))
        {
          fprintf (stderr, "mqtt-glib: subscribe: %s\n", error->message);
          return 1;
        }
    }
  else
    {
      t0 = g_get_monotonic_time ();
      for (i = 0; i < count; i++)
        if (!mqtt_client_publish (client, topic, payload, size, qos, FALSE, NULL, &error))
          {
            fprintf (stderr, "mqtt-glib: publish: %s\n", error->message);
            return 1;
          }
      if (qos == MQTT_QOS_AT_MOST_ONCE &&
          !mqtt_client_publish (client, topic, payload, size, MQTT_QOS_AT_LEAST_ONCE, FALSE,
                                &barrier_mid, &error))
        {
          fprintf (stderr, "mqtt-glib: publish: %s\n", error->message);
          return 1;
        }
    }

  g_main_loop_run (loop);
  if (exit_code)
    return exit_code;

  seconds = (t_end - t0) / 1e6;
  printf ("{\"client\":\"mqtt-glib\",\"workload\":\"%s\",\"count\":%d,\"size\":%d,"
          "\"seconds\":%.6f,\"msgs_per_s\":%.1f",
          workload, count, size, seconds, count / seconds);
  if (strcmp (transport, "tcp") != 0)
    printf (",\"transport\":\"%s\"", transport);
  if (protocol != MQTT_PROTOCOL_V311)
    printf (",\"protocol\":%d", protocol);
  if (topic_aliases > 0)
    printf (",\"topic_aliases\":%d", topic_aliases);
  if (g_str_has_prefix (workload, "pub") && !strcmp (transport, "tcp") &&
      strcmp (topic, "bench/t") != 0)
    {
      struct tcp_info info;
      socklen_t length = sizeof info;
      GSocket *socket = mqtt_client_get_socket (client);

      /* Everything the connection carried, CONNECT and the barrier
       * included, over the messages. */
      if (socket &&
          getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &info, &length) == 0)
        printf (",\"topic_length\":%zu,\"wire_bytes_per_message\":%.1f", strlen (topic),
                (double) info.tcpi_bytes_acked / (count + (qos == 0)));
    }
  if (is ("rtt"))
    {
      qsort (rtts, count, sizeof (double), cmp_double);
      printf (",\"p50_us\":%.1f,\"p99_us\":%.1f", rtts[(int) ceil (count * 0.50) - 1] * 1e6,
              rtts[(int) ceil (count * 0.99) - 1] * 1e6);
    }
  printf ("}\n");
  fflush (stdout);

  mqtt_client_disconnect_from_broker (client, NULL);
  g_main_loop_unref (loop);
  g_free (payload);
  g_free (rtts);
  return 0;
}
