/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * Topic names and filters: validation and matching, shared by the client,
 * the session and the elements.
 */

#include "config.h"

#include <string.h>

#include "mqtt-error.h"
#include "mqtt-topic-private.h"

/**
 * SECTION:mqtt-topic
 * @title: Topics
 * @short_description: Topic name and filter validation, and matching
 *
 * MQTT 3.1.1 topic rules, as checked by every function of mqtt-glib that
 * takes a topic:
 *
 * - a topic name or filter is 1 to 65535 bytes of well-formed UTF-8 and
 *   contains no U+0000;
 * - a topic name (what is published to) contains no wildcard, neither `+`
 *   nor `#`;
 * - in a topic filter (what is subscribed to) `+` fills a whole level and
 *   `#` fills the last level: `sport/+/player1` and `sport/#` are valid,
 *   `sport+` and `sport/#/ranking` are not.
 *
 * mqtt_topic_matches_sub() is Paho's `topic_matches_sub()`.
 */

MqttTopicCheck
mqtt_topic_check (const char *topic, gsize length, gboolean is_filter)
{
  const char *p, *end = topic + length;

  if (length == 0)
    return MQTT_TOPIC_EMPTY;
  if (length > MQTT_TOPIC_MAX_LENGTH)
    return MQTT_TOPIC_TOO_LONG;
  /* g_utf8_validate_len() also refuses NUL bytes, which MQTT forbids. */
  if (!g_utf8_validate_len (topic, length, NULL))
    return MQTT_TOPIC_BAD_UTF8;

  for (p = topic; p < end; p++)
    {
      if (*p != '+' && *p != '#')
        continue;
      if (!is_filter)
        return MQTT_TOPIC_WILDCARD;
      /* A wildcard is alone in its level... */
      if ((p > topic && p[-1] != '/') || (p + 1 < end && p[1] != '/'))
        return MQTT_TOPIC_BAD_WILDCARD;
      /* ...and '#' is the last level. */
      if (*p == '#' && p + 1 != end)
        return MQTT_TOPIC_BAD_WILDCARD;
    }

  return MQTT_TOPIC_OK;
}

const char *
mqtt_topic_check_describe (MqttTopicCheck check)
{
  switch (check)
    {
    case MQTT_TOPIC_OK:
      return "valid";
    case MQTT_TOPIC_EMPTY:
      return "empty";
    case MQTT_TOPIC_TOO_LONG:
      return "longer than 65535 bytes";
    case MQTT_TOPIC_BAD_UTF8:
      return "not well-formed UTF-8 or contains U+0000";
    case MQTT_TOPIC_WILDCARD:
      return "contains a wildcard ('+' or '#')";
    case MQTT_TOPIC_BAD_WILDCARD:
      return "has a wildcard that does not fill a whole level, or a '#' that is not last";
    default:
      g_assert_not_reached ();
    }
}

static gboolean
validate (const char *topic, gboolean is_filter, GError **error)
{
  MqttTopicCheck check;

  if (topic == NULL)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Invalid topic %s: none given",
                   is_filter ? "filter" : "name");
      return FALSE;
    }

  check = mqtt_topic_check (topic, strlen (topic), is_filter);
  if (check == MQTT_TOPIC_OK)
    return TRUE;

  if (check == MQTT_TOPIC_BAD_UTF8 || check == MQTT_TOPIC_TOO_LONG)
    g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Invalid topic %s: %s",
                 is_filter ? "filter" : "name", mqtt_topic_check_describe (check));
  else
    g_set_error (error, MQTT_ERROR, MQTT_ERROR_INVAL, "Invalid topic %s “%s”: %s",
                 is_filter ? "filter" : "name", topic, mqtt_topic_check_describe (check));
  return FALSE;
}

/**
 * mqtt_topic_validate_name:
 * @topic: (nullable): a topic name, as published to
 * @error: return location for a #GError, or %NULL
 *
 * Checks that @topic can be published to: 1 to 65535 bytes of UTF-8 without
 * U+0000 and without the wildcards `+` and `#`.
 *
 * Returns: %TRUE if @topic is a valid topic name; otherwise %FALSE with
 *   @error set to %MQTT_ERROR_INVAL
 */
gboolean
mqtt_topic_validate_name (const char *topic, GError **error)
{
  return validate (topic, FALSE, error);
}

/**
 * mqtt_topic_validate_filter:
 * @filter: (nullable): a topic filter, as subscribed to
 * @error: return location for a #GError, or %NULL
 *
 * Checks that @filter can be subscribed to: 1 to 65535 bytes of UTF-8
 * without U+0000, where `+` fills a whole level and `#` fills the last level.
 *
 * Returns: %TRUE if @filter is a valid topic filter; otherwise %FALSE with
 *   @error set to %MQTT_ERROR_INVAL
 */
gboolean
mqtt_topic_validate_filter (const char *filter, GError **error)
{
  return validate (filter, TRUE, error);
}

static const char *
level_end (const char *p)
{
  while (*p != '\0' && *p != '/')
    p++;
  return p;
}

gboolean
mqtt_topic_matches_checked (const char *sub, const char *topic)
{
  const char *s = sub, *t = topic;

  /* Topics starting with '$' (such as $SYS/...) are not matched by a
   * wildcard in the first level [MQTT-4.7.2-1]. */
  if (topic[0] == '$' && (sub[0] == '+' || sub[0] == '#'))
    return FALSE;

  for (;;)
    {
      const char *s_end, *t_end;

      /* '#' matches this level, every level below it, and the parent. */
      if (s[0] == '#')
        return TRUE;

      s_end = level_end (s);
      t_end = level_end (t);
      if (!(s[0] == '+' && s_end == s + 1))
        {
          if (s_end - s != t_end - t || memcmp (s, t, s_end - s) != 0)
            return FALSE;
        }

      if (*t_end == '\0')
        /* "a/b/#" matches "a/b": only a final "/#" may be left. */
        return *s_end == '\0' || strcmp (s_end, "/#") == 0;
      if (*s_end == '\0')
        return FALSE;

      s = s_end + 1;
      t = t_end + 1;
    }
}

/**
 * mqtt_topic_matches_sub:
 * @sub: a topic filter, possibly with wildcards
 * @topic: a topic name
 *
 * Checks whether @topic matches the subscription @sub, as Paho's
 * `topic_matches_sub()` does: `foo/bar` matches `foo/#` and `+/bar`, and
 * `non/matching` does not match `non/+/+`. `foo/#` also matches `foo`, and
 * `+` matches an empty level (`foo/+` matches `foo/`). Topics that start
 * with `$` are not matched by a wildcard in the first level: `#` does not
 * match `$SYS/broker/uptime`, `$SYS/#` does.
 *
 * Returns: %TRUE if @topic matches @sub; %FALSE if not, or if @sub is not
 *   a valid filter or @topic not a valid topic name
 */
gboolean
mqtt_topic_matches_sub (const char *sub, const char *topic)
{
  g_return_val_if_fail (sub != NULL, FALSE);
  g_return_val_if_fail (topic != NULL, FALSE);

  if (mqtt_topic_check (sub, strlen (sub), TRUE) != MQTT_TOPIC_OK ||
      mqtt_topic_check (topic, strlen (topic), FALSE) != MQTT_TOPIC_OK)
    return FALSE;

  return mqtt_topic_matches_checked (sub, topic);
}
