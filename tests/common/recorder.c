#include "config.h"

#include <time.h>

#include "recorder.h"
#include "test-common.h"

static void
on_message (MqttClient *client, MqttMessage *message, Recorder *r)
{
  pthread_mutex_lock (&r->lock);
  g_ptr_array_add (r->messages, mqtt_message_ref (message));
  pthread_cond_broadcast (&r->cond);
  pthread_mutex_unlock (&r->lock);
}

static void
on_published (MqttClient *client, guint mid, Recorder *r)
{
  pthread_mutex_lock (&r->lock);
  g_array_append_val (r->published, mid);
  pthread_cond_broadcast (&r->cond);
  pthread_mutex_unlock (&r->lock);
}

static void
on_subscribed (MqttClient *client, guint mid, GArray *granted, Recorder *r)
{
  pthread_mutex_lock (&r->lock);
  g_array_append_val (r->subscribed, mid);
  {
    GByteArray *codes = g_byte_array_new ();
    guint i;

    for (i = 0; i < granted->len; i++)
      {
        guint8 code = g_array_index (granted, int, i);

        g_byte_array_append (codes, &code, 1);
      }
    g_ptr_array_add (r->granted, g_byte_array_free_to_bytes (codes));
  }
  pthread_cond_broadcast (&r->cond);
  pthread_mutex_unlock (&r->lock);
}

static void
on_unsubscribed (MqttClient *client, guint mid, Recorder *r)
{
  pthread_mutex_lock (&r->lock);
  g_array_append_val (r->unsubscribed, mid);
  pthread_cond_broadcast (&r->cond);
  pthread_mutex_unlock (&r->lock);
}

static void
on_connected (MqttClient *client, gboolean session_present, gint rc, Recorder *r)
{
  pthread_mutex_lock (&r->lock);
  r->connected++;
  r->connect_rc = rc;
  r->session_present = session_present;
  pthread_cond_broadcast (&r->cond);
  pthread_mutex_unlock (&r->lock);
}

static void
on_disconnected (MqttClient *client, gint rc, GError *error, Recorder *r)
{
  pthread_mutex_lock (&r->lock);
  r->disconnected++;
  r->disconnect_rc = rc;
  g_clear_error (&r->disconnect_error);
  r->disconnect_error = error ? g_error_copy (error) : NULL;
  pthread_cond_broadcast (&r->cond);
  pthread_mutex_unlock (&r->lock);
}

static void
on_connect_failed (MqttClient *client, GError *error, Recorder *r)
{
  pthread_mutex_lock (&r->lock);
  r->connect_failed++;
  g_clear_error (&r->connect_error);
  r->connect_error = g_error_copy (error);
  pthread_cond_broadcast (&r->cond);
  pthread_mutex_unlock (&r->lock);
}

static void
on_log (MqttClient *client, MqttLogLevel level, const char *text, Recorder *r)
{
  pthread_mutex_lock (&r->lock);
  g_ptr_array_add (r->logs, g_strdup (text));
  pthread_mutex_unlock (&r->lock);
}

Recorder *
recorder_new (MqttClient *client)
{
  Recorder *r = g_new0 (Recorder, 1);

  pthread_mutex_init (&r->lock, NULL);
  pthread_cond_init (&r->cond, NULL);
  r->client = g_object_ref (client);
  r->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) mqtt_message_unref);
  r->published = g_array_new (FALSE, FALSE, sizeof (guint));
  r->subscribed = g_array_new (FALSE, FALSE, sizeof (guint));
  r->unsubscribed = g_array_new (FALSE, FALSE, sizeof (guint));
  r->granted = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  r->logs = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (client, "message", G_CALLBACK (on_message), r);
  g_signal_connect (client, "published", G_CALLBACK (on_published), r);
  g_signal_connect (client, "subscribed", G_CALLBACK (on_subscribed), r);
  g_signal_connect (client, "unsubscribed", G_CALLBACK (on_unsubscribed), r);
  g_signal_connect (client, "connected", G_CALLBACK (on_connected), r);
  g_signal_connect (client, "disconnected", G_CALLBACK (on_disconnected), r);
  g_signal_connect (client, "connect-failed", G_CALLBACK (on_connect_failed), r);
  g_signal_connect (client, "log", G_CALLBACK (on_log), r);
  return r;
}

void
recorder_free (Recorder *r)
{
  g_signal_handlers_disconnect_by_data (r->client, r);
  g_object_unref (r->client);
  g_ptr_array_unref (r->messages);
  g_array_unref (r->published);
  g_array_unref (r->subscribed);
  g_array_unref (r->unsubscribed);
  g_ptr_array_unref (r->granted);
  g_ptr_array_unref (r->logs);
  g_clear_error (&r->disconnect_error);
  g_clear_error (&r->connect_error);
  pthread_mutex_destroy (&r->lock);
  pthread_cond_destroy (&r->cond);
  g_free (r);
}

#define COUNTER(name, expr)             \
  guint recorder_##name (Recorder *r)   \
  {                                     \
    guint n;                            \
    pthread_mutex_lock (&r->lock);            \
    n = (expr);                         \
    pthread_mutex_unlock (&r->lock);          \
    return n;                           \
  }

COUNTER (messages, r->messages->len)
COUNTER (published, r->published->len)
COUNTER (connected, r->connected)
COUNTER (disconnected, r->disconnected)
COUNTER (connect_failed, r->connect_failed)
COUNTER (subscribed, r->subscribed->len)
COUNTER (unsubscribed, r->unsubscribed->len)

typedef struct {
  Recorder *r;
  guint (*counter) (Recorder *);
  guint n;
} WaitData;

static gboolean
reached (gpointer data)
{
  WaitData *w = data;

  return w->counter (w->r) >= w->n;
}

void
recorder_wait (Recorder *r, guint (*counter) (Recorder *), guint n, gboolean main_loop,
               const char *what)
{
  WaitData w = { r, counter, n };
  gint64 end;

  if (main_loop)
    {
      test_wait_until_full (reached, &w, 20000, what);
      return;
    }
  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (;;)
    {
      if (counter (r) >= n)
        return;
      {
        struct timespec ts;

        clock_gettime (CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000)
          {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
          }
        pthread_mutex_lock (&r->lock);
        pthread_cond_timedwait (&r->cond, &r->lock, &ts);
        pthread_mutex_unlock (&r->lock);
      }
      if (g_get_monotonic_time () > end)
        g_error ("Timed out waiting for %s >= %u (now %u)", what, n, counter (r));
    }
}

static void
stream_published (MqttClient *client, guint mid, TestStream *stream)
{
  stream->published++;
}

static gboolean
stream_publish_some (gpointer data)
{
  TestStream *stream = data;
  guint i;

  for (i = 0; i < 3 && stream->next < stream->count; i++, stream->next++)
    {
      g_autofree char *payload = g_strdup_printf ("%u", stream->next);
      g_autoptr(GError) error = NULL;

      g_assert_true (mqtt_client_publish (stream->client, stream->topic, (guint8 *) payload, -1,
                                          MQTT_QOS_AT_LEAST_ONCE, FALSE, NULL, &error));
    }
  return stream->next < stream->count ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void
test_stream_start (TestStream *stream, MqttClient *client, const char *topic, guint count)
{
  *stream = (TestStream) { client, topic, count, 0, 0 };
  g_signal_connect (client, "published", G_CALLBACK (stream_published), stream);
  g_timeout_add (2, stream_publish_some, stream);
}
