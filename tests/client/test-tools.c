/* mqtt-pub and mqtt-sub against mosquitto, and against mosquitto_pub and
 * mosquitto_sub: the same bytes both ways, retained messages, QoS 2, wills,
 * TLS, WebSockets, errors and exit statuses. */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "test-common.h"

/* @PORT1@ TLS, @PORT2@ WebSockets. */
#define TOOLS_CONFIG                                                          \
  "listener @PORT1@ 127.0.0.1\n"                                              \
  "cafile @CERTS@/ca.crt\ncertfile @CERTS@/server.crt\nkeyfile @CERTS@/server.key\n" \
  "listener @PORT2@ 127.0.0.1\nprotocol websockets\n"

typedef struct {
  TestBroker *broker;
  char *port;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  f->broker = test_broker_new (TOOLS_CONFIG);
  f->port = g_strdup_printf ("%u", test_broker_get_port (f->broker));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  test_broker_free (f->broker);
  g_free (f->port);
}

static const char *
program (const char *name)
{
  if (g_str_equal (name, "mqtt-pub"))
    return MQTT_TEST_PUB;
  if (g_str_equal (name, "mqtt-sub"))
    return MQTT_TEST_SUB;
  return name;
}

/* Whether the tools started now use TLS: LeakSanitizer cannot watch a
 * process that loaded GnuTLS (see tests/client/meson.build). */
static gboolean children_use_tls;

/* Starts @argv[0] (mqtt-pub, mqtt-sub, mosquitto_pub, mosquitto_sub) with
 * pipes for its standard streams. */
static GSubprocess *
spawn (const char *const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
    G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  if (children_use_tls && g_getenv ("ASAN_OPTIONS"))
    {
      /* The last setting of an option wins. */
      g_autofree char *options = g_strconcat (g_getenv ("ASAN_OPTIONS"), ":detect_leaks=0",
                                              NULL);

      g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", options, TRUE);
    }
  g_ptr_array_add (args, (char *) program (argv[0]));
  for (argv++; *argv; argv++)
    g_ptr_array_add (args, (char *) *argv);
  g_ptr_array_add (args, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char *const *) args->pdata, &error);
  g_assert_no_error (error);
  return process;
}

typedef struct {
  int status;
  GBytes *out;
  char *err;
} Result;

static void
result_clear (Result *result)
{
  g_clear_pointer (&result->out, g_bytes_unref);
  g_clear_pointer (&result->err, g_free);
}

/* Feeds @input (may be NULL), waits for the exit and collects the output. */
static void
finish (GSubprocess *process, GBytes *input, Result *result)
{
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GBytes) nothing = g_bytes_new (NULL, 0);
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate (process, input ? input : nothing, NULL, &result->out, &err, &error);
  g_assert_no_error (error);
  result->err = g_strndup (g_bytes_get_size (err) ? g_bytes_get_data (err, NULL) : "",
                           g_bytes_get_size (err));
  result->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process)
                                                        : 128 + g_subprocess_get_term_sig (process);
  /* For the log of a test that fails on the status. */
  if (result->status != 0)
    g_test_message ("exit status %d, stderr: %s", result->status, result->err);
  g_object_unref (process);
}

#define RUN(result, input, ...)                                               \
  G_STMT_START {                                                              \
    const char *argv_[] = { __VA_ARGS__, NULL };                              \
    finish (spawn (argv_), (input), (result));                                \
  } G_STMT_END

static void
assert_output (Result *result, const void *data, gsize length)
{
  g_assert_cmpmem (g_bytes_get_data (result->out, NULL), g_bytes_get_size (result->out), data,
                   length);
}

#define assert_output_str(result, s) assert_output ((result), (s), strlen (s))

/* One line on stderr, naming the tool. */
static void
assert_one_error_line (Result *result, const char *tool, const char *contains)
{
  g_assert_true (g_str_has_prefix (result->err, tool));
  g_assert_true (g_str_has_suffix (result->err, "\n"));
  g_assert_true (strchr (result->err, '\n') == result->err + strlen (result->err) - 1);
  if (contains)
    g_assert_nonnull (strstr (result->err, contains));
}

/* Every byte value, newlines and NULs included. */
static GBytes *
binary_payload (void)
{
  guint8 data[1024];
  guint i;

  for (i = 0; i < sizeof data; i++)
    data[i] = (i * 7 + i / 256) & 0xff;
  return g_bytes_new (data, sizeof data);
}

