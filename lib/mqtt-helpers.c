/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The one-shot helpers (Paho's publish and subscribe modules): a client
 * made from an MqttSettings, one job, then a clean disconnection.
 */

#include "config.h"

#include "mqtt-error.h"
#include "mqtt-helpers.h"
#include "mqtt-topic.h"

/**
 * SECTION:mqtt-helpers
 * @title: One-shot helpers
 * @short_description: Paho's publish.single/multiple and subscribe.simple/callback
 *
 * Helpers that connect, do one thing and disconnect, as Paho's
 * `paho.mqtt.publish` and `paho.mqtt.subscribe` modules:
 *
 * | Paho | mqtt-glib |
 * | --- | --- |
 * | `publish.single(topic, payload, qos, retain, ...)` | mqtt_publish_single() |
 * | `publish.single(..., properties=props)` (MQTT 5) | mqtt_publish_multiple() with one #MqttMessage and mqtt_message_set_properties() |
 * | `publish.multiple(msgs, ...)` | mqtt_publish_multiple() with #MqttMessage (Paho's tuples and dicts) |
 * | `subscribe.simple(topics, qos, msg_count, retained, ...)` | mqtt_subscribe_simple() |
 * | `subscribe.callback(callback, topics, qos, userdata, ...)` | mqtt_subscribe_callback() |
 * | `hostname`, `port`, `client_id`, `keepalive`, `will`, `auth`, `tls`, `protocol`, `transport` | #MqttSettings (`hostname` is #MqttSettings:host) |
 *
 * Each has a blocking form, which runs a private main context (so it works
 * in any thread, with or without a main loop), and an `_async` form, which
 * runs in the caller's thread-default main context. A #GCancellable bounds
 * them in time: cancel it from a timeout to give up. Errors are #GErrors:
 * %MQTT_ERROR_INVAL for a bad topic or QoS, a refusal code, %G_TLS_ERROR,
 * %G_IO_ERROR_CANCELLED. The connection is retried if it drops after the
 * broker accepted it, as Paho's helpers do.
 *
 * From Python, Paho's `userdata` comes right after the callback:
 * |[<!-- language="Python" -->
 * opts = Mqtt.Settings(host="broker", port=1883)
 * Mqtt.publish_single("paho/test/single", GLib.Bytes.new(b"payload"), 0, False, opts, None)
 * msgs = Mqtt.subscribe_simple(["paho/test/simple"], 0, 1, False, opts, None)
 * Mqtt.subscribe_callback(on_message, userdata, ["paho/test/callback"], 0, opts, None)
 * ]|
 */

typedef enum {
  JOB_PUBLISH,
  JOB_SIMPLE,
  JOB_CALLBACK,
} JobKind;

typedef struct {
  JobKind kind;
  GTask *task;
  MqttClient *client;
  GSource *cancel_source;
  gboolean finishing;       /* the outcome is decided; waiting for the disconnection */
  gboolean done;

  /* publishing */
  GPtrArray *messages;      /* MqttMessage */
  guint pending;

  /* subscribing */
  char **topics;
  gsize n_topics;
  MqttQos qos;
  guint msg_count;
  gboolean retained;
  GPtrArray *received;      /* MqttMessage */
  MqttMessageCallback callback;
  gpointer callback_data;
  GDestroyNotify callback_destroy;
} Job;

static void
job_free (Job *job)
{
  if (job->cancel_source)
    {
      g_source_destroy (job->cancel_source);
      g_source_unref (job->cancel_source);
    }
  if (job->client)
    {
      g_signal_handlers_disconnect_by_data (job->client, job);
      g_object_unref (job->client);
    }
  g_clear_pointer (&job->messages, g_ptr_array_unref);
  g_clear_pointer (&job->received, g_ptr_array_unref);
  g_strfreev (job->topics);
  if (job->callback_destroy)
    job->callback_destroy (job->callback_data);
  g_free (job);
}

/* Returns the outcome (the task's own result is set by the caller) and lets
 * the client go; the task holds the job until then. */
static void
job_fail (Job *job, GError *error)
{
  if (job->done)
    {
      g_error_free (error);
      return;
    }
  job->done = TRUE;
  /* Leave without waiting: the broker sees a closed connection. */
  mqtt_client_disconnect_from_broker (job->client, NULL);
  g_task_return_error (job->task, error);
  g_object_unref (job->task);
}

static void
job_succeed (Job *job)
{
  if (job->done)
    return;
  job->done = TRUE;
  if (job->kind == JOB_SIMPLE)
    g_task_return_pointer (job->task, g_ptr_array_ref (job->received),
                           (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_boolean (job->task, TRUE);
  g_object_unref (job->task);
}

/* Every pending operation of the client holds the task, and so the job:
 * its callback may run after the outcome is returned. */
static gpointer
job_hold (Job *job)
{
  return g_object_ref (job->task);
}

static Job *
job_of (gpointer held)
{
  return g_task_get_task_data (G_TASK (held));
}

static void
disconnected_for_good (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) held = user_data;

  mqtt_client_disconnect_from_broker_finish (MQTT_CLIENT (source), result, NULL);
  job_succeed (job_of (held));
}

/* The work is done: disconnect cleanly, then report success. */
static void
job_finish (Job *job)
{
  if (job->finishing || job->done)
    return;
  job->finishing = TRUE;
  mqtt_client_disconnect_from_broker_async (job->client, NULL, disconnected_for_good,
                                            job_hold (job));
}

static void
on_published (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) held = user_data;
  Job *job = job_of (held);
  GError *error = NULL;

  if (!mqtt_client_publish_finish (MQTT_CLIENT (source), result, NULL, &error))
    {
      job_fail (job, error);
      return;
    }
  if (--job->pending == 0)
    job_finish (job);
}

static void
on_connected (MqttClient *client, gboolean session_present, gint rc, gpointer user_data)
{
  Job *job = user_data;

  /* Subscribing at every CONNACK renews the subscriptions after a
   * reconnection, as Paho's helpers do. */
  if (rc == MQTT_CONNACK_ACCEPTED && job->topics && !job->finishing)
    {
      g_autofree MqttQos *qos = g_new (MqttQos, job->n_topics);
      GError *error = NULL;
      gsize i;

      for (i = 0; i < job->n_topics; i++)
        qos[i] = job->qos;
      if (!mqtt_client_subscribe_multiple (client, (const char *const *) job->topics, qos,
                                           job->n_topics, NULL, &error))
        job_fail (job, error);
    }
}

static void
on_message (MqttClient *client, MqttMessage *message, gpointer user_data)
{
  Job *job = user_data;

  if (job->finishing || job->done)
    return;
  /* Paho's retained=False ignores messages with the retain flag. */
  if (!job->retained && mqtt_message_get_retain (message))
    return;
  if (job->kind == JOB_CALLBACK)
    {
      job->callback (client, message, job->callback_data);
      return;
    }
  g_ptr_array_add (job->received, mqtt_message_ref (message));
  if (job->received->len >= job->msg_count)
    job_finish (job);
}

static void
on_disconnected (MqttClient *client, gint rc, GError *error, gpointer user_data)
{
  Job *job = user_data;

  /* A subscribe.callback() ends when its callback disconnects the client. */
  if (rc == MQTT_ERROR_SUCCESS && job->kind == JOB_CALLBACK && !job->finishing)
    job_succeed (job);
}

static void
broker_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) held = user_data;
  Job *job = job_of (held);
  GError *error = NULL;
  guint i;

  if (!mqtt_client_connect_to_broker_finish (MQTT_CLIENT (source), result, &error))
    {
      job_fail (job, error);
      return;
    }
  if (job->kind != JOB_PUBLISH || job->done)
    return;

  job->pending = job->messages->len;
  if (job->pending == 0)
    {
      job_finish (job);
      return;
    }
  for (i = 0; i < job->messages->len; i++)
    {
      MqttMessage *message = g_ptr_array_index (job->messages, i);

      mqtt_client_publish_with_properties_async (job->client, mqtt_message_get_topic (message),
                                                 mqtt_message_get_payload (message),
                                                 mqtt_message_get_qos (message),
                                                 mqtt_message_get_retain (message),
                                                 mqtt_message_get_properties (message), NULL,
                                                 on_published, job_hold (job));
    }
}

