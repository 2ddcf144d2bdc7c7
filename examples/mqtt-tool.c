// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* What mqtt-pub and mqtt-sub share; see mqtt-tool.h. */

#define _GNU_SOURCE

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib-unix.h>

#include "mqtt-tool.h"

static gboolean show_help;

void
tool_options_add_entries (ToolOptions *o, GOptionContext *context)
{
  const GOptionEntry entries[] = {
    { "host", 'h', 0, G_OPTION_ARG_STRING, &o->host, "Broker host (default: localhost)", "HOST" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &o->port,
      "Broker port (default: 1883, 8883 with TLS, 80 or 443 with --ws)", "PORT" },
    { "url", 'L', 0, G_OPTION_ARG_STRING, &o->url,
      "Broker, credentials and topic as mqtt(s)://[user[:password]@]host[:port]/topic "
      "(ws:// and wss:// for WebSockets), and any connection setting as ?name=value (see "
      "MqttSettings)", "URL" },
    { "server", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->servers,
      "A broker to try in turn with the other --server ones, instead of --host: mqtt://, "
      "mqtts://, mqtt+ws://, mqtt+wss:// or unix:///path (repeatable)", "URI" },
    { "unix", 0, 0, G_OPTION_ARG_FILENAME, &o->unix_path,
      "Connect to the broker's Unix socket at PATH", "PATH" },
    { "store", 0, 0, G_OPTION_ARG_FILENAME, &o->store,
      "Keep unfinished QoS 1 and 2 messages in DIR across restarts (needs --id)", "DIR" },
    { "topic", 't', 0, G_OPTION_ARG_STRING_ARRAY, &o->topics, "The topic", "TOPIC" },
    { "qos", 'q', 0, G_OPTION_ARG_INT, &o->qos, "Quality of service: 0, 1 or 2 (default: 0)",
      "QOS" },
    { "id", 'i', 0, G_OPTION_ARG_STRING, &o->id, "Client id (default: a random one)", "ID" },
    { "id-prefix", 'I', 0, G_OPTION_ARG_STRING, &o->id_prefix,
      "Client id: this prefix followed by the process id", "PREFIX" },
    { "disable-clean-session", 'c', 0, G_OPTION_ARG_NONE, &o->persistent,
      "Keep the session (subscriptions, queued messages) after disconnecting; needs -i or -I",
      NULL },
    { "keepalive", 'k', 0, G_OPTION_ARG_INT, &o->keepalive,
      "Keepalive in seconds, 0 for none (default: 60)", "SECONDS" },
    { "username", 'u', 0, G_OPTION_ARG_STRING, &o->username, "User name", "USER" },
    { "password", 'P', 0, G_OPTION_ARG_STRING, &o->password, "Password (needs -u)", "PASSWORD" },
    { "session-expiry-interval", 'x', 0, G_OPTION_ARG_STRING, &o->session_expiry,
      "MQTT 5: seconds the session outlives the connection; -1 or \u221e for ever "
      "(default: -1 with -c, else 0)", "SECONDS" },
    { "protocol-version", 'V', 0, G_OPTION_ARG_STRING, &o->protocol,
      "MQTT version: mqttv311 (or 311, the default) or mqttv31 (or 31)", "VERSION" },
    { "will-topic", 0, 0, G_OPTION_ARG_STRING, &o->will_topic,
      "Topic of the will, which the broker publishes if the connection is lost", "TOPIC" },
    { "will-payload", 0, 0, G_OPTION_ARG_STRING, &o->will_payload,
      "Payload of the will (default: empty)", "PAYLOAD" },
    { "will-qos", 0, 0, G_OPTION_ARG_INT, &o->will_qos, "QoS of the will", "QOS" },
    { "will-retain", 0, 0, G_OPTION_ARG_NONE, &o->will_retain, "Retain the will", NULL },
    { "cafile", 0, 0, G_OPTION_ARG_FILENAME, &o->cafile,
      "Use TLS, trusting the certificate authorities of this PEM file", "FILE" },
    { "capath", 0, 0, G_OPTION_ARG_FILENAME, &o->capath,
      "Use TLS, trusting the certificate authorities of the PEM files in this directory",
      "DIR" },
    { "tls-use-os-certs", 0, 0, G_OPTION_ARG_NONE, &o->tls,
      "Use TLS, trusting the system's certificate authorities", NULL },
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &o->cert,
      "Use TLS with this client certificate (PEM, or PKCS #12 with its key)", "FILE" },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &o->key, "The private key of --cert (PEM)", "FILE" },
    { "alpn", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->alpn,
      "An ALPN protocol to advertise in the TLS handshake (repeatable)", "PROTOCOL" },
    { "insecure", 0, 0, G_OPTION_ARG_NONE, &o->insecure,
      "Accept a broker certificate that names another host", NULL },
    { "ws", 0, 0, G_OPTION_ARG_NONE, &o->websockets, "Connect over WebSockets", NULL },
    { "ws-path", 0, 0, G_OPTION_ARG_STRING, &o->ws_path,
      "Path of the WebSocket endpoint (default: /mqtt)", "PATH" },
    { "bind-address", 'A', 0, G_OPTION_ARG_STRING, &o->bind_address,
      "Connect from this local address", "ADDRESS" },
    { "proxy", 0, 0, G_OPTION_ARG_STRING, &o->proxy,
      "Connect through a proxy: socks5h://[user:password@]host:port, socks4a://, http://",
      "URL" },
    { "debug", 'd', 0, G_OPTION_ARG_NONE, &o->debug,
      "Print every packet sent and received, on stderr", NULL },
    { "quiet", 0, 0, G_OPTION_ARG_NONE, &o->quiet, "Print no error messages", NULL },
    { "help", 0, 0, G_OPTION_ARG_NONE, &show_help, "Show this help and exit", NULL },
    { NULL },
  };

  o->port = -1;
  o->keepalive = -1;
  /* -h is the host, as in mosquitto's tools: --help is ours. */
  g_option_context_set_help_enabled (context, FALSE);
  /* -D takes three or four values, which GOption cannot: it is read
   * before the other options (take_properties()). */
  g_option_context_set_description (
    context, "MQTT 5 properties, as mosquitto's tools take them (-D makes the client MQTT 5):\n"
             "  -D, --property COMMAND NAME VALUE     A property of a packet (COMMAND: connect, "
             "will,\n"
             "                                        disconnect, and publish or subscribe)\n"
             "  -D, --property COMMAND user-property NAME VALUE\n");
  g_option_context_add_main_entries (context, entries, NULL);
}

