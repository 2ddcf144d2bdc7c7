/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#include "gst-config.h"

#include <string.h>

#include "gstmqttframing.h"

static void
put16 (guint8 *p, guint16 v)
{
  p[0] = v;
  p[1] = v >> 8;
}

static void
put32 (guint8 *p, guint32 v)
{
  put16 (p, v);
  put16 (p + 2, v >> 16);
}

static void
put64 (guint8 *p, guint64 v)
{
  put32 (p, v);
  put32 (p + 4, v >> 32);
}

static guint16
get16 (const guint8 *p)
{
  return p[0] | (p[1] << 8);
}

static guint32
get32 (const guint8 *p)
{
  return get16 (p) | ((guint32) get16 (p + 2) << 16);
}

static guint64
get64 (const guint8 *p)
{
  return get32 (p) | ((guint64) get32 (p + 4) << 32);
}

/* Appends a reference timestamp record to *@out (made by the first),
 * if it fits in @room bytes. */
static void
add_reference (GByteArray **out, const char *reference, GstClockTime timestamp,
               GstClockTime duration, gsize room)
{
  gsize length = 16 + strlen (reference);
  guint8 head[20];

  if (*out == NULL)
    *out = g_byte_array_new ();
  if ((*out)->len + 4 + length > room)
    return;
  put16 (head, GST_MQTT_FRAME_EXTENSION_REFERENCE_TIMESTAMP);
  put16 (head + 2, length);
  put64 (head + 4, timestamp);
  put64 (head + 12, duration);
  g_byte_array_append (*out, head, sizeof head);
  g_byte_array_append (*out, (const guint8 *) reference, length - 16);
}

/* The extension records of @frame: the reference timestamps of its
 * buffer and its stamp, as many as fit in @room bytes; NULL for none. */
static GByteArray *
reference_extensions (const GstMqttFrame *frame, gsize room)
{
  GByteArray *out = NULL;
  gpointer state = NULL;
  GstMeta *meta;

  while (frame->metas &&
         (meta = gst_buffer_iterate_meta_filtered (frame->metas, &state,
                                                   GST_REFERENCE_TIMESTAMP_META_API_TYPE)))
    {
      GstReferenceTimestampMeta *ref = (GstReferenceTimestampMeta *) meta;
      g_autofree char *text = gst_caps_to_string (ref->reference);

      add_reference (&out, text, ref->timestamp, ref->duration, room);
    }
  if (frame->stamp_reference)
    add_reference (&out, frame->stamp_reference, frame->stamp, GST_CLOCK_TIME_NONE, room);
  return out;
}

GBytes *
gst_mqtt_frame_write (const GstMqttFrame *frame, const char *caps)
{
  gsize caps_size = caps ? strlen (caps) : 0;
  gsize size = GST_MQTT_FRAME_FIXED_SIZE + caps_size;
  g_autoptr(GByteArray) extensions = NULL;
  guint8 *p;

  g_return_val_if_fail (caps_size <= GST_MQTT_FRAME_MAX_CAPS, NULL);

  /* The header size is 16 bits: extensions take what the caps leave. */
  if (frame->metas || frame->stamp_reference)
    extensions = reference_extensions (frame, G_MAXUINT16 - size);
  if (extensions)
    size += extensions->len;
  p = g_malloc (size);
  memcpy (p, GST_MQTT_FRAME_MAGIC, 4);
  p[4] = GST_MQTT_FRAME_VERSION;
  p[5] = frame->kind;
  put16 (p + 6, size);
  put32 (p + 8, frame->flags);
  put32 (p + 12, caps_size);
  put32 (p + 16, frame->seqnum);
  put16 (p + 20, frame->index);
  put16 (p + 22, frame->n_pieces);
  put64 (p + 24, frame->total_size);
  put64 (p + 32, frame->pts);
  put64 (p + 40, frame->dts);
  put64 (p + 48, frame->duration);
  put64 (p + 56, frame->base_time);
  put64 (p + 64, frame->offset);
  put64 (p + 72, frame->offset_end);
  if (caps_size)
    memcpy (p + GST_MQTT_FRAME_FIXED_SIZE, caps, caps_size);
  if (extensions && extensions->len)
    memcpy (p + GST_MQTT_FRAME_FIXED_SIZE + caps_size, extensions->data, extensions->len);
  return g_bytes_new_take (p, size);
}

