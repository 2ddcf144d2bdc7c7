/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The options that carry a client through a loss: the server list tried
 * in turn (failover) and the server in use, jitter in the reconnection
 * backoff, the subscriptions sent again after a reconnection, what the
 * offline queue does when it is full, credentials refreshed before an
 * attempt, and what a change of network or a resume from suspend does.
 * The order of attempts itself is mqtt-client-connection.c's; the queue
 * and the subscriptions the session's; the resume watch mqtt-wake.c's.
 */

#include "config.h"

#include <string.h>

#include "mqtt-client-private.h"
#include "mqtt-wake-private.h"

/**
 * mqtt_client_set_servers:
 * @self: a #MqttClient
 * @uris: (nullable) (array zero-terminated=1): the servers' URIs, or %NULL for none
 * @error: return location for a #GError, or %NULL
 *
 * Sets #MqttClient:servers. Every URI is checked before the list changes:
 * on an error it does not.
 *
 * Returns: %TRUE if the list was set; %FALSE with %MQTT_ERROR_INVAL (or
 *   %MQTT_ERROR_NOT_SUPPORTED for an unknown scheme) naming the bad URI
 */
gboolean
mqtt_client_set_servers (MqttClient *self, const char *const *uris, GError **error)
{
  g_autoptr(GPtrArray) servers = NULL;
  gboolean changed;
  guint i;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  servers = g_ptr_array_new_with_free_func ((GDestroyNotify) mqtt_server_free);
  for (i = 0; uris && uris[i]; i++)
    {
      MqttServer *server = mqtt_server_new_for_uri (uris[i], error);

      if (server == NULL)
        return FALSE;
      g_ptr_array_add (servers, server);
    }

  client_lock (self);
  changed = servers->len != self->servers->len;
  for (i = 0; !changed && i < servers->len; i++)
    changed = strcmp (((MqttServer *) servers->pdata[i])->uri,
                      ((MqttServer *) self->servers->pdata[i])->uri) != 0;
  if (changed)
    {
      g_ptr_array_unref (self->servers);
      self->servers = g_steal_pointer (&servers);
      self->server_index = self->round_start = 0;
      /* A client connected with no host and now no servers has no broker. */
      if (self->use_servers && self->servers->len == 0)
        {
          self->use_servers = FALSE;
          self->have_broker = self->transport_options.host != NULL;
        }
    }
  client_unlock (self);
  if (changed)
    mqtt_client_notify (self, PROP_SERVERS);
  return TRUE;
}

/**
 * mqtt_client_get_servers:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:servers, each as it is shown (a default port written
 * out).
 *
 * Returns: (transfer full) (nullable) (array zero-terminated=1): the
 *   servers' URIs, %NULL for none
 */
char **
mqtt_client_get_servers (MqttClient *self)
{
  char **uris;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);

  client_lock (self);
  uris = mqtt_client_servers_strv_locked (self);
  client_unlock (self);
  return uris;
}

/* The server list's URIs, NULL for none. */
char **
mqtt_client_servers_strv_locked (MqttClient *self)
{
  char **uris;
  guint i;

  if (self->servers->len == 0)
    return NULL;
  uris = g_new0 (char *, self->servers->len + 1);
  for (i = 0; i < self->servers->len; i++)
    uris[i] = g_strdup (((MqttServer *) self->servers->pdata[i])->uri);
  return uris;
}

/**
 * mqtt_client_dup_server:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:server.
 *
 * Returns: (transfer full) (nullable): the URI of the server of the current
 *   or last connection attempt, or %NULL before the first one
 */
char *
mqtt_client_dup_server (MqttClient *self)
{
  char *uri;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);

  client_lock (self);
  uri = self->server ? g_strdup (self->server->uri) : NULL;
  client_unlock (self);
  return uri;
}

/**
 * mqtt_client_set_reconnect_jitter:
 * @self: a #MqttClient
 * @jitter: whether to wait a random time between the minimum and the
 *   current reconnect delay
 *
 * Sets #MqttClient:reconnect-jitter.
 */
void
mqtt_client_set_reconnect_jitter (MqttClient *self, gboolean jitter)
{
  gboolean changed;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  client_lock (self);
  changed = self->reconnect_jitter != !!jitter;
  self->reconnect_jitter = !!jitter;
  client_unlock (self);
  if (changed)
    mqtt_client_notify (self, PROP_RECONNECT_JITTER);
}

/**
 * mqtt_client_get_reconnect_jitter:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:reconnect-jitter.
 *
 * Returns: whether reconnection delays are jittered
 */
