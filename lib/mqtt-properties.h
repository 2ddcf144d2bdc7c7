/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * MqttProperties: the properties an MQTT 5 packet carries, with a typed
 * getter and setter for each, user properties as an ordered list of pairs.
 */

#pragma once

#if !defined(__MQTT_GLIB_INSIDE__) && !defined(MQTT_GLIB_COMPILATION)
#error "Only <mqtt-glib/mqtt-glib.h> can be included directly."
#endif

#include <glib-object.h>

#include "mqtt-version.h"

G_BEGIN_DECLS

/**
 * MqttPropertyId:
 * @MQTT_PROPERTY_PAYLOAD_FORMAT_INDICATOR: 0x01, byte: 1 if the payload is UTF-8 text
 * @MQTT_PROPERTY_MESSAGE_EXPIRY_INTERVAL: 0x02, four-byte integer: seconds
 *   the broker keeps the message
 * @MQTT_PROPERTY_CONTENT_TYPE: 0x03, UTF-8 string: the payload's content type
 * @MQTT_PROPERTY_RESPONSE_TOPIC: 0x08, UTF-8 string: where to reply
 * @MQTT_PROPERTY_CORRELATION_DATA: 0x09, binary data: matches a reply to its request
 * @MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER: 0x0B, variable byte integer, 1 to
 *   268,435,455; several in a PUBLISH from the broker
 * @MQTT_PROPERTY_SESSION_EXPIRY_INTERVAL: 0x11, four-byte integer: seconds
 *   the session outlives the connection
 * @MQTT_PROPERTY_ASSIGNED_CLIENT_IDENTIFIER: 0x12, UTF-8 string: the id the
 *   broker gave a client that sent none
 * @MQTT_PROPERTY_SERVER_KEEP_ALIVE: 0x13, two-byte integer: the keepalive
 *   the broker wants
 * @MQTT_PROPERTY_AUTHENTICATION_METHOD: 0x15, UTF-8 string
 * @MQTT_PROPERTY_AUTHENTICATION_DATA: 0x16, binary data
 * @MQTT_PROPERTY_REQUEST_PROBLEM_INFORMATION: 0x17, byte, 0 or 1
 * @MQTT_PROPERTY_WILL_DELAY_INTERVAL: 0x18, four-byte integer: seconds
 *   before the broker publishes the will
 * @MQTT_PROPERTY_REQUEST_RESPONSE_INFORMATION: 0x19, byte, 0 or 1
 * @MQTT_PROPERTY_RESPONSE_INFORMATION: 0x1A, UTF-8 string
 * @MQTT_PROPERTY_SERVER_REFERENCE: 0x1C, UTF-8 string: another broker to use
 * @MQTT_PROPERTY_REASON_STRING: 0x1F, UTF-8 string: why, for people
 * @MQTT_PROPERTY_RECEIVE_MAXIMUM: 0x21, two-byte integer, not 0: QoS 1 and 2
 *   messages the sender accepts in flight
 * @MQTT_PROPERTY_TOPIC_ALIAS_MAXIMUM: 0x22, two-byte integer
 * @MQTT_PROPERTY_TOPIC_ALIAS: 0x23, two-byte integer, not 0
 * @MQTT_PROPERTY_MAXIMUM_QOS: 0x24, byte, 0 or 1
 * @MQTT_PROPERTY_RETAIN_AVAILABLE: 0x25, byte, 0 or 1
 * @MQTT_PROPERTY_USER_PROPERTY: 0x26, UTF-8 string pair; any number of them
 * @MQTT_PROPERTY_MAXIMUM_PACKET_SIZE: 0x27, four-byte integer, not 0
 * @MQTT_PROPERTY_WILDCARD_SUBSCRIPTION_AVAILABLE: 0x28, byte, 0 or 1
 * @MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER_AVAILABLE: 0x29, byte, 0 or 1
 * @MQTT_PROPERTY_SHARED_SUBSCRIPTION_AVAILABLE: 0x2A, byte, 0 or 1
 *
 * The properties of MQTT 5 (section 2.2.2.2 of the specification), with
 * their identifiers as values.
 */
