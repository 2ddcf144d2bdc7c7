/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The subscriptions a client holds (see mqtt-subscriptions-private.h): a
 * table by filter and the order in which they were made, grouped for
 * sending again by the properties they share.
 */

#include "config.h"

#include "mqtt-properties-private.h"
#include "mqtt-subscriptions-private.h"

/* The most filters sent again in one SUBSCRIBE. */
#define GROUP_MAX 256

typedef struct {
  MqttTopicRequest request;   /* the filter is owned */
  MqttProperties *props;      /* level 5: the subscription's, or NULL */
} Subscription;

struct _MqttSubscriptions {
  GHashTable *by_filter;      /* filter -> Subscription, owned by order */
  GPtrArray *order;           /* Subscription, oldest first */
};

static void
subscription_free (Subscription *subscription)
{
  g_free (subscription->request.filter);
  g_clear_pointer (&subscription->props, mqtt_properties_unref);
  g_free (subscription);
}

MqttSubscriptions *
mqtt_subscriptions_new (void)
{
  MqttSubscriptions *subscriptions = g_new0 (MqttSubscriptions, 1);

  subscriptions->by_filter = g_hash_table_new (g_str_hash, g_str_equal);
  subscriptions->order = g_ptr_array_new_with_free_func ((GDestroyNotify) subscription_free);
  return subscriptions;
}

void
mqtt_subscriptions_free (MqttSubscriptions *subscriptions)
{
  g_hash_table_unref (subscriptions->by_filter);
  g_ptr_array_unref (subscriptions->order);
  g_free (subscriptions);
}

void
mqtt_subscriptions_remove (MqttSubscriptions *subscriptions, const MqttTopicRequest *topics,
                           guint n_topics)
{
  guint i;

  for (i = 0; i < n_topics; i++)
    {
      Subscription *old = g_hash_table_lookup (subscriptions->by_filter, topics[i].filter);

      if (old == NULL)
        continue;
      g_hash_table_remove (subscriptions->by_filter, topics[i].filter);
      g_ptr_array_remove (subscriptions->order, old);
    }
}

/* A filter subscribed to again takes its new QoS, options and properties,
 * and the place of the newest. */
void
mqtt_subscriptions_add (MqttSubscriptions *subscriptions, const MqttTopicRequest *topics,
                        guint n_topics, MqttProperties *props)
{
  guint i;

  mqtt_subscriptions_remove (subscriptions, topics, n_topics);
  for (i = 0; i < n_topics; i++)
    {
      Subscription *subscription = g_new0 (Subscription, 1);

      subscription->request = topics[i];
      subscription->request.filter = g_strdup (topics[i].filter);
      subscription->props = props ? mqtt_properties_ref (props) : NULL;
      g_ptr_array_add (subscriptions->order, subscription);
      g_hash_table_insert (subscriptions->by_filter, subscription->request.filter,
                           subscription);
    }
}

void
mqtt_subscriptions_clear (MqttSubscriptions *subscriptions)
{
  g_hash_table_remove_all (subscriptions->by_filter);
  g_ptr_array_set_size (subscriptions->order, 0);
}

guint
mqtt_subscriptions_get_count (MqttSubscriptions *subscriptions)
{
  return subscriptions->order->len;
}

/* Runs of consecutive subscriptions with the same properties, up to
 * GROUP_MAX filters each, in the order they were made. */
void
mqtt_subscriptions_foreach_group (MqttSubscriptions *subscriptions, MqttSubscriptionsFunc func,
                                  gpointer user_data)
{
  g_autofree MqttTopicRequest *topics = g_new (MqttTopicRequest, GROUP_MAX);
  guint i = 0;

  while (i < subscriptions->order->len)
    {
      Subscription *first = subscriptions->order->pdata[i];
      guint n = 0;

      while (i < subscriptions->order->len && n < GROUP_MAX &&
             ((Subscription *) subscriptions->order->pdata[i])->props == first->props)
        topics[n++] = ((Subscription *) subscriptions->order->pdata[i++])->request;
      func (topics, n, first->props, user_data);
    }
}
