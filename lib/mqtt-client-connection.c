/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The client's connection: opening it (through the dialer), the pump that
 * reads, feeds the session, flushes and emits its events as signals, the
 * one timer source for every deadline, reconnection with backoff, and the
 * operations that callers wait on (their small pieces, beneath, are in
 * mqtt-client-base.c). Everything here runs under the client's
 * lock or in its context; the GObject face (mqtt-client.c) calls in, never
 * the reverse.
 */

#include "config.h"

#include <string.h>

#include "mqtt-client-private.h"
#include "mqtt-dialer-private.h"

GParamSpec *mqtt_client_properties[N_PROPS];

guint mqtt_client_signals[N_SIGNALS];

/* ------------------------------------------------------------------------ */
/* The connection */

void
mqtt_client_destroy_source (GSource **source)
{
  if (*source)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Closes the transport, if any, and cancels an attempt being opened. */
GCancellable *
mqtt_client_teardown_locked (MqttClient *self)
{
  mqtt_client_destroy_source (&self->read_source);
  mqtt_client_destroy_source (&self->write_source);
  if (self->transport)
    {
      mqtt_transport_close (self->transport);
      g_clear_object (&self->transport);
    }
  /* The caller cancels the returned attempt once unlocked. */
  return g_steal_pointer (&self->open_cancellable);
}

void
mqtt_client_cancel_and_unref (GCancellable *cancellable)
{
  if (cancellable)
    {
      g_cancellable_cancel (cancellable);
      g_object_unref (cancellable);
    }
}

static MqttError
error_to_code (const GError *error)
{
  if (error->domain == MQTT_ERROR)
    return error->code;
  if (error->domain == G_TLS_ERROR)
    return MQTT_ERROR_TLS;
  return MQTT_ERROR_CONN_LOST;
}

/* When to try again after a failure: the current reconnect delay, or with
 * jitter a random time between the minimum and it (full jitter, so that
 * clients dropped together do not come back together); the delay then
 * doubles up to the maximum. In microseconds. */
static gint64
backoff_locked (MqttClient *self)
{
  gint64 wait = self->reconnect_delay * USEC_PER_SEC;

  if (self->reconnect_jitter && self->reconnect_delay > self->reconnect_delay_min)
    wait = g_random_int_range (self->reconnect_delay_min * USEC_PER_SEC, wait + 1);
  self->reconnect_delay = MIN (self->reconnect_delay * 2, self->reconnect_delay_max);
  self->reconnect_delay = MAX (self->reconnect_delay, self->reconnect_delay_min);
  return wait;
}

/* Failover, after the connection to the current server failed (or was
 * lost, @was_accepted): whether the next attempt goes at once to another
 * server — one the broker referred the client to (MQTT 5 Server
 * Reference), or the next of the server list while this round of attempts
 * has not come back to where it began. Otherwise the next attempt, if any,
 * waits the reconnect delay; a lost connection starts a new round at the
 * next server. */
static gboolean
next_server_locked (MqttClient *self, gboolean was_accepted, const GError *error)
{
  const char *reference = mqtt_session_get_server_reference (self->session);
  guint n_servers = self->use_servers ? self->servers->len : 0;
  gboolean on_referred = self->on_referred;

  self->on_referred = FALSE;
  g_clear_pointer (&self->referred, mqtt_server_free);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      (was_accepted && !self->reconnect_enabled))
    return FALSE;
  /* One referral at a time: a referred server that refers again is a
   * failure like any other. */
  if (reference && !on_referred && self->server)
    self->referred = mqtt_server_new_for_reference (reference, self->server);
  if (self->referred)
    {
      mqtt_client_log_locked (self, MQTT_LOG_INFO, "The broker refers the client to %s",
                              self->referred->uri);
      return TRUE;
    }
  if (n_servers < 2 || (on_referred && was_accepted))
    return FALSE;
  self->server_index = (self->server_index + 1) % n_servers;
  if (was_accepted)
    self->round_start = self->server_index;
  return !was_accepted && self->server_index != self->round_start;
}

/* The connection (or the attempt to make one) failed with @error, taken.
 * A connection the broker had accepted is lost (#MqttClient::disconnected);
 * any other was an attempt that failed (#MqttClient::connect-failed),
 * whether or not the transport was open. With several servers, or one
 * the broker pointed to, the next is tried at once. */
static GCancellable *
connection_failed_locked (MqttClient *self, GError *error)
{
  gboolean was_accepted = self->state != MQTT_CLIENT_STATE_CONNECTING;
  GCancellable *attempt = mqtt_client_teardown_locked (self);
  gboolean failover = next_server_locked (self, was_accepted, error);
  gboolean reconnect = self->reconnect_enabled || failover;
  ClientEvent *event;

  mqtt_session_connection_lost (self->session, reconnect);
  self->state = MQTT_CLIENT_STATE_DISCONNECTED;
  g_clear_error (&self->last_error);
  self->last_error = g_error_copy (error);

  mqtt_client_log_locked (self, was_accepted ? MQTT_LOG_WARNING : MQTT_LOG_ERR, "%s: %s",
                          was_accepted ? "Connection lost" : "Connection failed", error->message);
  if (failover)
    {
      self->reconnect_at = g_get_monotonic_time ();
      mqtt_client_log_locked (self, MQTT_LOG_INFO, "Trying the next server");
    }
  else if (reconnect)
    {
      gint64 wait = backoff_locked (self);

      self->reconnect_at = g_get_monotonic_time () + wait;
      mqtt_client_log_locked (self, MQTT_LOG_INFO, "Reconnecting in %.1f s",
                              (double) wait / USEC_PER_SEC);
    }

  mqtt_client_push_client_event_locked (self,
                                        was_accepted ? CLIENT_EVENT_DISCONNECTED
                                                     : CLIENT_EVENT_CONNECTION_FAILED,
                                        error_to_code (error), error);
  event = &g_array_index (self->pending, ClientEvent, self->pending->len - 1);
  event->failover = failover;
  return attempt;
}

