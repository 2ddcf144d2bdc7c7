/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

/**
 * SECTION:element-mqttsink
 * @title: mqttsink
 *
 * Publishes each buffer as an MQTT message.
 *
 * |[
 * gst-launch-1.0 videotestsrc is-live=true ! video/x-raw,width=640,height=480 ! \
 *     vp8enc deadline=1 keyframe-max-dist=30 ! \
 *     mqttsink uri=mqtt://localhost/camera/1 framing=gst qos=1
 * gst-launch-1.0 videotestsrc num-buffers=1 ! jpegenc ! \
 *     mqttsink uri="mqtt://localhost/camera/snapshot?retain=true"
 * ]|
 *
 * With `framing=raw` the payload is the buffer's bytes, for any MQTT
 * client; with `framing=gst` a header carries caps, timestamps and flags
 * (and end of stream) for an mqttsrc on the other side, and buffers above
 * `max-message-size` are sent in pieces. An empty buffer is an empty
 * message. A buffer's memory is written to the network as it is: no copy.
 * At `protocol=5`, with `framing=raw`, each message carries the caps as its
 * Content Type, for any MQTT 5 client or an mqttsrc to learn the format;
 * `message-expiry` lets the broker drop frames a late subscriber would
 * find stale; the topic goes once per connection, then its two-byte alias.
 * At most `max-inflight` messages await the broker: render() waits for
 * room (unlock() interrupts the wait), so a slow broker slows the pipeline
 * instead of filling memory. A lost connection is re-made with backoff;
 * QoS 1 and 2 messages are resent, QoS 0 messages that were not written
 * are counted as drops. Element messages named `mqtt-connection` report
 * the connection's state, failed reconnection attempts included.
 *
 * The sink pad accepts any caps: MQTT carries bytes of any kind, and the
 * element neither parses nor converts them. Upstream therefore chooses the
 * format: give raw video one with a capsfilter (without it videotestsrc
 * picks its richest, 8 bytes a pixel), or better, encode it.
 *
 * `topic`, `qos`, `retain`, `wait-ack`, `caps-interval` and the
 * reconnection delays apply while playing, from the next buffer; the other
 * properties describe the connection or the stream and can only change in
 * the NULL or READY state: set later, they are refused with a warning on
 * the bus. The connection is made going from READY to PAUSED. A failure
 * posts one error, saying what to do (the manual's table of connection
 * failures gives each case), and ends the stream.
 */

#include "gst-config.h"

#include <string.h>

#include "gstmqttframing.h"
#include <gst/base/gstbasesink.h>

#include "gstmqttelements.h"

#define GST_TYPE_MQTT_SINK (gst_mqtt_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstMqttSink, gst_mqtt_sink, GST, MQTT_SINK, GstBaseSink)

struct _GstMqttSink {
  GstBaseSink parent;
  GstMqttObject *mqtt;       /* the connection and its settings */
  GstMqttLock lock;          /* everything below */

  /* Settings */
  gboolean retain;
  GstMqttFraming framing;
  guint max_inflight;
  gboolean wait_ack;
  guint max_message_size;
  guint caps_interval;
  guint message_expiry;      /* MQTT 5: seconds; 0 for none */

  /* Streaming state */
  gboolean flushing;         /* unlock() in progress */
  GHashTable *outstanding;   /* mid -> QoS + 1: published, not complete */
  char *caps_string;         /* the caps: gst framing sends them, raw framing at MQTT 5
                              * gives them as the Content Type */
  MqttProperties *props;     /* MQTT 5: what every message carries (NULL: not worked out
                              * yet, or nothing) */
  gboolean props_known;
  gboolean send_caps;
  gint64 caps_sent_at;
  guint32 seqnum;
  guint64 messages;
  guint64 bytes;
  guint64 drops;
};


GST_DEBUG_CATEGORY_STATIC (gst_mqtt_sink_debug);
#define GST_CAT_DEFAULT gst_mqtt_sink_debug

