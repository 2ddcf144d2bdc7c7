/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * MqttSettings: its defaults, its URI grammar both ways, and what it makes
 * of a client. No broker: applying settings connects nothing.
 */

#include <string.h>

#include <mqtt-glib/mqtt-glib.h>

/* Every readable property of @a equals @b's, except the password. */
static void
assert_same_settings (MqttSettings *a, MqttSettings *b)
{
  g_autofree GParamSpec **pspecs = NULL;
  guint n, i;

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (a), &n);
  for (i = 0; i < n; i++)
    {
      g_auto(GValue) va = G_VALUE_INIT;
      g_auto(GValue) vb = G_VALUE_INIT;

      if (g_str_equal (pspecs[i]->name, "password"))
        continue;
      g_value_init (&va, pspecs[i]->value_type);
      g_value_init (&vb, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (a), pspecs[i]->name, &va);
      g_object_get_property (G_OBJECT (b), pspecs[i]->name, &vb);
      if (pspecs[i]->value_type == G_TYPE_BYTES && g_value_get_boxed (&va))
        g_assert_true (g_bytes_equal (g_value_get_boxed (&va), g_value_get_boxed (&vb)));
      else if (pspecs[i]->value_type == G_TYPE_STRV && g_value_get_boxed (&va))
        g_assert_true (g_strv_equal (g_value_get_boxed (&va), g_value_get_boxed (&vb)));
      else if (g_param_values_cmp (pspecs[i], &va, &vb) != 0)
        g_error ("%s differs", pspecs[i]->name);
    }
}

static void
test_defaults (void)
{
  g_autoptr(MqttSettings) settings = mqtt_settings_new (NULL, 0);
  g_autofree char *uri = NULL, *host = NULL;

  g_assert_cmpstr (mqtt_settings_get_host (settings), ==, "localhost");
  g_assert_cmpuint (mqtt_settings_get_port (settings), ==, 1883);
  g_assert_cmpuint (mqtt_settings_get_keepalive (settings), ==, 60);
  g_assert_false (mqtt_settings_get_tls (settings));
  uri = mqtt_settings_to_uri (settings, NULL);
  g_assert_cmpstr (uri, ==, "mqtt://localhost/");

  /* The port follows the transport and TLS until one is given. */
  g_object_set (settings, "transport", MQTT_TRANSPORT_WEBSOCKETS, NULL);
  g_assert_cmpuint (mqtt_settings_get_port (settings), ==, 80);
  g_object_set (settings, "tls", TRUE, NULL);
  g_assert_cmpuint (mqtt_settings_get_port (settings), ==, 443);
  g_object_set (settings, "transport", MQTT_TRANSPORT_TCP, NULL);
  g_assert_cmpuint (mqtt_settings_get_port (settings), ==, 8883);
  g_object_set (settings, "port", 9000, NULL);
  g_assert_cmpuint (mqtt_settings_get_port (settings), ==, 9000);

  /* NULL restores the default host. */
  g_object_set (settings, "host", "broker.example", NULL);
  g_object_set (settings, "host", NULL, NULL);
  g_object_get (settings, "host", &host, NULL);
  g_assert_cmpstr (host, ==, "localhost");
}

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  GString *names = user_data;

  g_string_append_printf (names, "%s ", pspec->name);
}

/* Any TLS setting turns TLS on, which is notified; a value set again is
 * no change. */
static void
test_tls_implied (void)
{
  const char *implying[] = { "ca-certs", "certfile", "keyfile", "ciphers" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (implying); i++)
    {
      g_autoptr(MqttSettings) settings = mqtt_settings_new ("broker", 0);
      g_autoptr(GString) notified = g_string_new (NULL);
      g_autofree char *uri = NULL;
      gboolean tls;

      g_signal_connect (settings, "notify", G_CALLBACK (count_notify), notified);
      g_object_set (settings, implying[i], "x", NULL);
      g_object_set (settings, implying[i], "x", NULL);
      g_object_get (settings, "tls", &tls, NULL);
      g_assert_true (tls);
      g_assert_cmpuint (mqtt_settings_get_port (settings), ==, 8883);
      /* Once each: the option, and tls. */
      g_assert_nonnull (strstr (notified->str, "tls "));
      g_assert_nonnull (strstr (notified->str, implying[i]));
      g_assert_cmpuint (notified->len, ==, strlen (implying[i]) + strlen (" tls "));
      uri = mqtt_settings_to_uri (settings, NULL);
      g_assert_true (g_str_has_prefix (uri, "mqtts://broker/?"));
    }
}