/* -L: mosquitto's URL, which is the grammar of MqttSettings with ws:// and
 * wss:// for mqtt+ws:// and mqtt+wss://. */
static gboolean
parse_url (ToolOptions *o, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *url = NULL;

  if (o->host || o->port != -1 || o->username || o->password)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                           "-L gives the host, port and credentials: do not use -h, -p, -u or "
                           "-P with it");
      return FALSE;
    }
  if (g_str_has_prefix (o->url, "ws://") || g_str_has_prefix (o->url, "wss://"))
    url = g_strconcat ("mqtt+", o->url, NULL);
  else if (g_str_has_prefix (o->url, "mqtt://") || g_str_has_prefix (o->url, "mqtts://") ||
           g_str_has_prefix (o->url, "mqtt+ws://") || g_str_has_prefix (o->url, "mqtt+wss://"))
    url = g_strdup (o->url);
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "-L %s: the URL must start with mqtt://, mqtts://, ws:// or wss://", o->url);
      return FALSE;
    }
  if (!mqtt_settings_set_uri (o->settings, url, &o->url_topic, NULL, &local_error))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "-L %s: %s", o->url,
                   local_error->message);
      return FALSE;
    }
  if (o->url_topic == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "-L %s: the URL has no topic", o->url);
      return FALSE;
    }
  return TRUE;
}

