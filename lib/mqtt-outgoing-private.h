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

/* A message sent at least once, until its flow is over: in the queue
 * `inflight`, ordered by the time of the last send. */
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

/* A message not sent yet, as the queue packs it: this head, then with
 * QUEUED_PROPS a QueuedTerms, then the payload: @n_parts GBytes
 * references, or with @n_parts 0 its bytes. */
typedef enum {
  QUEUED_RETAIN = 1 << 0,
  QUEUED_STORED = 1 << 1,    /* its record is in the store */
  QUEUED_PROPS = 1 << 2,
} QueuedFlags;

typedef struct {
  guint32 size;       /* of the whole entry, a multiple of 8 */
  guint32 length;     /* payload bytes */
  guint mid;
  guint8 qos;
  guint8 flags;       /* QueuedFlags */
  guint16 n_parts;
  char *topic;        /* a GRefString, interned: messages to one topic share it */
} Queued;

typedef struct {
  MqttProperties *props;
  gint64 queued_at;   /* for the Message Expiry Interval */
} QueuedTerms;

typedef struct _QueueChunk QueueChunk;

/* The messages not sent yet, FIFO, packed one after another in large
 * chunks: a message queued costs its payload and 24 bytes, with no
 * allocation of its own. A chunk goes when its last message does. */
typedef struct {
  QueueChunk *head;
  QueueChunk *tail;
  guint length;
} OutQueue;

/* What a session has outgoing. */
typedef struct {
  OutQueue queued;            /* Queued, FIFO */
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

void mqtt_outgoing_clear (MqttOutgoing *og);

/* A new record of a message sent at once: its payload is @data (copied)
 * when @n_parts is 0, else @parts (referenced); @length is its size. Held
 * bytes count it. */
OutMessage *mqtt_outgoing_new_message (MqttOutgoing *og, guint mid, const char *topic,
                                       const guint8 *data, gsize length, GBytes *const *parts,
                                       guint n_parts, guint8 qos, gboolean retain,
                                       MqttProperties *props, gint64 queued_at);

/* The queue of messages not sent yet. A message goes in with its payload
 * as for mqtt_outgoing_new_message() (small parts are copied, large ones
 * referenced). The oldest can be looked at (NULL for none; valid until
 * the queue changes), dropped, or taken out as an OutMessage to send. */
void mqtt_outgoing_queue (MqttOutgoing *og, guint mid, const char *topic, const guint8 *data,
                          gsize length, GBytes *const *parts, guint n_parts, guint8 qos,
                          gboolean retain, MqttProperties *props, gint64 queued_at,
                          gboolean stored);
Queued *mqtt_outgoing_peek_queued (MqttOutgoing *og);
void mqtt_outgoing_drop_queued (MqttOutgoing *og);
OutMessage *mqtt_outgoing_take_queued (MqttOutgoing *og);
void mqtt_outgoing_clear_queued (MqttOutgoing *og);

/* A queued message's properties (NULL for none), the time it was queued
 * (@now when it has no properties: nothing depends on it then), and its
 * payload: bytes when n_parts is 0, else parts. */
MqttProperties *mqtt_queued_get_props (const Queued *queued);
gint64 mqtt_queued_get_time (const Queued *queued, gint64 now);
const guint8 *mqtt_queued_get_data (const Queued *queued);
GBytes *const *mqtt_queued_get_parts (const Queued *queued);

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
gboolean mqtt_outgoing_has_packet_id (MqttOutgoing *og);
Record *mqtt_outgoing_find_sent (MqttOutgoing *og, guint16 packet_id, RecordKind kind);

/* The store (no-ops without one): a QoS 1/2 message as published now
 * (with its packet identifier if it has one), the packet identifier it
 * took later, its PUBREL stage, its end (by message, or by mid for one
 * queued); an incoming QoS 2 message acknowledged by PUBREC (@digest) or
 * released by PUBREL. */
void mqtt_outgoing_store_new (MqttOutgoing *og, guint mid, guint16 packet_id, const char *topic,
                              GBytes *const *parts, guint n_parts, guint8 qos, gboolean retain,
                              MqttProperties *props);
void mqtt_outgoing_store_packet_id (MqttOutgoing *og, OutMessage *message);
void mqtt_outgoing_store_released (MqttOutgoing *og, OutMessage *message);
void mqtt_outgoing_unstore_message (MqttOutgoing *og, OutMessage *message);
void mqtt_outgoing_unstore (MqttOutgoing *og, guint mid);
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
