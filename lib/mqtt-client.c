/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * MqttClient's GObject face: the class (signals, properties from
 * mqtt-client-options.c), construction and reinitialise, the state and
 * the connect/disconnect calls. The work is in the parts behind
 * mqtt-client-private.h: the connection (mqtt-client-connection.c), the
 * options, the loops and the messages. A new signal or entry point goes
 * here; how it works goes in the part it belongs to.
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "mqtt-client-private.h"

/**
 * SECTION:mqtt-client
 * @title: MqttClient
 * @short_description: The MQTT client: Paho's Client as a GObject
 *
 * #MqttClient is the Eclipse Paho Python `Client`: it connects to a broker,
 * publishes, subscribes and receives messages over MQTT 3.1 or 3.1.1, with
 * QoS 0, 1 and 2, a will, keepalive, automatic reconnection with backoff
 * and per-filter message callbacks. Paho's callbacks are mqtt_client_signals
 * (#MqttClient::connected, #MqttClient::disconnected, #MqttClient::message,
 * #MqttClient::published, #MqttClient::subscribed, #MqttClient::unsubscribed,
 * #MqttClient::log); its options are mqtt_client_properties.
 *
 * ## Main context and threads
 *
 * A client is bound to the thread-default #GMainContext of the thread that
 * creates it. Its network sources live in that context and every signal is
 * emitted there. A program that runs a #GMainLoop on that context needs no
 * other call: connect, subscribe, and the client works.
 *
 * A program without a main loop uses Paho's loops: mqtt_client_loop() (one
 * bounded iteration), mqtt_client_loop_start() and mqtt_client_loop_stop()
 * (a thread of the library runs the client's context; mqtt_client_signals are emitted
 * in that thread), or mqtt_client_loop_forever() (blocks, reconnects). For
 * a foreign event loop, mqtt_client_get_socket(), mqtt_client_want_write(),
 * mqtt_client_loop_read(), mqtt_client_loop_write() and
 * mqtt_client_loop_misc() are Paho's external-loop hooks. Do not mix loops.
 *
 * mqtt_client_publish(), mqtt_client_publish_bytes(),
 * mqtt_client_subscribe(), mqtt_client_subscribe_multiple(),
 * mqtt_client_unsubscribe(), mqtt_client_unsubscribe_multiple() and
 * mqtt_client_disconnect_from_broker() (and their asynchronous forms) are
 * safe to call from any thread, such as a GStreamer streaming thread: they
 * hand their work to the client's context. Every other function is called
 * from the thread that runs the client's context.
 *
 * ## Differences from Paho
 *
 * Methods are not named `connect` and `disconnect`: in Python and GJS such
 * names would hide GObject's own `connect()`, used to connect mqtt_client_signals. They
 * are mqtt_client_connect_to_broker() and
 * mqtt_client_disconnect_from_broker(); Paho's `connect_async()` (which
 * connects later, in loop_start()) is mqtt_client_connect_deferred(), as
 * `_async` means a #GAsyncResult operation in GIO.
 *
 * mqtt_client_connect_to_broker() returns when the broker has answered, so
 * that a refusal is an error of the call; #MqttClient::connected is still
 * emitted for every CONNACK, with its return code, as Paho's `on_connect`.
 * Every attempt that fails before the broker accepts it, a refusal
 * included, emits #MqttClient::connect-failed (Paho calls `on_disconnect`
 * after a refusal, and `on_connect_fail` only for network errors);
 * #MqttClient::disconnected is only for connections the broker accepted.
 * The manual's chapter on connection failures has the whole table.
 *
 * A QoS 1 or 2 publication made while disconnected succeeds and is queued
 * (Paho queues it too but returns `MQTT_ERR_NO_CONN`). A QoS 0 publication
 * is refused with %MQTT_ERROR_NO_CONN when no connection is made or
 * awaited (before the first connect call, after a disconnection, or once a
 * lost connection is not re-made because #MqttClient:auto-reconnect is
 * off); while a connection is being made, an automatic reconnection
 * included, it is held and sent once the broker accepts the connection,
 * counted in #MqttClient:max-queued-messages and
 * #MqttClient:max-queued-bytes like QoS 1 and 2 (%MQTT_ERROR_QUEUE_SIZE
 * when full). Errors are #GErrors, never silent drops.
 */

/**
 * MqttClient:
 *
 * An MQTT client; all its fields are private.
 */
G_DEFINE_FINAL_TYPE (MqttClient, mqtt_client, G_TYPE_OBJECT)

static void
mqtt_client_constructed (GObject *object)
{
  MqttClient *self = MQTT_CLIENT (object);

  G_OBJECT_CLASS (mqtt_client_parent_class)->constructed (object);

  /* Every construct property is set: the protocol decides an empty id. */
  mqtt_client_name_locked (self);
  mqtt_client_attach_timer (self);
  mqtt_client_watch_network (self);
}

static void
mqtt_client_dispose (GObject *object)
{
  MqttClient *self = MQTT_CLIENT (object);
  GCancellable *attempt;

  mqtt_client_loop_stop (self);
  mqtt_client_unwatch_network (self);

  client_lock (self);
  attempt = mqtt_client_teardown_locked (self);
  self->reconnect_at = 0;
  mqtt_client_close_store_locked (self);
  client_unlock (self);
  mqtt_client_cancel_and_unref (attempt);
  mqtt_client_destroy_source (&self->timer_source);

  mqtt_topic_tree_clear (self->callback_tree);
  g_hash_table_remove_all (self->callbacks);
  mqtt_client_fail_requests (self);
  if (self->user_data_destroy)
    g_clear_pointer (&self->user_data, self->user_data_destroy);

  G_OBJECT_CLASS (mqtt_client_parent_class)->dispose (object);
}