static gboolean
cancelled (GCancellable *cancellable, gpointer user_data)
{
  Job *job = user_data;

  /* Stopping is how a subscribe.callback() ends; for the others it is a
   * timeout or an abandon. */
  if (job->kind == JOB_CALLBACK)
    {
      if (mqtt_client_get_state (job->client) == MQTT_CLIENT_STATE_CONNECTED)
        job_finish (job);
      else
        {
          mqtt_client_disconnect_from_broker (job->client, NULL);
          job_succeed (job);
        }
    }
  else
    job_fail (job, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                        "Operation was cancelled"));
  return G_SOURCE_REMOVE;
}

/* Creates the client and connects; the rest happens in the callbacks. */
static void
job_start (Job *job, MqttSettings *settings, GCancellable *cancellable)
{
  g_autoptr(MqttSettings) defaults = NULL;
  GError *error = NULL;

  if (settings == NULL)
    settings = defaults = mqtt_settings_new (NULL, 0);
  job->client = mqtt_settings_create_client (settings, &error);
  if (job->client == NULL)
    {
      job->done = TRUE;
      g_task_return_error (job->task, error);
      g_object_unref (job->task);
      return;
    }
  g_signal_connect (job->client, "connected", G_CALLBACK (on_connected), job);
  g_signal_connect (job->client, "message", G_CALLBACK (on_message), job);
  g_signal_connect (job->client, "disconnected", G_CALLBACK (on_disconnected), job);

  if (cancellable)
    {
      job->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (job->cancel_source, (GSourceFunc) (void (*) (void)) cancelled, job,
                             NULL);
      g_source_attach (job->cancel_source, g_task_get_context (job->task));
    }

  /* The cancellable stops the job, not only the connect call. */
  mqtt_client_connect_to_broker_async (job->client, mqtt_settings_get_host (settings),
                                       mqtt_settings_get_port (settings),
                                       mqtt_settings_get_keepalive (settings), NULL,
                                       broker_answered, job_hold (job));
}