#define DEFAULT_MAX_INFLIGHT 20
#define DEFAULT_MAX_MESSAGE_SIZE (1024 * 1024)
#define DEFAULT_CAPS_INTERVAL 1

enum {
  PROP_RETAIN = GST_MQTT_OBJECT_N_PROPS,
  PROP_FRAMING,
  PROP_MAX_INFLIGHT,
  PROP_WAIT_ACK,
  PROP_MAX_MESSAGE_SIZE,
  PROP_CAPS_INTERVAL,
  PROP_MESSAGE_EXPIRY,
  PROP_STATS,
};

static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static void gst_mqtt_sink_uri_handler_init (gpointer iface, gpointer data);

#define gst_mqtt_sink_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstMqttSink, gst_mqtt_sink, GST_TYPE_BASE_SINK,
                         G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
                                                gst_mqtt_sink_uri_handler_init)
                         GST_DEBUG_CATEGORY_INIT (gst_mqtt_sink_debug, "mqttsink", 0,
                                                  "MQTT sink"));
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (mqttsink, "mqttsink", GST_RANK_NONE, GST_TYPE_MQTT_SINK,
                                       gst_mqtt_element_init (plugin));

/* ------------------------------------------------------------------------ */
/* GstURIHandler */

static GstURIType
uri_get_type (GType type)
{
  return GST_URI_SINK;
}

static const char *const *
uri_get_protocols (GType type)
{
  return gst_mqtt_object_uri_protocols ();
}

static char *
uri_get_uri (GstURIHandler *handler)
{
  return gst_mqtt_object_get_uri (GST_MQTT_SINK (handler)->mqtt);
}

/* The connection's part goes to the shared object, the rest are this
 * element's properties; retain is part of the URI: off unless it says. */
static gboolean
uri_set_uri (GstURIHandler *handler, const char *uri, GError **error)
{
  GstMqttSink *self = GST_MQTT_SINK (handler);
  g_autoptr(GstStructure) parameters = NULL;

  if (!gst_mqtt_object_set_uri (self->mqtt, uri, &parameters, error))
    return FALSE;
  gst_mqtt_lock (&self->lock);
  self->retain = FALSE;
  gst_mqtt_unlock (&self->lock);
  gst_structure_foreach (parameters, gst_mqtt_element_set_parameter, self);
  return TRUE;
}

static void
gst_mqtt_sink_uri_handler_init (gpointer g_iface, gpointer data)
{
  GstURIHandlerInterface *iface = g_iface;

  iface->get_type = uri_get_type;
  iface->get_protocols = uri_get_protocols;
  iface->get_uri = uri_get_uri;
  iface->set_uri = uri_set_uri;
}

/* ------------------------------------------------------------------------ */
/* Buffers as GBytes, without copies */

typedef struct {
  GstMemory *memory;
  GstMapInfo info;
} Mapped;

static void
unmap_memory (gpointer data)
{
  Mapped *mapped = data;

  gst_memory_unmap (mapped->memory, &mapped->info);
  gst_memory_unref (mapped->memory);
  g_free (mapped);
}

/* One GBytes per memory of @buffer, each keeping its memory mapped. */
static GPtrArray *
buffer_to_bytes (GstBuffer *buffer)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint i, n = gst_buffer_n_memory (buffer);

  for (i = 0; i < n; i++)
    {
      Mapped *mapped = g_new (Mapped, 1);

      mapped->memory = gst_buffer_get_memory (buffer, i);
      if (!gst_memory_map (mapped->memory, &mapped->info, GST_MAP_READ))
        {
          gst_memory_unref (mapped->memory);
          g_free (mapped);
          g_ptr_array_unref (parts);
          return NULL;
        }
      if (mapped->info.size == 0)
        {
          unmap_memory (mapped);
          continue;
        }
      g_ptr_array_add (parts, g_bytes_new_with_free_func (mapped->info.data, mapped->info.size,
                                                         unmap_memory, mapped));
    }
  return parts;
}

