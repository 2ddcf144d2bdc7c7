/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The outgoing byte queue: packets the session wrote, as copied chunks
 * and referenced payloads, handed to the transport as one vectored write.
 */

#include "config.h"

#include <string.h>

#include "mqtt-outbuf-private.h"

/* A copying chunk is closed at this size so that consumed memory is given
 * back while a long stream is being written. */
#define CHUNK_SIZE (64 * 1024)

typedef struct {
  GByteArray *array;   /* copied bytes, or NULL */
  GBytes *bytes;       /* a referenced payload, or NULL */
  gsize offset;        /* bytes of this chunk already consumed */
} Chunk;

typedef struct {
  guint64 end;         /* stream position just after the message */
  guint mid;
} Mark;

struct _MqttOutbuf {
  GQueue chunks;       /* of Chunk */
  gsize length;        /* pending bytes */
  guint64 appended;    /* stream position of the end of the last committed byte */
  guint64 consumed;    /* stream position of the first pending byte */
  GByteArray *spare;   /* an emptied array kept for reuse */
  guint tail_committed; /* bytes of the tail array already accounted for */
  GArray *marks;       /* of Mark, oldest first from marks_head */
  guint marks_head;
};

MqttOutbuf *
mqtt_outbuf_new (void)
{
  MqttOutbuf *outbuf = g_new0 (MqttOutbuf, 1);

  g_queue_init (&outbuf->chunks);
  outbuf->marks = g_array_new (FALSE, FALSE, sizeof (Mark));
  return outbuf;
}

static gsize
chunk_size (const Chunk *chunk)
{
  return chunk->array ? chunk->array->len : g_bytes_get_size (chunk->bytes);
}

static void
chunk_free (MqttOutbuf *outbuf, Chunk *chunk)
{
  if (chunk->array)
    {
      if (outbuf && outbuf->spare == NULL && chunk->array->len <= 2 * CHUNK_SIZE)
        {
          g_byte_array_set_size (chunk->array, 0);
          outbuf->spare = chunk->array;
        }
      else
        g_byte_array_unref (chunk->array);
    }
  if (chunk->bytes)
    g_bytes_unref (chunk->bytes);
  g_free (chunk);
}

void
mqtt_outbuf_free (MqttOutbuf *outbuf)
{
  Chunk *chunk;

  if (outbuf == NULL)
    return;
  while ((chunk = g_queue_pop_head (&outbuf->chunks)))
    chunk_free (NULL, chunk);
  g_clear_pointer (&outbuf->spare, g_byte_array_unref);
  g_array_unref (outbuf->marks);
  g_free (outbuf);
}

GByteArray *
mqtt_outbuf_tail (MqttOutbuf *outbuf)
{
  Chunk *tail = g_queue_peek_tail (&outbuf->chunks);

  if (tail == NULL || tail->array == NULL || tail->array->len >= CHUNK_SIZE)
    {
      tail = g_new0 (Chunk, 1);
      tail->array = outbuf->spare ? outbuf->spare : g_byte_array_sized_new (4096);
      outbuf->spare = NULL;
      outbuf->tail_committed = 0;
      g_queue_push_tail (&outbuf->chunks, tail);
    }
  return tail->array;
}

/* Accounts for what was appended to the tail array since the last call. */
void
mqtt_outbuf_commit (MqttOutbuf *outbuf)
{
  Chunk *tail = g_queue_peek_tail (&outbuf->chunks);
  gsize added;

  if (tail == NULL || tail->array == NULL)
    return;
  added = tail->array->len - outbuf->tail_committed;
  outbuf->tail_committed = tail->array->len;
  outbuf->length += added;
  outbuf->appended += added;
}

void
mqtt_outbuf_append_bytes (MqttOutbuf *outbuf, GBytes *bytes)
{
  gsize size = g_bytes_get_size (bytes);

  if (size >= MQTT_OUTBUF_ZEROCOPY_MIN)
    {
      Chunk *chunk = g_new0 (Chunk, 1);

      chunk->bytes = g_bytes_ref (bytes);
      g_queue_push_tail (&outbuf->chunks, chunk);
      outbuf->length += size;
      outbuf->appended += size;
    }
  else if (size > 0)
    {
      g_byte_array_append (mqtt_outbuf_tail (outbuf), g_bytes_get_data (bytes, NULL), size);
      mqtt_outbuf_commit (outbuf);
    }
}

void
mqtt_outbuf_mark (MqttOutbuf *outbuf, guint mid)
{
  Mark mark = { outbuf->appended, mid };

  g_array_append_val (outbuf->marks, mark);
}

static gboolean
pop_mark (MqttOutbuf *outbuf, gboolean written_only, guint *mid)
{
  Mark *mark;

  if (outbuf->marks_head >= outbuf->marks->len)
    return FALSE;
  mark = &g_array_index (outbuf->marks, Mark, outbuf->marks_head);
  if (written_only && mark->end > outbuf->consumed)
    return FALSE;
  *mid = mark->mid;
  outbuf->marks_head++;
  if (outbuf->marks_head == outbuf->marks->len)
    {
      g_array_set_size (outbuf->marks, 0);
      outbuf->marks_head = 0;
    }
  return TRUE;
}

gboolean
mqtt_outbuf_pop_mark (MqttOutbuf *outbuf, guint *mid)
{
  return pop_mark (outbuf, TRUE, mid);
}

gboolean
mqtt_outbuf_pop_any_mark (MqttOutbuf *outbuf, guint *mid)
{
  return pop_mark (outbuf, FALSE, mid);
}

gsize
mqtt_outbuf_get_length (MqttOutbuf *outbuf)
{
  return outbuf->length;
}

guint
mqtt_outbuf_get_vectors (MqttOutbuf *outbuf, GOutputVector *vectors, guint max)
{
  guint n = 0;
  GList *l;

  for (l = outbuf->chunks.head; l && n < max; l = l->next)
    {
      Chunk *chunk = l->data;
      gsize size = chunk_size (chunk) - chunk->offset;
      const guint8 *data;

      if (size == 0)
        continue;
      data = chunk->array ? chunk->array->data : g_bytes_get_data (chunk->bytes, NULL);
      vectors[n].buffer = data + chunk->offset;
      vectors[n].size = size;
      n++;
    }
  return n;
}

void
mqtt_outbuf_consume (MqttOutbuf *outbuf, gsize n_bytes)
{
  g_assert (n_bytes <= outbuf->length);

  outbuf->length -= n_bytes;
  outbuf->consumed += n_bytes;
  while (n_bytes > 0 || (outbuf->chunks.head && outbuf->length == 0))
    {
      Chunk *chunk = g_queue_peek_head (&outbuf->chunks);
      gsize left;

      if (chunk == NULL)
        break;
      left = chunk_size (chunk) - chunk->offset;
      if (n_bytes < left)
        {
          chunk->offset += n_bytes;
          break;
        }
      n_bytes -= left;
      chunk_free (outbuf, g_queue_pop_head (&outbuf->chunks));
    }
}

void
mqtt_outbuf_clear (MqttOutbuf *outbuf)
{
  g_assert (outbuf->marks_head == outbuf->marks->len);
  mqtt_outbuf_consume (outbuf, outbuf->length);
}
