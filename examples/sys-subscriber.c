// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* sys-subscriber: Paho's first example. Subscribes to the broker's $SYS
 * tree in the connected handler (so that subscriptions are renewed after
 * every reconnection) and prints what arrives; loop_forever() handles the
 * network and reconnects.
 *
 *   sys-subscriber [HOST [PORT [COUNT]]]    (stops after COUNT messages if given)
 */

#include <stdlib.h>

#include <mqtt-glib/mqtt-glib.h>

static int remaining = -1;

static void
on_connected (MqttClient *client, gboolean session_present, int rc, gpointer user_data)
{
  g_print ("Connected with result code %d\n", rc);
  mqtt_client_subscribe (client, "$SYS/#", MQTT_QOS_AT_MOST_ONCE, NULL, NULL);
}

static void
on_message (MqttClient *client, MqttMessage *message, gpointer user_data)
{
  gsize length;
  const char *payload = g_bytes_get_data (mqtt_message_get_payload (message), &length);

  g_print ("%s %.*s\n", mqtt_message_get_topic (message), (int) length, payload);
  if (remaining > 0 && --remaining == 0)
    mqtt_client_disconnect_from_broker (client, NULL);
}

int
main (int argc, char *argv[])
{
  const char *host = argc > 1 ? argv[1] : "localhost";
  guint port = argc > 2 ? atoi (argv[2]) : 1883;
  g_autoptr(MqttClient) client = NULL;
  g_autoptr(GError) error = NULL;

  if (argc > 3)
    remaining = atoi (argv[3]);

  client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, &error);
  g_signal_connect (client, "connected", G_CALLBACK (on_connected), NULL);
  g_signal_connect (client, "message", G_CALLBACK (on_message), NULL);

  if (!mqtt_client_connect_to_broker (client, host, port, 60, NULL, &error) ||
      !mqtt_client_loop_forever (client, FALSE, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
