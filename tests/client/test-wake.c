/* The network and sleep: a test GNetworkMonitor that the tests switch off
 * and on (no reconnection burnt while it is down, one at once when it comes
 * back, a connection checked when it changes), and a resume from suspend
 * injected as a jump of the boot-time clock. The broker is reached as
 * "broker.test" (a test resolver's name for 127.0.0.1), so that it counts
 * as remote. */

#include "config.h"

#include <mqtt-glib/mqtt-glib.h>

#include "mqtt-wake-private.h"
#include "recorder.h"
#include "test-common.h"
#include "test-resolver.h"

#define WAIT_MS 20000

/* ------------------------------------------------------------------------ */
/* A network monitor the test drives */

typedef struct {
  GObject parent;
  gboolean available;
} TestMonitor;

typedef GObjectClass TestMonitorClass;

enum {
  PROP_0,
  PROP_AVAILABLE,
  PROP_METERED,
  PROP_CONNECTIVITY,
};

static GType test_monitor_get_type (void);
static void test_monitor_initable_init (GInitableIface *iface);
static void test_monitor_monitor_init (GNetworkMonitorInterface *iface);

G_DEFINE_TYPE_WITH_CODE (TestMonitor, test_monitor, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, test_monitor_initable_init)
                         G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR,
                                                test_monitor_monitor_init))

static void
test_monitor_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TestMonitor *self = (TestMonitor *) object;

  switch (prop_id)
    {
    case PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case PROP_METERED:
      g_value_set_boolean (value, FALSE);
      break;
    case PROP_CONNECTIVITY:
      g_value_set_enum (value, self->available ? G_NETWORK_CONNECTIVITY_FULL
                                               : G_NETWORK_CONNECTIVITY_LOCAL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_monitor_class_init (TestMonitorClass *klass)
{
  klass->get_property = test_monitor_get_property;
  g_object_class_override_property (klass, PROP_AVAILABLE, "network-available");
  g_object_class_override_property (klass, PROP_METERED, "network-metered");
  g_object_class_override_property (klass, PROP_CONNECTIVITY, "connectivity");
}

static void
test_monitor_init (TestMonitor *self)
{
  self->available = TRUE;
}

static gboolean
initable_init (GInitable *initable, GCancellable *cancellable, GError **error)
{
  return TRUE;
}

static void
test_monitor_initable_init (GInitableIface *iface)
{
  iface->init = initable_init;
}

static gboolean
can_reach (GNetworkMonitor *monitor, GSocketConnectable *connectable, GCancellable *cancellable,
           GError **error)
{
  if (((TestMonitor *) monitor)->available)
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE, "No network");
  return FALSE;
}

static void
test_monitor_monitor_init (GNetworkMonitorInterface *iface)
{
  iface->can_reach = can_reach;
}

/* What GLib's monitors do: the property, then network-changed. */
static void
test_monitor_set_available (TestMonitor *self, gboolean available)
{
  self->available = available;
  g_object_notify (G_OBJECT (self), "network-available");
  g_signal_emit_by_name (self, "network-changed", available);
}

/* ------------------------------------------------------------------------ */
/* The client side */

typedef struct {
  TestMonitor *monitor;
  MqttClient *client;
  Recorder *r;
} Watch;

/* Log lines of the client that begin with @prefix and end with @suffix. */
static guint
logs_with (Recorder *r, const char *prefix, const char *suffix)
{
  guint i, n = 0;

  pthread_mutex_lock (&r->lock);
  for (i = 0; i < r->logs->len; i++)
    n += g_str_has_prefix (r->logs->pdata[i], prefix) &&
         g_str_has_suffix (r->logs->pdata[i], suffix);
  pthread_mutex_unlock (&r->lock);
  return n;
}

/* Connection attempts, and checks of a connection (the client's line, not
 * the PINGREQ's). */
static guint
attempts (Recorder *r)
{
  return logs_with (r, "Connecting to", "");
}

static guint
checks (Recorder *r)
{
  return logs_with (r, "", ": checking the connection");
}

static void
watch_init (Watch *w)
{
  w->monitor = g_object_new (test_monitor_get_type (), NULL);
  w->client = mqtt_client_new ("wake", TRUE, MQTT_PROTOCOL_V311, NULL);
  mqtt_client_set_network_monitor (w->client, G_NETWORK_MONITOR (w->monitor));
  w->r = recorder_new (w->client);
}

static void
watch_clear (Watch *w)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_disconnect_from_broker (w->client, &error));
  g_clear_pointer (&w->r, recorder_free);
  g_clear_object (&w->client);
  g_clear_object (&w->monitor);
}

