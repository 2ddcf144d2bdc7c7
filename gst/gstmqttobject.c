/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The shared part of mqttsrc and mqttsink; see gstmqttobject.h. The
 * connection properties live in an MqttSettings under the object's lock,
 * each element property mapped onto a setting; the client runs on a
 * thread of its own, from prepare/start to stop.
 */

#include "gst-config.h"

#include <string.h>

#include "gstmqttobject.h"

GST_DEBUG_CATEGORY_EXTERN (gst_mqtt_debug);
#define GST_CAT_DEFAULT gst_mqtt_debug

#define DEFAULT_KEEPALIVE 60
#define DEFAULT_WS_PATH "/mqtt"
#define STOP_TIMEOUT_MS 2000

typedef enum {
  STATE_STOPPED,
  STATE_CONNECTING,   /* the first connection is being made */
  STATE_CONNECTED,
  STATE_RECONNECTING, /* lost after having been connected */
  STATE_FAILED,       /* an error was posted: the stream ended */
} State;

struct _GstMqttObject {
  GstElement *element;      /* the owner, not a reference */
  gboolean is_sink;
  GstMqttObjectCallbacks callbacks;
  GstMqttLock *element_lock; /* woken when the state changes */

  GstMqttLock lock;         /* everything below */

  /* Settings */
  MqttSettings *settings;
  char *topic;
  int qos;
  GError *uri_error;        /* why a uri given as a property was refused */

  /* Running */
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  MqttClient *client;
  State state;
  gboolean failed;          /* an error was posted: the stream ends */
  guint64 reconnects;
};

/* ------------------------------------------------------------------------ */
/* Locks */

void
gst_mqtt_lock_init (GstMqttLock *lock)
{
  pthread_condattr_t attr;

  pthread_mutex_init (&lock->mutex, NULL);
  /* Deadlines are g_get_monotonic_time() values. */
  pthread_condattr_init (&attr);
  pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
  pthread_cond_init (&lock->cond, &attr);
  pthread_condattr_destroy (&attr);
}

void
gst_mqtt_lock_clear (GstMqttLock *lock)
{
  pthread_mutex_destroy (&lock->mutex);
  pthread_cond_destroy (&lock->cond);
}

void
gst_mqtt_lock (GstMqttLock *lock)
{
  pthread_mutex_lock (&lock->mutex);
}

void
gst_mqtt_unlock (GstMqttLock *lock)
{
  pthread_mutex_unlock (&lock->mutex);
}

void
gst_mqtt_lock_wait (GstMqttLock *lock, gint64 deadline)
{
  struct timespec ts;

  if (deadline < 0)
    {
      pthread_cond_wait (&lock->cond, &lock->mutex);
      return;
    }
  ts.tv_sec = deadline / G_USEC_PER_SEC;
  ts.tv_nsec = (deadline % G_USEC_PER_SEC) * 1000;
  pthread_cond_timedwait (&lock->cond, &lock->mutex, &ts);
}

void
gst_mqtt_lock_wake (GstMqttLock *lock)
{
  pthread_cond_broadcast (&lock->cond);
}

/* The element may wait for a new state: never called with the object's
 * lock held (the element's lock comes first). */
static void
wake_element (GstMqttObject *self)
{
  gst_mqtt_lock (self->element_lock);
  gst_mqtt_lock_wake (self->element_lock);
  gst_mqtt_unlock (self->element_lock);
}

GstMqttObject *
gst_mqtt_object_new (GstElement *element, gboolean is_sink,
                     const GstMqttObjectCallbacks *callbacks, GstMqttLock *element_lock)
{
  GstMqttObject *self = g_new0 (GstMqttObject, 1);

  self->element = element;
  self->is_sink = is_sink;
  self->callbacks = *callbacks;
  self->element_lock = element_lock;
  gst_mqtt_lock_init (&self->lock);
  self->settings = mqtt_settings_new (NULL, 0);
  return self;
}

