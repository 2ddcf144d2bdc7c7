/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 */

#include "config.h"

#include "mqtt-version.h"

/**
 * mqtt_glib_get_major_version:
 *
 * Gets the major version of the library loaded at run time, which may be newer
 * than the headers the program was compiled with (MQTT_GLIB_MAJOR_VERSION).
 *
 * Returns: the major version of the mqtt-glib library the program runs with
 */
guint
mqtt_glib_get_major_version (void)
{
  return MQTT_GLIB_MAJOR_VERSION;
}

/**
 * mqtt_glib_get_minor_version:
 *
 * Gets the minor version of the library loaded at run time, which may be newer
 * than the headers the program was compiled with (MQTT_GLIB_MINOR_VERSION).
 *
 * Returns: the minor version of the mqtt-glib library the program runs with
 */
guint
mqtt_glib_get_minor_version (void)
{
  return MQTT_GLIB_MINOR_VERSION;
}

/**
 * mqtt_glib_get_micro_version:
 *
 * Gets the micro version of the library loaded at run time, which may be newer
 * than the headers the program was compiled with (MQTT_GLIB_MICRO_VERSION).
 *
 * Returns: the micro version of the mqtt-glib library the program runs with
 */
guint
mqtt_glib_get_micro_version (void)
{
  return MQTT_GLIB_MICRO_VERSION;
}

/**
 * mqtt_glib_check_version:
 * @major: required major version
 * @minor: required minor version
 * @micro: required micro version
 *
 * Checks at run time that the library is at least version
 * @major.@minor.@micro, the run-time twin of MQTT_GLIB_CHECK_VERSION().
 *
 * Returns: %TRUE if the library is recent enough
 */
gboolean
mqtt_glib_check_version (guint major, guint minor, guint micro)
{
  guint64 have = ((guint64) MQTT_GLIB_MAJOR_VERSION << 40) |
                 ((guint64) MQTT_GLIB_MINOR_VERSION << 20) | MQTT_GLIB_MICRO_VERSION;
  guint64 want = ((guint64) major << 40) | ((guint64) MIN (minor, 0xfffff) << 20) |
                 MIN (micro, 0xfffff);

  return have >= want;
}
