/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

/**
 * SECTION:element-mqttsrc
 * @title: mqttsrc
 *
 * A live source of the messages published on MQTT topics.
 *
 * |[
 * gst-launch-1.0 mqttsrc uri=mqtt://localhost/camera/1 framing=gst ! \
 *     vp8dec ! videoconvert ! autovideosink
 * gst-launch-1.0 mqttsrc uri="mqtt://localhost/sensors/%23" ! fakesink dump=true
 * ]|
 *
 * `topic` takes one or more filters (comma-separated, wildcards allowed).
 * With `framing=raw` each message becomes a buffer of its payload, with
 * the `caps` property's caps and, by default, its arrival time; an empty
 * message (clearing a retained message publishes one) is an empty buffer,
 * which downstream may use or drop. With `framing=gst` (from an mqttsink)
 * the caps, flags and timestamps come from the sender, pieces are put
 * together again and the sender's end of stream ends this stream;
 * `timestamp-mode` says how the sender's times map onto this pipeline's; a
 * message that is not a frame (an empty one, say) is dropped with a
 * warning and counted in `stats`. The payload's memory becomes the
 * buffer's: no copy. Messages wait in a queue bounded by `max-buffers` and
 * `max-bytes`; when it is full the newest (`leaky=upstream`) or oldest
 * (`leaky=downstream`) is dropped and counted. Every buffer carries a
 * custom meta `GstMqttMessageMeta` with the message's topic, QoS and
 * retain flag. Subscriptions are made again after each reconnection; an
 * element message `mqtt-subscribed` (fields `granted`, `filters`) says when
 * the broker has granted them, `mqtt-unsubscribed` (`filters`) when it has
 * let some go, and `mqtt-connection` messages report the connection's
 * state, failed reconnection attempts included.
 *
 * A receiver that joins a stream late has the caps at once from the
 * sender's retained stream header, and asks the sender for a key unit
 * (`request-key-units`, on the control topic `control-prefix`/TOPIC) after
 * subscribing, at a gap, at a stream that starts with a delta unit, and
 * when downstream sends a GstForceKeyUnit event. The `add-filter` and
 * `remove-filter` action signals change the subscriptions while playing.
 * `net-clock` follows a sender's clock: the element provides its pipeline
 * a GstNetClientClock, for `timestamp-mode=clock`.
 *
 * The source pad offers any caps: a payload is bytes of any kind. With
 * `framing=raw`, the `caps` property says what they are; without it, at
 * `protocol=5`, a message's Content Type that parses as caps does (an
 * mqttsink at `protocol=5` sends its caps so). At `protocol=5` the meta
 * also carries the message's content type, response topic, correlation
 * data and user properties.
 *
 * `topic` and `qos` apply while playing: the filters that went are
 * unsubscribed, those that came (all of them for a new QoS) subscribed.
 * So do the queue's limits, `leaky`, `idle-timeout`, `latency` and the
 * reconnection delays; the other properties can only change in the NULL
 * or READY state: set later, they are refused with a warning on the bus.
 * A failure posts one error, saying what to do, and ends the stream.
 */

#include "gst-config.h"

#include <string.h>

#include <gst/base/gstpushsrc.h>
#include <gst/video/video.h>

#include "gstmqttelements.h"
#include "gstmqttframing.h"

/**
 * GstMqttLeaky:
 * @GST_MQTT_LEAKY_UPSTREAM: a full queue drops the message that arrives
 * @GST_MQTT_LEAKY_DOWNSTREAM: a full queue drops its oldest buffer
 */
typedef enum {
  GST_MQTT_LEAKY_UPSTREAM,
  GST_MQTT_LEAKY_DOWNSTREAM,
} GstMqttLeaky;

/**
 * GstMqttTimestampMode:
 * @GST_MQTT_TIMESTAMP_NONE: the sender's timestamps are cleared (use
 *   do-timestamp to stamp buffers as they arrive)
 * @GST_MQTT_TIMESTAMP_SENDER: the sender's running times, shifted so that
 *   the first buffer is due when it arrives: the sender's spacing is kept
 * @GST_MQTT_TIMESTAMP_CLOCK: the sender's clock times (its base time plus
 *   running time) on this pipeline's clock, which must be the same clock
 *   (a GstNetClientClock or GstPtpClock, or the system clock on one host)
 */
typedef enum {
  GST_MQTT_TIMESTAMP_NONE,
  GST_MQTT_TIMESTAMP_SENDER,
  GST_MQTT_TIMESTAMP_CLOCK,
} GstMqttTimestampMode;

#define GST_TYPE_MQTT_SRC (gst_mqtt_src_get_type ())
G_DECLARE_FINAL_TYPE (GstMqttSrc, gst_mqtt_src, GST, MQTT_SRC, GstPushSrc)

struct _GstMqttSrc {
  GstPushSrc parent;
  GstMqttObject *mqtt;             /* the connection and its settings */
  GstMqttLock lock;                /* what is marked "under lock" */

  /* Settings (under lock) */
  GstMqttFraming framing;
  GstCaps *caps;
  guint max_buffers;
  guint64 max_bytes;
  GstMqttLeaky leaky;
  guint64 idle_timeout;           /* ns, 0 for none */
  GstMqttTimestampMode timestamp_mode;
  gint latency_ms;                /* -1: measured */
  gboolean message_meta;
  char *control_prefix;           /* the control channel's topics (NULL/empty: none) */
  gboolean request_key_units;
  char *net_clock;                /* ADDRESS:PORT of the sender's clock, or NULL */
  GstClock *clock;                /* the GstNetClientClock that follows it */
  char *content_type;             /* the last MQTT 5 Content Type (the client's thread) */

  /* The queue between the client's thread and the streaming thread (under
   * lock): GstBuffer, GstCaps (a change of caps) and GstEvent (EOS). */
  GQueue queue;
  guint queued_buffers;
  guint64 queued_bytes;
  gint64 last_message;            /* monotonic µs */
  gboolean flushing;              /* unlock() in progress */

  /* Client thread only */
  GstMqttAssembler assembler;
  gint64 last_warning;
  char **subscribed_filters;      /* what the broker was asked for */
  int subscribed_qos;
  GHashTable *pending;            /* mid -> the filters of a (un)subscription */

  /* Streaming thread only */
  gboolean have_offset;
  GstClockTimeDiff offset;        /* timestamp-mode=sender */

  /* Under lock */
  GstClockTime measured_latency;
  GHashTable *streams;            /* topic -> Stream: what came from each topic */

  /* Counters (under lock) */
  guint64 messages;
  guint64 bytes;
  guint64 drops;
  guint64 key_unit_requests;
};

/* A topic's stream, for key-unit requests. */
typedef struct {
  gint64 last_request;            /* monotonic µs, 0 for none */
  gboolean started;               /* a buffer came since the last subscription */
} Stream;

/* A topic is asked for a key unit at most this often (µs). */
#define KEY_UNIT_REQUEST_INTERVAL G_USEC_PER_SEC
/* The streams remembered, at most: a pattern may match any number of
 * topics (past it they are forgotten, and asked again if need be). */
