/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * MqttProperties (see mqtt-properties.h) and its wire form
 * (mqtt-properties-private.h). One table says, for each property, its
 * name, its type and the packets that may carry it; the accessors, the
 * checks and the codec all read it. A property that MQTT adds is a row.
 */

#include "config.h"

#include <string.h>

#include "mqtt-error.h"
#include "mqtt-properties-private.h"
#include "mqtt-wire-private.h"

/**
 * SECTION:mqtt-properties
 * @title: MqttProperties
 * @short_description: The properties of an MQTT 5 packet
 *
 * MQTT 5 packets carry properties: a message's expiry, content type,
 * response topic and correlation data, a connection's session expiry and
 * limits, a reason string, user properties. #MqttProperties holds them
 * with a typed getter and setter for each (Paho Python 2's `Properties`
 * attributes, libmosquitto's `mosquitto_property`), user properties as an
 * ordered list of name/value pairs, which may repeat.
 *
 * Integer getters return whether the property is present, strings and
 * binary data are %NULL when absent; setting a string or binary property
 * to %NULL removes it. Values are checked when the properties are sent: a
 * Receive Maximum of 0, or a property the packet may not carry, is an
 * error of the call that sends them.
 */

typedef enum {
  TYPE_BYTE,
  TYPE_U16,
  TYPE_U32,
  TYPE_VARINT,
  TYPE_STRING,
  TYPE_BINARY,
  TYPE_PAIR,
} PropertyType;

/* The contexts of the table, as bits: packet types and the will. */
#define IN(type) (1u << (type))
#define CONNECT IN (1)
#define CONNACK IN (2)
#define PUBLISH IN (3)
#define PUBACK IN (4)
#define PUBREC IN (5)
#define PUBREL IN (6)
#define PUBCOMP IN (7)
#define SUBSCRIBE IN (8)
#define SUBACK IN (9)
#define UNSUBSCRIBE IN (10)
#define UNSUBACK IN (11)
#define DISCONNECT IN (14)
#define AUTH IN (15)
#define WILL IN (MQTT_PROPERTIES_WILL)

/* Value rules beyond the type. */
typedef enum {
  ANY,
  BOOLEAN,   /* 0 or 1 */
  NONZERO,
} Rule;

typedef struct {
  guint8 id;
  const char *name;
  PropertyType type;
  Rule rule;
  guint32 contexts;
} PropertyInfo;

/* Section 2.2.2.2 of MQTT 5, table 2-4. */
static const PropertyInfo infos[] = {
  { 0x01, "Payload Format Indicator", TYPE_BYTE, BOOLEAN, PUBLISH | WILL },
  { 0x02, "Message Expiry Interval", TYPE_U32, ANY, PUBLISH | WILL },
  { 0x03, "Content Type", TYPE_STRING, ANY, PUBLISH | WILL },
  { 0x08, "Response Topic", TYPE_STRING, ANY, PUBLISH | WILL },
  { 0x09, "Correlation Data", TYPE_BINARY, ANY, PUBLISH | WILL },
  { 0x0B, "Subscription Identifier", TYPE_VARINT, NONZERO, PUBLISH | SUBSCRIBE },
  { 0x11, "Session Expiry Interval", TYPE_U32, ANY, CONNECT | CONNACK | DISCONNECT },
  { 0x12, "Assigned Client Identifier", TYPE_STRING, ANY, CONNACK },
  { 0x13, "Server Keep Alive", TYPE_U16, ANY, CONNACK },
  { 0x15, "Authentication Method", TYPE_STRING, ANY, CONNECT | CONNACK | AUTH },
  { 0x16, "Authentication Data", TYPE_BINARY, ANY, CONNECT | CONNACK | AUTH },
  { 0x17, "Request Problem Information", TYPE_BYTE, BOOLEAN, CONNECT },
  { 0x18, "Will Delay Interval", TYPE_U32, ANY, WILL },
  { 0x19, "Request Response Information", TYPE_BYTE, BOOLEAN, CONNECT },
  { 0x1A, "Response Information", TYPE_STRING, ANY, CONNACK },
  { 0x1C, "Server Reference", TYPE_STRING, ANY, CONNACK | DISCONNECT },
  { 0x1F, "Reason String", TYPE_STRING, ANY,
    CONNACK | PUBACK | PUBREC | PUBREL | PUBCOMP | SUBACK | UNSUBACK | DISCONNECT | AUTH },
  { 0x21, "Receive Maximum", TYPE_U16, NONZERO, CONNECT | CONNACK },
  { 0x22, "Topic Alias Maximum", TYPE_U16, ANY, CONNECT | CONNACK },
  { 0x23, "Topic Alias", TYPE_U16, NONZERO, PUBLISH },
  { 0x24, "Maximum QoS", TYPE_BYTE, BOOLEAN, CONNACK },
  { 0x25, "Retain Available", TYPE_BYTE, BOOLEAN, CONNACK },
  { 0x26, "User Property", TYPE_PAIR, ANY,
    CONNECT | CONNACK | PUBLISH | WILL | PUBACK | PUBREC | PUBREL | PUBCOMP | SUBSCRIBE |
      SUBACK | UNSUBSCRIBE | UNSUBACK | DISCONNECT | AUTH },
  { 0x27, "Maximum Packet Size", TYPE_U32, NONZERO, CONNECT | CONNACK },
  { 0x28, "Wildcard Subscription Available", TYPE_BYTE, BOOLEAN, CONNACK },
  { 0x29, "Subscription Identifier Available", TYPE_BYTE, BOOLEAN, CONNACK },
  { 0x2A, "Shared Subscription Available", TYPE_BYTE, BOOLEAN, CONNACK },
};

