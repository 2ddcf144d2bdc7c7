/* Buffers through mqttsink -> broker -> mqttsrc, beside the bare client
 * doing the same (a publisher and a subscriber, the same window of 20
 * messages in flight), on one broker; and the elements again with a topic
 * per buffer (mode "topics": topic-template over the buffers' message
 * meta, 100 topics in turn, the receiver subscribed to their tree).
 *
 *   bench-gst --host H --port P --size BYTES --count N [--qos Q]
 *             [--only client|elements|topics]
 *
 * prints one JSON line per mode: {"mode":"client"|"elements"|"topics", "size", "count",
 * "seconds", "buffers_per_s", "mb_per_s", "received"}. The clock runs from
 * the first publication to the last reception. */

#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <mqtt-glib/mqtt-glib.h>

#define WINDOW 20

static const char *host = "127.0.0.1";
static int port = 1883, size = 4096, count = 10000, qos = 0;

static void
report (const char *mode, double seconds, int received)
{
  g_print ("{\"mode\":\"%s\",\"size\":%d,\"count\":%d,\"qos\":%d,\"seconds\":%.6f,"
           "\"buffers_per_s\":%.1f,\"mb_per_s\":%.2f,\"received\":%d}\n",
           mode, size, count, qos, seconds, received / seconds,
           (double) received * size / seconds / 1e6, received);
}

/* ------------------------------------------------------------------------ */
/* The bare client */

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int outstanding;
  int received;
} Counters;

static void
on_published (MqttClient *client, guint mid, Counters *c)
{
  pthread_mutex_lock (&c->lock);
  c->outstanding--;
  pthread_cond_broadcast (&c->cond);
  pthread_mutex_unlock (&c->lock);
}

static void
on_message (MqttClient *client, MqttMessage *message, Counters *c)
{
  pthread_mutex_lock (&c->lock);
  c->received++;
  pthread_cond_broadcast (&c->cond);
  pthread_mutex_unlock (&c->lock);
}

static MqttClient *
started_client (void)
{
  g_autoptr(GError) error = NULL;
  MqttClient *client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, &error);

  if (!client || !mqtt_client_connect_to_broker (client, host, port, 60, NULL, &error) ||
      !mqtt_client_loop_start (client, &error))
    g_error ("client: %s", error->message);
  return client;
}

static void
run_client (void)
{
  Counters c = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };
  g_autoptr(MqttClient) sub = NULL, pub = NULL;
  g_autoptr(GBytes) payload = g_bytes_new_take (g_malloc0 (size), size);
  g_autoptr(GError) error = NULL;
  gint64 start;
  int i;

  sub = started_client ();
  g_signal_connect (sub, "message", G_CALLBACK (on_message), &c);
  if (!mqtt_client_subscribe (sub, "bench/gst/client", qos, NULL, &error))
    g_error ("subscribe: %s", error->message);
  g_usleep (200000);
  pub = started_client ();
  mqtt_client_set_max_inflight_messages (pub, WINDOW);
  g_signal_connect (pub, "published", G_CALLBACK (on_published), &c);

  start = g_get_monotonic_time ();
  for (i = 0; i < count; i++)
    {
      pthread_mutex_lock (&c.lock);
      while (c.outstanding >= WINDOW)
        pthread_cond_wait (&c.cond, &c.lock);
      c.outstanding++;
      pthread_mutex_unlock (&c.lock);
      if (!mqtt_client_publish_bytes (pub, "bench/gst/client", payload, qos, FALSE, NULL, &error))
        g_error ("publish: %s", error->message);
    }
  pthread_mutex_lock (&c.lock);
  while (c.received < count)
    {
      struct timespec deadline;
      int before = c.received;

      clock_gettime (CLOCK_REALTIME, &deadline);
      deadline.tv_sec += 10;
      if (pthread_cond_timedwait (&c.cond, &c.lock, &deadline) != 0 && c.received == before)
        break;
    }
  pthread_mutex_unlock (&c.lock);
  report ("client", (g_get_monotonic_time () - start) / 1e6, c.received);
  mqtt_client_disconnect_from_broker (pub, NULL);
  mqtt_client_disconnect_from_broker (sub, NULL);
  mqtt_client_loop_stop (pub);
  mqtt_client_loop_stop (sub);
}

/* ------------------------------------------------------------------------ */
/* The elements */

static GstElement *
launch (const char *description)
{
  g_autoptr(GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);

  if (pipeline == NULL)
    g_error ("%s: %s", description, error->message);
  return pipeline;
}

