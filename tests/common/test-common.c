#include "config.h"

#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "test-common.h"

GByteArray *
test_parse_bytes (const char *spec)
{
  GByteArray *out = g_byte_array_new ();
  const char *p = spec;

  while (*p)
    {
      if (*p == ' ')
        p++;
      else if (*p == '\'')
        {
          const char *end = strchr (p + 1, '\'');

          g_assert_nonnull (end);
          g_byte_array_append (out, (const guint8 *) p + 1, end - p - 1);
          p = end + 1;
        }
      else
        {
          guint8 b;

          g_assert_true (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]));
          b = g_ascii_xdigit_value (p[0]) << 4 | g_ascii_xdigit_value (p[1]);
          g_byte_array_append (out, &b, 1);
          p += 2;
        }
    }
  return out;
}

char *
test_hex (const guint8 *data, gsize length)
{
  GString *s = g_string_new (NULL);
  gsize i;

  for (i = 0; i < length; i++)
    g_string_append_printf (s, "%s%02x", i ? " " : "", data[i]);
  return g_string_free (s, FALSE);
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
test_wait_until_full (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms,
                      const char *what)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * G_GINT64_CONSTANT (1000);
  GMainContext *context = g_main_context_ref_thread_default ();
  GSource *tick = g_timeout_source_new (20);

  /* Wake up regularly, so that a condition set by another thread is seen. */
  g_source_set_callback (tick, wake, NULL, NULL);
  g_source_attach (tick, context);
  while (!cond (data))
    {
      if (g_get_monotonic_time () > end)
        g_error ("Timed out after %u ms waiting for %s", timeout_ms, what);
      g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (tick);
  g_source_unref (tick);
  g_main_context_unref (context);
}

static gboolean
time_is_up (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

typedef struct {
  guint *counter;
  guint target;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *wait = data;

  return *wait->counter >= wait->target;
}

void
test_wait_count (guint *counter, guint target, guint timeout_ms)
{
  CountWait wait = { counter, target };

  test_wait_until_full (count_reached, &wait, timeout_ms, "a count");
}

void
test_run_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_GINT64_CONSTANT (1000);

  test_wait_until_full (time_is_up, &end, ms + 10000, "time");
}

/* ------------------------------------------------------------------------ */
/* mosquitto */

struct _TestBroker {
  GSubprocess *process;
  char *dir;
  char *config_path;
  guint16 port;
  guint16 extra_ports[4];
  gboolean extra_used[4];
};

static char *certs_dir;

static void
remove_certs (void)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", certs_dir);

  g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
}

const char *
test_certs_dir (void)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (certs_dir)
    return certs_dir;
  certs_dir = g_dir_make_tmp ("mqtt-glib-certs-XXXXXX", &error);
  g_assert_no_error (error);
  {
    const char *script = g_getenv ("MQTT_TEST_MAKE_CERTS");
    const char *argv[] = { script ? script : "make-certs.sh", certs_dir, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                  &status, &error);
    g_assert_no_error (error);
    g_spawn_check_wait_status (status, &error);
    g_assert_no_error (error);
  }
  atexit (remove_certs);
  return certs_dir;
}

static char *
expand_config (TestBroker *broker, const char *config)
{
  g_autoptr(GString) s = g_string_new (config);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (broker->extra_ports); i++)
    {
      g_autofree char *key = g_strdup_printf ("@PORT%u@", i + 1);
      g_autofree char *value = g_strdup_printf ("%u", broker->extra_ports[i]);

      broker->extra_used[i] = g_string_replace (s, key, value, 0) > 0;
    }
  if (strstr (s->str, "@CERTS@"))
    g_string_replace (s, "@CERTS@", test_certs_dir (), 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

guint16
test_broker_get_extra_port (TestBroker *broker, guint i)
{
  g_assert_cmpuint (i, >=, 1);
  g_assert_cmpuint (i, <=, G_N_ELEMENTS (broker->extra_ports));
  return broker->extra_ports[i - 1];
}

guint16
test_free_port (void)
{
  static GHashTable *given;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  guint16 port;

  if (given == NULL)
    given = g_hash_table_new (NULL, NULL);
  /* Bind to port 0, note the port, close: never the same port twice. */
  do
    {
      g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr(GSocketAddress) bound = NULL;

      g_assert_true (g_socket_bind (socket, any, FALSE, &error));
      bound = g_socket_get_local_address (socket, &error);
      g_assert_no_error (error);
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
    }
  while (g_hash_table_contains (given, GUINT_TO_POINTER (port)));
  g_hash_table_add (given, GUINT_TO_POINTER (port));
  return port;
}

static gboolean
port_accepts (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return connection != NULL;
}

/* mosquitto opens its listeners one after the other: ready when all accept. */
static gboolean
broker_ready (TestBroker *broker)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (broker->extra_ports); i++)
    if (broker->extra_used[i] && !port_accepts (broker->extra_ports[i]))
      return FALSE;
  return port_accepts (broker->port);
}