/* Adds to @out the slices of @parts that cover [@start, @start + @length). */
static void
slice_parts (GPtrArray *parts, gsize start, gsize length, GPtrArray *out)
{
  gsize position = 0;
  guint i;

  for (i = 0; i < parts->len && length > 0; i++)
    {
      GBytes *part = g_ptr_array_index (parts, i);
      gsize size = g_bytes_get_size (part);

      if (start < position + size)
        {
          gsize offset = start - position;
          gsize take = MIN (size - offset, length);

          g_ptr_array_add (out, offset == 0 && take == size ? g_bytes_ref (part)
                                                            : g_bytes_new_from_bytes (part, offset,
                                                                                      take));
          start += take;
          length -= take;
        }
      position += size;
    }
}

/* ------------------------------------------------------------------------ */
/* Publishing */

/* MQTT 5: the properties of every message, worked out again after a
 * change of caps or of message-expiry. With framing=raw the caps are the
 * Content Type (text ones are UTF-8, says the Payload Format Indicator),
 * so that any MQTT 5 client, or an mqttsrc, learns the format. */
static MqttProperties *
message_props_locked (GstMqttSink *self, MqttClient *client)
{
  MqttProperties *props;

  if (self->props_known)
    return self->props;
  self->props_known = TRUE;
  if (mqtt_client_get_protocol_version (client) < MQTT_PROTOCOL_V5)
    return NULL;
  props = mqtt_properties_new ();
  if (self->framing == GST_MQTT_FRAMING_RAW && self->caps_string &&
      !g_str_equal (self->caps_string, "ANY"))
    {
      mqtt_properties_set_content_type (props, self->caps_string);
      if (g_str_has_prefix (self->caps_string, "text/"))
        mqtt_properties_set_payload_format_indicator (props, 1);
    }
  if (self->message_expiry > 0)
    mqtt_properties_set_message_expiry_interval (props, self->message_expiry);
  if (mqtt_properties_is_empty (props))
    g_clear_pointer (&props, mqtt_properties_unref);
  self->props = props;
  return props;
}

static void
forget_props_locked (GstMqttSink *self)
{
  g_clear_pointer (&self->props, mqtt_properties_unref);
  self->props_known = FALSE;
}

/* Publishes one message when the window has room. Holding the lock over the
 * publication makes its "published" wait until the mid is recorded. */
static GstFlowReturn
publish_locked (GstMqttSink *self, const char *topic, GPtrArray *parts, int qos,
                gboolean retain, GError **error)
{
  MqttClient *client = gst_mqtt_object_get_client (self->mqtt);
  GError *local = NULL;
  gsize size = 0;
  guint mid, i;

  while (!self->flushing && g_hash_table_size (self->outstanding) >= self->max_inflight)
    gst_mqtt_lock_wait (&self->lock, -1);
  if (self->flushing)
    return GST_FLOW_FLUSHING;

  if (!mqtt_client_publish_vectored_with_properties (client, topic, (GBytes **) parts->pdata,
                                                     parts->len, qos, retain,
                                                     message_props_locked (self, client), &mid,
                                                     &local))
    {
      /* QoS 0 while the connection is being re-made: at most once. */
      if (g_error_matches (local, MQTT_ERROR, MQTT_ERROR_NO_CONN))
        {
          GST_LOG_OBJECT (self, "dropped a QoS 0 message: %s", local->message);
          g_error_free (local);
          self->drops++;
          return GST_FLOW_OK;
        }
      g_propagate_error (error, local);
      return GST_FLOW_ERROR;
    }
  for (i = 0; i < parts->len; i++)
    size += g_bytes_get_size (g_ptr_array_index (parts, i));
  g_hash_table_insert (self->outstanding, GUINT_TO_POINTER (mid), GINT_TO_POINTER (qos + 1));
  self->messages++;
  self->bytes += size;
  return GST_FLOW_OK;
}

