/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#if !defined(__MQTT_GLIB_INSIDE__) && !defined(MQTT_GLIB_COMPILATION)
#error "Only <mqtt-glib/mqtt-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "mqtt-enums.h"
#include "mqtt-message.h"
#include "mqtt-store.h"
#include "mqtt-version.h"

G_BEGIN_DECLS

/**
 * MqttClientState:
 * @MQTT_CLIENT_STATE_DISCONNECTED: no connection (a reconnection may be scheduled)
 * @MQTT_CLIENT_STATE_CONNECTING: opening the network connection or waiting for CONNACK
 * @MQTT_CLIENT_STATE_CONNECTED: CONNACK accepted the connection
 * @MQTT_CLIENT_STATE_DISCONNECTING: DISCONNECT is being sent
 *
 * The connection state of a #MqttClient, its #MqttClient:state property.
 */
typedef enum {
  MQTT_CLIENT_STATE_DISCONNECTED,
  MQTT_CLIENT_STATE_CONNECTING,
  MQTT_CLIENT_STATE_CONNECTED,
  MQTT_CLIENT_STATE_DISCONNECTING,
} MqttClientState;

#define MQTT_TYPE_CLIENT (mqtt_client_get_type ())

MQTT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MqttClient, mqtt_client, MQTT, CLIENT, GObject)

/**
 * MqttMessageCallback:
 * @client: the #MqttClient that received the message
 * @message: the message
 * @user_data: the data given to mqtt_client_message_callback_add()
 *
 * A per-filter message callback, Paho's `message_callback_add()` callback.
 */
typedef void (*MqttMessageCallback) (MqttClient *client, MqttMessage *message, gpointer user_data);

