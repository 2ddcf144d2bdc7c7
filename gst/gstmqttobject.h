/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * What mqttsrc and mqttsink share (the srt plugin's GstSRTObject pattern):
 * the connection properties and their URI, and an MqttClient running on
 * a thread and GMainContext of the element's own.
 */

#pragma once

#include <pthread.h>

#include <gst/gst.h>
#include <mqtt-glib/mqtt-glib.h>

G_BEGIN_DECLS

/* Property ids of the shared properties: an element numbers its own from
 * GST_MQTT_OBJECT_N_PROPS. */
enum {
  GST_MQTT_PROP_0,
  GST_MQTT_PROP_URI,
  GST_MQTT_PROP_HOST,
  GST_MQTT_PROP_PORT,
  GST_MQTT_PROP_TOPIC,
  GST_MQTT_PROP_QOS,
  GST_MQTT_PROP_CLIENT_ID,
  GST_MQTT_PROP_USERNAME,
  GST_MQTT_PROP_PASSWORD,
  GST_MQTT_PROP_KEEPALIVE,
  GST_MQTT_PROP_CLEAN_SESSION,
  GST_MQTT_PROP_PROTOCOL,
  GST_MQTT_PROP_TRANSPORT,
  GST_MQTT_PROP_WS_PATH,
  GST_MQTT_PROP_TLS,
  GST_MQTT_PROP_CA_FILE,
  GST_MQTT_PROP_CERT_FILE,
  GST_MQTT_PROP_KEY_FILE,
  GST_MQTT_PROP_TLS_DATABASE,
  GST_MQTT_PROP_TLS_INTERACTION,
  GST_MQTT_PROP_TLS_VALIDATION_FLAGS,
  GST_MQTT_PROP_WILL_TOPIC,
  GST_MQTT_PROP_WILL_PAYLOAD,
  GST_MQTT_PROP_WILL_QOS,
  GST_MQTT_PROP_WILL_RETAIN,
  GST_MQTT_PROP_RECONNECT_DELAY_MIN,
  GST_MQTT_PROP_RECONNECT_DELAY_MAX,
  GST_MQTT_OBJECT_N_PROPS
};

typedef enum {
  GST_MQTT_STATE_STOPPED,
  GST_MQTT_STATE_CONNECTING,   /* the first connection is being made */
  GST_MQTT_STATE_CONNECTED,
  GST_MQTT_STATE_RECONNECTING, /* lost after having been connected */
  GST_MQTT_STATE_FAILED,       /* an error was posted: the stream ended */
} GstMqttState;

typedef struct _GstMqttObject GstMqttObject;

typedef struct {
  /* In the thread of gst_mqtt_object_prepare(), before the first
   * connection. */
  void (*configure) (GstElement *element, MqttClient *client);
  /* The others in the client's thread. Every accepted CONNACK (subscribe
   * here): */
  void (*connected) (GstElement *element, MqttClient *client);
  /* topic or qos changed while running: */
  void (*settings_changed) (GstElement *element, MqttClient *client);
  /* An open connection closed unexpectedly (QoS 0 messages not yet written
   * are lost; QoS 1 and 2 are resent after reconnecting): */
  void (*lost) (GstElement *element);
  void (*message) (GstElement *element, MqttMessage *message);
  void (*published) (GstElement *element, guint mid);
} GstMqttObjectCallbacks;

struct _GstMqttObject {
  GstElement *element;   /* the owner, not a reference */
  gboolean is_sink;
  GstMqttObjectCallbacks callbacks;

  /* POSIX rather than GMutex/GCond, so that ThreadSanitizer follows them. */
  pthread_mutex_t lock;  /* settings and state below, and the elements' */
  pthread_cond_t cond;   /* state changes and wakeups */

  /* Settings */
  char *host;
  int port;              /* -1: from the scheme */
  char *topic;
  int qos;
  gboolean retain;       /* set by the URI; mqttsink's property */
  char *client_id;
  char *username;
  char *password;
  guint keepalive;
  gboolean clean_session;
  MqttProtocolVersion protocol;
  MqttTransportType transport;
  char *ws_path;
  gboolean tls;
  char *ca_file;
  char *cert_file;
  char *key_file;
  GTlsDatabase *tls_database;
  GTlsInteraction *tls_interaction;
  GTlsCertificateFlags validation_flags;
  char *will_topic;
  char *will_payload;
  int will_qos;
  gboolean will_retain;
  guint reconnect_delay_min;
  guint reconnect_delay_max;

  GError *uri_error;     /* why a uri given as a property was refused */

  /* Running */
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  MqttClient *client;
  GstMqttState state;
  gboolean failed;       /* an error was posted: the stream ends */
  gboolean flushing;     /* unlock() in progress */
  guint64 reconnects;
};

void gst_mqtt_object_lock (GstMqttObject *self);
void gst_mqtt_object_unlock (GstMqttObject *self);
/* Waits on self->cond, locked; until @deadline (monotonic µs) if not -1. */
void gst_mqtt_object_wait (GstMqttObject *self, gint64 deadline);
void gst_mqtt_object_wake (GstMqttObject *self);

void gst_mqtt_object_init (GstMqttObject *self, GstElement *element, gboolean is_sink,
                           const GstMqttObjectCallbacks *callbacks);
void gst_mqtt_object_finalize (GstMqttObject *self);

/* Flags of a property that can change while the element runs; the others
 * are GST_PARAM_MUTABLE_READY. */
#define GST_MQTT_PARAM_LIVE (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)
#define GST_MQTT_PARAM_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)

void gst_mqtt_object_install_properties (GObjectClass *klass);
/* Before any set_property: TRUE (with a warning on the bus) when @pspec is
 * GST_PARAM_MUTABLE_READY and the element runs, so the change is refused. */
gboolean gst_mqtt_object_refuse_change (GstMqttObject *self, GParamSpec *pspec);
gboolean gst_mqtt_object_set_property (GstMqttObject *self, guint prop_id, const GValue *value);
gboolean gst_mqtt_object_get_property (GstMqttObject *self, guint prop_id, GValue *value);

/* GstURIHandler */
void gst_mqtt_object_uri_handler_init (GstURIHandlerInterface *iface, GType type);
char *gst_mqtt_object_get_uri (GstMqttObject *self);
gboolean gst_mqtt_object_set_uri (GstMqttObject *self, const char *uri, GError **error);

/* From the element's change_state, READY to PAUSED, before the base class
 * starts: checks the settings and makes the client. On a bad setting it
 * posts the one error and returns FALSE, and the state change fails
 * without the base class's own "failed to start" error. */
gboolean gst_mqtt_object_prepare (GstMqttObject *self);
/* Starts the thread and the first connection; stop disconnects cleanly and
 * joins the thread. */
void gst_mqtt_object_start (GstMqttObject *self);
void gst_mqtt_object_stop (GstMqttObject *self);

/* TRUE for the first error of a run, which the caller then posts; the
 * stream ends (create and render return GST_FLOW_EOS, so that GStreamer's
 * generic "Internal data stream error" does not follow: one failure, one
 * error message). */
gboolean gst_mqtt_object_begin_error (GstMqttObject *self);
#define GST_MQTT_OBJECT_ERROR(obj, domain, code, text, debug)                 \
  G_STMT_START {                                                              \
    if (gst_mqtt_object_begin_error (obj))                                    \
      GST_ELEMENT_ERROR ((obj)->element, domain, code, text, debug);          \
  } G_STMT_END

/* Waits, under self->lock, until connected, failed or flushing. Returns
 * GST_FLOW_OK when connected, GST_FLOW_EOS after an error was posted,
 * GST_FLOW_FLUSHING when unlocked. */
GstFlowReturn gst_mqtt_object_wait_connected_locked (GstMqttObject *self);

/* unlock / unlock_stop */
void gst_mqtt_object_set_flushing (GstMqttObject *self, gboolean flushing);

/* The stats structure's common fields. */
GstStructure *gst_mqtt_object_new_stats (GstMqttObject *self);

/* "host:port" for messages (no credentials). */
char *gst_mqtt_object_describe (GstMqttObject *self);
/* mqttsrc's topic property: filters separated by commas, stripped. */
char **gst_mqtt_object_split_filters (const char *topic);

G_END_DECLS