static char *
write_temp (Fixture *f, const char *name, GBytes *bytes)
{
  char *path = g_build_filename (test_broker_get_dir (f->broker), name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);
  return path;
}

/* A binary payload goes through unchanged both ways, retained. */
static void
test_binary_retained (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) payload = binary_payload ();
  g_autofree char *file = write_temp (f, "payload.bin", payload);
  Result r = { 0 };

  /* mosquitto_pub -> mqtt-sub */
  RUN (&r, NULL, "mosquitto_pub", "-p", f->port, "-t", "bin/1", "-r", "-q", "1", "-f", file);
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  RUN (&r, NULL, "mqtt-sub", "-p", f->port, "-t", "bin/1", "-C", "1", "-N", "-W", "10");
  g_assert_cmpint (r.status, ==, 0);
  assert_output (&r, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  result_clear (&r);

  /* mqtt-pub -> mosquitto_sub, from a file and from stdin (-s) */
  RUN (&r, NULL, "mqtt-pub", "-p", f->port, "-t", "bin/2", "-r", "-q", "1", "-f", file);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  result_clear (&r);
  RUN (&r, NULL, "mosquitto_sub", "-p", f->port, "-t", "bin/2", "-C", "1", "-N", "-W", "10");
  g_assert_cmpint (r.status, ==, 0);
  assert_output (&r, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  result_clear (&r);

  RUN (&r, payload, "mqtt-pub", "-p", f->port, "-t", "bin/3", "-r", "-s");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  RUN (&r, NULL, "mosquitto_sub", "-p", f->port, "-t", "bin/3", "-C", "1", "-F", "%r %x",
       "-W", "10");
  g_assert_cmpint (r.status, ==, 0);
  {
    g_autoptr(GString) expected = g_string_new ("1 ");
    const guint8 *bytes = g_bytes_get_data (payload, NULL);
    gsize i;

    for (i = 0; i < g_bytes_get_size (payload); i++)
      g_string_append_printf (expected, "%02x", bytes[i]);
    g_string_append_c (expected, '\n');
    assert_output (&r, expected->str, expected->len);
    result_clear (&r);

    /* The same format in mqtt-sub gives the same text. */
    RUN (&r, NULL, "mqtt-sub", "-p", f->port, "-t", "bin/3", "-C", "1", "-F", "%r %x", "-W",
         "10");
    g_assert_cmpint (r.status, ==, 0);
    assert_output (&r, expected->str, expected->len);
    result_clear (&r);
  }
}

/* QoS 2 both ways, through persistent sessions: the subscriber makes its
 * session (-c -E), the message is queued for it, and it collects it. */
static void
test_qos2 (Fixture *f, gconstpointer data)
{
  const char *pairs[][2] = { { "mosquitto_pub", "mqtt-sub" }, { "mqtt-pub", "mosquitto_sub" } };
  Result r = { 0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      const char *pub = pairs[i][0], *sub = pairs[i][1];
      g_autofree char *id = g_strdup_printf ("qos2-%u", i);

      RUN (&r, NULL, sub, "-p", f->port, "-t", "q/2", "-q", "2", "-c", "-i", id, "-E");
      g_assert_cmpint (r.status, ==, 0);
      result_clear (&r);
      RUN (&r, NULL, pub, "-p", f->port, "-t", "q/2", "-q", "2", "-m", "exactly once");
      g_assert_cmpint (r.status, ==, 0);
      result_clear (&r);
      RUN (&r, NULL, sub, "-p", f->port, "-t", "q/2", "-q", "2", "-c", "-i", id, "-C", "1",
           "-F", "%q %r %t %p", "-W", "10");
      g_assert_cmpint (r.status, ==, 0);
      assert_output_str (&r, "2 0 q/2 exactly once\n");
      result_clear (&r);
    }
}

/* -l: each line is a message, the empty one included; mqtt-sub and
 * mosquitto_sub print them alike. */
static void
test_lines (Fixture *f, gconstpointer data)
{
  g_autoptr(GBytes) lines = g_bytes_new_static ("one\ntwo\n\nthree", 14);
  const char *subs[] = { "mqtt-sub", "mosquitto_sub" };
  const char *expected = "l one\nl two\nl (null)\nl three\n";
  Result r = { 0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (subs); i++)
    {
      g_autofree char *id = g_strdup_printf ("lines-%u", i);

      RUN (&r, NULL, subs[i], "-p", f->port, "-t", "l", "-q", "1", "-c", "-i", id, "-E");
      g_assert_cmpint (r.status, ==, 0);
      result_clear (&r);
    }
  RUN (&r, lines, "mqtt-pub", "-p", f->port, "-t", "l", "-q", "1", "-l");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  for (i = 0; i < G_N_ELEMENTS (subs); i++)
    {
      g_autofree char *id = g_strdup_printf ("lines-%u", i);

      RUN (&r, NULL, subs[i], "-p", f->port, "-t", "l", "-q", "1", "-c", "-i", id, "-C", "4",
           "-v", "-W", "10");
      g_assert_cmpint (r.status, ==, 0);
      assert_output_str (&r, expected);
      result_clear (&r);
    }
}

/* -l streams: many lines, more than its window of messages in flight,
 * all arrive in order. */
static void
test_lines_many (Fixture *f, gconstpointer data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GBytes) input = NULL;
  Result r = { 0 };
  guint i;

  for (i = 0; i < 5000; i++)
    g_string_append_printf (text, "line %u\n", i);
  input = g_bytes_new (text->str, text->len);

  RUN (&r, NULL, "mqtt-sub", "-p", f->port, "-t", "many", "-q", "1", "-c", "-i", "many", "-E");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  RUN (&r, input, "mqtt-pub", "-p", f->port, "-t", "many", "-q", "1", "-l", "-M", "100");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  RUN (&r, NULL, "mqtt-sub", "-p", f->port, "-t", "many", "-q", "1", "-c", "-i", "many", "-C",
       "5000", "-W", "30");
  g_assert_cmpint (r.status, ==, 0);
  assert_output (&r, text->str, text->len);
  result_clear (&r);
}