static gboolean
bad_option (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad_option (GError **error, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, format,
                                                args));
  va_end (args);
  return FALSE;
}

static gboolean
check_qos (const char *what, int qos, GError **error)
{
  if (qos < 0 || qos > 2)
    return bad_option (error, "%s %d: the QoS must be 0, 1 or 2", what, qos);
  return TRUE;
}

/* -D: the packet a property goes in, by mosquitto's name for it. */
static MqttProperties **
property_packet (ToolOptions *o, const char *command)
{
  static const char *const commands[] = {
    "connect", "will", "publish", "subscribe", "unsubscribe", "disconnect",
  };
  MqttProperties **slots[] = {
    &o->connect_props, &o->will_props, &o->publish_props,
    &o->subscribe_props, &o->unsubscribe_props, &o->disconnect_props,
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_ascii_strcasecmp (command, commands[i]) == 0 &&
        g_strv_contains (o->property_commands, commands[i]))
      {
        if (*slots[i] == NULL)
          *slots[i] = mqtt_properties_new ();
        return slots[i];
      }
  return NULL;
}

/* Takes the -D options out of the command line (GOption gives an option
 * one value; -D takes three or four) into the properties of their packet. */
static gboolean
take_properties (ToolOptions *o, int *argc, char ***argv, GError **error)
{
  g_autoptr(GEnumClass) ids = g_type_class_ref (MQTT_TYPE_PROPERTY_ID);
  char **args = *argv;
  int i, kept = 1;

  for (i = 1; i < *argc; i++)
    {
      g_autoptr(GError) local_error = NULL;
      MqttProperties **props;
      GEnumValue *id;
      int n;

      if (!g_str_equal (args[i], "-D") && !g_str_equal (args[i], "--property"))
        {
          args[kept++] = args[i];
          continue;
        }
      if (i + 3 >= *argc)
        return bad_option (error, "-D needs a command, a property and a value");
      props = property_packet (o, args[i + 1]);
      if (props == NULL)
        {
          g_autofree char *known = g_strjoinv (", ", (char **) o->property_commands);

          return bad_option (error, "-D %s: unknown or unsupported command; use one of %s",
                             args[i + 1], known);
        }
      id = g_enum_get_value_by_nick (ids, args[i + 2]);
      if (id == NULL)
        return bad_option (error, "-D %s %s: unknown property", args[i + 1], args[i + 2]);
      if (id->value == MQTT_PROPERTY_USER_PROPERTY)
        {
          if (i + 4 >= *argc)
            return bad_option (error, "-D %s user-property needs a name and a value",
                               args[i + 1]);
          mqtt_properties_add_user_property (*props, args[i + 3], args[i + 4]);
          n = 4;
        }
      else if (!mqtt_properties_set_from_string (*props, id->value, args[i + 3], &local_error))
        return bad_option (error, "-D %s %s: %s", args[i + 1], args[i + 2],
                           local_error->message);
      else
        n = 3;
      i += n;
      o->v5 = TRUE;
    }
  args[kept] = NULL;
  *argc = kept;
  return TRUE;
}

/* -x, or mosquitto's default: a session that never expires with -c, one
 * that ends with the connection without. */
static gboolean
set_session_expiry (ToolOptions *o, GError **error)
{
  guint64 seconds = o->persistent ? G_MAXUINT32 : 0;

  if (o->session_expiry &&
      (g_str_equal (o->session_expiry, "-1") || g_str_equal (o->session_expiry, "\u221e")))
    seconds = G_MAXUINT32;
  else if (o->session_expiry &&
           !g_ascii_string_to_unsigned (o->session_expiry, 10, 0, G_MAXUINT32, &seconds, NULL))
    return bad_option (error, "-x %s: give 0 to 4294967295 seconds, or -1 for ever",
                       o->session_expiry);
  if (seconds == 0 && o->connect_props == NULL)
    return TRUE;
  if (o->connect_props == NULL)
    o->connect_props = mqtt_properties_new ();
  mqtt_properties_set_session_expiry_interval (o->connect_props, seconds);
  return TRUE;
}

