/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The MQTT codec: control packets <-> bytes. No I/O, no GObject. Private.
 */

#pragma once

#include <glib.h>
#include "mqtt-enums.h"

G_BEGIN_DECLS

/* The largest remaining length the 4-byte variable integer can encode. */
#define MQTT_MAX_REMAINING_LENGTH 268435455u
/* The largest packet: fixed header (1 + 4 bytes) and the largest body. */
#define MQTT_MAX_PACKET_SIZE (MQTT_MAX_REMAINING_LENGTH + 5u)

typedef enum {
  MQTT_PACKET_CONNECT = 1,
  MQTT_PACKET_CONNACK = 2,
  MQTT_PACKET_PUBLISH = 3,
  MQTT_PACKET_PUBACK = 4,
  MQTT_PACKET_PUBREC = 5,
  MQTT_PACKET_PUBREL = 6,
  MQTT_PACKET_PUBCOMP = 7,
  MQTT_PACKET_SUBSCRIBE = 8,
  MQTT_PACKET_SUBACK = 9,
  MQTT_PACKET_UNSUBSCRIBE = 10,
  MQTT_PACKET_UNSUBACK = 11,
  MQTT_PACKET_PINGREQ = 12,
  MQTT_PACKET_PINGRESP = 13,
  MQTT_PACKET_DISCONNECT = 14,
} MqttPacketType;

/* Errors of the decoder: why a byte stream is not MQTT. The client reports
 * all of them as MQTT_ERROR_PROTOCOL; the detail is for tests and logs. */
#define MQTT_PACKET_ERROR (mqtt_packet_error_quark ())
typedef enum {
  MQTT_PACKET_ERROR_TYPE,             /* reserved packet type 0 or 15 */
  MQTT_PACKET_ERROR_FLAGS,            /* wrong fixed-header flags for the type */
  MQTT_PACKET_ERROR_REMAINING_LENGTH, /* > 4 bytes, or not the minimal encoding */
  MQTT_PACKET_ERROR_TOO_LARGE,        /* above the decoder's maximum packet size */
  MQTT_PACKET_ERROR_LENGTH,           /* a field runs past the packet, or bytes are left over */
  MQTT_PACKET_ERROR_UTF8,             /* a string is not UTF-8, or contains U+0000 */
  MQTT_PACKET_ERROR_TOPIC,            /* a topic name or filter breaks the topic rules */
  MQTT_PACKET_ERROR_QOS,              /* QoS 3, or reserved bits in a requested QoS */
  MQTT_PACKET_ERROR_PACKET_ID,        /* packet identifier 0 where one is required */
  MQTT_PACKET_ERROR_EMPTY,            /* SUBSCRIBE/UNSUBSCRIBE/SUBACK with nothing in it */
  MQTT_PACKET_ERROR_PROTOCOL,         /* unknown protocol name or level in CONNECT */
  MQTT_PACKET_ERROR_CONNECT_FLAGS,    /* inconsistent CONNECT flags */
  MQTT_PACKET_ERROR_RETURN_CODE,      /* reserved bits or values in CONNACK/SUBACK */
} MqttPacketError;

GQuark mqtt_packet_error_quark (void);

typedef struct {
  char *filter;
  guint8 qos;   /* requested QoS; unused for UNSUBSCRIBE */
} MqttTopicRequest;

/* One control packet. Strings and byte blocks are owned by the packet and
 * freed by mqtt_packet_clear(). */
typedef struct {
  MqttPacketType type;
  /* PUBACK, PUBREC, PUBREL, PUBCOMP, PUBLISH with QoS > 0, SUBSCRIBE,
   * SUBACK, UNSUBSCRIBE, UNSUBACK */
  guint16 packet_id;
  union {
    struct {
      guint8 protocol_level;   /* as decoded; the encoder uses its argument */
      gboolean clean_session;
      guint16 keepalive;
      char *client_id;         /* may be "" */
      gboolean will;
      char *will_topic;
      GBytes *will_payload;
      guint8 will_qos;
      gboolean will_retain;
      char *username;          /* NULL when absent */
      GBytes *password;        /* NULL when absent */
    } connect;
    struct {
      gboolean session_present;
      guint8 return_code;
    } connack;
    struct {
      char *topic;
      GBytes *payload;         /* never NULL once decoded */
      guint8 qos;
      gboolean retain;
      gboolean dup;
    } publish;
    struct {
      MqttTopicRequest *topics;
      guint n_topics;
    } subscribe;               /* also UNSUBSCRIBE */
    struct {
      guint8 *return_codes;
      guint n_return_codes;
    } suback;
  };
} MqttPacket;

