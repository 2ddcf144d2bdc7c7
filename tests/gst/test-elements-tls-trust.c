/* mqttsrc and mqttsink judge the broker's certificate by their own TLS
 * settings, whatever other elements and clients of the process trusted
 * before them: two elements in one pipeline with different CAs, and a
 * strict element after a lax one. Without GTest, which would turn
 * glib-networking's session resumption off (see tests/common/tap.h). */

#include "config.h"

#include <string.h>

#include <gst/gst.h>

#include "tap.h"
#include "test-common.h"

#define TRUST_CONFIG                                                          \
  "listener @PORT1@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "listener @PORT2@ 127.0.0.1\nprotocol websockets\n"                         \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "listener @PORT3@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "require_certificate true\n"

static TestBroker *broker;

enum { TLS_LISTENER = 1, WEBSOCKET_LISTENER, MUTUAL_LISTENER };

/* gst-launch syntax with @URI@ (one of the broker's TLS listeners) and
 * @CERTS@ replaced. */
static GstElement *
pipeline_on (const char *description, guint listener)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GString) text = g_string_new (description);
  GstElement *element;

  uri = g_strdup_printf ("%s://localhost:%u/trust/t",
                         listener == WEBSOCKET_LISTENER ? "mqtt+wss" : "mqtts",
                         test_broker_get_extra_port (broker, listener));
  g_string_replace (text, "@URI@", uri, 0);
  g_string_replace (text, "@CERTS@", test_certs_dir (), 0);
  element = gst_parse_launch (text->str, &error);
  g_assert_no_error (error);
  return element;
}

static GstElement *
pipeline (const char *description, gboolean websocket)
{
  return pipeline_on (description, websocket ? WEBSOCKET_LISTENER : TLS_LISTENER);
}

/* Until each element of @names has posted what it should: "ok" the
 * mqtt-connection "connected" message, "error" an error that says the
 * certificate was refused, or "fail" one that asks for a client
 * certificate. */
static void
expect (GstElement *pipe, const char *const *names, const char *const *outcomes)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (pipe);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint n = g_strv_length ((char **) names), seen = 0, i;

  while (seen != (1u << n) - 1)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      g_autoptr(GstMessage) message = NULL;
      const char *source;
      const GstStructure *s;

      if (left <= 0)
        g_error ("not every element reported within 10 s (%x)", seen);
      message = gst_bus_timed_pop (bus, left * GST_USECOND);
      if (message == NULL)
        continue;
      source = GST_OBJECT_NAME (GST_MESSAGE_SRC (message));
      for (i = 0; i < n; i++)
        if (g_str_equal (source, names[i]))
          break;
      if (i == n || (seen & (1u << i)))
        continue;
      s = gst_message_get_structure (message);
      if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
        {
          g_autoptr(GError) error = NULL;

          gst_message_parse_error (message, &error, NULL);
          g_print ("# %s: %s\n", source, error->message);
          g_assert_cmpstr (outcomes[i], !=, "ok");
          if (g_str_equal (outcomes[i], "error"))
            g_assert_nonnull (strstr (error->message, "Unacceptable TLS certificate"));
          else
            g_assert_nonnull (strstr (error->message, "client certificate"));
          seen |= 1u << i;
        }
      else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT &&
               gst_structure_has_name (s, "mqtt-connection") &&
               g_str_equal (gst_structure_get_string (s, "state"), "connected"))
        {
          g_print ("# %s: connected\n", source);
          g_assert_cmpstr (outcomes[i], ==, "ok");
          seen |= 1u << i;
        }
    }
}

static void
run (GstElement *pipe, const char *const *names, const char *const *outcomes)
{
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  expect (pipe, names, outcomes);
  gst_element_set_state (pipe, GST_STATE_NULL);
}

/* A lax or trusting element first, then a pipeline with one element that
 * trusts the test CA and one that does not. */