gboolean
tool_options_parse (ToolOptions *o, GOptionContext *context, int *argc, char ***argv,
                    GError **error)
{
  MqttProtocolVersion version;

  if (!take_properties (o, argc, argv, error) ||
      !g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (show_help)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_print ("%s", help);
      exit (0);
    }
  if (*argc > 1)
    return bad_option (error, "unexpected argument '%s'", (*argv)[1]);

  o->settings = mqtt_settings_new (NULL, 0);
  if (o->url)
    {
      MqttTransportType transport;

      if (!parse_url (o, error))
        return FALSE;
      g_object_get (o->settings, "transport", &transport, NULL);
      o->websockets = o->websockets || transport == MQTT_TRANSPORT_WEBSOCKETS;
      o->tls = o->tls || mqtt_settings_get_tls (o->settings);
    }
  if (o->port != -1 && (o->port < 1 || o->port > 65535))
    return bad_option (error, "-p %d: the port must be between 1 and 65535", o->port);
  if (o->keepalive != -1 && (o->keepalive < 0 || o->keepalive > 65535))
    return bad_option (error, "-k %d: the keepalive must be between 0 and 65535", o->keepalive);
  if (!check_qos ("-q", o->qos, error) || !check_qos ("--will-qos", o->will_qos, error))
    return FALSE;

  if (o->protocol == NULL || g_str_equal (o->protocol, "mqttv311") ||
      g_str_equal (o->protocol, "311"))
    version = MQTT_PROTOCOL_V311;
  else if (g_str_equal (o->protocol, "mqttv31") || g_str_equal (o->protocol, "31"))
    version = MQTT_PROTOCOL_V31;
  else if (g_str_equal (o->protocol, "mqttv5") || g_str_equal (o->protocol, "5"))
    version = MQTT_PROTOCOL_V5;
  else
    return bad_option (error, "-V %s: unknown version; use mqttv5, mqttv311 or mqttv31",
                       o->protocol);
  /* -D and -x make a level-5 client, as in mosquitto's tools. */
  o->v5 = o->v5 || o->session_expiry;
  if (o->v5 && o->protocol && version != MQTT_PROTOCOL_V5)
    return bad_option (error, "-D and -x need MQTT 5: give -V 5 or no -V");
  if (o->v5)
    version = MQTT_PROTOCOL_V5;
  o->v5 = version == MQTT_PROTOCOL_V5;

  if (o->id && o->id_prefix)
    return bad_option (error, "-i and -I cannot be used together");
  if (o->persistent && !o->id && !o->id_prefix)
    return bad_option (error, "-c needs a client id: give -i or -I");
  if (o->password && !o->username)
    return bad_option (error, "-P needs a user name (-u)");
  if (!o->will_topic && (o->will_payload || o->will_qos || o->will_retain))
    return bad_option (error, "--will-payload, --will-qos and --will-retain need --will-topic");
  if (o->key && !o->cert)
    return bad_option (error, "--key needs --cert");
  if (o->ws_path && !o->websockets)
    return bad_option (error, "--ws-path needs --ws");

  o->tls = o->tls || o->cafile || o->capath || o->cert;
  if (o->insecure && !o->tls)
    return bad_option (error, "--insecure applies to TLS: give --cafile, --capath or "
                              "--tls-use-os-certs");

  /* What the options say, in the settings the client is made from: those
   * given on top of -L's. */
  if (o->id || o->id_prefix)
    {
      g_autofree char *id = o->id ? g_strdup (o->id)
                                  : g_strdup_printf ("%s%d", o->id_prefix, (int) getpid ());

      g_object_set (o->settings, "client-id", id, NULL);
    }
  if (o->persistent)
    g_object_set (o->settings, "clean-session", FALSE, NULL);
  if (o->keepalive != -1)
    g_object_set (o->settings, "keepalive", (guint) o->keepalive, NULL);
  if (o->protocol || o->v5)
    g_object_set (o->settings, "protocol-version", version, NULL);
  if (o->v5 && !set_session_expiry (o, error))
    return FALSE;
  if (o->connect_props)
    g_object_set (o->settings, "connect-properties", o->connect_props, NULL);
  if (o->will_props)
    g_object_set (o->settings, "will-properties", o->will_props, NULL);
  if (o->bind_address)
    g_object_set (o->settings, "bind-address", o->bind_address, NULL);
  if (o->proxy)
    g_object_set (o->settings, "proxy", o->proxy, NULL);
  if (o->store)
    g_object_set (o->settings, "store-directory", o->store, NULL);
  if (o->unix_path)
    {
      g_autofree char *uri = g_strconcat ("unix://", o->unix_path, NULL);
      const char *servers[] = { uri, NULL };

      if (!g_path_is_absolute (o->unix_path))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--unix needs an absolute path, not \"%s\"", o->unix_path);
          return FALSE;
        }
      g_object_set (o->settings, "servers", servers, NULL);
    }
  if (o->servers)
    g_object_set (o->settings, "servers", o->servers, NULL);
  if (o->alpn)
    g_object_set (o->settings, "tls-alpn-protocols", o->alpn, NULL);
  if (o->host)
    g_object_set (o->settings, "host", o->host, NULL);
  if (o->port != -1)
    g_object_set (o->settings, "port", (guint) o->port, NULL);
  if (o->username)
    mqtt_settings_set_auth (o->settings, o->username, o->password);
  if (o->websockets)
    g_object_set (o->settings, "transport", MQTT_TRANSPORT_WEBSOCKETS, NULL);
  if (o->ws_path)
    g_object_set (o->settings, "ws-path", o->ws_path, NULL);
  if (o->will_topic)
    {
      g_autoptr(GBytes) payload =
        g_bytes_new (o->will_payload, o->will_payload ? strlen (o->will_payload) : 0);

      mqtt_settings_set_will (o->settings, o->will_topic, payload, o->will_qos, o->will_retain);
    }
  if (o->tls)
    g_object_set (o->settings, "tls", TRUE, NULL);
  /* --capath's database holds --cafile's authorities too. */
  if (o->cafile && !o->capath)
    g_object_set (o->settings, "ca-certs", o->cafile, NULL);
  if (o->cert)
    g_object_set (o->settings, "certfile", o->cert, "keyfile", o->key, NULL);
  if (o->insecure)
    g_object_set (o->settings, "tls-insecure", TRUE, NULL);
  return TRUE;
}

