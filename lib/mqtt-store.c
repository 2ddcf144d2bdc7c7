/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The MqttStore interface, and the form of the records the session engine
 * keeps in a store (see mqtt-store-private.h).
 */

#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "mqtt-store.h"
#include "mqtt-store-private.h"
#include "mqtt-wire-private.h"

/**
 * SECTION:mqtt-store
 * @title: MqttStore
 * @short_description: where a client keeps its unfinished messages
 *   across restarts
 * @see_also: #MqttFileStore, mqtt_client_set_store()
 *
 * A client given a store with mqtt_client_set_store() keeps there what a
 * new process needs to finish the work of one that crashed or was
 * restarted: every outgoing QoS 1 and 2 message until the broker has
 * acknowledged it (with its packet identifier once sent, and the PUBREL
 * stage of QoS 2), and the identifiers of the incoming QoS 2 messages
 * the broker has not released yet. A client with the same client id and
 * store resends what was unfinished, in order, with DUP.
 *
 * An outgoing message is in the store before mqtt_client_publish()
 * returns success; a change of state is in the store before the packet
 * that follows from it is written to the connection.
 *
 * The records are opaque: a store keeps a set of values by 64-bit keys and
 * gives them back in the order their keys were first put. #MqttFileStore
 * is an append log; an application can implement the interface over a
 * database of its own, in C or in a language with bindings.
 *
 * put and remove only stage a change; mqtt_store_commit() makes every
 * staged change durable, in order, or fails and keeps them staged for the
 * next commit. A client calls the store from one thread at a time.
 */

/**
 * MqttStore:
 *
 * An object that keeps a client's records; see #MqttStoreInterface.
 */
G_DEFINE_INTERFACE (MqttStore, mqtt_store, G_TYPE_OBJECT)

static void
mqtt_store_default_init (MqttStoreInterface *iface)
{
}

/* An implementation that fails must say why: one that does not (a
 * binding's exception turned into FALSE) gets a generic error. */
static gboolean
checked (MqttStore *self, gboolean ok, GError *local, const char *what, GError **error)
{
  if (ok)
    {
      g_clear_error (&local);
      return TRUE;
    }
  if (local == NULL)
    local = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "The store (%s) failed to %s",
                         G_OBJECT_TYPE_NAME (self), what);
  g_propagate_error (error, local);
  return FALSE;
}

/**
 * mqtt_store_open: (virtual open)
 * @self: a #MqttStore
 * @client_id: the client id whose records to keep
 * @error: return location for a #GError, or %NULL
 *
 * Opens the records of @client_id, recovering them after a crash. A store
 * holds the records of one client at a time.
 *
 * Returns: whether the store could be opened
 */
