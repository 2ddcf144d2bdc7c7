/* libFuzzer target for the session engine, driven by a broker that sends
 * anything, in any order, while the application publishes, subscribes and
 * time passes.
 *
 * The input is a script. The first byte sets the configuration (protocol
 * level 3, 4 or 5, clean session, window, queue limit, a small or large
 * maximum packet size); then each operation takes an opcode byte and its
 * operands: raw bytes from the broker, a well-formed broker packet with
 * fuzzed fields (acknowledgements for any packet id, SUBACKs, CONNACKs,
 * PUBLISH at any QoS, DUP or not; at level 5 with reason codes, the
 * broker's limits in CONNACK, topic aliases, DISCONNECT and AUTH), a
 * publication (at level 5 with a message expiry or a topic alias), a
 * subscription, time passing, the output written, the connection lost and
 * made again, a disconnection.
 * A protocol error from the session ends the connection, as the client
 * does, and the script goes on with a new one.
 *
 * Oracles, beyond the sanitizers:
 * - the session only ever writes valid client packets;
 * - every PUBLISHED, SUBSCRIBED, UNSUBSCRIBED or DROPPED event names an
 *   operation the application started, of the right kind, and each
 *   completes at most once;
 * - every failure comes with a GError;
 * - queued and in-flight counts stay within the configured limits, and at
 *   level 5 within the broker's Receive Maximum. */

#include "config.h"

#include <string.h>

#include "mqtt-error.h"
#include "mqtt-session-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define SEC G_GINT64_CONSTANT (1000000)

typedef struct {
  const guint8 *p;
  const guint8 *end;
} Script;

static gboolean
take (Script *s, guint8 *byte)
{
  if (s->p >= s->end)
    return FALSE;
  *byte = *s->p++;
  return TRUE;
}

static guint8
take_or (Script *s, guint8 fallback)
{
  guint8 byte = fallback;

  take (s, &byte);
  return byte;
}

typedef struct {
  MqttSession *session;
  MqttProtocolVersion level;
  gint64 now;
  GHashTable *pending;    /* mid -> GINT_TO_POINTER (kind): operations not yet completed */
  GHashTable *completed;  /* mid: operations completed once */
  MqttDecoder *written;   /* what the session wrote, as the broker reads it */
  guint max_inflight;
  guint max_queued;
  guint16 receive_max;    /* level 5: what the accepted CONNACK said; 0 before one */
} Run;

enum { OP_PUBLISH = 1, OP_SUBSCRIBE, OP_UNSUBSCRIBE };

static void
check_events (Run *r)
{
  g_autoptr(GArray) events = g_array_new (FALSE, TRUE, sizeof (MqttSessionEvent));
  guint i;

  g_array_set_clear_func (events, (GDestroyNotify) mqtt_session_event_clear);
  mqtt_session_take_events (r->session, events);
  for (i = 0; i < events->len; i++)
    {
      MqttSessionEvent *e = &g_array_index (events, MqttSessionEvent, i);
      gpointer key = GUINT_TO_POINTER (e->mid);
      int kind;

      switch (e->type)
        {
        case MQTT_SESSION_EVENT_PUBLISHED:
        case MQTT_SESSION_EVENT_SUBSCRIBED:
        case MQTT_SESSION_EVENT_UNSUBSCRIBED:
        case MQTT_SESSION_EVENT_DROPPED:
          g_assert (!g_hash_table_contains (r->completed, key));
          g_assert (g_hash_table_contains (r->pending, key));
          kind = GPOINTER_TO_INT (g_hash_table_lookup (r->pending, key));
          g_assert (e->type == MQTT_SESSION_EVENT_DROPPED ||
                    (e->type == MQTT_SESSION_EVENT_PUBLISHED && kind == OP_PUBLISH) ||
                    (e->type == MQTT_SESSION_EVENT_SUBSCRIBED && kind == OP_SUBSCRIBE) ||
                    (e->type == MQTT_SESSION_EVENT_UNSUBSCRIBED && kind == OP_UNSUBSCRIBE));
          g_hash_table_remove (r->pending, key);
          g_hash_table_add (r->completed, key);
          break;
        case MQTT_SESSION_EVENT_MESSAGE:
          g_assert (e->message != NULL);
          break;
        case MQTT_SESSION_EVENT_CONNACK:
          /* What the broker allows from now on: what the accepted CONNACK
           * says, whether it came whole or in raw bytes. */
          if (r->level == MQTT_PROTOCOL_V5 && e->code == 0)
            {
              r->receive_max = G_MAXUINT16;
              if (e->props)
                mqtt_properties_get_receive_maximum (e->props, &r->receive_max);
            }
          break;
        case MQTT_SESSION_EVENT_LOG:
          break;
        case MQTT_SESSION_EVENT_RESUBSCRIBED:
          /* A new subscription, to be completed like the others. */
          g_assert (!g_hash_table_contains (r->pending, key));
          g_hash_table_insert (r->pending, key, GINT_TO_POINTER (OP_SUBSCRIBE));
          break;
        case MQTT_SESSION_EVENT_DISCONNECT:
        case MQTT_SESSION_EVENT_AUTH:
          g_assert (r->level == MQTT_PROTOCOL_V5);
          break;
        }
    }
}