typedef enum {
  MQTT_PROPERTY_PAYLOAD_FORMAT_INDICATOR = 0x01,
  MQTT_PROPERTY_MESSAGE_EXPIRY_INTERVAL = 0x02,
  MQTT_PROPERTY_CONTENT_TYPE = 0x03,
  MQTT_PROPERTY_RESPONSE_TOPIC = 0x08,
  MQTT_PROPERTY_CORRELATION_DATA = 0x09,
  MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER = 0x0B,
  MQTT_PROPERTY_SESSION_EXPIRY_INTERVAL = 0x11,
  MQTT_PROPERTY_ASSIGNED_CLIENT_IDENTIFIER = 0x12,
  MQTT_PROPERTY_SERVER_KEEP_ALIVE = 0x13,
  MQTT_PROPERTY_AUTHENTICATION_METHOD = 0x15,
  MQTT_PROPERTY_AUTHENTICATION_DATA = 0x16,
  MQTT_PROPERTY_REQUEST_PROBLEM_INFORMATION = 0x17,
  MQTT_PROPERTY_WILL_DELAY_INTERVAL = 0x18,
  MQTT_PROPERTY_REQUEST_RESPONSE_INFORMATION = 0x19,
  MQTT_PROPERTY_RESPONSE_INFORMATION = 0x1A,
  MQTT_PROPERTY_SERVER_REFERENCE = 0x1C,
  MQTT_PROPERTY_REASON_STRING = 0x1F,
  MQTT_PROPERTY_RECEIVE_MAXIMUM = 0x21,
  MQTT_PROPERTY_TOPIC_ALIAS_MAXIMUM = 0x22,
  MQTT_PROPERTY_TOPIC_ALIAS = 0x23,
  MQTT_PROPERTY_MAXIMUM_QOS = 0x24,
  MQTT_PROPERTY_RETAIN_AVAILABLE = 0x25,
  MQTT_PROPERTY_USER_PROPERTY = 0x26,
  MQTT_PROPERTY_MAXIMUM_PACKET_SIZE = 0x27,
  MQTT_PROPERTY_WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28,
  MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29,
  MQTT_PROPERTY_SHARED_SUBSCRIPTION_AVAILABLE = 0x2A,
} MqttPropertyId;

#define MQTT_TYPE_PROPERTIES (mqtt_properties_get_type ())

/**
 * MqttProperties:
 *
 * The properties of one MQTT 5 packet; opaque, reference-counted.
 */
typedef struct _MqttProperties MqttProperties;

MQTT_AVAILABLE_IN_ALL
GType mqtt_properties_get_type (void) G_GNUC_CONST;