static void
test_uri_round_trip (void)
{
  g_autoptr(MqttSettings) settings = NULL, again = NULL;
  g_autoptr(GBytes) will = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL, *password = NULL, *client_id = NULL, *topic = NULL;
  GTlsCertificateFlags flags;
  guint64 queued;
  guint keepalive;

  settings = mqtt_settings_new_for_uri (
    "mqtts://alice:s%3Acret@[::1]:8884/?client-id=cam%201&keepalive=30"
    "&tls-validation-flags=unknown-ca%2Bbad-identity&will-topic=w/t&will-payload=bye"
    "&max-queued-bytes=1000&protocol-version=v31&auto-reconnect=false",
    &error);
  g_assert_no_error (error);
  g_object_get (settings, "password", &password, "client-id", &client_id, "keepalive",
                &keepalive, "tls-validation-flags", &flags, "will-payload", &will,
                "max-queued-bytes", &queued, NULL);
  g_assert_cmpstr (mqtt_settings_get_host (settings), ==, "::1");
  g_assert_cmpuint (mqtt_settings_get_port (settings), ==, 8884);
  g_assert_true (mqtt_settings_get_tls (settings));
  g_assert_cmpstr (password, ==, "s:cret");
  g_assert_cmpstr (client_id, ==, "cam 1");
  g_assert_cmpuint (keepalive, ==, 30);
  g_assert_cmpuint (flags, ==, G_TLS_CERTIFICATE_UNKNOWN_CA | G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_cmpmem (g_bytes_get_data (will, NULL), g_bytes_get_size (will), "bye", 3);
  g_assert_cmpuint (queued, ==, 1000);

  /* Read back: everything but the password, which is never shown. */
  uri = mqtt_settings_to_uri (settings, "a/+/#");
  g_assert_null (strstr (uri, "cret"));
  g_assert_true (g_str_has_prefix (uri, "mqtts://alice@[::1]:8884/a/+/%23?"));
  g_test_message ("%s", uri);
  again = mqtt_settings_new (NULL, 0);
  g_assert_true (mqtt_settings_set_uri (again, uri, &topic, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (topic, ==, "a/+/#");
  assert_same_settings (settings, again);
}

/* What an element or a tool adds to the grammar comes back to it. */
static void
test_uri_topic_and_parameters (void)
{
  g_autoptr(MqttSettings) settings = mqtt_settings_new (NULL, 0);
  g_autoptr(GHashTable) parameters = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *topic = NULL;

  g_assert_true (mqtt_settings_set_uri (settings, "mqtt+ws://h/cam/%23?framing=gdp&keepalive=5",
                                        &topic, &parameters, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (topic, ==, "cam/#");
  g_assert_cmpuint (g_hash_table_size (parameters), ==, 1);
  g_assert_cmpstr (g_hash_table_lookup (parameters, "framing"), ==, "gdp");
  g_assert_cmpuint (mqtt_settings_get_keepalive (settings), ==, 5);
  g_assert_cmpuint (mqtt_settings_get_port (settings), ==, 80);
}

static void
test_uri_errors (void)
{
  static const struct {
    const char *uri;
    int code;
    const char *says;
  } bad[] = {
    { "http://h/", MQTT_ERROR_NOT_SUPPORTED, "mqtt+wss" },
    { "mqtt:///", MQTT_ERROR_INVAL, "no host" },
    { "mqtt://h/a#", MQTT_ERROR_INVAL, "%23" },
    { "mqtt://h/topic", MQTT_ERROR_INVAL, "topic" },
    { "mqtt://h/?nonsense=1", MQTT_ERROR_INVAL, "nonsense" },
    { "mqtt://h/?password=x", MQTT_ERROR_INVAL, "user:password@host" },
    { "mqtt://h/?keepalive=70000", MQTT_ERROR_INVAL, "keepalive" },
    { "mqtt://h/?protocol-version=6", MQTT_ERROR_INVAL, "protocol-version" },
    { "mqtt://h/?auto-reconnect=maybe", MQTT_ERROR_INVAL, "auto-reconnect" },
    { "mqtt://h/?tls-validation-flags=bogus", MQTT_ERROR_INVAL, "tls-validation-flags" },
    { "mqtt://h/?host=other", MQTT_ERROR_INVAL, "host" },
    { "mqtt://h:99999/", MQTT_ERROR_INVAL, "Invalid MQTT URI" },
  };
  g_autoptr(MqttSettings) settings = mqtt_settings_new_for_uri ("mqtt://keep/?keepalive=7", NULL);
  g_autofree char *before = mqtt_settings_to_uri (settings, NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *after = NULL;

      /* A URI that is wrong anywhere changes nothing. */
      g_assert_false (mqtt_settings_set_uri (settings, bad[i].uri, NULL, NULL, &error));
      g_assert_error (error, MQTT_ERROR, bad[i].code);
      g_test_message ("%s: %s", bad[i].uri, error->message);
      g_assert_nonnull (strstr (error->message, bad[i].says));
      after = mqtt_settings_to_uri (settings, NULL);
      g_assert_cmpstr (after, ==, before);
    }
  g_assert_null (mqtt_settings_new_for_uri ("mqtt://h/?keepalive=x", NULL));
}

static void
test_copy (void)
{
  g_autoptr(MqttSettings) settings = mqtt_settings_new_for_uri ("mqtt+wss://u@h/?ws-path=/x",
                                                                NULL);
  g_autoptr(MqttSettings) copy = NULL;
  const char *headers[] = { "X-Token: 1", NULL };

  g_object_set (settings, "ws-headers", headers, "password", "pw", NULL);
  copy = mqtt_settings_copy (settings);
  assert_same_settings (settings, copy);
  g_object_set (settings, "keepalive", 1, NULL);
  g_assert_cmpuint (mqtt_settings_get_keepalive (copy), ==, 60);
}

/* Each setting the client has under the same name reaches it, and the
 * others by their calls. */
static void
test_apply (void)
{
  g_autoptr(MqttSettings) settings = mqtt_settings_new ("h", 0);
  g_autoptr(MqttSettings) defaults = mqtt_settings_new ("h", 0);
  g_autoptr(GProxyResolver) resolver = g_simple_proxy_resolver_new ("socks5://p:1", NULL);
  g_autoptr(GTlsInteraction) interaction = g_object_new (G_TYPE_TLS_INTERACTION, NULL);
  g_autoptr(MqttClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree GParamSpec **pspecs = NULL;
  guint n, i, checked = 0;

  g_object_set (settings, "client-id", "c1", "clean-session", FALSE, "protocol-version",
                MQTT_PROTOCOL_V31, "keepalive", 9, "username", "u", "transport",
                MQTT_TRANSPORT_WEBSOCKETS, "ws-path", "/w", "tls-insecure", TRUE,
                "tls-validation-flags", G_TLS_CERTIFICATE_UNKNOWN_CA, "tls-interaction",
                interaction, "bind-address", "127.0.0.1", "proxy-resolver", resolver,
                "auto-reconnect", FALSE, "reconnect-delay-min", 3, "reconnect-delay-max", 9,
                "max-inflight-messages", 7, "max-queued-messages", 11, "max-queued-bytes",
                (guint64) 12345, "max-packet-size", 4096, "message-retry", 2, NULL);
  client = mqtt_settings_create_client (settings, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (mqtt_client_get_client_id (client), ==, "c1");

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (settings), &n);
  for (i = 0; i < n; i++)
    {
      GParamSpec *on_client = g_object_class_find_property (G_OBJECT_GET_CLASS (client),
                                                            pspecs[i]->name);
      g_auto(GValue) want = G_VALUE_INIT;
      g_auto(GValue) got = G_VALUE_INIT;

      if (on_client == NULL || (on_client->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
          on_client->value_type != pspecs[i]->value_type)
        continue;
      g_value_init (&want, pspecs[i]->value_type);
      g_value_init (&got, pspecs[i]->value_type);
      g_object_get_property (G_OBJECT (settings), pspecs[i]->name, &want);
      g_object_get_property (G_OBJECT (client), pspecs[i]->name, &got);
      if (g_param_values_cmp (pspecs[i], &want, &got) != 0)
        g_error ("%s did not reach the client", pspecs[i]->name);
      checked++;
    }
  g_assert_cmpuint (checked, >=, 20);

  /* Applying the defaults puts the client's options back. */
  g_assert_true (mqtt_settings_apply (defaults, client, &error));
  g_assert_no_error (error);
  g_assert_false (mqtt_client_get_tls (client));
  g_assert_cmpuint (mqtt_client_get_max_inflight_messages (client), ==, 20);
  g_assert_cmpint (mqtt_client_get_transport (client), ==, MQTT_TRANSPORT_TCP);
  g_assert_null (mqtt_client_get_bind_address (client));

  /* What the client refuses is an error of applying. */
  {
    const char *headers[] = { "no colon", NULL };

    g_object_set (settings, "ws-headers", headers, NULL);
    g_assert_false (mqtt_settings_apply (settings, client, &error));
    g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
    g_clear_error (&error);
    g_object_set (settings, "ws-headers", NULL, "will-topic", "bad/#", NULL);
    g_assert_false (mqtt_settings_apply (settings, client, &error));
    g_assert_error (error, MQTT_ERROR, MQTT_ERROR_INVAL);
    g_clear_error (&error);
    g_object_set (settings, "will-topic", NULL, "proxy", "gopher://p", NULL);
    g_assert_false (mqtt_settings_apply (settings, client, &error));
    g_assert_nonnull (error);
  }
}

/* Servers in a URI: a comma-separated list that stands for the host; it
 * reaches the client, which refuses a bad one. Jitter is on by default. */
static void
test_servers (void)
{
  g_autoptr(MqttSettings) settings = NULL;
  g_autoptr(MqttClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_auto (GStrv) servers = NULL;
  gboolean jitter;

  settings = mqtt_settings_new_for_uri (
    "mqtt://h/?servers=mqtt://a:1884,unix:///run/b.sock&tls-alpn-protocols=x-amzn-mqtt-ca",
    &error);
  g_assert_no_error (error);
  g_assert_null (mqtt_settings_get_host (settings));
  g_object_get (settings, "reconnect-jitter", &jitter, NULL);
  g_assert_true (jitter);
  uri = mqtt_settings_to_uri (settings, NULL);
  g_assert_nonnull (strstr (uri, "servers=mqtt://a:1884,unix:///run/b.sock"));
  g_assert_nonnull (strstr (uri, "tls-alpn-protocols=x-amzn-mqtt-ca"));

  client = mqtt_settings_create_client (settings, &error);
  g_assert_no_error (error);
  servers = mqtt_client_get_servers (client);
  g_assert_cmpuint (g_strv_length (servers), ==, 2);
  g_assert_cmpstr (servers[1], ==, "unix:///run/b.sock");
  g_assert_true (mqtt_client_get_reconnect_jitter (client));

  {
    const char *bad[] = { "gopher://a", NULL };

    g_object_set (settings, "servers", bad, NULL);
    g_assert_false (mqtt_settings_apply (settings, client, &error));
    g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/settings/defaults", test_defaults);
  g_test_add_func ("/settings/tls-implied", test_tls_implied);
  g_test_add_func ("/settings/uri/round-trip", test_uri_round_trip);
  g_test_add_func ("/settings/uri/topic-and-parameters", test_uri_topic_and_parameters);
  g_test_add_func ("/settings/uri/errors", test_uri_errors);
  g_test_add_func ("/settings/copy", test_copy);
  g_test_add_func ("/settings/apply", test_apply);
  g_test_add_func ("/settings/servers", test_servers);

  return g_test_run ();
}
