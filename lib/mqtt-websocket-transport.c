/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * A transport over a libsoup WebSocket (ws:// and wss://): MQTT packets
 * in binary frames; libsoup's message signal appends what arrives to a
 * buffer that reads drain.
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "mqtt-error.h"
#include "mqtt-tls-private.h"
#include "mqtt-websocket-transport-private.h"

struct _MqttWebsocketTransport {
  MqttTransport parent_instance;
  SoupSession *session;
  SoupWebsocketConnection *connection;
  GByteArray *input;        /* received, not yet read */
  gsize input_start;
  gboolean closed;          /* the connection is gone: reads end after the queue */
  GError *error;            /* why, if it failed */
  GPtrArray *sources;       /* input sources, woken when input arrives */
};

G_DEFINE_FINAL_TYPE (MqttWebsocketTransport, mqtt_websocket_transport, MQTT_TYPE_TRANSPORT)

static gboolean
has_input (MqttWebsocketTransport *self)
{
  return self->input->len > self->input_start || self->closed;
}

static void
wake_sources (MqttWebsocketTransport *self)
{
  guint i;

  for (i = 0; i < self->sources->len; i++)
    g_source_set_ready_time (g_ptr_array_index (self->sources, i), 0);
}

static void
on_message (SoupWebsocketConnection *connection, gint type, GBytes *message, gpointer user_data)
{
  MqttWebsocketTransport *self = user_data;
  gsize length;
  const guint8 *data = g_bytes_get_data (message, &length);

  if (type != SOUP_WEBSOCKET_DATA_BINARY)
    {
      /* MQTT over WebSocket is binary only [MQTT-6.0.0-1]. */
      if (self->error == NULL)
        self->error = g_error_new_literal (MQTT_ERROR, MQTT_ERROR_PROTOCOL,
                                           "The broker sent a text WebSocket frame");
      self->closed = TRUE;
    }
  else
    g_byte_array_append (self->input, data, length);
  wake_sources (self);
}

static void
on_closed (SoupWebsocketConnection *connection, gpointer user_data)
{
  MqttWebsocketTransport *self = user_data;

  self->closed = TRUE;
  wake_sources (self);
}

static void
on_error (SoupWebsocketConnection *connection, GError *error, gpointer user_data)
{
  MqttWebsocketTransport *self = user_data;

  if (self->error == NULL)
    self->error = g_error_copy (error);
}

static gssize
websocket_read (MqttTransport *transport, guint8 *buffer, gsize size, GError **error)
{
  MqttWebsocketTransport *self = MQTT_WEBSOCKET_TRANSPORT (transport);
  gsize available = self->input->len - self->input_start;
  gsize n = MIN (available, size);

  if (n > 0)
    {
      memcpy (buffer, self->input->data + self->input_start, n);
      self->input_start += n;
      if (self->input_start == self->input->len)
        {
          g_byte_array_set_size (self->input, 0);
          self->input_start = 0;
        }
      return n;
    }
  if (self->error)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return -1;
    }
  if (self->closed)
    return 0;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "Operation would block");
  return -1;
}

static gssize
websocket_writev (MqttTransport *transport, const GOutputVector *vectors, gsize n_vectors,
                  GError **error)
{
  MqttWebsocketTransport *self = MQTT_WEBSOCKET_TRANSPORT (transport);
  g_autoptr(GByteArray) frame = NULL;
  gsize total = 0, i;

  if (self->closed || soup_websocket_connection_get_state (self->connection) !=
                        SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_CONN_LOST,
                           "The WebSocket connection is closed");
      return -1;
    }
  for (i = 0; i < n_vectors; i++)
    total += vectors[i].size;
  /* Every packet pending goes in one binary frame. libsoup queues it and
   * writes it as the socket allows. */
  frame = g_byte_array_sized_new (total);
  for (i = 0; i < n_vectors; i++)
    g_byte_array_append (frame, vectors[i].buffer, vectors[i].size);
  soup_websocket_connection_send_binary (self->connection, frame->data, frame->len);
  return total;
}

static gboolean
input_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs input_source_funcs = {
  NULL, NULL, input_source_dispatch, NULL, NULL, NULL,
};