static GstClockTime
running_time (GstMqttSink *self, GstClockTime time)
{
  GstSegment *segment = &GST_BASE_SINK (self)->segment;

  if (!GST_CLOCK_TIME_IS_VALID (time) || segment->format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  return gst_segment_to_running_time (segment, GST_FORMAT_TIME, time);
}

/* The header of each piece of @buffer (NULL: an end of stream). */
static void
fill_frame (GstMqttSink *self, GstBuffer *buffer, GstMqttFrame *frame)
{
  memset (frame, 0, sizeof *frame);
  frame->seqnum = self->seqnum++;
  frame->n_pieces = 1;
  frame->base_time = gst_element_get_base_time (GST_ELEMENT (self));
  frame->pts = frame->dts = frame->duration = GST_CLOCK_TIME_NONE;
  frame->offset = frame->offset_end = GST_BUFFER_OFFSET_NONE;
  if (buffer == NULL)
    {
      frame->kind = GST_MQTT_FRAME_EOS;
      return;
    }
  frame->kind = GST_MQTT_FRAME_BUFFER;
  frame->flags = GST_BUFFER_FLAGS (buffer);
  frame->total_size = gst_buffer_get_size (buffer);
  frame->pts = running_time (self, GST_BUFFER_PTS (buffer));
  frame->dts = running_time (self, GST_BUFFER_DTS (buffer));
  frame->duration = GST_BUFFER_DURATION (buffer);
  frame->offset = GST_BUFFER_OFFSET (buffer);
  frame->offset_end = GST_BUFFER_OFFSET_END (buffer);
}

/* Caps go with the first buffer, after a change, and every caps-interval
 * seconds for receivers that join later; "ANY" says there are none. */
static const char *
caps_to_send_locked (GstMqttSink *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->send_caps || self->caps_interval == 0 ||
      now - self->caps_sent_at >= (gint64) self->caps_interval * G_USEC_PER_SEC)
    {
      self->send_caps = FALSE;
      self->caps_sent_at = now;
      return self->caps_string ? self->caps_string : "ANY";
    }
  return NULL;
}

/* Publishes @buffer (NULL: an end of stream) in the gst framing, in as
 * many pieces as max-message-size asks for. */
static GstFlowReturn
publish_framed_locked (GstMqttSink *self, const char *topic, int qos, gboolean retain,
                       GstBuffer *buffer, GPtrArray *parts, GError **error)
{
  const char *caps = caps_to_send_locked (self);
  gsize caps_size = caps ? strlen (caps) : 0;
  gsize size = buffer ? gst_buffer_get_size (buffer) : 0;
  gsize room, n_pieces, i;
  GstMqttFrame frame;

  if (caps_size > GST_MQTT_FRAME_MAX_CAPS ||
      GST_MQTT_FRAME_FIXED_SIZE + caps_size >= self->max_message_size)
    {
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
                   "The caps (%" G_GSIZE_FORMAT " bytes) do not fit in max-message-size (%u)",
                   caps_size, self->max_message_size);
      return GST_FLOW_ERROR;
    }
  /* Every piece has room for the caps, so that pieces are alike. */
  room = self->max_message_size - GST_MQTT_FRAME_FIXED_SIZE - caps_size;
  n_pieces = MAX (1, (size + room - 1) / room);
  if (n_pieces > G_MAXUINT16)
    {
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
                   "A buffer of %" G_GSIZE_FORMAT " bytes needs more than 65535 pieces of "
                   "max-message-size (%u)", size, self->max_message_size);
      return GST_FLOW_ERROR;
    }

  fill_frame (self, buffer, &frame);
  frame.n_pieces = n_pieces;
  for (i = 0; i < n_pieces; i++)
    {
      g_autoptr(GPtrArray) message = g_ptr_array_new_with_free_func (
        (GDestroyNotify) g_bytes_unref);
      GstFlowReturn ret;

      frame.index = i;
      g_ptr_array_add (message, gst_mqtt_frame_write (&frame, i == 0 ? caps : NULL));
      if (parts)
        slice_parts (parts, i * room, MIN (room, size - i * room), message);
      ret = publish_locked (self, topic, message, qos, retain, error);
      if (ret != GST_FLOW_OK)
        return ret;
    }
  return GST_FLOW_OK;
}

