/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The property block of MQTT 5 packets on the wire: its size, its bytes,
 * and its decoding with the specification's rules on which packet may
 * carry which property, how often, and with which values. The packet
 * codec calls these; they call nothing of it. Private.
 */

#pragma once

#include <glib.h>

#include "mqtt-properties.h"

G_BEGIN_DECLS

/* Where a property block stands: a packet type (MqttPacketType, 1 to 15),
 * or the will properties of a CONNECT. */
#define MQTT_PROPERTIES_WILL 16

/* Checks that @props (NULL: none) may be sent in @context, each property
 * allowed there, not repeated unless it may be, and with a valid value
 * (a Receive Maximum of 0, say, is not). @from_server: a PUBLISH from the
 * broker may carry several Subscription Identifiers. The error is
 * MQTT_ERROR_INVAL and names the property. */
gboolean mqtt_properties_check (MqttProperties *props, guint context, gboolean from_server,
                                GError **error);

/* Bytes of the encoded block, its length prefix included (1 for none), or
 * 0 when it cannot be encoded (a string over 65,535 bytes, a block over
 * 268,435,455), with the error MQTT_ERROR_PAYLOAD_SIZE. */
gsize mqtt_properties_encoded_size (MqttProperties *props, GError **error);

/* Writes the block (length prefix, then the properties in their order) at
 * @p, which has room for mqtt_properties_encoded_size(); returns the end. */
guint8 *mqtt_properties_write (MqttProperties *props, guint8 *p);

/* Decodes the block at [*p, end): its length prefix, then its properties,
 * checked as mqtt_properties_check() checks them. Advances *p past it.
 * Errors are in the MQTT_PACKET_ERROR domain: LENGTH or UTF8 for a
 * malformed block (reason code 0x81), PROPERTY for a property that breaks
 * the rules (0x82). *props is NULL for an empty block. */
gboolean mqtt_properties_read (const guint8 **p, const guint8 *end, guint context,
                               gboolean from_server, MqttProperties **props, GError **error);

G_END_DECLS
