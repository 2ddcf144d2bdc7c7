// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* topic-matching: which of a set of subscriptions would receive a message?
 *
 *   topic-matching TOPIC FILTER...
 *
 * Paho's topic_matches_sub() as mqtt_topic_matches_sub(), with topic
 * validation reported through GError. */

#include <stdlib.h>

#include <mqtt-glib/mqtt-glib.h>

int
main (int argc, char *argv[])
{
  g_autoptr(GError) error = NULL;
  int i, matched = 0;

  if (argc < 3)
    {
      g_printerr ("usage: %s TOPIC FILTER...\n", argv[0]);
      return 2;
    }
  if (!mqtt_topic_validate_name (argv[1], &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return 1;
    }

  for (i = 2; i < argc; i++)
    {
      g_autoptr(GError) filter_error = NULL;

      if (!mqtt_topic_validate_filter (argv[i], &filter_error))
        g_print ("%-24s invalid: %s\n", argv[i], filter_error->message);
      else if (mqtt_topic_matches_sub (argv[i], argv[1]))
        {
          g_print ("%-24s matches %s\n", argv[i], argv[1]);
          matched++;
        }
      else
        g_print ("%-24s does not match %s\n", argv[i], argv[1]);
    }
  return matched > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
