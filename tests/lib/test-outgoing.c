/* The queue of messages not sent yet, packed in chunks: what goes in comes
 * out in order and unchanged (payloads given as bytes or as parts, small
 * parts copied and large ones referenced, with and without properties),
 * across chunks of every size, interleaved with drops as a live queue
 * sees them, and with nothing left behind. */

#include "config.h"

#include <string.h>

#include <mqtt-glib/mqtt-glib.h>

#include "mqtt-outbuf-private.h"
#include "mqtt-outgoing-private.h"

/* What the test expects of one queued message. */
typedef struct {
  guint mid;
  char *topic;
  GBytes *payload;
  guint n_parts;
  guint8 qos;
  gboolean retain;
  gboolean stored;
  MqttProperties *props;
  gint64 queued_at;
} Expected;

static void
expected_free (Expected *e)
{
  g_free (e->topic);
  g_bytes_unref (e->payload);
  g_clear_pointer (&e->props, mqtt_properties_unref);
  g_free (e);
}

/* Payload sizes that cross the copying threshold and the chunk sizes. */
static gsize
random_size (void)
{
  switch (g_test_rand_int_range (0, 8))
    {
    case 0:
      return 0;
    case 1:
      return g_test_rand_int_range (1, 8);
    case 2:
      return MQTT_OUTBUF_ZEROCOPY_MIN - 1;
    case 3:
      return MQTT_OUTBUF_ZEROCOPY_MIN + g_test_rand_int_range (0, 3000);
    case 4:
      return g_test_rand_int_range (60 * 1024, 200 * 1024);
    default:
      return g_test_rand_int_range (8, 300);
    }
}

static GBytes *
random_bytes (gsize size)
{
  guint8 *data = g_malloc (size);
  gsize i;

  for (i = 0; i < size; i++)
    data[i] = g_test_rand_int_range (0, 256);
  return g_bytes_new_take (data, size);
}

/* Queues a random message and says what to expect of it. */
static Expected *
push_random (MqttOutgoing *og, guint mid)
{
  static const char *const topics[] = { "a", "sensors/t", "x/y/z", "" };
  Expected *e = g_new0 (Expected, 1);
  gsize size = random_size ();
  GBytes *parts[3];
  guint i;

  e->mid = mid;
  e->topic = g_strdup (topics[g_test_rand_int_range (0, G_N_ELEMENTS (topics))]);
  e->payload = random_bytes (size);
  e->qos = g_test_rand_int_range (0, 3);
  e->retain = g_test_rand_bit ();
  e->stored = g_test_rand_bit ();
  e->queued_at = g_test_rand_int ();
  if (g_test_rand_bit ())
    {
      e->props = mqtt_properties_new ();
      mqtt_properties_set_message_expiry_interval (e->props, mid);
    }
  /* As bytes, or as one to three parts. */
  e->n_parts = g_test_rand_int_range (0, 4);
  if (e->n_parts == 0)
    {
      mqtt_outgoing_queue (og, mid, e->topic, g_bytes_get_data (e->payload, NULL), size, NULL, 0,
                           e->qos, e->retain, e->props, e->queued_at, e->stored);
      return e;
    }
  for (i = 0; i < e->n_parts; i++)
    {
      gsize start = size * i / e->n_parts, end = size * (i + 1) / e->n_parts;

      parts[i] = g_bytes_new_from_bytes (e->payload, start, end - start);
    }
  mqtt_outgoing_queue (og, mid, e->topic, NULL, size, parts, e->n_parts, e->qos, e->retain,
                       e->props, e->queued_at, e->stored);
  for (i = 0; i < e->n_parts; i++)
    g_bytes_unref (parts[i]);
  return e;
}

/* The oldest queued message is @e; with @take it leaves as a message to
 * send, else it is dropped. */
