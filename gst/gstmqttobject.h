/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * What mqttsrc and mqttsink share (the srt plugin's GstSRTObject pattern):
 * the connection properties, mapped onto an MqttSettings, and their URI;
 * an MqttClient running on a thread and GMainContext of its own; the
 * connection's state. Each element holds one GstMqttObject and keeps its
 * own state under its own GstMqttLock; the object never reads the
 * element's fields, it calls the element's callbacks and wakes its lock.
 */

#pragma once

#include <pthread.h>

#include <gst/gst.h>
#include <mqtt-glib/mqtt-glib.h>

G_BEGIN_DECLS

/* A mutex and a condition, POSIX rather than GMutex/GCond so that
 * ThreadSanitizer follows them. */
typedef struct {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
} GstMqttLock;

void gst_mqtt_lock_init (GstMqttLock *lock);
void gst_mqtt_lock_clear (GstMqttLock *lock);
void gst_mqtt_lock (GstMqttLock *lock);
void gst_mqtt_unlock (GstMqttLock *lock);
/* Waits, locked; until @deadline (monotonic µs) if not -1. */
void gst_mqtt_lock_wait (GstMqttLock *lock, gint64 deadline);
/* Wakes the waiters, locked. */
void gst_mqtt_lock_wake (GstMqttLock *lock);

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
  GST_MQTT_PROP_BIND_ADDRESS,
  GST_MQTT_PROP_PROXY,
  GST_MQTT_PROP_SERVERS,
  GST_MQTT_PROP_SETTINGS,
  GST_MQTT_OBJECT_N_PROPS
};

typedef struct _GstMqttObject GstMqttObject;

/* Called without the object's lock; the element takes its own. */
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

/* @element_lock is the element's own: the object wakes it when the
 * connection's state changes, and gst_mqtt_object_wait_connected() waits
 * on it. */
GstMqttObject *gst_mqtt_object_new (GstElement *element, gboolean is_sink,
                                    const GstMqttObjectCallbacks *callbacks,
                                    GstMqttLock *element_lock);
void gst_mqtt_object_free (GstMqttObject *self);

/* Flags of a property that can change while the element runs; the others
 * are GST_PARAM_MUTABLE_READY. */
#define GST_MQTT_PARAM_LIVE (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)
#define GST_MQTT_PARAM_READY (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)

void gst_mqtt_object_install_properties (GObjectClass *klass);
/* Before any set_property: TRUE (with a warning on the bus) when @pspec is
 * GST_PARAM_MUTABLE_READY and the element runs, so the change is refused. */
gboolean gst_mqtt_object_refuse_change (GstMqttObject *self, GParamSpec *pspec);
/* FALSE for a property that is not one of the shared ones. */
gboolean gst_mqtt_object_set_property (GstMqttObject *self, guint prop_id, const GValue *value);
gboolean gst_mqtt_object_get_property (GstMqttObject *self, guint prop_id, GValue *value);

/* What the elements' URI handlers call. The URI is the grammar of
 * MqttSettings with the topic in the path and the elements' own
 * properties (and qos) as further parameters. set_uri checks the whole URI
 * and applies the connection's part; the element's own parameters, checked
 * but not applied, come back in @element_parameters (name: value) for the
 * element to apply. */
const char *const *gst_mqtt_object_uri_protocols (void);
char *gst_mqtt_object_get_uri (GstMqttObject *self);
gboolean gst_mqtt_object_set_uri (GstMqttObject *self, const char *uri,
                                  GstStructure **element_parameters, GError **error);

/* The live settings, for the elements. */
char *gst_mqtt_object_dup_topic (GstMqttObject *self);
int gst_mqtt_object_get_qos (GstMqttObject *self);

/* From the element's change_state, READY to PAUSED, before the base class
 * starts: checks the settings and makes the client. On a bad setting it
 * posts the one error and returns FALSE, and the state change fails
 * without the base class's own "failed to start" error. */
gboolean gst_mqtt_object_prepare (GstMqttObject *self);
/* Starts the thread and the first connection; stop disconnects cleanly and
 * joins the thread. */
void gst_mqtt_object_start (GstMqttObject *self);
void gst_mqtt_object_stop (GstMqttObject *self);
/* The client, from prepare to stop; for the streaming thread. */
MqttClient *gst_mqtt_object_get_client (GstMqttObject *self);
/* The client (a reference), or NULL before the first prepare: for any
 * thread (an application's action signal). */
MqttClient *gst_mqtt_object_ref_client (GstMqttObject *self);

/* TRUE for the first error of a run, which the caller then posts; the
 * stream ends (create and render return GST_FLOW_EOS, so that GStreamer's
 * generic "Internal data stream error" does not follow: one failure, one
 * error message). */
gboolean gst_mqtt_object_begin_error (GstMqttObject *self);
#define GST_MQTT_OBJECT_ERROR(obj, element, domain, code, text, debug)       \
  G_STMT_START {                                                              \
    if (gst_mqtt_object_begin_error (obj))                                    \
      GST_ELEMENT_ERROR (element, domain, code, text, debug);                 \
  } G_STMT_END

/* Waits, under the element's lock, until connected, failed or *@flushing.
 * Returns GST_FLOW_OK when connected (or reconnecting: publications
 * wait in the client), GST_FLOW_EOS after an error was posted,
 * GST_FLOW_FLUSHING when flushing or stopped. */
GstFlowReturn gst_mqtt_object_wait_connected (GstMqttObject *self, const gboolean *flushing);

/* What one publication needs of the object, read with its state. */
typedef struct {
  MqttClient *client;   /* the object's: valid while it is started */
  char *topic;          /* a reference (g_ref_string_release()), NULL for none */
  int qos;
} GstMqttTarget;

/* As gst_mqtt_object_wait_connected(), reading in the same look at the
 * object what a publication needs: one lock for each buffer rather than
 * one for each value. @target is filled when GST_FLOW_OK is returned;
 * gst_mqtt_target_clear() then clears it. */
GstFlowReturn gst_mqtt_object_wait_target (GstMqttObject *self, const gboolean *flushing,
                                           GstMqttTarget *target);
void gst_mqtt_target_clear (GstMqttTarget *target);

/* The stats structure's common fields. */
GstStructure *gst_mqtt_object_new_stats (GstMqttObject *self);

/* mqttsrc's topic property: filters separated by commas, stripped. */
char **gst_mqtt_object_split_filters (const char *topic);
/* @topic with @filter added (@add) or removed, or NULL with an error for
 * an invalid filter, one already there or one that is not. */
char *gst_mqtt_object_change_filter (const char *topic, const char *filter, gboolean add,
                                     GError **error);

G_END_DECLS
