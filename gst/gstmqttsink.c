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
 * With `framing=gst` a stream header (the caps, and the header buffers at
 * the stream's start) stays retained on the topic for receivers that join
 * later, and an mqttsrc's key-unit request on the control topic
 * (`control-prefix`/TOPIC) goes upstream as a GstForceKeyUnit event, at
 * most once per `min-key-unit-interval` (`key-unit-requests`).
 * `topic-template` publishes each buffer that carries a GstMqttMessageMeta
 * on a topic made from the meta's; the `publish` action signal publishes
 * an application message on the element's connection. `net-clock` serves
 * the pipeline's clock to receivers (GstNetTimeProvider), and
 * `reference-timestamp-caps` stamps each buffer's time of publication.
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
#include <gst/video/video.h>

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
  char *topic_template;      /* each buffer's topic from its message meta, or NULL */
  char *control_prefix;      /* the control channel's topics, or NULL/empty for none */
  gboolean key_unit_requests;
  GstClockTime min_key_unit_interval;
  char *net_clock;           /* ADDRESS:PORT to serve the pipeline's clock on, or NULL */
  GstCaps *reference_caps;   /* each buffer's reference timestamp at publication, or NULL */
  char *reference_text;      /* the same as a string, written in the framing */
  GstObject *provider;       /* the GstNetTimeProvider of net-clock, from PLAYING */

  /* Streaming state */
  gboolean flushing;         /* unlock() in progress */
  GHashTable *outstanding;   /* mid -> QoS + 1: published, not complete */
  char *caps_string;         /* the caps: gst framing sends them, raw framing at MQTT 5
                              * gives them as the Content Type */
  MqttProperties *props;     /* MQTT 5: what every message carries (NULL: not worked out
                              * yet, or nothing) */
  gboolean props_known;
  /* The streaming thread's: the pieces of the buffer in hand, kept
   * between buffers so that rendering one allocates no array. */
  GPtrArray *parts;
  /* The stream header (framing=gst): the header buffers at the stream's
   * start, and whether it is to be published (again) before the next buffer. */
  GPtrArray *headers;
  gsize headers_size;
  gboolean collecting_headers;
  gboolean header_due;
  /* The control channel (the client's thread, and key units under lock) */
  char *control_topic;       /* subscribed, or NULL */
  gint64 last_key_unit;      /* monotonic µs of the last key unit asked for */
  guint key_unit_count;
  guint64 key_unit_requests_received;
  /* The last meta topic and its expansion (streaming thread) */
  char *last_in_topic;
  char *last_out_topic;
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
#define DEFAULT_MIN_KEY_UNIT_INTERVAL GST_SECOND
/* A stream header's buffers, at most. */
#define MAX_HEADERS_SIZE (256 * 1024)

enum {
  SIGNAL_PUBLISH,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

enum {
  PROP_RETAIN = GST_MQTT_OBJECT_N_PROPS,
  PROP_FRAMING,
  PROP_MAX_INFLIGHT,
  PROP_WAIT_ACK,
  PROP_MAX_MESSAGE_SIZE,
  PROP_CAPS_INTERVAL,
  PROP_MESSAGE_EXPIRY,
  PROP_TOPIC_TEMPLATE,
  PROP_CONTROL_PREFIX,
  PROP_KEY_UNIT_REQUESTS,
  PROP_MIN_KEY_UNIT_INTERVAL,
  PROP_NET_CLOCK,
  PROP_REFERENCE_TIMESTAMP_CAPS,
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

/* Fills @parts with one GBytes per memory of @buffer, each keeping its
 * memory mapped. */
static gboolean
buffer_to_bytes (GPtrArray *parts, GstBuffer *buffer)
{
  guint i, n = gst_buffer_n_memory (buffer);

  for (i = 0; i < n; i++)
    {
      Mapped *mapped = g_new (Mapped, 1);

      mapped->memory = gst_buffer_get_memory (buffer, i);
      if (!gst_memory_map (mapped->memory, &mapped->info, GST_MAP_READ))
        {
          gst_memory_unref (mapped->memory);
          g_free (mapped);
          g_ptr_array_set_size (parts, 0);
          return FALSE;
        }
      if (mapped->info.size == 0)
        {
          unmap_memory (mapped);
          continue;
        }
      g_ptr_array_add (parts, g_bytes_new_with_free_func (mapped->info.data, mapped->info.size,
                                                         unmap_memory, mapped));
    }
  return TRUE;
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

/* The stream header: what a receiver that joins late needs first (the
 * caps, which hold any streamheader or codec_data, and the header buffers
 * of the stream's start), retained on the stream's topic so that the
 * broker gives it to every new subscriber (see gstmqttframing.h). Not with
 * retain=true, where the last buffer is what the broker keeps. */
static GstFlowReturn
publish_header_locked (GstMqttSink *self, const char *topic, int qos, GError **error)
{
  g_autoptr(GPtrArray) message = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GBytes) payload = NULL;
  gsize caps_size;
  GstMqttFrame frame = { 0 };

  self->header_due = FALSE;
  if (self->retain || self->caps_string == NULL)
    return GST_FLOW_OK;
  caps_size = strlen (self->caps_string);
  payload = gst_mqtt_frame_pack_headers ((GstBuffer **) self->headers->pdata, self->headers->len);
  if (GST_MQTT_FRAME_FIXED_SIZE + caps_size + g_bytes_get_size (payload) > self->max_message_size)
    {
      GST_WARNING_OBJECT (self, "the stream's header buffers do not fit in max-message-size: "
                          "the stream header has the caps alone");
      g_clear_pointer (&payload, g_bytes_unref);
      payload = g_bytes_new (NULL, 0);
    }
  frame.kind = GST_MQTT_FRAME_HEADER;
  frame.seqnum = self->seqnum;
  frame.n_pieces = 1;
  frame.total_size = g_bytes_get_size (payload);
  frame.pts = frame.dts = frame.duration = frame.base_time = GST_CLOCK_TIME_NONE;
  frame.offset = frame.offset_end = GST_BUFFER_OFFSET_NONE;
  g_ptr_array_add (message, gst_mqtt_frame_write (&frame, self->caps_string));
  if (frame.total_size)
    g_ptr_array_add (message, g_bytes_ref (payload));
  GST_DEBUG_OBJECT (self, "stream header: caps and %u header buffers", self->headers->len);
  /* At least once: a receiver waits for it. */
  return publish_locked (self, topic, message, MAX (qos, 1), TRUE, error);
}

/* Header buffers at the stream's start are kept for the stream header. */
static void
collect_header_locked (GstMqttSink *self, GstBuffer *buffer)
{
  if (!self->collecting_headers)
    return;
  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_HEADER))
    {
      self->collecting_headers = FALSE;
      return;
    }
  if (self->headers_size + gst_buffer_get_size (buffer) > MAX_HEADERS_SIZE)
    return;
  g_ptr_array_add (self->headers, gst_buffer_ref (buffer));
  self->headers_size += gst_buffer_get_size (buffer);
  self->header_due = TRUE;
}

/* reference-timestamp-caps: the clock's time now, as @frame's stamp. */
static void
stamp_locked (GstMqttSink *self, GstMqttFrame *frame)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));

  if (clock == NULL)
    return;
  frame->stamp_reference = self->reference_text;
  frame->stamp = gst_clock_get_time (clock);
  gst_object_unref (clock);
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
  frame.metas = buffer;
  if (buffer && self->reference_text)
    stamp_locked (self, &frame);
  for (i = 0; i < n_pieces; i++)
    {
      g_autoptr(GPtrArray) message = g_ptr_array_new_with_free_func (
        (GDestroyNotify) g_bytes_unref);
      GstFlowReturn ret;

      frame.index = i;
      g_ptr_array_add (message, gst_mqtt_frame_write (&frame, i == 0 ? caps : NULL));
      /* Reference timestamps go with the first piece, as the caps. */
      frame.metas = NULL;
      frame.stamp_reference = NULL;
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
  else if (error->domain == GST_RESOURCE_ERROR)
    GST_MQTT_OBJECT_ERROR (self->mqtt, self, RESOURCE, READ, ("%s", error->message), (NULL));
  else
    GST_MQTT_OBJECT_ERROR (self->mqtt, self, RESOURCE, WRITE, ("Could not publish: %s",
                                                          error->message), (NULL));
  return GST_FLOW_EOS;
}