/* Reads @process's stderr until a line contains @needle. */
static void
wait_for_stderr (GSubprocess *process, const char *needle)
{
  g_autoptr(GDataInputStream) err = g_data_input_stream_new (
    g_subprocess_get_stderr_pipe (process));
  g_autoptr(GError) error = NULL;
  char *line;

  /* The rest of stderr stays readable (what this one buffered is lost). */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (err), FALSE);
  while ((line = g_data_input_stream_read_line (err, NULL, NULL, &error)))
    {
      gboolean found = strstr (line, needle) != NULL;

      g_free (line);
      if (found)
        return;
    }
  g_assert_no_error (error);
  g_error ("the tool ended before printing %s", needle);
}

/* The will is published when a tool dies without disconnecting, and not
 * after Ctrl-C, which disconnects cleanly. */
static void
test_will (Fixture *f, gconstpointer data)
{
  const char *tools[][8] = {
    { "mqtt-sub", "-t", "anything", NULL },
    { "mqtt-pub", "-t", "anything", "-l", NULL },
  };
  Result r = { 0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *will = g_strdup_printf ("will/%u", i);
      g_autofree char *clean = g_strdup_printf ("clean/%u", i);
      const char *killed[] = { tools[i][0], "-p", f->port, "-d", "--will-topic", will,
                               "--will-payload", "gone", "--will-retain", "--will-qos", "1",
                               tools[i][1], tools[i][2], tools[i][3], NULL };
      const char *interrupted[] = { tools[i][0], "-p", f->port, "-d", "--will-topic", clean,
                                    "--will-retain", tools[i][1], tools[i][2], tools[i][3],
                                    NULL };
      GSubprocess *process;

      process = spawn (killed);
      wait_for_stderr (process, "Received CONNACK");
      g_subprocess_force_exit (process);
      g_subprocess_wait (process, NULL, NULL);
      g_object_unref (process);
      RUN (&r, NULL, "mosquitto_sub", "-p", f->port, "-t", will, "-q", "1", "-C", "1", "-W",
           "10", "-F", "%r %q %p");
      g_assert_cmpint (r.status, ==, 0);
      assert_output_str (&r, "1 1 gone\n");
      result_clear (&r);

      process = spawn (interrupted);
      wait_for_stderr (process, "Received CONNACK");
      g_subprocess_send_signal (process, SIGINT);
      g_subprocess_wait_check (process, NULL, NULL);
      g_assert_true (g_subprocess_get_if_exited (process));
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
      g_object_unref (process);
      RUN (&r, NULL, "mosquitto_sub", "-p", f->port, "-t", clean, "-W", "1");
      g_assert_cmpint (r.status, ==, 27);
      assert_output_str (&r, "");
      result_clear (&r);
    }
}

