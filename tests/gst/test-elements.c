/* mqttsrc and mqttsink against mosquitto: round trips in both framings,
 * a video stream, pieces, interoperation with mosquitto_pub/sub, a broker
 * restart mid-stream, state changes, errors, the URI handler and unlock. */

#include "config.h"

#include <string.h>

#include "element-test.h"
#include "test-common.h"
#include "test-resolver.h"

typedef BrokerFixture Fixture;

/* ------------------------------------------------------------------------ */

/* raw: the bytes alone, identical, with the message's topic as meta;
 * buffers alone and in a list. */
static void
test_raw_round_trip (Fixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "gst/raw/#", NULL);
  GstHarness *sink = harness (f, "mqttsink", "gst/raw/one", "qos", 1, NULL);
  GstBufferList *list;
  guint8 bytes[3000];
  guint i;

  for (i = 0; i < sizeof bytes; i++)
    bytes[i] = i * 31 + 7;
  gst_harness_play (src);
  wait_subscribed (src);
  gst_harness_set_src_caps_str (sink, "application/octet-stream");

  for (i = 0; i < 3; i++)
    g_assert_cmpint (gst_harness_push (sink, buffer_of (bytes, 1000 * (i + 1))), ==,
                     GST_FLOW_OK);
  /* A list from upstream: each buffer its message, in order. */
  list = gst_buffer_list_new ();
  for (i = 3; i < 6; i++)
    gst_buffer_list_insert (list, -1, buffer_of (bytes, 1000 * (6 - i) - 1));
  g_assert_cmpint (gst_pad_push_list (sink->srcpad, list), ==, GST_FLOW_OK);
  for (i = 0; i < 6; i++)
    {
      g_autoptr(GstBuffer) buffer = gst_harness_pull (src);
      GstCustomMeta *meta;

      g_assert_nonnull (buffer);
      assert_buffer_equals (buffer, bytes, i < 3 ? 1000 * (i + 1) : 1000 * (6 - i) - 1);
      meta = gst_buffer_get_custom_meta (buffer, "GstMqttMessageMeta");
      g_assert_nonnull (meta);
      g_assert_cmpstr (gst_structure_get_string (gst_custom_meta_get_structure (meta), "topic"),
                       ==, "gst/raw/one");
    }
  harness_teardown (sink);
  harness_teardown (src);
}

/* gst: caps, flags, timestamps (their spacing), offsets and EOS cross. */
static void
test_gst_round_trip (Fixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "gst/framed", "framing", 1, "qos", 2, NULL);
  GstHarness *sink = harness (f, "mqttsink", "gst/framed", "framing", 1, "qos", 2, NULL);
  const char *caps = "audio/x-raw, format=(string)S16LE, rate=(int)48000, channels=(int)2, "
                     "layout=(string)interleaved";
  g_autoptr(GstCaps) expected_caps = gst_caps_from_string (caps);
  GstClockTime first_pts = GST_CLOCK_TIME_NONE;
  gboolean eos = FALSE;
  guint i;

  gst_harness_play (src);
  wait_subscribed (src);
  gst_harness_set_src_caps_str (sink, caps);

  for (i = 0; i < 5; i++)
    {
      GstBuffer *buffer = buffer_of ("0123456789", 10);

      GST_BUFFER_PTS (buffer) = GST_BUFFER_DTS (buffer) = i * 20 * GST_MSECOND;
      GST_BUFFER_DURATION (buffer) = 20 * GST_MSECOND;
      GST_BUFFER_OFFSET (buffer) = i;
      GST_BUFFER_OFFSET_END (buffer) = i + 1;
      if (i == 0)
        GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
      else
        GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
      g_assert_cmpint (gst_harness_push (sink, buffer), ==, GST_FLOW_OK);
    }
  g_assert_true (gst_harness_push_event (sink, gst_event_new_eos ()));

  for (i = 0; i < 5; i++)
    {
      g_autoptr(GstBuffer) buffer = gst_harness_pull (src);

      g_assert_nonnull (buffer);
      assert_buffer_equals (buffer, "0123456789", 10);
      if (i == 0)
        first_pts = GST_BUFFER_PTS (buffer);
      g_assert_cmpuint (GST_BUFFER_PTS (buffer) - first_pts, ==, i * 20 * GST_MSECOND);
      g_assert_cmpuint (GST_BUFFER_DURATION (buffer), ==, 20 * GST_MSECOND);
      g_assert_cmpuint (GST_BUFFER_OFFSET (buffer), ==, i);
      g_assert_cmpuint (GST_BUFFER_OFFSET_END (buffer), ==, i + 1);
      g_assert_cmpint (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT), ==, i > 0);
    }
  {
    g_autoptr(GstCaps) got = gst_pad_get_current_caps (src->sinkpad);

    g_assert_nonnull (got);
    g_assert_true (gst_caps_is_equal (got, expected_caps));
  }
  /* The sender's EOS ends this stream. */
  while (!eos)
    {
      GstEvent *event = gst_harness_pull_event (src);

      g_assert_nonnull (event);
      eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;
      gst_event_unref (event);
    }
  harness_teardown (sink);
  harness_teardown (src);
}