/* A clean end: DISCONNECT was written (or nothing was connected). */
static void
connection_closed_locked (MqttClient *self)
{
  GCancellable *attempt = mqtt_client_teardown_locked (self);

  /* Only an open transport gets here: there is no attempt to cancel. */
  g_clear_object (&attempt);
  mqtt_session_connection_lost (self->session, FALSE);
  self->state = MQTT_CLIENT_STATE_DISCONNECTED;
  mqtt_client_log_locked (self, MQTT_LOG_INFO, "Disconnected");
  mqtt_client_push_client_event_locked (self, CLIENT_EVENT_DISCONNECTED, MQTT_ERROR_SUCCESS,
                                        NULL);
}

static gboolean
write_ready (gpointer user_data)
{
  mqtt_client_pump (user_data, 0);
  return G_SOURCE_CONTINUE;
}

static gboolean
read_ready (gpointer user_data)
{
  mqtt_client_pump (user_data, PUMP_READ);
  return G_SOURCE_CONTINUE;
}

static GSource *
attach_transport_source (MqttClient *self, GIOCondition condition, MqttTransportFunc func)
{
  GSource *source = mqtt_transport_create_source (self->transport, condition, func, self);

  /* Recursion allowed: the pump is reentrant, and GLib would otherwise
   * take the descriptor out of the poll set around every dispatch. */
  g_source_set_can_recurse (source, TRUE);
  g_source_set_name (source, condition & G_IO_OUT ? "MqttClient write" : "MqttClient read");
  g_source_attach (source, self->context);
  return source;
}

/* Writes what the session produced, as long as the transport takes it. */
GCancellable *
mqtt_client_flush_locked (MqttClient *self)
{
  MqttOutbuf *out = mqtt_session_get_output (self->session);
  GError *store_error = NULL;

  if (self->transport == NULL)
    return NULL;
  /* What the output follows from is in the store first. */
  if (!mqtt_session_commit_store (self->session, &store_error))
    return connection_failed_locked (self, store_error);

  while (mqtt_outbuf_get_length (out) > 0)
    {
      GOutputVector vectors[MAX_VECTORS];
      guint n = mqtt_outbuf_get_vectors (out, vectors, MAX_VECTORS);
      g_autoptr(GError) error = NULL;
      gssize written = mqtt_transport_writev (self->transport, vectors, n, &error);

      if (written > 0)
        {
          mqtt_session_written (self->session, written);
          continue;
        }
      if (written < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          if (self->write_source == NULL)
            self->write_source = attach_transport_source (self, G_IO_OUT, write_ready);
          return NULL;
        }
      if (error == NULL)
        error = g_error_new_literal (MQTT_ERROR, MQTT_ERROR_CONN_LOST,
                                     "The connection accepted no data");
      return connection_failed_locked (self, g_steal_pointer (&error));
    }

  mqtt_client_destroy_source (&self->write_source);
  if (mqtt_session_get_state (self->session) == MQTT_SESSION_DISCONNECTING)
    connection_closed_locked (self);
  return NULL;
}

/* CONNACK accepted the connection: the state changes now, in order with
 * whatever the same read brings next; the signal follows with the events. */
static void
connection_accepted_locked (MqttClient *self)
{
  self->state = MQTT_CLIENT_STATE_CONNECTED;
  self->reconnect_delay = self->reconnect_delay_min;
  if (self->auto_reconnect)
    self->reconnect_enabled = TRUE;
  self->accepted++;
  g_clear_error (&self->last_error);
}

/* At level 5 the session answers a protocol error with DISCONNECT and a
 * reason code: one write of what is pending, without waiting, before the
 * connection closes, so that the broker learns why (what is not written
 * is lost with the connection, as it would be anyway). */
static void
write_final_locked (MqttClient *self)
{
  MqttOutbuf *out = mqtt_session_get_output (self->session);
  GOutputVector vectors[MAX_VECTORS];
  guint n;

  if (self->transport == NULL || mqtt_outbuf_get_length (out) == 0 ||
      !mqtt_session_commit_store (self->session, NULL))
    return;
  n = mqtt_outbuf_get_vectors (out, vectors, MAX_VECTORS);
  mqtt_transport_writev (self->transport, vectors, n, NULL);
}