/* The broker reads what the session wrote: valid client packets only. */
static void
flush (Run *r, gsize limit)
{
  MqttOutbuf *out = mqtt_session_get_output (r->session);
  GOutputVector vectors[16];
  gsize total = 0;
  guint n, i;

  n = mqtt_outbuf_get_vectors (out, vectors, G_N_ELEMENTS (vectors));
  for (i = 0; i < n && total < limit; i++)
    {
      gsize chunk = MIN (vectors[i].size, limit - total);

      mqtt_decoder_feed (r->written, vectors[i].buffer, chunk);
      total += chunk;
    }
  mqtt_session_written (r->session, total);
  for (;;)
    {
      g_auto(MqttPacket) packet = { 0 };
      g_autoptr(GError) error = NULL;
      MqttDecodeStatus status = mqtt_decoder_next (r->written, &packet, &error);

      if (status == MQTT_DECODE_ERROR)
        g_error ("the session wrote an invalid packet: %s", error->message);
      if (status != MQTT_DECODE_PACKET)
        break;
      switch (packet.type)
        {
        case MQTT_PACKET_CONNECT:
        case MQTT_PACKET_PUBLISH:
        case MQTT_PACKET_PUBACK:
        case MQTT_PACKET_PUBREC:
        case MQTT_PACKET_PUBREL:
        case MQTT_PACKET_PUBCOMP:
        case MQTT_PACKET_SUBSCRIBE:
        case MQTT_PACKET_UNSUBSCRIBE:
        case MQTT_PACKET_PINGREQ:
        case MQTT_PACKET_DISCONNECT:
        case MQTT_PACKET_AUTH:
          break;
        case MQTT_PACKET_CONNACK:
        case MQTT_PACKET_SUBACK:
        case MQTT_PACKET_UNSUBACK:
        case MQTT_PACKET_PINGRESP:
        default:
          g_error ("the session wrote %s", mqtt_packet_type_name (packet.type));
        }
    }
  check_events (r);
}

static void
check_limits (Run *r)
{
  if (r->max_inflight)
    g_assert (mqtt_session_get_inflight_count (r->session) <= r->max_inflight);
  if (r->max_queued)
    g_assert (mqtt_session_get_queued_count (r->session) <= r->max_queued);
  if (r->receive_max && mqtt_session_get_state (r->session) == MQTT_SESSION_CONNECTED)
    g_assert (mqtt_session_get_inflight_sent (r->session) <= r->receive_max);
}

/* A new connection, as the client makes one after a loss. */
static void
reconnect (Run *r)
{
  mqtt_session_connection_lost (r->session, TRUE);
  mqtt_decoder_free (r->written);
  r->written = mqtt_decoder_new (r->level, MQTT_MAX_PACKET_SIZE);
  r->receive_max = 0;
  mqtt_session_connection_made (r->session, r->now);
  check_events (r);
}

