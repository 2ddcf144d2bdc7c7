/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The session engine (see mqtt-session-private.h): the protocol's
 * rules for one client, with no I/O. A protocol behaviour (what to send,
 * when to retry, what a packet from the broker means) changes here, or in
 * the layer beneath for how packets and waiting messages go out
 * (mqtt-session-output.c), and is tested by tests/lib/test-session.c
 * without a broker.
 */

#include "config.h"

#include <string.h>

#include "mqtt-error.h"
#include "mqtt-properties-private.h"
#include "mqtt-outgoing-private.h"
#include "mqtt-session-output-private.h"
#include "mqtt-subscriptions-private.h"
#include "mqtt-terms-private.h"

/* QoS 2 messages remembered after PUBREL (see completed_qos2). */
#define COMPLETED_QOS2_MAX 4096

/* How long to wait for CONNACK when keepalive is off. */
#define DEFAULT_CONNACK_TIMEOUT 60


void
mqtt_session_event_clear (MqttSessionEvent *event)
{
  g_clear_pointer (&event->message, mqtt_message_unref);
  g_clear_pointer (&event->granted, g_bytes_unref);
  g_clear_pointer (&event->props, mqtt_properties_unref);
  g_clear_pointer (&event->text, g_free);
  g_clear_error (&event->error);
}

void
mqtt_session_config_init (MqttSessionConfig *config)
{
  memset (config, 0, sizeof *config);
  config->protocol = MQTT_PROTOCOL_V311;
  config->client_id = g_strdup ("");
  config->clean_session = TRUE;
  config->keepalive = 60;
  config->max_inflight = 20;
  config->retry_interval = 5;
  config->max_packet_size = MQTT_DEFAULT_MAX_PACKET_SIZE;
  config->max_queued_bytes = MQTT_DEFAULT_MAX_QUEUED_BYTES;
}

void
mqtt_session_config_clear (MqttSessionConfig *config)
{
  g_clear_pointer (&config->client_id, g_free);
  g_clear_pointer (&config->username, g_free);
  g_clear_pointer (&config->password, g_bytes_unref);
  g_clear_pointer (&config->will_topic, g_free);
  g_clear_pointer (&config->will_payload, g_bytes_unref);
  g_clear_pointer (&config->connect_props, mqtt_properties_unref);
  g_clear_pointer (&config->will_props, mqtt_properties_unref);
}

void
mqtt_session_config_copy (MqttSessionConfig *dest, const MqttSessionConfig *src)
{
  *dest = *src;
  dest->client_id = g_strdup (src->client_id);
  dest->username = g_strdup (src->username);
  if (src->password)
    g_bytes_ref (src->password);
  dest->will_topic = g_strdup (src->will_topic);
  if (src->will_payload)
    g_bytes_ref (src->will_payload);
  if (src->connect_props)
    mqtt_properties_ref (src->connect_props);
  if (src->will_props)
    mqtt_properties_ref (src->will_props);
}

MqttSession *
mqtt_session_new (void)
{
  MqttSession *session = g_new0 (MqttSession, 1);

  mqtt_session_config_init (&session->config);
  session->state = MQTT_SESSION_IDLE;
  session->decoder = mqtt_decoder_new (MQTT_PROTOCOL_V311, MQTT_MAX_PACKET_SIZE);
  session->out = mqtt_outbuf_new ();
  session->events = g_array_new (FALSE, TRUE, sizeof (MqttSessionEvent));
  g_array_set_clear_func (session->events, (GDestroyNotify) mqtt_session_event_clear);
  mqtt_outgoing_init (&session->outgoing);
  session->incoming_qos2 = g_hash_table_new (NULL, NULL);
  session->completed_qos2 = g_hash_table_new (NULL, NULL);
  session->resent_ids = g_hash_table_new (NULL, NULL);
  mqtt_terms_init (&session->terms);
  session->subscriptions = mqtt_subscriptions_new ();
  return session;
}

void
mqtt_session_free (MqttSession *session)
{
  MqttSessionConfig *config;

  if (session == NULL)
    return;
  config = &session->config;
  mqtt_outgoing_clear (&session->outgoing);
  g_hash_table_unref (session->incoming_qos2);
  g_hash_table_unref (session->completed_qos2);
  g_hash_table_unref (session->resent_ids);
  mqtt_terms_clear (&session->terms);
  mqtt_subscriptions_free (session->subscriptions);
  g_free (session->assigned_client_id);
  g_free (session->server_reference);
  g_array_unref (session->events);
  mqtt_outbuf_free (session->out);
  mqtt_decoder_free (session->decoder);
  mqtt_session_config_clear (config);
  g_free (session);
}

void
mqtt_session_configure (MqttSession *session, const MqttSessionConfig *config)
{
  MqttSessionConfig old = session->config;

  mqtt_session_config_copy (&session->config, config);
  mqtt_session_config_clear (&old);
}

const MqttSessionConfig *
mqtt_session_get_config (MqttSession *session)
{
  return &session->config;
}

MqttSessionState
mqtt_session_get_state (MqttSession *session)
{
  return session->state;
}

MqttOutbuf *
mqtt_session_get_output (MqttSession *session)
{
  return session->out;
}

void
mqtt_session_take_events (MqttSession *session, GArray *events)
{
  if (session->events->len == 0)
    return;
  g_array_append_vals (events, session->events->data, session->events->len);
  /* The events now belong to @events: empty without clearing them. */
  g_array_set_clear_func (session->events, NULL);
  g_array_set_size (session->events, 0);
  g_array_set_clear_func (session->events, (GDestroyNotify) mqtt_session_event_clear);
}

gboolean
mqtt_session_has_events (MqttSession *session)
{
  return session->events->len > 0;
}

guint
mqtt_session_get_inflight_count (MqttSession *session)
{
  return session->outgoing.inflight.length;
}

guint
mqtt_session_get_queued_count (MqttSession *session)
{
  return session->outgoing.queued.length;
}

guint
mqtt_session_get_inflight_sent (MqttSession *session)
{
  return session->inflight_sent;
}

guint
mqtt_session_get_keepalive (MqttSession *session)
{
  return session->keepalive;
}


/* ------------------------------------------------------------------------ */
/* API calls */

/* The payload is @data (copied) when @n_parts is 0, else the
 * concatenation of @parts; @length is its size. */