static const PropertyInfo *
info_of (guint id)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (infos); i++)
    if (infos[i].id == id)
      return &infos[i];
  return NULL;
}

/* One property: an integer, a string, binary data, or a pair (string and
 * value). */
typedef struct {
  guint8 id;
  guint32 integer;
  char *string;
  char *value;
  GBytes *binary;
} Property;

struct _MqttProperties {
  gatomicrefcount ref_count;
  GArray *items;   /* Property, in their order on the wire */
};

G_DEFINE_BOXED_TYPE (MqttProperties, mqtt_properties, mqtt_properties_ref, mqtt_properties_unref)

static void
property_clear (Property *property)
{
  g_free (property->string);
  g_free (property->value);
  g_clear_pointer (&property->binary, g_bytes_unref);
}

/**
 * mqtt_properties_new:
 *
 * Creates an empty set of properties.
 *
 * Returns: (transfer full): new properties
 */
MqttProperties *
mqtt_properties_new (void)
{
  MqttProperties *self = g_new0 (MqttProperties, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->items = g_array_new (FALSE, TRUE, sizeof (Property));
  g_array_set_clear_func (self->items, (GDestroyNotify) property_clear);
  return self;
}

/**
 * mqtt_properties_ref: (skip)
 * @self: a #MqttProperties
 *
 * Takes a reference. Bindings count references themselves: the method is
 * hidden from them, where a `ref` would stand beside GObject's.
 *
 * Returns: (transfer full): @self
 */
MqttProperties *
mqtt_properties_ref (MqttProperties *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * mqtt_properties_unref: (skip)
 * @self: (transfer full): a #MqttProperties
 *
 * Drops a reference; the last one frees the properties. Hidden from
 * bindings, as mqtt_properties_ref().
 */
void
mqtt_properties_unref (MqttProperties *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_array_unref (self->items);
  g_free (self);
}

/**
 * mqtt_properties_copy:
 * @self: a #MqttProperties
 *
 * Copies the properties, for changing the copy.
 *
 * Returns: (transfer full): a new copy of @self
 */
MqttProperties *
mqtt_properties_copy (MqttProperties *self)
{
  MqttProperties *copy;
  guint i;

  g_return_val_if_fail (self != NULL, NULL);
  copy = mqtt_properties_new ();
  for (i = 0; i < self->items->len; i++)
    {
      Property property = g_array_index (self->items, Property, i);

      property.string = g_strdup (property.string);
      property.value = g_strdup (property.value);
      if (property.binary)
        g_bytes_ref (property.binary);
      g_array_append_val (copy->items, property);
    }
  return copy;
}

static Property *
find (MqttProperties *self, guint id)
{
  guint i;

  for (i = 0; i < self->items->len; i++)
    if (g_array_index (self->items, Property, i).id == id)
      return &g_array_index (self->items, Property, i);
  return NULL;
}

/**
 * mqtt_properties_has:
 * @self: a #MqttProperties
 * @id: a property
 *
 * Tells whether a property is present.
 *
 * Returns: whether @self has the property @id (one at least)
 */
gboolean
mqtt_properties_has (MqttProperties *self, MqttPropertyId id)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return find (self, id) != NULL;
}

/**
 * mqtt_properties_remove:
 * @self: a #MqttProperties
 * @id: a property
 *
 * Removes the property @id, every one of them for user properties and
 * subscription identifiers.
 */
void
mqtt_properties_remove (MqttProperties *self, MqttPropertyId id)
{
  guint i;

  g_return_if_fail (self != NULL);
  for (i = self->items->len; i > 0; i--)
    if (g_array_index (self->items, Property, i - 1).id == id)
      g_array_remove_index (self->items, i - 1);
}

/**
 * mqtt_properties_is_empty:
 * @self: a #MqttProperties
 *
 * Tells whether there is no property at all.
 *
 * Returns: whether @self holds no property
 */
gboolean
mqtt_properties_is_empty (MqttProperties *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->items->len == 0;
}

/**
 * mqtt_property_id_to_string:
 * @id: a property
 *
 * The property's name in the specification, as "Receive Maximum".
 *
 * Returns: the name, or "Unknown property"
 */
const char *
mqtt_property_id_to_string (MqttPropertyId id)
{
  const PropertyInfo *info = info_of (id);

  return info ? info->name : "Unknown property";
}

/* Replaces the one property @id, or adds it at the end. */
static Property *
set_one (MqttProperties *self, guint id)
{
  Property *property = find (self, id);
  Property empty = { .id = id };

  if (property)
    {
      property_clear (property);
      *property = empty;
      return property;
    }
  g_array_append_val (self->items, empty);
  return &g_array_index (self->items, Property, self->items->len - 1);
}

static gboolean
get_integer (MqttProperties *self, guint id, guint32 *value)
{
  Property *property;

  g_return_val_if_fail (self != NULL, FALSE);
  property = find (self, id);
  if (property && value)
    *value = property->integer;
  return property != NULL;
}

static void
set_integer (MqttProperties *self, guint id, guint32 value)
{
  g_return_if_fail (self != NULL);
  set_one (self, id)->integer = value;
}

static const char *
get_string (MqttProperties *self, guint id)
{
  Property *property;

  g_return_val_if_fail (self != NULL, NULL);
  property = find (self, id);
  return property ? property->string : NULL;
}

static void
set_string (MqttProperties *self, guint id, const char *value)
{
  g_return_if_fail (self != NULL);
  if (value == NULL)
    mqtt_properties_remove (self, id);
  else
    set_one (self, id)->string = g_strdup (value);
}

static GBytes *
get_binary (MqttProperties *self, guint id)
{
  Property *property;

  g_return_val_if_fail (self != NULL, NULL);
  property = find (self, id);
  return property ? property->binary : NULL;
}

static void
set_binary (MqttProperties *self, guint id, GBytes *value)
{
  g_return_if_fail (self != NULL);
  if (value == NULL)
    mqtt_properties_remove (self, id);
  else
    set_one (self, id)->binary = g_bytes_ref (value);
}

/* The typed accessors: one getter and setter per property, GI-friendly,
 * on the helpers above. */
#define INTEGER_ACCESSORS(name, id, ctype)                                      \
  gboolean mqtt_properties_get_##name (MqttProperties *self, ctype *value)      \
  {                                                                             \
    guint32 v;                                                                  \
    gboolean present = get_integer (self, id, &v);                              \
                                                                                \
    if (present && value)                                                       \
      *value = (ctype) v;                                                       \
    return present;                                                             \
  }                                                                             \
  void mqtt_properties_set_##name (MqttProperties *self, ctype value)           \
  {                                                                             \
    set_integer (self, id, value);                                              \
  }

#define STRING_ACCESSORS(name, id)                                              \
  const char *mqtt_properties_get_##name (MqttProperties *self)                 \
  {                                                                             \
    return get_string (self, id);                                               \
  }                                                                             \
  void mqtt_properties_set_##name (MqttProperties *self, const char *value)     \
  {                                                                             \
    set_string (self, id, value);                                               \
  }

#define BINARY_ACCESSORS(name, id)                                              \
  GBytes *mqtt_properties_get_##name (MqttProperties *self)                     \
  {                                                                             \
    return get_binary (self, id);                                               \
  }                                                                             \
  void mqtt_properties_set_##name (MqttProperties *self, GBytes *value)         \
  {                                                                             \
    set_binary (self, id, value);                                               \
  }

/**
 * mqtt_properties_get_payload_format_indicator:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value
 *
 * Gets the Payload Format Indicator.
 *
 * Returns: whether the Payload Format Indicator is present
 */
/**
 * mqtt_properties_set_payload_format_indicator:
 * @self: a #MqttProperties
 * @value: 1 for UTF-8 text, 0 for unspecified bytes
 *
 * Sets the Payload Format Indicator.
 */
INTEGER_ACCESSORS (payload_format_indicator, MQTT_PROPERTY_PAYLOAD_FORMAT_INDICATOR, guint8)
/**
 * mqtt_properties_get_message_expiry_interval:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value, in seconds
 *
 * Gets the Message Expiry Interval.
 *
 * Returns: whether the Message Expiry Interval is present
 */
/**
 * mqtt_properties_set_message_expiry_interval:
 * @self: a #MqttProperties
 * @value: seconds
 *
 * Sets the Message Expiry Interval.
 */
INTEGER_ACCESSORS (message_expiry_interval, MQTT_PROPERTY_MESSAGE_EXPIRY_INTERVAL, guint32)
/**
 * mqtt_properties_get_session_expiry_interval:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value, in seconds
 *
 * Gets the Session Expiry Interval.
 *
 * Returns: whether the Session Expiry Interval is present
 */
/**
 * mqtt_properties_set_session_expiry_interval:
 * @self: a #MqttProperties
 * @value: seconds; 0xFFFFFFFF for a session that never expires
 *
 * Sets the Session Expiry Interval.
 */
INTEGER_ACCESSORS (session_expiry_interval, MQTT_PROPERTY_SESSION_EXPIRY_INTERVAL, guint32)
/**
 * mqtt_properties_get_server_keep_alive:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value, in seconds
 *
 * Gets the Server Keep Alive.
 *
 * Returns: whether the Server Keep Alive is present
 */
/**
 * mqtt_properties_set_server_keep_alive:
 * @self: a #MqttProperties
 * @value: seconds
 *
 * Sets the Server Keep Alive.
 */
INTEGER_ACCESSORS (server_keep_alive, MQTT_PROPERTY_SERVER_KEEP_ALIVE, guint16)
/**
 * mqtt_properties_get_request_problem_information:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value
 *
 * Gets the Request Problem Information.
 *
 * Returns: whether the Request Problem Information is present
 */
/**
 * mqtt_properties_set_request_problem_information:
 * @self: a #MqttProperties
 * @value: 0 or 1
 *
 * Sets the Request Problem Information.
 */
INTEGER_ACCESSORS (request_problem_information, MQTT_PROPERTY_REQUEST_PROBLEM_INFORMATION,
                   guint8)
/**
 * mqtt_properties_get_will_delay_interval:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value, in seconds
 *
 * Gets the Will Delay Interval.
 *
 * Returns: whether the Will Delay Interval is present
 */
/**
 * mqtt_properties_set_will_delay_interval:
 * @self: a #MqttProperties
 * @value: seconds
 *
 * Sets the Will Delay Interval.
 */
INTEGER_ACCESSORS (will_delay_interval, MQTT_PROPERTY_WILL_DELAY_INTERVAL, guint32)
/**
 * mqtt_properties_get_request_response_information:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value
 *
 * Gets the Request Response Information.
 *
 * Returns: whether the Request Response Information is present
 */
/**
 * mqtt_properties_set_request_response_information:
 * @self: a #MqttProperties
 * @value: 0 or 1
 *
 * Sets the Request Response Information.
 */
INTEGER_ACCESSORS (request_response_information, MQTT_PROPERTY_REQUEST_RESPONSE_INFORMATION,
                   guint8)
/**
 * mqtt_properties_get_receive_maximum:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value
 *
 * Gets the Receive Maximum.
 *
 * Returns: whether the Receive Maximum is present
 */
/**
 * mqtt_properties_set_receive_maximum:
 * @self: a #MqttProperties
 * @value: QoS 1 and 2 messages in flight, 1 to 65,535
 *
 * Sets the Receive Maximum.
 */
INTEGER_ACCESSORS (receive_maximum, MQTT_PROPERTY_RECEIVE_MAXIMUM, guint16)
/**
 * mqtt_properties_get_topic_alias_maximum:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value
 *
 * Gets the Topic Alias Maximum.
 *
 * Returns: whether the Topic Alias Maximum is present
 */
/**
 * mqtt_properties_set_topic_alias_maximum:
 * @self: a #MqttProperties
 * @value: the highest topic alias accepted
 *
 * Sets the Topic Alias Maximum.
 */
INTEGER_ACCESSORS (topic_alias_maximum, MQTT_PROPERTY_TOPIC_ALIAS_MAXIMUM, guint16)
/**
 * mqtt_properties_get_topic_alias:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value
 *
 * Gets the Topic Alias.
 *
 * Returns: whether the Topic Alias is present
 */
/**
 * mqtt_properties_set_topic_alias:
 * @self: a #MqttProperties
 * @value: the alias, from 1
 *
 * Sets the Topic Alias.
 */
INTEGER_ACCESSORS (topic_alias, MQTT_PROPERTY_TOPIC_ALIAS, guint16)
/**
 * mqtt_properties_get_maximum_qos:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value
 *
 * Gets the Maximum QoS.
 *
 * Returns: whether the Maximum QoS is present
 */
/**
 * mqtt_properties_set_maximum_qos:
 * @self: a #MqttProperties
 * @value: 0 or 1
 *
 * Sets the Maximum QoS.
 */
INTEGER_ACCESSORS (maximum_qos, MQTT_PROPERTY_MAXIMUM_QOS, guint8)
/**
 * mqtt_properties_get_retain_available:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value
 *
 * Gets the Retain Available.
 *
 * Returns: whether Retain Available is present
 */
/**
 * mqtt_properties_set_retain_available:
 * @self: a #MqttProperties
 * @value: 0 or 1
 *
 * Sets Retain Available.
 */
INTEGER_ACCESSORS (retain_available, MQTT_PROPERTY_RETAIN_AVAILABLE, guint8)
/**
 * mqtt_properties_get_maximum_packet_size:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value, in bytes
 *
 * Gets the Maximum Packet Size.
 *
 * Returns: whether the Maximum Packet Size is present
 */
/**
 * mqtt_properties_set_maximum_packet_size:
 * @self: a #MqttProperties
 * @value: bytes, not 0
 *
 * Sets the Maximum Packet Size.
 */
INTEGER_ACCESSORS (maximum_packet_size, MQTT_PROPERTY_MAXIMUM_PACKET_SIZE, guint32)
/**
 * mqtt_properties_get_wildcard_subscription_available:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value
 *
 * Gets the Wildcard Subscription Available.
 *
 * Returns: whether Wildcard Subscription Available is present
 */
/**
 * mqtt_properties_set_wildcard_subscription_available:
 * @self: a #MqttProperties
 * @value: 0 or 1
 *
 * Sets Wildcard Subscription Available.
 */
INTEGER_ACCESSORS (wildcard_subscription_available,
                   MQTT_PROPERTY_WILDCARD_SUBSCRIPTION_AVAILABLE, guint8)
/**
 * mqtt_properties_get_subscription_identifier_available:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value
 *
 * Gets the Subscription Identifier Available.
 *
 * Returns: whether Subscription Identifier Available is present
 */
/**
 * mqtt_properties_set_subscription_identifier_available:
 * @self: a #MqttProperties
 * @value: 0 or 1
 *
 * Sets Subscription Identifier Available.
 */
INTEGER_ACCESSORS (subscription_identifier_available,
                   MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER_AVAILABLE, guint8)
/**
 * mqtt_properties_get_shared_subscription_available:
 * @self: a #MqttProperties
 * @value: (out) (optional): the value
 *
 * Gets the Shared Subscription Available.
 *
 * Returns: whether Shared Subscription Available is present
 */
/**
 * mqtt_properties_set_shared_subscription_available:
 * @self: a #MqttProperties
 * @value: 0 or 1
 *
 * Sets Shared Subscription Available.
 */
INTEGER_ACCESSORS (shared_subscription_available, MQTT_PROPERTY_SHARED_SUBSCRIPTION_AVAILABLE,
                   guint8)

/**
 * mqtt_properties_get_content_type:
 * @self: a #MqttProperties
 *
 * Gets the Content Type.
 *
 * Returns: (nullable): the Content Type, or %NULL
 */
/**
 * mqtt_properties_set_content_type:
 * @self: a #MqttProperties
 * @value: (nullable): a content type (a MIME type, say), or %NULL to remove it
 *
 * Sets the Content Type.
 */
STRING_ACCESSORS (content_type, MQTT_PROPERTY_CONTENT_TYPE)
/**
 * mqtt_properties_get_response_topic:
 * @self: a #MqttProperties
 *
 * Gets the Response Topic.
 *
 * Returns: (nullable): the Response Topic, or %NULL
 */
/**
 * mqtt_properties_set_response_topic:
 * @self: a #MqttProperties
 * @value: (nullable): a topic name, or %NULL to remove it
 *
 * Sets the Response Topic.
 */
STRING_ACCESSORS (response_topic, MQTT_PROPERTY_RESPONSE_TOPIC)
/**
 * mqtt_properties_get_assigned_client_identifier:
 * @self: a #MqttProperties
 *
 * Gets the Assigned Client Identifier.
 *
 * Returns: (nullable): the Assigned Client Identifier, or %NULL
 */
/**
 * mqtt_properties_set_assigned_client_identifier:
 * @self: a #MqttProperties
 * @value: (nullable): a client identifier, or %NULL to remove it
 *
 * Sets the Assigned Client Identifier.
 */
STRING_ACCESSORS (assigned_client_identifier, MQTT_PROPERTY_ASSIGNED_CLIENT_IDENTIFIER)
/**
 * mqtt_properties_get_authentication_method:
 * @self: a #MqttProperties
 *
 * Gets the Authentication Method.
 *
 * Returns: (nullable): the Authentication Method, or %NULL
 */
/**
 * mqtt_properties_set_authentication_method:
 * @self: a #MqttProperties
 * @value: (nullable): a method name, or %NULL to remove it
 *
 * Sets the Authentication Method.
 */
STRING_ACCESSORS (authentication_method, MQTT_PROPERTY_AUTHENTICATION_METHOD)
/**
 * mqtt_properties_get_response_information:
 * @self: a #MqttProperties
 *
 * Gets the Response Information.
 *
 * Returns: (nullable): the Response Information, or %NULL
 */
/**
 * mqtt_properties_set_response_information:
 * @self: a #MqttProperties
 * @value: (nullable): the information, or %NULL to remove it
 *
 * Sets the Response Information.
 */
STRING_ACCESSORS (response_information, MQTT_PROPERTY_RESPONSE_INFORMATION)
/**
 * mqtt_properties_get_server_reference:
 * @self: a #MqttProperties
 *
 * Gets the Server Reference.
 *
 * Returns: (nullable): the Server Reference, or %NULL
 */
/**
 * mqtt_properties_set_server_reference:
 * @self: a #MqttProperties
 * @value: (nullable): another server, or %NULL to remove it
 *
 * Sets the Server Reference.
 */
STRING_ACCESSORS (server_reference, MQTT_PROPERTY_SERVER_REFERENCE)
/**
 * mqtt_properties_get_reason_string:
 * @self: a #MqttProperties
 *
 * Gets the Reason String.
 *
 * Returns: (nullable): the Reason String, or %NULL
 */
/**
 * mqtt_properties_set_reason_string:
 * @self: a #MqttProperties
 * @value: (nullable): a reason, for people, or %NULL to remove it
 *
 * Sets the Reason String.
 */
STRING_ACCESSORS (reason_string, MQTT_PROPERTY_REASON_STRING)

/**
 * mqtt_properties_get_correlation_data:
 * @self: a #MqttProperties
 *
 * Gets the Correlation Data.
 *
 * Returns: (nullable) (transfer none): the Correlation Data, or %NULL
 */
/**
 * mqtt_properties_set_correlation_data:
 * @self: a #MqttProperties
 * @value: (nullable): the data, or %NULL to remove it
 *
 * Sets the Correlation Data.
 */
BINARY_ACCESSORS (correlation_data, MQTT_PROPERTY_CORRELATION_DATA)
/**
 * mqtt_properties_get_authentication_data:
 * @self: a #MqttProperties
 *
 * Gets the Authentication Data.
 *
 * Returns: (nullable) (transfer none): the Authentication Data, or %NULL
 */
/**
 * mqtt_properties_set_authentication_data:
 * @self: a #MqttProperties
 * @value: (nullable): the data, or %NULL to remove it
 *
 * Sets the Authentication Data.
 */
BINARY_ACCESSORS (authentication_data, MQTT_PROPERTY_AUTHENTICATION_DATA)

/**
 * mqtt_properties_add_subscription_identifier:
 * @self: a #MqttProperties
 * @value: an identifier, 1 to 268,435,455
 *
 * Adds a Subscription Identifier: a SUBSCRIBE carries one, a PUBLISH from
 * the broker one for each subscription the message matched.
 */
void
mqtt_properties_add_subscription_identifier (MqttProperties *self, guint32 value)
{
  Property property = { .id = MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER, .integer = value };

  g_return_if_fail (self != NULL);
  g_array_append_val (self->items, property);
}

/**
 * mqtt_properties_get_subscription_identifiers:
 * @self: a #MqttProperties
 * @n_identifiers: (out): where to store their number
 *
 * Gets the Subscription Identifiers: one in a SUBSCRIBE, one for each
 * matching subscription in a PUBLISH from the broker.
 *
 * Returns: (array length=n_identifiers) (transfer full): the Subscription
 *   Identifiers, in their order
 */
guint32 *
mqtt_properties_get_subscription_identifiers (MqttProperties *self, gsize *n_identifiers)
{
  GArray *ids;
  guint i;

  g_return_val_if_fail (self != NULL && n_identifiers != NULL, NULL);
  ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (i = 0; i < self->items->len; i++)
    {
      Property *property = &g_array_index (self->items, Property, i);

      if (property->id == MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER)
        g_array_append_val (ids, property->integer);
    }
  *n_identifiers = ids->len;
  return (guint32 *) (void *) g_array_free (ids, FALSE);
}

/**
 * mqtt_properties_add_user_property:
 * @self: a #MqttProperties
 * @name: the name
 * @value: the value
 *
 * Adds a User Property at the end: names may repeat, and the order is
 * kept.
 */
void
mqtt_properties_add_user_property (MqttProperties *self, const char *name, const char *value)
{
  Property property = { .id = MQTT_PROPERTY_USER_PROPERTY };

  g_return_if_fail (self != NULL && name != NULL && value != NULL);
  property.string = g_strdup (name);
  property.value = g_strdup (value);
  g_array_append_val (self->items, property);
}

/**
 * mqtt_properties_get_n_user_properties:
 * @self: a #MqttProperties
 *
 * Counts the User Properties.
 *
 * Returns: the number of User Properties
 */
guint
mqtt_properties_get_n_user_properties (MqttProperties *self)
{
  guint i, n = 0;

  g_return_val_if_fail (self != NULL, 0);
  for (i = 0; i < self->items->len; i++)
    if (g_array_index (self->items, Property, i).id == MQTT_PROPERTY_USER_PROPERTY)
      n++;
  return n;
}

/**
 * mqtt_properties_get_user_property:
 * @self: a #MqttProperties
 * @index: which, from 0, in their order
 * @name: (out) (optional) (transfer none): the name
 * @value: (out) (optional) (transfer none): the value
 *
 * Gets a User Property by its position: names may repeat, so this is how
 * to read them all.
 *
 * Returns: whether there is a User Property @index
 */
gboolean
mqtt_properties_get_user_property (MqttProperties *self, guint index, const char **name,
                                   const char **value)
{
  guint i;

  g_return_val_if_fail (self != NULL, FALSE);
  for (i = 0; i < self->items->len; i++)
    {
      Property *property = &g_array_index (self->items, Property, i);

      if (property->id != MQTT_PROPERTY_USER_PROPERTY || index-- > 0)
        continue;
      if (name)
        *name = property->string;
      if (value)
        *value = property->value;
      return TRUE;
    }
  return FALSE;
}

/**
 * mqtt_properties_lookup_user_property:
 * @self: a #MqttProperties
 * @name: a name
 *
 * Finds a User Property by its name.
 *
 * Returns: (nullable): the value of the first User Property named @name,
 *   or %NULL
 */
const char *
mqtt_properties_lookup_user_property (MqttProperties *self, const char *name)
{
  guint i;

  g_return_val_if_fail (self != NULL && name != NULL, NULL);
  for (i = 0; i < self->items->len; i++)
    {
      Property *property = &g_array_index (self->items, Property, i);

      if (property->id == MQTT_PROPERTY_USER_PROPERTY && g_str_equal (property->string, name))
        return property->value;
    }
  return NULL;
}

/**
 * mqtt_properties_set_from_string:
 * @self: a #MqttProperties
 * @id: a property other than %MQTT_PROPERTY_USER_PROPERTY
 * @value: its value as text: a decimal number for the integer properties,
 *   the text itself for strings, its bytes for binary data
 * @error: return location for a #GError, or %NULL
 *
 * Sets a property from text, as a command line or a configuration file
 * gives it (mosquitto_pub's `-D publish content-type text/plain`, with
 * the property's #MqttPropertyId found by its nick). A Subscription
 * Identifier is added; the others replace what was there.
 *
 * Returns: %TRUE; %FALSE with %MQTT_ERROR_INVAL for a number out of the
 *   property's range, an unknown property, or a user property (use
 *   mqtt_properties_add_user_property())
 */
gboolean
mqtt_properties_set_from_string (MqttProperties *self, MqttPropertyId id, const char *value,
                                 GError **error)
{
  static const guint64 maxima[] = {
    [TYPE_BYTE] = G_MAXUINT8, [TYPE_U16] = G_MAXUINT16, [TYPE_U32] = G_MAXUINT32,
    [TYPE_VARINT] = MQTT_VARINT_MAX,
  };
  const PropertyInfo *info = info_of (id);
  guint64 number;

  g_return_val_if_fail (self != NULL && value != NULL, FALSE);
  if (info == NULL || info->type == TYPE_PAIR)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "%s cannot be set from one string",
                   info ? info->name : "An unknown property");
      return FALSE;
    }
  switch (info->type)
    {
    case TYPE_BYTE:
    case TYPE_U16:
    case TYPE_U32:
    case TYPE_VARINT:
      if (!g_ascii_string_to_unsigned (value, 10, 0, maxima[info->type], &number, NULL))
        {
          g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL,
                       "%s: \"%s\" is not a number from 0 to %" G_GUINT64_FORMAT, info->name,
                       value, maxima[info->type]);
          return FALSE;
        }
      if (info->type == TYPE_VARINT)
        mqtt_properties_add_subscription_identifier (self, number);
      else
        set_integer (self, id, number);
      return TRUE;
    case TYPE_STRING:
      set_string (self, id, value);
      return TRUE;
    case TYPE_BINARY:
      {
        g_autoptr(GBytes) bytes = g_bytes_new (value, strlen (value));

        set_binary (self, id, bytes);
        return TRUE;
      }
    case TYPE_PAIR:
    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------------ */