#define MAX_STREAMS 4096


GST_DEBUG_CATEGORY_STATIC (gst_mqtt_src_debug);
#define GST_CAT_DEFAULT gst_mqtt_src_debug

#define DEFAULT_MAX_BUFFERS 200
#define DEFAULT_MAX_BYTES (64 * 1024 * 1024)
#define DEFAULT_LATENCY_MS 200

enum {
  PROP_FRAMING = GST_MQTT_OBJECT_N_PROPS,
  PROP_CAPS,
  PROP_MAX_BUFFERS,
  PROP_MAX_BYTES,
  PROP_LEAKY,
  PROP_IDLE_TIMEOUT,
  PROP_TIMESTAMP_MODE,
  PROP_LATENCY,
  PROP_MESSAGE_META,
  PROP_CONTROL_PREFIX,
  PROP_REQUEST_KEY_UNITS,
  PROP_NET_CLOCK,
  PROP_STATS,
};

static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

#define GST_TYPE_MQTT_LEAKY (gst_mqtt_leaky_get_type ())
#define GST_TYPE_MQTT_TIMESTAMP_MODE (gst_mqtt_timestamp_mode_get_type ())

static GType
gst_mqtt_leaky_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_MQTT_LEAKY_UPSTREAM, "Drop the message that arrives", "upstream" },
    { GST_MQTT_LEAKY_DOWNSTREAM, "Drop the oldest buffer", "downstream" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstMqttLeaky", values));
  return type;
}

static GType
gst_mqtt_timestamp_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_MQTT_TIMESTAMP_NONE, "No timestamps from the sender", "none" },
    { GST_MQTT_TIMESTAMP_SENDER, "The sender's spacing, from the first arrival", "sender" },
    { GST_MQTT_TIMESTAMP_CLOCK, "The sender's clock times (shared clock)", "clock" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstMqttTimestampMode", values));
  return type;
}

static void gst_mqtt_src_uri_handler_init (gpointer iface, gpointer data);

#define gst_mqtt_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMqttSrc, gst_mqtt_src, GST_TYPE_PUSH_SRC,
                         G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
                                                gst_mqtt_src_uri_handler_init)
                         GST_DEBUG_CATEGORY_INIT (gst_mqtt_src_debug, "mqttsrc", 0,
                                                  "MQTT source"));
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (mqttsrc, "mqttsrc", GST_RANK_NONE, GST_TYPE_MQTT_SRC,
                                       gst_mqtt_element_init (plugin));

/* ------------------------------------------------------------------------ */
/* GstURIHandler */

static GstURIType
uri_get_type (GType type)
{
  return GST_URI_SRC;
}

static const char *const *
uri_get_protocols (GType type)
{
  return gst_mqtt_object_uri_protocols ();
}

static char *
uri_get_uri (GstURIHandler *handler)
{
  return gst_mqtt_object_get_uri (GST_MQTT_SRC (handler)->mqtt);
}

/* The connection's part goes to the shared object, the rest are this
 * element's properties. */
static gboolean
uri_set_uri (GstURIHandler *handler, const char *uri, GError **error)
{
  GstMqttSrc *self = GST_MQTT_SRC (handler);
  g_autoptr(GstStructure) parameters = NULL;

  if (!gst_mqtt_object_set_uri (self->mqtt, uri, &parameters, error))
    return FALSE;
  gst_structure_foreach (parameters, gst_mqtt_element_set_parameter, self);
  return TRUE;
}

static void
gst_mqtt_src_uri_handler_init (gpointer g_iface, gpointer data)
{
  GstURIHandlerInterface *iface = g_iface;

  iface->get_type = uri_get_type;
  iface->get_protocols = uri_get_protocols;
  iface->get_uri = uri_get_uri;
  iface->set_uri = uri_set_uri;
}

/* A queue entry: a buffer (with the sender's base time), a change of caps,
 * or the sender's end of stream. */
typedef struct {
  GList link;
  GstMiniObject *item;
  GstClockTime sender_base_time;
} Queued;

static void
queued_free (Queued *queued)
{
  gst_mini_object_unref (queued->item);
  g_free (queued);
}


/* ------------------------------------------------------------------------ */
/* The client's thread */

/* Subscribes to @filters at @qos, remembering which filters a SUBACK
 * answers for the element message. Client thread. */
static void
subscribe (GstMqttSrc *self, MqttClient *client, char **filters, int qos)
{
  g_autoptr(GError) error = NULL;
  g_autofree MqttQos *levels = NULL;
  guint i, n = g_strv_length (filters), mid;

  if (n == 0)
    return;
  levels = g_new (MqttQos, n);
  for (i = 0; i < n; i++)
    levels[i] = qos;
  if (!mqtt_client_subscribe_multiple (client, (const char *const *) filters, levels, n, &mid,
                                       &error))
    {
      GST_MQTT_OBJECT_ERROR (self->mqtt, self, RESOURCE, SETTINGS,
                             ("Could not subscribe: %s", error->message), (NULL));
      return;
    }
  g_hash_table_insert (self->pending, GUINT_TO_POINTER (mid), g_strjoinv (",", filters));
}

static void
unsubscribe (GstMqttSrc *self, MqttClient *client, char **filters)
{
  guint n = g_strv_length (filters), mid;

  if (n > 0 && mqtt_client_unsubscribe_multiple (client, (const char *const *) filters, n, &mid,
                                                 NULL))
    g_hash_table_insert (self->pending, GUINT_TO_POINTER (mid), g_strjoinv (",", filters));
}

static void
connected (GstElement *element, MqttClient *client)
{
  GstMqttSrc *self = GST_MQTT_SRC (element);

  g_autofree char *topic = gst_mqtt_object_dup_topic (self->mqtt);

  /* At every CONNACK: a clean session has forgotten the subscriptions. */
  g_strfreev (self->subscribed_filters);
  self->subscribed_filters = gst_mqtt_object_split_filters (topic);
  self->subscribed_qos = gst_mqtt_object_get_qos (self->mqtt);
  subscribe (self, client, self->subscribed_filters, self->subscribed_qos);
}

/* The filters of @a not in @b. */
static char **
filters_missing (char **a, char **b)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **result;
  guint i;

  for (i = 0; a[i]; i++)
    if (!g_strv_contains ((const char *const *) b, a[i]))
      g_strv_builder_add (builder, a[i]);
  result = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return result;
}

/* topic or qos changed while playing: unsubscribe what went, subscribe what
 * came (everything at a new QoS). Client thread. */
