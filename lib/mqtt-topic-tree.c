/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The tree of topic filters (see mqtt-topic-tree-private.h).
 */

#include "config.h"

#include <string.h>

#include "mqtt-topic-tree-private.h"

typedef struct _Node Node;

struct _Node {
  Node *parent;
  char *level;           /* this node's name in its parent's children; NULL at the root */
  GHashTable *children;  /* level -> Node, '+' and '#' included; NULL when none */
  GPtrArray *items;      /* the items of the filter that ends here; NULL when none */
};

struct _MqttTopicTree {
  Node root;
  guint size;
};

static void
node_free (gpointer data)
{
  Node *node = data;

  g_clear_pointer (&node->children, g_hash_table_unref);
  g_clear_pointer (&node->items, g_ptr_array_unref);
  g_free (node->level);
  g_free (node);
}

MqttTopicTree *
mqtt_topic_tree_new (void)
{
  return g_new0 (MqttTopicTree, 1);
}

void
mqtt_topic_tree_clear (MqttTopicTree *tree)
{
  g_clear_pointer (&tree->root.children, g_hash_table_unref);
  g_clear_pointer (&tree->root.items, g_ptr_array_unref);
  tree->size = 0;
}

void
mqtt_topic_tree_free (MqttTopicTree *tree)
{
  if (tree == NULL)
    return;
  mqtt_topic_tree_clear (tree);
  g_free (tree);
}

guint
mqtt_topic_tree_size (MqttTopicTree *tree)
{
  return tree->size;
}

/* The child named by [@level, @end) of @node, made when @create. */
static Node *
child (Node *node, const char *level, const char *end, gboolean create)
{
  g_autofree char *name = g_strndup (level, end - level);
  Node *found;

  if (node->children && (found = g_hash_table_lookup (node->children, name)))
    return found;
  if (!create)
    return NULL;
  if (node->children == NULL)
    /* Each node frees itself: the key is its own level. */
    node->children = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, node_free);
  found = g_new0 (Node, 1);
  found->parent = node;
  found->level = g_steal_pointer (&name);
  g_hash_table_insert (node->children, found->level, found);
  return found;
}

/* The node where @filter ends, made when @create. */
static Node *
find (MqttTopicTree *tree, const char *filter, gboolean create)
{
  Node *node = &tree->root;
  const char *p = filter;

  for (;;)
    {
      const char *end = p;

      while (*end != '\0' && *end != '/')
        end++;

      if (!(node = child (node, p, end, create)))
        return NULL;
      if (*end == '\0')
        return node;
      p = end + 1;
    }
}

void
mqtt_topic_tree_add (MqttTopicTree *tree, const char *filter, gpointer item)
{
  Node *node = find (tree, filter, TRUE);

  if (node->items == NULL)
    node->items = g_ptr_array_new ();
  g_ptr_array_add (node->items, item);
  tree->size++;
}

gboolean
mqtt_topic_tree_remove (MqttTopicTree *tree, const char *filter, gpointer item)
{
  Node *node = find (tree, filter, FALSE);

  if (node == NULL || node->items == NULL || !g_ptr_array_remove_fast (node->items, item))
    return FALSE;
  tree->size--;
  if (node->items->len == 0)
    g_clear_pointer (&node->items, g_ptr_array_unref);
  /* Nodes that hold nothing go, up to the first that still does. */
  while (node->parent && node->items == NULL &&
         (node->children == NULL || g_hash_table_size (node->children) == 0))
    {
      Node *parent = node->parent;

      g_hash_table_remove (parent->children, node->level);
      node = parent;
    }
  return TRUE;
}

typedef struct {
  char **levels;
  guint n_levels;
  MqttTopicTreeFunc func;
  gpointer user_data;
} Matching;

static void
report (Node *node, Matching *m)
{
  guint i;

  if (node && node->items)
    for (i = 0; i < node->items->len; i++)
      m->func (g_ptr_array_index (node->items, i), m->user_data);
}

static Node *
lookup (Node *node, const char *level)
{
  return node->children ? g_hash_table_lookup (node->children, level) : NULL;
}

/* The filters under @node that match the topic's levels from @i on. Each
 * filter is reached by one path: a level is taken by name or by '+', and
 * '#' ends a path. */
static void
match_from (Node *node, guint i, Matching *m)
{
  gboolean wildcards = i > 0 || m->levels[0][0] != '$';
  Node *next;

  /* '#' matches what is left, none of it included ("a/#" matches "a"). */
  if (wildcards)
    report (lookup (node, "#"), m);
  if (i == m->n_levels)
    {
      report (node, m);
      return;
    }
  if ((next = lookup (node, m->levels[i])))
    match_from (next, i + 1, m);
  if (wildcards && (next = lookup (node, "+")))
    match_from (next, i + 1, m);
}

void
mqtt_topic_tree_match (MqttTopicTree *tree, const char *topic, MqttTopicTreeFunc func,
                       gpointer user_data)
{
  Matching m = { NULL, 0, func, user_data };
  /* The levels, split in place in a copy (on the stack when short). */
  char stack[256];
  gsize length;
  char *copy;
  char *levels_stack[32];
  guint n = 1;
  char *p;

  if (tree->root.children == NULL)
    return;
  length = strlen (topic);
  copy = length < sizeof stack ? stack : g_malloc (length + 1);
  memcpy (copy, topic, length + 1);
  for (p = copy; *p; p++)
    if (*p == '/')
      n++;
  m.levels = n <= G_N_ELEMENTS (levels_stack) ? levels_stack : g_new (char *, n);
  m.levels[0] = copy;
  for (p = copy; *p; p++)
    if (*p == '/')
      {
        *p = '\0';
        m.levels[++m.n_levels] = p + 1;
      }
  m.n_levels++;
  match_from (&tree->root, 0, &m);
  if (m.levels != levels_stack)
    g_free (m.levels);
  if (copy != stack)
    g_free (copy);
}
