/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * Resume from suspend, seen once per process (internal): logind's
 * PrepareForSleep signal on the system bus when logind is there, else a
 * jump between the boot-time clock (which counts suspended time) and the
 * monotonic clock (which does not), read every few seconds. Watchers are
 * called from the watcher's own thread; they must be quick and
 * thread-safe.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One function for every watch (the client's), called with each watch's
 * data. */
typedef void (*MqttWakeFunc) (gpointer data);

void mqtt_wake_watch (MqttWakeFunc func, gpointer data);
void mqtt_wake_unwatch (gpointer data);

/* For tests: the boot-time clock read instead of CLOCK_BOOTTIME (in
 * microseconds) and how often it is read; logind is then not used. Call
 * before the first watch. */
void mqtt_wake_set_clock_for_test (gint64 (*boottime) (void), guint interval_ms);

G_END_DECLS