static GSource *
websocket_create_source (MqttTransport *transport, GIOCondition condition,
                         MqttTransportFunc func, gpointer user_data)
{
  MqttWebsocketTransport *self = MQTT_WEBSOCKET_TRANSPORT (transport);
  GSource *source = g_source_new (&input_source_funcs, sizeof (GSource));

  g_source_set_callback (source, (GSourceFunc) func, user_data, NULL);
  /* Writing never waits (libsoup queues frames): an output source is
   * ready at once; an input source when bytes or the end arrive. */
  if ((condition & G_IO_OUT) || has_input (self))
    g_source_set_ready_time (source, 0);
  if (condition & G_IO_IN)
    g_ptr_array_add (self->sources, g_source_ref (source));
  return source;
}

static gboolean
websocket_buffers_input (MqttTransport *transport)
{
  return TRUE;
}

static GSocket *
websocket_get_socket (MqttTransport *transport)
{
  /* libsoup reads the socket itself: a foreign loop cannot drive it. */
  return NULL;
}

static void
websocket_close (MqttTransport *transport)
{
  MqttWebsocketTransport *self = MQTT_WEBSOCKET_TRANSPORT (transport);

  if (self->connection &&
      soup_websocket_connection_get_state (self->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  self->closed = TRUE;
}

static void
mqtt_websocket_transport_dispose (GObject *object)
{
  MqttWebsocketTransport *self = MQTT_WEBSOCKET_TRANSPORT (object);
  guint i;

  if (self->connection)
    {
      g_signal_handlers_disconnect_by_data (self->connection, self);
      websocket_close (MQTT_TRANSPORT (self));
    }
  g_clear_object (&self->connection);
  g_clear_object (&self->session);
  for (i = 0; i < self->sources->len; i++)
    g_source_destroy (g_ptr_array_index (self->sources, i));
  g_ptr_array_set_size (self->sources, 0);

  G_OBJECT_CLASS (mqtt_websocket_transport_parent_class)->dispose (object);
}

static void
mqtt_websocket_transport_finalize (GObject *object)
{
  MqttWebsocketTransport *self = MQTT_WEBSOCKET_TRANSPORT (object);

  g_byte_array_unref (self->input);
  g_ptr_array_unref (self->sources);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (mqtt_websocket_transport_parent_class)->finalize (object);
}

static void
mqtt_websocket_transport_class_init (MqttWebsocketTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  MqttTransportClass *transport_class = MQTT_TRANSPORT_CLASS (klass);

  object_class->dispose = mqtt_websocket_transport_dispose;
  object_class->finalize = mqtt_websocket_transport_finalize;
  transport_class->read = websocket_read;
  transport_class->writev = websocket_writev;
  transport_class->create_source = websocket_create_source;
  transport_class->buffers_input = websocket_buffers_input;
  transport_class->get_socket = websocket_get_socket;
  transport_class->close = websocket_close;
  /* libsoup objects belong to their main context. */
  transport_class->any_thread_writes = FALSE;
}

static void
mqtt_websocket_transport_init (MqttWebsocketTransport *self)
{
  self->input = g_byte_array_new ();
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
}

/* ------------------------------------------------------------------------ */
/* Opening */

typedef struct {
  MqttTransportOptions options;
  SoupSession *session;
  SoupMessage *message;
} OpenData;

static void
open_data_free (OpenData *data)
{
  mqtt_transport_options_clear (&data->options);
  g_clear_object (&data->session);
  g_clear_object (&data->message);
  g_free (data);
}

static gboolean
accept_certificate (SoupMessage *message, GTlsCertificate *certificate,
                    GTlsCertificateFlags errors, gpointer user_data)
{
  OpenData *data = user_data;

  return mqtt_tls_accept (&data->options, errors);
}

/* The handshake is about to go: extra headers, then the user's hook. */
static void
on_starting (SoupMessage *message, gpointer user_data)
{
  OpenData *data = user_data;
  SoupMessageHeaders *headers = soup_message_get_request_headers (message);

  if (data->options.ws_headers)
    {
      GHashTableIter iter;
      gpointer name, value;

      g_hash_table_iter_init (&iter, data->options.ws_headers);
      while (g_hash_table_iter_next (&iter, &name, &value))
        soup_message_headers_replace (headers, name, value);
    }
  if (data->options.ws_prepare_headers)
    data->options.ws_prepare_headers (headers, data->options.ws_prepare_data);
}

static void
websocket_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;
  MqttWebsocketTransport *self;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  /* The server answered, but not with a WebSocket for MQTT: a refusal, in
   * the library's own domain (GIO and TLS errors pass through as they are). */
  if (connection == NULL &&
      (error->domain == SOUP_WEBSOCKET_ERROR || error->domain == SOUP_SESSION_ERROR))
    {
      guint status = soup_message_get_status (data->message);
      GError *refused;

      if (status >= 100)
        refused = g_error_new (MQTT_ERROR, MQTT_ERROR_CONN_REFUSED,
                               "The server refused the WebSocket handshake: %s (HTTP %u %s)",
                               error->message, status,
                               soup_message_get_reason_phrase (data->message));
      else
        refused = g_error_new (MQTT_ERROR, MQTT_ERROR_CONN_REFUSED,
                               "The WebSocket handshake failed: %s", error->message);
      g_clear_error (&error);
      error = refused;
    }
  /* libsoup's TLS connections resume sessions as ours do: the same check. */
  if (data->options.tls &&
      !mqtt_tls_check_handshake (
        &data->options, soup_message_get_tls_peer_certificate (data->message),
        soup_message_get_tls_peer_certificate_errors (data->message), &error))
    g_clear_object (&connection);   /* closed without a word to a server not trusted */
  if (connection == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* No size limit beyond MQTT's own: the decoder bounds packets. */
  soup_websocket_connection_set_max_incoming_payload_size (connection, 0);
  self = g_object_new (MQTT_TYPE_WEBSOCKET_TRANSPORT, NULL);
  self->connection = connection;
  self->session = g_steal_pointer (&data->session);
  g_signal_connect (connection, "message", G_CALLBACK (on_message), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);
  g_signal_connect (connection, "error", G_CALLBACK (on_error), self);
  g_task_return_pointer (task, self, g_object_unref);
}

void
mqtt_websocket_transport_open_async (const MqttTransportOptions *options,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *path = options->ws_path && options->ws_path[0] ? options->ws_path : "/mqtt";
  const char *protocols[] = { options->protocol_level == 3 ? "mqttv3.1" : "mqtt", NULL };
  OpenData *data = g_new0 (OpenData, 1);

  g_task_set_source_tag (task, mqtt_websocket_transport_open_async);
  mqtt_transport_options_copy (&data->options, options);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);

  uri = g_uri_build (G_URI_FLAGS_NONE, options->tls ? "wss" : "ws", NULL, options->host,
                     options->port, path[0] == '/' ? path : "/", NULL, NULL);
  message = soup_message_new_from_uri (SOUP_METHOD_GET, uri);

  {
    g_autoptr(GInetSocketAddress) local = NULL;
    /* Paho uses a proxy only when told to: otherwise a resolver with none
     * (libsoup would use the system's). */
    g_autoptr(GProxyResolver) direct = options->proxy_resolver
                                         ? g_object_ref (options->proxy_resolver)
                                         : g_simple_proxy_resolver_new (NULL, NULL);

    if (options->bind_address && options->bind_address[0])
      {
        g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (options->bind_address);

        if (inet == NULL)
          {
            g_task_return_new_error (task, MQTT_ERROR, MQTT_ERROR_INVAL,
                                     "Invalid bind address “%s”: not an IP address",
                                     options->bind_address);
            return;
          }
        local = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, 0));
      }
    data->session = soup_session_new_with_options ("local-address", local, "proxy-resolver",
                                                   direct, "timeout", options->timeout, NULL);
  }
  if (options->tls)
    {
      if (options->tls_database)
        soup_session_set_tls_database (data->session, options->tls_database);
      if (options->tls_interaction)
        soup_session_set_tls_interaction (data->session, options->tls_interaction);
      if (options->tls_certificate)
        soup_message_set_tls_client_certificate (message, options->tls_certificate);
      g_signal_connect (message, "accept-certificate", G_CALLBACK (accept_certificate), data);
    }
  g_signal_connect (message, "starting", G_CALLBACK (on_starting), data);
  data->message = g_object_ref (message);

  soup_session_websocket_connect_async (data->session, message, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, cancellable, websocket_connected,
                                        g_steal_pointer (&task));
}