/* A buffer above max-message-size goes in pieces through a broker that
 * refuses packets over 1 MB, and comes out whole; raw framing refuses it. */
static void
test_pieces (Fixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "gst/big", "framing", 1, "qos", 1, NULL);
  GstHarness *sink = harness (f, "mqttsink", "gst/big", "framing", 1, "qos", 1,
                              "max-message-size", 1000 * 1000, NULL);
  gsize size = 5 * 1000 * 1000;
  g_autofree guint8 *bytes = g_malloc (size);
  g_autoptr(GstBuffer) got = NULL;
  GstMessage *error_message;
  gsize i;

  for (i = 0; i < size; i++)
    bytes[i] = (i * 2654435761u) >> 24;
  gst_harness_play (src);
  wait_subscribed (src);
  gst_harness_set_src_caps_str (sink, "application/octet-stream");
  g_assert_cmpint (gst_harness_push (sink, buffer_of (bytes, size)), ==, GST_FLOW_OK);
  got = gst_harness_pull (src);
  g_assert_nonnull (got);
  /* 5 MB in pieces of 1 MB less the header (and caps: every piece has room
   * for them): 6 pieces. */
  g_assert_cmpuint (gst_buffer_n_memory (got), ==, 6);
  assert_buffer_equals (got, bytes, size);
  harness_teardown (sink);

  sink = harness (f, "mqttsink", "gst/big", NULL);
  gst_harness_set_src_caps_str (sink, "application/octet-stream");
  /* The error is posted, and the stream ends without a second one. */
  g_assert_cmpint (gst_harness_push (sink, buffer_of (bytes, 2 * 1024 * 1024)), ==,
                   GST_FLOW_EOS);
  error_message = wait_message (sink, "error");
  {
    g_autoptr(GError) error = NULL;

    gst_message_parse_error (error_message, &error, NULL);
    g_assert_nonnull (strstr (error->message, "max-message-size"));
  }
  gst_message_unref (error_message);
  harness_teardown (sink);
  harness_teardown (src);
}

typedef struct {
  gint count;
  guint64 next_offset;
  gboolean in_order;
} Counter;

static void
count_buffer (GstElement *fakesink, GstBuffer *buffer, GstPad *pad, gpointer user_data)
{
  Counter *counter = user_data;

  if (GST_BUFFER_OFFSET (buffer) != counter->next_offset)
    counter->in_order = FALSE;
  counter->next_offset = GST_BUFFER_OFFSET (buffer) + 1;
  g_atomic_int_inc (&counter->count);
}

/* The issue's pipelines: 300 frames of 640x480 video at QoS 1, all
 * received, in order. */
