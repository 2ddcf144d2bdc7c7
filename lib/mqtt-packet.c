/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The MQTT codec, levels 3 to 5. References are to the MQTT 3.1.1 OASIS
 * standard, and to MQTT 5.0 where level 5 differs; MQTT 3.1 (protocol
 * level 3, name "MQIsdp") differs from 3.1.1 only in the protocol name and
 * in the CONNACK flags byte, which it reserves. Level 5 adds reason codes,
 * properties (mqtt-properties-private.h writes and reads their blocks),
 * subscription options and the AUTH packet.
 */

#include "config.h"

#include <string.h>

#include "mqtt-error.h"
#include "mqtt-packet-private.h"
#include "mqtt-properties-private.h"
#include "mqtt-topic-private.h"

/* Fixed-header flags every packet type but PUBLISH must carry [MQTT-2.2.2-1]. */
#define FLAGS_PUBREL_SUBSCRIBE_UNSUBSCRIBE 0x2

#define CONNECT_FLAG_RESERVED      0x01
#define CONNECT_FLAG_CLEAN_SESSION 0x02
#define CONNECT_FLAG_WILL          0x04
#define CONNECT_FLAG_WILL_QOS_MASK 0x18
#define CONNECT_FLAG_WILL_RETAIN   0x20
#define CONNECT_FLAG_PASSWORD      0x40
#define CONNECT_FLAG_USERNAME      0x80

#define SUBACK_FAILURE 0x80

/* The size of the decoder's input buffer, and the size above which an
 * emptied buffer is given back. */
#define DECODER_MIN_ALLOC 4096
#define DECODER_KEEP_ALLOC (1024 * 1024)
/* A PUBLISH payload at least this large, and at least a quarter of the
 * decoder's buffer, is not copied out of it: the payload references the
 * buffer, which a message thus keeps alive at no more than 4 times its own
 * size. Smaller ones are cheaper copied. */
#define DECODER_SLICE_MIN (16 * 1024)

const char *
mqtt_packet_type_name (MqttPacketType type)
{
  static const char *const names[] = {
    NULL, "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
    "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT",
    "AUTH",
  };

  if (type >= MQTT_PACKET_CONNECT && type <= MQTT_PACKET_AUTH)
    return names[type];
  return "RESERVED";
}

void
mqtt_packet_clear (MqttPacket *packet)
{
  guint i;

  g_clear_pointer (&packet->props, mqtt_properties_unref);
  switch (packet->type)
    {
    case MQTT_PACKET_CONNECT:
      g_clear_pointer (&packet->connect.will_props, mqtt_properties_unref);
      g_free (packet->connect.client_id);
      g_free (packet->connect.will_topic);
      g_clear_pointer (&packet->connect.will_payload, g_bytes_unref);
      g_free (packet->connect.username);
      g_clear_pointer (&packet->connect.password, g_bytes_unref);
      break;
    case MQTT_PACKET_PUBLISH:
      g_free (packet->publish.topic);
      g_clear_pointer (&packet->publish.payload, g_bytes_unref);
      break;
    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_UNSUBSCRIBE:
      for (i = 0; i < packet->subscribe.n_topics; i++)
        g_free (packet->subscribe.topics[i].filter);
      g_free (packet->subscribe.topics);
      break;
    case MQTT_PACKET_SUBACK:
    case MQTT_PACKET_UNSUBACK:
      g_free (packet->suback.return_codes);
      break;
    case MQTT_PACKET_CONNACK:
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_AUTH:
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    case MQTT_PACKET_DISCONNECT:
    default:
      break;
    }
  memset (packet, 0, sizeof *packet);
}

/* ------------------------------------------------------------------------ */
/* Encoding */

static guint8 *
append (GByteArray *out, gsize n)
{
  guint old = out->len;

  g_byte_array_set_size (out, old + n);
  return out->data + old;
}

static guint8 *
put_string (guint8 *p, const char *s)
{
  return mqtt_wire_put_field (p, s, strlen (s));
}

static guint8 *
put_gbytes (guint8 *p, GBytes *bytes)
{
  gsize length = 0;
  const void *data = bytes ? g_bytes_get_data (bytes, &length) : NULL;

  return mqtt_wire_put_field (p, data, length);
}

/* Appends the fixed header and room for @reserve bytes of the rest;
 * @remaining has been checked against the maximum. Returns where the rest
 * goes. */
static guint8 *
put_header_reserve (GByteArray *out, guint8 first_byte, gsize remaining, gsize reserve)
{
  guint8 *p = append (out, 1 + mqtt_wire_varint_size (remaining) + reserve);

  *p++ = first_byte;
  return mqtt_wire_put_varint (p, remaining);
}

/* The fixed header and room for the whole rest. */
static guint8 *
put_fixed_header (GByteArray *out, guint8 first_byte, gsize remaining)
{
  return put_header_reserve (out, first_byte, remaining, remaining);
}

/* Adds the size of a length-prefixed field to *total, checking its length. */
static gboolean
add_field (gsize *total, gsize length, const char *what, GError **error)
{
  if (length > G_MAXUINT16)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "The %s is %" G_GSIZE_FORMAT " bytes long; MQTT allows at most 65535", what,
                   length);
      return FALSE;
    }
  *total += 2 + length;
  return TRUE;
}

/* Adds the size of a property block to *total: at level 5 only, where a
 * packet without properties still has their (zero) length. */
static gboolean
add_properties (gsize *total, MqttProtocolVersion level, MqttProperties *props,
                GError **error)
{
  gsize size;

  if (level < MQTT_PROTOCOL_V5)
    return TRUE;
  size = mqtt_properties_encoded_size (props, error);
  *total += size;
  return size > 0;
}

static guint8 *
put_properties (guint8 *p, MqttProtocolVersion level, MqttProperties *props)
{
  return level < MQTT_PROTOCOL_V5 ? p : mqtt_properties_write (props, p);
}

static gsize
gbytes_size (GBytes *bytes)
{
  return bytes ? g_bytes_get_size (bytes) : 0;
}