static gboolean
publish (MqttSession *session, const char *topic, const guint8 *data, gsize length,
         GBytes *const *parts, guint n_parts, guint8 qos, gboolean retain, MqttProperties *props,
         gint64 now, guint *mid, GError **error)
{
  MqttOutgoing *og = &session->outgoing;
  OutMessage *message = NULL;
  gsize topic_length = strlen (topic);
  gsize remaining;
  guint16 alias = 0;

  if (!is_v5 (session))
    props = NULL;
  else if (props)
    {
      if (!mqtt_properties_check (props, MQTT_PACKET_PUBLISH, FALSE, error))
        return FALSE;
      /* The broker allows as many as it said; before it has, any. */
      if (mqtt_properties_get_topic_alias (props, &alias) &&
          session->state == MQTT_SESSION_CONNECTED && alias > session->terms.out_alias_max)
        {
          g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                       "Topic alias %u is above the broker's Topic Alias Maximum (%u)", alias,
                       session->terms.out_alias_max);
          return FALSE;
        }
      if (mqtt_properties_encoded_size (props, error) == 0)
        return FALSE;
    }

  /* Check here what the encoder would refuse later. */
  remaining = mqtt_session_publish_remaining (session, topic_length, length, qos, props);
  if (remaining + (qos > 0 ? 0 : 2) > MQTT_MAX_REMAINING_LENGTH)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE,
                   "A payload of %" G_GSIZE_FORMAT " bytes on this topic exceeds the %u bytes "
                   "an MQTT packet can carry", length, MQTT_MAX_REMAINING_LENGTH);
      return FALSE;
    }
  /* What the broker said it refuses is refused here, with its reason. */
  if (is_v5 (session) && session->state == MQTT_SESSION_CONNECTED)
    {
      const char *why = NULL;
      MqttError refusal = mqtt_terms_publish_refusal (&session->terms, qos, retain, remaining,
                                                       &why);

      if (refusal)
        {
          g_set_error (error, MQTT_ERROR, refusal, "Cannot publish on '%s': %s", topic, why);
          return FALSE;
        }
    }

  /* QoS 0 while connected: straight to the wire, no record. */
  if (qos == 0 && session->state == MQTT_SESSION_CONNECTED)
    {
      if (!mqtt_session_bytes_have_room (session, length, error))
        return FALSE;
      *mid = mqtt_outgoing_allocate_mid (&session->outgoing);
      mqtt_session_send_publish (session, topic, topic_length, data, length, parts, n_parts, 0,
                                 retain, FALSE, 0, props, now, now);
      mqtt_outbuf_mark (session->out, *mid);
      return TRUE;
    }

  /* QoS 0 is only held while a connection is on its way, unless a
   * policy bounds the queue by dropping. */
  if (qos == 0 && session->state != MQTT_SESSION_CONNECTING &&
      session->state != MQTT_SESSION_WAITING &&
      session->config.queue_policy == MQTT_QUEUE_POLICY_REFUSE)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NO_CONN,
                           "The client is not connected: a QoS 0 message cannot be queued");
      return FALSE;
    }

  if (!mqtt_session_make_room (session, length, error))
    {
      if (session->config.queue_policy != MQTT_QUEUE_POLICY_DROP_NEWEST)
        return FALSE;
      /* Accepted, and dropped at once: reported like any other drop. */
      g_clear_error (error);
      *mid = mqtt_outgoing_allocate_mid (&session->outgoing);
      mqtt_session_push_dropped (session, *mid, MQTT_ERROR_QUEUE_SIZE);
      return TRUE;
    }

  *mid = mqtt_outgoing_allocate_mid (og);
  /* Sent at once when nothing waits before it: no queue entry. */
  if (session->state == MQTT_SESSION_CONNECTED && og->queued.length == 0 &&
      mqtt_session_window_open (session) && mqtt_outgoing_has_packet_id (og))
    {
      message = mqtt_outgoing_new_message (og, *mid, topic, data, length, parts, n_parts, qos,
                                           retain, props, now);
      mqtt_outgoing_take_packet_id (og, &message->r);
    }

  /* In the store before the call returns; with its packet identifier when
   * it goes at once, so that it is written once. */
  if (og->store && qos > 0)
    {
      g_autoptr(GBytes) whole = n_parts == 0 ? g_bytes_new_static (data, length) : NULL;

      mqtt_outgoing_store_new (og, *mid, message ? message->r.packet_id : 0, topic,
                               whole ? &whole : parts, whole ? 1 : n_parts, qos, retain, props);
      if (!mqtt_session_commit_store (session, error))
        {
          g_prefix_error (error, "The message could not be stored: ");
          /* Not reported: the call fails instead. */
          mqtt_outgoing_unstore (og, *mid);
          if (message)
            {
              mqtt_outgoing_release_packet_id (og, &message->r);
              mqtt_outgoing_free_message (og, message);
            }
          return FALSE;
        }
      if (message)
        {
          message->stored = TRUE;
          message->stored_id = message->r.packet_id;
        }
    }

  og->n_records++;
  if (message)
    mqtt_session_send_first (session, message, now);
  else
    mqtt_outgoing_queue (og, *mid, topic, data, length, parts, n_parts, qos, retain, props, now,
                         og->store && qos > 0);
  if (session->state == MQTT_SESSION_CONNECTED)
    mqtt_session_send_waiting (session, now);
  return TRUE;
}

gboolean
mqtt_session_publish (MqttSession *session, const char *topic, const guint8 *data, gsize length,
                      GBytes *payload, guint8 qos, gboolean retain, MqttProperties *props,
                      gint64 now, guint *mid, GError **error)
{
  return publish (session, topic, data, length, payload ? &payload : NULL, payload ? 1 : 0, qos,
                  retain, props, now, mid, error);
}

gboolean
mqtt_session_publish_parts (MqttSession *session, const char *topic, GBytes *const *parts,
                            guint n_parts, guint8 qos, gboolean retain, MqttProperties *props,
                            gint64 now, guint *mid, GError **error)
{
  return publish (session, topic, NULL, mqtt_session_parts_size (parts, n_parts), parts, n_parts,
                  qos, retain, props, now, mid, error);
}

