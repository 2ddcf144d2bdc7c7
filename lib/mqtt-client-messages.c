/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * Publishing, subscribing and unsubscribing, blocking and asynchronous,
 * and the per-filter message callbacks. Thread-safe: the work goes to the
 * client's context.
 */

#include "config.h"

#include <string.h>

#include "mqtt-client-private.h"

/* ------------------------------------------------------------------------ */
/* Publishing */

static gboolean
check_publish (const char *topic, gsize length, MqttQos qos, GError **error)
{
  if (!mqtt_topic_validate_name (topic, error) || !mqtt_client_check_qos (qos, error))
    return FALSE;
  if (length > MQTT_MAX_REMAINING_LENGTH)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE,
                   "Payload too large: %" G_GSIZE_FORMAT " bytes, MQTT allows at most %u",
                   length, MQTT_MAX_REMAINING_LENGTH);
      return FALSE;
    }
  return TRUE;
}

/* Properties need MQTT 5: below, they are refused rather than dropped. */
static gboolean
check_level_5 (MqttClient *self, gboolean needed, const char *what, GError **error)
{
  if (needed && self->config.protocol < MQTT_PROTOCOL_V5)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED, "%s need MQTT 5 (the client "
                   "speaks MQTT %s)", what,
                   self->config.protocol == MQTT_PROTOCOL_V31 ? "3.1" : "3.1.1");
      return FALSE;
    }
  return TRUE;
}

static gboolean
has_properties (MqttProperties *props)
{
  return props && !mqtt_properties_is_empty (props);
}

/* The payload is @data (copied) when @n_parts is 0, else the
 * concatenation of @parts (referenced). */
static gboolean
publish_internal (MqttClient *self, const char *topic, const guint8 *data, gsize length,
                  GBytes *const *parts, guint n_parts, MqttQos qos, gboolean retain,
                  MqttProperties *props, Op *op, guint *mid, GError **error)
{
  GCancellable *attempt = NULL;
  guint id = 0, i;
  gboolean ok;

  if (n_parts > 0)
    for (i = 0, length = 0; i < n_parts; i++)
      length += g_bytes_get_size (parts[i]);
  if (!check_publish (topic, length, qos, error) ||
      !check_level_5 (self, has_properties (props), "Message properties", error))
    return FALSE;

  client_lock (self);
  if (n_parts > 0)
    ok = mqtt_session_publish_parts (self->session, topic, parts, n_parts, qos, retain, props,
                                     g_get_monotonic_time (), &id, error);
  else
    ok = mqtt_session_publish (self->session, topic, data, length, NULL, qos, retain, props,
                               g_get_monotonic_time (), &id, error);
  if (ok)
    {
      if (op)
        g_hash_table_replace (self->mid_ops, GUINT_TO_POINTER (id), op);
      if (self->transport && self->write_source == NULL &&
          mqtt_outbuf_get_length (mqtt_session_get_output (self->session)) >= EAGER_FLUSH_BYTES &&
          (mqtt_transport_writes_from_any_thread (self->transport) ||
           g_main_context_is_owner (self->context)))
        attempt = mqtt_client_flush_locked (self);
      /* A pump writes the rest and emits what came of it. */
      mqtt_client_kick_locked (self);
    }
  client_unlock (self);
  mqtt_client_cancel_and_unref (attempt);

  if (ok && mid)
    *mid = id;
  return ok;
}

/**
 * mqtt_client_publish:
 * @self: a #MqttClient
 * @topic: the topic to publish on; not empty, no wildcards
 * @payload: (array length=length) (element-type guint8) (nullable): the
 *   message; %NULL for an empty one
 * @length: the size of @payload, or -1 if it is a NUL-terminated string
 * @qos: the quality of service
 * @retain: whether the broker keeps the message as the topic's last value
 * @mid: (out) (optional): the message id, as #MqttClient::published reports it
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `publish()`. The payload is copied. A QoS 0 message is written
 * at the next turn of the client's context; QoS 1 and 2 messages go out as
 * the in-flight window allows and are resent after a reconnection until
 * acknowledged. #MqttClient::published reports completion. Thread-safe.
 *
 * Returns: %TRUE if the message was queued; %FALSE with %MQTT_ERROR_INVAL
 *   (bad topic or QoS), %MQTT_ERROR_PAYLOAD_SIZE (over 268435455 bytes),
 *   %MQTT_ERROR_QUEUE_SIZE (#MqttClient:max-queued-messages or
 *   #MqttClient:max-queued-bytes reached) or %MQTT_ERROR_NO_CONN (QoS 0
 *   with no connection made or awaited: see "Differences from Paho" above)
 */
