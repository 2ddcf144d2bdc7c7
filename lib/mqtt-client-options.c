/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The client's options: its properties (GObject's get and set, and their
 * specifications) and the setters and getters of the session's options
 * (Paho's *_set() calls). How it reaches the broker is in
 * mqtt-client-tls.c, how it carries on through a loss in
 * mqtt-client-failover.c. A change that matters to a running connection is
 * handed to it here.
 */

#include "config.h"

#include <string.h>

#include "mqtt-client-private.h"
#include "mqtt-tls-private.h"

/* ------------------------------------------------------------------------ */
/* GObject */

static char *
random_client_id (void)
{
  static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  GString *id = g_string_new ("mqtt-glib-");
  guint i;

  /* 23 characters: the longest id MQTT 3.1 brokers must accept. */
  for (i = 0; i < 13; i++)
    g_string_append_c (id, alphabet[g_random_int_range (0, sizeof alphabet - 1)]);
  return g_string_free (id, FALSE);
}

/* An empty id stays empty until mqtt_client_name_locked() sees the
 * protocol version, which may be set after it during construction. */
void
mqtt_client_set_client_id_locked (MqttClient *self, const char *client_id)
{
  MqttSessionConfig *config = &self->config;

  g_free (config->client_id);
  config->client_id = g_strdup (client_id ? client_id : "");
  mqtt_client_config_changed_locked (self);
}

/* Below level 5 an empty id becomes a random one; at level 5 it is sent
 * empty and the broker assigns one (Assigned Client Identifier). */
void
mqtt_client_name_locked (MqttClient *self)
{
  MqttSessionConfig *config = &self->config;

  if (config->client_id[0] == '\0' && config->protocol != MQTT_PROTOCOL_V5)
    {
      g_free (config->client_id);
      config->client_id = random_client_id ();
    }
  mqtt_client_config_changed_locked (self);
}

/* A copy the caller may change, or NULL. */
static MqttProperties *
copy_properties (MqttProperties *props)
{
  return props ? mqtt_properties_copy (props) : NULL;
}

/* Connection options are read under the lock when a connection starts. */
/* Both bounds, already checked. */
static void
set_reconnect_delay (MqttClient *self, guint min_delay, guint max_delay)
{
  gboolean min_changed, max_changed;

  client_lock (self);
  min_changed = self->reconnect_delay_min != min_delay;
  max_changed = self->reconnect_delay_max != max_delay;
  self->reconnect_delay_min = min_delay;
  self->reconnect_delay_max = max_delay;
  self->reconnect_delay = CLAMP (self->reconnect_delay, min_delay, max_delay);
  client_unlock (self);

  if (min_changed)
    mqtt_client_notify (self, PROP_RECONNECT_DELAY_MIN);
  if (max_changed)
    mqtt_client_notify (self, PROP_RECONNECT_DELAY_MAX);
}

void
mqtt_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MqttClient *self = MQTT_CLIENT (object);
  MqttSessionConfig *config = &self->config;

  client_lock (self);
  switch (prop_id)
    {
    case PROP_CLIENT_ID:
      g_value_set_string (value, config->client_id);
      break;
    case PROP_CLEAN_SESSION:
      g_value_set_boolean (value, config->clean_session);
      break;
    case PROP_PROTOCOL_VERSION:
      g_value_set_enum (value, config->protocol);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_KEEPALIVE:
      g_value_set_uint (value, config->keepalive);
      break;
    case PROP_MAX_INFLIGHT_MESSAGES:
      g_value_set_uint (value, config->max_inflight);
      break;
    case PROP_MAX_QUEUED_MESSAGES:
      g_value_set_uint (value, config->max_queued);
      break;
    case PROP_MAX_QUEUED_BYTES:
      g_value_set_uint64 (value, config->max_queued_bytes);
      break;
    case PROP_QUEUE_POLICY:
      g_value_set_enum (value, config->queue_policy);
      break;
    case PROP_RESUBSCRIBE:
      g_value_set_enum (value, config->resubscribe);
      break;
    case PROP_MAX_PACKET_SIZE:
      g_value_set_uint (value, config->max_packet_size);
      break;
    case PROP_CONNECT_PROPERTIES:
      g_value_take_boxed (value, copy_properties (config->connect_props));
      break;
    case PROP_WILL_PROPERTIES:
      g_value_take_boxed (value, copy_properties (config->will_props));
      break;
    case PROP_OUTGOING_TOPIC_ALIASES:
      g_value_set_uint (value, config->topic_alias_out);
      break;
    case PROP_SERVERS:
      g_value_take_boxed (value, mqtt_client_servers_strv_locked (self));
      break;
    case PROP_SERVER:
      g_value_set_string (value, self->server ? self->server->uri : NULL);
      break;
    case PROP_TLS_ALPN_PROTOCOLS:
      g_value_set_boxed (value, self->transport_options.alpn_protocols);
      break;
    case PROP_RECONNECT_JITTER:
      g_value_set_boolean (value, self->reconnect_jitter);
      break;
    case PROP_MESSAGE_RETRY:
      g_value_set_uint (value, config->retry_interval);
      break;
    case PROP_RECONNECT_DELAY_MIN:
      g_value_set_uint (value, self->reconnect_delay_min);
      break;
    case PROP_RECONNECT_DELAY_MAX:
      g_value_set_uint (value, self->reconnect_delay_max);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, config->username);
      break;
    case PROP_BIND_ADDRESS:
      g_value_set_string (value, self->bind_address);
      break;
    case PROP_AUTO_RECONNECT:
      g_value_set_boolean (value, self->auto_reconnect);
      break;
    case PROP_HOST:
      g_value_set_string (value, self->transport_options.host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->transport_options.port);
      break;
    case PROP_TLS:
      g_value_set_boolean (value, mqtt_client_tls_wanted_locked (self));
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, self->transport_options.tls_database);
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, self->transport_options.tls_certificate);
      break;
    case PROP_TLS_INTERACTION:
      g_value_set_object (value, self->transport_options.tls_interaction);
      break;
    case PROP_TLS_INSECURE:
      g_value_set_boolean (value, self->transport_options.tls_insecure);
      break;
    case PROP_TLS_CERT_REQS:
      g_value_set_enum (value, self->transport_options.tls_verify ? MQTT_TLS_CERT_REQUIRED
                                                                  : MQTT_TLS_CERT_NONE);
      break;
    case PROP_TLS_VALIDATION_FLAGS:
      g_value_set_flags (value, self->transport_options.tls_validation_flags);
      break;
    case PROP_TRANSPORT:
      g_value_set_enum (value, self->transport_options.websocket ? MQTT_TRANSPORT_WEBSOCKETS
                                                                 : MQTT_TRANSPORT_TCP);
      break;
    case PROP_WS_PATH:
      g_value_set_string (value, self->transport_options.ws_path);
      break;
    case PROP_PROXY_RESOLVER:
      g_value_set_object (value, self->transport_options.proxy_resolver);
      break;
    case PROP_NETWORK_MONITOR:
      g_value_set_object (value, self->network_monitor);
      break;
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  client_unlock (self);
}

