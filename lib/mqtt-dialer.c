/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The dialer: from MqttTransportOptions to an open transport. It looks the
 * broker up (an SRV record, whose targets it tries in turn), goes through
 * a proxy if one is set, connects by TCP, makes the TLS handshake, and
 * hands the stream to a stream transport, or lets the WebSocket transport
 * make its handshake. The transports know nothing of it.
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <gio/gunixsocketaddress.h>

#include "mqtt-dialer-private.h"
#include "mqtt-error.h"
#include "mqtt-stream-transport-private.h"
#include "mqtt-tls-private.h"
#include "mqtt-websocket-transport-private.h"

static void open_stream_async (const MqttTransportOptions *options, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);

typedef struct {
  MqttTransportOptions options;
  GSocketConnection *connection;
} OpenData;

static void
open_data_free (OpenData *data)
{
  mqtt_transport_options_clear (&data->options);
  g_clear_object (&data->connection);
  g_free (data);
}

static gboolean
accept_certificate (GTlsConnection *connection, GTlsCertificate *certificate,
                    GTlsCertificateFlags errors, gpointer user_data)
{
  OpenData *data = user_data;

  return mqtt_tls_accept (&data->options, errors);
}

static void
tls_handshaked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error);
  if (!mqtt_tls_check_handshake (
        &data->options, g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (source)),
        g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (source)), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, mqtt_stream_transport_new (G_IO_STREAM (source), data->connection),
                         g_object_unref);
}

static void
start_tls (GTask *task)
{
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GSocketConnectable) identity = g_network_address_new (data->options.host,
                                                                  data->options.port);
  g_autoptr(GIOStream) tls = NULL;
  GError *error = NULL;

  tls = g_tls_client_connection_new (G_IO_STREAM (data->connection), identity, &error);
  if (tls == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (data->options.tls_database)
    g_tls_connection_set_database (G_TLS_CONNECTION (tls), data->options.tls_database);
  if (data->options.tls_certificate)
    g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), data->options.tls_certificate);
  if (data->options.tls_interaction)
    g_tls_connection_set_interaction (G_TLS_CONNECTION (tls), data->options.tls_interaction);
  if (data->options.alpn_protocols)
    g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (tls),
                                               (const char *const *) data->options.alpn_protocols);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_certificate), data);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), tls_handshaked, task);
}

static void
tcp_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  OpenData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (data->connection == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  /* MQTT packets are small and latency matters: no Nagle delay. The client
   * coalesces its own writes. */
  if (!data->options.unix_socket)
    g_socket_set_option (g_socket_connection_get_socket (data->connection), IPPROTO_TCP,
                         TCP_NODELAY, 1, NULL);
  if (data->options.tls)
    {
      start_tls (task);
      return;
    }
  g_task_return_pointer (task,
                         mqtt_stream_transport_new (G_IO_STREAM (data->connection),
                                                    data->connection),
                         g_object_unref);
  g_object_unref (task);
}

/* One broker address, by TCP, TLS or WebSocket. */
static void
open_direct_async (const MqttTransportOptions *options, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  if (options->websocket)
    mqtt_websocket_transport_open_async (options, cancellable, callback, user_data);
  else
    open_stream_async (options, cancellable, callback, user_data);
}

/* ------------------------------------------------------------------------ */
/* SRV: _mqtt._tcp.DOMAIN (_secure-mqtt with TLS), targets in the order of
 * their priority and weight, each tried until one connects. */

typedef struct {
  MqttTransportOptions options;
  GList *targets;     /* GSrvTarget */
  GList *next;
  GError *error;      /* the first target's failure */
} SrvData;

static void
srv_data_free (SrvData *data)
{
  mqtt_transport_options_clear (&data->options);
  g_list_free_full (data->targets, (GDestroyNotify) g_srv_target_free);
  g_clear_error (&data->error);
  g_free (data);
}

static void try_next_target (GTask *task);

static void
target_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SrvData *data = g_task_get_task_data (task);
  GError *error = NULL;
  MqttTransport *transport = mqtt_dialer_open_finish (result, &error);

  if (transport)
    {
      g_task_return_pointer (task, transport, g_object_unref);
      g_object_unref (task);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (data->error == NULL)
    data->error = error;
  else
    g_error_free (error);
  try_next_target (task);
}

static void
try_next_target (GTask *task)
{
  SrvData *data = g_task_get_task_data (task);
  MqttTransportOptions options;
  GSrvTarget *target;

  if (data->next == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&data->error));
      g_object_unref (task);
      return;
    }
  target = data->next->data;
  data->next = data->next->next;

  mqtt_transport_options_copy (&options, &data->options);
  g_clear_pointer (&options.srv_domain, g_free);
  g_free (options.host);
  options.host = g_strdup (g_srv_target_get_hostname (target));
  options.port = g_srv_target_get_port (target);
  open_direct_async (&options, g_task_get_cancellable (task), target_opened, task);
  mqtt_transport_options_clear (&options);
}

static void
srv_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SrvData *data = g_task_get_task_data (task);
  GError *error = NULL;

  data->targets = g_resolver_lookup_service_finish (G_RESOLVER (source), result, &error);
  if (data->targets == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* Priority first, then a weighted random order (RFC 2782); GIO's own
   * resolver does so already, others may not. */
  data->targets = g_srv_target_list_sort (data->targets);
  data->next = data->targets;
  try_next_target (task);
}

static void
open_srv_async (const MqttTransportOptions *options, GCancellable *cancellable,
                GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  SrvData *data = g_new0 (SrvData, 1);

  g_task_set_source_tag (task, open_srv_async);
  mqtt_transport_options_copy (&data->options, options);
  g_task_set_task_data (task, data, (GDestroyNotify) srv_data_free);
  g_resolver_lookup_service_async (resolver, options->tls ? "secure-mqtt" : "mqtt", "tcp",
                                   options->srv_domain, cancellable, srv_resolved, task);
}

void
mqtt_dialer_open_async (const MqttTransportOptions *options, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  if (options->srv_domain)
    open_srv_async (options, cancellable, callback, user_data);
  else
    open_direct_async (options, cancellable, callback, user_data);
}

static void
open_stream_async (const MqttTransportOptions *options, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = NULL;
  OpenData *data = g_new0 (OpenData, 1);

  g_task_set_source_tag (task, open_stream_async);
  mqtt_transport_options_copy (&data->options, options);
  g_task_set_task_data (task, data, (GDestroyNotify) open_data_free);

  g_socket_client_set_timeout (client, options->timeout);
  /* Paho uses a proxy only when told to (proxy_set()). */
  g_socket_client_set_enable_proxy (client, options->proxy_resolver != NULL);
  if (options->proxy_resolver)
    g_socket_client_set_proxy_resolver (client, options->proxy_resolver);
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

  if (options->unix_socket)
    address = G_SOCKET_CONNECTABLE (g_unix_socket_address_new (options->host));
  else
    address = g_network_address_new (options->host, options->port);
  g_socket_client_connect_async (client, address, cancellable, tcp_connected,
                                 g_steal_pointer (&task));
}

MqttTransport *
mqtt_dialer_open_finish (GAsyncResult *result, GError **error)
{
  /* Both openers return a GTask with the transport. */
  return g_task_propagate_pointer (G_TASK (result), error);
}