static void
test_video (Fixture *f, gconstpointer data)
{
  g_autoptr(GstElement) receiver = launch (
    "mqttsrc uri=mqtt://127.0.0.1:@PORT@/gst/video framing=gst qos=1 max-buffers=400 "
    "! fakesink name=out signal-handoffs=true sync=false", f->port);
  g_autoptr(GstElement) sender = launch (
    "videotestsrc num-buffers=300 ! video/x-raw,format=I420,width=640,height=480 "
    "! mqttsink uri=mqtt://127.0.0.1:@PORT@/gst/video framing=gst qos=1 sync=false", f->port);
  g_autoptr(GstElement) out = gst_bin_get_by_name (GST_BIN (receiver), "out");
  Counter counter = { 0, 0, TRUE };
  gint64 deadline;

  g_signal_connect (out, "handoff", G_CALLBACK (count_buffer), &counter);
  gst_element_set_state (receiver, GST_STATE_PLAYING);
  wait_pipeline_message (receiver, "mqtt-subscribed");
  run_until_eos (sender, 60);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (g_atomic_int_get (&counter.count) < 300 && g_get_monotonic_time () < deadline)
    g_usleep (10000);
  g_assert_cmpint (g_atomic_int_get (&counter.count), ==, 300);
  g_assert_true (counter.in_order);
  gst_element_set_state (sender, GST_STATE_NULL);
  gst_element_set_state (receiver, GST_STATE_NULL);
}

/* raw framing talks to mosquitto_pub and mosquitto_sub. */
static void
test_interop (Fixture *f, gconstpointer data)
{
  g_autofree char *port = g_strdup_printf ("%u", f->port);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) sub = NULL;
  g_autoptr(GBytes) out = NULL;
  GstHarness *sink, *src;
  guint8 bytes[256];
  guint i;

  for (i = 0; i < sizeof bytes; i++)
    bytes[i] = i;

  /* mqttsink -> mosquitto_sub, a retained message so that timing does not
   * matter. */
  sink = harness (f, "mqttsink", "gst/interop/out", "retain", TRUE, "qos", 1, "wait-ack", TRUE,
                  NULL);
  gst_harness_set_src_caps_str (sink, "application/octet-stream");
  g_assert_cmpint (gst_harness_push (sink, buffer_of (bytes, sizeof bytes)), ==, GST_FLOW_OK);
  harness_teardown (sink);
  sub = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "mosquitto_sub", "-h",
                          "127.0.0.1", "-p", port, "-t", "gst/interop/out", "-C", "1", "-N",
                          "-W", "10", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate (sub, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), bytes, sizeof bytes);

  /* mosquitto_pub -> mqttsrc */
  src = harness (f, "mqttsrc", "gst/interop/in", NULL);
  gst_harness_play (src);
  wait_subscribed (src);
  {
    g_autoptr(GSubprocess) pub = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                                   "mosquitto_pub", "-h", "127.0.0.1", "-p",
                                                   port, "-t", "gst/interop/in", "-m",
                                                   "from mosquitto_pub", "-q", "1", NULL);
    g_autoptr(GstBuffer) buffer = NULL;

    g_assert_no_error (error);
    g_assert_true (g_subprocess_wait_check (pub, NULL, &error));
    buffer = gst_harness_pull (src);
    assert_buffer_equals (buffer, "from mosquitto_pub", 18);
  }
  harness_teardown (src);
}

/* MQTT 5, raw framing: the caps travel as the Content Type and become the
 * source's caps; the meta carries the message's properties; a message
 * expiry reaches the broker (a late retained frame is gone). */
static void
test_mqtt5 (Fixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "gst/v5/#", "protocol", MQTT_PROTOCOL_V5, "qos", 1,
                             NULL);
  GstHarness *sink = harness (f, "mqttsink", "gst/v5/raw", "protocol", MQTT_PROTOCOL_V5, "qos",
                              1, "message-expiry", 1, "retain", TRUE, "wait-ack", TRUE, NULL);
  const char *caps_text = "audio/x-raw, format=(string)S16LE, rate=(int)8000, channels=(int)1, "
                          "layout=(string)interleaved";
  g_autoptr(GstCaps) expected = gst_caps_from_string (caps_text);
  g_autoptr(GstBuffer) buffer = NULL;
  g_autoptr(GstCaps) got = NULL;
  GstCustomMeta *meta;
  guint8 bytes[64] = { 0 };

  gst_harness_play (src);
  wait_subscribed (src);
  gst_harness_set_src_caps_str (sink, caps_text);
  g_assert_cmpint (gst_harness_push (sink, buffer_of (bytes, sizeof bytes)), ==, GST_FLOW_OK);
  buffer = gst_harness_pull (src);
  assert_buffer_equals (buffer, bytes, sizeof bytes);
  got = gst_pad_get_current_caps (src->sinkpad);
  g_assert_nonnull (got);
  g_assert_true (gst_caps_is_equal (got, expected));
  meta = gst_buffer_get_custom_meta (buffer, "GstMqttMessageMeta");
  g_assert_nonnull (meta);
  g_assert_nonnull (
    gst_structure_get_string (gst_custom_meta_get_structure (meta), "content-type"));
  harness_teardown (src);
  harness_teardown (sink);

  /* The retained frame expires: a subscriber 2 s later gets nothing. */
  g_usleep (2100 * 1000);
  src = harness (f, "mqttsrc", "gst/v5/raw", "protocol", MQTT_PROTOCOL_V5, NULL);
  gst_harness_play (src);
  wait_subscribed (src);
  g_usleep (300 * 1000);
  g_assert_null (gst_harness_try_pull (src));
  harness_teardown (src);
}