/* The wire */

static const char *
context_name (guint context)
{
  static const char *const names[] = {
    "a reserved packet", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
    "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP",
    "DISCONNECT", "AUTH", "a will",
  };

  return context < G_N_ELEMENTS (names) ? names[context] : "a packet";
}

/* Why @property may not be where it is, or NULL. @seen: the ids already met
 * in the block (a bit each). */
static const char *
property_fault (const Property *property, const PropertyInfo *info, guint context,
                gboolean from_server, guint64 *seen)
{
  guint64 bit = G_GUINT64_CONSTANT (1) << info->id;
  gboolean repeatable = info->id == MQTT_PROPERTY_USER_PROPERTY ||
                        (info->id == MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER &&
                         context == 3 && from_server);

  if (!(info->contexts & IN (context)))
    return "may not be";
  if ((*seen & bit) && !repeatable)
    return "is repeated";
  *seen |= bit;
  if (info->rule == BOOLEAN && property->integer > 1)
    return "must be 0 or 1";
  if (info->rule == NONZERO && property->integer == 0)
    return "must not be 0";
  if (info->type == TYPE_VARINT && property->integer > MQTT_VARINT_MAX)
    return "is above 268,435,455";
  return NULL;
}

gboolean
mqtt_properties_check (MqttProperties *props, guint context, gboolean from_server,
                       GError **error)
{
  guint64 seen = 0;
  guint i;

  if (props == NULL)
    return TRUE;
  for (i = 0; i < props->items->len; i++)
    {
      Property *property = &g_array_index (props->items, Property, i);
      const PropertyInfo *info = info_of (property->id);
      const char *fault = property_fault (property, info, context, from_server, &seen);

      if (fault)
        {
          g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "The property %s %s in %s",
                       info->name, fault, context_name (context));
          return FALSE;
        }
    }
  return TRUE;
}

