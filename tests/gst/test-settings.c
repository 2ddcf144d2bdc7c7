/* The elements' settings: which properties apply while playing and which
 * are refused then (with a warning, never silently), the topic changed
 * live, URIs that fail with their own reason, every setting read back
 * through the URI, and TLS options that turn TLS on. */

#include "config.h"

#include <string.h>

#include <mqtt-glib/mqtt-glib.h>

#include "element-test.h"
#include "test-common.h"

typedef BrokerFixture Fixture;

static const char *
topic_of (GstBuffer *buffer)
{
  GstCustomMeta *meta = gst_buffer_get_custom_meta (buffer, "GstMqttMessageMeta");

  g_assert_nonnull (meta);
  return gst_structure_get_string (gst_custom_meta_get_structure (meta), "topic");
}

/* The next element message named @name, whose "filters" field must be
 * @filters. */
static void
expect_subscription_message (GstHarness *h, const char *name, const char *filters)
{
  GstMessage *message = wait_message (h, name);

  g_assert_cmpstr (gst_structure_get_string (gst_message_get_structure (message), "filters"), ==,
                   filters);
  gst_message_unref (message);
}

/* ------------------------------------------------------------------------ */
/* Live changes */

/* The topic of a playing mqttsrc: the old filters go, the new ones come,
 * each with its element message; the property and the URI say so. */
static void
test_live_topic_src (Fixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "live/a", "qos", 1, NULL);
  g_autofree char *topic = NULL, *uri = NULL;

  gst_harness_play (src);
  expect_subscription_message (src, "mqtt-subscribed", "live/a");
  publish_text (f->port, "live/a", "1", 1, FALSE);
  {
    g_autoptr(GstBuffer) buffer = gst_harness_pull (src);

    g_assert_cmpstr (topic_of (buffer), ==, "live/a");
  }

  g_object_set (src->element, "topic", "live/b, live/c", NULL);
  expect_subscription_message (src, "mqtt-unsubscribed", "live/a");
  expect_subscription_message (src, "mqtt-subscribed", "live/b,live/c");
  publish_text (f->port, "live/a", "old", 1, FALSE);
  publish_text (f->port, "live/c", "new", 1, FALSE);
  {
    g_autoptr(GstBuffer) buffer = gst_harness_pull (src);

    g_assert_cmpstr (topic_of (buffer), ==, "live/c");
    assert_buffer_equals (buffer, "new", 3);
  }
  g_object_get (src->element, "topic", &topic, "uri", &uri, NULL);
  g_assert_cmpstr (topic, ==, "live/b, live/c");
  g_assert_nonnull (strstr (uri, "/live/b,%20live/c"));

  /* A new QoS: every filter again. */
  g_object_set (src->element, "qos", 2, NULL);
  expect_subscription_message (src, "mqtt-subscribed", "live/b,live/c");

  /* An invalid topic is refused with a warning; the old one stays. */
  g_object_set (src->element, "topic", "live/#/x", NULL);
  gst_message_unref (wait_message (src, "warning"));
  g_clear_pointer (&topic, g_free);
  g_object_get (src->element, "topic", &topic, NULL);
  g_assert_cmpstr (topic, ==, "live/b, live/c");
  publish_text (f->port, "live/b", "still", 1, FALSE);
  {
    g_autoptr(GstBuffer) buffer = gst_harness_pull (src);

    assert_buffer_equals (buffer, "still", 5);
  }
  harness_teardown (src);
}

/* The topic of a playing mqttsink applies from the next buffer. */
static void
test_live_topic_sink (Fixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "live/sink/#", "qos", 1, NULL);
  GstHarness *sink = harness (f, "mqttsink", "live/sink/1", "qos", 1, NULL);
  guint i;

  gst_harness_play (src);
  wait_subscribed (src);
  gst_harness_set_src_caps_str (sink, "application/octet-stream");
  g_assert_cmpint (gst_harness_push (sink, buffer_of ("a", 1)), ==, GST_FLOW_OK);
  g_object_set (sink->element, "topic", "live/sink/2", NULL);
  g_assert_cmpint (gst_harness_push (sink, buffer_of ("b", 1)), ==, GST_FLOW_OK);
  /* Refused (a wildcard): the topic stays. */
  g_object_set (sink->element, "topic", "live/sink/#", NULL);
  gst_message_unref (wait_message (sink, "warning"));
  g_assert_cmpint (gst_harness_push (sink, buffer_of ("c", 1)), ==, GST_FLOW_OK);
  for (i = 0; i < 3; i++)
    {
      g_autoptr(GstBuffer) buffer = gst_harness_pull (src);

      g_assert_cmpstr (topic_of (buffer), ==, i == 0 ? "live/sink/1" : "live/sink/2");
    }
  harness_teardown (sink);
  harness_teardown (src);
}