static Job *
job_new (JobKind kind, GCancellable *cancellable, GAsyncReadyCallback callback,
         gpointer user_data, gpointer source_tag)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  g_task_set_task_data (job->task, job, (GDestroyNotify) job_free);
  /* The check below is done by the task itself: it must not return early. */
  g_task_set_check_cancellable (job->task, FALSE);
  return job;
}

/* Fails @job before it starts (bad arguments). */
static void
job_refuse (Job *job, GError *error)
{
  job->done = TRUE;
  g_task_return_error (job->task, error);
  g_object_unref (job->task);
}

static gboolean
validate_topics (const char *const *topics, gsize n_topics, MqttQos qos, GError **error)
{
  gsize i;

  if (topics == NULL || n_topics == 0)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL, "No topic given");
      return FALSE;
    }
  for (i = 0; i < n_topics; i++)
    if (!mqtt_topic_validate_filter (topics[i], error))
      return FALSE;
  if (qos < 0 || qos > 2)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Invalid QoS %d: must be 0, 1 or 2",
                   qos);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_message (MqttMessage *message, GError **error)
{
  if (message == NULL)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL, "No message given");
      return FALSE;
    }
  if (!mqtt_topic_validate_name (mqtt_message_get_topic (message), error))
    return FALSE;
  if (mqtt_message_get_qos (message) > 2)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Invalid QoS: must be 0, 1 or 2");
      return FALSE;
    }
  return TRUE;
}

/* Runs an _async function to completion in a private main context. */
typedef struct {
  GMainContext *context;
  GAsyncResult *result;
} SyncRun;

static void
sync_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SyncRun *run = user_data;

  run->result = g_object_ref (result);
}

static void
sync_begin (SyncRun *run)
{
  run->context = g_main_context_new ();
  run->result = NULL;
  g_main_context_push_thread_default (run->context);
}

static GAsyncResult *
sync_wait (SyncRun *run)
{
  while (run->result == NULL)
    g_main_context_iteration (run->context, TRUE);
  return run->result;
}

/* Drops the result, and with it the job and its client, then lets the
 * client's last sources run down before the context goes. */
static void
sync_end (SyncRun *run)
{
  g_clear_object (&run->result);
  while (g_main_context_iteration (run->context, FALSE))
    ;
  g_main_context_pop_thread_default (run->context);
  g_main_context_unref (run->context);
}

/* ------------------------------------------------------------------------ */
/* publish.single / publish.multiple */