static gboolean
request (MqttSession *session, gboolean subscribe, MqttTopicRequest *topics, guint n_topics,
         MqttProperties *props, gint64 now, guint *mid, GError **error)
{
  OutRequest *req;
  gsize size = 2;
  guint i;

  if (session->state == MQTT_SESSION_IDLE || session->state == MQTT_SESSION_DISCONNECTING)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_NO_CONN, "The client is not connected: cannot %s",
                   subscribe ? "subscribe" : "unsubscribe");
      return FALSE;
    }
  if (!is_v5 (session))
    props = NULL;
  else if (props)
    {
      gsize props_size;

      if (!mqtt_properties_check (props, subscribe ? MQTT_PACKET_SUBSCRIBE
                                                   : MQTT_PACKET_UNSUBSCRIBE,
                                  FALSE, error))
        return FALSE;
      if ((props_size = mqtt_properties_encoded_size (props, error)) == 0)
        return FALSE;
      size += props_size;
    }
  for (i = 0; subscribe && is_v5 (session) && session->state == MQTT_SESSION_CONNECTED &&
              i < n_topics;
       i++)
    {
      const char *refusal = mqtt_terms_subscribe_refusal (&session->terms, &topics[i], props);

      if (refusal)
        {
          g_set_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED, "Cannot subscribe to '%s': %s",
                       topics[i].filter, refusal);
          return FALSE;
        }
    }
  for (i = 0; i < n_topics; i++)
    size += 2 + strlen (topics[i].filter) + (subscribe ? 1 : 0);
  if (size > MQTT_MAX_REMAINING_LENGTH)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE,
                           "Too many topic filters for one packet");
      return FALSE;
    }
  *mid = mqtt_outgoing_allocate_mid (&session->outgoing);
  req = g_new0 (OutRequest, 1);
  req->r.kind = RECORD_REQUEST;
  req->r.link.data = req;
  req->r.mid = *mid;
  req->subscribe = subscribe;
  req->topics = g_memdup2 (topics, n_topics * sizeof *topics);
  req->n_topics = n_topics;
  for (i = 0; i < n_topics; i++)
    req->topics[i].filter = g_strdup (topics[i].filter);
  req->props = props ? mqtt_properties_ref (props) : NULL;
  session->outgoing.n_records++;
  g_queue_push_tail_link (&session->outgoing.requests, &req->r.link);

  if (session->state == MQTT_SESSION_CONNECTED &&
      mqtt_outgoing_take_packet_id (&session->outgoing, &req->r))
    mqtt_session_send_request (session, req, now);
  return TRUE;
}

gboolean
mqtt_session_subscribe (MqttSession *session, MqttTopicRequest *topics, guint n_topics,
                        MqttProperties *props, gint64 now, guint *mid, GError **error)
{
  if (!request (session, TRUE, topics, n_topics, props, now, mid, error))
    return FALSE;
  mqtt_subscriptions_add (session->subscriptions, topics, n_topics, is_v5 (session) ? props : NULL);
  return TRUE;
}

gboolean
mqtt_session_unsubscribe (MqttSession *session, MqttTopicRequest *topics, guint n_topics,
                          MqttProperties *props, gint64 now, guint *mid, GError **error)
{
  if (!request (session, FALSE, topics, n_topics, props, now, mid, error))
    return FALSE;
  mqtt_subscriptions_remove (session->subscriptions, topics, n_topics);
  return TRUE;
}

/* DISCONNECT or AUTH with a reason code and properties (level 5 only for
 * either; below, DISCONNECT is two bytes). */
static void
send_reason (MqttSession *session, MqttPacketType type, guint8 reason, MqttProperties *props,
             gint64 now)
{
  MqttPacket packet = { .type = type, .reason_code = reason, .props = props };
  gboolean ok;

  /* The caller checked the properties. */
  ok = mqtt_packet_encode (&packet, session->config.protocol, mqtt_outbuf_tail (session->out),
                           NULL);
  g_assert (ok);
  mqtt_outbuf_commit (session->out);
  session->last_out = now;
  log_packet (session, "Sending %s (0x%02x)", mqtt_packet_type_name (type), reason);
}

gboolean
mqtt_session_send_auth (MqttSession *session, guint8 reason, MqttProperties *props, gint64 now,
                        GError **error)
{
  if (!is_v5 (session))
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED,
                           "Enhanced authentication needs MQTT 5");
      return FALSE;
    }
  if (session->state != MQTT_SESSION_CONNECTING && session->state != MQTT_SESSION_CONNECTED)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NO_CONN,
                           "The client is not connected: cannot authenticate");
      return FALSE;
    }
  if (!mqtt_properties_check (props, MQTT_PACKET_AUTH, FALSE, error) ||
      mqtt_properties_encoded_size (props, error) == 0)
    return FALSE;
  send_reason (session, MQTT_PACKET_AUTH, reason, props, now);
  return TRUE;
}

gboolean
mqtt_session_send_disconnect (MqttSession *session, guint8 reason, MqttProperties *props,
                              gint64 now)
{
  switch (session->state)
    {
    case MQTT_SESSION_CONNECTED:
    case MQTT_SESSION_CONNECTING:
      send_reason (session, MQTT_PACKET_DISCONNECT, reason, props, now);
      session->state = MQTT_SESSION_DISCONNECTING;
      return TRUE;
    case MQTT_SESSION_WAITING:
      session->state = MQTT_SESSION_IDLE;
      return FALSE;
    case MQTT_SESSION_IDLE:
    case MQTT_SESSION_DISCONNECTING:
    default:
      return FALSE;
    }
}

/* ------------------------------------------------------------------------ */
/* Connection life cycle */

/* The bytes waiting for the connection are gone with it. QoS 0 messages
 * that reached the socket count as published, as in Paho; those that did
 * not are reported dropped with @code. */
static void
discard_output (MqttSession *session, MqttError code)
{
  guint mid;

  while (mqtt_outbuf_pop_mark (session->out, &mid))
    mqtt_session_push_event (session, MQTT_SESSION_EVENT_PUBLISHED, mid);
  while (mqtt_outbuf_pop_any_mark (session->out, &mid))
    mqtt_session_push_dropped (session, mid, code);
  mqtt_outbuf_clear (session->out);
}