static void
settings_changed (GstElement *element, MqttClient *client)
{
  GstMqttSrc *self = GST_MQTT_SRC (element);
  g_auto(GStrv) wanted = NULL, gone = NULL, added = NULL;
  g_autofree char *topic = NULL;
  int qos;

  if (!mqtt_client_is_connected (client) || self->subscribed_filters == NULL)
    return;   /* the next CONNACK subscribes to what is wanted then */
  topic = gst_mqtt_object_dup_topic (self->mqtt);
  wanted = gst_mqtt_object_split_filters (topic);
  qos = gst_mqtt_object_get_qos (self->mqtt);

  gone = filters_missing (self->subscribed_filters, wanted);
  added = qos != self->subscribed_qos ? g_strdupv (wanted)
                                      : filters_missing (wanted, self->subscribed_filters);
  GST_INFO_OBJECT (self, "subscriptions change: %u filters go, %u (re)subscribed at QoS %d",
                   g_strv_length (gone), g_strv_length (added), qos);
  unsubscribe (self, client, gone);
  subscribe (self, client, added, qos);
  g_strfreev (self->subscribed_filters);
  self->subscribed_filters = g_steal_pointer (&wanted);
  self->subscribed_qos = qos;
}

static Stream *
stream_locked (GstMqttSrc *self, const char *topic)
{
  Stream *stream = g_hash_table_lookup (self->streams, topic);

  if (stream == NULL)
    {
      if (g_hash_table_size (self->streams) >= MAX_STREAMS)
        g_hash_table_remove_all (self->streams);
      stream = g_new0 (Stream, 1);
      g_hash_table_insert (self->streams, g_strdup (topic), stream);
    }
  return stream;
}

/* Asks the mqttsink of @topic for a key unit (on its control topic), at
 * most once a second unless @now_anyway; and tells the application. Any
 * thread. */
static void
request_key_unit (GstMqttSrc *self, const char *topic, gboolean now_anyway)
{
  g_autoptr(MqttClient) client = gst_mqtt_object_ref_client (self->mqtt);
  g_autofree char *control = NULL;
  g_autoptr(GBytes) request = NULL;
  gint64 now = g_get_monotonic_time ();
  Stream *stream;

  gst_mqtt_lock (&self->lock);
  if (!self->request_key_units)
    {
      gst_mqtt_unlock (&self->lock);
      return;
    }
  stream = stream_locked (self, topic);
  if (now_anyway || !stream->last_request ||
      now - stream->last_request >= KEY_UNIT_REQUEST_INTERVAL)
    control = gst_mqtt_control_topic (self->control_prefix, topic);
  if (control)
    {
      stream->last_request = now;
      self->key_unit_requests++;
    }
  gst_mqtt_unlock (&self->lock);
  if (control == NULL || client == NULL)
    return;
  GST_INFO_OBJECT (self, "asking %s for a key unit", control);
  request = gst_mqtt_key_unit_request_new ();
  mqtt_client_publish_bytes (client, control, request, MQTT_QOS_AT_LEAST_ONCE, FALSE, NULL,
                             NULL);
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (
    GST_OBJECT (self), gst_structure_new ("mqtt-key-unit-requested", "topic", G_TYPE_STRING,
                                          topic, NULL)));
}

static void
forget_started (gpointer key, gpointer value, gpointer user_data)
{
  ((Stream *) value)->started = FALSE;
}

/* Subscribed: what comes first may depend on frames before it. Each topic
 * that is not a pattern is asked for a key unit at once; those a pattern
 * matches, when their first buffer is a delta unit (message()). */
static void
ask_key_units (GstMqttSrc *self, const char *filters)
{
  g_auto(GStrv) each = g_strsplit (filters ? filters : "", ",", -1);
  guint i;

  gst_mqtt_lock (&self->lock);
  g_hash_table_foreach (self->streams, forget_started, NULL);
  gst_mqtt_unlock (&self->lock);
  for (i = 0; each[i]; i++)
    if (*each[i] && !strpbrk (each[i], "+#"))
      request_key_unit (self, each[i], TRUE);
}

static void
subscribed (MqttClient *client, guint mid, GArray *granted, gpointer user_data)
{
  GstMqttSrc *self = user_data;
  g_autofree char *filters = NULL;
  guint i, refused = 0;

  g_hash_table_steal_extended (self->pending, GUINT_TO_POINTER (mid), NULL,
                               (gpointer *) &filters);
  for (i = 0; i < granted->len; i++)
    if (g_array_index (granted, int, i) == 0x80)
      refused++;
  if (refused == granted->len)
    {
      GST_MQTT_OBJECT_ERROR (self->mqtt, self, RESOURCE, NOT_AUTHORIZED,
                             ("The broker refused the subscription to %s: check the topic and "
                              "the broker's access rules", filters ? filters : "the topic"),
                             (NULL));
      return;
    }
  if (refused)
    GST_ELEMENT_WARNING (self, RESOURCE, NOT_AUTHORIZED,
                         ("The broker refused %u of the subscriptions to %s", refused,
                          filters ? filters : "the topic"), (NULL));
  /* From here on messages arrive: tell the application. */
  gst_element_post_message (GST_ELEMENT (self),
                            gst_message_new_element (GST_OBJECT (self),
                                                     gst_structure_new ("mqtt-subscribed",
                                                                        "granted", G_TYPE_UINT,
                                                                        granted->len - refused,
                                                                        "filters", G_TYPE_STRING,
                                                                        filters, NULL)));
  ask_key_units (self, filters);
}

static void
unsubscribed (MqttClient *client, guint mid, gpointer user_data)
{
  GstMqttSrc *self = user_data;
  g_autofree char *filters = NULL;

  if (!g_hash_table_steal_extended (self->pending, GUINT_TO_POINTER (mid), NULL,
                                    (gpointer *) &filters))
    return;
  gst_element_post_message (GST_ELEMENT (self),
                            gst_message_new_element (GST_OBJECT (self),
                                                     gst_structure_new ("mqtt-unsubscribed",
                                                                        "filters", G_TYPE_STRING,
                                                                        filters, NULL)));
}

static void
configure (GstElement *element, MqttClient *client)
{
  GstMqttSrc *self = GST_MQTT_SRC (element);

  g_hash_table_remove_all (self->pending);
  g_clear_pointer (&self->subscribed_filters, g_strfreev);
  g_signal_connect (client, "subscribed", G_CALLBACK (subscribed), element);
  g_signal_connect (client, "unsubscribed", G_CALLBACK (unsubscribed), element);
}

static void
bytes_unref (gpointer bytes)
{
  g_bytes_unref (bytes);
}

/* A malformed message is a warning on the bus, at most once a second. */
static void
warn_dropped (GstMqttSrc *self, const GError *error)
{
  gint64 now = g_get_monotonic_time ();

  GST_DEBUG_OBJECT (self, "dropped a message: %s", error->message);
  if (now - self->last_warning >= G_USEC_PER_SEC)
    {
      self->last_warning = now;
      GST_ELEMENT_WARNING (self, STREAM, DECODE, ("Dropped a message: %s", error->message),
                           (NULL));
    }
}

