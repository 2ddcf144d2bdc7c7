/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The session engine: the MQTT 3.1, 3.1.1 and 5 client protocol as a pure
 * state machine. Input: bytes from the broker, API calls, the monotonic time.
 * Output: bytes to send (an MqttOutbuf), events, the next deadline. It owns
 * packet identifiers, the in-flight window, the outgoing queue and its
 * limit, QoS 1/2 state in both directions, retry with DUP and keepalive;
 * at level 5 the broker's limits (Receive Maximum, Maximum Packet Size,
 * Maximum QoS, availabilities), topic aliases both ways, message expiry,
 * reason codes, DISCONNECT from either side and AUTH exchanges.
 * No sockets, no main context, no locking: MqttClient serialises calls.
 */

#pragma once

#include <glib.h>

#include "mqtt-enums.h"
#include "mqtt-message-private.h"
#include "mqtt-outbuf-private.h"
#include "mqtt-packet-private.h"
#include "mqtt-store.h"

G_BEGIN_DECLS

typedef enum {
  MQTT_SESSION_IDLE,          /* no connection, none wanted */
  MQTT_SESSION_WAITING,       /* no connection, one will be made */
  MQTT_SESSION_CONNECTING,    /* CONNECT sent, waiting for CONNACK */
  MQTT_SESSION_CONNECTED,
  MQTT_SESSION_DISCONNECTING, /* DISCONNECT queued */
} MqttSessionState;

typedef enum {
  MQTT_SESSION_EVENT_CONNACK,      /* code (return or reason code), session_present, props */
  MQTT_SESSION_EVENT_MESSAGE,      /* message */
  MQTT_SESSION_EVENT_PUBLISHED,    /* mid, code (level 5: the reason code), props */
  MQTT_SESSION_EVENT_SUBSCRIBED,   /* mid, granted, props */
  MQTT_SESSION_EVENT_UNSUBSCRIBED, /* mid, granted (level 5), props */
  MQTT_SESSION_EVENT_DROPPED,      /* mid, code (MqttError): an operation that cannot complete */
  MQTT_SESSION_EVENT_LOG,          /* code (MqttLogLevel), text */
  MQTT_SESSION_EVENT_DISCONNECT,   /* level 5: the broker's DISCONNECT: code (reason), props */
  MQTT_SESSION_EVENT_AUTH,         /* level 5: the broker's AUTH: code (reason), props */
  MQTT_SESSION_EVENT_RESUBSCRIBED, /* mid: the subscriptions held, sent again */
} MqttSessionEventType;

typedef struct {
  MqttSessionEventType type;
  guint mid;                   /* the application's id; MESSAGE: the packet id */
  gint code;
  gboolean session_present;
  MqttMessage *message;
  GBytes *granted;             /* SUBACK return codes (UNSUBACK's at level 5), one byte each */
  MqttProperties *props;       /* level 5: the packet's properties, NULL when none */
  char *text;
  GError *error;
} MqttSessionEvent;

void mqtt_session_event_clear (MqttSessionEvent *event);

typedef struct _MqttSession MqttSession;

/* The defaults of #MqttClient:max-packet-size and :max-queued-bytes. */
#define MQTT_DEFAULT_MAX_PACKET_SIZE (64u * 1024 * 1024)
#define MQTT_DEFAULT_MAX_QUEUED_BYTES (64u * 1024 * 1024)

/* Configuration, set by the client between connections. */
struct _MqttSessionConfig {
  MqttProtocolVersion protocol;
  char *client_id;
  gboolean clean_session;
  guint keepalive;              /* seconds; 0 disables keepalive */
  char *username;
  GBytes *password;
  gboolean will;
  char *will_topic;
  GBytes *will_payload;
  guint8 will_qos;
  gboolean will_retain;
  guint max_inflight;           /* QoS > 0 messages in flight; 0 = unlimited */
  guint max_queued;             /* outgoing messages held; 0 = unlimited */
  guint retry_interval;         /* seconds before an unacknowledged message is resent; 0 = never */
  gsize max_packet_size;        /* largest packet accepted from the broker */
  guint64 max_queued_bytes;     /* payload bytes held or unwritten; 0 = unlimited */
  MqttQueuePolicy queue_policy; /* what a full queue does with a new message */
  MqttResubscribe resubscribe;  /* when to subscribe again after a reconnection */
  gboolean log_packets;         /* produce LOG events for every packet */
  /* Level 5 */
  MqttProperties *connect_props; /* CONNECT's properties (session expiry, limits, auth...) */
  MqttProperties *will_props;   /* the will's properties */
  guint16 topic_alias_out;      /* topic aliases the session may assign itself; 0: none */
};
typedef struct _MqttSessionConfig MqttSessionConfig;

/* A configuration with the defaults (Paho's), to own and clear. */
void mqtt_session_config_init (MqttSessionConfig *config);
void mqtt_session_config_clear (MqttSessionConfig *config);
void mqtt_session_config_copy (MqttSessionConfig *dest, const MqttSessionConfig *src);

MqttSession *mqtt_session_new (void);
void mqtt_session_free (MqttSession *session);
/* The configuration from now on, copied: the owner (the client) sets it
 * whenever one of its options changes; what applies at connection time
 * (client id, will, credentials) is read when CONNECT is made. */