/* Reads what the broker sent and feeds it to the session. */
static GCancellable *
read_locked (MqttClient *self)
{
  guint i;

  for (i = 0; i < MAX_READS_PER_PUMP && self->transport; i++)
    {
      g_autoptr(GError) error = NULL;
      gsize space;
      guint8 *buffer = mqtt_session_get_read_buffer (self->session, READ_CHUNK, &space);
      gssize n = mqtt_transport_read (self->transport, buffer, space, &error);

      if (n > 0)
        {
          gboolean ok = mqtt_session_commit_read (self->session, n, g_get_monotonic_time (),
                                                  &error);

          if (self->state == MQTT_CLIENT_STATE_CONNECTING &&
              mqtt_session_get_state (self->session) == MQTT_SESSION_CONNECTED)
            connection_accepted_locked (self);
          if (!ok)
            {
              write_final_locked (self);
              return connection_failed_locked (self, g_steal_pointer (&error));
            }
          /* A short read drained a plain socket: skip the read that would
           * only say so. */
          if ((gsize) n < space && !mqtt_transport_buffers_input (self->transport))
            break;
          continue;
        }
      if (n == 0)
        return connection_failed_locked (
          self, g_error_new_literal (MQTT_ERROR, MQTT_ERROR_CONN_LOST,
                                     "The broker closed the connection"));
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      return connection_failed_locked (self, g_steal_pointer (&error));
    }
  return NULL;
}

static GCancellable *
timers_locked (MqttClient *self, gint64 now, gboolean *start_reconnect)
{
  g_autoptr(GError) error = NULL;

  if (self->transport && now >= mqtt_session_next_deadline (self->session) &&
      !mqtt_session_tick (self->session, now, &error))
    return connection_failed_locked (self, g_steal_pointer (&error));

  if (start_reconnect && self->reconnect_at > 0 && now >= self->reconnect_at &&
      !mqtt_client_awaiting_network_locked (self))
    {
      self->reconnect_at = 0;
      *start_reconnect = TRUE;
    }
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Events */

static void
complete_connect_ops (MqttClient *self, const GError *error)
{
  GList *ops, *l;

  client_lock (self);
  ops = g_steal_pointer (&self->connect_ops);
  client_unlock (self);
  for (l = ops; l; l = l->next)
    mqtt_client_op_complete (self, l->data, error);
  g_list_free (ops);
}

static void
complete_disconnect_ops (MqttClient *self)
{
  GList *ops, *l;

  client_lock (self);
  ops = g_steal_pointer (&self->disconnect_ops);
  client_unlock (self);
  for (l = ops; l; l = l->next)
    mqtt_client_op_complete (self, l->data, NULL);
  g_list_free (ops);
}

static Op *
take_mid_op (MqttClient *self, guint mid)
{
  Op *op = NULL;

  if (g_hash_table_size (self->mid_ops) == 0)
    return NULL;
  client_lock (self);
  if (g_hash_table_steal_extended (self->mid_ops, GUINT_TO_POINTER (mid), NULL, (gpointer *) &op))
    op->mid = mid;
  client_unlock (self);
  return op;
}

void
mqtt_client_filter_callback_unref (FilterCallback *fc)
{
  if (!g_atomic_ref_count_dec (&fc->ref_count))
    return;
  if (fc->destroy)
    fc->destroy (fc->user_data);
  g_free (fc->filter);
  g_free (fc);
}

void
mqtt_client_pending_request_complete (MqttClient *self, PendingRequest *request,
                                      MqttMessage *response, GError *error)
{
  /* Not from the cancellable's own handler, which is gone with it. */
  if (request->cancelled_id && (error == NULL || !g_error_matches (error, G_IO_ERROR,
                                                                   G_IO_ERROR_CANCELLED)))
    g_cancellable_disconnect (request->cancellable, request->cancelled_id);
  if (response)
    g_task_return_pointer (request->task, mqtt_message_ref (response),
                           (GDestroyNotify) mqtt_message_unref);
  else
    g_task_return_error (request->task, error);
  g_object_unref (request->task);
  g_bytes_unref (request->correlation);
  g_clear_object (&request->cancellable);
  g_free (request);
}

/* Ends every request still waiting: the client is going away. */
void
mqtt_client_fail_requests (MqttClient *self)
{
  GHashTableIter iter;
  PendingRequest *request;
  g_autoptr(GPtrArray) taken = g_ptr_array_new ();
  guint i;

  client_lock (self);
  g_hash_table_iter_init (&iter, self->requests);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &request))
    {
      g_ptr_array_add (taken, request);
      g_hash_table_iter_steal (&iter);
    }
  client_unlock (self);
  for (i = 0; i < taken->len; i++)
    mqtt_client_pending_request_complete (
      self, g_ptr_array_index (taken, i), NULL,
      g_error_new_literal (MQTT_ERROR, MQTT_ERROR_NO_CONN,
                           "The client was disposed of before the response came"));
}

/* A response to mqtt_client_request_async(): its request takes it. */
static gboolean
take_response (MqttClient *self, MqttMessage *message)
{
  MqttProperties *props = mqtt_message_get_properties (message);
  GBytes *correlation = props ? mqtt_properties_get_correlation_data (props) : NULL;
  PendingRequest *request = NULL;

  if (correlation == NULL)
    return FALSE;
  client_lock (self);
  if (g_hash_table_size (self->requests) > 0 &&
      !g_hash_table_steal_extended (self->requests, correlation, NULL, (gpointer *) &request))
    request = NULL;
  client_unlock (self);
  if (request == NULL)
    return FALSE;
  mqtt_client_pending_request_complete (self, request, message, NULL);
  return TRUE;
}

/* A callback whose filter the message matches, kept (a reference) to be
 * called once the lock is let go. */
static void
add_matched (gpointer item, gpointer data)
{
  FilterCallback *fc = item;
  GPtrArray **matched = data;

  if (*matched == NULL)
    *matched = g_ptr_array_new_with_free_func ((GDestroyNotify) mqtt_client_filter_callback_unref);
  g_atomic_ref_count_inc (&fc->ref_count);
  g_ptr_array_add (*matched, fc);
}

