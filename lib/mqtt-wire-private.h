/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The MQTT wire's data types, shared by the packet and property codecs:
 * big-endian two- and four-byte integers, the variable byte integer, and
 * length-prefixed fields and UTF-8 strings (section 1.5 of MQTT 5, 1.5 and
 * 2.2.3 of MQTT 3.1.1). Header-only, so that neither codec calls into the
 * other for them. Private.
 */

#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* Errors of the decoder: why a byte stream is not MQTT. The client reports
 * all of them as MQTT_ERROR_PROTOCOL; the detail is for tests and logs. */
#define MQTT_PACKET_ERROR (mqtt_packet_error_quark ())
typedef enum {
  MQTT_PACKET_ERROR_TYPE,             /* reserved packet type 0 (15 below level 5) */
  MQTT_PACKET_ERROR_FLAGS,            /* wrong fixed-header flags for the type */
  MQTT_PACKET_ERROR_REMAINING_LENGTH, /* > 4 bytes, or not the minimal encoding */
  MQTT_PACKET_ERROR_TOO_LARGE,        /* above the decoder's maximum packet size */
  MQTT_PACKET_ERROR_LENGTH,           /* a field runs past the packet, or bytes are left over */
  MQTT_PACKET_ERROR_UTF8,             /* a string is not UTF-8, or contains U+0000 */
  MQTT_PACKET_ERROR_TOPIC,            /* a topic name or filter breaks the topic rules */
  MQTT_PACKET_ERROR_QOS,              /* QoS 3, or reserved bits in a requested QoS */
  MQTT_PACKET_ERROR_PACKET_ID,        /* packet identifier 0 where one is required */
  MQTT_PACKET_ERROR_EMPTY,            /* SUBSCRIBE/UNSUBSCRIBE/SUBACK with nothing in it */
  MQTT_PACKET_ERROR_PROTOCOL,         /* unknown protocol name or level in CONNECT; at level 5
                                       * other protocol errors (0x82) */
  MQTT_PACKET_ERROR_CONNECT_FLAGS,    /* inconsistent CONNECT flags */
  MQTT_PACKET_ERROR_RETURN_CODE,      /* reserved bits, or a return or reason code the packet
                                       * may not carry */
  MQTT_PACKET_ERROR_PROPERTY,         /* MQTT 5: a property where it may not be, repeated, or
                                       * out of range (a protocol error, 0x82) */
  MQTT_PACKET_ERROR_TOPIC_ALIAS,      /* MQTT 5: a topic alias out of range or unknown (0x94) */
} MqttPacketError;

static inline GQuark
mqtt_packet_error_quark (void)
{
  return g_quark_from_static_string ("mqtt-packet-error-quark");
}

/* The largest value of a variable byte integer. */
#define MQTT_VARINT_MAX 268435455u

static inline guint8 *
mqtt_wire_put_u16 (guint8 *p, guint16 v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
  return p + 2;
}

static inline guint8 *
mqtt_wire_put_u32 (guint8 *p, guint32 v)
{
  p[0] = v >> 24;
  p[1] = (v >> 16) & 0xff;
  p[2] = (v >> 8) & 0xff;
  p[3] = v & 0xff;
  return p + 4;
}

/* Writes a length-prefixed field (at most 65,535 bytes, checked by the
 * caller). */
static inline guint8 *
mqtt_wire_put_field (guint8 *p, const void *data, gsize length)
{
  p = mqtt_wire_put_u16 (p, length);
  if (length > 0)
    memcpy (p, data, length);
  return p + length;
}

/* Bytes of the variable-length encoding of @value (at most MQTT_VARINT_MAX). */
static inline guint
mqtt_wire_varint_size (gsize value)
{
  return value < 128 ? 1 : value < 16384 ? 2 : value < 2097152 ? 3 : 4;
}

static inline guint8 *
mqtt_wire_put_varint (guint8 *p, gsize value)
{
  do
    {
      guint8 b = value % 128;

      value /= 128;
      *p++ = value > 0 ? b | 0x80 : b;
    }
  while (value > 0);
  return p;
}

typedef enum {
  MQTT_WIRE_VARINT_OK,
  MQTT_WIRE_VARINT_SHORT,     /* the bytes end inside it */
  MQTT_WIRE_VARINT_MALFORMED, /* more than 4 bytes, or not the shortest encoding */
} MqttWireVarint;

/* Reads a variable byte integer from [*p, end), advancing *p. */
static inline MqttWireVarint
mqtt_wire_read_varint (const guint8 **p, const guint8 *end, guint32 *value)
{
  const guint8 *q = *p;
  guint32 v = 0;
  guint i;

  for (i = 0; i < 4; i++)
    {
      if (q == end)
        return MQTT_WIRE_VARINT_SHORT;
      v |= (guint32) (*q & 0x7f) << (7 * i);
      if (!(*q++ & 0x80))
        {
          /* A trailing zero byte is a longer encoding than needed. */
          if (i > 0 && q[-1] == 0)
            return MQTT_WIRE_VARINT_MALFORMED;
          *p = q;
          *value = v;
          return MQTT_WIRE_VARINT_OK;
        }
    }
  return MQTT_WIRE_VARINT_MALFORMED;
}

/* Reads a length-prefixed field (a two-byte length, then that many bytes)
 * from [*p, end), not copied, advancing *p; the error (LENGTH) names it
 * @what when it runs past @end. */
static inline gboolean
mqtt_wire_read_field (const guint8 **p, const guint8 *end, const guint8 **data, gsize *length,
                      const char *what, GError **error)
{
  gsize n;

  if (end - *p < 2 || (gsize) (end - *p) - 2 < (n = ((*p)[0] << 8) | (*p)[1]))
    {
      g_set_error (error, MQTT_PACKET_ERROR, MQTT_PACKET_ERROR_LENGTH,
                   "The %s runs past the end of the packet", what);
      return FALSE;
    }
  *data = *p + 2;
  *length = n;
  *p += 2 + n;
  return TRUE;
}

/* Reads a UTF-8 string field: well-formed, without U+0000 (UTF8 error
 * otherwise), copied to *out. */
static inline gboolean
mqtt_wire_read_string (const guint8 **p, const guint8 *end, char **out, const char *what,
                       GError **error)
{
  const guint8 *data;
  gsize length;

  if (!mqtt_wire_read_field (p, end, &data, &length, what, error))
    return FALSE;
  if (!g_utf8_validate_len ((const char *) data, length, NULL))
    {
      g_set_error (error, MQTT_PACKET_ERROR, MQTT_PACKET_ERROR_UTF8,
                   "The %s is not well-formed UTF-8 or contains U+0000", what);
      return FALSE;
    }
  *out = g_strndup ((const char *) data, length);
  return TRUE;
}

G_END_DECLS
