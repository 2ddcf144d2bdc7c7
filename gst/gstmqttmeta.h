/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * GstMqttMessageMeta for applications and bindings: the custom meta that
 * mqttsrc puts on each buffer (the message's topic, QoS, retain flag and
 * MQTT 5 properties) and whose topic mqttsink's topic-template reads. A
 * small introspected library (GstMqtt-1.0), because a custom meta's
 * structure cannot be changed through gst-python 1.22 itself (it hands out
 * copies of structures).
 */

#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GST_MQTT_MESSAGE_META_NAME:
 *
 * The name of the custom meta (gst_buffer_get_custom_meta()).
 */
#define GST_MQTT_MESSAGE_META_NAME "GstMqttMessageMeta"

const GstMetaInfo *gst_mqtt_message_meta_get_info (void);

const GstStructure *gst_mqtt_buffer_get_message (GstBuffer *buffer);
const char *gst_mqtt_buffer_get_message_topic (GstBuffer *buffer);
void gst_mqtt_buffer_set_message_field (GstBuffer *buffer, const char *field,
                                        const GValue *value);
void gst_mqtt_buffer_set_message_topic (GstBuffer *buffer, const char *topic);

G_END_DECLS