void
mqtt_client_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  MqttClient *self = MQTT_CLIENT (object);
  MqttSessionConfig *config = &self->config;

  switch (prop_id)
    {
    case PROP_CLIENT_ID:
      mqtt_client_set_client_id_locked (self, g_value_get_string (value));
      break;
    case PROP_CLEAN_SESSION:
      mqtt_client_set_clean_session (self, g_value_get_boolean (value));
      break;
    case PROP_PROTOCOL_VERSION:
      config->protocol = g_value_get_enum (value);
      mqtt_client_config_changed_locked (self);
      break;
    case PROP_KEEPALIVE:
      mqtt_client_set_keepalive (self, g_value_get_uint (value));
      break;
    case PROP_MAX_INFLIGHT_MESSAGES:
      mqtt_client_set_max_inflight_messages (self, g_value_get_uint (value));
      break;
    case PROP_MAX_QUEUED_MESSAGES:
      mqtt_client_set_max_queued_messages (self, g_value_get_uint (value));
      break;
    case PROP_MAX_QUEUED_BYTES:
      mqtt_client_set_max_queued_bytes (self, g_value_get_uint64 (value));
      break;
    case PROP_QUEUE_POLICY:
      mqtt_client_set_queue_policy (self, g_value_get_enum (value));
      break;
    case PROP_RESUBSCRIBE:
      mqtt_client_set_resubscribe (self, g_value_get_enum (value));
      break;
    case PROP_NETWORK_MONITOR:
      mqtt_client_set_network_monitor (self, g_value_get_object (value));
      break;
    case PROP_MAX_PACKET_SIZE:
      mqtt_client_set_max_packet_size (self, g_value_get_uint (value));
      break;
    case PROP_CONNECT_PROPERTIES:
      mqtt_client_set_connect_properties (self, g_value_get_boxed (value), NULL);
      break;
    case PROP_WILL_PROPERTIES:
      mqtt_client_set_will_properties (self, g_value_get_boxed (value), NULL);
      break;
    case PROP_OUTGOING_TOPIC_ALIASES:
      mqtt_client_set_outgoing_topic_aliases (self, g_value_get_uint (value));
      break;
    case PROP_SERVERS:
      {
        g_autoptr(GError) error = NULL;

        if (!mqtt_client_set_servers (self, g_value_get_boxed (value), &error))
          g_critical ("MqttClient:servers: %s", error->message);
      }
      break;
    case PROP_TLS_ALPN_PROTOCOLS:
      mqtt_client_tls_set_alpn_protocols (self, g_value_get_boxed (value));
      break;
    case PROP_RECONNECT_JITTER:
      mqtt_client_set_reconnect_jitter (self, g_value_get_boolean (value));
      break;
    case PROP_MESSAGE_RETRY:
      mqtt_client_set_message_retry (self, g_value_get_uint (value));
      break;
    case PROP_RECONNECT_DELAY_MIN:
      set_reconnect_delay (self, g_value_get_uint (value),
                           MAX (g_value_get_uint (value), self->reconnect_delay_max));
      break;
    case PROP_RECONNECT_DELAY_MAX:
      set_reconnect_delay (self, MIN (self->reconnect_delay_min, g_value_get_uint (value)),
                           g_value_get_uint (value));
      break;
    case PROP_USERNAME:
      mqtt_client_set_credentials (self, g_value_get_string (value), NULL);
      break;
    case PROP_PASSWORD:
      {
        const char *password = g_value_get_string (value);

        client_lock (self);
        g_clear_pointer (&config->password, g_bytes_unref);
        if (password)
          config->password = g_bytes_new (password, strlen (password));
        mqtt_client_config_changed_locked (self);
        client_unlock (self);
        break;
      }
    case PROP_BIND_ADDRESS:
      mqtt_client_set_bind_address (self, g_value_get_string (value));
      break;
    case PROP_AUTO_RECONNECT:
      mqtt_client_set_auto_reconnect (self, g_value_get_boolean (value));
      break;
    case PROP_TLS:
      mqtt_client_set_tls_option (self, &self->transport_options.tls, g_value_get_boolean (value), prop_id);
      break;
    case PROP_TLS_DATABASE:
      mqtt_client_set_tls_object (self, (GObject **) &self->transport_options.tls_database,
                      g_value_get_object (value), prop_id);
      break;
    case PROP_TLS_CERTIFICATE:
      mqtt_client_set_tls_object (self, (GObject **) &self->transport_options.tls_certificate,
                      g_value_get_object (value), prop_id);
      break;
    case PROP_TLS_INTERACTION:
      mqtt_client_set_tls_interaction (self, g_value_get_object (value));
      break;
    case PROP_TLS_INSECURE:
      mqtt_client_tls_insecure_set (self, g_value_get_boolean (value));
      break;
    case PROP_TLS_CERT_REQS:
      mqtt_client_set_tls_option (self, &self->transport_options.tls_verify,
                      g_value_get_enum (value) != MQTT_TLS_CERT_NONE, prop_id);
      break;
    case PROP_TLS_VALIDATION_FLAGS:
      mqtt_client_set_tls_flags (self, g_value_get_flags (value));
      break;
    case PROP_TRANSPORT:
      mqtt_client_set_transport (self, g_value_get_enum (value));
      break;
    case PROP_PROXY_RESOLVER:
      mqtt_client_set_proxy_resolver (self, g_value_get_object (value));
      break;
    case PROP_WS_PATH:
      client_lock (self);
      g_free (self->transport_options.ws_path);
      self->transport_options.ws_path = g_value_dup_string (value);
      client_unlock (self);
      g_object_notify_by_pspec (object, pspec);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Every option a constructor leaves at its default, back to it. */
void
mqtt_client_reset_options (MqttClient *self)
{
  guint i;

  mqtt_client_clear_will (self);
  mqtt_client_ws_set_options (self, NULL, NULL);
  mqtt_client_disable_logger (self);
  mqtt_client_set_user_data (self, NULL, NULL);
  for (i = 1; i < N_PROPS; i++)
    {
      GParamSpec *pspec = mqtt_client_properties[i];
      GValue value = G_VALUE_INIT;

      /* reinitialise() sets the clean session itself. */
      if (!(pspec->flags & G_PARAM_WRITABLE) || (pspec->flags & G_PARAM_CONSTRUCT_ONLY) ||
          i == PROP_NETWORK_MONITOR || i == PROP_CLEAN_SESSION)
        continue;
      g_value_init (&value, pspec->value_type);
      g_param_value_set_default (pspec, &value);
      g_object_set_property (G_OBJECT (self), pspec->name, &value);
      g_value_unset (&value);
    }
  /* Its default is not its pspec's NULL but the system's. */
  mqtt_client_set_network_monitor (self, g_network_monitor_get_default ());
}


/**
 * mqtt_client_get_clean_session:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:clean-session.
 *
 * Returns: whether the session is clean
 */
gboolean
mqtt_client_get_clean_session (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return self->config.clean_session;
}

/**
 * mqtt_client_set_clean_session:
 * @self: a #MqttClient
 * @clean_session: whether the next connection starts a clean session
 *
 * Sets #MqttClient:clean-session (the Clean Start flag at level 5) for the
 * connections from now on, e.g. a clean first connection and resuming
 * ones after it (Paho's `clean_start=MQTT_CLEAN_START_FIRST_ONLY`). A
 * client with an empty identifier must keep a clean session: the
 * connection fails with %MQTT_ERROR_INVAL otherwise.
 */
void
mqtt_client_set_clean_session (MqttClient *self, gboolean clean_session)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  SET_CONFIG_UINT (self, clean_session, !!clean_session, PROP_CLEAN_SESSION);
}

