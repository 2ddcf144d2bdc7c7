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

#include "mqtt-outgoing-private.h"


void
mqtt_outgoing_init (MqttOutgoing *og)
{
  memset (og, 0, sizeof *og);
  og->by_packet_id = g_hash_table_new (NULL, NULL);
}

void
mqtt_outgoing_clear (MqttOutgoing *og)
{
  mqtt_outgoing_clear_queue (og, &og->queued);
  mqtt_outgoing_clear_queue (og, &og->inflight);
  mqtt_outgoing_clear_queue (og, &og->requests);
  g_clear_pointer (&og->by_packet_id, g_hash_table_unref);
  g_clear_pointer (&og->last_topic, g_ref_string_release);
  g_clear_object (&og->store);
}

void
mqtt_outgoing_set_content (MqttOutgoing *og, OutMessage *message, const char *topic,
                           GBytes *const *parts, guint n_parts)
{
  guint i;

  /* Queued messages mostly go to a few topics: one copy of each, the
   * last one at hand without the process-wide table's lock. */
  if (og->last_topic == NULL || strcmp (og->last_topic, topic) != 0)
    {
      g_clear_pointer (&og->last_topic, g_ref_string_release);
      og->last_topic = g_ref_string_new_intern (topic);
    }
  message->topic = g_ref_string_acquire (og->last_topic);
  /* One piece, the usual case, needs no array of its own. */
  message->parts = n_parts == 1 ? &message->part : g_new (GBytes *, n_parts);
  for (i = 0; i < n_parts; i++)
    message->parts[i] = g_bytes_ref (parts[i]);
  message->n_parts = n_parts;
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

/* A QoS 1 or 2 message as published, with its packet identifier if it has
 * one already. */
void
mqtt_outgoing_store_message (MqttOutgoing *og, OutMessage *message, gint64 now)
{
  gint64 wall_time;

  if (og->store == NULL || message->qos == 0)
    return;
  wall_time = g_get_real_time () - (now - message->queued_at);
  stage (og, MQTT_STORED_MESSAGE, message->r.mid,
         mqtt_store_encode_message (message->r.packet_id, wall_time, message->topic,
                                    message->parts, message->n_parts, message->qos,
                                    message->retain, message->props));
  message->stored = TRUE;
  message->stored_id = message->r.packet_id;
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
mqtt_outgoing_unstore_message (MqttOutgoing *og, OutMessage *message)
{
  if (og->store == NULL || !message->stored)
    return;
  stage (og, MQTT_STORED_PACKET_ID, message->r.mid, NULL);
  stage (og, MQTT_STORED_MESSAGE, message->r.mid, NULL);
  stage (og, MQTT_STORED_RELEASED, message->r.mid, NULL);
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
  guint mid = what->mid;
  OutMessage *message = g_new0 (OutMessage, 1);
  MqttPacket *publish = what->message ? &what->message->publish : NULL;

  message->r.kind = RECORD_MESSAGE;
  message->r.link.data = message;
  message->r.mid = mid;
  message->stored = TRUE;
  message->stored_id = what->packet_id;
  message->queued_at = now;
  if (publish)
    {
      gint64 age = g_get_real_time () - what->message->queued_at;

      message->qos = publish->publish.qos;
      message->retain = publish->publish.retain;
      mqtt_outgoing_set_content (og, message, publish->publish.topic, &publish->publish.payload,
                                 1);
      message->props = g_steal_pointer (&publish->props);
      message->queued_at = now - CLAMP (age, 0, now);
      og->held_bytes += g_bytes_get_size (message->parts[0]);
    }
  else
    {
      message->qos = 2;
      message->topic = g_ref_string_new_intern ("");
    }
  og->n_records++;
  og->last_mid = MAX (og->last_mid, mid);

  if (what->packet_id == 0)
    {
      g_queue_push_tail_link (&og->queued, &message->r.link);
      return TRUE;
    }
  if (g_hash_table_contains (og->by_packet_id, GUINT_TO_POINTER (what->packet_id)))
    {
      mqtt_outgoing_free_message (og, message);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The store gives packet identifier %u to two messages", what->packet_id);
      return FALSE;
    }
  message->r.packet_id = what->packet_id;
  g_hash_table_insert (og->by_packet_id, GUINT_TO_POINTER (what->packet_id), message);
  message->sent_once = TRUE;
  message->state = what->released ? OUT_WAIT_PUBCOMP
                                  : message->qos == 1 ? OUT_WAIT_PUBACK : OUT_WAIT_PUBREC;
  if (what->released)
    mqtt_outgoing_drop_payload (og, message);
  g_queue_push_tail_link (&og->inflight, &message->r.link);
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
      mqtt_outgoing_clear_queue (og, &og->queued);
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

