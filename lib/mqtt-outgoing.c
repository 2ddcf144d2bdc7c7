/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The outgoing side of a session (see mqtt-outgoing-private.h): the
 * records of messages and requests, their identifiers, and what of them
 * the store keeps and gives back after a restart. No events, no output:
 * the session engine decides what to send and what to report.
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "mqtt-outbuf-private.h"
#include "mqtt-outgoing-private.h"

/* Queue chunks grow from the first to the largest size while a queue
 * does, so that a client that queues a few messages keeps little. */
#define QUEUE_CHUNK_MIN 1024
#define QUEUE_CHUNK_MAX (64 * 1024)

struct _QueueChunk {
  QueueChunk *next;
  gsize start;        /* the oldest entry */
  gsize end;          /* where the next one goes */
  gsize capacity;
  guint8 data[];      /* entries, at multiples of 8 */
};


void
mqtt_outgoing_init (MqttOutgoing *og)
{
  memset (og, 0, sizeof *og);
  og->by_packet_id = g_hash_table_new (NULL, NULL);
}

void
mqtt_outgoing_clear (MqttOutgoing *og)
{
  mqtt_outgoing_clear_queued (og);
  mqtt_outgoing_clear_queue (og, &og->inflight);
  mqtt_outgoing_clear_queue (og, &og->requests);
  g_clear_pointer (&og->by_packet_id, g_hash_table_unref);
  g_clear_pointer (&og->last_topic, g_ref_string_release);
  g_clear_object (&og->store);
}

void
mqtt_outgoing_drop_payload (MqttOutgoing *og, OutMessage *message)
{
  guint i;

  for (i = 0; i < message->n_parts; i++)
    {
      og->held_bytes -= g_bytes_get_size (message->parts[i]);
      g_bytes_unref (message->parts[i]);
    }
  if (message->parts != &message->part)
    g_free (message->parts);
  message->parts = NULL;
  message->n_parts = 0;
}

void
mqtt_outgoing_free_message (MqttOutgoing *og, OutMessage *message)
{
  g_clear_pointer (&message->props, mqtt_properties_unref);
  g_clear_pointer (&message->topic, g_ref_string_release);
  mqtt_outgoing_drop_payload (og, message);
  g_free (message);
}

void
mqtt_out_request_free (OutRequest *request)
{
  guint i;

  for (i = 0; i < request->n_topics; i++)
    g_free (request->topics[i].filter);
  g_free (request->topics);
  g_clear_pointer (&request->props, mqtt_properties_unref);
  g_free (request);
}

void
mqtt_outgoing_free_record (MqttOutgoing *og, Record *record)
{
  if (record->kind == RECORD_MESSAGE)
    mqtt_outgoing_free_message (og, (OutMessage *) record);
  else
    mqtt_out_request_free ((OutRequest *) record);
}

/* Frees every record of @queue. */
void
mqtt_outgoing_clear_queue (MqttOutgoing *og, GQueue *queue)
{
  GList *l;

  while ((l = g_queue_pop_head_link (queue)))
    mqtt_outgoing_free_record (og, l->data);
}

/* ------------------------------------------------------------------------ */
/* Messages, sent and queued */

/* Queued messages mostly go to a few topics: one copy of each, the last
 * one at hand without the process-wide table's lock. */
static char *
intern_topic (MqttOutgoing *og, const char *topic)
{
  if (og->last_topic == NULL || strcmp (og->last_topic, topic) != 0)
    {
      g_clear_pointer (&og->last_topic, g_ref_string_release);
      og->last_topic = g_ref_string_new_intern (topic);
    }
  return g_ref_string_acquire (og->last_topic);
}

/* Takes @topic, a reference to an interned string. */
static OutMessage *
message_new (MqttOutgoing *og, guint mid, char *topic, const guint8 *data, gsize length,
             GBytes *const *parts, guint n_parts, guint8 qos, gboolean retain,
             MqttProperties *props, gint64 queued_at)
{
  OutMessage *message = g_new0 (OutMessage, 1);
  guint i;

  message->r.kind = RECORD_MESSAGE;
  message->r.link.data = message;
  message->r.mid = mid;
  message->qos = qos;
  message->retain = retain;
  message->state = OUT_QUEUED;
  message->topic = topic;
  message->props = props ? mqtt_properties_ref (props) : NULL;
  message->queued_at = queued_at;
  /* One piece, the usual case, needs no array of its own. */
  message->n_parts = MAX (n_parts, 1);
  message->parts = message->n_parts == 1 ? &message->part : g_new (GBytes *, n_parts);
  if (n_parts == 0)
    message->part = g_bytes_new (data, length);
  for (i = 0; i < n_parts; i++)
    message->parts[i] = g_bytes_ref (parts[i]);
  og->held_bytes += length;
  return message;
}

