/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The parts of MqttClient and what they share: the instance structure, its
 * lock, and the functions one part offers the others. The parts call
 * downwards only: mqtt-client.c (the GObject face) -> mqtt-client-options.c,
 * mqtt-client-loops.c, mqtt-client-messages.c -> mqtt-client-connection.c
 * -> mqtt-client-base.c.
 */

#pragma once

#include <pthread.h>

#include "mqtt-client.h"
#include "mqtt-enum-types.h"
#include "mqtt-error.h"
#include "mqtt-properties-private.h"
#include "mqtt-servers-private.h"
#include "mqtt-session-private.h"
#include "mqtt-topic-private.h"
#include "mqtt-topic-tree-private.h"
#include "mqtt-transport-private.h"

G_BEGIN_DECLS

#define USEC_PER_SEC G_GINT64_CONSTANT (1000000)
#define READ_CHUNK (64 * 1024)
#define MAX_READS_PER_PUMP 16
#define MAX_VECTORS 64
/* A burst of publications starts writing once this much is encoded, so
 * that the broker works while the rest is being encoded. */
#define EAGER_FLUSH_BYTES (64 * 1024)

enum {
  PROP_0,
  PROP_CLIENT_ID,
  PROP_CLEAN_SESSION,
  PROP_PROTOCOL_VERSION,
  PROP_STATE,
  PROP_KEEPALIVE,
  PROP_MAX_INFLIGHT_MESSAGES,
  PROP_MAX_QUEUED_MESSAGES,
  PROP_MAX_QUEUED_BYTES,
  PROP_MAX_PACKET_SIZE,
  PROP_MESSAGE_RETRY,
  PROP_RECONNECT_DELAY_MIN,
  PROP_RECONNECT_DELAY_MAX,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_BIND_ADDRESS,
  PROP_AUTO_RECONNECT,
  PROP_HOST,
  PROP_PORT,
  PROP_TLS,
  PROP_TLS_DATABASE,
  PROP_TLS_CERTIFICATE,
  PROP_TLS_INTERACTION,
  PROP_TLS_INSECURE,
  PROP_TLS_CERT_REQS,
  PROP_TLS_VALIDATION_FLAGS,
  PROP_TRANSPORT,
  PROP_WS_PATH,
  PROP_PROXY_RESOLVER,
  PROP_CONNECT_PROPERTIES,
  PROP_WILL_PROPERTIES,
  PROP_OUTGOING_TOPIC_ALIASES,
  PROP_SERVERS,
  PROP_SERVER,
  PROP_TLS_ALPN_PROTOCOLS,
  PROP_RECONNECT_JITTER,
  PROP_QUEUE_POLICY,
  PROP_RESUBSCRIBE,
  PROP_NETWORK_MONITOR,
  PROP_STORE,
  N_PROPS
};

enum {
  SIGNAL_CONNECTED,
  SIGNAL_CONNECT_FAILED,
  SIGNAL_DISCONNECTED,
  SIGNAL_MESSAGE,
  SIGNAL_PUBLISHED,
  SIGNAL_SUBSCRIBED,
  SIGNAL_UNSUBSCRIBED,
  SIGNAL_LOG,
  SIGNAL_WEBSOCKET_HANDSHAKE,
  SIGNAL_CONNECTED_V5,
  SIGNAL_PUBLISHED_V5,
  SIGNAL_SUBSCRIBED_V5,
  SIGNAL_UNSUBSCRIBED_V5,
  SIGNAL_DISCONNECTED_V5,
  SIGNAL_AUTH,
  SIGNAL_DROPPED,
  SIGNAL_RESUBSCRIBED,
  SIGNAL_REFRESH_CREDENTIALS,
  N_SIGNALS
};

/* What a pump does besides emitting events and flushing. */
typedef enum {
  PUMP_READ = 1 << 0,
  PUMP_TIMERS = 1 << 1,
  PUMP_RECONNECT = 1 << 2,   /* only from the timer source: starts due reconnections */
} PumpFlags;

