/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#if !defined(__MQTT_GLIB_INSIDE__) && !defined(MQTT_GLIB_COMPILATION)
#error "Only <mqtt-glib/mqtt-glib.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * SECTION:mqtt-enums
 * @title: Enumerations
 * @short_description: Protocol versions, QoS levels, CONNACK and reason codes, log levels
 *
 * The constants of Paho's `paho.mqtt.client` module as registered enumeration
 * types: `MQTTv31`/`MQTTv311` are #MqttProtocolVersion, the QoS integers are
 * #MqttQos, `CONNACK_*` are #MqttConnackCode and `MQTT_LOG_*` are
 * #MqttLogLevel; the `ssl` module's `CERT_*` are #MqttTlsCertReqs. Their
 * numeric values are Paho's, so integers read from a Paho program keep
 * their meaning.
 */

/**
 * MqttProtocolVersion:
 * @MQTT_PROTOCOL_V31: MQTT 3.1, protocol name `MQIsdp`, level 3 (Paho's `MQTTv31`)
 * @MQTT_PROTOCOL_V311: MQTT 3.1.1, protocol name `MQTT`, level 4 (Paho's `MQTTv311`)
 * @MQTT_PROTOCOL_V5: MQTT 5.0, protocol name `MQTT`, level 5 (Paho's `MQTTv5`):
 *   properties, reason codes, subscription options, enhanced authentication
 *
 * The version of the MQTT protocol spoken with the broker. The numeric value
 * is the protocol level sent in CONNECT.
 */
typedef enum {
  MQTT_PROTOCOL_V31 = 3,
  MQTT_PROTOCOL_V311 = 4,
  MQTT_PROTOCOL_V5 = 5,
} MqttProtocolVersion;

/**
 * MqttQos:
 * @MQTT_QOS_AT_MOST_ONCE: QoS 0, fire and forget
 * @MQTT_QOS_AT_LEAST_ONCE: QoS 1, acknowledged by PUBACK, may be duplicated
 * @MQTT_QOS_EXACTLY_ONCE: QoS 2, four-way handshake, delivered exactly once
 *
 * Quality of service of a publication or subscription. The numeric values
 * are the QoS numbers 0, 1 and 2 used by Paho and by the protocol.
 */
typedef enum {
  MQTT_QOS_AT_MOST_ONCE = 0,
  MQTT_QOS_AT_LEAST_ONCE = 1,
  MQTT_QOS_EXACTLY_ONCE = 2,
} MqttQos;

/**
 * MqttConnackCode:
 * @MQTT_CONNACK_ACCEPTED: connection accepted
 * @MQTT_CONNACK_REFUSED_PROTOCOL_VERSION: the broker does not speak the requested protocol level
 * @MQTT_CONNACK_REFUSED_IDENTIFIER_REJECTED: the client identifier is not allowed
 * @MQTT_CONNACK_REFUSED_SERVER_UNAVAILABLE: the MQTT service is unavailable
 * @MQTT_CONNACK_REFUSED_BAD_USERNAME_PASSWORD: the user name or password is malformed or wrong
 * @MQTT_CONNACK_REFUSED_NOT_AUTHORIZED: the client is not authorised to connect
 *
 * The return code of a CONNACK packet (Paho's `CONNACK_*` constants). Values
 * 6 to 255 are reserved by the protocol; mqtt_connack_string() describes
 * them as an unknown reason.
 */
typedef enum {
  MQTT_CONNACK_ACCEPTED = 0,
  MQTT_CONNACK_REFUSED_PROTOCOL_VERSION = 1,
  MQTT_CONNACK_REFUSED_IDENTIFIER_REJECTED = 2,
  MQTT_CONNACK_REFUSED_SERVER_UNAVAILABLE = 3,
  MQTT_CONNACK_REFUSED_BAD_USERNAME_PASSWORD = 4,
  MQTT_CONNACK_REFUSED_NOT_AUTHORIZED = 5,
} MqttConnackCode;

/**
 * MqttLogLevel:
 * @MQTT_LOG_INFO: informational message (Paho's `MQTT_LOG_INFO`)
 * @MQTT_LOG_NOTICE: normal but significant event (`MQTT_LOG_NOTICE`)
 * @MQTT_LOG_WARNING: something went wrong but the client carries on (`MQTT_LOG_WARNING`)
 * @MQTT_LOG_ERR: an error (`MQTT_LOG_ERR`)
 * @MQTT_LOG_DEBUG: packet-level tracing (`MQTT_LOG_DEBUG`)
 *
 * Severity of a log line, with Paho's values (its `MQTT_LOG_*` constants).
 */