GBytes *
gst_mqtt_frame_pack_headers (GstBuffer *const *buffers, guint n)
{
  GByteArray *out = g_byte_array_new ();
  guint i;

  for (i = 0; i < n; i++)
    {
      gsize size = gst_buffer_get_size (buffers[i]);
      guint8 head[4];

      put32 (head, size);
      g_byte_array_append (out, head, sizeof head);
      g_byte_array_set_size (out, out->len + size);
      gst_buffer_extract (buffers[i], 0, out->data + out->len - size, size);
    }
  return g_byte_array_free_to_bytes (out);
}

static gboolean
bad_frame (GError **error, const char *reason)
{
  g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE, "Malformed gst framing: %s",
               reason);
  return FALSE;
}

/* Calls @func for each extension record of @frame; FALSE if they do not
 * fill the extension area exactly. */
static gboolean
foreach_extension (const GstMqttFrame *frame,
                   void (*func) (guint type, const guint8 *data, gsize size, gpointer user_data),
                   gpointer user_data)
{
  const guint8 *p = frame->extensions, *end = p + frame->extensions_size;

  while (p < end)
    {
      guint length;

      if (end - p < 4 || (gsize) (end - p - 4) < (length = get16 (p + 2)))
        return FALSE;
      if (func)
        func (get16 (p), p + 4, length, user_data);
      p += 4 + length;
    }
  return TRUE;
}

gboolean
gst_mqtt_frame_parse (const guint8 *data, gsize size, GstMqttFrame *frame, GError **error)
{
  guint32 caps_size;

  if (size < GST_MQTT_FRAME_FIXED_SIZE)
    return bad_frame (error, "shorter than its header");
  if (memcmp (data, GST_MQTT_FRAME_MAGIC, 4) != 0)
    return bad_frame (error, "no GSTM magic (is the sender using framing=raw?)");
  if (data[4] != GST_MQTT_FRAME_VERSION)
    return bad_frame (error, "unknown version");
  if (data[5] != GST_MQTT_FRAME_BUFFER && data[5] != GST_MQTT_FRAME_EOS &&
      data[5] != GST_MQTT_FRAME_HEADER)
    return bad_frame (error, "unknown kind");

  memset (frame, 0, sizeof *frame);
  frame->kind = data[5];
  frame->header_size = get16 (data + 6);
  frame->flags = get32 (data + 8);
  caps_size = get32 (data + 12);
  frame->seqnum = get32 (data + 16);
  frame->index = get16 (data + 20);
  frame->n_pieces = get16 (data + 22);
  frame->total_size = get64 (data + 24);
  frame->pts = get64 (data + 32);
  frame->dts = get64 (data + 40);
  frame->duration = get64 (data + 48);
  frame->base_time = get64 (data + 56);
  frame->offset = get64 (data + 64);
  frame->offset_end = get64 (data + 72);

  if (caps_size > GST_MQTT_FRAME_MAX_CAPS ||
      frame->header_size < GST_MQTT_FRAME_FIXED_SIZE + caps_size)
    return bad_frame (error, "caps larger than the header");
  if (frame->header_size > size)
    return bad_frame (error, "header larger than the message");
  if (frame->n_pieces == 0 || frame->index >= frame->n_pieces)
    return bad_frame (error, "bad piece numbering");
  if (frame->n_pieces == 1 && frame->total_size != size - frame->header_size)
    return bad_frame (error, "size does not match the payload");
  if (size - frame->header_size > frame->total_size)
    return bad_frame (error, "piece larger than its buffer");
  if (frame->kind == GST_MQTT_FRAME_EOS && (frame->total_size || frame->n_pieces != 1))
    return bad_frame (error, "end of stream with a payload");
  if (frame->kind == GST_MQTT_FRAME_HEADER && (frame->n_pieces != 1 || caps_size == 0))
    return bad_frame (error, "a stream header in pieces or without caps");
  if (caps_size)
    {
      frame->caps = (const char *) data + GST_MQTT_FRAME_FIXED_SIZE;
      frame->caps_size = caps_size;
    }
  frame->extensions = data + GST_MQTT_FRAME_FIXED_SIZE + caps_size;
  frame->extensions_size = frame->header_size - GST_MQTT_FRAME_FIXED_SIZE - caps_size;
  if (!foreach_extension (frame, NULL, NULL))
    return bad_frame (error, "extensions that do not fill the header");
  return TRUE;
}

