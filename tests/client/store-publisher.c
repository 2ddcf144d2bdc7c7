/* The publisher that test-store-crash kills: client id "crash-publisher",
 * a persistent session and a file store, publishing sequence numbers on
 * crash/q1 (QoS 1) and crash/q2 (QoS 2) from FIRST on (up to STOP, 0 for
 * no end). After both publish calls for a number have returned it writes
 * the number to stdout, a line at a time, unbuffered: the test knows what
 * the publisher was told was published.
 *
 *   store-publisher PORT DIR FIRST STOP
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mqtt-glib/mqtt-glib.h>

#define PER_TICK 10
#define TICK_MS 5

typedef struct {
  MqttClient *client;
  guint64 next;
  guint64 stop;
} Publisher;

static gboolean
publish_some (gpointer data)
{
  Publisher *p = data;
  guint i;

  for (i = 0; i < PER_TICK && (p->stop == 0 || p->next < p->stop); i++)
    {
      g_autoptr(GError) error = NULL;
      char line[32];
      int n = g_snprintf (line, sizeof line, "%" G_GUINT64_FORMAT "\n", p->next);

      if (!mqtt_client_publish (p->client, "crash/q1", (const guint8 *) line, n - 1,
                                MQTT_QOS_AT_LEAST_ONCE, FALSE, NULL, &error) ||
          !mqtt_client_publish (p->client, "crash/q2", (const guint8 *) line, n - 1,
                                MQTT_QOS_EXACTLY_ONCE, FALSE, NULL, &error))
        {
          g_printerr ("publish %" G_GUINT64_FORMAT ": %s\n", p->next, error->message);
          exit (1);
        }
      if (write (STDOUT_FILENO, line, n) != n)
        exit (1);
      p->next++;
    }
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(MqttFileStore) store = NULL;
  g_autoptr(GError) error = NULL;
  Publisher p = { 0 };

  if (argc != 5)
    {
      g_printerr ("usage: %s PORT DIR FIRST STOP\n", argv[0]);
      return 2;
    }
  p.next = g_ascii_strtoull (argv[3], NULL, 10);
  p.stop = g_ascii_strtoull (argv[4], NULL, 10);
  p.client = mqtt_client_new ("crash-publisher", FALSE, MQTT_PROTOCOL_V311, NULL);
  store = mqtt_file_store_new (argv[2]);
  if (!mqtt_client_set_store (p.client, MQTT_STORE (store), &error))
    {
      g_printerr ("store: %s\n", error->message);
      return 1;
    }
  mqtt_client_set_max_queued_messages (p.client, 0);
  mqtt_client_set_reconnect_delay (p.client, 1, 1, NULL);
  mqtt_client_connect_to_broker_async (p.client, "127.0.0.1", atoi (argv[1]), 60, NULL, NULL,
                                       NULL);
  g_timeout_add (TICK_MS, publish_some, &p);
  g_main_loop_run (loop);
  return 0;
}
