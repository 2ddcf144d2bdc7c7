/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#include "config.h"

#include <pthread.h>
#include <string.h>

#include <libsoup/soup.h>

#include "mqtt-client.h"
#include "mqtt-enum-types.h"
#include "mqtt-error.h"
#include "mqtt-session-private.h"
#include "mqtt-topic-private.h"
#include "mqtt-transport-private.h"

/**
 * SECTION:mqtt-client
 * @title: MqttClient
 * @short_description: The MQTT client: Paho's Client as a GObject
 *
 * #MqttClient is the Eclipse Paho Python `Client`: it connects to a broker,
 * publishes, subscribes and receives messages over MQTT 3.1 or 3.1.1, with
 * QoS 0, 1 and 2, a will, keepalive, automatic reconnection with backoff
 * and per-filter message callbacks. Paho's callbacks are signals
 * (#MqttClient::connected, #MqttClient::disconnected, #MqttClient::message,
 * #MqttClient::published, #MqttClient::subscribed, #MqttClient::unsubscribed,
 * #MqttClient::log); its options are properties.
 *
 * ## Main context and threads
 *
 * A client is bound to the thread-default #GMainContext of the thread that
 * creates it. Its network sources live in that context and every signal is
 * emitted there. A program that runs a #GMainLoop on that context needs no
 * other call: connect, subscribe, and the client works.
 *
 * A program without a main loop uses Paho's loops: mqtt_client_loop() (one
 * bounded iteration), mqtt_client_loop_start() and mqtt_client_loop_stop()
 * (a thread of the library runs the client's context; signals are emitted
 * in that thread), or mqtt_client_loop_forever() (blocks, reconnects). For
 * a foreign event loop, mqtt_client_get_socket(), mqtt_client_want_write(),
 * mqtt_client_loop_read(), mqtt_client_loop_write() and
 * mqtt_client_loop_misc() are Paho's external-loop hooks. Do not mix loops.
 *
 * mqtt_client_publish(), mqtt_client_publish_bytes(),
 * mqtt_client_subscribe(), mqtt_client_subscribe_multiple(),
 * mqtt_client_unsubscribe(), mqtt_client_unsubscribe_multiple() and
 * mqtt_client_disconnect_from_broker() (and their asynchronous forms) are
 * safe to call from any thread, such as a GStreamer streaming thread: they
 * hand their work to the client's context. Every other function is called
 * from the thread that runs the client's context.
 *
 * ## Differences from Paho
 *
 * Methods are not named `connect` and `disconnect`: in Python and GJS such
 * names would hide GObject's own `connect()`, used to connect signals. They
 * are mqtt_client_connect_to_broker() and
 * mqtt_client_disconnect_from_broker(); Paho's `connect_async()` (which
 * connects later, in loop_start()) is mqtt_client_connect_deferred(), as
 * `_async` means a #GAsyncResult operation in GIO.
 *
 * mqtt_client_connect_to_broker() returns when the broker has answered, so
 * that a refusal is an error of the call; #MqttClient::connected is still
 * emitted for every CONNACK, with its return code, as Paho's `on_connect`.
 * Every attempt that fails before the broker accepts it, a refusal
 * included, emits #MqttClient::connect-failed (Paho calls `on_disconnect`
 * after a refusal, and `on_connect_fail` only for network errors);
 * #MqttClient::disconnected is only for connections the broker accepted.
 * The manual's chapter on connection failures has the whole table.
 *
 * A QoS 1 or 2 publication made while disconnected succeeds and is queued
 * (Paho queues it too but returns `MQTT_ERR_NO_CONN`). A QoS 0 publication
 * is refused with %MQTT_ERROR_NO_CONN when no connection is made or
 * awaited (before the first connect call, after a disconnection, or once a
 * lost connection is not re-made because #MqttClient:auto-reconnect is
 * off); while a connection is being made, an automatic reconnection
 * included, it is held and sent once the broker accepts the connection,
 * counted in #MqttClient:max-queued-messages and
 * #MqttClient:max-queued-bytes like QoS 1 and 2 (%MQTT_ERROR_QUEUE_SIZE
 * when full). Errors are #GErrors, never silent drops.
 */

#define USEC_PER_SEC G_GINT64_CONSTANT (1000000)
#define READ_CHUNK (64 * 1024)
#define MAX_READS_PER_PUMP 16
#define MAX_VECTORS 64
/* A burst of publications starts writing once this much is encoded, so
 * that the broker works while the rest is being encoded. */
#define EAGER_FLUSH_BYTES (64 * 1024)

enum {
  PROP_0,
  PROP_CLIENT_ID,
  PROP_CLEAN_SESSION,
  PROP_PROTOCOL_VERSION,
  PROP_STATE,
  PROP_KEEPALIVE,
  PROP_MAX_INFLIGHT_MESSAGES,
  PROP_MAX_QUEUED_MESSAGES,
  PROP_MAX_QUEUED_BYTES,
  PROP_MAX_PACKET_SIZE,
  PROP_MESSAGE_RETRY,
  PROP_RECONNECT_DELAY_MIN,
  PROP_RECONNECT_DELAY_MAX,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_BIND_ADDRESS,
  PROP_AUTO_RECONNECT,
  PROP_HOST,
  PROP_PORT,
  PROP_TLS,
  PROP_TLS_DATABASE,
  PROP_TLS_CERTIFICATE,
  PROP_TLS_INTERACTION,
  PROP_TLS_INSECURE,
  PROP_TLS_CERT_REQS,
  PROP_TRANSPORT,
  PROP_WS_PATH,
  PROP_PROXY_RESOLVER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_CONNECTED,
  SIGNAL_CONNECT_FAILED,
  SIGNAL_DISCONNECTED,
  SIGNAL_MESSAGE,
  SIGNAL_PUBLISHED,
  SIGNAL_SUBSCRIBED,
  SIGNAL_UNSUBSCRIBED,
  SIGNAL_LOG,
  SIGNAL_WEBSOCKET_HANDSHAKE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What a pump does besides emitting events and flushing. */
typedef enum {
  PUMP_READ = 1 << 0,
  PUMP_TIMERS = 1 << 1,
  PUMP_RECONNECT = 1 << 2,   /* only from the timer source: starts due reconnections */
} PumpFlags;

typedef enum {
  OP_CONNECT,
  OP_DISCONNECT,
  OP_PUBLISH,
  OP_SUBSCRIBE,
  OP_UNSUBSCRIBE,
} OpKind;

/* An operation someone waits for: a GTask for asynchronous callers, or a
 * blocking caller waiting on the client's condition variable (done). */
typedef struct {
  OpKind kind;
  GTask *task;
  gboolean done;
  GError *error;
  guint mid;
  GBytes *granted;
  GSource *cancel_source;
} Op;

typedef struct {
  gatomicrefcount ref_count;
  char *filter;
  MqttMessageCallback callback;
  gpointer user_data;
  GDestroyNotify destroy;
} FilterCallback;

typedef struct _LoopThread LoopThread;

struct _MqttClient {
  GObject parent_instance;

  GMainContext *context;
  /* Guards the session, the connection state and the operation lists:
   * the thread-safe calls run under it from any thread. */
  /* POSIX primitives rather than GMutex/GCond, whose futex implementation
   * ThreadSanitizer cannot follow: the thread-safety tests run under it. */
  pthread_mutex_t lock;
  pthread_cond_t cond;        /* broadcast when a blocking operation completes */
  MqttSession *session;

  /* Connection settings */
  MqttTransportOptions transport_options;
  gboolean have_broker;       /* connect parameters were given */
  gboolean deferred;          /* connect_deferred() waits for a loop */
  char *bind_address;
  guint reconnect_delay_min;
  guint reconnect_delay_max;
  guint reconnect_delay;      /* the next delay, doubling */
  gboolean auto_reconnect;
  gboolean logger_enabled;
  gboolean log_wanted;        /* someone listens to log lines */
  gpointer user_data;
  GDestroyNotify user_data_destroy;

  /* The connection */
  MqttClientState state;
  MqttTransport *transport;
  GCancellable *open_cancellable;   /* the attempt being opened */
  GSource *read_source;
  GSource *write_source;
  GSource *timer_source;      /* deadlines, reconnections and kicks */
  gint64 timer_armed;         /* its ready time, -1 when unarmed */
  gboolean kicked;            /* a pump is already scheduled */
  guint in_pump;              /* a pump will flush before it returns */
  gint64 reconnect_at;        /* 0: no reconnection scheduled */
  gboolean reconnect_enabled; /* a lost connection is retried */
  GError *last_error;         /* the last connection failure, for the loop calls */
  guint activity;             /* incremented by every pump, for mqtt_client_loop() */

  /* Operations waiting for an outcome */
  GList *connect_ops;
  GList *disconnect_ops;
  GHashTable *mid_ops;        /* mid -> Op */

  /* Events being emitted, taken from the session's queue (context thread only) */
  GArray *events;
  guint events_head;

  GPtrArray *callbacks;       /* FilterCallback, under the lock */

  /* Loops */
  GThread *loop_thread;
  LoopThread *loop_thread_data;
  GMainLoop *forever_loop;
  gboolean forever_retry_first;
  gboolean forever_connected; /* a connection was accepted in this loop_forever() */
  GError *forever_error;
};

/**
 * MqttClient:
 *
 * An MQTT client; all its fields are private.
 */
G_DEFINE_FINAL_TYPE (MqttClient, mqtt_client, G_TYPE_OBJECT)

static void pump (MqttClient *self, PumpFlags flags);

static inline void
client_lock (MqttClient *self)
{
  pthread_mutex_lock (&self->lock);
}

static inline void
client_unlock (MqttClient *self)
{
  pthread_mutex_unlock (&self->lock);
}
static void start_connect (MqttClient *self);

/* ------------------------------------------------------------------------ */
/* Small helpers */

static void
op_free (Op *op)
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

static Op *
op_new (OpKind kind, GTask *task)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->task = task ? g_object_ref (task) : NULL;
  return op;
}

/* Completes @op: returns its task or wakes its blocking waiter, which then
 * frees it. Called in the context thread without the lock. */
static void
op_complete (MqttClient *self, Op *op, const GError *error)
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
      op_free (op);
      return;
    }

  client_lock (self);
  if (error)
    op->error = g_error_copy (error);
  op->done = TRUE;
  pthread_cond_broadcast (&self->cond);
  client_unlock (self);
}

static gboolean
check_qos (int qos, GError **error)
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
static void
kick_locked (MqttClient *self)
{
  if (self->kicked || self->in_pump)
    return;
  self->kicked = TRUE;
  set_timer_locked (self, 0);
}

static void
rearm_timer_locked (MqttClient *self)
{
  gint64 deadline = mqtt_session_next_deadline (self->session);

  if (self->kicked)
    return;
  if (self->reconnect_at > 0)
    deadline = MIN (deadline, self->reconnect_at);
  /* Deadlines mostly move later (keepalive restarts with every packet): a
   * timer that fires early re-arms itself, so only move it earlier. */
  if (deadline == G_MAXINT64)
    return;
  if (self->timer_armed < 0 || deadline < self->timer_armed)
    set_timer_locked (self, deadline);
}

/* The client's own events go through the session's queue, which the lock
 * guards: they can be made in any thread, and stay in order. */
static void
push_client_event_locked (MqttClient *self, MqttSessionEventType type, gint code, GError *error)
{
  MqttSessionEvent event = { 0 };

  event.type = type;
  event.code = code;
  event.error = error;
  mqtt_session_push_event (self->session, &event);
}

G_GNUC_PRINTF (3, 4) static void
client_log_locked (MqttClient *self, MqttLogLevel level, const char *format, ...)
{
  MqttSessionEvent event = { 0 };
  va_list args;

  if (!self->log_wanted)
    return;
  event.type = MQTT_SESSION_EVENT_LOG;
  event.code = level;
  va_start (args, format);
  event.text = g_strdup_vprintf (format, args);
  va_end (args);
  mqtt_session_push_event (self->session, &event);
}

static void
update_log_wanted (MqttClient *self)
{
  gboolean wanted = self->logger_enabled ||
                    g_signal_has_handler_pending (self, signals[SIGNAL_LOG], 0, TRUE);

  client_lock (self);
  self->log_wanted = wanted;
  mqtt_session_get_config (self->session)->log_packets = wanted;
  client_unlock (self);
}

/* Runs @func in the client's context: now, if this thread can own the
 * context, otherwise from that context's loop. GIO calls made by @func
 * report back to the client's context. */
static void
run_in_context (MqttClient *self, GSourceFunc func, gpointer data, GDestroyNotify destroy)
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
static gboolean
wait_op (MqttClient *self, Op *op, GError **error)
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
  op_free (op);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* The connection */

