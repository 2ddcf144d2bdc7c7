/* Delivery through per-filter callbacks as the number of filters grows:
 * a client with one matching filter among F (F = 0: the message signal;
 * then 10,000 and 100,000) receives N QoS 0 messages that a broker of the
 * program's own (a thread on loopback that answers CONNECT and then
 * writes the messages as fast as the socket takes them) sends, so that the
 * client's own cost is what is measured, not mosquitto's.
 *
 *   bench-filters [--count N] [--filters F,F,...]
 *
 * prints one JSON line per F: {"filters", "count", "seconds",
 * "msgs_per_s", "ratio"} (ratio: to F = 0's rate). */

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <mqtt-glib/mqtt-glib.h>

static int count = 500000;

/* The messages, encoded once: PUBLISH QoS 0 to "site/7/dev/42/state". */
static GBytes *
encode_flood (void)
{
  static const char topic[] = "site/7/dev/42/state";
  static const char payload[] = "0123456789abcdef0123456789abcdef";
  GByteArray *out = g_byte_array_new ();
  guint8 head[4];
  int i;

  for (i = 0; i < count; i++)
    {
      gsize remaining = 2 + strlen (topic) + strlen (payload);

      head[0] = 0x30;
      head[1] = remaining;
      head[2] = 0;
      head[3] = strlen (topic);
      g_byte_array_append (out, head, 4);
      g_byte_array_append (out, (const guint8 *) topic, strlen (topic));
      g_byte_array_append (out, (const guint8 *) payload, strlen (payload));
    }
  return g_byte_array_free_to_bytes (out);
}

typedef struct {
  GSocketListener *listener;
  GBytes *flood;
  GMutex lock;
  GCond cond;
  gboolean go;
} Broker;

static gpointer
serve (gpointer data)
{
  Broker *b = data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GInputStream *in;
  GOutputStream *out;
  guint8 buffer[256];
  static const guint8 connack[] = { 0x20, 0x02, 0x00, 0x00 };
  gsize size;
  gconstpointer flood = g_bytes_get_data (b->flood, &size);

  if (!(connection = g_socket_listener_accept (b->listener, NULL, NULL, &error)))
    g_error ("accept: %s", error->message);
  in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  /* The CONNECT (short: one read holds it), then CONNACK. */
  if (g_input_stream_read (in, buffer, sizeof buffer, NULL, &error) <= 0 ||
      !g_output_stream_write_all (out, connack, sizeof connack, NULL, NULL, &error))
    g_error ("handshake: %s", error ? error->message : "closed");
  g_mutex_lock (&b->lock);
  while (!b->go)
    g_cond_wait (&b->cond, &b->lock);
  g_mutex_unlock (&b->lock);
  if (!g_output_stream_write_all (out, flood, size, NULL, NULL, &error))
    g_error ("flood: %s", error->message);
  /* Until the client goes. */
  while (g_input_stream_read (in, buffer, sizeof buffer, NULL, NULL) > 0)
    ;
  return NULL;
}

typedef struct {
  int received;
  gint64 first, last;
} Counter;

static void
count_one (Counter *c)
{
  gint64 now = g_get_monotonic_time ();

  if (c->received++ == 0)
    c->first = now;
  c->last = now;
}

static void
on_message (MqttClient *client, MqttMessage *message, gpointer data)
{
  count_one (data);
}

static void
on_filter (MqttClient *client, MqttMessage *message, gpointer data)
{
  count_one (data);
}

static void
ignore (MqttClient *client, MqttMessage *message, gpointer data)
{
  g_error ("a filter that does not match got %s", mqtt_message_get_topic (message));
}

/* Seconds to receive the flood with @filters callbacks, one of them
 * matching. */
static double
run (GBytes *flood, int filters)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(MqttClient) client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, NULL);
  g_autoptr(GError) error = NULL;
  Broker b = { listener, flood };
  Counter c = { 0 };
  GThread *thread;
  guint16 port;
  int i;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  if (port == 0)
    g_error ("listen: %s", error->message);
  g_mutex_init (&b.lock);
  g_cond_init (&b.cond);
  thread = g_thread_new ("broker", serve, &b);

  /* Devices' state topics and tree filters that the flood's topic does
   * not match; the one that does is among them. */
  for (i = 0; i + 1 < filters; i++)
    {
      g_autofree char *filter = i % 3 == 0 ? g_strdup_printf ("site/%d/dev/+/state", i + 100)
                              : i % 3 == 1 ? g_strdup_printf ("site/7/dev/%d/state", i + 100)
                                           : g_strdup_printf ("alerts/%d/#", i);

      mqtt_client_message_callback_add (client, filter, ignore, NULL, NULL, NULL);
    }
  if (filters > 0)
    mqtt_client_message_callback_add (client, "site/+/dev/42/#", on_filter, &c, NULL, NULL);
  else
    g_signal_connect (client, "message", G_CALLBACK (on_message), &c);

  if (!mqtt_client_connect_to_broker (client, "127.0.0.1", port, 60, NULL, &error))
    g_error ("connect: %s", error->message);
  g_mutex_lock (&b.lock);
  b.go = TRUE;
  g_cond_signal (&b.cond);
  g_mutex_unlock (&b.lock);
  while (c.received < count)
    if (mqtt_client_loop (client, 1.0, &error) == FALSE)
      g_error ("loop: %s", error->message);
  mqtt_client_disconnect_from_broker (client, NULL);
  g_object_unref (g_steal_pointer (&client));
  g_thread_join (thread);
  g_mutex_clear (&b.lock);
  g_cond_clear (&b.cond);
  return (c.last - c.first) / 1e6;
}

int
main (int argc, char **argv)
{
  const char *list = "0,10000,100000";
  g_auto(GStrv) each = NULL;
  g_autoptr(GBytes) flood = NULL;
  double base = 0;
  int i;

  for (i = 1; i + 1 < argc; i += 2)
    {
      if (g_str_equal (argv[i], "--count"))
        count = atoi (argv[i + 1]);
      else if (g_str_equal (argv[i], "--filters"))
        list = argv[i + 1];
      else
        {
          g_printerr ("usage: %s [--count N] [--filters F,F,...]\n", argv[0]);
          return 2;
        }
    }
  flood = encode_flood ();
  each = g_strsplit (list, ",", -1);
  for (i = 0; each[i]; i++)
    {
      int filters = atoi (each[i]);
      double seconds = run (flood, filters), rate = (count - 1) / seconds;

      if (filters == 0)
        base = rate;
      g_print ("{\"filters\":%d,\"count\":%d,\"seconds\":%.6f,\"msgs_per_s\":%.1f,"
               "\"ratio\":%.3f}\n", filters, count, seconds, rate, base ? rate / base : 0);
    }
  return 0;
}
