/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#if !defined(__MQTT_GLIB_INSIDE__) && !defined(MQTT_GLIB_COMPILATION)
#error "Only <mqtt-glib/mqtt-glib.h> can be included directly."
#endif

#include <glib.h>
#include "mqtt-version.h"

G_BEGIN_DECLS

/**
 * MQTT_TOPIC_MAX_LENGTH:
 *
 * The longest topic name or filter MQTT can carry, in bytes of UTF-8.
 */
#define MQTT_TOPIC_MAX_LENGTH 65535

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_topic_validate_name (const char *topic, GError **error);

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_topic_validate_filter (const char *filter, GError **error);

MQTT_AVAILABLE_IN_ALL
gboolean mqtt_topic_matches_sub (const char *sub, const char *topic);

G_END_DECLS
