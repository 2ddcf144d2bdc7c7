/* MqttClient over TLS against mosquitto, with certificates made at test
 * time (tests/common/make-certs.sh). */

#include "config.h"

#include <string.h>

#include "recorder.h"
#include "test-common.h"

/* Listeners: the main port is plain TCP; @PORT1@ server-authenticated TLS,
 * @PORT2@ mutual TLS, @PORT3@ TLS with a certificate for another host. */
#define TLS_CONFIG                                                            \
  "listener @PORT1@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "listener @PORT2@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "require_certificate true\n"                                                \
  "listener @PORT3@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/wrongname.crt\nkeyfile @CERTS@/wrongname.key\n"

typedef struct {
  TestBroker *broker;
  char *ca;
  char *other_ca;
} Fixture;

static char *
cert (const char *name)
{
  return g_build_filename (test_certs_dir (), name, NULL);
}

static void
setup (Fixture *f, gconstpointer data)
{
  f->broker = test_broker_new (TLS_CONFIG);
  f->ca = cert ("ca.crt");
  f->other_ca = cert ("other-ca.crt");
}

static void
teardown (Fixture *f, gconstpointer data)
{
  test_broker_free (f->broker);
  g_free (f->ca);
  g_free (f->other_ca);
}

static MqttClient *
new_client (void)
{
  g_autoptr(GError) error = NULL;
  MqttClient *client = mqtt_client_new (NULL, TRUE, MQTT_PROTOCOL_V311, &error);

  g_assert_no_error (error);
  mqtt_client_set_auto_reconnect (client, FALSE);
  return client;
}

static gboolean
connect_port (MqttClient *client, Fixture *f, guint listener, GError **error)
{
  return mqtt_client_connect_to_broker (client, "127.0.0.1",
                                        test_broker_get_extra_port (f->broker, listener), 60,
                                        NULL, error);
}

/* A message goes round through the broker over the client's connection. */
static void
round_trip (MqttClient *client)
{
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_subscribe (client, "tls/t", 1, NULL, &error));
  RECORDER_WAIT (r, recorder_subscribed, 1);
  g_assert_true (mqtt_client_publish (client, "tls/t", (const guint8 *) "secret", -1, 1, FALSE,
                                      NULL, &error));
  RECORDER_WAIT (r, recorder_messages, 1);
  g_assert_true (mqtt_client_disconnect_from_broker (client, &error));
  RECORDER_WAIT (r, recorder_disconnected, 1);
  g_assert_cmpint (r->disconnect_rc, ==, 0);
}