static void
from_broker (Run *r, const guint8 *bytes, gsize length)
{
  g_autoptr(GError) error = NULL;

  while (length > 0)
    {
      gsize space;
      guint8 *p = mqtt_session_get_read_buffer (r->session, length, &space);
      gsize n = MIN (space, length);

      memcpy (p, bytes, n);
      if (!mqtt_session_commit_read (r->session, n, r->now, &error))
        {
          /* Every failure is reported, none is silent. */
          g_assert (error != NULL);
          reconnect (r);
          return;
        }
      g_assert (error == NULL);
      bytes += n;
      length -= n;
    }
  check_events (r);
}

/* Level 5: the broker's limits in a CONNACK, from two script bytes. */
static MqttProperties *
connack_properties (guint8 a, guint8 b)
{
  MqttProperties *props = mqtt_properties_new ();

  if (a & 0x40)
    mqtt_properties_set_receive_maximum (props, 1 + (b & 3));
  if (a & 0x20)
    mqtt_properties_set_maximum_qos (props, (b >> 2) & 1);
  if (a & 0x10)
    mqtt_properties_set_retain_available (props, (b >> 3) & 1);
  if (a & 0x08)
    mqtt_properties_set_topic_alias_maximum (props, (b >> 4) & 3);
  if (a & 0x04)
    mqtt_properties_set_maximum_packet_size (props, 16 + (b >> 6) * 16);
  if (b & 0x80)
    mqtt_properties_set_server_keep_alive (props, b & 0x0f);
  return props;
}

/* Level 5: a reason code the packet may carry, from a script byte. */
static guint8
reason_code (MqttPacketType type, guint8 a)
{
  guint i, n = 0;

  for (i = 0; i < 256; i++)
    if (mqtt_packet_reason_code_valid (type, i) && n++ == a % 8)
      return i;
  return 0;
}