static void
deliver_message (MqttClient *self, MqttMessage *message)
{
  g_autoptr(GPtrArray) matched = NULL;
  guint i;

  if (take_response (self, message))
    return;

  /* Paho's rule: every per-filter callback that matches is called, and
   * only a message that matches none reaches the message signal. The tree
   * of filters finds them at a cost of the topic's levels, however many
   * filters there are. */
  if (g_hash_table_size (self->callbacks) > 0)
    {
      client_lock (self);
      mqtt_topic_tree_match (self->callback_tree, message->topic, add_matched, &matched);
      client_unlock (self);
    }

  if (matched == NULL)
    {
      g_signal_emit (self, mqtt_client_signals[SIGNAL_MESSAGE], 0, message);
      return;
    }
  for (i = 0; i < matched->len; i++)
    {
      FilterCallback *fc = g_ptr_array_index (matched, i);

      fc->callback (self, message, fc->user_data);
    }
}

static void
write_log (MqttClient *self, MqttLogLevel level, const char *text)
{
  GLogLevelFlags flags;

  g_signal_emit (self, mqtt_client_signals[SIGNAL_LOG], 0, level, text);
  if (!self->logger_enabled)
    return;

  switch (level)
    {
    case MQTT_LOG_ERR:
      flags = G_LOG_LEVEL_WARNING;
      break;
    case MQTT_LOG_WARNING:
      flags = G_LOG_LEVEL_MESSAGE;
      break;
    case MQTT_LOG_NOTICE:
    case MQTT_LOG_INFO:
      flags = G_LOG_LEVEL_INFO;
      break;
    case MQTT_LOG_DEBUG:
    default:
      flags = G_LOG_LEVEL_DEBUG;
      break;
    }
  g_log_structured (G_LOG_DOMAIN, flags, "MQTT_CLIENT_ID",
                    self->config.client_id, "MESSAGE", "%s", text);
}

/* A SUBACK's return codes as integers, which bindings show as a list (bytes
 * would reach Python as a bytes object). */
GArray *
mqtt_client_granted_to_array (GBytes *granted)
{
  gsize n, i;
  const guint8 *codes = g_bytes_get_data (granted, &n);
  GArray *array = g_array_sized_new (FALSE, FALSE, sizeof (int), n);

  for (i = 0; i < n; i++)
    {
      int code = codes[i];

      g_array_append_val (array, code);
    }
  return array;
}

/* The error of a publication the broker refused with @code. */
static MqttError
error_from_reason_code (guint8 code)
{
  switch (code)
    {
    case MQTT_REASON_CODE_NOT_AUTHORIZED:
      return MQTT_ERROR_ACL_DENIED;
    case MQTT_REASON_CODE_QUOTA_EXCEEDED:
      return MQTT_ERROR_QUEUE_SIZE;
    case MQTT_REASON_CODE_PACKET_TOO_LARGE:
      return MQTT_ERROR_PAYLOAD_SIZE;
    case MQTT_REASON_CODE_TOPIC_NAME_INVALID:
    case MQTT_REASON_CODE_PAYLOAD_FORMAT_INVALID:
      return MQTT_ERROR_INVAL;
    default:
      return MQTT_ERROR_UNKNOWN;
    }
}

