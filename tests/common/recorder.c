#include "config.h"

#include "recorder.h"
#include "test-common.h"

static void
on_message (MqttClient *client, MqttMessage *message, Recorder *r)
{
  g_mutex_lock (&r->lock);
  g_ptr_array_add (r->messages, mqtt_message_ref (message));
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

static void
on_published (MqttClient *client, guint mid, Recorder *r)
{
  g_mutex_lock (&r->lock);
  g_array_append_val (r->published, mid);
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

static void
on_subscribed (MqttClient *client, guint mid, GArray *granted, Recorder *r)
{
  g_mutex_lock (&r->lock);
  g_array_append_val (r->subscribed, mid);
  g_ptr_array_add (r->granted, g_bytes_new (granted->data, granted->len));
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

static void
on_unsubscribed (MqttClient *client, guint mid, Recorder *r)
{
  g_mutex_lock (&r->lock);
  g_array_append_val (r->unsubscribed, mid);
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

static void
on_connected (MqttClient *client, gboolean session_present, gint rc, Recorder *r)
{
  g_mutex_lock (&r->lock);
  r->connected++;
  r->connect_rc = rc;
  r->session_present = session_present;
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

static void
on_disconnected (MqttClient *client, gint rc, GError *error, Recorder *r)
{
  g_mutex_lock (&r->lock);
  r->disconnected++;
  r->disconnect_rc = rc;
  g_clear_error (&r->disconnect_error);
  r->disconnect_error = error ? g_error_copy (error) : NULL;
  g_cond_broadcast (&r->cond);
  g_mutex_unlock (&r->lock);
}

static void
on_log (MqttClient *client, MqttLogLevel level, const char *text, Recorder *r)
{
  g_mutex_lock (&r->lock);
  g_ptr_array_add (r->logs, g_strdup (text));
  g_mutex_unlock (&r->lock);
}

Recorder *
recorder_new (MqttClient *client)
{
  Recorder *r = g_new0 (Recorder, 1);

  g_mutex_init (&r->lock);
  g_cond_init (&r->cond);
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
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->cond);
  g_free (r);
}

#define COUNTER(name, expr)             \
  guint recorder_##name (Recorder *r)   \
  {                                     \
    guint n;                            \
    g_mutex_lock (&r->lock);            \
    n = (expr);                         \
    g_mutex_unlock (&r->lock);          \
    return n;                           \
  }

COUNTER (messages, r->messages->len)
COUNTER (published, r->published->len)
COUNTER (connected, r->connected)
COUNTER (disconnected, r->disconnected)
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
      g_mutex_lock (&r->lock);
      g_cond_wait_until (&r->cond, &r->lock, MIN (end, g_get_monotonic_time () + 50000));
      g_mutex_unlock (&r->lock);
      if (g_get_monotonic_time () > end)
        g_error ("Timed out waiting for %s >= %u (now %u)", what, n, counter (r));
    }
}