gboolean
mqtt_client_publish (MqttClient *self, const char *topic, const guint8 *payload, gssize length,
                     MqttQos qos, gboolean retain, guint *mid, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (payload == NULL)
    length = 0;
  else if (length < 0)
    length = strlen ((const char *) payload);
  return publish_internal (self, topic, payload, length, NULL, 0, qos, retain, NULL, NULL, mid,
                           error);
}

/**
 * mqtt_client_publish_bytes:
 * @self: a #MqttClient
 * @topic: the topic to publish on; not empty, no wildcards
 * @payload: (nullable): the message; %NULL for an empty one
 * @qos: the quality of service
 * @retain: whether the broker keeps the message as the topic's last value
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Like mqtt_client_publish(), but takes a reference to @payload instead of
 * copying it: a payload of 1 KiB or more is written to the network from
 * @payload's own memory. Thread-safe.
 *
 * Returns: %TRUE if the message was queued; %FALSE with the errors of
 *   mqtt_client_publish()
 */
gboolean
mqtt_client_publish_bytes (MqttClient *self, const char *topic, GBytes *payload, MqttQos qos,
                           gboolean retain, guint *mid, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  return publish_internal (self, topic, NULL, 0, &payload, payload ? 1 : 0, qos, retain, NULL,
                           NULL, mid, error);
}

/**
 * mqtt_client_publish_with_properties:
 * @self: a #MqttClient
 * @topic: the topic to publish on; not empty, no wildcards
 * @payload: (nullable): the message; %NULL for an empty one
 * @qos: the quality of service
 * @retain: whether the broker keeps the message as the topic's last value
 * @properties: (nullable): the message's MQTT 5 properties (Payload Format
 *   Indicator, Message Expiry Interval, Content Type, Response Topic,
 *   Correlation Data, Topic Alias, User Properties), or %NULL
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Paho Python 2's `publish(topic, payload, qos, retain, properties)`, like
 * mqtt_client_publish_bytes(). A message that waits in the queue longer
 * than its Message Expiry Interval is not sent (%MQTT_ERROR_EXPIRED); one
 * resent after a reconnection carries what is left of the interval. A
 * Topic Alias is used as given: the first message with it carries the
 * topic too, the next ones on the same connection only the alias. The
 * properties are referenced, not copied: do not change them afterwards.
 * #MqttClient::published-v5 reports the broker's reason code.
 * Thread-safe.
 *
 * Returns: %TRUE if the message was queued; %FALSE with the errors of
 *   mqtt_client_publish(), %MQTT_ERROR_INVAL for a property a PUBLISH may
 *   not carry, or %MQTT_ERROR_NOT_SUPPORTED for properties below MQTT 5 or
 *   what the broker said it does not support (a QoS above its Maximum
 *   QoS, a retained message where it has none); %MQTT_ERROR_PAYLOAD_SIZE
 *   also for a packet above the broker's Maximum Packet Size
 */
gboolean
mqtt_client_publish_with_properties (MqttClient *self, const char *topic, GBytes *payload,
                                     MqttQos qos, gboolean retain, MqttProperties *properties,
                                     guint *mid, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  return publish_internal (self, topic, NULL, 0, &payload, payload ? 1 : 0, qos, retain,
                           properties, NULL, mid, error);
}

/**
 * mqtt_client_publish_vectored:
 * @self: a #MqttClient
 * @topic: the topic to publish on; not empty, no wildcards
 * @parts: (array length=n_parts): the message, in pieces
 * @n_parts: the number of pieces; 0 for an empty message
 * @qos: the quality of service
 * @retain: whether the broker keeps the message as the topic's last value
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Like mqtt_client_publish_bytes(), for a payload made of several pieces,
 * which are sent one after the other as one message: a header built
 * beside a large buffer, or a buffer made of several memory blocks. Each
 * piece of 1 KiB or more is written from its own memory, none is copied
 * into one block. Thread-safe.
 *
 * Returns: %TRUE if the message was queued; %FALSE with the errors of
 *   mqtt_client_publish()
 */
gboolean
mqtt_client_publish_vectored (MqttClient *self, const char *topic, GBytes *const *parts,
                              gsize n_parts, MqttQos qos, gboolean retain, guint *mid,
                              GError **error)
{
  return mqtt_client_publish_vectored_with_properties (self, topic, parts, n_parts, qos, retain,
                                                       NULL, mid, error);
}

