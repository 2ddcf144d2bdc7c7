/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#if !defined(__MQTT_GLIB_INSIDE__) && !defined(MQTT_GLIB_COMPILATION)
#error "Only <mqtt-glib/mqtt-glib.h> can be included directly."
#endif

#include <glib.h>
#include "mqtt-version.h"

G_BEGIN_DECLS

/**
 * MQTT_ERROR:
 *
 * The error domain of mqtt-glib. Errors in this domain carry a #MqttError
 * code.
 */
#define MQTT_ERROR (mqtt_error_quark ())

/**
 * MqttError:
 * @MQTT_ERROR_AGAIN: try again later (Paho's `MQTT_ERR_AGAIN`); never carried by a #GError
 * @MQTT_ERROR_SUCCESS: no error (`MQTT_ERR_SUCCESS`); used as a disconnection
 *   code for a disconnection the application asked for, never carried by a #GError
 * @MQTT_ERROR_NOMEM: out of memory (`MQTT_ERR_NOMEM`)
 * @MQTT_ERROR_PROTOCOL: the broker broke the protocol: a malformed or
 *   unexpected packet (`MQTT_ERR_PROTOCOL`)
 * @MQTT_ERROR_INVAL: invalid arguments: a bad topic, QoS or option (`MQTT_ERR_INVAL`)
 * @MQTT_ERROR_NO_CONN: the client is not connected (`MQTT_ERR_NO_CONN`)
 * @MQTT_ERROR_CONN_REFUSED: the broker refused the connection (`MQTT_ERR_CONN_REFUSED`)
 * @MQTT_ERROR_NOT_FOUND: message not found (`MQTT_ERR_NOT_FOUND`)
 * @MQTT_ERROR_CONN_LOST: the connection was lost (`MQTT_ERR_CONN_LOST`)
 * @MQTT_ERROR_TLS: a TLS error (`MQTT_ERR_TLS`)
 * @MQTT_ERROR_PAYLOAD_SIZE: a payload or packet is too large (`MQTT_ERR_PAYLOAD_SIZE`)
 * @MQTT_ERROR_NOT_SUPPORTED: the feature is not supported (`MQTT_ERR_NOT_SUPPORTED`)
 * @MQTT_ERROR_AUTH: authorisation failed (`MQTT_ERR_AUTH`)
 * @MQTT_ERROR_ACL_DENIED: access denied by an ACL (`MQTT_ERR_ACL_DENIED`)
 * @MQTT_ERROR_UNKNOWN: an unknown error (`MQTT_ERR_UNKNOWN`)
 * @MQTT_ERROR_ERRNO: a system error (`MQTT_ERR_ERRNO`)
 * @MQTT_ERROR_QUEUE_SIZE: the outgoing message queue is full (`MQTT_ERR_QUEUE_SIZE`)
 * @MQTT_ERROR_KEEPALIVE: the broker did not answer within the keepalive
 *   interval (`MQTT_ERR_KEEPALIVE`)
 * @MQTT_ERROR_EXPIRED: an MQTT 5 message outlived its Message Expiry
 *   Interval before it could be sent (mqtt-glib's own: Paho has no code
 *   for it)
 * @MQTT_ERROR_REFUSED_PROTOCOL_VERSION: the broker refused the connection
 *   with CONNACK code 1, unacceptable protocol version
 * @MQTT_ERROR_REFUSED_IDENTIFIER_REJECTED: CONNACK code 2, identifier rejected
 * @MQTT_ERROR_REFUSED_SERVER_UNAVAILABLE: CONNACK code 3, server unavailable
 * @MQTT_ERROR_REFUSED_BAD_USERNAME_PASSWORD: CONNACK code 4, bad user name or password
 * @MQTT_ERROR_REFUSED_NOT_AUTHORIZED: CONNACK code 5, not authorised
 *
 * Error codes of the %MQTT_ERROR domain. The numeric values up to
 * %MQTT_ERROR_KEEPALIVE are those of Paho's `MQTT_ERR_*` constants, so
 * mqtt_error_string() gives Paho's texts.
 *
 * A connection refused by the broker fails with the code
 * %MQTT_ERROR_CONNACK_BASE + the CONNACK return code for codes 1 to 5, so
 * that the error carries the broker's reason (and mqtt_error_string() gives
 * Paho's connack_string() text for it); an unknown refusal code (6 to 255)
 * gives %MQTT_ERROR_CONN_REFUSED.
 */
typedef enum {
  MQTT_ERROR_AGAIN = -1,
  MQTT_ERROR_SUCCESS = 0,
  MQTT_ERROR_NOMEM = 1,
  MQTT_ERROR_PROTOCOL = 2,
  MQTT_ERROR_INVAL = 3,
  MQTT_ERROR_NO_CONN = 4,
  MQTT_ERROR_CONN_REFUSED = 5,
  MQTT_ERROR_NOT_FOUND = 6,
  MQTT_ERROR_CONN_LOST = 7,
  MQTT_ERROR_TLS = 8,
  MQTT_ERROR_PAYLOAD_SIZE = 9,
  MQTT_ERROR_NOT_SUPPORTED = 10,
  MQTT_ERROR_AUTH = 11,
  MQTT_ERROR_ACL_DENIED = 12,
  MQTT_ERROR_UNKNOWN = 13,
  MQTT_ERROR_ERRNO = 14,
  MQTT_ERROR_QUEUE_SIZE = 15,
  MQTT_ERROR_KEEPALIVE = 16,
  MQTT_ERROR_EXPIRED = 17,
  MQTT_ERROR_REFUSED_PROTOCOL_VERSION = 257,
  MQTT_ERROR_REFUSED_IDENTIFIER_REJECTED = 258,
  MQTT_ERROR_REFUSED_SERVER_UNAVAILABLE = 259,
  MQTT_ERROR_REFUSED_BAD_USERNAME_PASSWORD = 260,
  MQTT_ERROR_REFUSED_NOT_AUTHORIZED = 261,
} MqttError;

/**
 * MQTT_ERROR_CONNACK_BASE:
 *
 * The #MqttError code of a refused connection is this value plus the
 * CONNACK return code (1 to 5): `error->code - MQTT_ERROR_CONNACK_BASE` is
 * the broker's #MqttConnackCode.
 */
#define MQTT_ERROR_CONNACK_BASE 256

MQTT_AVAILABLE_IN_ALL
GQuark mqtt_error_quark (void);

MQTT_AVAILABLE_IN_ALL
const char *mqtt_error_string (int mqtt_errno);

MQTT_AVAILABLE_IN_ALL
const char *mqtt_connack_string (int connack_code);

MQTT_AVAILABLE_IN_ALL
MqttError mqtt_error_from_connack (int connack_code);

MQTT_AVAILABLE_IN_ALL
const char *mqtt_reason_string (int code);

G_END_DECLS