void
gst_mqtt_object_free (GstMqttObject *self)
{
  gst_mqtt_object_stop (self);
  g_object_unref (self->settings);
  g_clear_pointer (&self->topic, g_ref_string_release);
  g_clear_error (&self->uri_error);
  gst_mqtt_lock_clear (&self->lock);
  g_free (self);
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
                         "[?qos=N&retain=true&property=value...], any MqttSettings property as a "
                         "parameter too; a bad URI fails the start "
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
    g_param_spec_enum ("protocol", "Protocol", "MQTT 3.1, 3.1.1 or 5", MQTT_TYPE_PROTOCOL_VERSION,
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
                        "The faults that make the broker's certificate unacceptable: all by "
                        "default; without bad-identity the host name is not checked; 0 "
                        "accepts any certificate", G_TYPE_TLS_CERTIFICATE_FLAGS,
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
  g_object_class_install_property (klass, GST_MQTT_PROP_BIND_ADDRESS,
    g_param_spec_string ("bind-address", "Bind address",
                         "The local address to connect from; none for any", NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_PROXY,
    g_param_spec_string ("proxy", "Proxy",
                         "A proxy to connect through: socks5://host:port, socks4a://, "
                         "http://; none for a direct connection", NULL, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_SERVERS,
    g_param_spec_boxed ("servers", "Servers",
                        "Brokers to try in turn instead of host and port, as URIs "
                        "(mqtt://, mqtts://, mqtt+ws://, mqtt+wss://, unix:///path); in the "
                        "uri: servers=URI,URI", G_TYPE_STRV, rw));
  g_object_class_install_property (klass, GST_MQTT_PROP_SETTINGS,
    g_param_spec_object ("settings", "Settings",
                         "All the connection settings as an MqttSettings, those without a "
                         "property of their own included (reading gives a copy, writing "
                         "replaces them with a copy)", MQTT_TYPE_SETTINGS, rw));

  gst_type_mark_as_plugin_api (MQTT_TYPE_PROTOCOL_VERSION, 0);
  gst_type_mark_as_plugin_api (MQTT_TYPE_TRANSPORT_TYPE, 0);
}

gboolean
gst_mqtt_object_refuse_change (GstMqttObject *self, GParamSpec *pspec)
{
  gboolean running;

  if (!(pspec->flags & GST_PARAM_MUTABLE_READY))
    return FALSE;
  gst_mqtt_lock (&self->lock);
  running = self->client != NULL;
  gst_mqtt_unlock (&self->lock);
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

char *
gst_mqtt_object_change_filter (const char *topic, const char *filter, gboolean add,
                               GError **error)
{
  g_auto(GStrv) filters = gst_mqtt_object_split_filters (topic);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) result = NULL;
  gboolean present;
  guint i;

  if (filter == NULL || !mqtt_topic_validate_filter (filter, error))
    {
      if (filter == NULL)
        g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL, "No filter");
      return NULL;
    }
  present = g_strv_contains ((const char *const *) filters, filter);
  if (strchr (filter, ',') || present == add)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "'%s': %s", filter,
                   strchr (filter, ',') ? "a filter has no comma"
                   : present ? "already subscribed" : "not subscribed");
      return NULL;
    }
  for (i = 0; filters[i]; i++)
    if (add || !g_str_equal (filters[i], filter))
      g_strv_builder_add (builder, filters[i]);
  if (add)
    g_strv_builder_add (builder, filter);
  result = g_strv_builder_end (builder);
  return g_strjoinv (",", result);
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

/* A live setting to apply; the element stays alive until then. */
typedef struct {
  GstElement *element;
  GstMqttObject *object;
} LiveChange;

static void
live_change_free (gpointer data)
{
  LiveChange *change = data;

  gst_object_unref (change->element);
  g_free (change);
}

/* In the client's thread: the live settings as they are now. */
static gboolean
apply_live_settings (gpointer data)
{
  GstMqttObject *self = ((LiveChange *) data)->object;
  MqttClient *client;
  guint min, max;

  gst_mqtt_lock (&self->lock);
  client = self->client ? g_object_ref (self->client) : NULL;
  g_object_get (self->settings, "reconnect-delay-min", &min, "reconnect-delay-max", &max, NULL);
  gst_mqtt_unlock (&self->lock);
  if (client == NULL)
    return G_SOURCE_REMOVE;   /* stopped meanwhile */
  /* Within the properties' ranges: cannot fail. */
  mqtt_client_set_reconnect_delay (client, min, MAX (min, max), NULL);
  if (self->callbacks.settings_changed)
    self->callbacks.settings_changed (self->element, client);
  g_object_unref (client);
  return G_SOURCE_REMOVE;
}

/* A live setting changed: applied in the client's thread, if it runs. */
static void
live_setting_changed (GstMqttObject *self)
{
  GMainContext *context = NULL;
  LiveChange *change;

  gst_mqtt_lock (&self->lock);
  if (self->client && self->context)
    context = g_main_context_ref (self->context);
  gst_mqtt_unlock (&self->lock);
  if (context == NULL)
    return;
  change = g_new (LiveChange, 1);
  change->element = gst_object_ref (self->element);
  change->object = self;
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, apply_live_settings, change,
                              live_change_free);
  g_main_context_unref (context);
}

