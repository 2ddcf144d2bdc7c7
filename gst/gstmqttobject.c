/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#include "config.h"

#include <string.h>

#include "gstmqttelements.h"
#include "gstmqttobject.h"

#define GST_CAT_DEFAULT gst_mqtt_debug

#define DEFAULT_KEEPALIVE 60
#define DEFAULT_WS_PATH "/mqtt"
#define STOP_TIMEOUT_MS 2000

static const struct {
  const char *scheme;
  gboolean tls;
  MqttTransportType transport;
  guint port;
} schemes[] = {
  { "mqtt", FALSE, MQTT_TRANSPORT_TCP, 1883 },
  { "mqtts", TRUE, MQTT_TRANSPORT_TCP, 8883 },
  { "mqtt+ws", FALSE, MQTT_TRANSPORT_WEBSOCKETS, 80 },
  { "mqtt+wss", TRUE, MQTT_TRANSPORT_WEBSOCKETS, 443 },
};

void
gst_mqtt_object_lock (GstMqttObject *self)
{
  pthread_mutex_lock (&self->lock);
}

void
gst_mqtt_object_unlock (GstMqttObject *self)
{
  pthread_mutex_unlock (&self->lock);
}

void
gst_mqtt_object_wait (GstMqttObject *self, gint64 deadline)
{
  struct timespec ts;

  if (deadline < 0)
    {
      pthread_cond_wait (&self->cond, &self->lock);
      return;
    }
  ts.tv_sec = deadline / G_USEC_PER_SEC;
  ts.tv_nsec = (deadline % G_USEC_PER_SEC) * 1000;
  pthread_cond_timedwait (&self->cond, &self->lock, &ts);
}

void
gst_mqtt_object_wake (GstMqttObject *self)
{
  pthread_cond_broadcast (&self->cond);
}

void
gst_mqtt_object_init (GstMqttObject *self, GstElement *element, gboolean is_sink,
                      const GstMqttObjectCallbacks *callbacks)
{
  pthread_condattr_t attr;

  memset (self, 0, sizeof *self);
  self->element = element;
  self->is_sink = is_sink;
  self->callbacks = *callbacks;
  pthread_mutex_init (&self->lock, NULL);
  /* Deadlines are g_get_monotonic_time() values. */
  pthread_condattr_init (&attr);
  pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
  pthread_cond_init (&self->cond, &attr);
  pthread_condattr_destroy (&attr);
  self->host = g_strdup ("localhost");
  self->port = -1;
  self->keepalive = DEFAULT_KEEPALIVE;
  self->clean_session = TRUE;
  self->protocol = MQTT_PROTOCOL_V311;
  self->transport = MQTT_TRANSPORT_TCP;
  self->ws_path = g_strdup (DEFAULT_WS_PATH);
  self->validation_flags = G_TLS_CERTIFICATE_VALIDATE_ALL;
  self->reconnect_delay_min = 1;
  self->reconnect_delay_max = 120;
}

static void
clear_secret (char **secret)
{
  if (*secret)
    memset (*secret, 0, strlen (*secret));
  g_clear_pointer (secret, g_free);
}

void
gst_mqtt_object_finalize (GstMqttObject *self)
{
  gst_mqtt_object_stop (self);
  g_free (self->host);
  g_free (self->topic);
  g_free (self->client_id);
  g_free (self->username);
  clear_secret (&self->password);
  g_free (self->ws_path);
  g_free (self->ca_file);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->tls_interaction);
  g_free (self->will_topic);
  g_free (self->will_payload);
  g_clear_error (&self->uri_error);
  pthread_mutex_destroy (&self->lock);
  pthread_cond_destroy (&self->cond);
}

/* ------------------------------------------------------------------------ */
/* Properties */