/* A valid value of @pspec other than the one in @current. */
static void
other_value (GParamSpec *pspec, const GValue *current, GValue *out)
{
  GType type = pspec->value_type;

  g_value_init (out, type);
  if (type == G_TYPE_BOOLEAN)
    g_value_set_boolean (out, !g_value_get_boolean (current));
  else if (G_IS_PARAM_SPEC_INT (pspec))
    {
      GParamSpecInt *p = G_PARAM_SPEC_INT (pspec);

      g_value_set_int (out, g_value_get_int (current) != p->maximum ? p->maximum : p->minimum);
    }
  else if (G_IS_PARAM_SPEC_UINT (pspec))
    {
      GParamSpecUInt *p = G_PARAM_SPEC_UINT (pspec);

      g_value_set_uint (out, g_value_get_uint (current) != p->maximum ? p->maximum : p->minimum);
    }
  else if (G_IS_PARAM_SPEC_UINT64 (pspec))
    {
      GParamSpecUInt64 *p = G_PARAM_SPEC_UINT64 (pspec);

      g_value_set_uint64 (out, g_value_get_uint64 (current) != p->maximum ? p->maximum
                                                                          : p->minimum);
    }
  else if (G_IS_PARAM_SPEC_ENUM (pspec))
    {
      GEnumClass *klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;
      guint i;

      for (i = 0; i < klass->n_values; i++)
        if (klass->values[i].value != g_value_get_enum (current))
          break;
      g_value_set_enum (out, klass->values[i].value);
    }
  else if (G_IS_PARAM_SPEC_FLAGS (pspec))
    g_value_set_flags (out, g_value_get_flags (current) ? 0 : G_TLS_CERTIFICATE_UNKNOWN_CA);
  else if (type == G_TYPE_STRING)
    g_value_set_string (out, "changed/topic");
  else if (type == G_TYPE_STRV)
    {
      const char *servers[] = { "mqtt://changed.example:1884", NULL };

      g_value_set_boxed (out, g_value_get_boxed (current) ? NULL : servers);
    }
  else if (type == GST_TYPE_CAPS)
    g_value_take_boxed (out, gst_caps_new_empty_simple ("application/x-changed"));
  else if (type == G_TYPE_TLS_INTERACTION)
    g_value_take_object (out, g_object_new (G_TYPE_TLS_INTERACTION, NULL));
  else if (type == G_TYPE_TLS_DATABASE)
    g_value_take_object (out, g_tls_backend_get_default_database (g_tls_backend_get_default ()));
  else if (type == MQTT_TYPE_SETTINGS)
    g_value_take_object (out, mqtt_settings_new ("other.example", 0));
  else
    g_error ("no other value for %s (%s)", pspec->name, g_type_name (type));
}

/* The settings property reads as a copy: compared by what they say. */
static gboolean
same_value (GParamSpec *pspec, const GValue *a, const GValue *b)
{
  if (pspec->value_type == MQTT_TYPE_SETTINGS)
    {
      g_autofree char *ua = mqtt_settings_to_uri (g_value_get_object (a), NULL);
      g_autofree char *ub = mqtt_settings_to_uri (g_value_get_object (b), NULL);

      return g_str_equal (ua, ub);
    }
  return g_param_values_cmp (pspec, a, b) == 0;
}

static gboolean
warned_about (GstHarness *h, const char *name)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (h->element);
  g_autoptr(GstMessage) message = gst_bus_timed_pop_filtered (bus, 0, GST_MESSAGE_WARNING);
  g_autoptr(GError) error = NULL;

  if (message == NULL)
    return FALSE;
  gst_message_parse_warning (message, &error, NULL);
  return strstr (error->message, name) != NULL;
}

/* Every property of a running element: a READY one is refused with a
 * warning and keeps its value, any other applies at once without one. */
