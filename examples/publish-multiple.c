// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* publish-multiple: Paho's publish.multiple() example, where Paho's dicts
 * and tuples are MqttMessages.
 *
 *   import paho.mqtt.publish as publish
 *   msgs = [{'topic':"paho/test/multiple", 'payload':"multiple 1"},
 *           ("paho/test/multiple", "multiple 2", 0, False)]
 *   publish.multiple(msgs, hostname="iot.eclipse.org")
 *
 *   publish-multiple [HOST [PORT [TOPIC]]]
 */

#include <stdlib.h>

#include <mqtt-glib/mqtt-glib.h>

int
main (int argc, char *argv[])
{
  const char *topic = argc > 3 ? argv[3] : "paho/test/multiple";
  g_autoptr(MqttSettings) settings = NULL;
  g_autoptr(GBytes) one = g_bytes_new_static ("multiple 1", 10);
  g_autoptr(GBytes) two = g_bytes_new_static ("multiple 2", 10);
  g_autoptr(MqttMessage) first = mqtt_message_new (topic, one, MQTT_QOS_AT_MOST_ONCE, FALSE);
  g_autoptr(MqttMessage) second = mqtt_message_new (topic, two, MQTT_QOS_AT_MOST_ONCE, FALSE);
  MqttMessage *msgs[] = { first, second };
  g_autoptr(GError) error = NULL;

  settings = mqtt_settings_new (argc > 1 ? argv[1] : "localhost",
                                     argc > 2 ? atoi (argv[2]) : 1883);
  if (!mqtt_publish_multiple (msgs, G_N_ELEMENTS (msgs), settings, NULL, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
