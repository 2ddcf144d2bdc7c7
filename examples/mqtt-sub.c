// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* mqtt-sub: prints what an MQTT broker publishes, with mosquitto_sub's
 * options.
 *
 *   mqtt-sub -t 'sensors/#' -v
 *   mqtt-sub -t status -C 1 -W 10 --retained-only
 *   mqtt-sub -t 'logs/#' -F '%I %t %l %x'
 *
 * Subscriptions are made at every CONNACK, so they outlive a reconnection.
 */

#include <stdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt-tool.h"

typedef struct {
  Tool tool;
  ToolOptions *options;
  GPtrArray *filters;      /* the topics to subscribe to */
  char **filter_out;       /* -T */
  int count;               /* -C */
  int timeout;             /* -W */
  gboolean no_retained;    /* -R */
  gboolean retained_only;
  gboolean exit_on_suback; /* -E */
  gboolean retain_as_published;
  gboolean no_local;
  int retain_handling;
  gboolean verbose;
  gboolean no_eol;
  char *format;
  int printed;
  guint subscribe_mid;
  guint timeout_source;
  GString *out;
} Sub;

/* -F: a format as mosquitto_sub's, checked before connecting. */

/* MQTT 5's fields: a property of the message, nothing when it has none. */
static void
append_property (GString *out, MqttProperties *props, char field)
{
  const char *name, *value;
  guint16 alias;
  guint32 number;
  guint8 format;
  GBytes *data;
  guint i;

  if (props == NULL)
    return;
  switch (field)
    {
    case 'A':
      if (mqtt_properties_get_topic_alias (props, &alias))
        g_string_append_printf (out, "%u", alias);
      break;
    case 'C':
      if (mqtt_properties_get_content_type (props))
        g_string_append (out, mqtt_properties_get_content_type (props));
      break;
    case 'D':
      data = mqtt_properties_get_correlation_data (props);
      if (data)
        g_string_append_len (out, g_bytes_get_data (data, NULL), g_bytes_get_size (data));
      break;
    case 'E':
      if (mqtt_properties_get_message_expiry_interval (props, &number))
        g_string_append_printf (out, "%u", number);
      break;
    case 'F':
      if (mqtt_properties_get_payload_format_indicator (props, &format))
        g_string_append_printf (out, "%u", format);
      break;
    case 'P':
      /* As mosquitto_sub: name:value, several separated by spaces. */
      for (i = 0; mqtt_properties_get_user_property (props, i, &name, &value); i++)
        g_string_append_printf (out, "%s%s:%s", i ? " " : "", name, value);
      break;
    case 'R':
      if (mqtt_properties_get_response_topic (props))
        g_string_append (out, mqtt_properties_get_response_topic (props));
      break;
    case 'S':
      {
        g_autofree guint32 *ids = NULL;
        gsize n;

        ids = mqtt_properties_get_subscription_identifiers (props, &n);
        for (i = 0; i < n; i++)
          g_string_append_printf (out, "%s%u", i ? " " : "", ids[i]);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
append_padded (GString *out, const char *text, gssize length, gboolean left, gboolean zero,
               int width, int precision)
{
  gsize n = length < 0 ? strlen (text) : (gsize) length;

  if (precision >= 0 && n > (gsize) precision)
    n = precision;
  if (!left)
    for (; width > (int) n; width--)
      g_string_append_c (out, zero ? '0' : ' ');
  g_string_append_len (out, text, n);
  for (; width > (int) n; width--)
    g_string_append_c (out, ' ');
}

static void
append_hex (GString *out, const guint8 *data, gsize length, gboolean upper)
{
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  gsize i;

  for (i = 0; i < length; i++)
    {
      g_string_append_c (out, digits[data[i] >> 4]);
      g_string_append_c (out, digits[data[i] & 15]);
    }
}

static void
append_json_string (GString *out, const char *text, gsize length)
{
  gsize i;

  g_string_append_c (out, '"');
  for (i = 0; i < length; i++)
    {
      guchar c = text[i];

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '"');
}

/* {"tst":..., "topic":..., "qos":..., "retain":..., "payloadlen":...,
 * "mid":... (QoS 1 and 2), "payload":...}: the payload as a string when it
 * is UTF-8, else as "payload_base64". */
static void
append_json (GString *out, MqttMessage *message, GDateTime *now)
{
  gsize length;
  const char *payload = g_bytes_get_data (mqtt_message_get_payload (message), &length);
  const char *topic = mqtt_message_get_topic (message);
  g_autofree char *tst = g_date_time_format_iso8601 (now);

  g_string_append (out, "{\"tst\":");
  append_json_string (out, tst, strlen (tst));
  g_string_append (out, ",\"topic\":");
  append_json_string (out, topic, strlen (topic));
  g_string_append_printf (out, ",\"qos\":%d,\"retain\":%d,\"payloadlen\":%" G_GSIZE_FORMAT,
                          mqtt_message_get_qos (message), mqtt_message_get_retain (message),
                          length);
  if (mqtt_message_get_qos (message) > 0)
    g_string_append_printf (out, ",\"mid\":%u", mqtt_message_get_mid (message));
  if (g_utf8_validate_len (payload, length, NULL) && !memchr (payload, 0, length))
    {
      g_string_append (out, ",\"payload\":");
      append_json_string (out, payload, length);
    }
  else
    {
      g_autofree char *base64 = g_base64_encode ((const guchar *) payload, length);

      g_string_append_printf (out, ",\"payload_base64\":\"%s\"", base64);
    }
  g_string_append_c (out, '}');
}

/* Formats @message into @out, or with @message NULL only checks @format. */
static gboolean
format_message (GString *out, const char *format, MqttMessage *message, GError **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  const char *p;

  for (p = format; *p; p++)
    {
      if (*p == '\\' && p[1])
        {
          static const char escapes[] = "\\\\0\0a\ae\033n\nr\rt\tv\v";
          const char *e;

          p++;
          for (e = escapes; e < escapes + sizeof escapes - 1; e += 2)
            if (*e == *p)
              break;
          if (e >= escapes + sizeof escapes - 1)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "-F: unknown escape \\%c", *p);
              return FALSE;
            }
          g_string_append_c (out, e[1]);
        }
      else if (*p == '@' && p[1])
        {
          char code[3] = { '%', *++p, '\0' };
          g_autofree char *text = NULL;

          if (*p == '@')
            {
              g_string_append_c (out, '@');
              continue;
            }
          text = g_date_time_format (now, code);
          if (text == NULL)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "-F: unknown time field @%c", *p);
              return FALSE;
            }
          g_string_append (out, text);
        }
      else if (*p == '%' && p[1])
        {
          gboolean left = FALSE, zero = FALSE;
          int width = 0, precision = -1;
          gsize length = 0;
          const guint8 *payload = NULL;
          g_autofree char *text = NULL;

          for (p++; *p == '-' || *p == '0'; p++)
            {
              if (*p == '-')
                left = TRUE;
              else
                zero = TRUE;
            }
          for (; g_ascii_isdigit (*p); p++)
            width = MIN (width * 10 + (*p - '0'), 10000);
          if (*p == '.')
            for (precision = 0, p++; g_ascii_isdigit (*p); p++)
              precision = MIN (precision * 10 + (*p - '0'), 10000);
          if (message)
            payload = g_bytes_get_data (mqtt_message_get_payload (message), &length);

          switch (*p)
            {
            case '%':
              g_string_append_c (out, '%');
              break;
            case 't':
              if (message)
                append_padded (out, mqtt_message_get_topic (message), -1, left, FALSE, width,
                               precision);
              break;
            case 'p':
              if (message)
                append_padded (out, (const char *) payload, length, left, FALSE, width,
                               precision);
              break;
            case 'x':
            case 'X':
              if (message)
                {
                  g_autoptr(GString) hex = g_string_new (NULL);

                  append_hex (hex, payload, length, *p == 'X');
                  append_padded (out, hex->str, hex->len, left, zero, width, precision);
                }
              break;
            case 'l':
            case 'q':
            case 'r':
            case 'm':
              if (message)
                {
                  guint value = *p == 'l' ? length
                                : *p == 'q' ? (guint) mqtt_message_get_qos (message)
                                : *p == 'r' ? (guint) mqtt_message_get_retain (message)
                                : mqtt_message_get_mid (message);

                  text = g_strdup_printf ("%u", value);
                  append_padded (out, text, -1, left, zero, width, -1);
                }
              break;
            case 'I':
              text = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S%z");
              append_padded (out, text, -1, left, FALSE, width, precision);
              break;
            case 'U':
              {
                gint64 usec = g_get_real_time ();

                text = g_strdup_printf ("%" G_GINT64_FORMAT ".%06" G_GINT64_FORMAT "000",
                                        usec / G_USEC_PER_SEC, usec % G_USEC_PER_SEC);
                append_padded (out, text, -1, left, FALSE, width, precision);
              }
              break;
            case 'j':
              if (message)
                append_json (out, message, now);
              break;
            case 'A':
            case 'C':
            case 'D':
            case 'E':
            case 'F':
            case 'P':
            case 'R':
            case 'S':
              if (message)
                {
                  g_autoptr(GString) field = g_string_new (NULL);

                  append_property (field, mqtt_message_get_properties (message), *p);
                  append_padded (out, field->str, field->len, left, zero, width, precision);
                }
              break;
            default:
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "-F: unknown field %%%c", *p ? *p : ' ');
              return FALSE;
            }
        }
      else
        g_string_append_c (out, *p);
    }
  return TRUE;
}