static void
destroy_source (GSource **source)
{
  if (*source)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Closes the transport, if any, and cancels an attempt being opened. */
static GCancellable *
teardown_locked (MqttClient *self)
{
  destroy_source (&self->read_source);
  destroy_source (&self->write_source);
  if (self->transport)
    {
      mqtt_transport_close (self->transport);
      g_clear_object (&self->transport);
    }
  /* The caller cancels the returned attempt once unlocked. */
  return g_steal_pointer (&self->open_cancellable);
}

static void
cancel_and_unref (GCancellable *cancellable)
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

/* The connection (or the attempt to make one) failed with @error, taken.
 * A connection the broker had accepted is lost (#MqttClient::disconnected);
 * any other was an attempt that failed (#MqttClient::connect-failed),
 * whether or not the transport was open. */
static GCancellable *
connection_failed_locked (MqttClient *self, GError *error)
{
  gboolean was_accepted = self->state != MQTT_CLIENT_STATE_CONNECTING;
  GCancellable *attempt = teardown_locked (self);
  gboolean reconnect = self->reconnect_enabled;

  mqtt_session_connection_lost (self->session, reconnect);
  self->state = MQTT_CLIENT_STATE_DISCONNECTED;
  g_clear_error (&self->last_error);
  self->last_error = g_error_copy (error);

  client_log_locked (self, was_accepted ? MQTT_LOG_WARNING : MQTT_LOG_ERR, "%s: %s",
                     was_accepted ? "Connection lost" : "Connection failed", error->message);
  if (reconnect)
    {
      self->reconnect_at = g_get_monotonic_time () + self->reconnect_delay * USEC_PER_SEC;
      client_log_locked (self, MQTT_LOG_INFO, "Reconnecting in %u s", self->reconnect_delay);
      self->reconnect_delay = MIN (self->reconnect_delay * 2, self->reconnect_delay_max);
      self->reconnect_delay = MAX (self->reconnect_delay, self->reconnect_delay_min);
    }

  push_client_event_locked (self,
                            was_accepted ? MQTT_SESSION_EVENT_DISCONNECTED
                                     : MQTT_SESSION_EVENT_CONNECTION_FAILED,
                            error_to_code (error), error);
  return attempt;
}

/* A clean end: DISCONNECT was written (or nothing was connected). */
static void
connection_closed_locked (MqttClient *self)
{
  GCancellable *attempt = teardown_locked (self);

  /* Only an open transport gets here: there is no attempt to cancel. */
  g_clear_object (&attempt);
  mqtt_session_connection_lost (self->session, FALSE);
  self->state = MQTT_CLIENT_STATE_DISCONNECTED;
  client_log_locked (self, MQTT_LOG_INFO, "Disconnected");
  push_client_event_locked (self, MQTT_SESSION_EVENT_DISCONNECTED, MQTT_ERROR_SUCCESS, NULL);
}

static gboolean
write_ready (gpointer user_data)
{
  pump (user_data, 0);
  return G_SOURCE_CONTINUE;
}

static gboolean
read_ready (gpointer user_data)
{
  pump (user_data, PUMP_READ);
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
static GCancellable *
flush_locked (MqttClient *self)
{
  MqttOutbuf *out = mqtt_session_get_output (self->session);

  if (self->transport == NULL)
    return NULL;

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

  destroy_source (&self->write_source);
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
  self->forever_connected = TRUE;
  g_clear_error (&self->last_error);
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
            return connection_failed_locked (self, g_steal_pointer (&error));
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

  if (start_reconnect && self->reconnect_at > 0 && now >= self->reconnect_at)
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
    op_complete (self, l->data, error);
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
    op_complete (self, l->data, NULL);
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

static void
filter_callback_unref (FilterCallback *fc)
{
  if (!g_atomic_ref_count_dec (&fc->ref_count))
    return;
  if (fc->destroy)
    fc->destroy (fc->user_data);
  g_free (fc->filter);
  g_free (fc);
}

static void
deliver_message (MqttClient *self, MqttMessage *message)
{
  g_autoptr(GPtrArray) matched = NULL;
  guint i;

  /* Paho's rule: every per-filter callback that matches is called, and
   * only a message that matches none reaches the message signal. */
  if (self->callbacks->len > 0)
    {
      client_lock (self);
      for (i = 0; i < self->callbacks->len; i++)
        {
          FilterCallback *fc = g_ptr_array_index (self->callbacks, i);

          if (mqtt_topic_matches_checked (fc->filter, message->topic))
            {
              if (matched == NULL)
                matched = g_ptr_array_new_with_free_func ((GDestroyNotify) filter_callback_unref);
              g_atomic_ref_count_inc (&fc->ref_count);
              g_ptr_array_add (matched, fc);
            }
        }
      client_unlock (self);
    }

  if (matched == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, message);
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

  g_signal_emit (self, signals[SIGNAL_LOG], 0, level, text);
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
                    mqtt_session_get_config (self->session)->client_id, "MESSAGE", "%s", text);
}

/* A SUBACK's return codes as integers, which bindings show as a list (bytes
 * would reach Python as a bytes object). */
static GArray *
granted_to_array (GBytes *granted)
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

static void
handle_event (MqttClient *self, MqttSessionEvent *event)
{
  Op *op;

  switch (event->type)
    {
    case MQTT_SESSION_EVENT_CONNACK:
      if (event->code == MQTT_CONNACK_ACCEPTED)
        {
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
          complete_connect_ops (self, NULL);
        }
      g_signal_emit (self, signals[SIGNAL_CONNECTED], 0, event->session_present, event->code);
      break;

    case MQTT_SESSION_EVENT_MESSAGE:
      deliver_message (self, event->message);
      break;

    case MQTT_SESSION_EVENT_PUBLISHED:
      if ((op = take_mid_op (self, event->mid)))
        op_complete (self, op, NULL);
      g_signal_emit (self, signals[SIGNAL_PUBLISHED], 0, event->mid);
      break;

    case MQTT_SESSION_EVENT_SUBSCRIBED:
      {
        g_autoptr(GArray) granted = granted_to_array (event->granted);

        if ((op = take_mid_op (self, event->mid)))
          {
            op->granted = g_bytes_ref (event->granted);
            op_complete (self, op, NULL);
          }
        g_signal_emit (self, signals[SIGNAL_SUBSCRIBED], 0, event->mid, granted);
        break;
      }

    case MQTT_SESSION_EVENT_UNSUBSCRIBED:
      if ((op = take_mid_op (self, event->mid)))
        op_complete (self, op, NULL);
      g_signal_emit (self, signals[SIGNAL_UNSUBSCRIBED], 0, event->mid);
      break;

    case MQTT_SESSION_EVENT_DROPPED:
      if ((op = take_mid_op (self, event->mid)))
        {
          g_autoptr(GError) error = g_error_new (MQTT_ERROR, event->code,
                                                 "Message %u could not be completed: %s",
                                                 event->mid, mqtt_error_string (event->code));

          op_complete (self, op, error);
        }
      break;

    case MQTT_SESSION_EVENT_LOG:
      write_log (self, event->code, event->text);
      break;

    case MQTT_SESSION_EVENT_STATE:
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      break;

    case MQTT_SESSION_EVENT_CONNECTION_FAILED:
    case MQTT_SESSION_EVENT_DISCONNECTED:
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      if (event->error)
        complete_connect_ops (self, event->error);
      else
        {
          g_autoptr(GError) error = g_error_new_literal (MQTT_ERROR, MQTT_ERROR_NO_CONN,
                                                         "Disconnected before the broker answered");
          complete_connect_ops (self, error);
        }
      complete_disconnect_ops (self);
      if (event->type == MQTT_SESSION_EVENT_DISCONNECTED)
        g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, event->code, event->error);
      /* An attempt the application abandoned did not fail. */
      else if (!g_error_matches (event->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_signal_emit (self, signals[SIGNAL_CONNECT_FAILED], 0, event->error);

      if (self->forever_loop)
        {
          gboolean quit;

          client_lock (self);
          quit = self->reconnect_at == 0 && self->open_cancellable == NULL &&
                 self->transport == NULL;
          if (event->error && !self->forever_connected && !self->forever_retry_first)
            {
              quit = TRUE;
              g_clear_error (&self->forever_error);
              self->forever_error = g_error_copy (event->error);
              self->reconnect_at = 0;
            }
          client_unlock (self);
          if (quit)
            g_main_loop_quit (self->forever_loop);
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Emits the pending events in order. Handlers may call back into the
 * client, run nested loops and emit further events: each event is taken
 * off the queue before it is handled. Context thread only. */
static void
emit_events (MqttClient *self)
{
  client_lock (self);
  mqtt_session_take_events (self->session, self->events);
  client_unlock (self);

  while (self->events_head < self->events->len)
    {
      MqttSessionEvent *slot = &g_array_index (self->events, MqttSessionEvent, self->events_head);
      MqttSessionEvent event = *slot;

      memset (slot, 0, sizeof *slot);
      self->events_head++;
      handle_event (self, &event);
      mqtt_session_event_clear (&event);

      if (self->events_head == self->events->len)
        {
          g_array_set_size (self->events, 0);
          self->events_head = 0;
          client_lock (self);
          mqtt_session_take_events (self->session, self->events);
          client_unlock (self);
        }
    }
}

/* One turn of the client: read, emit, tick, write, emit. */
static void
pump (MqttClient *self, PumpFlags flags)
{
  GCancellable *attempt = NULL;
  gboolean start_reconnect = FALSE;
  guint round;

  g_object_ref (self);
  update_log_wanted (self);

  client_lock (self);
  self->in_pump++;
  self->activity++;
  if (flags & PUMP_READ)
    attempt = read_locked (self);
  client_unlock (self);
  cancel_and_unref (g_steal_pointer (&attempt));

  for (round = 0;; round++)
    {
      gboolean more;

      emit_events (self);

      client_lock (self);
      if (round == 0 && (flags & (PUMP_TIMERS | PUMP_RECONNECT)))
        attempt = timers_locked (self, g_get_monotonic_time (),
                                 (flags & PUMP_RECONNECT) ? &start_reconnect : NULL);
      if (attempt == NULL)
        attempt = flush_locked (self);
      more = mqtt_session_has_events (self->session) || self->events->len > self->events_head;
      if (!more || round >= 8)
        {
          self->in_pump--;
          if (more)
            kick_locked (self);
          rearm_timer_locked (self);
          client_unlock (self);
          cancel_and_unref (g_steal_pointer (&attempt));
          break;
        }
      client_unlock (self);
      cancel_and_unref (g_steal_pointer (&attempt));
    }

  if (start_reconnect)
    start_connect (self);
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

  pump (self, PUMP_TIMERS | PUMP_RECONNECT);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_source_funcs = {
  NULL, NULL, timer_dispatch, NULL, NULL, NULL,
};

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
  g_autoptr(MqttTransport) transport = mqtt_transport_open_finish (result, &error);
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
          client_log_locked (self, MQTT_LOG_DEBUG, "Connected to %s:%u",
                             self->transport_options.host, self->transport_options.port);
          mqtt_session_connection_made (self->session, g_get_monotonic_time ());
        }
      client_unlock (self);
      cancel_and_unref (stale);
      pump (self, 0);
    }

  g_object_unref (attempt->cancellable);
  g_object_unref (attempt->self);
  g_free (attempt);
}

static void
emit_websocket_handshake (gpointer headers, gpointer user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_WEBSOCKET_HANDSHAKE], 0, headers);
}

static gboolean tls_wanted_locked (MqttClient *self);

/* Starts a connection to the configured broker, replacing any current one.
 * Context thread. */
static void
start_connect (MqttClient *self)
{
  Attempt *attempt = g_new0 (Attempt, 1);
  MqttTransportOptions options;
  GCancellable *old;

  update_log_wanted (self);
  client_lock (self);
  old = teardown_locked (self);
  if (mqtt_session_get_state (self->session) != MQTT_SESSION_IDLE &&
      mqtt_session_get_state (self->session) != MQTT_SESSION_WAITING)
    mqtt_session_connection_lost (self->session, TRUE);
  self->reconnect_at = 0;
  self->state = MQTT_CLIENT_STATE_CONNECTING;
  self->open_cancellable = g_cancellable_new ();
  attempt->self = g_object_ref (self);
  attempt->cancellable = g_object_ref (self->open_cancellable);
  mqtt_transport_options_copy (&options, &self->transport_options);
  options.tls = tls_wanted_locked (self);
  options.protocol_level = mqtt_session_get_config (self->session)->protocol;
  if (options.websocket)
    {
      options.ws_prepare_headers = emit_websocket_handshake;
      options.ws_prepare_data = g_object_ref (self);
    }
  client_log_locked (self, MQTT_LOG_DEBUG, "Connecting to %s:%u", options.host, options.port);
  client_unlock (self);

  cancel_and_unref (old);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);

  g_main_context_push_thread_default (self->context);
  mqtt_transport_open_async (&options, attempt->cancellable, transport_opened, attempt);
  g_main_context_pop_thread_default (self->context);
  mqtt_transport_options_clear (&options);
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
      cancel_and_unref (attempt);
      pump (self, 0);
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
      op_complete (self, request->op, error);
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
  start_connect (self);
  return G_SOURCE_REMOVE;
}

static void
request_connect (MqttClient *self, Op *op, GCancellable *cancellable)
{
  ConnectRequest *request = g_new0 (ConnectRequest, 1);

  request->self = g_object_ref (self);
  request->op = op;
  request->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  run_in_context (self, connect_in_context, request, (GDestroyNotify) connect_request_free);
}

static gboolean
set_broker (MqttClient *self, const char *host, guint port, guint keepalive, GError **error)
{
  MqttSessionConfig *config = mqtt_session_get_config (self->session);

  if (host == NULL || host[0] == '\0')
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL, "No broker host name given");
      return FALSE;
    }
  if (port == 0 || port > G_MAXUINT16)
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
  g_clear_pointer (&self->transport_options.srv_domain, g_free);
  g_free (self->transport_options.host);
  self->transport_options.host = g_strdup (host);
  self->transport_options.port = port;
  g_free (self->transport_options.bind_address);
  self->transport_options.bind_address = g_strdup (self->bind_address);
  config->keepalive = keepalive;
  self->have_broker = TRUE;
  client_unlock (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEEPALIVE]);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* GObject */

static char *
random_client_id (void)
{
  static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  GString *id = g_string_new ("mqtt-glib-");
  guint i;

  /* 23 characters: the longest id MQTT 3.1 brokers must accept. */
  for (i = 0; i < 13; i++)
    g_string_append_c (id, alphabet[g_random_int_range (0, sizeof alphabet - 1)]);
  return g_string_free (id, FALSE);
}

static void
set_client_id (MqttClient *self, const char *client_id)
{
  MqttSessionConfig *config = mqtt_session_get_config (self->session);

  g_free (config->client_id);
  config->client_id = client_id && client_id[0] ? g_strdup (client_id) : random_client_id ();
}

/* Connection options are read under the lock when a connection starts. */
/* Both bounds, already checked. */
static void
set_reconnect_delay (MqttClient *self, guint min_delay, guint max_delay)
{
  gboolean min_changed, max_changed;

  client_lock (self);
  min_changed = self->reconnect_delay_min != min_delay;
  max_changed = self->reconnect_delay_max != max_delay;
  self->reconnect_delay_min = min_delay;
  self->reconnect_delay_max = max_delay;
  self->reconnect_delay = CLAMP (self->reconnect_delay, min_delay, max_delay);
  client_unlock (self);

  if (min_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_DELAY_MIN]);
  if (max_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECONNECT_DELAY_MAX]);
}

/* Whether connections use TLS: when asked to, or when any TLS option is
 * set (a CA, a client certificate, an interaction, a relaxed check), so
 * that no connection ever goes in plaintext once one was given. */
static gboolean
tls_wanted_locked (MqttClient *self)
{
  const MqttTransportOptions *o = &self->transport_options;

  return o->tls || o->tls_database || o->tls_certificate || o->tls_interaction ||
         o->tls_insecure || !o->tls_verify;
}

/* Notifies @prop_id if its value @changed, and #MqttClient:tls if TLS is
 * now on where it was off or the reverse. */
static void
notify_option (MqttClient *self, guint prop_id, gboolean changed, gboolean tls_changed)
{
  if (changed && prop_id != PROP_TLS)
    g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  if (tls_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS]);
}