typedef enum {
  OP_CONNECT,
  OP_DISCONNECT,
  OP_PUBLISH,
  OP_SUBSCRIBE,
  OP_UNSUBSCRIBE,
} OpKind;

/* An operation someone waits for: a GTask for asynchronous callers, or a
 * blocking caller waiting on the client's condition variable (done). */
typedef struct {
  OpKind kind;
  GTask *task;
  gboolean done;
  GError *error;
  guint mid;
  GBytes *granted;
  GSource *cancel_source;
} Op;

typedef struct {
  gatomicrefcount ref_count;
  char *filter;
  const char *match;          /* in @filter: what topics match (a shared one's filter part) */
  MqttMessageCallback callback;
  gpointer user_data;
  GDestroyNotify destroy;
} FilterCallback;

/* A request of mqtt_client_request_async() waiting for its response,
 * known by its correlation data. Whoever takes it out of the client's
 * table (the response, the cancellable, dispose) completes it. */
typedef struct {
  GTask *task;
  GBytes *correlation;
  GCancellable *cancellable;
  gulong cancelled_id;
} PendingRequest;

typedef struct _LoopThread LoopThread;

/* What the client emits, in order: the session's events and its own. */
typedef enum {
  CLIENT_EVENT_SESSION,           /* session: one of the session's */
  CLIENT_EVENT_LOG,               /* code (MqttLogLevel), text */
  CLIENT_EVENT_CONNECTION_FAILED, /* error: no connection was made */
  CLIENT_EVENT_DISCONNECTED,      /* code (MqttError), error (NULL when requested) */
  CLIENT_EVENT_STATE,             /* the state changed: notify it */
} ClientEventType;

typedef struct {
  ClientEventType type;
  gint code;
  char *text;
  GError *error;
  gboolean failover;              /* the connection goes on with another server at once */
  MqttSessionEvent session;
} ClientEvent;

struct _MqttClient {
  GObject parent_instance;

  GMainContext *context;
  /* Guards the session, the connection state and the operation lists:
   * the thread-safe calls run under it from any thread. */
  /* POSIX primitives rather than GMutex/GCond, whose futex implementation
   * ThreadSanitizer cannot follow: the thread-safety tests run under it. */
  pthread_mutex_t lock;
  pthread_cond_t cond;        /* broadcast when a blocking operation completes */
  MqttSession *session;
  MqttSessionConfig config;   /* the session's, set whenever it changes (config_changed_locked) */

  /* Connection settings */
  MqttTransportOptions transport_options;
  gboolean have_broker;       /* connect parameters were given */
  gboolean deferred;          /* connect_deferred() waits for a loop */
  char *bind_address;
  guint reconnect_delay_min;
  guint reconnect_delay_max;
  guint reconnect_delay;      /* the next delay, doubling */
  gboolean reconnect_jitter;  /* wait a random time between the minimum and that */
  gboolean auto_reconnect;
  gboolean logger_enabled;
  gboolean log_wanted;        /* someone listens to log lines */
  gpointer user_data;
  GDestroyNotify user_data_destroy;

  /* The connection */
  MqttClientState state;
  MqttTransport *transport;
  GCancellable *open_cancellable;   /* the attempt being opened */
  GCancellable *credentials_attempt; /* the attempt waiting for refreshed credentials */
  GSource *read_source;
  GSource *write_source;
  GSource *timer_source;      /* deadlines, reconnections and kicks */
  gint64 timer_armed;         /* its ready time, -1 when unarmed */
  gboolean kicked;            /* a pump is already scheduled */
  guint in_pump;              /* a pump will flush before it returns */
  gint64 reconnect_at;        /* 0: no reconnection scheduled */
  gboolean reconnect_enabled; /* a lost connection is retried */
  GError *last_error;         /* the last connection failure, for the loop calls */
  guint activity;             /* incremented by every pump, for mqtt_client_loop() */
  guint accepted;             /* connections the broker accepted so far */

