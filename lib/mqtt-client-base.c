/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The pieces beneath the client's connection (see mqtt-client-private.h):
 * the operations callers wait on, the one timer's deadline, the client's
 * events and log lines, and the server the next attempt goes to. They
 * call nothing above them.
 */

#include "config.h"

#include "mqtt-client-private.h"

void
mqtt_client_op_free (Op *op)
{
  g_clear_object (&op->task);
  g_clear_error (&op->error);
  g_clear_pointer (&op->granted, g_bytes_unref);
  if (op->cancel_source)
    {
      g_source_destroy (op->cancel_source);
      g_source_unref (op->cancel_source);
    }
  g_free (op);
}

Op *
mqtt_client_op_new (OpKind kind, GTask *task)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->task = task ? g_object_ref (task) : NULL;
  return op;
}

/* Completes @op: returns its task or wakes its blocking waiter, which then
 * frees it. Called in the context thread without the lock. */
void
mqtt_client_op_complete (MqttClient *self, Op *op, const GError *error)
{
  if (op->cancel_source)
    g_source_destroy (op->cancel_source);

  if (op->task)
    {
      if (error)
        g_task_return_error (op->task, g_error_copy (error));
      else if (op->kind == OP_SUBSCRIBE)
        g_task_return_pointer (op->task, g_steal_pointer (&op->granted),
                               (GDestroyNotify) g_bytes_unref);
      else if (op->kind == OP_PUBLISH)
        g_task_return_int (op->task, op->mid);
      else
        g_task_return_boolean (op->task, TRUE);
      mqtt_client_op_free (op);
      return;
    }

  client_lock (self);
  if (error)
    op->error = g_error_copy (error);
  op->done = TRUE;
  pthread_cond_broadcast (&self->cond);
  client_unlock (self);
}

gboolean
mqtt_client_check_qos (int qos, GError **error)
{
  if (qos < 0 || qos > 2)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Invalid QoS %d: must be 0, 1 or 2", qos);
      return FALSE;
    }
  return TRUE;
}

static void
set_timer_locked (MqttClient *self, gint64 ready_time)
{
  if (ready_time == self->timer_armed)
    return;
  self->timer_armed = ready_time;
  g_source_set_ready_time (self->timer_source, ready_time);
}

/* Makes sure a pump runs soon in the client's context. */
void
mqtt_client_kick_locked (MqttClient *self)
{
  if (self->kicked || self->in_pump)
    return;
  self->kicked = TRUE;
  set_timer_locked (self, 0);
}

/* Whether a host name is this machine: no network is needed to reach it. */
static gboolean
is_local_host (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL || g_ascii_strcasecmp (host, "localhost") == 0 ||
      g_str_has_suffix (host, ".localhost"))
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

/* The server the next attempt goes to: one the broker referred the client
 * to, else the server list's current one; NULL for the client's host. */
const MqttServer *
mqtt_client_server_to_try_locked (MqttClient *self)
{
  if (self->referred)
    return self->referred;
  if (self->use_servers)
    return g_ptr_array_index (self->servers, self->server_index);
  return NULL;
}

/* Whether the next reconnection waits for the network to come back
 * (#MqttClient:network-monitor): not when the broker is on this machine. */
gboolean
mqtt_client_awaiting_network_locked (MqttClient *self)
{
  const char *host = self->transport_options.host;
  gboolean unix_socket = self->transport_options.unix_socket;
  const MqttServer *next;

  if (!self->network_down)
    return FALSE;
  next = mqtt_client_server_to_try_locked (self);
  if (next)
    {
      host = next->host;
      unix_socket = next->unix_socket;
    }
  return !unix_socket && !is_local_host (host);
}