static gboolean
set_topic (GstMqttObject *self, const GValue *value)
{
  g_autoptr(GError) error = NULL;
  gboolean running;

  gst_mqtt_lock (&self->lock);
  running = self->client != NULL;
  gst_mqtt_unlock (&self->lock);
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
  gst_mqtt_lock (&self->lock);
  g_clear_pointer (&self->topic, g_ref_string_release);
  if (g_value_get_string (value))
    self->topic = g_ref_string_new (g_value_get_string (value));
  gst_mqtt_unlock (&self->lock);
  return running;
}

/* The element properties that are settings under the same or another
 * name, and of the same type. */
static const struct {
  guint prop_id;
  const char *setting;
} same_type[] = {
  { GST_MQTT_PROP_HOST, "host" },
  { GST_MQTT_PROP_CLIENT_ID, "client-id" },
  { GST_MQTT_PROP_USERNAME, "username" },
  { GST_MQTT_PROP_PASSWORD, "password" },
  { GST_MQTT_PROP_KEEPALIVE, "keepalive" },
  { GST_MQTT_PROP_CLEAN_SESSION, "clean-session" },
  { GST_MQTT_PROP_PROTOCOL, "protocol-version" },
  { GST_MQTT_PROP_TRANSPORT, "transport" },
  { GST_MQTT_PROP_WS_PATH, "ws-path" },
  { GST_MQTT_PROP_TLS, "tls" },
  { GST_MQTT_PROP_CA_FILE, "ca-certs" },
  { GST_MQTT_PROP_CERT_FILE, "certfile" },
  { GST_MQTT_PROP_KEY_FILE, "keyfile" },
  { GST_MQTT_PROP_TLS_DATABASE, "tls-database" },
  { GST_MQTT_PROP_TLS_INTERACTION, "tls-interaction" },
  { GST_MQTT_PROP_TLS_VALIDATION_FLAGS, "tls-validation-flags" },
  { GST_MQTT_PROP_WILL_TOPIC, "will-topic" },
  { GST_MQTT_PROP_WILL_RETAIN, "will-retain" },
  { GST_MQTT_PROP_RECONNECT_DELAY_MIN, "reconnect-delay-min" },
  { GST_MQTT_PROP_RECONNECT_DELAY_MAX, "reconnect-delay-max" },
  { GST_MQTT_PROP_BIND_ADDRESS, "bind-address" },
  { GST_MQTT_PROP_PROXY, "proxy" },
  { GST_MQTT_PROP_SERVERS, "servers" },
};

static const char *
setting_of (guint prop_id)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (same_type); i++)
    if (same_type[i].prop_id == prop_id)
      return same_type[i].setting;
  return NULL;
}

/* Under the lock: an element property that is a setting, converted where
 * the element's type differs (the port's -1, a text will, an integer
 * QoS). FALSE if @prop_id is none. */
static gboolean
set_setting_locked (GstMqttObject *self, guint prop_id, const GValue *value)
{
  const char *setting = setting_of (prop_id);

  if (setting)
    g_object_set_property (G_OBJECT (self->settings), setting, value);
  else if (prop_id == GST_MQTT_PROP_PORT)
    g_object_set (self->settings, "port", (guint) MAX (g_value_get_int (value), 0), NULL);
  else if (prop_id == GST_MQTT_PROP_WILL_PAYLOAD)
    {
      const char *text = g_value_get_string (value);
      g_autoptr(GBytes) payload = text ? g_bytes_new (text, strlen (text)) : NULL;

      g_object_set (self->settings, "will-payload", payload, NULL);
    }
  else if (prop_id == GST_MQTT_PROP_WILL_QOS)
    g_object_set (self->settings, "will-qos", g_value_get_int (value), NULL);
  else if (prop_id == GST_MQTT_PROP_SETTINGS)
    {
      MqttSettings *settings = g_value_get_object (value);

      g_object_unref (self->settings);
      self->settings = settings ? mqtt_settings_copy (settings) : mqtt_settings_new (NULL, 0);
    }
  else
    return FALSE;
  return TRUE;
}

