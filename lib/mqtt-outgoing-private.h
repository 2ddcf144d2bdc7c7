/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The outgoing side of a session (internal): messages and requests until
 * their acknowledgement, the identifiers they are known by, and the store
 * that keeps QoS 1/2 state beyond the process (see mqtt-store-private.h
 * for its records). The session engine owns one MqttOutgoing and reads its
 * queues directly; what is sent, when, and what is reported is the
 * session's. Changes to the store are staged as they happen and committed
 * by mqtt_outgoing_commit().
 */

#pragma once

#include <glib.h>

#include "mqtt-packet-private.h"
#include "mqtt-store-private.h"

G_BEGIN_DECLS

typedef enum {
  OUT_QUEUED,        /* not sent on this connection */
  OUT_WAIT_PUBACK,   /* QoS 1 PUBLISH sent */
  OUT_WAIT_PUBREC,   /* QoS 2 PUBLISH sent */
  OUT_WAIT_PUBCOMP,  /* QoS 2 PUBREL sent */
} OutState;

typedef enum {
  RECORD_MESSAGE,
  RECORD_REQUEST,
} RecordKind;

/* What outgoing messages and requests share. The application knows them
 * by mid, a 32-bit counter; the broker by packet_id, a 16-bit identifier
 * taken at the first send and given back at completion. The queue of
 * unsent messages is thus not limited by the 65535 packet identifiers. */
typedef struct {
  RecordKind kind;
  GList link;
  guint mid;
  guint16 packet_id;   /* 0 until sent */
} Record;

/* An outgoing message. It is in exactly one of the queues `queued` (not sent
 * yet) and `inflight` (sent, ordered by the time of the last send). */
typedef struct {
  Record r;
  guint8 qos;
  gboolean retain;
  gboolean sent_once;   /* resends carry DUP */
  guint sent_on;        /* the connection of the last send (see connection_serial) */
  guint counted_on;     /* the connection whose Receive Maximum counts its PUBLISH */
  OutState state;
  char *topic;          /* a GRefString, interned: messages to one topic share it */
  GBytes **parts;       /* the payload, in pieces: &part for one */
  GBytes *part;
  guint n_parts;
  gint64 sent_at;
  MqttProperties *props;  /* level 5, NULL for none */
  gint64 queued_at;       /* for the Message Expiry Interval */
  gboolean stored;        /* its records are in the store */
  guint16 stored_id;      /* the packet id the store has for it, 0 for none */
} OutMessage;

/* An outgoing SUBSCRIBE or UNSUBSCRIBE, until its acknowledgement. */
typedef struct {
  Record r;
  gboolean subscribe;
  gboolean sent;
  MqttTopicRequest *topics;
  guint n_topics;
  MqttProperties *props;  /* level 5, NULL for none */
} OutRequest;

/* What a session has outgoing. */
typedef struct {
  GQueue queued;              /* OutMessage, FIFO */
  GQueue inflight;            /* OutMessage, oldest send first */
  GQueue requests;            /* OutRequest, oldest first */
  guint n_records;            /* messages and requests held */
  gsize held_bytes;           /* payload bytes of the messages held */
  GHashTable *by_packet_id;   /* packet_id -> Record, for what was sent */
  guint last_mid;
  guint16 last_packet_id;
  char *last_topic;           /* the last message's topic (a GRefString), for the next */
  MqttStore *store;           /* open, or NULL: where QoS 1/2 state outlives the process */
  gboolean store_staged;      /* changes staged since the last commit */
} MqttOutgoing;

void mqtt_outgoing_init (MqttOutgoing *og);

/* A new message's topic and payload (@n_parts pieces, referenced), the
 * one place where they are set. */
void mqtt_outgoing_set_content (MqttOutgoing *og, OutMessage *message, const char *topic,
                                GBytes *const *parts, guint n_parts);
void mqtt_outgoing_clear (MqttOutgoing *og);

/* Records: freeing one (it must be in no queue), or every one of @queue. */
void mqtt_outgoing_drop_payload (MqttOutgoing *og, OutMessage *message);
void mqtt_outgoing_free_message (MqttOutgoing *og, OutMessage *message);
void mqtt_out_request_free (OutRequest *request);
void mqtt_outgoing_free_record (MqttOutgoing *og, Record *record);
void mqtt_outgoing_clear_queue (MqttOutgoing *og, GQueue *queue);

/* Identifiers: the application's mids, and the packet identifiers taken at
 * the first send (FALSE when all 65535 are taken) and given back at
 * completion. */
guint mqtt_outgoing_allocate_mid (MqttOutgoing *og);
gboolean mqtt_outgoing_take_packet_id (MqttOutgoing *og, Record *record);
void mqtt_outgoing_release_packet_id (MqttOutgoing *og, Record *record);
Record *mqtt_outgoing_find_sent (MqttOutgoing *og, guint16 packet_id, RecordKind kind);

/* The store (no-ops without one): a QoS 1/2 message as published (with its
 * packet identifier if it has one), the packet identifier it took later,
 * its PUBREL stage, its end; an incoming QoS 2 message acknowledged by
 * PUBREC (@digest) or released by PUBREL. */
void mqtt_outgoing_store_message (MqttOutgoing *og, OutMessage *message, gint64 now);
void mqtt_outgoing_store_packet_id (MqttOutgoing *og, OutMessage *message);
void mqtt_outgoing_store_released (MqttOutgoing *og, OutMessage *message);
void mqtt_outgoing_unstore_message (MqttOutgoing *og, OutMessage *message);
void mqtt_outgoing_store_incoming (MqttOutgoing *og, guint16 packet_id, guint32 digest,
                                   gboolean released);
gboolean mqtt_outgoing_commit (MqttOutgoing *og, GError **error);

/* Takes @store (open; NULL for none) and what it holds, with nothing held:
 * messages sent before (in flight, with their packet identifiers, to be
 * resent with DUP), messages queued, and the incoming QoS 2 messages not
 * released, into @incoming (packet id -> digest). On failure nothing is
 * taken. */
gboolean mqtt_outgoing_load (MqttOutgoing *og, MqttStore *store, GHashTable *incoming,
                             gint64 now, GError **error);

G_END_DECLS