/**
 * mqtt_client_set_max_inflight_messages:
 * @self: a #MqttClient
 * @inflight: the most QoS 1 and 2 messages in flight; 0 for no limit
 *
 * Paho's `max_inflight_messages_set()`; see #MqttClient:max-inflight-messages.
 */
void
mqtt_client_set_max_inflight_messages (MqttClient *self, guint inflight)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  SET_CONFIG_UINT (self, max_inflight, inflight, PROP_MAX_INFLIGHT_MESSAGES);
}

/**
 * mqtt_client_get_max_inflight_messages:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:max-inflight-messages.
 *
 * Returns: the in-flight window
 */
guint
mqtt_client_get_max_inflight_messages (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return self->config.max_inflight;
}

/**
 * mqtt_client_set_max_queued_messages:
 * @self: a #MqttClient
 * @queue_size: the most outgoing messages held; 0 for no limit
 *
 * Paho's `max_queued_messages_set()`; see #MqttClient:max-queued-messages.
 */
void
mqtt_client_set_max_queued_messages (MqttClient *self, guint queue_size)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  SET_CONFIG_UINT (self, max_queued, queue_size, PROP_MAX_QUEUED_MESSAGES);
}

/**
 * mqtt_client_set_max_queued_bytes:
 * @self: a #MqttClient
 * @max_bytes: the most payload bytes held for outgoing messages; 0 for no
 *   limit
 *
 * Sets #MqttClient:max-queued-bytes.
 */
void
mqtt_client_set_max_queued_bytes (MqttClient *self, guint64 max_bytes)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  SET_CONFIG_UINT (self, max_queued_bytes, max_bytes, PROP_MAX_QUEUED_BYTES);
}

/**
 * mqtt_client_get_max_queued_bytes:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:max-queued-bytes.
 *
 * Returns: the limit in bytes, 0 for none
 */
guint64
mqtt_client_get_max_queued_bytes (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return self->config.max_queued_bytes;
}

/**
 * mqtt_client_set_max_packet_size:
 * @self: a #MqttClient
 * @max_size: the largest packet accepted from the broker, in bytes
 *
 * Sets #MqttClient:max-packet-size.
 */
void
mqtt_client_set_max_packet_size (MqttClient *self, guint max_size)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  g_return_if_fail (max_size >= 2 && max_size <= MQTT_MAX_PACKET_SIZE);
  SET_CONFIG_UINT (self, max_packet_size, max_size, PROP_MAX_PACKET_SIZE);
}

/**
 * mqtt_client_get_max_packet_size:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:max-packet-size.
 *
 * Returns: the largest packet accepted, in bytes
 */
guint
mqtt_client_get_max_packet_size (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return self->config.max_packet_size;
}