gboolean
mqtt_client_get_reconnect_jitter (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return self->reconnect_jitter;
}

/**
 * mqtt_client_set_queue_policy:
 * @self: a #MqttClient
 * @policy: what a full queue does with a new message
 *
 * Sets #MqttClient:queue-policy.
 */
void
mqtt_client_set_queue_policy (MqttClient *self, MqttQueuePolicy policy)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  g_return_if_fail (policy <= MQTT_QUEUE_POLICY_DROP_NEWEST);
  SET_CONFIG_UINT (self, queue_policy, policy, PROP_QUEUE_POLICY);
}

/**
 * mqtt_client_get_queue_policy:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:queue-policy.
 *
 * Returns: what a full queue does with a new message
 */
MqttQueuePolicy
mqtt_client_get_queue_policy (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), MQTT_QUEUE_POLICY_REFUSE);
  return self->config.queue_policy;
}

/**
 * mqtt_client_set_resubscribe:
 * @self: a #MqttClient
 * @resubscribe: when to send the subscriptions again after a reconnection
 *
 * Sets #MqttClient:resubscribe.
 */
void
mqtt_client_set_resubscribe (MqttClient *self, MqttResubscribe resubscribe)
{
  g_return_if_fail (MQTT_IS_CLIENT (self));
  g_return_if_fail (resubscribe <= MQTT_RESUBSCRIBE_ALWAYS);
  SET_CONFIG_UINT (self, resubscribe, resubscribe, PROP_RESUBSCRIBE);
}

/**
 * mqtt_client_get_resubscribe:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:resubscribe.
 *
 * Returns: when the subscriptions are sent again
 */
MqttResubscribe
mqtt_client_get_resubscribe (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), MQTT_RESUBSCRIBE_NEVER);
  return self->config.resubscribe;
}

typedef struct {
  MqttClient *self;
  GError *error;
} Resume;

static void
resume_free (Resume *resume)
{
  g_object_unref (resume->self);
  g_clear_error (&resume->error);
  g_free (resume);
}

static gboolean
resume_in_context (gpointer data)
{
  Resume *resume = data;

  mqtt_client_resume_connect (resume->self, resume->error);
  return G_SOURCE_REMOVE;
}

/**
 * mqtt_client_credentials_ready:
 * @self: a #MqttClient
 * @error: (nullable): why there are no credentials, or %NULL when they
 *   are set
 *
 * Lets the connection attempt that waits since a handler of
 * #MqttClient::refresh-credentials returned %TRUE go on, with the
 * credentials, authentication data and certificate set meanwhile; or, with
 * @error, fail with it (#MqttClient::connect-failed, then a reconnection as
 * usual). Thread-safe. Does nothing if that attempt was abandoned or
 * replaced.
 */
void
mqtt_client_credentials_ready (MqttClient *self, const GError *error)
{
  Resume *resume;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  resume = g_new0 (Resume, 1);
  resume->self = g_object_ref (self);
  resume->error = error ? g_error_copy (error) : NULL;
  mqtt_client_run_in_context (self, resume_in_context, resume, (GDestroyNotify) resume_free);
}

/* ------------------------------------------------------------------------ */
/* The network and sleep */

#define ALIVE_CHECK_USEC (5 * G_USEC_PER_SEC)

/* Something may have broken the connection or mended the way to the
 * broker (the network changed, the machine resumed): a connection is
 * checked at once (PINGREQ, answered within five seconds or the connection
 * is lost), and a reconnection waiting out its delay starts now, the
 * backoff reset. */
static void
wake_locked (MqttClient *self, const char *why)
{
  gint64 now = g_get_monotonic_time ();

  if (self->state == MQTT_CLIENT_STATE_CONNECTED)
    {
      mqtt_client_log_locked (self, MQTT_LOG_INFO, "%s: checking the connection", why);
      mqtt_session_check_alive (self->session, now, ALIVE_CHECK_USEC);
      mqtt_client_kick_locked (self);
    }
  else if (self->reconnect_at > 0)
    {
      mqtt_client_log_locked (self, MQTT_LOG_INFO, "%s: reconnecting now", why);
      self->reconnect_delay = self->reconnect_delay_min;
      self->reconnect_at = now;
      mqtt_client_kick_locked (self);
    }
}

/* From the resume watcher's thread; the client lives while this runs
 * (mqtt_client_unwatch_network() waits for it). */
static void
machine_resumed (gpointer data)
{
  MqttClient *self = data;

  client_lock (self);
  wake_locked (self, "The machine resumed");
  client_unlock (self);
}