void
gst_mqtt_assembler_init (GstMqttAssembler *assembler)
{
  memset (assembler, 0, sizeof *assembler);
}

static void
drop_partial (GstMqttAssembler *assembler)
{
  if (assembler->partial)
    {
      gst_clear_buffer (&assembler->partial);
      assembler->drops++;
    }
}

void
gst_mqtt_assembler_clear (GstMqttAssembler *assembler)
{
  gst_clear_buffer (&assembler->partial);
  gst_clear_buffer_list (&assembler->headers);
  gst_clear_caps (&assembler->caps);
  gst_clear_caps (&assembler->reference_caps);
  g_clear_pointer (&assembler->caps_text, g_free);
  g_clear_pointer (&assembler->reference_text, g_free);
}

/* TRUE if @p starts a structure name GStreamer accepts: a letter, then
 * letters, digits and "/-_.:+", up to a comma, a semicolon, a caps
 * feature's parenthesis or the end. */
static gboolean
structure_name_valid (const char *p)
{
  while (*p == ' ')
    p++;
  if (!g_ascii_isalpha (*p))
    return FALSE;
  for (p++; *p && *p != ',' && *p != ';' && *p != '('; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("/-_.:+", *p))
      return FALSE;
  return TRUE;
}

/* TRUE if the structure names are valid and the brackets and quotes of
 * @text pair up. GStreamer 1.22's caps parser leaks the partial value of a
 * list or array that fails to parse, and warns (g_critical) about some
 * malformed input: the garbage a broken or hostile sender is likeliest to
 * send is turned away here, before gst_caps_from_string() sees it. */
static gboolean
caps_text_plausible (const char *text)
{
  char stack[64];
  guint depth = 0;
  const char *p;

  if (!structure_name_valid (text))
    return FALSE;
  for (p = text; *p; p++)
    {
      switch (*p)
        {
        case ';':
          if (depth == 0 && p[1] && !structure_name_valid (p + 1))
            return FALSE;
          break;
        case '"':
          for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p[1])
              p++;
          if (*p == '\0')
            return FALSE;
          break;
        case '(':
        case '[':
        case '{':
        case '<':
          if (depth == sizeof stack)
            return FALSE;
          stack[depth++] = *p == '(' ? ')' : *p == '[' ? ']' : *p == '{' ? '}' : '>';
          break;
        case ')':
        case ']':
        case '}':
        case '>':
          if (depth == 0 || stack[--depth] != *p)
            return FALSE;
          break;
        default:
          break;
        }
    }
  return depth == 0;
}

/* Sets the caps a header carried, if they parse. */
static gboolean
take_caps (GstMqttAssembler *assembler, const GstMqttFrame *frame, GError **error)
{
  g_autofree char *text = NULL;
  GstCaps *caps;

  if (frame->caps == NULL)
    return TRUE;
  text = g_strndup (frame->caps, frame->caps_size);
  /* Senders repeat their caps: the same string is not parsed again. */
  if (assembler->caps_text && g_str_equal (text, assembler->caps_text))
    return assembler->caps_text_ok ? TRUE : bad_frame (error, "caps that do not parse");
  g_free (assembler->caps_text);
  assembler->caps_text = g_strdup (text);
  assembler->caps_text_ok = FALSE;
  if (strlen (text) != frame->caps_size || !g_utf8_validate (text, -1, NULL) ||
      !caps_text_plausible (text) || !(caps = gst_caps_from_string (text)))
    return bad_frame (error, "caps that do not parse");
  /* ANY: the sender has no caps. */
  if (!gst_caps_is_fixed (caps) && !gst_caps_is_any (caps))
    {
      gst_caps_unref (caps);
      return bad_frame (error, "caps that are not fixed");
    }
  assembler->caps_text_ok = TRUE;
  if (assembler->caps == NULL || !gst_caps_is_equal (assembler->caps, caps))
    {
      gst_caps_replace (&assembler->caps, caps);
      assembler->caps_changed = TRUE;
    }
  gst_caps_unref (caps);
  return TRUE;
}

static void
bytes_unref (gpointer bytes)
{
  g_bytes_unref (bytes);
}

/* The payload part of @payload as memory that keeps @payload alive. */
static GstMemory *
wrap_payload (GBytes *payload, gsize offset)
{
  gsize size;
  gconstpointer data = g_bytes_get_data (payload, &size);

  return gst_memory_new_wrapped (GST_MEMORY_FLAG_READONLY, (gpointer) data, size, offset,
                                 size - offset, g_bytes_ref (payload), bytes_unref);
}

