/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * TLS in one place: loading a client certificate (PEM, or PKCS #12 with its
 * password from a GTlsInteraction), and judging the broker's certificate
 * as the options say, during the handshake and after it (see
 * mqtt_tls_check_handshake()). The client, the dialer and the WebSocket
 * transport call it; it calls none of them.
 */

#include "config.h"

#include <string.h>

#include "mqtt-error.h"
#include "mqtt-tls-private.h"

static gboolean
is_pkcs12 (const char *path)
{
  return g_str_has_suffix (path, ".p12") || g_str_has_suffix (path, ".pfx");
}

/* A PKCS #12 file: with no password, or with the one the interaction gives. */
static GTlsCertificate *
load_pkcs12 (const char *path, GTlsInteraction *interaction, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GTlsPassword) password = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GError) local_error = NULL;
  GTlsCertificate *certificate;
  char *secret;
  const guchar *value;
  gsize length, secret_length;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  certificate = g_tls_certificate_new_from_pkcs12 ((const guint8 *) contents, length, NULL,
                                                   &local_error);
  if (certificate || !g_error_matches (local_error, G_TLS_ERROR,
                                       G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD))
    {
      if (local_error)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return certificate;
    }

  if (interaction == NULL)
    {
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD,
                   "The certificate file %s is encrypted: set a tls-interaction to give its "
                   "password", path);
      return NULL;
    }

  description = g_strdup_printf ("Password of the TLS certificate %s", path);
  password = g_tls_password_new (G_TLS_PASSWORD_NONE, description);
  for (;;)
    {
      g_clear_error (&local_error);
      if (g_tls_interaction_invoke_ask_password (interaction, password, NULL, error) !=
          G_TLS_INTERACTION_HANDLED)
        {
          if (error && *error == NULL)
            g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD,
                         "No password given for the TLS certificate %s", path);
          return NULL;
        }
      value = g_tls_password_get_value (password, &secret_length);
      secret = g_strndup ((const char *) value, secret_length);
      certificate = g_tls_certificate_new_from_pkcs12 ((const guint8 *) contents, length, secret,
                                                       &local_error);
      memset (secret, 0, secret_length);
      g_free (secret);
      if (certificate || !g_error_matches (local_error, G_TLS_ERROR,
                                           G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD))
        break;
      /* Ask again, saying the last one was wrong. */
      g_tls_password_set_flags (password, G_TLS_PASSWORD_RETRY);
    }
  if (local_error)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return certificate;
}

GTlsCertificate *
mqtt_tls_load_certificate (const char *certfile, const char *keyfile,
                           GTlsInteraction *interaction, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *key = NULL;
  GTlsCertificate *certificate;

  if (is_pkcs12 (certfile))
    return load_pkcs12 (certfile, interaction, error);

  certificate = g_tls_certificate_new_from_files (certfile, keyfile ? keyfile : certfile,
                                                  &local_error);
  if (certificate)
    return certificate;
  /* GIO reads unencrypted PEM keys only: say what to do instead. */
  if (g_file_get_contents (keyfile ? keyfile : certfile, &key, NULL, NULL) &&
      strstr (key, "ENCRYPTED") != NULL)
    {
      g_set_error (error, MQTT_ERROR, MQTT_ERROR_NOT_SUPPORTED,
                   "The private key %s is encrypted, which GIO cannot read in PEM form: give "
                   "the certificate and key as one PKCS #12 file (openssl pkcs12 -export) and "
                   "its password through the tls-interaction",
                   keyfile ? keyfile : certfile);
      return NULL;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* The faults that refuse the server's certificate: the validation flags,
 * less the host name under Paho's tls_insecure_set(), none under its
 * cert_reqs=CERT_NONE. */
static GTlsCertificateFlags
refusing_flags (const MqttTransportOptions *options)
{
  if (!options->tls_verify)
    return 0;
  if (options->tls_insecure)
    return options->tls_validation_flags & ~G_TLS_CERTIFICATE_BAD_IDENTITY;
  return options->tls_validation_flags;
}

/* The server's certificate did not validate: accept it anyway where none
 * of its faults is one the user wants refused. */
gboolean
mqtt_tls_accept (const MqttTransportOptions *options, GTlsCertificateFlags errors)
{
  return (errors & refusing_flags (options)) == 0;
}

/* The certificate is judged again once the handshake is over, whether or
 * not GIO asked accept_certificate(): glib-networking resumes TLS sessions
 * from one cache for the whole process, keyed by the server's address and
 * the client's certificate but not by the trust that accepted the server,
 * and a resumed handshake carries no certificate to check. GIO still works
 * out the faults of the certificate the server presented when the session
 * began, under this connection's own database and identity: the connection
 * is used only if they pass this client's checks, as after a full
 * handshake. A refusal names its reasons. */
gboolean
mqtt_tls_check_handshake (const MqttTransportOptions *options,
                                        GTlsCertificate *peer, GTlsCertificateFlags errors,
                                        GError **error)
{
  static const struct {
    GTlsCertificateFlags flag;
    const char *text;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "not signed by a trusted authority" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "issued for another host" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "insecure" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "invalid" },
  };
  g_autoptr(GString) why = NULL;
  guint i;

  /* Failures other than the certificate's stand as they are. */
  if (*error && !g_error_matches (*error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    return FALSE;
  if (refusing_flags (options) == 0)
    return *error == NULL;
  if (peer == NULL)
    why = g_string_new ("the broker presented none");
  else if (errors && !mqtt_tls_accept (options, errors))
    {
      why = g_string_new (NULL);
      for (i = 0; i < G_N_ELEMENTS (reasons); i++)
        if (errors & reasons[i].flag)
          g_string_append_printf (why, "%s%s", why->len ? ", " : "", reasons[i].text);
      if (why->len == 0)
        g_string_append (why, "invalid");
    }
  if (why == NULL)
    return *error == NULL;
  g_clear_error (error);
  g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
               "Unacceptable TLS certificate: %s", why->str);
  return FALSE;
}