void
gst_mqtt_object_install_properties (GObjectClass *klass)
{
  /* Connection settings need a new connection: READY. The topic, the QoS
   * and the reconnection delays apply while running. */
  const GParamFlags rw = GST_MQTT_PARAM_READY;
  const GParamFlags live = GST_MQTT_PARAM_LIVE;

  g_object_class_install_property (klass, GST_MQTT_PROP_URI,
    g_param_spec_string ("uri", "URI",
                         "mqtt://, mqtts://, mqtt+ws:// or mqtt+wss:// [user@]host[:port]/topic"
                         "[?qos=N&retain=true&property=value...]; a bad URI fails the start "
                         "with its reason (reading it never shows a password)", NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_HOST,
    g_param_spec_string ("host", "Host", "The broker's host name or address", "localhost", rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_PORT,
    g_param_spec_int ("port", "Port",
                      "The broker's port; -1 for the scheme's (1883, 8883 with TLS, 80 or 443 "
                      "over WebSockets)", -1, G_MAXUINT16, -1, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_TOPIC,
    g_param_spec_string ("topic", "Topic",
                         "The topic (mqttsink) or topic filters, comma-separated, wildcards "
                         "allowed (mqttsrc); applies at once while playing", NULL, live));
  g_object_class_install_property (klass, GST_MQTT_PROP_QOS,
    g_param_spec_int ("qos", "QoS", "Quality of service: 0, 1 or 2; applies at once while "
                      "playing", 0, 2, 0, live));
  g_object_class_install_property (klass, GST_MQTT_PROP_CLIENT_ID,
    g_param_spec_string ("client-id", "Client id",
                         "The client identifier; empty for a random one", NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_USERNAME,
    g_param_spec_string ("username", "User name", "The user name, if any", NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_PASSWORD,
    g_param_spec_string ("password", "Password", "The password (write-only)", NULL,
                         G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (klass, GST_MQTT_PROP_KEEPALIVE,
    g_param_spec_uint ("keepalive", "Keepalive", "Keepalive interval in seconds, 0 for none", 0,
                       G_MAXUINT16, DEFAULT_KEEPALIVE, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_CLEAN_SESSION,
    g_param_spec_boolean ("clean-session", "Clean session",
                          "Start a new session; FALSE resumes the broker's session of this "
                          "client id (needs client-id)", TRUE, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_PROTOCOL,
    g_param_spec_enum ("protocol", "Protocol", "MQTT 3.1 or 3.1.1", MQTT_TYPE_PROTOCOL_VERSION,
                       MQTT_PROTOCOL_V311, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_TRANSPORT,
    g_param_spec_enum ("transport", "Transport", "TCP or WebSockets", MQTT_TYPE_TRANSPORT_TYPE,
                       MQTT_TRANSPORT_TCP, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_WS_PATH,
    g_param_spec_string ("ws-path", "WebSocket path", "The path of the WebSocket endpoint",
                         DEFAULT_WS_PATH, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_TLS,
    g_param_spec_boolean ("tls", "TLS",
                          "Use TLS; on, and reading TRUE, whenever any other TLS property is "
                          "set: never plaintext then", FALSE, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_CA_FILE,
    g_param_spec_string ("ca-file", "CA file",
                         "PEM file of the certificate authorities to trust; none for the "
                         "system's", NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_CERT_FILE,
    g_param_spec_string ("cert-file", "Certificate file",
                         "Client certificate: PEM (with key-file) or PKCS #12", NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_KEY_FILE,
    g_param_spec_string ("key-file", "Key file", "PEM private key of cert-file", NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_TLS_DATABASE,
    g_param_spec_object ("tls-database", "TLS database",
                         "Certificate authorities to trust, as a GTlsDatabase", G_TYPE_TLS_DATABASE,
                         rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_TLS_INTERACTION,
    g_param_spec_object ("tls-interaction", "TLS interaction",
                         "Asked for the password of an encrypted PKCS #12 certificate",
                         G_TYPE_TLS_INTERACTION, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_TLS_VALIDATION_FLAGS,
    g_param_spec_flags ("tls-validation-flags", "TLS validation flags",
                        "What to check of the broker's certificate: all by default; without "
                        "bad-identity the host name is not checked; none accepts any "
                        "certificate", G_TYPE_TLS_CERTIFICATE_FLAGS,
                        G_TLS_CERTIFICATE_VALIDATE_ALL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_WILL_TOPIC,
    g_param_spec_string ("will-topic", "Will topic",
                         "Topic of the will, published by the broker if the connection is lost",
                         NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_WILL_PAYLOAD,
    g_param_spec_string ("will-payload", "Will payload", "Payload of the will", NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_WILL_QOS,
    g_param_spec_int ("will-qos", "Will QoS", "QoS of the will", 0, 2, 0, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_WILL_RETAIN,
    g_param_spec_boolean ("will-retain", "Will retain", "Retain the will", FALSE, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_RECONNECT_DELAY_MIN,
    g_param_spec_uint ("reconnect-delay-min", "Reconnect delay min",
                       "Seconds before the first reconnection attempt (doubling up to the max)",
                       1, G_MAXUINT16, 1, live));
  g_object_class_install_property (klass, GST_MQTT_PROP_RECONNECT_DELAY_MAX,
    g_param_spec_uint ("reconnect-delay-max", "Reconnect delay max",
                       "Longest delay between reconnection attempts, in seconds", 1,
                       G_MAXUINT16, 120, live));

  gst_type_mark_as_plugin_api (MQTT_TYPE_PROTOCOL_VERSION, 0);
  gst_type_mark_as_plugin_api (MQTT_TYPE_TRANSPORT_TYPE, 0);
}

static void
set_string (char **field, const GValue *value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

gboolean
gst_mqtt_object_refuse_change (GstMqttObject *self, GParamSpec *pspec)
{
  gboolean running;

  if (!(pspec->flags & GST_PARAM_MUTABLE_READY))
    return FALSE;
  gst_mqtt_object_lock (self);
  running = self->client != NULL;
  gst_mqtt_object_unlock (self);
  if (!running)
    return FALSE;
  GST_ELEMENT_WARNING (self->element, RESOURCE, SETTINGS,
                       ("The %s property can only be changed in the NULL or READY state: the "
                        "change was ignored", pspec->name), (NULL));
  return TRUE;
}

/* Whether @topic will do for this element: a topic name to publish on, or
 * topic filters, comma-separated, to subscribe to. */
static gboolean
check_topic (GstMqttObject *self, const char *topic, GError **error)
{
  g_auto(GStrv) filters = NULL;
  guint i;

  if (topic == NULL || *topic == '\0')
    {
      g_set_error_literal (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                           "No topic: set the topic property or give one in the uri");
      return FALSE;
    }
  if (self->is_sink)
    return mqtt_topic_validate_name (topic, error);
  filters = gst_mqtt_object_split_filters (topic);
  for (i = 0; filters[i]; i++)
    if (!mqtt_topic_validate_filter (filters[i], error))
      return FALSE;
  return TRUE;
}

char **
gst_mqtt_object_split_filters (const char *topic)
{
  char **filters = g_strsplit (topic ? topic : "", ",", -1);
  guint i;

  for (i = 0; filters[i]; i++)
    g_strstrip (filters[i]);
  return filters;
}

/* In the client's thread: the live settings as they are now. */
static gboolean
apply_live_settings (gpointer element)
{
  GstMqttObject *self = gst_mqtt_element_get_object (element);
  MqttClient *client;
  guint min, max;

  gst_mqtt_object_lock (self);
  client = self->client ? g_object_ref (self->client) : NULL;
  min = self->reconnect_delay_min;
  max = MAX (self->reconnect_delay_min, self->reconnect_delay_max);
  gst_mqtt_object_unlock (self);
  if (client == NULL)
    return G_SOURCE_REMOVE;   /* stopped meanwhile */
  /* Within the properties' ranges: cannot fail. */
  mqtt_client_set_reconnect_delay (client, min, max, NULL);
  if (self->callbacks.settings_changed)
    self->callbacks.settings_changed (self->element, client);
  g_object_unref (client);
  return G_SOURCE_REMOVE;
}

/* A live setting changed: applied in the client's thread, if it runs. The
 * element stays alive until then. */
static void
live_setting_changed (GstMqttObject *self)
{
  GMainContext *context = NULL;

  gst_mqtt_object_lock (self);
  if (self->client && self->context)
    context = g_main_context_ref (self->context);
  gst_mqtt_object_unlock (self);
  if (context == NULL)
    return;
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, apply_live_settings,
                              gst_object_ref (self->element), gst_object_unref);
  g_main_context_unref (context);
}

static gboolean
set_topic (GstMqttObject *self, const GValue *value)
{
  g_autoptr(GError) error = NULL;
  gboolean running;

  gst_mqtt_object_lock (self);
  running = self->client != NULL;
  gst_mqtt_object_unlock (self);
  /* While running a bad topic is refused, and the old one stays; stopped,
   * the start checks it. */
  if (running && !check_topic (self, g_value_get_string (value), &error))
    {
      GST_ELEMENT_WARNING (self->element, RESOURCE, SETTINGS,
                           ("Invalid topic \"%s\", the change was ignored: %s",
                            g_value_get_string (value) ? g_value_get_string (value) : "",
                            error->message), (NULL));
      return FALSE;
    }
  gst_mqtt_object_lock (self);
  set_string (&self->topic, value);
  gst_mqtt_object_unlock (self);
  return running;
}

/* Whether any TLS setting is given: TLS is then on, whatever the tls
 * property says (never a plaintext connection with a CA or a client
 * certificate configured). */
static gboolean
tls_wanted_locked (GstMqttObject *self)
{
  return self->tls || self->ca_file || self->cert_file || self->key_file || self->tls_database ||
         self->tls_interaction || self->validation_flags != G_TLS_CERTIFICATE_VALIDATE_ALL;
}

gboolean
gst_mqtt_object_set_property (GstMqttObject *self, guint prop_id, const GValue *value)
{
  switch (prop_id)
    {
    case GST_MQTT_PROP_URI:
      {
        g_autoptr(GError) error = NULL;

        /* A property cannot fail: a bad URI is kept for the start to
         * report, with its reason. */
        if (g_value_get_string (value) &&
            !gst_mqtt_object_set_uri (self, g_value_get_string (value), &error))
          {
            GST_WARNING_OBJECT (self->element, "%s", error->message);
            gst_mqtt_object_lock (self);
            g_clear_error (&self->uri_error);
            self->uri_error = g_steal_pointer (&error);
            gst_mqtt_object_unlock (self);
          }
        return TRUE;
      }
    case GST_MQTT_PROP_TOPIC:
      if (set_topic (self, value))
        live_setting_changed (self);
      return TRUE;
    default:
      break;
    }

  gst_mqtt_object_lock (self);
  switch (prop_id)
    {
    case GST_MQTT_PROP_HOST:
      g_free (self->host);
      self->host = g_strdup (g_value_get_string (value) ? g_value_get_string (value)
                                                        : "localhost");
      break;
    case GST_MQTT_PROP_PORT:
      self->port = g_value_get_int (value);
      break;
    case GST_MQTT_PROP_QOS:
      self->qos = g_value_get_int (value);
      break;
    case GST_MQTT_PROP_CLIENT_ID:
      set_string (&self->client_id, value);
      break;
    case GST_MQTT_PROP_USERNAME:
      set_string (&self->username, value);
      break;
    case GST_MQTT_PROP_PASSWORD:
      clear_secret (&self->password);
      self->password = g_value_dup_string (value);
      break;
    case GST_MQTT_PROP_KEEPALIVE:
      self->keepalive = g_value_get_uint (value);
      break;
    case GST_MQTT_PROP_CLEAN_SESSION:
      self->clean_session = g_value_get_boolean (value);
      break;
    case GST_MQTT_PROP_PROTOCOL:
      self->protocol = g_value_get_enum (value);
      break;
    case GST_MQTT_PROP_TRANSPORT:
      self->transport = g_value_get_enum (value);
      break;
    case GST_MQTT_PROP_WS_PATH:
      g_free (self->ws_path);
      self->ws_path = g_strdup (g_value_get_string (value) ? g_value_get_string (value)
                                                           : DEFAULT_WS_PATH);
      break;
    case GST_MQTT_PROP_TLS:
      self->tls = g_value_get_boolean (value);
      break;
    case GST_MQTT_PROP_CA_FILE:
      set_string (&self->ca_file, value);
      break;
    case GST_MQTT_PROP_CERT_FILE:
      set_string (&self->cert_file, value);
      break;
    case GST_MQTT_PROP_KEY_FILE:
      set_string (&self->key_file, value);
      break;
    case GST_MQTT_PROP_TLS_DATABASE:
      g_set_object (&self->tls_database, g_value_get_object (value));
      break;
    case GST_MQTT_PROP_TLS_INTERACTION:
      g_set_object (&self->tls_interaction, g_value_get_object (value));
      break;
    case GST_MQTT_PROP_TLS_VALIDATION_FLAGS:
      self->validation_flags = g_value_get_flags (value);
      break;
    case GST_MQTT_PROP_WILL_TOPIC:
      set_string (&self->will_topic, value);
      break;
    case GST_MQTT_PROP_WILL_PAYLOAD:
      set_string (&self->will_payload, value);
      break;
    case GST_MQTT_PROP_WILL_QOS:
      self->will_qos = g_value_get_int (value);
      break;
    case GST_MQTT_PROP_WILL_RETAIN:
      self->will_retain = g_value_get_boolean (value);
      break;
    case GST_MQTT_PROP_RECONNECT_DELAY_MIN:
      self->reconnect_delay_min = g_value_get_uint (value);
      break;
    case GST_MQTT_PROP_RECONNECT_DELAY_MAX:
      self->reconnect_delay_max = g_value_get_uint (value);
      break;
    default:
      gst_mqtt_object_unlock (self);
      return FALSE;
    }
  gst_mqtt_object_unlock (self);
  if (prop_id == GST_MQTT_PROP_QOS || prop_id == GST_MQTT_PROP_RECONNECT_DELAY_MIN ||
      prop_id == GST_MQTT_PROP_RECONNECT_DELAY_MAX)
    live_setting_changed (self);
  return TRUE;
}

gboolean
gst_mqtt_object_get_property (GstMqttObject *self, guint prop_id, GValue *value)
{
  if (prop_id == GST_MQTT_PROP_URI)
    {
      g_value_take_string (value, gst_mqtt_object_get_uri (self));
      return TRUE;
    }

  gst_mqtt_object_lock (self);
  switch (prop_id)
    {
    case GST_MQTT_PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case GST_MQTT_PROP_PORT:
      g_value_set_int (value, self->port);
      break;
    case GST_MQTT_PROP_TOPIC:
      g_value_set_string (value, self->topic);
      break;
    case GST_MQTT_PROP_QOS:
      g_value_set_int (value, self->qos);
      break;
    case GST_MQTT_PROP_CLIENT_ID:
      g_value_set_string (value, self->client_id);
      break;
    case GST_MQTT_PROP_USERNAME:
      g_value_set_string (value, self->username);
      break;
    case GST_MQTT_PROP_KEEPALIVE:
      g_value_set_uint (value, self->keepalive);
      break;
    case GST_MQTT_PROP_CLEAN_SESSION:
      g_value_set_boolean (value, self->clean_session);
      break;
    case GST_MQTT_PROP_PROTOCOL:
      g_value_set_enum (value, self->protocol);
      break;
    case GST_MQTT_PROP_TRANSPORT:
      g_value_set_enum (value, self->transport);
      break;
    case GST_MQTT_PROP_WS_PATH:
      g_value_set_string (value, self->ws_path);
      break;
    case GST_MQTT_PROP_TLS:
      g_value_set_boolean (value, tls_wanted_locked (self));
      break;
    case GST_MQTT_PROP_CA_FILE:
      g_value_set_string (value, self->ca_file);
      break;
    case GST_MQTT_PROP_CERT_FILE:
      g_value_set_string (value, self->cert_file);
      break;
    case GST_MQTT_PROP_KEY_FILE:
      g_value_set_string (value, self->key_file);
      break;
    case GST_MQTT_PROP_TLS_DATABASE:
      g_value_set_object (value, self->tls_database);
      break;
    case GST_MQTT_PROP_TLS_INTERACTION:
      g_value_set_object (value, self->tls_interaction);
      break;
    case GST_MQTT_PROP_TLS_VALIDATION_FLAGS:
      g_value_set_flags (value, self->validation_flags);
      break;
    case GST_MQTT_PROP_WILL_TOPIC:
      g_value_set_string (value, self->will_topic);
      break;
    case GST_MQTT_PROP_WILL_PAYLOAD:
      g_value_set_string (value, self->will_payload);
      break;
    case GST_MQTT_PROP_WILL_QOS:
      g_value_set_int (value, self->will_qos);
      break;
    case GST_MQTT_PROP_WILL_RETAIN:
      g_value_set_boolean (value, self->will_retain);
      break;
    case GST_MQTT_PROP_RECONNECT_DELAY_MIN:
      g_value_set_uint (value, self->reconnect_delay_min);
      break;
    case GST_MQTT_PROP_RECONNECT_DELAY_MAX:
      g_value_set_uint (value, self->reconnect_delay_max);
      break;
    default:
      gst_mqtt_object_unlock (self);
      return FALSE;
    }
  gst_mqtt_object_unlock (self);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* URI */

static guint
default_port_locked (GstMqttObject *self)
{
  gboolean tls = tls_wanted_locked (self);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (schemes[i].tls == tls && schemes[i].transport == self->transport)
      return schemes[i].port;
  return 1883;
}

static const char *
scheme_locked (GstMqttObject *self)
{
  gboolean tls = tls_wanted_locked (self);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (schemes[i].tls == tls && schemes[i].transport == self->transport)
      return schemes[i].scheme;
  return "mqtt";
}

/* Properties a URI carries as query parameters: the element's own, except
 * those in the rest of the URI, the password (in the authority only),
 * objects (no text form) and read-only ones. */
static gboolean
is_uri_parameter (GstMqttObject *self, GParamSpec *pspec)
{
  static const char *const elsewhere[] = {
    "uri", "host", "port", "topic", "username", "password", "tls", "transport", NULL,
  };

  return pspec->owner_type == G_OBJECT_TYPE (self->element) &&
         (pspec->flags & G_PARAM_READWRITE) == G_PARAM_READWRITE &&
         !g_strv_contains (elsewhere, pspec->name) &&
         !g_type_is_a (pspec->value_type, G_TYPE_OBJECT);
}

char *
gst_mqtt_object_get_uri (GstMqttObject *self)
{
  g_autoptr(GString) uri = g_string_new (NULL);
  g_autofree GParamSpec **pspecs = NULL;
  guint n, i;
  char separator = '?';

  gst_mqtt_object_lock (self);
  g_string_append_printf (uri, "%s://", scheme_locked (self));
  if (self->username)
    {
      g_autofree char *user = g_uri_escape_string (self->username, NULL, FALSE);

      /* Never the password. */
      g_string_append_printf (uri, "%s@", user);
    }
  if (strchr (self->host, ':'))
    g_string_append_printf (uri, "[%s]", self->host);
  else
    g_string_append (uri, self->host);
  if (self->port != -1 && (guint) self->port != default_port_locked (self))
    g_string_append_printf (uri, ":%d", self->port);
  g_string_append_c (uri, '/');
  if (self->topic)
    {
      g_autofree char *topic = g_uri_escape_string (self->topic, "/+,", FALSE);

      g_string_append (uri, topic);
    }
  gst_mqtt_object_unlock (self);

  /* Every other setting that is not at its default, in the order of the
   * properties, so that the URI says all the element does. */
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (self->element), &n);
  for (i = 0; i < n; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;
      g_autofree char *text = NULL, *escaped = NULL;

      if (!is_uri_parameter (self, pspecs[i]))
        continue;
      g_value_init (&value, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (self->element), pspecs[i]->name, &value);
      if (g_param_value_defaults (pspecs[i], &value))
        continue;
      /* Strings as they are (GStreamer's syntax would quote them). */
      text = G_VALUE_HOLDS_STRING (&value) ? g_value_dup_string (&value)
                                            : gst_value_serialize (&value);
      if (text == NULL)
        continue;
      escaped = g_uri_escape_string (text, NULL, FALSE);
      g_string_append_printf (uri, "%c%s=%s", separator, pspecs[i]->name, escaped);
      separator = '&';
    }
  return g_string_free (g_steal_pointer (&uri), FALSE);
}

/* @text as a valid value of @pspec in @value, or FALSE with why not. */
static gboolean
parse_parameter (GstMqttObject *self, GParamSpec *pspec, const char *text, GValue *value,
                 GError **error)
{
  g_value_init (value, pspec->value_type);
  if (G_VALUE_HOLDS_STRING (value))
    g_value_set_string (value, text);
  else if (!gst_value_deserialize (value, text) || g_param_value_validate (pspec, value))
    {
      if (G_IS_PARAM_SPEC_INT (pspec))
        g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                     "Invalid value \"%s\" for %s in the URI: an integer from %d to %d", text,
                     pspec->name, G_PARAM_SPEC_INT (pspec)->minimum,
                     G_PARAM_SPEC_INT (pspec)->maximum);
      else if (G_IS_PARAM_SPEC_UINT (pspec))
        g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                     "Invalid value \"%s\" for %s in the URI: an integer from %u to %u", text,
                     pspec->name, G_PARAM_SPEC_UINT (pspec)->minimum,
                     G_PARAM_SPEC_UINT (pspec)->maximum);
      else
        g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                     "Invalid value \"%s\" for %s in the URI (a %s)", text, pspec->name,
                     g_type_name (pspec->value_type));
      return FALSE;
    }
  return TRUE;
}

gboolean
gst_mqtt_object_set_uri (GstMqttObject *self, const char *text, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GArray) values = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *scheme, *path;
  GHashTableIter iter;
  gpointer key, val;
  guint i;

  uri = g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_SCHEME_NORMALIZE,
                     &parse_error);
  if (uri == NULL)
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "Invalid MQTT URI \"%s\": %s",
                   text, parse_error->message);
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  for (i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (g_ascii_strcasecmp (scheme, schemes[i].scheme) == 0)
      break;
  if (i == G_N_ELEMENTS (schemes))
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_UNSUPPORTED_PROTOCOL,
                   "Unsupported URI scheme \"%s\" in \"%s\": use mqtt, mqtts, mqtt+ws or "
                   "mqtt+wss", scheme, text);
      return FALSE;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "The URI \"%s\" has no host",
                   text);
      return FALSE;
    }
  /* An unescaped '#' starts a fragment, which would cut the topic short. */
  if (g_uri_get_fragment (uri))
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                   "The URI \"%s\" has a fragment: write the wildcard # of a topic as %%23",
                   text);
      return FALSE;
    }
  path = g_uri_get_path (uri);
  while (*path == '/')
    path++;
  if (*path && !check_topic (self, path, &parse_error))
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                   "Invalid topic \"%s\" in the URI: %s", path, parse_error->message);
      return FALSE;
    }

  /* Every parameter is checked, as its property would be, before any is
   * applied. */
  values = g_array_new (FALSE, TRUE, sizeof (GValue));
  g_array_set_clear_func (values, (GDestroyNotify) g_value_unset);
  if (g_uri_get_query (uri))
    {
      params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE,
                                   &parse_error);
      if (params == NULL)
        {
          g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                       "Invalid query in the URI \"%s\": %s", text, parse_error->message);
          return FALSE;
        }
      g_hash_table_iter_init (&iter, params);
      while (g_hash_table_iter_next (&iter, &key, &val))
        {
          GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self->element),
                                                            key);
          GValue *value;

          if (pspec == NULL || !is_uri_parameter (self, pspec))
            {
              g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                           "Unknown parameter \"%s\" in the URI: %s", (const char *) key,
                           g_str_equal (key, "password") ? "give the password as "
                                                           "user:password@host"
                                                         : "see gst-inspect-1.0 for the "
                                                           "element's properties");
              return FALSE;
            }
          g_array_set_size (values, values->len + 1);
          value = &g_array_index (values, GValue, values->len - 1);
          if (!parse_parameter (self, pspec, val, value, error))
            return FALSE;
          g_ptr_array_add (names, (gpointer) pspec->name);
        }
    }

  gst_mqtt_object_lock (self);
  self->tls = schemes[i].tls;
  self->transport = schemes[i].transport;
  g_free (self->host);
  self->host = g_strdup (g_uri_get_host (uri));
  self->port = g_uri_get_port (uri);
  g_free (self->username);
  self->username = g_strdup (g_uri_get_user (uri));
  clear_secret (&self->password);
  self->password = g_strdup (g_uri_get_password (uri));
  g_free (self->topic);
  self->topic = *path ? g_strdup (path) : NULL;
  self->qos = 0;
  self->retain = FALSE;
  g_clear_error (&self->uri_error);
  gst_mqtt_object_unlock (self);

  for (i = 0; i < names->len; i++)
    g_object_set_property (G_OBJECT (self->element), g_ptr_array_index (names, i),
                           &g_array_index (values, GValue, i));
  return TRUE;
}

static const char *const *
uri_get_protocols (GType type)
{
  static const char *protocols[] = { "mqtt", "mqtts", "mqtt+ws", "mqtt+wss", NULL };

  return protocols;
}

static GstURIType
src_uri_get_type (GType type)
{
  return GST_URI_SRC;
}

static GstURIType
sink_uri_get_type (GType type)
{
  return GST_URI_SINK;
}

static GstMqttObject *
object_of (GstURIHandler *handler)
{
  return gst_mqtt_element_get_object (GST_ELEMENT (handler));
}

static char *
uri_get_uri (GstURIHandler *handler)
{
  return gst_mqtt_object_get_uri (object_of (handler));
}

static gboolean
uri_set_uri (GstURIHandler *handler, const char *uri, GError **error)
{
  GstMqttObject *self = object_of (handler);
  gboolean running;

  gst_mqtt_object_lock (self);
  running = self->client != NULL;
  gst_mqtt_object_unlock (self);
  if (running)
    {
      g_set_error_literal (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
                           "The URI can only be changed in the NULL or READY state");
      return FALSE;
    }
  return gst_mqtt_object_set_uri (self, uri, error);
}

void
gst_mqtt_object_uri_handler_init (GstURIHandlerInterface *iface, GType type)
{
  iface->get_type = type == GST_URI_SINK ? sink_uri_get_type : src_uri_get_type;
  iface->get_protocols = uri_get_protocols;
  iface->get_uri = uri_get_uri;
  iface->set_uri = uri_set_uri;
}

char *
gst_mqtt_object_describe (GstMqttObject *self)
{
  char *text;

  gst_mqtt_object_lock (self);
  text = g_strdup_printf ("%s:%d", self->host,
                          self->port != -1 ? self->port : (int) default_port_locked (self));
  gst_mqtt_object_unlock (self);
  return text;
}

/* ------------------------------------------------------------------------ */
/* The client and its thread */

static void
post_connection_message (GstMqttObject *self, const char *state, const GError *error)
{
  GstStructure *s = gst_structure_new ("mqtt-connection", "state", G_TYPE_STRING, state,
                                       "reconnects", G_TYPE_UINT64, self->reconnects, NULL);

  if (error)
    gst_structure_set (s, "reason", G_TYPE_STRING, error->message, NULL);
  gst_element_post_message (self->element,
                            gst_message_new_element (GST_OBJECT (self->element), s));
}

gboolean
gst_mqtt_object_begin_error (GstMqttObject *self)
{
  gboolean first;

  gst_mqtt_object_lock (self);
  first = !self->failed;
  self->failed = TRUE;
  self->state = GST_MQTT_STATE_FAILED;
  gst_mqtt_object_wake (self);
  gst_mqtt_object_unlock (self);
  return first;
}

static void
set_state (GstMqttObject *self, GstMqttState state)
{
  gst_mqtt_object_lock (self);
  /* After an error the stream has ended, whatever the connection does. */
  if (!self->failed)
    self->state = state;
  gst_mqtt_object_wake (self);
  gst_mqtt_object_unlock (self);
}

static void
on_connected (MqttClient *client, gboolean session_present, int rc, gpointer user_data)
{
  GstMqttObject *self = user_data;

  if (rc != MQTT_CONNACK_ACCEPTED)
    return;
  GST_INFO_OBJECT (self->element, "connected (session present: %d)", session_present);
  set_state (self, GST_MQTT_STATE_CONNECTED);
  post_connection_message (self, "connected", NULL);
  if (self->callbacks.connected)
    self->callbacks.connected (self->element, client);
}

/* A reconnection attempt failed (the first connection's failure is the
 * connecting call's): news for the application, not an error. */
static void
on_connect_failed (MqttClient *client, GError *error, gpointer user_data)
{
  GstMqttObject *self = user_data;
  gboolean reconnecting;

  gst_mqtt_object_lock (self);
  reconnecting = self->state == GST_MQTT_STATE_RECONNECTING;
  gst_mqtt_object_unlock (self);
  if (!reconnecting)
    return;
  GST_INFO_OBJECT (self->element, "reconnection failed: %s", error->message);
  post_connection_message (self, "reconnecting", error);
}

static void
on_disconnected (MqttClient *client, int rc, GError *error, gpointer user_data)
{
  GstMqttObject *self = user_data;
  gboolean lost;

  /* A requested disconnection (stop) is not news. */
  if (rc == MQTT_ERROR_SUCCESS)
    return;
  gst_mqtt_object_lock (self);
  lost = self->state == GST_MQTT_STATE_CONNECTED;
  if (lost)
    {
      self->state = GST_MQTT_STATE_RECONNECTING;
      self->reconnects++;
    }
  gst_mqtt_object_unlock (self);
  if (lost)
    {
      GST_WARNING_OBJECT (self->element, "connection lost, reconnecting: %s",
                          error ? error->message : "no reason given");
      post_connection_message (self, "reconnecting", error);
    }
  if (self->callbacks.lost)
    self->callbacks.lost (self->element);
}

static void
on_message (MqttClient *client, MqttMessage *message, gpointer user_data)
{
  GstMqttObject *self = user_data;

  if (self->callbacks.message)
    self->callbacks.message (self->element, message);
}

static void
on_published (MqttClient *client, guint mid, gpointer user_data)
{
  GstMqttObject *self = user_data;

  if (self->callbacks.published)
    self->callbacks.published (self->element, mid);
}

/* A failed first connection as one GStreamer error, in the words of its
 * cause and with what to do about it (docs/connection-failures.xml). */
static void
post_connection_error (GstMqttObject *self, const GError *error)
{
  g_autofree char *where = gst_mqtt_object_describe (self);
  g_autofree char *debug = g_strdup_printf ("%s %d: %s", g_quark_to_string (error->domain),
                                            error->code, error->message);
  GstResourceError code = self->is_sink ? GST_RESOURCE_ERROR_OPEN_WRITE
                                        : GST_RESOURCE_ERROR_OPEN_READ;
  const char *hint;

  if (!gst_mqtt_object_begin_error (self))
    return;
  if (error->domain == MQTT_ERROR &&
      (error->code == MQTT_ERROR_REFUSED_BAD_USERNAME_PASSWORD ||
       error->code == MQTT_ERROR_REFUSED_NOT_AUTHORIZED))
    {
      code = GST_RESOURCE_ERROR_NOT_AUTHORIZED;
      hint = "check username and password";
    }
  else if (error->domain == MQTT_ERROR && error->code > MQTT_ERROR_CONNACK_BASE)
    hint = error->code == MQTT_ERROR_REFUSED_IDENTIFIER_REJECTED ? "check client-id"
           : error->code == MQTT_ERROR_REFUSED_PROTOCOL_VERSION  ? "try protocol=v31"
                                                                 : "try again later";
  else if (error->domain == G_RESOLVER_ERROR ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND))
    {
      code = GST_RESOURCE_ERROR_NOT_FOUND;
      hint = "check the host name";
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    hint = "is the broker running, and is the port right?";
  else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    hint = "set ca-file (or tls-database) to the authority that signed the broker's "
           "certificate, or check host";
  /* A TLS 1.3 server that wants a certificate may say so after the
   * handshake, in an alert glib-networking reports as G_TLS_ERROR_MISC with
   * GnuTLS's name for it. */
  else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_CERTIFICATE_REQUIRED) ||
           (error->domain == G_TLS_ERROR && strstr (error->message, "ertificate is required")))
    hint = "the broker wants a client certificate: set cert-file and key-file";
  else if (error->domain == G_TLS_ERROR)
    hint = "check the TLS settings, and that the port is a TLS one";
  else if (g_error_matches (error, MQTT_ERROR, MQTT_ERROR_CONN_REFUSED))
    hint = "check ws-path and port";
  else
    hint = "check host, port, transport and tls";
  /* GST_ELEMENT_ERROR with the code chosen above. */
  gst_element_message_full (self->element, GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, code,
                            g_strdup_printf ("Could not connect to the MQTT broker at %s: %s (%s)",
                                             where, error->message, hint),
                            g_steal_pointer (&debug), __FILE__, GST_FUNCTION, __LINE__);
}

static void
first_connection_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GstMqttObject *self = user_data;
  g_autoptr(GError) error = NULL;

  if (mqtt_client_connect_to_broker_finish (MQTT_CLIENT (source), result, &error))
    return;   /* on_connected did the rest */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* stopping */
  GST_WARNING_OBJECT (self->element, "first connection failed: %s", error->message);
  post_connection_error (self, error);
}

static gboolean
begin_connecting (gpointer user_data)
{
  GstMqttObject *self = user_data;
  g_autoptr(MqttClient) client = NULL;
  g_autofree char *host = NULL;
  guint port, keepalive;

  gst_mqtt_object_lock (self);
  /* A stop may come first: nothing to connect then. */
  client = self->client ? g_object_ref (self->client) : NULL;
  host = g_strdup (self->host);
  port = self->port != -1 ? (guint) self->port : default_port_locked (self);
  keepalive = self->keepalive;
  gst_mqtt_object_unlock (self);

  if (client)
    mqtt_client_connect_to_broker_async (client, host, port, keepalive, NULL,
                                         first_connection_done, self);
  return G_SOURCE_REMOVE;
}

static gpointer
run_client (gpointer user_data)
{
  GstMqttObject *self = user_data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
configure_tls (GstMqttObject *self, MqttClient *client, GError **error)
{
  GTlsCertificateFlags flags = self->validation_flags;

  if (!tls_wanted_locked (self))
    return TRUE;
  if (self->tls_interaction)
    mqtt_client_set_tls_interaction (client, self->tls_interaction);
  if (!mqtt_client_tls_set (client, self->ca_file, self->cert_file, self->key_file,
                            flags ? MQTT_TLS_CERT_REQUIRED : MQTT_TLS_CERT_NONE,
                            MQTT_TLS_VERSION_DEFAULT, NULL, error))
    return FALSE;
  if (self->tls_database)
    g_object_set (client, "tls-database", self->tls_database, NULL);
  /* GIO checks the certificate as a whole: the host name can be let go
   * (tls_insecure_set), or everything, nothing in between. */
  if (flags && !(flags & G_TLS_CERTIFICATE_BAD_IDENTITY))
    mqtt_client_tls_insecure_set (client, TRUE);
  if (flags && (flags | G_TLS_CERTIFICATE_BAD_IDENTITY) != G_TLS_CERTIFICATE_VALIDATE_ALL)
    GST_WARNING_OBJECT (self->element, "tls-validation-flags: only bad-identity can be left out "
                        "on its own; the other checks all apply");
  return TRUE;
}

static MqttClient *
create_client_locked (GstMqttObject *self, GError **error)
{
  g_autoptr(MqttClient) client = NULL;

  client = mqtt_client_new (self->client_id, self->clean_session, self->protocol, error);
  if (client == NULL)
    return NULL;
  mqtt_client_set_transport (client, self->transport);
  if (self->transport == MQTT_TRANSPORT_WEBSOCKETS)
    mqtt_client_ws_set_options (client, self->ws_path, NULL);
  if (self->username)
    mqtt_client_set_credentials (client, self->username, self->password);
  if (self->will_topic &&
      !mqtt_client_set_will (client, self->will_topic, (const guint8 *) self->will_payload, -1,
                             self->will_qos, self->will_retain, error))
    return NULL;
  if (!configure_tls (self, client, error))
    return NULL;
  /* Within the properties' ranges: cannot fail. */
  mqtt_client_set_reconnect_delay (client, self->reconnect_delay_min,
                                   MAX (self->reconnect_delay_min, self->reconnect_delay_max),
                                   NULL);
  mqtt_client_set_auto_reconnect (client, TRUE);
  return g_steal_pointer (&client);
}

gboolean
gst_mqtt_object_prepare (GstMqttObject *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *topic = NULL;
  GMainContext *context;
  MqttClient *client;

  gst_mqtt_object_lock (self);
  if (self->uri_error)
    error = g_error_copy (self->uri_error);
  topic = g_strdup (self->topic);
  gst_mqtt_object_unlock (self);
  if (error == NULL)
    check_topic (self, topic, &error);
  if (error)
    {
      GST_ELEMENT_ERROR (self->element, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
      return FALSE;
    }

  context = g_main_context_new ();
  /* The client belongs to the context that is thread-default when it is
   * made. */
  g_main_context_push_thread_default (context);
  gst_mqtt_object_lock (self);
  client = create_client_locked (self, &error);
  gst_mqtt_object_unlock (self);
  g_main_context_pop_thread_default (context);
  if (client == NULL)
    {
      GST_ELEMENT_ERROR (self->element, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
      g_main_context_unref (context);
      return FALSE;
    }
  if (self->callbacks.configure)
    self->callbacks.configure (self->element, client);
  g_signal_connect (client, "connected", G_CALLBACK (on_connected), self);
  g_signal_connect (client, "connect-failed", G_CALLBACK (on_connect_failed), self);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), self);
  g_signal_connect (client, "message", G_CALLBACK (on_message), self);
  g_signal_connect (client, "published", G_CALLBACK (on_published), self);

  gst_mqtt_object_lock (self);
  g_clear_object (&self->client);
  g_clear_pointer (&self->context, g_main_context_unref);
  self->client = client;
  self->context = context;
  self->state = GST_MQTT_STATE_CONNECTING;
  self->failed = FALSE;
  self->reconnects = 0;
  gst_mqtt_object_unlock (self);
  return TRUE;
}

void
gst_mqtt_object_start (GstMqttObject *self)
{
  GSource *idle;

  self->loop = g_main_loop_new (self->context, FALSE);
  idle = g_idle_source_new ();
  g_source_set_callback (idle, begin_connecting, self, NULL);
  g_source_attach (idle, self->context);
  g_source_unref (idle);
  self->thread = g_thread_new ("mqtt-client", run_client, self);
}

static gboolean
give_up_stopping (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

static void
stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  mqtt_client_disconnect_from_broker_finish (MQTT_CLIENT (source), result, NULL);
  g_main_loop_quit (user_data);
}

/* In the client's thread: a clean DISCONNECT if connected, then the end of
 * the loop. */
static gboolean
begin_stopping (gpointer user_data)
{
  GstMqttObject *self = user_data;

  if (mqtt_client_get_state (self->client) == MQTT_CLIENT_STATE_CONNECTED)
    {
      GSource *timeout = g_timeout_source_new (STOP_TIMEOUT_MS);

      g_source_set_callback (timeout, give_up_stopping, self->loop, NULL);
      g_source_attach (timeout, self->context);
      g_source_unref (timeout);
      mqtt_client_disconnect_from_broker_async (self->client, NULL, stopped, self->loop);
    }
  else
    {
      mqtt_client_disconnect_from_broker (self->client, NULL);
      g_main_loop_quit (self->loop);
    }
  return G_SOURCE_REMOVE;
}

void
gst_mqtt_object_stop (GstMqttObject *self)
{
  MqttClient *client;
  GMainContext *context;

  if (self->thread)
    {
      g_main_context_invoke (self->context, begin_stopping, self);
      g_thread_join (self->thread);
      self->thread = NULL;
    }

  gst_mqtt_object_lock (self);
  client = g_steal_pointer (&self->client);
  context = g_steal_pointer (&self->context);
  self->state = GST_MQTT_STATE_STOPPED;
  gst_mqtt_object_wake (self);
  gst_mqtt_object_unlock (self);
  if (client == NULL)
    return;

  g_signal_handlers_disconnect_by_data (client, self);
  /* Let what the stop left pending (callbacks of finished operations, live
   * settings) run before the client goes. */
  g_main_context_push_thread_default (context);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_object_unref (client);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_main_context_unref (context);
}

GstFlowReturn
gst_mqtt_object_wait_connected_locked (GstMqttObject *self)
{
  while (!self->flushing && self->state == GST_MQTT_STATE_CONNECTING)
    gst_mqtt_object_wait (self, -1);
  if (self->flushing)
    return GST_FLOW_FLUSHING;
  if (self->failed)
    return GST_FLOW_EOS;
  if (self->state == GST_MQTT_STATE_STOPPED)
    return GST_FLOW_FLUSHING;
  return GST_FLOW_OK;
}

void
gst_mqtt_object_set_flushing (GstMqttObject *self, gboolean flushing)
{
  gst_mqtt_object_lock (self);
  self->flushing = flushing;
  gst_mqtt_object_wake (self);
  gst_mqtt_object_unlock (self);
}

GstStructure *
gst_mqtt_object_new_stats (GstMqttObject *self)
{
  static const char *names[] = { "stopped", "connecting", "connected", "reconnecting",
                                 "failed" };
  GstStructure *s;

  gst_mqtt_object_lock (self);
  s = gst_structure_new ("application/x-mqtt-stats", "state", G_TYPE_STRING, names[self->state],
                         "reconnects", G_TYPE_UINT64, self->reconnects, NULL);
  gst_mqtt_object_unlock (self);
  return s;
}