static gboolean
get_setting_locked (GstMqttObject *self, guint prop_id, GValue *value)
{
  const char *setting = setting_of (prop_id);

  if (setting)
    g_object_get_property (G_OBJECT (self->settings), setting, value);
  else if (prop_id == GST_MQTT_PROP_PORT)
    {
      guint port;

      g_object_get (self->settings, "port", &port, NULL);
      g_value_set_int (value, port ? (int) port : -1);
    }
  else if (prop_id == GST_MQTT_PROP_WILL_PAYLOAD)
    {
      g_autoptr(GBytes) payload = NULL;

      g_object_get (self->settings, "will-payload", &payload, NULL);
      g_value_take_string (value, payload ? g_strndup (g_bytes_get_data (payload, NULL),
                                                       g_bytes_get_size (payload))
                                          : NULL);
    }
  else if (prop_id == GST_MQTT_PROP_WILL_QOS)
    {
      MqttQos qos;

      g_object_get (self->settings, "will-qos", &qos, NULL);
      g_value_set_int (value, qos);
    }
  else if (prop_id == GST_MQTT_PROP_SETTINGS)
    g_value_take_object (value, mqtt_settings_copy (self->settings));
  else
    return FALSE;
  return TRUE;
}

gboolean
gst_mqtt_object_set_property (GstMqttObject *self, guint prop_id, const GValue *value)
{
  gboolean known;

  switch (prop_id)
    {
    case GST_MQTT_PROP_URI:
      {
        g_autoptr(GError) error = NULL;

        /* A property cannot fail: a bad URI is kept for the start to
         * report, with its reason. The element's URI handler applies it,
         * its own parameters included. */
        if (g_value_get_string (value) &&
            !gst_uri_handler_set_uri (GST_URI_HANDLER (self->element),
                                      g_value_get_string (value), &error))
          {
            GST_WARNING_OBJECT (self->element, "%s", error->message);
            gst_mqtt_lock (&self->lock);
            g_clear_error (&self->uri_error);
            self->uri_error = g_steal_pointer (&error);
            gst_mqtt_unlock (&self->lock);
          }
        return TRUE;
      }
    case GST_MQTT_PROP_TOPIC:
      if (set_topic (self, value))
        live_setting_changed (self);
      return TRUE;
    case GST_MQTT_PROP_QOS:
      gst_mqtt_lock (&self->lock);
      self->qos = g_value_get_int (value);
      gst_mqtt_unlock (&self->lock);
      live_setting_changed (self);
      return TRUE;
    default:
      break;
    }

  gst_mqtt_lock (&self->lock);
  known = set_setting_locked (self, prop_id, value);
  gst_mqtt_unlock (&self->lock);
  if (prop_id == GST_MQTT_PROP_RECONNECT_DELAY_MIN || prop_id == GST_MQTT_PROP_RECONNECT_DELAY_MAX)
    live_setting_changed (self);
  return known;
}

gboolean
gst_mqtt_object_get_property (GstMqttObject *self, guint prop_id, GValue *value)
{
  gboolean known = TRUE;

  if (prop_id == GST_MQTT_PROP_URI)
    {
      g_value_take_string (value, gst_mqtt_object_get_uri (self));
      return TRUE;
    }
  gst_mqtt_lock (&self->lock);
  if (prop_id == GST_MQTT_PROP_TOPIC)
    g_value_set_string (value, self->topic);
  else if (prop_id == GST_MQTT_PROP_QOS)
    g_value_set_int (value, self->qos);
  else
    known = get_setting_locked (self, prop_id, value);
  gst_mqtt_unlock (&self->lock);
  return known;
}

char *
gst_mqtt_object_dup_topic (GstMqttObject *self)
{
  char *topic;

  gst_mqtt_lock (&self->lock);
  topic = g_strdup (self->topic);
  gst_mqtt_unlock (&self->lock);
  return topic;
}

int
gst_mqtt_object_get_qos (GstMqttObject *self)
{
  int qos;

  gst_mqtt_lock (&self->lock);
  qos = self->qos;
  gst_mqtt_unlock (&self->lock);
  return qos;
}

/* ------------------------------------------------------------------------ */
/* URI */