/**
 * mqtt_client_get_max_queued_messages:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:max-queued-messages.
 *
 * Returns: the queue limit
 */
guint
mqtt_client_get_max_queued_messages (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return self->config.max_queued;
}

/**
 * mqtt_client_set_message_retry:
 * @self: a #MqttClient
 * @retry: seconds before an unacknowledged message is resent; 0 for never
 *
 * Paho's `message_retry_set()`; see #MqttClient:message-retry.
 */
void
mqtt_client_set_message_retry (MqttClient *self, guint retry)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  SET_CONFIG_UINT (self, retry_interval, retry, PROP_MESSAGE_RETRY);
  client_lock (self);
  mqtt_client_rearm_timer_locked (self);
  client_unlock (self);
}

/**
 * mqtt_client_get_message_retry:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:message-retry.
 *
 * Returns: the retry interval in seconds
 */
guint
mqtt_client_get_message_retry (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return self->config.retry_interval;
}

/**
 * mqtt_client_set_keepalive:
 * @self: a #MqttClient
 * @keepalive: seconds, at most 65535; 0 turns keepalive off
 *
 * Sets #MqttClient:keepalive for the next connection; the connect calls
 * set it too.
 */
void
mqtt_client_set_keepalive (MqttClient *self, guint keepalive)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  SET_CONFIG_UINT (self, keepalive, MIN (keepalive, G_MAXUINT16), PROP_KEEPALIVE);
}

/**
 * mqtt_client_get_keepalive:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:keepalive.
 *
 * Returns: the keepalive interval in seconds
 */
guint
mqtt_client_get_keepalive (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return self->config.keepalive;
}

/**
 * mqtt_client_set_reconnect_delay:
 * @self: a #MqttClient
 * @min_delay: seconds before the first reconnection attempt, 1 to 65535
 * @max_delay: the longest delay between attempts, @min_delay to 65535
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `reconnect_delay_set()`: the delay starts at @min_delay, doubles
 * with each failed attempt up to @max_delay, and returns to @min_delay when
 * a CONNACK accepts the connection. (The #MqttClient:reconnect-delay-min
 * and #MqttClient:reconnect-delay-max mqtt_client_properties, which cannot fail, move
 * the other bound along instead.)
 *
 * Returns: %TRUE if the delays were set; %FALSE with %MQTT_ERROR_INVAL,
 *   changing nothing, when @min_delay is 0 or above @max_delay, or
 *   @max_delay above 65535
 */
gboolean
mqtt_client_set_reconnect_delay (MqttClient *self, guint min_delay, guint max_delay,
                                 GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (min_delay == 0 || min_delay > max_delay || max_delay > G_MAXUINT16)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "Invalid reconnection delays %u and %u: 1 <= min <= max <= 65535 seconds",
                   min_delay, max_delay);
      return FALSE;
    }
  set_reconnect_delay (self, min_delay, max_delay);
  return TRUE;
}

/**
 * mqtt_client_set_credentials:
 * @self: a #MqttClient
 * @username: (nullable): the user name, or %NULL for none
 * @password: (nullable): the password, or %NULL for none
 *
 * Paho's `username_pw_set()`: the credentials sent in the next CONNECT. A
 * password is only sent with a user name.
 */
void
mqtt_client_set_credentials (MqttClient *self, const char *username, const char *password)
{
  MqttSessionConfig *config;
  gboolean changed;

  g_return_if_fail (MQTT_IS_CLIENT (self));
  config = &self->config;

  client_lock (self);
  changed = g_strcmp0 (config->username, username) != 0;
  g_free (config->username);
  config->username = g_strdup (username);
  g_clear_pointer (&config->password, g_bytes_unref);
  if (password)
    config->password = g_bytes_new (password, strlen (password));
  mqtt_client_config_changed_locked (self);
  client_unlock (self);

  if (changed)
    mqtt_client_notify (self, PROP_USERNAME);
}

/**
 * mqtt_client_get_username:
 * @self: a #MqttClient
 *
 * Gets the user name set by mqtt_client_set_credentials().
 *
 * Returns: (transfer none) (nullable): the user name
 */
const char *
mqtt_client_get_username (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);
  return self->config.username;
}

/**
 * mqtt_client_set_will:
 * @self: a #MqttClient
 * @topic: the topic of the will; not empty, no wildcards
 * @payload: (array length=length) (element-type guint8) (nullable): the
 *   will message; %NULL for an empty one
 * @length: the size of @payload, or -1 if it is a NUL-terminated string
 * @qos: the QoS of the will
 * @retain: whether the broker retains the will when it publishes it
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `will_set()`: a message the broker publishes on the client's
 * behalf if the connection ends without mqtt_client_disconnect_from_broker().
 * Used from the next connection on.
 *
 * Returns: %TRUE if the will was set; %FALSE with %MQTT_ERROR_INVAL for a
 *   bad topic or QoS, or %MQTT_ERROR_PAYLOAD_SIZE for a payload over 65535 bytes
 */
gboolean
mqtt_client_set_will (MqttClient *self, const char *topic, const guint8 *payload, gssize length,
                      MqttQos qos, gboolean retain, GError **error)
{
  MqttSessionConfig *config;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (!mqtt_topic_validate_name (topic, error) || !mqtt_client_check_qos (qos, error))
    return FALSE;
  if (payload == NULL)
    length = 0;
  else if (length < 0)
    length = strlen ((const char *) payload);
  if (length > G_MAXUINT16)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE,
                   "A will payload of %" G_GSSIZE_FORMAT " bytes exceeds the 65535 MQTT allows",
                   length);
      return FALSE;
    }

  config = &self->config;
  client_lock (self);
  config->will = TRUE;
  g_free (config->will_topic);
  config->will_topic = g_strdup (topic);
  g_clear_pointer (&config->will_payload, g_bytes_unref);
  config->will_payload = g_bytes_new (payload, length);
  config->will_qos = qos;
  config->will_retain = retain;
  mqtt_client_config_changed_locked (self);
  client_unlock (self);
  return TRUE;
}

