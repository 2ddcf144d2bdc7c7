/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The MQTT codec: control packets <-> bytes. No I/O, no GObject. Private.
 */

#pragma once

#include <glib.h>

#include "mqtt-enums.h"
#include "mqtt-properties.h"
#include "mqtt-wire-private.h"

G_BEGIN_DECLS

/* The largest remaining length the 4-byte variable integer can encode. */
#define MQTT_MAX_REMAINING_LENGTH MQTT_VARINT_MAX
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
  MQTT_PACKET_AUTH = 15,       /* level 5 only */
} MqttPacketType;

/* The subscription options of MQTT 5 beside the QoS (section 3.8.3.1). */
#define MQTT_SUBSCRIBE_NO_LOCAL 0x04
#define MQTT_SUBSCRIBE_RETAIN_AS_PUBLISHED 0x08
#define MQTT_SUBSCRIBE_RETAIN_HANDLING_SHIFT 4
#define MQTT_SUBSCRIBE_OPTIONS_MASK 0x3c
/* MqttSubscribeFlags are these bits. */
G_STATIC_ASSERT (MQTT_SUBSCRIBE_NO_LOCAL == MQTT_SUBSCRIBE_FLAGS_NO_LOCAL);
G_STATIC_ASSERT (MQTT_SUBSCRIBE_RETAIN_AS_PUBLISHED == MQTT_SUBSCRIBE_FLAGS_RETAIN_AS_PUBLISHED);
G_STATIC_ASSERT (1 << MQTT_SUBSCRIBE_RETAIN_HANDLING_SHIFT == MQTT_SUBSCRIBE_FLAGS_RETAINED_IF_NEW);
G_STATIC_ASSERT (2 << MQTT_SUBSCRIBE_RETAIN_HANDLING_SHIFT == MQTT_SUBSCRIBE_FLAGS_NO_RETAINED);

typedef struct {
  char *filter;
  guint8 qos;      /* requested QoS; unused for UNSUBSCRIBE */
  guint8 options;  /* level 5: MQTT_SUBSCRIBE_* bits of the options byte */
} MqttTopicRequest;

/* One control packet. Strings, byte blocks and properties are owned by the
 * packet and freed by mqtt_packet_clear(). */
typedef struct {
  MqttPacketType type;
  /* PUBACK, PUBREC, PUBREL, PUBCOMP, PUBLISH with QoS > 0, SUBSCRIBE,
   * SUBACK, UNSUBSCRIBE, UNSUBACK */
  guint16 packet_id;
  /* Level 5: the reason code of PUBACK, PUBREC, PUBREL, PUBCOMP,
   * DISCONNECT and AUTH (CONNACK's is connack.return_code, SUBACK's and
   * UNSUBACK's are suback.return_codes). */
  guint8 reason_code;
  /* Level 5: the packet's properties, NULL when it has none. */
  MqttProperties *props;
  union {
    struct {
      guint8 protocol_level;   /* as decoded; the encoder uses its argument */
      gboolean clean_session;  /* Clean Start at level 5 */
      guint16 keepalive;
      char *client_id;         /* may be "" */
      gboolean will;
      char *will_topic;
      GBytes *will_payload;
      guint8 will_qos;
      gboolean will_retain;
      MqttProperties *will_props; /* level 5, NULL when none */
      char *username;          /* NULL when absent */
      GBytes *password;        /* NULL when absent */
    } connect;
    struct {
      gboolean session_present;
      guint8 return_code;      /* the reason code at level 5 */
    } connack;
    struct {
      char *topic;             /* "" at level 5 when a topic alias stands for it */
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
      guint8 *return_codes;    /* reason codes at level 5 */
      guint n_return_codes;
    } suback;                  /* also UNSUBACK at level 5 */
  };
} MqttPacket;

void mqtt_packet_clear (MqttPacket *packet);
const char *mqtt_packet_type_name (MqttPacketType type);

/* Encoding appends one whole packet to @out. Fails, leaving @out as it was,
 * only on what the protocol cannot carry: a string or payload too long, or
 * a remaining length above 268435455 (MQTT_ERROR_PAYLOAD_SIZE). Contents
 * (topics, QoS, which properties) are the caller's to validate. The CONNECT
 * protocol name and level come from @level, and so does the form of every
 * packet: reason codes and properties are written at level 5 only, an
 * acknowledgement in its shortest form (no reason code for success
 * without properties). */
gboolean mqtt_packet_encode (const MqttPacket *packet,
                             MqttProtocolVersion level,
                             GByteArray *out,
                             GError **error);

/* The hot path of PUBLISH: appends everything but the payload, so that the
 * payload can be written from the caller's own buffer. Fails only when the
 * packet would be too large. @props (level 5 only, may be NULL) come after
 * the packet identifier. */
gboolean mqtt_packet_encode_publish_head (GByteArray *out,
                                          MqttProtocolVersion level,
                                          MqttProperties *props,
                                          const char *topic,
                                          gsize topic_length,
                                          guint8 qos,
                                          gboolean retain,
                                          gboolean dup,
                                          guint16 packet_id,
                                          gsize payload_length,
                                          GError **error);

/* Appends one of the 4-byte acknowledgements (PUBACK, PUBREC, PUBREL,
 * PUBCOMP, and UNSUBACK below level 5) or a 2-byte PINGREQ/PINGRESP/
 * DISCONNECT (AUTH too): the forms of success without properties. */
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
/* The reason code an MQTT 5 receiver sends in DISCONNECT for a decoding
 * error: 0x81 Malformed Packet, 0x82 Protocol Error, 0x95 Packet Too Large,
 * 0x94 Topic Alias Invalid... */
guint8 mqtt_packet_error_reason_code (const GError *error);

/* Whether @code is one a packet of @type may carry at level 5. */
gboolean mqtt_packet_reason_code_valid (MqttPacketType type, guint8 code);

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
