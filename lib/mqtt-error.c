/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The MQTT_ERROR domain, Paho's error and CONNACK texts, the texts of
 * MQTT 5 reason codes, and the error of a CONNACK refusal.
 */

#include "config.h"

#include "mqtt-error.h"
#include "mqtt-enums.h"

/**
 * SECTION:mqtt-error
 * @title: Errors
 * @short_description: The MQTT_ERROR domain and Paho's error texts
 *
 * Every error reported by mqtt-glib is a #GError. Errors about MQTT itself
 * are in the %MQTT_ERROR domain with a #MqttError code equal to Paho's
 * `MQTT_ERR_*` number; errors from the network or TLS layer are GIO's own
 * (%G_IO_ERROR, %G_TLS_ERROR, %G_RESOLVER_ERROR) and are passed through
 * unchanged; a cancelled operation fails with %G_IO_ERROR_CANCELLED.
 *
 * mqtt_error_string() and mqtt_connack_string() return the same texts as
 * Paho's `error_string()` and `connack_string()`. A connection the broker
 * refuses fails with a code that carries the CONNACK return code (see
 * #MqttError and mqtt_error_from_connack()).
 */

/**
 * mqtt_error_quark:
 *
 * The quark of the %MQTT_ERROR error domain; use %MQTT_ERROR instead.
 *
 * Returns: the error quark
 */
G_DEFINE_QUARK (mqtt-error-quark, mqtt_error)


/**
 * mqtt_error_string:
 * @mqtt_errno: a #MqttError value (Paho's `MQTT_ERR_*` number)
 *
 * Describes an error code with the text Paho's `error_string()` gives.
 *
 * Returns: (transfer none): a static, English description; "Unknown error."
 *   for a value that is not a #MqttError
 */
const char *
mqtt_error_string (int mqtt_errno)
{
  switch (mqtt_errno)
    {
    case MQTT_ERROR_SUCCESS:
      return "No error.";
    case MQTT_ERROR_NOMEM:
      return "Out of memory.";
    case MQTT_ERROR_PROTOCOL:
      return "A network protocol error occurred when communicating with the broker.";
    case MQTT_ERROR_INVAL:
      return "Invalid function arguments provided.";
    case MQTT_ERROR_NO_CONN:
      return "The client is not currently connected.";
    case MQTT_ERROR_CONN_REFUSED:
      return "The connection was refused.";
    case MQTT_ERROR_NOT_FOUND:
      return "Message not found (internal error).";
    case MQTT_ERROR_CONN_LOST:
      return "The connection was lost.";
    case MQTT_ERROR_TLS:
      return "A TLS error occurred.";
    case MQTT_ERROR_PAYLOAD_SIZE:
      return "Payload too large.";
    case MQTT_ERROR_NOT_SUPPORTED:
      return "This feature is not supported.";
    case MQTT_ERROR_AUTH:
      return "Authorisation failed.";
    case MQTT_ERROR_ACL_DENIED:
      return "Access denied by ACL.";
    case MQTT_ERROR_ERRNO:
      return "Error defined by errno.";
    case MQTT_ERROR_QUEUE_SIZE:
      return "Message queue full.";
    case MQTT_ERROR_KEEPALIVE:
      return "Client or broker did not communicate in the keepalive interval.";
    case MQTT_ERROR_EXPIRED:
      return "The message expired before it could be sent.";
    case MQTT_ERROR_REFUSED_PROTOCOL_VERSION:
    case MQTT_ERROR_REFUSED_IDENTIFIER_REJECTED:
    case MQTT_ERROR_REFUSED_SERVER_UNAVAILABLE:
    case MQTT_ERROR_REFUSED_BAD_USERNAME_PASSWORD:
    case MQTT_ERROR_REFUSED_NOT_AUTHORIZED:
      return mqtt_connack_string (mqtt_errno - MQTT_ERROR_CONNACK_BASE);
    case MQTT_ERROR_UNKNOWN:
    default:
      return "Unknown error.";
    }
}

/**
 * mqtt_error_from_connack:
 * @connack_code: a CONNACK return code other than 0
 *
 * Gives the error code a connection refused with @connack_code fails with:
 * %MQTT_ERROR_CONNACK_BASE + @connack_code for the codes 1 to 5 the
 * protocol defines, %MQTT_ERROR_CONN_REFUSED for the reserved ones.
 *
 * Returns: the #MqttError code
 */
MqttError
mqtt_error_from_connack (int connack_code)
{
  if (connack_code >= MQTT_CONNACK_REFUSED_PROTOCOL_VERSION &&
      connack_code <= MQTT_CONNACK_REFUSED_NOT_AUTHORIZED)
    return MQTT_ERROR_CONNACK_BASE + connack_code;
  return MQTT_ERROR_CONN_REFUSED;
}

/**
 * mqtt_connack_string:
 * @connack_code: a CONNACK return code (#MqttConnackCode or a reserved value)
 *
 * Describes a CONNACK return code with the text Paho's `connack_string()`
 * gives.
 *
 * Returns: (transfer none): a static, English description
 */
const char *
mqtt_connack_string (int connack_code)
{
  switch (connack_code)
    {
    case MQTT_CONNACK_ACCEPTED:
      return "Connection Accepted.";
    case MQTT_CONNACK_REFUSED_PROTOCOL_VERSION:
      return "Connection Refused: unacceptable protocol version.";
    case MQTT_CONNACK_REFUSED_IDENTIFIER_REJECTED:
      return "Connection Refused: identifier rejected.";
    case MQTT_CONNACK_REFUSED_SERVER_UNAVAILABLE:
      return "Connection Refused: broker unavailable.";
    case MQTT_CONNACK_REFUSED_BAD_USERNAME_PASSWORD:
      return "Connection Refused: bad user name or password.";
    case MQTT_CONNACK_REFUSED_NOT_AUTHORIZED:
      return "Connection Refused: not authorised.";
    default:
      return "Connection Refused: unknown reason.";
    }
}

