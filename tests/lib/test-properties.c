/* MqttProperties through the public API, as an application uses it: every
 * typed accessor, absence, removal, order and repetition of user
 * properties, copies and references; and the reason code texts. The wire
 * form is test-packet's. */

#include <mqtt-glib/mqtt-glib.h>

static void
test_integers (void)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  guint8 b = 0;
  guint16 w = 0;
  guint32 d = 0;

  g_assert_true (mqtt_properties_is_empty (props));
  g_assert_false (mqtt_properties_get_receive_maximum (props, &w));
  g_assert_false (mqtt_properties_get_message_expiry_interval (props, NULL));

#define CHECK(name, var, value)                                      \
  G_STMT_START                                                       \
  {                                                                  \
    mqtt_properties_set_##name (props, value);                       \
    g_assert_true (mqtt_properties_get_##name (props, &var));        \
    g_assert_cmpuint (var, ==, value);                               \
    g_assert_true (mqtt_properties_get_##name (props, NULL));        \
  }                                                                  \
  G_STMT_END

  CHECK (payload_format_indicator, b, 1);
  CHECK (message_expiry_interval, d, 4000000000u);
  CHECK (session_expiry_interval, d, 0xffffffffu);
  CHECK (server_keep_alive, w, 65535);
  CHECK (request_problem_information, b, 0);
  CHECK (will_delay_interval, d, 30);
  CHECK (request_response_information, b, 1);
  CHECK (receive_maximum, w, 100);
  CHECK (topic_alias_maximum, w, 10);
  CHECK (topic_alias, w, 3);
  CHECK (maximum_qos, b, 1);
  CHECK (retain_available, b, 0);
  CHECK (maximum_packet_size, d, 1048576);
  CHECK (wildcard_subscription_available, b, 1);
  CHECK (subscription_identifier_available, b, 0);
  CHECK (shared_subscription_available, b, 1);
#undef CHECK

  /* Setting again replaces, never repeats. */
  mqtt_properties_set_receive_maximum (props, 7);
  g_assert_true (mqtt_properties_get_receive_maximum (props, &w));
  g_assert_cmpuint (w, ==, 7);
  g_assert_true (mqtt_properties_has (props, MQTT_PROPERTY_RECEIVE_MAXIMUM));
  mqtt_properties_remove (props, MQTT_PROPERTY_RECEIVE_MAXIMUM);
  g_assert_false (mqtt_properties_has (props, MQTT_PROPERTY_RECEIVE_MAXIMUM));
  g_assert_false (mqtt_properties_get_receive_maximum (props, &w));
  g_assert_false (mqtt_properties_is_empty (props));
}

static void
test_strings_and_binary (void)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(GBytes) data = g_bytes_new_static ("\0\1\2", 3);

#define CHECK(name, value)                                           \
  G_STMT_START                                                       \
  {                                                                  \
    g_assert_null (mqtt_properties_get_##name (props));              \
    mqtt_properties_set_##name (props, value);                       \
    g_assert_cmpstr (mqtt_properties_get_##name (props), ==, value); \
    mqtt_properties_set_##name (props, "other");                     \
    g_assert_cmpstr (mqtt_properties_get_##name (props), ==, "other"); \
  }                                                                  \
  G_STMT_END

  CHECK (content_type, "application/json");
  CHECK (response_topic, "reply/to/me");
  CHECK (assigned_client_identifier, "auto-1");
  CHECK (authentication_method, "SCRAM-SHA-1");
  CHECK (response_information, "resp/");
  CHECK (server_reference, "other.example:1883");
  CHECK (reason_string, "caf\xc3\xa9");
#undef CHECK
  mqtt_properties_set_content_type (props, NULL);
  g_assert_null (mqtt_properties_get_content_type (props));
  g_assert_false (mqtt_properties_has (props, MQTT_PROPERTY_CONTENT_TYPE));

  g_assert_null (mqtt_properties_get_correlation_data (props));
  mqtt_properties_set_correlation_data (props, data);
  g_assert_true (g_bytes_equal (mqtt_properties_get_correlation_data (props), data));
  mqtt_properties_set_authentication_data (props, data);
  g_assert_true (g_bytes_equal (mqtt_properties_get_authentication_data (props), data));
  mqtt_properties_set_correlation_data (props, NULL);
  g_assert_null (mqtt_properties_get_correlation_data (props));
}

static void
test_repeated (void)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(MqttProperties) copy = NULL;
  g_autofree guint32 *ids = NULL;
  const char *name = NULL, *value = NULL;
  gsize n_ids = 0;

  mqtt_properties_add_user_property (props, "k", "1");
  mqtt_properties_add_user_property (props, "a", "2");
  mqtt_properties_add_user_property (props, "k", "3");
  g_assert_cmpuint (mqtt_properties_get_n_user_properties (props), ==, 3);
  g_assert_true (mqtt_properties_get_user_property (props, 2, &name, &value));
  g_assert_cmpstr (name, ==, "k");
  g_assert_cmpstr (value, ==, "3");
  g_assert_true (mqtt_properties_get_user_property (props, 1, &name, NULL));
  g_assert_cmpstr (name, ==, "a");
  g_assert_false (mqtt_properties_get_user_property (props, 3, &name, &value));
  g_assert_cmpstr (mqtt_properties_lookup_user_property (props, "k"), ==, "1");
  g_assert_null (mqtt_properties_lookup_user_property (props, "z"));

  mqtt_properties_add_subscription_identifier (props, 1);
  mqtt_properties_add_subscription_identifier (props, 268435455);
  ids = mqtt_properties_get_subscription_identifiers (props, &n_ids);
  g_assert_cmpuint (n_ids, ==, 2);
  g_assert_cmpuint (ids[0], ==, 1);
  g_assert_cmpuint (ids[1], ==, 268435455);

  /* A copy is independent of the original. */
  copy = mqtt_properties_copy (props);
  mqtt_properties_remove (props, MQTT_PROPERTY_USER_PROPERTY);
  g_assert_cmpuint (mqtt_properties_get_n_user_properties (props), ==, 0);
  g_assert_cmpuint (mqtt_properties_get_n_user_properties (copy), ==, 3);
  g_assert_cmpstr (mqtt_properties_lookup_user_property (copy, "a"), ==, "2");

  /* A reference is the same object. */
  mqtt_properties_unref (mqtt_properties_ref (copy));
  g_assert_cmpuint (mqtt_properties_get_n_user_properties (copy), ==, 3);
  g_assert_true (G_TYPE_IS_BOXED (MQTT_TYPE_PROPERTIES));
}

static void
test_from_string (void)
{
  g_autoptr(MqttProperties) props = mqtt_properties_new ();
  g_autoptr(GError) error = NULL;
  g_autofree guint32 *ids = NULL;
  guint32 value = 0;
  guint8 byte = 0;
  gsize n = 0;

  g_assert_true (mqtt_properties_set_from_string (props, MQTT_PROPERTY_MESSAGE_EXPIRY_INTERVAL,
                                                  "4294967295", &error));
  g_assert_true (mqtt_properties_get_message_expiry_interval (props, &value));
  g_assert_cmpuint (value, ==, 4294967295u);
  g_assert_true (mqtt_properties_set_from_string (props, MQTT_PROPERTY_PAYLOAD_FORMAT_INDICATOR,
                                                  "1", &error));
  g_assert_true (mqtt_properties_get_payload_format_indicator (props, &byte));
  g_assert_cmpuint (byte, ==, 1);
  g_assert_true (mqtt_properties_set_from_string (props, MQTT_PROPERTY_CONTENT_TYPE, "a/b",
                                                  &error));
  g_assert_cmpstr (mqtt_properties_get_content_type (props), ==, "a/b");
  g_assert_true (mqtt_properties_set_from_string (props, MQTT_PROPERTY_CORRELATION_DATA, "xy",
                                                  &error));
  g_assert_cmpuint (g_bytes_get_size (mqtt_properties_get_correlation_data (props)), ==, 2);
  g_assert_true (mqtt_properties_set_from_string (props, MQTT_PROPERTY_SUBSCRIPTION_IDENTIFIER,
                                                  "9", &error));
  ids = mqtt_properties_get_subscription_identifiers (props, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_no_error (error);

  g_assert_false (mqtt_properties_set_from_string (props, MQTT_PROPERTY_RECEIVE_MAXIMUM,
                                                   "65536", &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_false (mqtt_properties_set_from_string (props, MQTT_PROPERTY_TOPIC_ALIAS, "x",
                                                   &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
  g_clear_error (&error);
  g_assert_false (mqtt_properties_set_from_string (props, MQTT_PROPERTY_USER_PROPERTY, "k",
                                                   &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
}

static void
test_names (void)
{
  GEnumClass *klass = g_type_class_ref (MQTT_TYPE_PROPERTY_ID);
  guint i;

  g_assert_cmpstr (mqtt_property_id_to_string (MQTT_PROPERTY_RECEIVE_MAXIMUM), ==,
                   "Receive Maximum");
  g_assert_cmpstr (mqtt_property_id_to_string (0x7f), ==, "Unknown property");
  /* Every identifier has its name. */
  for (i = 0; i < klass->n_values; i++)
    g_assert_cmpstr (mqtt_property_id_to_string (klass->values[i].value), !=,
                     "Unknown property");
  g_assert_cmpuint (klass->n_values, ==, 27);
  g_type_class_unref (klass);
}

static void
test_reason_codes (void)
{
  GEnumClass *klass = g_type_class_ref (MQTT_TYPE_REASON_CODE);
  guint i;

  g_assert_cmpstr (mqtt_reason_string (MQTT_REASON_CODE_SUCCESS), ==, "Success");
  g_assert_cmpstr (mqtt_reason_string (MQTT_REASON_CODE_NOT_AUTHORIZED), ==,
                   "Not authorized");
  g_assert_cmpstr (mqtt_reason_string (0x9E), ==, "Shared Subscriptions not supported");
  g_assert_cmpstr (mqtt_reason_string (0x03), ==, "Unknown reason code");
  for (i = 0; i < klass->n_values; i++)
    g_assert_cmpstr (mqtt_reason_string (klass->values[i].value), !=,
                     "Unknown reason code");
  /* 43 distinct codes, and two more names for 0. */
  g_assert_cmpuint (klass->n_values, ==, 45);
  g_type_class_unref (klass);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/properties/integers", test_integers);
  g_test_add_func ("/properties/strings-and-binary", test_strings_and_binary);
  g_test_add_func ("/properties/repeated", test_repeated);
  g_test_add_func ("/properties/from-string", test_from_string);
  g_test_add_func ("/properties/names", test_names);
  g_test_add_func ("/properties/reason-codes", test_reason_codes);
  return g_test_run ();
}