/* One {reference} of topic-template, between @text and @end, over a topic
 * of @n levels: the levels [*first, *last] (from 0). -1 for a reference
 * that is not one, 0 for levels the topic does not have, 1 otherwise. */
static int
parse_reference (const char *text, const char *end, int n, int *first, int *last)
{
  g_autofree char *ref = g_strndup (text, end - text);
  gboolean from_end = ref[0] == '-', to_end = FALSE;
  const char *digits = from_end ? ref + 1 : ref;
  guint64 level;
  char *rest;

  if (g_str_equal (ref, "topic"))
    {
      *first = 0;
      *last = n - 1;
      return 1;
    }
  if (!g_ascii_isdigit (*digits))
    return -1;
  level = g_ascii_strtoull (digits, &rest, 10);
  if (!from_end && g_str_equal (rest, "-"))
    to_end = TRUE;
  else if (*rest != '\0')
    return -1;
  if (level == 0 || level > 65535)
    return -1;
  if (level > (guint64) n)
    return 0;
  *first = from_end ? n - (int) level : (int) level - 1;
  *last = to_end ? n - 1 : *first;
  return 1;
}

/* topic-template expanded over @topic (NULL: only check the template's
 * syntax). NULL with an error for a bad template or a level @topic lacks. */
static char *
expand_topic (const char *template, const char *topic, GError **error)
{
  g_auto(GStrv) levels = g_strsplit (topic ? topic : "", "/", -1);
  /* Checking the syntax alone: as many levels as any reference names. */
  int n = topic ? (int) g_strv_length (levels) : 65535;
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p;

  for (p = template; *p; p++)
    {
      const char *end;
      int first, last, i;

      if (*p != '{')
        {
          g_string_append_c (out, *p);
          continue;
        }
      end = strchr (p, '}');
      switch (end ? parse_reference (p + 1, end, n, &first, &last) : -1)
        {
        case -1:
          g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                       "Bad topic-template '%s': use {topic}, {N}, {N-} or {-N} (N from 1)",
                       template);
          return NULL;
        case 0:
          g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
                       "The topic '%s' has too few levels for topic-template '%s'", topic,
                       template);
          return NULL;
        default:
          break;
        }
      if (topic)
        for (i = first; i <= last; i++)
          {
            if (i > first)
              g_string_append_c (out, '/');
            g_string_append (out, levels[i]);
          }
      p = end;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The topic of @buffer: topic-template over the topic of its message meta
 * (the last expansion is kept: a stream repeats its topic), or @topic.
 * NULL with an error when the meta's topic does not fit the template. */