static void
set_tls_option (MqttClient *self, gboolean *field, gboolean value, guint prop_id)
{
  gboolean changed, was, now;

  client_lock (self);
  was = tls_wanted_locked (self);
  changed = *field != !!value;
  *field = !!value;
  now = tls_wanted_locked (self);
  client_unlock (self);
  notify_option (self, prop_id, changed, was != now);
}

static void
set_tls_object (MqttClient *self, GObject **field, gpointer value, guint prop_id)
{
  gboolean changed, was, now;

  client_lock (self);
  was = tls_wanted_locked (self);
  changed = g_set_object (field, value);
  now = tls_wanted_locked (self);
  client_unlock (self);
  notify_option (self, prop_id, changed, was != now);
}

static void
mqtt_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MqttClient *self = MQTT_CLIENT (object);
  MqttSessionConfig *config = mqtt_session_get_config (self->session);

  client_lock (self);
  switch (prop_id)
    {
    case PROP_CLIENT_ID:
      g_value_set_string (value, config->client_id);
      break;
    case PROP_CLEAN_SESSION:
      g_value_set_boolean (value, config->clean_session);
      break;
    case PROP_PROTOCOL_VERSION:
      g_value_set_enum (value, config->protocol);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_KEEPALIVE:
      g_value_set_uint (value, config->keepalive);
      break;
    case PROP_MAX_INFLIGHT_MESSAGES:
      g_value_set_uint (value, config->max_inflight);
      break;
    case PROP_MAX_QUEUED_MESSAGES:
      g_value_set_uint (value, config->max_queued);
      break;
    case PROP_MAX_QUEUED_BYTES:
      g_value_set_uint64 (value, config->max_queued_bytes);
      break;
    case PROP_MAX_PACKET_SIZE:
      g_value_set_uint (value, config->max_packet_size);
      break;
    case PROP_MESSAGE_RETRY:
      g_value_set_uint (value, config->retry_interval);
      break;
    case PROP_RECONNECT_DELAY_MIN:
      g_value_set_uint (value, self->reconnect_delay_min);
      break;
    case PROP_RECONNECT_DELAY_MAX:
      g_value_set_uint (value, self->reconnect_delay_max);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, config->username);
      break;
    case PROP_BIND_ADDRESS:
      g_value_set_string (value, self->bind_address);
      break;
    case PROP_AUTO_RECONNECT:
      g_value_set_boolean (value, self->auto_reconnect);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->transport_options.host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->transport_options.port);
      break;
    case PROP_TLS:
      g_value_set_boolean (value, tls_wanted_locked (self));
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, self->transport_options.tls_database);
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, self->transport_options.tls_certificate);
      break;
    case PROP_TLS_INTERACTION:
      g_value_set_object (value, self->transport_options.tls_interaction);
      break;
    case PROP_TLS_INSECURE:
      g_value_set_boolean (value, self->transport_options.tls_insecure);
      break;
    case PROP_TLS_CERT_REQS:
      g_value_set_enum (value, self->transport_options.tls_verify ? MQTT_TLS_CERT_REQUIRED
                                                                  : MQTT_TLS_CERT_NONE);
      break;
    case PROP_TRANSPORT:
      g_value_set_enum (value, self->transport_options.websocket ? MQTT_TRANSPORT_WEBSOCKETS
                                                                 : MQTT_TRANSPORT_TCP);
      break;
    case PROP_WS_PATH:
      g_value_set_string (value, self->transport_options.ws_path);
      break;
    case PROP_PROXY_RESOLVER:
      g_value_set_object (value, self->transport_options.proxy_resolver);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  client_unlock (self);
}

static void
mqtt_client_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MqttClient *self = MQTT_CLIENT (object);
  MqttSessionConfig *config = mqtt_session_get_config (self->session);

  switch (prop_id)
    {
    case PROP_CLIENT_ID:
      set_client_id (self, g_value_get_string (value));
      break;
    case PROP_CLEAN_SESSION:
      config->clean_session = g_value_get_boolean (value);
      break;
    case PROP_PROTOCOL_VERSION:
      config->protocol = g_value_get_enum (value);
      break;
    case PROP_KEEPALIVE:
      mqtt_client_set_keepalive (self, g_value_get_uint (value));
      break;
    case PROP_MAX_INFLIGHT_MESSAGES:
      mqtt_client_set_max_inflight_messages (self, g_value_get_uint (value));
      break;
    case PROP_MAX_QUEUED_MESSAGES:
      mqtt_client_set_max_queued_messages (self, g_value_get_uint (value));
      break;
    case PROP_MAX_QUEUED_BYTES:
      mqtt_client_set_max_queued_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_PACKET_SIZE:
      mqtt_client_set_max_packet_size (self, g_value_get_uint (value));
      break;
    case PROP_MESSAGE_RETRY:
      mqtt_client_set_message_retry (self, g_value_get_uint (value));
      break;
    case PROP_RECONNECT_DELAY_MIN:
      set_reconnect_delay (self, g_value_get_uint (value),
                           MAX (g_value_get_uint (value), self->reconnect_delay_max));
      break;
    case PROP_RECONNECT_DELAY_MAX:
      set_reconnect_delay (self, MIN (self->reconnect_delay_min, g_value_get_uint (value)),
                           g_value_get_uint (value));
      break;
    case PROP_USERNAME:
      mqtt_client_set_credentials (self, g_value_get_string (value), NULL);
      break;
    case PROP_PASSWORD:
      {
        const char *password = g_value_get_string (value);

        client_lock (self);
        g_clear_pointer (&config->password, g_bytes_unref);
        if (password)
          config->password = g_bytes_new (password, strlen (password));
        client_unlock (self);
        break;
      }
    case PROP_BIND_ADDRESS:
      mqtt_client_set_bind_address (self, g_value_get_string (value));
      break;
    case PROP_AUTO_RECONNECT:
      mqtt_client_set_auto_reconnect (self, g_value_get_boolean (value));
      break;
    case PROP_TLS:
      set_tls_option (self, &self->transport_options.tls, g_value_get_boolean (value), prop_id);
      break;
    case PROP_TLS_DATABASE:
      set_tls_object (self, (GObject **) &self->transport_options.tls_database,
                      g_value_get_object (value), prop_id);
      break;
    case PROP_TLS_CERTIFICATE:
      set_tls_object (self, (GObject **) &self->transport_options.tls_certificate,
                      g_value_get_object (value), prop_id);
      break;
    case PROP_TLS_INTERACTION:
      mqtt_client_set_tls_interaction (self, g_value_get_object (value));
      break;
    case PROP_TLS_INSECURE:
      mqtt_client_tls_insecure_set (self, g_value_get_boolean (value));
      break;
    case PROP_TLS_CERT_REQS:
      set_tls_option (self, &self->transport_options.tls_verify,
                      g_value_get_enum (value) != MQTT_TLS_CERT_NONE, prop_id);
      break;
    case PROP_TRANSPORT:
      mqtt_client_set_transport (self, g_value_get_enum (value));
      break;
    case PROP_PROXY_RESOLVER:
      mqtt_client_set_proxy_resolver (self, g_value_get_object (value));
      break;
    case PROP_WS_PATH:
      client_lock (self);
      g_free (self->transport_options.ws_path);
      self->transport_options.ws_path = g_value_dup_string (value);
      client_unlock (self);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mqtt_client_constructed (GObject *object)
{
  MqttClient *self = MQTT_CLIENT (object);

  G_OBJECT_CLASS (mqtt_client_parent_class)->constructed (object);

  self->timer_source = g_source_new (&timer_source_funcs, sizeof (GSource));
  g_source_set_callback (self->timer_source, NULL, self, NULL);
  g_source_set_can_recurse (self->timer_source, TRUE);
  g_source_set_name (self->timer_source, "MqttClient timer");
  g_source_attach (self->timer_source, self->context);
}

static void
mqtt_client_dispose (GObject *object)
{
  MqttClient *self = MQTT_CLIENT (object);
  GCancellable *attempt;

  mqtt_client_loop_stop (self);

  client_lock (self);
  attempt = teardown_locked (self);
  self->reconnect_at = 0;
  client_unlock (self);
  cancel_and_unref (attempt);
  destroy_source (&self->timer_source);

  if (self->callbacks->len > 0)
    g_ptr_array_set_size (self->callbacks, 0);
  if (self->user_data_destroy)
    g_clear_pointer (&self->user_data, self->user_data_destroy);

  G_OBJECT_CLASS (mqtt_client_parent_class)->dispose (object);
}

static void
mqtt_client_finalize (GObject *object)
{
  MqttClient *self = MQTT_CLIENT (object);

  g_list_free_full (self->connect_ops, (GDestroyNotify) op_free);
  g_list_free_full (self->disconnect_ops, (GDestroyNotify) op_free);
  g_hash_table_unref (self->mid_ops);
  g_array_unref (self->events);
  g_ptr_array_unref (self->callbacks);
  mqtt_session_free (self->session);
  mqtt_transport_options_clear (&self->transport_options);
  g_free (self->bind_address);
  g_clear_error (&self->last_error);
  g_clear_error (&self->forever_error);
  g_main_context_unref (self->context);
  pthread_mutex_destroy (&self->lock);
  pthread_cond_destroy (&self->cond);

  G_OBJECT_CLASS (mqtt_client_parent_class)->finalize (object);
}

static void
mqtt_client_init (MqttClient *self)
{
  pthread_mutex_init (&self->lock, NULL);
  pthread_cond_init (&self->cond, NULL);
  self->context = g_main_context_ref_thread_default ();
  self->session = mqtt_session_new ();
  set_client_id (self, NULL);
  self->reconnect_delay_min = 1;
  self->reconnect_delay_max = 120;
  self->reconnect_delay = 1;
  self->auto_reconnect = TRUE;
  self->timer_armed = -1;
  self->transport_options.port = 1883;
  self->transport_options.tls_verify = TRUE;
  self->transport_options.ws_path = g_strdup ("/mqtt");
  self->mid_ops = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) op_free);
  self->events = g_array_new (FALSE, TRUE, sizeof (MqttSessionEvent));
  g_array_set_clear_func (self->events, (GDestroyNotify) mqtt_session_event_clear);
  self->callbacks = g_ptr_array_new_with_free_func ((GDestroyNotify) filter_callback_unref);
}

