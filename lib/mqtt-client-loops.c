/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * Paho's four ways of running a client without a GMainLoop: loop(),
 * loop_start()/loop_stop(), loop_forever() (with its quit policy), and
 * the external-loop hooks (socket, want_write, loop_read/write/misc).
 */

#include "config.h"

#include <string.h>

#include "mqtt-client-private.h"

/* ------------------------------------------------------------------------ */
/* Loops */

static gboolean
take_last_error (MqttClient *self, GError **error)
{
  GError *last;

  client_lock (self);
  last = g_steal_pointer (&self->last_error);
  client_unlock (self);
  if (last == NULL)
    return TRUE;
  g_propagate_error (error, last);
  return FALSE;
}

static gboolean
acquire_context (MqttClient *self, GError **error)
{
  if (g_main_context_acquire (self->context))
    return TRUE;
  g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                       "Another thread runs the client's main context: do not mix loops");
  return FALSE;
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * mqtt_client_loop:
 * @self: a #MqttClient
 * @timeout: the longest time to wait for network activity, in seconds
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `loop()`: runs the client's context once, waiting up to @timeout
 * seconds for network activity, and handles it. Call it regularly; keep
 * @timeout below the keepalive interval.
 *
 * While an automatic reconnection is pending it waits as usual and makes
 * the attempt when it is due, where Paho's returns `MQTT_ERR_NO_CONN` for
 * want of a socket: a program that calls it in a loop reconnects without
 * calling mqtt_client_reconnect().
 *
 * Returns: %TRUE on success; %FALSE with %MQTT_ERROR_NO_CONN when no
 *   connection is open, being made or awaited, or with the error that
 *   closed the connection, or made a reconnection attempt fail, during
 *   this call
 */
gboolean
mqtt_client_loop (MqttClient *self, double timeout, GError **error)
{
  g_autoptr(GSource) timeout_source = NULL;
  gboolean timed_out = FALSE, idle;
  guint activity;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  client_lock (self);
  idle = self->transport == NULL && self->open_cancellable == NULL && self->reconnect_at == 0;
  client_unlock (self);
  if (idle)
    {
      if (!take_last_error (self, error))
        return FALSE;
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NO_CONN, "The client is not connected");
      return FALSE;
    }
  if (!acquire_context (self, error))
    return FALSE;

  timeout_source = g_timeout_source_new (MAX (timeout, 0) * 1000);
  g_source_set_callback (timeout_source, set_flag, &timed_out, NULL);
  g_source_attach (timeout_source, self->context);

  g_main_context_push_thread_default (self->context);
  activity = self->activity;
  while (!timed_out && activity == self->activity)
    g_main_context_iteration (self->context, TRUE);
  g_main_context_pop_thread_default (self->context);

  g_source_destroy (timeout_source);
  g_main_context_release (self->context);
  return take_last_error (self, error);
}

/* loop_forever()'s quit policy, when a connection or an attempt ended:
 * quit once nothing is open or on its way (a requested disconnection);
 * quit with the error when the first connection failed and it is not to
 * be retried. */
static void
forever_connection_ended (MqttClient *self, const GError *error)
{
  gboolean quit;

  client_lock (self);
  quit = self->reconnect_at == 0 && self->open_cancellable == NULL && self->transport == NULL;
  if (error && self->accepted <= self->forever_accepted && !self->forever_retry_first)
    {
      quit = TRUE;
      g_clear_error (&self->forever_error);
      self->forever_error = g_error_copy (error);
      self->reconnect_at = 0;
    }
  client_unlock (self);
  if (quit)
    g_main_loop_quit (self->forever_loop);
}

/**
 * mqtt_client_loop_forever:
 * @self: a #MqttClient
 * @retry_first_connection: whether to keep retrying when the first
 *   connection attempt fails (for a client connected with
 *   mqtt_client_connect_deferred())
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `loop_forever()`: runs the client's context until
 * mqtt_client_disconnect_from_broker() is called, reconnecting with backoff
 * whenever the connection is lost.
 *
 * Returns: %TRUE after a requested disconnection; %FALSE with
 *   %MQTT_ERROR_NO_CONN if no connection was made or asked for, or the
 *   first connection's error when @retry_first_connection is %FALSE
 */
