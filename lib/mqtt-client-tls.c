/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * How a client reaches its broker: TLS (Paho's tls_set(), tls_set_context(),
 * tls_insecure_set()), the ALPN protocols a handshake advertises, the
 * transport, the WebSocket path and headers, and proxies. Any TLS option
 * turns TLS on, which is notified here.
 */

#include "config.h"

#include <string.h>

#include "mqtt-client-private.h"
#include "mqtt-tls-private.h"

/* Notifies @prop_id if its value @changed, and #MqttClient:tls if TLS is
 * now on where it was off or the reverse. */
static void
notify_option (MqttClient *self, guint prop_id, gboolean changed, gboolean tls_changed)
{
  if (changed && prop_id != PROP_TLS)
    mqtt_client_notify (self, prop_id);
  if (tls_changed)
    mqtt_client_notify (self, PROP_TLS);
}

/* Sets a boolean TLS option, notifying it and #MqttClient:tls as they change. */
void
mqtt_client_set_tls_option (MqttClient *self, gboolean *field, gboolean value, guint prop_id)
{
  gboolean changed, was, now;

  client_lock (self);
  was = mqtt_client_tls_wanted_locked (self);
  changed = *field != !!value;
  *field = !!value;
  now = mqtt_client_tls_wanted_locked (self);
  client_unlock (self);
  notify_option (self, prop_id, changed, was != now);
}

void
mqtt_client_set_tls_flags (MqttClient *self, GTlsCertificateFlags flags)
{
  gboolean changed, was, now;

  client_lock (self);
  was = mqtt_client_tls_wanted_locked (self);
  changed = self->transport_options.tls_validation_flags != flags;
  self->transport_options.tls_validation_flags = flags;
  now = mqtt_client_tls_wanted_locked (self);
  client_unlock (self);
  notify_option (self, PROP_TLS_VALIDATION_FLAGS, changed, was != now);
}

void
mqtt_client_set_tls_object (MqttClient *self, GObject **field, gpointer value, guint prop_id)
{
  gboolean changed, was, now;

  client_lock (self);
  was = mqtt_client_tls_wanted_locked (self);
  changed = g_set_object (field, value);
  now = mqtt_client_tls_wanted_locked (self);
  client_unlock (self);
  notify_option (self, prop_id, changed, was != now);
}

/* ------------------------------------------------------------------------ */
/* TLS */

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
  g_autoptr(GTlsInteraction) interaction = NULL;

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
  client_lock (self);
  g_set_object (&interaction, self->transport_options.tls_interaction);
  client_unlock (self);
  if (certfile &&
      !(certificate = mqtt_tls_load_certificate (certfile, keyfile, interaction, error)))
    return FALSE;

  client_lock (self);
  g_set_object (&self->transport_options.tls_database, database);
  g_set_object (&self->transport_options.tls_certificate, certificate);
  self->transport_options.tls_verify = cert_reqs != MQTT_TLS_CERT_NONE;
  self->transport_options.tls = TRUE;
  client_unlock (self);

  mqtt_client_notify (self, PROP_TLS);
  mqtt_client_notify (self, PROP_TLS_DATABASE);
  mqtt_client_notify (self, PROP_TLS_CERTIFICATE);
  mqtt_client_notify (self, PROP_TLS_CERT_REQS);
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

  mqtt_client_set_tls_object (self, (GObject **) &self->transport_options.tls_database, database,
                  PROP_TLS_DATABASE);
  mqtt_client_set_tls_object (self, (GObject **) &self->transport_options.tls_certificate, certificate,
                  PROP_TLS_CERTIFICATE);
  mqtt_client_set_tls_option (self, &self->transport_options.tls_verify, TRUE, PROP_TLS_CERT_REQS);
  mqtt_client_set_tls_option (self, &self->transport_options.tls, TRUE, PROP_TLS);
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
  mqtt_client_set_tls_option (self, &self->transport_options.tls_insecure, insecure, PROP_TLS_INSECURE);
}

/**
 * mqtt_client_tls_set_alpn_protocols:
 * @self: a #MqttClient
 * @protocols: (nullable) (array zero-terminated=1): the protocols, in order
 *   of preference, or %NULL for none
 *
 * Sets #MqttClient:tls-alpn-protocols (libmosquitto's `MOSQ_OPT_TLS_ALPN`).
 */
void
mqtt_client_tls_set_alpn_protocols (MqttClient *self, const char *const *protocols)
{
  gboolean changed;
  char **copy;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  copy = protocols && protocols[0] ? g_strdupv ((char **) protocols) : NULL;
  client_lock (self);
  changed = !(copy == NULL && self->transport_options.alpn_protocols == NULL) &&
            !(copy && self->transport_options.alpn_protocols &&
              g_strv_equal ((const char *const *) copy,
                            (const char *const *) self->transport_options.alpn_protocols));
  g_strfreev (self->transport_options.alpn_protocols);
  self->transport_options.alpn_protocols = copy;
  client_unlock (self);
  if (changed)
    mqtt_client_notify (self, PROP_TLS_ALPN_PROTOCOLS);
}

/**
 * mqtt_client_tls_get_alpn_protocols:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:tls-alpn-protocols.
 *
 * Returns: (transfer full) (nullable) (array zero-terminated=1): the
 *   protocols, or %NULL for none
 */
char **
mqtt_client_tls_get_alpn_protocols (MqttClient *self)
{
  char **protocols;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);

  client_lock (self);
  protocols = g_strdupv (self->transport_options.alpn_protocols);
  client_unlock (self);
  return protocols;
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
  mqtt_client_set_tls_object (self, (GObject **) &self->transport_options.tls_interaction, interaction,
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
  tls = mqtt_client_tls_wanted_locked (self);
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
  mqtt_client_set_tls_option (self, &self->transport_options.websocket,
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
  gboolean changed;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  client_lock (self);
  changed = g_strcmp0 (self->transport_options.ws_path, path ? path : "/mqtt") != 0;
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
  if (changed)
    mqtt_client_notify (self, PROP_WS_PATH);
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
  mqtt_client_set_tls_object (self, (GObject **) &self->transport_options.proxy_resolver, resolver,
                  PROP_PROXY_RESOLVER);
}

/* The properties, in mqtt_client_properties, for class_init. */