static void
mqtt_client_class_init (MqttClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = mqtt_client_get_property;
  object_class->set_property = mqtt_client_set_property;
  object_class->constructed = mqtt_client_constructed;
  object_class->dispose = mqtt_client_dispose;
  object_class->finalize = mqtt_client_finalize;

  /**
   * MqttClient:client-id:
   *
   * The client identifier sent to the broker. An empty or %NULL id is
   * replaced by a random one (23 characters, valid for MQTT 3.1 too).
   */
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:clean-session:
   *
   * Whether the broker discards the session (subscriptions, queued
   * messages) when the client disconnects. A durable client (%FALSE) needs
   * a fixed #MqttClient:client-id.
   */
  properties[PROP_CLEAN_SESSION] =
    g_param_spec_boolean ("clean-session", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:protocol-version:
   *
   * The MQTT version spoken: 3.1 or 3.1.1 (the default).
   */
  properties[PROP_PROTOCOL_VERSION] =
    g_param_spec_enum ("protocol-version", NULL, NULL, MQTT_TYPE_PROTOCOL_VERSION,
                       MQTT_PROTOCOL_V311,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:state:
   *
   * The connection state. Notified in the client's context.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, MQTT_TYPE_CLIENT_STATE,
                       MQTT_CLIENT_STATE_DISCONNECTED, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:keepalive:
   *
   * The longest time, in seconds, without a packet between client and
   * broker; the client sends PINGREQ when idle and drops a connection whose
   * PINGRESP is late. 0 turns keepalive off. Set by the connect calls, as
   * Paho's `keepalive` argument.
   */
  properties[PROP_KEEPALIVE] =
    g_param_spec_uint ("keepalive", NULL, NULL, 0, G_MAXUINT16, 60, rw);

  /**
   * MqttClient:max-inflight-messages:
   *
   * The most QoS 1 and 2 messages part way through their flow at once
   * (Paho's `max_inflight_messages_set()`); 0 means no limit.
   */
  properties[PROP_MAX_INFLIGHT_MESSAGES] =
    g_param_spec_uint ("max-inflight-messages", NULL, NULL, 0, G_MAXUINT16, 20, rw);

  /**
   * MqttClient:max-queued-messages:
   *
   * The most outgoing messages held by the client, in flight or waiting
   * (Paho's `max_queued_messages_set()`); 0 means no limit. When the queue
   * is full a publication fails with %MQTT_ERROR_QUEUE_SIZE: nothing is
   * dropped silently.
   */
  properties[PROP_MAX_QUEUED_MESSAGES] =
    g_param_spec_uint ("max-queued-messages", NULL, NULL, 0, G_MAXUINT, 0, rw);

  /**
   * MqttClient:max-queued-bytes:
   *
   * The most payload bytes the client holds for outgoing messages: QoS 1
   * and 2 messages until their acknowledgement, and any message not yet
   * written to the connection. A publication that would go beyond fails
   * with %MQTT_ERROR_QUEUE_SIZE, so that a publisher faster than the
   * network or a stalled broker cannot make the client grow without
   * bound; a single message larger than the limit is accepted when
   * nothing else is held. 0 means no limit. The default is 64 MiB.
   */
  properties[PROP_MAX_QUEUED_BYTES] =
    g_param_spec_uint64 ("max-queued-bytes", NULL, NULL, 0, G_MAXUINT64,
                         MQTT_DEFAULT_MAX_QUEUED_BYTES, rw);

  /**
   * MqttClient:max-packet-size:
   *
   * The largest packet accepted from the broker, in bytes (fixed header
   * included). A larger one is a protocol error (%MQTT_ERROR_PROTOCOL) as
   * soon as its header arrives, before its contents are read, and the
   * connection is closed. The client's memory never grows with a length a
   * packet merely claims, only with bytes received; this bounds the
   * memory one message can take. The default is 64 MiB; MQTT allows up to
   * 268,435,460. Takes effect at the next connection.
   */
  properties[PROP_MAX_PACKET_SIZE] =
    g_param_spec_uint ("max-packet-size", NULL, NULL, 2, MQTT_MAX_PACKET_SIZE,
                       MQTT_DEFAULT_MAX_PACKET_SIZE, rw);

  /**
   * MqttClient:message-retry:
   *
   * Seconds before an unacknowledged QoS 1 or 2 message is sent again with
   * DUP set (Paho's `message_retry_set()`); 0 resends only after a
   * reconnection.
   */
  properties[PROP_MESSAGE_RETRY] =
    g_param_spec_uint ("message-retry", NULL, NULL, 0, G_MAXUINT16, 5, rw);

  /**
   * MqttClient:reconnect-delay-min:
   *
   * Seconds before the first reconnection attempt; the delay doubles with
   * each failed attempt up to #MqttClient:reconnect-delay-max and returns
   * to this value when a CONNACK accepts the connection.
   */
  properties[PROP_RECONNECT_DELAY_MIN] =
    g_param_spec_uint ("reconnect-delay-min", NULL, NULL, 1, G_MAXUINT16, 1, rw);

  /**
   * MqttClient:reconnect-delay-max:
   *
   * The longest delay between reconnection attempts, in seconds.
   */
  properties[PROP_RECONNECT_DELAY_MAX] =
    g_param_spec_uint ("reconnect-delay-max", NULL, NULL, 1, G_MAXUINT16, 120, rw);

  /**
   * MqttClient:username:
   *
   * The user name sent in CONNECT, or %NULL.
   */
  properties[PROP_USERNAME] = g_param_spec_string ("username", NULL, NULL, NULL, rw);

  /**
   * MqttClient:password:
   *
   * The password sent in CONNECT (with a user name only). Write-only: it is
   * never read back, logged or put into an error message.
   */
  properties[PROP_PASSWORD] =
    g_param_spec_string ("password", NULL, NULL, NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:bind-address:
   *
   * The local IP address to connect from, or %NULL for any (Paho's
   * `bind_address`).
   */
  properties[PROP_BIND_ADDRESS] = g_param_spec_string ("bind-address", NULL, NULL, NULL, rw);

  /**
   * MqttClient:auto-reconnect:
   *
   * Whether a connection lost after a CONNACK is re-established
   * automatically, after #MqttClient:reconnect-delay-min seconds, doubling
   * up to #MqttClient:reconnect-delay-max. Reconnection needs the client's
   * context to run (a main loop, mqtt_client_loop_start() or
   * mqtt_client_loop_forever()). Messages queued or unacknowledged when the
   * connection dropped are sent after reconnecting.
   */
  properties[PROP_AUTO_RECONNECT] =
    g_param_spec_boolean ("auto-reconnect", NULL, NULL, TRUE, rw);

  /**
   * MqttClient:host:
   *
   * The broker host given to the last connect call.
   */
  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:port:
   *
   * The broker port given to the last connect call.
   */
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 1883,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:tls:
   *
   * Whether connections use TLS. mqtt_client_tls_set() and
   * mqtt_client_tls_set_context() turn it on, and so does any TLS option
   * given a value other than its default (#MqttClient:tls-database,
   * #MqttClient:tls-certificate, #MqttClient:tls-interaction,
   * #MqttClient:tls-insecure, #MqttClient:tls-cert-reqs): it reads %TRUE
   * then, and a connection is never made in plaintext while a TLS option is
   * set. To go back to plaintext, set it to %FALSE and clear those options.
   */
  properties[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, FALSE, rw);

  /**
   * MqttClient:tls-database:
   *
   * The certificate authorities trusted to sign the broker's certificate;
   * %NULL for the system's (Paho's default).
   */
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE, rw);

  /**
   * MqttClient:tls-certificate:
   *
   * The client's certificate, with its private key, for brokers that
   * authenticate clients by certificate; %NULL for none.
   */
  properties[PROP_TLS_CERTIFICATE] =
    g_param_spec_object ("tls-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE, rw);

  /**
   * MqttClient:tls-interaction:
   *
   * Asked for passwords: the password of an encrypted PKCS #12 client
   * certificate given to mqtt_client_tls_set(), and PINs of PKCS #11
   * tokens. Paho has no such callback.
   */
  properties[PROP_TLS_INTERACTION] =
    g_param_spec_object ("tls-interaction", NULL, NULL, G_TYPE_TLS_INTERACTION, rw);

  /**
   * MqttClient:tls-insecure:
   *
   * Accept a broker certificate that is valid but names another host
   * (Paho's `tls_insecure_set()`). Only the host-name check is skipped: the
   * certificate must still chain to a trusted authority. Do not use this in
   * a real system.
   */
  properties[PROP_TLS_INSECURE] = g_param_spec_boolean ("tls-insecure", NULL, NULL, FALSE, rw);

  /**
   * MqttClient:tls-cert-reqs:
   *
   * What is required of the broker's certificate (Paho's `cert_reqs`):
   * %MQTT_TLS_CERT_NONE accepts any certificate. Reads back as
   * %MQTT_TLS_CERT_REQUIRED or %MQTT_TLS_CERT_NONE.
   */
  properties[PROP_TLS_CERT_REQS] =
    g_param_spec_enum ("tls-cert-reqs", NULL, NULL, MQTT_TYPE_TLS_CERT_REQS,
                       MQTT_TLS_CERT_REQUIRED, rw);

  /**
   * MqttClient:transport:
   *
   * TCP (the default) or WebSockets, Paho's `transport` argument. With
   * #MqttClient:tls, WebSockets means `wss://`. The external-loop hooks
   * need TCP: libsoup reads a WebSocket's socket itself.
   */
  properties[PROP_TRANSPORT] =
    g_param_spec_enum ("transport", NULL, NULL, MQTT_TYPE_TRANSPORT_TYPE, MQTT_TRANSPORT_TCP, rw);

  /**
   * MqttClient:ws-path:
   *
   * The path of the WebSocket URL, `/mqtt` by default.
   */
  properties[PROP_WS_PATH] = g_param_spec_string ("ws-path", NULL, NULL, "/mqtt", rw);

  /**
   * MqttClient:proxy-resolver:
   *
   * The proxies connections go through, for every transport; %NULL (the
   * default) for none, as Paho. g_proxy_resolver_get_default() follows the
   * system's settings; mqtt_client_proxy_set() names one proxy.
   */
  properties[PROP_PROXY_RESOLVER] =
    g_param_spec_object ("proxy-resolver", NULL, NULL, G_TYPE_PROXY_RESOLVER, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * MqttClient::connected:
   * @client: the client
   * @session_present: the CONNACK's session-present flag (Paho's
   *   `flags['session present']`): the broker kept a durable session
   * @return_code: the CONNACK return code, a #MqttConnackCode; 0 is success
   *
   * The broker answered CONNECT (Paho's `on_connect`). Emitted for refusals
   * too, with their code, as Paho does; a refused connection is then closed
   * and #MqttClient::connect-failed follows. Subscribing here renews
   * subscriptions after every reconnection.
   */
  signals[SIGNAL_CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_INT);

  /**
   * MqttClient::connect-failed:
   * @client: the client
   * @error: why: a #G_RESOLVER_ERROR or #G_IO_ERROR from resolving or
   *   connecting, a #G_TLS_ERROR, %MQTT_ERROR_CONN_REFUSED for a WebSocket
   *   handshake the server refused, %MQTT_ERROR_CONN_LOST for a broker that
   *   closed before answering, or a refusal (%MQTT_ERROR_CONNACK_BASE + the
   *   CONNACK return code)
   *
   * A connection attempt failed before the broker accepted it (Paho's
   * `on_connect_fail`, here for every cause, a CONNACK refusal included:
   * #MqttClient::connected has then been emitted with the refusal's code).
   * Emitted for the first connection, whose call fails with the same
   * error, and for every automatic reconnection attempt, after which the
   * next one is scheduled. #MqttClient::disconnected is only for
   * connections the broker had accepted. An attempt abandoned through
   * mqtt_client_disconnect_from_broker() or a #GCancellable did not fail:
   * no signal.
   */
  signals[SIGNAL_CONNECT_FAILED] =
    g_signal_new ("connect-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * MqttClient::disconnected:
   * @client: the client
   * @return_code: a #MqttError code: %MQTT_ERROR_SUCCESS (0) after
   *   mqtt_client_disconnect_from_broker(), another code for an unexpected
   *   loss (%MQTT_ERROR_CONN_LOST, %MQTT_ERROR_KEEPALIVE,
   *   %MQTT_ERROR_PROTOCOL, a refusal, ...)
   * @error: (nullable): what went wrong, %NULL after a requested disconnection
   *
   * A connection the broker had accepted has closed (Paho's
   * `on_disconnect`). If #MqttClient:auto-reconnect applies, a reconnection
   * is already scheduled. An attempt that never got that far emits
   * #MqttClient::connect-failed instead.
   */
  signals[SIGNAL_DISCONNECTED] =
    g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_ERROR);

  /**
   * MqttClient::message:
   * @client: the client
   * @message: the received message
   *
   * A message arrived on a subscribed topic (Paho's `on_message`), unless
   * it matched a filter given to mqtt_client_message_callback_add(), in
   * which case only those callbacks see it. A QoS 1 or 2 message is
   * acknowledged after the handlers have returned.
   */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, MQTT_TYPE_MESSAGE);

  /**
   * MqttClient::published:
   * @client: the client
   * @mid: the message id the publish call returned
   *
   * A publication completed (Paho's `on_publish`): for QoS 0 the message has
   * left the client, for QoS 1 PUBACK arrived, for QoS 2 PUBCOMP arrived.
   */
  signals[SIGNAL_PUBLISHED] =
    g_signal_new ("published", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * MqttClient::subscribed:
   * @client: the client
   * @mid: the message id the subscribe call returned
   * @granted_qos: (element-type gint): the QoS the broker granted for each
   *   filter, in order; 128 (0x80) where it refused the subscription (a
   *   list of integers in Python and JavaScript; in C,
   *   `g_array_index (granted_qos, int, i)`)
   *
   * The broker answered a subscription (Paho's `on_subscribe`).
   */
  signals[SIGNAL_SUBSCRIBED] =
    g_signal_new ("subscribed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_ARRAY);

  /**
   * MqttClient::unsubscribed:
   * @client: the client
   * @mid: the message id the unsubscribe call returned
   *
   * The broker acknowledged an unsubscription (Paho's `on_unsubscribe`).
   */
  signals[SIGNAL_UNSUBSCRIBED] =
    g_signal_new ("unsubscribed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * MqttClient::log:
   * @client: the client
   * @level: the severity
   * @text: the log line
   *
   * A log line (Paho's `on_log`): every packet sent and received at
   * %MQTT_LOG_DEBUG, connection events above. Lines are only produced while
   * a handler is connected or mqtt_client_enable_logger() is on. Passwords
   * never appear.
   */
  signals[SIGNAL_LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, MQTT_TYPE_LOG_LEVEL, G_TYPE_STRING);

  /**
   * MqttClient::websocket-handshake:
   * @client: the client
   * @headers: the request headers of the handshake, which the handler may
   *   change (add, replace or remove headers)
   *
   * Emitted just before each WebSocket handshake is sent, with the headers
   * mqtt_client_ws_set_options() added already: Paho's callable `headers`
   * argument of `ws_set_options()`, for brokers that need a signature over
   * the request (AWS IoT, for instance). Emitted in the client's context.
   */
  signals[SIGNAL_WEBSOCKET_HANDSHAKE] =
    g_signal_new ("websocket-handshake", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1,
                  SOUP_TYPE_MESSAGE_HEADERS | G_SIGNAL_TYPE_STATIC_SCOPE);
}

/* ------------------------------------------------------------------------ */
/* Construction and options */

/**
 * mqtt_client_new:
 * @client_id: (nullable): the client identifier; %NULL or empty for a random one
 * @clean_session: whether the broker forgets the session at disconnection
 * @protocol: the MQTT version
 * @error: return location for a #GError, or %NULL
 *
 * Creates a client, Paho's `Client(client_id, clean_session, protocol=...)`.
 * The client belongs to the thread-default main context.
 *
 * Returns: (transfer full) (nullable): a new client, or %NULL with
 *   %MQTT_ERROR_INVAL if @client_id is empty and @clean_session is %FALSE
 */
MqttClient *
mqtt_client_new (const char *client_id, gboolean clean_session, MqttProtocolVersion protocol,
                 GError **error)
{
  if ((client_id == NULL || client_id[0] == '\0') && !clean_session)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                           "A client with an empty client id must use a clean session");
      return NULL;
    }
  if (protocol != MQTT_PROTOCOL_V31 && protocol != MQTT_PROTOCOL_V311)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Unsupported protocol version %d",
                   protocol);
      return NULL;
    }
  return g_object_new (MQTT_TYPE_CLIENT, "client-id", client_id, "clean-session", clean_session,
                       "protocol-version", protocol, NULL);
}

/* Every option a constructor leaves at its default, back to it. */
static void
reset_options (MqttClient *self)
{
  guint i;

  mqtt_client_clear_will (self);
  mqtt_client_ws_set_options (self, NULL, NULL);
  mqtt_client_disable_logger (self);
  mqtt_client_set_user_data (self, NULL, NULL);
  for (i = 1; i < N_PROPS; i++)
    {
      GParamSpec *pspec = properties[i];
      GValue value = G_VALUE_INIT;

      if (!(pspec->flags & G_PARAM_WRITABLE) || (pspec->flags & G_PARAM_CONSTRUCT_ONLY))
        continue;
      g_value_init (&value, pspec->value_type);
      g_param_value_set_default (pspec, &value);
      g_object_set_property (G_OBJECT (self), pspec->name, &value);
      g_value_unset (&value);
    }
}

/**
 * mqtt_client_reinitialise:
 * @self: a #MqttClient
 * @client_id: (nullable): the new client identifier; %NULL or empty for a random one
 * @clean_session: the new clean-session flag
 * @error: return location for a #GError, or %NULL
 *
 * Resets the client as if it had just been created (Paho's
 * `reinitialise()`, which runs the constructor again): closes any
 * connection without DISCONNECT, stops reconnecting, drops every queued
 * message, pending subscription and per-filter callback, forgets the
 * broker of the last connect call, and sets every option back to its
 * default: keepalive, limits, retry, reconnection delays and
 * #MqttClient:auto-reconnect, credentials, will, TLS, transport and
 * WebSocket options, proxy, bind address, the GLib logger, and the user
 * data (its destroy notify is called, as Paho's `reinitialise()` replaces
 * `userdata`). Operations
 * still pending fail with %MQTT_ERROR_NO_CONN. What survives: the
 * protocol version (a constructor argument this function does not take),
 * the main context the client belongs to, and signal handlers (Paho's
 * callbacks are attributes its constructor resets; GObject's handlers are
 * the application's).
 *
 * Returns: %TRUE on success; %FALSE with %MQTT_ERROR_INVAL for an empty id
 *   without a clean session
 */
gboolean
mqtt_client_reinitialise (MqttClient *self, const char *client_id, gboolean clean_session,
                          GError **error)
{
  GCancellable *attempt;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if ((client_id == NULL || client_id[0] == '\0') && !clean_session)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                           "A client with an empty client id must use a clean session");
      return FALSE;
    }

  client_lock (self);
  self->reconnect_enabled = FALSE;
  self->reconnect_at = 0;
  self->deferred = FALSE;
  attempt = teardown_locked (self);
  if (self->state != MQTT_CLIENT_STATE_DISCONNECTED)
    {
      self->state = MQTT_CLIENT_STATE_DISCONNECTED;
      push_client_event_locked (self, MQTT_SESSION_EVENT_DISCONNECTED, MQTT_ERROR_SUCCESS, NULL);
    }
  mqtt_session_reset (self->session);
  set_client_id (self, client_id);
  mqtt_session_get_config (self->session)->clean_session = clean_session;
  g_ptr_array_set_size (self->callbacks, 0);
  g_clear_pointer (&self->transport_options.host, g_free);
  self->transport_options.port = 1883;
  client_unlock (self);

  cancel_and_unref (attempt);
  pump (self, 0);
  g_object_freeze_notify (G_OBJECT (self));
  reset_options (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT_ID]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLEAN_SESSION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

/**
 * mqtt_client_get_client_id:
 * @self: a #MqttClient
 *
 * Gets the client identifier, the generated one if none was given.
 *
 * Returns: (transfer none): the client id
 */
const char *
mqtt_client_get_client_id (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);
  return mqtt_session_get_config (self->session)->client_id;
}

/**
 * mqtt_client_get_clean_session:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:clean-session.
 *
 * Returns: whether the session is clean
 */
gboolean
mqtt_client_get_clean_session (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return mqtt_session_get_config (self->session)->clean_session;
}

/**
 * mqtt_client_get_protocol_version:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:protocol-version.
 *
 * Returns: the MQTT version spoken
 */
MqttProtocolVersion
mqtt_client_get_protocol_version (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), MQTT_PROTOCOL_V311);
  return mqtt_session_get_config (self->session)->protocol;
}

/**
 * mqtt_client_get_state:
 * @self: a #MqttClient
 *
 * Gets the connection state. Thread-safe.
 *
 * Returns: the #MqttClientState
 */
MqttClientState
mqtt_client_get_state (MqttClient *self)
{
  MqttClientState state;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), MQTT_CLIENT_STATE_DISCONNECTED);
  client_lock (self);
  state = self->state;
  client_unlock (self);
  return state;
}