gboolean
mqtt_client_loop_forever (MqttClient *self, gboolean retry_first_connection, GError **error)
{
  gboolean deferred, idle;
  GError *loop_error;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (!acquire_context (self, error))
    return FALSE;

  client_lock (self);
  deferred = self->deferred;
  self->deferred = FALSE;
  idle = !deferred && self->transport == NULL && self->open_cancellable == NULL &&
         self->reconnect_at == 0;
  if (!idle)
    {
      self->reconnect_enabled = TRUE;
      self->forever_retry_first = retry_first_connection;
      self->forever_accepted =
        self->accepted - (self->state == MQTT_CLIENT_STATE_CONNECTED ? 1 : 0);
    }
  client_unlock (self);

  if (idle)
    {
      g_main_context_release (self->context);
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NO_CONN,
                           "The client is not connected: call a connect function first");
      return FALSE;
    }

  g_main_context_push_thread_default (self->context);
  self->forever_loop = g_main_loop_new (self->context, FALSE);
  self->connection_ended = forever_connection_ended;
  if (deferred)
    mqtt_client_start_connect (self);
  g_main_loop_run (self->forever_loop);
  self->connection_ended = NULL;
  g_clear_pointer (&self->forever_loop, g_main_loop_unref);
  g_main_context_pop_thread_default (self->context);
  g_main_context_release (self->context);

  client_lock (self);
  loop_error = g_steal_pointer (&self->forever_error);
  client_unlock (self);
  if (loop_error)
    {
      g_propagate_error (error, loop_error);
      return FALSE;
    }
  return TRUE;
}

static gboolean
start_deferred_connect (gpointer data)
{
  mqtt_client_start_connect (data);
  return G_SOURCE_REMOVE;
}

/* What a loop thread needs, shared with mqtt_client_loop_stop(): the
 * thread may outlive the client's reference to it when stopped from one of
 * its own handlers. */
struct _LoopThread {
  GMainContext *context;
  gint stop; /* atomic */
};

static void
loop_thread_clear (gpointer data)
{
  LoopThread *lt = data;

  g_main_context_unref (lt->context);
}

static gpointer
loop_thread_main (gpointer data)
{
  LoopThread *lt = data;

  /* Clients made in one thread share its context: another client's loop
   * thread may be running it. Then this one waits, and takes over when
   * that one stops (a rare case: polling is enough). */
  while (!g_main_context_acquire (lt->context))
    {
      if (g_atomic_int_get (&lt->stop))
        goto out;
      g_usleep (10 * 1000);
    }
  g_main_context_push_thread_default (lt->context);
  /* The flag is set before the context is woken up: no stop is missed. */
  while (!g_atomic_int_get (&lt->stop))
    g_main_context_iteration (lt->context, TRUE);
  g_main_context_pop_thread_default (lt->context);
  g_main_context_release (lt->context);
out:
  g_atomic_rc_box_release_full (lt, loop_thread_clear);
  return NULL;
}

/**
 * mqtt_client_loop_start:
 * @self: a #MqttClient
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `loop_start()`: starts a thread that runs the client's context,
 * before or after connecting. Signals are then emitted in that thread. It
 * makes the connection given to mqtt_client_connect_deferred() and
 * reconnects whenever the connection is lost. Stop it with
 * mqtt_client_loop_stop(). Clients made in the same thread share its
 * context: one loop thread runs it for all, and another takes over when
 * that one stops.
 *
 * Returns: %TRUE if the thread started; %FALSE with %MQTT_ERROR_INVAL if
 *   one is already running
 */
gboolean
mqtt_client_loop_start (MqttClient *self, GError **error)
{
  gboolean deferred;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (self->loop_thread)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL, "The loop thread already runs");
      return FALSE;
    }
  client_lock (self);
  self->reconnect_enabled = TRUE;
  deferred = self->deferred;
  self->deferred = FALSE;
  client_unlock (self);
  /* The deferred connection starts in the context, whichever thread runs it. */
  if (deferred)
    {
      GSource *idle = g_idle_source_new ();

      g_source_set_callback (idle, start_deferred_connect, g_object_ref (self), g_object_unref);
      g_source_attach (idle, self->context);
      g_source_unref (idle);
    }
  self->loop_thread_data = g_atomic_rc_box_new0 (LoopThread);
  self->loop_thread_data->context = g_main_context_ref (self->context);
  self->loop_thread = g_thread_new ("mqtt-client-loop", loop_thread_main,
                                    g_atomic_rc_box_acquire (self->loop_thread_data));
  return TRUE;
}