static void
weak_ref_free (gpointer data, GClosure *closure)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* In the monitor's context, which may be another thread's. */
static void
network_changed (GNetworkMonitor *monitor, gboolean available, gpointer data)
{
  g_autoptr(MqttClient) self = g_weak_ref_get (data);

  if (self == NULL)
    return;
  client_lock (self);
  if (monitor == self->network_monitor)
    {
      if (!available && !self->network_down)
        mqtt_client_log_locked (self, MQTT_LOG_INFO,
                                "The network is unavailable: no reconnection to a remote "
                                "broker until it returns");
      self->network_down = !available;
      if (available)
        wake_locked (self, "The network changed");
      mqtt_client_kick_locked (self);
    }
  client_unlock (self);
}

static void
use_network_monitor (MqttClient *self, GNetworkMonitor *monitor)
{
  GNetworkMonitor *old;
  gulong old_id;

  client_lock (self);
  old = g_steal_pointer (&self->network_monitor);
  old_id = self->network_changed_id;
  self->network_changed_id = 0;
  self->network_down = monitor && !g_network_monitor_get_network_available (monitor);
  if (monitor)
    {
      GWeakRef *ref = g_new0 (GWeakRef, 1);

      g_weak_ref_init (ref, self);
      self->network_monitor = g_object_ref (monitor);
      self->network_changed_id =
        g_signal_connect_data (monitor, "network-changed", G_CALLBACK (network_changed), ref,
                               weak_ref_free, 0);
    }
  /* A reconnection that waited for the network may be due. */
  if (monitor && !self->network_down && self->reconnect_at > 0)
    mqtt_client_kick_locked (self);
  client_unlock (self);

  if (old)
    {
      g_signal_handler_disconnect (old, old_id);
      g_object_unref (old);
    }
}

/* At construction: the system's network monitor unless the application
 * chose one (or none), and the process-wide resume watch. */
void
mqtt_client_watch_network (MqttClient *self)
{
  if (!self->network_monitor_set)
    use_network_monitor (self, g_network_monitor_get_default ());
  mqtt_wake_watch (machine_resumed, self);
}

/* At dispose; may be called again. */
void
mqtt_client_unwatch_network (MqttClient *self)
{
  mqtt_wake_unwatch (self);
  use_network_monitor (self, NULL);
}

/**
 * mqtt_client_set_network_monitor:
 * @self: a #MqttClient
 * @monitor: (nullable): the monitor to follow, or %NULL for none
 *
 * Sets #MqttClient:network-monitor.
 */
void
mqtt_client_set_network_monitor (MqttClient *self, GNetworkMonitor *monitor)
{
  gboolean changed;

  g_return_if_fail (MQTT_IS_CLIENT (self));
  g_return_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor));

  self->network_monitor_set = TRUE;
  client_lock (self);
  changed = self->network_monitor != monitor;
  client_unlock (self);
  if (!changed)
    return;
  use_network_monitor (self, monitor);
  mqtt_client_notify (self, PROP_NETWORK_MONITOR);
}

/**
 * mqtt_client_get_network_monitor:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:network-monitor.
 *
 * Returns: (transfer full) (nullable): the monitor followed, or %NULL
 */
GNetworkMonitor *
mqtt_client_get_network_monitor (MqttClient *self)
{
  GNetworkMonitor *monitor;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);

  client_lock (self);
  monitor = self->network_monitor ? g_object_ref (self->network_monitor) : NULL;
  client_unlock (self);
  return monitor;
}

