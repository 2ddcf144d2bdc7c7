/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#include "config.h"

#include <string.h>

#include "mqtt-enum-types.h"
#include "mqtt-error.h"
#include "mqtt-helper-options.h"

/**
 * SECTION:mqtt-helper-options
 * @title: MqttHelperOptions
 * @short_description: The connection arguments of the one-shot helpers
 *
 * The keyword arguments Paho's `publish.single()`, `publish.multiple()`,
 * `subscribe.simple()` and `subscribe.callback()` share, as one object that
 * every language can build: `hostname`, `port`, `client_id`, `keepalive`,
 * `will` (a dict in Paho: the `will-*` properties or
 * mqtt_helper_options_set_will()), `auth` (`username`, `password`:
 * mqtt_helper_options_set_auth()), `tls` (`ca_certs`, `certfile`, `keyfile`,
 * `tls_version`, `ciphers`: mqtt_helper_options_set_tls() and the `tls-*`
 * properties), `protocol` and `transport`.
 *
 * In Python: `Mqtt.HelperOptions(hostname="broker", port=8883, tls=True)`;
 * in GJS: `new Mqtt.HelperOptions({hostname: 'broker', port: 8883})`. A
 * %NULL #MqttHelperOptions means Paho's defaults: localhost, port 1883.
 */

struct _MqttHelperOptions {
  GObject parent_instance;
  char *hostname;
  guint port;
  char *client_id;
  guint keepalive;
  MqttProtocolVersion protocol;
  MqttTransportType transport;
  char *ws_path;
  char *will_topic;
  GBytes *will_payload;
  MqttQos will_qos;
  gboolean will_retain;
  char *username;
  char *password;
  gboolean tls;
  char *ca_certs;
  char *certfile;
  char *keyfile;
  gboolean tls_insecure;
  MqttTlsVersion tls_version;
  char *ciphers;
};

