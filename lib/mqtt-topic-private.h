/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#include "mqtt-topic.h"

G_BEGIN_DECLS

typedef enum {
  MQTT_TOPIC_OK = 0,
  MQTT_TOPIC_EMPTY,
  MQTT_TOPIC_TOO_LONG,
  MQTT_TOPIC_BAD_UTF8,   /* ill-formed UTF-8, or U+0000 */
  MQTT_TOPIC_WILDCARD,   /* a topic name containing '+' or '#' */
  MQTT_TOPIC_BAD_WILDCARD, /* a filter with '+' or '#' not alone in its level, or '#' not last */
} MqttTopicCheck;

MqttTopicCheck mqtt_topic_check (const char *topic, gsize length, gboolean is_filter);
const char *mqtt_topic_check_describe (MqttTopicCheck check);

/* Matching without validation, for filters and topics already checked. */
gboolean mqtt_topic_matches_checked (const char *sub, const char *topic);

G_END_DECLS