MQTT_AVAILABLE_IN_ALL
MqttProperties *mqtt_properties_new (void);
MQTT_AVAILABLE_IN_ALL
MqttProperties *mqtt_properties_ref (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_unref (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
MqttProperties *mqtt_properties_copy (MqttProperties *self);

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_has (MqttProperties *self, MqttPropertyId id);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_remove (MqttProperties *self, MqttPropertyId id);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_is_empty (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
const char *mqtt_property_id_to_string (MqttPropertyId id);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_set_from_string (MqttProperties *self, MqttPropertyId id,
                                          const char *value, GError **error);

/* Integers: the getters return whether the property is there. */
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_payload_format_indicator (MqttProperties *self, guint8 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_payload_format_indicator (MqttProperties *self, guint8 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_message_expiry_interval (MqttProperties *self, guint32 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_message_expiry_interval (MqttProperties *self, guint32 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_session_expiry_interval (MqttProperties *self, guint32 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_session_expiry_interval (MqttProperties *self, guint32 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_server_keep_alive (MqttProperties *self, guint16 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_server_keep_alive (MqttProperties *self, guint16 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_request_problem_information (MqttProperties *self, guint8 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_request_problem_information (MqttProperties *self, guint8 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_will_delay_interval (MqttProperties *self, guint32 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_will_delay_interval (MqttProperties *self, guint32 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_request_response_information (MqttProperties *self,
                                                           guint8 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_request_response_information (MqttProperties *self, guint8 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_receive_maximum (MqttProperties *self, guint16 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_receive_maximum (MqttProperties *self, guint16 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_topic_alias_maximum (MqttProperties *self, guint16 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_topic_alias_maximum (MqttProperties *self, guint16 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_topic_alias (MqttProperties *self, guint16 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_topic_alias (MqttProperties *self, guint16 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_maximum_qos (MqttProperties *self, guint8 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_maximum_qos (MqttProperties *self, guint8 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_retain_available (MqttProperties *self, guint8 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_retain_available (MqttProperties *self, guint8 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_maximum_packet_size (MqttProperties *self, guint32 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_maximum_packet_size (MqttProperties *self, guint32 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_wildcard_subscription_available (MqttProperties *self,
                                                              guint8 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_wildcard_subscription_available (MqttProperties *self, guint8 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_subscription_identifier_available (MqttProperties *self,
                                                                guint8 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_subscription_identifier_available (MqttProperties *self,
                                                            guint8 value);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_shared_subscription_available (MqttProperties *self,
                                                            guint8 *value);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_shared_subscription_available (MqttProperties *self, guint8 value);

/* Strings: NULL when absent; setting NULL removes. */
MQTT_AVAILABLE_IN_ALL
const char *mqtt_properties_get_content_type (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_content_type (MqttProperties *self, const char *value);
MQTT_AVAILABLE_IN_ALL
const char *mqtt_properties_get_response_topic (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_response_topic (MqttProperties *self, const char *value);
MQTT_AVAILABLE_IN_ALL
const char *mqtt_properties_get_assigned_client_identifier (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_assigned_client_identifier (MqttProperties *self, const char *value);
MQTT_AVAILABLE_IN_ALL
const char *mqtt_properties_get_authentication_method (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_authentication_method (MqttProperties *self, const char *value);
MQTT_AVAILABLE_IN_ALL
const char *mqtt_properties_get_response_information (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_response_information (MqttProperties *self, const char *value);
MQTT_AVAILABLE_IN_ALL
const char *mqtt_properties_get_server_reference (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_server_reference (MqttProperties *self, const char *value);
MQTT_AVAILABLE_IN_ALL
const char *mqtt_properties_get_reason_string (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_reason_string (MqttProperties *self, const char *value);

/* Binary data: NULL when absent; setting NULL removes. */
MQTT_AVAILABLE_IN_ALL
GBytes *mqtt_properties_get_correlation_data (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_correlation_data (MqttProperties *self, GBytes *value);
MQTT_AVAILABLE_IN_ALL
GBytes *mqtt_properties_get_authentication_data (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_set_authentication_data (MqttProperties *self, GBytes *value);

/* Repeated ones */
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_add_subscription_identifier (MqttProperties *self, guint32 value);
MQTT_AVAILABLE_IN_ALL
guint32 *mqtt_properties_get_subscription_identifiers (MqttProperties *self,
                                                       gsize *n_identifiers);
MQTT_AVAILABLE_IN_ALL
void mqtt_properties_add_user_property (MqttProperties *self, const char *name,
                                        const char *value);
MQTT_AVAILABLE_IN_ALL
guint mqtt_properties_get_n_user_properties (MqttProperties *self);
MQTT_AVAILABLE_IN_ALL
gboolean mqtt_properties_get_user_property (MqttProperties *self, guint index,
                                            const char **name, const char **value);
MQTT_AVAILABLE_IN_ALL
const char *mqtt_properties_lookup_user_property (MqttProperties *self, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MqttProperties, mqtt_properties_unref)

G_END_DECLS