enum {
  PROP_0,
  PROP_HOSTNAME,
  PROP_PORT,
  PROP_CLIENT_ID,
  PROP_KEEPALIVE,
  PROP_PROTOCOL_VERSION,
  PROP_TRANSPORT,
  PROP_WS_PATH,
  PROP_WILL_TOPIC,
  PROP_WILL_PAYLOAD,
  PROP_WILL_QOS,
  PROP_WILL_RETAIN,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_TLS,
  PROP_CA_CERTS,
  PROP_CERTFILE,
  PROP_KEYFILE,
  PROP_TLS_INSECURE,
  PROP_TLS_VERSION,
  PROP_CIPHERS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * MqttHelperOptions:
 *
 * The connection arguments of a one-shot helper; all fields are private.
 */
G_DEFINE_FINAL_TYPE (MqttHelperOptions, mqtt_helper_options, G_TYPE_OBJECT)

/* TLS is on when asked for or when any TLS option is given (Paho turns it
 * on for any `tls` argument): never plaintext then. */
static gboolean
tls_wanted (MqttHelperOptions *self)
{
  return self->tls || self->ca_certs || self->certfile || self->keyfile || self->tls_insecure ||
         self->tls_version != MQTT_TLS_VERSION_DEFAULT || self->ciphers;
}

static void
mqtt_helper_options_get_property (GObject *object, guint prop_id, GValue *value,
                                  GParamSpec *pspec)
{
  MqttHelperOptions *self = MQTT_HELPER_OPTIONS (object);

  switch (prop_id)
    {
    case PROP_HOSTNAME:
      g_value_set_string (value, self->hostname);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_CLIENT_ID:
      g_value_set_string (value, self->client_id);
      break;
    case PROP_KEEPALIVE:
      g_value_set_uint (value, self->keepalive);
      break;
    case PROP_PROTOCOL_VERSION:
      g_value_set_enum (value, self->protocol);
      break;
    case PROP_TRANSPORT:
      g_value_set_enum (value, self->transport);
      break;
    case PROP_WS_PATH:
      g_value_set_string (value, self->ws_path);
      break;
    case PROP_WILL_TOPIC:
      g_value_set_string (value, self->will_topic);
      break;
    case PROP_WILL_PAYLOAD:
      g_value_set_boxed (value, self->will_payload);
      break;
    case PROP_WILL_QOS:
      g_value_set_enum (value, self->will_qos);
      break;
    case PROP_WILL_RETAIN:
      g_value_set_boolean (value, self->will_retain);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case PROP_TLS:
      g_value_set_boolean (value, tls_wanted (self));
      break;
    case PROP_CA_CERTS:
      g_value_set_string (value, self->ca_certs);
      break;
    case PROP_CERTFILE:
      g_value_set_string (value, self->certfile);
      break;
    case PROP_KEYFILE:
      g_value_set_string (value, self->keyfile);
      break;
    case PROP_TLS_INSECURE:
      g_value_set_boolean (value, self->tls_insecure);
      break;
    case PROP_TLS_VERSION:
      g_value_set_enum (value, self->tls_version);
      break;
    case PROP_CIPHERS:
      g_value_set_string (value, self->ciphers);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_string (char **field, const GValue *value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

static void
mqtt_helper_options_set_property (GObject *object, guint prop_id, const GValue *value,
                                  GParamSpec *pspec)
{
  MqttHelperOptions *self = MQTT_HELPER_OPTIONS (object);
  gboolean tls = tls_wanted (self);

  switch (prop_id)
    {
    case PROP_HOSTNAME:
      /* NULL restores the default. */
      g_free (self->hostname);
      self->hostname = g_strdup (g_value_get_string (value) ? g_value_get_string (value)
                                                            : "localhost");
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_CLIENT_ID:
      set_string (&self->client_id, value);
      break;
    case PROP_KEEPALIVE:
      self->keepalive = g_value_get_uint (value);
      break;
    case PROP_PROTOCOL_VERSION:
      self->protocol = g_value_get_enum (value);
      break;
    case PROP_TRANSPORT:
      self->transport = g_value_get_enum (value);
      break;
    case PROP_WS_PATH:
      set_string (&self->ws_path, value);
      break;
    case PROP_WILL_TOPIC:
      set_string (&self->will_topic, value);
      break;
    case PROP_WILL_PAYLOAD:
      g_clear_pointer (&self->will_payload, g_bytes_unref);
      self->will_payload = g_value_dup_boxed (value);
      break;
    case PROP_WILL_QOS:
      self->will_qos = g_value_get_enum (value);
      break;
    case PROP_WILL_RETAIN:
      self->will_retain = g_value_get_boolean (value);
      break;
    case PROP_USERNAME:
      set_string (&self->username, value);
      break;
    case PROP_PASSWORD:
      set_string (&self->password, value);
      break;
    case PROP_TLS:
      self->tls = g_value_get_boolean (value);
      break;
    case PROP_CA_CERTS:
      set_string (&self->ca_certs, value);
      break;
    case PROP_CERTFILE:
      set_string (&self->certfile, value);
      break;
    case PROP_KEYFILE:
      set_string (&self->keyfile, value);
      break;
    case PROP_TLS_INSECURE:
      self->tls_insecure = g_value_get_boolean (value);
      break;
    case PROP_TLS_VERSION:
      self->tls_version = g_value_get_enum (value);
      break;
    case PROP_CIPHERS:
      set_string (&self->ciphers, value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  if (prop_id != PROP_TLS)
    g_object_notify_by_pspec (object, pspec);
  if (tls != tls_wanted (self))
    g_object_notify_by_pspec (object, properties[PROP_TLS]);
}

static void
mqtt_helper_options_finalize (GObject *object)
{
  MqttHelperOptions *self = MQTT_HELPER_OPTIONS (object);

  g_free (self->hostname);
  g_free (self->client_id);
  g_free (self->ws_path);
  g_free (self->will_topic);
  g_clear_pointer (&self->will_payload, g_bytes_unref);
  g_free (self->username);
  if (self->password)
    memset (self->password, 0, strlen (self->password));
  g_free (self->password);
  g_free (self->ca_certs);
  g_free (self->certfile);
  g_free (self->keyfile);
  g_free (self->ciphers);

  G_OBJECT_CLASS (mqtt_helper_options_parent_class)->finalize (object);
}

static void
mqtt_helper_options_class_init (MqttHelperOptionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = mqtt_helper_options_get_property;
  object_class->set_property = mqtt_helper_options_set_property;
  object_class->finalize = mqtt_helper_options_finalize;

  /**
   * MqttHelperOptions:hostname:
   *
   * The broker (Paho's `hostname`, default `localhost`; %NULL restores
   * the default).
   */
  properties[PROP_HOSTNAME] = g_param_spec_string ("hostname", NULL, NULL, "localhost", rw);
  /**
   * MqttHelperOptions:port:
   *
   * The broker's port (default 1883).
   */
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 1, G_MAXUINT16, 1883, rw);
  /**
   * MqttHelperOptions:client-id:
   *
   * The client identifier; %NULL or empty for a random one.
   */
  properties[PROP_CLIENT_ID] = g_param_spec_string ("client-id", NULL, NULL, NULL, rw);
  /**
   * MqttHelperOptions:keepalive:
   *
   * The keepalive interval in seconds (default 60).
   */
  properties[PROP_KEEPALIVE] =
    g_param_spec_uint ("keepalive", NULL, NULL, 0, G_MAXUINT16, 60, rw);
  /**
   * MqttHelperOptions:protocol-version:
   *
   * MQTT 3.1 or 3.1.1 (the default).
   */
  properties[PROP_PROTOCOL_VERSION] =
    g_param_spec_enum ("protocol-version", NULL, NULL, MQTT_TYPE_PROTOCOL_VERSION,
                       MQTT_PROTOCOL_V311, rw);
  /**
   * MqttHelperOptions:transport:
   *
   * TCP (the default) or WebSockets.
   */
  properties[PROP_TRANSPORT] =
    g_param_spec_enum ("transport", NULL, NULL, MQTT_TYPE_TRANSPORT_TYPE, MQTT_TRANSPORT_TCP, rw);
  /**
   * MqttHelperOptions:ws-path:
   *
   * The WebSocket path (default `/mqtt`).
   */
  properties[PROP_WS_PATH] = g_param_spec_string ("ws-path", NULL, NULL, "/mqtt", rw);
  /**
   * MqttHelperOptions:will-topic:
   *
   * The will's topic; %NULL (the default) for no will.
   */
  properties[PROP_WILL_TOPIC] = g_param_spec_string ("will-topic", NULL, NULL, NULL, rw);
  /**
   * MqttHelperOptions:will-payload:
   *
   * The will's payload; %NULL for an empty one.
   */
  properties[PROP_WILL_PAYLOAD] =
    g_param_spec_boxed ("will-payload", NULL, NULL, G_TYPE_BYTES, rw);
  /**
   * MqttHelperOptions:will-qos:
   *
   * The will's QoS.
   */
  properties[PROP_WILL_QOS] =
    g_param_spec_enum ("will-qos", NULL, NULL, MQTT_TYPE_QOS, MQTT_QOS_AT_MOST_ONCE, rw);
  /**
   * MqttHelperOptions:will-retain:
   *
   * Whether the will is retained.
   */
  properties[PROP_WILL_RETAIN] = g_param_spec_boolean ("will-retain", NULL, NULL, FALSE, rw);
  /**
   * MqttHelperOptions:username:
   *
   * The user name; %NULL for none (Paho's `auth`).
   */
  properties[PROP_USERNAME] = g_param_spec_string ("username", NULL, NULL, NULL, rw);
  /**
   * MqttHelperOptions:password:
   *
   * The password, sent with a user name only. Write-only.
   */
  properties[PROP_PASSWORD] =
    g_param_spec_string ("password", NULL, NULL, NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS);
  /**
   * MqttHelperOptions:tls:
   *
   * Whether to use TLS (Paho's `tls` dict given); with no
   * #MqttHelperOptions:ca-certs the system's CAs are trusted. Any other
   * TLS option given a value (a CA file, a certificate or key, tls-insecure,
   * a TLS version, ciphers) turns TLS on, as any `tls` argument does in
   * Paho: it reads %TRUE then, and the helpers never connect in plaintext.
   */
  properties[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, FALSE, rw);
  /**
   * MqttHelperOptions:ca-certs:
   *
   * A PEM file of trusted CAs; %NULL for the system's.
   */
  properties[PROP_CA_CERTS] = g_param_spec_string ("ca-certs", NULL, NULL, NULL, rw);
  /**
   * MqttHelperOptions:certfile:
   *
   * A client certificate (PEM or PKCS #12), or %NULL.
   */
  properties[PROP_CERTFILE] = g_param_spec_string ("certfile", NULL, NULL, NULL, rw);
  /**
   * MqttHelperOptions:keyfile:
   *
   * The PEM key of #MqttHelperOptions:certfile, if separate.
   */
  properties[PROP_KEYFILE] = g_param_spec_string ("keyfile", NULL, NULL, NULL, rw);
  /**
   * MqttHelperOptions:tls-insecure:
   *
   * Skip the host-name check of the broker's certificate.
   */
  properties[PROP_TLS_INSECURE] = g_param_spec_boolean ("tls-insecure", NULL, NULL, FALSE, rw);
  /**
   * MqttHelperOptions:tls-version:
   *
   * Paho's `tls_version`; only %MQTT_TLS_VERSION_DEFAULT works (see
   * mqtt_client_tls_set()).
   */
  properties[PROP_TLS_VERSION] =
    g_param_spec_enum ("tls-version", NULL, NULL, MQTT_TYPE_TLS_VERSION, MQTT_TLS_VERSION_DEFAULT,
                       rw);
  /**
   * MqttHelperOptions:ciphers:
   *
   * Paho's `ciphers`; only %NULL works (see mqtt_client_tls_set()).
   */
  properties[PROP_CIPHERS] = g_param_spec_string ("ciphers", NULL, NULL, NULL, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mqtt_helper_options_init (MqttHelperOptions *self)
{
  self->hostname = g_strdup ("localhost");
  self->port = 1883;
  self->keepalive = 60;
  self->protocol = MQTT_PROTOCOL_V311;
  self->ws_path = g_strdup ("/mqtt");
}

/**
 * mqtt_helper_options_new:
 * @hostname: (nullable): the broker; %NULL for `localhost`
 * @port: the broker's port; 0 for 1883
 *
 * Creates options with Paho's defaults and the broker given.
 *
 * Returns: (transfer full): new options
 */
MqttHelperOptions *
mqtt_helper_options_new (const char *hostname, guint port)
{
  return g_object_new (MQTT_TYPE_HELPER_OPTIONS, "hostname", hostname ? hostname : "localhost",
                       "port", port ? port : 1883, NULL);
}

/**
 * mqtt_helper_options_set_will:
 * @self: a #MqttHelperOptions
 * @topic: (nullable): the will's topic; %NULL for no will
 * @payload: (nullable): the will's payload
 * @qos: the will's QoS
 * @retain: whether the will is retained
 *
 * Paho's `will` dict in one call.
 */
void
mqtt_helper_options_set_will (MqttHelperOptions *self, const char *topic, GBytes *payload,
                              MqttQos qos, gboolean retain)
{
  g_return_if_fail (MQTT_IS_HELPER_OPTIONS (self));
  g_object_set (self, "will-topic", topic, "will-payload", payload, "will-qos", qos,
                "will-retain", retain, NULL);
}

/**
 * mqtt_helper_options_set_auth:
 * @self: a #MqttHelperOptions
 * @username: (nullable): the user name
 * @password: (nullable): the password
 *
 * Paho's `auth` dict in one call.
 */
void
mqtt_helper_options_set_auth (MqttHelperOptions *self, const char *username,
                              const char *password)
{
  g_return_if_fail (MQTT_IS_HELPER_OPTIONS (self));
  g_object_set (self, "username", username, "password", password, NULL);
}

/**
 * mqtt_helper_options_set_tls:
 * @self: a #MqttHelperOptions
 * @ca_certs: (nullable) (type filename): trusted CAs; %NULL for the system's
 * @certfile: (nullable) (type filename): a client certificate, or %NULL
 * @keyfile: (nullable) (type filename): its key, or %NULL
 *
 * Paho's `tls` dict in one call; turns #MqttHelperOptions:tls on.
 */
void
mqtt_helper_options_set_tls (MqttHelperOptions *self, const char *ca_certs,
                             const char *certfile, const char *keyfile)
{
  g_return_if_fail (MQTT_IS_HELPER_OPTIONS (self));
  g_object_set (self, "tls", TRUE, "ca-certs", ca_certs, "certfile", certfile, "keyfile",
                keyfile, NULL);
}

/**
 * mqtt_helper_options_create_client:
 * @self: (nullable): a #MqttHelperOptions, or %NULL for the defaults
 * @error: return location for a #GError, or %NULL
 *
 * Creates a client configured with these options (client id, protocol,
 * transport, will, credentials, TLS), not connected. The helpers use it;
 * so can a program that wants the same settings for its own client.
 *
 * Returns: (transfer full) (nullable): a new client; %NULL with the error of
 *   a bad will or TLS setting
 */
MqttClient *
mqtt_helper_options_create_client (MqttHelperOptions *self, GError **error)
{
  g_autoptr(MqttHelperOptions) defaults = NULL;
  g_autoptr(MqttClient) client = NULL;

  if (self == NULL)
    self = defaults = mqtt_helper_options_new (NULL, 0);
  g_return_val_if_fail (MQTT_IS_HELPER_OPTIONS (self), NULL);

  client = mqtt_client_new (self->client_id, TRUE, self->protocol, error);
  if (client == NULL)
    return NULL;
  mqtt_client_set_transport (client, self->transport);
  g_object_set (client, "ws-path", self->ws_path, NULL);
  if (self->will_topic)
    {
      gsize length = 0;
      const guint8 *data = self->will_payload ? g_bytes_get_data (self->will_payload, &length)
                                              : NULL;

      if (!mqtt_client_set_will (client, self->will_topic, data, length, self->will_qos,
                                 self->will_retain, error))
        return NULL;
    }
  if (self->username)
    mqtt_client_set_credentials (client, self->username, self->password);
  if (tls_wanted (self))
    {
      if (!mqtt_client_tls_set (client, self->ca_certs, self->certfile, self->keyfile,
                                MQTT_TLS_CERT_REQUIRED, self->tls_version, self->ciphers, error))
        return NULL;
      mqtt_client_tls_insecure_set (client, self->tls_insecure);
    }
  return g_steal_pointer (&client);
}