/**
 * mqtt_client_publish_vectored_with_properties:
 * @self: a #MqttClient
 * @topic: the topic to publish on; not empty, no wildcards
 * @parts: (array length=n_parts): the message, in pieces
 * @n_parts: the number of pieces; 0 for an empty message
 * @qos: the quality of service
 * @retain: whether the broker keeps the message as the topic's last value
 * @properties: (nullable): the message's MQTT 5 properties, or %NULL
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * mqtt_client_publish_vectored() with the properties of
 * mqtt_client_publish_with_properties(). Thread-safe.
 *
 * Returns: %TRUE if the message was queued; %FALSE with the errors of
 *   mqtt_client_publish_with_properties()
 */
gboolean
mqtt_client_publish_vectored_with_properties (MqttClient *self, const char *topic,
                                              GBytes *const *parts, gsize n_parts, MqttQos qos,
                                              gboolean retain, MqttProperties *properties,
                                              guint *mid, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (parts != NULL || n_parts == 0, FALSE);

  if (n_parts > G_MAXUINT16)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "Too many pieces (%" G_GSIZE_FORMAT "): at most %u", n_parts, G_MAXUINT16);
      return FALSE;
    }
  return publish_internal (self, topic, NULL, 0, parts, n_parts, qos, retain, properties, NULL,
                           mid, error);
}

/**
 * mqtt_client_publish_async:
 * @self: a #MqttClient
 * @topic: the topic to publish on; not empty, no wildcards
 * @payload: (nullable): the message; %NULL for an empty one
 * @qos: the quality of service
 * @retain: whether the broker keeps the message as the topic's last value
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the publication is complete
 * @user_data: data for @callback
 *
 * Publishes like mqtt_client_publish_bytes() and completes when the
 * message is acknowledged (QoS 1: PUBACK, QoS 2: PUBCOMP) or written
 * (QoS 0). Cancelling stops the wait, not the publication. Thread-safe.
 */
void
mqtt_client_publish_async (MqttClient *self, const char *topic, GBytes *payload, MqttQos qos,
                           gboolean retain, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));

  mqtt_client_publish_with_properties_async (self, topic, payload, qos, retain, NULL,
                                             cancellable, callback, user_data);
}

/**
 * mqtt_client_publish_with_properties_async:
 * @self: a #MqttClient
 * @topic: the topic to publish on; not empty, no wildcards
 * @payload: (nullable): the message; %NULL for an empty one
 * @qos: the quality of service
 * @retain: whether the broker keeps the message as the topic's last value
 * @properties: (nullable): the message's MQTT 5 properties, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the publication is complete
 * @user_data: data for @callback
 *
 * Publishes like mqtt_client_publish_with_properties() and completes as
 * mqtt_client_publish_async() does; finish it with
 * mqtt_client_publish_finish(), which fails when the broker refused the
 * message (a reason code of 0x80 or above: %MQTT_ERROR_ACL_DENIED for Not
 * authorized, %MQTT_ERROR_QUEUE_SIZE for Quota exceeded...). Thread-safe.
 */
void
mqtt_client_publish_with_properties_async (MqttClient *self, const char *topic, GBytes *payload,
                                           MqttQos qos, gboolean retain,
                                           MqttProperties *properties, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Op *op;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mqtt_client_publish_async);
  op = mqtt_client_op_new (OP_PUBLISH, task);
  if (!publish_internal (self, topic, NULL, 0, &payload, payload ? 1 : 0, qos, retain,
                         properties, op, NULL, &error))
    {
      mqtt_client_op_free (op);
      g_task_return_error (task, error);
    }
}

/**
 * mqtt_client_publish_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_publish_async().
 *
 * Returns: %TRUE if the message was acknowledged (or written, for QoS 0);
 *   %FALSE with the errors of mqtt_client_publish(), %MQTT_ERROR_CONN_LOST
 *   for a QoS 0 message the connection lost, or %G_IO_ERROR_CANCELLED
 */
gboolean
mqtt_client_publish_finish (MqttClient *self, GAsyncResult *result, guint *mid, GError **error)
{
  gssize id;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  id = g_task_propagate_int (G_TASK (result), error);
  if (id < 0)
    return FALSE;
  if (mid)
    *mid = id;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Subscribing */

/* At level 5, a shared subscription's filter: `$share/`, a group name of
 * at least one character without `/`, `+` or `#`, `/`, and a filter. */
static gboolean
check_shared (const char *filter, GError **error)
{
  const char *group = filter + strlen ("$share/");
  const char *slash = strchr (group, '/');

  if (slash == NULL || slash == group || strcspn (group, "+#") < (gsize) (slash - group) ||
      slash[1] == '\0')
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "Invalid shared subscription '%s': expected $share/<group>/<filter>, the group "
                   "not empty and without wildcards",
                   filter);
      return FALSE;
    }
  return TRUE;
}