const char *const *
gst_mqtt_object_uri_protocols (void)
{
  static const char *protocols[] = { "mqtt", "mqtts", "mqtt+ws", "mqtt+wss", NULL };

  return protocols;
}

/* Properties a URI carries as parameters of the element: its own and the
 * shared ones that are no setting (qos), never those in the rest of the
 * URI, the password (in the authority only), objects (no text form) or
 * read-only ones. Reading a URI, the settings' names under the element's
 * are taken too. */
static gboolean
is_element_parameter (GParamSpec *pspec, gboolean reading)
{
  static const char *const elsewhere[] = {
    "uri", "host", "port", "topic", "username", "password", "tls", "transport", NULL,
  };

  if ((pspec->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
      g_type_is_a (pspec->value_type, G_TYPE_OBJECT) ||
      g_strv_contains (elsewhere, pspec->name))
    return FALSE;
  return reading || pspec->param_id >= GST_MQTT_OBJECT_N_PROPS ||
         pspec->param_id == GST_MQTT_PROP_QOS;
}

char *
gst_mqtt_object_get_uri (GstMqttObject *self)
{
  g_autoptr(GString) uri = NULL;
  g_autofree GParamSpec **pspecs = NULL;
  g_autofree char *connection = NULL;
  guint n, i;
  char separator;

  gst_mqtt_lock (&self->lock);
  connection = mqtt_settings_to_uri (self->settings, self->topic);
  gst_mqtt_unlock (&self->lock);
  uri = g_string_new (connection);
  separator = strchr (uri->str, '?') ? '&' : '?';

  /* Then the element's parameters that are not at their default, in the
   * order of the properties, so that the URI says all the element does. */
  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (self->element), &n);
  for (i = 0; i < n; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;
      g_autofree char *text = NULL, *escaped = NULL;

      if (!is_element_parameter (pspecs[i], FALSE))
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
      escaped = g_uri_escape_string (text, "/+:@,", FALSE);
      g_string_append_printf (uri, "%c%s=%s", separator, pspecs[i]->name, escaped);
      separator = '&';
    }
  return g_string_free (g_steal_pointer (&uri), FALSE);
}

/* @text as a valid value of @pspec in @value, or FALSE with why not. */
static gboolean
parse_parameter (GParamSpec *pspec, const char *text, GValue *value, GError **error)
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

/* The element's own parameters of a URI, checked, as name: value. */
static GstStructure *
parse_element_parameters (GstMqttObject *self, GHashTable *parameters, GError **error)
{
  g_autoptr(GstStructure) parsed = gst_structure_new_empty ("parameters");
  GHashTableIter iter;
  gpointer key, text;

  g_hash_table_iter_init (&iter, parameters);
  while (g_hash_table_iter_next (&iter, &key, &text))
    {
      GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (self->element), key);
      g_auto(GValue) value = G_VALUE_INIT;

      if (pspec == NULL || !is_element_parameter (pspec, TRUE))
        {
          g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                       "Unknown parameter \"%s\" in the URI: see gst-inspect-1.0 for the "
                       "element's properties", (const char *) key);
          return NULL;
        }
      if (!parse_parameter (pspec, text, &value, error))
        return NULL;
      gst_structure_set_value (parsed, key, &value);
    }
  return g_steal_pointer (&parsed);
}

gboolean
gst_mqtt_object_set_uri (GstMqttObject *self, const char *text,
                         GstStructure **element_parameters, GError **error)
{
  g_autoptr(MqttSettings) settings = NULL;
  g_autoptr(GHashTable) parameters = NULL;
  g_autoptr(GstStructure) parsed = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *topic = NULL;
  gboolean running;

  gst_mqtt_lock (&self->lock);
  running = self->client != NULL;
  settings = mqtt_settings_copy (self->settings);
  gst_mqtt_unlock (&self->lock);
  if (running)
    {
      g_set_error_literal (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
                           "The URI can only be changed in the NULL or READY state");
      return FALSE;
    }

  /* Everything is checked, on a copy of the settings and as the element's
   * properties would check it, before anything is applied. */
  if (!mqtt_settings_set_uri (settings, text, &topic, &parameters, &local_error))
    {
      g_set_error_literal (error, GST_URI_ERROR,
                           g_error_matches (local_error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED)
                             ? GST_URI_ERROR_UNSUPPORTED_PROTOCOL
                             : GST_URI_ERROR_BAD_URI,
                           local_error->message);
      return FALSE;
    }
  if (topic && !check_topic (self, topic, &local_error))
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
                   "Invalid topic \"%s\" in the URI: %s", topic, local_error->message);
      return FALSE;
    }
  parsed = parse_element_parameters (self, parameters, error);
  if (parsed == NULL)
    return FALSE;

  gst_mqtt_lock (&self->lock);
  g_set_object (&self->settings, settings);
  g_clear_pointer (&self->topic, g_ref_string_release);
  self->topic = topic ? g_ref_string_new (topic) : NULL;
  self->qos = 0;
  g_clear_error (&self->uri_error);
  gst_mqtt_unlock (&self->lock);
  *element_parameters = g_steal_pointer (&parsed);
  return TRUE;
}

