/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * MQTT over WebSocket (ws:// and wss://) with libsoup 3: binary frames, the
 * "mqtt" subprotocol ("mqttv3.1" for MQTT 3.1). Incoming frames are queued
 * as a byte stream, so packets may span frames and frames may hold several
 * packets; each writev() becomes one frame.
 */

#pragma once

#include "mqtt-transport-private.h"

G_BEGIN_DECLS

#define MQTT_TYPE_WEBSOCKET_TRANSPORT (mqtt_websocket_transport_get_type ())
G_DECLARE_FINAL_TYPE (MqttWebsocketTransport, mqtt_websocket_transport, MQTT,
                      WEBSOCKET_TRANSPORT, MqttTransport)

void mqtt_websocket_transport_open_async (const MqttTransportOptions *options,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer user_data);

G_END_DECLS
