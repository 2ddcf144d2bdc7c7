/* Helpers of the element tests: harnesses and pipelines on a broker, and
 * waiting for what they post. */

#include "config.h"

#include <string.h>

#include <mqtt-glib/mqtt-glib.h>

#include "element-test.h"
#include "test-common.h"

void
broker_fixture_setup (BrokerFixture *f, gconstpointer config)
{
  f->broker = test_broker_new (config);
  f->port = test_broker_get_port (f->broker);
}

void
broker_fixture_teardown (BrokerFixture *f, gconstpointer config)
{
  test_broker_free (f->broker);
}

/* A harness around a mqttsink or mqttsrc on the fixture's broker, with a
 * bus of its own for the element's messages. */
GstHarness *
harness_port (guint16 port, const char *factory, const char *topic, const char *first_property,
              ...)
{
  g_autoptr(GstElement) element = gst_object_ref_sink (gst_element_factory_make (factory, NULL));
  gboolean sink = g_str_equal (factory, "mqttsink");
  g_autoptr(GstBus) bus = gst_bus_new ();
  va_list args;

  /* Configured before the harness starts it. */
  gst_element_set_bus (element, bus);
  g_object_set (element, "host", "127.0.0.1", "port", (int) port, "topic", topic, NULL);
  if (sink)
    g_object_set (element, "sync", FALSE, NULL);
  va_start (args, first_property);
  if (first_property)
    g_object_set_valist (G_OBJECT (element), first_property, args);
  va_end (args);
  return gst_harness_new_with_element (element, sink ? "sink" : NULL, sink ? NULL : "src");
}

/* Messages left on the harness's bus hold the element, which holds the
 * bus: flushing it after the teardown breaks the cycle. */
void
harness_teardown (GstHarness *h)
{
  g_autoptr(GstElement) element = gst_object_ref (h->element);
  g_autoptr(GstBus) bus = gst_element_get_bus (element);

  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
}

/* The next message named @name (an element message's structure, or an
 * error), within 10 s. */
GstMessage *
wait_message (GstHarness *h, const char *name)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (h->element);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      GstMessage *message;

      if (left <= 0)
        g_error ("no %s message within 10 s", name);
      message = gst_bus_timed_pop (bus, left * GST_USECOND);
      if (message == NULL)
        continue;
      if ((GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR && g_str_equal (name, "error")) ||
          (GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING && g_str_equal (name, "warning")))
        return message;
      if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
        {
          g_autoptr(GError) error = NULL;

          gst_message_parse_error (message, &error, NULL);
          g_error ("error while waiting for %s: %s", name, error->message);
        }
      if (gst_message_get_structure (message) &&
          gst_message_has_name (message, name))
        return message;
      gst_message_unref (message);
    }
}

/* Waits until the source's subscription is acknowledged. */
void
wait_subscribed (GstHarness *src)
{
  gst_message_unref (wait_message (src, "mqtt-subscribed"));
}

void
publish_text (guint16 port, const char *topic, const char *text, int qos, gboolean retain)
{
  g_autoptr(MqttSettings) settings = mqtt_settings_new ("127.0.0.1", port);
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_publish_single (topic, bytes, qos, retain, settings, NULL, &error));
  g_assert_no_error (error);
}

GstBuffer *
buffer_of (const void *data, gsize size)
{
  return gst_buffer_new_memdup (data, size);
}

void
assert_buffer_equals (GstBuffer *buffer, const void *data, gsize size)
{
  GstMapInfo map;

  g_assert_true (gst_buffer_map (buffer, &map, GST_MAP_READ));
  g_assert_cmpmem (map.data, map.size, data, size);
  gst_buffer_unmap (buffer, &map);
}


/* @description with @PORT@ standing for @port. */
GstElement *
launch (const char *description, guint16 port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) text = g_string_new (description);
  g_autofree char *number = g_strdup_printf ("%u", port);
  GstElement *pipeline;

  g_string_replace (text, "@PORT@", number, 0);
  pipeline = gst_parse_launch (text->str, &error);

  g_assert_no_error (error);
  return pipeline;
}

/* Runs @pipeline until EOS (or fails on an error), within @seconds. */
void
run_until_eos (GstElement *pipeline, guint seconds)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (pipeline);
  GstMessage *message;

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  message = gst_bus_timed_pop_filtered (bus, seconds * GST_SECOND,
                                        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;

      gst_message_parse_error (message, &error, NULL);
      g_error ("pipeline error: %s", error->message);
    }
  gst_message_unref (message);
}

/* Waits on @pipeline's bus for an element message named @name. */
void
wait_pipeline_message (GstElement *pipeline, const char *name)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (pipeline);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GstMessage) message = gst_bus_timed_pop_filtered (
        bus, 100 * GST_MSECOND, GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);

      if (message == NULL)
        continue;
      g_assert_cmpint (GST_MESSAGE_TYPE (message), ==, GST_MESSAGE_ELEMENT);
      if (gst_message_has_name (message, name))
        return;
    }
  g_error ("no %s message", name);
}


void
assert_error (GstHarness *h, GQuark domain, int code)
{
  GstMessage *message = wait_message (h, "error");
  g_autoptr(GError) error = NULL;
  g_autofree char *debug = NULL;

  gst_message_parse_error (message, &error, &debug);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, domain, code);
  gst_message_unref (message);
}