static guint64
received_by (GstElement *src)
{
  GstStructure *stats = NULL;
  guint64 messages = 0;

  g_object_get (src, "stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "messages", &messages);
  gst_structure_free (stats);
  return messages;
}

static void
wait_element_message (GstElement *pipeline, const char *name)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (pipeline);

  for (;;)
    {
      g_autoptr(GstMessage) message = gst_bus_timed_pop_filtered (
        bus, 10 * GST_SECOND, GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);

      if (message == NULL || GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
        g_error ("no %s", name);
      if (gst_message_has_name (message, name))
        return;
    }
}

#define TOPICS 100

typedef struct {
  GstBuffer *buffers[TOPICS];  /* one, or one per topic with its message meta */
  int n_buffers;
  int pushed;
} Feed;

/* In appsrc's streaming thread, whenever its queue is empty. */
static void
feed_need_data (GstElement *appsrc, guint length, Feed *f)
{
  if (f->pushed < count)
    gst_app_src_push_buffer (GST_APP_SRC (appsrc),
                             gst_buffer_ref (f->buffers[f->pushed % f->n_buffers]));
  else
    gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
  f->pushed++;
}

/* @per_buffer_topics: each buffer on its own topic (topic-template over
 * its message meta), rather than all on one. */
static void
run_elements (gboolean per_buffer_topics)
{
  g_autofree char *rx = g_strdup_printf (
    "mqttsrc name=src host=%s port=%d topic=%s qos=%d max-buffers=0 "
    "max-bytes=0 ! fakesink sync=false", host, port,
    per_buffer_topics ? "bench/gst/topics/#" : "bench/gst/elements", qos);
  /* The same buffers pushed again and again, as the bare client publishes
   * one payload: the source's allocations are not counted against the
   * elements. */
  g_autofree char *tx = g_strdup_printf (
    "appsrc name=feed format=bytes ! mqttsink host=%s port=%d topic=bench/gst/elements "
    "qos=%d max-inflight=%d sync=false %s", host, port, qos, WINDOW,
    per_buffer_topics ? "topic-template=bench/gst/topics/{2}" : "");
  g_autoptr(GstElement) receiver = launch (rx);
  g_autoptr(GstElement) sender = launch (tx);
  g_autoptr(GstElement) src = gst_bin_get_by_name (GST_BIN (receiver), "src");
  g_autoptr(GstElement) feed = gst_bin_get_by_name (GST_BIN (sender), "feed");
  Feed f = { { NULL }, per_buffer_topics ? TOPICS : 1, 0 };
  guint64 received = 0, before;
  gint64 start, last_progress;
  int i;

  for (i = 0; i < f.n_buffers; i++)
    {
      f.buffers[i] = gst_buffer_new_wrapped (g_malloc0 (size), size);
      if (per_buffer_topics)
        {
          GstCustomMeta *meta = gst_buffer_add_custom_meta (f.buffers[i], "GstMqttMessageMeta");
          g_autofree char *topic = g_strdup_printf ("in/device-%d", i);

          gst_structure_set (gst_custom_meta_get_structure (meta), "topic", G_TYPE_STRING, topic,
                             NULL);
        }
    }

  gst_element_set_state (receiver, GST_STATE_PLAYING);
  wait_element_message (receiver, "mqtt-subscribed");
  start = last_progress = g_get_monotonic_time ();
  g_signal_connect (feed, "need-data", G_CALLBACK (feed_need_data), &f);
  gst_element_set_state (sender, GST_STATE_PLAYING);
  while (received < (guint64) count && g_get_monotonic_time () - last_progress < 10000000)
    {
      g_usleep (10000);
      before = received;
      received = received_by (src);
      if (received != before)
        last_progress = g_get_monotonic_time ();
    }
  report (per_buffer_topics ? "topics" : "elements", (g_get_monotonic_time () - start) / 1e6,
          received);
  gst_element_set_state (sender, GST_STATE_NULL);
  gst_element_set_state (receiver, GST_STATE_NULL);
  for (i = 0; i < f.n_buffers; i++)
    gst_buffer_unref (f.buffers[i]);
}

int
main (int argc, char **argv)
{
  const char *only = NULL;
  int i;

  gst_init (&argc, &argv);
  for (i = 1; i + 1 < argc; i += 2)
    {
      if (g_str_equal (argv[i], "--host"))
        host = argv[i + 1];
      else if (g_str_equal (argv[i], "--port"))
        port = atoi (argv[i + 1]);
      else if (g_str_equal (argv[i], "--size"))
        size = atoi (argv[i + 1]);
      else if (g_str_equal (argv[i], "--count"))
        count = atoi (argv[i + 1]);
      else if (g_str_equal (argv[i], "--qos"))
        qos = atoi (argv[i + 1]);
      else if (g_str_equal (argv[i], "--only"))
        only = argv[i + 1];
      else
        {
          g_printerr ("usage: %s --host H --port P --size BYTES --count N [--qos Q] "
                      "[--only client|elements|topics]\n", argv[0]);
          return 2;
        }
    }
  if (only == NULL || g_str_equal (only, "client"))
    run_client ();
  if (only == NULL || g_str_equal (only, "elements"))
    run_elements (FALSE);
  if (only == NULL || g_str_equal (only, "topics"))
    run_elements (TRUE);
  return 0;
}
