/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * Servers by URI (see mqtt-servers-private.h): the grammar of a server
 * list's entries and of an MQTT 5 Server Reference, and what each says of
 * the transport.
 */

#include "config.h"

#include <string.h>

#include "mqtt-error.h"
#include "mqtt-servers-private.h"

static const MqttScheme schemes[] = {
  { "mqtt", FALSE, FALSE, 1883 },
  { "mqtts", TRUE, FALSE, 8883 },
  { "mqtt+ws", FALSE, TRUE, 80 },
  { "mqtt+wss", TRUE, TRUE, 443 },
};

/* The scheme called @name (in any case), or NULL. */
const MqttScheme *
mqtt_scheme_find (const char *name)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (g_ascii_strcasecmp (name, schemes[i].name) == 0)
      return &schemes[i];
  return NULL;
}

const MqttScheme *
mqtt_scheme_for (gboolean tls, gboolean websocket)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (schemes[i].tls == !!tls && schemes[i].websocket == !!websocket)
      break;
  return &schemes[i];
}

void
mqtt_server_free (MqttServer *server)
{
  if (server == NULL)
    return;
  g_free (server->uri);
  g_free (server->host);
  g_free (server->ws_path);
  g_free (server);
}

static char *
server_uri (const MqttServer *server)
{
  if (server->unix_socket)
    return g_strconcat ("unix://", server->host, NULL);
  return g_uri_join (G_URI_FLAGS_NONE, mqtt_scheme_for (server->tls, server->websocket)->name,
                     NULL, server->host, server->port, server->ws_path ? server->ws_path : "",
                     NULL, NULL);
}

/* A server from `mqtt://HOST[:PORT]`, `mqtts://…`, `mqtt+ws://HOST[:PORT][/PATH]`,
 * `mqtt+wss://…` or `unix:///PATH`; NULL with MQTT_ERROR_INVAL, or
 * MQTT_ERROR_NOT_SUPPORTED for an unknown scheme. */
MqttServer *
mqtt_server_new_for_uri (const char *uri, GError **error)
{
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(MqttServer) server = g_new0 (MqttServer, 1);
  const MqttScheme *scheme;
  const char *path;

  parsed = g_uri_parse (uri, G_URI_FLAGS_SCHEME_NORMALIZE, &local_error);
  if (parsed == NULL)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Invalid server URI \"%s\": %s", uri,
                   local_error->message);
      return NULL;
    }
  path = g_uri_get_path (parsed);
  if (g_uri_get_query (parsed) || g_uri_get_fragment (parsed) || g_uri_get_userinfo (parsed))
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "The server URI \"%s\" has more than a broker: give credentials and "
                   "options to the client", uri);
      return NULL;
    }
  if (g_ascii_strcasecmp (g_uri_get_scheme (parsed), "unix") == 0)
    {
      if ((g_uri_get_host (parsed) && *g_uri_get_host (parsed)) || *path != '/')
        {
          g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                       "The server URI \"%s\" is not unix:///ABSOLUTE/PATH", uri);
          return NULL;
        }
      server->unix_socket = TRUE;
      server->host = g_strdup (path);
      server->uri = server_uri (server);
      return g_steal_pointer (&server);
    }
  scheme = mqtt_scheme_find (g_uri_get_scheme (parsed));
  if (scheme == NULL)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED,
                   "Unsupported scheme \"%s\" in the server URI \"%s\": use mqtt, mqtts, "
                   "mqtt+ws, mqtt+wss or unix", g_uri_get_scheme (parsed), uri);
      return NULL;
    }
  if (g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "The server URI \"%s\" has no host",
                   uri);
      return NULL;
    }
  if (*path && strcmp (path, "/") != 0 && !scheme->websocket)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "The server URI \"%s\" has a path, which only WebSocket servers have", uri);
      return NULL;
    }
  server->tls = scheme->tls;
  server->websocket = scheme->websocket;
  server->host = g_strdup (g_uri_get_host (parsed));
  server->port = g_uri_get_port (parsed) > 0 ? g_uri_get_port (parsed) : scheme->port;
  server->ws_path = *path ? g_strdup (path) : NULL;
  server->uri = server_uri (server);
  return g_steal_pointer (&server);
}

/* The server an MQTT 5 Server Reference names, given by @base. The
 * specification leaves the form of a reference open: brokers send
 * `HOST[:PORT]` (an IPv6 address in brackets), sometimes a URI, sometimes
 * several separated by spaces. The first one is taken; a bare host keeps
 * @base's transport (and its port when it gives none). NULL when
 * @reference cannot be read as a server. */
MqttServer *
mqtt_server_new_for_reference (const char *reference, const MqttServer *base)
{
  g_auto (GStrv) words = g_strsplit_set (reference, " \t", -1);
  const char *first = NULL;
  g_autofree char *host = NULL, *as_uri = NULL;
  gint port = -1;
  MqttServer *server;
  guint i;

  for (i = 0; words[i] && !first; i++)
    if (*words[i])
      first = words[i];
  if (first == NULL)
    return NULL;
  if (strstr (first, "://"))
    return mqtt_server_new_for_uri (first, NULL);
  if (base->unix_socket)
    return NULL;
  as_uri = g_strconcat ("x://", first, NULL);
  if (!g_uri_split_network (as_uri, G_URI_FLAGS_NONE, NULL, &host, &port, NULL) ||
      host == NULL || *host == '\0')
    return NULL;
  server = g_new0 (MqttServer, 1);
  server->tls = base->tls;
  server->websocket = base->websocket;
  server->host = g_steal_pointer (&host);
  server->port = port > 0 && port <= G_MAXUINT16 ? port : base->port;
  server->ws_path = g_strdup (base->ws_path);
  server->uri = server_uri (server);
  return server;
}

/* The server that @options connect to. */
MqttServer *
mqtt_server_new_for_options (const MqttTransportOptions *options)
{
  MqttServer *server = g_new0 (MqttServer, 1);

  server->tls = options->tls;
  server->websocket = options->websocket;
  server->unix_socket = options->unix_socket;
  server->host = g_strdup (options->host);
  server->port = options->port;
  server->ws_path = options->websocket ? g_strdup (options->ws_path) : NULL;
  server->uri = server_uri (server);
  return server;
}

/* Points @options at @server; the other options (TLS trust, proxy,
 * headers…) stay the client's. */
void
mqtt_server_apply (const MqttServer *server, MqttTransportOptions *options)
{
  g_free (options->host);
  options->host = g_strdup (server->host);
  options->port = server->port;
  options->tls = server->tls;
  options->websocket = server->websocket;
  options->unix_socket = server->unix_socket;
  g_clear_pointer (&options->srv_domain, g_free);
  if (server->ws_path)
    {
      g_free (options->ws_path);
      options->ws_path = g_strdup (server->ws_path);
    }
}
