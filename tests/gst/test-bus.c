/* What the elements post when something fails: exactly one ERROR per
 * failure, saying what to do, for bad settings and for every way a first
 * connection fails (docs/connection-failures.xml); a failure while
 * reconnecting is an element message, not an error. */

#include "config.h"

#include <string.h>

#include <mqtt-glib/mqtt-glib.h>

#include "element-test.h"
#include "test-common.h"
#include "test-resolver.h"

#define CONFIG                                                                \
  "listener @PORT1@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n"

typedef struct {
  TestBroker *open;
  TestBroker *locked;
  TestHttpServer *http;    /* refuses every WebSocket handshake */
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->open = test_broker_new (CONFIG);
  f->locked = test_broker_new ("allow_anonymous false\npassword_file " MQTT_TEST_PASSWORD_FILE
                               "\n");
  f->http = test_http_server_new ();
}

static void
teardown (Fixture *f, gconstpointer data)
{
  test_http_server_free (f->http);
  test_broker_free (f->locked);
  test_broker_free (f->open);
}

static GstPadProbeReturn
note_eos (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
    g_atomic_int_set ((gint *) data, TRUE);
  return GST_PAD_PROBE_OK;
}

static void
take_error (GstMessage *message, GPtrArray *errors)
{
  g_autofree char *debug = NULL;
  GError *e = NULL;

  gst_message_parse_error (message, &e, &debug);
  g_test_message ("%s: %s [%s]", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), e->message, debug);
  g_ptr_array_add (errors, e);
}

/* Plays @description and returns the ERROR messages it posts: until the
 * state change fails, or until the streams have ended (an element that
 * failed ends its stream: EOS reaches the sink), or, when the error came
 * while the pipeline was still prerolling, until it has settled short of
 * PLAYING, where nothing streams; then the streaming threads are stopped,
 * so that whatever they posted is in. */