/**
 * mqtt_client_is_connected:
 * @self: a #MqttClient
 *
 * Paho's `is_connected()`. Thread-safe.
 *
 * Returns: %TRUE if a CONNACK accepted the current connection
 */
gboolean
mqtt_client_is_connected (MqttClient *self)
{
  return mqtt_client_get_state (self) == MQTT_CLIENT_STATE_CONNECTED;
}

#define SET_CONFIG_UINT(self, field, value, prop)                   \
  G_STMT_START                                                      \
  {                                                                 \
    MqttSessionConfig *config = mqtt_session_get_config (self->session); \
    gboolean changed;                                               \
    client_lock (self);                                     \
    changed = config->field != (value);                             \
    config->field = (value);                                        \
    client_unlock (self);                                   \
    if (changed)                                                    \
      g_object_notify_by_pspec (G_OBJECT (self), properties[prop]); \
  }                                                                 \
  G_STMT_END

/**
 * mqtt_client_set_max_inflight_messages:
 * @self: a #MqttClient
 * @inflight: the most QoS 1 and 2 messages in flight; 0 for no limit
 *
 * Paho's `max_inflight_messages_set()`; see #MqttClient:max-inflight-messages.
 */
void
mqtt_client_set_max_inflight_messages (MqttClient *self, guint inflight)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  SET_CONFIG_UINT (self, max_inflight, inflight, PROP_MAX_INFLIGHT_MESSAGES);
}

/**
 * mqtt_client_get_max_inflight_messages:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:max-inflight-messages.
 *
 * Returns: the in-flight window
 */
guint
mqtt_client_get_max_inflight_messages (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return mqtt_session_get_config (self->session)->max_inflight;
}

/**
 * mqtt_client_set_max_queued_messages:
 * @self: a #MqttClient
 * @queue_size: the most outgoing messages held; 0 for no limit
 *
 * Paho's `max_queued_messages_set()`; see #MqttClient:max-queued-messages.
 */
void
mqtt_client_set_max_queued_messages (MqttClient *self, guint queue_size)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  SET_CONFIG_UINT (self, max_queued, queue_size, PROP_MAX_QUEUED_MESSAGES);
}

/**
 * mqtt_client_set_max_queued_bytes:
 * @self: a #MqttClient
 * @max_bytes: the most payload bytes held for outgoing messages; 0 for no
 *   limit
 *
 * Sets #MqttClient:max-queued-bytes.
 */
void
mqtt_client_set_max_queued_bytes (MqttClient *self, guint64 max_bytes)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  SET_CONFIG_UINT (self, max_queued_bytes, max_bytes, PROP_MAX_QUEUED_BYTES);
}

/**
 * mqtt_client_get_max_queued_bytes:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:max-queued-bytes.
 *
 * Returns: the limit in bytes, 0 for none
 */
guint64
mqtt_client_get_max_queued_bytes (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return mqtt_session_get_config (self->session)->max_queued_bytes;
}

/**
 * mqtt_client_set_max_packet_size:
 * @self: a #MqttClient
 * @max_size: the largest packet accepted from the broker, in bytes
 *
 * Sets #MqttClient:max-packet-size.
 */
void
mqtt_client_set_max_packet_size (MqttClient *self, guint max_size)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  g_return_if_fail (max_size >= 2 && max_size <= MQTT_MAX_PACKET_SIZE);
  SET_CONFIG_UINT (self, max_packet_size, max_size, PROP_MAX_PACKET_SIZE);
}

/**
 * mqtt_client_get_max_packet_size:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:max-packet-size.
 *
 * Returns: the largest packet accepted, in bytes
 */
guint
mqtt_client_get_max_packet_size (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return mqtt_session_get_config (self->session)->max_packet_size;
}

/**
 * mqtt_client_get_max_queued_messages:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:max-queued-messages.
 *
 * Returns: the queue limit
 */
guint
mqtt_client_get_max_queued_messages (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return mqtt_session_get_config (self->session)->max_queued;
}

/**
 * mqtt_client_set_message_retry:
 * @self: a #MqttClient
 * @retry: seconds before an unacknowledged message is resent; 0 for never
 *
 * Paho's `message_retry_set()`; see #MqttClient:message-retry.
 */
void
mqtt_client_set_message_retry (MqttClient *self, guint retry)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  SET_CONFIG_UINT (self, retry_interval, retry, PROP_MESSAGE_RETRY);
  client_lock (self);
  rearm_timer_locked (self);
  client_unlock (self);
}

/**
 * mqtt_client_get_message_retry:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:message-retry.
 *
 * Returns: the retry interval in seconds
 */
guint
mqtt_client_get_message_retry (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return mqtt_session_get_config (self->session)->retry_interval;
}

/**
 * mqtt_client_set_keepalive:
 * @self: a #MqttClient
 * @keepalive: seconds, at most 65535; 0 turns keepalive off
 *
 * Sets #MqttClient:keepalive for the next connection; the connect calls
 * set it too.
 */
void
mqtt_client_set_keepalive (MqttClient *self, guint keepalive)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  SET_CONFIG_UINT (self, keepalive, MIN (keepalive, G_MAXUINT16), PROP_KEEPALIVE);
}

/**
 * mqtt_client_get_keepalive:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:keepalive.
 *
 * Returns: the keepalive interval in seconds
 */
guint
mqtt_client_get_keepalive (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return mqtt_session_get_config (self->session)->keepalive;
}

/**
 * mqtt_client_set_reconnect_delay:
 * @self: a #MqttClient
 * @min_delay: seconds before the first reconnection attempt, 1 to 65535
 * @max_delay: the longest delay between attempts, @min_delay to 65535
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `reconnect_delay_set()`: the delay starts at @min_delay, doubles
 * with each failed attempt up to @max_delay, and returns to @min_delay when
 * a CONNACK accepts the connection. (The #MqttClient:reconnect-delay-min
 * and #MqttClient:reconnect-delay-max properties, which cannot fail, move
 * the other bound along instead.)
 *
 * Returns: %TRUE if the delays were set; %FALSE with %MQTT_ERROR_INVAL,
 *   changing nothing, when @min_delay is 0 or above @max_delay, or
 *   @max_delay above 65535
 */
gboolean
mqtt_client_set_reconnect_delay (MqttClient *self, guint min_delay, guint max_delay,
                                 GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (min_delay == 0 || min_delay > max_delay || max_delay > G_MAXUINT16)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "Invalid reconnection delays %u and %u: 1 <= min <= max <= 65535 seconds",
                   min_delay, max_delay);
      return FALSE;
    }
  set_reconnect_delay (self, min_delay, max_delay);
  return TRUE;
}

/**
 * mqtt_client_set_credentials:
 * @self: a #MqttClient
 * @username: (nullable): the user name, or %NULL for none
 * @password: (nullable): the password, or %NULL for none
 *
 * Paho's `username_pw_set()`: the credentials sent in the next CONNECT. A
 * password is only sent with a user name.
 */
void
mqtt_client_set_credentials (MqttClient *self, const char *username, const char *password)
{
  MqttSessionConfig *config;
  gboolean changed;

  g_return_if_fail (MQTT_IS_CLIENT (self));
  config = mqtt_session_get_config (self->session);

  client_lock (self);
  changed = g_strcmp0 (config->username, username) != 0;
  g_free (config->username);
  config->username = g_strdup (username);
  g_clear_pointer (&config->password, g_bytes_unref);
  if (password)
    config->password = g_bytes_new (password, strlen (password));
  client_unlock (self);

  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);
}

/**
 * mqtt_client_get_username:
 * @self: a #MqttClient
 *
 * Gets the user name set by mqtt_client_set_credentials().
 *
 * Returns: (transfer none) (nullable): the user name
 */
const char *
mqtt_client_get_username (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);
  return mqtt_session_get_config (self->session)->username;
}

/**
 * mqtt_client_set_will:
 * @self: a #MqttClient
 * @topic: the topic of the will; not empty, no wildcards
 * @payload: (array length=length) (element-type guint8) (nullable): the
 *   will message; %NULL for an empty one
 * @length: the size of @payload, or -1 if it is a NUL-terminated string
 * @qos: the QoS of the will
 * @retain: whether the broker retains the will when it publishes it
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `will_set()`: a message the broker publishes on the client's
 * behalf if the connection ends without mqtt_client_disconnect_from_broker().
 * Used from the next connection on.
 *
 * Returns: %TRUE if the will was set; %FALSE with %MQTT_ERROR_INVAL for a
 *   bad topic or QoS, or %MQTT_ERROR_PAYLOAD_SIZE for a payload over 65535 bytes
 */
gboolean
mqtt_client_set_will (MqttClient *self, const char *topic, const guint8 *payload, gssize length,
                      MqttQos qos, gboolean retain, GError **error)
{
  MqttSessionConfig *config;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (!mqtt_topic_validate_name (topic, error) || !check_qos (qos, error))
    return FALSE;
  if (payload == NULL)
    length = 0;
  else if (length < 0)
    length = strlen ((const char *) payload);
  if (length > G_MAXUINT16)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE,
                   "A will payload of %" G_GSSIZE_FORMAT " bytes exceeds the 65535 MQTT allows",
                   length);
      return FALSE;
    }

  config = mqtt_session_get_config (self->session);
  client_lock (self);
  config->will = TRUE;
  g_free (config->will_topic);
  config->will_topic = g_strdup (topic);
  g_clear_pointer (&config->will_payload, g_bytes_unref);
  config->will_payload = g_bytes_new (payload, length);
  config->will_qos = qos;
  config->will_retain = retain;
  client_unlock (self);
  return TRUE;
}

/**
 * mqtt_client_clear_will:
 * @self: a #MqttClient
 *
 * Removes the will (Paho's `will_clear()`), from the next connection on.
 */
void
mqtt_client_clear_will (MqttClient *self)
{
  MqttSessionConfig *config;

  g_return_if_fail (MQTT_IS_CLIENT (self));
  config = mqtt_session_get_config (self->session);
  client_lock (self);
  config->will = FALSE;
  g_clear_pointer (&config->will_topic, g_free);
  g_clear_pointer (&config->will_payload, g_bytes_unref);
  config->will_qos = 0;
  config->will_retain = FALSE;
  client_unlock (self);
}

/**
 * mqtt_client_set_bind_address:
 * @self: a #MqttClient
 * @bind_address: (nullable): a local IP address, or %NULL for any
 *
 * Sets #MqttClient:bind-address for the next connection.
 */
void
mqtt_client_set_bind_address (MqttClient *self, const char *bind_address)
{
  gboolean changed;

  g_return_if_fail (MQTT_IS_CLIENT (self));
  client_lock (self);
  changed = g_strcmp0 (self->bind_address, bind_address) != 0;
  g_free (self->bind_address);
  self->bind_address = bind_address && bind_address[0] ? g_strdup (bind_address) : NULL;
  g_free (self->transport_options.bind_address);
  self->transport_options.bind_address = g_strdup (self->bind_address);
  client_unlock (self);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BIND_ADDRESS]);
}

/**
 * mqtt_client_get_bind_address:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:bind-address.
 *
 * Returns: (transfer none) (nullable): the local address, or %NULL
 */
const char *
mqtt_client_get_bind_address (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);
  return self->bind_address;
}

/**
 * mqtt_client_set_auto_reconnect:
 * @self: a #MqttClient
 * @auto_reconnect: whether to reconnect automatically
 *
 * Sets #MqttClient:auto-reconnect.
 */
void
mqtt_client_set_auto_reconnect (MqttClient *self, gboolean auto_reconnect)
{
  gboolean changed;

  g_return_if_fail (MQTT_IS_CLIENT (self));
  client_lock (self);
  changed = self->auto_reconnect != !!auto_reconnect;
  self->auto_reconnect = !!auto_reconnect;
  if (!auto_reconnect)
    {
      self->reconnect_enabled = FALSE;
      self->reconnect_at = 0;
    }
  client_unlock (self);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTO_RECONNECT]);
}

/**
 * mqtt_client_get_auto_reconnect:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:auto-reconnect.
 *
 * Returns: whether lost connections are re-established
 */
gboolean
mqtt_client_get_auto_reconnect (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return self->auto_reconnect;
}

/**
 * mqtt_client_set_user_data:
 * @self: a #MqttClient
 * @user_data: (nullable): data for the application
 * @destroy: (nullable): frees @user_data when it is replaced or the client finalized
 *
 * Paho's `user_data_set()`: data the application keeps with the client.
 * Signal handlers get their own data when connected; this is for code that
 * only has the client at hand.
 */
