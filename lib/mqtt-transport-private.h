/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * Transports: byte pipes between the client and a broker, with one small
 * non-blocking interface, and the options that say which one to open and
 * how. The dialer (mqtt-dialer-private.h) opens one; the client then reads,
 * writes and polls it without caring what it is.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
  char *host;           /* or, for a Unix socket, its path */
  guint16 port;
  gboolean unix_socket; /* a local stream socket at the path @host */
  char *bind_address;   /* local address to bind to, or NULL */
  guint timeout;        /* seconds for the network connection; 0 = the system's */

  gboolean tls;
  GTlsDatabase *tls_database;       /* trusted CAs; NULL: the system's */
  GTlsCertificate *tls_certificate; /* the client's certificate, or NULL */
  GTlsInteraction *tls_interaction; /* for passwords and PINs, or NULL */
  gboolean tls_verify;              /* FALSE: accept any server certificate */
  gboolean tls_insecure;            /* accept a certificate for another host name */
  GTlsCertificateFlags tls_validation_flags; /* the faults that refuse a certificate */
  char **alpn_protocols;            /* advertised in the TLS handshake (ALPN), or NULL */

  char *srv_domain;                 /* look the broker up as _mqtt._tcp.DOMAIN (or _secure-mqtt) */
  GProxyResolver *proxy_resolver;   /* proxies to go through, or NULL for none */

  gboolean websocket;               /* MQTT over WebSocket (ws:// or, with tls, wss://) */
  char *ws_path;                    /* the request path, "/mqtt" */
  GHashTable *ws_headers;           /* extra request headers, or NULL */
  guint8 protocol_level;            /* subprotocol: 3 "mqttv3.1", 4 "mqtt" */
  /* Called with the handshake's request headers (a SoupMessageHeaders)
   * just before they are sent; may change them. */
  void (*ws_prepare_headers) (gpointer headers, gpointer user_data);
  gpointer ws_prepare_data;          /* a GObject, referenced by the options */
} MqttTransportOptions;

void mqtt_transport_options_clear (MqttTransportOptions *options);
void mqtt_transport_options_copy (MqttTransportOptions *dest, const MqttTransportOptions *src);

/* What a transport source calls when reading or writing can go on. */
typedef gboolean (*MqttTransportFunc) (gpointer user_data);

#define MQTT_TYPE_TRANSPORT (mqtt_transport_get_type ())
G_DECLARE_DERIVABLE_TYPE (MqttTransport, mqtt_transport, MQTT, TRANSPORT, GObject)

struct _MqttTransportClass {
  GObjectClass parent_class;

  /* Non-blocking: -1 with G_IO_ERROR_WOULD_BLOCK when nothing is ready;
   * read returns 0 at the end of the stream. */
  gssize (*read) (MqttTransport *self, guint8 *buffer, gsize size, GError **error);
  gssize (*writev) (MqttTransport *self, const GOutputVector *vectors, gsize n_vectors,
                    GError **error);
  /* A source that calls @func when reading (G_IO_IN) or writing (G_IO_OUT)
   * can go on. */
  GSource *(*create_source) (MqttTransport *self, GIOCondition condition, MqttTransportFunc func,
                             gpointer user_data);
  /* Whether a read shorter than asked may leave readable data behind (TLS
   * records, WebSocket frames): the caller then reads until WOULD_BLOCK. */
  gboolean (*buffers_input) (MqttTransport *self);

  /* Whether writev() may be called from any thread (serialised by the
   * caller), rather than only from the transport's main context. */
  gboolean any_thread_writes;
  GSocket *(*get_socket) (MqttTransport *self);
  void (*close) (MqttTransport *self);
};

gssize mqtt_transport_read (MqttTransport *self, guint8 *buffer, gsize size, GError **error);
gssize mqtt_transport_writev (MqttTransport *self, const GOutputVector *vectors, gsize n_vectors,
                              GError **error);
GSource *mqtt_transport_create_source (MqttTransport *self, GIOCondition condition,
                                       MqttTransportFunc func, gpointer user_data);
gboolean mqtt_transport_buffers_input (MqttTransport *self);
gboolean mqtt_transport_writes_from_any_thread (MqttTransport *self);
GSocket *mqtt_transport_get_socket (MqttTransport *self);
void mqtt_transport_close (MqttTransport *self);


G_END_DECLS