static void
print_message (Sub *sub, MqttMessage *message)
{
  gsize length;
  const char *payload = g_bytes_get_data (mqtt_message_get_payload (message), &length);
  GString *out = sub->out;

  g_string_truncate (out, 0);
  if (sub->format)
    {
      format_message (out, sub->format, message, NULL);
      if (!sub->no_eol)
        g_string_append_c (out, '\n');
    }
  else if (sub->verbose)
    {
      /* As mosquitto_sub: an empty payload shows as "(null)". */
      g_string_append (out, mqtt_message_get_topic (message));
      if (length)
        {
          g_string_append_c (out, ' ');
          g_string_append_len (out, payload, length);
        }
      else
        g_string_append (out, " (null)");
      if (!sub->no_eol)
        g_string_append_c (out, '\n');
    }
  else if (length)
    {
      /* As mosquitto_sub: an empty payload prints nothing. */
      g_string_append_len (out, payload, length);
      if (!sub->no_eol)
        g_string_append_c (out, '\n');
    }
  if (out->len)
    {
      fwrite (out->str, 1, out->len, stdout);
      fflush (stdout);
    }
}

static void
on_message (MqttClient *client, MqttMessage *message, gpointer user_data)
{
  Sub *sub = user_data;
  const char *topic = mqtt_message_get_topic (message);
  char **filter;

  if (sub->tool.stopping)
    return;
  if (sub->retained_only && !mqtt_message_get_retain (message))
    {
      tool_stop (&sub->tool, 0);
      return;
    }
  if (sub->no_retained && mqtt_message_get_retain (message))
    return;
  for (filter = sub->filter_out; filter && *filter; filter++)
    if (mqtt_topic_matches_sub (*filter, topic))
      return;

  print_message (sub, message);
  if (sub->count > 0 && ++sub->printed >= sub->count)
    tool_stop (&sub->tool, 0);
}