gboolean
mqtt_store_open (MqttStore *self, const char *client_id, GError **error)
{
  GError *local = NULL;
  gboolean ok;

  g_return_val_if_fail (MQTT_IS_STORE (self), FALSE);
  g_return_val_if_fail (client_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ok = MQTT_STORE_GET_IFACE (self)->open (self, client_id, &local);
  return checked (self, ok, local, "open", error);
}

/**
 * mqtt_store_load: (virtual load)
 * @self: a #MqttStore
 * @func: (scope call): called with each record
 * @user_data: data for @func
 * @error: return location for a #GError, or %NULL
 *
 * Calls @func with every record of the open store, in the order their keys
 * were first put (a record put again keeps its place).
 *
 * Returns: whether the records could be read
 */
gboolean
mqtt_store_load (MqttStore *self, MqttStoreFunc func, gpointer user_data, GError **error)
{
  GError *local = NULL;
  gboolean ok;

  g_return_val_if_fail (MQTT_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ok = MQTT_STORE_GET_IFACE (self)->load (self, func, user_data, &local);
  return checked (self, ok, local, "load", error);
}

/**
 * mqtt_store_put: (virtual put)
 * @self: a #MqttStore
 * @key: the record's key
 * @value: the record
 *
 * Stages a record under @key, replacing any record it had, until
 * mqtt_store_commit().
 */
void
mqtt_store_put (MqttStore *self, guint64 key, GBytes *value)
{
  g_return_if_fail (MQTT_IS_STORE (self));
  g_return_if_fail (value != NULL);

  MQTT_STORE_GET_IFACE (self)->put (self, key, value);
}

/**
 * mqtt_store_remove: (virtual remove)
 * @self: a #MqttStore
 * @key: the record's key
 *
 * Stages the removal of the record under @key, if any, until
 * mqtt_store_commit().
 */
void
mqtt_store_remove (MqttStore *self, guint64 key)
{
  g_return_if_fail (MQTT_IS_STORE (self));

  MQTT_STORE_GET_IFACE (self)->remove (self, key);
}

/**
 * mqtt_store_commit: (virtual commit)
 * @self: a #MqttStore
 * @error: return location for a #GError, or %NULL
 *
 * Makes every staged change durable, in the order it was made, as far as
 * the store's policy says (#MqttFileStore:sync). On failure nothing
 * staged is lost: the next commit tries again.
 *
 * Returns: whether the changes are in the store
 */
gboolean
mqtt_store_commit (MqttStore *self, GError **error)
{
  GError *local = NULL;
  gboolean ok;

  g_return_val_if_fail (MQTT_IS_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ok = MQTT_STORE_GET_IFACE (self)->commit (self, &local);
  return checked (self, ok, local, "commit", error);
}

/**
 * mqtt_store_close: (virtual close)
 * @self: a #MqttStore
 *
 * Closes the records opened by mqtt_store_open(), keeping them; what was
 * staged and not committed is not kept.
 */
void
mqtt_store_close (MqttStore *self)
{
  g_return_if_fail (MQTT_IS_STORE (self));

  MQTT_STORE_GET_IFACE (self)->close (self);
}

/* ------------------------------------------------------------------------ */
/* The session's records */

guint64
mqtt_store_key (MqttStoredKind kind, guint32 id)
{
  return ((guint64) kind << 32) | id;
}

static guint32
get_u32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

GBytes *
mqtt_store_encode_message (guint16 packet_id, gint64 queued_at, const char *topic,
                           GBytes *const *parts, guint n_parts, guint8 qos, gboolean retain,
                           MqttProperties *props)
{
  GByteArray *out = g_byte_array_new ();
  guint8 head[11] = { MQTT_STORED_MESSAGE }, *p = head + 1;
  gsize length = 0;
  gboolean ok;
  guint i;

  for (i = 0; i < n_parts; i++)
    length += g_bytes_get_size (parts[i]);
  p = mqtt_wire_put_u16 (p, packet_id);
  p = mqtt_wire_put_u32 (p, (guint64) queued_at >> 32);
  mqtt_wire_put_u32 (p, (guint64) queued_at & 0xffffffff);
  g_byte_array_append (out, head, sizeof head);
  /* The session checked that the packet can be encoded. */
  ok = mqtt_packet_encode_publish_head (out, MQTT_PROTOCOL_V5, props, topic, strlen (topic), qos,
                                        retain, FALSE, packet_id ? packet_id : 1, length, NULL);
  g_assert (ok);
  for (i = 0; i < n_parts; i++)
    g_byte_array_append (out, g_bytes_get_data (parts[i], NULL), g_bytes_get_size (parts[i]));
  return g_byte_array_free_to_bytes (out);
}

GBytes *
mqtt_store_encode_number (MqttStoredKind kind, guint32 value)
{
  guint8 bytes[5] = { kind };

  mqtt_wire_put_u32 (bytes + 1, value);
  return g_bytes_new (bytes, sizeof bytes);
}

static gboolean
bad_record (GError **error, guint64 key, const char *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "Record %" G_GINT64_MODIFIER "x of the store is not one this client wrote: %s",
               key, what);
  return FALSE;
}

gboolean
mqtt_store_decode (guint64 key, GBytes *value, MqttStoredRecord *record, GError **error)
{
  gsize size, consumed = 0;
  const guint8 *p = g_bytes_get_data (value, &size);
  g_autoptr(GError) local = NULL;

  memset (record, 0, sizeof *record);
  record->kind = key >> 32;
  record->id = key & 0xffffffff;
  if (size == 0 || p[0] != record->kind)
    return bad_record (error, key, "its kind differs from its key's");

  switch (record->kind)
    {
    case MQTT_STORED_MESSAGE:
      if (size < 11)
        return bad_record (error, key, "too short");
      record->packet_id = (p[1] << 8) | p[2];
      record->queued_at = (gint64) ((guint64) get_u32 (p + 3) << 32 | get_u32 (p + 7));
      if (mqtt_packet_decode (p + 11, size - 11, MQTT_PROTOCOL_V5, G_MAXSIZE, &record->publish,
                              &consumed, &local) != MQTT_DECODE_PACKET ||
          record->publish.type != MQTT_PACKET_PUBLISH || consumed != size - 11 ||
          record->publish.publish.qos == 0)
        {
          mqtt_packet_clear (&record->publish);
          return bad_record (error, key, local ? local->message : "not a QoS 1 or 2 PUBLISH");
        }
      return TRUE;

    case MQTT_STORED_PACKET_ID:
    case MQTT_STORED_RELEASED:
    case MQTT_STORED_INCOMING:
      if (size != 5)
        return bad_record (error, key, "its size is not 5 bytes");
      record->number = get_u32 (p + 1);
      if (record->kind != MQTT_STORED_INCOMING &&
          (record->number == 0 || record->number > G_MAXUINT16))
        return bad_record (error, key, "a packet identifier out of range");
      if (record->kind == MQTT_STORED_INCOMING && (record->id == 0 || record->id > G_MAXUINT16))
        return bad_record (error, key, "a packet identifier out of range");
      return TRUE;

    default:
      return bad_record (error, key, "an unknown kind");
    }
}

void
mqtt_stored_record_clear (MqttStoredRecord *record)
{
  mqtt_packet_clear (&record->publish);
}