OutMessage *
mqtt_outgoing_new_message (MqttOutgoing *og, guint mid, const char *topic, const guint8 *data,
                           gsize length, GBytes *const *parts, guint n_parts, guint8 qos,
                           gboolean retain, MqttProperties *props, gint64 queued_at)
{
  return message_new (og, mid, intern_topic (og, topic), data, length, parts, n_parts, qos,
                      retain, props, queued_at);
}

static QueuedTerms *
queued_terms (const Queued *queued)
{
  return queued->flags & QUEUED_PROPS ? (QueuedTerms *) (queued + 1) : NULL;
}

static guint8 *
queued_payload (const Queued *queued)
{
  return (guint8 *) (queued + 1) + (queued->flags & QUEUED_PROPS ? sizeof (QueuedTerms) : 0);
}

MqttProperties *
mqtt_queued_get_props (const Queued *queued)
{
  QueuedTerms *terms = queued_terms (queued);

  return terms ? terms->props : NULL;
}

gint64
mqtt_queued_get_time (const Queued *queued, gint64 now)
{
  QueuedTerms *terms = queued_terms (queued);

  return terms ? terms->queued_at : now;
}

const guint8 *
mqtt_queued_get_data (const Queued *queued)
{
  return queued->n_parts == 0 ? queued_payload (queued) : NULL;
}

GBytes *const *
mqtt_queued_get_parts (const Queued *queued)
{
  return queued->n_parts > 0 ? (GBytes *const *) queued_payload (queued) : NULL;
}

/* Room for an entry of @size bytes at the queue's end. */
static Queued *
queue_reserve (OutQueue *queue, gsize size)
{
  QueueChunk *chunk = queue->tail;

  if (chunk == NULL || chunk->capacity - chunk->end < size)
    {
      gsize capacity = chunk ? MIN (chunk->capacity * 2, QUEUE_CHUNK_MAX) : QUEUE_CHUNK_MIN;

      capacity = MAX (capacity, size);
      chunk = g_malloc (sizeof (QueueChunk) + capacity);
      chunk->next = NULL;
      chunk->start = chunk->end = 0;
      chunk->capacity = capacity;
      if (queue->tail)
        queue->tail->next = chunk;
      else
        queue->head = chunk;
      queue->tail = chunk;
    }
  chunk->end += size;
  return (Queued *) (chunk->data + chunk->end - size);
}

void
mqtt_outgoing_queue (MqttOutgoing *og, guint mid, const char *topic, const guint8 *data,
                     gsize length, GBytes *const *parts, guint n_parts, guint8 qos,
                     gboolean retain, MqttProperties *props, gint64 queued_at, gboolean stored)
{
  /* Large parts are kept as they are, as the output would keep them. */
  gboolean copy = n_parts == 0 || n_parts > G_MAXUINT16 || length < MQTT_OUTBUF_ZEROCOPY_MIN;
  gsize size = sizeof (Queued) + (props ? sizeof (QueuedTerms) : 0) +
               (copy ? length : n_parts * sizeof (GBytes *));
  Queued *queued;
  guint8 *payload;
  guint i;

  size = (size + 7) & ~(gsize) 7;
  queued = queue_reserve (&og->queued, size);
  queued->size = size;
  queued->length = length;
  queued->mid = mid;
  queued->qos = qos;
  queued->flags = (retain ? QUEUED_RETAIN : 0) | (stored ? QUEUED_STORED : 0) |
                  (props ? QUEUED_PROPS : 0);
  queued->n_parts = copy ? 0 : n_parts;
  queued->topic = intern_topic (og, topic);
  if (props)
    {
      QueuedTerms *terms = queued_terms (queued);

      terms->props = mqtt_properties_ref (props);
      terms->queued_at = queued_at;
    }
  payload = queued_payload (queued);
  if (!copy)
    for (i = 0; i < n_parts; i++)
      ((GBytes **) payload)[i] = g_bytes_ref (parts[i]);
  else if (n_parts == 0 && length > 0)
    memcpy (payload, data, length);
  else
    for (i = 0; i < n_parts; i++)
      {
        gsize size_i;
        gconstpointer piece = g_bytes_get_data (parts[i], &size_i);

        if (size_i > 0)
          memcpy (payload, piece, size_i);
        payload += size_i;
      }
  og->queued.length++;
  og->held_bytes += length;
}