void
mqtt_session_connection_made (MqttSession *session, gint64 now)
{
  discard_output (session, MQTT_ERROR_CONN_LOST);
  mqtt_decoder_reset (session->decoder);
  mqtt_decoder_set_protocol_level (session->decoder, session->config.protocol);
  mqtt_decoder_set_max_packet_size (session->decoder, session->config.max_packet_size);
  session->state = MQTT_SESSION_CONNECTING;
  session->connection_serial++;
  session->inflight_sent = 0;
  session->inflight_unsent = session->outgoing.inflight.length;
  g_hash_table_remove_all (session->resent_ids);
  session->connect_started = now;
  session->last_in = now;
  session->ping_sent = 0;
  session->keepalive = session->config.keepalive;
  g_clear_pointer (&session->server_reference, g_free);
  /* The broker's limits are the specification's defaults until CONNACK. */
  mqtt_terms_reset (&session->terms, session->config.topic_alias_out);
  mqtt_session_send_connect (session, now);
}

/* Whether the broker keeps the session after the connection: below level
 * 5 a session that is not clean, at level 5 a Session Expiry Interval
 * above 0. */
static gboolean
session_persists (MqttSession *session)
{
  return is_v5 (session) ? !session->terms.session_expires : !session->config.clean_session;
}

void
mqtt_session_connection_lost (MqttSession *session, gboolean reconnect)
{
  GList *l, *next;

  discard_output (session, MQTT_ERROR_CONN_LOST);
  mqtt_decoder_reset (session->decoder);

  /* In-flight messages stay in flight: they are resent, with DUP, after
   * the next CONNACK. A sent SUBSCRIBE or UNSUBSCRIBE survives only in a
   * persistent session; with a clean session its outcome is unknowable. */
  for (l = session->outgoing.requests.head; l; l = next)
    {
      OutRequest *req = l->data;

      next = l->next;
      if (!req->sent)
        continue;
      if (!session_persists (session))
        {
          g_queue_unlink (&session->outgoing.requests, &req->r.link);
          mqtt_outgoing_release_packet_id (&session->outgoing, &req->r);
          session->outgoing.n_records--;
          mqtt_session_push_dropped (session, req->r.mid, MQTT_ERROR_CONN_LOST);
          mqtt_out_request_free (req);
        }
      else
        req->sent = FALSE;
    }

  session->ping_sent = 0;
  session->state = reconnect ? MQTT_SESSION_WAITING : MQTT_SESSION_IDLE;
}

static void
drop_queue (MqttSession *session, GQueue *queue)
{
  GList *l;

  for (l = queue->head; l; l = l->next)
    mqtt_session_push_dropped (session, ((Record *) l->data)->mid, MQTT_ERROR_NO_CONN);
  mqtt_outgoing_clear_queue (&session->outgoing, queue);
}

void
mqtt_session_forget_store (MqttSession *session)
{
  g_clear_object (&session->outgoing.store);
  session->outgoing.store_staged = FALSE;
}

void
mqtt_session_reset (MqttSession *session)
{
  /* What the store holds stays there: it is another client's now. */
  mqtt_session_forget_store (session);
  discard_output (session, MQTT_ERROR_NO_CONN);
  drop_queue (session, &session->outgoing.inflight);
  while (session->outgoing.queued.length > 0)
    mqtt_session_drop_queued (session, MQTT_ERROR_NO_CONN);
  drop_queue (session, &session->outgoing.requests);
  g_hash_table_remove_all (session->outgoing.by_packet_id);
  session->outgoing.n_records = 0;
  g_hash_table_remove_all (session->incoming_qos2);
  g_hash_table_remove_all (session->completed_qos2);
  session->outgoing.last_mid = 0;
  session->outgoing.last_packet_id = 0;
  session->inflight_sent = session->inflight_unsent = 0;
  mqtt_subscriptions_clear (session->subscriptions);
  /* A new client: the broker names it again. */
  g_clear_pointer (&session->assigned_client_id, g_free);
  session->accepted = 0;
  session->state = MQTT_SESSION_IDLE;
}

/* ------------------------------------------------------------------------ */
/* Input */

static gboolean
protocol_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
protocol_error (GError **error, const char *format, ...)
{
  GError *local_error;
  va_list args;

  va_start (args, format);
  local_error = g_error_new_valist (MQTT_ERROR, MQTT_ERROR_PROTOCOL, format, args);
  va_end (args);
  g_propagate_error (error, local_error);
  return FALSE;
}

/* Level 5: a refusal or a DISCONNECT that sends the client to another
 * server (Use another server, Server moved) names it in a Server Reference,
 * for the client's next connection. */
static void
take_server_reference (MqttSession *session, guint8 reason, MqttProperties *props)
{
  const char *reference = props ? mqtt_properties_get_server_reference (props) : NULL;

  if (reference && (reason == MQTT_REASON_CODE_USE_ANOTHER_SERVER ||
                    reason == MQTT_REASON_CODE_SERVER_MOVED))
    {
      g_free (session->server_reference);
      session->server_reference = g_strdup (reference);
    }
}

/* The server the broker sent the client to when it closed the last
 * connection, or NULL; forgotten at the next connection. */
const char *
mqtt_session_get_server_reference (MqttSession *session)
{
  return session->server_reference;
}

/* Subscribes again to a group of the subscriptions held, at once. */
static void
resubscribe (MqttTopicRequest *topics, guint n_topics, MqttProperties *props, gpointer data)
{
  MqttSession *session = data;
  g_autoptr(GError) error = NULL;
  guint mid;

  if (request (session, TRUE, topics, n_topics, props, session->last_in, &mid, &error))
    mqtt_session_push_event (session, MQTT_SESSION_EVENT_RESUBSCRIBED, mid);
  else
    mqtt_session_log (session, MQTT_LOG_WARNING, "Could not subscribe again: %s", error->message);
}

