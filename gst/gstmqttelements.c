/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#include "gst-config.h"

#include <string.h>

#include <gst/net/net.h>
#include <gst/video/video.h>

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
      GST_DEBUG_CATEGORY_INIT (gst_mqtt_debug, "mqtt", 0, "MQTT elements");
      gst_type_mark_as_plugin_api (GST_TYPE_MQTT_FRAMING, 0);
      gst_mqtt_message_meta_get_info ();
      g_once_init_leave (&done, 1);
    }
}

char *
gst_mqtt_control_topic (const char *prefix, const char *topic)
{
  if (prefix == NULL || *prefix == '\0' || topic == NULL)
    return NULL;
  return g_strconcat (prefix, "/", topic, NULL);
}

GBytes *
gst_mqtt_key_unit_request_new (void)
{
  GstEvent *event = gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0);
  char *text = gst_structure_to_string (gst_event_get_structure (event));

  gst_event_unref (event);
  return g_bytes_new_take (text, strlen (text));
}

gboolean
gst_mqtt_parse_key_unit_request (GBytes *payload, gboolean *all_headers)
{
  gsize size;
  const char *data = g_bytes_get_data (payload, &size);
  g_autofree char *text = NULL;
  g_autoptr(GstEvent) event = NULL;
  GstStructure *s;

  /* Small and text, or not a request (checked before GStreamer's parser). */
  if (size == 0 || size > 1024 || memchr (data, '\0', size))
    return FALSE;
  text = g_strndup (data, size);
  if (!g_utf8_validate (text, -1, NULL) || !g_str_has_prefix (text, "GstForceKeyUnit") ||
      !(s = gst_structure_from_string (text, NULL)))
    return FALSE;
  event = gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM, s);
  if (!gst_video_event_is_force_key_unit (event))
    return FALSE;
  return gst_video_event_parse_upstream_force_key_unit (event, NULL, all_headers, NULL);
}

static gboolean
parse_net_clock (const char *text, char **address, int *port, GError **error)
{
  g_autofree char *host = NULL;
  const char *colon = text ? strrchr (text, ':') : NULL;
  guint64 number = 0;

  if (colon && colon > text && g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &number,
                                                           NULL))
    {
      host = g_strndup (text, colon - text);
      /* [::1]:port */
      if (host[0] == '[' && host[strlen (host) - 1] == ']')
        {
          memmove (host, host + 1, strlen (host) - 2);
          host[strlen (host) - 2] = '\0';
        }
      if (g_hostname_is_ip_address (host))
        {
          *address = g_steal_pointer (&host);
          *port = number;
          return TRUE;
        }
    }
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
               "net-clock '%s' is not ADDRESS:PORT (an IP address and a port)", text);
  return FALSE;
}

GstObject *
gst_mqtt_serve_net_clock (GstClock *clock, const char *net_clock, GError **error)
{
  g_autofree char *address = NULL;
  GstNetTimeProvider *provider;
  int port;

  if (!parse_net_clock (net_clock, &address, &port, error))
    return NULL;
  if (!(provider = gst_net_time_provider_new (clock, address, port)))
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
                 "Could not serve the clock on %s", net_clock);
  return GST_OBJECT (provider);
}

GstClock *
gst_mqtt_follow_net_clock (const char *name, const char *net_clock, GError **error)
{
  g_autofree char *address = NULL;
  GstClock *clock;
  int port;

  if (!parse_net_clock (net_clock, &address, &port, error))
    return NULL;
  clock = gst_net_client_clock_new (name, address, port, 0);
  if (!gst_clock_wait_for_sync (clock, GST_MQTT_NET_CLOCK_SYNC_TIMEOUT))
    {
      gst_object_unref (clock);
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ_WRITE,
                   "No clock on %s: is the sender's net-clock serving it?", net_clock);
      return NULL;
    }
  return clock;
}

void
gst_mqtt_install_control_prefix (GObjectClass *klass, guint prop_id)
{
  g_object_class_install_property (klass, prop_id,
    g_param_spec_string ("control-prefix", "Control prefix",
                         "Topic prefix of the control channel between mqttsrc and mqttsink "
                         "(key-unit requests): PREFIX/TOPIC; empty for none",
                         GST_MQTT_DEFAULT_CONTROL_PREFIX, GST_MQTT_PARAM_READY));
}

gboolean
gst_mqtt_element_set_parameter (GQuark field, const GValue *value, gpointer user_data)
{
  g_object_set_property (G_OBJECT (user_data), g_quark_to_string (field), value);
  return TRUE;
}