/* Bytes of one property on the wire, its identifier included; 0 when a
 * string or binary field is over 65,535 bytes. */
static gsize
property_size (const Property *property, const PropertyInfo *info)
{
  gsize a, b;

  switch (info->type)
    {
    case TYPE_BYTE:
      return 2;
    case TYPE_U16:
      return 3;
    case TYPE_U32:
      return 5;
    case TYPE_VARINT:
      return 1 + mqtt_wire_varint_size (property->integer);
    case TYPE_STRING:
      a = strlen (property->string);
      return a > G_MAXUINT16 ? 0 : 3 + a;
    case TYPE_BINARY:
      a = g_bytes_get_size (property->binary);
      return a > G_MAXUINT16 ? 0 : 3 + a;
    case TYPE_PAIR:
      a = strlen (property->string);
      b = strlen (property->value);
      return a > G_MAXUINT16 || b > G_MAXUINT16 ? 0 : 5 + a + b;
    default:
      g_assert_not_reached ();
    }
}

gsize
mqtt_properties_encoded_size (MqttProperties *props, GError **error)
{
  gsize total = 0;
  guint i;

  if (props == NULL)
    return 1;
  for (i = 0; i < props->items->len; i++)
    {
      Property *property = &g_array_index (props->items, Property, i);
      const PropertyInfo *info = info_of (property->id);
      gsize size = property_size (property, info);

      if (size == 0)
        {
          g_set_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE,
                       "The property %s is longer than 65,535 bytes", info->name);
          return 0;
        }
      total += size;
    }
  if (total > MQTT_VARINT_MAX)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_PAYLOAD_SIZE,
                   "The properties take %" G_GSIZE_FORMAT " bytes; MQTT allows at most %u",
                   total, MQTT_VARINT_MAX);
      return 0;
    }
  return mqtt_wire_varint_size (total) + total;
}