/* The broker dies and comes back: both pipelines reconnect on their own,
 * report it, and the stream resumes. */
static void
test_broker_restart (Fixture *f, gconstpointer data)
{
  g_autoptr(GstElement) receiver = launch (
    "mqttsrc name=in uri=mqtt://127.0.0.1:@PORT@/gst/restart qos=1 reconnect-delay-max=1 "
    "! fakesink name=out signal-handoffs=true sync=false", f->port);
  GstHarness *sink = harness (f, "mqttsink", "gst/restart", "qos", 1, "reconnect-delay-max", 1,
                              NULL);
  g_autoptr(GstElement) out = gst_bin_get_by_name (GST_BIN (receiver), "out");
  g_autoptr(GstBus) bus = gst_element_get_bus (receiver);
  Counter counter = { 0, 0, TRUE };
  gboolean saw_reconnecting = FALSE;
  gint before;
  guint i;

  g_signal_connect (out, "handoff", G_CALLBACK (count_buffer), &counter);
  gst_element_set_state (receiver, GST_STATE_PLAYING);
  wait_pipeline_message (receiver, "mqtt-subscribed");
  gst_harness_set_src_caps_str (sink, "application/octet-stream");

  for (i = 0; i < 50; i++)
    g_assert_cmpint (gst_harness_push (sink, buffer_of ("tick", 4)), ==, GST_FLOW_OK);
  while (g_atomic_int_get (&counter.count) < 50)
    g_usleep (10000);

  test_broker_kill (f->broker);
  /* The sink keeps taking buffers (QoS 1: queued for the new connection). */
  for (i = 0; i < 10; i++)
    g_assert_cmpint (gst_harness_push (sink, buffer_of ("held", 4)), ==, GST_FLOW_OK);
  g_usleep (300000);
  test_broker_start (f->broker);

  /* The receiver says so, and is subscribed again. */
  {
    gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    gboolean resubscribed = FALSE;

    while (!resubscribed && g_get_monotonic_time () < deadline)
      {
        g_autoptr(GstMessage) message = gst_bus_timed_pop (bus, 100 * GST_MSECOND);
        const GstStructure *s;

        if (message == NULL)
          continue;
        g_assert_cmpint (GST_MESSAGE_TYPE (message), !=, GST_MESSAGE_ERROR);
        s = gst_message_get_structure (message);
        if (s && gst_structure_has_name (s, "mqtt-connection") &&
            g_strcmp0 (gst_structure_get_string (s, "state"), "reconnecting") == 0)
          saw_reconnecting = TRUE;
        if (s && gst_structure_has_name (s, "mqtt-subscribed") && saw_reconnecting)
          resubscribed = TRUE;
      }
    g_assert_true (resubscribed);
  }

  /* The stream resumes. */
  before = g_atomic_int_get (&counter.count);
  for (i = 0; i < 200 && g_atomic_int_get (&counter.count) == before; i++)
    {
      g_assert_cmpint (gst_harness_push (sink, buffer_of ("again", 5)), ==, GST_FLOW_OK);
      g_usleep (20000);
    }
  g_assert_cmpint (g_atomic_int_get (&counter.count), >, before);
  {
    GstStructure *stats = NULL;
    guint64 reconnects = 0;

    g_object_get (sink->element, "stats", &stats, NULL);
    g_assert_true (gst_structure_get_uint64 (stats, "reconnects", &reconnects));
    g_assert_cmpuint (reconnects, ==, 1);
    gst_structure_free (stats);
  }
  harness_teardown (sink);
  gst_element_set_state (receiver, GST_STATE_NULL);
}

