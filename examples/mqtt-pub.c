// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* mqtt-pub: publishes to an MQTT broker, with mosquitto_pub's options.
 *
 *   mqtt-pub -t sensors/t1 -m 21.5
 *   mqtt-pub -L mqtts://user:pass@broker/sensors/t1 -q 1 -f reading.bin
 *   tail -f log | mqtt-pub -t logs -l
 *
 * -l publishes each line of stdin as it arrives, with at most a few dozen
 * messages in flight: memory stays bounded however much comes in.
 */

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gunixinputstream.h>

#include "mqtt-tool.h"

/* -l: how many lines, and how many of their bytes, may wait for the broker
 * before stdin is read again (one line of any size always may). */
#define LINE_WINDOW 1024
#define LINE_WINDOW_BYTES (4 << 20)
#define CHUNK_SIZE 65536

typedef struct {
  Tool tool;
  ToolOptions *options;
  const char *topic;
  gboolean retain;
  GBytes *payload;         /* a single message */
  int max_inflight;

  /* -l */
  GInputStream *input;
  GCancellable *cancellable;
  guint8 *chunk;
  GByteArray *line;
  guint pending;
  gsize pending_bytes;
  gboolean reading;
  gboolean eof;
} Pub;

static void read_more (Pub *pub);

typedef struct {
  Pub *pub;
  gsize size;
} Publication;

static void
published (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Publication *publication = user_data;
  Pub *pub = publication->pub;
  GError *error = NULL;

  pub->pending--;
  pub->pending_bytes -= publication->size;
  g_free (publication);
  if (!mqtt_client_publish_finish (MQTT_CLIENT (source), result, NULL, &error))
    {
      /* Messages still in flight at Ctrl-C are no news. */
      if (pub->tool.stopping)
        {
          g_error_free (error);
          return;
        }
      tool_fail (&pub->tool, error);
      return;
    }
  if (pub->input == NULL || (pub->eof && pub->pending == 0))
    tool_stop (&pub->tool, 0);
  else
    read_more (pub);
}

static void
publish (Pub *pub, GBytes *payload)
{
  Publication *publication = g_new (Publication, 1);

  publication->pub = pub;
  publication->size = g_bytes_get_size (payload);
  pub->pending++;
  pub->pending_bytes += publication->size;
  mqtt_client_publish_with_properties_async (pub->tool.client, pub->topic, payload,
                                             pub->options->qos, pub->retain,
                                             pub->options->publish_props, NULL, published,
                                             publication);
}

static gboolean
take_line (Pub *pub, const guint8 *data, gsize length, GError **error)
{
  if (pub->line->len + length > TOOL_MAX_PAYLOAD)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   "stdin: a line is longer than the largest MQTT payload (%d bytes)",
                   TOOL_MAX_PAYLOAD);
      return FALSE;
    }
  g_byte_array_append (pub->line, data, length);
  return TRUE;
}

static void
publish_line (Pub *pub)
{
  g_autoptr(GBytes) payload = g_byte_array_free_to_bytes (pub->line);

  pub->line = g_byte_array_new ();
  publish (pub, payload);
}

static void
got_chunk (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pub *pub = user_data;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  const guint8 *data = pub->chunk, *end, *newline;

  pub->reading = FALSE;
  if (pub->tool.stopping)
    {
      g_clear_error (&error);
      return;
    }
  if (n < 0)
    {
      g_prefix_error (&error, "stdin: ");
      tool_fail (&pub->tool, error);
      return;
    }
  if (n == 0)
    {
      pub->eof = TRUE;
      /* A last line without a newline is a line too. */
      if (pub->line->len > 0)
        publish_line (pub);
      if (pub->pending == 0)
        tool_stop (&pub->tool, 0);
      return;
    }

  end = data + n;
  while ((newline = memchr (data, '\n', end - data)))
    {
      if (!take_line (pub, data, newline - data, &error))
        {
          tool_fail (&pub->tool, error);
          return;
        }
      publish_line (pub);
      data = newline + 1;
    }
  if (!take_line (pub, data, end - data, &error))
    {
      tool_fail (&pub->tool, error);
      return;
    }
  read_more (pub);
}

static void
read_more (Pub *pub)
{
  if (pub->reading || pub->eof || pub->tool.stopping || pub->pending >= LINE_WINDOW ||
      pub->pending_bytes >= LINE_WINDOW_BYTES)
    return;
  pub->reading = TRUE;
  g_input_stream_read_async (pub->input, pub->chunk, CHUNK_SIZE, G_PRIORITY_DEFAULT,
                             pub->cancellable, got_chunk, pub);
}

static void
ready (Tool *tool)
{
  Pub *pub = (Pub *) tool;

  if (pub->input)
    read_more (pub);
  else
    publish (pub, pub->payload);
}