static void
handle_session_event (MqttClient *self, MqttSessionEvent *event)
{
  Op *op;

  switch (event->type)
    {
    case MQTT_SESSION_EVENT_CONNACK:
      if (event->code == MQTT_CONNACK_ACCEPTED)
        {
          mqtt_client_notify (self, PROP_STATE);
          complete_connect_ops (self, NULL);
        }
      g_signal_emit (self, mqtt_client_signals[SIGNAL_CONNECTED], 0, event->session_present,
                     event->code);
      g_signal_emit (self, mqtt_client_signals[SIGNAL_CONNECTED_V5], 0, event->session_present,
                     event->code, event->props);
      break;

    case MQTT_SESSION_EVENT_MESSAGE:
      deliver_message (self, event->message);
      break;

    case MQTT_SESSION_EVENT_PUBLISHED:
      if ((op = take_mid_op (self, event->mid)))
        {
          g_autoptr(GError) error = NULL;

          /* Level 5: the broker refused the message. */
          if (event->code >= 0x80)
            error = g_error_new (MQTT_ERROR, error_from_reason_code (event->code),
                                 "The broker refused message %u: %s (reason code 0x%02x)",
                                 event->mid, mqtt_reason_string (event->code),
                                 event->code);
          mqtt_client_op_complete (self, op, error);
        }
      g_signal_emit (self, mqtt_client_signals[SIGNAL_PUBLISHED], 0, event->mid);
      g_signal_emit (self, mqtt_client_signals[SIGNAL_PUBLISHED_V5], 0, event->mid, event->code,
                     event->props);
      break;

    case MQTT_SESSION_EVENT_SUBSCRIBED:
      {
        g_autoptr(GArray) granted = mqtt_client_granted_to_array (event->granted);

        if ((op = take_mid_op (self, event->mid)))
          {
            op->granted = g_bytes_ref (event->granted);
            mqtt_client_op_complete (self, op, NULL);
          }
        g_signal_emit (self, mqtt_client_signals[SIGNAL_SUBSCRIBED], 0, event->mid, granted);
        g_signal_emit (self, mqtt_client_signals[SIGNAL_SUBSCRIBED_V5], 0, event->mid, granted,
                       event->props);
        break;
      }

    case MQTT_SESSION_EVENT_UNSUBSCRIBED:
      {
        g_autoptr(GBytes) none = g_bytes_new (NULL, 0);
        g_autoptr(GArray) codes = mqtt_client_granted_to_array (event->granted ? event->granted
                                                                               : none);

        if ((op = take_mid_op (self, event->mid)))
          mqtt_client_op_complete (self, op, NULL);
        g_signal_emit (self, mqtt_client_signals[SIGNAL_UNSUBSCRIBED], 0, event->mid);
        g_signal_emit (self, mqtt_client_signals[SIGNAL_UNSUBSCRIBED_V5], 0, event->mid, codes,
                       event->props);
        break;
      }

    case MQTT_SESSION_EVENT_DISCONNECT:
      /* Reported with the end of the connection, which follows. */
      self->server_disconnected = TRUE;
      self->server_disconnect_reason = event->code;
      g_clear_pointer (&self->server_disconnect_props, mqtt_properties_unref);
      self->server_disconnect_props = g_steal_pointer (&event->props);
      break;

    case MQTT_SESSION_EVENT_AUTH:
      g_signal_emit (self, mqtt_client_signals[SIGNAL_AUTH], 0, event->code, event->props);
      break;

    case MQTT_SESSION_EVENT_DROPPED:
      {
        g_autoptr(GError) error = g_error_new (MQTT_ERROR, event->code,
                                               "Message %u could not be completed: %s",
                                               event->mid, mqtt_error_string (event->code));

        if ((op = take_mid_op (self, event->mid)))
          mqtt_client_op_complete (self, op, error);
        g_signal_emit (self, mqtt_client_signals[SIGNAL_DROPPED], 0, event->mid, error);
      }
      break;

    case MQTT_SESSION_EVENT_RESUBSCRIBED:
      g_signal_emit (self, mqtt_client_signals[SIGNAL_RESUBSCRIBED], 0, event->mid);
      break;

    case MQTT_SESSION_EVENT_LOG:
      write_log (self, event->code, event->text);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
handle_event (MqttClient *self, ClientEvent *event)
{
  switch (event->type)
    {
    case CLIENT_EVENT_SESSION:
      handle_session_event (self, &event->session);
      break;

    case CLIENT_EVENT_LOG:
      write_log (self, event->code, event->text);
      break;

    case CLIENT_EVENT_STATE:
      mqtt_client_notify (self, PROP_STATE);
      break;

    case CLIENT_EVENT_CONNECTION_FAILED:
    case CLIENT_EVENT_DISCONNECTED:
      mqtt_client_notify (self, PROP_STATE);
      /* The attempt goes on with another server: only a signal. */
      if (event->failover && event->type == CLIENT_EVENT_CONNECTION_FAILED)
        {
          g_signal_emit (self, mqtt_client_signals[SIGNAL_CONNECT_FAILED], 0, event->error);
          break;
        }
      if (event->error)
        complete_connect_ops (self, event->error);
      else
        {
          g_autoptr(GError) error = g_error_new_literal (MQTT_ERROR, MQTT_ERROR_NO_CONN,
                                                         "Disconnected before the broker answered");
          complete_connect_ops (self, error);
        }
      complete_disconnect_ops (self);
      if (event->type == CLIENT_EVENT_DISCONNECTED)
        {
          g_autoptr(MqttProperties) props = g_steal_pointer (&self->server_disconnect_props);
          guint8 reason = self->server_disconnected ? self->server_disconnect_reason
                          : event->error            ? MQTT_REASON_CODE_UNSPECIFIED_ERROR
                                                    : self->disconnect_reason;

          self->server_disconnected = FALSE;
          g_signal_emit (self, mqtt_client_signals[SIGNAL_DISCONNECTED], 0, event->code,
                         event->error);
          g_signal_emit (self, mqtt_client_signals[SIGNAL_DISCONNECTED_V5], 0, reason, props,
                         event->error);
        }
      /* An attempt the application abandoned did not fail. */
      else if (!g_error_matches (event->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_signal_emit (self, mqtt_client_signals[SIGNAL_CONNECT_FAILED], 0, event->error);

      if (self->connection_ended)
        self->connection_ended (self, event->error);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Emits the pending events in order. Handlers may call back into the
 * client, run nested loops and emit further events: each event is taken
 * off the queue before it is handled. Context thread only. */
/* Moves what is pending to the events to emit. */
static void
take_events (MqttClient *self)
{
  client_lock (self);
  mqtt_client_take_session_events_locked (self);
  if (self->pending->len > 0)
    {
      g_array_append_vals (self->events, self->pending->data, self->pending->len);
      /* Their contents are the events' now. */
      g_array_set_clear_func (self->pending, NULL);
      g_array_set_size (self->pending, 0);
      g_array_set_clear_func (self->pending, (GDestroyNotify) mqtt_client_event_clear);
    }
  client_unlock (self);
}

static void
emit_events (MqttClient *self)
{
  take_events (self);
  while (self->events_head < self->events->len)
    {
      ClientEvent *slot = &g_array_index (self->events, ClientEvent, self->events_head);
      ClientEvent event = *slot;

      memset (slot, 0, sizeof *slot);
      self->events_head++;
      handle_event (self, &event);
      mqtt_client_event_clear (&event);

      if (self->events_head == self->events->len)
        {
          g_array_set_size (self->events, 0);
          self->events_head = 0;
          take_events (self);
        }
    }
}

/* One turn of the client: read, emit, tick, write, emit. */
void
mqtt_client_pump (MqttClient *self, PumpFlags flags)
{
  GCancellable *attempt = NULL;
  gboolean start_reconnect = FALSE;
  guint round;

  g_object_ref (self);
  mqtt_client_update_log_wanted (self);

  client_lock (self);
  self->in_pump++;
  self->activity++;
  if (flags & PUMP_READ)
    attempt = read_locked (self);
  client_unlock (self);
  mqtt_client_cancel_and_unref (g_steal_pointer (&attempt));

  for (round = 0;; round++)
    {
      gboolean more;

      emit_events (self);

      client_lock (self);
      if (round == 0 && (flags & (PUMP_TIMERS | PUMP_RECONNECT)))
        attempt = timers_locked (self, g_get_monotonic_time (),
                                 (flags & PUMP_RECONNECT) ? &start_reconnect : NULL);
      if (attempt == NULL)
        attempt = mqtt_client_flush_locked (self);
      more = mqtt_session_has_events (self->session) || self->pending->len > 0 ||
             self->events->len > self->events_head;
      if (!more || round >= 8)
        {
          self->in_pump--;
          if (more)
            mqtt_client_kick_locked (self);
          mqtt_client_rearm_timer_locked (self);
          client_unlock (self);
          mqtt_client_cancel_and_unref (g_steal_pointer (&attempt));
          break;
        }
      client_unlock (self);
      mqtt_client_cancel_and_unref (g_steal_pointer (&attempt));
    }

  if (start_reconnect)
    mqtt_client_start_connect (self);
  g_object_unref (self);
}

static gboolean
timer_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  MqttClient *self = user_data;

  client_lock (self);
  self->kicked = FALSE;
  self->timer_armed = -1;
  g_source_set_ready_time (source, -1);
  client_unlock (self);

  mqtt_client_pump (self, PUMP_TIMERS | PUMP_RECONNECT);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
  NULL, NULL, timer_dispatch, NULL, NULL, NULL,
};

/* The one timer source of a client: its deadlines, reconnections and
 * kicks, in its context. */
void
mqtt_client_attach_timer (MqttClient *self)
{
  self->timer_source = g_source_new (&timer_source_funcs, sizeof (GSource));
  g_source_set_callback (self->timer_source, NULL, self, NULL);
  g_source_set_can_recurse (self->timer_source, TRUE);
  g_source_set_name (self->timer_source, "MqttClient timer");
  g_source_attach (self->timer_source, self->context);
}

/* ------------------------------------------------------------------------ */
/* Opening connections */

typedef struct {
  MqttClient *self;
  GCancellable *cancellable;
} Attempt;

static void
transport_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Attempt *attempt = user_data;
  MqttClient *self = attempt->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttTransport) transport = mqtt_dialer_open_finish (result, &error);
  GCancellable *stale = NULL;

  client_lock (self);
  if (self->open_cancellable != attempt->cancellable)
    {
      /* A newer attempt, or a disconnection, superseded this one. */
      client_unlock (self);
    }
  else
    {
      g_clear_object (&self->open_cancellable);
      if (transport == NULL)
        stale = connection_failed_locked (self, g_steal_pointer (&error));
      else
        {
          self->transport = g_steal_pointer (&transport);
          self->read_source = attach_transport_source (self, G_IO_IN, read_ready);
          mqtt_client_log_locked (self, MQTT_LOG_DEBUG, "Connected to %s",
                                  self->server ? self->server->uri
                                               : self->transport_options.srv_domain);
          mqtt_session_connection_made (self->session, g_get_monotonic_time ());
        }
      client_unlock (self);
      mqtt_client_cancel_and_unref (stale);
      mqtt_client_pump (self, 0);
    }

  g_object_unref (attempt->cancellable);
  g_object_unref (attempt->self);
  g_free (attempt);
}

static void
emit_websocket_handshake (gpointer headers, gpointer user_data)
{
  g_signal_emit (user_data, mqtt_client_signals[SIGNAL_WEBSOCKET_HANDSHAKE], 0, headers);
}

/* Opens the transport of the attempt @cancellable, if it is still the
 * current one: to the configured broker, the list's next server, or the one
 * the broker referred the client to. Context thread. */
static void
dial (MqttClient *self, GCancellable *cancellable)
{
  Attempt *attempt;
  MqttTransportOptions options;
  const MqttServer *next;
  gboolean server_changed = FALSE;

  client_lock (self);
  if (self->open_cancellable != cancellable)
    {
      client_unlock (self);
      return;
    }
  attempt = g_new0 (Attempt, 1);
  attempt->self = g_object_ref (self);
  attempt->cancellable = g_object_ref (cancellable);
  mqtt_transport_options_copy (&options, &self->transport_options);
  options.tls = mqtt_client_tls_wanted_locked (self);
  options.protocol_level = self->config.protocol;
  self->on_referred = self->referred != NULL;
  next = mqtt_client_server_to_try_locked (self);
  if (next)
    mqtt_server_apply (next, &options);
  if (options.websocket)
    {
      options.ws_prepare_headers = emit_websocket_handshake;
      options.ws_prepare_data = g_object_ref (self);
    }
  if (options.srv_domain == NULL)
    {
      MqttServer *server = mqtt_server_new_for_options (&options);

      server_changed = self->server == NULL || strcmp (self->server->uri, server->uri) != 0;
      mqtt_server_free (self->server);
      self->server = server;
      mqtt_client_log_locked (self, MQTT_LOG_DEBUG, "Connecting to %s", server->uri);
    }
  client_unlock (self);

  if (server_changed)
    mqtt_client_notify (self, PROP_SERVER);
  g_main_context_push_thread_default (self->context);
  mqtt_dialer_open_async (&options, attempt->cancellable, transport_opened, attempt);
  g_main_context_pop_thread_default (self->context);
  mqtt_transport_options_clear (&options);
}

/* Starts a connection, replacing any current one: the application may
 * refresh the credentials first (#MqttClient::refresh-credentials), and
 * the attempt then waits for mqtt_client_resume_connect(). Context
 * thread. */
void
mqtt_client_start_connect (MqttClient *self)
{
  g_autoptr(GCancellable) cancellable = NULL;
  GCancellable *old;
  gboolean wait = FALSE;

  mqtt_client_update_log_wanted (self);
  client_lock (self);
  old = mqtt_client_teardown_locked (self);
  if (mqtt_session_get_state (self->session) != MQTT_SESSION_IDLE &&
      mqtt_session_get_state (self->session) != MQTT_SESSION_WAITING)
    mqtt_session_connection_lost (self->session, TRUE);
  self->reconnect_at = 0;
  self->state = MQTT_CLIENT_STATE_CONNECTING;
  self->open_cancellable = g_cancellable_new ();
  cancellable = g_object_ref (self->open_cancellable);
  g_clear_object (&self->credentials_attempt);
  client_unlock (self);

  mqtt_client_cancel_and_unref (old);
  mqtt_client_notify (self, PROP_STATE);

  g_signal_emit (self, mqtt_client_signals[SIGNAL_REFRESH_CREDENTIALS], 0, &wait);
  if (wait)
    {
      client_lock (self);
      if (self->open_cancellable == cancellable)
        self->credentials_attempt = g_object_ref (cancellable);
      client_unlock (self);
      return;
    }
  dial (self, cancellable);
}

/* The application has the credentials of the attempt waiting for them:
 * it goes on, or fails with @error. Context thread. */
void
mqtt_client_resume_connect (MqttClient *self, const GError *error)
{
  g_autoptr(GCancellable) cancellable = NULL;
  GCancellable *stale = NULL;

  client_lock (self);
  cancellable = g_steal_pointer (&self->credentials_attempt);
  if (cancellable == NULL || cancellable != self->open_cancellable)
    {
      client_unlock (self);
      return;
    }
  if (error == NULL)
    {
      client_unlock (self);
      dial (self, cancellable);
      return;
    }
  stale = connection_failed_locked (self, g_error_copy (error));
  client_unlock (self);
  mqtt_client_cancel_and_unref (stale);
  mqtt_client_pump (self, 0);
}

static gboolean
abort_connect_op (GCancellable *cancellable, gpointer user_data)
{
  MqttClient *self = user_data;
  GCancellable *attempt;

  client_lock (self);
  if (self->state == MQTT_CLIENT_STATE_CONNECTING)
    {
      attempt = connection_failed_locked (
        self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled"));
      client_unlock (self);
      mqtt_client_cancel_and_unref (attempt);
      mqtt_client_pump (self, 0);
    }
  else
    client_unlock (self);
  return G_SOURCE_REMOVE;
}

typedef struct {
  MqttClient *self;
  Op *op;
  GCancellable *cancellable;
} ConnectRequest;

static void
connect_request_free (ConnectRequest *request)
{
  g_object_unref (request->self);
  g_clear_object (&request->cancellable);
  g_free (request);
}

static gboolean
connect_in_context (gpointer data)
{
  ConnectRequest *request = data;
  MqttClient *self = request->self;

  g_autoptr(GError) error = NULL;

  if (g_cancellable_set_error_if_cancelled (request->cancellable, &error))
    {
      mqtt_client_op_complete (self, request->op, error);
      return G_SOURCE_REMOVE;
    }

  if (request->cancellable)
    {
      request->op->cancel_source = g_cancellable_source_new (request->cancellable);
      g_source_set_callback (request->op->cancel_source,
                             (GSourceFunc) (void (*) (void)) abort_connect_op, self, NULL);
      g_source_attach (request->op->cancel_source, self->context);
    }
  client_lock (self);
  self->connect_ops = g_list_append (self->connect_ops, request->op);
  client_unlock (self);
  mqtt_client_start_connect (self);
  return G_SOURCE_REMOVE;
}

static void
request_connect (MqttClient *self, Op *op, GCancellable *cancellable)
{
  ConnectRequest *request = g_new0 (ConnectRequest, 1);

  request->self = g_object_ref (self);
  request->op = op;
  request->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  mqtt_client_run_in_context (self, connect_in_context, request,
                              (GDestroyNotify) connect_request_free);
}

gboolean
mqtt_client_set_broker (MqttClient *self, const char *host, guint port, guint keepalive,
                        GError **error)
{
  MqttSessionConfig *config = &self->config;
  gboolean host_changed, port_changed, keepalive_changed;

  if ((host == NULL || host[0] == '\0') && self->servers->len == 0)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                           "No broker host name given, and no servers");
      return FALSE;
    }
  if (host && *host && (port == 0 || port > G_MAXUINT16))
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Invalid port %u", port);
      return FALSE;
    }
  if (keepalive > G_MAXUINT16)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "Invalid keepalive %u: at most 65535 seconds", keepalive);
      return FALSE;
    }
  if (config->client_id[0] == '\0' && !config->clean_session)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                           "A client with an empty client id must use a clean session");
      return FALSE;
    }

  client_lock (self);
  /* No host: the server list, from its first server. */
  self->use_servers = host == NULL || host[0] == '\0';
  self->server_index = self->round_start = 0;
  g_clear_pointer (&self->referred, mqtt_server_free);
  host_changed = !self->use_servers && g_strcmp0 (self->transport_options.host, host) != 0;
  port_changed = !self->use_servers && self->transport_options.port != port;
  keepalive_changed = config->keepalive != keepalive;
  g_clear_pointer (&self->transport_options.srv_domain, g_free);
  if (!self->use_servers)
    {
      g_free (self->transport_options.host);
      self->transport_options.host = g_strdup (host);
      self->transport_options.port = port;
    }
  g_free (self->transport_options.bind_address);
  self->transport_options.bind_address = g_strdup (self->bind_address);
  config->keepalive = keepalive;
  mqtt_client_config_changed_locked (self);
  self->have_broker = TRUE;
  client_unlock (self);

  if (host_changed)
    mqtt_client_notify (self, PROP_HOST);
  if (port_changed)
    mqtt_client_notify (self, PROP_PORT);
  if (keepalive_changed)
    mqtt_client_notify (self, PROP_KEEPALIVE);
  return TRUE;
}