typedef struct {
  GstMqttAssembler *assembler;
  GstBuffer *buffer;
} Adding;

/* A reference timestamp record: its meta on the buffer (the caps of the
 * last reference string are kept, senders repeat theirs). Records of
 * other types are skipped. */
static void
add_extension (guint type, const guint8 *data, gsize size, gpointer user_data)
{
  Adding *adding = user_data;
  GstMqttAssembler *assembler = adding->assembler;
  g_autofree char *text = NULL;

  if (type != GST_MQTT_FRAME_EXTENSION_REFERENCE_TIMESTAMP || size <= 16)
    return;
  text = g_strndup ((const char *) data + 16, size - 16);
  if (g_strcmp0 (text, assembler->reference_text) != 0)
    {
      gst_clear_caps (&assembler->reference_caps);
      g_free (assembler->reference_text);
      assembler->reference_text = g_strdup (text);
      if (strlen (text) == size - 16 && g_utf8_validate (text, -1, NULL) &&
          caps_text_plausible (text))
        assembler->reference_caps = gst_caps_from_string (text);
    }
  if (assembler->reference_caps)
    gst_buffer_add_reference_timestamp_meta (adding->buffer, assembler->reference_caps,
                                             get64 (data), get64 (data + 8));
}

static void
set_metadata (GstMqttAssembler *assembler, GstBuffer *buffer, const GstMqttFrame *frame)
{
  Adding adding = { assembler, buffer };

  foreach_extension (frame, add_extension, &adding);
  GST_BUFFER_PTS (buffer) = frame->pts;
  GST_BUFFER_DTS (buffer) = frame->dts;
  GST_BUFFER_DURATION (buffer) = frame->duration;
  GST_BUFFER_OFFSET (buffer) = frame->offset;
  GST_BUFFER_OFFSET_END (buffer) = frame->offset_end;
  /* Flags that describe the data; those about memory stay local. */
  GST_BUFFER_FLAGS (buffer) = frame->flags & (GST_BUFFER_FLAG_LIVE | GST_BUFFER_FLAG_DISCONT |
                                              GST_BUFFER_FLAG_RESYNC | GST_BUFFER_FLAG_CORRUPTED |
                                              GST_BUFFER_FLAG_MARKER | GST_BUFFER_FLAG_HEADER |
                                              GST_BUFFER_FLAG_GAP | GST_BUFFER_FLAG_DROPPABLE |
                                              GST_BUFFER_FLAG_DELTA_UNIT |
                                              GST_BUFFER_FLAG_NON_DROPPABLE);
}

/* A buffer or end of stream starts: the sequence numbers it skipped are
 * buffers lost (a restarted sender starts again from 0: not counted). */
static void
note_seqnum (GstMqttAssembler *assembler, guint32 seqnum)
{
  guint32 skipped = seqnum - assembler->last_seqnum - 1;

  if (assembler->have_seqnum && skipped != 0 && skipped < G_MAXINT32)
    assembler->gaps += skipped;
  assembler->have_seqnum = TRUE;
  assembler->last_seqnum = seqnum;
}

/* A stream header: its caps, and its buffers (wrapping @payload's memory)
 * in assembler->headers. */
static GstMqttAssemblerResult
take_header (GstMqttAssembler *assembler, const GstMqttFrame *frame, GBytes *payload,
             gsize size, GError **error)
{
  const guint8 *data = g_bytes_get_data (payload, NULL);
  gsize position = frame->header_size;
  GstBufferList *headers = gst_buffer_list_new ();

  while (position < size)
    {
      GstBuffer *buffer;
      guint32 length;

      length = size - position >= 4 ? get32 (data + position) : G_MAXUINT32;
      if (length == G_MAXUINT32 || size - position - 4 < length)
        {
          gst_buffer_list_unref (headers);
          assembler->drops++;
          bad_frame (error, "a stream header whose buffers do not add up");
          return GST_MQTT_ASSEMBLER_NONE;
        }
      buffer = gst_buffer_new ();
      if (length)
        gst_buffer_append_memory (buffer, gst_memory_new_wrapped (
          GST_MEMORY_FLAG_READONLY, (gpointer) data, size, position + 4, length,
          g_bytes_ref (payload), bytes_unref));
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_HEADER);
      gst_buffer_list_add (headers, buffer);
      position += 4 + length;
    }
  if (!take_caps (assembler, frame, error))
    {
      gst_buffer_list_unref (headers);
      assembler->drops++;
      return GST_MQTT_ASSEMBLER_NONE;
    }
  gst_clear_buffer_list (&assembler->headers);
  assembler->headers = headers;
  return GST_MQTT_ASSEMBLER_HEADER;
}