/* NULL -> PLAYING -> NULL, a hundred times, for both elements. */
static void
test_state_cycles (Fixture *f, gconstpointer data)
{
  g_autoptr(GstElement) receiver = launch (
    "mqttsrc uri=mqtt://127.0.0.1:@PORT@/gst/cycle ! fakesink sync=false", f->port);
  g_autoptr(GstElement) sender = launch (
    "fakesrc sizetype=fixed sizemax=100 filltype=zero ! mqttsink "
    "uri=mqtt://127.0.0.1:@PORT@/gst/cycle sync=false", f->port);
  guint i;

  for (i = 0; i < 100; i++)
    {
      GstStateChangeReturn ret;

      g_assert_cmpint (gst_element_set_state (receiver, GST_STATE_PLAYING), !=,
                       GST_STATE_CHANGE_FAILURE);
      ret = gst_element_set_state (sender, GST_STATE_PLAYING);
      g_assert_cmpint (ret, !=, GST_STATE_CHANGE_FAILURE);
      ret = gst_element_get_state (sender, NULL, NULL, 10 * GST_SECOND);
      g_assert_cmpint (ret, ==, GST_STATE_CHANGE_SUCCESS);
      if (i % 10 == 0)
        g_usleep (20000);
      g_assert_cmpint (gst_element_set_state (sender, GST_STATE_NULL), ==,
                       GST_STATE_CHANGE_SUCCESS);
      g_assert_cmpint (gst_element_set_state (receiver, GST_STATE_NULL), ==,
                       GST_STATE_CHANGE_SUCCESS);
    }
}

/* ------------------------------------------------------------------------ */
/* Errors */

/* Refusals and failures become GStreamer errors of the right kind. */
static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(TestBroker) locked = test_broker_new ("allow_anonymous false\npassword_file "
                                                  MQTT_TEST_PASSWORD_FILE "\n");
  GstHarness *h;

  /* Not authorised */
  h = harness_port (test_broker_get_port (locked), "mqttsink", "gst/e", NULL);
  gst_harness_play (h);
  assert_error (h, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  gst_harness_set_src_caps_str (h, "application/octet-stream");
  g_assert_cmpint (gst_harness_push (h, buffer_of ("x", 1)), ==, GST_FLOW_EOS);
  harness_teardown (h);

  h = harness_port (test_broker_get_port (locked), "mqttsrc", "gst/e", "username", "alice",
                    "password", "wrong", NULL);
  gst_harness_play (h);
  assert_error (h, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  harness_teardown (h);

  /* The right password */
  h = harness_port (test_broker_get_port (locked), "mqttsrc", "gst/e", "username", "alice",
                    "password", "s3cret", NULL);
  gst_harness_play (h);
  wait_subscribed (h);
  harness_teardown (h);

  /* Nobody listening */
  h = harness_port (test_free_port (), "mqttsink", "gst/e", NULL);
  gst_harness_play (h);
  assert_error (h, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE);
  harness_teardown (h);
  h = harness_port (test_free_port (), "mqttsrc", "gst/e", NULL);
  gst_harness_play (h);
  assert_error (h, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ);
  harness_teardown (h);

  /* No such host */
  test_name_resolver_install ();
  h = harness (f, "mqttsrc", "gst/e", "host", "broker.invalid", NULL);
  gst_harness_play (h);
  assert_error (h, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);
  harness_teardown (h);
  test_name_resolver_uninstall ();

  /* Bad settings fail the state change. */
  {
    g_autoptr(GstElement) sink = gst_element_factory_make ("mqttsink", NULL);
    g_autoptr(GstElement) src = gst_element_factory_make ("mqttsrc", NULL);

    g_object_set (sink, "topic", "gst/#", NULL);
    g_assert_cmpint (gst_element_set_state (sink, GST_STATE_PAUSED), ==,
                     GST_STATE_CHANGE_FAILURE);
    gst_element_set_state (sink, GST_STATE_NULL);
    g_object_set (src, "topic", "a/#/b", NULL);
    g_assert_cmpint (gst_element_set_state (src, GST_STATE_PAUSED), ==,
                     GST_STATE_CHANGE_FAILURE);
    gst_element_set_state (src, GST_STATE_NULL);
  }
}

/* ------------------------------------------------------------------------ */

static GMutex debug_lock;
static GString *debug_text;

static void
capture_debug (GstDebugCategory *category, GstDebugLevel level, const gchar *file,
               const gchar *function, gint line, GObject *object, GstDebugMessage *message,
               gpointer user_data)
{
  /* Formatting may log (objects describe themselves): outside the lock. */
  const char *text = gst_debug_message_get (message);

  /* GStreamer's core echoes the URI an application gives
   * gst_element_make_from_uri(), before any element sees it. */
  if (g_str_equal (gst_debug_category_get_name (category), "GST_URI"))
    return;

  g_mutex_lock (&debug_lock);
  g_string_append_printf (debug_text, "%s %s:%d %s\n", gst_debug_category_get_name (category),
                          file, line, text);
  g_mutex_unlock (&debug_lock);
}

/* Records every message of the harness's bus as text. */
static void
append_messages (GstHarness *h, GString *out)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (h->element);
  GstMessage *message;

  while ((message = gst_bus_pop (bus)))
    {
      const GstStructure *s = gst_message_get_structure (message);

      if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR ||
          GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *debug = NULL;

          if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
            gst_message_parse_error (message, &error, &debug);
          else
            gst_message_parse_warning (message, &error, &debug);
          g_string_append_printf (out, "%s\n%s\n", error->message, debug ? debug : "");
        }
      if (s)
        {
          g_autofree char *text = gst_structure_to_string (s);

          g_string_append_printf (out, "%s\n", text);
        }
      gst_message_unref (message);
    }
}