static MqttTopicRequest *
make_requests (const char *const *filters, const MqttQos *qos, gsize n, gboolean subscribe,
               MqttProtocolVersion level, GError **error)
{
  g_autofree MqttTopicRequest *requests = NULL;
  gsize i;

  if (n == 0 || filters == NULL)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL, "No topic filter given");
      return NULL;
    }
  if (n > G_MAXUINT16)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Too many topic filters");
      return NULL;
    }
  requests = g_new0 (MqttTopicRequest, n);
  for (i = 0; i < n; i++)
    {
      if (!mqtt_topic_validate_filter (filters[i], error))
        return NULL;
      if (level >= MQTT_PROTOCOL_V5 && g_str_has_prefix (filters[i], "$share/") &&
          !check_shared (filters[i], error))
        return NULL;
      if (subscribe && !mqtt_client_check_qos (qos ? (int) qos[i] : 0, error))
        return NULL;
      /* Borrowed: the session copies what it keeps. */
      requests[i].filter = (char *) filters[i];
      requests[i].qos = subscribe && qos ? qos[i] : 0;
    }
  return g_steal_pointer (&requests);
}

/* @options (MqttSubscribeFlags) apply to every filter. */
static gboolean
request_internal (MqttClient *self, gboolean subscribe, const char *const *filters,
                  const MqttQos *qos, gsize n, guint8 options, MqttProperties *props, Op *op,
                  guint *mid, GError **error)
{
  g_autofree MqttTopicRequest *requests = NULL;
  guint id = 0, i;
  gboolean ok;

  if (!check_level_5 (self, options != 0, "Subscription options", error) ||
      !check_level_5 (self, has_properties (props), "Subscription properties", error))
    return FALSE;
  if ((options & MQTT_SUBSCRIBE_FLAGS_RETAINED_IF_NEW) &&
      (options & MQTT_SUBSCRIBE_FLAGS_NO_RETAINED))
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                           "MQTT_SUBSCRIBE_FLAGS_RETAINED_IF_NEW and "
                           "MQTT_SUBSCRIBE_FLAGS_NO_RETAINED exclude each other");
      return FALSE;
    }
  requests = make_requests (filters, qos, n, subscribe, self->config.protocol, error);
  if (requests == NULL)
    return FALSE;
  for (i = 0; i < n; i++)
    requests[i].options = options;

  client_lock (self);
  if (subscribe)
    ok = mqtt_session_subscribe (self->session, requests, n, props, g_get_monotonic_time (), &id,
                                 error);
  else
    ok = mqtt_session_unsubscribe (self->session, requests, n, props, g_get_monotonic_time (),
                                   &id, error);
  if (ok)
    {
      if (op)
        g_hash_table_replace (self->mid_ops, GUINT_TO_POINTER (id), op);
      if (self->transport)
        mqtt_client_kick_locked (self);
    }
  client_unlock (self);

  if (ok && mid)
    *mid = id;
  return ok;
}

/**
 * mqtt_client_subscribe:
 * @self: a #MqttClient
 * @filter: the topic filter; wildcards allowed
 * @qos: the highest QoS to receive messages with
 * @mid: (out) (optional): the message id, as #MqttClient::subscribed reports it
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `subscribe(topic, qos)` and `subscribe((topic, qos))`. The
 * subscription is sent now, or when the connection being made is accepted.
 * Thread-safe.
 *
 * Returns: %TRUE if the subscription was sent or queued; %FALSE with
 *   %MQTT_ERROR_INVAL (bad filter or QoS) or %MQTT_ERROR_NO_CONN
 */
gboolean
mqtt_client_subscribe (MqttClient *self, const char *filter, MqttQos qos, guint *mid,
                       GError **error)
{
  const char *filters[] = { filter };

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return request_internal (self, TRUE, filters, &qos, 1, 0, NULL, NULL, mid, error);
}

/**
 * mqtt_client_subscribe_multiple:
 * @self: a #MqttClient
 * @filters: (array length=n_filters): the topic filters
 * @qos: (array length=n_filters): the QoS for each filter
 * @n_filters: the number of filters, at least 1
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `subscribe([(topic, qos), ...])`: several filters in one
 * SUBSCRIBE. Thread-safe.
 *
 * Returns: %TRUE if the subscription was sent or queued; %FALSE with the
 *   errors of mqtt_client_subscribe()
 */
gboolean
mqtt_client_subscribe_multiple (MqttClient *self, const char *const *filters, const MqttQos *qos,
                                gsize n_filters, guint *mid, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return request_internal (self, TRUE, filters, qos, n_filters, 0, NULL, NULL, mid, error);
}

