/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The transport base class: a byte stream the connection reads and
 * writes without blocking, and the options a dialer opens one with. The
 * kinds are mqtt-stream-transport.c (TCP, TLS) and
 * mqtt-websocket-transport.c; mqtt-dialer.c makes them.
 */

#include "config.h"

#include "mqtt-transport-private.h"

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
  g_clear_object (&options->tls_database);
  g_clear_object (&options->tls_certificate);
  g_clear_object (&options->tls_interaction);
  g_clear_pointer (&options->srv_domain, g_free);
  g_clear_object (&options->proxy_resolver);
  g_clear_pointer (&options->ws_path, g_free);
  g_clear_pointer (&options->alpn_protocols, g_strfreev);
  g_clear_pointer (&options->ws_headers, g_hash_table_unref);
  g_clear_object (&options->ws_prepare_data);
}

void
mqtt_transport_options_copy (MqttTransportOptions *dest, const MqttTransportOptions *src)
{
  *dest = *src;
  dest->host = g_strdup (src->host);
  dest->bind_address = g_strdup (src->bind_address);
  if (src->tls_database)
    g_object_ref (src->tls_database);
  if (src->tls_certificate)
    g_object_ref (src->tls_certificate);
  if (src->tls_interaction)
    g_object_ref (src->tls_interaction);
  dest->srv_domain = g_strdup (src->srv_domain);
  if (src->proxy_resolver)
    g_object_ref (src->proxy_resolver);
  dest->ws_path = g_strdup (src->ws_path);
  dest->alpn_protocols = g_strdupv (src->alpn_protocols);
  if (src->ws_headers)
    g_hash_table_ref (src->ws_headers);
  if (src->ws_prepare_data)
    g_object_ref (src->ws_prepare_data);
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

gboolean
mqtt_transport_writes_from_any_thread (MqttTransport *self)
{
  return MQTT_TRANSPORT_GET_CLASS (self)->any_thread_writes;
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
