// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* What mqtt-pub and mqtt-sub share: the connection options of
 * mosquitto_pub and mosquitto_sub, the client they describe, and a main
 * loop that ends with a clean disconnection. */

#pragma once

#include <mqtt-glib/mqtt-glib.h>

G_BEGIN_DECLS

/* mosquitto's exit statuses: 1 for a usage or connection error, 5 when the
 * broker refuses the connection (at MQTT 5, the CONNACK's reason code), 27
 * when -W runs out. */
#define TOOL_EXIT_ERROR 1
#define TOOL_EXIT_REFUSED 5
#define TOOL_EXIT_TIMEOUT 27

/* The most a PUBLISH can carry (the library refuses what does not fit
 * with its topic): what the tools read into memory is bounded by it. */
#define TOOL_MAX_PAYLOAD 268435455

typedef struct {
  /* As given */
  char *host;
  int port;
  char *id;
  char *id_prefix;
  int keepalive;
  char *username;
  char *password;
  char *protocol;
  char *url;
  char *cafile;
  char *capath;
  char *cert;
  char *key;
  gboolean insecure;
  gboolean websockets;
  char *ws_path;
  char *will_topic;
  char *will_payload;
  int will_qos;
  gboolean will_retain;
  gboolean debug;
  gboolean quiet;
  char *bind_address;
  char *proxy;
  char **servers;
  char *unix_path;
  char *store;
  char **alpn;
  gboolean persistent;
  int qos;
  char **topics;
  char *session_expiry;           /* -x */

  /* MQTT 5: the packets -D may name (set by the tool), and the properties
   * it gave, by the packet they go in. */
  const char *const *property_commands;
  MqttProperties *connect_props;
  MqttProperties *will_props;
  MqttProperties *publish_props;
  MqttProperties *subscribe_props;
  MqttProperties *unsubscribe_props;
  MqttProperties *disconnect_props;

  /* Worked out by tool_options_parse() */
  char *url_topic;                /* -L's topic */
  gboolean tls;
  gboolean v5;                    /* -V 5, -D or -x */
  MqttSettings *settings;         /* what the client is made from */
} ToolOptions;

/* The options of both tools, added to @context's main group. */
void tool_options_add_entries (ToolOptions *options, GOptionContext *context);
/* Parses the command line and checks what both tools need. */
gboolean tool_options_parse (ToolOptions *options, GOptionContext *context, int *argc,
                             char ***argv, GError **error);
void tool_options_clear (ToolOptions *options);

typedef struct {
  const char *name;
  ToolOptions *options;
  MqttClient *client;
  GMainLoop *loop;
  int status;
  gboolean stopping;
  guint signal_sources[2];
  guint give_up_source;
  guint8 connack_reason;          /* MQTT 5: a refusal's reason code */
} Tool;

/* Makes the client the options describe, with -d logging and Ctrl-C
 * handling, and starts connecting; @ready runs once the broker accepted
 * the first connection (a failure ends the tool). */
gboolean tool_start (Tool *tool, const char *name, ToolOptions *options,
                     void (*ready) (Tool *tool), GError **error);
/* Runs the main loop until tool_stop(); returns the exit status. */
int tool_run (Tool *tool);
/* Disconnects cleanly, then ends tool_run() with @status. */
void tool_stop (Tool *tool, int status);
/* Prints "NAME: message" (unless --quiet) and stops with the status that
 * @error calls for; takes @error. */
void tool_fail (Tool *tool, GError *error);
/* Prints "NAME: message" unless --quiet. */
void tool_warn (Tool *tool, const char *format, ...) G_GNUC_PRINTF (2, 3);
void tool_clear (Tool *tool);
/* The exit status for @error. */
int tool_exit_status (const GError *error);

G_END_DECLS