/* -R, --retained-only, -T and -C select messages as mosquitto_sub does. */
static void
test_selection (Fixture *f, gconstpointer data)
{
  Result r = { 0 };
  GSubprocess *process;
  const char *retained_only[] = { "mqtt-sub", "-p", f->port, "-t", "s/#", "--retained-only",
                                  "-v", "-d", NULL };
  guint i;

  for (i = 0; i < 3; i++)
    {
      g_autofree char *topic = g_strdup_printf ("s/%c", 'a' + i);

      RUN (&r, NULL, "mosquitto_pub", "-p", f->port, "-t", topic, "-m", "kept", "-r");
      g_assert_cmpint (r.status, ==, 0);
      result_clear (&r);
    }

  /* -T skips a topic; -C counts what is printed. */
  RUN (&r, NULL, "mqtt-sub", "-p", f->port, "-t", "s/#", "-T", "s/a", "-T", "s/c", "-C", "1",
       "-v", "-W", "10");
  g_assert_cmpint (r.status, ==, 0);
  assert_output_str (&r, "s/b kept\n");
  result_clear (&r);

  /* -R skips the retained ones: nothing arrives. */
  RUN (&r, NULL, "mqtt-sub", "-p", f->port, "-t", "s/#", "-R", "-W", "1");
  g_assert_cmpint (r.status, ==, 27);
  assert_output_str (&r, "");
  g_assert_cmpstr (r.err, ==, "mqtt-sub: Timed out\n");
  result_clear (&r);

  /* --retained-only prints the three, and exits at the first live one. */
  process = spawn (retained_only);
  wait_for_stderr (process, "Received SUBACK");
  RUN (&r, NULL, "mosquitto_pub", "-p", f->port, "-t", "s/live", "-m", "now");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  finish (process, NULL, &r);
  g_assert_cmpint (r.status, ==, 0);
  assert_output_str (&r, "s/a kept\ns/b kept\ns/c kept\n");
  result_clear (&r);
}

/* TLS with --cafile and --capath, and WebSockets with -L ws:// */
static void
test_transports (Fixture *f, gconstpointer data)
{
  g_autofree char *tls_port = g_strdup_printf ("%u", test_broker_get_extra_port (f->broker, 1));
  g_autofree char *ca = g_build_filename (test_certs_dir (), "ca.crt", NULL);
  g_autofree char *other_ca = g_build_filename (test_certs_dir (), "other-ca.crt", NULL);
  g_autofree char *capath = g_build_filename (test_broker_get_dir (f->broker), "cas", NULL);
  g_autofree char *ws_url = g_strdup_printf ("ws://127.0.0.1:%u/w",
                                             test_broker_get_extra_port (f->broker, 2));
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  Result r = { 0 };

  children_use_tls = TRUE;
  RUN (&r, NULL, "mqtt-pub", "-h", "127.0.0.1", "-p", tls_port, "--cafile", ca, "-t", "t/tls",
       "-m", "over tls", "-r");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);

  /* A directory of CA certificates, with a file that holds none. */
  g_mkdir (capath, 0700);
  g_file_get_contents (ca, &contents, &length, &error);
  g_assert_no_error (error);
  {
    g_autofree char *copy = g_build_filename (capath, "ca.pem", NULL);
    g_autofree char *readme = g_build_filename (capath, "README", NULL);

    g_file_set_contents (copy, contents, length, &error);
    g_assert_no_error (error);
    g_file_set_contents (readme, "not a certificate\n", -1, &error);
    g_assert_no_error (error);
  }
  RUN (&r, NULL, "mqtt-sub", "-h", "127.0.0.1", "-p", tls_port, "--capath", capath, "-t",
       "t/tls", "-C", "1", "-W", "10");
  g_assert_cmpint (r.status, ==, 0);
  assert_output_str (&r, "over tls\n");
  result_clear (&r);

  /* The wrong CA: one line, and a failure status. */
  RUN (&r, NULL, "mqtt-sub", "-h", "127.0.0.1", "-p", tls_port, "--cafile", other_ca, "-t",
       "t/tls", "-W", "10");
  g_assert_cmpint (r.status, ==, 1);
  assert_one_error_line (&r, "mqtt-sub: ", NULL);
  result_clear (&r);

  /* -L carries any connection setting as a parameter: the CA here, which
   * no other option then undoes. */
  {
    g_autofree char *url = g_strdup_printf ("mqtts://127.0.0.1:%s/t/tls?ca-certs=%s&keepalive=7",
                                            tls_port, ca);

    RUN (&r, NULL, "mqtt-sub", "-L", url, "-C", "1", "-W", "10");
    g_assert_cmpint (r.status, ==, 0);
    assert_output_str (&r, "over tls\n");
    result_clear (&r);
  }
  children_use_tls = FALSE;

  RUN (&r, NULL, "mqtt-pub", "-L", ws_url, "-m", "over websockets", "-r", "-q", "1");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  RUN (&r, NULL, "mqtt-sub", "-L", ws_url, "-C", "1", "-v", "-W", "10");
  g_assert_cmpint (r.status, ==, 0);
  assert_output_str (&r, "w over websockets\n");
  result_clear (&r);
  RUN (&r, NULL, "mosquitto_sub", "-p", f->port, "-t", "w", "-C", "1", "-W", "10");
  g_assert_cmpint (r.status, ==, 0);
  assert_output_str (&r, "over websockets\n");
  result_clear (&r);
}

