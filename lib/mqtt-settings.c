/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The connection settings as one object: its properties, the URI grammar
 * that writes them as text, and mqtt_settings_apply(), the one place that
 * turns them into a client's configuration. Each property is stored as a
 * GValue of its own type, so that reading, copying, comparing and writing
 * a URI treat them all alike; a new option is a property here and a line
 * in mqtt_settings_apply().
 */

#include "config.h"

#include <string.h>

#include "mqtt-enum-types.h"
#include "mqtt-error.h"
#include "mqtt-file-store.h"
#include "mqtt-servers-private.h"
#include "mqtt-settings.h"

/**
 * SECTION:mqtt-settings
 * @title: MqttSettings
 * @short_description: Everything that describes a connection, as one object or one URI
 *
 * An #MqttSettings holds what a connection needs: the broker, the
 * session (client id, clean session, keepalive, protocol), the
 * credentials, the will, the transport and WebSocket path and headers,
 * TLS, a proxy and a bind address, reconnection and queue limits. The
 * one-shot helpers take one (Paho's `hostname`, `port`, `client_id`,
 * `keepalive`, `will`, `auth`, `tls`, `protocol` and `transport`
 * arguments), the `mqttsrc` and `mqttsink` elements map their properties
 * and URI onto one, and the `mqtt-pub` and `mqtt-sub` tools fill one from
 * their command line. mqtt_settings_create_client() makes a client from
 * it; mqtt_settings_apply() configures an existing one.
 *
 * In Python: `Mqtt.Settings(host="broker", port=8883, tls=True)`; in GJS:
 * `new Mqtt.Settings({host: 'broker', port: 8883})`.
 *
 * # URIs
 *
 * The same settings as text: `SCHEME://[USER[:PASSWORD]@]HOST[:PORT][/TOPIC][?NAME=VALUE&...]`,
 * where the scheme gives the transport and TLS: `mqtt` (TCP), `mqtts`
 * (TCP and TLS), `mqtt+ws` (WebSockets) and `mqtt+wss` (WebSockets and
 * TLS). Without a port, the scheme's: 1883, 8883, 80 and 443. An IPv6
 * address is written in brackets. Every other setting with a text form is
 * a query parameter named as its property, for example
 * `mqtts://broker/?client-id=cam1&keepalive=30&ca-certs=/etc/ca.pem`:
 * strings as they are (percent-encoded), numbers in decimal, booleans as
 * `true` or `false`, enumerations and flags by their nicknames (flags
 * joined with `+`). The topic in the path is for those who publish or
 * subscribe to one, the elements and the tools; reading a URI back with
 * mqtt_settings_to_uri() never shows the password.
 */

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_CLIENT_ID,
  PROP_CLEAN_SESSION,
  PROP_KEEPALIVE,
  PROP_PROTOCOL_VERSION,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_WILL_TOPIC,
  PROP_WILL_PAYLOAD,
  PROP_WILL_QOS,
  PROP_WILL_RETAIN,
  PROP_TRANSPORT,
  PROP_WS_PATH,
  PROP_WS_HEADERS,
  PROP_TLS,
  PROP_CA_CERTS,
  PROP_CERTFILE,
  PROP_KEYFILE,
  PROP_TLS_VERSION,
  PROP_CIPHERS,
  PROP_TLS_CERT_REQS,
  PROP_TLS_INSECURE,
  PROP_TLS_VALIDATION_FLAGS,
  PROP_TLS_DATABASE,
  PROP_TLS_CERTIFICATE,
  PROP_TLS_INTERACTION,
  PROP_BIND_ADDRESS,
  PROP_PROXY,
  PROP_PROXY_RESOLVER,
  PROP_AUTO_RECONNECT,
  PROP_RECONNECT_DELAY_MIN,
  PROP_RECONNECT_DELAY_MAX,
  PROP_MAX_INFLIGHT_MESSAGES,
  PROP_MAX_QUEUED_MESSAGES,
  PROP_MAX_QUEUED_BYTES,
  PROP_MAX_PACKET_SIZE,
  PROP_MESSAGE_RETRY,
  PROP_CONNECT_PROPERTIES,
  PROP_WILL_PROPERTIES,
  PROP_OUTGOING_TOPIC_ALIASES,
  PROP_SERVERS,
  PROP_TLS_ALPN_PROTOCOLS,
  PROP_RECONNECT_JITTER,
  PROP_QUEUE_POLICY,
  PROP_RESUBSCRIBE,
  PROP_STORE_DIRECTORY,
  PROP_STORE_SYNC,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

struct _MqttSettings {
  GObject parent_instance;
  GValue values[N_PROPS]; /* indexed by property id; values[0] unused */
};

/**
 * MqttSettings:
 *
 * The settings of a connection; all fields are private.
 */
G_DEFINE_FINAL_TYPE (MqttSettings, mqtt_settings, G_TYPE_OBJECT)

static const char *
get_string (MqttSettings *self, guint id)
{
  return g_value_get_string (&self->values[id]);
}

static guint
get_uint (MqttSettings *self, guint id)
{
  return g_value_get_uint (&self->values[id]);
}

static gboolean
get_boolean (MqttSettings *self, guint id)
{
  return g_value_get_boolean (&self->values[id]);
}

static int
get_enum (MqttSettings *self, guint id)
{
  return g_value_get_enum (&self->values[id]);
}

static gpointer
get_object (MqttSettings *self, guint id)
{
  return g_value_get_object (&self->values[id]);
}

static gboolean
is_default (MqttSettings *self, guint id)
{
  return g_param_value_defaults (properties[id], &self->values[id]);
}

/* TLS is on when asked for or when any TLS option is given: never a
 * plaintext connection with a CA, a client certificate or a relaxed check
 * configured (Paho turns it on for any `tls` argument). */
static gboolean
tls_wanted (MqttSettings *self)
{
  static const guint implying[] = {
    PROP_TLS, PROP_CA_CERTS, PROP_CERTFILE, PROP_KEYFILE, PROP_TLS_VERSION, PROP_CIPHERS,
    PROP_TLS_CERT_REQS, PROP_TLS_INSECURE, PROP_TLS_VALIDATION_FLAGS, PROP_TLS_DATABASE,
    PROP_TLS_CERTIFICATE, PROP_TLS_INTERACTION,
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (implying); i++)
    if (!is_default (self, implying[i]))
      return TRUE;
  return FALSE;
}

/* The URI scheme of the transport and TLS. */
static const MqttScheme *
scheme_of (MqttSettings *self)
{
  return mqtt_scheme_for (tls_wanted (self),
                          get_enum (self, PROP_TRANSPORT) == MQTT_TRANSPORT_WEBSOCKETS);
}