static void
mqtt_client_finalize (GObject *object)
{
  MqttClient *self = MQTT_CLIENT (object);

  g_list_free_full (self->connect_ops, (GDestroyNotify) mqtt_client_op_free);
  g_list_free_full (self->disconnect_ops, (GDestroyNotify) mqtt_client_op_free);
  g_hash_table_unref (self->mid_ops);
  g_array_unref (self->events);
  g_array_unref (self->pending);
  g_array_unref (self->taken);
  mqtt_topic_tree_free (self->callback_tree);
  g_hash_table_unref (self->callbacks);
  g_hash_table_unref (self->requests);
  g_hash_table_unref (self->response_topics);
  mqtt_session_free (self->session);
  mqtt_session_config_clear (&self->config);
  mqtt_transport_options_clear (&self->transport_options);
  g_free (self->bind_address);
  g_ptr_array_unref (self->servers);
  mqtt_server_free (self->referred);
  mqtt_server_free (self->server);
  g_clear_error (&self->last_error);
  g_clear_error (&self->forever_error);
  g_clear_pointer (&self->server_disconnect_props, mqtt_properties_unref);
  g_clear_object (&self->credentials_attempt);
  g_main_context_unref (self->context);
  pthread_mutex_destroy (&self->lock);
  pthread_cond_destroy (&self->cond);

  G_OBJECT_CLASS (mqtt_client_parent_class)->finalize (object);
}

static void
mqtt_client_init (MqttClient *self)
{
  pthread_mutex_init (&self->lock, NULL);
  pthread_cond_init (&self->cond, NULL);
  self->context = g_main_context_ref_thread_default ();
  self->session = mqtt_session_new ();
  mqtt_session_config_init (&self->config);
  mqtt_client_set_client_id_locked (self, NULL);
  self->reconnect_delay_min = 1;
  self->reconnect_delay_max = 120;
  self->reconnect_delay = 1;
  self->auto_reconnect = TRUE;
  self->timer_armed = -1;
  self->transport_options.port = 1883;
  self->transport_options.tls_verify = TRUE;
  self->transport_options.tls_validation_flags = G_TLS_CERTIFICATE_VALIDATE_ALL;
  self->transport_options.ws_path = g_strdup ("/mqtt");
  self->servers = g_ptr_array_new_with_free_func ((GDestroyNotify) mqtt_server_free);
  self->mid_ops = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) mqtt_client_op_free);
  self->requests = g_hash_table_new (g_bytes_hash, g_bytes_equal);
  self->response_topics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending = g_array_new (FALSE, TRUE, sizeof (ClientEvent));
  g_array_set_clear_func (self->pending, (GDestroyNotify) mqtt_client_event_clear);
  self->taken = g_array_new (FALSE, TRUE, sizeof (MqttSessionEvent));
  self->events = g_array_new (FALSE, TRUE, sizeof (ClientEvent));
  g_array_set_clear_func (self->events, (GDestroyNotify) mqtt_client_event_clear);
  self->callbacks = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) mqtt_client_filter_callback_unref);
  self->callback_tree = mqtt_topic_tree_new ();
}

