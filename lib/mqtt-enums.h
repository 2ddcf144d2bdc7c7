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
 * @short_description: Protocol versions, QoS levels, CONNACK codes, log levels
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
 *
 * The version of the MQTT protocol spoken with the broker. The numeric value
 * is the protocol level sent in CONNECT.
 */
typedef enum {
  MQTT_PROTOCOL_V31 = 3,
  MQTT_PROTOCOL_V311 = 4,
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

G_END_DECLS
