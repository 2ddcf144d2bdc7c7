/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The outgoing byte queue of a connection. Packets are encoded into a few
 * large arrays so that a flush is one vectored write; payloads of
 * MQTT_OUTBUF_ZEROCOPY_MIN bytes or more are not copied but referenced.
 * Marks tie a position in the stream to a QoS 0 message id, so that the
 * caller learns when each QoS 0 message has left the client. No I/O.
 */

#pragma once

#include <gio/gio.h>

#include "mqtt-packet-private.h"

G_BEGIN_DECLS

#define MQTT_OUTBUF_ZEROCOPY_MIN 1024

typedef struct _MqttOutbuf MqttOutbuf;

MqttOutbuf *mqtt_outbuf_new (void);
void mqtt_outbuf_free (MqttOutbuf *outbuf);

/* The array to encode small packets into; call mqtt_outbuf_commit() after. */
GByteArray *mqtt_outbuf_tail (MqttOutbuf *outbuf);
void mqtt_outbuf_commit (MqttOutbuf *outbuf);
/* Appends @bytes, referenced when large, copied otherwise. */
void mqtt_outbuf_append_bytes (MqttOutbuf *outbuf, GBytes *bytes);

/* Marks the current end of the stream with @mid. */
void mqtt_outbuf_mark (MqttOutbuf *outbuf, guint mid);
/* Pops the oldest mark whose bytes have all been consumed. */
gboolean mqtt_outbuf_pop_mark (MqttOutbuf *outbuf, guint *mid);
/* Pops the oldest mark, written or not (to report what a lost connection dropped). */
gboolean mqtt_outbuf_pop_any_mark (MqttOutbuf *outbuf, guint *mid);

gsize mqtt_outbuf_get_length (MqttOutbuf *outbuf);
/* Fills up to @max vectors with the pending bytes, oldest first. */
guint mqtt_outbuf_get_vectors (MqttOutbuf *outbuf, GOutputVector *vectors, guint max);
void mqtt_outbuf_consume (MqttOutbuf *outbuf, gsize n_bytes);
/* Drops the pending bytes (the connection is gone). Pop the marks first:
 * those still pending after the written ones name what was never sent. */
void mqtt_outbuf_clear (MqttOutbuf *outbuf);

G_END_DECLS