/* GObject compares boxed values by address: these by contents. */
static gboolean
values_equal (GParamSpec *pspec, const GValue *a, const GValue *b)
{
  gconstpointer pa, pb;

  if (pspec->value_type != G_TYPE_BYTES && pspec->value_type != G_TYPE_STRV)
    return g_param_values_cmp (pspec, a, b) == 0;
  pa = g_value_get_boxed (a);
  pb = g_value_get_boxed (b);
  if (pa == NULL || pb == NULL)
    return pa == pb;
  if (pspec->value_type == G_TYPE_BYTES)
    return g_bytes_equal (pa, pb);
  return g_strv_equal (pa, pb);
}

/* Overwrites a secret before it is freed. */
static void
scrub_string (GValue *value)
{
  const char *text = g_value_get_string (value);

  if (text)
    memset ((char *) text, 0, strlen (text));
}

static void
mqtt_settings_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MqttSettings *self = MQTT_SETTINGS (object);

  if (prop_id == PROP_TLS)
    g_value_set_boolean (value, tls_wanted (self));
  else
    g_value_copy (&self->values[prop_id], value);
}

static void
mqtt_settings_set_property (GObject *object, guint prop_id, const GValue *value,
                            GParamSpec *pspec)
{
  MqttSettings *self = MQTT_SETTINGS (object);
  GValue *field = &self->values[prop_id];
  g_auto(GValue) host = G_VALUE_INIT;
  gboolean tls = tls_wanted (self);

  /* NULL restores the default host. */
  if (prop_id == PROP_HOST && g_value_get_string (value) == NULL)
    {
      g_value_init (&host, G_TYPE_STRING);
      g_param_value_set_default (pspec, &host);
      value = &host;
    }
  if (values_equal (pspec, field, value))
    return;
  if (prop_id == PROP_PASSWORD)
    scrub_string (field);
  g_value_copy (value, field);
  if (prop_id != PROP_TLS)
    g_object_notify_by_pspec (object, pspec);
  if (tls != tls_wanted (self))
    g_object_notify_by_pspec (object, properties[PROP_TLS]);
}

static void
mqtt_settings_finalize (GObject *object)
{
  MqttSettings *self = MQTT_SETTINGS (object);
  guint i;

  scrub_string (&self->values[PROP_PASSWORD]);
  for (i = 1; i < N_PROPS; i++)
    g_value_unset (&self->values[i]);

  G_OBJECT_CLASS (mqtt_settings_parent_class)->finalize (object);
}

/* A setting that is one of the client's options: its type, range and
 * default come from the client's own property. */
static GParamSpec *
client_option (const char *name, GParamFlags flags)
{
  GObjectClass *client_class = g_type_class_ref (MQTT_TYPE_CLIENT);
  GParamSpec *option = g_object_class_find_property (client_class, name);
  GParamSpec *pspec;

  g_assert (option != NULL);
  if (G_IS_PARAM_SPEC_UINT64 (option))
    {
      GParamSpecUInt64 *u = G_PARAM_SPEC_UINT64 (option);

      pspec = g_param_spec_uint64 (name, NULL, NULL, u->minimum, u->maximum, u->default_value,
                                   flags);
    }
  else if (G_IS_PARAM_SPEC_UINT (option))
    {
      GParamSpecUInt *u = G_PARAM_SPEC_UINT (option);

      pspec = g_param_spec_uint (name, NULL, NULL, u->minimum, u->maximum, u->default_value,
                                 flags);
    }
  else if (G_IS_PARAM_SPEC_BOOLEAN (option))
    pspec = g_param_spec_boolean (name, NULL, NULL, G_PARAM_SPEC_BOOLEAN (option)->default_value,
                                  flags);
  else if (G_IS_PARAM_SPEC_ENUM (option))
    pspec = g_param_spec_enum (name, NULL, NULL, option->value_type,
                               G_PARAM_SPEC_ENUM (option)->default_value, flags);
  else if (G_IS_PARAM_SPEC_FLAGS (option))
    pspec = g_param_spec_flags (name, NULL, NULL, option->value_type,
                                G_PARAM_SPEC_FLAGS (option)->default_value, flags);
  else if (G_IS_PARAM_SPEC_STRING (option))
    pspec = g_param_spec_string (name, NULL, NULL, G_PARAM_SPEC_STRING (option)->default_value,
                                 flags);
  else if (G_IS_PARAM_SPEC_BOXED (option))
    pspec = g_param_spec_boxed (name, NULL, NULL, option->value_type, flags);
  else
    pspec = g_param_spec_object (name, NULL, NULL, option->value_type, flags);
  g_type_class_unref (client_class);
  return pspec;
}