/* No password shows in the GStreamer debug log at its most verbose, in
 * error messages or their debug strings, in element messages, in the URI
 * read back, or in the stats: neither a refused one nor an accepted one. */
static void
test_secrets (Fixture *f, gconstpointer data)
{
  static const char *const secrets[] = { "s3cret", "Wr0ngPa55" };
  g_autoptr(TestBroker) locked = test_broker_new ("allow_anonymous false\npassword_file "
                                                  MQTT_TEST_PASSWORD_FILE "\n");
  guint16 port = test_broker_get_port (locked);
  g_autofree char *uri = g_strdup_printf ("mqtt://alice:Wr0ngPa55@127.0.0.1:%u/gst/secret", port);
  g_autoptr(GString) seen = g_string_new (NULL);
  GstDebugLevel threshold = gst_debug_get_default_threshold ();
  g_autoptr(GError) error = NULL;
  GstElement *element;
  GstStructure *stats;
  GstHarness *h;
  char *text;
  guint i;

  debug_text = g_string_new (NULL);
  gst_debug_add_log_function (capture_debug, NULL, NULL);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_set_default_threshold (GST_LEVEL_MEMDUMP);

  /* A refused password, from the URI. */
  element = gst_element_make_from_uri (GST_URI_SRC, uri, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GstBus) bus = gst_bus_new ();

    gst_element_set_bus (element, bus);
  }
  g_object_get (element, "uri", &text, NULL);
  g_string_append_printf (seen, "%s\n", text);
  g_free (text);
  h = gst_harness_new_with_element (element, NULL, "src");
  gst_object_unref (element);
  gst_harness_play (h);
  gst_message_unref (wait_message (h, "error"));
  harness_teardown (h);

  /* An accepted one, from the properties. */
  h = harness_port (port, "mqttsrc", "gst/secret", "username", "alice", "password", "s3cret",
                    NULL);
  gst_harness_play (h);
  wait_subscribed (h);
  g_object_get (h->element, "uri", &text, "stats", &stats, NULL);
  g_string_append_printf (seen, "%s\n", text);
  g_free (text);
  text = gst_structure_to_string (stats);
  g_string_append_printf (seen, "%s\n", text);
  g_free (text);
  gst_structure_free (stats);
  append_messages (h, seen);
  harness_teardown (h);

  gst_debug_set_default_threshold (threshold);
  gst_debug_add_log_function (gst_debug_log_default, NULL, NULL);
  gst_debug_remove_log_function (capture_debug);

  g_test_message ("%" G_GSIZE_FORMAT " bytes of debug output, %" G_GSIZE_FORMAT
                  " of messages, URIs and stats", debug_text->len, seen->len);
  g_assert_cmpuint (debug_text->len, >, 10000);
  /* The elements' own category, at its most verbose, is in there. */
  g_assert_nonnull (strstr (debug_text->str, "\nmqtt "));
  g_assert_nonnull (strstr (seen->str, "mqtt://alice@127.0.0.1"));
  for (i = 0; i < G_N_ELEMENTS (secrets); i++)
    {
      const char *at = strstr (debug_text->str, secrets[i]);

      if (at)
        {
          const char *start = at, *end = strchr (at, '\n');

          while (start > debug_text->str && start[-1] != '\n')
            start--;
          g_error ("\"%s\" in the debug output: %.*s", secrets[i],
                   (int) ((end ? end : at + strlen (at)) - start), start);
        }
      if (strstr (seen->str, secrets[i]))
        g_error ("\"%s\" in: %s", secrets[i], seen->str);
    }
  g_string_free (g_steal_pointer (&debug_text), TRUE);
}