static void
check_every_property (GstHarness *h)
{
  g_autofree GParamSpec **pspecs = NULL;
  guint n, i, ready = 0, live = 0;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (h->element), &n);
  for (i = 0; i < n; i++)
    {
      GParamSpec *pspec = pspecs[i];
      gboolean readable = pspec->flags & G_PARAM_READABLE;
      g_auto(GValue) before = G_VALUE_INIT;
      g_auto(GValue) other = G_VALUE_INIT;
      g_auto(GValue) after = G_VALUE_INIT;

      if (pspec->owner_type != G_OBJECT_TYPE (h->element) || !(pspec->flags & G_PARAM_WRITABLE))
        continue;
      /* Every property says which it is. */
      g_assert_true (pspec->flags & (GST_PARAM_MUTABLE_READY | GST_PARAM_MUTABLE_PLAYING));
      g_value_init (&before, pspec->value_type);
      if (readable)
        g_object_get_property (G_OBJECT (h->element), pspec->name, &before);
      else
        g_param_value_set_default (pspec, &before);
      other_value (pspec, &before, &other);
      g_object_set_property (G_OBJECT (h->element), pspec->name, &other);
      g_value_init (&after, pspec->value_type);
      if (readable)
        g_object_get_property (G_OBJECT (h->element), pspec->name, &after);
      if (pspec->flags & GST_PARAM_MUTABLE_READY)
        {
          g_test_message ("%s: READY", pspec->name);
          g_assert_true (warned_about (h, pspec->name));
          if (readable)
            g_assert_true (same_value (pspec, &before, &after));
          ready++;
        }
      else
        {
          g_test_message ("%s: live", pspec->name);
          g_assert_false (warned_about (h, pspec->name));
          if (readable)
            g_assert_true (same_value (pspec, &other, &after));
          live++;
        }
    }
  g_assert_cmpuint (ready, >=, 20);
  g_assert_cmpuint (live, >=, 4);
}

static void
test_every_property (Fixture *f, gconstpointer data)
{
  GstHarness *src = harness (f, "mqttsrc", "props/a", NULL);
  GstHarness *sink = harness (f, "mqttsink", "props/b", NULL);

  gst_harness_play (src);
  wait_subscribed (src);
  check_every_property (src);
  gst_harness_set_src_caps_str (sink, "application/octet-stream");
  g_assert_cmpint (gst_harness_push (sink, buffer_of ("x", 1)), ==, GST_FLOW_OK);
  check_every_property (sink);
  harness_teardown (sink);
  harness_teardown (src);
}

/* ------------------------------------------------------------------------ */
/* URIs */

static void
assert_bad_uri (GstElement *element, const char *uri, int code, const char *says)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = gst_uri_handler_get_uri (GST_URI_HANDLER (element));
  g_autofree char *after = NULL;

  g_assert_false (gst_uri_handler_set_uri (GST_URI_HANDLER (element), uri, &error));
  g_assert_error (error, GST_URI_ERROR, code);
  g_test_message ("%s: %s", uri, error->message);
  g_assert_nonnull (strstr (error->message, says));
  /* Nothing of it was applied. */
  after = gst_uri_handler_get_uri (GST_URI_HANDLER (element));
  g_assert_cmpstr (after, ==, before);
}

static void
test_uri_errors (void)
{
  g_autoptr(GstElement) src = gst_object_ref_sink (gst_element_factory_make ("mqttsrc", NULL));
  g_autoptr(GstElement) sink = gst_object_ref_sink (gst_element_factory_make ("mqttsink", NULL));

  assert_bad_uri (src, "mqtt://h/x?qos=1&bogus=1", GST_URI_ERROR_BAD_URI, "bogus");
  assert_bad_uri (src, "http://h/x", GST_URI_ERROR_UNSUPPORTED_PROTOCOL, "http");
  assert_bad_uri (src, "mqtt://h/x?qos=5", GST_URI_ERROR_BAD_URI, "\"5\" for qos");
  assert_bad_uri (src, "mqtt://h/x?keepalive=soon", GST_URI_ERROR_BAD_URI, "keepalive");
  assert_bad_uri (src, "mqtt://h/x?framing=zip", GST_URI_ERROR_BAD_URI, "framing");
  assert_bad_uri (src, "mqtt://h/x?password=leak", GST_URI_ERROR_BAD_URI, "user:password@");
  assert_bad_uri (src, "mqtt://h/a/%23/b", GST_URI_ERROR_BAD_URI, "topic");
  assert_bad_uri (src, "mqtt://h/a/#", GST_URI_ERROR_BAD_URI, "%23");
  assert_bad_uri (src, "mqtt:///x", GST_URI_ERROR_BAD_URI, "no host");
  assert_bad_uri (sink, "mqtt://h/a/%23", GST_URI_ERROR_BAD_URI, "wildcard");
  assert_bad_uri (sink, "mqtt://h/x?retain=perhaps", GST_URI_ERROR_BAD_URI, "retain");
}