static const char *
buffer_topic_locked (GstMqttSink *self, GstBuffer *buffer, const char *topic, GError **error)
{
  const char *in;
  char *out;

  if (self->topic_template == NULL || !(in = gst_mqtt_buffer_get_message_topic (buffer)))
    return topic;
  if (self->last_in_topic && g_str_equal (in, self->last_in_topic))
    return self->last_out_topic;
  if (!(out = expand_topic (self->topic_template, in, error)))
    return NULL;
  g_free (self->last_in_topic);
  g_free (self->last_out_topic);
  self->last_in_topic = g_strdup (in);
  self->last_out_topic = out;
  return out;
}

/* Publishes @buffer to what @target says, as its topic and the framing
 * say. */
static GstFlowReturn
render_to_locked (GstMqttSink *self, const GstMqttTarget *target, GstBuffer *buffer,
                  GError **error)
{
  g_autoptr(GError) unfit = NULL;
  const char *topic = target->topic, *buffer_topic;
  gboolean retain = self->retain;
  GstFlowReturn ret = GST_FLOW_OK;
  int qos = target->qos;

  buffer_topic = buffer_topic_locked (self, buffer, topic, &unfit);
  if (buffer_topic == NULL)
    {
      /* One buffer that does not fit: dropped, with a warning. */
      GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("%s: the buffer is dropped", unfit->message),
                           (NULL));
      self->drops++;
      return GST_FLOW_OK;
    }
  if (!buffer_to_bytes (self->parts, buffer))
    {
      g_set_error_literal (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
                           "Could not map a buffer");
      return GST_FLOW_ERROR;
    }

  if (self->framing == GST_MQTT_FRAMING_GST)
    {
      /* One stream on one topic has a stream header. */
      collect_header_locked (self, buffer);
      if (self->header_due && self->topic_template == NULL)
        ret = publish_header_locked (self, topic, qos, error);
      if (ret == GST_FLOW_OK)
        ret = publish_framed_locked (self, buffer_topic, qos, retain, buffer, self->parts, error);
    }
  else if (gst_buffer_get_size (buffer) > self->max_message_size)
    {
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT,
                   "A buffer of %" G_GSIZE_FORMAT " bytes exceeds max-message-size (%u): "
                   "raise it, or use framing=gst, which sends it in pieces",
                   gst_buffer_get_size (buffer), self->max_message_size);
      ret = GST_FLOW_ERROR;
    }
  else
    ret = publish_locked (self, buffer_topic, self->parts, qos, retain, error);
  g_ptr_array_set_size (self->parts, 0);

  if (ret == GST_FLOW_OK && self->wait_ack)
    ret = wait_all_acked_locked (self);
  return ret;
}