static char *
describe_locked (GstMqttObject *self)
{
  g_auto (GStrv) servers = NULL;

  if (mqtt_settings_get_host (self->settings))
    return g_strdup_printf ("%s:%u", mqtt_settings_get_host (self->settings),
                            mqtt_settings_get_port (self->settings));
  g_object_get (self->settings, "servers", &servers, NULL);
  return g_strjoinv (" ", servers);
}

/* ------------------------------------------------------------------------ */
/* The client and its thread */

static void
post_connection_message (GstMqttObject *self, const char *state, const GError *error)
{
  GstStructure *s;
  guint64 reconnects;

  gst_mqtt_lock (&self->lock);
  reconnects = self->reconnects;
  gst_mqtt_unlock (&self->lock);
  s = gst_structure_new ("mqtt-connection", "state", G_TYPE_STRING, state, "reconnects",
                         G_TYPE_UINT64, reconnects, NULL);
  if (error)
    gst_structure_set (s, "reason", G_TYPE_STRING, error->message, NULL);
  gst_element_post_message (self->element,
                            gst_message_new_element (GST_OBJECT (self->element), s));
}

gboolean
gst_mqtt_object_begin_error (GstMqttObject *self)
{
  gboolean first;

  gst_mqtt_lock (&self->lock);
  first = !self->failed;
  self->failed = TRUE;
  self->state = STATE_FAILED;
  gst_mqtt_unlock (&self->lock);
  wake_element (self);
  return first;
}

static void
set_state (GstMqttObject *self, State state)
{
  gst_mqtt_lock (&self->lock);
  /* After an error the stream has ended, whatever the connection does. */
  if (!self->failed)
    self->state = state;
  gst_mqtt_unlock (&self->lock);
  wake_element (self);
}

