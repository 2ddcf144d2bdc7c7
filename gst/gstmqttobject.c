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
  pthread_mutex_destroy (&self->lock);
  pthread_cond_destroy (&self->cond);
}

/* ------------------------------------------------------------------------ */
/* Properties */

void
gst_mqtt_object_install_properties (GObjectClass *klass)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  g_object_class_install_property (klass, GST_MQTT_PROP_URI,
    g_param_spec_string ("uri", "URI",
                         "mqtt://, mqtts://, mqtt+ws:// or mqtt+wss:// [user@]host[:port]/topic"
                         "[?qos=N&retain=true&property=value...] (reading it never shows a "
                         "password)", NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_HOST,
    g_param_spec_string ("host", "Host", "The broker's host name or address", "localhost", rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_PORT,
    g_param_spec_int ("port", "Port",
                      "The broker's port; -1 for the scheme's (1883, 8883 with TLS, 80 or 443 "
                      "over WebSockets)", -1, G_MAXUINT16, -1, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_TOPIC,
    g_param_spec_string ("topic", "Topic",
                         "The topic (mqttsink) or topic filters, comma-separated, wildcards "
                         "allowed (mqttsrc)", NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_QOS,
    g_param_spec_int ("qos", "QoS", "Quality of service: 0, 1 or 2", 0, 2, 0, rw));
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
                          "Use TLS (also implied by ca-file, cert-file and tls-database)", FALSE,
                          rw));
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
                       1, G_MAXUINT16, 1, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_RECONNECT_DELAY_MAX,
    g_param_spec_uint ("reconnect-delay-max", "Reconnect delay max",
                       "Longest delay between reconnection attempts, in seconds", 1,
                       G_MAXUINT16, 120, rw));

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
gst_mqtt_object_set_property (GstMqttObject *self, guint prop_id, const GValue *value)
{
  gst_mqtt_object_lock (self);
  switch (prop_id)
    {
    case GST_MQTT_PROP_URI:
      gst_mqtt_object_unlock (self);
      {
        g_autoptr(GError) error = NULL;

        if (g_value_get_string (value) &&
            !gst_mqtt_object_set_uri (self, g_value_get_string (value), &error))
          GST_ELEMENT_WARNING (self->element, RESOURCE, SETTINGS, ("%s", error->message),
                               (NULL));
      }
      return TRUE;
    case GST_MQTT_PROP_HOST:
      g_free (self->host);
      self->host = g_strdup (g_value_get_string (value) ? g_value_get_string (value)
                                                        : "localhost");
      break;
    case GST_MQTT_PROP_PORT:
      self->port = g_value_get_int (value);
      break;
    case GST_MQTT_PROP_TOPIC:
      set_string (&self->topic, value);
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
      g_value_set_boolean (value, self->tls);
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
  guint i;

  for (i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (schemes[i].tls == self->tls && schemes[i].transport == self->transport)
      return schemes[i].port;
  return 1883;
}

static const char *
scheme_locked (GstMqttObject *self)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (schemes[i].tls == self->tls && schemes[i].transport == self->transport)
      return schemes[i].scheme;
  return "mqtt";
}

char *
gst_mqtt_object_get_uri (GstMqttObject *self)
{
  g_autoptr(GString) uri = g_string_new (NULL);

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
  if (self->qos || (self->is_sink && self->retain))
    {
      g_string_append_printf (uri, "?qos=%d", self->qos);
      if (self->is_sink && self->retain)
        g_string_append (uri, "&retain=true");
    }
  gst_mqtt_object_unlock (self);
  return g_string_free (g_steal_pointer (&uri), FALSE);
}

gboolean
gst_mqtt_object_set_uri (GstMqttObject *self, const char *text, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) parse_error = NULL;
  const char *scheme, *path;
  GHashTableIter iter;
  gpointer key, val;
  guint i;

  uri = g_uri_parse (text, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_SCHEME_NORMALIZE,
                     &parse_error);
  if (uri == NULL)
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "Invalid MQTT URI: %s",
                   parse_error->message);
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  for (i = 0; i < G_N_ELEMENTS (schemes); i++)
    if (g_ascii_strcasecmp (scheme, schemes[i].scheme) == 0)
      break;
  if (i == G_N_ELEMENTS (schemes))
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_UNSUPPORTED_PROTOCOL,
                   "Unsupported scheme %s: mqtt, mqtts, mqtt+ws or mqtt+wss", scheme);
      return FALSE;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "The URI has no host");
      return FALSE;
    }
  if (g_uri_get_query (uri))
    {
      params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE,
                                   &parse_error);
      if (params == NULL)
        {
          g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "Invalid URI query: %s",
                       parse_error->message);
          return FALSE;
        }
      /* Each parameter is a property of the element, checked before any
       * is applied. */
      g_hash_table_iter_init (&iter, params);
      while (g_hash_table_iter_next (&iter, &key, &val))
        if (g_str_equal (key, "uri") || g_str_equal (key, "password") ||
            !g_object_class_find_property (G_OBJECT_GET_CLASS (self->element), key))
          {
            g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                         "Unknown URI parameter %s", (const char *) key);
            return FALSE;
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
  path = g_uri_get_path (uri);
  while (*path == '/')
    path++;
  g_free (self->topic);
  self->topic = *path ? g_strdup (path) : NULL;
  self->qos = 0;
  self->retain = FALSE;
  gst_mqtt_object_unlock (self);

  if (params)
    {
      g_hash_table_iter_init (&iter, params);
      while (g_hash_table_iter_next (&iter, &key, &val))
        gst_util_set_object_arg (G_OBJECT (self->element), key, val);
    }
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
  /* Both elements keep their GstMqttObject at the same place: see
   * GST_MQTT_ELEMENT_OBJECT. */
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

  if (GST_STATE (self->element) > GST_STATE_READY)
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
  text = g_strdup_printf ("%s:%d/%s", self->host,
                          self->port != -1 ? self->port : (int) default_port_locked (self),
                          self->topic ? self->topic : "");
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

