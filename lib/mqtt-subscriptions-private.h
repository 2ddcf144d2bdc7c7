/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The subscriptions a client holds (internal): every filter subscribed to
 * and not unsubscribed from, with its QoS, options and properties as last
 * asked, in the order they were made. The session engine keeps one, to
 * subscribe again when a broker has lost them (MqttClient:resubscribe).
 */

#pragma once

#include "mqtt-packet-private.h"

G_BEGIN_DECLS

typedef struct _MqttSubscriptions MqttSubscriptions;

/* What a group of subscriptions is sent with: one SUBSCRIBE each. */
typedef void (*MqttSubscriptionsFunc) (MqttTopicRequest *topics, guint n_topics,
                                       MqttProperties *props, gpointer user_data);

MqttSubscriptions *mqtt_subscriptions_new (void);
void mqtt_subscriptions_free (MqttSubscriptions *subscriptions);
void mqtt_subscriptions_add (MqttSubscriptions *subscriptions, const MqttTopicRequest *topics,
                             guint n_topics, MqttProperties *props);
void mqtt_subscriptions_remove (MqttSubscriptions *subscriptions,
                                const MqttTopicRequest *topics, guint n_topics);
void mqtt_subscriptions_clear (MqttSubscriptions *subscriptions);
guint mqtt_subscriptions_get_count (MqttSubscriptions *subscriptions);
void mqtt_subscriptions_foreach_group (MqttSubscriptions *subscriptions,
                                       MqttSubscriptionsFunc func, gpointer user_data);

G_END_DECLS