void
mqtt_client_set_user_data (MqttClient *self, gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  if (self->user_data_destroy && self->user_data)
    self->user_data_destroy (self->user_data);
  self->user_data = user_data;
  self->user_data_destroy = destroy;
}

/**
 * mqtt_client_get_user_data:
 * @self: a #MqttClient
 *
 * Gets the data set with mqtt_client_set_user_data().
 *
 * Returns: (transfer none) (nullable): the user data
 */
gpointer
mqtt_client_get_user_data (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);
  return self->user_data;
}

/**
 * mqtt_client_enable_logger:
 * @self: a #MqttClient
 *
 * Paho's `enable_logger()`: writes the client's log lines to GLib's
 * structured log, domain `Mqtt`, as well as to #MqttClient::log.
 * %MQTT_LOG_DEBUG lines are debug messages (shown with
 * `G_MESSAGES_DEBUG=Mqtt`), INFO and NOTICE are info messages, WARNING is a
 * message and ERR a warning.
 */
void
mqtt_client_enable_logger (MqttClient *self)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  self->logger_enabled = TRUE;
  update_log_wanted (self);
}

/**
 * mqtt_client_disable_logger:
 * @self: a #MqttClient
 *
 * Paho's `disable_logger()`: stops writing to GLib's log.
 * #MqttClient::log is not affected.
 */
void
mqtt_client_disable_logger (MqttClient *self)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  self->logger_enabled = FALSE;
  update_log_wanted (self);
}

/* ------------------------------------------------------------------------ */
/* TLS */

static gboolean
is_pkcs12 (const char *path)
{
  return g_str_has_suffix (path, ".p12") || g_str_has_suffix (path, ".pfx");
}

/* A PKCS #12 file: with no password, or with the one the interaction gives. */
static GTlsCertificate *
load_pkcs12 (MqttClient *self, const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GTlsInteraction) interaction = NULL;
  g_autoptr(GTlsPassword) password = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GError) local_error = NULL;
  GTlsCertificate *certificate;
  char *secret;
  const guchar *value;
  gsize length, secret_length;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  certificate = g_tls_certificate_new_from_pkcs12 ((const guint8 *) contents, length, NULL,
                                                   &local_error);
  if (certificate || !g_error_matches (local_error, G_TLS_ERROR,
                                       G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD))
    {
      if (local_error)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return certificate;
    }

  client_lock (self);
  g_set_object (&interaction, self->transport_options.tls_interaction);
  client_unlock (self);
  if (interaction == NULL)
    {
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD,
                   "The certificate file %s is encrypted: set a tls-interaction to give its "
                   "password", path);
      return NULL;
    }

  description = g_strdup_printf ("Password of the TLS certificate %s", path);
  password = g_tls_password_new (G_TLS_PASSWORD_NONE, description);
  for (;;)
    {
      g_clear_error (&local_error);
      if (g_tls_interaction_invoke_ask_password (interaction, password, NULL, error) !=
          G_TLS_INTERACTION_HANDLED)
        {
          if (error && *error == NULL)
            g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD,
                         "No password given for the TLS certificate %s", path);
          return NULL;
        }
      value = g_tls_password_get_value (password, &secret_length);
      secret = g_strndup ((const char *) value, secret_length);
      certificate = g_tls_certificate_new_from_pkcs12 ((const guint8 *) contents, length, secret,
                                                       &local_error);
      memset (secret, 0, secret_length);
      g_free (secret);
      if (certificate || !g_error_matches (local_error, G_TLS_ERROR,
                                           G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD))
        break;
      /* Ask again, saying the last one was wrong. */
      g_tls_password_set_flags (password, G_TLS_PASSWORD_RETRY);
    }
  if (local_error)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return certificate;
}

static GTlsCertificate *
load_certificate (MqttClient *self, const char *certfile, const char *keyfile, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *key = NULL;
  GTlsCertificate *certificate;

  if (is_pkcs12 (certfile))
    return load_pkcs12 (self, certfile, error);

  certificate = g_tls_certificate_new_from_files (certfile, keyfile ? keyfile : certfile,
                                                  &local_error);
  if (certificate)
    return certificate;
  /* GIO reads unencrypted PEM keys only: say what to do instead. */
  if (g_file_get_contents (keyfile ? keyfile : certfile, &key, NULL, NULL) &&
      strstr (key, "ENCRYPTED") != NULL)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED,
                   "The private key %s is encrypted, which GIO cannot read in PEM form: give "
                   "the certificate and key as one PKCS #12 file (openssl pkcs12 -export) and "
                   "its password through the tls-interaction",
                   keyfile ? keyfile : certfile);
      return NULL;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/**
 * mqtt_client_tls_set:
 * @self: a #MqttClient
 * @ca_certs: (nullable) (type filename): a PEM file of the certificate
 *   authorities to trust; %NULL for the system's
 * @certfile: (nullable) (type filename): the client certificate: a PEM file
 *   (with @keyfile), or a PKCS #12 file (`.p12`, `.pfx`) holding the
 *   certificate and its key; %NULL for none
 * @keyfile: (nullable) (type filename): the PEM private key of @certfile, if
 *   it is not in @certfile
 * @cert_reqs: what the broker's certificate must satisfy
 * @tls_version: %MQTT_TLS_VERSION_DEFAULT
 * @ciphers: (nullable): %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `tls_set()`: connections use TLS, verifying the broker's
 * certificate against @ca_certs and its host name unless @cert_reqs is
 * %MQTT_TLS_CERT_NONE (or mqtt_client_tls_insecure_set() says so for the
 * name). Files are read now, so that a missing or bad file is an error of
 * this call. An encrypted private key must come as a PKCS #12 file: its
 * password is asked from #MqttClient:tls-interaction, which must be set
 * first. GIO reads encrypted keys in no other form, cannot restrict the
 * cipher suites (the system's crypto policy applies) and cannot pin a TLS
 * version: @ciphers other than %NULL and @tls_version other than
 * %MQTT_TLS_VERSION_DEFAULT are refused with %MQTT_ERROR_NOT_SUPPORTED.
 *
 * Returns: %TRUE if TLS is configured; %FALSE with the error of reading a
 *   file (%G_FILE_ERROR, %G_TLS_ERROR), or %MQTT_ERROR_NOT_SUPPORTED
 */
gboolean
mqtt_client_tls_set (MqttClient *self, const char *ca_certs, const char *certfile,
                     const char *keyfile, MqttTlsCertReqs cert_reqs, MqttTlsVersion tls_version,
                     const char *ciphers, GError **error)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (tls_version != MQTT_TLS_VERSION_DEFAULT)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED,
                           "GIO negotiates the TLS version and cannot pin one: use "
                           "MQTT_TLS_VERSION_DEFAULT");
      return FALSE;
    }
  if (ciphers != NULL)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED,
                           "GIO cannot restrict TLS cipher suites (the system's crypto policy "
                           "applies): pass no cipher string");
      return FALSE;
    }
  if (ca_certs && !(database = g_tls_file_database_new (ca_certs, error)))
    return FALSE;
  if (certfile && !(certificate = load_certificate (self, certfile, keyfile, error)))
    return FALSE;

  client_lock (self);
  g_set_object (&self->transport_options.tls_database, database);
  g_set_object (&self->transport_options.tls_certificate, certificate);
  self->transport_options.tls_verify = cert_reqs != MQTT_TLS_CERT_NONE;
  self->transport_options.tls = TRUE;
  client_unlock (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_DATABASE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_CERTIFICATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TLS_CERT_REQS]);
  return TRUE;
}

/**
 * mqtt_client_tls_set_context:
 * @self: a #MqttClient
 * @database: (nullable): the certificate authorities to trust; %NULL for the system's
 * @certificate: (nullable): the client's certificate with its key, or %NULL
 *
 * Paho's `tls_set_context()`: connections use TLS with GIO objects made by
 * the application, for instance a #GTlsDatabase of a PKCS #11 token, or a
 * #GTlsCertificate from g_tls_certificate_new_from_pkcs11_uris(). The
 * broker's certificate is verified. Equivalent to setting
 * #MqttClient:tls-database, #MqttClient:tls-certificate and #MqttClient:tls.
 */
void
mqtt_client_tls_set_context (MqttClient *self, GTlsDatabase *database,
                             GTlsCertificate *certificate)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));

  set_tls_object (self, (GObject **) &self->transport_options.tls_database, database,
                  PROP_TLS_DATABASE);
  set_tls_object (self, (GObject **) &self->transport_options.tls_certificate, certificate,
                  PROP_TLS_CERTIFICATE);
  set_tls_option (self, &self->transport_options.tls_verify, TRUE, PROP_TLS_CERT_REQS);
  set_tls_option (self, &self->transport_options.tls, TRUE, PROP_TLS);
}

/**
 * mqtt_client_tls_insecure_set:
 * @self: a #MqttClient
 * @insecure: %TRUE to accept a certificate that names another host
 *
 * Paho's `tls_insecure_set()`; see #MqttClient:tls-insecure.
 */
void
mqtt_client_tls_insecure_set (MqttClient *self, gboolean insecure)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  set_tls_option (self, &self->transport_options.tls_insecure, insecure, PROP_TLS_INSECURE);
}

/**
 * mqtt_client_set_tls_interaction:
 * @self: a #MqttClient
 * @interaction: (nullable): a #GTlsInteraction, or %NULL
 *
 * Sets #MqttClient:tls-interaction, which is asked for the password of an
 * encrypted client certificate (set it before mqtt_client_tls_set()) and
 * for PKCS #11 PINs during handshakes.
 */
void
mqtt_client_set_tls_interaction (MqttClient *self, GTlsInteraction *interaction)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  set_tls_object (self, (GObject **) &self->transport_options.tls_interaction, interaction,
                  PROP_TLS_INTERACTION);
}

/**
 * mqtt_client_get_tls:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:tls.
 *
 * Returns: whether connections use TLS
 */
gboolean
mqtt_client_get_tls (MqttClient *self)
{
  gboolean tls;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  client_lock (self);
  tls = tls_wanted_locked (self);
  client_unlock (self);
  return tls;
}

/* ------------------------------------------------------------------------ */
/* WebSockets */

/**
 * mqtt_client_set_transport:
 * @self: a #MqttClient
 * @transport: TCP or WebSockets
 *
 * Sets #MqttClient:transport for the next connection (Paho's `transport`
 * argument of `Client()`).
 */
void
mqtt_client_set_transport (MqttClient *self, MqttTransportType transport)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  set_tls_option (self, &self->transport_options.websocket,
                  transport == MQTT_TRANSPORT_WEBSOCKETS, PROP_TRANSPORT);
}

/**
 * mqtt_client_get_transport:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:transport.
 *
 * Returns: how the client reaches its broker
 */
MqttTransportType
mqtt_client_get_transport (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), MQTT_TRANSPORT_TCP);
  return self->transport_options.websocket ? MQTT_TRANSPORT_WEBSOCKETS : MQTT_TRANSPORT_TCP;
}

/**
 * mqtt_client_ws_set_options:
 * @self: a #MqttClient
 * @path: (nullable): the path of the WebSocket URL; %NULL for `/mqtt`
 * @headers: (nullable) (element-type utf8 utf8): extra request headers for
 *   the handshake, or %NULL
 *
 * Paho's `ws_set_options()`. Paho's other form, a callable that rewrites
 * the handshake headers, is the #MqttClient::websocket-handshake signal.
 * Used from the next connection on.
 */
void
mqtt_client_ws_set_options (MqttClient *self, const char *path, GHashTable *headers)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));

  client_lock (self);
  g_free (self->transport_options.ws_path);
  self->transport_options.ws_path = g_strdup (path ? path : "/mqtt");
  g_clear_pointer (&self->transport_options.ws_headers, g_hash_table_unref);
  if (headers)
    {
      GHashTableIter iter;
      gpointer name, value;

      /* A copy: the caller's table may change after this call. */
      self->transport_options.ws_headers = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                 g_free, g_free);
      g_hash_table_iter_init (&iter, headers);
      while (g_hash_table_iter_next (&iter, &name, &value))
        g_hash_table_insert (self->transport_options.ws_headers, g_strdup (name),
                             g_strdup (value));
    }
  client_unlock (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WS_PATH]);
}

/* ------------------------------------------------------------------------ */
/* Proxies */

/**
 * mqtt_client_proxy_set:
 * @self: a #MqttClient
 * @proxy_uri: (nullable): `socks5://`, `socks4a://`, `socks4://` or
 *   `http://` (HTTP CONNECT) followed by `[user:password@]host:port`; %NULL
 *   for no proxy
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `proxy_set()`: connections (TCP, TLS and WebSocket) go through
 * this proxy. With SOCKS 5 and SOCKS 4a the proxy resolves the broker's
 * name (Paho's `proxy_rdns`). Sets #MqttClient:proxy-resolver.
 *
 * Returns: %TRUE if the proxy is set; %FALSE with %MQTT_ERROR_INVAL for a
 *   malformed URI or an unknown proxy type
 */
gboolean
mqtt_client_proxy_set (MqttClient *self, const char *proxy_uri, GError **error)
{
  static const char *const schemes[] = { "socks5", "socks4a", "socks4", "http", NULL };
  g_autoptr(GProxyResolver) resolver = NULL;
  g_autoptr(GUri) uri = NULL;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (proxy_uri)
    {
      uri = g_uri_parse (proxy_uri, G_URI_FLAGS_NONE, NULL);
      if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_port (uri) <= 0 ||
          !g_strv_contains (schemes, g_uri_get_scheme (uri)))
        {
          /* No URI in the message: it may hold a password. */
          g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                               "Invalid proxy: expected socks5://, socks4a://, socks4:// or "
                               "http:// with a host and a port");
          return FALSE;
        }
      resolver = g_simple_proxy_resolver_new (proxy_uri, NULL);
    }
  mqtt_client_set_proxy_resolver (self, resolver);
  return TRUE;
}

/**
 * mqtt_client_set_proxy_resolver:
 * @self: a #MqttClient
 * @resolver: (nullable): a #GProxyResolver, or %NULL for no proxy
 *
 * Sets #MqttClient:proxy-resolver.
 */
void
mqtt_client_set_proxy_resolver (MqttClient *self, GProxyResolver *resolver)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  set_tls_object (self, (GObject **) &self->transport_options.proxy_resolver, resolver,
                  PROP_PROXY_RESOLVER);
}

/* ------------------------------------------------------------------------ */
/* Connecting */