/* Stores a copy of @props (NULL or empty: none) in *@slot after checking
 * them for @context. */
static gboolean
set_properties (MqttClient *self, MqttProperties **slot, MqttProperties *props, guint context,
                guint prop, GError **error)
{
  if (props && !mqtt_properties_check (props, context, FALSE, error))
    return FALSE;
  client_lock (self);
  g_clear_pointer (slot, mqtt_properties_unref);
  if (props && !mqtt_properties_is_empty (props))
    *slot = mqtt_properties_copy (props);
  mqtt_client_config_changed_locked (self);
  client_unlock (self);
  mqtt_client_notify (self, prop);
  return TRUE;
}

static MqttProperties *
get_properties (MqttClient *self, MqttProperties *const *slot)
{
  MqttProperties *props;

  client_lock (self);
  props = copy_properties (*slot);
  client_unlock (self);
  return props;
}

/**
 * mqtt_client_set_connect_properties:
 * @self: a #MqttClient
 * @properties: (nullable): the properties of CONNECT, or %NULL for none
 * @error: return location for a #GError, or %NULL
 *
 * Sets #MqttClient:connect-properties: Paho Python 2's `properties`
 * argument of `connect()`. A copy is kept, used from the next connection
 * on.
 *
 * Returns: %TRUE; %FALSE with %MQTT_ERROR_INVAL for a property CONNECT may
 *   not carry or a value out of range (a Receive Maximum of 0, say)
 */
gboolean
mqtt_client_set_connect_properties (MqttClient *self, MqttProperties *properties, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return set_properties (self, &self->config.connect_props, properties, MQTT_PACKET_CONNECT,
                         PROP_CONNECT_PROPERTIES, error);
}

/**
 * mqtt_client_get_connect_properties:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:connect-properties.
 *
 * Returns: (transfer full) (nullable): a copy of the properties, or %NULL
 */
MqttProperties *
mqtt_client_get_connect_properties (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);
  return get_properties (self, &self->config.connect_props);
}

/**
 * mqtt_client_set_will_properties:
 * @self: a #MqttClient
 * @properties: (nullable): the properties of the will, or %NULL for none
 * @error: return location for a #GError, or %NULL
 *
 * Sets #MqttClient:will-properties: the `properties` argument of Paho
 * Python 2's `will_set()` (Will Delay Interval, Message Expiry Interval,
 * Content Type, Response Topic, Correlation Data, User Properties). They
 * go with the will mqtt_client_set_will() sets, from the next connection
 * on.
 *
 * Returns: %TRUE; %FALSE with %MQTT_ERROR_INVAL for a property a will may
 *   not carry
 */
gboolean
mqtt_client_set_will_properties (MqttClient *self, MqttProperties *properties, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return set_properties (self, &self->config.will_props, properties, MQTT_PROPERTIES_WILL,
                         PROP_WILL_PROPERTIES, error);
}

/**
 * mqtt_client_get_will_properties:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:will-properties.
 *
 * Returns: (transfer full) (nullable): a copy of the properties, or %NULL
 */
MqttProperties *
mqtt_client_get_will_properties (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);
  return get_properties (self, &self->config.will_props);
}

/**
 * mqtt_client_set_outgoing_topic_aliases:
 * @self: a #MqttClient
 * @count: how many topic aliases the client may assign itself; 0 for none
 *
 * Sets #MqttClient:outgoing-topic-aliases.
 */
void
mqtt_client_set_outgoing_topic_aliases (MqttClient *self, guint count)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  g_return_if_fail (count <= G_MAXUINT16);
  SET_CONFIG_UINT (self, topic_alias_out, count, PROP_OUTGOING_TOPIC_ALIASES);
}

/**
 * mqtt_client_get_outgoing_topic_aliases:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:outgoing-topic-aliases.
 *
 * Returns: the number of topic aliases the client may assign itself
 */
guint
mqtt_client_get_outgoing_topic_aliases (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), 0);
  return self->config.topic_alias_out;
}

/**
 * mqtt_client_clear_will:
 * @self: a #MqttClient
 *
 * Removes the will (Paho's `will_clear()`), from the next connection on.
 */
void
mqtt_client_clear_will (MqttClient *self)
{
  MqttSessionConfig *config;

  g_return_if_fail (MQTT_IS_CLIENT (self));
  config = &self->config;
  client_lock (self);
  config->will = FALSE;
  g_clear_pointer (&config->will_topic, g_free);
  g_clear_pointer (&config->will_payload, g_bytes_unref);
  config->will_qos = 0;
  config->will_retain = FALSE;
  mqtt_client_config_changed_locked (self);
  client_unlock (self);
}

/**
 * mqtt_client_set_bind_address:
 * @self: a #MqttClient
 * @bind_address: (nullable): a local IP address, or %NULL for any
 *
 * Sets #MqttClient:bind-address for the next connection.
 */
void
mqtt_client_set_bind_address (MqttClient *self, const char *bind_address)
{
  gboolean changed;

  g_return_if_fail (MQTT_IS_CLIENT (self));
  client_lock (self);
  changed = g_strcmp0 (self->bind_address, bind_address) != 0;
  g_free (self->bind_address);
  self->bind_address = bind_address && bind_address[0] ? g_strdup (bind_address) : NULL;
  g_free (self->transport_options.bind_address);
  self->transport_options.bind_address = g_strdup (self->bind_address);
  client_unlock (self);
  if (changed)
    mqtt_client_notify (self, PROP_BIND_ADDRESS);
}

/**
 * mqtt_client_get_bind_address:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:bind-address.
 *
 * Returns: (transfer none) (nullable): the local address, or %NULL
 */