/* Makes room for @size more bytes: FALSE if the new buffer must go. */
static gboolean
make_room_locked (GstMqttSrc *self, gsize size)
{
  GList *l, *next;

  if ((!self->max_buffers || self->queued_buffers < self->max_buffers) &&
      (!self->max_bytes || self->queued_bytes + size <= self->max_bytes))
    return TRUE;
  if (self->leaky == GST_MQTT_LEAKY_UPSTREAM)
    return FALSE;
  /* Oldest buffers first; caps and EOS stay. */
  for (l = self->queue.head; l; l = next)
    {
      Queued *queued = l->data;

      next = l->next;
      if (!GST_IS_BUFFER (queued->item))
        continue;
      self->queued_buffers--;
      self->queued_bytes -= gst_buffer_get_size (GST_BUFFER (queued->item));
      self->drops++;
      g_queue_unlink (&self->queue, l);
      queued_free (queued);
      if ((!self->max_buffers || self->queued_buffers < self->max_buffers) &&
          (!self->max_bytes || self->queued_bytes + size <= self->max_bytes))
        return TRUE;
    }
  return self->queued_buffers == 0;
}

static void
enqueue_locked (GstMqttSrc *self, GstMiniObject *item, GstClockTime sender_base_time)
{
  Queued *queued = g_new0 (Queued, 1);

  queued->link.data = queued;
  queued->item = item;
  queued->sender_base_time = sender_base_time;
  g_queue_push_tail_link (&self->queue, &queued->link);
}

/* The meta's info and field names, looked up once: by name, each buffer
 * would cost several hash lookups. */
static const GstMetaInfo *message_meta_info;
static GQuark quark_topic, quark_qos, quark_retain;

static void
add_message_meta (GstBuffer *buffer, MqttMessage *message)
{
  GstCustomMeta *meta = (GstCustomMeta *) gst_buffer_add_meta (buffer, message_meta_info, NULL);
  GstStructure *s = gst_custom_meta_get_structure (meta);
  MqttProperties *props = mqtt_message_get_properties (message);
  const char *name, *value;
  guint i;

  gst_structure_id_set (s, quark_topic, G_TYPE_STRING, mqtt_message_get_topic (message),
                        quark_qos, G_TYPE_INT, (int) mqtt_message_get_qos (message),
                        quark_retain, G_TYPE_BOOLEAN, mqtt_message_get_retain (message), NULL);
  if (props == NULL)
    return;
  /* MQTT 5: what an application answers or sorts messages by. */
  if (mqtt_properties_get_content_type (props))
    gst_structure_set (s, "content-type", G_TYPE_STRING, mqtt_properties_get_content_type (props),
                       NULL);
  if (mqtt_properties_get_response_topic (props))
    gst_structure_set (s, "response-topic", G_TYPE_STRING,
                       mqtt_properties_get_response_topic (props), NULL);
  if (mqtt_properties_get_correlation_data (props))
    gst_structure_set (s, "correlation-data", G_TYPE_BYTES,
                       mqtt_properties_get_correlation_data (props), NULL);
  if (mqtt_properties_get_n_user_properties (props) > 0)
    {
      GValue list = G_VALUE_INIT;

      /* Names may repeat: a list of (name, value) arrays, in order. */
      gst_value_list_init (&list, mqtt_properties_get_n_user_properties (props));
      for (i = 0; mqtt_properties_get_user_property (props, i, &name, &value); i++)
        {
          GValue pair = G_VALUE_INIT, item = G_VALUE_INIT;

          gst_value_array_init (&pair, 2);
          g_value_init (&item, G_TYPE_STRING);
          g_value_set_string (&item, name);
          gst_value_array_append_value (&pair, &item);
          g_value_set_string (&item, value);
          gst_value_array_append_and_take_value (&pair, &item);
          gst_value_list_append_and_take_value (&list, &pair);
        }
      gst_structure_take_value (s, "user-properties", &list);
    }
}

/* MQTT 5, framing=raw without the caps property: a Content Type that
 * parses as caps gives the buffers their caps (mqttsink sends its caps so).
 * Returns them when they changed. */
static GstCaps *
caps_from_content_type (GstMqttSrc *self, MqttMessage *message)
{
  MqttProperties *props = mqtt_message_get_properties (message);
  const char *type = props ? mqtt_properties_get_content_type (props) : NULL;
  GstCaps *caps;

  if (type == NULL || g_strcmp0 (type, self->content_type) == 0)
    return NULL;
  g_free (self->content_type);
  self->content_type = g_strdup (type);
  caps = gst_caps_from_string (type);
  if (caps && (gst_caps_is_any (caps) || gst_caps_is_empty (caps)))
    gst_clear_caps (&caps);
  if (caps == NULL)
    GST_DEBUG_OBJECT (self, "the content type '%s' is not caps", type);
  return caps;
}

static void
message (GstElement *element, MqttMessage *message)
{
  GstMqttSrc *self = GST_MQTT_SRC (element);
  GBytes *payload = mqtt_message_get_payload (message);
  g_autoptr(GError) error = NULL;
  GstClockTime sender_base_time = GST_CLOCK_TIME_NONE;
  GstBuffer *buffer = NULL;
  GstBufferList *headers = NULL;
  GstCaps *caps = NULL;
  gboolean eos = FALSE, raw, with_meta, have_caps, key_unit_wanted = FALSE;
  guint64 assembler_drops = self->assembler.drops, gaps = self->assembler.gaps, drops;
  gsize size;
  guint i;

  /* Settings of the READY state: they do not change while messages come. */
  raw = self->framing == GST_MQTT_FRAMING_RAW;
  with_meta = self->message_meta;
  have_caps = self->caps != NULL;

  if (raw)
    {
      gconstpointer data = g_bytes_get_data (payload, &size);

      /* An empty message (clearing a retained one sends one) is an empty
       * buffer: downstream decides what it means. */
      buffer = size == 0 ? gst_buffer_new ()
                         : gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY, (gpointer) data,
                                                        size, 0, size, g_bytes_ref (payload),
                                                        bytes_unref);
      if (!have_caps)
        caps = caps_from_content_type (self, message);
    }
  else
    {
      switch (gst_mqtt_assembler_push (&self->assembler, payload, &buffer, &sender_base_time,
                                       &error))
        {
        case GST_MQTT_ASSEMBLER_EOS:
          eos = TRUE;
          break;
        case GST_MQTT_ASSEMBLER_HEADER:
          /* The retained stream header, given because this receiver just
           * subscribed: its buffers go first. (A live one only updates
           * the caps: the header buffers came in the stream.) */
          headers = g_steal_pointer (&self->assembler.headers);
          if (!mqtt_message_get_retain (message))
            g_clear_pointer (&headers, gst_buffer_list_unref);
          break;
        case GST_MQTT_ASSEMBLER_BUFFER:
        case GST_MQTT_ASSEMBLER_NONE:
          break;
        }
      if (error)
        warn_dropped (self, error);
      if (self->assembler.caps_changed)
        {
          self->assembler.caps_changed = FALSE;
          if (!gst_caps_is_any (self->assembler.caps))
            caps = gst_caps_ref (self->assembler.caps);
        }
      /* A receiver that joined late waits for the caps (sent every
       * caps-interval seconds) unless it was given some. */
      if (buffer && self->assembler.caps == NULL && !have_caps)
        {
          GST_DEBUG_OBJECT (self, "no caps yet: dropping a buffer");
          gst_clear_buffer (&buffer);
          self->assembler.drops++;
        }
    }

  if (buffer && with_meta)
    add_message_meta (buffer, message);

  gst_mqtt_lock (&self->lock);
  /* A gap in the sender's numbering, or a stream that starts with a
   * frame that depends on others: this receiver needs a key unit. */
  if (self->assembler.gaps != gaps || self->assembler.drops != assembler_drops)
    key_unit_wanted = TRUE;
  /* Only the gst framing says which buffers are delta units. */
  if (buffer && !raw && self->request_key_units)
    {
      Stream *stream = stream_locked (self, mqtt_message_get_topic (message));

      if (!stream->started && GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
        key_unit_wanted = TRUE;
      stream->started = TRUE;
    }
  drops = self->drops;
  self->messages++;
  self->bytes += g_bytes_get_size (payload);
  self->drops += self->assembler.drops - assembler_drops;
  self->last_message = g_get_monotonic_time ();
  if (caps)
    enqueue_locked (self, GST_MINI_OBJECT (caps), GST_CLOCK_TIME_NONE);
  for (i = 0; headers && i < gst_buffer_list_length (headers); i++)
    {
      GstBuffer *header = gst_buffer_list_get (headers, i);

      enqueue_locked (self, GST_MINI_OBJECT (gst_buffer_ref (header)), GST_CLOCK_TIME_NONE);
      self->queued_buffers++;
      self->queued_bytes += gst_buffer_get_size (header);
    }
  if (buffer)
    {
      size = gst_buffer_get_size (buffer);
      if (make_room_locked (self, size))
        {
          enqueue_locked (self, GST_MINI_OBJECT (buffer), sender_base_time);
          self->queued_buffers++;
          self->queued_bytes += size;
        }
      else
        {
          gst_buffer_unref (buffer);
          self->drops++;
        }
    }
  if (eos)
    enqueue_locked (self, GST_MINI_OBJECT (gst_event_new_eos ()), GST_CLOCK_TIME_NONE);
  /* A full queue dropped a buffer: a gap too. */
  if (self->drops > drops + (self->assembler.drops - assembler_drops))
    key_unit_wanted = TRUE;
  gst_mqtt_lock_wake (&self->lock);
  gst_mqtt_unlock (&self->lock);
  if (headers)
    gst_buffer_list_unref (headers);
  if (key_unit_wanted)
    request_key_unit (self, mqtt_message_get_topic (message), FALSE);
}

