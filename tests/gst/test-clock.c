/* Two pipelines on one clock: the sender's (a realtime system clock)
 * served by mqttsink's net-clock, followed by mqttsrc's GstNetClientClock.
 * Each buffer carries its publication time as a reference timestamp
 * (timestamp/x-unix); the receiver measures the latency end to end from
 * it, and timestamp-mode=clock gives the buffers the sender's clock times
 * on its own running time. */

#include "config.h"

#include <stdlib.h>

#include <gio/gio.h>
#include <gst/gst.h>
#include <gst/net/net.h>

#include "element-test.h"

#define FRAMES 60

static guint16
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, any, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static int
compare_times (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
test_shared_clock (BrokerFixture *f, gconstpointer data)
{
  guint16 clock_port = free_port ();
  g_autofree char *sending = g_strdup_printf (
    "videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=30/1 "
    "! mqttsink uri=mqtt://127.0.0.1:@PORT@/clock/t?framing=gst net-clock=127.0.0.1:%u "
    "reference-timestamp-caps=timestamp/x-unix", clock_port);
  g_autofree char *receiving = g_strdup_printf (
    "mqttsrc uri=mqtt://127.0.0.1:@PORT@/clock/t?framing=gst net-clock=127.0.0.1:%u "
    "timestamp-mode=clock ! appsink name=out sync=false", clock_port);
  g_autoptr(GstClock) realtime = g_object_new (GST_TYPE_SYSTEM_CLOCK, "clock-type",
                                               GST_CLOCK_TYPE_REALTIME, NULL);
  g_autoptr(GstCaps) unix_time = gst_caps_new_empty_simple ("timestamp/x-unix");
  GstElement *sender = launch (sending, f->port), *receiver = launch (receiving, f->port);
  g_autoptr(GstElement) out = gst_bin_get_by_name (GST_BIN (receiver), "out");
  g_autoptr(GstClock) clock = NULL;
  gint64 latencies[FRAMES], offsets[FRAMES];
  GstClockTime base;
  guint i;

  gst_pipeline_use_clock (GST_PIPELINE (sender), realtime);
  g_assert_cmpint (gst_element_set_state (sender, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  g_assert_cmpint (gst_element_get_state (sender, NULL, NULL, 10 * GST_SECOND), ==,
                   GST_STATE_CHANGE_SUCCESS);
  g_assert_cmpint (gst_element_set_state (receiver, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  g_assert_cmpint (gst_element_get_state (receiver, NULL, NULL, 10 * GST_SECOND), ==,
                   GST_STATE_CHANGE_SUCCESS);
  clock = gst_pipeline_get_clock (GST_PIPELINE (receiver));
  g_assert_true (GST_IS_NET_CLIENT_CLOCK (clock));
  base = gst_element_get_base_time (receiver);

  for (i = 0; i < FRAMES; i++)
    {
      g_autoptr(GstSample) sample = NULL;
      GstReferenceTimestampMeta *meta;
      GstBuffer *buffer;
      GstClockTime now;

      g_signal_emit_by_name (out, "try-pull-sample", 10 * GST_SECOND, &sample);
      g_assert_nonnull (sample);
      now = gst_clock_get_time (clock);
      buffer = gst_sample_get_buffer (sample);
      meta = gst_buffer_get_reference_timestamp_meta (buffer, unix_time);
      g_assert_nonnull (meta);
      /* Published then, received now, on the one clock. */
      latencies[i] = GST_CLOCK_DIFF (meta->timestamp, now);
      /* The sender's clock time of the buffer, on this pipeline's running
       * time: before its publication, by the sender's own latency. */
      g_assert_true (GST_BUFFER_PTS_IS_VALID (buffer));
      offsets[i] = GST_CLOCK_DIFF (base + GST_BUFFER_PTS (buffer), meta->timestamp);
    }
  qsort (latencies, FRAMES, sizeof latencies[0], compare_times);
  qsort (offsets, FRAMES, sizeof offsets[0], compare_times);
  g_test_message ("latency end to end on a shared clock: median %.3f ms, p95 %.3f ms "
                  "(publication after the buffer's clock time: median %.3f ms)",
                  latencies[FRAMES / 2] / 1e6, latencies[FRAMES * 95 / 100] / 1e6,
                  offsets[FRAMES / 2] / 1e6);
  /* The clocks agree to well under a millisecond on one host. */
  g_assert_cmpint (latencies[0], >, -GST_MSECOND);
  g_assert_cmpint (latencies[FRAMES / 2], <, 100 * GST_MSECOND);
  g_assert_cmpint (offsets[FRAMES / 2], >, -GST_MSECOND);
  g_assert_cmpint (offsets[FRAMES / 2], <, 200 * GST_MSECOND);

  gst_element_set_state (receiver, GST_STATE_NULL);
  gst_element_set_state (sender, GST_STATE_NULL);
  gst_object_unref (receiver);
  gst_object_unref (sender);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/clock/shared", BrokerFixture, NULL, broker_fixture_setup, test_shared_clock,
              broker_fixture_teardown);
  return g_test_run ();
}