static void
mqtt_settings_class_init (MqttSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = mqtt_settings_get_property;
  object_class->set_property = mqtt_settings_set_property;
  object_class->finalize = mqtt_settings_finalize;

  /**
   * MqttSettings:host:
   *
   * The broker's host name or address (Paho's `hostname`, default
   * `localhost`; %NULL restores the default).
   */
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, "localhost", rw);
  /**
   * MqttSettings:port:
   *
   * The broker's port; 0 (the default) for the usual one of the transport:
   * 1883, 8883 with TLS, 80 over WebSockets, 443 over secure WebSockets.
   * mqtt_settings_get_port() gives the port that is used.
   */
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0, rw);
  /**
   * MqttSettings:client-id:
   *
   * The client identifier; %NULL or empty for a random one.
   */
  properties[PROP_CLIENT_ID] = client_option ("client-id", rw);
  /**
   * MqttSettings:clean-session:
   *
   * Whether the broker forgets the session when the client disconnects
   * (default %TRUE); %FALSE resumes the session of #MqttSettings:client-id,
   * which must then be given.
   */
  properties[PROP_CLEAN_SESSION] = client_option ("clean-session", rw);
  /**
   * MqttSettings:keepalive:
   *
   * The keepalive interval in seconds (default 60; 0 for none).
   */
  properties[PROP_KEEPALIVE] = client_option ("keepalive", rw);
  /**
   * MqttSettings:protocol-version:
   *
   * MQTT 3.1 or 3.1.1 (the default).
   */
  properties[PROP_PROTOCOL_VERSION] = client_option ("protocol-version", rw);
  /**
   * MqttSettings:username:
   *
   * The user name; %NULL for none (Paho's `auth`).
   */
  properties[PROP_USERNAME] = client_option ("username", rw);
  /**
   * MqttSettings:password:
   *
   * The password, sent with a user name only. A URI carries it in its
   * authority (`user:password@host`), never as a parameter, and
   * mqtt_settings_to_uri() leaves it out.
   */
  properties[PROP_PASSWORD] = g_param_spec_string ("password", NULL, NULL, NULL, rw);
  /**
   * MqttSettings:will-topic:
   *
   * The will's topic; %NULL (the default) for no will.
   */
  properties[PROP_WILL_TOPIC] = g_param_spec_string ("will-topic", NULL, NULL, NULL, rw);
  /**
   * MqttSettings:will-payload:
   *
   * The will's payload; %NULL for an empty one. In a URI, its bytes as
   * text.
   */
  properties[PROP_WILL_PAYLOAD] =
    g_param_spec_boxed ("will-payload", NULL, NULL, G_TYPE_BYTES, rw);
  /**
   * MqttSettings:will-qos:
   *
   * The will's QoS.
   */
  properties[PROP_WILL_QOS] =
    g_param_spec_enum ("will-qos", NULL, NULL, MQTT_TYPE_QOS, MQTT_QOS_AT_MOST_ONCE, rw);
  /**
   * MqttSettings:will-retain:
   *
   * Whether the broker retains the will.
   */
  properties[PROP_WILL_RETAIN] = g_param_spec_boolean ("will-retain", NULL, NULL, FALSE, rw);
  /**
   * MqttSettings:transport:
   *
   * TCP (the default) or WebSockets (Paho's `transport`).
   */
  properties[PROP_TRANSPORT] = client_option ("transport", rw);
  /**
   * MqttSettings:ws-path:
   *
   * The path of the WebSocket URL (default `/mqtt`).
   */
  properties[PROP_WS_PATH] = client_option ("ws-path", rw);
  /**
   * MqttSettings:ws-headers:
   *
   * Extra headers of the WebSocket handshake, each as `Name: value`
   * (Paho's `ws_set_options(headers=...)`); %NULL for none. Not part of
   * the URI grammar.
   */
  properties[PROP_WS_HEADERS] = g_param_spec_boxed ("ws-headers", NULL, NULL, G_TYPE_STRV, rw);
  /**
   * MqttSettings:tls:
   *
   * Whether to use TLS; with no #MqttSettings:ca-certs or
   * #MqttSettings:tls-database the system's authorities are trusted. Any
   * other TLS setting given a value other than its default turns TLS on,
   * as any `tls` argument does in Paho: it reads %TRUE then, and a
   * connection is never made in plaintext.
   */
  properties[PROP_TLS] = g_param_spec_boolean ("tls", NULL, NULL, FALSE, rw);
  /**
   * MqttSettings:ca-certs:
   *
   * A PEM file of the authorities to trust; %NULL for the system's.
   */
  properties[PROP_CA_CERTS] = g_param_spec_string ("ca-certs", NULL, NULL, NULL, rw);
  /**
   * MqttSettings:certfile:
   *
   * A client certificate, PEM (with #MqttSettings:keyfile or its key in
   * the same file) or PKCS #12, or %NULL.
   */
  properties[PROP_CERTFILE] = g_param_spec_string ("certfile", NULL, NULL, NULL, rw);
  /**
   * MqttSettings:keyfile:
   *
   * The PEM key of #MqttSettings:certfile, if separate.
   */
  properties[PROP_KEYFILE] = g_param_spec_string ("keyfile", NULL, NULL, NULL, rw);
  /**
   * MqttSettings:tls-version:
   *
   * Paho's `tls_version`; only %MQTT_TLS_VERSION_DEFAULT works (see
   * mqtt_client_tls_set()).
   */
  properties[PROP_TLS_VERSION] =
    g_param_spec_enum ("tls-version", NULL, NULL, MQTT_TYPE_TLS_VERSION, MQTT_TLS_VERSION_DEFAULT,
                       rw);
  /**
   * MqttSettings:ciphers:
   *
   * Paho's `ciphers`; only %NULL works (see mqtt_client_tls_set()).
   */
  properties[PROP_CIPHERS] = g_param_spec_string ("ciphers", NULL, NULL, NULL, rw);
  /**
   * MqttSettings:tls-cert-reqs:
   *
   * Paho's `cert_reqs`: %MQTT_TLS_CERT_NONE accepts any certificate.
   */
  properties[PROP_TLS_CERT_REQS] = client_option ("tls-cert-reqs", rw);
  /**
   * MqttSettings:tls-insecure:
   *
   * Accept a broker certificate issued for another host name (Paho's
   * `tls_insecure_set()`).
   */
  properties[PROP_TLS_INSECURE] = client_option ("tls-insecure", rw);
  /**
   * MqttSettings:tls-validation-flags:
   *
   * The faults that make the broker's certificate unacceptable (all by
   * default); see #MqttClient:tls-validation-flags.
   */
  properties[PROP_TLS_VALIDATION_FLAGS] = client_option ("tls-validation-flags", rw);
  /**
   * MqttSettings:tls-database:
   *
   * The authorities to trust as a #GTlsDatabase, in place of
   * #MqttSettings:ca-certs.
   */
  properties[PROP_TLS_DATABASE] = client_option ("tls-database", rw);
  /**
   * MqttSettings:tls-certificate:
   *
   * The client's certificate as a #GTlsCertificate, in place of
   * #MqttSettings:certfile.
   */
  properties[PROP_TLS_CERTIFICATE] = client_option ("tls-certificate", rw);
  /**
   * MqttSettings:tls-interaction:
   *
   * Asked for the password of an encrypted PKCS #12 certificate and for
   * PINs.
   */
  properties[PROP_TLS_INTERACTION] = client_option ("tls-interaction", rw);
  /**
   * MqttSettings:bind-address:
   *
   * The local address to connect from (Paho's `bind_address`); %NULL for
   * any.
   */
  properties[PROP_BIND_ADDRESS] = client_option ("bind-address", rw);
  /**
   * MqttSettings:proxy:
   *
   * A proxy to go through, as a URI (`socks5://host:1080`,
   * `http://host:3128`; see mqtt_client_proxy_set()); %NULL for none or
   * #MqttSettings:proxy-resolver.
   */
  properties[PROP_PROXY] = g_param_spec_string ("proxy", NULL, NULL, NULL, rw);
  /**
   * MqttSettings:proxy-resolver:
   *
   * The proxies to go through when #MqttSettings:proxy is %NULL; %NULL for
   * none.
   */
  properties[PROP_PROXY_RESOLVER] = client_option ("proxy-resolver", rw);
  /**
   * MqttSettings:auto-reconnect:
   *
   * Whether a lost connection is made again, after the reconnection delay
   * (default %TRUE).
   */
  properties[PROP_AUTO_RECONNECT] = client_option ("auto-reconnect", rw);
  /**
   * MqttSettings:reconnect-delay-min:
   *
   * Seconds before the first reconnection attempt (default 1); the delay
   * doubles up to #MqttSettings:reconnect-delay-max.
   */
  properties[PROP_RECONNECT_DELAY_MIN] = client_option ("reconnect-delay-min", rw);
  /**
   * MqttSettings:reconnect-delay-max:
   *
   * The longest delay between reconnection attempts, in seconds (default
   * 120); one below #MqttSettings:reconnect-delay-min counts as the min.
   */
  properties[PROP_RECONNECT_DELAY_MAX] = client_option ("reconnect-delay-max", rw);
  /**
   * MqttSettings:max-inflight-messages:
   *
   * See #MqttClient:max-inflight-messages.
   */
  properties[PROP_MAX_INFLIGHT_MESSAGES] = client_option ("max-inflight-messages", rw);
  /**
   * MqttSettings:max-queued-messages:
   *
   * See #MqttClient:max-queued-messages.
   */
  properties[PROP_MAX_QUEUED_MESSAGES] = client_option ("max-queued-messages", rw);
  /**
   * MqttSettings:max-queued-bytes:
   *
   * See #MqttClient:max-queued-bytes.
   */
  properties[PROP_MAX_QUEUED_BYTES] = client_option ("max-queued-bytes", rw);
  /**
   * MqttSettings:max-packet-size:
   *
   * See #MqttClient:max-packet-size.
   */
  properties[PROP_MAX_PACKET_SIZE] = client_option ("max-packet-size", rw);
  /**
   * MqttSettings:message-retry:
   *
   * See #MqttClient:message-retry.
   */
  properties[PROP_MESSAGE_RETRY] = client_option ("message-retry", rw);
  /**
   * MqttSettings:connect-properties:
   *
   * See #MqttClient:connect-properties (MQTT 5). Not part of a URI.
   */
  properties[PROP_CONNECT_PROPERTIES] = client_option ("connect-properties", rw);
  /**
   * MqttSettings:will-properties:
   *
   * See #MqttClient:will-properties (MQTT 5). Not part of a URI.
   */
  properties[PROP_WILL_PROPERTIES] = client_option ("will-properties", rw);
  /**
   * MqttSettings:outgoing-topic-aliases:
   *
   * See #MqttClient:outgoing-topic-aliases (MQTT 5).
   */
  properties[PROP_OUTGOING_TOPIC_ALIASES] = client_option ("outgoing-topic-aliases", rw);
  /**
   * MqttSettings:servers:
   *
   * Brokers to try in turn, as URIs (see #MqttClient:servers); when set,
   * they are used instead of #MqttSettings:host and #MqttSettings:port
   * (mqtt_settings_get_host() is then %NULL). In a URI: `servers=` and the
   * URIs, percent-encoded, separated by commas.
   */
  properties[PROP_SERVERS] = client_option ("servers", rw);
  /**
   * MqttSettings:tls-alpn-protocols:
   *
   * See #MqttClient:tls-alpn-protocols. In a URI: separated by commas.
   */
  properties[PROP_TLS_ALPN_PROTOCOLS] = client_option ("tls-alpn-protocols", rw);
  /**
   * MqttSettings:reconnect-jitter:
   *
   * See #MqttClient:reconnect-jitter. %TRUE by default here, unlike on a
   * bare #MqttClient (Paho's fixed doubling): clients made from settings
   * spread their reconnections.
   */
  /**
   * MqttSettings:queue-policy:
   *
   * See #MqttClient:queue-policy.
   */
  properties[PROP_QUEUE_POLICY] = client_option ("queue-policy", rw);
  /**
   * MqttSettings:resubscribe:
   *
   * See #MqttClient:resubscribe.
   */
  properties[PROP_RESUBSCRIBE] = client_option ("resubscribe", rw);
  properties[PROP_RECONNECT_JITTER] = g_param_spec_boolean ("reconnect-jitter", NULL, NULL, TRUE,
                                                            rw);
  /**
   * MqttSettings:store-directory:
   *
   * Where a client keeps its QoS 1 and 2 state across restarts: a
   * #MqttFileStore in this directory (see mqtt_client_set_store()). %NULL,
   * the default, leaves a client's store as it is.
   */
  properties[PROP_STORE_DIRECTORY] = g_param_spec_string ("store-directory", NULL, NULL, NULL, rw);
  /**
   * MqttSettings:store-sync:
   *
   * The sync policy of the store in #MqttSettings:store-directory (see
   * #MqttFileStore:sync).
   */
  properties[PROP_STORE_SYNC] = g_param_spec_enum ("store-sync", NULL, NULL, MQTT_TYPE_STORE_SYNC,
                                                   MQTT_STORE_SYNC_BATCHED, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
mqtt_settings_init (MqttSettings *self)
{
  guint i;

  for (i = 1; i < N_PROPS; i++)
    {
      g_value_init (&self->values[i], properties[i]->value_type);
      g_param_value_set_default (properties[i], &self->values[i]);
    }
}

/**
 * mqtt_settings_new:
 * @host: (nullable): the broker; %NULL for `localhost`
 * @port: the broker's port; 0 for the transport's usual one
 *
 * Creates settings with Paho's defaults and the broker given.
 *
 * Returns: (transfer full): new settings
 */
MqttSettings *
mqtt_settings_new (const char *host, guint port)
{
  return g_object_new (MQTT_TYPE_SETTINGS, "host", host, "port", port, NULL);
}

/**
 * mqtt_settings_new_for_uri:
 * @uri: a URI of the grammar described above, without a topic
 * @error: return location for a #GError, or %NULL
 *
 * Creates settings from a URI, as mqtt_settings_set_uri() on new settings.
 *
 * Returns: (transfer full) (nullable): new settings, or %NULL with an error
 *   of %MQTT_ERROR saying what is wrong with @uri
 */
MqttSettings *
mqtt_settings_new_for_uri (const char *uri, GError **error)
{
  g_autoptr(MqttSettings) self = mqtt_settings_new (NULL, 0);

  g_return_val_if_fail (uri != NULL, NULL);
  if (!mqtt_settings_set_uri (self, uri, NULL, NULL, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * mqtt_settings_copy:
 * @self: a #MqttSettings
 *
 * Copies the settings: the copy holds the same values (and references
 * the same objects) and does not follow later changes to @self.
 *
 * Returns: (transfer full): a copy of @self
 */
MqttSettings *
mqtt_settings_copy (MqttSettings *self)
{
  MqttSettings *copy;
  guint i;

  g_return_val_if_fail (MQTT_IS_SETTINGS (self), NULL);
  copy = g_object_new (MQTT_TYPE_SETTINGS, NULL);
  for (i = 1; i < N_PROPS; i++)
    g_value_copy (&self->values[i], &copy->values[i]);
  return copy;
}

/* ------------------------------------------------------------------------ */
/* URIs */

/* Settings a URI carries as query parameters: all with a text form except
 * those in the rest of the URI (the password in the authority only). */
static gboolean
is_uri_parameter (guint id)
{
  GType type = properties[id]->value_type;

  switch (id)
    {
    case PROP_HOST:
    case PROP_PORT:
    case PROP_USERNAME:
    case PROP_PASSWORD:
    case PROP_TLS:
    case PROP_TRANSPORT:
      return FALSE;
    default:
      return !g_type_is_a (type, G_TYPE_OBJECT) && type != MQTT_TYPE_PROPERTIES &&
             (type != G_TYPE_STRV || id == PROP_SERVERS || id == PROP_TLS_ALPN_PROTOCOLS);
    }
}

static guint
find_parameter (const char *name)
{
  guint i;

  for (i = 1; i < N_PROPS; i++)
    if (g_str_equal (properties[i]->name, name))
      return i;
  return 0;
}

static gboolean
parse_number (const char *text, gboolean is_signed, gint64 min, guint64 max, guint64 *number)
{
  gint64 signed_number;

  if (is_signed)
    {
      if (!g_ascii_string_to_signed (text, 10, min, (gint64) max, &signed_number, NULL))
        return FALSE;
      *number = (guint64) signed_number;
      return TRUE;
    }
  return g_ascii_string_to_unsigned (text, 10, (guint64) min, max, number, NULL);
}

static gboolean
parse_flags (GFlagsClass *klass, const char *text, guint *flags)
{
  g_auto(GStrv) names = g_strsplit_set (text, "+|", -1);
  guint i;

  *flags = 0;
  for (i = 0; names[i]; i++)
    {
      const char *name = g_strstrip (names[i]);
      GFlagsValue *value = g_flags_get_value_by_nick (klass, name);
      guint64 number;

      if (value == NULL)
        value = g_flags_get_value_by_name (klass, name);
      if (value)
        *flags |= value->value;
      else if (g_ascii_string_to_unsigned (name, 10, 0, G_MAXUINT, &number, NULL))
        *flags |= (guint) number;
      else
        return FALSE;
    }
  return TRUE;
}

/* @text as a value of @pspec, or FALSE. */
static gboolean
parse_value (GParamSpec *pspec, const char *text, GValue *value)
{
  GType type = pspec->value_type;
  guint64 number;

  g_value_init (value, type);
  if (type == G_TYPE_STRING)
    g_value_set_string (value, text);
  else if (type == G_TYPE_BOOLEAN)
    {
      static const char *const yes[] = { "true", "yes", "on", "1", NULL };
      static const char *const no[] = { "false", "no", "off", "0", NULL };
      g_autofree char *lower = g_ascii_strdown (text, -1);

      if (!g_strv_contains (yes, lower) && !g_strv_contains (no, lower))
        return FALSE;
      g_value_set_boolean (value, g_strv_contains (yes, lower));
    }
  else if (type == G_TYPE_UINT)
    {
      GParamSpecUInt *u = G_PARAM_SPEC_UINT (pspec);

      if (!parse_number (text, FALSE, u->minimum, u->maximum, &number))
        return FALSE;
      g_value_set_uint (value, (guint) number);
    }
  else if (type == G_TYPE_UINT64)
    {
      GParamSpecUInt64 *u = G_PARAM_SPEC_UINT64 (pspec);

      if (!parse_number (text, FALSE, (gint64) u->minimum, u->maximum, &number))
        return FALSE;
      g_value_set_uint64 (value, number);
    }
  else if (G_TYPE_IS_ENUM (type))
    {
      GEnumClass *klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;
      GEnumValue *found = g_enum_get_value_by_nick (klass, text);

      if (found == NULL)
        found = g_enum_get_value_by_name (klass, text);
      if (found == NULL && parse_number (text, TRUE, G_MININT, G_MAXINT, &number))
        found = g_enum_get_value (klass, (int) (gint64) number);
      if (found == NULL)
        return FALSE;
      g_value_set_enum (value, found->value);
    }
  else if (G_TYPE_IS_FLAGS (type))
    {
      guint flags;

      if (!parse_flags (G_PARAM_SPEC_FLAGS (pspec)->flags_class, text, &flags))
        return FALSE;
      g_value_set_flags (value, flags);
    }
  else if (type == G_TYPE_BYTES)
    g_value_take_boxed (value, g_bytes_new (text, strlen (text)));
  else if (type == G_TYPE_STRV)
    g_value_take_boxed (value, *text ? g_strsplit (text, ",", -1) : NULL);
  else
    return FALSE;
  return !g_param_value_validate (pspec, value);
}

/* What @pspec's values look like in a URI, for an error message. */
static char *
describe_values (GParamSpec *pspec)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint i;

  if (G_IS_PARAM_SPEC_UINT (pspec))
    g_string_printf (text, "an integer from %u to %u", G_PARAM_SPEC_UINT (pspec)->minimum,
                     G_PARAM_SPEC_UINT (pspec)->maximum);
  else if (G_IS_PARAM_SPEC_UINT64 (pspec))
    g_string_printf (text, "an integer from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                     G_PARAM_SPEC_UINT64 (pspec)->minimum, G_PARAM_SPEC_UINT64 (pspec)->maximum);
  else if (G_IS_PARAM_SPEC_BOOLEAN (pspec))
    g_string_assign (text, "true or false");
  else if (G_IS_PARAM_SPEC_ENUM (pspec))
    {
      GEnumClass *klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;

      g_string_assign (text, "one of");
      for (i = 0; i < klass->n_values; i++)
        g_string_append_printf (text, "%s %s", i ? "," : "", klass->values[i].value_nick);
    }
  else if (G_IS_PARAM_SPEC_FLAGS (pspec))
    {
      GFlagsClass *klass = G_PARAM_SPEC_FLAGS (pspec)->flags_class;

      g_string_assign (text, "names joined with + among");
      for (i = 0; i < klass->n_values; i++)
        g_string_append_printf (text, "%s %s", i ? "," : "", klass->values[i].value_nick);
    }
  else
    g_string_assign (text, "text");
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* A parameter's value as URI text (unescaped), or NULL for none. */
static char *
format_value (const GValue *value)
{
  GType type = G_VALUE_TYPE (value);

  if (type == G_TYPE_STRING)
    return g_value_dup_string (value);
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (g_value_get_boolean (value) ? "true" : "false");
  if (type == G_TYPE_STRV)
    return g_value_get_boxed (value) ? g_strjoinv (",", g_value_get_boxed (value))
                                     : g_strdup ("");
  if (type == G_TYPE_UINT)
    return g_strdup_printf ("%u", g_value_get_uint (value));
  if (type == G_TYPE_UINT64)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, g_value_get_uint64 (value));
  if (G_VALUE_HOLDS_ENUM (value))
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (type);
      GEnumValue *found = g_enum_get_value (klass, g_value_get_enum (value));

      return found ? g_strdup (found->value_nick)
                   : g_strdup_printf ("%d", g_value_get_enum (value));
    }
  if (G_VALUE_HOLDS_FLAGS (value))
    {
      g_autoptr(GFlagsClass) klass = g_type_class_ref (type);
      g_autoptr(GString) text = g_string_new (NULL);
      guint flags = g_value_get_flags (value);
      GFlagsValue *whole = g_flags_get_first_value (klass, flags);

      /* One name for the whole set where there is one (validate-all). */
      if (whole && whole->value == flags)
        return g_strdup (whole->value_nick);
      while (flags)
        {
          GFlagsValue *first = g_flags_get_first_value (klass, flags);

          if (first == NULL || first->value == 0)
            {
              g_string_append_printf (text, "%s%u", text->len ? "+" : "", flags);
              break;
            }
          g_string_append_printf (text, "%s%s", text->len ? "+" : "", first->value_nick);
          flags &= ~first->value;
        }
      return g_string_free (g_steal_pointer (&text), FALSE);
    }
  if (type == G_TYPE_BYTES)
    {
      GBytes *bytes = g_value_get_boxed (value);
      gsize size = 0;
      const char *data = bytes ? g_bytes_get_data (bytes, &size) : NULL;

      return g_strndup (data ? data : "", size);
    }
  return NULL;
}

/**
 * mqtt_settings_set_uri:
 * @self: a #MqttSettings
 * @uri: a URI of the grammar described above
 * @topic: (out) (optional) (nullable) (transfer full): where to store the
 *   topic of the URI's path (unescaped), or %NULL when a topic is an error
 * @parameters: (out) (optional) (nullable) (element-type utf8 utf8) (transfer container):
 *   where to store the query parameters that are not settings, or %NULL
 *   when such a parameter is an error
 * @error: return location for a #GError, or %NULL
 *
 * Sets the broker, the transport and TLS, the credentials and every
 * setting named in @uri's query; the others keep their values. The URI is
 * checked as a whole before anything changes: on an error nothing does.
 * An element or a tool that extends the grammar with a topic and its own
 * parameters takes them in @topic and @parameters (its own parameters
 * first come back unparsed, for it to check).
 *
 * Returns: %TRUE if @uri was applied; %FALSE with an error of %MQTT_ERROR:
 *   %MQTT_ERROR_NOT_SUPPORTED for an unknown scheme, %MQTT_ERROR_INVAL for
 *   anything else wrong with it
 */
gboolean
mqtt_settings_set_uri (MqttSettings *self, const char *text, char **topic,
                       GHashTable **parameters, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL, others = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) values = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint));
  const char *path;
  GHashTableIter iter;
  gpointer key, val;
  const MqttScheme *scheme;
  guint i;

  g_return_val_if_fail (MQTT_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  uri = g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_SCHEME_NORMALIZE,
                     &local_error);
  if (uri == NULL)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Invalid MQTT URI \"%s\": %s", text,
                   local_error->message);
      return FALSE;
    }
  scheme = mqtt_scheme_find (g_uri_get_scheme (uri));
  if (scheme == NULL)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED,
                   "Unsupported URI scheme \"%s\" in \"%s\": use mqtt, mqtts, mqtt+ws or "
                   "mqtt+wss", g_uri_get_scheme (uri), text);
      return FALSE;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "The URI \"%s\" has no host", text);
      return FALSE;
    }
  /* An unescaped '#' starts a fragment, which would cut a topic short. */
  if (g_uri_get_fragment (uri))
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "The URI \"%s\" has a fragment: write the wildcard # of a topic as %%23",
                   text);
      return FALSE;
    }
  path = g_uri_get_path (uri);
  while (*path == '/')
    path++;
  if (*path && topic == NULL)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                   "The URI \"%s\" names a topic, which connection settings have no place for",
                   text);
      return FALSE;
    }

  /* Every parameter is checked, as its property would be, before any is
   * applied. */
  values = g_array_new (FALSE, TRUE, sizeof (GValue));
  g_array_set_clear_func (values, (GDestroyNotify) g_value_unset);
  others = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (g_uri_get_query (uri))
    {
      params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE,
                                   &local_error);
      if (params == NULL)
        {
          g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Invalid query in the URI \"%s\": %s",
                       text, local_error->message);
          return FALSE;
        }
      g_hash_table_iter_init (&iter, params);
      while (g_hash_table_iter_next (&iter, &key, &val))
        {
          guint id = find_parameter (key);
          GValue *value;

          if (id == PROP_PASSWORD)
            {
              g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                                   "Unknown parameter \"password\" in the URI: give the "
                                   "password as user:password@host");
              return FALSE;
            }
          if (id == 0 || !is_uri_parameter (id))
            {
              if (parameters == NULL)
                {
                  g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                               "Unknown parameter \"%s\" in the URI", (const char *) key);
                  return FALSE;
                }
              g_hash_table_insert (others, g_strdup (key), g_strdup (val));
              continue;
            }
          g_array_set_size (values, values->len + 1);
          value = &g_array_index (values, GValue, values->len - 1);
          if (!parse_value (properties[id], val, value))
            {
              g_autofree char *expected = describe_values (properties[id]);

              g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                           "Invalid value \"%s\" for %s in the URI: %s", (const char *) val,
                           (const char *) key, expected);
              return FALSE;
            }
          g_array_append_val (ids, id);
        }
    }

  g_object_freeze_notify (G_OBJECT (self));
  g_object_set (self, "tls", scheme->tls, "transport",
                scheme->websocket ? MQTT_TRANSPORT_WEBSOCKETS : MQTT_TRANSPORT_TCP,
                "host", g_uri_get_host (uri), "port", MAX (g_uri_get_port (uri), 0),
                "username", g_uri_get_user (uri), "password", g_uri_get_password (uri), NULL);
  for (i = 0; i < ids->len; i++)
    g_object_set_property (G_OBJECT (self), properties[g_array_index (ids, guint, i)]->name,
                           &g_array_index (values, GValue, i));
  g_object_thaw_notify (G_OBJECT (self));

  if (topic)
    *topic = *path ? g_strdup (path) : NULL;
  if (parameters)
    *parameters = g_steal_pointer (&others);
  return TRUE;
}

