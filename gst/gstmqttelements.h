/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#pragma once

#include <gst/gst.h>

#include "gstmqttmeta.h"
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

/* The custom meta each mqttsrc buffer carries is gstmqttmeta.h's: a
 * structure with "topic" (string), "qos" (int) and "retain" (boolean), and
 * at MQTT 5 when the message has them "content-type" and "response-topic"
 * (strings), "correlation-data" (GBytes) and "user-properties" (a list of
 * <name, value> arrays, in order). */

/* The control channel between an mqttsrc and the mqttsink of a stream:
 * a receiver publishes requests on the control topic of the stream's
 * topic, PREFIX/TOPIC (the `control-prefix` property of both elements,
 * "gst-control" by default; empty: no control channel), a tree of its own
 * so that subscribers to the streams' topics never see them. A request is
 * a serialized GstStructure; the one there is, a key-unit request, is the
 * structure of GStreamer's upstream GstForceKeyUnit event. */
#define GST_MQTT_DEFAULT_CONTROL_PREFIX "gst-control"

/* PREFIX/TOPIC, or NULL when @prefix is empty or NULL. */
char *gst_mqtt_control_topic (const char *prefix, const char *topic);
/* The payload of a key-unit request. */
GBytes *gst_mqtt_key_unit_request_new (void);
/* Whether @payload is a key-unit request (all-headers in *@all_headers). */
gboolean gst_mqtt_parse_key_unit_request (GBytes *payload, gboolean *all_headers);
/* Installs the `control-prefix` property as @prop_id of @klass. */
void gst_mqtt_install_control_prefix (GObjectClass *klass, guint prop_id);

/* The `net-clock` property of both elements, ADDRESS:PORT (an IPv6
 * address in brackets): a GstNetTimeProvider serving @clock there
 * (mqttsink), or a GstNetClientClock named @name that follows it, waited
 * for until synchronised, up to GST_MQTT_NET_CLOCK_SYNC_TIMEOUT (mqttsrc).
 * NULL with GST_RESOURCE_ERROR_SETTINGS for a value that is not
 * ADDRESS:PORT, GST_RESOURCE_ERROR_OPEN_READ_WRITE otherwise. */
#define GST_MQTT_NET_CLOCK_SYNC_TIMEOUT (5 * GST_SECOND)
GstObject *gst_mqtt_serve_net_clock (GstClock *clock, const char *net_clock, GError **error);
GstClock *gst_mqtt_follow_net_clock (const char *name, const char *net_clock, GError **error);

void gst_mqtt_element_init (GstPlugin *plugin);
/* A GstStructureForeachFunc: sets the property @field of the element
 * @user_data to @value (a URI's parameter, checked already). */
gboolean gst_mqtt_element_set_parameter (GQuark field, const GValue *value, gpointer user_data);

GST_ELEMENT_REGISTER_DECLARE (mqttsrc);
GST_ELEMENT_REGISTER_DECLARE (mqttsink);

G_END_DECLS