static gboolean
check_remaining (gsize remaining, GError **error)
{
  if (remaining > MQTT_MAX_REMAINING_LENGTH)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE,
                   "The packet would be %" G_GSIZE_FORMAT " bytes long; MQTT allows at most %u",
                   remaining, MQTT_MAX_REMAINING_LENGTH);
      return FALSE;
    }
  return TRUE;
}

static gboolean
encode_connect (const MqttPacket *packet, MqttProtocolVersion level, GByteArray *out,
                GError **error)
{
  const char *name = level == MQTT_PROTOCOL_V31 ? "MQIsdp" : "MQTT";
  const char *client_id = packet->connect.client_id ? packet->connect.client_id : "";
  gsize remaining = 2 + strlen (name) + 1 + 1 + 2;
  guint8 flags = 0;
  guint8 *p;

  if (!add_properties (&remaining, level, packet->props, error) ||
      !add_field (&remaining, strlen (client_id), "client identifier", error))
    return FALSE;
  if (packet->connect.will)
    {
      if (!add_properties (&remaining, level, packet->connect.will_props, error) ||
          !add_field (&remaining, strlen (packet->connect.will_topic), "will topic", error) ||
          !add_field (&remaining, gbytes_size (packet->connect.will_payload), "will payload",
                      error))
        return FALSE;
      flags |= CONNECT_FLAG_WILL | (packet->connect.will_qos << 3);
      if (packet->connect.will_retain)
        flags |= CONNECT_FLAG_WILL_RETAIN;
    }
  if (packet->connect.username)
    {
      if (!add_field (&remaining, strlen (packet->connect.username), "user name", error))
        return FALSE;
      flags |= CONNECT_FLAG_USERNAME;
    }
  if (packet->connect.password)
    {
      if (!add_field (&remaining, gbytes_size (packet->connect.password), "password", error))
        return FALSE;
      flags |= CONNECT_FLAG_PASSWORD;
    }
  if (packet->connect.clean_session)
    flags |= CONNECT_FLAG_CLEAN_SESSION;
  if (!check_remaining (remaining, error))
    return FALSE;

  p = put_fixed_header (out, MQTT_PACKET_CONNECT << 4, remaining);
  p = put_string (p, name);
  *p++ = level;
  *p++ = flags;
  p = mqtt_wire_put_u16 (p, packet->connect.keepalive);
  p = put_properties (p, level, packet->props);
  p = put_string (p, client_id);
  if (packet->connect.will)
    {
      p = put_properties (p, level, packet->connect.will_props);
      p = put_string (p, packet->connect.will_topic);
      p = put_gbytes (p, packet->connect.will_payload);
    }
  if (packet->connect.username)
    p = put_string (p, packet->connect.username);
  if (packet->connect.password)
    p = put_gbytes (p, packet->connect.password);
  g_assert (p == out->data + out->len);
  return TRUE;
}

gboolean
mqtt_packet_encode_publish_head (GByteArray *out, MqttProtocolVersion level,
                                 MqttProperties *props, const char *topic, gsize topic_length,
                                 guint8 qos, gboolean retain, gboolean dup, guint16 packet_id,
                                 gsize payload_length, GError **error)
{
  gsize remaining = payload_length + (qos > 0 ? 2 : 0);
  guint8 *p;

  if (!add_field (&remaining, topic_length, "topic", error) ||
      !add_properties (&remaining, level, props, error) || !check_remaining (remaining, error))
    return FALSE;

  /* The payload is the caller's to append. */
  p = put_header_reserve (out,
                          MQTT_PACKET_PUBLISH << 4 | (dup ? 0x08 : 0) | (qos << 1) |
                            (retain ? 1 : 0),
                          remaining, remaining - payload_length);
  p = mqtt_wire_put_field (p, topic, topic_length);
  if (qos > 0)
    p = mqtt_wire_put_u16 (p, packet_id);
  put_properties (p, level, props);
  return TRUE;
}

void
mqtt_packet_encode_ack (GByteArray *out, MqttPacketType type, guint16 packet_id)
{
  guint8 *p;

  switch (type)
    {
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_UNSUBACK:
    case MQTT_PACKET_PUBREL:
      p = append (out, 4);
      p[0] = type << 4 | (type == MQTT_PACKET_PUBREL ? FLAGS_PUBREL_SUBSCRIBE_UNSUBSCRIBE : 0);
      p[1] = 2;
      mqtt_wire_put_u16 (p + 2, packet_id);
      break;
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    case MQTT_PACKET_DISCONNECT:
    case MQTT_PACKET_AUTH:
      p = append (out, 2);
      p[0] = type << 4;
      p[1] = 0;
      break;
    case MQTT_PACKET_CONNECT:
    case MQTT_PACKET_CONNACK:
    case MQTT_PACKET_PUBLISH:
    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_SUBACK:
    case MQTT_PACKET_UNSUBSCRIBE:
    default:
      g_assert_not_reached ();
    }
}

/* PUBACK, PUBREC, PUBREL and PUBCOMP (with their packet identifier),
 * DISCONNECT and AUTH: at level 5 a reason code and properties, left out
 * from the end while they are the default (success, none) [MQTT-3.4.2.1]. */
static gboolean
encode_reason (const MqttPacket *packet, MqttProtocolVersion level, GByteArray *out,
               GError **error)
{
  gboolean has_id = packet->type >= MQTT_PACKET_PUBACK && packet->type <= MQTT_PACKET_PUBCOMP;
  gsize remaining = has_id ? 2 : 0, props_size = 0;
  guint8 *p;

  if (packet->type == MQTT_PACKET_AUTH && level < MQTT_PROTOCOL_V5)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "AUTH exists in MQTT 5 only");
      return FALSE;
    }
  if (level >= MQTT_PROTOCOL_V5 && (packet->reason_code != 0 || packet->props != NULL))
    {
      if (packet->props != NULL &&
          (props_size = mqtt_properties_encoded_size (packet->props, error)) == 0)
        return FALSE;
      remaining += 1 + props_size;
    }

  p = put_fixed_header (out,
                        packet->type << 4 |
                          (packet->type == MQTT_PACKET_PUBREL ? FLAGS_PUBREL_SUBSCRIBE_UNSUBSCRIBE
                                                              : 0),
                        remaining);
  if (has_id)
    p = mqtt_wire_put_u16 (p, packet->packet_id);
  if (remaining > (has_id ? 2u : 0u))
    {
      *p++ = packet->reason_code;
      if (packet->props != NULL)
        mqtt_properties_write (packet->props, p);
    }
  return TRUE;
}