/* The blocking connect calls: start, then wait for CONNACK or failure. */
static gboolean
connect_and_wait (MqttClient *self, GCancellable *cancellable, GError **error)
{
  Op *op = op_new (OP_CONNECT, NULL);

  request_connect (self, op, cancellable);
  return wait_op (self, op, error);
}

/* The asynchronous ones: @prepared says whether the arguments were good. */
static void
connect_async (MqttClient *self, gboolean prepared, GError *error, GCancellable *cancellable,
               GAsyncReadyCallback callback, gpointer user_data, gpointer source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  if (!prepared)
    g_task_return_error (task, error);
  else
    request_connect (self, op_new (OP_CONNECT, task), cancellable);
}

/* The domain of this host, for connect_srv() without one. */
static char *
local_domain (void)
{
  const char *host = g_get_host_name ();
  const char *dot = strchr (host, '.');

  return dot && dot[1] ? g_strdup (dot + 1) : NULL;
}

static gboolean
set_srv (MqttClient *self, const char *domain, guint keepalive, GError **error)
{
  g_autofree char *local = NULL;

  if (domain == NULL || domain[0] == '\0')
    {
      domain = local = local_domain ();
      if (domain == NULL)
        {
          g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                               "No domain given and the host name has none");
          return FALSE;
        }
    }
  /* The port is the SRV target's; the domain stands for the host. */
  if (!set_broker (self, domain, 1883, keepalive, error))
    return FALSE;
  client_lock (self);
  self->transport_options.srv_domain = g_strdup (domain);
  client_unlock (self);
  return TRUE;
}

/**
 * mqtt_client_connect_srv:
 * @self: a #MqttClient
 * @domain: (nullable): the DNS domain to look the broker up in; %NULL for
 *   this host's domain
 * @keepalive: the keepalive interval in seconds
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `connect_srv()`: finds the broker through the DNS SRV records
 * `_mqtt._tcp.@domain` (`_secure-mqtt._tcp.@domain` with TLS), tries the
 * targets in the order of their priority and weight until one connects, and
 * waits for CONNACK like mqtt_client_connect_to_broker(). Reconnections do
 * the lookup again.
 *
 * Returns: %TRUE if a broker accepted the connection; %FALSE with the
 *   lookup's error (%G_RESOLVER_ERROR), the first target's error, or the
 *   errors of mqtt_client_connect_to_broker()
 */
gboolean
mqtt_client_connect_srv (MqttClient *self, const char *domain, guint keepalive,
                         GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  return set_srv (self, domain, keepalive, error) && connect_and_wait (self, cancellable, error);
}

/**
 * mqtt_client_connect_srv_async:
 * @self: a #MqttClient
 * @domain: (nullable): the DNS domain; %NULL for this host's
 * @keepalive: the keepalive interval in seconds
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when a broker has answered or all failed
 * @user_data: data for @callback
 *
 * The asynchronous form of mqtt_client_connect_srv(); finish it with
 * mqtt_client_connect_srv_finish().
 */
void
mqtt_client_connect_srv_async (MqttClient *self, const char *domain, guint keepalive,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GError *error = NULL;
  gboolean prepared;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  prepared = set_srv (self, domain, keepalive, &error);
  connect_async (self, prepared, error, cancellable, callback, user_data,
                 mqtt_client_connect_srv_async);
}

/**
 * mqtt_client_connect_srv_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_connect_srv_async().
 *
 * Returns: %TRUE if a broker accepted the connection
 */
gboolean
mqtt_client_connect_srv_finish (MqttClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mqtt_client_connect_to_broker:
 * @self: a #MqttClient
 * @host: the broker's host name or IP address
 * @port: the broker's port, usually 1883
 * @keepalive: the keepalive interval in seconds (Paho's default is 60)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Paho's blocking `connect()`: connects to the broker and waits for its
 * CONNACK. #MqttClient::connected is emitted as well. The wait runs the
 * client's context (or, if another thread runs it, sleeps until that
 * thread has the answer).
 *
 * Returns: %TRUE when the broker accepted the connection; %FALSE with the
 *   network error, a refusal (%MQTT_ERROR_CONNACK_BASE + the CONNACK code),
 *   %MQTT_ERROR_INVAL for bad arguments, or %G_IO_ERROR_CANCELLED
 */
gboolean
mqtt_client_connect_to_broker (MqttClient *self, const char *host, guint port, guint keepalive,
                               GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  return set_broker (self, host, port, keepalive, error) &&
         connect_and_wait (self, cancellable, error);
}

/**
 * mqtt_client_connect_to_broker_async:
 * @self: a #MqttClient
 * @host: the broker's host name or IP address
 * @port: the broker's port, usually 1883
 * @keepalive: the keepalive interval in seconds
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the broker has answered or the attempt failed
 * @user_data: data for @callback
 *
 * Connects to the broker without blocking; the operation completes at
 * CONNACK. Get the outcome with mqtt_client_connect_to_broker_finish().
 */
void
mqtt_client_connect_to_broker_async (MqttClient *self, const char *host, guint port,
                                     guint keepalive, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  GError *error = NULL;
  gboolean prepared;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  prepared = set_broker (self, host, port, keepalive, &error);
  connect_async (self, prepared, error, cancellable, callback, user_data,
                 mqtt_client_connect_to_broker_async);
}

/**
 * mqtt_client_connect_to_broker_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_connect_to_broker_async() or
 * mqtt_client_reconnect_async().
 *
 * Returns: %TRUE if the broker accepted the connection; %FALSE with the
 *   errors of mqtt_client_connect_to_broker()
 */
gboolean
mqtt_client_connect_to_broker_finish (MqttClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mqtt_client_connect_deferred:
 * @self: a #MqttClient
 * @host: the broker's host name or IP address
 * @port: the broker's port, usually 1883
 * @keepalive: the keepalive interval in seconds
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `connect_async()`: records the broker and returns at once; the
 * connection is made by mqtt_client_loop_start() or
 * mqtt_client_loop_forever(), which keep retrying it.
 *
 * Returns: %TRUE if the arguments are valid; %FALSE with %MQTT_ERROR_INVAL
 */
gboolean
mqtt_client_connect_deferred (MqttClient *self, const char *host, guint port, guint keepalive,
                              GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (!set_broker (self, host, port, keepalive, error))
    return FALSE;
  client_lock (self);
  self->deferred = TRUE;
  client_unlock (self);
  return TRUE;
}

static gboolean
check_have_broker (MqttClient *self, GError **error)
{
  if (!self->have_broker)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NO_CONN,
                           "No broker: call a connect function before reconnecting");
      return FALSE;
    }
  return TRUE;
}

/**
 * mqtt_client_reconnect:
 * @self: a #MqttClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `reconnect()`: connects again to the broker of the last connect
 * call, closing the current connection if there is one, and waits for
 * CONNACK like mqtt_client_connect_to_broker().
 *
 * Returns: %TRUE if the broker accepted the connection; %FALSE with an
 *   error (%MQTT_ERROR_NO_CONN if no broker was ever given)
 */
gboolean
mqtt_client_reconnect (MqttClient *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  return check_have_broker (self, error) && connect_and_wait (self, cancellable, error);
}

/**
 * mqtt_client_reconnect_async:
 * @self: a #MqttClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the broker has answered or the attempt failed
 * @user_data: data for @callback
 *
 * The asynchronous form of mqtt_client_reconnect(); finish it with
 * mqtt_client_reconnect_finish().
 */
void
mqtt_client_reconnect_async (MqttClient *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GError *error = NULL;
  gboolean prepared;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  prepared = check_have_broker (self, &error);
  connect_async (self, prepared, error, cancellable, callback, user_data,
                 mqtt_client_reconnect_async);
}

/**
 * mqtt_client_reconnect_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_reconnect_async().
 *
 * Returns: %TRUE if the broker accepted the connection
 */
gboolean
mqtt_client_reconnect_finish (MqttClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Starts a clean disconnection; returns FALSE (with @error) when there is
 * no connection to end. Any thread. */
static gboolean
begin_disconnect (MqttClient *self, Op *op, GError **error)
{
  GCancellable *attempt = NULL;
  gboolean ok = TRUE;

  client_lock (self);
  self->reconnect_enabled = FALSE;
  self->deferred = FALSE;
  if (self->transport)
    {
      if (mqtt_session_send_disconnect (self->session, g_get_monotonic_time ()))
        {
          self->state = MQTT_CLIENT_STATE_DISCONNECTING;
          push_client_event_locked (self, MQTT_SESSION_EVENT_STATE, 0, NULL);
          if (op)
            self->disconnect_ops = g_list_append (self->disconnect_ops, op);
          kick_locked (self);
        }
      else if (op)
        self->disconnect_ops = g_list_append (self->disconnect_ops, op);
    }
  else if (self->open_cancellable || self->reconnect_at > 0)
    {
      /* Nothing connected yet: stop trying. */
      self->reconnect_at = 0;
      attempt = teardown_locked (self);
      mqtt_session_connection_lost (self->session, FALSE);
      self->state = MQTT_CLIENT_STATE_DISCONNECTED;
      push_client_event_locked (self, MQTT_SESSION_EVENT_CONNECTION_FAILED, MQTT_ERROR_SUCCESS,
                                g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     "Disconnected while connecting"));
      if (op)
        self->disconnect_ops = g_list_append (self->disconnect_ops, op);
      kick_locked (self);
    }
  else
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NO_CONN,
                           "The client is not connected");
      ok = FALSE;
    }
  client_unlock (self);
  cancel_and_unref (attempt);
  return ok;
}

/**
 * mqtt_client_disconnect_from_broker:
 * @self: a #MqttClient
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `disconnect()`: sends DISCONNECT and closes the connection, so
 * that the broker does not publish the will, and stops reconnecting.
 * Returns at once; #MqttClient::disconnected follows with code 0 once
 * DISCONNECT is written. A connection still being made is abandoned.
 * Thread-safe.
 *
 * Returns: %TRUE if a disconnection began; %FALSE with %MQTT_ERROR_NO_CONN
 *   if there was nothing to disconnect
 */
gboolean
mqtt_client_disconnect_from_broker (MqttClient *self, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return begin_disconnect (self, NULL, error);
}

/**
 * mqtt_client_disconnect_from_broker_async:
 * @self: a #MqttClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the connection is closed
 * @user_data: data for @callback
 *
 * Like mqtt_client_disconnect_from_broker(), but completes when DISCONNECT
 * has been written and the connection closed. Thread-safe.
 */
void
mqtt_client_disconnect_from_broker_async (MqttClient *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Op *op;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mqtt_client_disconnect_from_broker_async);
  op = op_new (OP_DISCONNECT, task);
  if (!begin_disconnect (self, op, &error))
    {
      op_free (op);
      g_task_return_error (task, error);
    }
}

/**
 * mqtt_client_disconnect_from_broker_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_disconnect_from_broker_async().
 *
 * Returns: %TRUE once the connection is closed; %FALSE with
 *   %MQTT_ERROR_NO_CONN if there was none
 */
gboolean
mqtt_client_disconnect_from_broker_finish (MqttClient *self, GAsyncResult *result,
                                           GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

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
      self->forever_connected = self->state == MQTT_CLIENT_STATE_CONNECTED;
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
  if (deferred)
    start_connect (self);
  g_main_loop_run (self->forever_loop);
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
  start_connect (data);
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
  pump (self, flags);
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

/* ------------------------------------------------------------------------ */
/* Publishing */

static gboolean
check_publish (const char *topic, gsize length, MqttQos qos, GError **error)
{
  if (!mqtt_topic_validate_name (topic, error) || !check_qos (qos, error))
    return FALSE;
  if (length > MQTT_MAX_REMAINING_LENGTH)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE,
                   "Payload too large: %" G_GSIZE_FORMAT " bytes, MQTT allows at most %u",
                   length, MQTT_MAX_REMAINING_LENGTH);
      return FALSE;
    }
  return TRUE;
}

/* The payload is @data (copied) when @n_parts is 0, else the
 * concatenation of @parts (referenced). */
static gboolean
publish_internal (MqttClient *self, const char *topic, const guint8 *data, gsize length,
                  GBytes *const *parts, guint n_parts, MqttQos qos, gboolean retain, Op *op,
                  guint *mid, GError **error)
{
  GCancellable *attempt = NULL;
  guint id = 0, i;
  gboolean ok;

  if (n_parts > 0)
    for (i = 0, length = 0; i < n_parts; i++)
      length += g_bytes_get_size (parts[i]);
  if (!check_publish (topic, length, qos, error))
    return FALSE;

  client_lock (self);
  if (n_parts > 0)
    ok = mqtt_session_publish_parts (self->session, topic, parts, n_parts, qos, retain,
                                     g_get_monotonic_time (), &id, error);
  else
    ok = mqtt_session_publish (self->session, topic, data, length, NULL, qos, retain,
                               g_get_monotonic_time (), &id, error);
  if (ok)
    {
      if (op)
        g_hash_table_replace (self->mid_ops, GUINT_TO_POINTER (id), op);
      if (self->transport && self->write_source == NULL &&
          mqtt_outbuf_get_length (mqtt_session_get_output (self->session)) >= EAGER_FLUSH_BYTES &&
          (mqtt_transport_writes_from_any_thread (self->transport) ||
           g_main_context_is_owner (self->context)))
        attempt = flush_locked (self);
      /* A pump writes the rest and emits what came of it. */
      kick_locked (self);
    }
  client_unlock (self);
  cancel_and_unref (attempt);

  if (ok && mid)
    *mid = id;
  return ok;
}

/**
 * mqtt_client_publish:
 * @self: a #MqttClient
 * @topic: the topic to publish on; not empty, no wildcards
 * @payload: (array length=length) (element-type guint8) (nullable): the
 *   message; %NULL for an empty one
 * @length: the size of @payload, or -1 if it is a NUL-terminated string
 * @qos: the quality of service
 * @retain: whether the broker keeps the message as the topic's last value
 * @mid: (out) (optional): the message id, as #MqttClient::published reports it
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `publish()`. The payload is copied. A QoS 0 message is written
 * at the next turn of the client's context; QoS 1 and 2 messages go out as
 * the in-flight window allows and are resent after a reconnection until
 * acknowledged. #MqttClient::published reports completion. Thread-safe.
 *
 * Returns: %TRUE if the message was queued; %FALSE with %MQTT_ERROR_INVAL
 *   (bad topic or QoS), %MQTT_ERROR_PAYLOAD_SIZE (over 268435455 bytes),
 *   %MQTT_ERROR_QUEUE_SIZE (#MqttClient:max-queued-messages or
 *   #MqttClient:max-queued-bytes reached) or %MQTT_ERROR_NO_CONN (QoS 0
 *   with no connection made or awaited: see "Differences from Paho" above)
 */