/* Bad usage, an unreachable or refusing broker: one line, and the exit
 * status of mosquitto's tools. */
static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(TestBroker) locked = test_broker_new ("allow_anonymous false\npassword_file "
                                                  MQTT_TEST_PASSWORD_FILE "\n");
  g_autofree char *locked_port = g_strdup_printf ("%u", test_broker_get_port (locked));
  g_autofree char *free_port = g_strdup_printf ("%u", test_free_port ());
  g_autofree char *url = g_strdup_printf ("mqtt://alice:s3cret@127.0.0.1:%s/u/v", locked_port);
  struct {
    const char *argv[12];
    int status;
    const char *contains;
  } cases[] = {
    { { "mqtt-pub", "--no-such-option", NULL }, 1, "--no-such-option" },
    { { "mqtt-pub", "-t", "x", NULL }, 1, "-m, -f, -l, -s or -n" },
    { { "mqtt-pub", "-t", "x", "-m", "a", "-n", NULL }, 1, "one message source" },
    { { "mqtt-pub", "-t", "x/#", "-m", "a", NULL }, 1, "x/#" },
    { { "mqtt-pub", "-t", "x", "-m", "a", "-q", "3", NULL }, 1, "QoS" },
    { { "mqtt-pub", "-t", "x", "-m", "a", "-V", "6", NULL }, 1, "unknown version" },
    { { "mqtt-pub", "-t", "x", "-f", "/nonexistent/file", NULL }, 1, "/nonexistent/file" },
    { { "mqtt-pub", "-L", "http://host/x", "-m", "a", NULL }, 1, "mqtt://" },
    { { "mqtt-pub", "-L", "mqtt://host", "-m", "a", NULL }, 1, "no topic" },
    { { "mqtt-sub", NULL }, 1, "topic" },
    { { "mqtt-sub", "-t", "a/#/b", NULL }, 1, "a/#/b" },
    { { "mqtt-sub", "-t", "a", "-F", "%Z", NULL }, 1, "%Z" },
    { { "mqtt-sub", "-t", "a", "-c", NULL }, 1, "-c" },
    { { "mqtt-sub", "-t", "a", "-R", "--retained-only", NULL }, 1, "-R" },
    { { "mqtt-pub", "-h", "127.0.0.1", "-p", free_port, "-t", "x", "-m", "a", NULL }, 1,
      "127.0.0.1" },
    { { "mqtt-sub", "-h", "127.0.0.1", "-p", free_port, "-t", "x", NULL }, 1, "127.0.0.1" },
    { { "mqtt-pub", "-h", "127.0.0.1", "-p", locked_port, "-t", "x", "-m", "a", NULL }, 5,
      "not authorised" },
    { { "mqtt-sub", "-h", "127.0.0.1", "-p", locked_port, "-u", "alice", "-P", "nope", "-t",
        "x", NULL }, 5, "Connection Refused" },
    { { "mqtt-pub", "--quiet", "-t", "x", NULL }, 1, NULL },
  };
  Result r = { 0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      finish (spawn (cases[i].argv), NULL, &r);
      g_test_message ("case %u: %s -> %d %s", i, cases[i].argv[1], r.status, r.err);
      g_assert_cmpint (r.status, ==, cases[i].status);
      if (cases[i].contains)
        assert_one_error_line (&r, cases[i].argv[0], cases[i].contains);
      else
        g_assert_cmpstr (r.err, ==, "");
      result_clear (&r);
    }

  /* The right password through -L. */
  RUN (&r, NULL, "mqtt-pub", "-L", url, "-m", "let in");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.err, ==, "");
  result_clear (&r);
}

