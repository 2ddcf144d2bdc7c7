/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * TLS: client certificates and the broker's certificate (mqtt-tls.c).
 */

#pragma once

#include <gio/gio.h>

#include "mqtt-transport-private.h"

G_BEGIN_DECLS

/* A client certificate from @certfile (PEM with @keyfile or itself, or a
 * PKCS #12 file whose password @interaction gives). */
GTlsCertificate *mqtt_tls_load_certificate (const char *certfile, const char *keyfile,
                                            GTlsInteraction *interaction, GError **error);

/* Whether to accept a server certificate GIO found fault with (@errors),
 * as the options say (Paho's cert_reqs and tls_insecure_set). */
gboolean mqtt_tls_accept (const MqttTransportOptions *options, GTlsCertificateFlags errors);

/* After a TLS handshake, full or resumed, that failed (*@error set) or
 * not: whether the server's certificate (@peer, with the faults GIO found
 * under this connection's own database and identity) passes the options'
 * checks. A refused certificate's error is replaced by one that says why. */
gboolean mqtt_tls_check_handshake (const MqttTransportOptions *options, GTlsCertificate *peer,
                                   GTlsCertificateFlags errors, GError **error);

G_END_DECLS