const char *
mqtt_client_get_bind_address (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);
  return self->bind_address;
}

/**
 * mqtt_client_set_auto_reconnect:
 * @self: a #MqttClient
 * @auto_reconnect: whether to reconnect automatically
 *
 * Sets #MqttClient:auto-reconnect.
 */
void
mqtt_client_set_auto_reconnect (MqttClient *self, gboolean auto_reconnect)
{
  gboolean changed;

  g_return_if_fail (MQTT_IS_CLIENT (self));
  client_lock (self);
  changed = self->auto_reconnect != !!auto_reconnect;
  self->auto_reconnect = !!auto_reconnect;
  if (!auto_reconnect)
    {
      self->reconnect_enabled = FALSE;
      self->reconnect_at = 0;
    }
  client_unlock (self);
  if (changed)
    mqtt_client_notify (self, PROP_AUTO_RECONNECT);
}

/**
 * mqtt_client_get_auto_reconnect:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:auto-reconnect.
 *
 * Returns: whether lost connections are re-established
 */
gboolean
mqtt_client_get_auto_reconnect (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return self->auto_reconnect;
}

/**
 * mqtt_client_set_user_data:
 * @self: a #MqttClient
 * @user_data: (nullable): data for the application
 * @destroy: (nullable): frees @user_data when it is replaced or the client finalized
 *
 * Paho's `user_data_set()`: data the application keeps with the client.
 * Signal handlers get their own data when connected; this is for code that
 * only has the client at hand.
 */
void
mqtt_client_set_user_data (MqttClient *self, gpointer user_data, GDestroyNotify destroy)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  if (self->user_data_destroy && self->user_data)
    self->user_data_destroy (self->user_data);
  self->user_data = user_data;
  self->user_data_destroy = destroy;
}

/**
 * mqtt_client_get_user_data:
 * @self: a #MqttClient
 *
 * Gets the data set with mqtt_client_set_user_data().
 *
 * Returns: (transfer none) (nullable): the user data
 */
gpointer
mqtt_client_get_user_data (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);
  return self->user_data;
}

/**
 * mqtt_client_enable_logger:
 * @self: a #MqttClient
 *
 * Paho's `enable_logger()`: writes the client's log lines to GLib's
 * structured log, domain `Mqtt`, as well as to #MqttClient::log.
 * %MQTT_LOG_DEBUG lines are debug messages (shown with
 * `G_MESSAGES_DEBUG=Mqtt`), INFO and NOTICE are info messages, WARNING is a
 * message and ERR a warning.
 */
void
mqtt_client_enable_logger (MqttClient *self)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  self->logger_enabled = TRUE;
  mqtt_client_update_log_wanted (self);
}

/**
 * mqtt_client_disable_logger:
 * @self: a #MqttClient
 *
 * Paho's `disable_logger()`: stops writing to GLib's log.
 * #MqttClient::log is not affected.
 */
void
mqtt_client_disable_logger (MqttClient *self)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  self->logger_enabled = FALSE;
  mqtt_client_update_log_wanted (self);
}