/* ------------------------------------------------------------------------ */
/* The streaming thread */

static GstClockTime
shift (GstClockTime time, GstClockTimeDiff by)
{
  if (!GST_CLOCK_TIME_IS_VALID (time))
    return GST_CLOCK_TIME_NONE;
  if (by < 0 && (GstClockTime) -by > time)
    return 0;
  return time + by;
}

/* The sender's times on this pipeline's running time, and the measured
 * latency: how late buffers arrive for their timestamps. */
static void
map_timestamps (GstMqttSrc *self, GstBuffer *buffer, GstClockTime sender_base_time)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime now = GST_CLOCK_TIME_NONE, base = gst_element_get_base_time (GST_ELEMENT (self));
  GstClockTimeDiff by = 0;
  GstMqttTimestampMode mode;

  if (clock)
    {
      GstClockTime time = gst_clock_get_time (clock);

      now = time >= base ? time - base : 0;
      gst_object_unref (clock);
    }

  gst_mqtt_lock (&self->lock);
  mode = self->timestamp_mode;
  gst_mqtt_unlock (&self->lock);
  switch (mode)
    {
    case GST_MQTT_TIMESTAMP_NONE:
      GST_BUFFER_PTS (buffer) = GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
      return;
    case GST_MQTT_TIMESTAMP_SENDER:
      if (!self->have_offset && GST_CLOCK_TIME_IS_VALID (now) &&
          GST_BUFFER_PTS_IS_VALID (buffer))
        {
          self->offset = GST_CLOCK_DIFF (GST_BUFFER_PTS (buffer), now);
          self->have_offset = TRUE;
        }
      by = self->offset;
      break;
    case GST_MQTT_TIMESTAMP_CLOCK:
      if (GST_CLOCK_TIME_IS_VALID (sender_base_time))
        by = GST_CLOCK_DIFF (base, sender_base_time);
      break;
    }
  GST_BUFFER_PTS (buffer) = shift (GST_BUFFER_PTS (buffer), by);
  GST_BUFFER_DTS (buffer) = shift (GST_BUFFER_DTS (buffer), by);

  if (GST_CLOCK_TIME_IS_VALID (now) && GST_BUFFER_PTS_IS_VALID (buffer) &&
      now > GST_BUFFER_PTS (buffer))
    {
      GstClockTime late = now - GST_BUFFER_PTS (buffer);
      gboolean grew = FALSE;

      gst_mqtt_lock (&self->lock);
      if (late > self->measured_latency + self->measured_latency / 10 + GST_MSECOND)
        {
          self->measured_latency = late;
          grew = self->latency_ms < 0;
        }
      gst_mqtt_unlock (&self->lock);
      if (grew)
        {
          GST_INFO_OBJECT (self, "measured latency now %" GST_TIME_FORMAT, GST_TIME_ARGS (late));
          gst_element_post_message (GST_ELEMENT (self),
                                    gst_message_new_latency (GST_OBJECT (self)));
        }
    }
}

/* The next buffer, alone: 1.22's basesrc mishandles a paused live source's lists. */
static GstFlowReturn
gst_mqtt_src_create (GstPushSrc *psrc, GstBuffer **out)
{
  GstMqttSrc *self = GST_MQTT_SRC (psrc);
  GstFlowReturn ret;
  Queued *queued = NULL;
  gboolean gst_framing;
  GList *l;

  gst_mqtt_lock (&self->lock);
  gst_framing = self->framing == GST_MQTT_FRAMING_GST;
  for (;;)
    {
      ret = gst_mqtt_object_wait_connected (self->mqtt, &self->flushing);
      if (ret != GST_FLOW_OK)
        break;
      l = g_queue_pop_head_link (&self->queue);
      if (l == NULL)
        {
          if (self->idle_timeout)
            {
              gint64 deadline = self->last_message + self->idle_timeout / GST_USECOND;

              if (g_get_monotonic_time () >= deadline)
                {
                  GST_INFO_OBJECT (self, "no message for %" GST_TIME_FORMAT ": end of stream",
                                   GST_TIME_ARGS (self->idle_timeout));
                  ret = GST_FLOW_EOS;
                  break;
                }
              gst_mqtt_lock_wait (&self->lock, deadline);
            }
          else
            gst_mqtt_lock_wait (&self->lock, -1);
          continue;
        }
      queued = l->data;

      if (GST_IS_CAPS (queued->item))
        {
          GstCaps *caps = gst_caps_ref (GST_CAPS (queued->item));

          queued_free (queued);
          gst_mqtt_unlock (&self->lock);
          if (!gst_base_src_set_caps (GST_BASE_SRC (self), caps))
            {
              gst_caps_unref (caps);
              return GST_FLOW_NOT_NEGOTIATED;
            }
          gst_caps_unref (caps);
          gst_mqtt_lock (&self->lock);
          continue;
        }
      if (GST_IS_EVENT (queued->item))
        {
          GST_INFO_OBJECT (self, "the sender ended its stream");
          queued_free (queued);
          ret = GST_FLOW_EOS;
          break;
        }
      self->queued_buffers--;
      self->queued_bytes -= gst_buffer_get_size (GST_BUFFER (queued->item));
      break;
    }
  gst_mqtt_unlock (&self->lock);
  if (ret != GST_FLOW_OK)
    return ret;

  *out = GST_BUFFER (g_steal_pointer (&queued->item));
  if (gst_framing)
    map_timestamps (self, *out, queued->sender_base_time);
  g_free (queued);
  return GST_FLOW_OK;
}