static void
test_server_auth (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = new_client ();
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_tls_set (client, f->ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                      MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  g_assert_true (mqtt_client_get_tls (client));
  g_assert_true (connect_port (client, f, 1, &error));
  g_assert_no_error (error);
  round_trip (client);
}

static void
test_verification_on_by_default (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = new_client ();
  g_autoptr(Recorder) r = recorder_new (client);
  g_autoptr(GError) error = NULL;

  /* The system's CAs do not know the test CA. */
  g_assert_true (mqtt_client_tls_set (client, NULL, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                      MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  g_assert_false (connect_port (client, f, 1, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_assert_cmpuint (r->disconnected, ==, 0);
  g_clear_error (&error);

  /* Nor does another CA, even with the host-name check off. */
  g_assert_true (mqtt_client_tls_set (client, f->other_ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                      MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  mqtt_client_tls_insecure_set (client, TRUE);
  g_assert_false (connect_port (client, f, 1, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  /* CERT_NONE accepts anything: encrypted, not authenticated. */
  g_assert_true (mqtt_client_tls_set (client, f->other_ca, NULL, NULL, MQTT_TLS_CERT_NONE,
                                      MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  g_assert_true (connect_port (client, f, 1, &error));
  g_assert_no_error (error);
  round_trip (client);
}

static void
test_host_name (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = new_client ();
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_tls_set (client, f->ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                      MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  /* A good certificate for wrong.example, reached as 127.0.0.1. */
  g_assert_false (connect_port (client, f, 3, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  g_clear_error (&error);

  mqtt_client_tls_insecure_set (client, TRUE);
  g_assert_true (connect_port (client, f, 3, &error));
  g_assert_no_error (error);
  round_trip (client);
}

/* ------------------------------------------------------------------------ */
/* Client certificates */

#define TEST_TYPE_INTERACTION (test_interaction_get_type ())
G_DECLARE_FINAL_TYPE (TestInteraction, test_interaction, TEST, INTERACTION, GTlsInteraction)

struct _TestInteraction {
  GTlsInteraction parent;
  char *answer;
  guint asked;
};

G_DEFINE_FINAL_TYPE (TestInteraction, test_interaction, G_TYPE_TLS_INTERACTION)

static GTlsInteractionResult
test_interaction_ask_password (GTlsInteraction *interaction, GTlsPassword *password,
                               GCancellable *cancellable, GError **error)
{
  TestInteraction *self = TEST_INTERACTION (interaction);

  self->asked++;
  if (self->answer == NULL)
    return G_TLS_INTERACTION_UNHANDLED;
  g_tls_password_set_value (password, (const guchar *) self->answer, -1);
  /* A wrong answer is asked again with the RETRY flag; give up then. */
  if (g_tls_password_get_flags (password) & G_TLS_PASSWORD_RETRY)
    return G_TLS_INTERACTION_FAILED;
  return G_TLS_INTERACTION_HANDLED;
}

static void
test_interaction_finalize (GObject *object)
{
  g_free (TEST_INTERACTION (object)->answer);
  G_OBJECT_CLASS (test_interaction_parent_class)->finalize (object);
}

static void
test_interaction_class_init (TestInteractionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_interaction_finalize;
  G_TLS_INTERACTION_CLASS (klass)->ask_password = test_interaction_ask_password;
}

static void
test_interaction_init (TestInteraction *self)
{
}

static void
test_mutual (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *client_crt = cert ("client.crt");
  g_autofree char *client_key = cert ("client.key");

  /* No client certificate: the broker refuses the handshake. */
  {
    g_autoptr(MqttClient) client = new_client ();

    g_assert_true (mqtt_client_tls_set (client, f->ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                        MQTT_TLS_VERSION_DEFAULT, NULL, &error));
    g_assert_false (connect_port (client, f, 2, &error));
    g_assert_nonnull (error);
    g_assert_false (mqtt_client_is_connected (client));
    g_clear_error (&error);
  }
  /* PEM certificate and key. */
  {
    g_autoptr(MqttClient) client = new_client ();

    g_assert_true (mqtt_client_tls_set (client, f->ca, client_crt, client_key,
                                        MQTT_TLS_CERT_REQUIRED, MQTT_TLS_VERSION_DEFAULT, NULL,
                                        &error));
    g_assert_true (connect_port (client, f, 2, &error));
    g_assert_no_error (error);
    round_trip (client);
  }
}

static void
test_encrypted_key (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *p12 = cert ("client.p12");
  g_autofree char *client_crt = cert ("client.crt");
  g_autofree char *encrypted_key = cert ("client-encrypted.key");
  g_autoptr(TestInteraction) interaction = g_object_new (TEST_TYPE_INTERACTION, NULL);
  g_autoptr(MqttClient) client = new_client ();

  /* No interaction to ask: a clear error. */
  g_assert_false (mqtt_client_tls_set (client, f->ca, p12, NULL, MQTT_TLS_CERT_REQUIRED,
                                       MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD);
  g_clear_error (&error);
  g_assert_false (mqtt_client_get_tls (client));

  /* A wrong password is refused, after asking again. */
  interaction->answer = g_strdup ("wrong");
  mqtt_client_set_tls_interaction (client, G_TLS_INTERACTION (interaction));
  g_assert_false (mqtt_client_tls_set (client, f->ca, p12, NULL, MQTT_TLS_CERT_REQUIRED,
                                       MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  g_assert_nonnull (error);
  g_assert_null (strstr (error->message, "wrong"));
  g_assert_cmpuint (interaction->asked, ==, 2);
  g_clear_error (&error);

  /* The interaction gives the right one. */
  g_free (interaction->answer);
  interaction->answer = g_strdup ("p12-secret");
  g_assert_true (mqtt_client_tls_set (client, f->ca, p12, NULL, MQTT_TLS_CERT_REQUIRED,
                                      MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (connect_port (client, f, 2, &error));
  g_assert_no_error (error);
  round_trip (client);

  /* An encrypted PEM key: GIO cannot read it, the error says what to do. */
  g_assert_false (mqtt_client_tls_set (client, f->ca, client_crt, encrypted_key,
                                       MQTT_TLS_CERT_REQUIRED, MQTT_TLS_VERSION_DEFAULT, NULL,
                                       &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "PKCS #12"));
}

static void
test_unsupported_options (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = new_client ();
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = cert ("missing.crt");

  g_assert_false (mqtt_client_tls_set (client, f->ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                       MQTT_TLS_VERSION_1_2, NULL, &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (mqtt_client_tls_set (client, f->ca, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                       MQTT_TLS_VERSION_DEFAULT, "HIGH:!aNULL", &error));
  g_assert_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_false (mqtt_client_tls_set (client, missing, NULL, NULL, MQTT_TLS_CERT_REQUIRED,
                                       MQTT_TLS_VERSION_DEFAULT, NULL, &error));
  g_assert_nonnull (error);
  g_assert_false (mqtt_client_get_tls (client));
}

static void
test_set_context (Fixture *f, gconstpointer data)
{
  g_autoptr(MqttClient) client = new_client ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (f->ca, &error);
  g_autofree char *client_crt = cert ("client.crt");
  g_autofree char *client_key = cert ("client.key");
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_files (client_crt,
                                                                             client_key, &error);

  g_assert_no_error (error);
  mqtt_client_tls_set_context (client, database, certificate);
  g_assert_true (mqtt_client_get_tls (client));
  g_assert_true (connect_port (client, f, 2, &error));
  g_assert_no_error (error);
  round_trip (client);
}

/* Any TLS option turns TLS on, on the client and in the helpers' options:
 * against the plain listener the connection then fails in the handshake,
 * never goes in plaintext. */
static void
assert_no_plaintext (MqttClient *client, Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_client_get_tls (client));
  g_assert_false (mqtt_client_connect_to_broker (client, "127.0.0.1",
                                                 test_broker_get_port (f->broker), 60, NULL,
                                                 &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
}

static void
test_options_turn_tls_on (Fixture *f, gconstpointer data)
{
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (f->ca, NULL);
  g_autoptr(GTlsInteraction) interaction = g_object_new (G_TYPE_TLS_INTERACTION, NULL);
  const char *helper_options[] = { "ca-certs", "certfile", "keyfile", "tls-insecure",
                                   "tls-version", "ciphers" };
  guint i;

  for (i = 0; i < 5; i++)
    {
      g_autoptr(MqttClient) client = new_client ();
      gboolean tls = TRUE;

      g_assert_false (mqtt_client_get_tls (client));
      switch (i)
        {
        case 0:
          g_object_set (client, "tls-database", database, NULL);
          break;
        case 1:
          mqtt_client_tls_insecure_set (client, TRUE);
          break;
        case 2:
          g_object_set (client, "tls-cert-reqs", MQTT_TLS_CERT_NONE, NULL);
          break;
        case 3:
          mqtt_client_set_tls_interaction (client, interaction);
          break;
        default:
          /* Turned off explicitly, with an option set: still on. */
          g_object_set (client, "tls-database", database, "tls", FALSE, NULL);
          break;
        }
      g_object_get (client, "tls", &tls, NULL);
      g_assert_true (tls);
      assert_no_plaintext (client, f);
    }

  for (i = 0; i < G_N_ELEMENTS (helper_options); i++)
    {
      g_autoptr(MqttSettings) options =
        mqtt_settings_new ("127.0.0.1", test_broker_get_port (f->broker));
      g_autoptr(GBytes) payload = g_bytes_new_static ("x", 1);
      g_autoptr(GError) error = NULL;
      g_autofree char *client_crt = cert ("client.crt");
      gboolean tls = FALSE;

      if (g_str_equal (helper_options[i], "tls-insecure"))
        g_object_set (options, "tls-insecure", TRUE, NULL);
      else if (g_str_equal (helper_options[i], "tls-version"))
        g_object_set (options, "tls-version", MQTT_TLS_VERSION_1_2, NULL);
      else
        g_object_set (options, helper_options[i], g_str_equal (helper_options[i], "ca-certs")
                                                    ? f->ca : client_crt, NULL);
      g_object_get (options, "tls", &tls, NULL);
      g_assert_true (tls);
      g_assert_false (mqtt_publish_single ("tls/plain", payload, 0, FALSE, options, NULL,
                                           &error));
      g_assert_nonnull (error);
      g_test_message ("%s: %s", helper_options[i], error->message);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add ("/tls/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("server-auth", test_server_auth);
  ADD ("verification-on-by-default", test_verification_on_by_default);
  ADD ("host-name", test_host_name);
  ADD ("mutual", test_mutual);
  ADD ("encrypted-key", test_encrypted_key);
  ADD ("unsupported-options", test_unsupported_options);
  ADD ("set-context", test_set_context);
  ADD ("options-turn-tls-on", test_options_turn_tls_on);

  return g_test_run ();
}