/**
 * mqtt_settings_to_uri:
 * @self: a #MqttSettings
 * @topic: (nullable): a topic for the URI's path, or %NULL
 *
 * Writes the settings as a URI of the grammar described above: every
 * setting with a text form that is not at its default, in the order of
 * the properties, so that the URI says all the settings do. The password
 * is never shown. mqtt_settings_set_uri() reads it back.
 *
 * Returns: (transfer full): the URI
 */
char *
mqtt_settings_to_uri (MqttSettings *self, const char *topic)
{
  g_autoptr(GString) uri = g_string_new (NULL);
  const char *host, *username;
  const MqttScheme *scheme;
  guint i;
  char separator = '?';

  g_return_val_if_fail (MQTT_IS_SETTINGS (self), NULL);

  scheme = scheme_of (self);
  g_string_append_printf (uri, "%s://", scheme->name);
  username = get_string (self, PROP_USERNAME);
  if (username)
    {
      g_autofree char *user = g_uri_escape_string (username, NULL, FALSE);

      g_string_append_printf (uri, "%s@", user);
    }
  host = get_string (self, PROP_HOST);
  if (strchr (host, ':'))
    g_string_append_printf (uri, "[%s]", host);
  else
    g_string_append (uri, host);
  if (get_uint (self, PROP_PORT) && get_uint (self, PROP_PORT) != scheme->port)
    g_string_append_printf (uri, ":%u", get_uint (self, PROP_PORT));
  g_string_append_c (uri, '/');
  if (topic)
    {
      g_autofree char *escaped = g_uri_escape_string (topic, "/+,", FALSE);

      g_string_append (uri, escaped);
    }
  for (i = 1; i < N_PROPS; i++)
    {
      g_autofree char *text = NULL, *escaped = NULL;

      if (!is_uri_parameter (i) || is_default (self, i))
        continue;
      text = format_value (&self->values[i]);
      if (text == NULL)
        continue;
      /* Only what would end or split the value is escaped. */
      escaped = g_uri_escape_string (text, "/+:@,", FALSE);
      g_string_append_printf (uri, "%c%s=%s", separator, properties[i]->name, escaped);
      separator = '&';
    }
  return g_string_free (g_steal_pointer (&uri), FALSE);
}

