// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* demo: mqtt-glib end to end in a GMainLoop, with the asynchronous API.
 *
 *   demo [HOST [PORT]]
 *
 * Connects, subscribes to mqtt-glib/demo/# at QoS 2 with a per-filter
 * callback for alerts, publishes at every QoS (waiting for each
 * acknowledgement) and a retained status, prints what comes back with its
 * round-trip time, and disconnects cleanly. */

#include <stdlib.h>
#include <string.h>

#include <mqtt-glib/mqtt-glib.h>

typedef struct {
  MqttClient *client;
  GMainLoop *loop;
  guint expected;
  guint received;
  gint64 started;
  int status;
} Demo;

static void
print_message (const char *who, MqttMessage *message, Demo *demo)
{
  gsize length;
  const char *payload = g_bytes_get_data (mqtt_message_get_payload (message), &length);

  g_print ("  %-7s %-28s qos %d%s  \"%.*s\"  (%.0f us after publishing)\n", who,
           mqtt_message_get_topic (message), mqtt_message_get_qos (message),
           mqtt_message_get_retain (message) ? " retained" : "", (int) length, payload,
           (double) (mqtt_message_get_timestamp (message) - demo->started));
}

static void
maybe_finish (Demo *demo)
{
  if (++demo->received == demo->expected)
    mqtt_client_disconnect_from_broker (demo->client, NULL);
}

static void
on_message (MqttClient *client, MqttMessage *message, gpointer user_data)
{
  print_message ("message", message, user_data);
  maybe_finish (user_data);
}

static void
on_alert (MqttClient *client, MqttMessage *message, gpointer user_data)
{
  print_message ("ALERT", message, user_data);
  maybe_finish (user_data);
}

static void
on_disconnected (MqttClient *client, int rc, GError *error, gpointer user_data)
{
  Demo *demo = user_data;

  g_print ("disconnected: %s\n", rc == 0 ? "cleanly" : error->message);
  if (rc != 0)
    demo->status = EXIT_FAILURE;
  g_main_loop_quit (demo->loop);
}

static void
fail (Demo *demo, const char *what, const GError *error)
{
  g_printerr ("demo: %s: %s\n", what, error->message);
  demo->status = EXIT_FAILURE;
  g_main_loop_quit (demo->loop);
}

static void
published (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;
  guint mid;

  if (!mqtt_client_publish_finish (MQTT_CLIENT (source), result, &mid, &error))
    fail (demo, "publish", error);
  else
    g_print ("  published message %u (acknowledged)\n", mid);
}

static void
publish (Demo *demo, const char *topic, const char *text, MqttQos qos, gboolean retain)
{
  g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));

  mqtt_client_publish_async (demo->client, topic, payload, qos, retain, NULL, published, demo);
}

static void
subscribed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree int *granted = NULL;
  gsize n;

  if (!mqtt_client_subscribe_finish (MQTT_CLIENT (source), result, &granted, &n, &error))
    {
      fail (demo, "subscribe", error);
      return;
    }
  g_print ("subscribed to mqtt-glib/demo/# with QoS %d\n", granted[0]);

  demo->started = g_get_monotonic_time ();
  demo->expected = 5;
  publish (demo, "mqtt-glib/demo/qos0", "fire and forget", MQTT_QOS_AT_MOST_ONCE, FALSE);
  publish (demo, "mqtt-glib/demo/qos1", "at least once", MQTT_QOS_AT_LEAST_ONCE, FALSE);
  publish (demo, "mqtt-glib/demo/qos2", "exactly once", MQTT_QOS_EXACTLY_ONCE, FALSE);
  publish (demo, "mqtt-glib/demo/status", "online", MQTT_QOS_AT_LEAST_ONCE, TRUE);
  publish (demo, "mqtt-glib/demo/alerts/kitchen", "smoke!", MQTT_QOS_EXACTLY_ONCE, FALSE);
}

static void
connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Demo *demo = user_data;
  g_autoptr(GError) error = NULL;
  const char *filters[] = { "mqtt-glib/demo/#" };
  const MqttQos qos[] = { MQTT_QOS_EXACTLY_ONCE };

  if (!mqtt_client_connect_to_broker_finish (demo->client, result, &error))
    {
      fail (demo, "connect", error);
      return;
    }
  g_print ("connected as %s\n", mqtt_client_get_client_id (demo->client));
  mqtt_client_subscribe_async (demo->client, filters, qos, 1, NULL, subscribed, demo);
}

int
main (int argc, char *argv[])
{
  const char *host = argc > 1 ? argv[1] : "localhost";
  guint port = argc > 2 ? atoi (argv[2]) : 1883;
  g_autoptr(GError) error = NULL;
  Demo demo = { NULL };

  demo.loop = g_main_loop_new (NULL, FALSE);
  demo.client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, &error);
  g_signal_connect (demo.client, "message", G_CALLBACK (on_message), &demo);
  g_signal_connect (demo.client, "disconnected", G_CALLBACK (on_disconnected), &demo);
  if (!mqtt_client_message_callback_add (demo.client, "mqtt-glib/demo/alerts/+", on_alert, &demo,
                                         NULL, &error))
    g_error ("%s", error->message);

  g_print ("mqtt-glib %s: connecting to %s:%u\n", MQTT_GLIB_VERSION_S, host, port);
  mqtt_client_connect_to_broker_async (demo.client, host, port, 60, NULL, connected, &demo);
  g_main_loop_run (demo.loop);

  g_print ("%u of %u messages came back\n", demo.received, demo.expected);
  if (demo.received != demo.expected)
    demo.status = EXIT_FAILURE;
  g_object_unref (demo.client);
  g_main_loop_unref (demo.loop);
  return demo.status;
}