/**
 * mqtt_reason_string:
 * @code: an MQTT 5 reason code (#MqttReasonCode, or any byte)
 *
 * The specification's name of a reason code, as Paho Python 2's
 * `ReasonCode` prints it: "Success" for 0 (also Normal disconnection and
 * Granted QoS 0), "Not authorized" for 0x87.
 *
 * Returns: (transfer none): a static, English text; "Unknown reason code"
 *   for a value the specification does not define
 */
const char *
mqtt_reason_string (int code)
{
  switch (code)
    {
    case MQTT_REASON_CODE_SUCCESS:
      return "Success";
    case MQTT_REASON_CODE_GRANTED_QOS_1:
      return "Granted QoS 1";
    case MQTT_REASON_CODE_GRANTED_QOS_2:
      return "Granted QoS 2";
    case MQTT_REASON_CODE_DISCONNECT_WITH_WILL_MESSAGE:
      return "Disconnect with Will Message";
    case MQTT_REASON_CODE_NO_MATCHING_SUBSCRIBERS:
      return "No matching subscribers";
    case MQTT_REASON_CODE_NO_SUBSCRIPTION_EXISTED:
      return "No subscription existed";
    case MQTT_REASON_CODE_CONTINUE_AUTHENTICATION:
      return "Continue authentication";
    case MQTT_REASON_CODE_RE_AUTHENTICATE:
      return "Re-authenticate";
    case MQTT_REASON_CODE_UNSPECIFIED_ERROR:
      return "Unspecified error";
    case MQTT_REASON_CODE_MALFORMED_PACKET:
      return "Malformed Packet";
    case MQTT_REASON_CODE_PROTOCOL_ERROR:
      return "Protocol Error";
    case MQTT_REASON_CODE_IMPLEMENTATION_SPECIFIC_ERROR:
      return "Implementation specific error";
    case MQTT_REASON_CODE_UNSUPPORTED_PROTOCOL_VERSION:
      return "Unsupported Protocol Version";
    case MQTT_REASON_CODE_CLIENT_IDENTIFIER_NOT_VALID:
      return "Client Identifier not valid";
    case MQTT_REASON_CODE_BAD_USER_NAME_OR_PASSWORD:
      return "Bad User Name or Password";
    case MQTT_REASON_CODE_NOT_AUTHORIZED:
      return "Not authorized";
    case MQTT_REASON_CODE_SERVER_UNAVAILABLE:
      return "Server unavailable";
    case MQTT_REASON_CODE_SERVER_BUSY:
      return "Server busy";
    case MQTT_REASON_CODE_BANNED:
      return "Banned";
    case MQTT_REASON_CODE_SERVER_SHUTTING_DOWN:
      return "Server shutting down";
    case MQTT_REASON_CODE_BAD_AUTHENTICATION_METHOD:
      return "Bad authentication method";
    case MQTT_REASON_CODE_KEEP_ALIVE_TIMEOUT:
      return "Keep Alive timeout";
    case MQTT_REASON_CODE_SESSION_TAKEN_OVER:
      return "Session taken over";
    case MQTT_REASON_CODE_TOPIC_FILTER_INVALID:
      return "Topic Filter invalid";
    case MQTT_REASON_CODE_TOPIC_NAME_INVALID:
      return "Topic Name invalid";
    case MQTT_REASON_CODE_PACKET_IDENTIFIER_IN_USE:
      return "Packet Identifier in use";
    case MQTT_REASON_CODE_PACKET_IDENTIFIER_NOT_FOUND:
      return "Packet Identifier not found";
    case MQTT_REASON_CODE_RECEIVE_MAXIMUM_EXCEEDED:
      return "Receive Maximum exceeded";
    case MQTT_REASON_CODE_TOPIC_ALIAS_INVALID:
      return "Topic Alias invalid";
    case MQTT_REASON_CODE_PACKET_TOO_LARGE:
      return "Packet too large";
    case MQTT_REASON_CODE_MESSAGE_RATE_TOO_HIGH:
      return "Message rate too high";
    case MQTT_REASON_CODE_QUOTA_EXCEEDED:
      return "Quota exceeded";
    case MQTT_REASON_CODE_ADMINISTRATIVE_ACTION:
      return "Administrative action";
    case MQTT_REASON_CODE_PAYLOAD_FORMAT_INVALID:
      return "Payload format invalid";
    case MQTT_REASON_CODE_RETAIN_NOT_SUPPORTED:
      return "Retain not supported";
    case MQTT_REASON_CODE_QOS_NOT_SUPPORTED:
      return "QoS not supported";
    case MQTT_REASON_CODE_USE_ANOTHER_SERVER:
      return "Use another server";
    case MQTT_REASON_CODE_SERVER_MOVED:
      return "Server moved";
    case MQTT_REASON_CODE_SHARED_SUBSCRIPTIONS_NOT_SUPPORTED:
      return "Shared Subscriptions not supported";
    case MQTT_REASON_CODE_CONNECTION_RATE_EXCEEDED:
      return "Connection rate exceeded";
    case MQTT_REASON_CODE_MAXIMUM_CONNECT_TIME:
      return "Maximum connect time";
    case MQTT_REASON_CODE_SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED:
      return "Subscription Identifiers not supported";
    case MQTT_REASON_CODE_WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED:
      return "Wildcard Subscriptions not supported";
    default:
      return "Unknown reason code";
    }
}