/**
 * mqtt_client_subscribe_with_options:
 * @self: a #MqttClient
 * @filters: (array length=n_filters): the topic filters; at MQTT 5 a shared
 *   subscription is `$share/<group>/<filter>`
 * @qos: (array length=n_filters): the QoS for each filter
 * @n_filters: the number of filters, at least 1
 * @options: the subscription options, for every filter
 * @properties: (nullable): the MQTT 5 properties of SUBSCRIBE (a
 *   Subscription Identifier, User Properties), or %NULL
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Paho Python 2's `subscribe([(topic, SubscribeOptions(...)), ...],
 * properties=...)`: MQTT 5 subscription options (No Local, Retain As
 * Published, Retain Handling) and properties. A message that matches a
 * subscription with a Subscription Identifier carries it in its
 * properties. #MqttClient::subscribed-v5 reports the reason code of each
 * filter. Thread-safe.
 *
 * Returns: %TRUE if the subscription was sent or queued; %FALSE with the
 *   errors of mqtt_client_subscribe(), %MQTT_ERROR_INVAL for an invalid
 *   shared subscription or property, or %MQTT_ERROR_NOT_SUPPORTED for
 *   options or properties below MQTT 5 or what the broker said it does not
 *   support (wildcards, shared subscriptions, subscription identifiers)
 */
gboolean
mqtt_client_subscribe_with_options (MqttClient *self, const char *const *filters,
                                    const MqttQos *qos, gsize n_filters,
                                    MqttSubscribeFlags options, MqttProperties *properties,
                                    guint *mid, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  if (options & ~MQTT_SUBSCRIBE_OPTIONS_MASK)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Unknown subscription options 0x%x",
                   options);
      return FALSE;
    }
  return request_internal (self, TRUE, filters, qos, n_filters, options, properties, NULL, mid,
                           error);
}

/**
 * mqtt_client_subscribe_async:
 * @self: a #MqttClient
 * @filters: (array length=n_filters): the topic filters
 * @qos: (array length=n_filters): the QoS for each filter
 * @n_filters: the number of filters, at least 1
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the broker has answered
 * @user_data: data for @callback
 *
 * Subscribes like mqtt_client_subscribe_multiple() and completes at SUBACK.
 * Thread-safe.
 */
void
mqtt_client_subscribe_async (MqttClient *self, const char *const *filters, const MqttQos *qos,
                             gsize n_filters, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Op *op;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mqtt_client_subscribe_async);
  op = mqtt_client_op_new (OP_SUBSCRIBE, task);
  if (!request_internal (self, TRUE, filters, qos, n_filters, 0, NULL, op, NULL, &error))
    {
      mqtt_client_op_free (op);
      g_task_return_error (task, error);
    }
}

/**
 * mqtt_client_subscribe_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @granted_qos: (out) (array length=n_granted) (transfer full) (optional):
 *   the granted QoS of each filter, 128 where the broker refused it
 * @n_granted: (out) (optional): the number of entries in @granted_qos
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_subscribe_async().
 *
 * Returns: %TRUE if the broker answered; %FALSE with the errors of
 *   mqtt_client_subscribe(), %MQTT_ERROR_CONN_LOST if the connection was
 *   lost before the answer (with a clean session), or %G_IO_ERROR_CANCELLED
 */
gboolean
mqtt_client_subscribe_finish (MqttClient *self, GAsyncResult *result, int **granted_qos,
                              gsize *n_granted, GError **error)
{
  g_autoptr(GBytes) granted = NULL;
  g_autoptr(GArray) array = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  granted = g_task_propagate_pointer (G_TASK (result), error);
  if (granted == NULL)
    return FALSE;
  array = mqtt_client_granted_to_array (granted);
  if (n_granted)
    *n_granted = array->len;
  if (granted_qos)
    *granted_qos = (int *) g_array_free (g_steal_pointer (&array), FALSE);
  return TRUE;
}

/**
 * mqtt_client_unsubscribe:
 * @self: a #MqttClient
 * @filter: the topic filter to unsubscribe from
 * @mid: (out) (optional): the message id, as #MqttClient::unsubscribed reports it
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `unsubscribe(topic)`. Thread-safe.
 *
 * Returns: %TRUE if the request was sent or queued; %FALSE with
 *   %MQTT_ERROR_INVAL or %MQTT_ERROR_NO_CONN
 */
gboolean
mqtt_client_unsubscribe (MqttClient *self, const char *filter, guint *mid, GError **error)
{
  const char *filters[] = { filter };

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return request_internal (self, FALSE, filters, NULL, 1, 0, NULL, NULL, mid, error);
}

