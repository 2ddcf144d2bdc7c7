/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The session engine's output (see mqtt-session-output-private.h): events
 * and log lines, the packets it writes, and how waiting messages and
 * requests go out as the window allows. No I/O: the owner writes the
 * output.
 */

#include "config.h"

#include <string.h>

#include "mqtt-error.h"
#include "mqtt-properties-private.h"
#include "mqtt-session-output-private.h"

/* ------------------------------------------------------------------------ */
/* Events and logging */

MqttSessionEvent *
mqtt_session_push_event (MqttSession *session, MqttSessionEventType type, guint mid)
{
  MqttSessionEvent *event;

  g_array_set_size (session->events, session->events->len + 1);
  event = &g_array_index (session->events, MqttSessionEvent, session->events->len - 1);
  event->type = type;
  event->mid = mid;
  return event;
}

void
mqtt_session_log (MqttSession *session, MqttLogLevel level, const char *format, ...)
{
  MqttSessionEvent *event;
  va_list args;

  event = mqtt_session_push_event (session, MQTT_SESSION_EVENT_LOG, 0);
  event->code = level;
  va_start (args, format);
  event->text = g_strdup_vprintf (format, args);
  va_end (args);
}

void
mqtt_session_push_dropped (MqttSession *session, guint mid, MqttError code)
{
  mqtt_session_push_event (session, MQTT_SESSION_EVENT_DROPPED, mid)->code = code;
}

/* ------------------------------------------------------------------------ */
/* Output */

void
mqtt_session_send_ack (MqttSession *session, MqttPacketType type, guint16 mid, gint64 now)
{
  mqtt_packet_encode_ack (mqtt_outbuf_tail (session->out), type, mid);
  mqtt_outbuf_commit (session->out);
  session->last_out = now;
  log_packet (session, "Sending %s (Mid: %u)", mqtt_packet_type_name (type), mid);
}

/* Level 5: the properties of CONNECT are the application's, with our
 * Maximum Packet Size added when it gave none (the broker then never sends
 * a packet we would refuse); what they say of our side is noted. */
static MqttProperties *
connect_properties (MqttSession *session)
{
  MqttSessionConfig *config = &session->config;
  MqttProperties *props = config->connect_props ? mqtt_properties_copy (config->connect_props)
                                                : mqtt_properties_new ();
  guint32 max_packet = 0;

  if (!mqtt_properties_get_maximum_packet_size (props, &max_packet) &&
      config->max_packet_size < MQTT_MAX_PACKET_SIZE)
    mqtt_properties_set_maximum_packet_size (props, config->max_packet_size);
  if (max_packet > 0 && max_packet < config->max_packet_size)
    mqtt_decoder_set_max_packet_size (session->decoder, max_packet);
  mqtt_terms_take_connect (&session->terms, props);
  return props;
}

void
mqtt_session_send_connect (MqttSession *session, gint64 now)
{
  MqttSessionConfig *config = &session->config;
  MqttPacket packet = { 0 };
  g_autoptr(MqttProperties) props = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  packet.type = MQTT_PACKET_CONNECT;
  packet.connect.clean_session = config->clean_session;
  packet.connect.keepalive = config->keepalive;
  packet.connect.client_id = config->client_id;
  /* A broker-assigned identifier names the session from then on. */
  if (config->client_id[0] == '\0' && session->assigned_client_id)
    packet.connect.client_id = session->assigned_client_id;
  if (is_v5 (session))
    {
      packet.props = props = connect_properties (session);
      packet.connect.will_props = config->will_props;
    }
  packet.connect.will = config->will;
  packet.connect.will_topic = config->will_topic;
  packet.connect.will_payload = config->will_payload;
  packet.connect.will_qos = config->will_qos;
  packet.connect.will_retain = config->will_retain;
  packet.connect.username = config->username;
  /* MQTT 5 allows a password alone. */
  packet.connect.password = config->username || is_v5 (session) ? config->password : NULL;

  /* Every field was validated when it was set; a CONNECT cannot overflow. */
  ok = mqtt_packet_encode (&packet, config->protocol, mqtt_outbuf_tail (session->out), &error);
  g_assert (ok);
  mqtt_outbuf_commit (session->out);
  session->last_out = now;

  /* Paho's log line: flags only, never the credentials. */
  log_packet (session, "Sending CONNECT (u%d, p%d, wr%d, wq%d, wf%d, c%d, k%u) client_id=%s",
              packet.connect.username != NULL, packet.connect.password != NULL,
              packet.connect.will_retain, packet.connect.will_qos, packet.connect.will,
              packet.connect.clean_session, packet.connect.keepalive, packet.connect.client_id);
}

