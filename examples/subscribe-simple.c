// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* subscribe-simple: Paho's subscribe.simple() example.
 *
 *   import paho.mqtt.subscribe as subscribe
 *   msg = subscribe.simple("paho/test/simple", hostname="iot.eclipse.org")
 *   print("%s %s" % (msg.topic, msg.payload))
 *
 *   subscribe-simple [HOST [PORT [TOPIC [COUNT]]]]
 */

#include <stdlib.h>

#include <mqtt-glib/mqtt-glib.h>

int
main (int argc, char *argv[])
{
  const char *topics[] = { argc > 3 ? argv[3] : "paho/test/simple" };
  guint msg_count = argc > 4 ? atoi (argv[4]) : 1;
  g_autoptr(MqttSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  MqttMessage **msgs;
  gsize n, i;

  settings = mqtt_settings_new (argc > 1 ? argv[1] : "localhost",
                                     argc > 2 ? atoi (argv[2]) : 1883);
  msgs = mqtt_subscribe_simple (topics, 1, MQTT_QOS_AT_MOST_ONCE, msg_count, FALSE, settings, &n,
                                NULL, &error);
  if (msgs == NULL)
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return EXIT_FAILURE;
    }
  for (i = 0; i < n; i++)
    {
      gsize length;
      const char *payload = g_bytes_get_data (mqtt_message_get_payload (msgs[i]), &length);

      g_print ("%s %.*s\n", mqtt_message_get_topic (msgs[i]), (int) length, payload);
      mqtt_message_unref (msgs[i]);
    }
  g_free (msgs);
  return EXIT_SUCCESS;
}