/* ------------------------------------------------------------------------ */
/* Reading */

/**
 * mqtt_settings_get_host:
 * @self: a #MqttSettings
 *
 * The broker to connect to, as a connect call takes it.
 *
 * Returns: (nullable): the broker's host name or address; %NULL when the
 *   settings name #MqttSettings:servers, which the client then tries
 */
const char *
mqtt_settings_get_host (MqttSettings *self)
{
  GStrv servers;

  g_return_val_if_fail (MQTT_IS_SETTINGS (self), NULL);
  servers = g_value_get_boxed (&self->values[PROP_SERVERS]);
  return servers && servers[0] ? NULL : get_string (self, PROP_HOST);
}

/**
 * mqtt_settings_get_port:
 * @self: a #MqttSettings
 *
 * The port to connect to.
 *
 * Returns: the broker's port: #MqttSettings:port, or the transport's
 *   usual port when that is 0
 */
guint
mqtt_settings_get_port (MqttSettings *self)
{
  g_return_val_if_fail (MQTT_IS_SETTINGS (self), 0);
  if (get_uint (self, PROP_PORT))
    return get_uint (self, PROP_PORT);
  return scheme_of (self)->port;
}

/**
 * mqtt_settings_get_keepalive:
 * @self: a #MqttSettings
 *
 * The keepalive to connect with.
 *
 * Returns: #MqttSettings:keepalive, in seconds
 */