/* SUBSCRIBE and UNSUBSCRIBE. */
static gboolean
encode_subscribe (const MqttPacket *packet, MqttProtocolVersion level, GByteArray *out,
                  GError **error)
{
  gboolean is_subscribe = packet->type == MQTT_PACKET_SUBSCRIBE;
  gsize remaining = 2;
  guint8 *p;
  guint i;

  if (!add_properties (&remaining, level, packet->props, error))
    return FALSE;
  for (i = 0; i < packet->subscribe.n_topics; i++)
    {
      if (!add_field (&remaining, strlen (packet->subscribe.topics[i].filter), "topic filter",
                      error))
        return FALSE;
      if (is_subscribe)
        remaining++;
    }
  if (!check_remaining (remaining, error))
    return FALSE;
  p = put_fixed_header (out, packet->type << 4 | FLAGS_PUBREL_SUBSCRIBE_UNSUBSCRIBE, remaining);
  p = mqtt_wire_put_u16 (p, packet->packet_id);
  p = put_properties (p, level, packet->props);
  for (i = 0; i < packet->subscribe.n_topics; i++)
    {
      const MqttTopicRequest *request = &packet->subscribe.topics[i];

      p = put_string (p, request->filter);
      if (is_subscribe)
        *p++ = request->qos | (level >= MQTT_PROTOCOL_V5 ? request->options : 0);
    }
  return TRUE;
}

/* SUBACK, and UNSUBACK at level 5: a packet identifier and a code for each
 * filter. */
static gboolean
encode_suback (const MqttPacket *packet, MqttProtocolVersion level, GByteArray *out,
               GError **error)
{
  gsize remaining = 2 + packet->suback.n_return_codes;
  guint8 *p;

  if (!add_properties (&remaining, level, packet->props, error) ||
      !check_remaining (remaining, error))
    return FALSE;
  p = put_fixed_header (out, packet->type << 4, remaining);
  p = mqtt_wire_put_u16 (p, packet->packet_id);
  p = put_properties (p, level, packet->props);
  if (packet->suback.n_return_codes > 0)
    memcpy (p, packet->suback.return_codes, packet->suback.n_return_codes);
  return TRUE;
}