/* The broker dies with the test program, even one that aborts. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

void
test_broker_start (TestBroker *broker)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *log_path = g_build_filename (broker->dir, "mosquitto.log", NULL);
  const char *mosquitto = g_getenv ("MQTT_TEST_MOSQUITTO");
  gint64 end;

  if (mosquitto == NULL)
    mosquitto = "/usr/sbin/mosquitto";

  {
    g_autoptr(GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                 G_SUBPROCESS_FLAGS_STDERR_SILENCE);

    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
    broker->process = g_subprocess_launcher_spawn (launcher, &error, mosquitto, "-c",
                                                   broker->config_path, NULL);
    g_assert_no_error (error);
  }

  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!broker_ready (broker))
    {
      if (g_subprocess_get_identifier (broker->process) == NULL || g_get_monotonic_time () > end)
        {
          g_autofree char *log = NULL;

          g_file_get_contents (log_path, &log, NULL, NULL);
          g_error ("mosquitto did not start on port %u:\n%s", broker->port, log ? log : "");
        }
      g_usleep (10000);
    }
}

TestBroker *
test_broker_new (const char *extra_config)
{
  TestBroker *broker = g_new0 (TestBroker, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *extra = NULL;
  guint i;

  broker->dir = g_dir_make_tmp ("mqtt-glib-broker-XXXXXX", &error);
  g_assert_no_error (error);
  broker->port = test_free_port ();
  for (i = 0; i < G_N_ELEMENTS (broker->extra_ports); i++)
    broker->extra_ports[i] = test_free_port ();
  extra = expand_config (broker, extra_config ? extra_config : "");
  broker->config_path = g_build_filename (broker->dir, "mosquitto.conf", NULL);
  /* "user root": when the tests run as root, mosquitto would otherwise
   * switch to the mosquitto user, which cannot write to the private
   * directory (log, persistence). Ignored when not root. */
  config = g_strdup_printf ("listener %u 127.0.0.1\n"
                            "user root\n"
                            "allow_anonymous true\n"
                            "persistence false\n"
                            "persistence_location %s/\n"
                            "log_dest file %s/mosquitto.log\n"
                            "log_type all\n"
                            "max_queued_messages 100000\n"
                            "set_tcp_nodelay true\n"
                            "%s\n",
                            broker->port, broker->dir, broker->dir, extra);
  g_file_set_contents (broker->config_path, config, -1, &error);
  g_assert_no_error (error);
  test_broker_start (broker);
  return broker;
}

static void
wait_process (TestBroker *broker)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait (broker->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&broker->process);
}

void
test_broker_stop (TestBroker *broker)
{
  if (broker->process == NULL)
    return;
  g_subprocess_send_signal (broker->process, SIGTERM);
  wait_process (broker);
}

void
test_broker_kill (TestBroker *broker)
{
  if (broker->process == NULL)
    return;
  g_subprocess_force_exit (broker->process);
  wait_process (broker);
}

void
test_remove_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        test_remove_dir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
test_broker_free (TestBroker *broker)
{
  test_broker_stop (broker);
  if (g_getenv ("MQTT_TEST_KEEP_BROKER") == NULL)
    test_remove_dir (broker->dir);
  g_free (broker->dir);
  g_free (broker->config_path);
  g_free (broker);
}

guint16
test_broker_get_port (TestBroker *broker)
{
  return broker->port;
}

const char *
test_broker_get_dir (TestBroker *broker)
{
  return broker->dir;
}

/* ------------------------------------------------------------------------ */
/* The fake broker */

#define FAKE_TIMEOUT_MS 10000

struct _FakeBroker {
  GSocket *listener;
  GSocket *client;
  guint16 port;
  GThread *thread;
  FakeBrokerScript script;
  gpointer data;
  MqttDecoder *decoder;
  MqttProtocolVersion level;   /* the connected client's, from its CONNECT */
  gint done;
  gint64 last_read;
};

static gpointer
fake_broker_thread (gpointer data)
{
  FakeBroker *broker = data;

  broker->script (broker, broker->data);
  g_atomic_int_set (&broker->done, TRUE);
  return NULL;
}

GSocket *
test_listen_loopback (guint16 *port, guint timeout)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  GSocket *listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                    G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (listener, &error));
  g_socket_set_timeout (listener, timeout);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return listener;
}

FakeBroker *
fake_broker_new (FakeBrokerScript script, gpointer data)
{
  FakeBroker *broker = g_new0 (FakeBroker, 1);

  broker->listener = test_listen_loopback (&broker->port, 0);
  broker->script = script;
  broker->data = data;
  broker->decoder = mqtt_decoder_new (MQTT_PROTOCOL_V311, MQTT_MAX_PACKET_SIZE);
  broker->thread = g_thread_new ("fake-broker", fake_broker_thread, broker);
  return broker;
}

void
fake_broker_free (FakeBroker *broker)
{
  g_thread_join (broker->thread);
  g_clear_object (&broker->client);
  g_clear_object (&broker->listener);
  mqtt_decoder_free (broker->decoder);
  g_free (broker);
}

guint16
fake_broker_get_port (FakeBroker *broker)
{
  return broker->port;
}

gboolean
fake_broker_is_done (FakeBroker *broker)
{
  return g_atomic_int_get (&broker->done);
}