/* Publishes @buffer, as its topic and the framing say, once connected.
 * Streaming thread. */
static GstFlowReturn
render_locked (GstMqttSink *self, GstBuffer *buffer, GError **error)
{
  GstMqttTarget target;
  GstFlowReturn ret;

  ret = gst_mqtt_object_wait_target (self->mqtt, &self->flushing, &target);
  if (ret != GST_FLOW_OK)
    return ret;
  ret = render_to_locked (self, &target, buffer, error);
  gst_mqtt_target_clear (&target);
  return ret;
}

/* @buffer, or each buffer of @list in turn, under one lock. */
static GstFlowReturn
render_buffers (GstMqttSink *self, GstBuffer *buffer, GstBufferList *list)
{
  g_autoptr(GError) error = NULL;
  GstFlowReturn ret = GST_FLOW_OK;
  guint i, n = list ? gst_buffer_list_length (list) : 1;

  gst_mqtt_lock (&self->lock);
  for (i = 0; i < n && ret == GST_FLOW_OK; i++)
    ret = render_locked (self, list ? gst_buffer_list_get (list, i) : buffer, &error);
  gst_mqtt_unlock (&self->lock);
  if (error)
    ret = post_publish_error (self, error);
  return ret;
}

static GstFlowReturn
gst_mqtt_sink_render (GstBaseSink *bsink, GstBuffer *buffer)
{
  return render_buffers (GST_MQTT_SINK (bsink), buffer, NULL);
}