/**
 * mqtt_client_unsubscribe_multiple:
 * @self: a #MqttClient
 * @filters: (array length=n_filters): the topic filters
 * @n_filters: the number of filters, at least 1
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `unsubscribe([topic, ...])`: several filters in one UNSUBSCRIBE.
 * Thread-safe.
 *
 * Returns: %TRUE if the request was sent or queued; %FALSE with the errors
 *   of mqtt_client_unsubscribe()
 */
gboolean
mqtt_client_unsubscribe_multiple (MqttClient *self, const char *const *filters, gsize n_filters,
                                  guint *mid, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return request_internal (self, FALSE, filters, NULL, n_filters, 0, NULL, NULL, mid, error);
}

/**
 * mqtt_client_unsubscribe_with_properties:
 * @self: a #MqttClient
 * @filters: (array length=n_filters): the topic filters
 * @n_filters: the number of filters, at least 1
 * @properties: (nullable): the MQTT 5 properties of UNSUBSCRIBE (User
 *   Properties), or %NULL
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Paho Python 2's `unsubscribe(topics, properties)`.
 * #MqttClient::unsubscribed-v5 reports the reason code of each filter.
 * Thread-safe.
 *
 * Returns: %TRUE if the request was sent or queued; %FALSE with the errors
 *   of mqtt_client_unsubscribe(), or %MQTT_ERROR_NOT_SUPPORTED for
 *   properties below MQTT 5
 */
gboolean
mqtt_client_unsubscribe_with_properties (MqttClient *self, const char *const *filters,
                                         gsize n_filters, MqttProperties *properties, guint *mid,
                                         GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return request_internal (self, FALSE, filters, NULL, n_filters, 0, properties, NULL, mid,
                           error);
}

/**
 * mqtt_client_unsubscribe_async:
 * @self: a #MqttClient
 * @filters: (array length=n_filters): the topic filters
 * @n_filters: the number of filters, at least 1
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the broker has answered
 * @user_data: data for @callback
 *
 * Unsubscribes like mqtt_client_unsubscribe_multiple() and completes at
 * UNSUBACK. Thread-safe.
 */
void
mqtt_client_unsubscribe_async (MqttClient *self, const char *const *filters, gsize n_filters,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Op *op;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mqtt_client_unsubscribe_async);
  op = mqtt_client_op_new (OP_UNSUBSCRIBE, task);
  if (!request_internal (self, FALSE, filters, NULL, n_filters, 0, NULL, op, NULL, &error))
    {
      mqtt_client_op_free (op);
      g_task_return_error (task, error);
    }
}

/**
 * mqtt_client_unsubscribe_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_unsubscribe_async().
 *
 * Returns: %TRUE if the broker acknowledged the request
 */