static void
mqtt_client_class_init (MqttClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = mqtt_client_get_property;
  object_class->set_property = mqtt_client_set_property;
  object_class->constructed = mqtt_client_constructed;
  object_class->dispose = mqtt_client_dispose;
  object_class->finalize = mqtt_client_finalize;

  mqtt_client_install_properties (object_class);


  /**
   * MqttClient::connected:
   * @client: the client
   * @session_present: the CONNACK's session-present flag (Paho's
   *   `flags['session present']`): the broker kept a durable session
   * @return_code: the CONNACK return code, a #MqttConnackCode; 0 is success
   *
   * The broker answered CONNECT (Paho's `on_connect`). Emitted for refusals
   * too, with their code, as Paho does; a refused connection is then closed
   * and #MqttClient::connect-failed follows. Subscribing here renews
   * subscriptions after every reconnection.
   */
  mqtt_client_signals[SIGNAL_CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_INT);

  /**
   * MqttClient::connect-failed:
   * @client: the client
   * @error: why: a #G_RESOLVER_ERROR or #G_IO_ERROR from resolving or
   *   connecting, a #G_TLS_ERROR, %MQTT_ERROR_CONN_REFUSED for a WebSocket
   *   handshake the server refused, %MQTT_ERROR_CONN_LOST for a broker that
   *   closed before answering, or a refusal (%MQTT_ERROR_CONNACK_BASE + the
   *   CONNACK return code)
   *
   * A connection attempt failed before the broker accepted it (Paho's
   * `on_connect_fail`, here for every cause, a CONNACK refusal included:
   * #MqttClient::connected has then been emitted with the refusal's code).
   * Emitted for the first connection, whose call fails with the same
   * error, and for every automatic reconnection attempt, after which the
   * next one is scheduled. #MqttClient::disconnected is only for
   * connections the broker had accepted. An attempt abandoned through
   * mqtt_client_disconnect_from_broker() or a #GCancellable did not fail:
   * no signal.
   */
  mqtt_client_signals[SIGNAL_CONNECT_FAILED] =
    g_signal_new ("connect-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  /**
   * MqttClient::disconnected:
   * @client: the client
   * @return_code: a #MqttError code: %MQTT_ERROR_SUCCESS (0) after
   *   mqtt_client_disconnect_from_broker(), another code for an unexpected
   *   loss (%MQTT_ERROR_CONN_LOST, %MQTT_ERROR_KEEPALIVE,
   *   %MQTT_ERROR_PROTOCOL, a refusal, ...)
   * @error: (nullable): what went wrong, %NULL after a requested disconnection
   *
   * A connection the broker had accepted has closed (Paho's
   * `on_disconnect`). If #MqttClient:auto-reconnect applies, a reconnection
   * is already scheduled. An attempt that never got that far emits
   * #MqttClient::connect-failed instead.
   */
  mqtt_client_signals[SIGNAL_DISCONNECTED] =
    g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_ERROR);

  /**
   * MqttClient::message:
   * @client: the client
   * @message: the received message
   *
   * A message arrived on a subscribed topic (Paho's `on_message`), unless
   * it matched a filter given to mqtt_client_message_callback_add(), in
   * which case only those callbacks see it. A QoS 1 or 2 message is
   * acknowledged after the handlers have returned.
   */
  mqtt_client_signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, MQTT_TYPE_MESSAGE);

  /**
   * MqttClient::published:
   * @client: the client
   * @mid: the message id the publish call returned
   *
   * A publication completed (Paho's `on_publish`): for QoS 0 the message has
   * left the client, for QoS 1 PUBACK arrived, for QoS 2 PUBCOMP arrived.
   */
  mqtt_client_signals[SIGNAL_PUBLISHED] =
    g_signal_new ("published", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * MqttClient::subscribed:
   * @client: the client
   * @mid: the message id the subscribe call returned
   * @granted_qos: (element-type gint): the QoS the broker granted for each
   *   filter, in order; 128 (0x80) where it refused the subscription (a
   *   list of integers in Python and JavaScript; in C,
   *   `g_array_index (granted_qos, int, i)`)
   *
   * The broker answered a subscription (Paho's `on_subscribe`).
   */
  mqtt_client_signals[SIGNAL_SUBSCRIBED] =
    g_signal_new ("subscribed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_ARRAY);

  /**
   * MqttClient::unsubscribed:
   * @client: the client
   * @mid: the message id the unsubscribe call returned
   *
   * The broker acknowledged an unsubscription (Paho's `on_unsubscribe`).
   */
  mqtt_client_signals[SIGNAL_UNSUBSCRIBED] =
    g_signal_new ("unsubscribed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * MqttClient::log:
   * @client: the client
   * @level: the severity
   * @text: the log line
   *
   * A log line (Paho's `on_log`): every packet sent and received at
   * %MQTT_LOG_DEBUG, connection events above. Lines are only produced while
   * a handler is connected or mqtt_client_enable_logger() is on. Passwords
   * never appear.
   */
  mqtt_client_signals[SIGNAL_LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, MQTT_TYPE_LOG_LEVEL, G_TYPE_STRING);

  /**
   * MqttClient::connected-v5:
   * @client: the client
   * @session_present: the CONNACK's session-present flag
   * @reason_code: the CONNACK's reason code (at MQTT 5; below, its return
   *   code): %MQTT_REASON_CODE_SUCCESS, or a refusal
   * @properties: (nullable): the CONNACK's properties (the broker's limits,
   *   an Assigned Client Identifier, a Server Keep Alive, a Server
   *   Reference, a Reason String...), %NULL below MQTT 5 or when it had none
   *
   * Emitted right after #MqttClient::connected, with what MQTT 5 adds to
   * it: Paho Python 2's `on_connect(client, userdata, flags, reason_code,
   * properties)` (libmosquitto's `on_connect_v5`). The client applies the
   * broker's limits itself: it never has more QoS 1 and 2 messages in
   * flight than the broker's Receive Maximum, never sends a packet above
   * its Maximum Packet Size, and refuses locally what it said it does not
   * support.
   */
  mqtt_client_signals[SIGNAL_CONNECTED_V5] =
    g_signal_new ("connected-v5", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_BOOLEAN, MQTT_TYPE_REASON_CODE,
                  MQTT_TYPE_PROPERTIES);

  /**
   * MqttClient::published-v5:
   * @client: the client
   * @mid: the message id the publish call returned
   * @reason_code: the reason code of PUBACK or PUBREC (for QoS 2 with a
   *   failure) or PUBCOMP: %MQTT_REASON_CODE_SUCCESS,
   *   %MQTT_REASON_CODE_NO_MATCHING_SUBSCRIBERS, or a failure (0x80 and
   *   above: the broker did not accept the message); 0 for QoS 0 and below
   *   MQTT 5
   * @properties: (nullable): the acknowledgement's properties (a Reason
   *   String, User Properties), or %NULL
   *
   * Emitted right after #MqttClient::published: Paho Python 2's
   * `on_publish(client, userdata, mid, reason_code, properties)`.
   */
  mqtt_client_signals[SIGNAL_PUBLISHED_V5] =
    g_signal_new ("published-v5", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_UINT, MQTT_TYPE_REASON_CODE, MQTT_TYPE_PROPERTIES);

  /**
   * MqttClient::subscribed-v5:
   * @client: the client
   * @mid: the message id the subscribe call returned
   * @reason_codes: (element-type gint): the reason code of each filter, in
   *   order: the QoS granted (0, 1, 2) or a failure (0x80 and above, an
   *   #MqttReasonCode)
   * @properties: (nullable): the SUBACK's properties, or %NULL
   *
   * Emitted right after #MqttClient::subscribed: Paho Python 2's
   * `on_subscribe(client, userdata, mid, reason_code_list, properties)`.
   */
  mqtt_client_signals[SIGNAL_SUBSCRIBED_V5] =
    g_signal_new ("subscribed-v5", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_ARRAY, MQTT_TYPE_PROPERTIES);

  /**
   * MqttClient::unsubscribed-v5:
   * @client: the client
   * @mid: the message id the unsubscribe call returned
   * @reason_codes: (element-type gint): the reason code of each filter, in
   *   order (%MQTT_REASON_CODE_SUCCESS,
   *   %MQTT_REASON_CODE_NO_SUBSCRIPTION_EXISTED, a failure); empty below
   *   MQTT 5, whose UNSUBACK has none
   * @properties: (nullable): the UNSUBACK's properties, or %NULL
   *
   * Emitted right after #MqttClient::unsubscribed: Paho Python 2's
   * `on_unsubscribe(client, userdata, mid, reason_code_list, properties)`.
   */
  mqtt_client_signals[SIGNAL_UNSUBSCRIBED_V5] =
    g_signal_new ("unsubscribed-v5", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_ARRAY, MQTT_TYPE_PROPERTIES);

  /**
   * MqttClient::disconnected-v5:
   * @client: the client
   * @reason_code: the broker's reason when it closed the connection with
   *   DISCONNECT (%MQTT_REASON_CODE_SESSION_TAKEN_OVER,
   *   %MQTT_REASON_CODE_SERVER_SHUTTING_DOWN, ...); the client's own after
   *   mqtt_client_disconnect_with_reason() (0 after
   *   mqtt_client_disconnect_from_broker()); %MQTT_REASON_CODE_UNSPECIFIED_ERROR
   *   for a connection lost without one
   * @properties: (nullable): the broker's DISCONNECT properties (a Reason
   *   String, a Server Reference), or %NULL
   * @error: (nullable): what went wrong, %NULL after a requested disconnection
   *
   * Emitted right after #MqttClient::disconnected: Paho Python 2's
   * `on_disconnect(client, userdata, flags, reason_code, properties)`. A
   * broker's DISCONNECT is reported as such, not as a bare loss: @error
   * is %MQTT_ERROR_CONN_LOST with the reason in its message.
   */
  mqtt_client_signals[SIGNAL_DISCONNECTED_V5] =
    g_signal_new ("disconnected-v5", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, MQTT_TYPE_REASON_CODE, MQTT_TYPE_PROPERTIES,
                  G_TYPE_ERROR);

  /**
   * MqttClient::auth:
   * @client: the client
   * @reason_code: %MQTT_REASON_CODE_CONTINUE_AUTHENTICATION: the broker
   *   waits for the next step; %MQTT_REASON_CODE_SUCCESS: a
   *   re-authentication succeeded
   * @properties: (nullable): the AUTH's properties: the Authentication
   *   Method and the broker's Authentication Data
   *
   * MQTT 5 enhanced authentication: the broker sent AUTH. The application
   * answers with mqtt_client_auth_continue(), now or later (the broker
   * waits); a connection then completes with #MqttClient::connected, or
   * fails with the broker's refusal. The method and first data go in
   * #MqttClient:connect-properties.
   */
  mqtt_client_signals[SIGNAL_AUTH] =
    g_signal_new ("auth", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, MQTT_TYPE_REASON_CODE, MQTT_TYPE_PROPERTIES);

  /**
   * MqttClient::refresh-credentials:
   * @client: the client
   *
   * Emitted before every connection attempt, the first and each
   * reconnection, for brokers that take short-lived tokens: a handler may
   * set new credentials (mqtt_client_set_credentials()), MQTT 5
   * authentication data (#MqttClient:connect-properties) or a client
   * certificate (mqtt_client_tls_set_context()) right away and return
   * %FALSE, or return %TRUE and fetch them asynchronously: the attempt then
   * waits (the client stays %MQTT_CLIENT_STATE_CONNECTING) until
   * mqtt_client_credentials_ready() is called, with an error if there are
   * none. Cancelling or disconnecting meanwhile abandons the attempt.
   *
   * Returns: %TRUE if the attempt is to wait for
   *   mqtt_client_credentials_ready()
   */
  mqtt_client_signals[SIGNAL_REFRESH_CREDENTIALS] =
    g_signal_new ("refresh-credentials", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL, G_TYPE_BOOLEAN, 0);

  /**
   * MqttClient::resubscribed:
   * @client: the client
   * @mid: the message id of the SUBSCRIBE, as #MqttClient::subscribed will
   *   report the broker's answer
   *
   * After a reconnection, the client sent its subscriptions again, as
   * #MqttClient:resubscribe asks (once per group of subscriptions that
   * share their MQTT 5 properties).
   */
  mqtt_client_signals[SIGNAL_RESUBSCRIBED] =
    g_signal_new ("resubscribed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  /**
   * MqttClient::dropped:
   * @client: the client
   * @mid: the message id of the publication (or subscription request) that
   *   will not complete
   * @error: why: %MQTT_ERROR_QUEUE_SIZE (#MqttClient:queue-policy),
   *   %MQTT_ERROR_EXPIRED (an MQTT 5 Message Expiry Interval),
   *   %MQTT_ERROR_CONN_LOST (a QoS 0 message unwritten when the connection
   *   dropped), %MQTT_ERROR_NO_CONN (the session was cleared), or a refusal
   *   of the broker's limits (%MQTT_ERROR_NOT_SUPPORTED,
   *   %MQTT_ERROR_PAYLOAD_SIZE)
   *
   * An operation the client had accepted was dropped. Nothing accepted is
   * dropped without this signal; an asynchronous or blocking call waiting
   * for it fails with the same error as well.
   */
  mqtt_client_signals[SIGNAL_DROPPED] =
    g_signal_new ("dropped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_ERROR);

  /**
   * MqttClient::websocket-handshake:
   * @client: the client
   * @headers: the request headers of the handshake, which the handler may
   *   change (add, replace or remove headers)
   *
   * Emitted just before each WebSocket handshake is sent, with the headers
   * mqtt_client_ws_set_options() added already: Paho's callable `headers`
   * argument of `ws_set_options()`, for brokers that need a signature over
   * the request (AWS IoT, for instance). Emitted in the client's context.
   */
  mqtt_client_signals[SIGNAL_WEBSOCKET_HANDSHAKE] =
    g_signal_new ("websocket-handshake", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1,
                  SOUP_TYPE_MESSAGE_HEADERS | G_SIGNAL_TYPE_STATIC_SCOPE);
}

/* ------------------------------------------------------------------------ */
/* Construction and options */

/**
 * mqtt_client_new:
 * @client_id: (nullable): the client identifier; %NULL or empty for a random one
 *   (at level 5: for the one the broker assigns)
 * @clean_session: whether the broker forgets the session at disconnection
 * @protocol: the MQTT version
 * @error: return location for a #GError, or %NULL
 *
 * Creates a client, Paho's `Client(client_id, clean_session, protocol=...)`.
 * The client belongs to the thread-default main context.
 *
 * Returns: (transfer full) (nullable): a new client, or %NULL with
 *   %MQTT_ERROR_INVAL if @client_id is empty and @clean_session is %FALSE
 */
MqttClient *
mqtt_client_new (const char *client_id, gboolean clean_session, MqttProtocolVersion protocol,
                 GError **error)
{
  if ((client_id == NULL || client_id[0] == '\0') && !clean_session)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                           "A client with an empty client id must use a clean session");
      return NULL;
    }
  if (protocol != MQTT_PROTOCOL_V31 && protocol != MQTT_PROTOCOL_V311 &&
      protocol != MQTT_PROTOCOL_V5)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Unsupported protocol version %d",
                   protocol);
      return NULL;
    }
  return g_object_new (MQTT_TYPE_CLIENT, "client-id", client_id, "clean-session", clean_session,
                       "protocol-version", protocol, NULL);
}

/**
 * mqtt_client_reinitialise:
 * @self: a #MqttClient
 * @client_id: (nullable): the new client identifier; %NULL or empty for a random one
 *   (at level 5: for the one the broker assigns)
 * @clean_session: the new clean-session flag
 * @error: return location for a #GError, or %NULL
 *
 * Resets the client as if it had just been created (Paho's
 * `reinitialise()`, which runs the constructor again): closes any
 * connection without DISCONNECT, stops reconnecting, drops every queued
 * message, pending subscription and per-filter callback, forgets the
 * broker of the last connect call, and sets every option back to its
 * default: keepalive, limits, retry, reconnection delays and
 * #MqttClient:auto-reconnect, credentials, will, TLS, transport and
 * WebSocket options, proxy, bind address, the GLib logger, and the user
 * data (its destroy notify is called, as Paho's `reinitialise()` replaces
 * `userdata`). A store (mqtt_client_set_store()) is closed, its records
 * kept for a client with its client id. Operations
 * still pending fail with %MQTT_ERROR_NO_CONN. What survives: the
 * protocol version (a constructor argument this function does not take),
 * the main context the client belongs to, and signal handlers (Paho's
 * callbacks are attributes its constructor resets; GObject's handlers are
 * the application's).
 *
 * Returns: %TRUE on success; %FALSE with %MQTT_ERROR_INVAL for an empty id
 *   without a clean session
 */
gboolean
mqtt_client_reinitialise (MqttClient *self, const char *client_id, gboolean clean_session,
                          GError **error)
{
  GCancellable *attempt;
  gboolean store_changed;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if ((client_id == NULL || client_id[0] == '\0') && !clean_session)
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                           "A client with an empty client id must use a clean session");
      return FALSE;
    }

  client_lock (self);
  self->reconnect_enabled = FALSE;
  self->reconnect_at = 0;
  self->deferred = FALSE;
  attempt = mqtt_client_teardown_locked (self);
  if (self->state != MQTT_CLIENT_STATE_DISCONNECTED)
    {
      self->state = MQTT_CLIENT_STATE_DISCONNECTED;
      mqtt_client_push_client_event_locked (self, CLIENT_EVENT_DISCONNECTED,
                                            MQTT_ERROR_SUCCESS, NULL);
    }
  store_changed = self->store != NULL;
  mqtt_client_close_store_locked (self);
  mqtt_session_reset (self->session);
  mqtt_client_set_client_id_locked (self, client_id);
  mqtt_client_name_locked (self);
  self->config.clean_session = clean_session;
  mqtt_client_config_changed_locked (self);
  mqtt_topic_tree_clear (self->callback_tree);
  g_hash_table_remove_all (self->callbacks);
  g_clear_pointer (&self->transport_options.host, g_free);
  self->transport_options.port = 1883;
  self->use_servers = FALSE;
  g_clear_pointer (&self->referred, mqtt_server_free);
  client_unlock (self);

  mqtt_client_cancel_and_unref (attempt);
  mqtt_client_pump (self, 0);
  g_object_freeze_notify (G_OBJECT (self));
  mqtt_client_reset_options (self);
  mqtt_client_notify (self, PROP_CLIENT_ID);
  mqtt_client_notify (self, PROP_CLEAN_SESSION);
  mqtt_client_notify (self, PROP_HOST);
  mqtt_client_notify (self, PROP_PORT);
  if (store_changed)
    mqtt_client_notify (self, PROP_STORE);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

/**
 * mqtt_client_get_client_id:
 * @self: a #MqttClient
 *
 * Gets the client identifier, the generated one if none was given. At
 * level 5 a client created without one has an empty identifier: the
 * broker names it, in the Assigned Client Identifier property of
 * #MqttClient::connected-v5, and the client gives that name back when it
 * reconnects.
 *
 * Returns: (transfer none): the client id
 */
const char *
mqtt_client_get_client_id (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), NULL);
  return self->config.client_id;
}

