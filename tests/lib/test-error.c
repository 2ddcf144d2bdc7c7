/* Paho's texts, the error domain, and the registered enumeration types. */

#include <mqtt-glib/mqtt-glib.h>

static void
test_error_string (void)
{
  static const struct {
    int code;
    const char *text;
  } cases[] = {
    { MQTT_ERROR_SUCCESS, "No error." },
    { MQTT_ERROR_NOMEM, "Out of memory." },
    { MQTT_ERROR_PROTOCOL, "A network protocol error occurred when communicating with the broker." },
    { MQTT_ERROR_INVAL, "Invalid function arguments provided." },
    { MQTT_ERROR_NO_CONN, "The client is not currently connected." },
    { MQTT_ERROR_CONN_REFUSED, "The connection was refused." },
    { MQTT_ERROR_NOT_FOUND, "Message not found (internal error)." },
    { MQTT_ERROR_CONN_LOST, "The connection was lost." },
    { MQTT_ERROR_TLS, "A TLS error occurred." },
    { MQTT_ERROR_PAYLOAD_SIZE, "Payload too large." },
    { MQTT_ERROR_NOT_SUPPORTED, "This feature is not supported." },
    { MQTT_ERROR_AUTH, "Authorisation failed." },
    { MQTT_ERROR_ACL_DENIED, "Access denied by ACL." },
    { MQTT_ERROR_UNKNOWN, "Unknown error." },
    { MQTT_ERROR_ERRNO, "Error defined by errno." },
    { MQTT_ERROR_QUEUE_SIZE, "Message queue full." },
    { MQTT_ERROR_KEEPALIVE, "Client or broker did not communicate in the keepalive interval." },
    { MQTT_ERROR_AGAIN, "Unknown error." },
    { MQTT_ERROR_EXPIRED, "The message expired before it could be sent." },
    { 18, "Unknown error." },
    { 1000, "Unknown error." },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (mqtt_error_string (cases[i].code), ==, cases[i].text);
}

static void
test_connack_string (void)
{
  g_assert_cmpstr (mqtt_connack_string (0), ==, "Connection Accepted.");
  g_assert_cmpstr (mqtt_connack_string (1), ==,
                   "Connection Refused: unacceptable protocol version.");
  g_assert_cmpstr (mqtt_connack_string (2), ==, "Connection Refused: identifier rejected.");
  g_assert_cmpstr (mqtt_connack_string (3), ==, "Connection Refused: broker unavailable.");
  g_assert_cmpstr (mqtt_connack_string (4), ==, "Connection Refused: bad user name or password.");
  g_assert_cmpstr (mqtt_connack_string (5), ==, "Connection Refused: not authorised.");
  g_assert_cmpstr (mqtt_connack_string (6), ==, "Connection Refused: unknown reason.");
  g_assert_cmpstr (mqtt_connack_string (255), ==, "Connection Refused: unknown reason.");
  g_assert_cmpstr (mqtt_connack_string (-1), ==, "Connection Refused: unknown reason.");
}

static void
test_domain (void)
{
  g_autoptr(GError) error = g_error_new_literal (MQTT_ERROR, MQTT_ERROR_QUEUE_SIZE, "full");

  g_assert_cmpstr (g_quark_to_string (MQTT_ERROR), ==, "mqtt-error-quark");
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_QUEUE_SIZE);
}

static void
assert_enum_value (GType type, int value, const char *nick)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  g_assert_nonnull (v);
  g_assert_cmpstr (v->value_nick, ==, nick);
}

static void
test_enum_types (void)
{
  assert_enum_value (MQTT_TYPE_PROTOCOL_VERSION, 3, "v31");
  assert_enum_value (MQTT_TYPE_PROTOCOL_VERSION, 4, "v311");
  assert_enum_value (MQTT_TYPE_QOS, 2, "exactly-once");
  assert_enum_value (MQTT_TYPE_CONNACK_CODE, 5, "refused-not-authorized");
  assert_enum_value (MQTT_TYPE_LOG_LEVEL, 0x10, "debug");
  assert_enum_value (MQTT_TYPE_ERROR, 15, "queue-size");
  assert_enum_value (MQTT_TYPE_ERROR, -1, "again");
}

static void
test_version (void)
{
  g_assert_cmpuint (mqtt_glib_get_major_version (), ==, MQTT_GLIB_MAJOR_VERSION);
  g_assert_cmpuint (mqtt_glib_get_minor_version (), ==, MQTT_GLIB_MINOR_VERSION);
  g_assert_cmpuint (mqtt_glib_get_micro_version (), ==, MQTT_GLIB_MICRO_VERSION);
  g_assert_true (mqtt_glib_check_version (MQTT_GLIB_MAJOR_VERSION, MQTT_GLIB_MINOR_VERSION,
                                          MQTT_GLIB_MICRO_VERSION));
  g_assert_true (mqtt_glib_check_version (0, 0, 0));
  g_assert_false (mqtt_glib_check_version (MQTT_GLIB_MAJOR_VERSION + 1, 0, 0));
  g_assert_false (mqtt_glib_check_version (MQTT_GLIB_MAJOR_VERSION, MQTT_GLIB_MINOR_VERSION,
                                           MQTT_GLIB_MICRO_VERSION + 1));
  g_assert_true (MQTT_GLIB_CHECK_VERSION (0, 0, 1));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/error/string", test_error_string);
  g_test_add_func ("/error/connack-string", test_connack_string);
  g_test_add_func ("/error/domain", test_domain);
  g_test_add_func ("/error/enum-types", test_enum_types);
  g_test_add_func ("/version", test_version);

  return g_test_run ();
}