typedef enum {
  MQTT_LOG_INFO = 0x01,
  MQTT_LOG_NOTICE = 0x02,
  MQTT_LOG_WARNING = 0x04,
  MQTT_LOG_ERR = 0x08,
  MQTT_LOG_DEBUG = 0x10,
} MqttLogLevel;

/**
 * MqttQueuePolicy:
 * @MQTT_QUEUE_POLICY_REFUSE: a publication that does not fit fails with
 *   %MQTT_ERROR_QUEUE_SIZE, and QoS 0 is refused while no connection is on
 *   its way (%MQTT_ERROR_NO_CONN), as Paho does
 * @MQTT_QUEUE_POLICY_DROP_OLDEST: the oldest messages not yet sent are
 *   dropped to make room; QoS 0 is queued while disconnected
 * @MQTT_QUEUE_POLICY_DROP_NEWEST: the new message is accepted and dropped at
 *   once; QoS 0 is queued while disconnected
 *
 * What a full outgoing queue (#MqttClient:max-queued-messages,
 * #MqttClient:max-queued-bytes) does with a new message. Every message
 * dropped is reported by #MqttClient::dropped.
 */
typedef enum {
  MQTT_QUEUE_POLICY_REFUSE = 0,
  MQTT_QUEUE_POLICY_DROP_OLDEST = 1,
  MQTT_QUEUE_POLICY_DROP_NEWEST = 2,
} MqttQueuePolicy;

/**
 * MqttStoreSync:
 * @MQTT_STORE_SYNC_ALWAYS: every commit is flushed to the disk before it
 *   returns (fdatasync): nothing committed is lost even to a power failure;
 *   the slowest
 * @MQTT_STORE_SYNC_BATCHED: every commit is written to the file before it
 *   returns, so that nothing is lost when the process dies; a thread
 *   flushes the file to the disk at most #MqttFileStore:sync-interval
 *   later, which bounds what a power failure or a kernel crash can take
 * @MQTT_STORE_SYNC_NONE: every commit is written to the file; the kernel
 *   flushes it when it sees fit (on Linux within about 30 s): nothing is
 *   lost when the process dies, anything since the kernel's last flush to
 *   a power failure
 *
 * How #MqttFileStore makes what it writes durable. Under all three a
 * process that is killed loses nothing it committed; they differ in what
 * survives the machine going down, and in speed (the manual's chapter on
 * stores has the figures).
 */
typedef enum {
  MQTT_STORE_SYNC_ALWAYS = 0,
  MQTT_STORE_SYNC_BATCHED = 1,
  MQTT_STORE_SYNC_NONE = 2,
} MqttStoreSync;

/**
 * MqttResubscribe:
 * @MQTT_RESUBSCRIBE_NEVER: never: the application subscribes again, in
 *   #MqttClient::connected (Paho's behaviour, the default)
 * @MQTT_RESUBSCRIBE_WITHOUT_SESSION: when the broker reports no session
 *   (CONNACK's session present flag is 0): it has lost the subscriptions
 * @MQTT_RESUBSCRIBE_ALWAYS: after every reconnection
 *
 * When a #MqttClient sends its subscriptions again after a reconnection
 * (#MqttClient:resubscribe).
 */
typedef enum {
  MQTT_RESUBSCRIBE_NEVER = 0,
  MQTT_RESUBSCRIBE_WITHOUT_SESSION = 1,
  MQTT_RESUBSCRIBE_ALWAYS = 2,
} MqttResubscribe;

/**
 * MqttTransportType:
 * @MQTT_TRANSPORT_TCP: MQTT over TCP (or TLS), Paho's `transport="tcp"`
 * @MQTT_TRANSPORT_WEBSOCKETS: MQTT over WebSocket (`ws://`, or `wss://` with
 *   TLS), Paho's `transport="websockets"`
 *
 * How a #MqttClient reaches its broker.
 */
typedef enum {
  MQTT_TRANSPORT_TCP = 0,
  MQTT_TRANSPORT_WEBSOCKETS = 1,
} MqttTransportType;