void
mqtt_client_install_failover_properties (GParamSpec **properties)
{
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  /**
   * MqttClient:servers:
   *
   * Brokers to try in turn, as URIs: `mqtt://HOST[:PORT]` (TCP),
   * `mqtts://` (TLS), `mqtt+ws://HOST[:PORT][/PATH]` (WebSocket),
   * `mqtt+wss://` (WebSocket over TLS) and `unix:///PATH` (a Unix socket),
   * like Paho C's `serverURIs`. They are used when a connect call is given
   * no host (%NULL), and by mqtt_client_reconnect() after it. The scheme
   * says whether TLS is used; trust, certificates and every other option
   * are the client's.
   *
   * The first server is tried first. When an attempt fails, the next is
   * tried at once, until the list comes back to where this round began:
   * only then does the client wait (#MqttClient:reconnect-delay-min,
   * doubling) or a blocking connect call fail. When a connection the
   * broker had accepted is lost, the client waits the reconnect delay and
   * goes on with the next server. An MQTT 5 broker that refuses or closes
   * the connection with "Use another server" (0x9C) or "Server moved"
   * (0x9D) and a Server Reference sends the client there at once, for one
   * attempt (and while that connection lasts); then the list goes on.
   * #MqttClient:server tells which server is in use.
   *
   * Setting it from a property with a bad URI is a programming error; use
   * mqtt_client_set_servers() to get a #GError.
   */
  properties[PROP_SERVERS] = g_param_spec_boxed ("servers", NULL, NULL, G_TYPE_STRV, rw);

  /**
   * MqttClient:server:
   *
   * The URI of the server of the current or last connection attempt (as in
   * #MqttClient:servers; for a host and port, `mqtt://HOST:PORT` or the
   * like), notified when it changes; %NULL before the first attempt and
   * for connect_srv().
   */
  properties[PROP_SERVER] = g_param_spec_string ("server", NULL, NULL, NULL,
                                                 G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                                   G_PARAM_STATIC_STRINGS);

  /**
   * MqttClient:reconnect-jitter:
   *
   * Whether a reconnection waits a random time between
   * #MqttClient:reconnect-delay-min and the current delay (which doubles up
   * to #MqttClient:reconnect-delay-max after each failure), rather than
   * exactly the current delay. With it, clients that a broker restart
   * dropped together do not all come back at the same moment. %FALSE by
   * default, Paho's fixed doubling; #MqttSettings turns it on.
   */
  properties[PROP_RECONNECT_JITTER] =
    g_param_spec_boolean ("reconnect-jitter", NULL, NULL, FALSE, rw);

  /**
   * MqttClient:queue-policy:
   *
   * What a full outgoing queue does with a new message: refuse it (the
   * default, Paho's behaviour), drop the oldest messages not yet sent, or
   * drop the new one. With a dropping policy QoS 0 messages are queued
   * while the client is disconnected too, within the same bounds, and sent
   * after reconnecting. Every message dropped, whatever the reason (the
   * policy, an expired MQTT 5 message, a QoS 0 message unwritten when the
   * connection dropped, mqtt_client_reinitialise()), is reported by
   * #MqttClient::dropped.
   */
  /**
   * MqttClient:resubscribe:
   *
   * When the client sends its subscriptions again after a reconnection:
   * never (the default: Paho's behaviour, where the application subscribes
   * in #MqttClient::connected), when the broker reports no session
   * (session present = 0: it has lost them, after a restart without
   * persistence or an expired session), or always. The subscriptions are
   * every filter subscribed to and not unsubscribed from since the client
   * was made or reinitialised, with the QoS, MQTT 5 options and properties
   * of the last subscription to it. Each SUBSCRIBE sent again is reported by
   * #MqttClient::resubscribed, and answered through #MqttClient::subscribed.
   */
  properties[PROP_RESUBSCRIBE] =
    g_param_spec_enum ("resubscribe", NULL, NULL, MQTT_TYPE_RESUBSCRIBE, MQTT_RESUBSCRIBE_NEVER,
                       rw);

  /**
   * MqttClient:network-monitor:
   *
   * The #GNetworkMonitor the client follows; by default the system's
   * (g_network_monitor_get_default()), %NULL for none. While it says the
   * network is unavailable, no reconnection to a broker elsewhere is
   * started (a broker on this machine — a Unix socket, `localhost`, a
   * loopback address — is still tried): retries are not burnt while they
   * cannot work. When it reports a change with the network available, a
   * reconnection waiting out its delay starts at once, the backoff reset,
   * and a connection is checked at once: a PINGREQ that must be answered
   * within five seconds, or the connection is lost and the client
   * reconnects.
   *
   * The same check follows a resume from suspend, whatever this property
   * says: the client sees it from logind's PrepareForSleep signal on the
   * system bus, or where there is no logind from the boot-time clock
   * running ahead of the monotonic one (read every five seconds). Without
   * it a connection that died while the machine slept would be noticed
   * only after up to one and a half keepalive intervals.
   *
   * The monitor's signals come in the main context it was created in
   * (the system's: that of the first caller of
   * g_network_monitor_get_default()); that context must run.
   */
  properties[PROP_NETWORK_MONITOR] =
    g_param_spec_object ("network-monitor", NULL, NULL, G_TYPE_NETWORK_MONITOR, rw);

  properties[PROP_QUEUE_POLICY] =
    g_param_spec_enum ("queue-policy", NULL, NULL, MQTT_TYPE_QUEUE_POLICY,
                       MQTT_QUEUE_POLICY_REFUSE, rw);
}