gboolean
mqtt_client_unsubscribe_finish (MqttClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------ */
/* Per-filter callbacks */

/* Takes the callback of filter @sub out of the table and the tree: the
 * caller's reference, or NULL for none. */
static FilterCallback *
steal_callback_locked (MqttClient *self, const char *sub)
{
  FilterCallback *fc = NULL;

  if (g_hash_table_steal_extended (self->callbacks, sub, NULL, (gpointer *) &fc))
    mqtt_topic_tree_remove (self->callback_tree, fc->match, fc);
  return fc;
}

/**
 * mqtt_client_message_callback_add:
 * @self: a #MqttClient
 * @sub: the topic filter; wildcards allowed
 * @callback: (scope notified) (closure user_data) (destroy destroy): called
 *   for each message whose topic matches @sub
 * @user_data: data for @callback
 * @destroy: (nullable): frees @user_data when the callback is removed
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `message_callback_add()`: messages whose topic matches @sub go to
 * @callback instead of #MqttClient::message. Every matching callback is
 * called, in no particular order; only messages that match no filter
 * reach #MqttClient::message. The filters are kept in a tree of their
 * levels: finding those a message matches costs the same with 100,000
 * filters as with one, and adding or removing one is proportional to its
 * levels.
 * One callback per literal filter: adding to an existing filter replaces
 * its callback. This does not subscribe. A shared subscription's filter
 * (`$share/group/a/#`) matches by its filter part (`a/#`).
 *
 * Returns: %TRUE on success; %FALSE with %MQTT_ERROR_INVAL for a bad filter
 */
gboolean
mqtt_client_message_callback_add (MqttClient *self, const char *sub, MqttMessageCallback callback,
                                  gpointer user_data, GDestroyNotify destroy, GError **error)
{
  FilterCallback *fc, *replaced;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (callback != NULL, FALSE);

  if (!mqtt_topic_validate_filter (sub, error))
    return FALSE;

  fc = g_new0 (FilterCallback, 1);
  g_atomic_ref_count_init (&fc->ref_count);
  fc->filter = g_strdup (sub);
  /* A shared subscription's messages come with the topics of its filter
   * part: `$share/group/a/#` matches `a/b`. */
  fc->match = fc->filter;
  if (g_str_has_prefix (sub, "$share/") && strchr (sub + strlen ("$share/"), '/'))
    fc->match = strchr (fc->filter + strlen ("$share/"), '/') + 1;
  fc->callback = callback;
  fc->user_data = user_data;
  fc->destroy = destroy;
  client_lock (self);
  replaced = steal_callback_locked (self, sub);
  /* Keyed by its own filter string. */
  g_hash_table_insert (self->callbacks, fc->filter, fc);
  mqtt_topic_tree_add (self->callback_tree, fc->match, fc);
  client_unlock (self);
  if (replaced)
    mqtt_client_filter_callback_unref (replaced);
  return TRUE;
}

/**
 * mqtt_client_message_callback_remove:
 * @self: a #MqttClient
 * @sub: the topic filter given to mqtt_client_message_callback_add()
 *
 * Paho's `message_callback_remove()`.
 *
 * Returns: %TRUE if a callback was removed
 */
gboolean
mqtt_client_message_callback_remove (MqttClient *self, const char *sub)
{
  FilterCallback *removed;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (sub != NULL, FALSE);

  client_lock (self);
  removed = steal_callback_locked (self, sub);
  client_unlock (self);

  if (removed)
    mqtt_client_filter_callback_unref (removed);
  return removed != NULL;
}

/* ------------------------------------------------------------------------ */
/* Requests and responses (MQTT 5) */

/* What a cancellable's handler knows of its request: it may outlive both
 * the request and the client. */
typedef struct {
  GWeakRef client;
  GBytes *correlation;
} RequestKey;

static void
request_key_free (RequestKey *key)
{
  g_weak_ref_clear (&key->client);
  g_bytes_unref (key->correlation);
  g_free (key);
}

static void
request_cancelled (GCancellable *cancellable, gpointer data)
{
  RequestKey *key = data;
  g_autoptr(MqttClient) self = g_weak_ref_get (&key->client);
  PendingRequest *request = NULL;

  if (self == NULL)
    return;
  /* Only if the response has not taken it first. */
  client_lock (self);
  if (!g_hash_table_steal_extended (self->requests, key->correlation, NULL, (gpointer *) &request))
    request = NULL;
  client_unlock (self);
  if (request)
    mqtt_client_pending_request_complete (
      self, request, NULL,
      g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "No response before cancellation"));
}

/* The default response topic: one per client. */
static char *
default_response_topic (MqttClient *self)
{
  char *topic;

  client_lock (self);
  topic = g_strdup_printf ("mqtt-glib/responses/%s", self->config.client_id);
  client_unlock (self);
  return topic;
}

/* Subscribes to @topic, once for the client's lifetime. */
static gboolean
ensure_response_subscription (MqttClient *self, const char *topic, GError **error)
{
  const char *filters[] = { topic };
  MqttQos qos = MQTT_QOS_AT_LEAST_ONCE;
  gboolean known;

  client_lock (self);
  known = g_hash_table_contains (self->response_topics, topic);
  client_unlock (self);
  if (known)
    return TRUE;
  if (!request_internal (self, TRUE, filters, &qos, 1, 0, NULL, NULL, NULL, error))
    return FALSE;
  client_lock (self);
  g_hash_table_add (self->response_topics, g_strdup (topic));
  client_unlock (self);
  return TRUE;
}

/**
 * mqtt_client_request_async:
 * @self: a #MqttClient
 * @topic: where the responder listens
 * @payload: (nullable): the request; %NULL for an empty one
 * @qos: the quality of service of the request
 * @response_topic: (nullable): where the response is to go; %NULL for
 *   `mqtt-glib/responses/` followed by the client identifier
 * @properties: (nullable): more properties of the request (a Content Type,
 *   User Properties, a Message Expiry Interval), or %NULL
 * @cancellable: (nullable): a #GCancellable: cancel it to give up waiting,
 *   from a timeout for instance
 * @callback: (scope async): called with the response
 * @user_data: data for @callback
 *
 * MQTT 5 request/response: publishes a request with a Response Topic and a
 * Correlation Data of its own, and completes with the message that comes
 * back on the response topic with the same Correlation Data (which a
 * responder gives with mqtt_client_respond()). The client subscribes to the
 * response topic once, with its first request; any number of requests may
 * wait at once. A response goes to its request only: neither
 * #MqttClient::message nor a per-filter callback sees it. A request
 * survives a reconnection; give a #GCancellable to bound the wait.
 * Thread-safe.
 */