/* Whether connections use TLS: when asked to, or when any TLS option is
 * set (a CA, a client certificate, an interaction, a relaxed check), so
 * that no connection ever goes in plaintext once one was given. */
gboolean
mqtt_client_tls_wanted_locked (MqttClient *self)
{
  const MqttTransportOptions *o = &self->transport_options;

  return o->tls || o->tls_database || o->tls_certificate || o->tls_interaction ||
         o->tls_insecure || !o->tls_verify ||
         o->tls_validation_flags != G_TLS_CERTIFICATE_VALIDATE_ALL;
}

/* ------------------------------------------------------------------------ */
/* Connecting */

/* The blocking connect calls: start, then wait for CONNACK or failure. */
gboolean
mqtt_client_connect_and_wait (MqttClient *self, GCancellable *cancellable, GError **error)
{
  Op *op = mqtt_client_op_new (OP_CONNECT, NULL);

  request_connect (self, op, cancellable);
  return mqtt_client_wait_op (self, op, error);
}

/* The asynchronous ones: @prepared says whether the arguments were good. */
void
mqtt_client_connect_async (MqttClient *self, gboolean prepared, GError *error,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data, gpointer source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (!prepared)
    g_task_return_error (task, error);
  else
    request_connect (self, mqtt_client_op_new (OP_CONNECT, task), cancellable);
}