gsize
mqtt_session_parts_size (GBytes *const *parts, guint n_parts)
{
  gsize size = 0;
  guint i;

  for (i = 0; i < n_parts; i++)
    size += g_bytes_get_size (parts[i]);
  return size;
}

/* The payload is @data (copied), or the concatenation of @parts
 * (referenced when large); @length is its size. */
void
mqtt_session_send_publish (MqttSession *session, const char *topic, gsize topic_length,
                           const guint8 *data, gsize length, GBytes *const *parts, guint n_parts,
                           guint8 qos, gboolean retain, gboolean dup, guint16 mid,
                           MqttProperties *props, gint64 queued_at, gint64 now)
{
  GByteArray *tail = mqtt_outbuf_tail (session->out);
  g_autoptr(MqttProperties) wire = NULL;
  gboolean topic_known = FALSE, ok;
  guint i;

  if (is_v5 (session))
    wire = mqtt_terms_publish_properties (&session->terms, props, topic,
                                          (now - queued_at) / USEC_PER_SEC, &topic_known);
  /* The caller checked the sizes: encoding cannot fail. */
  ok = mqtt_packet_encode_publish_head (tail, session->config.protocol, wire ? wire : props,
                                        topic, topic_known ? 0 : topic_length, qos, retain, dup,
                                        mid, length, NULL);
  g_assert (ok);
  if (n_parts == 0 && length > 0)
    g_byte_array_append (tail, data, length);
  mqtt_outbuf_commit (session->out);
  for (i = 0; i < n_parts; i++)
    mqtt_outbuf_append_bytes (session->out, parts[i]);
  session->last_out = now;
  log_packet (session, "Sending PUBLISH (d%d, q%u, r%d, m%u), '%s', ... (%" G_GSIZE_FORMAT
              " bytes)", dup, qos, retain, mid, topic, length);
}

void
mqtt_session_send_message (MqttSession *session, OutMessage *message, gint64 now)
{
  if (message->sent_on == session->connection_serial)
    g_hash_table_add (session->resent_ids, GUINT_TO_POINTER (message->r.packet_id));
  else if (message->state != OUT_QUEUED)
    session->inflight_unsent--;
  message->sent_on = session->connection_serial;
  if (message->qos > 0 && message->state != OUT_WAIT_PUBCOMP &&
      message->counted_on != session->connection_serial)
    {
      session->inflight_sent++;
      message->counted_on = session->connection_serial;
    }
  if (message->state == OUT_WAIT_PUBCOMP)
    mqtt_session_send_ack (session, MQTT_PACKET_PUBREL, message->r.packet_id, now);
  else
    {
      mqtt_session_send_publish (session, message->topic, strlen (message->topic), NULL,
                                 mqtt_session_parts_size (message->parts, message->n_parts),
                                 message->parts, message->n_parts, message->qos, message->retain,
                                 message->sent_once, message->r.packet_id, message->props,
                                 message->queued_at, now);
      message->sent_once = TRUE;
    }
  message->sent_at = now;
}

void
mqtt_session_send_request (MqttSession *session, OutRequest *request, gint64 now)
{
  MqttPacket packet = { 0 };
  gboolean ok;
  guint i;

  packet.type = request->subscribe ? MQTT_PACKET_SUBSCRIBE : MQTT_PACKET_UNSUBSCRIBE;
  packet.packet_id = request->r.packet_id;
  packet.props = request->props;
  packet.subscribe.topics = request->topics;
  packet.subscribe.n_topics = request->n_topics;
  /* Sizes were checked when the request was made. */
  ok = mqtt_packet_encode (&packet, session->config.protocol, mqtt_outbuf_tail (session->out),
                           NULL);
  g_assert (ok);
  mqtt_outbuf_commit (session->out);
  session->last_out = now;
  request->sent = TRUE;

  if (session->config.log_packets)
    {
      g_autoptr(GString) text = g_string_new (NULL);

      g_string_printf (text, "Sending %s (d0, m%u) [", mqtt_packet_type_name (packet.type),
                       request->r.packet_id);
      for (i = 0; i < request->n_topics; i++)
        {
          if (request->subscribe)
            g_string_append_printf (text, "%s('%s', %u)", i ? ", " : "", request->topics[i].filter,
                                    request->topics[i].qos);
          else
            g_string_append_printf (text, "%s'%s'", i ? ", " : "", request->topics[i].filter);
        }
      g_string_append_c (text, ']');
      mqtt_session_log (session, MQTT_LOG_DEBUG, "%s", text->str);
    }
}

