/* The tree of topic filters against mqtt_topic_matches_sub(): the same
 * answer for a large random set of filters and topics (wildcards, empty
 * levels, '$' topics, repeated filters), before and after removals. */

#include "config.h"

#include <string.h>

#include <mqtt-glib/mqtt-glib.h>

#include "mqtt-topic-tree-private.h"

/* Levels drawn from a few names, so that filters and topics meet. */
static const char *const names[] = { "a", "b", "c", "", "$SYS", "sensor" };

static char *
random_path (gboolean filter)
{
  GString *path = g_string_new (NULL);
  guint i, n = g_test_rand_int_range (1, 6);

  for (i = 0; i < n; i++)
    {
      int pick = g_test_rand_int_range (0, filter ? 10 : 8);

      if (i > 0)
        g_string_append_c (path, '/');
      if (filter && pick == 9)
        {
          /* '#' ends a filter. */
          g_string_append_c (path, '#');
          break;
        }
      if (filter && pick == 8)
        g_string_append_c (path, '+');
      else
        g_string_append (path, names[pick % G_N_ELEMENTS (names)]);
    }
  /* An empty topic or filter is not one. */
  if (path->len == 0)
    g_string_append (path, "a");
  return g_string_free (path, FALSE);
}

typedef struct {
  char *filter;
  gboolean in_tree;
} Item;

static void
collect (gpointer item, gpointer data)
{
  g_hash_table_add (data, item);
}

/* Every topic's matches in the tree are exactly the items whose filter
 * matches it. */
static void
assert_same (MqttTopicTree *tree, Item *items, guint n_items, char **topics, guint n_topics)
{
  guint t, i, checked = 0;

  for (t = 0; t < n_topics; t++)
    {
      g_autoptr(GHashTable) found = g_hash_table_new (NULL, NULL);

      mqtt_topic_tree_match (tree, topics[t], collect, found);
      for (i = 0; i < n_items; i++)
        {
          gboolean expected = items[i].in_tree &&
                              mqtt_topic_matches_sub (items[i].filter, topics[t]);

          if (expected != g_hash_table_contains (found, &items[i]))
            g_error ("topic '%s', filter '%s': the tree says %d", topics[t], items[i].filter,
                     !expected);
          checked += expected;
        }
      g_assert_cmpuint (g_hash_table_size (found), <=, n_items);
    }
  g_test_message ("%u matches checked", checked);
}

static void
test_random (void)
{
  enum { N_ITEMS = 3000, N_TOPICS = 1000 };
  MqttTopicTree *tree = mqtt_topic_tree_new ();
  Item *items = g_new0 (Item, N_ITEMS);
  char **topics = g_new0 (char *, N_TOPICS + 1);
  guint i, removed = 0;

  for (i = 0; i < N_ITEMS; i++)
    {
      /* Some filters repeat: each of their items is found. */
      items[i].filter = i > 0 && g_test_rand_bit () && g_test_rand_bit ()
                          ? g_strdup (items[g_test_rand_int_range (0, i)].filter)
                          : random_path (TRUE);
      g_assert_true (mqtt_topic_validate_filter (items[i].filter, NULL));
      mqtt_topic_tree_add (tree, items[i].filter, &items[i]);
      items[i].in_tree = TRUE;
    }
  for (i = 0; i < N_TOPICS; i++)
    topics[i] = random_path (FALSE);
  g_assert_cmpuint (mqtt_topic_tree_size (tree), ==, N_ITEMS);
  assert_same (tree, items, N_ITEMS, topics, N_TOPICS);

  /* Half of them go; removing one twice, or one never added, fails. */
  for (i = 0; i < N_ITEMS; i++)
    if (g_test_rand_bit ())
      {
        g_assert_true (mqtt_topic_tree_remove (tree, items[i].filter, &items[i]));
        g_assert_false (mqtt_topic_tree_remove (tree, items[i].filter, &items[i]));
        items[i].in_tree = FALSE;
        removed++;
      }
  g_assert_false (mqtt_topic_tree_remove (tree, "never/added", &items[0]));
  g_assert_cmpuint (mqtt_topic_tree_size (tree), ==, N_ITEMS - removed);
  assert_same (tree, items, N_ITEMS, topics, N_TOPICS);

  /* And the rest: nothing matches any more. */
  for (i = 0; i < N_ITEMS; i++)
    if (items[i].in_tree)
      {
        g_assert_true (mqtt_topic_tree_remove (tree, items[i].filter, &items[i]));
        items[i].in_tree = FALSE;
      }
  g_assert_cmpuint (mqtt_topic_tree_size (tree), ==, 0);
  assert_same (tree, items, N_ITEMS, topics, N_TOPICS);

  for (i = 0; i < N_ITEMS; i++)
    g_free (items[i].filter);
  g_free (items);
  g_strfreev (topics);
  mqtt_topic_tree_free (tree);
}

/* The rules one by one: '#' takes its parent level, '+' an empty level,
 * '$' topics no first-level wildcard; long topics and many levels. */
static void
test_rules (void)
{
  static const struct {
    const char *filter, *topic;
    gboolean matches;
  } cases[] = {
    { "a/#", "a", TRUE }, { "a/#", "a/", TRUE }, { "a/#", "ab", FALSE },
    { "a/+", "a/", TRUE }, { "a/+", "a", FALSE }, { "+/+", "/", TRUE },
    { "#", "$SYS/x", FALSE }, { "+/x", "$SYS/x", FALSE }, { "$SYS/#", "$SYS/x", TRUE },
    { "a/+/#", "a/b", TRUE }, { "#", "a/b/c", TRUE }, { "a/b", "a/b/c", FALSE },
  };
  g_autoptr(GString) long_topic = g_string_new ("x");
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MqttTopicTree *tree = mqtt_topic_tree_new ();
      g_autoptr(GHashTable) found = g_hash_table_new (NULL, NULL);

      mqtt_topic_tree_add (tree, cases[i].filter, (gpointer) &cases[i]);
      mqtt_topic_tree_match (tree, cases[i].topic, collect, found);
      g_assert_cmpint (g_hash_table_size (found), ==, cases[i].matches);
      g_assert_cmpint (mqtt_topic_matches_sub (cases[i].filter, cases[i].topic), ==,
                       cases[i].matches);
      mqtt_topic_tree_free (tree);
    }

  /* Past the on-stack copies of the topic and its levels. */
  for (i = 0; i < 100; i++)
    g_string_append (long_topic, "/level");
  {
    MqttTopicTree *tree = mqtt_topic_tree_new ();
    g_autoptr(GHashTable) found = g_hash_table_new (NULL, NULL);
    int item;

    mqtt_topic_tree_add (tree, "x/#", &item);
    mqtt_topic_tree_add (tree, long_topic->str, &item + 1);
    mqtt_topic_tree_match (tree, long_topic->str, collect, found);
    g_assert_cmpuint (g_hash_table_size (found), ==, 2);
    mqtt_topic_tree_free (tree);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/topic-tree/rules", test_rules);
  g_test_add_func ("/topic-tree/random", test_random);
  return g_test_run ();
}
