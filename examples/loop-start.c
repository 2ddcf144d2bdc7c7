// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* loop-start: Paho's threaded interface. loop_start() runs the network in
 * a library thread while the main thread, which has no main loop, reads a
 * "sensor" and publishes; signals arrive in the loop thread.
 *
 *   loop-start [HOST [PORT [COUNT]]]
 */

#include <stdlib.h>

#include <mqtt-glib/mqtt-glib.h>

static gint acknowledged;

static void
on_published (MqttClient *client, guint mid, gpointer user_data)
{
  g_atomic_int_inc (&acknowledged);
}

static double
sensor_blocking_read (void)
{
  g_usleep (10000);
  return 20.0 + g_random_double_range (-0.5, 0.5);
}

int
main (int argc, char *argv[])
{
  const char *host = argc > 1 ? argv[1] : "localhost";
  guint port = argc > 2 ? atoi (argv[2]) : 1883;
  gint count = argc > 3 ? atoi (argv[3]) : 20;
  g_autoptr(MqttClient) client = NULL;
  g_autoptr(GError) error = NULL;
  gint i;

  client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, &error);
  g_signal_connect (client, "published", G_CALLBACK (on_published), NULL);
  if (!mqtt_client_connect_to_broker (client, host, port, 60, NULL, &error) ||
      !mqtt_client_loop_start (client, &error))
    goto fail;

  for (i = 0; i < count; i++)
    {
      char temperature[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (temperature, sizeof temperature, "%.2f", sensor_blocking_read ());
      if (!mqtt_client_publish (client, "paho/temperature", (const guint8 *) temperature, -1,
                                MQTT_QOS_AT_LEAST_ONCE, FALSE, NULL, &error))
        goto fail;
    }

  while (g_atomic_int_get (&acknowledged) < count)
    g_usleep (1000);
  g_print ("%d readings published and acknowledged\n", count);
  mqtt_client_disconnect_from_broker (client, NULL);
  while (mqtt_client_get_state (client) != MQTT_CLIENT_STATE_DISCONNECTED)
    g_usleep (1000);
  mqtt_client_loop_stop (client);
  return EXIT_SUCCESS;

fail:
  g_printerr ("%s: %s\n", argv[0], error->message);
  return EXIT_FAILURE;
}
