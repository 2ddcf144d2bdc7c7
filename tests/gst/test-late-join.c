/* A receiver that joins an encoded stream late: the retained stream header
 * gives it the caps at once, and its key-unit request has the sender's
 * encoder make a key frame. A VP8 stream with a key frame every 20 s,
 * joined 5 s in, decodes within a second with the request and not at all
 * in 2 s without it; JPEG and raw audio, whose caps go out once an hour
 * here, start within a second from the header alone. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>

#include "element-test.h"

/* What a pipeline did, from its streaming threads and its bus. */
typedef struct {
  GMutex lock;
  gint64 start;
  gint64 first;         /* monotonic µs of the first buffer out, 0 for none yet */
  GString *seen;        /* the element messages posted, "name name ..." */
  char *error;          /* the first error */
} Timing;

/* Every message, as it is posted (the bus keeps none). */
static GstBusSyncReply
record_message (GstBus *bus, GstMessage *message, gpointer data)
{
  Timing *timing = data;
  const GstStructure *s = gst_message_get_structure (message);

  g_mutex_lock (&timing->lock);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT && s)
    g_string_append_printf (timing->seen, " %s", gst_structure_get_name (s));
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT &&
      gst_structure_has_name (s, "mqtt-key-unit-request"))
    {
      gboolean forwarded = FALSE;

      gst_structure_get_boolean (s, "forwarded", &forwarded);
      g_string_append (timing->seen, forwarded ? "(forwarded)" : "(not forwarded)");
    }
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR && timing->error == NULL)
    {
      g_autoptr(GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      timing->error = g_strdup_printf ("%s: %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)),
                                       error->message);
    }
  g_mutex_unlock (&timing->lock);
  gst_message_unref (message);
  return GST_BUS_DROP;
}

/* Starts @pipeline, its messages recorded in @timing. */
static void
play (GstElement *pipeline, Timing *timing)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (pipeline);

  g_mutex_init (&timing->lock);
  timing->seen = g_string_new (NULL);
  gst_bus_set_sync_handler (bus, record_message, timing, NULL);
  timing->start = g_get_monotonic_time ();
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
}

static void
assert_no_error (Timing *timing)
{
  g_mutex_lock (&timing->lock);
  if (timing->error)
    g_error ("%s", timing->error);
  g_mutex_unlock (&timing->lock);
}

/* Whether @pipeline posted an element message named @name. */
static gboolean
posted (Timing *timing, const char *name)
{
  g_autofree char *word = g_strconcat (" ", name, NULL);
  gboolean found;

  g_mutex_lock (&timing->lock);
  found = strstr (timing->seen->str, word) != NULL;
  g_mutex_unlock (&timing->lock);
  return found;
}

static void
on_handoff (GstElement *sink, GstBuffer *buffer, GstPad *pad, Timing *timing)
{
  g_mutex_lock (&timing->lock);
  if (timing->first == 0)
    timing->first = g_get_monotonic_time ();
  g_mutex_unlock (&timing->lock);
}

/* Starts a receiver whose last element is a fakesink named "out". */
static GstElement *
start_receiver (guint16 port, const char *description, Timing *timing)
{
  GstElement *pipeline = launch (description, port);
  g_autoptr(GstElement) out = gst_bin_get_by_name (GST_BIN (pipeline), "out");

  g_object_set (out, "signal-handoffs", TRUE, "sync", FALSE, NULL);
  g_signal_connect (out, "handoff", G_CALLBACK (on_handoff), timing);
  play (pipeline, timing);
  return pipeline;
}

/* Seconds from the receiver's start to its first buffer, waiting at most
 * @ms; -1 if none came. */
static double
first_buffer_after (Timing *timing, guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;
  gint64 first;

  for (;;)
    {
      g_mutex_lock (&timing->lock);
      first = timing->first;
      g_mutex_unlock (&timing->lock);
      assert_no_error (timing);
      if (first || g_get_monotonic_time () >= deadline)
        break;
      g_usleep (5000);
    }
  return first ? (first - timing->start) / (double) G_USEC_PER_SEC : -1;
}

static void
stop (GstElement *pipeline, Timing *timing)
{
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_string_free (timing->seen, TRUE);
  g_free (timing->error);
  g_mutex_clear (&timing->lock);
}