/**
 * MqttTlsCertReqs:
 * @MQTT_TLS_CERT_NONE: accept any server certificate (Paho's `ssl.CERT_NONE`):
 *   the connection is encrypted but the broker is not authenticated
 * @MQTT_TLS_CERT_OPTIONAL: as %MQTT_TLS_CERT_REQUIRED (`ssl.CERT_OPTIONAL`: a
 *   TLS server always presents a certificate, so it is always checked)
 * @MQTT_TLS_CERT_REQUIRED: the server's certificate must chain to a trusted
 *   CA and name the host connected to (`ssl.CERT_REQUIRED`, the default)
 *
 * What mqtt_client_tls_set() requires of the broker's certificate.
 */
typedef enum {
  MQTT_TLS_CERT_NONE = 0,
  MQTT_TLS_CERT_OPTIONAL = 1,
  MQTT_TLS_CERT_REQUIRED = 2,
} MqttTlsCertReqs;

/**
 * MqttTlsVersion:
 * @MQTT_TLS_VERSION_DEFAULT: the highest version both sides support
 * @MQTT_TLS_VERSION_1_2: TLS 1.2 only
 * @MQTT_TLS_VERSION_1_3: TLS 1.3 only
 *
 * The TLS version of Paho's `tls_version` argument. GIO always negotiates
 * the highest version both sides support, within the system's crypto
 * policy, and cannot pin one: mqtt_client_tls_set() refuses anything but
 * %MQTT_TLS_VERSION_DEFAULT with %MQTT_ERROR_NOT_SUPPORTED rather than
 * ignoring it.
 */
typedef enum {
  MQTT_TLS_VERSION_DEFAULT = 0,
  MQTT_TLS_VERSION_1_2 = 1,
  MQTT_TLS_VERSION_1_3 = 2,
} MqttTlsVersion;

/**
 * MqttSubscribeFlags:
 * @MQTT_SUBSCRIBE_FLAGS_NONE: none of the options below
 * @MQTT_SUBSCRIBE_FLAGS_NO_LOCAL: the broker does not send this client the
 *   messages it publishes itself (No Local)
 * @MQTT_SUBSCRIBE_FLAGS_RETAIN_AS_PUBLISHED: messages keep the retain flag
 *   they were published with (Retain As Published); without it the broker
 *   clears it on messages it forwards as they are published
 * @MQTT_SUBSCRIBE_FLAGS_RETAINED_IF_NEW: retained messages are sent only if
 *   the subscription did not exist yet (Retain Handling 1)
 * @MQTT_SUBSCRIBE_FLAGS_NO_RETAINED: retained messages are not sent at all
 *   (Retain Handling 2); without either, they are sent at every
 *   subscription (Retain Handling 0)
 *
 * The subscription options of MQTT 5 beside the QoS (Paho Python 2's
 * `SubscribeOptions`), with the bits they have in the options byte. They
 * need %MQTT_PROTOCOL_V5; %MQTT_SUBSCRIBE_FLAGS_RETAINED_IF_NEW and
 * %MQTT_SUBSCRIBE_FLAGS_NO_RETAINED exclude each other.
 */
typedef enum {
  MQTT_SUBSCRIBE_FLAGS_NONE = 0,
  MQTT_SUBSCRIBE_FLAGS_NO_LOCAL = 1 << 2,
  MQTT_SUBSCRIBE_FLAGS_RETAIN_AS_PUBLISHED = 1 << 3,
  MQTT_SUBSCRIBE_FLAGS_RETAINED_IF_NEW = 1 << 4,
  MQTT_SUBSCRIBE_FLAGS_NO_RETAINED = 1 << 5,
} MqttSubscribeFlags;