void
mqtt_client_request_async (MqttClient *self, const char *topic, GBytes *payload, MqttQos qos,
                           const char *response_topic, MqttProperties *properties,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(MqttProperties) props = NULL;
  g_autofree char *reply_to = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GBytes) correlation = NULL;
  PendingRequest *request;
  GError *error = NULL;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mqtt_client_request_async);
  reply_to = response_topic ? g_strdup (response_topic) : default_response_topic (self);
  if (!check_level_5 (self, TRUE, "Requests with a response topic", &error) ||
      !mqtt_topic_validate_name (reply_to, &error) ||
      !mqtt_topic_validate_name (topic, &error) || !ensure_response_subscription (self, reply_to,
                                                                                   &error))
    {
      g_task_return_error (task, error);
      return;
    }

  props = properties ? mqtt_properties_copy (properties) : mqtt_properties_new ();
  id = g_uuid_string_random ();
  request = g_new0 (PendingRequest, 1);
  request->task = g_object_ref (task);
  request->correlation = g_bytes_new (id, strlen (id));
  mqtt_properties_set_response_topic (props, reply_to);
  mqtt_properties_set_correlation_data (props, request->correlation);
  correlation = g_bytes_ref (request->correlation);
  if (cancellable)
    {
      RequestKey *key = g_new0 (RequestKey, 1);

      g_weak_ref_init (&key->client, self);
      key->correlation = g_bytes_ref (request->correlation);
      request->cancellable = g_object_ref (cancellable);
      /* Not in the table yet: a cancellable already cancelled finds
       * nothing now, and is checked once it is there. */
      request->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (request_cancelled),
                                                     key, (GDestroyNotify) request_key_free);
    }

  /* From now on the request belongs to the table: whoever takes it out
   * completes it (a response may come from the context's thread). */
  client_lock (self);
  g_hash_table_insert (self->requests, request->correlation, request);
  client_unlock (self);
  if (!publish_internal (self, topic, NULL, 0, &payload, payload ? 1 : 0, qos, FALSE, props, NULL,
                         NULL, &error))
    {
      client_lock (self);
      if (!g_hash_table_steal_extended (self->requests, correlation, NULL, (gpointer *) &request))
        request = NULL;
      client_unlock (self);
      if (request)
        mqtt_client_pending_request_complete (self, request, NULL, error);
      else
        g_error_free (error);
      return;
    }
  if (cancellable && g_cancellable_is_cancelled (cancellable))
    {
      RequestKey key = { { { 0 } } };

      g_weak_ref_init (&key.client, self);
      key.correlation = correlation;
      request_cancelled (cancellable, &key);
      g_weak_ref_clear (&key.client);
    }
}

/**
 * mqtt_client_request_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_request_async().
 *
 * Returns: (transfer full): the response; %NULL with %G_IO_ERROR_CANCELLED
 *   when the cancellable was cancelled first, %MQTT_ERROR_NOT_SUPPORTED
 *   below MQTT 5, or an error of publishing or subscribing
 */
MqttMessage *
mqtt_client_request_finish (MqttClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * mqtt_client_respond:
 * @self: a #MqttClient
 * @request: a message that came with a Response Topic
 * @payload: (nullable): the response; %NULL for an empty one
 * @qos: the quality of service of the response
 * @properties: (nullable): more properties of the response, or %NULL
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * The responder's side of MQTT 5 request/response: publishes @payload on
 * @request's Response Topic with its Correlation Data, for the requester
 * (mqtt_client_request_async(), or any MQTT 5 client) to match. Thread-safe.
 *
 * Returns: %TRUE if the response was queued; %FALSE with %MQTT_ERROR_INVAL
 *   when @request has no Response Topic, or the errors of
 *   mqtt_client_publish_with_properties()
 */
gboolean
mqtt_client_respond (MqttClient *self, MqttMessage *request, GBytes *payload, MqttQos qos,
                     MqttProperties *properties, guint *mid, GError **error)
{
  MqttProperties *asked;
  g_autoptr(MqttProperties) props = NULL;
  GBytes *correlation;
  const char *reply_to;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (request != NULL, FALSE);

  asked = mqtt_message_get_properties (request);
  reply_to = asked ? mqtt_properties_get_response_topic (asked) : NULL;
  if (reply_to == NULL)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "The message on '%s' has no Response Topic: there is nobody to respond to",
                   mqtt_message_get_topic (request));
      return FALSE;
    }
  props = properties ? mqtt_properties_copy (properties) : mqtt_properties_new ();
  correlation = mqtt_properties_get_correlation_data (asked);
  mqtt_properties_set_correlation_data (props, correlation);
  return publish_internal (self, reply_to, NULL, 0, &payload, payload ? 1 : 0, qos, FALSE, props,
                           NULL, mid, error);
}