static gboolean
gst_mqtt_src_query (GstBaseSrc *bsrc, GstQuery *query)
{
  GstMqttSrc *self = GST_MQTT_SRC (bsrc);

  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY)
    {
      GstClockTime latency;

      gst_mqtt_lock (&self->lock);
      latency = self->latency_ms >= 0 ? (GstClockTime) self->latency_ms * GST_MSECOND
                                    : self->measured_latency;
      gst_mqtt_unlock (&self->lock);
      gst_query_set_latency (query, TRUE, latency, GST_CLOCK_TIME_NONE);
      return TRUE;
    }
  return GST_BASE_SRC_CLASS (parent_class)->query (bsrc, query);
}

static void
collect_topic (gpointer key, gpointer value, gpointer user_data)
{
  g_ptr_array_add (user_data, g_strdup (key));
}

/* Downstream asks for a key unit (a decoder that lost its reference, an
 * application): the senders of the streams seen so far, or of the
 * filters that are not patterns, are asked in turn. */
static gboolean
gst_mqtt_src_event (GstBaseSrc *bsrc, GstEvent *event)
{
  GstMqttSrc *self = GST_MQTT_SRC (bsrc);
  g_autoptr(GPtrArray) topics = NULL;
  guint i;

  if (!gst_video_event_is_force_key_unit (event))
    return GST_BASE_SRC_CLASS (parent_class)->event (bsrc, event);
  topics = g_ptr_array_new_with_free_func (g_free);
  gst_mqtt_lock (&self->lock);
  g_hash_table_foreach (self->streams, collect_topic, topics);
  gst_mqtt_unlock (&self->lock);
  if (topics->len == 0)
    {
      g_autofree char *topic = gst_mqtt_object_dup_topic (self->mqtt);
      g_auto(GStrv) filters = gst_mqtt_object_split_filters (topic);

      for (i = 0; filters[i]; i++)
        if (!strpbrk (filters[i], "+#"))
          g_ptr_array_add (topics, g_strdup (filters[i]));
    }
  for (i = 0; i < topics->len; i++)
    request_key_unit (self, g_ptr_array_index (topics, i), FALSE);
  return TRUE;
}

/* The "add-filter" and "remove-filter" action signals: the topic property
 * with one filter more or less, subscribed or unsubscribed at once. */
static gboolean
change_filters (GstMqttSrc *self, const char *filter, gboolean add)
{
  g_autofree char *topic = gst_mqtt_object_dup_topic (self->mqtt);
  g_autofree char *changed = NULL;
  g_autoptr(GError) error = NULL;

  if (!(changed = gst_mqtt_object_change_filter (topic, filter, add, &error)))
    {
      GST_WARNING_OBJECT (self, "%s-filter: %s", add ? "add" : "remove", error->message);
      return FALSE;
    }
  g_object_set (self, "topic", changed, NULL);
  return TRUE;
}

static gboolean
add_filter (GstMqttSrc *self, const char *filter)
{
  return change_filters (self, filter, TRUE);
}

static gboolean
remove_filter (GstMqttSrc *self, const char *filter)
{
  return change_filters (self, filter, FALSE);
}

static GstCaps *
gst_mqtt_src_get_caps (GstBaseSrc *bsrc, GstCaps *filter)
{
  GstMqttSrc *self = GST_MQTT_SRC (bsrc);
  GstCaps *caps = NULL;

  gst_mqtt_lock (&self->lock);
  if (self->caps)
    caps = gst_caps_ref (self->caps);
  gst_mqtt_unlock (&self->lock);
  if (caps == NULL)
    caps = gst_caps_new_any ();
  if (filter)
    {
      GstCaps *intersection = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);

      gst_caps_unref (caps);
      caps = intersection;
    }
  return caps;
}

/* ------------------------------------------------------------------------ */
/* States */

static void
clear_queue_locked (GstMqttSrc *self)
{
  GList *l;

  while ((l = g_queue_pop_head_link (&self->queue)))
    queued_free (l->data);
  self->queued_buffers = 0;
  self->queued_bytes = 0;
}

static gboolean
gst_mqtt_src_start (GstBaseSrc *bsrc)
{
  GstMqttSrc *self = GST_MQTT_SRC (bsrc);

  /* The settings were checked, and the client made, by change_state. */
  gst_mqtt_assembler_init (&self->assembler);
  self->have_offset = FALSE;
  self->last_warning = 0;
  gst_mqtt_lock (&self->lock);
  clear_queue_locked (self);
  self->messages = self->bytes = self->drops = self->key_unit_requests = 0;
  self->measured_latency = 0;
  g_hash_table_remove_all (self->streams);
  self->last_message = g_get_monotonic_time ();
  gst_mqtt_unlock (&self->lock);
  gst_mqtt_object_start (self->mqtt);
  return TRUE;
}

static gboolean
gst_mqtt_src_stop (GstBaseSrc *bsrc)
{
  GstMqttSrc *self = GST_MQTT_SRC (bsrc);

  gst_mqtt_object_stop (self->mqtt);
  gst_mqtt_assembler_clear (&self->assembler);
  g_clear_pointer (&self->content_type, g_free);
  gst_mqtt_lock (&self->lock);
  clear_queue_locked (self);
  gst_mqtt_unlock (&self->lock);
  return TRUE;
}

/* net-clock: a GstNetClientClock that follows the sender's clock (an
 * mqttsink's net-clock), synchronised before the element goes to PAUSED,
 * which the element provides to its pipeline. */
static gboolean
follow_clock (GstMqttSrc *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *net_clock = NULL;
  GstClock *clock;

  gst_mqtt_lock (&self->lock);
  net_clock = g_strdup (self->net_clock);
  gst_mqtt_unlock (&self->lock);
  if (net_clock == NULL)
    return TRUE;
  if (!(clock = gst_mqtt_follow_net_clock (GST_ELEMENT_NAME (self), net_clock, &error)))
    {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
      return FALSE;
    }
  GST_INFO_OBJECT (self, "following the clock on %s", net_clock);
  gst_mqtt_lock (&self->lock);
  gst_object_replace ((GstObject **) &self->clock, GST_OBJECT (clock));
  gst_mqtt_unlock (&self->lock);
  gst_object_unref (clock);
  return TRUE;
}

