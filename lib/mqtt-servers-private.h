/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * Brokers by URI (internal): one server of a client's server list, parsed
 * from `mqtt://`, `mqtts://`, `mqtt+ws://`, `mqtt+wss://` or `unix://`, or
 * from an MQTT 5 Server Reference, and written into the transport options
 * of a connection attempt. The order in which a client tries them is the
 * client's (mqtt-client-connection.c).
 */

#pragma once

#include "mqtt-transport-private.h"

G_BEGIN_DECLS

/* The URI schemes of brokers reached by TCP or WebSocket, with or
 * without TLS, and their usual ports (unix:// is the servers' own). */
typedef struct {
  const char *name;
  gboolean tls;
  gboolean websocket;
  guint16 port;
} MqttScheme;

const MqttScheme *mqtt_scheme_find (const char *name);
const MqttScheme *mqtt_scheme_for (gboolean tls, gboolean websocket);

typedef struct {
  char *uri;           /* as it is shown (MqttClient:server) */
  gboolean tls;
  gboolean websocket;
  gboolean unix_socket;
  char *host;          /* or the socket's path */
  guint16 port;
  char *ws_path;       /* NULL: the client's */
} MqttServer;

MqttServer *mqtt_server_new_for_uri (const char *uri, GError **error);
MqttServer *mqtt_server_new_for_reference (const char *reference, const MqttServer *base);
MqttServer *mqtt_server_new_for_options (const MqttTransportOptions *options);
void mqtt_server_free (MqttServer *server);
void mqtt_server_apply (const MqttServer *server, MqttTransportOptions *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MqttServer, mqtt_server_free)

G_END_DECLS