static GstFlowReturn
gst_mqtt_sink_render_list (GstBaseSink *bsink, GstBufferList *list)
{
  return render_buffers (GST_MQTT_SINK (bsink), NULL, list);
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
  /* A new stream header: these caps, and the header buffers that follow. */
  self->header_due = TRUE;
  self->collecting_headers = TRUE;
  g_ptr_array_set_size (self->headers, 0);
  self->headers_size = 0;
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

/* Subscribes to the control topic of the stream's topic (again at every
 * connection: a clean session forgot it), or lets the old one go after a
 * change of topic. Client thread. */
static void
update_control (GstMqttSink *self, MqttClient *client, gboolean connected)
{
  g_autofree char *topic = gst_mqtt_object_dup_topic (self->mqtt);
  g_autofree char *wanted = NULL;

  gst_mqtt_lock (&self->lock);
  if (self->key_unit_requests)
    wanted = gst_mqtt_control_topic (self->control_prefix, topic);
  gst_mqtt_unlock (&self->lock);
  if (!connected && g_strcmp0 (wanted, self->control_topic) == 0)
    return;
  if (self->control_topic && !connected)
    mqtt_client_unsubscribe (client, self->control_topic, NULL, NULL);
  g_free (self->control_topic);
  self->control_topic = g_steal_pointer (&wanted);
  if (self->control_topic)
    mqtt_client_subscribe (client, self->control_topic, MQTT_QOS_AT_LEAST_ONCE, NULL, NULL);
}

static void
connected (GstElement *element, MqttClient *client)
{
  GstMqttSink *self = GST_MQTT_SINK (element);

  /* The broker may have lost the retained header (a restart). */
  gst_mqtt_lock (&self->lock);
  self->header_due = self->caps_string != NULL;
  gst_mqtt_unlock (&self->lock);
  update_control (self, client, TRUE);
}

static void
settings_changed (GstElement *element, MqttClient *client)
{
  if (mqtt_client_is_connected (client))
    update_control (GST_MQTT_SINK (element), client, FALSE);
}

/* A receiver asks for a key unit: upstream is asked (GstForceKeyUnit),
 * at most once per min-key-unit-interval (the key unit asked for serves
 * every receiver that joins meanwhile). Client thread. */
static void
message (GstElement *element, MqttMessage *message)
{
  GstMqttSink *self = GST_MQTT_SINK (element);
  gint64 now = g_get_monotonic_time ();
  gboolean all_headers, forward;
  guint count;

  if (self->control_topic == NULL ||
      !g_str_equal (mqtt_message_get_topic (message), self->control_topic) ||
      !gst_mqtt_parse_key_unit_request (mqtt_message_get_payload (message), &all_headers))
    return;
  gst_mqtt_lock (&self->lock);
  self->key_unit_requests_received++;
  forward = self->last_key_unit == 0 ||
            now - self->last_key_unit >= (gint64) (self->min_key_unit_interval / GST_USECOND);
  if (forward)
    {
      self->last_key_unit = now;
      /* A new stream header goes out with it: a receiver may have missed it. */
      self->header_due = self->caps_string != NULL;
    }
  count = ++self->key_unit_count;
  gst_mqtt_lock_wake (&self->lock);
  gst_mqtt_unlock (&self->lock);

  GST_INFO_OBJECT (self, "a receiver asks for a key unit%s",
                   forward ? "" : " (one was asked for moments ago)");
  if (forward)
    gst_pad_push_event (GST_BASE_SINK_PAD (self),
                        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                                                                     all_headers, count));
  gst_element_post_message (element, gst_message_new_element (
    GST_OBJECT (self), gst_structure_new ("mqtt-key-unit-request", "topic", G_TYPE_STRING,
                                          mqtt_message_get_topic (message), "forwarded",
                                          G_TYPE_BOOLEAN, forward, NULL)));
}

/* The "publish" action signal: an application message on the element's
 * connection. */
static gboolean
publish_action (GstMqttSink *self, const char *topic, GBytes *payload, int qos, gboolean retain)
{
  g_autoptr(MqttClient) client = gst_mqtt_object_ref_client (self->mqtt);
  g_autoptr(GError) error = NULL;

  if (client == NULL)
    {
      GST_WARNING_OBJECT (self, "publish: the element has no connection before PAUSED");
      return FALSE;
    }
  if (!mqtt_client_publish_bytes (client, topic, payload, qos, retain, NULL, &error))
    {
      GST_WARNING_OBJECT (self, "publish on '%s': %s", topic, error->message);
      return FALSE;
    }
  return TRUE;
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
  g_autoptr(GError) error = NULL;
  g_autofree char *checked = NULL;

  gst_mqtt_lock (&self->lock);
  if (self->topic_template)
    checked = expand_topic (self->topic_template, NULL, &error);
  gst_mqtt_unlock (&self->lock);
  if (error)
    {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
      return FALSE;
    }
  if (!gst_mqtt_object_prepare (self->mqtt))
    return FALSE;
  gst_mqtt_lock (&self->lock);
  g_hash_table_remove_all (self->outstanding);
  self->seqnum = 0;
  self->send_caps = TRUE;
  self->last_key_unit = 0;
  self->key_unit_requests_received = 0;
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
  g_ptr_array_set_size (self->headers, 0);
  self->headers_size = 0;
  self->header_due = FALSE;
  g_clear_pointer (&self->control_topic, g_free);
  g_clear_pointer (&self->last_in_topic, g_free);
  g_clear_pointer (&self->last_out_topic, g_free);
  forget_props_locked (self);
  gst_mqtt_unlock (&self->lock);
}

/* net-clock: the pipeline's clock served to GstNetClientClocks (mqttsrc's
 * net-clock), from PLAYING on. */