static void
test_two_sources (gconstpointer data)
{
  gboolean websocket = GPOINTER_TO_INT (data);
  g_autoptr(GstElement) first =
    pipeline ("mqttsrc name=trusting uri=@URI@ ca-file=@CERTS@/ca.crt ! fakesink", websocket);
  g_autoptr(GstElement) both =
    pipeline ("mqttsrc name=trusting uri=@URI@ ca-file=@CERTS@/ca.crt ! fakesink "
              "mqttsrc name=other uri=@URI@ ca-file=@CERTS@/other-ca.crt ! fakesink",
              websocket);
  g_autoptr(GstElement) system =
    pipeline ("mqttsrc name=system uri=@URI@ ! fakesink", websocket);

  run (first, (const char *[]) { "trusting", NULL }, (const char *[]) { "ok" });
  run (both, (const char *[]) { "trusting", "other", NULL },
       (const char *[]) { "ok", "error" });
  run (system, (const char *[]) { "system", NULL }, (const char *[]) { "error" });
}

static void
test_two_sinks (gconstpointer data)
{
  gboolean websocket = GPOINTER_TO_INT (data);
  g_autoptr(GstElement) first =
    pipeline ("fakesrc sizetype=fixed sizemax=4 ! mqttsink name=trusting uri=@URI@ "
              "ca-file=@CERTS@/ca.crt", websocket);
  g_autoptr(GstElement) both =
    pipeline ("fakesrc sizetype=fixed sizemax=4 ! tee name=t "
              "t. ! queue ! mqttsink name=trusting uri=@URI@ ca-file=@CERTS@/ca.crt "
              "t. ! queue ! mqttsink name=system uri=@URI@", websocket);

  run (first, (const char *[]) { "trusting", NULL }, (const char *[]) { "ok" });
  run (both, (const char *[]) { "trusting", "system", NULL },
       (const char *[]) { "ok", "error" });
}

/* An element that checks nothing, then one that checks. */
static void
test_insecure_then_strict (gconstpointer data)
{
  gboolean websocket = GPOINTER_TO_INT (data);
  g_autoptr(GstElement) lax =
    pipeline ("mqttsrc name=lax uri=@URI@ tls-validation-flags=0 ! fakesink", websocket);
  g_autoptr(GstElement) strict =
    pipeline ("mqttsrc name=strict uri=@URI@ ! fakesink "
              "fakesrc sizetype=fixed sizemax=4 ! mqttsink name=strict-sink uri=@URI@",
              websocket);

  run (lax, (const char *[]) { "lax", NULL }, (const char *[]) { "ok" });
  run (strict, (const char *[]) { "strict", "strict-sink", NULL },
       (const char *[]) { "error", "error" });
}

/* A broker that requires a client certificate: an element that presents
 * it, then one that has none. */
static void
test_client_certificate_then_none (gconstpointer data)
{
  g_autoptr(GstElement) with =
    pipeline_on ("mqttsrc name=with uri=@URI@ ca-file=@CERTS@/ca.crt "
                 "cert-file=@CERTS@/client.crt key-file=@CERTS@/client.key ! fakesink",
                 MUTUAL_LISTENER);
  g_autoptr(GstElement) without =
    pipeline_on ("mqttsrc name=without uri=@URI@ ca-file=@CERTS@/ca.crt ! fakesink "
                 "fakesrc sizetype=fixed sizemax=4 ! mqttsink name=without-sink uri=@URI@ "
                 "ca-file=@CERTS@/ca.crt", MUTUAL_LISTENER);

  run (with, (const char *[]) { "with", NULL }, (const char *[]) { "ok" });
  run (without, (const char *[]) { "without", "without-sink", NULL },
       (const char *[]) { "fail", "fail" });
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  broker = test_broker_new (TRUST_CONFIG);
  tap_run ("two sources, tcp", test_two_sources, GINT_TO_POINTER (FALSE));
  tap_run ("two sources, websocket", test_two_sources, GINT_TO_POINTER (TRUE));
  tap_run ("two sinks, tcp", test_two_sinks, GINT_TO_POINTER (FALSE));
  tap_run ("two sinks, websocket", test_two_sinks, GINT_TO_POINTER (TRUE));
  tap_run ("insecure then strict, tcp", test_insecure_then_strict, GINT_TO_POINTER (FALSE));
  tap_run ("insecure then strict, websocket", test_insecure_then_strict,
           GINT_TO_POINTER (TRUE));
  tap_run ("client certificate then none", test_client_certificate_then_none, NULL);
  test_broker_free (broker);
  return tap_done ();
}
