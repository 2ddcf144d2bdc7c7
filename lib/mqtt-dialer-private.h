/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The dialer (mqtt-dialer.c): opens a transport as MqttTransportOptions
 * say: SRV lookup, proxy, TCP, TLS, WebSocket.
 */

#pragma once

#include "mqtt-transport-private.h"

G_BEGIN_DECLS

void mqtt_dialer_open_async (const MqttTransportOptions *options, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
MqttTransport *mqtt_dialer_open_finish (GAsyncResult *result, GError **error);

G_END_DECLS