gint64
fake_broker_last_read_time (FakeBroker *broker)
{
  return broker->last_read;
}

void
fake_broker_accept (FakeBroker *broker)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&broker->client);
  g_socket_set_timeout (broker->listener, FAKE_TIMEOUT_MS / 1000);
  broker->client = g_socket_accept (broker->listener, NULL, &error);
  g_assert_no_error (error);
  mqtt_decoder_reset (broker->decoder);
  mqtt_decoder_set_protocol_level (broker->decoder, MQTT_PROTOCOL_V311);
  broker->level = MQTT_PROTOCOL_V311;
}

/* Reads at least one byte into the decoder; FALSE on timeout or EOF. */
static gboolean
fill (FakeBroker *broker, gint64 deadline)
{
  gint64 left = deadline - g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  guint8 buffer[65536];
  gssize n;

  if (left <= 0 || broker->client == NULL)
    return FALSE;
  if (!g_socket_condition_timed_wait (broker->client, G_IO_IN, left, NULL, NULL))
    return FALSE;
  n = g_socket_receive (broker->client, (char *) buffer, sizeof buffer, NULL, &error);
  if (n <= 0)
    return FALSE;
  mqtt_decoder_feed (broker->decoder, buffer, n);
  return TRUE;
}

gboolean
fake_broker_try_read_packet (FakeBroker *broker, MqttPacket *packet, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_GINT64_CONSTANT (1000);

  for (;;)
    {
      g_autoptr(GError) error = NULL;

      switch (mqtt_decoder_next (broker->decoder, packet, &error))
        {
        case MQTT_DECODE_PACKET:
          broker->last_read = g_get_monotonic_time ();
          /* The client's packets decode, and ours encode, at its level. */
          if (packet->type == MQTT_PACKET_CONNECT)
            {
              broker->level = packet->connect.protocol_level;
              mqtt_decoder_set_protocol_level (broker->decoder, broker->level);
            }
          return TRUE;
        case MQTT_DECODE_ERROR:
          g_error ("The client sent a malformed packet: %s", error->message);
        case MQTT_DECODE_NEED_MORE:
        default:
          if (!fill (broker, deadline))
            return FALSE;
        }
    }
}

void
fake_broker_read_packet (FakeBroker *broker, MqttPacket *packet)
{
  if (!fake_broker_try_read_packet (broker, packet, FAKE_TIMEOUT_MS))
    g_error ("The fake broker received no packet");
}

GBytes *
fake_broker_read_raw_packet (FakeBroker *broker)
{
  g_auto (MqttPacket) packet = { 0 };
  g_autoptr(GByteArray) out = g_byte_array_new ();

  /* Packets the client sends are canonical: re-encoding gives the bytes
   * back (the codec tests prove it). */
  fake_broker_read_packet (broker, &packet);
  g_assert_true (mqtt_packet_encode (&packet, broker->level, out, NULL));
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

void
fake_broker_send_raw (FakeBroker *broker, const guint8 *data, gsize length)
{
  g_autoptr(GError) error = NULL;
  gsize written = 0;

  while (written < length)
    {
      gssize n = g_socket_send (broker->client, (const char *) data + written, length - written,
                                NULL, &error);

      if (n < 0)
        return; /* the client went away: the test checks what it saw */
      written += n;
    }
}

void
fake_broker_send (FakeBroker *broker, const char *spec)
{
  g_autoptr(GByteArray) bytes = test_parse_bytes (spec);

  fake_broker_send_raw (broker, bytes->data, bytes->len);
}

void
fake_broker_send_packet (FakeBroker *broker, const MqttPacket *packet)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();

  g_assert_true (mqtt_packet_encode (packet, broker->level, bytes, NULL));
  fake_broker_send_raw (broker, bytes->data, bytes->len);
}

void
fake_broker_handshake (FakeBroker *broker, guint8 code, gboolean session_present)
{
  g_auto (MqttPacket) packet = { 0 };
  MqttPacket connack = { 0 };

  fake_broker_accept (broker);
  fake_broker_read_packet (broker, &packet);
  g_assert_cmpint (packet.type, ==, MQTT_PACKET_CONNECT);
  connack.type = MQTT_PACKET_CONNACK;
  connack.connack.return_code = code;
  connack.connack.session_present = session_present;
  fake_broker_send_packet (broker, &connack);
}

void
fake_broker_close (FakeBroker *broker)
{
  if (broker->client)
    g_socket_close (broker->client, NULL);
  g_clear_object (&broker->client);
}

gboolean
fake_broker_wait_closed (FakeBroker *broker, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_GINT64_CONSTANT (1000);

  while (g_get_monotonic_time () < deadline)
    {
      guint8 buffer[4096];
      gssize n;

      if (!g_socket_condition_timed_wait (broker->client, G_IO_IN,
                                          deadline - g_get_monotonic_time (), NULL, NULL))
        return FALSE;
      n = g_socket_receive (broker->client, (char *) buffer, sizeof buffer, NULL, NULL);
      if (n <= 0)
        return TRUE;
      mqtt_decoder_feed (broker->decoder, buffer, n);
    }
  return FALSE;
}