/* MQTT 5's subscription options. */
static MqttSubscribeFlags
subscribe_flags (Sub *sub)
{
  MqttSubscribeFlags flags = MQTT_SUBSCRIBE_FLAGS_NONE;

  if (sub->retain_as_published)
    flags |= MQTT_SUBSCRIBE_FLAGS_RETAIN_AS_PUBLISHED;
  if (sub->no_local)
    flags |= MQTT_SUBSCRIBE_FLAGS_NO_LOCAL;
  if (sub->retain_handling == 1)
    flags |= MQTT_SUBSCRIBE_FLAGS_RETAINED_IF_NEW;
  else if (sub->retain_handling == 2)
    flags |= MQTT_SUBSCRIBE_FLAGS_NO_RETAINED;
  return flags;
}

static void
on_connected (MqttClient *client, gboolean session_present, int rc, gpointer user_data)
{
  Sub *sub = user_data;
  g_autofree MqttQos *qos = NULL;
  GError *error = NULL;
  guint i;

  if (rc != MQTT_CONNACK_ACCEPTED || sub->tool.stopping)
    return;
  qos = g_new (MqttQos, sub->filters->len);
  for (i = 0; i < sub->filters->len; i++)
    qos[i] = sub->options->qos;
  if (!mqtt_client_subscribe_with_options (client, (const char *const *) sub->filters->pdata, qos,
                                           sub->filters->len, subscribe_flags (sub),
                                           sub->options->subscribe_props, &sub->subscribe_mid,
                                           &error))
    tool_fail (&sub->tool, error);
}