/**
 * mqtt_client_loop_stop:
 * @self: a #MqttClient
 *
 * Paho's `loop_stop()`: stops the thread started by
 * mqtt_client_loop_start() and waits for it. The connection stays as it
 * is; call mqtt_client_disconnect_from_broker() first to end it.
 */
void
mqtt_client_loop_stop (MqttClient *self)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));

  if (self->loop_thread == NULL)
    return;
  g_atomic_int_set (&self->loop_thread_data->stop, TRUE);
  g_main_context_wakeup (self->context);
  if (g_thread_self () == self->loop_thread)
    /* From a handler in the loop thread: it ends when the handler returns. */
    g_thread_unref (self->loop_thread);
  else
    g_thread_join (self->loop_thread);
  self->loop_thread = NULL;
  g_atomic_rc_box_release_full (g_steal_pointer (&self->loop_thread_data), loop_thread_clear);
}

/**
 * mqtt_client_get_socket:
 * @self: a #MqttClient
 *
 * Paho's `socket()`: the socket of the current connection, for a foreign
 * event loop to poll (g_socket_get_fd()). Watch it for reading and call
 * mqtt_client_loop_read(); when mqtt_client_want_write() is %TRUE, watch
 * it for writing and call mqtt_client_loop_write(); call
 * mqtt_client_loop_misc() every second or so.
 *
 * Returns: (transfer none) (nullable): the socket, or %NULL when not connected
 */
GSocket *
mqtt_client_get_socket (MqttClient *self)
{
  GSocket *socket = NULL;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);
  client_lock (self);
  if (self->transport)
    socket = mqtt_transport_get_socket (self->transport);
  client_unlock (self);
  return socket;
}

/**
 * mqtt_client_want_write:
 * @self: a #MqttClient
 *
 * Paho's `want_write()`. Thread-safe.
 *
 * Returns: %TRUE if data is waiting to be written to the socket
 */
gboolean
mqtt_client_want_write (MqttClient *self)
{
  gboolean want;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  client_lock (self);
  want = self->transport && mqtt_outbuf_get_length (mqtt_session_get_output (self->session)) > 0;
  client_unlock (self);
  return want;
}

static gboolean
external_loop_call (MqttClient *self, PumpFlags flags, GError **error)
{
  gboolean connected;

  client_lock (self);
  connected = self->transport != NULL;
  client_unlock (self);
  if (!connected)
    {
      if (!take_last_error (self, error))
        return FALSE;
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NO_CONN, "The client is not connected");
      return FALSE;
    }
  mqtt_client_pump (self, flags);
  return take_last_error (self, error);
}

/**
 * mqtt_client_loop_read:
 * @self: a #MqttClient
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `loop_read()`: reads and handles what the broker sent, when the
 * socket is readable.
 *
 * Returns: %TRUE on success; %FALSE with %MQTT_ERROR_NO_CONN or the error
 *   that closed the connection
 */
gboolean
mqtt_client_loop_read (MqttClient *self, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return external_loop_call (self, PUMP_READ, error);
}

/**
 * mqtt_client_loop_write:
 * @self: a #MqttClient
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `loop_write()`: writes pending data, when the socket is writable.
 *
 * Returns: %TRUE on success; %FALSE with %MQTT_ERROR_NO_CONN or the error
 *   that closed the connection
 */
gboolean
mqtt_client_loop_write (MqttClient *self, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return external_loop_call (self, 0, error);
}

/**
 * mqtt_client_loop_misc:
 * @self: a #MqttClient
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `loop_misc()`: keepalive pings, their timeouts and message
 * retries. Call it every second or so.
 *
 * Returns: %TRUE on success; %FALSE with %MQTT_ERROR_NO_CONN or the error
 *   that closed the connection (%MQTT_ERROR_KEEPALIVE for a late PINGRESP)
 */
gboolean
mqtt_client_loop_misc (MqttClient *self, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return external_loop_call (self, PUMP_TIMERS, error);
}