static void
set_state (GstMqttObject *self, GstMqttState state)
{
  gst_mqtt_object_lock (self);
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

/* Maps a failed first connection to a GStreamer error. */
static void
post_connection_error (GstMqttObject *self, const GError *error)
{
  g_autofree char *where = gst_mqtt_object_describe (self);

  if (error->domain == MQTT_ERROR &&
      (error->code == MQTT_ERROR_REFUSED_BAD_USERNAME_PASSWORD ||
       error->code == MQTT_ERROR_REFUSED_NOT_AUTHORIZED))
    GST_ELEMENT_ERROR (self->element, RESOURCE, NOT_AUTHORIZED,
                       ("The broker at %s refused the connection: %s", where, error->message),
                       (NULL));
  else if ((error->domain == G_RESOLVER_ERROR && error->code == G_RESOLVER_ERROR_NOT_FOUND) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND))
    GST_ELEMENT_ERROR (self->element, RESOURCE, NOT_FOUND,
                       ("Could not find the broker of %s: %s", where, error->message), (NULL));
  else if (self->is_sink)
    GST_ELEMENT_ERROR (self->element, RESOURCE, OPEN_WRITE,
                       ("Could not connect to %s: %s", where, error->message), (NULL));
  else
    GST_ELEMENT_ERROR (self->element, RESOURCE, OPEN_READ,
                       ("Could not connect to %s: %s", where, error->message), (NULL));
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
  /* The cause first: the streaming thread's own error follows it. */
  post_connection_error (self, error);
  set_state (self, GST_MQTT_STATE_FAILED);
}

static gboolean
begin_connecting (gpointer user_data)
{
  GstMqttObject *self = user_data;
  g_autofree char *host = NULL;
  guint port, keepalive;

  gst_mqtt_object_lock (self);
  host = g_strdup (self->host);
  port = self->port != -1 ? (guint) self->port : default_port_locked (self);
  keepalive = self->keepalive;
  gst_mqtt_object_unlock (self);

  mqtt_client_connect_to_broker_async (self->client, host, port, keepalive, NULL,
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

  if (!(self->tls || self->ca_file || self->cert_file || self->tls_database))
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
create_client (GstMqttObject *self, GError **error)
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
  if (!mqtt_client_set_reconnect_delay (client, self->reconnect_delay_min,
                                        MAX (self->reconnect_delay_min, self->reconnect_delay_max),
                                        error))
    return NULL;
  mqtt_client_set_auto_reconnect (client, TRUE);
  return g_steal_pointer (&client);
}

gboolean
gst_mqtt_object_start (GstMqttObject *self)
{
  g_autoptr(GError) error = NULL;
  GSource *idle;

  self->context = g_main_context_new ();
  /* The client belongs to the context that is thread-default when it is made. */
  g_main_context_push_thread_default (self->context);
  gst_mqtt_object_lock (self);
  self->client = create_client (self, &error);
  self->state = GST_MQTT_STATE_CONNECTING;
  self->reconnects = 0;
  gst_mqtt_object_unlock (self);
  g_main_context_pop_thread_default (self->context);
  if (self->client && self->callbacks.configure)
    self->callbacks.configure (self->element, self->client);
  if (self->client == NULL)
    {
      GST_ELEMENT_ERROR (self->element, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
      g_clear_pointer (&self->context, g_main_context_unref);
      self->state = GST_MQTT_STATE_STOPPED;
      return FALSE;
    }

  g_signal_connect (self->client, "connected", G_CALLBACK (on_connected), self);
  g_signal_connect (self->client, "disconnected", G_CALLBACK (on_disconnected), self);
  g_signal_connect (self->client, "message", G_CALLBACK (on_message), self);
  g_signal_connect (self->client, "published", G_CALLBACK (on_published), self);

  self->loop = g_main_loop_new (self->context, FALSE);
  idle = g_idle_source_new ();
  g_source_set_callback (idle, begin_connecting, self, NULL);
  g_source_attach (idle, self->context);
  g_source_unref (idle);
  self->thread = g_thread_new ("mqtt-client", run_client, self);
  return TRUE;
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
  if (self->thread == NULL)
    return;
  g_main_context_invoke (self->context, begin_stopping, self);
  g_thread_join (self->thread);
  self->thread = NULL;

  g_signal_handlers_disconnect_by_data (self->client, self);
  /* Let what the stop left pending (callbacks of finished operations) run
   * before the client goes. */
  g_main_context_push_thread_default (self->context);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_clear_object (&self->client);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  set_state (self, GST_MQTT_STATE_STOPPED);
}

GstFlowReturn
gst_mqtt_object_wait_connected_locked (GstMqttObject *self)
{
  while (!self->flushing && self->state == GST_MQTT_STATE_CONNECTING)
    gst_mqtt_object_wait (self, -1);
  if (self->flushing)
    return GST_FLOW_FLUSHING;
  if (self->state == GST_MQTT_STATE_FAILED || self->state == GST_MQTT_STATE_STOPPED)
    return GST_FLOW_ERROR;
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