static gboolean
serve_clock (GstMqttSink *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *net_clock = NULL;
  g_autoptr(GstClock) clock = NULL;

  gst_mqtt_lock (&self->lock);
  net_clock = g_strdup (self->net_clock);
  gst_mqtt_unlock (&self->lock);
  if (net_clock == NULL || self->provider)
    return TRUE;
  if (!(clock = gst_element_get_clock (GST_ELEMENT (self))))
    g_set_error_literal (&error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
                         "The pipeline has no clock to serve");
  else
    self->provider = gst_mqtt_serve_net_clock (clock, net_clock, &error);
  if (error)
    {
      GST_MQTT_OBJECT_ERROR (self->mqtt, self, RESOURCE, SETTINGS, ("%s", error->message), (NULL));
      return FALSE;
    }
  GST_INFO_OBJECT (self, "serving the pipeline's clock on %s", net_clock);
  return TRUE;
}

static GstStateChangeReturn
gst_mqtt_sink_change_state (GstElement *element, GstStateChange transition)
{
  GstMqttSink *self = GST_MQTT_SINK (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING && !serve_clock (self))
    return GST_STATE_CHANGE_FAILURE;

  /* A bad setting is one error (posted by start()), not followed by the
   * base class's. */
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !start (self))
    return GST_STATE_CHANGE_FAILURE;
  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if ((transition == GST_STATE_CHANGE_READY_TO_PAUSED && ret == GST_STATE_CHANGE_FAILURE) ||
      transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    {
      stop (self);
      g_clear_object (&self->provider);
    }
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
                     g_hash_table_size (self->outstanding), "key-unit-requests", G_TYPE_UINT64,
                     self->key_unit_requests_received, NULL);
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
    case PROP_TOPIC_TEMPLATE:
      g_free (self->topic_template);
      self->topic_template = g_value_dup_string (value);
      if (self->topic_template && *self->topic_template == '\0')
        g_clear_pointer (&self->topic_template, g_free);
      g_clear_pointer (&self->last_in_topic, g_free);
      break;
    case PROP_CONTROL_PREFIX:
      g_free (self->control_prefix);
      self->control_prefix = g_value_dup_string (value);
      break;
    case PROP_KEY_UNIT_REQUESTS:
      self->key_unit_requests = g_value_get_boolean (value);
      break;
    case PROP_MIN_KEY_UNIT_INTERVAL:
      self->min_key_unit_interval = g_value_get_uint64 (value);
      break;
    case PROP_NET_CLOCK:
      g_free (self->net_clock);
      self->net_clock = g_value_dup_string (value);
      break;
    case PROP_REFERENCE_TIMESTAMP_CAPS:
      gst_caps_replace (&self->reference_caps, (GstCaps *) gst_value_get_caps (value));
      g_free (self->reference_text);
      self->reference_text = self->reference_caps ? gst_caps_to_string (self->reference_caps)
                                                  : NULL;
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
    case PROP_TOPIC_TEMPLATE:
      g_value_set_string (value, self->topic_template);
      break;
    case PROP_CONTROL_PREFIX:
      g_value_set_string (value, self->control_prefix);
      break;
    case PROP_KEY_UNIT_REQUESTS:
      g_value_set_boolean (value, self->key_unit_requests);
      break;
    case PROP_MIN_KEY_UNIT_INTERVAL:
      g_value_set_uint64 (value, self->min_key_unit_interval);
      break;
    case PROP_NET_CLOCK:
      g_value_set_string (value, self->net_clock);
      break;
    case PROP_REFERENCE_TIMESTAMP_CAPS:
      gst_value_set_caps (value, self->reference_caps);
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
  g_free (self->topic_template);
  g_free (self->net_clock);
  gst_clear_caps (&self->reference_caps);
  g_free (self->reference_text);
  g_clear_object (&self->provider);
  g_free (self->control_prefix);
  g_free (self->control_topic);
  g_free (self->last_in_topic);
  g_free (self->last_out_topic);
  g_ptr_array_unref (self->headers);
  g_ptr_array_unref (self->parts);
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
  g_object_class_install_property (object_class, PROP_TOPIC_TEMPLATE,
    g_param_spec_string ("topic-template", "Topic template",
                         "Publish each buffer that carries a GstMqttMessageMeta on this "
                         "template over the meta's topic: {topic} the whole topic, {N} its "
                         "Nth level, {N-} its levels from the Nth on, {-N} the Nth from the "
                         "end (e.g. out/{2-}); buffers without the meta go to topic",
                         NULL, live));
  gst_mqtt_install_control_prefix (object_class, PROP_CONTROL_PREFIX);
  g_object_class_install_property (object_class, PROP_KEY_UNIT_REQUESTS,
    g_param_spec_boolean ("key-unit-requests", "Key-unit requests",
                          "Answer receivers' key-unit requests (control topic) by asking "
                          "upstream for a key unit (GstForceKeyUnit)", TRUE, ready));
  g_object_class_install_property (object_class, PROP_MIN_KEY_UNIT_INTERVAL,
    g_param_spec_uint64 ("min-key-unit-interval", "Minimum key-unit interval",
                         "Ask upstream for a key unit at most once in this time (ns); "
                         "requests meanwhile are served by the one asked for",
                         0, G_MAXUINT64, DEFAULT_MIN_KEY_UNIT_INTERVAL, live));
  g_object_class_install_property (object_class, PROP_NET_CLOCK,
    g_param_spec_string ("net-clock", "Net clock",
                         "ADDRESS:PORT to serve the pipeline's clock on from PLAYING "
                         "(GstNetTimeProvider), for receivers whose mqttsrc net-clock "
                         "follows it", NULL, ready));
  g_object_class_install_property (object_class, PROP_REFERENCE_TIMESTAMP_CAPS,
    g_param_spec_boxed ("reference-timestamp-caps", "Reference timestamp caps",
                        "framing=gst: each buffer also carries the pipeline clock's time at "
                        "publication as a reference timestamp with these caps (e.g. "
                        "timestamp/x-unix on a realtime clock)", GST_TYPE_CAPS, live));
  g_object_class_install_property (object_class, PROP_STATS,
    g_param_spec_boxed ("stats", "Statistics",
                        "state, reconnects, messages, bytes, drops, in-flight, "
                        "key-unit-requests", GST_TYPE_STRUCTURE,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstMqttSink::publish:
   * @sink: the mqttsink
   * @topic: the topic
   * @payload: the message
   * @qos: its QoS (0, 1 or 2)
   * @retain: whether the broker keeps it for new subscribers
   *
   * Publishes an application message (a status, metadata) on the element's
   * own connection, beside the stream, from PAUSED on.
   *
   * Returns: whether the client took the message
   */
  signals[SIGNAL_PUBLISH] =
    g_signal_new_class_handler ("publish", G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
                                G_CALLBACK (publish_action), NULL, NULL, NULL, G_TYPE_BOOLEAN, 4,
                                G_TYPE_STRING, G_TYPE_BYTES, G_TYPE_INT, G_TYPE_BOOLEAN);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "MQTT sink", "Sink/Network",
                                         "Publishes buffers to an MQTT broker",
                                         "mqtt-glib developers");

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_mqtt_sink_change_state);
  sink_class->render = GST_DEBUG_FUNCPTR (gst_mqtt_sink_render);
  sink_class->render_list = GST_DEBUG_FUNCPTR (gst_mqtt_sink_render_list);
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
    .connected = connected,
    .settings_changed = settings_changed,
    .lost = lost,
    .message = message,
    .published = published,
  };

  gst_mqtt_lock_init (&self->lock);
  self->mqtt = gst_mqtt_object_new (GST_ELEMENT (self), TRUE, &callbacks, &self->lock);
  self->framing = GST_MQTT_FRAMING_RAW;
  self->max_inflight = DEFAULT_MAX_INFLIGHT;
  self->max_message_size = DEFAULT_MAX_MESSAGE_SIZE;
  self->caps_interval = DEFAULT_CAPS_INTERVAL;
  self->outstanding = g_hash_table_new (NULL, NULL);
  self->headers = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  self->parts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  self->control_prefix = g_strdup (GST_MQTT_DEFAULT_CONTROL_PREFIX);
  self->key_unit_requests = TRUE;
  self->min_key_unit_interval = DEFAULT_MIN_KEY_UNIT_INTERVAL;
}