static GPtrArray *
collect_errors (const char *description)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) pipeline = gst_parse_launch (description, &error);
  g_autoptr(GstBus) bus = NULL;
  GPtrArray *errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  gint64 deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  GstIterator *sinks;
  GValue item = G_VALUE_INIT;
  gint eos = FALSE;

  g_assert_no_error (error);
  bus = gst_element_get_bus (pipeline);
  sinks = gst_bin_iterate_sinks (GST_BIN (pipeline));
  g_assert_cmpint (gst_iterator_next (sinks, &item), ==, GST_ITERATOR_OK);
  {
    g_autoptr(GstPad) pad = gst_element_get_static_pad (g_value_get_object (&item), "sink");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, note_eos, &eos, NULL);
  }
  g_value_unset (&item);
  gst_iterator_free (sinks);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE)
    {
      gboolean settled = FALSE;

      while (!g_atomic_int_get (&eos) && !settled)
        {
          g_autoptr(GstMessage) message = gst_bus_timed_pop_filtered (bus, 10 * GST_MSECOND,
                                                                      GST_MESSAGE_ERROR);
          GstState state = GST_STATE_NULL;

          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          if (message == NULL)
            continue;
          take_error (message, errors);
          gst_element_get_state (pipeline, &state, NULL, 5 * GST_SECOND);
          settled = state != GST_STATE_PLAYING;
        }
    }
  /* READY stops the streaming threads; NULL would flush the bus. */
  gst_element_set_state (pipeline, GST_STATE_READY);
  for (;;)
    {
      g_autoptr(GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

      if (message == NULL)
        break;
      take_error (message, errors);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return errors;
}

/* Exactly one error, of @code, whose text says @says. */
static void
assert_one_error (const char *description, GQuark domain, int code, const char *says)
{
  g_autoptr(GPtrArray) errors = collect_errors (description);
  GError *error;

  g_assert_cmpuint (errors->len, ==, 1);
  error = g_ptr_array_index (errors, 0);
  g_assert_error (error, domain, code);
  g_assert_nonnull (strstr (error->message, says));
}

/* Bad settings fail the state change in one error. */
static void
test_bad_settings (void)
{
  assert_one_error ("fakesrc ! mqttsink topic=a/#", GST_RESOURCE_ERROR,
                    GST_RESOURCE_ERROR_SETTINGS, "wildcard");
  assert_one_error ("fakesrc ! mqttsink", GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                    "No topic");
  assert_one_error ("fakesrc ! mqttsink topic=t topic-template=out/{0}", GST_RESOURCE_ERROR,
                    GST_RESOURCE_ERROR_SETTINGS, "topic-template");
  assert_one_error ("mqttsrc topic=a/#/b ! fakesink", GST_RESOURCE_ERROR,
                    GST_RESOURCE_ERROR_SETTINGS, "#");
  assert_one_error ("mqttsrc topic=a will-topic=w/# ! fakesink", GST_RESOURCE_ERROR,
                    GST_RESOURCE_ERROR_SETTINGS, "wildcard");
}

/* Every row of the manual's table of first-connection failures, for both
 * elements: one error of the row's kind, with what to do. */
typedef struct {
  const char *name;
  int code;                /* GstResourceError; -1: OPEN_READ or OPEN_WRITE */
  const char *says;
} Row;

static const Row rows[] = {
  { "dns", GST_RESOURCE_ERROR_NOT_FOUND, "check the host name" },
  { "tcp", -1, "is the broker running" },
  { "tls", -1, "ca-file" },
  { "websocket", -1, "ws-path" },
  { "refusal", GST_RESOURCE_ERROR_NOT_AUTHORIZED, "username and password" },
};

static char *
settings_of (Fixture *f, const Row *row)
{
  if (g_str_equal (row->name, "dns"))
    return g_strdup ("host=broker.invalid");
  if (g_str_equal (row->name, "tcp"))
    return g_strdup_printf ("host=127.0.0.1 port=%u", test_free_port ());
  if (g_str_equal (row->name, "tls"))
    return g_strdup_printf ("host=127.0.0.1 port=%u tls=true",
                            test_broker_get_extra_port (f->open, 1));
  if (g_str_equal (row->name, "websocket"))
    return g_strdup_printf ("host=127.0.0.1 port=%u transport=websockets",
                            test_http_server_get_port (f->http));
  return g_strdup_printf ("host=127.0.0.1 port=%u", test_broker_get_port (f->locked));
}

static void
test_first_connection (Fixture *f, gconstpointer data)
{
  const Row *row = data;
  g_autofree char *settings = settings_of (f, row);
  g_autofree char *src = g_strdup_printf ("mqttsrc topic=t %s ! fakesink", settings);
  /* A live source: the pipeline plays on while the connection is made, as
   * a capture pipeline does (a non-live one waits in preroll). */
  g_autofree char *sink = g_strdup_printf ("fakesrc is-live=true ! mqttsink topic=t %s",
                                           settings);
  test_name_resolver_install ();
  assert_one_error (src, GST_RESOURCE_ERROR,
                    row->code == -1 ? GST_RESOURCE_ERROR_OPEN_READ : row->code, row->says);
  assert_one_error (sink, GST_RESOURCE_ERROR,
                    row->code == -1 ? GST_RESOURCE_ERROR_OPEN_WRITE : row->code, row->says);
  test_name_resolver_uninstall ();
}

/* A buffer the sink cannot publish: one error, not followed by upstream's
 * "Internal data stream error". */
static void
test_publish_error (Fixture *f, gconstpointer data)
{
  g_autofree char *description = g_strdup_printf (
    "fakesrc sizetype=fixed sizemax=4096 num-buffers=5 ! mqttsink host=127.0.0.1 port=%u "
    "topic=t max-message-size=1024", test_broker_get_port (f->open));

  assert_one_error (description, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT, "max-message-size");
}

/* While reconnecting, failed attempts are element messages with their
 * reason; the pipeline goes on and resumes. */
static void
test_reconnect_failures (Fixture *f, gconstpointer data)
{
  GstHarness *src = harness_port (test_broker_get_port (f->open), "mqttsrc", "t",
                                  "reconnect-delay-max", 1, NULL);
  guint attempts = 0;

  gst_harness_play (src);
  wait_subscribed (src);
  test_broker_stop (f->open);
  while (attempts < 2)
    {
      GstMessage *message = wait_message (src, "mqtt-connection");
      const GstStructure *s = gst_message_get_structure (message);
      const char *reason = gst_structure_get_string (s, "reason");

      g_assert_cmpstr (gst_structure_get_string (s, "state"), ==, "reconnecting");
      g_assert_nonnull (reason);
      g_test_message ("reconnecting: %s", reason);
      if (strstr (reason, "refused"))
        attempts++;
      gst_message_unref (message);
    }
  test_broker_start (f->open);
  wait_subscribed (src);
  harness_teardown (src);
}

int
main (int argc, char **argv)
{
  int ret;
  guint i;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bus/bad-settings", test_bad_settings);
  for (i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bus/first-connection/%s", rows[i].name);

      g_test_add (path, Fixture, &rows[i], setup, test_first_connection, teardown);
    }
  g_test_add ("/bus/publish-error", Fixture, NULL, setup, test_publish_error, teardown);
  g_test_add ("/bus/reconnect-failures", Fixture, NULL, setup, test_reconnect_failures, teardown);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
