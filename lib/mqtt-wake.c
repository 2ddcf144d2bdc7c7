/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * Resume from suspend, for every client of the process: one thread with
 * its own main context, started with the first watch and kept for the
 * life of the process (as GLib's own worker). It listens to logind's
 * PrepareForSleep (FALSE: the machine resumed) when logind owns its name
 * on the system bus; otherwise it compares, every five seconds, how far
 * the boot-time clock has run ahead of the monotonic clock: the monotonic
 * clock stops while the machine sleeps, the boot-time one does not, so a
 * gap that grew by more than two seconds is a sleep.
 */

#include "config.h"

#include <gio/gio.h>
#include <pthread.h>
#include <time.h>

#include "mqtt-wake-private.h"

#define CHECK_INTERVAL_MS 5000
#define SLEPT_USEC (2 * G_USEC_PER_SEC)

/* A pthread mutex, as the client's: ThreadSanitizer follows it. */
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static MqttWakeFunc wake_func;
static GPtrArray *watches;    /* its data, under wake_lock */
static GThread *wake_thread;
static gint64 (*boottime_func) (void);
static guint interval_ms = CHECK_INTERVAL_MS;

static gint64
real_boottime (void)
{
#ifdef CLOCK_BOOTTIME
  struct timespec ts;

  if (clock_gettime (CLOCK_BOOTTIME, &ts) == 0)
    return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
#endif
  /* No boot-time clock: no gap is ever seen. */
  return g_get_monotonic_time ();
}

static void
resumed (const char *how)
{
  guint i;

  g_debug ("The machine resumed (%s)", how);
  pthread_mutex_lock (&wake_lock);
  for (i = 0; i < watches->len; i++)
    wake_func (watches->pdata[i]);
  pthread_mutex_unlock (&wake_lock);
}

static gint64 last_gap;

static gboolean
check_clocks (gpointer data)
{
  gint64 gap = boottime_func () - g_get_monotonic_time ();

  if (gap - last_gap > SLEPT_USEC)
    resumed ("the boot-time clock ran ahead of the monotonic clock");
  last_gap = gap;
  return G_SOURCE_CONTINUE;
}

static void
prepare_for_sleep (GDBusConnection *bus, const char *sender, const char *path,
                   const char *interface, const char *signal, GVariant *parameters,
                   gpointer data)
{
  gboolean going_to_sleep;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(b)")))
    return;
  g_variant_get (parameters, "(b)", &going_to_sleep);
  if (!going_to_sleep)
    resumed ("logind");
}

/* Whether logind is on the system bus: then its signal is listened to. */
static gboolean
watch_logind (void)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) owner = NULL;

  if (boottime_func != real_boottime)
    return FALSE;
  bus = g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
  if (bus == NULL)
    return FALSE;
  owner = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetNameOwner",
                                       g_variant_new ("(s)", "org.freedesktop.login1"),
                                       G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, 1000,
                                       NULL, NULL);
  if (owner == NULL)
    return FALSE;
  g_dbus_connection_signal_subscribe (bus, "org.freedesktop.login1",
                                      "org.freedesktop.login1.Manager", "PrepareForSleep",
                                      "/org/freedesktop/login1", NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, prepare_for_sleep, NULL, NULL);
  /* The subscription keeps the connection for the life of the process. */
  g_object_ref (bus);
  return TRUE;
}

static gpointer
wake_thread_main (gpointer data)
{
  GMainContext *context = g_main_context_new ();
  GSource *source;

  g_main_context_push_thread_default (context);
  if (!watch_logind ())
    {
      last_gap = boottime_func () - g_get_monotonic_time ();
      source = g_timeout_source_new (interval_ms);
      g_source_set_callback (source, check_clocks, NULL, NULL);
      g_source_set_name (source, "mqtt-glib resume check");
      g_source_attach (source, context);
      g_source_unref (source);
    }
  for (;;)
    g_main_context_iteration (context, TRUE);
  return NULL;
}

void
mqtt_wake_set_clock_for_test (gint64 (*boottime) (void), guint interval)
{
  pthread_mutex_lock (&wake_lock);
  g_warn_if_fail (wake_thread == NULL);
  boottime_func = boottime;
  interval_ms = interval;
  pthread_mutex_unlock (&wake_lock);
}

void
mqtt_wake_watch (MqttWakeFunc func, gpointer data)
{
  pthread_mutex_lock (&wake_lock);
  g_warn_if_fail (wake_func == NULL || wake_func == func);
  wake_func = func;
  if (watches == NULL)
    watches = g_ptr_array_new ();
  g_ptr_array_add (watches, data);
  if (wake_thread == NULL)
    {
      if (boottime_func == NULL)
        boottime_func = real_boottime;
      wake_thread = g_thread_new ("mqtt-wake", wake_thread_main, NULL);
    }
  pthread_mutex_unlock (&wake_lock);
}

/* Once this returns, the function is not running for @data and will not
 * run for it again. Does nothing for data not watched. */
void
mqtt_wake_unwatch (gpointer data)
{
  pthread_mutex_lock (&wake_lock);
  if (watches)
    g_ptr_array_remove_fast (watches, data);
  pthread_mutex_unlock (&wake_lock);
}