static gboolean
handle_connack (MqttSession *session, const MqttPacket *packet, gint64 now, GError **error)
{
  MqttSessionEvent *event;
  GList *l;

  if (session->state != MQTT_SESSION_CONNECTING)
    return protocol_error (error, "Unexpected CONNACK from the broker");

  log_packet (session, "Received CONNACK (%d, %u)", packet->connack.session_present,
              packet->connack.return_code);
  event = mqtt_session_push_event (session, MQTT_SESSION_EVENT_CONNACK, 0);
  event->code = packet->connack.return_code;
  event->session_present = packet->connack.session_present;
  if (packet->props)
    event->props = mqtt_properties_ref (packet->props);

  if (is_v5 (session) && packet->connack.return_code >= 0x80)
    {
      take_server_reference (session, packet->connack.return_code, packet->props);
      return mqtt_terms_connack_refused (packet, error);
    }
  if (packet->connack.return_code != MQTT_CONNACK_ACCEPTED)
    {
      guint code = packet->connack.return_code;

      g_set_error (error, MQTT_ERROR, mqtt_error_from_connack (code),
                   "%s (CONNACK return code %u)", mqtt_connack_string (code), code);
      return FALSE;
    }

  if (packet->props)
    {
      const char *assigned = mqtt_properties_get_assigned_client_identifier (packet->props);
      guint16 keepalive;

      mqtt_terms_take_connack (&session->terms, packet->props);
      if (mqtt_properties_get_server_keep_alive (packet->props, &keepalive))
        session->keepalive = keepalive;
      if (assigned)
        {
          g_free (session->assigned_client_id);
          session->assigned_client_id = g_strdup (assigned);
        }
    }
  session->state = MQTT_SESSION_CONNECTED;
  /* The broker forgot the session: it will not send PUBREL for what we
   * received before, and may reuse those identifiers. */
  if (!packet->connack.session_present)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, session->incoming_qos2);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        mqtt_outgoing_store_incoming (&session->outgoing, GPOINTER_TO_UINT (key), 0, TRUE);
      g_hash_table_remove_all (session->incoming_qos2);
      g_hash_table_remove_all (session->completed_qos2);
    }
  if (session->accepted++ > 0 &&
      (session->config.resubscribe == MQTT_RESUBSCRIBE_ALWAYS ||
       (session->config.resubscribe == MQTT_RESUBSCRIBE_WITHOUT_SESSION &&
        !packet->connack.session_present)))
    mqtt_subscriptions_foreach_group (session->subscriptions, resubscribe, session);

  /* Resend what was in flight, in order, with DUP (at level 5 as the
   * broker's Receive Maximum allows); then requests; then the queue as the
   * window allows. */
  for (l = session->outgoing.inflight.head; l && !is_v5 (session); l = l->next)
    mqtt_session_send_message (session, l->data, now);
  mqtt_session_send_waiting (session, now);
  return TRUE;
}

static guint32
fnv1a (guint32 hash, const guint8 *p, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++)
    hash = (hash ^ p[i]) * 16777619u;
  return hash;
}

/* A digest of a PUBLISH's topic and payload (of a large payload, its size,
 * head and tail). */
static guint32
message_digest (const MqttPacket *packet)
{
  const gsize sample = 32 * 1024;
  guint32 hash = fnv1a (2166136261u, (const guint8 *) packet->publish.topic,
                        strlen (packet->publish.topic));
  gsize n;
  const guint8 *p = g_bytes_get_data (packet->publish.payload, &n);
  guint64 size = n;

  if (n <= 2 * sample)
    return fnv1a (hash, p, n);
  hash = fnv1a (hash, (const guint8 *) &size, sizeof size);
  hash = fnv1a (hash, p, sample);
  return fnv1a (hash, p + n - sample, sample);
}

/* Level 5: a protocol error that the client answers with DISCONNECT and
 * @reason before it closes the connection. */
G_GNUC_PRINTF (4, 5) static gboolean
disconnect_error (MqttSession *session, guint8 reason, GError **error, const char *format, ...)
{
  va_list args;
  char *text;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  /* The connection ends with this error: the state stays as it is, for
   * the client to tell a refused connection from a lost one. */
  if (is_v5 (session) && session->state != MQTT_SESSION_DISCONNECTING)
    send_reason (session, MQTT_PACKET_DISCONNECT, reason, NULL, session->last_out);
  g_set_error (error, MQTT_ERROR, MQTT_ERROR_PROTOCOL, "%s (%s, 0x%02x)", text,
               mqtt_reason_string (reason), reason);
  g_free (text);
  return FALSE;
}

static gboolean
handle_publish (MqttSession *session, MqttPacket *packet, gint64 now, GError **error)
{
  const guint8 qos = packet->publish.qos;
  MqttSessionEvent *event;
  gpointer key = GUINT_TO_POINTER (packet->packet_id);

  if (is_v5 (session))
    {
      g_autofree char *why = NULL;
      guint8 reason = mqtt_terms_resolve_alias (&session->terms, packet, &why);

      if (reason != MQTT_REASON_CODE_SUCCESS)
        return disconnect_error (session, reason, error, "%s", why);
    }
  /* Our Receive Maximum bounds the QoS 2 messages the broker has sent and
   * not released (QoS 1 ones are acknowledged at once). */
  if (qos == 2 && is_v5 (session) && !g_hash_table_contains (session->incoming_qos2, key) &&
      g_hash_table_size (session->incoming_qos2) >= session->terms.in_receive_max)
    return disconnect_error (session, MQTT_REASON_CODE_RECEIVE_MAXIMUM_EXCEEDED, error,
                             "The broker sent more than %u QoS 2 messages at once",
                             session->terms.in_receive_max);

  log_packet (session, "Received PUBLISH (d%d, q%u, r%d, m%u), '%s', ...  (%" G_GSIZE_FORMAT
              " bytes)", packet->publish.dup, qos, packet->publish.retain, packet->packet_id,
              packet->publish.topic, g_bytes_get_size (packet->publish.payload));

  if (qos == 2)
    {
      gpointer digest = GUINT_TO_POINTER (message_digest (packet));
      gpointer completed;

      /* Exactly once (the standard's method A): remember the identifier
       * until PUBREL; a resent PUBLISH with it is acknowledged again, not
       * delivered again. */
      if (g_hash_table_contains (session->incoming_qos2, key))
        {
          mqtt_session_send_ack (session, MQTT_PACKET_PUBREC, packet->packet_id, now);
          return TRUE;
        }
      /* A broker must not resend PUBLISH once it has sent PUBREL
       * [MQTT-4.3.3], but mosquitto 2.0 does after a restart: the same
       * message again, with DUP, under the identifier it had. Taken for
       * what it is; a new message reusing the identifier differs, or comes
       * without DUP. */
      if (packet->publish.dup &&
          g_hash_table_lookup_extended (session->completed_qos2, key, NULL, &completed) &&
          completed == digest)
        {
          mqtt_session_log (session, MQTT_LOG_WARNING, "The broker resent QoS 2 message %u "
                            "after completing it: not delivered again", packet->packet_id);
          g_hash_table_remove (session->completed_qos2, key);
          g_hash_table_insert (session->incoming_qos2, key, digest);
          mqtt_outgoing_store_incoming (&session->outgoing, packet->packet_id,
                                        GPOINTER_TO_UINT (digest), FALSE);
          mqtt_session_send_ack (session, MQTT_PACKET_PUBREC, packet->packet_id, now);
          return TRUE;
        }
      g_hash_table_remove (session->completed_qos2, key);
      g_hash_table_insert (session->incoming_qos2, key, digest);
      mqtt_outgoing_store_incoming (&session->outgoing, packet->packet_id,
                                    GPOINTER_TO_UINT (digest), FALSE);
    }

  /* The topic and payload move from the packet into the message. */
  event = mqtt_session_push_event (session, MQTT_SESSION_EVENT_MESSAGE, packet->packet_id);
  event->message = mqtt_message_new_take (g_steal_pointer (&packet->publish.topic),
                                          g_steal_pointer (&packet->publish.payload), qos,
                                          packet->publish.retain, packet->publish.dup,
                                          packet->packet_id, now);
  event->message->props = g_steal_pointer (&packet->props);

  /* Acknowledgements are written after the event has been delivered: the
   * client emits events before it flushes. */
  if (qos == 1)
    mqtt_session_send_ack (session, MQTT_PACKET_PUBACK, packet->packet_id, now);
  else if (qos == 2)
    mqtt_session_send_ack (session, MQTT_PACKET_PUBREC, packet->packet_id, now);
  return TRUE;
}