/* Adds a valid piece that continues (or starts) the buffer in progress. */
static GstMqttAssemblerResult
assemble (GstMqttAssembler *assembler, const GstMqttFrame *frame, GBytes *payload, gsize size,
          GstBuffer **buffer, GstClockTime *base_time, GError **error)
{
  gsize piece = size - frame->header_size;

  if (frame->index == 0 && !take_caps (assembler, frame, error))
    {
      assembler->drops++;
      return GST_MQTT_ASSEMBLER_NONE;
    }
  if (frame->index == 0)
    note_seqnum (assembler, frame->seqnum);
  if (frame->kind == GST_MQTT_FRAME_EOS)
    return GST_MQTT_ASSEMBLER_EOS;

  if (frame->index == 0)
    {
      assembler->partial = gst_buffer_new ();
      assembler->seqnum = frame->seqnum;
      assembler->n_pieces = frame->n_pieces;
      assembler->total_size = frame->total_size;
    }
  /* Memory grows with what arrived, never past the size announced. */
  if (gst_buffer_get_size (assembler->partial) + piece > assembler->total_size)
    {
      drop_partial (assembler);
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
                   "Buffer %u: its pieces exceed its size", frame->seqnum);
      return GST_MQTT_ASSEMBLER_NONE;
    }
  if (piece > 0)
    gst_buffer_append_memory (assembler->partial, wrap_payload (payload, frame->header_size));
  assembler->next_index = frame->index + 1;

  if (assembler->next_index < assembler->n_pieces)
    return GST_MQTT_ASSEMBLER_NONE;

  if (gst_buffer_get_size (assembler->partial) != assembler->total_size)
    {
      drop_partial (assembler);
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
                   "Buffer %u: its pieces do not add up to its size", frame->seqnum);
      return GST_MQTT_ASSEMBLER_NONE;
    }
  *buffer = g_steal_pointer (&assembler->partial);
  set_metadata (assembler, *buffer, frame);
  *base_time = frame->base_time;
  return GST_MQTT_ASSEMBLER_BUFFER;
}

GstMqttAssemblerResult
gst_mqtt_assembler_push (GstMqttAssembler *assembler, GBytes *payload, GstBuffer **buffer,
                         GstClockTime *base_time, GError **error)
{
  g_autoptr(GError) lost = NULL;
  GstMqttFrame frame;
  gsize size;
  const guint8 *data = g_bytes_get_data (payload, &size);
  GstMqttAssemblerResult result;

  *buffer = NULL;
  if (!gst_mqtt_frame_parse (data, size, &frame, error))
    {
      assembler->drops++;
      return GST_MQTT_ASSEMBLER_NONE;
    }
  /* A header stands apart from the buffers (it may come between pieces). */
  if (frame.kind == GST_MQTT_FRAME_HEADER)
    return take_header (assembler, &frame, payload, size, error);

  /* A piece that does not continue the buffer being assembled ends it. */
  if (assembler->partial &&
      (frame.seqnum != assembler->seqnum || frame.index != assembler->next_index ||
       frame.n_pieces != assembler->n_pieces || frame.total_size != assembler->total_size))
    {
      g_set_error (&lost, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
                   "Lost a piece of buffer %u: its other pieces are dropped",
                   assembler->seqnum);
      drop_partial (assembler);
      if (frame.index != 0)
        {
          assembler->drops++;
          g_propagate_error (error, g_steal_pointer (&lost));
          return GST_MQTT_ASSEMBLER_NONE;
        }
    }
  else if (!assembler->partial && frame.index != 0)
    {
      assembler->drops++;
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
                   "Piece %u of buffer %u without its first piece", frame.index, frame.seqnum);
      return GST_MQTT_ASSEMBLER_NONE;
    }

  result = assemble (assembler, &frame, payload, size, buffer, base_time, error);
  /* A lost buffer is news too, when nothing else went wrong. */
  if (lost && error && *error == NULL)
    g_propagate_error (error, g_steal_pointer (&lost));
  return result;
}