/* ------------------------------------------------------------------------ */

/* The URI sets the connection; reading it back never shows the password. */
static void
test_uri (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) sink = gst_element_make_from_uri (
    GST_URI_SINK, "mqtts://alice:s3cret@broker.example:9999/a/b%20c?qos=2&retain=true", NULL,
    &error);
  g_autoptr(GstElement) src = NULL;
  g_autofree char *host = NULL, *topic = NULL, *user = NULL, *uri = NULL;
  gboolean tls, retain;
  int port, qos;
  MqttTransportType transport;

  g_assert_no_error (error);
  g_assert_nonnull (sink);
  g_object_get (sink, "host", &host, "port", &port, "topic", &topic, "username", &user, "tls",
                &tls, "qos", &qos, "retain", &retain, "transport", &transport, NULL);
  g_assert_cmpstr (host, ==, "broker.example");
  g_assert_cmpint (port, ==, 9999);
  g_assert_cmpstr (topic, ==, "a/b c");
  g_assert_cmpstr (user, ==, "alice");
  g_assert_true (tls);
  g_assert_cmpint (qos, ==, 2);
  g_assert_true (retain);
  g_assert_cmpint (transport, ==, MQTT_TRANSPORT_TCP);
  uri = gst_uri_handler_get_uri (GST_URI_HANDLER (sink));
  g_assert_cmpstr (uri, ==, "mqtts://alice@broker.example:9999/a/b%20c?qos=2&retain=true");
  g_assert_null (strstr (uri, "s3cret"));

  src = gst_element_make_from_uri (GST_URI_SRC,
                                   "mqtt+wss://[::1]/sensors/+/t?client-id=cam&keepalive=30",
                                   NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&uri, g_free);
  uri = gst_uri_handler_get_uri (GST_URI_HANDLER (src));
  /* Every setting the URI gave reads back through it. */
  g_assert_cmpstr (uri, ==, "mqtt+wss://[::1]/sensors/+/t?client-id=cam&keepalive=30");
  {
    g_autofree char *id = NULL;
    guint keepalive;

    g_object_get (src, "client-id", &id, "keepalive", &keepalive, "transport", &transport,
                  NULL);
    g_assert_cmpstr (id, ==, "cam");
    g_assert_cmpuint (keepalive, ==, 30);
    g_assert_cmpint (transport, ==, MQTT_TRANSPORT_WEBSOCKETS);
  }

  g_assert_false (gst_uri_handler_set_uri (GST_URI_HANDLER (src), "http://host/t", &error));
  g_assert_error (error, GST_URI_ERROR, GST_URI_ERROR_UNSUPPORTED_PROTOCOL);
  g_clear_error (&error);
  g_assert_false (gst_uri_handler_set_uri (GST_URI_HANDLER (src), "mqtt://host/t?nope=1",
                                           &error));
  g_assert_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI);
  g_clear_error (&error);
  g_assert_false (gst_uri_handler_set_uri (GST_URI_HANDLER (src),
                                           "mqtt://host/t?password=leak", &error));
  g_assert_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI);
}