/**
 * MqttReasonCode:
 * @MQTT_REASON_CODE_SUCCESS: 0x00, "Success"
 * @MQTT_REASON_CODE_NORMAL_DISCONNECTION: 0x00, "Normal disconnection"
 * @MQTT_REASON_CODE_GRANTED_QOS_0: 0x00, "Granted QoS 0"
 * @MQTT_REASON_CODE_GRANTED_QOS_1: 0x01, "Granted QoS 1"
 * @MQTT_REASON_CODE_GRANTED_QOS_2: 0x02, "Granted QoS 2"
 * @MQTT_REASON_CODE_DISCONNECT_WITH_WILL_MESSAGE: 0x04, "Disconnect with Will Message"
 * @MQTT_REASON_CODE_NO_MATCHING_SUBSCRIBERS: 0x10, "No matching subscribers"
 * @MQTT_REASON_CODE_NO_SUBSCRIPTION_EXISTED: 0x11, "No subscription existed"
 * @MQTT_REASON_CODE_CONTINUE_AUTHENTICATION: 0x18, "Continue authentication"
 * @MQTT_REASON_CODE_RE_AUTHENTICATE: 0x19, "Re-authenticate"
 * @MQTT_REASON_CODE_UNSPECIFIED_ERROR: 0x80, "Unspecified error"
 * @MQTT_REASON_CODE_MALFORMED_PACKET: 0x81, "Malformed Packet"
 * @MQTT_REASON_CODE_PROTOCOL_ERROR: 0x82, "Protocol Error"
 * @MQTT_REASON_CODE_IMPLEMENTATION_SPECIFIC_ERROR: 0x83, "Implementation specific error"
 * @MQTT_REASON_CODE_UNSUPPORTED_PROTOCOL_VERSION: 0x84, "Unsupported Protocol Version"
 * @MQTT_REASON_CODE_CLIENT_IDENTIFIER_NOT_VALID: 0x85, "Client Identifier not valid"
 * @MQTT_REASON_CODE_BAD_USER_NAME_OR_PASSWORD: 0x86, "Bad User Name or Password"
 * @MQTT_REASON_CODE_NOT_AUTHORIZED: 0x87, "Not authorized"
 * @MQTT_REASON_CODE_SERVER_UNAVAILABLE: 0x88, "Server unavailable"
 * @MQTT_REASON_CODE_SERVER_BUSY: 0x89, "Server busy"
 * @MQTT_REASON_CODE_BANNED: 0x8A, "Banned"
 * @MQTT_REASON_CODE_SERVER_SHUTTING_DOWN: 0x8B, "Server shutting down"
 * @MQTT_REASON_CODE_BAD_AUTHENTICATION_METHOD: 0x8C, "Bad authentication method"
 * @MQTT_REASON_CODE_KEEP_ALIVE_TIMEOUT: 0x8D, "Keep Alive timeout"
 * @MQTT_REASON_CODE_SESSION_TAKEN_OVER: 0x8E, "Session taken over"
 * @MQTT_REASON_CODE_TOPIC_FILTER_INVALID: 0x8F, "Topic Filter invalid"
 * @MQTT_REASON_CODE_TOPIC_NAME_INVALID: 0x90, "Topic Name invalid"
 * @MQTT_REASON_CODE_PACKET_IDENTIFIER_IN_USE: 0x91, "Packet Identifier in use"
 * @MQTT_REASON_CODE_PACKET_IDENTIFIER_NOT_FOUND: 0x92, "Packet Identifier not found"
 * @MQTT_REASON_CODE_RECEIVE_MAXIMUM_EXCEEDED: 0x93, "Receive Maximum exceeded"
 * @MQTT_REASON_CODE_TOPIC_ALIAS_INVALID: 0x94, "Topic Alias invalid"
 * @MQTT_REASON_CODE_PACKET_TOO_LARGE: 0x95, "Packet too large"
 * @MQTT_REASON_CODE_MESSAGE_RATE_TOO_HIGH: 0x96, "Message rate too high"
 * @MQTT_REASON_CODE_QUOTA_EXCEEDED: 0x97, "Quota exceeded"
 * @MQTT_REASON_CODE_ADMINISTRATIVE_ACTION: 0x98, "Administrative action"
 * @MQTT_REASON_CODE_PAYLOAD_FORMAT_INVALID: 0x99, "Payload format invalid"
 * @MQTT_REASON_CODE_RETAIN_NOT_SUPPORTED: 0x9A, "Retain not supported"
 * @MQTT_REASON_CODE_QOS_NOT_SUPPORTED: 0x9B, "QoS not supported"
 * @MQTT_REASON_CODE_USE_ANOTHER_SERVER: 0x9C, "Use another server"
 * @MQTT_REASON_CODE_SERVER_MOVED: 0x9D, "Server moved"
 * @MQTT_REASON_CODE_SHARED_SUBSCRIPTIONS_NOT_SUPPORTED: 0x9E, "Shared Subscriptions not supported"
 * @MQTT_REASON_CODE_CONNECTION_RATE_EXCEEDED: 0x9F, "Connection rate exceeded"
 * @MQTT_REASON_CODE_MAXIMUM_CONNECT_TIME: 0xA0, "Maximum connect time"
 * @MQTT_REASON_CODE_SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED: 0xA1, "Subscription
 *   Identifiers not supported"
 * @MQTT_REASON_CODE_WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED: 0xA2, "Wildcard
 *   Subscriptions not supported"
 *
 * The reason codes of MQTT 5 (section 2.4 of the specification), with the
 * specification's names: Paho Python 2's `ReasonCode`. Success, Normal
 * disconnection and Granted QoS 0 share the value 0. Codes from 0x80 up are
 * failures. mqtt_reason_string() gives the specification's text.
 */
