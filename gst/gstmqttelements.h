/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#include <gst/gst.h>

#include "gstmqttobject.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (gst_mqtt_debug);

/**
 * GstMqttFraming:
 * @GST_MQTT_FRAMING_RAW: the payload is the buffer's bytes, nothing else:
 *   any MQTT client can read or write it
 * @GST_MQTT_FRAMING_GST: a header carries caps, timestamps and flags (see
 *   gstmqttframing.h), so that two pipelines join through a broker
 */
typedef enum {
  GST_MQTT_FRAMING_RAW,
  GST_MQTT_FRAMING_GST,
} GstMqttFraming;

#define GST_TYPE_MQTT_FRAMING (gst_mqtt_framing_get_type ())
GType gst_mqtt_framing_get_type (void);

/* The name of the custom meta each mqttsrc buffer carries: a structure
 * with "topic" (string), "qos" (int) and "retain" (boolean), and at MQTT 5
 * when the message has them "content-type" and "response-topic" (strings),
 * "correlation-data" (GBytes) and "user-properties" (a list of
 * <name, value> arrays, in order). */
#define GST_MQTT_MESSAGE_META "GstMqttMessageMeta"

void gst_mqtt_element_init (GstPlugin *plugin);
/* A GstStructureForeachFunc: sets the property @field of the element
 * @user_data to @value (a URI's parameter, checked already). */
gboolean gst_mqtt_element_set_parameter (GQuark field, const GValue *value, gpointer user_data);

GST_ELEMENT_REGISTER_DECLARE (mqttsrc);
GST_ELEMENT_REGISTER_DECLARE (mqttsink);

G_END_DECLS