static void
broker_packet (Run *r, Script *s)
{
  static const MqttPacketType types[] = {
    MQTT_PACKET_CONNACK, MQTT_PACKET_PUBLISH, MQTT_PACKET_PUBACK, MQTT_PACKET_PUBREC,
    MQTT_PACKET_PUBREL, MQTT_PACKET_PUBCOMP, MQTT_PACKET_SUBACK, MQTT_PACKET_UNSUBACK,
    MQTT_PACKET_PINGRESP, MQTT_PACKET_DISCONNECT, MQTT_PACKET_AUTH,
  };
  const guint n_types = r->level == MQTT_PROTOCOL_V5 ? G_N_ELEMENTS (types)
                                                     : G_N_ELEMENTS (types) - 2;
  g_auto(MqttPacket) packet = { 0 };
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  guint8 kind = take_or (s, 0), a = take_or (s, 0), b = take_or (s, 1);
  guint8 codes[4];
  guint i;

  packet.type = types[kind % n_types];
  /* Small ids mostly, so that they meet the session's. */
  packet.packet_id = (a & 0x80) ? (guint16) (a << 8 | b) : b;
  if (packet.type == MQTT_PACKET_CONNACK && r->level == MQTT_PROTOCOL_V5)
    {
      packet.connack.return_code = (a & 0x80) ? reason_code (MQTT_PACKET_CONNACK, a) : 0;
      packet.connack.session_present = (b & 1) && packet.connack.return_code == 0;
      packet.props = connack_properties (a, b);
    }
  else if (packet.type == MQTT_PACKET_CONNACK)
    {
      packet.connack.return_code = a % 7;
      packet.connack.session_present = (b & 1) && packet.connack.return_code == 0;
    }
  else if (packet.type == MQTT_PACKET_PUBLISH)
    {
      packet.publish.qos = (kind >> 4) % 3;
      packet.publish.dup = packet.publish.qos > 0 && (kind & 0x80);
      packet.publish.retain = (kind >> 6) & 1;
      packet.publish.topic = g_strdup ((a & 1) ? "a/b" : "t");
      packet.publish.payload = g_bytes_new (s->p, MIN ((gsize) (a >> 4), (gsize) (s->end - s->p)));
      /* Level 5: a topic alias, 1 to 3 (the client allows 2), with the topic
       * or instead of it. */
      if (r->level == MQTT_PROTOCOL_V5 && (a & 2))
        {
          packet.props = mqtt_properties_new ();
          mqtt_properties_set_topic_alias (packet.props, 1 + (b & 3) % 3);
          if (b & 4)
            packet.publish.topic[0] = '\0';
          if (b & 8)
            mqtt_properties_add_subscription_identifier (packet.props, 1 + (b >> 4));
        }
    }
  else if (r->level == MQTT_PROTOCOL_V5 && packet.type != MQTT_PACKET_PINGRESP)
    {
      /* Acknowledgements, DISCONNECT and AUTH with a reason code, some with a
       * reason string. */
      packet.reason_code = reason_code (packet.type, a >> 3);
      if (b & 0x80)
        {
          packet.props = mqtt_properties_new ();
          mqtt_properties_set_reason_string (packet.props, "fuzz");
        }
      if (packet.type == MQTT_PACKET_UNSUBACK)
        {
          packet.suback.n_return_codes = 1 + (a >> 6);
          packet.suback.return_codes = g_malloc (packet.suback.n_return_codes);
          for (i = 0; i < packet.suback.n_return_codes; i++)
            packet.suback.return_codes[i] = reason_code (MQTT_PACKET_UNSUBACK, kind >> (2 * i));
        }
    }
  else if (packet.type == MQTT_PACKET_SUBACK)
    {
      /* 1 to 4 codes, each 0, 1, 2 or 0x80 (at level 5 any reason code). */
      packet.suback.n_return_codes = 1 + (a >> 6);
      for (i = 0; i < packet.suback.n_return_codes; i++)
        {
          guint8 code = (kind >> (2 * i)) & 3;

          codes[i] = r->level == MQTT_PROTOCOL_V5 ? reason_code (MQTT_PACKET_SUBACK, b >> i)
                     : code == 3                  ? 0x80
                                                  : code;
        }
      packet.suback.return_codes = g_memdup2 (codes, packet.suback.n_return_codes);
    }
  /* Packet id 0 is the raw bytes' business. */
  if (packet.packet_id == 0)
    packet.packet_id = 1;
  if (!mqtt_packet_encode (&packet, r->level, bytes, NULL))
    return;
  from_broker (r, bytes->data, bytes->len);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static const char *const filters[] = { "t", "a/+", "#", "a/b" };
  Script s = { data, data + size };
  MqttSessionConfig config;
  guint8 first, op;
  Run r = { 0 };

  if (!take (&s, &first))
    return 0;
  r.session = mqtt_session_new ();
  r.level = (first & 1)    ? MQTT_PROTOCOL_V31
            : (first & 0x80) ? MQTT_PROTOCOL_V5
                             : MQTT_PROTOCOL_V311;
  r.now = 1000 * SEC;
  r.pending = g_hash_table_new (NULL, NULL);
  r.completed = g_hash_table_new (NULL, NULL);
  r.written = mqtt_decoder_new (r.level, MQTT_MAX_PACKET_SIZE);
  mqtt_session_config_init (&config);
  config.protocol = r.level;
  g_free (config.client_id);
  config.client_id = g_strdup ("fuzz");
  config.clean_session = (first >> 1) & 1;
  config.keepalive = 10;
  config.max_inflight = r.max_inflight = (first >> 2) & 3;
  config.max_queued = r.max_queued = ((first >> 4) & 1) ? 3 : 0;
  config.retry_interval = ((first >> 5) & 1) ? 1 : 0;
  config.max_packet_size = ((first >> 6) & 1) ? 32 : MQTT_MAX_PACKET_SIZE;
  /* Bits already spent, reused: a queue's policy where it is bounded,
   * and when to subscribe again. */
  config.queue_policy = config.max_queued ? (first >> 2) % 3 : MQTT_QUEUE_POLICY_REFUSE;
  config.resubscribe = ((first >> 1) & 3) % 3;
  if (r.level == MQTT_PROTOCOL_V5)
    {
      /* Two aliases and three QoS 2 messages at once from the broker; a
       * session that outlives the connection when it is not clean. */
      config.connect_props = mqtt_properties_new ();
      mqtt_properties_set_topic_alias_maximum (config.connect_props, 2);
      mqtt_properties_set_receive_maximum (config.connect_props, 3);
      if (!config.clean_session)
        mqtt_properties_set_session_expiry_interval (config.connect_props, 60);
      config.topic_alias_out = 1;
    }
  mqtt_session_configure (r.session, &config);
  mqtt_session_config_clear (&config);
  mqtt_session_connection_made (r.session, r.now);

  while (take (&s, &op))
    {
      g_autoptr(GError) error = NULL;
      guint8 arg = take_or (&s, 0);
      guint mid = 0;

      switch (op % 10)
        {
        case 0: /* raw bytes from the broker */
          {
            gsize n = MIN ((gsize) arg, (gsize) (s.end - s.p));

            from_broker (&r, s.p, n);
            s.p += n;
          }
          break;
        case 1:
        case 2: /* a well-formed broker packet */
          s.p--;
          broker_packet (&r, &s);
          break;
        case 3: /* publish, at level 5 with a message expiry or a topic alias */
          {
            g_autoptr(MqttProperties) props = NULL;
            guint8 extra = take_or (&s, 0);

            if (r.level == MQTT_PROTOCOL_V5 && (extra & 3))
              {
                props = mqtt_properties_new ();
                if (extra & 1)
                  mqtt_properties_set_message_expiry_interval (props, extra >> 4);
                if (extra & 2)
                  mqtt_properties_set_topic_alias (props, 1 + ((extra >> 2) & 3));
              }
          if (mqtt_session_publish (r.session, (arg & 1) ? "a/b" : "t",
                                    s.p, MIN ((gsize) (arg >> 2), (gsize) (s.end - s.p)), NULL,
                                    (arg >> 1) % 3, (extra >> 3) & 1, props, r.now, &mid,
                                    &error))
            {
              g_assert (mid != 0 && !g_hash_table_contains (r.pending, GUINT_TO_POINTER (mid)));
              g_hash_table_insert (r.pending, GUINT_TO_POINTER (mid), GINT_TO_POINTER (OP_PUBLISH));
            }
          else
            g_assert (error != NULL);
          }
          break;
        case 4: /* subscribe or unsubscribe */
          {
            MqttTopicRequest topics[2] = {
              { (char *) filters[arg & 3], (arg >> 2) % 3 },
              { (char *) filters[(arg >> 4) & 3], (arg >> 6) % 3 },
            };
            gboolean subscribe = !(arg & 0x80);
            gboolean ok = subscribe
              ? mqtt_session_subscribe (r.session, topics, 1 + ((arg >> 3) & 1), NULL, r.now, &mid,
                                        &error)
              : mqtt_session_unsubscribe (r.session, topics, 1 + ((arg >> 3) & 1), NULL, r.now, &mid,
                                          &error);

            if (ok)
              g_hash_table_insert (r.pending, GUINT_TO_POINTER (mid),
                                   GINT_TO_POINTER (subscribe ? OP_SUBSCRIBE : OP_UNSUBSCRIBE));
            else
              g_assert (error != NULL);
          }
          break;
        case 5: /* time passes */
          r.now += (gint64) arg * SEC / 10;
          if (!mqtt_session_tick (r.session, r.now, &error))
            {
              g_assert (error != NULL);
              reconnect (&r);
            }
          check_events (&r);
          break;
        case 6: /* the output is written, or part of it */
          flush (&r, arg ? (gsize) arg * 16 : G_MAXSIZE);
          break;
        case 7: /* the connection is lost, then made again */
          reconnect (&r);
          break;
        case 8: /* the application disconnects, then connects again */
          mqtt_session_send_disconnect (r.session, r.level == MQTT_PROTOCOL_V5 ? arg & 4 : 0, NULL,
                                        r.now);
          flush (&r, G_MAXSIZE);
          reconnect (&r);
          break;
        case 9: /* the write side catches up completely */
          flush (&r, G_MAXSIZE);
          break;
        }
      check_limits (&r);
    }

  flush (&r, G_MAXSIZE);
  mqtt_session_free (r.session);
  mqtt_decoder_free (r.written);
  g_hash_table_unref (r.pending);
  g_hash_table_unref (r.completed);
  return 0;
}
