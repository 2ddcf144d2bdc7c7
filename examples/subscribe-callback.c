// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* subscribe-callback: Paho's subscribe.callback() example. It runs until
 * Ctrl-C, or until COUNT messages when given: the callback then
 * disconnects the client, which ends subscribe.callback().
 *
 *   import paho.mqtt.subscribe as subscribe
 *   def on_message_print(client, userdata, message):
 *       print("%s %s" % (message.topic, message.payload))
 *   subscribe.callback(on_message_print, "paho/test/callback", hostname="iot.eclipse.org")
 *
 *   subscribe-callback [HOST [PORT [TOPIC [COUNT]]]]
 */

#include <stdlib.h>

#include <glib-unix.h>
#include <mqtt-glib/mqtt-glib.h>

static void
on_message_print (MqttClient *client, MqttMessage *message, gpointer userdata)
{
  int *remaining = userdata;
  gsize length;
  const char *payload = g_bytes_get_data (mqtt_message_get_payload (message), &length);

  /* Messages that arrived with the last one wanted are not printed: the
   * disconnection is on its way. */
  if (*remaining < 0)
    return;
  g_print ("%s %.*s\n", mqtt_message_get_topic (message), (int) length, payload);
  if (*remaining > 0 && --*remaining == 0)
    {
      *remaining = -1;
      mqtt_client_disconnect_from_broker (client, NULL);
    }
}

static gboolean
interrupted (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

/* Ctrl-C cancels: watched in a thread of its own, as the blocking helper
 * runs a private main context. */
static GMainContext *signals_context;

static gpointer
watch_signals (gpointer cancellable)
{
  g_autoptr(GSource) sigint = g_unix_signal_source_new (SIGINT);

  g_source_set_callback (sigint, interrupted, cancellable, NULL);
  g_source_attach (sigint, signals_context);
  while (!g_cancellable_is_cancelled (cancellable))
    g_main_context_iteration (signals_context, TRUE);
  g_source_destroy (sigint);
  return NULL;
}

int
main (int argc, char *argv[])
{
  const char *topics[] = { argc > 3 ? argv[3] : "paho/test/callback" };
  int remaining = argc > 4 ? atoi (argv[4]) : 0;
  g_autoptr(MqttSettings) settings = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GThread *watcher;
  gboolean ok;

  settings = mqtt_settings_new (argc > 1 ? argv[1] : "localhost",
                                     argc > 2 ? atoi (argv[2]) : 1883);
  signals_context = g_main_context_new ();
  watcher = g_thread_new ("signals", watch_signals, cancellable);
  ok = mqtt_subscribe_callback (on_message_print, &remaining, topics, 1, MQTT_QOS_AT_MOST_ONCE,
                                settings, cancellable, &error);
  /* Ends the watcher, if the callback ended the subscription. */
  g_cancellable_cancel (cancellable);
  g_main_context_wakeup (signals_context);
  g_thread_join (watcher);
  g_main_context_unref (signals_context);
  if (!ok)
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