/* MQTT 5 both ways: -D properties printed by the other side's -F fields,
 * the same text from mosquitto_sub and mqtt-sub. */
/* --server (tried in turn, a dead one skipped) and --unix (mosquitto's
 * `listener 0 PATH`); a bad server URI is a usage error naming it. */
static void
test_servers (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("mqtt-tools-XXXXXX", NULL);
  g_autofree char *sock = g_build_filename (dir, "broker.sock", NULL);
  g_autofree char *config = g_strdup_printf ("listener @PORT1@ 127.0.0.1\nlistener 0 %s\n", sock);
  g_autoptr(TestBroker) broker = test_broker_new (config);
  g_autofree char *dead = g_strdup_printf ("mqtt://127.0.0.1:%u", test_free_port ());
  g_autofree char *live = g_strdup_printf ("mqtt://127.0.0.1:%u", test_broker_get_port (broker));
  Result r = { 0 };

  RUN (&r, NULL, "mqtt-sub", "--unix", sock, "-t", "s/u", "-q", "1", "-c", "-i", "srv", "-E");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  RUN (&r, NULL, "mqtt-pub", "--server", dead, "--server", live, "-t", "s/u", "-q", "1", "-m",
       "via the list");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  RUN (&r, NULL, "mqtt-sub", "--unix", sock, "-t", "s/u", "-q", "1", "-c", "-i", "srv", "-C", "1",
       "-F", "%t %p", "-W", "10");
  g_assert_cmpint (r.status, ==, 0);
  assert_output_str (&r, "s/u via the list\n");
  result_clear (&r);

  RUN (&r, NULL, "mqtt-pub", "--server", "http://x", "-t", "s/u", "-m", "a");
  g_assert_cmpint (r.status, ==, 1);
  assert_one_error_line (&r, "mqtt-pub", "http://x");
  result_clear (&r);
  g_clear_pointer (&broker, test_broker_free);
  g_remove (sock);
  g_rmdir (dir);
}

static void
test_v5_properties (Fixture *f, gconstpointer data)
{
  const char *pairs[][2] = { { "mosquitto_pub", "mqtt-sub" }, { "mqtt-pub", "mosquitto_sub" },
                             { "mqtt-pub", "mqtt-sub" } };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autofree char *topic = g_strdup_printf ("v5/%u", i);
      g_autofree char *want = g_strdup_printf ("v5/%u|text/plain|a:1 b:2|7|reply/t|hi\n", i);
      GSubprocess *sub;
      Result r = { 0 };

      /* A retained message reaches the subscriber whenever it subscribes. */
      RUN (&r, NULL, pairs[i][0], "-p", f->port, "-t", topic, "-m", "hi", "-r", "-q", "1", "-D",
           "publish", "content-type", "text/plain", "-D", "publish", "user-property", "a", "1",
           "-D", "publish", "user-property", "b", "2", "-D", "publish", "response-topic",
           "reply/t");
      g_assert_cmpint (r.status, ==, 0);
      result_clear (&r);
      {
        const char *argv[] = { pairs[i][1], "-p", f->port, "-t", topic, "-C", "1", "-W", "10",
                               "-F", "%t|%C|%P|%S|%R|%p", "-D", "subscribe",
                               "subscription-identifier", "7", NULL };

        sub = spawn (argv);
      }
      finish (sub, NULL, &r);
      g_assert_cmpint (r.status, ==, 0);
      assert_output_str (&r, want);
      result_clear (&r);
    }
}

/* -x: a session that outlives the connection at MQTT 5; -c alone makes one
 * that never expires, as in mosquitto's tools. */