void mqtt_session_configure (MqttSession *session, const MqttSessionConfig *config);
const MqttSessionConfig *mqtt_session_get_config (MqttSession *session);

MqttSessionState mqtt_session_get_state (MqttSession *session);
MqttOutbuf *mqtt_session_get_output (MqttSession *session);
/* Moves the pending events to @events (an array of MqttSessionEvent). */
void mqtt_session_take_events (MqttSession *session, GArray *events);
gboolean mqtt_session_has_events (MqttSession *session);

/* Counts, for properties and tests. */
guint mqtt_session_get_inflight_count (MqttSession *session);
guint mqtt_session_get_queued_count (MqttSession *session);
/* In flight and sent on this connection: at level 5, within the broker's
 * Receive Maximum. */
guint mqtt_session_get_inflight_sent (MqttSession *session);
/* The keepalive in force (the broker's Server Keep Alive at level 5, when it
 * gave one). */
guint mqtt_session_get_keepalive (MqttSession *session);
const char *mqtt_session_get_server_reference (MqttSession *session);
void mqtt_session_check_alive (MqttSession *session, gint64 now, gint64 timeout);

/* Drops every message, request and identifier (Paho's reinitialise), and
 * the store, whose records stay as they are. */
void mqtt_session_reset (MqttSession *session);

/* Takes @store (open; NULL for none) for the QoS 1/2 state from now on,
 * and what it holds: messages in flight (resent with DUP and their packet
 * identifiers), messages queued, incoming QoS 2 messages not released.
 * The session is idle and holds nothing. */
gboolean mqtt_session_load_store (MqttSession *session, MqttStore *store, gint64 now,
                                  GError **error);
/* Makes the changes staged since the last call durable: the owner calls
 * it before it writes output (publish calls it itself). */
gboolean mqtt_session_commit_store (MqttSession *session, GError **error);
/* Stops using the store (closed by its owner), whatever the session holds;
 * changes not committed are not kept. */
void mqtt_session_forget_store (MqttSession *session);

/* The transport is open: queues CONNECT and waits for CONNACK. */
void mqtt_session_connection_made (MqttSession *session, gint64 now);
/* The transport is gone. Unacknowledged messages stay for the next
 * connection; @reconnect says whether one is expected. */
void mqtt_session_connection_lost (MqttSession *session, gboolean reconnect);

/* Input: read straight into the decoder, then process what arrived. */
guint8 *mqtt_session_get_read_buffer (MqttSession *session, gsize min_space, gsize *space);
gboolean mqtt_session_commit_read (MqttSession *session, gsize n_bytes, gint64 now,
                                   GError **error);
/* Processes one decoded packet (also used by commit_read); a PUBLISH's
 * topic and payload are taken from @packet. */
gboolean mqtt_session_receive (MqttSession *session, MqttPacket *packet, gint64 now,
                               GError **error);
/* Output: @n_bytes of the outbuf have been written. */
void mqtt_session_written (MqttSession *session, gsize n_bytes);

/* API calls. Arguments are validated by the caller (topics, QoS). @mid is
 * the application's identifier of the operation (for PUBLISHED, SUBSCRIBED,
 * UNSUBSCRIBED and DROPPED events), not the packet identifier, which is
 * taken when the packet is first sent: the queue is not bounded by them.
 * @props (level 5, NULL for none) are checked here, and so is what the
 * broker said it does not support, once it has said it. */
gboolean mqtt_session_publish (MqttSession *session, const char *topic, const guint8 *data,
                               gsize length, GBytes *payload, guint8 qos, gboolean retain,
                               MqttProperties *props, gint64 now, guint *mid, GError **error);
/* The same with a payload in pieces, referenced (not copied) when large. */
gboolean mqtt_session_publish_parts (MqttSession *session, const char *topic,
                                     GBytes *const *parts, guint n_parts, guint8 qos,
                                     gboolean retain, MqttProperties *props, gint64 now,
                                     guint *mid, GError **error);
gboolean mqtt_session_subscribe (MqttSession *session, MqttTopicRequest *topics, guint n_topics,
                                 MqttProperties *props, gint64 now, guint *mid, GError **error);
gboolean mqtt_session_unsubscribe (MqttSession *session, MqttTopicRequest *topics,
                                   guint n_topics, MqttProperties *props, gint64 now, guint *mid,
                                   GError **error);
/* Queues DISCONNECT if connected, at level 5 with @reason and @props
 * (checked by the caller); returns whether it did. */
gboolean mqtt_session_send_disconnect (MqttSession *session, guint8 reason,
                                       MqttProperties *props, gint64 now);
/* Level 5: answers the broker's AUTH (reason 0x18, continue) or starts a
 * re-authentication (0x19) while connected. */
gboolean mqtt_session_send_auth (MqttSession *session, guint8 reason, MqttProperties *props,
                                 gint64 now, GError **error);

/* Time: the next instant tick() has work to do (G_MAXINT64 for none), and
 * the work: PINGREQ, retries, and the keepalive and CONNACK timeouts. */
gint64 mqtt_session_next_deadline (MqttSession *session);
gboolean mqtt_session_tick (MqttSession *session, gint64 now, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MqttSession, mqtt_session_free)

G_END_DECLS
