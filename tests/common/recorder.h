/* Records every signal of a MqttClient, thread-safely, for assertions;
 * and publishes a numbered QoS 1 stream through one. */

#pragma once

#include <pthread.h>

#include <mqtt-glib/mqtt-glib.h>

G_BEGIN_DECLS

typedef struct {
  MqttClient *client;
  pthread_mutex_t lock;   /* POSIX, so that ThreadSanitizer sees it */
  pthread_cond_t cond;
  GPtrArray *messages;      /* MqttMessage */
  GArray *published;        /* guint mids */
  GArray *subscribed;       /* guint mids */
  GPtrArray *granted;       /* GBytes per SUBACK */
  GArray *unsubscribed;     /* guint mids */
  GPtrArray *logs;          /* char* */
  guint connected;
  gint connect_rc;
  gboolean session_present;
  guint disconnected;
  gint disconnect_rc;
  GError *disconnect_error;
  guint connect_failed;
  GError *connect_error;    /* the last connect-failed's */
} Recorder;

Recorder *recorder_new (MqttClient *client);
void recorder_free (Recorder *recorder);
/* Counters read under the lock. */
guint recorder_messages (Recorder *recorder);
guint recorder_published (Recorder *recorder);
guint recorder_connected (Recorder *recorder);
guint recorder_disconnected (Recorder *recorder);
guint recorder_connect_failed (Recorder *recorder);
guint recorder_subscribed (Recorder *recorder);
guint recorder_unsubscribed (Recorder *recorder);
/* Waits for a counter to reach @n: iterating the thread-default context
 * (main_loop TRUE), or sleeping on the recorder's condition while another
 * thread runs the client. */
void recorder_wait (Recorder *recorder, guint (*counter) (Recorder *), guint n,
                    gboolean main_loop, const char *what);
#define RECORDER_WAIT(r, counter, n) recorder_wait ((r), (counter), (n), TRUE, #counter)
#define RECORDER_WAIT_THREAD(r, counter, n) recorder_wait ((r), (counter), (n), FALSE, #counter)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Recorder, recorder_free)

/* @count QoS 1 messages on @topic with the payloads "0", "1", ...,
 * published from the thread-default main context three every 2 ms (about
 * 1,500 a second); @published counts the acknowledgements. The stream must
 * live until all are published. */
typedef struct {
  MqttClient *client;
  const char *topic;
  guint count;
  guint next;
  guint published;
} TestStream;

void test_stream_start (TestStream *stream, MqttClient *client, const char *topic,
                        guint count);

G_END_DECLS