/**
 * mqtt_publish_multiple_async:
 * @messages: (array length=n_messages): the messages to publish, each with
 *   its topic, payload, QoS and retain flag (Paho's tuples and dicts)
 * @n_messages: the number of messages
 * @settings: (nullable): the broker and connection settings; %NULL for localhost
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when all are published and the client disconnected
 * @user_data: data for @callback
 *
 * The asynchronous form of mqtt_publish_multiple().
 */
void
mqtt_publish_multiple_async (MqttMessage **messages, gsize n_messages, MqttSettings *settings,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  Job *job = job_new (JOB_PUBLISH, cancellable, callback, user_data, mqtt_publish_multiple_async);
  GError *error = NULL;
  gsize i;

  job->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) mqtt_message_unref);
  for (i = 0; i < n_messages; i++)
    {
      if (!validate_message (messages[i], &error))
        {
          job_refuse (job, error);
          return;
        }
      g_ptr_array_add (job->messages, mqtt_message_ref (messages[i]));
    }
  job_start (job, settings, cancellable);
}

/**
 * mqtt_publish_multiple_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_publish_multiple_async().
 *
 * Returns: %TRUE if every message was published (QoS 1 and 2: acknowledged)
 */
gboolean
mqtt_publish_multiple_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mqtt_publish_multiple:
 * @messages: (array length=n_messages): the messages to publish, each with
 *   its topic, payload, QoS and retain flag (see mqtt_message_new())
 * @n_messages: the number of messages
 * @settings: (nullable): the broker and connection settings; %NULL for localhost
 * @cancellable: (nullable): a #GCancellable, for instance one that a timeout cancels
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `publish.multiple()`: connects, publishes every message, waits
 * until each is published (QoS 1 and 2: acknowledged) and disconnects
 * cleanly. At MQTT 5 (#MqttSettings:protocol-version) a message goes with
 * the properties mqtt_message_set_properties() gave it, and a refusal by
 * the broker (a reason code of 0x80 or above) is an error.
 *
 * Returns: %TRUE on success; %FALSE with %MQTT_ERROR_INVAL for a bad topic
 *   or QoS, %MQTT_ERROR_NOT_SUPPORTED for properties below MQTT 5, the
 *   connection's error, the broker's refusal, or %G_IO_ERROR_CANCELLED
 */
gboolean
mqtt_publish_multiple (MqttMessage **messages, gsize n_messages, MqttSettings *settings,
                       GCancellable *cancellable, GError **error)
{
  SyncRun run;
  gboolean ok;

  sync_begin (&run);
  mqtt_publish_multiple_async (messages, n_messages, settings, cancellable, sync_done, &run);
  ok = mqtt_publish_multiple_finish (sync_wait (&run), error);
  sync_end (&run);
  return ok;
}

/**
 * mqtt_publish_single_async:
 * @topic: the topic
 * @payload: (nullable): the message; %NULL for an empty one
 * @qos: the QoS
 * @retain: whether the broker retains the message
 * @settings: (nullable): the broker and connection settings; %NULL for localhost
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the message is published and the client disconnected
 * @user_data: data for @callback
 *
 * The asynchronous form of mqtt_publish_single().
 */
void
mqtt_publish_single_async (const char *topic, GBytes *payload, MqttQos qos, gboolean retain,
                           MqttSettings *settings, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  Job *job = job_new (JOB_PUBLISH, cancellable, callback, user_data, mqtt_publish_single_async);
  GError *error = NULL;
  g_autoptr(MqttMessage) message = NULL;

  if (!mqtt_topic_validate_name (topic, &error))
    {
      job_refuse (job, error);
      return;
    }
  message = mqtt_message_new (topic, payload, qos, retain);
  if (!validate_message (message, &error))
    {
      job_refuse (job, error);
      return;
    }
  job->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) mqtt_message_unref);
  g_ptr_array_add (job->messages, g_steal_pointer (&message));
  job_start (job, settings, cancellable);
}

/**
 * mqtt_publish_single_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_publish_single_async().
 *
 * Returns: %TRUE if the message was published
 */