guint
mqtt_settings_get_keepalive (MqttSettings *self)
{
  g_return_val_if_fail (MQTT_IS_SETTINGS (self), 0);
  return get_uint (self, PROP_KEEPALIVE);
}

/**
 * mqtt_settings_get_tls:
 * @self: a #MqttSettings
 *
 * Whether TLS is on, asked for or implied.
 *
 * Returns: whether connections use TLS (#MqttSettings:tls)
 */
gboolean
mqtt_settings_get_tls (MqttSettings *self)
{
  g_return_val_if_fail (MQTT_IS_SETTINGS (self), FALSE);
  return tls_wanted (self);
}

/* ------------------------------------------------------------------------ */
/* Paho's dicts */

/**
 * mqtt_settings_set_will:
 * @self: a #MqttSettings
 * @topic: (nullable): the will's topic; %NULL for no will
 * @payload: (nullable): the will's payload
 * @qos: the will's QoS
 * @retain: whether the will is retained
 *
 * Paho's `will` dict in one call.
 */
void
mqtt_settings_set_will (MqttSettings *self, const char *topic, GBytes *payload, MqttQos qos,
                        gboolean retain)
{
  g_return_if_fail (MQTT_IS_SETTINGS (self));
  g_object_set (self, "will-topic", topic, "will-payload", payload, "will-qos", qos,
                "will-retain", retain, NULL);
}