/* The message's flow is over: acknowledged, at level 5 possibly with a
 * failure reason code (0x80 and above), which the event carries. */
static void
complete_message (MqttSession *session, OutMessage *message, const MqttPacket *ack, gint64 now)
{
  MqttSessionEvent *event;

  g_queue_unlink (&session->outgoing.inflight, &message->r.link);
  mqtt_outgoing_release_packet_id (&session->outgoing, &message->r);
  mqtt_outgoing_unstore_message (&session->outgoing, message);
  session->outgoing.n_records--;
  if (message->counted_on == session->connection_serial)
    session->inflight_sent--;
  if (message->sent_on != session->connection_serial)
    session->inflight_unsent--;
  event = mqtt_session_push_event (session, MQTT_SESSION_EVENT_PUBLISHED, message->r.mid);
  event->code = ack->reason_code;
  if (ack->props)
    event->props = mqtt_properties_ref (ack->props);
  mqtt_outgoing_free_message (&session->outgoing, message);
  mqtt_session_send_waiting (session, now);
}

/* An acknowledgement that matches nothing waiting for it. */
static gboolean
unexpected_ack (MqttSession *session, const MqttPacket *packet, GError **error)
{
  const char *name = mqtt_packet_type_name (packet->type);

  if (g_hash_table_contains (session->resent_ids, GUINT_TO_POINTER (packet->packet_id)))
    {
      mqtt_session_log (session, MQTT_LOG_DEBUG, "Ignoring %s for message %u, sent more than once",
                        name, packet->packet_id);
      return TRUE;
    }
  return protocol_error (error, "%s for packet id %u, which nothing waits for", name,
                         packet->packet_id);
}