/**
 * mqtt_client_get_protocol_version:
 * @self: a #MqttClient
 *
 * Gets #MqttClient:protocol-version.
 *
 * Returns: the MQTT version spoken
 */
MqttProtocolVersion
mqtt_client_get_protocol_version (MqttClient *self)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), MQTT_PROTOCOL_V311);
  return self->config.protocol;
}

/**
 * mqtt_client_get_state:
 * @self: a #MqttClient
 *
 * Gets the connection state. Thread-safe.
 *
 * Returns: the #MqttClientState
 */
MqttClientState
mqtt_client_get_state (MqttClient *self)
{
  MqttClientState state;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), MQTT_CLIENT_STATE_DISCONNECTED);
  client_lock (self);
  state = self->state;
  client_unlock (self);
  return state;
}

/**
 * mqtt_client_is_connected:
 * @self: a #MqttClient
 *
 * Paho's `is_connected()`. Thread-safe.
 *
 * Returns: %TRUE if a CONNACK accepted the current connection
 */
gboolean
mqtt_client_is_connected (MqttClient *self)
{
  return mqtt_client_get_state (self) == MQTT_CLIENT_STATE_CONNECTED;
}

/* The domain of this host, for connect_srv() without one. */
static char *
local_domain (void)
{
  const char *host = g_get_host_name ();
  const char *dot = strchr (host, '.');

  return dot && dot[1] ? g_strdup (dot + 1) : NULL;
}