static void
on_subscribed (MqttClient *client, guint mid, GArray *granted, gpointer user_data)
{
  Sub *sub = user_data;
  guint i, refused = 0;

  if (mid != sub->subscribe_mid)
    return;
  for (i = 0; i < granted->len && i < sub->filters->len; i++)
    if (g_array_index (granted, int, i) >= 0x80)
      {
        int code = g_array_index (granted, int, i);

        /* At MQTT 5 the code says why. */
        if (sub->options->v5)
          tool_warn (&sub->tool, "the broker refused the subscription to %s: %s",
                     (const char *) g_ptr_array_index (sub->filters, i),
                     mqtt_reason_string (code));
        else
          tool_warn (&sub->tool, "the broker refused the subscription to %s",
                     (const char *) g_ptr_array_index (sub->filters, i));
        refused++;
      }
  if (refused == sub->filters->len)
    {
      tool_fail (&sub->tool, g_error_new_literal (MQTT_ERROR, MQTT_ERROR_ACL_DENIED,
                                                  "every subscription was refused"));
      return;
    }
  if (sub->exit_on_suback)
    tool_stop (&sub->tool, 0);
}

static gboolean
timed_out (gpointer user_data)
{
  Sub *sub = user_data;

  sub->timeout_source = 0;
  tool_warn (&sub->tool, "Timed out");
  tool_stop (&sub->tool, TOOL_EXIT_TIMEOUT);
  return G_SOURCE_REMOVE;
}

static void
ready (Tool *tool)
{
}

