/* mqtt-glib - MqttClient: its store (see mqtt-store.h), where QoS 1 and 2
 * state outlives the process. The session stages what changes and the
 * connection commits it before writing; this file attaches and detaches.
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#include "config.h"

#include "mqtt-client-private.h"
#include "mqtt-error.h"

/* Commits what is staged (best effort: the connection would have failed
 * on a failure already) and closes the store, keeping its records. */
void
mqtt_client_close_store_locked (MqttClient *self)
{
  g_autoptr(GError) error = NULL;

  if (self->store == NULL)
    return;
  if (!mqtt_session_commit_store (self->session, &error))
    mqtt_client_log_locked (self, MQTT_LOG_WARNING, "The store's last changes are lost: %s",
                            error->message);
  mqtt_session_forget_store (self->session);
  mqtt_store_close (self->store);
  g_clear_object (&self->store);
}

/**
 * mqtt_client_set_store:
 * @self: a #MqttClient
 * @store: (nullable): the store, or %NULL for none
 * @error: return location for a #GError, or %NULL
 *
 * Keeps the client's QoS 1 and 2 state in @store (see #MqttStore), opened
 * for the client id, from now on, and takes what it holds from a client
 * before with the same client id: messages in flight are resent (with DUP
 * and the packet identifiers they had) after the next CONNACK, in order,
 * then messages that were queued; incoming QoS 2 messages not released
 * yet are not delivered again. Their #MqttClient::published signals carry
 * the mids they had. %NULL closes the store, keeping its records.
 *
 * From then on a QoS 1 or 2 message is in the store before
 * mqtt_client_publish() returns success: if it cannot be stored the call
 * fails with the store's error and the message is not sent. A change the
 * store cannot take later (the disk full) ends the connection with the
 * store's error before anything that depends on it is sent; the client
 * reconnects and tries again as after any lost connection.
 *
 * For what a store promises to be useful, the client needs a client id of
 * its own and a session the broker keeps (clean session off, or at level 5
 * a Session Expiry Interval): with a clean session a QoS 2 message resent
 * after a restart may be delivered twice.
 *
 * Call it before the client connects or publishes: while it is
 * disconnected and holds no message, else it fails with
 * %MQTT_ERROR_INVAL. Opening fails with the store's error, e.g.
 * %G_IO_ERROR_BUSY when another client has the same store open or
 * %G_IO_ERROR_INVALID_DATA for a damaged one.
 *
 * Returns: whether the store is in use
 */
gboolean
mqtt_client_set_store (MqttClient *self, MqttStore *store, GError **error)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (store == NULL || MQTT_IS_STORE (store), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  client_lock (self);
  if (self->state != MQTT_CLIENT_STATE_DISCONNECTED || self->open_cancellable ||
      self->reconnect_at > 0 || mqtt_session_get_state (self->session) != MQTT_SESSION_IDLE ||
      mqtt_session_get_queued_count (self->session) > 0 ||
      mqtt_session_get_inflight_count (self->session) > 0)
    {
      client_unlock (self);
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                           "A store is set while the client is disconnected and holds no "
                           "message");
      return FALSE;
    }
  if (store == self->store)
    {
      client_unlock (self);
      return TRUE;
    }
  mqtt_client_close_store_locked (self);
  if (store)
    {
      ok = mqtt_store_open (store, self->config.client_id, error);
      if (ok && !mqtt_session_load_store (self->session, store, g_get_monotonic_time (), error))
        {
          mqtt_store_close (store);
          ok = FALSE;
        }
      if (ok)
        self->store = g_object_ref (store);
    }
  client_unlock (self);
  mqtt_client_notify (self, PROP_STORE);
  return ok;
}

/**
 * mqtt_client_get_store:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:store.
 *
 * Returns: (transfer none) (nullable): the store, or %NULL
 */
MqttStore *
mqtt_client_get_store (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);

  return self->store;
}

void
mqtt_client_install_store_properties (GParamSpec **properties)
{
  /**
   * MqttClient:store:
   *
   * Where the client keeps its QoS 1 and 2 state across restarts, or
   * %NULL: see mqtt_client_set_store().
   */
  properties[PROP_STORE] = g_param_spec_object ("store", NULL, NULL, MQTT_TYPE_STORE,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                  G_PARAM_STATIC_STRINGS);
}
