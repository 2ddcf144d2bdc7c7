/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#include "gst-config.h"

#include "gstmqttelements.h"

GST_DEBUG_CATEGORY (gst_mqtt_debug);

GType
gst_mqtt_framing_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_MQTT_FRAMING_RAW, "The payload alone, for any MQTT client", "raw" },
    { GST_MQTT_FRAMING_GST, "A header with caps, timestamps and flags, for GStreamer peers",
      "gst" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstMqttFraming", values));
  return type;
}

void
gst_mqtt_element_init (GstPlugin *plugin)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      static const char *tags[] = { NULL };

      GST_DEBUG_CATEGORY_INIT (gst_mqtt_debug, "mqtt", 0, "MQTT elements");
      gst_type_mark_as_plugin_api (GST_TYPE_MQTT_FRAMING, 0);
      gst_meta_register_custom (GST_MQTT_MESSAGE_META, tags, NULL, NULL, NULL);
      g_once_init_leave (&done, 1);
    }
}

gboolean
gst_mqtt_element_set_parameter (GQuark field, const GValue *value, gpointer user_data)
{
  g_object_set_property (G_OBJECT (user_data), g_quark_to_string (field), value);
  return TRUE;
}