gboolean
mqtt_session_commit_store (MqttSession *session, GError **error)
{
  return mqtt_outgoing_commit (&session->outgoing, error);
}

gboolean
mqtt_session_load_store (MqttSession *session, MqttStore *store, gint64 now, GError **error)
{
  MqttOutgoing *og = &session->outgoing;

  g_return_val_if_fail (session->state == MQTT_SESSION_IDLE, FALSE);

  if (!mqtt_outgoing_load (og, store, session->incoming_qos2, now, error))
    return FALSE;
  if (og->n_records > 0 || g_hash_table_size (session->incoming_qos2) > 0)
    mqtt_session_log (session, MQTT_LOG_INFO,
                      "Recovered from the store: %u messages queued, %u in flight, %u incoming "
                      "QoS 2 messages not yet released",
                      og->queued.length, og->inflight.length,
                      g_hash_table_size (session->incoming_qos2));
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Sending what waits */

/* Room in flight: within max-inflight-messages and, at level 5, the
 * broker's Receive Maximum. */
gboolean
mqtt_session_window_open (MqttSession *session)
{
  if (is_v5 (session) && session->inflight_sent >= session->terms.server_receive_max)
    return FALSE;
  return session->config.max_inflight == 0 ||
         session->outgoing.inflight.length < session->config.max_inflight;
}

/* Level 5: whether a message queued at @queued_at with @props outlived
 * its Message Expiry Interval before it could be sent. */
static gboolean
message_expired (MqttProperties *props, gint64 queued_at, gint64 now)
{
  guint32 expiry;

  return props && mqtt_properties_get_message_expiry_interval (props, &expiry) &&
         now - queued_at >= (gint64) expiry * USEC_PER_SEC;
}

/* The remaining length of a PUBLISH (at level 5 with room for a topic
 * alias), from its parts' sizes. */
gsize
mqtt_session_publish_remaining (MqttSession *session, gsize topic_length, gsize length, guint8 qos,
                                MqttProperties *props)
{
  gsize remaining = 2 + topic_length + (qos > 0 ? 2 : 0) + length;

  if (is_v5 (session))
    remaining += mqtt_properties_encoded_size (props, NULL) + 3;
  return remaining;
}

/* The oldest queued message leaves the queue unsent, reported dropped
 * with @code (MQTT_ERROR_SUCCESS: not reported). */
void
mqtt_session_drop_queued (MqttSession *session, MqttError code)
{
  Queued *queued = mqtt_outgoing_peek_queued (&session->outgoing);

  if (queued->flags & QUEUED_STORED)
    mqtt_outgoing_unstore (&session->outgoing, queued->mid);
  session->outgoing.n_records--;
  if (code != MQTT_ERROR_SUCCESS)
    mqtt_session_push_dropped (session, queued->mid, code);
  mqtt_outgoing_drop_queued (&session->outgoing);
}

/* A QoS 1 or 2 message's first send, with the packet identifier it took:
 * from then on it waits in flight. */
void
mqtt_session_send_first (MqttSession *session, OutMessage *message, gint64 now)
{
  mqtt_outgoing_store_packet_id (&session->outgoing, message);
  mqtt_session_send_message (session, message, now);
  message->state = message->qos == 1 ? OUT_WAIT_PUBACK : OUT_WAIT_PUBREC;
  g_queue_push_tail_link (&session->outgoing.inflight, &message->r.link);
}

/* Sends the requests not sent yet, then queued messages while the window
 * (and the supply of packet identifiers) allows. Connected only. */
void
mqtt_session_send_waiting (MqttSession *session, gint64 now)
{
  MqttOutgoing *og = &session->outgoing;
  Queued *queued;
  GList *l;

  for (l = og->requests.head; l; l = l->next)
    {
      OutRequest *req = l->data;

      if (!req->sent && mqtt_outgoing_take_packet_id (og, &req->r))
        mqtt_session_send_request (session, req, now);
    }

  /* Level 5: what was in flight before a reconnection: its PUBREL at
   * once, its PUBLISH as the broker's Receive Maximum allows. */
  for (l = og->inflight.head; is_v5 (session) && session->inflight_unsent > 0 && l;
       l = l->next)
    {
      OutMessage *waiting = l->data;

      if (waiting->sent_on != session->connection_serial &&
          (waiting->state == OUT_WAIT_PUBCOMP ||
           session->inflight_sent < session->terms.server_receive_max))
        mqtt_session_send_message (session, waiting, now);
    }

  while ((queued = mqtt_outgoing_peek_queued (og)))
    {
      MqttProperties *props = mqtt_queued_get_props (queued);
      gint64 queued_at = mqtt_queued_get_time (queued, now);
      gsize topic_length = strlen (queued->topic);
      gboolean retain = (queued->flags & QUEUED_RETAIN) != 0;
      const char *why = NULL;
      MqttError refusal = MQTT_ERROR_SUCCESS;
      OutMessage *message;

      if (is_v5 (session))
        {
          gsize remaining = mqtt_session_publish_remaining (session, topic_length, queued->length,
                                                            queued->qos, props);

          refusal = mqtt_terms_publish_refusal (&session->terms, queued->qos, retain, remaining,
                                                &why);
        }
      if (refusal || message_expired (props, queued_at, now))
        {
          if (refusal)
            mqtt_session_log (session, MQTT_LOG_WARNING, "Message %u dropped: %s", queued->mid,
                              why);
          mqtt_session_drop_queued (session, refusal ? refusal : MQTT_ERROR_EXPIRED);
          continue;
        }
      if (queued->qos == 0)
        {
          /* Queued while disconnected: reported published once written. */
          mqtt_session_send_publish (session, queued->topic, topic_length,
                                     mqtt_queued_get_data (queued), queued->length,
                                     mqtt_queued_get_parts (queued), queued->n_parts, 0, retain,
                                     FALSE, 0, props, queued_at, now);
          mqtt_outbuf_mark (session->out, queued->mid);
          mqtt_session_drop_queued (session, MQTT_ERROR_SUCCESS);
          continue;
        }
      if (!mqtt_session_window_open (session) || !mqtt_outgoing_has_packet_id (og))
        break;
      message = mqtt_outgoing_take_queued (og);
      mqtt_outgoing_take_packet_id (og, &message->r);
      mqtt_session_send_first (session, message, now);
    }
}

/* Room for a message of @length payload bytes: within max-queued-bytes
 * counting what is held and what waits to be written, unless nothing does
 * (a message larger than the limit alone goes, or it never could). */
gboolean
mqtt_session_bytes_have_room (MqttSession *session, gsize length, GError **error)
{
  gsize held = session->outgoing.held_bytes + mqtt_outbuf_get_length (session->out);

  if (session->config.max_queued_bytes > 0 && held > 0 &&
      held + length > session->config.max_queued_bytes)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_QUEUE_SIZE,
                   "The outgoing queue is full (%" G_GSIZE_FORMAT " bytes waiting, "
                   "max-queued-bytes %" G_GUINT64_FORMAT ")", held,
                   session->config.max_queued_bytes);
      return FALSE;
    }
  return TRUE;
}

static gboolean
queue_has_room (MqttSession *session, gsize length, GError **error)
{
  guint held = session->outgoing.n_records;

  if (session->config.max_queued > 0 && held >= session->config.max_queued)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_QUEUE_SIZE,
                   "The outgoing queue is full (%u messages, max-queued-messages)", held);
      return FALSE;
    }
  return mqtt_session_bytes_have_room (session, length, error);
}

/* Room for a message of @length bytes, with the drop-oldest policy by
 * dropping the oldest messages not sent yet (what the connection has taken
 * cannot be taken back), each reported. */
gboolean
mqtt_session_make_room (MqttSession *session, gsize length, GError **error)
{
  while (!queue_has_room (session, length, error))
    {
      if (session->config.queue_policy != MQTT_QUEUE_POLICY_DROP_OLDEST ||
          session->outgoing.queued.length == 0)
        return FALSE;
      g_clear_error (error);
      mqtt_session_drop_queued (session, MQTT_ERROR_QUEUE_SIZE);
    }
  return TRUE;
}
