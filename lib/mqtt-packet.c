/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The MQTT 3.1 / 3.1.1 codec. References are to the MQTT 3.1.1 OASIS
 * standard; MQTT 3.1 (protocol level 3, name "MQIsdp") differs only in the
 * protocol name and in the CONNACK flags byte, which it reserves.
 */

#include "config.h"

#include <string.h>

#include "mqtt-error.h"
#include "mqtt-packet-private.h"
#include "mqtt-topic-private.h"

G_DEFINE_QUARK (mqtt-packet-error-quark, mqtt_packet_error)

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
  };

  if (type >= MQTT_PACKET_CONNECT && type <= MQTT_PACKET_DISCONNECT)
    return names[type];
  return "RESERVED";
}

void
mqtt_packet_clear (MqttPacket *packet)
{
  guint i;

  switch (packet->type)
    {
    case MQTT_PACKET_CONNECT:
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
      g_free (packet->suback.return_codes);
      break;
    case MQTT_PACKET_CONNACK:
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_UNSUBACK:
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
put_u16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
  return p + 2;
}

static guint8 *
put_bytes (guint8 *p, const void *data, gsize length)
{
  p = put_u16 (p, length);
  if (length > 0)
    memcpy (p, data, length);
  return p + length;
}

static guint8 *
put_string (guint8 *p, const char *s)
{
  return put_bytes (p, s, strlen (s));
}

static guint8 *
put_gbytes (guint8 *p, GBytes *bytes)
{
  gsize length = 0;
  const void *data = bytes ? g_bytes_get_data (bytes, &length) : NULL;

  return put_bytes (p, data, length);
}

/* Number of bytes of the variable-length encoding of @value. */
static guint
varint_size (gsize value)
{
  return value < 128 ? 1 : value < 16384 ? 2 : value < 2097152 ? 3 : 4;
}

/* Appends the fixed header; @remaining has been checked against the maximum. */
static void
put_fixed_header (GByteArray *out, guint8 first_byte, gsize remaining)
{
  guint8 *p = append (out, 1 + varint_size (remaining));

  *p++ = first_byte;
  do
    {
      guint8 b = remaining % 128;

      remaining /= 128;
      *p++ = remaining > 0 ? b | 0x80 : b;
    }
  while (remaining > 0);
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
  gsize remaining = 2 + strlen (name) + 1 + 1 + 2;
  guint8 flags = 0;
  guint8 *p;

  if (!add_field (&remaining, strlen (packet->connect.client_id ? packet->connect.client_id : ""),
                  "client identifier", error))
    return FALSE;
  if (packet->connect.will)
    {
      if (!add_field (&remaining, strlen (packet->connect.will_topic), "will topic", error) ||
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

  put_fixed_header (out, MQTT_PACKET_CONNECT << 4, remaining);
  p = append (out, remaining);
  p = put_string (p, name);
  *p++ = level;
  *p++ = flags;
  p = put_u16 (p, packet->connect.keepalive);
  p = put_string (p, packet->connect.client_id ? packet->connect.client_id : "");
  if (packet->connect.will)
    {
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
mqtt_packet_encode_publish_head (GByteArray *out, const char *topic, gsize topic_length,
                                 guint8 qos, gboolean retain, gboolean dup, guint16 packet_id,
                                 gsize payload_length, GError **error)
{
  gsize remaining = payload_length + (qos > 0 ? 2 : 0);
  guint8 *p;

  if (!add_field (&remaining, topic_length, "topic", error) || !check_remaining (remaining, error))
    return FALSE;

  put_fixed_header (out,
                    MQTT_PACKET_PUBLISH << 4 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0),
                    remaining);
  p = append (out, 2 + topic_length + (qos > 0 ? 2 : 0));
  p = put_bytes (p, topic, topic_length);
  if (qos > 0)
    put_u16 (p, packet_id);
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
      put_u16 (p + 2, packet_id);
      break;
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    case MQTT_PACKET_DISCONNECT:
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

gboolean
mqtt_packet_encode (const MqttPacket *packet, MqttProtocolVersion level, GByteArray *out,
                    GError **error)
{
  gsize remaining, length;
  guint8 *p;
  guint i;

  switch (packet->type)
    {
    case MQTT_PACKET_CONNECT:
      return encode_connect (packet, level, out, error);

    case MQTT_PACKET_CONNACK:
      p = append (out, 4);
      p[0] = MQTT_PACKET_CONNACK << 4;
      p[1] = 2;
      p[2] = level >= MQTT_PROTOCOL_V311 && packet->connack.session_present ? 1 : 0;
      p[3] = packet->connack.return_code;
      return TRUE;

    case MQTT_PACKET_PUBLISH:
      {
        gconstpointer data = NULL;

        length = 0;
        if (packet->publish.payload)
          data = g_bytes_get_data (packet->publish.payload, &length);
        if (!mqtt_packet_encode_publish_head (out, packet->publish.topic,
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
      remaining = 2;
      for (i = 0; i < packet->subscribe.n_topics; i++)
        {
          if (!add_field (&remaining, strlen (packet->subscribe.topics[i].filter), "topic filter",
                          error))
            return FALSE;
          if (packet->type == MQTT_PACKET_SUBSCRIBE)
            remaining++;
        }
      if (!check_remaining (remaining, error))
        return FALSE;
      put_fixed_header (out, packet->type << 4 | FLAGS_PUBREL_SUBSCRIBE_UNSUBSCRIBE, remaining);
      p = append (out, remaining);
      p = put_u16 (p, packet->packet_id);
      for (i = 0; i < packet->subscribe.n_topics; i++)
        {
          p = put_string (p, packet->subscribe.topics[i].filter);
          if (packet->type == MQTT_PACKET_SUBSCRIBE)
            *p++ = packet->subscribe.topics[i].qos;
        }
      return TRUE;

    case MQTT_PACKET_SUBACK:
      remaining = 2 + packet->suback.n_return_codes;
      if (!check_remaining (remaining, error))
        return FALSE;
      put_fixed_header (out, MQTT_PACKET_SUBACK << 4, remaining);
      p = append (out, remaining);
      p = put_u16 (p, packet->packet_id);
      if (packet->suback.n_return_codes > 0)
        memcpy (p, packet->suback.return_codes, packet->suback.n_return_codes);
      return TRUE;

    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_UNSUBACK:
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    case MQTT_PACKET_DISCONNECT:
      mqtt_packet_encode_ack (out, packet->type, packet->packet_id);
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
  guint16 n;

  if (!read_u16 (r, &n, what, error))
    return FALSE;
  if ((gsize) (r->end - r->p) < n)
    return fail (error, MQTT_PACKET_ERROR_LENGTH,
                 "The %s (%u bytes) runs past the end of the packet", what, n);
  *data = r->p;
  *length = n;
  r->p += n;
  return TRUE;
}

static gboolean
read_string (Reader *r, char **out, const char *what, GError **error)
{
  const guint8 *data;
  gsize length;

  if (!read_field (r, &data, &length, what, error))
    return FALSE;
  if (!g_utf8_validate_len ((const char *) data, length, NULL))
    return fail (error, MQTT_PACKET_ERROR_UTF8,
                 "The %s is not well-formed UTF-8 or contains U+0000", what);
  *out = g_strndup ((const char *) data, length);
  return TRUE;
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

  if (!((name_length == 4 && memcmp (name, "MQTT", 4) == 0 && level == MQTT_PROTOCOL_V311) ||
        (name_length == 6 && memcmp (name, "MQIsdp", 6) == 0 && level == MQTT_PROTOCOL_V31)))
    return fail (error, MQTT_PACKET_ERROR_PROTOCOL,
                 "Unsupported protocol name or level %u in CONNECT", level);
  packet->connect.protocol_level = level;

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
  if ((flags & CONNECT_FLAG_PASSWORD) && !(flags & CONNECT_FLAG_USERNAME))
    return fail (error, MQTT_PACKET_ERROR_CONNECT_FLAGS, "Password flag set without user name");

  if (!read_string (r, &packet->connect.client_id, "client identifier", error))
    return FALSE;
  if (packet->connect.will &&
      (!read_topic (r, &packet->connect.will_topic, FALSE, error) ||
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
decode_connack (Reader *r, MqttPacket *packet, MqttProtocolVersion level, GError **error)
{
  guint8 flags, code;

  if (!read_u8 (r, &flags, "acknowledge flags", error) ||
      !read_u8 (r, &code, "return code", error))
    return FALSE;
  packet->connack.return_code = code;
  /* MQTT 3.1 reserves the whole first byte and gives it no meaning. */
  if (level == MQTT_PROTOCOL_V31)
    return TRUE;
  if (flags & 0xfe)
    return fail (error, MQTT_PACKET_ERROR_RETURN_CODE, "Reserved CONNACK flags set: 0x%02x",
                 flags);
  packet->connack.session_present = flags & 1;
  if (packet->connack.session_present && code != MQTT_CONNACK_ACCEPTED)
    return fail (error, MQTT_PACKET_ERROR_RETURN_CODE,
                 "CONNACK with session present and refusal code %u", code);
  return TRUE;
}

static gboolean
decode_publish (Reader *r, MqttPacket *packet, guint8 flags, GError **error)
{
  packet->publish.dup = (flags & 0x08) != 0;
  packet->publish.qos = (flags >> 1) & 3;
  packet->publish.retain = flags & 1;

  if (!read_topic (r, &packet->publish.topic, FALSE, error))
    return FALSE;
  if (packet->publish.qos > 0 && !read_packet_id (r, packet, error))
    return FALSE;
  packet->publish.payload = read_rest (r);
  return TRUE;
}

static gboolean
decode_subscribe (Reader *r, MqttPacket *packet, GError **error)
{
  gboolean is_subscribe = packet->type == MQTT_PACKET_SUBSCRIBE;
  g_autoptr(GArray) topics = g_array_new (FALSE, TRUE, sizeof (MqttTopicRequest));
  gboolean ok = TRUE;
  guint i;

  if (!read_packet_id (r, packet, error))
    return FALSE;
  if (r->p == r->end)
    return fail (error, MQTT_PACKET_ERROR_EMPTY, "%s without any topic filter",
                 mqtt_packet_type_name (packet->type));

  while (ok && r->p < r->end)
    {
      MqttTopicRequest request = { NULL, 0 };

      ok = read_topic (r, &request.filter, TRUE, error);
      if (ok && is_subscribe)
        {
          ok = read_u8 (r, &request.qos, "requested QoS", error);
          if (ok && request.qos > 2)
            ok = fail (error, MQTT_PACKET_ERROR_QOS, "Requested QoS byte 0x%02x in SUBSCRIBE",
                       request.qos);
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

static gboolean
decode_suback (Reader *r, MqttPacket *packet, GError **error)
{
  gsize n, i;

  if (!read_packet_id (r, packet, error))
    return FALSE;
  n = r->end - r->p;
  if (n == 0)
    return fail (error, MQTT_PACKET_ERROR_EMPTY, "SUBACK without any return code");
  for (i = 0; i < n; i++)
    if (r->p[i] > 2 && r->p[i] != SUBACK_FAILURE)
      return fail (error, MQTT_PACKET_ERROR_RETURN_CODE, "SUBACK return code 0x%02x", r->p[i]);
  packet->suback.return_codes = g_memdup2 (r->p, n);
  packet->suback.n_return_codes = n;
  r->p = r->end;
  return TRUE;
}

/* Checks the first byte of a packet, before its length is known, so that a
 * stream of garbage fails at once. */
static gboolean
check_first_byte (guint8 byte, GError **error)
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

/* The remaining length that packets of fixed size must have, or -1. */
static int
fixed_remaining_length (MqttPacketType type)
{
  switch (type)
    {
    case MQTT_PACKET_CONNACK:
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_UNSUBACK:
      return 2;
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    case MQTT_PACKET_DISCONNECT:
      return 0;
    case MQTT_PACKET_CONNECT:
    case MQTT_PACKET_PUBLISH:
    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_SUBACK:
    case MQTT_PACKET_UNSUBSCRIBE:
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
  if (!check_first_byte (data[0], error))
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

  fixed = fixed_remaining_length (type);
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

  switch (type)
    {
    case MQTT_PACKET_CONNECT:
      ok = decode_connect (&r, packet, error);
      break;
    case MQTT_PACKET_CONNACK:
      ok = decode_connack (&r, packet, level, error);
      break;
    case MQTT_PACKET_PUBLISH:
      ok = decode_publish (&r, packet, data[0] & 0x0f, error);
      break;
    case MQTT_PACKET_PUBACK:
    case MQTT_PACKET_PUBREC:
    case MQTT_PACKET_PUBREL:
    case MQTT_PACKET_PUBCOMP:
    case MQTT_PACKET_UNSUBACK:
      ok = read_packet_id (&r, packet, error);
      break;
    case MQTT_PACKET_SUBSCRIBE:
    case MQTT_PACKET_UNSUBSCRIBE:
      ok = decode_subscribe (&r, packet, error);
      break;
    case MQTT_PACKET_SUBACK:
      ok = decode_suback (&r, packet, error);
      break;
    case MQTT_PACKET_PINGREQ:
    case MQTT_PACKET_PINGRESP:
    case MQTT_PACKET_DISCONNECT:
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