/* A bad URI given as a property (gst-launch-1.0 uri=...) fails the start,
 * with its own reason, in one error. */
static void
test_uri_property_errors (void)
{
  static const char *const cases[][2] = {
    { "mqttsrc uri=\"mqtt://127.0.0.1/x?qos=1&bogus=1\" ! fakesink", "bogus" },
    { "mqttsrc uri=http://127.0.0.1/x ! fakesink", "http" },
    { "mqttsrc uri=\"mqtt://127.0.0.1/x?qos=5\" ! fakesink", "\"5\" for qos" },
    { "fakesrc ! mqttsink uri=\"mqtt://127.0.0.1/x?max-inflight=0\"", "max-inflight" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GstElement) pipeline = gst_parse_launch (cases[i][0], &error);
      g_autoptr(GstBus) bus = gst_element_get_bus (pipeline);
      GstMessage *message;
      guint errors = 0;

      g_assert_no_error (error);
      g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), ==,
                       GST_STATE_CHANGE_FAILURE);
      while ((message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR)))
        {
          gst_message_parse_error (message, &error, NULL);
          g_test_message ("%s: %s", cases[i][0], error->message);
          g_assert_nonnull (strstr (error->message, cases[i][1]));
          g_clear_error (&error);
          gst_message_unref (message);
          errors++;
        }
      g_assert_cmpuint (errors, ==, 1);
      gst_element_set_state (pipeline, GST_STATE_NULL);
    }
}

/* Every setting a URI can carry (all but objects and the password) comes
 * back through the URI an element gives, and makes the same element. */