void
mqtt_client_install_properties (GObjectClass *object_class)
{
  GParamSpec **properties = mqtt_client_properties;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  /**
   * MqttClient:client-id:
   *
   * The client identifier sent to the broker. An empty or %NULL id is
   * replaced by a random one (23 characters, valid for MQTT 3.1 too),
   * except at level 5, where it is sent empty and the broker assigns one
   * (see mqtt_client_get_client_id()).
   */
  properties[PROP_CLIENT_ID] =
    g_param_spec_string ("client-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:clean-session:
   *
   * Whether the broker discards the session (subscriptions, queued
   * messages) when the client disconnects. A durable client (%FALSE) needs
   * a fixed #MqttClient:client-id. A change applies from the next
   * connection on (see mqtt_client_set_clean_session()).
   */
  properties[PROP_CLEAN_SESSION] =
    g_param_spec_boolean ("clean-session", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS |
                          G_PARAM_EXPLICIT_NOTIFY);

  /**
   * MqttClient:protocol-version:
   *
   * The MQTT version spoken: 3.1, 3.1.1 (the default) or 5. At level 5
   * #MqttClient:clean-session is the Clean Start flag, and the session
   * outlives the connection only with a Session Expiry Interval in
   * #MqttClient:connect-properties (0 by default, as Paho Python 2).
   */
  properties[PROP_PROTOCOL_VERSION] =
    g_param_spec_enum ("protocol-version", NULL, NULL, MQTT_TYPE_PROTOCOL_VERSION,
                       MQTT_PROTOCOL_V311,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:state:
   *
   * The connection state. Notified in the client's context.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, MQTT_TYPE_CLIENT_STATE,
                       MQTT_CLIENT_STATE_DISCONNECTED, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:keepalive:
   *
   * The longest time, in seconds, without a packet between client and
   * broker; the client sends PINGREQ when idle and drops a connection whose
   * PINGRESP is late. 0 turns keepalive off. Set by the connect calls, as
   * Paho's `keepalive` argument. The PINGREQ goes out on a grid that every
   * client of the process shares (whole seconds, or quarters of a shorter
   * keepalive), so up to that much after the keepalive ran out (brokers
   * allow one and a half): many clients in one main context then ping
   * in a few wakeups rather than one each.
   */
  properties[PROP_KEEPALIVE] =
    g_param_spec_uint ("keepalive", NULL, NULL, 0, G_MAXUINT16, 60, rw);

  /**
   * MqttClient:max-inflight-messages:
   *
   * The most QoS 1 and 2 messages part way through their flow at once
   * (Paho's `max_inflight_messages_set()`); 0 means no limit.
   */
  properties[PROP_MAX_INFLIGHT_MESSAGES] =
    g_param_spec_uint ("max-inflight-messages", NULL, NULL, 0, G_MAXUINT16, 20, rw);

  /**
   * MqttClient:max-queued-messages:
   *
   * The most outgoing messages held by the client, in flight or waiting
   * (Paho's `max_queued_messages_set()`); 0 means no limit. When the queue
   * is full a publication fails with %MQTT_ERROR_QUEUE_SIZE, unless
   * #MqttClient:queue-policy says to drop: nothing is dropped silently.
   */
  properties[PROP_MAX_QUEUED_MESSAGES] =
    g_param_spec_uint ("max-queued-messages", NULL, NULL, 0, G_MAXUINT, 0, rw);

  /**
   * MqttClient:max-queued-bytes:
   *
   * The most payload bytes the client holds for outgoing messages: QoS 1
   * and 2 messages until their acknowledgement, and any message not yet
   * written to the connection. A publication that would go beyond fails
   * with %MQTT_ERROR_QUEUE_SIZE, so that a publisher faster than the
   * network or a stalled broker cannot make the client grow without
   * bound; a single message larger than the limit is accepted when
   * nothing else is held. 0 means no limit. The default is 64 MiB.
   */
  properties[PROP_MAX_QUEUED_BYTES] =
    g_param_spec_uint64 ("max-queued-bytes", NULL, NULL, 0, G_MAXUINT64,
                         MQTT_DEFAULT_MAX_QUEUED_BYTES, rw);

  /**
   * MqttClient:max-packet-size:
   *
   * The largest packet accepted from the broker, in bytes (fixed header
   * included). A larger one is a protocol error (%MQTT_ERROR_PROTOCOL) as
   * soon as its header arrives, before its contents are read, and the
   * connection is closed. The client's memory never grows with a length a
   * packet merely claims, only with bytes received; this bounds the
   * memory one message can take. The default is 64 MiB; MQTT allows up to
   * 268,435,460. Takes effect at the next connection.
   */
  properties[PROP_MAX_PACKET_SIZE] =
    g_param_spec_uint ("max-packet-size", NULL, NULL, 2, MQTT_MAX_PACKET_SIZE,
                       MQTT_DEFAULT_MAX_PACKET_SIZE, rw);

  /**
   * MqttClient:message-retry:
   *
   * Seconds before an unacknowledged QoS 1 or 2 message is sent again with
   * DUP set (Paho's `message_retry_set()`); 0 resends only after a
   * reconnection.
   */
  properties[PROP_MESSAGE_RETRY] =
    g_param_spec_uint ("message-retry", NULL, NULL, 0, G_MAXUINT16, 5, rw);

  /**
   * MqttClient:reconnect-delay-min:
   *
   * Seconds before the first reconnection attempt; the delay doubles with
   * each failed attempt up to #MqttClient:reconnect-delay-max and returns
   * to this value when a CONNACK accepts the connection.
   */
  properties[PROP_RECONNECT_DELAY_MIN] =
    g_param_spec_uint ("reconnect-delay-min", NULL, NULL, 1, G_MAXUINT16, 1, rw);

  /**
   * MqttClient:reconnect-delay-max:
   *
   * The longest delay between reconnection attempts, in seconds.
   */
  properties[PROP_RECONNECT_DELAY_MAX] =
    g_param_spec_uint ("reconnect-delay-max", NULL, NULL, 1, G_MAXUINT16, 120, rw);

  /**
   * MqttClient:username:
   *
   * The user name sent in CONNECT, or %NULL.
   */
  properties[PROP_USERNAME] = g_param_spec_string ("username", NULL, NULL, NULL, rw);

  /**
   * MqttClient:password:
   *
   * The password sent in CONNECT (with a user name only). Write-only: it is
   * never read back, logged or put into an error message.
   */
  properties[PROP_PASSWORD] =
    g_param_spec_string ("password", NULL, NULL, NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:bind-address:
   *
   * The local IP address to connect from, or %NULL for any (Paho's
   * `bind_address`).
   */
  properties[PROP_BIND_ADDRESS] = g_param_spec_string ("bind-address", NULL, NULL, NULL, rw);

  /**
   * MqttClient:auto-reconnect:
   *
   * Whether a connection lost after a CONNACK is re-established
   * automatically, after #MqttClient:reconnect-delay-min seconds, doubling
   * up to #MqttClient:reconnect-delay-max. Reconnection needs the client's
   * context to run (a main loop, mqtt_client_loop_start() or
   * mqtt_client_loop_forever()). Messages queued or unacknowledged when the
   * connection dropped are sent after reconnecting.
   */
  properties[PROP_AUTO_RECONNECT] =
    g_param_spec_boolean ("auto-reconnect", NULL, NULL, TRUE, rw);

  /**
   * MqttClient:host:
   *
   * The broker host given to the last connect call.
   */
  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:port:
   *
   * The broker port given to the last connect call.
   */
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 1883,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:tls:
   *
   * Whether connections use TLS. mqtt_client_tls_set() and
   * mqtt_client_tls_set_context() turn it on, and so does any TLS option
   * given a value other than its default (#MqttClient:tls-database,
   * #MqttClient:tls-certificate, #MqttClient:tls-interaction,
   * #MqttClient:tls-insecure, #MqttClient:tls-cert-reqs,
   * #MqttClient:tls-validation-flags): it reads %TRUE
   * then, and a connection is never made in plaintext while a TLS option is
   * set. To go back to plaintext, set it to %FALSE and clear those options.
   */
  properties[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, FALSE, rw);

  /**
   * MqttClient:tls-database:
   *
   * The certificate authorities trusted to sign the broker's certificate;
   * %NULL for the system's (Paho's default).
   */
  properties[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE, rw);

  /**
   * MqttClient:tls-certificate:
   *
   * The client's certificate, with its private key, for brokers that
   * authenticate clients by certificate; %NULL for none.
   */
  properties[PROP_TLS_CERTIFICATE] =
    g_param_spec_object ("tls-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE, rw);

  /**
   * MqttClient:tls-interaction:
   *
   * Asked for passwords: the password of an encrypted PKCS #12 client
   * certificate given to mqtt_client_tls_set(), and PINs of PKCS #11
   * tokens. Paho has no such callback.
   */
  properties[PROP_TLS_INTERACTION] =
    g_param_spec_object ("tls-interaction", NULL, NULL, G_TYPE_TLS_INTERACTION, rw);

  /**
   * MqttClient:tls-insecure:
   *
   * Accept a broker certificate that is valid but names another host
   * (Paho's `tls_insecure_set()`). Only the host-name check is skipped: the
   * certificate must still chain to a trusted authority. Do not use this in
   * a real system.
   */
  properties[PROP_TLS_INSECURE] = g_param_spec_boolean ("tls-insecure", NULL, NULL, FALSE, rw);

  /**
   * MqttClient:tls-cert-reqs:
   *
   * What is required of the broker's certificate (Paho's `cert_reqs`):
   * %MQTT_TLS_CERT_NONE accepts any certificate. Reads back as
   * %MQTT_TLS_CERT_REQUIRED or %MQTT_TLS_CERT_NONE.
   */
  properties[PROP_TLS_CERT_REQS] =
    g_param_spec_enum ("tls-cert-reqs", NULL, NULL, MQTT_TYPE_TLS_CERT_REQS,
                       MQTT_TLS_CERT_REQUIRED, rw);

  /**
   * MqttClient:tls-validation-flags:
   *
   * The faults that make the broker's certificate unacceptable, all of
   * them by default: a certificate is accepted when it has none of these
   * (GIO's #GTlsConnection:validation-flags, judged by the client, so that
   * a resumed TLS session is held to it too). #MqttClient:tls-insecure
   * takes %G_TLS_CERTIFICATE_BAD_IDENTITY away from it and
   * %MQTT_TLS_CERT_NONE in #MqttClient:tls-cert-reqs all of them; with 0
   * any certificate is accepted. A value other than the default turns
   * #MqttClient:tls on.
   */
  properties[PROP_TLS_VALIDATION_FLAGS] =
    g_param_spec_flags ("tls-validation-flags", NULL, NULL, G_TYPE_TLS_CERTIFICATE_FLAGS,
                        G_TLS_CERTIFICATE_VALIDATE_ALL, rw);

  /**
   * MqttClient:transport:
   *
   * TCP (the default) or WebSockets, Paho's `transport` argument. With
   * #MqttClient:tls, WebSockets means `wss://`. The external-loop hooks
   * need TCP: libsoup reads a WebSocket's socket itself.
   */
  properties[PROP_TRANSPORT] =
    g_param_spec_enum ("transport", NULL, NULL, MQTT_TYPE_TRANSPORT_TYPE, MQTT_TRANSPORT_TCP, rw);

  /**
   * MqttClient:ws-path:
   *
   * The path of the WebSocket URL, `/mqtt` by default.
   */
  properties[PROP_WS_PATH] = g_param_spec_string ("ws-path", NULL, NULL, "/mqtt", rw);

  /**
   * MqttClient:proxy-resolver:
   *
   * The proxies connections go through, for every transport; %NULL (the
   * default) for none, as Paho. g_proxy_resolver_get_default() follows the
   * system's settings; mqtt_client_proxy_set() names one proxy.
   */
  properties[PROP_PROXY_RESOLVER] =
    g_param_spec_object ("proxy-resolver", NULL, NULL, G_TYPE_PROXY_RESOLVER, rw);

  /**
   * MqttClient:connect-properties:
   *
   * MQTT 5: the properties of CONNECT (Session Expiry Interval, Receive
   * Maximum, Maximum Packet Size, Topic Alias Maximum, Request Response
   * Information, Request Problem Information, Authentication Method and
   * Data, User Properties); %NULL (the default) for none. Unless it names
   * one, the client sends #MqttClient:max-packet-size as its Maximum Packet
   * Size, so that the broker never sends it a packet it would refuse.
   * Reading gives a copy.
   */
  properties[PROP_CONNECT_PROPERTIES] =
    g_param_spec_boxed ("connect-properties", NULL, NULL, MQTT_TYPE_PROPERTIES, rw);

  /**
   * MqttClient:will-properties:
   *
   * MQTT 5: the properties of the will; %NULL (the default) for none.
   */
  properties[PROP_WILL_PROPERTIES] =
    g_param_spec_boxed ("will-properties", NULL, NULL, MQTT_TYPE_PROPERTIES, rw);

  /**
   * MqttClient:outgoing-topic-aliases:
   *
   * MQTT 5: how many topic aliases the client assigns itself, within the
   * broker's Topic Alias Maximum. With N, the first N topics published on
   * a connection get an alias, and their later messages carry the alias
   * (two bytes) instead of the topic. 0 (the default) assigns none; a
   * Topic Alias set in a message's properties is used either way.
   */
  properties[PROP_OUTGOING_TOPIC_ALIASES] =
    g_param_spec_uint ("outgoing-topic-aliases", NULL, NULL, 0, G_MAXUINT16, 0, rw);

  /**
   * MqttClient:tls-alpn-protocols:
   *
   * The application protocols a TLS connection advertises (ALPN), in order
   * of preference; %NULL (the default) for none. Brokers that share port
   * 443 with HTTPS need one: AWS IoT Core wants `x-amzn-mqtt-ca` for MQTT
   * with client certificates. WebSocket connections leave ALPN to the
   * HTTP library.
   */
  properties[PROP_TLS_ALPN_PROTOCOLS] =
    g_param_spec_boxed ("tls-alpn-protocols", NULL, NULL, G_TYPE_STRV, rw);

  mqtt_client_install_failover_properties (properties);
  mqtt_client_install_store_properties (properties);
  g_object_class_install_properties (object_class, N_PROPS, mqtt_client_properties);
}