static gboolean
handle_ack (MqttSession *session, const MqttPacket *packet, gint64 now, GError **error)
{
  const guint16 mid = packet->packet_id;
  OutMessage *message =
    (OutMessage *) mqtt_outgoing_find_sent (&session->outgoing, mid, RECORD_MESSAGE);
  const char *name = mqtt_packet_type_name (packet->type);

  log_packet (session, "Received %s (Mid: %u)", name, mid);

  switch (packet->type)
    {
    case MQTT_PACKET_PUBACK:
      if (message && message->state == OUT_WAIT_PUBACK)
        complete_message (session, message, packet, now);
      else
        return unexpected_ack (session, packet, error);
      return TRUE;

    case MQTT_PACKET_PUBREC:
      /* A failure ends the exchange: no PUBREL [MQTT-4.3.3-4 of MQTT 5]. */
      if (message && message->state == OUT_WAIT_PUBREC && packet->reason_code >= 0x80)
        complete_message (session, message, packet, now);
      else if (message &&
               (message->state == OUT_WAIT_PUBREC || message->state == OUT_WAIT_PUBCOMP))
        {
          if (message->state == OUT_WAIT_PUBREC)
            mqtt_outgoing_store_released (&session->outgoing, message);
          message->state = OUT_WAIT_PUBCOMP;
          /* Only PUBREL is left to send: the payload can go. */
          mqtt_outgoing_drop_payload (&session->outgoing, message);
          g_queue_unlink (&session->outgoing.inflight, &message->r.link);
          g_queue_push_tail_link (&session->outgoing.inflight, &message->r.link);
          mqtt_session_send_message (session, message, now);
        }
      else
        return unexpected_ack (session, packet, error);
      return TRUE;

    case MQTT_PACKET_PUBCOMP:
      if (message && message->state == OUT_WAIT_PUBCOMP)
        complete_message (session, message, packet, now);
      else
        return unexpected_ack (session, packet, error);
      return TRUE;

    case MQTT_PACKET_PUBREL:
      /* Always completed, even for an identifier we no longer know: after
       * a reconnection the broker sends PUBREL again when our PUBCOMP was
       * lost [MQTT-4.3.3], and it waits for PUBCOMP either way. */
      {
        gpointer key = GUINT_TO_POINTER (mid), digest;

        if (g_hash_table_steal_extended (session->incoming_qos2, key, NULL, &digest))
          {
            mqtt_outgoing_store_incoming (&session->outgoing, mid, 0, TRUE);
            if (g_hash_table_size (session->completed_qos2) >= COMPLETED_QOS2_MAX)
              g_hash_table_remove_all (session->completed_qos2);
            g_hash_table_insert (session->completed_qos2, key, digest);
          }
      }
      mqtt_session_send_ack (session, MQTT_PACKET_PUBCOMP, mid, now);
      return TRUE;

    case MQTT_PACKET_CONNECT:
    case MQTT_PACKET_CONNACK:
    case MQTT_PACKET_PUBLISH:
    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_SUBACK:
    case MQTT_PACKET_UNSUBSCRIBE:
    case MQTT_PACKET_UNSUBACK:
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    case MQTT_PACKET_DISCONNECT:
    case MQTT_PACKET_AUTH:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
handle_request_ack (MqttSession *session, const MqttPacket *packet, gint64 now, GError **error)
{
  const gboolean is_suback = packet->type == MQTT_PACKET_SUBACK;
  OutRequest *req = (OutRequest *) mqtt_outgoing_find_sent (&session->outgoing, packet->packet_id,
                                                            RECORD_REQUEST);
  MqttSessionEvent *event;

  if (is_suback && session->config.log_packets)
    {
      g_autoptr(GString) codes = g_string_new (NULL);
      guint i;

      for (i = 0; i < packet->suback.n_return_codes; i++)
        g_string_append_printf (codes, "%s%u", i ? ", " : "", packet->suback.return_codes[i]);
      mqtt_session_log (session, MQTT_LOG_DEBUG, "Received SUBACK (Mid: %u, granted [%s])",
                        packet->packet_id, codes->str);
    }
  else
    log_packet (session, "Received UNSUBACK (Mid: %u)", packet->packet_id);

  if (req == NULL || !req->sent || req->subscribe != is_suback)
    return protocol_error (error, "%s for packet id %u, which nothing waits for",
                           mqtt_packet_type_name (packet->type), packet->packet_id);
  /* A code for each filter: SUBACK always, UNSUBACK at level 5. */
  if ((is_suback || is_v5 (session)) && packet->suback.n_return_codes != req->n_topics)
    return protocol_error (error, "%s with %u codes for a request of %u filters",
                           mqtt_packet_type_name (packet->type), packet->suback.n_return_codes,
                           req->n_topics);

  g_queue_unlink (&session->outgoing.requests, &req->r.link);
  mqtt_outgoing_release_packet_id (&session->outgoing, &req->r);
  session->outgoing.n_records--;
  event = mqtt_session_push_event (session, is_suback ? MQTT_SESSION_EVENT_SUBSCRIBED
                                                      : MQTT_SESSION_EVENT_UNSUBSCRIBED,
                                   req->r.mid);
  if (packet->suback.n_return_codes > 0)
    event->granted = g_bytes_new (packet->suback.return_codes, packet->suback.n_return_codes);
  if (packet->props)
    event->props = mqtt_properties_ref (packet->props);
  mqtt_out_request_free (req);
  mqtt_session_send_waiting (session, now);
  return TRUE;
}

/* Level 5: the broker closes the connection with a reason: reported with
 * its reason string and properties (a Server Reference among them), not
 * as a bare loss. */
static gboolean
handle_disconnect (MqttSession *session, const MqttPacket *packet, GError **error)
{
  const char *why = packet->props ? mqtt_properties_get_reason_string (packet->props) : NULL;
  const char *server = packet->props ? mqtt_properties_get_server_reference (packet->props)
                                     : NULL;
  MqttSessionEvent *event;

  log_packet (session, "Received DISCONNECT (0x%02x)", packet->reason_code);
  take_server_reference (session, packet->reason_code, packet->props);
  event = mqtt_session_push_event (session, MQTT_SESSION_EVENT_DISCONNECT, 0);
  event->code = packet->reason_code;
  if (packet->props)
    event->props = mqtt_properties_ref (packet->props);
  g_set_error (error, MQTT_ERROR, MQTT_ERROR_CONN_LOST,
               "The broker closed the connection: %s (reason code 0x%02x)%s%s%s%s",
               mqtt_reason_string (packet->reason_code), packet->reason_code,
               why ? ": " : "", why ? why : "", server ? "; it points to " : "",
               server ? server : "");
  return FALSE;
}

/* Level 5: the broker's side of an AUTH exchange, for the application to
 * answer (mqtt_session_send_auth()); success ends a re-authentication. */
static gboolean
handle_auth (MqttSession *session, const MqttPacket *packet, GError **error)
{
  MqttSessionEvent *event;

  log_packet (session, "Received AUTH (0x%02x)", packet->reason_code);
  if (packet->reason_code == MQTT_REASON_CODE_RE_AUTHENTICATE)
    return disconnect_error (session, MQTT_REASON_CODE_PROTOCOL_ERROR, error,
                             "The broker sent AUTH with reason Re-authenticate");
  event = mqtt_session_push_event (session, MQTT_SESSION_EVENT_AUTH, 0);
  event->code = packet->reason_code;
  if (packet->props)
    event->props = mqtt_properties_ref (packet->props);
  return TRUE;
}

gboolean
mqtt_session_receive (MqttSession *session, MqttPacket *packet, gint64 now, GError **error)
{
  session->last_in = now;

  if (packet->type == MQTT_PACKET_DISCONNECT && is_v5 (session))
    return handle_disconnect (session, packet, error);
  if (packet->type == MQTT_PACKET_AUTH)
    return handle_auth (session, packet, error);
  if (packet->type != MQTT_PACKET_CONNACK && session->state == MQTT_SESSION_CONNECTING)
    return protocol_error (error, "The broker sent %s before CONNACK",
                           mqtt_packet_type_name (packet->type));

  switch (packet->type)
    {
    case MQTT_PACKET_CONNACK:
      return handle_connack (session, packet, now, error);
    case MQTT_PACKET_PUBLISH:
      return handle_publish (session, packet, now, error);
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
      return handle_ack (session, packet, now, error);
    case MQTT_PACKET_SUBACK:
    case MQTT_PACKET_UNSUBACK:
      return handle_request_ack (session, packet, now, error);
    case MQTT_PACKET_PINGRESP:
      log_packet (session, "Received PINGRESP");
      session->ping_sent = 0;
      return TRUE;
    case MQTT_PACKET_CONNECT:
    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_UNSUBSCRIBE:
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_DISCONNECT:
    case MQTT_PACKET_AUTH:
    default:
      return protocol_error (error, "The broker sent %s, a packet only clients send",
                             mqtt_packet_type_name (packet->type));
    }
}

guint8 *
mqtt_session_get_read_buffer (MqttSession *session, gsize min_space, gsize *space)
{
  return mqtt_decoder_get_space (session->decoder, min_space, space);
}

gboolean
mqtt_session_commit_read (MqttSession *session, gsize n_bytes, gint64 now, GError **error)
{
  mqtt_decoder_commit (session->decoder, n_bytes);

  for (;;)
    {
      g_auto(MqttPacket) packet = { 0 };
      g_autoptr(GError) local_error = NULL;

      switch (mqtt_decoder_next (session->decoder, &packet, &local_error))
        {
        case MQTT_DECODE_NEED_MORE:
          return TRUE;
        case MQTT_DECODE_ERROR:
          if (is_v5 (session))
            return disconnect_error (session, mqtt_packet_error_reason_code (local_error), error,
                                     "Malformed packet from the broker: %s",
                                     local_error->message);
          g_set_error (error, MQTT_ERROR, MQTT_ERROR_PROTOCOL,
                       "Malformed packet from the broker: %s", local_error->message);
          return FALSE;
        case MQTT_DECODE_PACKET:
        default:
          if (!mqtt_session_receive (session, &packet, now, error))
            return FALSE;
          break;
        }
    }
}

void
mqtt_session_written (MqttSession *session, gsize n_bytes)
{
  guint mid;

  mqtt_outbuf_consume (session->out, n_bytes);
  while (mqtt_outbuf_pop_mark (session->out, &mid))
    mqtt_session_push_event (session, MQTT_SESSION_EVENT_PUBLISHED, mid);
}

/* ------------------------------------------------------------------------ */
/* Time */

static gint64
keepalive_usec (MqttSession *session)
{
  return session->keepalive * USEC_PER_SEC;
}

/* Resending on the same connection: Paho's message retry, below level 5
 * only (MQTT 5 forbids it [MQTT-4.4.0-1], and it would break the broker's
 * Receive Maximum). */
static guint
retry_interval (MqttSession *session)
{
  return is_v5 (session) ? 0 : session->config.retry_interval;
}

/* A PINGREQ whose PINGRESP is due at @due: without it by then, the
 * connection is lost (mqtt_session_tick()). */
static void
send_pingreq (MqttSession *session, gint64 now, gint64 due, const char *what)
{
  mqtt_packet_encode_ack (mqtt_outbuf_tail (session->out), MQTT_PACKET_PINGREQ, 0);
  mqtt_outbuf_commit (session->out);
  log_packet (session, "%s", what);
  session->ping_sent = session->last_out = now;
  session->ping_due = due;
}

/* The network changed or the machine resumed from sleep: whether the
 * connection still works is asked at once (a PINGREQ, unless one is out),
 * and the answer awaited @timeout microseconds at most, instead of up to
 * one and a half keepalive intervals. Connected only. */
void
mqtt_session_check_alive (MqttSession *session, gint64 now, gint64 timeout)
{
  if (session->state != MQTT_SESSION_CONNECTED)
    return;
  if (!session->ping_sent)
    send_pingreq (session, now, now + timeout, "Sending PINGREQ (checking the connection)");
  else
    session->ping_due = MIN (session->ping_due, now + timeout);
}

/* When a keepalive PINGREQ is due: on a grid shared by every session of
 * the process (a second, or a quarter of the keepalive when that is
 * shorter), less than a step after the keepalive ran out, which a broker's
 * one and a half keepalives allow for. Many clients in one main context
 * then ping, and read their PINGRESPs, in a few wakeups rather than one
 * each: a GMainContext's wakeup costs in proportion to its sources, so
 * otherwise idle clients would cost in proportion to their number squared. */
static gint64
coalesce_keepalive (gint64 due, gint64 keepalive)
{
  gint64 step = MIN (USEC_PER_SEC, keepalive / 4);

  if (step <= 0 || due <= 0)
    return due;
  return (due + step - 1) / step * step;
}

gint64
mqtt_session_next_deadline (MqttSession *session)
{
  gint64 deadline = G_MAXINT64;

  switch (session->state)
    {
    case MQTT_SESSION_CONNECTING:
      deadline = session->connect_started +
                 (session->keepalive ? keepalive_usec (session)
                                     : DEFAULT_CONNACK_TIMEOUT * USEC_PER_SEC);
      break;
    case MQTT_SESSION_CONNECTED:
      if (session->ping_sent)
        deadline = session->ping_due;
      else if (session->keepalive > 0)
        deadline = coalesce_keepalive (MIN (session->last_in, session->last_out) +
                                       keepalive_usec (session),
                                       keepalive_usec (session));
      if (retry_interval (session) > 0 && session->outgoing.inflight.head)
        {
          OutMessage *oldest = session->outgoing.inflight.head->data;

          deadline = MIN (deadline, oldest->sent_at + retry_interval (session) * USEC_PER_SEC);
        }
      break;
    case MQTT_SESSION_IDLE:
    case MQTT_SESSION_WAITING:
    case MQTT_SESSION_DISCONNECTING:
    default:
      break;
    }
  return deadline;
}

gboolean
mqtt_session_tick (MqttSession *session, gint64 now, GError **error)
{
  if (session->state == MQTT_SESSION_CONNECTING)
    {
      if (now >= mqtt_session_next_deadline (session))
        {
          g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_KEEPALIVE,
                               "The broker did not answer CONNECT in time");
          return FALSE;
        }
      return TRUE;
    }
  if (session->state != MQTT_SESSION_CONNECTED)
    return TRUE;

  if (session->ping_sent)
    {
      if (now >= session->ping_due)
        {
          g_set_error (error, MQTT_ERROR, MQTT_ERROR_KEEPALIVE,
                       "No PINGRESP from the broker within %.1f s of the PINGREQ",
                       (double) (session->ping_due - session->ping_sent) / USEC_PER_SEC);
          return FALSE;
        }
    }
  else if (session->keepalive > 0)
    {
      gint64 interval = keepalive_usec (session);

      if (now - session->last_out >= interval || now - session->last_in >= interval)
        send_pingreq (session, now, now + interval, "Sending PINGREQ");
    }

  if (retry_interval (session) > 0)
    {
      gint64 interval = retry_interval (session) * USEC_PER_SEC;
      OutMessage *oldest;

      /* The queue is ordered by send time: only its head can be due. */
      while ((oldest = g_queue_peek_head (&session->outgoing.inflight)) &&
             now - oldest->sent_at >= interval)
        {
          g_queue_unlink (&session->outgoing.inflight, &oldest->r.link);
          g_queue_push_tail_link (&session->outgoing.inflight, &oldest->r.link);
          mqtt_session_send_message (session, oldest, now);
        }
    }
  return TRUE;
}