static gboolean
set_srv (MqttClient *self, const char *domain, guint keepalive, GError **error)
{
  g_autofree char *local = NULL;

  if (domain == NULL || domain[0] == '\0')
    {
      domain = local = local_domain ();
      if (domain == NULL)
        {
          g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                               "No domain given and the host name has none");
          return FALSE;
        }
    }
  /* The port is the SRV target's; the domain stands for the host. */
  if (!mqtt_client_set_broker (self, domain, 1883, keepalive, error))
    return FALSE;
  client_lock (self);
  self->transport_options.srv_domain = g_strdup (domain);
  client_unlock (self);
  return TRUE;
}

/**
 * mqtt_client_connect_srv:
 * @self: a #MqttClient
 * @domain: (nullable): the DNS domain to look the broker up in; %NULL for
 *   this host's domain
 * @keepalive: the keepalive interval in seconds
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `connect_srv()`: finds the broker through the DNS SRV records
 * `_mqtt._tcp.@domain` (`_secure-mqtt._tcp.@domain` with TLS), tries the
 * targets in the order of their priority and weight until one connects, and
 * waits for CONNACK like mqtt_client_connect_to_broker(). Reconnections do
 * the lookup again.
 *
 * Returns: %TRUE if a broker accepted the connection; %FALSE with the
 *   lookup's error (%G_RESOLVER_ERROR), the first target's error, or the
 *   errors of mqtt_client_connect_to_broker()
 */