Queued *
mqtt_outgoing_peek_queued (MqttOutgoing *og)
{
  QueueChunk *chunk = og->queued.head;

  return chunk ? (Queued *) (chunk->data + chunk->start) : NULL;
}

void
mqtt_outgoing_drop_queued (MqttOutgoing *og)
{
  OutQueue *queue = &og->queued;
  QueueChunk *chunk = queue->head;
  Queued *queued = mqtt_outgoing_peek_queued (og);
  GBytes *const *parts = mqtt_queued_get_parts (queued);
  guint i;

  g_ref_string_release (queued->topic);
  if (queued->flags & QUEUED_PROPS)
    mqtt_properties_unref (queued_terms (queued)->props);
  for (i = 0; i < queued->n_parts; i++)
    g_bytes_unref (parts[i]);
  og->held_bytes -= queued->length;
  queue->length--;
  chunk->start += queued->size;
  if (chunk->start == chunk->end)
    {
      queue->head = chunk->next;
      if (queue->head == NULL)
        queue->tail = NULL;
      g_free (chunk);
    }
}

OutMessage *
mqtt_outgoing_take_queued (MqttOutgoing *og)
{
  Queued *queued = mqtt_outgoing_peek_queued (og);
  OutMessage *message = message_new (og, queued->mid, g_ref_string_acquire (queued->topic),
                                     mqtt_queued_get_data (queued), queued->length,
                                     mqtt_queued_get_parts (queued), queued->n_parts,
                                     queued->qos, queued->flags & QUEUED_RETAIN,
                                     mqtt_queued_get_props (queued),
                                     mqtt_queued_get_time (queued, 0));

  message->stored = (queued->flags & QUEUED_STORED) != 0;
  mqtt_outgoing_drop_queued (og);
  return message;
}

void
mqtt_outgoing_clear_queued (MqttOutgoing *og)
{
  while (og->queued.head)
    mqtt_outgoing_drop_queued (og);
}

/* ------------------------------------------------------------------------ */
/* Identifiers */

guint
mqtt_outgoing_allocate_mid (MqttOutgoing *og)
{
  og->last_mid = og->last_mid == G_MAXUINT ? 1 : og->last_mid + 1;
  return og->last_mid;
}

/* Gives @record a packet identifier no other sent record holds; FALSE when
 * all 65535 are taken (the record then waits). */
gboolean
mqtt_outgoing_take_packet_id (MqttOutgoing *og, Record *record)
{
  guint tries;

  if (record->packet_id != 0)
    return TRUE;
  for (tries = 0; tries < G_MAXUINT16; tries++)
    {
      og->last_packet_id = og->last_packet_id == G_MAXUINT16
                                  ? 1 : og->last_packet_id + 1;
      if (!g_hash_table_contains (og->by_packet_id,
                                  GUINT_TO_POINTER (og->last_packet_id)))
        {
          record->packet_id = og->last_packet_id;
          g_hash_table_insert (og->by_packet_id, GUINT_TO_POINTER (record->packet_id), record);
          return TRUE;
        }
    }
  return FALSE;
}

void
mqtt_outgoing_release_packet_id (MqttOutgoing *og, Record *record)
{
  if (record->packet_id == 0)
    return;
  g_hash_table_remove (og->by_packet_id, GUINT_TO_POINTER (record->packet_id));
  record->packet_id = 0;
}

/* Whether a packet identifier is free for the next message. */
gboolean
mqtt_outgoing_has_packet_id (MqttOutgoing *og)
{
  return g_hash_table_size (og->by_packet_id) < G_MAXUINT16;
}

Record *
mqtt_outgoing_find_sent (MqttOutgoing *og, guint16 packet_id, RecordKind kind)
{
  Record *record = g_hash_table_lookup (og->by_packet_id, GUINT_TO_POINTER (packet_id));

  return record && record->kind == kind ? record : NULL;
}

/* ------------------------------------------------------------------------ */
/* The store: what outlives the process (see mqtt-store-private.h). Changes
 * are staged as they happen and committed by the owner before the packets
 * that follow from them are written, and by publish before it returns. */

static void
stage (MqttOutgoing *og, MqttStoredKind kind, guint32 id, GBytes *value)
{
  guint64 key = mqtt_store_key (kind, id);

  if (value)
    mqtt_store_put (og->store, key, value);
  else
    mqtt_store_remove (og->store, key);
  g_clear_pointer (&value, g_bytes_unref);
  og->store_staged = TRUE;
}

/* A QoS 1 or 2 message as published now, with its packet identifier if it
 * has one already. */
