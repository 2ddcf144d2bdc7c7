/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * MqttMessage, the application message as callers see it.
 */

#include "config.h"

#include "mqtt-message-private.h"

/**
 * SECTION:mqtt-message
 * @title: MqttMessage
 * @short_description: A received (or will) application message
 *
 * #MqttMessage is Paho's `MQTTMessage`: the topic, payload, QoS and flags of
 * an application message, as delivered by the #MqttClient::message signal
 * and by the callbacks of mqtt_client_message_callback_add(). It is an
 * immutable, reference-counted boxed type, so it can be kept or handed to
 * another thread.
 *
 * | Paho `MQTTMessage` | #MqttMessage |
 * | --- | --- |
 * | `topic` | mqtt_message_get_topic() |
 * | `payload` | mqtt_message_get_payload() (a #GBytes) |
 * | `qos` | mqtt_message_get_qos() |
 * | `retain` | mqtt_message_get_retain() |
 * | `dup` | mqtt_message_get_dup() |
 * | `mid` | mqtt_message_get_mid() |
 * | `timestamp` | mqtt_message_get_timestamp() |
 */

/**
 * MqttMessage:
 *
 * An application message; use the accessor functions.
 */
G_DEFINE_BOXED_TYPE (MqttMessage, mqtt_message, mqtt_message_ref, mqtt_message_unref)

MqttMessage *
mqtt_message_new_take (char *topic, GBytes *payload, guint8 qos, gboolean retain, gboolean dup,
                       guint16 mid, gint64 timestamp)
{
  MqttMessage *message = g_new (MqttMessage, 1);

  g_atomic_ref_count_init (&message->ref_count);
  message->topic = topic;
  message->payload = payload;
  message->qos = qos;
  message->retain = retain;
  message->dup = dup;
  message->mid = mid;
  message->timestamp = timestamp;
  message->props = NULL;
  return message;
}

/**
 * mqtt_message_new:
 * @topic: the topic name
 * @payload: (nullable): the payload; %NULL for an empty one
 * @qos: the quality of service
 * @retain: whether the message is (to be) retained
 *
 * Creates a message, for instance to compare with received ones in tests or
 * to describe a publication. Messages the client receives are created by the
 * client.
 *
 * Returns: (transfer full): a new #MqttMessage
 */
MqttMessage *
mqtt_message_new (const char *topic, GBytes *payload, MqttQos qos, gboolean retain)
{
  g_return_val_if_fail (topic != NULL, NULL);

  return mqtt_message_new_take (g_strdup (topic),
                                payload ? g_bytes_ref (payload) : g_bytes_new (NULL, 0), qos,
                                retain, FALSE, 0, g_get_monotonic_time ());
}

/**
 * mqtt_message_ref:
 * @message: a #MqttMessage
 *
 * Takes a reference to @message.
 *
 * Returns: (transfer full): @message
 */
MqttMessage *
mqtt_message_ref (MqttMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  g_atomic_ref_count_inc (&message->ref_count);
  return message;
}

/**
 * mqtt_message_unref:
 * @message: (transfer full): a #MqttMessage
 *
 * Drops a reference to @message, freeing it when it was the last.
 */
void
mqtt_message_unref (MqttMessage *message)
{
  g_return_if_fail (message != NULL);

  if (!g_atomic_ref_count_dec (&message->ref_count))
    return;
  g_free (message->topic);
  g_bytes_unref (message->payload);
  g_clear_pointer (&message->props, mqtt_properties_unref);
  g_free (message);
}

/**
 * mqtt_message_get_topic:
 * @message: a #MqttMessage
 *
 * Gets the topic the message was published on.
 *
 * Returns: (transfer none): the topic name
 */
const char *
mqtt_message_get_topic (MqttMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return message->topic;
}

/**
 * mqtt_message_get_payload:
 * @message: a #MqttMessage
 *
 * Gets the payload, which may be empty and need not be text.
 *
 * Returns: (transfer none): the payload bytes
 */
GBytes *
mqtt_message_get_payload (MqttMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);
  return message->payload;
}

/**
 * mqtt_message_get_qos:
 * @message: a #MqttMessage
 *
 * Gets the QoS the message was delivered with: the lower of the publisher's
 * QoS and the subscription's.
 *
 * Returns: the quality of service
 */
MqttQos
mqtt_message_get_qos (MqttMessage *message)
{
  g_return_val_if_fail (message != NULL, 0);
  return message->qos;
}

/**
 * mqtt_message_get_retain:
 * @message: a #MqttMessage
 *
 * Whether the broker delivered this message from its retained store, that
 * is, as the last known value of the topic at the time of subscribing.
 *
 * Returns: the RETAIN flag
 */
gboolean
mqtt_message_get_retain (MqttMessage *message)
{
  g_return_val_if_fail (message != NULL, FALSE);
  return message->retain;
}

/**
 * mqtt_message_get_dup:
 * @message: a #MqttMessage
 *
 * Whether the broker marked this delivery as a possible duplicate of an
 * earlier attempt. A QoS 2 message is still delivered only once.
 *
 * Returns: the DUP flag
 */
gboolean
mqtt_message_get_dup (MqttMessage *message)
{
  g_return_val_if_fail (message != NULL, FALSE);
  return message->dup;
}

/**
 * mqtt_message_get_mid:
 * @message: a #MqttMessage
 *
 * Gets the packet identifier the broker used, 0 for QoS 0.
 *
 * Returns: the message id
 */
guint
mqtt_message_get_mid (MqttMessage *message)
{
  g_return_val_if_fail (message != NULL, 0);
  return message->mid;
}

/**
 * mqtt_message_get_timestamp:
 * @message: a #MqttMessage
 *
 * Gets the time the message was received (or created), on the clock of
 * g_get_monotonic_time().
 *
 * Returns: the monotonic time in microseconds
 */
gint64
mqtt_message_get_timestamp (MqttMessage *message)
{
  g_return_val_if_fail (message != NULL, 0);
  return message->timestamp;
}

/**
 * mqtt_message_get_properties:
 * @message: a #MqttMessage
 *
 * Gets the MQTT 5 properties the message came with: its content type,
 * response topic, correlation data, message expiry, user properties, and
 * the identifiers of the subscriptions it matched.
 *
 * Returns: (transfer none) (nullable): the properties, or %NULL when there
 *   are none (always below MQTT 5)
 */
MqttProperties *
mqtt_message_get_properties (MqttMessage *message)
{
  g_return_val_if_fail (message != NULL, NULL);

  return message->props;
}

/**
 * mqtt_message_set_properties:
 * @message: a #MqttMessage
 * @properties: (nullable): MQTT 5 properties, or %NULL for none
 *
 * Gives a message to be published its MQTT 5 properties (Paho's
 * `MQTTMessage.properties`), for mqtt_publish_multiple() at
 * #MqttSettings:protocol-version 5. The properties are referenced: do not
 * change them afterwards, nor the properties of a message shared with
 * others (a received one).
 */
void
mqtt_message_set_properties (MqttMessage *message, MqttProperties *properties)
{
  g_return_if_fail (message != NULL);

  if (properties)
    mqtt_properties_ref (properties);
  g_clear_pointer (&message->props, mqtt_properties_unref);
  message->props = properties;
}