/* Construction */
MQTT_AVAILABLE_IN_ALL
MqttClient *mqtt_client_new (const char *client_id, gboolean clean_session,
                             MqttProtocolVersion protocol, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_reinitialise (MqttClient *self, const char *client_id,
                                   gboolean clean_session, GError **error);

/* Options */
MQTT_AVAILABLE_IN_ALL
const char *mqtt_client_get_client_id (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_get_clean_session (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_clean_session (MqttClient *self, gboolean clean_session);
MQTT_AVAILABLE_IN_ALL
MqttProtocolVersion mqtt_client_get_protocol_version (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
MqttClientState mqtt_client_get_state (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_is_connected (MqttClient *self);

MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_max_inflight_messages (MqttClient *self, guint inflight);
MQTT_AVAILABLE_IN_ALL
guint mqtt_client_get_max_inflight_messages (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_max_queued_messages (MqttClient *self, guint queue_size);
MQTT_AVAILABLE_IN_ALL
guint mqtt_client_get_max_queued_messages (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_queue_policy (MqttClient *self, MqttQueuePolicy policy);
MQTT_AVAILABLE_IN_ALL
MqttQueuePolicy mqtt_client_get_queue_policy (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_credentials_ready (MqttClient *self, const GError *error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_resubscribe (MqttClient *self, MqttResubscribe resubscribe);
MQTT_AVAILABLE_IN_ALL
MqttResubscribe mqtt_client_get_resubscribe (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_network_monitor (MqttClient *self, GNetworkMonitor *monitor);
MQTT_AVAILABLE_IN_ALL
GNetworkMonitor *mqtt_client_get_network_monitor (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_set_store (MqttClient *self, MqttStore *store, GError **error);
MQTT_AVAILABLE_IN_ALL
MqttStore *mqtt_client_get_store (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_max_queued_bytes (MqttClient *self, guint64 max_bytes);
MQTT_AVAILABLE_IN_ALL
guint64 mqtt_client_get_max_queued_bytes (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_max_packet_size (MqttClient *self, guint max_size);
MQTT_AVAILABLE_IN_ALL
guint mqtt_client_get_max_packet_size (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_message_retry (MqttClient *self, guint retry);
MQTT_AVAILABLE_IN_ALL
guint mqtt_client_get_message_retry (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_set_reconnect_delay (MqttClient *self, guint min_delay, guint max_delay,
                                          GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_keepalive (MqttClient *self, guint keepalive);
MQTT_AVAILABLE_IN_ALL
guint mqtt_client_get_keepalive (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_credentials (MqttClient *self, const char *username, const char *password);
MQTT_AVAILABLE_IN_ALL
const char *mqtt_client_get_username (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_set_will (MqttClient *self, const char *topic, const guint8 *payload,
                               gssize length, MqttQos qos, gboolean retain, GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_clear_will (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_set_connect_properties (MqttClient *self, MqttProperties *properties,
                                             GError **error);
MQTT_AVAILABLE_IN_ALL
MqttProperties *mqtt_client_get_connect_properties (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_set_will_properties (MqttClient *self, MqttProperties *properties,
                                          GError **error);
MQTT_AVAILABLE_IN_ALL
MqttProperties *mqtt_client_get_will_properties (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_outgoing_topic_aliases (MqttClient *self, guint count);
MQTT_AVAILABLE_IN_ALL
guint mqtt_client_get_outgoing_topic_aliases (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_bind_address (MqttClient *self, const char *bind_address);
MQTT_AVAILABLE_IN_ALL
const char *mqtt_client_get_bind_address (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_auto_reconnect (MqttClient *self, gboolean auto_reconnect);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_get_auto_reconnect (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_reconnect_jitter (MqttClient *self, gboolean jitter);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_get_reconnect_jitter (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_set_servers (MqttClient *self, const char *const *uris, GError **error);
MQTT_AVAILABLE_IN_ALL
char **mqtt_client_get_servers (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
char *mqtt_client_dup_server (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_tls_set_alpn_protocols (MqttClient *self, const char *const *protocols);
MQTT_AVAILABLE_IN_ALL
char **mqtt_client_tls_get_alpn_protocols (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_user_data (MqttClient *self, gpointer user_data, GDestroyNotify destroy);
MQTT_AVAILABLE_IN_ALL
gpointer mqtt_client_get_user_data (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_enable_logger (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_disable_logger (MqttClient *self);

/* TLS */
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_tls_set (MqttClient *self, const char *ca_certs, const char *certfile,
                              const char *keyfile, MqttTlsCertReqs cert_reqs,
                              MqttTlsVersion tls_version, const char *ciphers, GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_tls_set_context (MqttClient *self, GTlsDatabase *database,
                                  GTlsCertificate *certificate);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_tls_insecure_set (MqttClient *self, gboolean insecure);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_tls_interaction (MqttClient *self, GTlsInteraction *interaction);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_get_tls (MqttClient *self);

/* WebSockets */
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_transport (MqttClient *self, MqttTransportType transport);
MQTT_AVAILABLE_IN_ALL
MqttTransportType mqtt_client_get_transport (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_ws_set_options (MqttClient *self, const char *path, GHashTable *headers);

/* Proxies */
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_proxy_set (MqttClient *self, const char *proxy_uri, GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_set_proxy_resolver (MqttClient *self, GProxyResolver *resolver);

/* Connecting */
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_connect_to_broker (MqttClient *self, const char *host, guint port,
                                        guint keepalive, GCancellable *cancellable,
                                        GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_connect_to_broker_async (MqttClient *self, const char *host, guint port,
                                          guint keepalive, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_connect_to_broker_finish (MqttClient *self, GAsyncResult *result,
                                               GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_connect_srv (MqttClient *self, const char *domain, guint keepalive,
                                  GCancellable *cancellable, GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_connect_srv_async (MqttClient *self, const char *domain, guint keepalive,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_connect_srv_finish (MqttClient *self, GAsyncResult *result, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_connect_deferred (MqttClient *self, const char *host, guint port,
                                       guint keepalive, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_reconnect (MqttClient *self, GCancellable *cancellable, GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_reconnect_async (MqttClient *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_reconnect_finish (MqttClient *self, GAsyncResult *result, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_disconnect_from_broker (MqttClient *self, GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_disconnect_from_broker_async (MqttClient *self, GCancellable *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer user_data);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_disconnect_from_broker_finish (MqttClient *self, GAsyncResult *result,
                                                    GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_disconnect_with_reason (MqttClient *self, MqttReasonCode reason,
                                             MqttProperties *properties, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_auth_continue (MqttClient *self, MqttProperties *properties,
                                    GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_reauthenticate (MqttClient *self, MqttProperties *properties,
                                     GError **error);

/* Loops */
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_loop (MqttClient *self, double timeout, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_loop_forever (MqttClient *self, gboolean retry_first_connection,
                                   GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_loop_start (MqttClient *self, GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_loop_stop (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
GSocket *mqtt_client_get_socket (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_want_write (MqttClient *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_loop_read (MqttClient *self, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_loop_write (MqttClient *self, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_loop_misc (MqttClient *self, GError **error);

/* Publishing */
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_publish (MqttClient *self, const char *topic, const guint8 *payload,
                              gssize length, MqttQos qos, gboolean retain, guint *mid,
                              GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_publish_bytes (MqttClient *self, const char *topic, GBytes *payload,
                                    MqttQos qos, gboolean retain, guint *mid, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_publish_vectored (MqttClient *self, const char *topic, GBytes *const *parts,
                                       gsize n_parts, MqttQos qos, gboolean retain, guint *mid,
                                       GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_publish_with_properties (MqttClient *self, const char *topic,
                                              GBytes *payload, MqttQos qos, gboolean retain,
                                              MqttProperties *properties, guint *mid,
                                              GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_publish_vectored_with_properties (MqttClient *self, const char *topic,
                                                       GBytes *const *parts, gsize n_parts,
                                                       MqttQos qos, gboolean retain,
                                                       MqttProperties *properties, guint *mid,
                                                       GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_publish_async (MqttClient *self, const char *topic, GBytes *payload, MqttQos qos,
                                gboolean retain, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_publish_with_properties_async (MqttClient *self, const char *topic,
                                                GBytes *payload, MqttQos qos, gboolean retain,
                                                MqttProperties *properties,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_publish_finish (MqttClient *self, GAsyncResult *result, guint *mid,
                                     GError **error);

/* Subscribing */
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_subscribe (MqttClient *self, const char *filter, MqttQos qos, guint *mid,
                                GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_subscribe_multiple (MqttClient *self, const char *const *filters,
                                         const MqttQos *qos, gsize n_filters, guint *mid,
                                         GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_subscribe_with_options (MqttClient *self, const char *const *filters,
                                             const MqttQos *qos, gsize n_filters,
                                             MqttSubscribeFlags options,
                                             MqttProperties *properties, guint *mid,
                                             GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_subscribe_async (MqttClient *self, const char *const *filters,
                                  const MqttQos *qos, gsize n_filters,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_subscribe_finish (MqttClient *self, GAsyncResult *result,
                                       int **granted_qos, gsize *n_granted, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_unsubscribe (MqttClient *self, const char *filter, guint *mid,
                                  GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_unsubscribe_multiple (MqttClient *self, const char *const *filters,
                                           gsize n_filters, guint *mid, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_unsubscribe_with_properties (MqttClient *self, const char *const *filters,
                                                  gsize n_filters, MqttProperties *properties,
                                                  guint *mid, GError **error);
MQTT_AVAILABLE_IN_ALL
void mqtt_client_unsubscribe_async (MqttClient *self, const char *const *filters,
                                    gsize n_filters, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_unsubscribe_finish (MqttClient *self, GAsyncResult *result,
                                         GError **error);

/* Per-filter callbacks */
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_message_callback_add (MqttClient *self, const char *sub,
                                           MqttMessageCallback callback, gpointer user_data,
                                           GDestroyNotify destroy, GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_message_callback_remove (MqttClient *self, const char *sub);

MQTT_AVAILABLE_IN_ALL
void mqtt_client_request_async (MqttClient *self, const char *topic, GBytes *payload, MqttQos qos,
                                const char *response_topic, MqttProperties *properties,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
MQTT_AVAILABLE_IN_ALL
MqttMessage *mqtt_client_request_finish (MqttClient *self, GAsyncResult *result,
                                         GError **error);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_client_respond (MqttClient *self, MqttMessage *request, GBytes *payload,
                              MqttQos qos, MqttProperties *properties, guint *mid,
                              GError **error);

G_END_DECLS