static void
check_head (MqttOutgoing *og, Expected *e, gboolean take)
{
  Queued *queued = mqtt_outgoing_peek_queued (og);
  gsize size = g_bytes_get_size (e->payload);
  GByteArray *joined;
  guint i;

  g_assert_nonnull (queued);
  g_assert_cmpuint (queued->mid, ==, e->mid);
  g_assert_cmpstr (queued->topic, ==, e->topic);
  g_assert_cmpuint (queued->qos, ==, e->qos);
  g_assert_cmpuint (queued->length, ==, size);
  g_assert_cmpint (!!(queued->flags & QUEUED_RETAIN), ==, e->retain);
  g_assert_cmpint (!!(queued->flags & QUEUED_STORED), ==, e->stored);
  g_assert_true (mqtt_queued_get_props (queued) == e->props);
  g_assert_cmpint (mqtt_queued_get_time (queued, -1), ==, e->props ? e->queued_at : -1);
  g_assert_cmpuint ((guintptr) queued % 8, ==, 0);

  /* Parts from the application are referenced when large, else copied. */
  if (e->n_parts > 0 && size >= MQTT_OUTBUF_ZEROCOPY_MIN)
    g_assert_cmpuint (queued->n_parts, ==, e->n_parts);
  else
    g_assert_cmpuint (queued->n_parts, ==, 0);
  joined = g_byte_array_new ();
  if (queued->n_parts == 0)
    g_byte_array_append (joined, mqtt_queued_get_data (queued), queued->length);
  for (i = 0; i < queued->n_parts; i++)
    {
      gsize part_size;
      const guint8 *part = g_bytes_get_data (mqtt_queued_get_parts (queued)[i], &part_size);

      g_byte_array_append (joined, part, part_size);
    }
  g_assert_cmpmem (joined->data, joined->len, g_bytes_get_data (e->payload, NULL), size);
  g_byte_array_unref (joined);

  if (take)
    {
      OutMessage *message = mqtt_outgoing_take_queued (og);
      gsize taken = 0;

      g_assert_cmpuint (message->r.mid, ==, e->mid);
      g_assert_cmpstr (message->topic, ==, e->topic);
      g_assert_cmpuint (message->qos, ==, e->qos);
      g_assert_cmpint (message->retain, ==, e->retain);
      g_assert_cmpint (message->stored, ==, e->stored);
      g_assert_true (message->props == e->props);
      g_assert_cmpuint (message->r.packet_id, ==, 0);
      for (i = 0; i < message->n_parts; i++)
        taken += g_bytes_get_size (message->parts[i]);
      g_assert_cmpuint (taken, ==, size);
      mqtt_outgoing_free_message (og, message);
    }
  else
    mqtt_outgoing_drop_queued (og);
}

/* A queue filled, then emptied: every message as it went in. */
static void
test_fill_and_empty (void)
{
  MqttOutgoing og;
  GQueue expected = G_QUEUE_INIT;
  Expected *e;
  guint mid;

  mqtt_outgoing_init (&og);
  for (mid = 1; mid <= 2000; mid++)
    g_queue_push_tail (&expected, push_random (&og, mid));
  g_assert_cmpuint (og.queued.length, ==, 2000);
  g_assert_true (og.queued.head != og.queued.tail);

  while ((e = g_queue_pop_head (&expected)))
    {
      check_head (&og, e, g_test_rand_bit ());
      expected_free (e);
    }
  g_assert_null (mqtt_outgoing_peek_queued (&og));
  g_assert_null (og.queued.head);
  g_assert_null (og.queued.tail);
  g_assert_cmpuint (og.queued.length, ==, 0);
  g_assert_cmpuint (og.held_bytes, ==, 0);
  mqtt_outgoing_clear (&og);
}

/* Messages in and out at random, the queue never empty for long: chunks
 * come and go while others hold messages. */
static void
test_interleaved (void)
{
  MqttOutgoing og;
  GQueue expected = G_QUEUE_INIT;
  gsize held = 0;
  Expected *e;
  guint i, mid = 0;

  mqtt_outgoing_init (&og);
  for (i = 0; i < 20000; i++)
    {
      if (expected.length == 0 || g_test_rand_int_range (0, 100) < 52)
        {
          e = push_random (&og, ++mid);
          held += g_bytes_get_size (e->payload);
          g_queue_push_tail (&expected, e);
        }
      else
        {
          e = g_queue_pop_head (&expected);
          held -= g_bytes_get_size (e->payload);
          check_head (&og, e, g_test_rand_bit ());
          expected_free (e);
        }
      g_assert_cmpuint (og.queued.length, ==, expected.length);
      g_assert_cmpuint (og.held_bytes, ==, held);
    }
  /* What is left goes with the queue, references included (the leak
   * checkers see to that). */
  while ((e = g_queue_pop_head (&expected)))
    expected_free (e);
  mqtt_outgoing_clear (&og);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/outgoing/queue/fill-and-empty", test_fill_and_empty);
  g_test_add_func ("/outgoing/queue/interleaved", test_interleaved);
  return g_test_run ();
}
