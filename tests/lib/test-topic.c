/* Topic validation and the topic_matches_sub truth table, including the
 * $SYS rule and empty levels. */

#include <string.h>

#include <mqtt-glib/mqtt-glib.h>

typedef struct {
  const char *sub;
  const char *topic;
  gboolean matches;
} MatchCase;

static const MatchCase match_cases[] = {
  /* Paho's documented examples */
  { "foo/#", "foo/bar", TRUE },
  { "+/bar", "foo/bar", TRUE },
  { "non/+/+", "non/matching", FALSE },
  /* literal levels */
  { "foo/bar", "foo/bar", TRUE },
  { "foo/bar", "foo/baz", FALSE },
  { "foo/bar", "foo/bar/baz", FALSE },
  { "foo/bar/baz", "foo/bar", FALSE },
  { "foo", "foo/", FALSE },
  { "Foo", "foo", FALSE },
  /* '#' */
  { "#", "foo", TRUE },
  { "#", "foo/bar/baz", TRUE },
  { "#", "/foo", TRUE },
  { "#", "/", TRUE },
  { "foo/#", "foo", TRUE },
  { "foo/#", "foo/", TRUE },
  { "foo/#", "foo/bar/baz", TRUE },
  { "foo/#", "foobar", FALSE },
  { "foo/#", "fo", FALSE },
  { "foo/bar/#", "foo", FALSE },
  { "/#", "/foo", TRUE },
  { "/#", "foo", FALSE },
  /* '+' */
  { "+", "foo", TRUE },
  { "+", "foo/bar", FALSE },
  { "+", "/foo", FALSE },
  { "+/+", "/foo", TRUE },
  { "+/+", "foo/bar", TRUE },
  { "/+", "/foo", TRUE },
  { "foo/+", "foo/bar", TRUE },
  { "foo/+", "foo", FALSE },
  { "foo/+/baz", "foo/bar/baz", TRUE },
  { "foo/+/baz", "foo/bar/bar", FALSE },
  { "foo/+/#", "foo/bar", TRUE },
  { "foo/+/#", "foo/bar/baz/qux", TRUE },
  { "+/+/+", "a/b", FALSE },
  /* empty levels */
  { "foo/+", "foo/", TRUE },
  { "foo//bar", "foo//bar", TRUE },
  { "foo/+/bar", "foo//bar", TRUE },
  { "foo/+/bar", "foo/bar", FALSE },
  { "+/+", "/", TRUE },
  { "/", "/", TRUE },
  { "+", "/", FALSE },
  { "//", "//", TRUE },
  { "+//+", "a//b", TRUE },
  /* $-topics: no wildcard match at the first level */
  { "#", "$SYS/broker/uptime", FALSE },
  { "+/broker/uptime", "$SYS/broker/uptime", FALSE },
  { "+/#", "$SYS/broker", FALSE },
  { "#", "$SYS", FALSE },
  { "$SYS/#", "$SYS/broker/uptime", TRUE },
  { "$SYS/#", "$SYS", TRUE },
  { "$SYS/+/uptime", "$SYS/broker/uptime", TRUE },
  { "$SYS/broker/+", "$SYS/broker/uptime", TRUE },
  { "foo/#", "foo/$bar", TRUE },
  { "foo/+", "foo/$bar", TRUE },
  { "$+", "$SYS", FALSE },
  /* UTF-8 */
  { "caf\xc3\xa9/+", "caf\xc3\xa9/cr\xc3\xa8me", TRUE },
  { "caf\xc3\xa9/#", "cafe/x", FALSE },
  /* invalid filters or topics never match */
  { "foo#", "foo", FALSE },
  { "foo/#/bar", "foo/x/bar", FALSE },
  { "fo+/bar", "foo/bar", FALSE },
  { "", "", FALSE },
  { "#", "", FALSE },
  { "foo/+", "foo/+", FALSE },
  { "#", "foo/#", FALSE },
  { "foo", "fo\xff", FALSE },
};

static void
test_matches (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (match_cases); i++)
    {
      const MatchCase *c = &match_cases[i];

      if (mqtt_topic_matches_sub (c->sub, c->topic) != c->matches)
        g_error ("topic_matches_sub (\"%s\", \"%s\") should be %s", c->sub, c->topic,
                 c->matches ? "TRUE" : "FALSE");
    }
}

typedef struct {
  const char *topic;
  gboolean valid_name;
  gboolean valid_filter;
} ValidCase;

static const ValidCase valid_cases[] = {
  { "a", TRUE, TRUE },
  { "a/b/c", TRUE, TRUE },
  { "/", TRUE, TRUE },
  { "//", TRUE, TRUE },
  { " ", TRUE, TRUE },
  { "$SYS/broker", TRUE, TRUE },
  { "caf\xc3\xa9", TRUE, TRUE },
  { "\xf0\x9f\x98\x80", TRUE, TRUE },
  { "", FALSE, FALSE },
  { "#", FALSE, TRUE },
  { "+", FALSE, TRUE },
  { "a/#", FALSE, TRUE },
  { "a/+", FALSE, TRUE },
  { "+/+/#", FALSE, TRUE },
  { "/#", FALSE, TRUE },
  { "+/", FALSE, TRUE },
  { "a#", FALSE, FALSE },
  { "a/#/b", FALSE, FALSE },
  { "a/b#", FALSE, FALSE },
  { "##", FALSE, FALSE },
  { "a+", FALSE, FALSE },
  { "+a", FALSE, FALSE },
  { "a/++/b", FALSE, FALSE },
  { "#/", FALSE, FALSE },
  { "\xff", FALSE, FALSE },
  { "\xc3", FALSE, FALSE },
  { "\xc0\x80", FALSE, FALSE },
  { "\xed\xa0\x80", FALSE, FALSE },
};

static void
test_validate (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      const ValidCase *c = &valid_cases[i];
      g_autoptr(GError) name_error = NULL;
      g_autoptr(GError) filter_error = NULL;

      g_assert_cmpint (mqtt_topic_validate_name (c->topic, &name_error), ==, c->valid_name);
      g_assert_cmpint (mqtt_topic_validate_filter (c->topic, &filter_error), ==,
                       c->valid_filter);
      if (c->valid_name)
        g_assert_no_error (name_error);
      else
        g_assert_error (name_error, MQTT_ERROR, MQTT_ERROR_INVAL);
      if (c->valid_filter)
        g_assert_no_error (filter_error);
      else
        g_assert_error (filter_error, MQTT_ERROR, MQTT_ERROR_INVAL);
    }
}

static void
test_validate_length (void)
{
  g_autofree char *max = g_strnfill (65535, 'a');
  g_autofree char *over = g_strnfill (65536, 'a');
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_topic_validate_name (max, NULL));
  g_assert_true (mqtt_topic_validate_filter (max, NULL));
  g_assert_false (mqtt_topic_validate_name (over, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_assert_false (mqtt_topic_validate_filter (over, NULL));
  g_assert_false (mqtt_topic_validate_name (NULL, NULL));
  g_assert_false (mqtt_topic_validate_filter (NULL, NULL));
}

static void
test_error_message (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (mqtt_topic_validate_name ("a/+/b", &error));
  g_assert_nonnull (strstr (error->message, "a/+/b"));
  g_assert_nonnull (strstr (error->message, "wildcard"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/topic/matches", test_matches);
  g_test_add_func ("/topic/validate", test_validate);
  g_test_add_func ("/topic/validate-length", test_validate_length);
  g_test_add_func ("/topic/error-message", test_error_message);

  return g_test_run ();
}