static GstClock *
gst_mqtt_src_provide_clock (GstElement *element)
{
  GstMqttSrc *self = GST_MQTT_SRC (element);
  GstClock *clock = NULL;

  gst_mqtt_lock (&self->lock);
  if (self->clock)
    clock = gst_object_ref (self->clock);
  gst_mqtt_unlock (&self->lock);
  return clock;
}

static GstStateChangeReturn
gst_mqtt_src_change_state (GstElement *element, GstStateChange transition)
{
  GstMqttSrc *self = GST_MQTT_SRC (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !follow_clock (self))
    return GST_STATE_CHANGE_FAILURE;

  /* A bad setting is one error, not followed by the base class's. */
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !gst_mqtt_object_prepare (self->mqtt))
    return GST_STATE_CHANGE_FAILURE;
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  /* The client made for a start that did not happen goes too. */
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && ret == GST_STATE_CHANGE_FAILURE)
    gst_mqtt_object_stop (self->mqtt);
  return ret;
}

static void
set_flushing (GstMqttSrc *self, gboolean flushing)
{
  gst_mqtt_lock (&self->lock);
  self->flushing = flushing;
  gst_mqtt_lock_wake (&self->lock);
  gst_mqtt_unlock (&self->lock);
}

static gboolean
gst_mqtt_src_unlock (GstBaseSrc *bsrc)
{
  set_flushing (GST_MQTT_SRC (bsrc), TRUE);
  return TRUE;
}