  /* Failover: the servers tried in turn when connected with no host, the
   * one to try next and where the current round of attempts began; a
   * server a broker referred the client to (MQTT 5 Server Reference),
   * tried next (on_referred while it is); the server of the current or
   * last attempt. */
  GPtrArray *servers;         /* MqttServer */
  gboolean use_servers;
  guint server_index;
  guint round_start;
  MqttServer *referred;
  gboolean on_referred;
  MqttServer *server;

  /* The network and sleep: the monitor followed (set by the application,
   * if network_monitor_set, else the system's) and whether it says the
   * network is down. */
  GNetworkMonitor *network_monitor;
  MqttStore *store;           /* open, or NULL (see mqtt-client-store.c) */
  gulong network_changed_id;
  gboolean network_monitor_set;
  gboolean network_down;

  /* Operations waiting for an outcome */
  GList *connect_ops;
  GList *disconnect_ops;
  GHashTable *mid_ops;        /* mid -> Op */

  /* Events: the session's and the client's own, in order. */
  GArray *pending;            /* ClientEvent, under the lock */
  GArray *taken;              /* MqttSessionEvent, scratch of take_session_events_locked() */
  GArray *events;             /* ClientEvent being emitted (context thread only) */
  guint events_head;

  /* Per-filter callbacks, under the lock: by filter (owning), and in the
   * tree of their filters' levels (their match parts) for delivery. */
  GHashTable *callbacks;
  MqttTopicTree *callback_tree;
  /* Requests: correlation data (GBytes) -> PendingRequest, and the
   * response topics subscribed to (char *); under the lock. */
  GHashTable *requests;
  GHashTable *response_topics;

  /* Level 5: how the connection ended, for #MqttClient::disconnected-v5:
   * the reason sent with DISCONNECT, or the broker's DISCONNECT (context
   * thread only). */
  guint8 disconnect_reason;
  guint8 server_disconnect_reason;
  MqttProperties *server_disconnect_props;
  gboolean server_disconnected;

  /* Loops */
  GThread *loop_thread;
  LoopThread *loop_thread_data;
  GMainLoop *forever_loop;
  gboolean forever_retry_first;
  guint forever_accepted;     /* accepted before this loop_forever(), less one if connected */
  GError *forever_error;
  /* Called in the context once a connection or an attempt has ended, after
   * the signals: mqtt_client_loop_forever()'s quit policy. */
  void (*connection_ended) (MqttClient *self, const GError *error);
};

static inline void
client_lock (MqttClient *self)
{
  pthread_mutex_lock (&self->lock);
}

static inline void
client_unlock (MqttClient *self)
{
  pthread_mutex_unlock (&self->lock);
}

/* In mqtt-client-connection.c; mqtt_client_install_properties() and
 * class_init fill them. */
extern GParamSpec *mqtt_client_properties[N_PROPS];
extern guint mqtt_client_signals[N_SIGNALS];

/* The session takes the configuration as a value: after every change. */
static inline void
mqtt_client_config_changed_locked (MqttClient *self)
{
  mqtt_session_configure (self->session, &self->config);
}

static inline void
mqtt_client_notify (MqttClient *self, guint prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), mqtt_client_properties[prop_id]);
}

/* Sets a field of the session's configuration, notifying a change. */
#define SET_CONFIG_UINT(self, field, value, prop)                                            \
  G_STMT_START                                                                               \
  {                                                                                          \
    gboolean changed;                                                                        \
    client_lock (self);                                                                      \
    changed = (self)->config.field != (value);                                               \
    (self)->config.field = (value);                                                          \
    mqtt_client_config_changed_locked (self);                                                \
    client_unlock (self);                                                                    \
    if (changed)                                                                             \
      mqtt_client_notify (self, prop);                                                       \
  }                                                                                          \
  G_STMT_END