typedef enum {
  MQTT_REASON_CODE_SUCCESS = 0x00,
  MQTT_REASON_CODE_NORMAL_DISCONNECTION = 0x00,
  MQTT_REASON_CODE_GRANTED_QOS_0 = 0x00,
  MQTT_REASON_CODE_GRANTED_QOS_1 = 0x01,
  MQTT_REASON_CODE_GRANTED_QOS_2 = 0x02,
  MQTT_REASON_CODE_DISCONNECT_WITH_WILL_MESSAGE = 0x04,
  MQTT_REASON_CODE_NO_MATCHING_SUBSCRIBERS = 0x10,
  MQTT_REASON_CODE_NO_SUBSCRIPTION_EXISTED = 0x11,
  MQTT_REASON_CODE_CONTINUE_AUTHENTICATION = 0x18,
  MQTT_REASON_CODE_RE_AUTHENTICATE = 0x19,
  MQTT_REASON_CODE_UNSPECIFIED_ERROR = 0x80,
  MQTT_REASON_CODE_MALFORMED_PACKET = 0x81,
  MQTT_REASON_CODE_PROTOCOL_ERROR = 0x82,
  MQTT_REASON_CODE_IMPLEMENTATION_SPECIFIC_ERROR = 0x83,
  MQTT_REASON_CODE_UNSUPPORTED_PROTOCOL_VERSION = 0x84,
  MQTT_REASON_CODE_CLIENT_IDENTIFIER_NOT_VALID = 0x85,
  MQTT_REASON_CODE_BAD_USER_NAME_OR_PASSWORD = 0x86,
  MQTT_REASON_CODE_NOT_AUTHORIZED = 0x87,
  MQTT_REASON_CODE_SERVER_UNAVAILABLE = 0x88,
  MQTT_REASON_CODE_SERVER_BUSY = 0x89,
  MQTT_REASON_CODE_BANNED = 0x8A,
  MQTT_REASON_CODE_SERVER_SHUTTING_DOWN = 0x8B,
  MQTT_REASON_CODE_BAD_AUTHENTICATION_METHOD = 0x8C,
  MQTT_REASON_CODE_KEEP_ALIVE_TIMEOUT = 0x8D,
  MQTT_REASON_CODE_SESSION_TAKEN_OVER = 0x8E,
  MQTT_REASON_CODE_TOPIC_FILTER_INVALID = 0x8F,
  MQTT_REASON_CODE_TOPIC_NAME_INVALID = 0x90,
  MQTT_REASON_CODE_PACKET_IDENTIFIER_IN_USE = 0x91,
  MQTT_REASON_CODE_PACKET_IDENTIFIER_NOT_FOUND = 0x92,
  MQTT_REASON_CODE_RECEIVE_MAXIMUM_EXCEEDED = 0x93,
  MQTT_REASON_CODE_TOPIC_ALIAS_INVALID = 0x94,
  MQTT_REASON_CODE_PACKET_TOO_LARGE = 0x95,
  MQTT_REASON_CODE_MESSAGE_RATE_TOO_HIGH = 0x96,
  MQTT_REASON_CODE_QUOTA_EXCEEDED = 0x97,
  MQTT_REASON_CODE_ADMINISTRATIVE_ACTION = 0x98,
  MQTT_REASON_CODE_PAYLOAD_FORMAT_INVALID = 0x99,
  MQTT_REASON_CODE_RETAIN_NOT_SUPPORTED = 0x9A,
  MQTT_REASON_CODE_QOS_NOT_SUPPORTED = 0x9B,
  MQTT_REASON_CODE_USE_ANOTHER_SERVER = 0x9C,
  MQTT_REASON_CODE_SERVER_MOVED = 0x9D,
  MQTT_REASON_CODE_SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E,
  MQTT_REASON_CODE_CONNECTION_RATE_EXCEEDED = 0x9F,
  MQTT_REASON_CODE_MAXIMUM_CONNECT_TIME = 0xA0,
  MQTT_REASON_CODE_SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED = 0xA1,
  MQTT_REASON_CODE_WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED = 0xA2,
} MqttReasonCode;

G_END_DECLS