void
tool_options_clear (ToolOptions *o)
{
  g_free (o->host);
  g_free (o->id);
  g_free (o->id_prefix);
  g_free (o->username);
  g_free (o->password);
  g_free (o->protocol);
  g_free (o->url);
  g_free (o->cafile);
  g_free (o->capath);
  g_free (o->cert);
  g_free (o->key);
  g_free (o->ws_path);
  g_free (o->will_topic);
  g_free (o->will_payload);
  g_free (o->bind_address);
  g_free (o->proxy);
  g_strfreev (o->servers);
  g_free (o->unix_path);
  g_free (o->store);
  g_strfreev (o->alpn);
  g_strfreev (o->topics);
  g_free (o->session_expiry);
  g_clear_pointer (&o->connect_props, mqtt_properties_unref);
  g_clear_pointer (&o->will_props, mqtt_properties_unref);
  g_clear_pointer (&o->publish_props, mqtt_properties_unref);
  g_clear_pointer (&o->subscribe_props, mqtt_properties_unref);
  g_clear_pointer (&o->unsubscribe_props, mqtt_properties_unref);
  g_clear_pointer (&o->disconnect_props, mqtt_properties_unref);
  g_free (o->url_topic);
  g_clear_object (&o->settings);
}

/* GIO reads trust anchors from one file, again at each handshake: the
 * certificates of --cafile and of every file of --capath go into a file
 * that lives in memory as long as the process. */