gboolean
mqtt_client_check_have_broker (MqttClient *self, GError **error)
{
  if (!self->have_broker)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NO_CONN,
                           "No broker: call a connect function before reconnecting");
      return FALSE;
    }
  return TRUE;
}

/* Level 5: sends AUTH. Any thread. */
gboolean
mqtt_client_send_auth (MqttClient *self, guint8 reason, MqttProperties *props, GError **error)
{
  gboolean ok;

  client_lock (self);
  ok = self->transport != NULL &&
       mqtt_session_send_auth (self->session, reason, props, g_get_monotonic_time (), error);
  if (ok)
    mqtt_client_kick_locked (self);
  else if (self->transport == NULL)
    g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NO_CONN,
                         "The client is not connected: cannot authenticate");
  client_unlock (self);
  return ok;
}

/* Starts a clean disconnection, with @reason and @props at level 5;
 * returns FALSE (with @error) when there is no connection to end. Any
 * thread. */
gboolean
mqtt_client_begin_disconnect (MqttClient *self, guint8 reason, MqttProperties *props, Op *op,
                              GError **error)
{
  GCancellable *attempt = NULL;
  gboolean ok = TRUE;

  client_lock (self);
  self->reconnect_enabled = FALSE;
  self->deferred = FALSE;
  self->disconnect_reason = reason;
  if (self->transport)
    {
      if (mqtt_session_send_disconnect (self->session, reason, props, g_get_monotonic_time ()))
        {
          self->state = MQTT_CLIENT_STATE_DISCONNECTING;
          mqtt_client_push_client_event_locked (self, CLIENT_EVENT_STATE, 0, NULL);
          if (op)
            self->disconnect_ops = g_list_append (self->disconnect_ops, op);
          mqtt_client_kick_locked (self);
        }
      else if (op)
        self->disconnect_ops = g_list_append (self->disconnect_ops, op);
    }
  else if (self->open_cancellable || self->reconnect_at > 0)
    {
      /* Nothing connected yet: stop trying. */
      self->reconnect_at = 0;
      attempt = mqtt_client_teardown_locked (self);
      mqtt_session_connection_lost (self->session, FALSE);
      self->state = MQTT_CLIENT_STATE_DISCONNECTED;
      mqtt_client_push_client_event_locked (
        self, CLIENT_EVENT_CONNECTION_FAILED, MQTT_ERROR_SUCCESS,
        g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Disconnected while connecting"));
      if (op)
        self->disconnect_ops = g_list_append (self->disconnect_ops, op);
      mqtt_client_kick_locked (self);
    }
  else
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NO_CONN,
                           "The client is not connected");
      ok = FALSE;
    }
  client_unlock (self);
  mqtt_client_cancel_and_unref (attempt);
  return ok;
}