void
mqtt_outgoing_store_new (MqttOutgoing *og, guint mid, guint16 packet_id, const char *topic,
                         GBytes *const *parts, guint n_parts, guint8 qos, gboolean retain,
                         MqttProperties *props)
{
  if (og->store == NULL || qos == 0)
    return;
  stage (og, MQTT_STORED_MESSAGE, mid,
         mqtt_store_encode_message (packet_id, g_get_real_time (), topic, parts, n_parts, qos,
                                    retain, props));
}

/* The packet identifier a stored message was given when it was first
 * sent: a resend after a restart uses the same. */
void
mqtt_outgoing_store_packet_id (MqttOutgoing *og, OutMessage *message)
{
  if (og->store == NULL || !message->stored || message->stored_id == message->r.packet_id)
    return;
  stage (og, MQTT_STORED_PACKET_ID, message->r.mid,
         mqtt_store_encode_number (MQTT_STORED_PACKET_ID, message->r.packet_id));
  message->stored_id = message->r.packet_id;
}

/* PUBREC came: only PUBREL is left to send, the payload goes. */
void
mqtt_outgoing_store_released (MqttOutgoing *og, OutMessage *message)
{
  if (og->store == NULL || !message->stored)
    return;
  stage (og, MQTT_STORED_RELEASED, message->r.mid,
         mqtt_store_encode_number (MQTT_STORED_RELEASED, message->r.packet_id));
  stage (og, MQTT_STORED_MESSAGE, message->r.mid, NULL);
  stage (og, MQTT_STORED_PACKET_ID, message->r.mid, NULL);
}

void
mqtt_outgoing_unstore (MqttOutgoing *og, guint mid)
{
  if (og->store == NULL)
    return;
  stage (og, MQTT_STORED_PACKET_ID, mid, NULL);
  stage (og, MQTT_STORED_MESSAGE, mid, NULL);
  stage (og, MQTT_STORED_RELEASED, mid, NULL);
}

void
mqtt_outgoing_unstore_message (MqttOutgoing *og, OutMessage *message)
{
  if (!message->stored)
    return;
  mqtt_outgoing_unstore (og, message->r.mid);
  message->stored = FALSE;
}

/* An incoming QoS 2 message acknowledged with PUBREC (@digest), or with
 * @digest 0 released by PUBREL. */
void
mqtt_outgoing_store_incoming (MqttOutgoing *og, guint16 packet_id, guint32 digest,
                              gboolean released)
{
  if (og->store)
    stage (og, MQTT_STORED_INCOMING, packet_id,
           released ? NULL : mqtt_store_encode_number (MQTT_STORED_INCOMING, digest));
}