static void
connect_to (Watch *w, const char *host, guint16 port)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_set_reconnect_delay (w->client, 1, 1, &error));
  g_assert_true (mqtt_client_connect_to_broker (w->client, host, port, 60, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (recorder_connected (w->r), ==, 1);
}

/* While the network is down, a lost connection to a remote broker is not
 * retried (no attempt in three seconds, with a reconnect delay of one);
 * when it comes back the client reconnects at once. */
static void
test_network_down (void)
{
  g_autoptr(TestBroker) broker = test_broker_new (NULL);
  Watch w = { 0 };
  gint64 back;

  watch_init (&w);
  connect_to (&w, "broker.test", test_broker_get_port (broker));
  g_assert_cmpuint (attempts (w.r), ==, 1);

  test_monitor_set_available (w.monitor, FALSE);
  test_broker_stop (broker);
  RECORDER_WAIT (w.r, recorder_disconnected, 1);
  test_run_for (3000);
  g_assert_cmpuint (attempts (w.r), ==, 1);
  g_assert_cmpuint (recorder_connect_failed (w.r), ==, 0);

  /* The broker is back, the network not yet: still nothing. */
  test_broker_start (broker);
  test_run_for (1500);
  g_assert_cmpuint (recorder_connected (w.r), ==, 1);
  g_assert_cmpuint (attempts (w.r), ==, 1);

  back = g_get_monotonic_time ();
  test_monitor_set_available (w.monitor, TRUE);
  RECORDER_WAIT (w.r, recorder_connected, 2);
  g_test_message ("reconnected %.3f s after the network came back",
                  (g_get_monotonic_time () - back) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - back, <, G_USEC_PER_SEC);
  g_assert_cmpuint (attempts (w.r), ==, 2);
  watch_clear (&w);
}

/* A broker on this machine does not need the network: with the monitor
 * saying it is down, the client reconnects after its delay as usual. */
static void
test_network_down_local (void)
{
  g_autoptr(TestBroker) broker = test_broker_new (NULL);
  Watch w = { 0 };

  watch_init (&w);
  connect_to (&w, "127.0.0.1", test_broker_get_port (broker));
  test_monitor_set_available (w.monitor, FALSE);
  test_broker_stop (broker);
  RECORDER_WAIT (w.r, recorder_disconnected, 1);
  test_broker_start (broker);
  RECORDER_WAIT (w.r, recorder_connected, 2);
  watch_clear (&w);
}

/* A change of network skips the wait: with a reconnect delay of 30 s, the
 * client is back within a second of the change. */
static void
test_network_changed_skips_backoff (void)
{
  g_autoptr(TestBroker) broker = test_broker_new (NULL);
  g_autoptr(GError) error = NULL;
  Watch w = { 0 };
  gint64 changed;

  watch_init (&w);
  connect_to (&w, "broker.test", test_broker_get_port (broker));
  g_assert_true (mqtt_client_set_reconnect_delay (w.client, 30, 60, &error));
  test_broker_stop (broker);
  RECORDER_WAIT (w.r, recorder_disconnected, 1);
  test_broker_start (broker);
  test_run_for (1000);
  g_assert_cmpuint (recorder_connected (w.r), ==, 1);

  changed = g_get_monotonic_time ();
  test_monitor_set_available (w.monitor, TRUE);
  RECORDER_WAIT (w.r, recorder_connected, 2);
  g_test_message ("reconnected %.3f s after the network changed, 30 s before the delay ran out",
                  (g_get_monotonic_time () - changed) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - changed, <, G_USEC_PER_SEC);
  watch_clear (&w);
}

/* A change of network with the connection up: a PINGREQ at once, which a
 * live broker answers (the connection stays). */
static void
test_network_changed_checks (void)
{
  g_autoptr(TestBroker) broker = test_broker_new (NULL);
  Watch w = { 0 };

  watch_init (&w);
  connect_to (&w, "broker.test", test_broker_get_port (broker));
  test_monitor_set_available (w.monitor, TRUE);
  RECORDER_WAIT (w.r, checks, 1);
  /* Past the five seconds the answer had. */
  test_run_for (6000);
  g_assert_cmpuint (recorder_disconnected (w.r), ==, 0);
  g_assert_cmpuint (recorder_connected (w.r), ==, 1);
  watch_clear (&w);
}

/* A broker that answers CONNECT and then nothing, like a connection a NAT
 * forgot while the machine slept: the PINGREQ of the check is read, never
 * answered. */
static void
silent_script (FakeBroker *broker, gpointer data)
{
  g_auto (MqttPacket) ping = { 0 };

  fake_broker_handshake (broker, 0, FALSE);
  fake_broker_read_packet (broker, &ping);
  g_assert_cmpint (ping.type, ==, MQTT_PACKET_PINGREQ);
  fake_broker_wait_closed (broker, WAIT_MS);
}

/* The boot-time clock the resume watcher reads: the monotonic clock plus
 * the seconds the test says the machine slept. */
static gint slept;

static gint64
test_boottime (void)
{
  return g_get_monotonic_time () + (gint64) g_atomic_int_get (&slept) * G_USEC_PER_SEC;
}

static gboolean
broker_done (gpointer broker)
{
  return fake_broker_is_done (broker);
}

static void
check_dead_connection (gboolean resume)
{
  g_autoptr(FakeBroker) broker = fake_broker_new (silent_script, NULL);
  Watch w = { 0 };
  gint64 woke;
  double lost_after;

  watch_init (&w);
  connect_to (&w, "broker.test", fake_broker_get_port (broker));
  woke = g_get_monotonic_time ();
  if (resume)
    g_atomic_int_add (&slept, 600);
  else
    test_monitor_set_available (w.monitor, TRUE);
  RECORDER_WAIT (w.r, recorder_disconnected, 1);
  lost_after = (g_get_monotonic_time () - woke) / 1e6;
  g_test_message ("%s: the dead connection was found %.2f s later (keepalive 60 s)",
                  resume ? "resumed" : "network changed", lost_after);
  g_assert_error (w.r->disconnect_error, MQTT_ERROR, MQTT_ERROR_KEEPALIVE);
  g_assert_cmpfloat (lost_after, >=, 4.5);
  g_assert_cmpfloat (lost_after, <, 7);
  g_assert_cmpuint (checks (w.r), ==, 1);
  watch_clear (&w);
  test_wait_until_full (broker_done, broker, WAIT_MS, "the script's end");
}

/* The network changed and the connection is dead: found five seconds
 * later, not after up to 90 (1.5 × keepalive). */
static void
test_network_changed_dead (void)
{
  check_dead_connection (FALSE);
}

/* The machine resumed (the boot-time clock ran ten minutes ahead of the
 * monotonic one): the same check. */
static void
test_resume (void)
{
  check_dead_connection (TRUE);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  /* Before the first client: the resume watcher reads this clock, every
   * 100 ms. */
  mqtt_wake_set_clock_for_test (test_boottime, 100);
  test_name_resolver_install ();
  g_test_add_func ("/wake/network-down", test_network_down);
  g_test_add_func ("/wake/network-down-local", test_network_down_local);
  g_test_add_func ("/wake/network-changed-skips-backoff", test_network_changed_skips_backoff);
  g_test_add_func ("/wake/network-changed-checks", test_network_changed_checks);
  g_test_add_func ("/wake/network-changed-dead", test_network_changed_dead);
  g_test_add_func ("/wake/resume", test_resume);
  status = g_test_run ();
  test_name_resolver_uninstall ();
  return status;
}