gboolean
mqtt_client_connect_srv (MqttClient *self, const char *domain, guint keepalive,
                         GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  return set_srv (self, domain, keepalive, error) &&
         mqtt_client_connect_and_wait (self, cancellable, error);
}

/**
 * mqtt_client_connect_srv_async:
 * @self: a #MqttClient
 * @domain: (nullable): the DNS domain; %NULL for this host's
 * @keepalive: the keepalive interval in seconds
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when a broker has answered or all failed
 * @user_data: data for @callback
 *
 * The asynchronous form of mqtt_client_connect_srv(); finish it with
 * mqtt_client_connect_srv_finish().
 */
void
mqtt_client_connect_srv_async (MqttClient *self, const char *domain, guint keepalive,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GError *error = NULL;
  gboolean prepared;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  prepared = set_srv (self, domain, keepalive, &error);
  mqtt_client_connect_async (self, prepared, error, cancellable, callback, user_data,
                             mqtt_client_connect_srv_async);
}

/**
 * mqtt_client_connect_srv_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_connect_srv_async().
 *
 * Returns: %TRUE if a broker accepted the connection
 */
gboolean
mqtt_client_connect_srv_finish (MqttClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mqtt_client_connect_to_broker:
 * @self: a #MqttClient
 * @host: (nullable): the broker's host name or IP address; %NULL for the
 *   servers of #MqttClient:servers, tried in turn
 * @port: the broker's port, usually 1883 (not used with the servers)
 * @keepalive: the keepalive interval in seconds (Paho's default is 60)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Paho's blocking `connect()`: connects to the broker and waits for its
 * CONNACK. #MqttClient::connected is emitted as well. The wait runs the
 * client's context (or, if another thread runs it, sleeps until that
 * thread has the answer).
 *
 * Returns: %TRUE when the broker accepted the connection; %FALSE with the
 *   network error, a refusal (%MQTT_ERROR_CONNACK_BASE + the CONNACK code),
 *   %MQTT_ERROR_INVAL for bad arguments, or %G_IO_ERROR_CANCELLED
 */
gboolean
mqtt_client_connect_to_broker (MqttClient *self, const char *host, guint port, guint keepalive,
                               GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  return mqtt_client_set_broker (self, host, port, keepalive, error) &&
         mqtt_client_connect_and_wait (self, cancellable, error);
}

/**
 * mqtt_client_connect_to_broker_async:
 * @self: a #MqttClient
 * @host: (nullable): the broker's host name or IP address; %NULL for the
 *   servers of #MqttClient:servers, tried in turn
 * @port: the broker's port, usually 1883 (not used with the servers)
 * @keepalive: the keepalive interval in seconds
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the broker has answered or the attempt failed
 * @user_data: data for @callback
 *
 * Connects to the broker without blocking; the operation completes at
 * CONNACK. Get the outcome with mqtt_client_connect_to_broker_finish().
 */
void
mqtt_client_connect_to_broker_async (MqttClient *self, const char *host, guint port,
                                     guint keepalive, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  GError *error = NULL;
  gboolean prepared;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  prepared = mqtt_client_set_broker (self, host, port, keepalive, &error);
  mqtt_client_connect_async (self, prepared, error, cancellable, callback, user_data,
                             mqtt_client_connect_to_broker_async);
}

/**
 * mqtt_client_connect_to_broker_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_connect_to_broker_async() or
 * mqtt_client_reconnect_async().
 *
 * Returns: %TRUE if the broker accepted the connection; %FALSE with the
 *   errors of mqtt_client_connect_to_broker()
 */
gboolean
mqtt_client_connect_to_broker_finish (MqttClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mqtt_client_connect_deferred:
 * @self: a #MqttClient
 * @host: (nullable): the broker's host name or IP address; %NULL for the
 *   servers of #MqttClient:servers, tried in turn
 * @port: the broker's port, usually 1883 (not used with the servers)
 * @keepalive: the keepalive interval in seconds
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `connect_async()`: records the broker and returns at once; the
 * connection is made by mqtt_client_loop_start() or
 * mqtt_client_loop_forever(), which keep retrying it.
 *
 * Returns: %TRUE if the arguments are valid; %FALSE with %MQTT_ERROR_INVAL
 */
gboolean
mqtt_client_connect_deferred (MqttClient *self, const char *host, guint port, guint keepalive,
                              GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (!mqtt_client_set_broker (self, host, port, keepalive, error))
    return FALSE;
  client_lock (self);
  self->deferred = TRUE;
  client_unlock (self);
  return TRUE;
}

/**
 * mqtt_client_reconnect:
 * @self: a #MqttClient
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `reconnect()`: connects again to the broker of the last connect
 * call, closing the current connection if there is one, and waits for
 * CONNACK like mqtt_client_connect_to_broker().
 *
 * Returns: %TRUE if the broker accepted the connection; %FALSE with an
 *   error (%MQTT_ERROR_NO_CONN if no broker was ever given)
 */
gboolean
mqtt_client_reconnect (MqttClient *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  return mqtt_client_check_have_broker (self, error) &&
         mqtt_client_connect_and_wait (self, cancellable, error);
}

/**
 * mqtt_client_reconnect_async:
 * @self: a #MqttClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the broker has answered or the attempt failed
 * @user_data: data for @callback
 *
 * The asynchronous form of mqtt_client_reconnect(); finish it with
 * mqtt_client_reconnect_finish().
 */
void
mqtt_client_reconnect_async (MqttClient *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GError *error = NULL;
  gboolean prepared;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  prepared = mqtt_client_check_have_broker (self, &error);
  mqtt_client_connect_async (self, prepared, error, cancellable, callback, user_data,
                             mqtt_client_reconnect_async);
}

/**
 * mqtt_client_reconnect_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_reconnect_async().
 *
 * Returns: %TRUE if the broker accepted the connection
 */
gboolean
mqtt_client_reconnect_finish (MqttClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * mqtt_client_disconnect_from_broker:
 * @self: a #MqttClient
 * @error: return location for a #GError, or %NULL
 *
 * Paho's `disconnect()`: sends DISCONNECT and closes the connection, so
 * that the broker does not publish the will, and stops reconnecting.
 * Returns at once; #MqttClient::disconnected follows with code 0 once
 * DISCONNECT is written. A connection still being made is abandoned.
 * Thread-safe.
 *
 * Returns: %TRUE if a disconnection began; %FALSE with %MQTT_ERROR_NO_CONN
 *   if there was nothing to disconnect
 */
gboolean
mqtt_client_disconnect_from_broker (MqttClient *self, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return mqtt_client_begin_disconnect (self, MQTT_REASON_CODE_NORMAL_DISCONNECTION, NULL, NULL,
                                       error);
}

/**
 * mqtt_client_disconnect_from_broker_async:
 * @self: a #MqttClient
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the connection is closed
 * @user_data: data for @callback
 *
 * Like mqtt_client_disconnect_from_broker(), but completes when DISCONNECT
 * has been written and the connection closed. Thread-safe.
 */
void
mqtt_client_disconnect_from_broker_async (MqttClient *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  Op *op;

  g_return_if_fail (MQTT_IS_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mqtt_client_disconnect_from_broker_async);
  op = mqtt_client_op_new (OP_DISCONNECT, task);
  if (!mqtt_client_begin_disconnect (self, MQTT_REASON_CODE_NORMAL_DISCONNECTION, NULL, op,
                                     &error))
    {
      mqtt_client_op_free (op);
      g_task_return_error (task, error);
    }
}

/**
 * mqtt_client_disconnect_with_reason:
 * @self: a #MqttClient
 * @reason: the reason code of DISCONNECT: %MQTT_REASON_CODE_NORMAL_DISCONNECTION,
 *   %MQTT_REASON_CODE_DISCONNECT_WITH_WILL_MESSAGE (the broker publishes the
 *   will all the same), or a failure (0x80 and above) the client reports
 * @properties: (nullable): the properties of DISCONNECT (Session Expiry
 *   Interval, Reason String, User Properties), or %NULL
 * @error: return location for a #GError, or %NULL
 *
 * Paho Python 2's `disconnect(reasoncode, properties)`: as
 * mqtt_client_disconnect_from_broker(), with MQTT 5's reason code and
 * properties. A Session Expiry Interval here may change the one given at
 * connection, except from 0 [MQTT-3.14.2-2]. Thread-safe.
 *
 * Returns: %TRUE if a disconnection began; %FALSE with %MQTT_ERROR_NO_CONN
 *   if there was nothing to disconnect, %MQTT_ERROR_INVAL for a reason code
 *   or property DISCONNECT may not carry, or %MQTT_ERROR_NOT_SUPPORTED for
 *   a reason or properties below MQTT 5
 */
gboolean
mqtt_client_disconnect_with_reason (MqttClient *self, MqttReasonCode reason,
                                    MqttProperties *properties, GError **error)
{
  g_autoptr(MqttProperties) connect_props = NULL;
  guint32 expiry = 0, was = 0;

  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);

  if (self->config.protocol < MQTT_PROTOCOL_V5 &&
      (reason != 0 || (properties && !mqtt_properties_is_empty (properties))))
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED,
                           "A reason code or properties in DISCONNECT need MQTT 5");
      return FALSE;
    }
  if (reason < 0 || reason > 0xff ||
      !mqtt_packet_reason_code_valid (MQTT_PACKET_DISCONNECT, reason))
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "DISCONNECT cannot carry reason code %d",
                   reason);
      return FALSE;
    }
  if (properties && !mqtt_properties_check (properties, MQTT_PACKET_DISCONNECT, FALSE, error))
    return FALSE;
  connect_props = mqtt_client_get_connect_properties (self);
  if (properties && mqtt_properties_get_session_expiry_interval (properties, &expiry) &&
      expiry > 0 &&
      !(connect_props && mqtt_properties_get_session_expiry_interval (connect_props, &was) &&
        was > 0))
    {
      g_set_error_literal (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                           "A Session Expiry Interval in DISCONNECT cannot extend a session "
                           "that expired with the connection");
      return FALSE;
    }
  return mqtt_client_begin_disconnect (self, reason, properties, NULL, error);
}