static void
check_round_trip (const char *factory)
{
  g_autoptr(GstElement) first = gst_object_ref_sink (gst_element_factory_make (factory, NULL));
  g_autoptr(GstElement) second = gst_object_ref_sink (gst_element_factory_make (factory, NULL));
  g_autofree GParamSpec **pspecs = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GError) error = NULL;
  guint n, i, checked = 0;

  g_object_set (first, "host", "broker.example", "port", 1234, "topic", "a/b c", "username",
                "alice", "transport", MQTT_TRANSPORT_WEBSOCKETS, "tls", TRUE, NULL);
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (first), &n);
  for (i = 0; i < n; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;
      g_auto(GValue) other = G_VALUE_INIT;

      if (pspecs[i]->owner_type != G_OBJECT_TYPE (first) ||
          (pspecs[i]->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
          g_type_is_a (pspecs[i]->value_type, G_TYPE_OBJECT) ||
          strstr ("uri host port topic username tls transport", pspecs[i]->name))
        continue;
      g_value_init (&value, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (first), pspecs[i]->name, &value);
      other_value (pspecs[i], &value, &other);
      /* A string from the URI must be a string the property takes. */
      if (G_VALUE_HOLDS_STRING (&other) && g_str_equal (pspecs[i]->name, "ws-path"))
        g_value_set_string (&other, "/path with spaces");
      g_object_set_property (G_OBJECT (first), pspecs[i]->name, &other);
    }

  uri = gst_uri_handler_get_uri (GST_URI_HANDLER (first));
  g_test_message ("%s", uri);
  g_assert_true (g_str_has_prefix (uri, "mqtt+wss://alice@broker.example:1234/a/b%20c?"));
  g_assert_true (gst_uri_handler_set_uri (GST_URI_HANDLER (second), uri, &error));
  g_assert_no_error (error);
  for (i = 0; i < n; i++)
    {
      g_auto(GValue) a = G_VALUE_INIT;
      g_auto(GValue) b = G_VALUE_INIT;

      if (pspecs[i]->owner_type != G_OBJECT_TYPE (first) ||
          (pspecs[i]->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
          g_type_is_a (pspecs[i]->value_type, G_TYPE_OBJECT) ||
          g_str_equal (pspecs[i]->name, "uri"))
        continue;
      g_value_init (&a, pspecs[i]->value_type);
      g_value_init (&b, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (first), pspecs[i]->name, &a);
      g_object_get_property (G_OBJECT (second), pspecs[i]->name, &b);
      if (pspecs[i]->value_type == G_TYPE_STRV
            ? !(g_value_get_boxed (&a) == g_value_get_boxed (&b) ||
                (g_value_get_boxed (&a) && g_value_get_boxed (&b) &&
                 g_strv_equal (g_value_get_boxed (&a), g_value_get_boxed (&b))))
            : gst_value_compare (&a, &b) != GST_VALUE_EQUAL)
        g_error ("%s did not survive the URI %s", pspecs[i]->name, uri);
      checked++;
    }
  g_assert_cmpuint (checked, >=, 25);
}

/* Every connection setting reaches an element: those without a property
 * of their own through the URI or the settings property. */
static void
test_all_settings (void)
{
  g_autoptr(GstElement) sink = gst_object_ref_sink (gst_element_factory_make ("mqttsink", NULL));
  g_autoptr(MqttSettings) settings = NULL, read_back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL, *bind = NULL, *proxy = NULL;
  guint64 queued;

  g_assert_true (gst_uri_handler_set_uri (GST_URI_HANDLER (sink),
                                          "mqtt://h/t?bind-address=127.0.0.1&max-queued-bytes=4096"
                                          "&proxy=socks5://127.0.0.1:1080&retain=true",
                                          &error));
  g_assert_no_error (error);
  g_object_get (sink, "bind-address", &bind, "proxy", &proxy, "settings", &settings, NULL);
  g_assert_cmpstr (bind, ==, "127.0.0.1");
  g_assert_cmpstr (proxy, ==, "socks5://127.0.0.1:1080");
  g_object_get (settings, "max-queued-bytes", &queued, NULL);
  g_assert_cmpuint (queued, ==, 4096);
  uri = gst_uri_handler_get_uri (GST_URI_HANDLER (sink));
  g_assert_cmpstr (uri, ==, "mqtt://h/t?bind-address=127.0.0.1&proxy=socks5://127.0.0.1:1080"
                            "&max-queued-bytes=4096&retain=true");

  /* The settings property replaces them all, with a copy. */
  g_object_set (settings, "host", "other.example", "keepalive", 5, NULL);
  g_object_set (sink, "settings", settings, NULL);
  g_object_set (settings, "keepalive", 6, NULL);
  g_object_get (sink, "settings", &read_back, NULL);
  g_assert_cmpstr (mqtt_settings_get_host (read_back), ==, "other.example");
  g_assert_cmpuint (mqtt_settings_get_keepalive (read_back), ==, 5);
}

static void
test_uri_round_trip (void)
{
  check_round_trip ("mqttsrc");
  check_round_trip ("mqttsink");
}

/* ------------------------------------------------------------------------ */
/* TLS */

/* Any TLS setting turns TLS on: against a plain broker the connection then
 * fails, never goes in plaintext. */
static void
test_tls_options_turn_tls_on (Fixture *f, gconstpointer data)
{
  g_autofree char *ca = g_build_filename (test_certs_dir (), "ca.crt", NULL);
  const char *properties[] = { "ca-file", "tls-validation-flags" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (properties); i++)
    {
      GstHarness *h = harness (f, "mqttsrc", "tls/x", NULL);
      g_autofree char *uri = NULL;
      gboolean tls;

      if (i == 0)
        g_object_set (h->element, "ca-file", ca, NULL);
      else
        g_object_set (h->element, "tls-validation-flags", 0, NULL);
      g_object_get (h->element, "tls", &tls, "uri", &uri, NULL);
      g_test_message ("%s: %s", properties[i], uri);
      g_assert_true (tls);
      g_assert_true (g_str_has_prefix (uri, "mqtts://"));
      gst_harness_play (h);
      gst_message_unref (wait_message (h, "error"));
      harness_teardown (h);
    }
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, broker_fixture_setup, fn, broker_fixture_teardown)
  ADD ("/settings/live-topic-src", test_live_topic_src);
  ADD ("/settings/live-topic-sink", test_live_topic_sink);
  ADD ("/settings/every-property", test_every_property);
  ADD ("/settings/tls-options-turn-tls-on", test_tls_options_turn_tls_on);
#undef ADD
  g_test_add_func ("/settings/uri-errors", test_uri_errors);
  g_test_add_func ("/settings/uri-property-errors", test_uri_property_errors);
  g_test_add_func ("/settings/uri-round-trip", test_uri_round_trip);
  g_test_add_func ("/settings/all-settings", test_all_settings);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
