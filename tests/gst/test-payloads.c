/* Empty and one-byte messages through mqttsrc and mqttsink, at every QoS,
 * retained and not, in both framings: an empty message is ordinary
 * (clearing a retained message sends one) and the stream goes on after it. */

#include "config.h"

#include <mqtt-glib/mqtt-glib.h>

#include "element-test.h"
#include "test-common.h"

typedef BrokerFixture Fixture;

/* One message from another client, acknowledged before this returns. */
/* Empty then one-byte messages: @prefix/e<qos><retain>, @prefix/o<qos><retain>. */
static void
publish_all (Fixture *f, const char *prefix)
{
  guint qos, retain;

  for (qos = 0; qos <= 2; qos++)
    for (retain = 0; retain <= 1; retain++)
      {
        g_autofree char *empty = g_strdup_printf ("%s/e%u%u", prefix, qos, retain);
        g_autofree char *one = g_strdup_printf ("%s/o%u%u", prefix, qos, retain);

        publish_text (f->port, empty, "", qos, retain);
        publish_text (f->port, one, "x", qos, retain);
      }
}

static const GstStructure *
meta_of (GstBuffer *buffer)
{
  GstCustomMeta *meta = gst_buffer_get_custom_meta (buffer, "GstMqttMessageMeta");

  g_assert_nonnull (meta);
  return gst_custom_meta_get_structure (meta);
}

static guint64
stat_of (GstHarness *h, const char *name)
{
  GstStructure *stats = NULL;
  guint64 value = 0;

  g_object_get (h->element, "stats", &stats, NULL);
  g_assert_true (gst_structure_get_uint64 (stats, name, &value));
  gst_structure_free (stats);
  return value;
}

/* As gst-launch-1.0 -e or its SIGINT does: EOS sent to the live source
 * ends its stream. */
static void
assert_stops (GstHarness *src)
{
  gboolean eos = FALSE;

  g_assert_true (gst_element_send_event (src->element, gst_event_new_eos ()));
  while (!eos)
    {
      GstEvent *event = gst_harness_pull_event (src);

      g_assert_nonnull (event);
      eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;
      gst_event_unref (event);
    }
}

/* raw: an empty message is an empty buffer, a one-byte message a one-byte
 * buffer, each with its topic, QoS and retain flag. */
static void
test_raw (Fixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "payloads/raw/#", "qos", 2, NULL);
  GstHarness *late;
  guint i, retained = 0;

  gst_harness_play (src);
  wait_subscribed (src);
  publish_all (f, "payloads/raw");
  for (i = 0; i < 12; i++)
    {
      g_autoptr(GstBuffer) buffer = gst_harness_pull (src);
      const GstStructure *meta;
      const char *topic;
      int qos = -1;

      g_assert_nonnull (buffer);
      meta = meta_of (buffer);
      topic = gst_structure_get_string (meta, "topic");
      g_assert_true (gst_structure_get_int (meta, "qos", &qos));
      g_test_message ("%s: %" G_GSIZE_FORMAT " bytes, QoS %d", topic, gst_buffer_get_size (buffer),
                      qos);
      /* payloads/raw/eQR or oQR */
      g_assert_cmpint (qos, ==, topic[14] - '0');
      if (topic[13] == 'e')
        g_assert_cmpuint (gst_buffer_get_size (buffer), ==, 0);
      else
        assert_buffer_equals (buffer, "x", 1);
    }
  g_assert_cmpuint (stat_of (src, "messages"), ==, 12);
  g_assert_cmpuint (stat_of (src, "drops"), ==, 0);

  /* A source that comes later gets the retained one-byte messages, flagged. */
  late = harness (f, "mqttsrc", "payloads/raw/#", "qos", 2, NULL);
  gst_harness_play (late);
  for (i = 0; i < 3; i++)
    {
      g_autoptr(GstBuffer) buffer = gst_harness_pull (late);
      gboolean retain = FALSE;

      g_assert_nonnull (buffer);
      g_assert_true (gst_structure_get_boolean (meta_of (buffer), "retain", &retain));
      g_assert_true (retain);
      assert_buffer_equals (buffer, "x", 1);
      retained++;
    }
  g_assert_cmpuint (retained, ==, 3);

  /* An empty retained message clears one: later sources get nothing. */
  publish_text (f->port, "payloads/raw/o01", "", 1, TRUE);
  {
    g_autoptr(GstBuffer) buffer = gst_harness_pull (src);

    g_assert_cmpuint (gst_buffer_get_size (buffer), ==, 0);
  }

  /* And the stream goes on after all that, and stops on request. */
  publish_text (f->port, "payloads/raw/after", "after", 1, FALSE);
  {
    g_autoptr(GstBuffer) buffer = gst_harness_pull (src);

    assert_buffer_equals (buffer, "after", 5);
  }
  assert_stops (src);
  assert_stops (late);
  harness_teardown (late);
  harness_teardown (src);
}