/**
 * mqtt_settings_set_auth:
 * @self: a #MqttSettings
 * @username: (nullable): the user name
 * @password: (nullable): the password
 *
 * Paho's `auth` dict in one call.
 */
void
mqtt_settings_set_auth (MqttSettings *self, const char *username, const char *password)
{
  g_return_if_fail (MQTT_IS_SETTINGS (self));
  g_object_set (self, "username", username, "password", password, NULL);
}

/**
 * mqtt_settings_set_tls:
 * @self: a #MqttSettings
 * @ca_certs: (nullable) (type filename): trusted CAs; %NULL for the system's
 * @certfile: (nullable) (type filename): a client certificate, or %NULL
 * @keyfile: (nullable) (type filename): its key, or %NULL
 *
 * Paho's `tls` dict in one call; turns #MqttSettings:tls on.
 */
void
mqtt_settings_set_tls (MqttSettings *self, const char *ca_certs, const char *certfile,
                       const char *keyfile)
{
  g_return_if_fail (MQTT_IS_SETTINGS (self));
  g_object_set (self, "tls", TRUE, "ca-certs", ca_certs, "certfile", certfile, "keyfile",
                keyfile, NULL);
}

/* ------------------------------------------------------------------------ */
/* Applying */

/* "Name: value" lines as the client's header table, or NULL. */
static GHashTable *
header_table (const char *const *lines, GError **error)
{
  g_autoptr(GHashTable) headers = NULL;
  guint i;

  if (lines == NULL || lines[0] == NULL)
    return NULL;
  headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (i = 0; lines[i]; i++)
    {
      const char *colon = strchr (lines[i], ':');

      if (colon == NULL || colon == lines[i])
        {
          g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                       "Invalid WebSocket header \"%s\": write it as \"Name: value\"", lines[i]);
          return NULL;
        }
      g_hash_table_insert (headers, g_strstrip (g_strndup (lines[i], colon - lines[i])),
                           g_strstrip (g_strdup (colon + 1)));
    }
  return g_steal_pointer (&headers);
}

static gboolean
apply_tls (MqttSettings *self, MqttClient *client, GError **error)
{
  if (!tls_wanted (self))
    {
      g_object_set (client, "tls", FALSE, "tls-database", NULL, "tls-certificate", NULL,
                    "tls-interaction", NULL, "tls-insecure", FALSE, "tls-cert-reqs",
                    MQTT_TLS_CERT_REQUIRED, "tls-validation-flags",
                    G_TLS_CERTIFICATE_VALIDATE_ALL, NULL);
      return TRUE;
    }
  /* The interaction first: it may be asked for a PKCS #12 password. */
  mqtt_client_set_tls_interaction (client, get_object (self, PROP_TLS_INTERACTION));
  if (!mqtt_client_tls_set (client, get_string (self, PROP_CA_CERTS),
                            get_string (self, PROP_CERTFILE), get_string (self, PROP_KEYFILE),
                            get_enum (self, PROP_TLS_CERT_REQS),
                            get_enum (self, PROP_TLS_VERSION), get_string (self, PROP_CIPHERS),
                            error))
    return FALSE;
  if (get_object (self, PROP_TLS_DATABASE))
    g_object_set (client, "tls-database", get_object (self, PROP_TLS_DATABASE), NULL);
  if (get_object (self, PROP_TLS_CERTIFICATE))
    g_object_set (client, "tls-certificate", get_object (self, PROP_TLS_CERTIFICATE), NULL);
  g_object_set (client, "tls-insecure", get_boolean (self, PROP_TLS_INSECURE),
                "tls-validation-flags",
                g_value_get_flags (&self->values[PROP_TLS_VALIDATION_FLAGS]), NULL);
  return TRUE;
}