static GTlsDatabase *
load_ca_directory (const char *cafile, const char *capath, GError **error)
{
  g_autoptr(GString) pem = g_string_new (NULL);
  g_autoptr(GDir) dir = NULL;
  g_autofree char *path = NULL;
  const char *name;
  int fd;

  if (cafile)
    {
      g_autofree char *contents = NULL;

      if (!g_file_get_contents (cafile, &contents, NULL, error))
        return NULL;
      g_string_append (pem, contents);
      g_string_append_c (pem, '\n');
    }
  dir = g_dir_open (capath, 0, error);
  if (dir == NULL)
    return NULL;
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *file = g_build_filename (capath, name, NULL);
      GList *certificates, *l;

      if (!g_file_test (file, G_FILE_TEST_IS_REGULAR))
        continue;
      /* Files that hold no certificate are skipped, as OpenSSL does. */
      certificates = g_tls_certificate_list_new_from_file (file, NULL);
      for (l = certificates; l; l = l->next)
        {
          g_autofree char *one = NULL;

          g_object_get (l->data, "certificate-pem", &one, NULL);
          g_string_append (pem, one);
        }
      g_list_free_full (certificates, g_object_unref);
    }
  if (pem->len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "--capath %s: no certificate found",
                   capath);
      return NULL;
    }

  fd = memfd_create ("mqtt-tool-cas.pem", 0);
  if (fd < 0 || write (fd, pem->str, pem->len) != (gssize) pem->len)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "--capath %s: %s", capath, g_strerror (saved));
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  /* Never closed: the database opens it by name at each handshake. */
  path = g_strdup_printf ("/proc/self/fd/%d", fd);
  return g_tls_file_database_new (path, error);
}

static MqttClient *
create_client (ToolOptions *o, GError **error)
{
  if (o->capath)
    {
      g_autoptr(GTlsDatabase) database = load_ca_directory (o->cafile, o->capath, error);

      if (database == NULL)
        return NULL;
      g_object_set (o->settings, "tls-database", database, NULL);
    }
  return mqtt_settings_create_client (o->settings, error);
}

int
tool_exit_status (const GError *error)
{
  if (error->domain == MQTT_ERROR &&
      (error->code == MQTT_ERROR_CONN_REFUSED || error->code > MQTT_ERROR_CONNACK_BASE))
    return TOOL_EXIT_REFUSED;
  return TOOL_EXIT_ERROR;
}

void
tool_warn (Tool *tool, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  if (tool->options->quiet)
    return;
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("%s: %s\n", tool->name, text);
}

void
tool_fail (Tool *tool, GError *error)
{
  tool_warn (tool, "%s", error->message);
  /* As mosquitto's tools: a level-5 refusal exits with its reason code. */
  tool_stop (tool, tool->connack_reason >= 0x80 ? tool->connack_reason
                                                : tool_exit_status (error));
  g_error_free (error);
}

static void
connack_received (MqttClient *client, gboolean session_present, MqttReasonCode reason,
                  MqttProperties *props, gpointer user_data)
{
  Tool *tool = user_data;

  tool->connack_reason = reason;
}

static void
disconnected_v5 (MqttClient *client, MqttReasonCode reason, MqttProperties *props,
                 const GError *error, gpointer user_data)
{
  Tool *tool = user_data;

  g_main_loop_quit (tool->loop);
}

static void
disconnected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Tool *tool = user_data;

  mqtt_client_disconnect_from_broker_finish (MQTT_CLIENT (source), result, NULL);
  g_main_loop_quit (tool->loop);
}

/* A broker that does not take the DISCONNECT does not hold the tool. */
static gboolean
give_up (gpointer user_data)
{
  Tool *tool = user_data;

  tool->give_up_source = 0;
  g_main_loop_quit (tool->loop);
  return G_SOURCE_REMOVE;
}

