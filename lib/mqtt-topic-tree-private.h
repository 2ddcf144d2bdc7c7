/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * Topic filters in a tree of their levels, to find the filters a topic
 * matches at a cost that depends on the topic's levels, not on how many
 * filters there are: a node per level, its children by name, '+' and '#'
 * among them. Each filter holds any number of items (the caller's); the
 * tree neither owns nor compares them beyond their pointers. Not
 * thread-safe: the caller locks.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _MqttTopicTree MqttTopicTree;

/* Called for an item of a filter the topic matches. */
typedef void (*MqttTopicTreeFunc) (gpointer item, gpointer user_data);

MqttTopicTree *mqtt_topic_tree_new (void);
void mqtt_topic_tree_free (MqttTopicTree *tree);

/* Adds @item under @filter (a valid filter; O(levels)). */
void mqtt_topic_tree_add (MqttTopicTree *tree, const char *filter, gpointer item);
/* Removes @item from under @filter, and the nodes left empty: FALSE if it
 * was not there. */
gboolean mqtt_topic_tree_remove (MqttTopicTree *tree, const char *filter, gpointer item);
/* Removes everything. */
void mqtt_topic_tree_clear (MqttTopicTree *tree);
/* The number of items. */
guint mqtt_topic_tree_size (MqttTopicTree *tree);

/* Calls @func for each item of each filter that @topic (a valid topic
 * name) matches, as mqtt_topic_matches_sub() would: '#' also matches the
 * parent level, and a wildcard first level never matches a topic that
 * starts with '$'. Each item once; in no particular order. @func must not
 * change the tree. */
void mqtt_topic_tree_match (MqttTopicTree *tree, const char *topic, MqttTopicTreeFunc func,
                            gpointer user_data);

G_END_DECLS
