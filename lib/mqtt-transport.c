/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "mqtt-error.h"
#include "mqtt-stream-transport-private.h"

G_DEFINE_ABSTRACT_TYPE (MqttTransport, mqtt_transport, G_TYPE_OBJECT)

static void
mqtt_transport_class_init (MqttTransportClass *klass)
{
}

static void
mqtt_transport_init (MqttTransport *self)
{
}

void
mqtt_transport_options_clear (MqttTransportOptions *options)
{
  g_clear_pointer (&options->host, g_free);
  g_clear_pointer (&options->bind_address, g_free);
}

void
mqtt_transport_options_copy (MqttTransportOptions *dest, const MqttTransportOptions *src)
{
  *dest = *src;
  dest->host = g_strdup (src->host);
  dest->bind_address = g_strdup (src->bind_address);
}

gssize
mqtt_transport_read (MqttTransport *self, guint8 *buffer, gsize size, GError **error)
{
  return MQTT_TRANSPORT_GET_CLASS (self)->read (self, buffer, size, error);
}

gssize
mqtt_transport_writev (MqttTransport *self, const GOutputVector *vectors, gsize n_vectors,
                       GError **error)
{
  return MQTT_TRANSPORT_GET_CLASS (self)->writev (self, vectors, n_vectors, error);
}

GSource *
mqtt_transport_create_source (MqttTransport *self, GIOCondition condition, MqttTransportFunc func,
                              gpointer user_data)
{
  return MQTT_TRANSPORT_GET_CLASS (self)->create_source (self, condition, func, user_data);
}

gboolean
mqtt_transport_buffers_input (MqttTransport *self)
{
  return MQTT_TRANSPORT_GET_CLASS (self)->buffers_input (self);
}

GSocket *
mqtt_transport_get_socket (MqttTransport *self)
{
  return MQTT_TRANSPORT_GET_CLASS (self)->get_socket (self);
}

void
mqtt_transport_close (MqttTransport *self)
{
  MQTT_TRANSPORT_GET_CLASS (self)->close (self);
}

/* ------------------------------------------------------------------------ */
/* Opening */

static void
tcp_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (connection == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* MQTT packets are small and latency matters: no Nagle delay. The client
   * coalesces its own writes. */
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1,
                       NULL);
  g_task_return_pointer (task, mqtt_stream_transport_new (G_IO_STREAM (connection), connection),
                         g_object_unref);
}

void
mqtt_transport_open_async (const MqttTransportOptions *options, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = NULL;

  g_task_set_source_tag (task, mqtt_transport_open_async);

  g_socket_client_set_timeout (client, options->timeout);
  /* Paho does not use proxies unless told to. */
  g_socket_client_set_enable_proxy (client, FALSE);
  if (options->bind_address && options->bind_address[0])
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (options->bind_address);
      g_autoptr(GSocketAddress) local = NULL;

      if (inet == NULL)
        {
          g_task_return_new_error (task, MQTT_ERROR, MQTT_ERROR_INVAL,
                                   "Invalid bind address “%s”: not an IP address",
                                   options->bind_address);
          return;
        }
      local = g_inet_socket_address_new (inet, 0);
      g_socket_client_set_local_address (client, local);
    }

  address = g_network_address_new (options->host, options->port);
  g_socket_client_connect_async (client, address, cancellable, tcp_connected,
                                 g_steal_pointer (&task));
}

MqttTransport *
mqtt_transport_open_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
