/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

/**
 * SECTION:gstmqttmeta
 * @title: GstMqttMessageMeta
 * @short_description: the MQTT message a buffer came from, or goes to
 *
 * mqttsrc puts a custom meta named %GST_MQTT_MESSAGE_META_NAME on each
 * buffer: a structure with "topic" (string), "qos" (int) and "retain"
 * (boolean), and at MQTT 5 "content-type", "response-topic",
 * "correlation-data" and "user-properties" when the message has them.
 * mqttsink's topic-template makes each buffer's topic from its "topic".
 * These functions read and write it from any language:
 *
 * |[<!-- language="Python" -->
 * from gi.repository import Gst, GstMqtt
 * GstMqtt.buffer_set_message_topic(buffer, "cameras/front")
 * topic = GstMqtt.buffer_get_message_topic(buffer)
 * ]|
 */

#include "gst-config.h"

#include "gstmqttmeta.h"

/**
 * gst_mqtt_message_meta_get_info:
 *
 * Registers the meta (once) and gives its info.
 *
 * Returns: (transfer none): the meta's info
 */
const GstMetaInfo *
gst_mqtt_message_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter (&info))
    {
      static const char *tags[] = { NULL };

      g_once_init_leave (&info, gst_meta_register_custom (GST_MQTT_MESSAGE_META_NAME, tags, NULL,
                                                          NULL, NULL));
    }
  return info;
}

/**
 * gst_mqtt_buffer_get_message:
 * @buffer: a #GstBuffer
 *
 * Gets the structure of @buffer's message meta.
 *
 * Returns: (transfer none) (nullable): the structure, or %NULL when @buffer
 *   has no message meta
 */
const GstStructure *
gst_mqtt_buffer_get_message (GstBuffer *buffer)
{
  GstCustomMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  gst_mqtt_message_meta_get_info ();
  meta = gst_buffer_get_custom_meta (buffer, GST_MQTT_MESSAGE_META_NAME);
  return meta ? gst_custom_meta_get_structure (meta) : NULL;
}

/**
 * gst_mqtt_buffer_get_message_topic:
 * @buffer: a #GstBuffer
 *
 * Gets the topic of @buffer's message meta.
 *
 * Returns: (transfer none) (nullable): the topic, or %NULL
 */
const char *
gst_mqtt_buffer_get_message_topic (GstBuffer *buffer)
{
  const GstStructure *s = gst_mqtt_buffer_get_message (buffer);

  return s ? gst_structure_get_string (s, "topic") : NULL;
}

/**
 * gst_mqtt_buffer_set_message_field:
 * @buffer: a writable #GstBuffer
 * @field: a field of the meta's structure ("topic", "qos", ...)
 * @value: its value
 *
 * Sets a field of @buffer's message meta, adding the meta if it has none.
 */
void
gst_mqtt_buffer_set_message_field (GstBuffer *buffer, const char *field, const GValue *value)
{
  GstCustomMeta *meta;

  g_return_if_fail (GST_IS_BUFFER (buffer) && gst_buffer_is_writable (buffer));
  g_return_if_fail (field != NULL && G_IS_VALUE (value));

  gst_mqtt_message_meta_get_info ();
  meta = gst_buffer_get_custom_meta (buffer, GST_MQTT_MESSAGE_META_NAME);
  if (meta == NULL)
    meta = gst_buffer_add_custom_meta (buffer, GST_MQTT_MESSAGE_META_NAME);
  gst_structure_set_value (gst_custom_meta_get_structure (meta), field, value);
}

/**
 * gst_mqtt_buffer_set_message_topic:
 * @buffer: a writable #GstBuffer
 * @topic: the topic
 *
 * Sets the topic of @buffer's message meta, adding the meta if it has none
 * (for mqttsink's topic-template).
 */
void
gst_mqtt_buffer_set_message_topic (GstBuffer *buffer, const char *topic)
{
  GValue value = G_VALUE_INIT;

  g_return_if_fail (topic != NULL);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, topic);
  gst_mqtt_buffer_set_message_field (buffer, "topic", &value);
  g_value_unset (&value);
}