void
tool_stop (Tool *tool, int status)
{
  if (tool->stopping)
    return;
  tool->stopping = TRUE;
  tool->status = status;
  if (mqtt_client_get_state (tool->client) == MQTT_CLIENT_STATE_CONNECTED &&
      tool->options->disconnect_props)
    {
      /* -D disconnect: DISCONNECT with properties; done when it is written. */
      g_signal_connect (tool->client, "disconnected-v5", G_CALLBACK (disconnected_v5), tool);
      if (!mqtt_client_disconnect_with_reason (tool->client, MQTT_REASON_CODE_NORMAL_DISCONNECTION,
                                               tool->options->disconnect_props, NULL))
        g_main_loop_quit (tool->loop);
      tool->give_up_source = g_timeout_add_seconds (5, give_up, tool);
    }
  else if (mqtt_client_get_state (tool->client) == MQTT_CLIENT_STATE_CONNECTED)
    {
      mqtt_client_disconnect_from_broker_async (tool->client, NULL, disconnected, tool);
      tool->give_up_source = g_timeout_add_seconds (5, give_up, tool);
    }
  else
    {
      mqtt_client_disconnect_from_broker (tool->client, NULL);
      g_main_loop_quit (tool->loop);
    }
}

static gboolean
interrupted (gpointer user_data)
{
  tool_stop (user_data, 0);
  return G_SOURCE_CONTINUE;
}

static void
print_log (MqttClient *client, MqttLogLevel level, const char *text, gpointer user_data)
{
  Tool *tool = user_data;

  g_printerr ("%s: %s\n", tool->name, text);
}

typedef struct {
  Tool *tool;
  void (*ready) (Tool *tool);
} Starting;

static void
broker_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Starting *starting = user_data;
  Tool *tool = starting->tool;
  void (*ready) (Tool *tool) = starting->ready;
  GError *error = NULL;

  g_free (starting);
  if (!mqtt_client_connect_to_broker_finish (MQTT_CLIENT (source), result, &error))
    {
      /* Ctrl-C while connecting is no error. */
      if (tool->stopping)
        g_error_free (error);
      else
        tool_fail (tool, error);
      return;
    }
  if (!tool->stopping)
    ready (tool);
}

gboolean
tool_start (Tool *tool, const char *name, ToolOptions *options, void (*ready) (Tool *tool),
            GError **error)
{
  Starting *starting;

  tool->name = name;
  tool->options = options;
  tool->client = create_client (options, error);
  if (tool->client == NULL)
    return FALSE;
  tool->loop = g_main_loop_new (NULL, FALSE);
  if (options->debug)
    g_signal_connect (tool->client, "log", G_CALLBACK (print_log), tool);
  g_signal_connect (tool->client, "connected-v5", G_CALLBACK (connack_received), tool);
  tool->signal_sources[0] = g_unix_signal_add (SIGINT, interrupted, tool);
  tool->signal_sources[1] = g_unix_signal_add (SIGTERM, interrupted, tool);

  starting = g_new (Starting, 1);
  starting->tool = tool;
  starting->ready = ready;
  mqtt_client_connect_to_broker_async (tool->client, mqtt_settings_get_host (options->settings),
                                       mqtt_settings_get_port (options->settings),
                                       mqtt_settings_get_keepalive (options->settings), NULL,
                                       broker_answered, starting);
  return TRUE;
}

int
tool_run (Tool *tool)
{
  g_main_loop_run (tool->loop);
  return tool->status;
}

void
tool_clear (Tool *tool)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (tool->signal_sources); i++)
    g_clear_handle_id (&tool->signal_sources[i], g_source_remove);
  g_clear_handle_id (&tool->give_up_source, g_source_remove);
  g_clear_object (&tool->client);
  g_clear_pointer (&tool->loop, g_main_loop_unref);
}
