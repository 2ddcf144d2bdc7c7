// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* external-loop: drives the client from a plain poll() loop, with Paho's
 * external-loop hooks (socket, want_write, loop_read, loop_write,
 * loop_misc) and no GLib main loop. Publishes COUNT messages to itself at
 * QoS 1 and exits when all have come back.
 *
 *   external-loop [HOST [PORT [COUNT]]]
 */

#include <poll.h>
#include <stdlib.h>

#include <mqtt-glib/mqtt-glib.h>

static guint received, published;

static void
on_message (MqttClient *client, MqttMessage *message, gpointer user_data)
{
  received++;
}

static void
on_published (MqttClient *client, guint mid, gpointer user_data)
{
  published++;
}

int
main (int argc, char *argv[])
{
  const char *host = argc > 1 ? argv[1] : "localhost";
  guint port = argc > 2 ? atoi (argv[2]) : 1883;
  guint count = argc > 3 ? atoi (argv[3]) : 100;
  g_autoptr(MqttClient) client = NULL;
  g_autoptr(GError) error = NULL;
  gint64 last_misc = 0;
  guint i;

  client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, &error);
  g_signal_connect (client, "message", G_CALLBACK (on_message), NULL);
  g_signal_connect (client, "published", G_CALLBACK (on_published), NULL);
  if (!mqtt_client_connect_to_broker (client, host, port, 60, NULL, &error) ||
      !mqtt_client_subscribe (client, "external-loop/#", MQTT_QOS_AT_LEAST_ONCE, NULL, &error))
    goto fail;

  for (i = 0; i < count; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);

      if (!mqtt_client_publish (client, "external-loop/t", (const guint8 *) text, -1,
                                MQTT_QOS_AT_LEAST_ONCE, FALSE, NULL, &error))
        goto fail;
    }

  while (received < count || published < count)
    {
      struct pollfd pfd;
      GSocket *socket = mqtt_client_get_socket (client);

      if (socket == NULL)
        {
          g_printerr ("%s: connection lost\n", argv[0]);
          return EXIT_FAILURE;
        }
      pfd.fd = g_socket_get_fd (socket);
      pfd.events = POLLIN | (mqtt_client_want_write (client) ? POLLOUT : 0);
      pfd.revents = 0;
      if (poll (&pfd, 1, 1000) < 0)
        continue;

      if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) && !mqtt_client_loop_read (client, &error))
        goto fail;
      if ((pfd.revents & POLLOUT) && !mqtt_client_loop_write (client, &error))
        goto fail;
      if (g_get_monotonic_time () - last_misc > G_USEC_PER_SEC)
        {
          last_misc = g_get_monotonic_time ();
          if (!mqtt_client_loop_misc (client, &error))
            goto fail;
        }
    }

  g_print ("published %u, received %u\n", published, received);
  mqtt_client_disconnect_from_broker (client, NULL);
  /* Write the DISCONNECT before leaving. */
  while (mqtt_client_want_write (client) && mqtt_client_loop_write (client, NULL))
    ;
  return EXIT_SUCCESS;

fail:
  g_printerr ("%s: %s\n", argv[0], error->message);
  return EXIT_FAILURE;
}