gboolean
mqtt_outgoing_commit (MqttOutgoing *og, GError **error)
{
  if (!og->store_staged)
    return TRUE;
  if (!mqtt_store_commit (og->store, error))
    return FALSE;
  og->store_staged = FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Recovery from a store */

/* What the records of one message say, gathered before it is rebuilt. */
typedef struct {
  guint mid;
  MqttStoredRecord *message;  /* its MESSAGE record, or NULL */
  guint16 packet_id;          /* from MESSAGE, PACKET_ID or RELEASED */
  gboolean released;
  guint place;                /* the last record about it: its place in flight */
} Recovered;

typedef struct {
  GPtrArray *records;         /* MqttStoredRecord, in the store's order */
  GError *error;
} Loading;

static void
stored_record_free (MqttStoredRecord *record)
{
  mqtt_stored_record_clear (record);
  g_free (record);
}

static void
collect_record (guint64 key, GBytes *value, gpointer data)
{
  Loading *loading = data;
  MqttStoredRecord *record = g_new0 (MqttStoredRecord, 1);

  if (loading->error == NULL && mqtt_store_decode (key, value, record, &loading->error))
    g_ptr_array_add (loading->records, record);
  else
    stored_record_free (record);
}

static int
compare_place (gconstpointer a, gconstpointer b)
{
  const Recovered *x = *(Recovered *const *) a, *y = *(Recovered *const *) b;

  return (x->place > y->place) - (x->place < y->place);
}

/* Rebuilds one message: in flight with its packet identifier, else
 * queued. */
static gboolean
rebuild_message (MqttOutgoing *og, Recovered *what, gint64 now, GError **error)
{
  MqttPacket *publish = what->message ? &what->message->publish : NULL;
  gint64 queued_at = now;
  OutMessage *message;

  if (publish)
    {
      gint64 age = g_get_real_time () - what->message->queued_at;

      queued_at = now - CLAMP (age, 0, now);
    }
  if (what->packet_id == 0 && publish == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The store has message %u released without a packet identifier", what->mid);
      return FALSE;
    }
  if (what->packet_id == 0)
    {
      mqtt_outgoing_queue (og, what->mid, publish->publish.topic, NULL,
                           g_bytes_get_size (publish->publish.payload),
                           &publish->publish.payload, 1, publish->publish.qos,
                           publish->publish.retain, publish->props, queued_at, TRUE);
    }
  else if (g_hash_table_contains (og->by_packet_id, GUINT_TO_POINTER (what->packet_id)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The store gives packet identifier %u to two messages", what->packet_id);
      return FALSE;
    }
  else
    {
      if (publish)
        message = mqtt_outgoing_new_message (og, what->mid, publish->publish.topic, NULL,
                                             g_bytes_get_size (publish->publish.payload),
                                             &publish->publish.payload, 1, publish->publish.qos,
                                             publish->publish.retain, publish->props, queued_at);
      else
        message = mqtt_outgoing_new_message (og, what->mid, "", NULL, 0, NULL, 0, 2, FALSE,
                                             NULL, queued_at);
      message->stored = TRUE;
      message->stored_id = what->packet_id;
      message->r.packet_id = what->packet_id;
      g_hash_table_insert (og->by_packet_id, GUINT_TO_POINTER (what->packet_id), message);
      message->sent_once = TRUE;
      message->state = what->released ? OUT_WAIT_PUBCOMP
                                      : message->qos == 1 ? OUT_WAIT_PUBACK : OUT_WAIT_PUBREC;
      if (what->released)
        mqtt_outgoing_drop_payload (og, message);
      g_queue_push_tail_link (&og->inflight, &message->r.link);
    }
  og->n_records++;
  og->last_mid = MAX (og->last_mid, what->mid);
  return TRUE;
}

gboolean
mqtt_outgoing_load (MqttOutgoing *og, MqttStore *store, GHashTable *incoming, gint64 now,
                    GError **error)
{
  g_autoptr(GHashTable) by_mid = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  Loading loading = { NULL };
  gboolean ok = TRUE;
  guint i;

  g_return_val_if_fail (og->n_records == 0, FALSE);

  g_clear_object (&og->store);
  if (store == NULL)
    return TRUE;
  loading.records = g_ptr_array_new_with_free_func ((GDestroyNotify) stored_record_free);
  if (!mqtt_store_load (store, collect_record, &loading, error) || loading.error)
    {
      if (loading.error)
        g_propagate_error (error, loading.error);
      g_ptr_array_unref (loading.records);
      return FALSE;
    }
  og->store = g_object_ref (store);

  for (i = 0; i < loading.records->len; i++)
    {
      MqttStoredRecord *record = loading.records->pdata[i];
      Recovered *what;

      if (record->kind == MQTT_STORED_INCOMING)
        {
          g_hash_table_insert (incoming, GUINT_TO_POINTER (record->id),
                               GUINT_TO_POINTER (record->number));
          continue;
        }
      what = g_hash_table_lookup (by_mid, GUINT_TO_POINTER (record->id));
      if (what == NULL)
        {
          what = g_new0 (Recovered, 1);
          what->mid = record->id;
          g_hash_table_insert (by_mid, GUINT_TO_POINTER (record->id), what);
          g_ptr_array_add (order, what);
        }
      what->place = i;
      if (record->kind == MQTT_STORED_MESSAGE)
        {
          what->message = record;
          if (what->packet_id == 0)
            what->packet_id = record->packet_id;
        }
      else
        {
          what->packet_id = record->number;
          what->released |= record->kind == MQTT_STORED_RELEASED;
        }
    }

  /* Each message where its last record puts it; a packet identifier whose
   * message is gone (a removal cut short by a crash) is removed. */
  g_ptr_array_sort (order, compare_place);
  for (i = 0; ok && i < order->len; i++)
    {
      Recovered *what = order->pdata[i];

      if (what->message || what->released)
        ok = rebuild_message (og, what, now, error);
      else
        stage (og, MQTT_STORED_PACKET_ID, what->mid, NULL);
    }
  g_ptr_array_unref (loading.records);
  if (!ok)
    {
      /* As it was: nothing recovered, nothing reported. */
      mqtt_outgoing_clear_queued (og);
      mqtt_outgoing_clear_queue (og, &og->inflight);
      g_hash_table_remove_all (og->by_packet_id);
      g_hash_table_remove_all (incoming);
      og->n_records = 0;
      g_clear_object (&og->store);
      og->store_staged = FALSE;
      return FALSE;
    }
  return TRUE;
}