gboolean
mqtt_packet_encode (const MqttPacket *packet, MqttProtocolVersion level, GByteArray *out,
                    GError **error)
{
  gsize remaining, length;
  guint8 *p;

  switch (packet->type)
    {
    case MQTT_PACKET_CONNECT:
      return encode_connect (packet, level, out, error);

    case MQTT_PACKET_CONNACK:
      {
        /* A return code of 3.1.1 (1 to 127) is the answer of a broker that
         * does not speak MQTT 5: in its form, without properties. */
        MqttProtocolVersion form = level >= MQTT_PROTOCOL_V5 &&
                                       packet->connack.return_code > 0 &&
                                       packet->connack.return_code < 0x80
                                     ? MQTT_PROTOCOL_V311
                                     : level;

        remaining = 2;
        if (!add_properties (&remaining, form, packet->props, error))
          return FALSE;
        p = put_fixed_header (out, MQTT_PACKET_CONNACK << 4, remaining);
        *p++ = level >= MQTT_PROTOCOL_V311 && packet->connack.session_present ? 1 : 0;
        *p++ = packet->connack.return_code;
        put_properties (p, form, packet->props);
        return TRUE;
      }

    case MQTT_PACKET_PUBLISH:
      {
        gconstpointer data = NULL;

        length = 0;
        if (packet->publish.payload)
          data = g_bytes_get_data (packet->publish.payload, &length);
        if (!mqtt_packet_encode_publish_head (out, level, packet->props, packet->publish.topic,
                                              strlen (packet->publish.topic),
                                              packet->publish.qos, packet->publish.retain,
                                              packet->publish.dup, packet->packet_id, length,
                                              error))
          return FALSE;
        if (length > 0)
          g_byte_array_append (out, data, length);
        return TRUE;
      }

    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_UNSUBSCRIBE:
      return encode_subscribe (packet, level, out, error);

    case MQTT_PACKET_UNSUBACK:
      if (level < MQTT_PROTOCOL_V5)
        {
          mqtt_packet_encode_ack (out, packet->type, packet->packet_id);
          return TRUE;
        }
      return encode_suback (packet, level, out, error);

    case MQTT_PACKET_SUBACK:
      return encode_suback (packet, level, out, error);

    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_DISCONNECT:
    case MQTT_PACKET_AUTH:
      return encode_reason (packet, level, out, error);

    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
      mqtt_packet_encode_ack (out, packet->type, 0);
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------------ */
/* Decoding */

typedef struct {
  const guint8 *p;
  const guint8 *end;
  MqttProtocolVersion level;
  /* Where a large payload may be referenced instead of copied: @buffer of
   * @allocated bytes, given to *@owner (created on the first slice) if no
   * one owns it yet. NULL buffer: always copy. */
  guint8 *buffer;
  gsize allocated;
  GBytes **owner;
} Reader;

#define fail(error, code, ...) \
  (g_set_error ((error), MQTT_PACKET_ERROR, (code), __VA_ARGS__), FALSE)

static gboolean
read_u8 (Reader *r, guint8 *v, const char *what, GError **error)
{
  if (r->end - r->p < 1)
    return fail (error, MQTT_PACKET_ERROR_LENGTH, "Packet ends before its %s", what);
  *v = *r->p++;
  return TRUE;
}

static gboolean
read_u16 (Reader *r, guint16 *v, const char *what, GError **error)
{
  if (r->end - r->p < 2)
    return fail (error, MQTT_PACKET_ERROR_LENGTH, "Packet ends before its %s", what);
  *v = (r->p[0] << 8) | r->p[1];
  r->p += 2;
  return TRUE;
}

/* A 2-byte length and that many bytes, not copied. */
static gboolean
read_field (Reader *r, const guint8 **data, gsize *length, const char *what, GError **error)
{
  return mqtt_wire_read_field (&r->p, r->end, data, length, what, error);
}

static gboolean
read_string (Reader *r, char **out, const char *what, GError **error)
{
  return mqtt_wire_read_string (&r->p, r->end, out, what, error);
}

static gboolean
read_topic (Reader *r, char **out, gboolean is_filter, GError **error)
{
  const char *what = is_filter ? "topic filter" : "topic name";
  const guint8 *data;
  gsize length;
  MqttTopicCheck check;

  if (!read_field (r, &data, &length, what, error))
    return FALSE;
  check = mqtt_topic_check ((const char *) data, length, is_filter);
  if (check == MQTT_TOPIC_BAD_UTF8)
    return fail (error, MQTT_PACKET_ERROR_UTF8, "The %s is %s", what,
                 mqtt_topic_check_describe (check));
  if (check != MQTT_TOPIC_OK)
    return fail (error, MQTT_PACKET_ERROR_TOPIC, "The %s is %s", what,
                 mqtt_topic_check_describe (check));
  *out = g_strndup ((const char *) data, length);
  return TRUE;
}

static GBytes *
read_rest (Reader *r)
{
  gsize size = r->end - r->p;
  GBytes *bytes;

  if (r->buffer != NULL && size >= DECODER_SLICE_MIN && size >= r->allocated / 4)
    {
      if (*r->owner == NULL)
        *r->owner = g_bytes_new_take (r->buffer, r->allocated);
      bytes = g_bytes_new_from_bytes (*r->owner, r->p - r->buffer, size);
    }
  else
    bytes = g_bytes_new (r->p, size);

  r->p = r->end;
  return bytes;
}

static gboolean
read_gbytes (Reader *r, GBytes **out, const char *what, GError **error)
{
  const guint8 *data;
  gsize length;

  if (!read_field (r, &data, &length, what, error))
    return FALSE;
  *out = g_bytes_new (data, length);
  return TRUE;
}

static gboolean
read_packet_id (Reader *r, MqttPacket *packet, GError **error)
{
  if (!read_u16 (r, &packet->packet_id, "packet identifier", error))
    return FALSE;
  if (packet->packet_id == 0)
    return fail (error, MQTT_PACKET_ERROR_PACKET_ID, "%s with packet identifier 0",
                 mqtt_packet_type_name (packet->type));
  return TRUE;
}

/* At level 5, the packet's property block; nothing below. */
static gboolean
read_properties (Reader *r, guint context, MqttProperties **props, GError **error)
{
  if (r->level < MQTT_PROTOCOL_V5)
    return TRUE;
  /* Several Subscription Identifiers are allowed in any PUBLISH: the
   * decoder does not know which way a packet goes, and a client never
   * receives one with them from another client. */
  return mqtt_properties_read (&r->p, r->end, context, TRUE, props, error);
}

/* The reason codes each packet may carry (MQTT 5, sections 3.2 to 3.15),
 * and the CONNACK return codes of MQTT 3.1.1 (0 to 5). */
static const guint8 connack_codes[] = {
  0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
};
static const guint8 puback_codes[] = { 0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99 };
static const guint8 pubrel_codes[] = { 0x00, 0x92 };
static const guint8 suback_codes[] = {
  0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2,
};
static const guint8 unsuback_codes[] = { 0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91 };
static const guint8 disconnect_codes[] = {
  0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
  0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
};
static const guint8 auth_codes[] = { 0x00, 0x18, 0x19 };

gboolean
mqtt_packet_reason_code_valid (MqttPacketType type, guint8 code)
{
  const guint8 *codes;
  gsize n;

  switch (type)
    {
    case MQTT_PACKET_CONNACK:
      codes = connack_codes, n = sizeof connack_codes;
      break;
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
      codes = puback_codes, n = sizeof puback_codes;
      break;
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
      codes = pubrel_codes, n = sizeof pubrel_codes;
      break;
    case MQTT_PACKET_SUBACK:
      codes = suback_codes, n = sizeof suback_codes;
      break;
    case MQTT_PACKET_UNSUBACK:
      codes = unsuback_codes, n = sizeof unsuback_codes;
      break;
    case MQTT_PACKET_DISCONNECT:
      codes = disconnect_codes, n = sizeof disconnect_codes;
      break;
    case MQTT_PACKET_AUTH:
      codes = auth_codes, n = sizeof auth_codes;
      break;
    case MQTT_PACKET_CONNECT:
    case MQTT_PACKET_PUBLISH:
    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_UNSUBSCRIBE:
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    default:
      return FALSE;
    }
  return memchr (codes, code, n) != NULL;
}

guint8
mqtt_packet_error_reason_code (const GError *error)
{
  if (error == NULL || error->domain != MQTT_PACKET_ERROR)
    return 0x80;   /* Unspecified error */
  switch ((MqttPacketError) error->code)
    {
    case MQTT_PACKET_ERROR_TOO_LARGE:
      return 0x95; /* Packet too large */
    case MQTT_PACKET_ERROR_TOPIC_ALIAS:
      return 0x94; /* Topic Alias invalid */
    case MQTT_PACKET_ERROR_TOPIC:
      return 0x90; /* Topic Name invalid */
    case MQTT_PACKET_ERROR_PACKET_ID:
    case MQTT_PACKET_ERROR_EMPTY:
    case MQTT_PACKET_ERROR_PROTOCOL:
    case MQTT_PACKET_ERROR_RETURN_CODE:
    case MQTT_PACKET_ERROR_PROPERTY:
      return 0x82; /* Protocol Error */
    case MQTT_PACKET_ERROR_TYPE:
    case MQTT_PACKET_ERROR_FLAGS:
    case MQTT_PACKET_ERROR_REMAINING_LENGTH:
    case MQTT_PACKET_ERROR_LENGTH:
    case MQTT_PACKET_ERROR_UTF8:
    case MQTT_PACKET_ERROR_QOS:
    case MQTT_PACKET_ERROR_CONNECT_FLAGS:
    default:
      return 0x81; /* Malformed Packet */
    }
}

static gboolean
decode_connect (Reader *r, MqttPacket *packet, GError **error)
{
  const guint8 *name;
  gsize name_length;
  guint8 level, flags;

  if (!read_field (r, &name, &name_length, "protocol name", error) ||
      !read_u8 (r, &level, "protocol level", error) ||
      !read_u8 (r, &flags, "connect flags", error) ||
      !read_u16 (r, &packet->connect.keepalive, "keepalive", error))
    return FALSE;

  if (!((name_length == 4 && memcmp (name, "MQTT", 4) == 0 &&
         (level == MQTT_PROTOCOL_V311 || level == MQTT_PROTOCOL_V5)) ||
        (name_length == 6 && memcmp (name, "MQIsdp", 6) == 0 && level == MQTT_PROTOCOL_V31)))
    return fail (error, MQTT_PACKET_ERROR_PROTOCOL,
                 "Unsupported protocol name or level %u in CONNECT", level);
  packet->connect.protocol_level = level;
  /* The CONNECT says the level of what it holds. */
  r->level = level;

  if (flags & CONNECT_FLAG_RESERVED)
    return fail (error, MQTT_PACKET_ERROR_CONNECT_FLAGS, "Reserved CONNECT flag set");
  packet->connect.clean_session = (flags & CONNECT_FLAG_CLEAN_SESSION) != 0;
  packet->connect.will = (flags & CONNECT_FLAG_WILL) != 0;
  packet->connect.will_qos = (flags & CONNECT_FLAG_WILL_QOS_MASK) >> 3;
  packet->connect.will_retain = (flags & CONNECT_FLAG_WILL_RETAIN) != 0;
  if (packet->connect.will_qos > 2)
    return fail (error, MQTT_PACKET_ERROR_QOS, "Will QoS 3 in CONNECT");
  if (!packet->connect.will && (packet->connect.will_qos != 0 || packet->connect.will_retain))
    return fail (error, MQTT_PACKET_ERROR_CONNECT_FLAGS, "Will QoS or retain set without a will");
  /* MQTT 5 allows a password without a user name [MQTT-3.1.2-22 of 3.1.1]. */
  if ((flags & CONNECT_FLAG_PASSWORD) && !(flags & CONNECT_FLAG_USERNAME) &&
      level < MQTT_PROTOCOL_V5)
    return fail (error, MQTT_PACKET_ERROR_CONNECT_FLAGS, "Password flag set without user name");

  if (!read_properties (r, MQTT_PACKET_CONNECT, &packet->props, error) ||
      !read_string (r, &packet->connect.client_id, "client identifier", error))
    return FALSE;
  if (packet->connect.will &&
      (!read_properties (r, MQTT_PROPERTIES_WILL, &packet->connect.will_props, error) ||
       !read_topic (r, &packet->connect.will_topic, FALSE, error) ||
       !read_gbytes (r, &packet->connect.will_payload, "will payload", error)))
    return FALSE;
  if ((flags & CONNECT_FLAG_USERNAME) &&
      !read_string (r, &packet->connect.username, "user name", error))
    return FALSE;
  if ((flags & CONNECT_FLAG_PASSWORD) &&
      !read_gbytes (r, &packet->connect.password, "password", error))
    return FALSE;
  return TRUE;
}

static gboolean
decode_connack (Reader *r, MqttPacket *packet, GError **error)
{
  guint8 flags, code;

  if (!read_u8 (r, &flags, "acknowledge flags", error) ||
      !read_u8 (r, &code, "return code", error))
    return FALSE;
  packet->connack.return_code = code;
  /* MQTT 3.1 reserves the whole first byte and gives it no meaning. */
  if (r->level == MQTT_PROTOCOL_V31)
    return TRUE;
  if (flags & 0xfe)
    return fail (error, MQTT_PACKET_ERROR_RETURN_CODE, "Reserved CONNACK flags set: 0x%02x",
                 flags);
  packet->connack.session_present = flags & 1;
  if (packet->connack.session_present && code != MQTT_CONNACK_ACCEPTED)
    return fail (error, MQTT_PACKET_ERROR_RETURN_CODE,
                 "CONNACK with session present and refusal code %u", code);
  if (r->level < MQTT_PROTOCOL_V5)
    return TRUE;
  /* A broker that does not speak MQTT 5 answers in the form of 3.1.1,
   * without properties, with its return code 1. */
  if (r->p == r->end && code == MQTT_CONNACK_REFUSED_PROTOCOL_VERSION)
    return TRUE;
  if (!mqtt_packet_reason_code_valid (MQTT_PACKET_CONNACK, code))
    return fail (error, MQTT_PACKET_ERROR_RETURN_CODE, "CONNACK with reason code 0x%02x", code);
  return read_properties (r, MQTT_PACKET_CONNACK, &packet->props, error);
}

static gboolean
decode_publish (Reader *r, MqttPacket *packet, guint8 flags, GError **error)
{
  packet->publish.dup = (flags & 0x08) != 0;
  packet->publish.qos = (flags >> 1) & 3;
  packet->publish.retain = flags & 1;

  /* At level 5 a Topic Alias may stand for the topic, which is then empty
   * [MQTT-3.3.2-1]: its check waits for the properties. */
  if (r->level >= MQTT_PROTOCOL_V5 && r->end - r->p >= 2 && r->p[0] == 0 && r->p[1] == 0)
    {
      r->p += 2;
      packet->publish.topic = g_strdup ("");
    }
  else if (!read_topic (r, &packet->publish.topic, FALSE, error))
    return FALSE;
  if (packet->publish.qos > 0 && !read_packet_id (r, packet, error))
    return FALSE;
  if (!read_properties (r, MQTT_PACKET_PUBLISH, &packet->props, error))
    return FALSE;
  if (packet->publish.topic[0] == '\0' &&
      !(packet->props && mqtt_properties_has (packet->props, MQTT_PROPERTY_TOPIC_ALIAS)))
    return fail (error, MQTT_PACKET_ERROR_TOPIC, "PUBLISH with an empty topic and no topic alias");
  packet->publish.payload = read_rest (r);
  return TRUE;
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT and AUTH: the packet
 * identifier of the first four, then at level 5 a reason code and
 * properties, each of which may be left out from the end. */
static gboolean
decode_reason (Reader *r, MqttPacket *packet, GError **error)
{
  if (packet->type >= MQTT_PACKET_PUBACK && packet->type <= MQTT_PACKET_PUBCOMP &&
      !read_packet_id (r, packet, error))
    return FALSE;
  if (r->level < MQTT_PROTOCOL_V5 || r->p == r->end)
    return TRUE;
  packet->reason_code = *r->p++;
  if (!mqtt_packet_reason_code_valid (packet->type, packet->reason_code))
    return fail (error, MQTT_PACKET_ERROR_RETURN_CODE, "%s with reason code 0x%02x",
                 mqtt_packet_type_name (packet->type), packet->reason_code);
  if (r->p == r->end)
    return TRUE;
  return read_properties (r, packet->type, &packet->props, error);
}

static gboolean
decode_subscribe (Reader *r, MqttPacket *packet, GError **error)
{
  gboolean is_subscribe = packet->type == MQTT_PACKET_SUBSCRIBE;
  guint8 allowed = r->level >= MQTT_PROTOCOL_V5 ? 0x3f : 0x03;
  g_autoptr(GArray) topics = g_array_new (FALSE, TRUE, sizeof (MqttTopicRequest));
  gboolean ok = TRUE;
  guint i;

  if (!read_packet_id (r, packet, error) ||
      !read_properties (r, packet->type, &packet->props, error))
    return FALSE;
  if (r->p == r->end)
    return fail (error, MQTT_PACKET_ERROR_EMPTY, "%s without any topic filter",
                 mqtt_packet_type_name (packet->type));

  while (ok && r->p < r->end)
    {
      MqttTopicRequest request = { NULL, 0, 0 };
      guint8 options = 0;

      ok = read_topic (r, &request.filter, TRUE, error);
      if (ok && is_subscribe)
        {
          ok = read_u8 (r, &options, "subscription options", error);
          /* Reserved bits make a malformed packet; QoS 3 or Retain
           * Handling 3 at level 5 a protocol error (section 3.8.3.1). */
          if (ok && (options & ~allowed))
            ok = fail (error, MQTT_PACKET_ERROR_QOS,
                       "Reserved bits in the subscription options 0x%02x", options);
          else if (ok && ((options & 3) == 3 ||
                          (options >> MQTT_SUBSCRIBE_RETAIN_HANDLING_SHIFT & 3) == 3))
            ok = fail (error,
                       r->level >= MQTT_PROTOCOL_V5 ? MQTT_PACKET_ERROR_PROTOCOL
                                                    : MQTT_PACKET_ERROR_QOS,
                       "QoS or Retain Handling 3 in the subscription options 0x%02x", options);
          request.qos = options & 3;
          request.options = options & MQTT_SUBSCRIBE_OPTIONS_MASK;
        }
      if (request.filter)
        g_array_append_val (topics, request);
    }

  if (!ok)
    {
      for (i = 0; i < topics->len; i++)
        g_free (g_array_index (topics, MqttTopicRequest, i).filter);
      return FALSE;
    }

  packet->subscribe.n_topics = topics->len;
  packet->subscribe.topics = (MqttTopicRequest *) (void *) g_array_steal (topics, NULL);
  return TRUE;
}

/* SUBACK, and UNSUBACK at level 5. */
static gboolean
decode_suback (Reader *r, MqttPacket *packet, GError **error)
{
  gsize n, i;

  if (!read_packet_id (r, packet, error))
    return FALSE;
  if (packet->type == MQTT_PACKET_UNSUBACK && r->level < MQTT_PROTOCOL_V5)
    return TRUE;
  if (!read_properties (r, packet->type, &packet->props, error))
    return FALSE;
  n = r->end - r->p;
  if (n == 0)
    return fail (error, MQTT_PACKET_ERROR_EMPTY, "%s without any reason code",
                 mqtt_packet_type_name (packet->type));
  for (i = 0; i < n; i++)
    if (r->level >= MQTT_PROTOCOL_V5 ? !mqtt_packet_reason_code_valid (packet->type, r->p[i])
                                     : r->p[i] > 2 && r->p[i] != SUBACK_FAILURE)
      return fail (error, MQTT_PACKET_ERROR_RETURN_CODE, "%s return code 0x%02x",
                   mqtt_packet_type_name (packet->type), r->p[i]);
  packet->suback.return_codes = g_memdup2 (r->p, n);
  packet->suback.n_return_codes = n;
  r->p = r->end;
  return TRUE;
}

/* Checks the first byte of a packet, before its length is known, so that a
 * stream of garbage fails at once. */
static gboolean
check_first_byte (guint8 byte, MqttProtocolVersion level, GError **error)
{
  MqttPacketType type = byte >> 4;
  guint8 flags = byte & 0x0f;

  switch (type)
    {
    case MQTT_PACKET_PUBLISH:
      if (((flags >> 1) & 3) == 3)
        return fail (error, MQTT_PACKET_ERROR_QOS, "PUBLISH with QoS 3");
      if ((flags & 0x08) && ((flags >> 1) & 3) == 0)
        return fail (error, MQTT_PACKET_ERROR_FLAGS, "PUBLISH with QoS 0 and DUP set");
      return TRUE;
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_UNSUBSCRIBE:
      if (flags != FLAGS_PUBREL_SUBSCRIBE_UNSUBSCRIBE)
        return fail (error, MQTT_PACKET_ERROR_FLAGS, "%s with fixed-header flags 0x%x",
                     mqtt_packet_type_name (type), flags);
      return TRUE;
    case MQTT_PACKET_AUTH:
      if (level < MQTT_PROTOCOL_V5)
        return fail (error, MQTT_PACKET_ERROR_TYPE, "Reserved packet type %u", type);
      G_GNUC_FALLTHROUGH;
    case MQTT_PACKET_CONNECT:
    case MQTT_PACKET_CONNACK:
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_SUBACK:
    case MQTT_PACKET_UNSUBACK:
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    case MQTT_PACKET_DISCONNECT:
      if (flags != 0)
        return fail (error, MQTT_PACKET_ERROR_FLAGS, "%s with fixed-header flags 0x%x",
                     mqtt_packet_type_name (type), flags);
      return TRUE;
    default:
      return fail (error, MQTT_PACKET_ERROR_TYPE, "Reserved packet type %u", type);
    }
}

/* The remaining length that packets of fixed size must have, or -1. At
 * level 5 only PINGREQ and PINGRESP have a fixed size. */
static int
fixed_remaining_length (MqttPacketType type, MqttProtocolVersion level)
{
  switch (type)
    {
    case MQTT_PACKET_CONNACK:
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_UNSUBACK:
      return level >= MQTT_PROTOCOL_V5 ? -1 : 2;
    case MQTT_PACKET_DISCONNECT:
      return level >= MQTT_PROTOCOL_V5 ? -1 : 0;
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
      return 0;
    case MQTT_PACKET_CONNECT:
    case MQTT_PACKET_PUBLISH:
    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_SUBACK:
    case MQTT_PACKET_UNSUBSCRIBE:
    case MQTT_PACKET_AUTH:
    default:
      return -1;
    }
}

static MqttDecodeStatus
decode_packet (const guint8 *data, gsize length, MqttProtocolVersion level,
               gsize max_packet_size, MqttPacket *packet, gsize *consumed,
               Reader *r_owner, GError **error)
{
  MqttPacketType type;
  gsize remaining = 0, header_length, i;
  gboolean ok;
  Reader r = { 0 };
  int fixed;

  memset (packet, 0, sizeof *packet);
  if (length == 0)
    return MQTT_DECODE_NEED_MORE;
  if (!check_first_byte (data[0], level, error))
    return MQTT_DECODE_ERROR;
  type = data[0] >> 4;

  /* Remaining length: 1 to 4 bytes, 7 bits each, least significant first
   * [MQTT-2.2.3]. A multi-byte encoding ending in a zero byte is not minimal. */
  for (i = 1;; i++)
    {
      if (i > 4)
        {
          g_set_error (error, MQTT_PACKET_ERROR, MQTT_PACKET_ERROR_REMAINING_LENGTH,
                       "Remaining length of %s longer than 4 bytes", mqtt_packet_type_name (type));
          return MQTT_DECODE_ERROR;
        }
      if (i >= length)
        return MQTT_DECODE_NEED_MORE;
      remaining |= (gsize) (data[i] & 0x7f) << (7 * (i - 1));
      if (!(data[i] & 0x80))
        break;
    }
  if (i > 1 && data[i] == 0)
    {
      g_set_error (error, MQTT_PACKET_ERROR, MQTT_PACKET_ERROR_REMAINING_LENGTH,
                   "Remaining length of %s not minimally encoded", mqtt_packet_type_name (type));
      return MQTT_DECODE_ERROR;
    }
  header_length = i + 1;

  fixed = fixed_remaining_length (type, level);
  if (fixed >= 0 && remaining != (gsize) fixed)
    {
      g_set_error (error, MQTT_PACKET_ERROR, MQTT_PACKET_ERROR_LENGTH,
                   "%s with remaining length %" G_GSIZE_FORMAT " instead of %d",
                   mqtt_packet_type_name (type), remaining, fixed);
      return MQTT_DECODE_ERROR;
    }
  if (header_length + remaining > max_packet_size)
    {
      g_set_error (error, MQTT_PACKET_ERROR, MQTT_PACKET_ERROR_TOO_LARGE,
                   "%s of %" G_GSIZE_FORMAT " bytes exceeds the maximum packet size of %"
                   G_GSIZE_FORMAT " bytes",
                   mqtt_packet_type_name (type), header_length + remaining, max_packet_size);
      return MQTT_DECODE_ERROR;
    }
  if (length - header_length < remaining)
    return MQTT_DECODE_NEED_MORE;

  packet->type = type;
  if (r_owner != NULL)
    r = *r_owner;
  r.p = data + header_length;
  r.end = r.p + remaining;
  r.level = level;

  switch (type)
    {
    case MQTT_PACKET_CONNECT:
      ok = decode_connect (&r, packet, error);
      break;
    case MQTT_PACKET_CONNACK:
      ok = decode_connack (&r, packet, error);
      break;
    case MQTT_PACKET_PUBLISH:
      ok = decode_publish (&r, packet, data[0] & 0x0f, error);
      break;
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_DISCONNECT:
    case MQTT_PACKET_AUTH:
      ok = decode_reason (&r, packet, error);
      break;
    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_UNSUBSCRIBE:
      ok = decode_subscribe (&r, packet, error);
      break;
    case MQTT_PACKET_SUBACK:
    case MQTT_PACKET_UNSUBACK:
      ok = decode_suback (&r, packet, error);
      break;
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    default:
      ok = TRUE;
      break;
    }

  if (ok && r.p != r.end)
    ok = fail (error, MQTT_PACKET_ERROR_LENGTH, "%" G_GSIZE_FORMAT " unexpected bytes after %s",
               (gsize) (r.end - r.p), mqtt_packet_type_name (type));
  if (!ok)
    {
      mqtt_packet_clear (packet);
      return MQTT_DECODE_ERROR;
    }

  *consumed = header_length + remaining;
  return MQTT_DECODE_PACKET;
}

MqttDecodeStatus
mqtt_packet_decode (const guint8 *data, gsize length, MqttProtocolVersion level,
                    gsize max_packet_size, MqttPacket *packet, gsize *consumed, GError **error)
{
  return decode_packet (data, length, level, max_packet_size, packet, consumed, NULL, error);
}

/* ------------------------------------------------------------------------ */
/* The incremental decoder */

struct _MqttDecoder {
  MqttProtocolVersion level;
  gsize max_packet_size;
  guint8 *buffer;
  gsize allocated;
  gsize start;   /* first byte not yet decoded */
  gsize end;     /* end of the bytes received */
  /* Set once a payload references the buffer: @owner owns it, and the
   * bytes before @end must stay where they are. */
  GBytes *owner;
  /* The size of the last buffer payloads referenced, dropped when it was
   * emptied: the next one is that size at once, not grown by doubling. */
  gsize reuse_size;
};

/* Drops a buffer that payloads reference: they keep it alive. */
static void
decoder_drop_shared (MqttDecoder *decoder)
{
  decoder->reuse_size = decoder->allocated;
  g_clear_pointer (&decoder->owner, g_bytes_unref);
  decoder->buffer = NULL;
  decoder->allocated = 0;
}

MqttDecoder *
mqtt_decoder_new (MqttProtocolVersion level, gsize max_packet_size)
{
  MqttDecoder *decoder = g_new0 (MqttDecoder, 1);

  decoder->level = level;
  decoder->max_packet_size = max_packet_size;
  return decoder;
}

void
mqtt_decoder_free (MqttDecoder *decoder)
{
  if (decoder == NULL)
    return;
  if (decoder->owner != NULL)
    decoder_drop_shared (decoder);
  g_free (decoder->buffer);
  g_free (decoder);
}

void
mqtt_decoder_reset (MqttDecoder *decoder)
{
  decoder->start = decoder->end = 0;
  if (decoder->owner != NULL)
    decoder_drop_shared (decoder);
  else if (decoder->allocated > DECODER_KEEP_ALLOC)
    {
      g_clear_pointer (&decoder->buffer, g_free);
      decoder->allocated = 0;
    }
}

void
mqtt_decoder_set_max_packet_size (MqttDecoder *decoder, gsize max_packet_size)
{
  decoder->max_packet_size = max_packet_size;
}

void
mqtt_decoder_set_protocol_level (MqttDecoder *decoder, MqttProtocolVersion level)
{
  decoder->level = level;
}

gsize
mqtt_decoder_get_pending (MqttDecoder *decoder)
{
  return decoder->end - decoder->start;
}

gsize
mqtt_decoder_get_allocated (MqttDecoder *decoder)
{
  return decoder->allocated;
}

/* The whole size of the packet at the start of the pending bytes once its
 * fixed header is there, else 0 (a malformed header too: decoding reports
 * it). */
static gsize
decoder_packet_size (MqttDecoder *decoder)
{
  gsize pending = decoder->end - decoder->start, remaining = 0, i;
  const guint8 *p;

  if (pending < 2)
    return 0;
  p = decoder->buffer + decoder->start;
  for (i = 1; i < pending && i <= 4; i++)
    {
      remaining |= (gsize) (p[i] & 0x7f) << (7 * (i - 1));
      if (!(p[i] & 0x80))
        return i + 1 + remaining;
    }
  return 0;
}

guint8 *
mqtt_decoder_get_space (MqttDecoder *decoder, gsize min_space, gsize *space)
{
  gsize pending = decoder->end - decoder->start;
  gsize total = decoder_packet_size (decoder);
  gsize limit = G_MAXSIZE;

  /* Reads stop at the end of a large packet: its payload then references
   * the buffer with nothing of the next packet behind it to move. */
  if (total >= DECODER_SLICE_MIN && total > pending && total <= decoder->max_packet_size)
    {
      limit = total - pending;
      min_space = MIN (min_space, limit);
    }

  if (decoder->allocated - decoder->end < min_space)
    {
      /* The buffer never exceeds twice what is pending plus what the caller
       * asked for, whatever length a packet header claims; except that one
       * replacing a buffer payloads reference is as large (the next packets
       * are likely alike). */
      gsize allocated = MAX (MAX (pending + min_space, DECODER_MIN_ALLOC),
                             MIN (decoder->allocated * 2, pending * 2 + min_space));
      gsize reuse = decoder->owner != NULL ? decoder->allocated : decoder->reuse_size;

      if (limit != G_MAXSIZE)
        allocated = MAX (allocated, MIN (total, reuse));
      else if (decoder->owner != NULL || decoder->buffer == NULL)
        allocated = MAX (allocated, reuse);
      if (decoder->owner != NULL)
        {
          /* Payloads reference this buffer: the partial packet moves to a
           * new one. */
          guint8 *buffer = g_malloc (allocated);

          memcpy (buffer, decoder->buffer + decoder->start, pending);
          decoder_drop_shared (decoder);
          decoder->buffer = buffer;
          decoder->allocated = allocated;
        }
      else
        {
          /* The partial packet moves to the front; then the buffer grows if
           * that is not enough. */
          if (decoder->start > 0)
            memmove (decoder->buffer, decoder->buffer + decoder->start, pending);
          if (decoder->allocated - pending < min_space)
            {
              decoder->allocated = allocated;
              decoder->buffer = g_realloc (decoder->buffer, allocated);
            }
        }
      decoder->start = 0;
      decoder->end = pending;
      decoder->reuse_size = 0;
    }

  *space = MIN (decoder->allocated - decoder->end, limit);
  return decoder->buffer + decoder->end;
}

void
mqtt_decoder_commit (MqttDecoder *decoder, gsize n_bytes)
{
  g_assert (n_bytes <= decoder->allocated - decoder->end);
  decoder->end += n_bytes;
}

void
mqtt_decoder_feed (MqttDecoder *decoder, const guint8 *data, gsize length)
{
  while (length > 0)
    {
      gsize space;
      guint8 *p = mqtt_decoder_get_space (decoder, length, &space);
      gsize n = MIN (space, length);

      memcpy (p, data, n);
      mqtt_decoder_commit (decoder, n);
      data += n;
      length -= n;
    }
}

MqttDecodeStatus
mqtt_decoder_next (MqttDecoder *decoder, MqttPacket *packet, GError **error)
{
  Reader owner = { .buffer = decoder->buffer, .allocated = decoder->allocated,
                   .owner = &decoder->owner };
  MqttDecodeStatus status;
  gsize consumed = 0;

  if (decoder->start == decoder->end)
    {
      memset (packet, 0, sizeof *packet);
      return MQTT_DECODE_NEED_MORE;
    }
  status = decode_packet (decoder->buffer + decoder->start, decoder->end - decoder->start,
                          decoder->level, decoder->max_packet_size, packet, &consumed,
                          &owner, error);
  if (status != MQTT_DECODE_PACKET)
    return status;

  decoder->start += consumed;
  if (decoder->start == decoder->end)
    mqtt_decoder_reset (decoder);
  return status;
}