/* gst: empty and one-byte messages are not frames: each is dropped with a
 * warning and counted, and the stream goes on. */
static void
test_framed (Fixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "payloads/gst/#", "qos", 2, "framing", 1, NULL);
  GstHarness *sink = harness (f, "mqttsink", "payloads/gst/framed", "qos", 1, "framing", 1,
                              NULL);
  GstMessage *warning;
  g_autoptr(GError) error = NULL;

  gst_harness_play (src);
  wait_subscribed (src);
  publish_all (f, "payloads/gst");

  warning = wait_message (src, "warning");
  gst_message_parse_warning (warning, &error, NULL);
  g_test_message ("warning: %s", error->message);
  g_assert_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE);
  gst_message_unref (warning);

  /* Framed buffers still come through, an empty one too. */
  gst_harness_set_src_caps_str (sink, "application/x-test");
  g_assert_cmpint (gst_harness_push (sink, buffer_of ("framed", 6)), ==, GST_FLOW_OK);
  g_assert_cmpint (gst_harness_push (sink, gst_buffer_new ()), ==, GST_FLOW_OK);
  {
    g_autoptr(GstBuffer) first = gst_harness_pull (src);
    g_autoptr(GstBuffer) second = gst_harness_pull (src);

    assert_buffer_equals (first, "framed", 6);
    g_assert_cmpuint (gst_buffer_get_size (second), ==, 0);
  }
  /* 12 that are not frames, the stream header and the two buffers. */
  g_assert_cmpuint (stat_of (src, "messages"), ==, 15);
  g_assert_cmpuint (stat_of (src, "drops"), ==, 12);
  assert_stops (src);
  harness_teardown (sink);
  harness_teardown (src);
}

/* mqttsink publishes an empty buffer as an empty message, at every QoS;
 * retained, it clears the topic's retained message. */
static void
test_empty_into_sink (Fixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "payloads/sink/#", "qos", 2, NULL);
  int qos;

  gst_harness_play (src);
  wait_subscribed (src);
  for (qos = 0; qos <= 2; qos++)
    {
      GstHarness *sink = harness (f, "mqttsink", "payloads/sink/empty", "qos", qos, "wait-ack",
                                  TRUE, NULL);
      g_autoptr(GstBuffer) got = NULL;

      gst_harness_set_src_caps_str (sink, "application/octet-stream");
      g_assert_cmpint (gst_harness_push (sink, gst_buffer_new ()), ==, GST_FLOW_OK);
      got = gst_harness_pull (src);
      g_assert_cmpuint (gst_buffer_get_size (got), ==, 0);
      harness_teardown (sink);
    }

  /* Retained: a message is kept, then an empty buffer clears it. */
  publish_text (f->port, "payloads/sink/kept", "kept", 1, TRUE);
  gst_buffer_unref (gst_harness_pull (src));
  {
    GstHarness *sink = harness (f, "mqttsink", "payloads/sink/kept", "qos", 1, "retain", TRUE,
                                "wait-ack", TRUE, NULL);

    gst_harness_set_src_caps_str (sink, "application/octet-stream");
    g_assert_cmpint (gst_harness_push (sink, gst_buffer_new ()), ==, GST_FLOW_OK);
    harness_teardown (sink);
  }
  gst_buffer_unref (gst_harness_pull (src));
  /* A new subscriber gets no retained message: the first it gets is the
   * one published after it subscribed. */
  {
    GstHarness *late = harness (f, "mqttsrc", "payloads/sink/kept", NULL);
    g_autoptr(GstBuffer) first = NULL;

    gst_harness_play (late);
    wait_subscribed (late);
    publish_text (f->port, "payloads/sink/kept", "marker", 0, FALSE);
    first = gst_harness_pull (late);
    assert_buffer_equals (first, "marker", 6);
    harness_teardown (late);
  }
  harness_teardown (src);
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, broker_fixture_setup, fn, broker_fixture_teardown)
  ADD ("/payloads/raw", test_raw);
  ADD ("/payloads/framed", test_framed);
  ADD ("/payloads/empty-into-sink", test_empty_into_sink);
#undef ADD
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