void mqtt_packet_clear (MqttPacket *packet);
const char *mqtt_packet_type_name (MqttPacketType type);

/* Encoding appends one whole packet to @out. Fails, leaving @out as it was,
 * only on what the protocol cannot carry: a string or payload too long, or
 * a remaining length above 268435455 (MQTT_ERROR_PAYLOAD_SIZE). Contents
 * (topics, QoS) are the caller's to validate. The CONNECT protocol name and
 * level come from @level. */
gboolean mqtt_packet_encode (const MqttPacket *packet,
                             MqttProtocolVersion level,
                             GByteArray *out,
                             GError **error);

/* The hot path of PUBLISH: appends everything but the payload, so that the
 * payload can be written from the caller's own buffer. Fails only when the
 * packet would be too large. */
gboolean mqtt_packet_encode_publish_head (GByteArray *out,
                                          const char *topic,
                                          gsize topic_length,
                                          guint8 qos,
                                          gboolean retain,
                                          gboolean dup,
                                          guint16 packet_id,
                                          gsize payload_length,
                                          GError **error);

/* Appends one of the 4-byte acknowledgements (PUBACK, PUBREC, PUBREL,
 * PUBCOMP, UNSUBACK) or a 2-byte PINGREQ/PINGRESP/DISCONNECT. */
void mqtt_packet_encode_ack (GByteArray *out, MqttPacketType type, guint16 packet_id);

typedef enum {
  MQTT_DECODE_NEED_MORE,
  MQTT_DECODE_PACKET,
  MQTT_DECODE_ERROR,
} MqttDecodeStatus;

/* Decodes the packet at the start of @data without reading past @length.
 * PACKET: *packet is filled and *consumed says how many bytes it took.
 * NEED_MORE: @data holds a prefix of a valid packet (only the fixed header
 * is inspected until the whole packet is there). ERROR: @error is set in
 * the MQTT_PACKET_ERROR domain; the stream cannot be resynchronised. */
MqttDecodeStatus mqtt_packet_decode (const guint8 *data,
                                     gsize length,
                                     MqttProtocolVersion level,
                                     gsize max_packet_size,
                                     MqttPacket *packet,
                                     gsize *consumed,
                                     GError **error);

/* An incremental decoder: bytes go in as they arrive, in any chunks;
 * packets come out. It holds at most one partial packet, so its memory is
 * bounded by the bytes actually received and by max_packet_size. */
typedef struct _MqttDecoder MqttDecoder;

MqttDecoder *mqtt_decoder_new (MqttProtocolVersion level, gsize max_packet_size);
void mqtt_decoder_free (MqttDecoder *decoder);
void mqtt_decoder_reset (MqttDecoder *decoder);
void mqtt_decoder_set_max_packet_size (MqttDecoder *decoder, gsize max_packet_size);
void mqtt_decoder_set_protocol_level (MqttDecoder *decoder, MqttProtocolVersion level);

/* Zero-copy input: a transport reads straight into the space returned
 * (*space bytes: at least @min_space, or what is missing of a large packet
 * in progress, since reads stop at its end), then commits. A large PUBLISH
 * payload then references the buffer instead of being copied out. */
guint8 *mqtt_decoder_get_space (MqttDecoder *decoder, gsize min_space, gsize *space);
void mqtt_decoder_commit (MqttDecoder *decoder, gsize n_bytes);
/* Copying input, for callers that already hold the bytes. */
void mqtt_decoder_feed (MqttDecoder *decoder, const guint8 *data, gsize length);
/* Bytes received but not yet decoded, and the size of the input buffer. */
gsize mqtt_decoder_get_pending (MqttDecoder *decoder);
gsize mqtt_decoder_get_allocated (MqttDecoder *decoder);

MqttDecodeStatus mqtt_decoder_next (MqttDecoder *decoder, MqttPacket *packet, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MqttDecoder, mqtt_decoder_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MqttPacket, mqtt_packet_clear)

G_END_DECLS
