/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The records the session engine keeps in a MqttStore (internal). Keys are
 * a kind in the upper 32 bits and a message id (or, for an incoming QoS 2
 * message, its packet identifier) in the lower; values start with the kind
 * again. A message is put when it is published (with its packet
 * identifier if it was sent at once); a packet identifier taken later, the
 * PUBREL stage and the incoming QoS 2 state are small records of their
 * own, so that the payload is written once.
 */

#pragma once

#include <glib.h>

#include "mqtt-packet-private.h"
#include "mqtt-store.h"

G_BEGIN_DECLS

typedef enum {
  MQTT_STORED_MESSAGE = 1,    /* an outgoing QoS 1/2 message; id: its mid */
  MQTT_STORED_PACKET_ID = 2,  /* number: the packet id it was sent with; id: its mid */
  MQTT_STORED_RELEASED = 3,   /* PUBREC came, PUBREL goes; number: packet id; id: its mid */
  MQTT_STORED_INCOMING = 4,   /* PUBREC sent, PUBREL awaited; id: packet id; number: digest */
} MqttStoredKind;

typedef struct {
  MqttStoredKind kind;
  guint32 id;
  guint32 number;
  /* MESSAGE only */
  guint16 packet_id;          /* 0: never sent */
  gint64 queued_at;           /* wall-clock time, in µs */
  MqttPacket publish;         /* topic, payload, QoS, retain, properties */
} MqttStoredRecord;

guint64 mqtt_store_key (MqttStoredKind kind, guint32 id);
GBytes *mqtt_store_encode_message (guint16 packet_id, gint64 queued_at, const char *topic,
                                   GBytes *const *parts, guint n_parts, guint8 qos,
                                   gboolean retain, MqttProperties *props);
GBytes *mqtt_store_encode_number (MqttStoredKind kind, guint32 value);
gboolean mqtt_store_decode (guint64 key, GBytes *value, MqttStoredRecord *record,
                            GError **error);
void mqtt_stored_record_clear (MqttStoredRecord *record);

G_END_DECLS
