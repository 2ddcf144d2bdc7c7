/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * The terms of one connection at protocol level 5 (internal): what the
 * client said in CONNECT and the broker in CONNACK about the connection's
 * limits (Receive Maximum, Maximum Packet Size, Maximum QoS, which features
 * the broker supports) and the topic alias tables both ways. The session
 * engine holds one, reset for each connection; it is not used below level
 * 5 and it decides nothing about when packets are sent.
 */

#pragma once

#include <glib.h>

#include "mqtt-error.h"
#include "mqtt-packet-private.h"

G_BEGIN_DECLS

typedef struct {
  /* The broker's (the specification's defaults until CONNACK). */
  guint16 server_receive_max;
  guint8 server_max_qos;
  gboolean server_retain;
  gboolean server_wildcard;
  gboolean server_sub_ids;
  gboolean server_shared;
  guint32 server_max_packet;  /* 0: no limit */
  /* What this client said in CONNECT. */
  guint16 in_receive_max;
  guint16 in_alias_max;
  gboolean session_expires;   /* a Session Expiry Interval of 0: the session ends with us */
  /* Topic aliases: the broker's (alias - 1 -> topic), and ours (alias - 1
   * -> topic, and topic -> alias for the automatic ones), up to the
   * broker's Topic Alias Maximum and the application's own limit. */
  char **in_aliases;
  char **out_aliases;
  guint16 out_alias_max;
  guint16 out_alias_limit;
  guint16 out_alias_next;
  GHashTable *out_alias_of;
} MqttTerms;

void mqtt_terms_init (MqttTerms *terms);
void mqtt_terms_clear (MqttTerms *terms);
void mqtt_terms_reset (MqttTerms *terms, guint16 out_alias_limit);
void mqtt_terms_take_connect (MqttTerms *terms, MqttProperties *props);
void mqtt_terms_take_connack (MqttTerms *terms, MqttProperties *props);

MqttError mqtt_terms_publish_refusal (const MqttTerms *terms, guint8 qos, gboolean retain,
                                      gsize remaining, const char **why);
const char *mqtt_terms_subscribe_refusal (const MqttTerms *terms,
                                          const MqttTopicRequest *request,
                                          MqttProperties *props);
MqttProperties *mqtt_terms_publish_properties (MqttTerms *terms, MqttProperties *props,
                                               const char *topic, gint64 age,
                                               gboolean *topic_known);
guint8 mqtt_terms_resolve_alias (MqttTerms *terms, MqttPacket *packet, char **why);

gboolean mqtt_terms_connack_refused (const MqttPacket *packet, GError **error);

G_END_DECLS