int
main (int argc, char *argv[])
{
  static const char *const property_commands[] = { "connect", "will", "subscribe",
                                                   "disconnect", NULL };
  ToolOptions options = { 0 };
  Sub sub = { { 0 } };
  g_autoptr(GOptionContext) context = g_option_context_new ("- print what an MQTT broker publishes");
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "count", 'C', 0, G_OPTION_ARG_INT, &sub.count,
      "Disconnect and exit after this many messages", "COUNT" },
    { "timeout", 'W', 0, G_OPTION_ARG_INT, &sub.timeout,
      "Exit with status 27 after this many seconds", "SECONDS" },
    { "filter-out", 'T', 0, G_OPTION_ARG_STRING_ARRAY, &sub.filter_out,
      "Skip messages whose topic matches this filter (repeatable)", "FILTER" },
    { "no-retained", 'R', 0, G_OPTION_ARG_NONE, &sub.no_retained,
      "Skip stale messages (those with the retain flag)", NULL },
    { "retained-only", 0, 0, G_OPTION_ARG_NONE, &sub.retained_only,
      "Print only retained messages, and exit at the first one that is not", NULL },
    { "exit-on-suback", 'E', 0, G_OPTION_ARG_NONE, &sub.exit_on_suback,
      "Exit once the broker has acknowledged the subscriptions", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &sub.verbose, "Print the topic before the payload",
      NULL },
    { "no-eol", 'N', 0, G_OPTION_ARG_NONE, &sub.no_eol, "Print no newline after each message",
      NULL },
    { "retain-as-published", 0, 0, G_OPTION_ARG_NONE, &sub.retain_as_published,
      "MQTT 5: keep the retain flag messages were published with", NULL },
    { "no-local", 0, 0, G_OPTION_ARG_NONE, &sub.no_local,
      "MQTT 5: do not receive what this client publishes", NULL },
    { "retain-handling", 0, 0, G_OPTION_ARG_INT, &sub.retain_handling,
      "MQTT 5: 0 send retained messages at every subscription, 1 only to a new one, 2 never",
      "0|1|2" },
    { "format", 'F', 0, G_OPTION_ARG_STRING, &sub.format,
      "Print each message in this format: %t topic, %p payload, %x/%X payload in hex, "
      "%l length, %q QoS, %r retain, %m message id, %j JSON, %I ISO 8601 time, %U Unix time, "
      "MQTT 5's %A topic alias, %C content type, %D correlation data, %E message expiry, "
      "%F payload format, %P user properties, %R response topic, %S subscription identifier, "
      "@H and other strftime fields, \\n \\t \\0 \\e escapes, %[-0][width][.precision]",
      "FORMAT" },
    { NULL },
  };
  int status;
  guint i;

  setlocale (LC_ALL, "");
  g_set_prgname ("mqtt-sub");
  g_option_context_set_summary (context,
                                "Exit status: 0 when done (-C, -E, --retained-only, Ctrl-C), 1 "
                                "on an error, 5 when the broker refuses the connection (at "
                                "MQTT 5, its reason code), 27 when -W runs out.");
  tool_options_add_entries (&options, context);
  g_option_context_add_main_entries (context, entries, NULL);
  sub.options = &options;
  sub.filters = g_ptr_array_new ();
  sub.out = g_string_new (NULL);

  options.property_commands = property_commands;
  if (!tool_options_parse (&options, context, &argc, &argv, &error))
    goto usage;
  for (i = 0; options.topics && options.topics[i]; i++)
    g_ptr_array_add (sub.filters, options.topics[i]);
  if (options.url_topic)
    g_ptr_array_add (sub.filters, options.url_topic);
  if (sub.filters->len == 0)
    {
      g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "give at least one topic, with -t or -L");
      goto usage;
    }
  for (i = 0; i < sub.filters->len; i++)
    if (!mqtt_topic_validate_filter (g_ptr_array_index (sub.filters, i), &error))
      goto usage;
  for (i = 0; sub.filter_out && sub.filter_out[i]; i++)
    if (!mqtt_topic_validate_filter (sub.filter_out[i], &error))
      {
        g_prefix_error (&error, "-T: ");
        goto usage;
      }
  if (!options.v5 && (sub.retain_as_published || sub.no_local || sub.retain_handling))
    {
      g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--retain-as-published, --no-local and --retain-handling need "
                           "MQTT 5 (-V 5)");
      goto usage;
    }
  if (sub.retain_handling < 0 || sub.retain_handling > 2)
    {
      g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--retain-handling %d: give 0, 1 or 2", sub.retain_handling);
      goto usage;
    }
  if (sub.count < 0 || sub.timeout < 0)
    {
      g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "-C and -W take a positive number");
      goto usage;
    }
  if (sub.no_retained && sub.retained_only)
    {
      g_set_error_literal (&error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "-R and --retained-only cannot be used together");
      goto usage;
    }
  if (sub.format && !format_message (sub.out, sub.format, NULL, &error))
    goto usage;

  if (!tool_start (&sub.tool, "mqtt-sub", &options, ready, &error))
    {
      if (!options.quiet)
        g_printerr ("mqtt-sub: %s\n", error->message);
      status = tool_exit_status (error);
      goto done;
    }
  g_signal_connect (sub.tool.client, "connected", G_CALLBACK (on_connected), &sub);
  g_signal_connect (sub.tool.client, "subscribed", G_CALLBACK (on_subscribed), &sub);
  g_signal_connect (sub.tool.client, "message", G_CALLBACK (on_message), &sub);
  if (sub.timeout > 0)
    sub.timeout_source = g_timeout_add_seconds (sub.timeout, timed_out, &sub);
  status = tool_run (&sub.tool);

done:
  g_clear_handle_id (&sub.timeout_source, g_source_remove);
  tool_clear (&sub.tool);
  g_ptr_array_unref (sub.filters);
  g_strfreev (sub.filter_out);
  g_free (sub.format);
  g_string_free (sub.out, TRUE);
  tool_options_clear (&options);
  return status;

usage:
  if (!options.quiet)
    g_printerr ("mqtt-sub: %s (see mqtt-sub --help)\n", error->message);
  status = TOOL_EXIT_ERROR;
  goto done;
}