/**
 * mqtt_client_auth_continue:
 * @self: a #MqttClient
 * @properties: the properties of AUTH: the Authentication Method of
 *   #MqttClient:connect-properties and the next Authentication Data
 * @error: return location for a #GError, or %NULL
 *
 * Answers the broker's AUTH (#MqttClient::auth with
 * %MQTT_REASON_CODE_CONTINUE_AUTHENTICATION) with AUTH, reason Continue
 * authentication: the next step of an enhanced authentication (MQTT 5,
 * section 4.12). May be called from the signal handler or later, as long
 * as the broker waits (while connecting, within the keepalive interval).
 * Thread-safe.
 *
 * Returns: %TRUE if AUTH was queued; %FALSE with %MQTT_ERROR_NO_CONN,
 *   %MQTT_ERROR_NOT_SUPPORTED below MQTT 5, or %MQTT_ERROR_INVAL for a
 *   property AUTH may not carry
 */
gboolean
mqtt_client_auth_continue (MqttClient *self, MqttProperties *properties, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return mqtt_client_send_auth (self, MQTT_REASON_CODE_CONTINUE_AUTHENTICATION, properties,
                                error);
}

/**
 * mqtt_client_reauthenticate:
 * @self: a #MqttClient
 * @properties: the properties of AUTH: the connection's Authentication
 *   Method and the first Authentication Data
 * @error: return location for a #GError, or %NULL
 *
 * Starts a re-authentication of the connection (AUTH with reason
 * Re-authenticate, MQTT 5 section 4.12.1); the broker's answers arrive as
 * #MqttClient::auth, until one with %MQTT_REASON_CODE_SUCCESS. Thread-safe.
 *
 * Returns: %TRUE if AUTH was queued; %FALSE with the errors of
 *   mqtt_client_auth_continue()
 */
gboolean
mqtt_client_reauthenticate (MqttClient *self, MqttProperties *properties, GError **error)
{
  g_return_val_if_fail (MQTT_IS_CLIENT (self), FALSE);
  return mqtt_client_send_auth (self, MQTT_REASON_CODE_RE_AUTHENTICATE, properties, error);
}

/**
 * mqtt_client_disconnect_from_broker_finish:
 * @self: a #MqttClient
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Finishes mqtt_client_disconnect_from_broker_async().
 *
 * Returns: %TRUE once the connection is closed; %FALSE with
 *   %MQTT_ERROR_NO_CONN if there was none
 */
gboolean
mqtt_client_disconnect_from_broker_finish (MqttClient *self, GAsyncResult *result,
                                           GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