/* With wait-ack, and at the end of the stream: until the broker has
 * everything. */
static GstFlowReturn
wait_all_acked_locked (GstMqttSink *self)
{
  while (!self->flushing && g_hash_table_size (self->outstanding) > 0)
    gst_mqtt_lock_wait (&self->lock, -1);
  return self->flushing ? GST_FLOW_FLUSHING : GST_FLOW_OK;
}

/* The run's one error; the stream ends with it (GST_FLOW_EOS, so that
 * upstream does not add "Internal data stream error"). */
static GstFlowReturn
post_publish_error (GstMqttSink *self, const GError *error)
{
  if (error->domain == GST_STREAM_ERROR)
    GST_MQTT_OBJECT_ERROR (self->mqtt, self, STREAM, FORMAT, ("%s", error->message), (NULL));
  else
    GST_MQTT_OBJECT_ERROR (self->mqtt, self, RESOURCE, WRITE, ("Could not publish: %s",
                                                          error->message), (NULL));
  return GST_FLOW_EOS;
}

static GstFlowReturn
gst_mqtt_sink_render (GstBaseSink *bsink, GstBuffer *buffer)
{
  GstMqttSink *self = GST_MQTT_SINK (bsink);
  g_autoptr(GPtrArray) parts = buffer_to_bytes (buffer);
  g_autoptr(GError) error = NULL;
  g_autofree char *topic = NULL;
  GstFlowReturn ret;
  gboolean retain;
  int qos;

  if (parts == NULL)
    {
      GST_MQTT_OBJECT_ERROR (self->mqtt, self, RESOURCE, READ, ("Could not map a buffer"), (NULL));
      return GST_FLOW_EOS;
    }

  gst_mqtt_lock (&self->lock);
  ret = gst_mqtt_object_wait_connected (self->mqtt, &self->flushing);
  if (ret != GST_FLOW_OK)
    goto done;
  topic = gst_mqtt_object_dup_topic (self->mqtt);
  qos = gst_mqtt_object_get_qos (self->mqtt);
  retain = self->retain;

  if (self->framing == GST_MQTT_FRAMING_GST)
    ret = publish_framed_locked (self, topic, qos, retain, buffer, parts, &error);
  else if (gst_buffer_get_size (buffer) > self->max_message_size)
    {
      g_set_error (&error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
                   "A buffer of %" G_GSIZE_FORMAT " bytes exceeds max-message-size (%u): "
                   "raise it, or use framing=gst, which sends it in pieces",
                   gst_buffer_get_size (buffer), self->max_message_size);
      ret = GST_FLOW_ERROR;
    }
  else
    ret = publish_locked (self, topic, parts, qos, retain, &error);

  if (ret == GST_FLOW_OK && self->wait_ack)
    ret = wait_all_acked_locked (self);
done:
  gst_mqtt_unlock (&self->lock);
  if (error)
    ret = post_publish_error (self, error);
  return ret;
}