/* -s: all of stdin, as one message. */
static GBytes *
read_all_stdin (GError **error)
{
  g_autoptr(GInputStream) input = g_unix_input_stream_new (0, FALSE);
  g_autoptr(GByteArray) all = g_byte_array_new ();
  guint8 buffer[CHUNK_SIZE];
  gssize n;

  while ((n = g_input_stream_read (input, buffer, sizeof buffer, NULL, error)) > 0)
    {
      if (all->len + n > TOOL_MAX_PAYLOAD)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       "stdin: more than the largest MQTT payload (%d bytes)", TOOL_MAX_PAYLOAD);
          return NULL;
        }
      g_byte_array_append (all, buffer, n);
    }
  if (n < 0)
    {
      g_prefix_error (error, "stdin: ");
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

static GBytes *
read_file (const char *path, GError **error)
{
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, error);

  if (file == NULL)
    return NULL;
  if (g_mapped_file_get_length (file) > TOOL_MAX_PAYLOAD)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   "%s: larger than the largest MQTT payload (%d bytes)", path,
                   TOOL_MAX_PAYLOAD);
      return NULL;
    }
  return g_mapped_file_get_bytes (file);
}

int
main (int argc, char *argv[])
{
  static const char *const property_commands[] = { "connect", "will", "publish", "disconnect",
                                                   NULL };
  ToolOptions options = { 0 };
  Pub pub = { { 0 } };
  g_autoptr(GOptionContext) context = g_option_context_new ("- publish to an MQTT broker");
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL, *file = NULL;
  gboolean lines = FALSE, whole = FALSE, null_message = FALSE;
  const GOptionEntry entries[] = {
    { "message", 'm', 0, G_OPTION_ARG_STRING, &message, "Publish this message", "TEXT" },
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &file, "Publish the contents of this file", "FILE" },
    { "stdin-line", 'l', 0, G_OPTION_ARG_NONE, &lines,
      "Publish each line of stdin as a message, as it arrives", NULL },
    { "stdin-file", 's', 0, G_OPTION_ARG_NONE, &whole, "Publish all of stdin as one message",
      NULL },
    { "null-message", 'n', 0, G_OPTION_ARG_NONE, &null_message, "Publish an empty message",
      NULL },
    { "retain", 'r', 0, G_OPTION_ARG_NONE, &pub.retain, "Have the broker retain the message",
      NULL },
    { "max-inflight", 'M', 0, G_OPTION_ARG_INT, &pub.max_inflight,
      "How many QoS 1 and 2 messages may await the broker's acknowledgement (default: 20)",
      "COUNT" },
    { NULL },
  };
  int status;

  setlocale (LC_ALL, "");
  g_set_prgname ("mqtt-pub");
  g_option_context_set_summary (context,
                                "Exit status: 0 when published, 1 on an error, 5 when the "
                                "broker refuses the connection (at MQTT 5, its reason code).");
  tool_options_add_entries (&options, context);
  g_option_context_add_main_entries (context, entries, NULL);
  pub.options = &options;

  options.property_commands = property_commands;
  if (!tool_options_parse (&options, context, &argc, &argv, &error))
    goto usage;
  if ((options.topics ? g_strv_length (options.topics) : 0) + (options.url_topic ? 1 : 0) != 1)
    {
      g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "give one topic, with -t or -L");
      goto usage;
    }
  pub.topic = options.url_topic ? options.url_topic : options.topics[0];
  if (!mqtt_topic_validate_name (pub.topic, &error))
    goto usage;
  if (pub.max_inflight < 0 || pub.max_inflight > 65535)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "-M %d: the window must be between 1 and 65535", pub.max_inflight);
      goto usage;
    }
  if ((message != NULL) + (file != NULL) + lines + whole + null_message != 1)
    {
      g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "give one message source: -m, -f, -l, -s or -n");
      goto usage;
    }

  if (message)
    pub.payload = g_bytes_new (message, strlen (message));
  else if (file)
    pub.payload = read_file (file, &error);
  else if (whole)
    pub.payload = read_all_stdin (&error);
  else if (null_message)
    pub.payload = g_bytes_new (NULL, 0);
  else
    {
      pub.input = g_unix_input_stream_new (0, FALSE);
      pub.cancellable = g_cancellable_new ();
      pub.chunk = g_malloc (CHUNK_SIZE);
      pub.line = g_byte_array_new ();
    }
  if (!pub.payload && !pub.input)
    goto failed;

  if (!tool_start (&pub.tool, "mqtt-pub", &options, ready, &error))
    goto failed;
  if (pub.max_inflight)
    mqtt_client_set_max_inflight_messages (pub.tool.client, pub.max_inflight);
  status = tool_run (&pub.tool);
  /* A read still pending (Ctrl-C) ends before the buffer goes. */
  if (pub.reading)
    {
      g_cancellable_cancel (pub.cancellable);
      while (pub.reading)
        g_main_context_iteration (NULL, TRUE);
    }

  tool_clear (&pub.tool);
  g_clear_pointer (&pub.payload, g_bytes_unref);
  g_clear_object (&pub.input);
  g_clear_object (&pub.cancellable);
  g_free (pub.chunk);
  if (pub.line)
    g_byte_array_unref (pub.line);
  tool_options_clear (&options);
  return status;

usage:
  if (!options.quiet)
    g_printerr ("mqtt-pub: %s (see mqtt-pub --help)\n", error->message);
  tool_options_clear (&options);
  return TOOL_EXIT_ERROR;

failed:
  if (!options.quiet)
    g_printerr ("mqtt-pub: %s\n", error->message);
  g_clear_pointer (&pub.payload, g_bytes_unref);
  tool_options_clear (&options);
  return tool_exit_status (error);
}