guint8 *
mqtt_properties_write (MqttProperties *props, guint8 *p)
{
  gsize total = 0;
  guint i;

  if (props == NULL)
    {
      *p++ = 0;
      return p;
    }
  for (i = 0; i < props->items->len; i++)
    {
      Property *property = &g_array_index (props->items, Property, i);

      total += property_size (property, info_of (property->id));
    }
  p = mqtt_wire_put_varint (p, total);
  for (i = 0; i < props->items->len; i++)
    {
      Property *property = &g_array_index (props->items, Property, i);
      gsize size;
      gconstpointer data;

      *p++ = property->id;
      switch (info_of (property->id)->type)
        {
        case TYPE_BYTE:
          *p++ = property->integer;
          break;
        case TYPE_U16:
          p = mqtt_wire_put_u16 (p, property->integer);
          break;
        case TYPE_U32:
          p = mqtt_wire_put_u32 (p, property->integer);
          break;
        case TYPE_VARINT:
          p = mqtt_wire_put_varint (p, property->integer);
          break;
        case TYPE_STRING:
          p = mqtt_wire_put_field (p, property->string, strlen (property->string));
          break;
        case TYPE_BINARY:
          data = g_bytes_get_data (property->binary, &size);
          p = mqtt_wire_put_field (p, data, size);
          break;
        case TYPE_PAIR:
          p = mqtt_wire_put_field (p, property->string, strlen (property->string));
          p = mqtt_wire_put_field (p, property->value, strlen (property->value));
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return p;
}

#define fail(error, code, ...) \
  (g_set_error ((error), MQTT_PACKET_ERROR, (code), __VA_ARGS__), FALSE)

/* One property's value, after its identifier. */
static gboolean
read_value (const guint8 **p, const guint8 *end, const PropertyInfo *info, Property *property,
            GError **error)
{
  static const guint sizes[] = { [TYPE_BYTE] = 1, [TYPE_U16] = 2, [TYPE_U32] = 4 };
  const guint8 *data;
  gsize length;
  guint i;

  switch (info->type)
    {
    case TYPE_BYTE:
    case TYPE_U16:
    case TYPE_U32:
      if ((gsize) (end - *p) < sizes[info->type])
        return fail (error, MQTT_PACKET_ERROR_LENGTH, "The %s runs past the properties",
                     info->name);
      for (i = 0; i < sizes[info->type]; i++)
        property->integer = property->integer << 8 | *(*p)++;
      return TRUE;
    case TYPE_VARINT:
      switch (mqtt_wire_read_varint (p, end, &property->integer))
        {
        case MQTT_WIRE_VARINT_OK:
          return TRUE;
        case MQTT_WIRE_VARINT_SHORT:
          return fail (error, MQTT_PACKET_ERROR_LENGTH, "The %s runs past the properties",
                       info->name);
        case MQTT_WIRE_VARINT_MALFORMED:
        default:
          return fail (error, MQTT_PACKET_ERROR_LENGTH,
                       "The %s is not a well-formed variable byte integer", info->name);
        }
    case TYPE_STRING:
      return mqtt_wire_read_string (p, end, &property->string, info->name, error);
    case TYPE_BINARY:
      if (!mqtt_wire_read_field (p, end, &data, &length, info->name, error))
        return FALSE;
      property->binary = g_bytes_new (data, length);
      return TRUE;
    case TYPE_PAIR:
      return mqtt_wire_read_string (p, end, &property->string, "User Property's name", error) &&
             mqtt_wire_read_string (p, end, &property->value, "User Property's value", error);
    default:
      g_assert_not_reached ();
    }
}

gboolean
mqtt_properties_read (const guint8 **p, const guint8 *end, guint context, gboolean from_server,
                      MqttProperties **props, GError **error)
{
  g_autoptr(MqttProperties) result = NULL;
  const guint8 *q = *p, *block_end;
  guint64 seen = 0;
  guint32 length;

  *props = NULL;
  switch (mqtt_wire_read_varint (&q, end, &length))
    {
    case MQTT_WIRE_VARINT_OK:
      break;
    case MQTT_WIRE_VARINT_SHORT:
      return fail (error, MQTT_PACKET_ERROR_LENGTH, "The packet ends before its properties");
    case MQTT_WIRE_VARINT_MALFORMED:
    default:
      return fail (error, MQTT_PACKET_ERROR_LENGTH,
                   "The length of the properties is not a well-formed variable byte integer");
    }
  if ((gsize) (end - q) < length)
    return fail (error, MQTT_PACKET_ERROR_LENGTH,
                 "The properties (%u bytes) run past the end of the packet", length);
  block_end = q + length;
  if (length > 0)
    result = mqtt_properties_new ();
  while (q < block_end)
    {
      Property property = { 0 };
      const PropertyInfo *info;
      const char *fault;
      guint32 id;

      /* The identifier is a variable byte integer too. */
      if (mqtt_wire_read_varint (&q, block_end, &id) != MQTT_WIRE_VARINT_OK)
        return fail (error, MQTT_PACKET_ERROR_LENGTH,
                     "A property identifier is not a well-formed variable byte integer");
      info = info_of (id);
      if (info == NULL)
        return fail (error, MQTT_PACKET_ERROR_PROPERTY, "Unknown property 0x%02x in %s", id,
                     context_name (context));
      property.id = id;
      if (!read_value (&q, block_end, info, &property, error))
        {
          property_clear (&property);
          return FALSE;
        }
      g_array_append_val (result->items, property);
      fault = property_fault (&property, info, context, from_server, &seen);
      if (fault)
        return fail (error, MQTT_PACKET_ERROR_PROPERTY, "The property %s %s in %s", info->name,
                     fault, context_name (context));
    }
  *p = block_end;
  *props = g_steal_pointer (&result);
  return TRUE;
}