/* A file store in store-directory, unless the client has one there. */
static gboolean
apply_store (MqttSettings *self, MqttClient *client, GError **error)
{
  const char *directory = get_string (self, PROP_STORE_DIRECTORY);
  MqttStore *current = mqtt_client_get_store (client);
  g_autoptr(MqttFileStore) store = NULL;

  if (directory == NULL ||
      (MQTT_IS_FILE_STORE (current) &&
       g_strcmp0 (mqtt_file_store_get_directory (MQTT_FILE_STORE (current)), directory) == 0))
    return TRUE;
  store = mqtt_file_store_new (directory);
  mqtt_file_store_set_sync (store, get_enum (self, PROP_STORE_SYNC));
  return mqtt_client_set_store (client, MQTT_STORE (store), error);
}

/**
 * mqtt_settings_apply:
 * @self: a #MqttSettings
 * @client: a #MqttClient
 * @error: return location for a #GError, or %NULL
 *
 * Configures @client as the settings say, from its next connection on:
 * every setting except the broker, which the connect call names
 * (mqtt_settings_get_host(), mqtt_settings_get_port(),
 * mqtt_settings_get_keepalive()), and the client id, clean session and
 * protocol, which a client is created with (mqtt_settings_create_client()).
 * Settings at their defaults set the client's options to their defaults.
 *
 * Returns: %TRUE on success; %FALSE with the error of a setting the client
 *   refuses (a bad will topic, an unreadable certificate file, an unknown
 *   proxy scheme, a malformed header), the client then partly configured
 */
gboolean
mqtt_settings_apply (MqttSettings *self, MqttClient *client, GError **error)
{
  g_autoptr(GHashTable) headers = NULL;
  g_autoptr(GError) local_error = NULL;
  GBytes *will_payload;
  const char *will_topic;
  guint delay_min;

  g_return_val_if_fail (MQTT_IS_SETTINGS (self), FALSE);
  g_return_val_if_fail (MQTT_IS_CLIENT (client), FALSE);

  headers = header_table (g_value_get_boxed (&self->values[PROP_WS_HEADERS]), &local_error);
  if (local_error)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  will_topic = get_string (self, PROP_WILL_TOPIC);
  will_payload = g_value_get_boxed (&self->values[PROP_WILL_PAYLOAD]);
  if (will_topic == NULL)
    mqtt_client_clear_will (client);
  else if (!mqtt_client_set_will (client, will_topic,
                                  will_payload ? g_bytes_get_data (will_payload, NULL) : NULL,
                                  will_payload ? (gssize) g_bytes_get_size (will_payload) : 0,
                                  get_enum (self, PROP_WILL_QOS),
                                  get_boolean (self, PROP_WILL_RETAIN), error))
    return FALSE;
  if (!apply_tls (self, client, error))
    return FALSE;
  if (get_string (self, PROP_PROXY))
    {
      if (!mqtt_client_proxy_set (client, get_string (self, PROP_PROXY), error))
        return FALSE;
    }
  else
    mqtt_client_set_proxy_resolver (client, get_object (self, PROP_PROXY_RESOLVER));

  mqtt_client_set_credentials (client, get_string (self, PROP_USERNAME),
                               get_string (self, PROP_PASSWORD));
  mqtt_client_set_transport (client, get_enum (self, PROP_TRANSPORT));
  mqtt_client_ws_set_options (client, get_string (self, PROP_WS_PATH), headers);
  mqtt_client_set_bind_address (client, get_string (self, PROP_BIND_ADDRESS));
  mqtt_client_set_keepalive (client, get_uint (self, PROP_KEEPALIVE));
  mqtt_client_set_auto_reconnect (client, get_boolean (self, PROP_AUTO_RECONNECT));
  delay_min = get_uint (self, PROP_RECONNECT_DELAY_MIN);
  /* Within the properties' ranges: cannot fail. */
  mqtt_client_set_reconnect_delay (client, delay_min,
                                   MAX (delay_min, get_uint (self, PROP_RECONNECT_DELAY_MAX)),
                                   NULL);
  mqtt_client_set_max_inflight_messages (client, get_uint (self, PROP_MAX_INFLIGHT_MESSAGES));
  mqtt_client_set_max_queued_messages (client, get_uint (self, PROP_MAX_QUEUED_MESSAGES));
  mqtt_client_set_max_queued_bytes (client,
                                    g_value_get_uint64 (&self->values[PROP_MAX_QUEUED_BYTES]));
  mqtt_client_set_max_packet_size (client, get_uint (self, PROP_MAX_PACKET_SIZE));
  mqtt_client_set_message_retry (client, get_uint (self, PROP_MESSAGE_RETRY));
  mqtt_client_set_outgoing_topic_aliases (client, get_uint (self, PROP_OUTGOING_TOPIC_ALIASES));
  mqtt_client_set_reconnect_jitter (client, get_boolean (self, PROP_RECONNECT_JITTER));
  mqtt_client_set_queue_policy (client, get_enum (self, PROP_QUEUE_POLICY));
  mqtt_client_set_resubscribe (client, get_enum (self, PROP_RESUBSCRIBE));
  mqtt_client_tls_set_alpn_protocols (
    client, g_value_get_boxed (&self->values[PROP_TLS_ALPN_PROTOCOLS]));
  if (!apply_store (self, client, error))
    return FALSE;
  return mqtt_client_set_servers (client, g_value_get_boxed (&self->values[PROP_SERVERS]),
                                  error) &&
         mqtt_client_set_connect_properties (
           client, g_value_get_boxed (&self->values[PROP_CONNECT_PROPERTIES]), error) &&
         mqtt_client_set_will_properties (
           client, g_value_get_boxed (&self->values[PROP_WILL_PROPERTIES]), error);
}

/**
 * mqtt_settings_create_client:
 * @self: (nullable): a #MqttSettings, or %NULL for the defaults
 * @error: return location for a #GError, or %NULL
 *
 * Creates a client with the client id, clean session and protocol of the
 * settings, configured with the others by mqtt_settings_apply(), not
 * connected. Connect it to mqtt_settings_get_host() and
 * mqtt_settings_get_port() with mqtt_settings_get_keepalive().
 *
 * Returns: (transfer full) (nullable): a new client; %NULL with the error
 *   of a setting the client refuses
 */
MqttClient *
mqtt_settings_create_client (MqttSettings *self, GError **error)
{
  g_autoptr(MqttSettings) defaults = NULL;
  g_autoptr(MqttClient) client = NULL;

  if (self == NULL)
    self = defaults = mqtt_settings_new (NULL, 0);
  g_return_val_if_fail (MQTT_IS_SETTINGS (self), NULL);

  client = mqtt_client_new (get_string (self, PROP_CLIENT_ID),
                            get_boolean (self, PROP_CLEAN_SESSION),
                            get_enum (self, PROP_PROTOCOL_VERSION), error);
  if (client == NULL || !mqtt_settings_apply (self, client, error))
    return NULL;
  return g_steal_pointer (&client);
}
