/* The elements under an application's control: mqttsink publishing each
 * buffer on a topic made from its message meta (topic-template), an
 * application message on mqttsink's connection (the "publish" action),
 * and filters added to and removed from a playing mqttsrc. */

#include "config.h"

#include <string.h>

#include <gst/gst.h>

#include "element-test.h"

static const char *
meta_topic (GstBuffer *buffer)
{
  GstCustomMeta *meta = gst_buffer_get_custom_meta (buffer, "GstMqttMessageMeta");

  g_assert_nonnull (meta);
  return gst_structure_get_string (gst_custom_meta_get_structure (meta), "topic");
}

/* A buffer of @text that arrived on @topic (as mqttsrc makes them). */
static GstBuffer *
buffer_from (const char *topic, const char *text)
{
  GstBuffer *buffer = buffer_of (text, strlen (text));

  if (topic)
    {
      GstCustomMeta *meta = gst_buffer_add_custom_meta (buffer, "GstMqttMessageMeta");

      gst_structure_set (gst_custom_meta_get_structure (meta), "topic", G_TYPE_STRING, topic,
                         NULL);
    }
  return buffer;
}

static void
pull_expecting (GstHarness *src, const char *topic, const char *text)
{
  g_autoptr(GstBuffer) buffer = gst_harness_pull (src);

  g_assert_nonnull (buffer);
  g_assert_cmpstr (meta_topic (buffer), ==, topic);
  assert_buffer_equals (buffer, text, strlen (text));
}

static void
test_topic_template (BrokerFixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "out/#,fallback/#", "qos", 1, NULL);
  GstHarness *sink = harness (f, "mqttsink", "fallback/t", "qos", 1, "topic-template",
                              "out/{2-}/{1}", NULL);
  GstMessage *warning;
  g_autoptr(GError) error = NULL;

  gst_harness_play (src);
  wait_subscribed (src);
  gst_harness_set_src_caps_str (sink, "text/plain");
  g_assert_cmpint (gst_harness_push (sink, buffer_from ("in/a/b", "levels")), ==, GST_FLOW_OK);
  g_assert_cmpint (gst_harness_push (sink, buffer_from ("in/c", "again")), ==, GST_FLOW_OK);
  /* One level: {2-} has nothing to take. The buffer goes, with a warning. */
  g_assert_cmpint (gst_harness_push (sink, buffer_from ("lone", "dropped")), ==, GST_FLOW_OK);
  g_assert_cmpint (gst_harness_push (sink, buffer_from (NULL, "no meta")), ==, GST_FLOW_OK);
  pull_expecting (src, "out/a/b/in", "levels");
  pull_expecting (src, "out/c/in", "again");
  pull_expecting (src, "fallback/t", "no meta");
  warning = wait_message (sink, "warning");
  gst_message_parse_warning (warning, &error, NULL);
  g_test_message ("warning: %s", error->message);
  g_assert_nonnull (strstr (error->message, "too few levels"));
  gst_message_unref (warning);
  harness_teardown (sink);
  harness_teardown (src);
}

static void
test_publish_action (BrokerFixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "status/#", "qos", 1, NULL);
  GstHarness *sink = harness (f, "mqttsink", "stream/t", "qos", 1, NULL);
  g_autoptr(GBytes) payload = g_bytes_new_static ("online", 6);
  gboolean taken = FALSE;

  gst_harness_play (src);
  wait_subscribed (src);
  gst_harness_set_src_caps_str (sink, "text/plain");
  gst_harness_play (sink);
  g_signal_emit_by_name (sink->element, "publish", "status/camera", payload, 1, FALSE, &taken);
  g_assert_true (taken);
  pull_expecting (src, "status/camera", "online");
  /* An invalid topic is refused. */
  g_signal_emit_by_name (sink->element, "publish", "status/#", payload, 1, FALSE, &taken);
  g_assert_false (taken);
  harness_teardown (sink);
  harness_teardown (src);
}

static void
assert_filters_message (GstHarness *src, const char *name, const char *filters)
{
  GstMessage *message = wait_message (src, name);

  g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure (message), "filters"),
                   ==, filters);
  gst_message_unref (message);
}

static void
test_filters (BrokerFixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "f/a", "qos", 1, NULL);
  gboolean ok = FALSE;
  g_autofree char *topic = NULL;

  gst_harness_play (src);
  wait_subscribed (src);
  g_signal_emit_by_name (src->element, "add-filter", "f/b/#", &ok);
  g_assert_true (ok);
  assert_filters_message (src, "mqtt-subscribed", "f/b/#");
  g_signal_emit_by_name (src->element, "add-filter", "f/b/#", &ok);
  g_assert_false (ok);
  g_signal_emit_by_name (src->element, "add-filter", "f/#/x", &ok);
  g_assert_false (ok);
  publish_text (f->port, "f/b/1", "b", 1, FALSE);
  pull_expecting (src, "f/b/1", "b");

  g_signal_emit_by_name (src->element, "remove-filter", "f/a", &ok);
  g_assert_true (ok);
  assert_filters_message (src, "mqtt-unsubscribed", "f/a");
  g_signal_emit_by_name (src->element, "remove-filter", "f/a", &ok);
  g_assert_false (ok);
  g_object_get (src->element, "topic", &topic, NULL);
  g_assert_cmpstr (topic, ==, "f/b/#");
  /* f/a is no longer delivered: the next buffer is f/b's. */
  publish_text (f->port, "f/a", "a", 1, FALSE);
  publish_text (f->port, "f/b/2", "b2", 1, FALSE);
  pull_expecting (src, "f/b/2", "b2");
  harness_teardown (src);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add ("/control/" path, BrokerFixture, NULL, broker_fixture_setup, fn, \
              broker_fixture_teardown)
  ADD ("topic-template", test_topic_template);
  ADD ("publish-action", test_publish_action);
  ADD ("filters", test_filters);
  return g_test_run ();
}
