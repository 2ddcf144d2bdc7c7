/* mqtt-glib - GStreamer plugin
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#include "gst-config.h"

#include "gstmqttelements.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok = FALSE;

  ok |= GST_ELEMENT_REGISTER (mqttsrc, plugin);
  ok |= GST_ELEMENT_REGISTER (mqttsink, plugin);
  return ok;
}

/* The code is EPL-2.0 OR BSD-3-Clause (COPYING); GStreamer's list of
 * licences knows the BSD half. The origin is the package-origin option. */
GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, mqtt,
                   "MQTT source and sink on mqtt-glib", plugin_init, PACKAGE_VERSION,
                   "BSD", "mqtt-glib", PACKAGE_ORIGIN)