void
mqtt_client_rearm_timer_locked (MqttClient *self)
{
  gint64 deadline = mqtt_session_next_deadline (self->session);

  if (self->kicked)
    return;
  if (self->reconnect_at > 0 && !mqtt_client_awaiting_network_locked (self))
    deadline = MIN (deadline, self->reconnect_at);
  /* Deadlines mostly move later (keepalive restarts with every packet): a
   * timer that fires early re-arms itself, so only move it earlier. */
  if (deadline == G_MAXINT64)
    return;
  if (self->timer_armed < 0 || deadline < self->timer_armed)
    set_timer_locked (self, deadline);
}

void
mqtt_client_event_clear (ClientEvent *event)
{
  g_clear_pointer (&event->text, g_free);
  g_clear_error (&event->error);
  mqtt_session_event_clear (&event->session);
}

/* The session's events so far, after those already pending. */
void
mqtt_client_take_session_events_locked (MqttClient *self)
{
  guint i;

  if (!mqtt_session_has_events (self->session))
    return;
  mqtt_session_take_events (self->session, self->taken);
  for (i = 0; i < self->taken->len; i++)
    {
      ClientEvent event = { CLIENT_EVENT_SESSION };

      event.session = g_array_index (self->taken, MqttSessionEvent, i);
      g_array_append_val (self->pending, event);
    }
  /* Their contents are the pending events' now. */
  g_array_set_size (self->taken, 0);
}

/* The client's own events, in one queue with the session's, which the lock
 * guards: they can be made in any thread, and stay in order. Takes
 * @error. */
void
mqtt_client_push_client_event_locked (MqttClient *self, ClientEventType type, gint code,
                                      GError *error)
{
  ClientEvent event = { type };

  mqtt_client_take_session_events_locked (self);
  event.code = code;
  event.error = error;
  g_array_append_val (self->pending, event);
}

/* A log line (#MqttClient::log), emitted with the pending events. */
void
mqtt_client_log_locked (MqttClient *self, MqttLogLevel level, const char *format, ...)
{
  ClientEvent event = { CLIENT_EVENT_LOG };
  va_list args;

  if (!self->log_wanted)
    return;
  mqtt_client_take_session_events_locked (self);
  event.code = level;
  va_start (args, format);
  event.text = g_strdup_vprintf (format, args);
  va_end (args);
  g_array_append_val (self->pending, event);
}

void
mqtt_client_update_log_wanted (MqttClient *self)
{
  gboolean wanted = self->logger_enabled ||
                    g_signal_has_handler_pending (self, mqtt_client_signals[SIGNAL_LOG], 0, TRUE);

  client_lock (self);
  self->log_wanted = wanted;
  /* Every pump asks: the session hears of a change only. */
  if (self->config.log_packets != wanted)
    {
      self->config.log_packets = wanted;
      mqtt_client_config_changed_locked (self);
    }
  client_unlock (self);
}

/* Runs @func in the client's context: now, if this thread can own the
 * context, otherwise from that context's loop. GIO calls made by @func
 * report back to the client's context. */
void
mqtt_client_run_in_context (MqttClient *self, GSourceFunc func, gpointer data,
                            GDestroyNotify destroy)
{
  if (g_main_context_acquire (self->context))
    {
      g_main_context_push_thread_default (self->context);
      func (data);
      g_main_context_pop_thread_default (self->context);
      g_main_context_release (self->context);
      if (destroy)
        destroy (data);
    }
  else
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, func, data, destroy);
}

/* Blocks until @op is done, iterating the client's context if no other
 * thread runs it. Takes @op. */
gboolean
mqtt_client_wait_op (MqttClient *self, Op *op, GError **error)
{
  gboolean ok;

  if (g_main_context_acquire (self->context))
    {
      g_main_context_push_thread_default (self->context);
      while (!op->done)
        g_main_context_iteration (self->context, TRUE);
      g_main_context_pop_thread_default (self->context);
      g_main_context_release (self->context);
    }
  else
    {
      client_lock (self);
      while (!op->done)
        pthread_cond_wait (&self->cond, &self->lock);
      client_unlock (self);
    }

  ok = op->error == NULL;
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&op->error));
  mqtt_client_op_free (op);
  return ok;
}