gboolean
mqtt_publish_single_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mqtt_publish_single:
 * @topic: the topic
 * @payload: (nullable): the message; %NULL for an empty one
 * @qos: the QoS
 * @retain: whether the broker retains the message
 * @settings: (nullable): the broker and connection settings; %NULL for localhost
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `publish.single()`: connects, publishes one message, waits until it
 * is published and disconnects cleanly. A message with MQTT 5 properties
 * (Paho's `properties=`) is published by mqtt_publish_multiple(), where the
 * message carries them (mqtt_message_set_properties()).
 *
 * Returns: %TRUE on success; %FALSE with the errors of mqtt_publish_multiple()
 */
gboolean
mqtt_publish_single (const char *topic, GBytes *payload, MqttQos qos, gboolean retain,
                     MqttSettings *settings, GCancellable *cancellable, GError **error)
{
  SyncRun run;
  gboolean ok;

  sync_begin (&run);
  mqtt_publish_single_async (topic, payload, qos, retain, settings, cancellable, sync_done, &run);
  ok = mqtt_publish_single_finish (sync_wait (&run), error);
  sync_end (&run);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* subscribe.simple */

/**
 * mqtt_subscribe_simple_async:
 * @topics: (array length=n_topics): the topic filters
 * @n_topics: the number of filters
 * @qos: the QoS of the subscriptions
 * @msg_count: how many messages to wait for (Paho's default is 1)
 * @retained: whether retained messages count; %FALSE ignores them, as Paho
 * @settings: (nullable): the broker and connection settings; %NULL for localhost
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the messages arrived
 * @user_data: data for @callback
 *
 * The asynchronous form of mqtt_subscribe_simple().
 */
void
mqtt_subscribe_simple_async (const char *const *topics, gsize n_topics, MqttQos qos,
                             guint msg_count, gboolean retained, MqttSettings *settings,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  Job *job = job_new (JOB_SIMPLE, cancellable, callback, user_data, mqtt_subscribe_simple_async);
  GError *error = NULL;
  gsize i;

  if (!validate_topics (topics, n_topics, qos, &error))
    {
      job_refuse (job, error);
      return;
    }
  job->topics = g_new0 (char *, n_topics + 1);
  for (i = 0; i < n_topics; i++)
    job->topics[i] = g_strdup (topics[i]);
  job->n_topics = n_topics;
  job->qos = qos;
  job->msg_count = MAX (msg_count, 1);
  job->retained = retained;
  job->received = g_ptr_array_new_with_free_func ((GDestroyNotify) mqtt_message_unref);
  job_start (job, settings, cancellable);
}

/**
 * mqtt_subscribe_simple_finish:
 * @result: the #GAsyncResult given to the callback
 * @n_messages: (out): the number of messages returned
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_subscribe_simple_async().
 *
 * Returns: (array length=n_messages) (transfer full) (nullable): the
 *   messages, in the order they arrived; %NULL on error
 */
MqttMessage **
mqtt_subscribe_simple_finish (GAsyncResult *result, gsize *n_messages, GError **error)
{
  g_autoptr(GPtrArray) received = NULL;
  MqttMessage **messages;
  guint i;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  *n_messages = 0;
  received = g_task_propagate_pointer (G_TASK (result), error);
  if (received == NULL)
    return NULL;
  messages = g_new0 (MqttMessage *, received->len + 1);
  for (i = 0; i < received->len; i++)
    messages[i] = mqtt_message_ref (g_ptr_array_index (received, i));
  *n_messages = received->len;
  return messages;
}

/**
 * mqtt_subscribe_simple:
 * @topics: (array length=n_topics): the topic filters
 * @n_topics: the number of filters
 * @qos: the QoS of the subscriptions
 * @msg_count: how many messages to wait for (Paho's default is 1)
 * @retained: whether retained messages count; %FALSE ignores them, as Paho
 * @settings: (nullable): the broker and connection settings; %NULL for localhost
 * @n_messages: (out): the number of messages returned
 * @cancellable: (nullable): a #GCancellable, for instance one a timeout cancels
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `subscribe.simple()`: connects, subscribes, waits for @msg_count
 * messages and disconnects cleanly. Where Paho returns one message or a
 * list, this returns an array.
 *
 * Returns: (array length=n_messages) (transfer full) (nullable): the
 *   messages; %NULL with %MQTT_ERROR_INVAL, the connection's error or
 *   %G_IO_ERROR_CANCELLED
 */
MqttMessage **
mqtt_subscribe_simple (const char *const *topics, gsize n_topics, MqttQos qos, guint msg_count,
                       gboolean retained, MqttSettings *settings, gsize *n_messages,
                       GCancellable *cancellable, GError **error)
{
  MqttMessage **messages;
  SyncRun run;

  sync_begin (&run);
  mqtt_subscribe_simple_async (topics, n_topics, qos, msg_count, retained, settings, cancellable,
                               sync_done, &run);
  messages = mqtt_subscribe_simple_finish (sync_wait (&run), n_messages, error);
  sync_end (&run);
  return messages;
}

/* ------------------------------------------------------------------------ */
/* subscribe.callback */

/**
 * mqtt_subscribe_callback_async:
 * @callback: (scope notified) (closure callback_data) (destroy callback_destroy):
 *   called for every message, with the client (disconnect it to stop)
 * @callback_data: data for @callback (Paho's `userdata`)
 * @callback_destroy: (nullable): frees @callback_data when done
 * @topics: (array length=n_topics): the topic filters
 * @n_topics: the number of filters
 * @qos: the QoS of the subscriptions
 * @settings: (nullable): the broker and connection settings; %NULL for localhost
 * @cancellable: (nullable): a #GCancellable that stops it
 * @ready: (scope async) (closure ready_data): called when it has stopped
 * @ready_data: data for @ready
 *
 * The asynchronous form of mqtt_subscribe_callback().
 */
void
mqtt_subscribe_callback_async (MqttMessageCallback callback, gpointer callback_data,
                               GDestroyNotify callback_destroy, const char *const *topics,
                               gsize n_topics, MqttQos qos, MqttSettings *settings,
                               GCancellable *cancellable, GAsyncReadyCallback ready,
                               gpointer ready_data)
{
  Job *job = job_new (JOB_CALLBACK, cancellable, ready, ready_data, mqtt_subscribe_callback_async);
  GError *error = NULL;
  gsize i;

  job->callback = callback;
  job->callback_data = callback_data;
  job->callback_destroy = callback_destroy;
  if (callback == NULL)
    {
      job_refuse (job, g_error_new_literal (MQTT_ERROR, MQTT_ERROR_INVAL, "No callback given"));
      return;
    }
  if (!validate_topics (topics, n_topics, qos, &error))
    {
      job_refuse (job, error);
      return;
    }
  job->topics = g_new0 (char *, n_topics + 1);
  for (i = 0; i < n_topics; i++)
    job->topics[i] = g_strdup (topics[i]);
  job->n_topics = n_topics;
  job->qos = qos;
  /* subscribe.callback() passes every message, retained ones included. */
  job->retained = TRUE;
  job_start (job, settings, cancellable);
}

/**
 * mqtt_subscribe_callback_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_subscribe_callback_async().
 *
 * Returns: %TRUE if it stopped as asked (cancelled, or the callback
 *   disconnected the client); %FALSE with the connection's error
 */
gboolean
mqtt_subscribe_callback_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mqtt_subscribe_callback:
 * @callback: (scope call) (closure user_data): called for every message, with
 *   the client (disconnect it to stop)
 * @user_data: data for @callback (Paho's `userdata`)
 * @topics: (array length=n_topics): the topic filters
 * @n_topics: the number of filters
 * @qos: the QoS of the subscriptions
 * @settings: (nullable): the broker and connection settings; %NULL for localhost
 * @cancellable: (nullable): a #GCancellable that stops it
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `subscribe.callback()`: connects, subscribes and calls @callback
 * for each message, reconnecting if the connection drops, until
 * @cancellable is cancelled or @callback disconnects the client.
 *
 * Returns: %TRUE when stopped as asked; %FALSE with %MQTT_ERROR_INVAL or
 *   the first connection's error
 */
gboolean
mqtt_subscribe_callback (MqttMessageCallback callback, gpointer user_data,
                         const char *const *topics, gsize n_topics, MqttQos qos,
                         MqttSettings *settings, GCancellable *cancellable, GError **error)
{
  SyncRun run;
  gboolean ok;

  sync_begin (&run);
  mqtt_subscribe_callback_async (callback, user_data, NULL, topics, n_topics, qos, settings,
                                 cancellable, sync_done, &run);
  ok = mqtt_subscribe_callback_finish (sync_wait (&run), error);
  sync_end (&run);
  return ok;
}