static void
test_vp8 (BrokerFixture *f, gconstpointer data)
{
  GstElement *sender = launch (
    "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1 "
    "! vp8enc keyframe-max-dist=600 deadline=1 "
    "! mqttsink uri=mqtt://127.0.0.1:@PORT@/late/vp8?framing=gst", f->port);
  Timing sending = { 0 }, without = { 0 }, with = { 0 };
  GstElement *late, *asking;
  double seconds, waiting;

  play (sender, &sending);
  g_usleep (5 * G_USEC_PER_SEC);
  assert_no_error (&sending);

  /* Without a request: the next key frame is 15 s away. (Set
   * MQTT_TEST_WITHOUT_REQUEST_MS to 20000 to see how long it waits.) */
  late = start_receiver (f->port,
    "mqttsrc uri=mqtt://127.0.0.1:@PORT@/late/vp8?framing=gst request-key-units=false "
    "! vp8dec ! fakesink name=out", &without);
  waiting = first_buffer_after (&without, g_getenv ("MQTT_TEST_WITHOUT_REQUEST_MS")
                                ? atoi (g_getenv ("MQTT_TEST_WITHOUT_REQUEST_MS")) : 2000);
  g_test_message ("without the request: %s after %.3f s", waiting < 0 ? "no frame" : "a frame",
                  waiting < 0 ? (g_get_monotonic_time () - without.start) / 1e6 : waiting);
  g_assert_true (waiting < 0 || waiting > 2.0);

  asking = start_receiver (f->port,
    "mqttsrc uri=mqtt://127.0.0.1:@PORT@/late/vp8?framing=gst ! vp8dec ! fakesink name=out",
    &with);
  seconds = first_buffer_after (&with, 3000);
  g_test_message ("VP8, key frame every 600 frames, joined 5 s in: first frame decoded after "
                  "%.3f s with a key-unit request; none in 2 s without", seconds);
  g_assert_cmpfloat (seconds, >=, 0);
  g_assert_cmpfloat (seconds, <, 1.0);

  /* Each side said so on its bus; the first receiver asked nothing. */
  g_assert_true (posted (&with, "mqtt-key-unit-requested"));
  g_assert_false (posted (&without, "mqtt-key-unit-requested"));
  g_assert_true (posted (&sending, "mqtt-key-unit-request(forwarded)"));
  stop (asking, &with);
  stop (late, &without);
  stop (sender, &sending);
}

/* A stream of independent units whose caps go out once an hour: a
 * receiver that joins 1 s in has them at once from the stream header. */
static void
join_late (BrokerFixture *f, const char *what, const char *source, const char *receiver)
{
  g_autofree char *sending = g_strdup_printf (
    "%s ! mqttsink uri=mqtt://127.0.0.1:@PORT@/late/%s?framing=gst caps-interval=3600", source,
    what);
  g_autofree char *receiving = g_strdup_printf (
    "mqttsrc uri=mqtt://127.0.0.1:@PORT@/late/%s?framing=gst ! %s ! fakesink name=out", what,
    receiver);
  GstElement *sender = launch (sending, f->port), *late;
  Timing timing = { 0 }, sender_timing = { 0 };
  double seconds;

  play (sender, &sender_timing);
  g_usleep (G_USEC_PER_SEC);
  assert_no_error (&sender_timing);
  late = start_receiver (f->port, receiving, &timing);
  seconds = first_buffer_after (&timing, 3000);
  g_test_message ("%s joined 1 s in: first buffer after %.3f s", what, seconds);
  g_assert_cmpfloat (seconds, >=, 0);
  g_assert_cmpfloat (seconds, <, 1.0);
  stop (late, &timing);
  stop (sender, &sender_timing);
}

static void
test_jpeg (BrokerFixture *f, gconstpointer data)
{
  join_late (f, "jpeg",
             "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=10/1 "
             "! jpegenc", "jpegdec");
}

static void
test_audio (BrokerFixture *f, gconstpointer data)
{
  join_late (f, "audio",
             "audiotestsrc is-live=true samplesperbuffer=800 "
             "! audio/x-raw,format=S16LE,rate=8000,channels=1", "audioconvert");
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add ("/late-join/" path, BrokerFixture, NULL, broker_fixture_setup, fn, \
              broker_fixture_teardown)
  ADD ("vp8", test_vp8);
  ADD ("jpeg", test_jpeg);
  ADD ("audio", test_audio);
  return g_test_run ();
}