gboolean
mqtt_client_publish (MqttClient *self, const char *topic, const guint8 *payload, gssize length,
                     MqttQos qos, gboolean retain, guint *mid, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (payload == NULL)
    length = 0;
  else if (length < 0)
    length = strlen ((const char *) payload);
  return publish_internal (self, topic, payload, length, NULL, 0, qos, retain, NULL, mid, error);
}

/**
 * mqtt_client_publish_bytes:
 * @self: a #MqttClient
 * @topic: the topic to publish on; not empty, no wildcards
 * @payload: (nullable): the message; %NULL for an empty one
 * @qos: the quality of service
 * @retain: whether the broker keeps the message as the topic's last value
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Like mqtt_client_publish(), but takes a reference to @payload instead of
 * copying it: a payload of 1 KiB or more is written to the network from
 * @payload's own memory. Thread-safe.
 *
 * Returns: %TRUE if the message was queued; %FALSE with the errors of
 *   mqtt_client_publish()
 */
gboolean
mqtt_client_publish_bytes (MqttClient *self, const char *topic, GBytes *payload, MqttQos qos,
                           gboolean retain, guint *mid, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  return publish_internal (self, topic, NULL, 0, &payload, payload ? 1 : 0, qos, retain, NULL,
                           mid, error);
}

/**
 * mqtt_client_publish_vectored:
 * @self: a #MqttClient
 * @topic: the topic to publish on; not empty, no wildcards
 * @parts: (array length=n_parts): the message, in pieces
 * @n_parts: the number of pieces; 0 for an empty message
 * @qos: the quality of service
 * @retain: whether the broker keeps the message as the topic's last value
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Like mqtt_client_publish_bytes(), for a payload made of several pieces,
 * which are sent one after the other as one message: a header built
 * beside a large buffer, or a buffer made of several memory blocks. Each
 * piece of 1 KiB or more is written from its own memory, none is copied
 * into one block. Thread-safe.
 *
 * Returns: %TRUE if the message was queued; %FALSE with the errors of
 *   mqtt_client_publish()
 */
gboolean
mqtt_client_publish_vectored (MqttClient *self, const char *topic, GBytes *const *parts,
                              gsize n_parts, MqttQos qos, gboolean retain, guint *mid,
                              GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (parts != NULL || n_parts == 0, FALSE);

  if (n_parts > G_MAXUINT16)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "Too many pieces (%" G_GSIZE_FORMAT "): at most %u", n_parts, G_MAXUINT16);
      return FALSE;
    }
  return publish_internal (self, topic, NULL, 0, parts, n_parts, qos, retain, NULL, mid, error);
}

/**
 * mqtt_client_publish_async:
 * @self: a #MqttClient
 * @topic: the topic to publish on; not empty, no wildcards
 * @payload: (nullable): the message; %NULL for an empty one
 * @qos: the quality of service
 * @retain: whether the broker keeps the message as the topic's last value
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the publication is complete
 * @user_data: data for @callback
 *
 * Publishes like mqtt_client_publish_bytes() and completes when the
 * message is acknowledged (QoS 1: PUBACK, QoS 2: PUBCOMP) or written
 * (QoS 0). Cancelling stops the wait, not the publication. Thread-safe.
 */
void
mqtt_client_publish_async (MqttClient *self, const char *topic, GBytes *payload, MqttQos qos,
                           gboolean retain, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Op *op;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mqtt_client_publish_async);
  g_task_set_return_on_cancel (task, TRUE);
  op = op_new (OP_PUBLISH, task);
  if (!publish_internal (self, topic, NULL, 0, &payload, payload ? 1 : 0, qos, retain, op, NULL,
                         &error))
    {
      op_free (op);
      g_task_return_error (task, error);
    }
}

/**
 * mqtt_client_publish_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_publish_async().
 *
 * Returns: %TRUE if the message was acknowledged (or written, for QoS 0);
 *   %FALSE with the errors of mqtt_client_publish(), %MQTT_ERROR_CONN_LOST
 *   for a QoS 0 message the connection lost, or %G_IO_ERROR_CANCELLED
 */
gboolean
mqtt_client_publish_finish (MqttClient *self, GAsyncResult *result, guint *mid, GError **error)
{
  gssize id;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  id = g_task_propagate_int (G_TASK (result), error);
  if (id < 0)
    return FALSE;
  if (mid)
    *mid = id;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Subscribing */

static MqttTopicRequest *
make_requests (const char *const *filters, const MqttQos *qos, gsize n, gboolean subscribe,
               GError **error)
{
  g_autofree MqttTopicRequest *requests = NULL;
  gsize i;

  if (n == 0 || filters == NULL)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL, "No topic filter given");
      return NULL;
    }
  if (n > G_MAXUINT16)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Too many topic filters");
      return NULL;
    }
  requests = g_new0 (MqttTopicRequest, n);
  for (i = 0; i < n; i++)
    {
      if (!mqtt_topic_validate_filter (filters[i], error))
        return NULL;
      if (subscribe && !check_qos (qos ? (int) qos[i] : 0, error))
        return NULL;
      /* Borrowed: the session copies what it keeps. */
      requests[i].filter = (char *) filters[i];
      requests[i].qos = subscribe && qos ? qos[i] : 0;
    }
  return g_steal_pointer (&requests);
}

static gboolean
request_internal (MqttClient *self, gboolean subscribe, const char *const *filters,
                  const MqttQos *qos, gsize n, Op *op, guint *mid, GError **error)
{
  g_autofree MqttTopicRequest *requests = make_requests (filters, qos, n, subscribe, error);
  guint id = 0;
  gboolean ok;

  if (requests == NULL)
    return FALSE;

  client_lock (self);
  if (subscribe)
    ok = mqtt_session_subscribe (self->session, requests, n, g_get_monotonic_time (), &id, error);
  else
    ok = mqtt_session_unsubscribe (self->session, requests, n, g_get_monotonic_time (), &id,
                                   error);
  if (ok)
    {
      if (op)
        g_hash_table_replace (self->mid_ops, GUINT_TO_POINTER (id), op);
      if (self->transport)
        kick_locked (self);
    }
  client_unlock (self);

  if (ok && mid)
    *mid = id;
  return ok;
}

/**
 * mqtt_client_subscribe:
 * @self: a #MqttClient
 * @filter: the topic filter; wildcards allowed
 * @qos: the highest QoS to receive messages with
 * @mid: (out) (optional): the message id, as #MqttClient::subscribed reports it
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `subscribe(topic, qos)` and `subscribe((topic, qos))`. The
 * subscription is sent now, or when the connection being made is accepted.
 * Thread-safe.
 *
 * Returns: %TRUE if the subscription was sent or queued; %FALSE with
 *   %MQTT_ERROR_INVAL (bad filter or QoS) or %MQTT_ERROR_NO_CONN
 */
gboolean
mqtt_client_subscribe (MqttClient *self, const char *filter, MqttQos qos, guint *mid,
                       GError **error)
{
  const char *filters[] = { filter };

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return request_internal (self, TRUE, filters, &qos, 1, NULL, mid, error);
}

/**
 * mqtt_client_subscribe_multiple:
 * @self: a #MqttClient
 * @filters: (array length=n_filters): the topic filters
 * @qos: (array length=n_filters): the QoS for each filter
 * @n_filters: the number of filters, at least 1
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `subscribe([(topic, qos), ...])`: several filters in one
 * SUBSCRIBE. Thread-safe.
 *
 * Returns: %TRUE if the subscription was sent or queued; %FALSE with the
 *   errors of mqtt_client_subscribe()
 */
gboolean
mqtt_client_subscribe_multiple (MqttClient *self, const char *const *filters, const MqttQos *qos,
                                gsize n_filters, guint *mid, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return request_internal (self, TRUE, filters, qos, n_filters, NULL, mid, error);
}

/**
 * mqtt_client_subscribe_async:
 * @self: a #MqttClient
 * @filters: (array length=n_filters): the topic filters
 * @qos: (array length=n_filters): the QoS for each filter
 * @n_filters: the number of filters, at least 1
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the broker has answered
 * @user_data: data for @callback
 *
 * Subscribes like mqtt_client_subscribe_multiple() and completes at SUBACK.
 * Thread-safe.
 */
void
mqtt_client_subscribe_async (MqttClient *self, const char *const *filters, const MqttQos *qos,
                             gsize n_filters, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Op *op;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mqtt_client_subscribe_async);
  g_task_set_return_on_cancel (task, TRUE);
  op = op_new (OP_SUBSCRIBE, task);
  if (!request_internal (self, TRUE, filters, qos, n_filters, op, NULL, &error))
    {
      op_free (op);
      g_task_return_error (task, error);
    }
}

/**
 * mqtt_client_subscribe_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @granted_qos: (out) (array length=n_granted) (transfer full) (optional):
 *   the granted QoS of each filter, 128 where the broker refused it
 * @n_granted: (out) (optional): the number of entries in @granted_qos
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_subscribe_async().
 *
 * Returns: %TRUE if the broker answered; %FALSE with the errors of
 *   mqtt_client_subscribe(), %MQTT_ERROR_CONN_LOST if the connection was
 *   lost before the answer (with a clean session), or %G_IO_ERROR_CANCELLED
 */
gboolean
mqtt_client_subscribe_finish (MqttClient *self, GAsyncResult *result, int **granted_qos,
                              gsize *n_granted, GError **error)
{
  g_autoptr(GBytes) granted = NULL;
  g_autoptr(GArray) array = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  granted = g_task_propagate_pointer (G_TASK (result), error);
  if (granted == NULL)
    return FALSE;
  array = granted_to_array (granted);
  if (n_granted)
    *n_granted = array->len;
  if (granted_qos)
    *granted_qos = (int *) g_array_free (g_steal_pointer (&array), FALSE);
  return TRUE;
}

/**
 * mqtt_client_unsubscribe:
 * @self: a #MqttClient
 * @filter: the topic filter to unsubscribe from
 * @mid: (out) (optional): the message id, as #MqttClient::unsubscribed reports it
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `unsubscribe(topic)`. Thread-safe.
 *
 * Returns: %TRUE if the request was sent or queued; %FALSE with
 *   %MQTT_ERROR_INVAL or %MQTT_ERROR_NO_CONN
 */
gboolean
mqtt_client_unsubscribe (MqttClient *self, const char *filter, guint *mid, GError **error)
{
  const char *filters[] = { filter };

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return request_internal (self, FALSE, filters, NULL, 1, NULL, mid, error);
}

/**
 * mqtt_client_unsubscribe_multiple:
 * @self: a #MqttClient
 * @filters: (array length=n_filters): the topic filters
 * @n_filters: the number of filters, at least 1
 * @mid: (out) (optional): the message id
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `unsubscribe([topic, ...])`: several filters in one UNSUBSCRIBE.
 * Thread-safe.
 *
 * Returns: %TRUE if the request was sent or queued; %FALSE with the errors
 *   of mqtt_client_unsubscribe()
 */
gboolean
mqtt_client_unsubscribe_multiple (MqttClient *self, const char *const *filters, gsize n_filters,
                                  guint *mid, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return request_internal (self, FALSE, filters, NULL, n_filters, NULL, mid, error);
}

/**
 * mqtt_client_unsubscribe_async:
 * @self: a #MqttClient
 * @filters: (array length=n_filters): the topic filters
 * @n_filters: the number of filters, at least 1
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the broker has answered
 * @user_data: data for @callback
 *
 * Unsubscribes like mqtt_client_unsubscribe_multiple() and completes at
 * UNSUBACK. Thread-safe.
 */
void
mqtt_client_unsubscribe_async (MqttClient *self, const char *const *filters, gsize n_filters,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Op *op;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mqtt_client_unsubscribe_async);
  g_task_set_return_on_cancel (task, TRUE);
  op = op_new (OP_UNSUBSCRIBE, task);
  if (!request_internal (self, FALSE, filters, NULL, n_filters, op, NULL, &error))
    {
      op_free (op);
      g_task_return_error (task, error);
    }
}

/**
 * mqtt_client_unsubscribe_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_unsubscribe_async().
 *
 * Returns: %TRUE if the broker acknowledged the request
 */
gboolean
mqtt_client_unsubscribe_finish (MqttClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------ */
/* Per-filter callbacks */

/**
 * mqtt_client_message_callback_add:
 * @self: a #MqttClient
 * @sub: the topic filter; wildcards allowed
 * @callback: (scope notified) (closure user_data) (destroy destroy): called
 *   for each message whose topic matches @sub
 * @user_data: data for @callback
 * @destroy: (nullable): frees @user_data when the callback is removed
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `message_callback_add()`: messages whose topic matches @sub go to
 * @callback instead of #MqttClient::message. Every matching callback is
 * called; only messages that match no filter reach #MqttClient::message.
 * One callback per literal filter: adding to an existing filter replaces
 * its callback. This does not subscribe.
 *
 * Returns: %TRUE on success; %FALSE with %MQTT_ERROR_INVAL for a bad filter
 */
gboolean
mqtt_client_message_callback_add (MqttClient *self, const char *sub, MqttMessageCallback callback,
                                  gpointer user_data, GDestroyNotify destroy, GError **error)
{
  FilterCallback *fc;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (callback != NULL, FALSE);

  if (!mqtt_topic_validate_filter (sub, error))
    return FALSE;

  mqtt_client_message_callback_remove (self, sub);
  fc = g_new0 (FilterCallback, 1);
  g_atomic_ref_count_init (&fc->ref_count);
  fc->filter = g_strdup (sub);
  fc->callback = callback;
  fc->user_data = user_data;
  fc->destroy = destroy;
  client_lock (self);
  g_ptr_array_add (self->callbacks, fc);
  client_unlock (self);
  return TRUE;
}

/**
 * mqtt_client_message_callback_remove:
 * @self: a #MqttClient
 * @sub: the topic filter given to mqtt_client_message_callback_add()
 *
 * Paho's `message_callback_remove()`.
 *
 * Returns: %TRUE if a callback was removed
 */
gboolean
mqtt_client_message_callback_remove (MqttClient *self, const char *sub)
{
  FilterCallback *removed = NULL;
  guint i;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (sub != NULL, FALSE);

  client_lock (self);
  for (i = 0; i < self->callbacks->len; i++)
    {
      FilterCallback *fc = g_ptr_array_index (self->callbacks, i);

      if (strcmp (fc->filter, sub) == 0)
        {
          removed = g_ptr_array_steal_index (self->callbacks, i);
          break;
        }
    }
  client_unlock (self);

  if (removed)
    filter_callback_unref (removed);
  return removed != NULL;
}