static gboolean
gst_mqtt_sink_event (GstBaseSink *bsink, GstEvent *event)
{
  GstMqttSink *self = GST_MQTT_SINK (bsink);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    {
      g_autoptr(GError) error = NULL;
      GstFlowReturn ret;

      gst_mqtt_lock (&self->lock);
      ret = gst_mqtt_object_wait_connected (self->mqtt, &self->flushing);
      if (ret == GST_FLOW_OK && self->framing == GST_MQTT_FRAMING_GST)
        {
          g_autofree char *topic = gst_mqtt_object_dup_topic (self->mqtt);

          ret = publish_framed_locked (self, topic, gst_mqtt_object_get_qos (self->mqtt), FALSE,
                                       NULL, NULL, &error);
        }
      /* EOS goes on once the broker has every message. */
      if (ret == GST_FLOW_OK)
        wait_all_acked_locked (self);
      gst_mqtt_unlock (&self->lock);
      if (error)
        post_publish_error (self, error);
    }
  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

static gboolean
gst_mqtt_sink_set_caps (GstBaseSink *bsink, GstCaps *caps)
{
  GstMqttSink *self = GST_MQTT_SINK (bsink);

  gst_mqtt_lock (&self->lock);
  g_free (self->caps_string);
  self->caps_string = gst_caps_to_string (caps);
  self->send_caps = TRUE;
  forget_props_locked (self);
  gst_mqtt_unlock (&self->lock);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* The client's callbacks (its thread) */

static void
configure (GstElement *element, MqttClient *client)
{
  GstMqttSink *self = GST_MQTT_SINK (element);
  guint max_inflight;

  gst_mqtt_lock (&self->lock);
  max_inflight = self->max_inflight;
  gst_mqtt_unlock (&self->lock);
  mqtt_client_set_max_inflight_messages (client, max_inflight);
  /* MQTT 5: one topic, sent once per connection, then its alias. */
  mqtt_client_set_outgoing_topic_aliases (client, 1);
}

static void
published (GstElement *element, guint mid)
{
  GstMqttSink *self = GST_MQTT_SINK (element);

  gst_mqtt_lock (&self->lock);
  if (g_hash_table_remove (self->outstanding, GUINT_TO_POINTER (mid)))
    gst_mqtt_lock_wake (&self->lock);
  gst_mqtt_unlock (&self->lock);
}

static gboolean
is_qos0 (gpointer key, gpointer value, gpointer user_data)
{
  return GPOINTER_TO_INT (value) == 1;
}

/* QoS 0 messages still outstanding were not written: gone. */
static void
lost (GstElement *element)
{
  GstMqttSink *self = GST_MQTT_SINK (element);
  guint n;

  gst_mqtt_lock (&self->lock);
  n = g_hash_table_foreach_remove (self->outstanding, is_qos0, NULL);
  self->drops += n;
  gst_mqtt_lock_wake (&self->lock);
  gst_mqtt_unlock (&self->lock);
  if (n)
    GST_WARNING_OBJECT (self, "the lost connection dropped %u QoS 0 messages", n);
}

/* ------------------------------------------------------------------------ */
/* States */

/* The connection lives from READY to PAUSED until PAUSED to READY (GstBaseSink's
 * own start() would run from NULL to READY, when settings may still change). */
static gboolean
start (GstMqttSink *self)
{
  if (!gst_mqtt_object_prepare (self->mqtt))
    return FALSE;
  gst_mqtt_lock (&self->lock);
  g_hash_table_remove_all (self->outstanding);
  self->seqnum = 0;
  self->send_caps = TRUE;
  self->messages = self->bytes = self->drops = 0;
  gst_mqtt_unlock (&self->lock);
  gst_mqtt_object_start (self->mqtt);
  return TRUE;
}

static void
stop (GstMqttSink *self)
{
  gst_mqtt_object_stop (self->mqtt);
  gst_mqtt_lock (&self->lock);
  g_hash_table_remove_all (self->outstanding);
  g_clear_pointer (&self->caps_string, g_free);
  forget_props_locked (self);
  gst_mqtt_unlock (&self->lock);
}

static GstStateChangeReturn
gst_mqtt_sink_change_state (GstElement *element, GstStateChange transition)
{
  GstMqttSink *self = GST_MQTT_SINK (element);
  GstStateChangeReturn ret;

  /* A bad setting is one error (posted by start()), not followed by the
   * base class's. */
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !start (self))
    return GST_STATE_CHANGE_FAILURE;
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if ((transition == GST_STATE_CHANGE_READY_TO_PAUSED && ret == GST_STATE_CHANGE_FAILURE) ||
      transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    stop (self);
  return ret;
}

static void
set_flushing (GstMqttSink *self, gboolean flushing)
{
  gst_mqtt_lock (&self->lock);
  self->flushing = flushing;
  gst_mqtt_lock_wake (&self->lock);
  gst_mqtt_unlock (&self->lock);
}

static gboolean
gst_mqtt_sink_unlock (GstBaseSink *bsink)
{
  set_flushing (GST_MQTT_SINK (bsink), TRUE);
  return TRUE;
}

static gboolean
gst_mqtt_sink_unlock_stop (GstBaseSink *bsink)
{
  set_flushing (GST_MQTT_SINK (bsink), FALSE);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* GObject */

static GstStructure *
get_stats (GstMqttSink *self)
{
  GstStructure *s = gst_mqtt_object_new_stats (self->mqtt);

  gst_mqtt_lock (&self->lock);
  gst_structure_set (s, "messages", G_TYPE_UINT64, self->messages, "bytes", G_TYPE_UINT64,
                     self->bytes, "drops", G_TYPE_UINT64, self->drops, "in-flight", G_TYPE_UINT,
                     g_hash_table_size (self->outstanding), NULL);
  gst_mqtt_unlock (&self->lock);
  return s;
}

static void
gst_mqtt_sink_set_property (GObject *object, guint prop_id, const GValue *value,
                            GParamSpec *pspec)
{
  GstMqttSink *self = GST_MQTT_SINK (object);

  if (gst_mqtt_object_refuse_change (self->mqtt, pspec) ||
      gst_mqtt_object_set_property (self->mqtt, prop_id, value))
    return;
  gst_mqtt_lock (&self->lock);
  switch (prop_id)
    {
    case PROP_RETAIN:
      self->retain = g_value_get_boolean (value);
      break;
    case PROP_FRAMING:
      self->framing = g_value_get_enum (value);
      break;
    case PROP_MAX_INFLIGHT:
      self->max_inflight = g_value_get_uint (value);
      gst_mqtt_lock_wake (&self->lock);
      break;
    case PROP_WAIT_ACK:
      self->wait_ack = g_value_get_boolean (value);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      self->max_message_size = g_value_get_uint (value);
      break;
    case PROP_MESSAGE_EXPIRY:
      self->message_expiry = g_value_get_uint (value);
      forget_props_locked (self);
      break;
    case PROP_CAPS_INTERVAL:
      self->caps_interval = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  gst_mqtt_unlock (&self->lock);
}

static void
gst_mqtt_sink_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstMqttSink *self = GST_MQTT_SINK (object);

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
    case PROP_RETAIN:
      g_value_set_boolean (value, self->retain);
      break;
    case PROP_FRAMING:
      g_value_set_enum (value, self->framing);
      break;
    case PROP_MAX_INFLIGHT:
      g_value_set_uint (value, self->max_inflight);
      break;
    case PROP_WAIT_ACK:
      g_value_set_boolean (value, self->wait_ack);
      break;
    case PROP_MAX_MESSAGE_SIZE:
      g_value_set_uint (value, self->max_message_size);
      break;
    case PROP_MESSAGE_EXPIRY:
      g_value_set_uint (value, self->message_expiry);
      break;
    case PROP_CAPS_INTERVAL:
      g_value_set_uint (value, self->caps_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  gst_mqtt_unlock (&self->lock);
}

static void
gst_mqtt_sink_finalize (GObject *object)
{
  GstMqttSink *self = GST_MQTT_SINK (object);

  gst_mqtt_object_free (self->mqtt);
  gst_mqtt_lock_clear (&self->lock);
  g_hash_table_unref (self->outstanding);
  g_free (self->caps_string);
  g_clear_pointer (&self->props, mqtt_properties_unref);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_mqtt_sink_class_init (GstMqttSinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *sink_class = GST_BASE_SINK_CLASS (klass);
  const GParamFlags live = GST_MQTT_PARAM_LIVE, ready = GST_MQTT_PARAM_READY;

  object_class->set_property = gst_mqtt_sink_set_property;
  object_class->get_property = gst_mqtt_sink_get_property;
  object_class->finalize = gst_mqtt_sink_finalize;

  gst_mqtt_object_install_properties (object_class);
  g_object_class_install_property (object_class, PROP_RETAIN,
    g_param_spec_boolean ("retain", "Retain",
                          "Have the broker keep the last message for new subscribers", FALSE,
                          live));
  g_object_class_install_property (object_class, PROP_FRAMING,
    g_param_spec_enum ("framing", "Framing",
                       "raw: the buffer's bytes alone; gst: a header with caps, timestamps "
                       "and flags for an mqttsrc", GST_TYPE_MQTT_FRAMING, GST_MQTT_FRAMING_RAW,
                       ready));
  g_object_class_install_property (object_class, PROP_MAX_INFLIGHT,
    g_param_spec_uint ("max-inflight", "Max in-flight",
                       "Messages that may await the broker before render() waits", 1,
                       G_MAXUINT16, DEFAULT_MAX_INFLIGHT, ready));
  g_object_class_install_property (object_class, PROP_WAIT_ACK,
    g_param_spec_boolean ("wait-ack", "Wait for acknowledgement",
                          "Return from render() only when the broker has the buffer (QoS 1 "
                          "and 2: acknowledged; QoS 0: written)", FALSE,
                          live));
  g_object_class_install_property (object_class, PROP_MAX_MESSAGE_SIZE,
    g_param_spec_uint ("max-message-size", "Max message size",
                       "Largest payload to publish; framing=gst sends larger buffers in "
                       "pieces, framing=raw refuses them", 1024, 256 * 1024 * 1024,
                       DEFAULT_MAX_MESSAGE_SIZE, ready));
  g_object_class_install_property (object_class, PROP_CAPS_INTERVAL,
    g_param_spec_uint ("caps-interval", "Caps interval",
                       "framing=gst: send the caps again every this many seconds, for "
                       "receivers that join later (0: with every buffer)", 0, 3600,
                       DEFAULT_CAPS_INTERVAL, live));
  g_object_class_install_property (object_class, PROP_MESSAGE_EXPIRY,
    g_param_spec_uint ("message-expiry", "Message expiry",
                       "MQTT 5: seconds after which the broker drops a message not yet "
                       "delivered, so that a late subscriber gets no stale frames (0: never)",
                       0, G_MAXUINT32, 0, live));
  g_object_class_install_property (object_class, PROP_STATS,
    g_param_spec_boxed ("stats", "Statistics",
                        "state, reconnects, messages, bytes, drops, in-flight",
                        GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "MQTT sink", "Sink/Network",
                                         "Publishes buffers to an MQTT broker",
                                         "mqtt-glib developers");

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_mqtt_sink_change_state);
  sink_class->render = GST_DEBUG_FUNCPTR (gst_mqtt_sink_render);
  sink_class->event = GST_DEBUG_FUNCPTR (gst_mqtt_sink_event);
  sink_class->set_caps = GST_DEBUG_FUNCPTR (gst_mqtt_sink_set_caps);
  sink_class->unlock = GST_DEBUG_FUNCPTR (gst_mqtt_sink_unlock);
  sink_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_mqtt_sink_unlock_stop);
}

static void
gst_mqtt_sink_init (GstMqttSink *self)
{
  static const GstMqttObjectCallbacks callbacks = {
    .configure = configure,
    .lost = lost,
    .published = published,
  };

  gst_mqtt_lock_init (&self->lock);
  self->mqtt = gst_mqtt_object_new (GST_ELEMENT (self), TRUE, &callbacks, &self->lock);
  self->framing = GST_MQTT_FRAMING_RAW;
  self->max_inflight = DEFAULT_MAX_INFLIGHT;
  self->max_message_size = DEFAULT_MAX_MESSAGE_SIZE;
  self->caps_interval = DEFAULT_CAPS_INTERVAL;
  self->outstanding = g_hash_table_new (NULL, NULL);
}