/* mqtt-client-base.c */
void mqtt_client_op_free (Op *op);
Op *mqtt_client_op_new (OpKind kind, GTask *task);
void mqtt_client_op_complete (MqttClient *self, Op *op, const GError *error);
gboolean mqtt_client_wait_op (MqttClient *self, Op *op, GError **error);
gboolean mqtt_client_check_qos (int qos, GError **error);
void mqtt_client_kick_locked (MqttClient *self);
void mqtt_client_rearm_timer_locked (MqttClient *self);
const MqttServer *mqtt_client_server_to_try_locked (MqttClient *self);
gboolean mqtt_client_awaiting_network_locked (MqttClient *self);
void mqtt_client_event_clear (ClientEvent *event);
void mqtt_client_take_session_events_locked (MqttClient *self);
void mqtt_client_push_client_event_locked (MqttClient *self, ClientEventType type, gint code,
                                           GError *error);
void mqtt_client_update_log_wanted (MqttClient *self);
G_GNUC_PRINTF (3, 4) void mqtt_client_log_locked (MqttClient *self, MqttLogLevel level,
                                                  const char *format, ...);
void mqtt_client_run_in_context (MqttClient *self, GSourceFunc func, gpointer data,
                                 GDestroyNotify destroy);

/* mqtt-client-connection.c */
void mqtt_client_destroy_source (GSource **source);
GCancellable *mqtt_client_teardown_locked (MqttClient *self);
void mqtt_client_cancel_and_unref (GCancellable *cancellable);
GCancellable *mqtt_client_flush_locked (MqttClient *self);
void mqtt_client_filter_callback_unref (FilterCallback *fc);
void mqtt_client_pending_request_complete (MqttClient *self, PendingRequest *request,
                                           MqttMessage *response, GError *error);
void mqtt_client_fail_requests (MqttClient *self);
GArray *mqtt_client_granted_to_array (GBytes *granted);
void mqtt_client_pump (MqttClient *self, PumpFlags flags);
void mqtt_client_attach_timer (MqttClient *self);
void mqtt_client_start_connect (MqttClient *self);
void mqtt_client_resume_connect (MqttClient *self, const GError *error);
gboolean mqtt_client_set_broker (MqttClient *self, const char *host, guint port, guint keepalive,
                                 GError **error);
gboolean mqtt_client_tls_wanted_locked (MqttClient *self);
gboolean mqtt_client_connect_and_wait (MqttClient *self, GCancellable *cancellable,
                                       GError **error);
void mqtt_client_connect_async (MqttClient *self, gboolean prepared, GError *error,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data, gpointer source_tag);
gboolean mqtt_client_check_have_broker (MqttClient *self, GError **error);
gboolean mqtt_client_begin_disconnect (MqttClient *self, guint8 reason, MqttProperties *props,
                                       Op *op, GError **error);
gboolean mqtt_client_send_auth (MqttClient *self, guint8 reason, MqttProperties *props,
                                GError **error);

/* mqtt-client-options.c */
void mqtt_client_set_client_id_locked (MqttClient *self, const char *client_id);
void mqtt_client_name_locked (MqttClient *self);
void mqtt_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec);
void mqtt_client_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec);
void mqtt_client_reset_options (MqttClient *self);
void mqtt_client_install_properties (GObjectClass *object_class);
void mqtt_client_install_failover_properties (GParamSpec **properties);

/* In mqtt-client-store.c */
void mqtt_client_install_store_properties (GParamSpec **properties);
void mqtt_client_close_store_locked (MqttClient *self);
void mqtt_client_watch_network (MqttClient *self);
void mqtt_client_unwatch_network (MqttClient *self);
void mqtt_client_set_tls_option (MqttClient *self, gboolean *field, gboolean value,
                                 guint prop_id);
void mqtt_client_set_tls_flags (MqttClient *self, GTlsCertificateFlags flags);
void mqtt_client_set_tls_object (MqttClient *self, GObject **field, gpointer value,
                                 guint prop_id);
char **mqtt_client_servers_strv_locked (MqttClient *self);

G_END_DECLS