static void
on_connected (MqttClient *client, gboolean session_present, int rc, gpointer user_data)
{
  GstMqttObject *self = user_data;

  if (rc != MQTT_CONNACK_ACCEPTED)
    return;
  GST_INFO_OBJECT (self->element, "connected (session present: %d)", session_present);
  set_state (self, STATE_CONNECTED);
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

  gst_mqtt_lock (&self->lock);
  reconnecting = self->state == STATE_RECONNECTING;
  gst_mqtt_unlock (&self->lock);
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
  gst_mqtt_lock (&self->lock);
  lost = self->state == STATE_CONNECTED;
  if (lost)
    {
      self->state = STATE_RECONNECTING;
      self->reconnects++;
    }
  gst_mqtt_unlock (&self->lock);
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
  g_autofree char *where = NULL;
  g_autofree char *debug = g_strdup_printf ("%s %d: %s", g_quark_to_string (error->domain),
                                            error->code, error->message);
  GstResourceError code = self->is_sink ? GST_RESOURCE_ERROR_OPEN_WRITE
                                        : GST_RESOURCE_ERROR_OPEN_READ;
  const char *hint;

  if (!gst_mqtt_object_begin_error (self))
    return;
  gst_mqtt_lock (&self->lock);
  where = describe_locked (self);
  gst_mqtt_unlock (&self->lock);
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

  gst_mqtt_lock (&self->lock);
  /* A stop may come first: nothing to connect then. */
  client = self->client ? g_object_ref (self->client) : NULL;
  host = g_strdup (mqtt_settings_get_host (self->settings));
  port = mqtt_settings_get_port (self->settings);
  keepalive = mqtt_settings_get_keepalive (self->settings);
  gst_mqtt_unlock (&self->lock);

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

gboolean
gst_mqtt_object_prepare (GstMqttObject *self)
{
  g_autoptr(MqttSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *topic = NULL;
  GMainContext *context;
  MqttClient *client;

  gst_mqtt_lock (&self->lock);
  if (self->uri_error)
    error = g_error_copy (self->uri_error);
  topic = g_strdup (self->topic);
  settings = mqtt_settings_copy (self->settings);
  gst_mqtt_unlock (&self->lock);
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
  client = mqtt_settings_create_client (settings, &error);
  g_main_context_pop_thread_default (context);
  if (client == NULL)
    {
      GST_ELEMENT_ERROR (self->element, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
      g_main_context_unref (context);
      return FALSE;
    }
  /* An element's stream lasts through lost connections. */
  mqtt_client_set_auto_reconnect (client, TRUE);
  if (self->callbacks.configure)
    self->callbacks.configure (self->element, client);
  g_signal_connect (client, "connected", G_CALLBACK (on_connected), self);
  g_signal_connect (client, "connect-failed", G_CALLBACK (on_connect_failed), self);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), self);
  g_signal_connect (client, "message", G_CALLBACK (on_message), self);
  g_signal_connect (client, "published", G_CALLBACK (on_published), self);

  gst_mqtt_lock (&self->lock);
  g_clear_object (&self->client);
  g_clear_pointer (&self->context, g_main_context_unref);
  self->client = client;
  self->context = context;
  self->state = STATE_CONNECTING;
  self->failed = FALSE;
  self->reconnects = 0;
  gst_mqtt_unlock (&self->lock);
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

  gst_mqtt_lock (&self->lock);
  client = g_steal_pointer (&self->client);
  context = g_steal_pointer (&self->context);
  self->state = STATE_STOPPED;
  gst_mqtt_unlock (&self->lock);
  wake_element (self);
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

MqttClient *
gst_mqtt_object_get_client (GstMqttObject *self)
{
  MqttClient *client;

  gst_mqtt_lock (&self->lock);
  client = self->client;
  gst_mqtt_unlock (&self->lock);
  return client;
}

MqttClient *
gst_mqtt_object_ref_client (GstMqttObject *self)
{
  MqttClient *client;

  gst_mqtt_lock (&self->lock);
  client = self->client ? g_object_ref (self->client) : NULL;
  gst_mqtt_unlock (&self->lock);
  return client;
}

GstFlowReturn
gst_mqtt_object_wait_connected (GstMqttObject *self, const gboolean *flushing)
{
  return gst_mqtt_object_wait_target (self, flushing, NULL);
}

GstFlowReturn
gst_mqtt_object_wait_target (GstMqttObject *self, const gboolean *flushing,
                             GstMqttTarget *target)
{
  GstFlowReturn ret;

  for (;;)
    {
      gst_mqtt_lock (&self->lock);
      if (*flushing)
        ret = GST_FLOW_FLUSHING;
      else if (self->state == STATE_CONNECTING)
        ret = GST_FLOW_CUSTOM_SUCCESS;   /* not yet */
      else if (self->failed)
        ret = GST_FLOW_EOS;
      else if (self->state == STATE_STOPPED)
        ret = GST_FLOW_FLUSHING;
      else
        ret = GST_FLOW_OK;
      if (ret == GST_FLOW_OK && target)
        {
          target->client = self->client;
          target->topic = self->topic ? g_ref_string_acquire (self->topic) : NULL;
          target->qos = self->qos;
        }
      gst_mqtt_unlock (&self->lock);
      if (ret != GST_FLOW_CUSTOM_SUCCESS)
        return ret;
      /* A change of state wakes the element's lock, held here. */
      gst_mqtt_lock_wait (self->element_lock, -1);
    }
}

void
gst_mqtt_target_clear (GstMqttTarget *target)
{
  g_clear_pointer (&target->topic, g_ref_string_release);
}

GstStructure *
gst_mqtt_object_new_stats (GstMqttObject *self)
{
  static const char *names[] = { "stopped", "connecting", "connected", "reconnecting",
                                 "failed" };
  GstStructure *s;

  gst_mqtt_lock (&self->lock);
  s = gst_structure_new ("application/x-mqtt-stats", "state", G_TYPE_STRING, names[self->state],
                         "reconnects", G_TYPE_UINT64, self->reconnects, NULL);
  gst_mqtt_unlock (&self->lock);
  return s;
}
