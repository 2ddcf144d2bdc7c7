/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * Inside the session engine (internal to mqtt-session.c and
 * mqtt-session-output.c): its state, and the layer beneath the API, the
 * input and the timers: events and log lines for the owner, packets
 * written to the output, and the flow of waiting messages into the
 * window. mqtt-session.c calls this layer; it calls nothing there.
 */

#pragma once

#include <glib.h>

#include "mqtt-outgoing-private.h"
#include "mqtt-session-private.h"
#include "mqtt-subscriptions-private.h"
#include "mqtt-terms-private.h"

G_BEGIN_DECLS

#define USEC_PER_SEC G_GINT64_CONSTANT (1000000)

struct _MqttSession {
  MqttSessionConfig config;
  MqttSessionState state;
  MqttDecoder *decoder;
  MqttOutbuf *out;
  GArray *events;

  MqttOutgoing outgoing;      /* messages and requests, their identifiers, the store */
  GHashTable *incoming_qos2;  /* packet id -> digest: PUBREC sent, until PUBREL */
  /* packet id -> digest of the QoS 2 messages completed by PUBREL (the
   * latest, at most COMPLETED_QOS2_MAX): mosquitto 2.0 resends such a
   * message, with DUP, after a restart with persistence. */
  GHashTable *completed_qos2;
  /* Acknowledgements for a packet id nothing waits for are a protocol
   * error, except for ids sent more than once on this connection: the
   * broker may acknowledge each send. */
  guint connection_serial;
  GHashTable *resent_ids;
  /* PUBLISH packets of QoS 1 and 2 sent on this connection and not yet
   * acknowledged: at level 5 the broker's Receive Maximum bounds them
   * (section 4.9), and messages beyond it after a reconnection wait to be
   * resent until acknowledgements make room. A PUBREL counts for nothing. */
  guint inflight_sent;
  guint inflight_unsent;      /* in flight, not sent again on this connection */

  gint64 connect_started;
  gint64 last_in;
  gint64 last_out;
  gint64 ping_sent;           /* 0: no PINGREQ outstanding */
  gint64 ping_due;            /* when its PINGRESP is due (with ping_sent) */
  guint keepalive;            /* in force: the config's, or the broker's Server Keep Alive */

  char *assigned_client_id;  /* level 5: the broker's name for this client */
  char *server_reference;    /* level 5: where the broker sent us (0x9C, 0x9D), or NULL */
  MqttSubscriptions *subscriptions;  /* what to subscribe to again (config.resubscribe) */
  guint accepted;            /* connections the broker accepted */
  MqttTerms terms;            /* level 5: the limits of this connection */
};

static inline gboolean
is_v5 (MqttSession *session)
{
  return session->config.protocol >= MQTT_PROTOCOL_V5;
}

/* Events for the owner, and log lines (packets only with log_packets). */
MqttSessionEvent *mqtt_session_push_event (MqttSession *session, MqttSessionEventType type,
                                           guint mid);
void mqtt_session_log (MqttSession *session, MqttLogLevel level, const char *format, ...)
  G_GNUC_PRINTF (3, 4);
void mqtt_session_push_dropped (MqttSession *session, guint mid, MqttError code);

#define log_packet(session, ...)                                     \
  G_STMT_START                                                       \
  {                                                                  \
    if ((session)->config.log_packets)                               \
      mqtt_session_log ((session), MQTT_LOG_DEBUG, __VA_ARGS__);     \
  }                                                                  \
  G_STMT_END

/* Packets out. A PUBLISH's payload is @data (copied), or the
 * concatenation of @parts (referenced when large); @length is its size. */
void mqtt_session_send_ack (MqttSession *session, MqttPacketType type, guint16 mid, gint64 now);
void mqtt_session_send_connect (MqttSession *session, gint64 now);
gsize mqtt_session_parts_size (GBytes *const *parts, guint n_parts);
void mqtt_session_send_publish (MqttSession *session, const char *topic, gsize topic_length,
                                const guint8 *data, gsize length, GBytes *const *parts,
                                guint n_parts, guint8 qos, gboolean retain, gboolean dup,
                                guint16 mid, MqttProperties *props, gint64 queued_at,
                                gint64 now);
void mqtt_session_send_message (MqttSession *session, OutMessage *message, gint64 now);
void mqtt_session_send_request (MqttSession *session, OutRequest *request, gint64 now);

/* What waits to be sent: room in flight, the size a PUBLISH would have,
 * the oldest queued message dropped (reported with @code unless
 * MQTT_ERROR_SUCCESS), a QoS 1/2 message's first send, everything that
 * may go now (connected only), and room in the queue for @length more
 * payload bytes (making it by dropping the oldest under that policy). */
gboolean mqtt_session_window_open (MqttSession *session);
gsize mqtt_session_publish_remaining (MqttSession *session, gsize topic_length, gsize length,
                                      guint8 qos, MqttProperties *props);
void mqtt_session_drop_queued (MqttSession *session, MqttError code);
void mqtt_session_send_first (MqttSession *session, OutMessage *message, gint64 now);
void mqtt_session_send_waiting (MqttSession *session, gint64 now);
gboolean mqtt_session_bytes_have_room (MqttSession *session, gsize length, GError **error);
gboolean mqtt_session_make_room (MqttSession *session, gsize length, GError **error);

G_END_DECLS
