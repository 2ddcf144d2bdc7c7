// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* publish-single: Paho's publish.single() example.
 *
 *   import paho.mqtt.publish as publish
 *   publish.single("paho/test/single", "payload", hostname="iot.eclipse.org")
 *
 *   publish-single [HOST [PORT [TOPIC [PAYLOAD]]]]
 */

#include <stdlib.h>
#include <string.h>

#include <mqtt-glib/mqtt-glib.h>

int
main (int argc, char *argv[])
{
  const char *topic = argc > 3 ? argv[3] : "paho/test/single";
  const char *text = argc > 4 ? argv[4] : "payload";
  g_autoptr(MqttSettings) settings = NULL;
  g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;

  settings = mqtt_settings_new (argc > 1 ? argv[1] : "localhost",
                                     argc > 2 ? atoi (argv[2]) : 1883);
  if (!mqtt_publish_single (topic, payload, MQTT_QOS_AT_MOST_ONCE, FALSE, settings, NULL, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