/* ------------------------------------------------------------------------ */

/* A broker that accepts and never acknowledges: render waits for the
 * window, and stopping interrupts the wait. */
static void
script_silent (FakeBroker *broker, gpointer data)
{
  MqttPacket packet = { 0 };

  fake_broker_handshake (broker, 0, FALSE);
  while (fake_broker_try_read_packet (broker, &packet, 5000))
    mqtt_packet_clear (&packet);
}

static gpointer
push_two (gpointer data)
{
  GstHarness *h = data;
  GstFlowReturn ret;

  ret = gst_harness_push (h, buffer_of ("one", 3));
  g_assert_cmpint (ret, ==, GST_FLOW_OK);
  return GINT_TO_POINTER (gst_harness_push (h, buffer_of ("two", 3)));
}

static void
test_unlock (void)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (script_silent, NULL);
  GstHarness *h = harness_port (fake_broker_get_port (broker), "mqttsink", "gst/silent", "qos",
                                1, "max-inflight", 1, NULL);
  GThread *thread;
  GstFlowReturn ret;
  gint64 start;

  gst_harness_set_src_caps_str (h, "application/octet-stream");
  thread = g_thread_new ("push", push_two, h);
  g_usleep (500000);
  start = g_get_monotonic_time ();
  /* Flushing (as a state change to NULL does) wakes the blocked render. */
  gst_harness_push_event (h, gst_event_new_flush_start ());
  ret = GPOINTER_TO_INT (g_thread_join (thread));
  g_assert_cmpint (ret, ==, GST_FLOW_FLUSHING);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  gst_harness_push_event (h, gst_event_new_flush_stop (TRUE));
  {
    GstStructure *stats = NULL;
    guint inflight = 0;

    g_object_get (h->element, "stats", &stats, NULL);
    g_assert_true (gst_structure_get_uint (stats, "in-flight", &inflight));
    g_assert_cmpuint (inflight, ==, 1);
    gst_structure_free (stats);
  }
  harness_teardown (h);
}

/* gst-inspect-1.0 shows both elements without a warning. */
static void
test_inspect (void)
{
  const char *inspect = g_getenv ("GST_INSPECT");
  const char *elements[] = { "mqttsrc", "mqttsink" };
  guint i;

  if (inspect == NULL || *inspect == '\0')
    {
      g_test_skip ("gst-inspect-1.0 not found");
      return;
    }
  for (i = 0; i < G_N_ELEMENTS (elements); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *out = NULL, *err = NULL;
      const char *argv[] = { inspect, elements[i], NULL };
      int status;

      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                   &err, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      g_assert_cmpstr (err, ==, "");
      g_assert_nonnull (strstr (out, "URI handling capabilities"));
    }
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, config, fn) \
  g_test_add (path, Fixture, config, broker_fixture_setup, fn, broker_fixture_teardown)
  ADD ("/gst/raw-round-trip", NULL, test_raw_round_trip);
  ADD ("/gst/gst-round-trip", NULL, test_gst_round_trip);
  ADD ("/gst/pieces", "max_packet_size 1048576\n", test_pieces);
  ADD ("/gst/video", NULL, test_video);
  ADD ("/gst/interop", NULL, test_interop);
  ADD ("/gst/mqtt5", NULL, test_mqtt5);
  ADD ("/gst/broker-restart", NULL, test_broker_restart);
  ADD ("/gst/state-cycles", NULL, test_state_cycles);
  ADD ("/gst/errors", NULL, test_errors);
  ADD ("/gst/secrets", NULL, test_secrets);
#undef ADD
  g_test_add_func ("/gst/uri", test_uri);
  g_test_add_func ("/gst/unlock", test_unlock);
  g_test_add_func ("/gst/inspect", test_inspect);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
