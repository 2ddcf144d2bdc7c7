/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * A transport over a GIOStream (TCP, or TLS on TCP): pollable reads and
 * vectored writes straight on the stream.
 */

#include "config.h"

#include "mqtt-stream-transport-private.h"

struct _MqttStreamTransport {
  MqttTransport parent_instance;
  GIOStream *stream;
  GSocketConnection *connection;
  GPollableInputStream *input;
  GPollableOutputStream *output;
};

G_DEFINE_FINAL_TYPE (MqttStreamTransport, mqtt_stream_transport, MQTT_TYPE_TRANSPORT)

static gssize
stream_read (MqttTransport *transport, guint8 *buffer, gsize size, GError **error)
{
  MqttStreamTransport *self = MQTT_STREAM_TRANSPORT (transport);

  return g_pollable_input_stream_read_nonblocking (self->input, buffer, size, NULL, error);
}

static gssize
stream_writev (MqttTransport *transport, const GOutputVector *vectors, gsize n_vectors,
               GError **error)
{
  MqttStreamTransport *self = MQTT_STREAM_TRANSPORT (transport);
  gsize written = 0;

  switch (g_pollable_output_stream_writev_nonblocking (self->output, vectors, n_vectors, &written,
                                                       NULL, error))
    {
    case G_POLLABLE_RETURN_OK:
      return written;
    case G_POLLABLE_RETURN_WOULD_BLOCK:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "Operation would block");
      return -1;
    case G_POLLABLE_RETURN_FAILED:
    default:
      return -1;
    }
}

/* A plain socket is polled through its file descriptor, in one source
 * without children: dispatching it then costs no main-context wakeups. */
static gboolean
fd_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  return callback (user_data);
}

static GSourceFuncs fd_source_funcs = {
  NULL, NULL, fd_source_dispatch, NULL, NULL, NULL,
};

typedef struct {
  MqttTransportFunc func;
  gpointer user_data;
} Trampoline;

static gboolean
pollable_callback (GObject *stream, gpointer data)
{
  Trampoline *trampoline = data;

  return trampoline->func (trampoline->user_data);
}

static gboolean
is_plain_socket (MqttStreamTransport *self)
{
  return self->stream == G_IO_STREAM (self->connection);
}

static GSource *
stream_create_source (MqttTransport *transport, GIOCondition condition, MqttTransportFunc func,
                      gpointer user_data)
{
  MqttStreamTransport *self = MQTT_STREAM_TRANSPORT (transport);
  Trampoline *trampoline;
  GSource *source;

  if (is_plain_socket (self))
    {
      GSocket *socket = g_socket_connection_get_socket (self->connection);

      source = g_source_new (&fd_source_funcs, sizeof (GSource));
      g_source_add_unix_fd (source, g_socket_get_fd (socket), condition);
      g_source_set_callback (source, (GSourceFunc) func, user_data, NULL);
      return source;
    }

  /* A layered stream (TLS) knows best when it can go on. */
  if (condition & G_IO_OUT)
    source = g_pollable_output_stream_create_source (self->output, NULL);
  else
    source = g_pollable_input_stream_create_source (self->input, NULL);
  trampoline = g_new (Trampoline, 1);
  trampoline->func = func;
  trampoline->user_data = user_data;
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) pollable_callback, trampoline,
                         g_free);
  return source;
}

static gboolean
stream_buffers_input (MqttTransport *transport)
{
  return !is_plain_socket (MQTT_STREAM_TRANSPORT (transport));
}

static GSocket *
stream_get_socket (MqttTransport *transport)
{
  MqttStreamTransport *self = MQTT_STREAM_TRANSPORT (transport);

  return g_socket_connection_get_socket (self->connection);
}

static void
stream_close (MqttTransport *transport)
{
  MqttStreamTransport *self = MQTT_STREAM_TRANSPORT (transport);

  if (!g_io_stream_is_closed (self->stream))
    g_io_stream_close (self->stream, NULL, NULL);
}

static void
mqtt_stream_transport_dispose (GObject *object)
{
  MqttStreamTransport *self = MQTT_STREAM_TRANSPORT (object);

  if (self->stream)
    stream_close (MQTT_TRANSPORT (self));
  g_clear_object (&self->stream);
  g_clear_object (&self->connection);

  G_OBJECT_CLASS (mqtt_stream_transport_parent_class)->dispose (object);
}

static void
mqtt_stream_transport_class_init (MqttStreamTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  MqttTransportClass *transport_class = MQTT_TRANSPORT_CLASS (klass);

  object_class->dispose = mqtt_stream_transport_dispose;
  transport_class->read = stream_read;
  transport_class->writev = stream_writev;
  transport_class->create_source = stream_create_source;
  transport_class->buffers_input = stream_buffers_input;
  /* GSocket and GTlsConnection calls may come from any thread, one at a time. */
  transport_class->any_thread_writes = TRUE;
  transport_class->get_socket = stream_get_socket;
  transport_class->close = stream_close;
}

static void
mqtt_stream_transport_init (MqttStreamTransport *self)
{
}

MqttTransport *
mqtt_stream_transport_new (GIOStream *stream, GSocketConnection *connection)
{
  MqttStreamTransport *self = g_object_new (MQTT_TYPE_STREAM_TRANSPORT, NULL);

  self->stream = g_object_ref (stream);
  self->connection = g_object_ref (connection);
  self->input = G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream));
  self->output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream));
  return MQTT_TRANSPORT (self);
}