static gboolean
gst_mqtt_src_unlock_stop (GstBaseSrc *bsrc)
{
  set_flushing (GST_MQTT_SRC (bsrc), FALSE);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* GObject */

static GstStructure *
get_stats (GstMqttSrc *self)
{
  GstStructure *s = gst_mqtt_object_new_stats (self->mqtt);

  gst_mqtt_lock (&self->lock);
  gst_structure_set (s, "messages", G_TYPE_UINT64, self->messages, "bytes", G_TYPE_UINT64,
                     self->bytes, "drops", G_TYPE_UINT64, self->drops, "queued", G_TYPE_UINT,
                     self->queued_buffers, "key-unit-requests", G_TYPE_UINT64,
                     self->key_unit_requests, NULL);
  gst_mqtt_unlock (&self->lock);
  return s;
}

static void
gst_mqtt_src_set_property (GObject *object, guint prop_id, const GValue *value,
                           GParamSpec *pspec)
{
  GstMqttSrc *self = GST_MQTT_SRC (object);

  if (gst_mqtt_object_refuse_change (self->mqtt, pspec) ||
      gst_mqtt_object_set_property (self->mqtt, prop_id, value))
    return;
  gst_mqtt_lock (&self->lock);
  switch (prop_id)
    {
    case PROP_FRAMING:
      self->framing = g_value_get_enum (value);
      break;
    case PROP_CAPS:
      gst_caps_replace (&self->caps, (GstCaps *) gst_value_get_caps (value));
      break;
    case PROP_MAX_BUFFERS:
      self->max_buffers = g_value_get_uint (value);
      break;
    case PROP_MAX_BYTES:
      self->max_bytes = g_value_get_uint64 (value);
      break;
    case PROP_LEAKY:
      self->leaky = g_value_get_enum (value);
      break;
    case PROP_IDLE_TIMEOUT:
      self->idle_timeout = g_value_get_uint64 (value);
      gst_mqtt_lock_wake (&self->lock);
      break;
    case PROP_TIMESTAMP_MODE:
      self->timestamp_mode = g_value_get_enum (value);
      break;
    case PROP_LATENCY:
      self->latency_ms = g_value_get_int (value);
      break;
    case PROP_MESSAGE_META:
      self->message_meta = g_value_get_boolean (value);
      break;
    case PROP_CONTROL_PREFIX:
      g_free (self->control_prefix);
      self->control_prefix = g_value_dup_string (value);
      break;
    case PROP_REQUEST_KEY_UNITS:
      self->request_key_units = g_value_get_boolean (value);
      break;
    case PROP_NET_CLOCK:
      g_free (self->net_clock);
      self->net_clock = g_value_dup_string (value);
      if (self->net_clock && *self->net_clock == '\0')
        g_clear_pointer (&self->net_clock, g_free);
      if (self->net_clock)
        GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_PROVIDE_CLOCK);
      else
        GST_OBJECT_FLAG_UNSET (self, GST_ELEMENT_FLAG_PROVIDE_CLOCK);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  gst_mqtt_unlock (&self->lock);
  /* The pipeline asks again for the latency to use. */
  if (prop_id == PROP_LATENCY)
    gst_element_post_message (GST_ELEMENT (self), gst_message_new_latency (GST_OBJECT (self)));
}

static void
gst_mqtt_src_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstMqttSrc *self = GST_MQTT_SRC (object);

  if (gst_mqtt_object_get_property (self->mqtt, prop_id, value))
    return;
  if (prop_id == PROP_STATS)
    {
      g_value_take_boxed (value, get_stats (self));
      return;
    }
  gst_mqtt_lock (&self->lock);
  switch (prop_id)
    {
    case PROP_FRAMING:
      g_value_set_enum (value, self->framing);
      break;
    case PROP_CAPS:
      gst_value_set_caps (value, self->caps);
      break;
    case PROP_MAX_BUFFERS:
      g_value_set_uint (value, self->max_buffers);
      break;
    case PROP_MAX_BYTES:
      g_value_set_uint64 (value, self->max_bytes);
      break;
    case PROP_LEAKY:
      g_value_set_enum (value, self->leaky);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint64 (value, self->idle_timeout);
      break;
    case PROP_TIMESTAMP_MODE:
      g_value_set_enum (value, self->timestamp_mode);
      break;
    case PROP_LATENCY:
      g_value_set_int (value, self->latency_ms);
      break;
    case PROP_MESSAGE_META:
      g_value_set_boolean (value, self->message_meta);
      break;
    case PROP_CONTROL_PREFIX:
      g_value_set_string (value, self->control_prefix);
      break;
    case PROP_REQUEST_KEY_UNITS:
      g_value_set_boolean (value, self->request_key_units);
      break;
    case PROP_NET_CLOCK:
      g_value_set_string (value, self->net_clock);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  gst_mqtt_unlock (&self->lock);
}

static void
gst_mqtt_src_finalize (GObject *object)
{
  GstMqttSrc *self = GST_MQTT_SRC (object);

  gst_mqtt_object_free (self->mqtt);
  gst_mqtt_lock_clear (&self->lock);
  gst_mqtt_assembler_clear (&self->assembler);
  clear_queue_locked (self);
  gst_clear_caps (&self->caps);
  g_free (self->content_type);
  g_hash_table_unref (self->pending);
  g_hash_table_unref (self->streams);
  g_free (self->control_prefix);
  g_free (self->net_clock);
  gst_clear_object (&self->clock);
  g_strfreev (self->subscribed_filters);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_mqtt_src_class_init (GstMqttSrcClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);
  const GParamFlags live = GST_MQTT_PARAM_LIVE, ready = GST_MQTT_PARAM_READY;

  object_class->set_property = gst_mqtt_src_set_property;
  object_class->get_property = gst_mqtt_src_get_property;
  object_class->finalize = gst_mqtt_src_finalize;

  /* Registered by the plugin before any element class exists. */
  message_meta_info = gst_mqtt_message_meta_get_info ();
  g_assert (message_meta_info != NULL);
  quark_topic = g_quark_from_static_string ("topic");
  quark_qos = g_quark_from_static_string ("qos");
  quark_retain = g_quark_from_static_string ("retain");

  gst_mqtt_object_install_properties (object_class);
  g_object_class_install_property (object_class, PROP_FRAMING,
    g_param_spec_enum ("framing", "Framing",
                       "raw: a message's payload is a buffer; gst: a header from an mqttsink "
                       "carries caps, timestamps and flags", GST_TYPE_MQTT_FRAMING,
                       GST_MQTT_FRAMING_RAW, ready));
  g_object_class_install_property (object_class, PROP_CAPS,
    g_param_spec_boxed ("caps", "Caps",
                        "The caps of the buffers (framing=raw), or until the sender's arrive "
                        "(framing=gst)", GST_TYPE_CAPS, ready));
  g_object_class_install_property (object_class, PROP_MAX_BUFFERS,
    g_param_spec_uint ("max-buffers", "Max buffers",
                       "Buffers the queue holds before it drops (0: no limit)", 0, G_MAXUINT,
                       DEFAULT_MAX_BUFFERS, live));
  g_object_class_install_property (object_class, PROP_MAX_BYTES,
    g_param_spec_uint64 ("max-bytes", "Max bytes",
                         "Bytes the queue holds before it drops (0: no limit)", 0, G_MAXUINT64,
                         DEFAULT_MAX_BYTES, live));
  g_object_class_install_property (object_class, PROP_LEAKY,
    g_param_spec_enum ("leaky", "Leaky", "What a full queue drops", GST_TYPE_MQTT_LEAKY,
                       GST_MQTT_LEAKY_UPSTREAM, live));
  g_object_class_install_property (object_class, PROP_IDLE_TIMEOUT,
    g_param_spec_uint64 ("idle-timeout", "Idle timeout",
                         "End the stream when no message arrived for this long (ns; 0: never)",
                         0, G_MAXUINT64, 0, live));
  g_object_class_install_property (object_class, PROP_TIMESTAMP_MODE,
    g_param_spec_enum ("timestamp-mode", "Timestamp mode",
                       "framing=gst: how the sender's timestamps map onto this pipeline's",
                       GST_TYPE_MQTT_TIMESTAMP_MODE, GST_MQTT_TIMESTAMP_SENDER,
                       ready));
  g_object_class_install_property (object_class, PROP_LATENCY,
    g_param_spec_int ("latency", "Latency",
                      "The latency to report, in ms; -1 to report the lateness measured on "
                      "arriving buffers", -1, G_MAXINT, DEFAULT_LATENCY_MS,
                      live));
  g_object_class_install_property (object_class, PROP_MESSAGE_META,
    g_param_spec_boolean ("message-meta", "Message meta",
                          "Attach a GstMqttMessageMeta (topic, qos, retain) to each buffer",
                          TRUE, ready));
  gst_mqtt_install_control_prefix (object_class, PROP_CONTROL_PREFIX);
  g_object_class_install_property (object_class, PROP_REQUEST_KEY_UNITS,
    g_param_spec_boolean ("request-key-units", "Request key units",
                          "Ask the sender for a key unit (control topic) after subscribing, "
                          "at a gap, at a stream that starts with a delta unit, and when "
                          "downstream asks (GstForceKeyUnit)", TRUE, live));
  g_object_class_install_property (object_class, PROP_NET_CLOCK,
    g_param_spec_string ("net-clock", "Net clock",
                         "ADDRESS:PORT of the sender's clock (mqttsink's net-clock): the "
                         "element provides the pipeline a GstNetClientClock that follows it, "
                         "for timestamp-mode=clock", NULL, ready));
  g_object_class_install_property (object_class, PROP_STATS,
    g_param_spec_boxed ("stats", "Statistics",
                        "state, reconnects, messages, bytes, drops, queued, key-unit-requests",
                        GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstMqttSrc::add-filter:
   * @src: the mqttsrc
   * @filter: a topic filter
   *
   * Adds @filter to #GstMqttSrc:topic, subscribed at once while playing
   * (an `mqtt-subscribed` element message follows).
   *
   * Returns: %FALSE for an invalid filter or one already there
   */
  g_signal_new_class_handler ("add-filter", G_TYPE_FROM_CLASS (klass),
                              G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (add_filter),
                              NULL, NULL, NULL, G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstMqttSrc::remove-filter:
   * @src: the mqttsrc
   * @filter: a topic filter of #GstMqttSrc:topic
   *
   * Removes @filter from #GstMqttSrc:topic, unsubscribed at once while
   * playing (an `mqtt-unsubscribed` element message follows).
   *
   * Returns: %FALSE for a filter that is not there
   */
  g_signal_new_class_handler ("remove-filter", G_TYPE_FROM_CLASS (klass),
                              G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (remove_filter),
                              NULL, NULL, NULL, G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "MQTT source", "Source/Network",
                                         "Receives the messages of MQTT topics as buffers",
                                         "mqtt-glib developers");

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_mqtt_src_change_state);
  element_class->provide_clock = GST_DEBUG_FUNCPTR (gst_mqtt_src_provide_clock);
  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_mqtt_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_mqtt_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_mqtt_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_mqtt_src_unlock_stop);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_mqtt_src_query);
  basesrc_class->get_caps = GST_DEBUG_FUNCPTR (gst_mqtt_src_get_caps);
  basesrc_class->event = GST_DEBUG_FUNCPTR (gst_mqtt_src_event);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_mqtt_src_create);

  gst_type_mark_as_plugin_api (GST_TYPE_MQTT_LEAKY, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_MQTT_TIMESTAMP_MODE, 0);
}

static void
gst_mqtt_src_init (GstMqttSrc *self)
{
  static const GstMqttObjectCallbacks callbacks = {
    .configure = configure,
    .connected = connected,
    .settings_changed = settings_changed,
    .message = message,
  };

  gst_mqtt_lock_init (&self->lock);
  self->mqtt = gst_mqtt_object_new (GST_ELEMENT (self), FALSE, &callbacks, &self->lock);
  self->framing = GST_MQTT_FRAMING_RAW;
  self->max_buffers = DEFAULT_MAX_BUFFERS;
  self->max_bytes = DEFAULT_MAX_BYTES;
  self->leaky = GST_MQTT_LEAKY_UPSTREAM;
  self->timestamp_mode = GST_MQTT_TIMESTAMP_SENDER;
  self->latency_ms = DEFAULT_LATENCY_MS;
  self->message_meta = TRUE;
  g_queue_init (&self->queue);
  gst_mqtt_assembler_init (&self->assembler);
  self->pending = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->streams = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->control_prefix = g_strdup (GST_MQTT_DEFAULT_CONTROL_PREFIX);
  self->request_key_units = TRUE;
  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp (GST_BASE_SRC (self), TRUE);
}