static void
test_v5_session (Fixture *f, gconstpointer data)
{
  Result r = { 0 };

  RUN (&r, NULL, "mqtt-sub", "-p", f->port, "-t", "v5s/t", "-q", "1", "-i", "v5-tool", "-c",
       "-V", "5", "-x", "60", "-E");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  RUN (&r, NULL, "mqtt-pub", "-p", f->port, "-t", "v5s/t", "-m", "kept", "-q", "1", "-V", "5");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  RUN (&r, NULL, "mqtt-sub", "-p", f->port, "-t", "v5s/t", "-q", "1", "-i", "v5-tool", "-c",
       "-V", "5", "-C", "1", "-W", "10");
  g_assert_cmpint (r.status, ==, 0);
  assert_output_str (&r, "kept\n");
  result_clear (&r);

  /* Without -x nor -c, the session ends with the connection. */
  RUN (&r, NULL, "mqtt-sub", "-p", f->port, "-t", "v5s/u", "-q", "1", "-i", "v5-brief", "-V",
       "5", "-E");
  g_assert_cmpint (r.status, ==, 0);
  result_clear (&r);
  RUN (&r, NULL, "mqtt-pub", "-p", f->port, "-t", "v5s/u", "-m", "lost", "-q", "1", "-V", "5");
  result_clear (&r);
  RUN (&r, NULL, "mqtt-sub", "-p", f->port, "-t", "v5s/none", "-i", "v5-brief", "-V", "5", "-W",
       "1");
  g_assert_cmpint (r.status, ==, 27);
  assert_output_str (&r, "");
  result_clear (&r);
}

/* Level-5 usage errors, and a refusal's exit status: its reason code, as
 * mosquitto's tools give it. */
static void
test_v5_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(TestBroker) closed = test_broker_new ("allow_anonymous false");
  g_autofree char *closed_port = g_strdup_printf ("%u", test_broker_get_port (closed));
  const char *tools[][4] = { { "mqtt-pub", "mosquitto_pub", "-m", "x" },
                             { "mqtt-sub", "mosquitto_sub", "-C", "1" } };
  Result r = { 0 };
  guint i;

  RUN (&r, NULL, "mqtt-pub", "-p", f->port, "-t", "a", "-m", "x", "-D", "puback",
       "user-property", "a", "b");
  g_assert_cmpint (r.status, ==, 1);
  assert_one_error_line (&r, "mqtt-pub", "-D puback");
  result_clear (&r);
  RUN (&r, NULL, "mqtt-pub", "-p", f->port, "-t", "a", "-m", "x", "-D", "publish",
       "no-such-property", "1");
  g_assert_cmpint (r.status, ==, 1);
  assert_one_error_line (&r, "mqtt-pub", "unknown property");
  result_clear (&r);
  RUN (&r, NULL, "mqtt-pub", "-p", f->port, "-t", "a", "-m", "x", "-D", "publish",
       "message-expiry-interval", "soon");
  g_assert_cmpint (r.status, ==, 1);
  result_clear (&r);
  RUN (&r, NULL, "mqtt-pub", "-p", f->port, "-t", "a", "-m", "x", "-V", "311", "-x", "5");
  g_assert_cmpint (r.status, ==, 1);
  assert_one_error_line (&r, "mqtt-pub", "MQTT 5");
  result_clear (&r);
  RUN (&r, NULL, "mqtt-sub", "-p", f->port, "-t", "a", "--no-local");
  g_assert_cmpint (r.status, ==, 1);
  result_clear (&r);

  for (i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      int theirs;

      RUN (&r, NULL, tools[i][1], "-p", closed_port, "-t", "a", tools[i][2], tools[i][3], "-V",
           "5");
      theirs = r.status;
      result_clear (&r);
      RUN (&r, NULL, tools[i][0], "-p", closed_port, "-t", "a", tools[i][2], tools[i][3], "-V",
           "5");
      g_assert_cmpint (r.status, ==, 135);
      g_assert_cmpint (r.status, ==, theirs);
      assert_one_error_line (&r, tools[i][0], "Not authorized");
      result_clear (&r);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/tools/binary-retained", test_binary_retained);
  ADD ("/tools/qos2", test_qos2);
  ADD ("/tools/lines", test_lines);
  ADD ("/tools/lines-many", test_lines_many);
  ADD ("/tools/will", test_will);
  ADD ("/tools/selection", test_selection);
  ADD ("/tools/transports", test_transports);
  ADD ("/tools/errors", test_errors);
  ADD ("/tools/servers", test_servers);
  ADD ("/tools/v5/properties", test_v5_properties);
  ADD ("/tools/v5/session", test_v5_session);
  ADD ("/tools/v5/errors", test_v5_errors);
#undef ADD
  return g_test_run ();
}
