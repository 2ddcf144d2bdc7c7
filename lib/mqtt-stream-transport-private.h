/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * A transport over a GIOStream with pollable streams: a TCP
 * GSocketConnection, or a TLS connection on top of one.
 */

#pragma once

#include "mqtt-transport-private.h"

G_BEGIN_DECLS

#define MQTT_TYPE_STREAM_TRANSPORT (mqtt_stream_transport_get_type ())
G_DECLARE_FINAL_TYPE (MqttStreamTransport, mqtt_stream_transport, MQTT, STREAM_TRANSPORT,
                      MqttTransport)

/* @stream's input and output streams must be pollable; @connection is the
 * socket connection underneath (the same object for plain TCP). */
MqttTransport *mqtt_stream_transport_new (GIOStream *stream, GSocketConnection *connection);

G_END_DECLS
