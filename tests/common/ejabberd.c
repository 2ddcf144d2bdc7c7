/* The ejabberd node of ejabberd.h: a directory of its own (configuration,
 * spool, logs) owned by the ejabberd user, started and stopped with
 * ejabberdctl --ctl-config. */

#include "config.h"

#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "ejabberd.h"
#include "test-common.h"

struct _TestEjabberd {
  char *dir;
  char *ctl_config;
  char *node;
  guint16 port;
};

/* Runs ejabberdctl with the node's control configuration; its output is
 * logged for a test that fails. */
static gboolean
ejabberdctl (TestEjabberd *ej, GError **error, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *out = NULL;
  const char *arg;
  int status;
  va_list args;

  g_ptr_array_add (argv, (char *) "ejabberdctl");
  g_ptr_array_add (argv, (char *) "--ctl-config");
  g_ptr_array_add (argv, ej->ctl_config);
  va_start (args, error);
  while ((arg = va_arg (args, const char *)))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  /* Erlang's port mapper on loopback only. */
  env = g_environ_setenv (env, "ERL_EPMD_ADDRESS", "127.0.0.1", TRUE);
  /* /usr/sbin may not be on a user's PATH. */
  env = g_environ_setenv (env, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin", FALSE);
  if (!g_spawn_sync (ej->dir, (char **) argv->pdata, env,
                     G_SPAWN_SEARCH_PATH_FROM_ENVP | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                     &status, error))
    return FALSE;
  g_test_message ("ejabberdctl %s: %s", (char *) argv->pdata[3], out ? out : "");
  return g_spawn_check_wait_status (status, error);
}

static void
chown_tree (const char *path, uid_t uid, gid_t gid)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  g_assert_true (chown (path, uid, gid) == 0);
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        chown_tree (child, uid, gid);
      else
        g_assert_true (chown (child, uid, gid) == 0);
    }
}

gboolean
test_ejabberd_available (char **why_not)
{
  g_autofree char *program = g_find_program_in_path ("ejabberdctl");

  if ((program == NULL && !g_file_test ("/usr/sbin/ejabberdctl", G_FILE_TEST_IS_EXECUTABLE)) ||
      getpwnam ("ejabberd") == NULL)
    {
      *why_not = g_strdup ("ejabberd is not installed");
      return FALSE;
    }
  if (getuid () != 0)
    {
      *why_not = g_strdup ("ejabberdctl runs a node as the ejabberd user: root only");
      return FALSE;
    }
  return TRUE;
}

/* Starts a node; with @first, joined to its cluster (which has the user),
 * else with the test user registered. */
static TestEjabberd *
start_node (TestEjabberd *first)
{
  static guint serial;
  struct passwd *user = getpwnam ("ejabberd");
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL, *ctl = NULL, *config_path = NULL, *spool = NULL;
  g_autofree char *logs = NULL;
  TestEjabberd *ej;

  ej = g_new0 (TestEjabberd, 1);
  ej->dir = g_dir_make_tmp ("mqtt-glib-ejabberd-XXXXXX", &error);
  g_assert_no_error (error);
  ej->port = test_free_port ();
  spool = g_build_filename (ej->dir, "spool", NULL);
  logs = g_build_filename (ej->dir, "logs", NULL);
  config_path = g_build_filename (ej->dir, "ejabberd.yml", NULL);
  ej->ctl_config = g_build_filename (ej->dir, "ejabberdctl.cfg", NULL);
  g_assert_true (g_mkdir (spool, 0700) == 0 && g_mkdir (logs, 0700) == 0);

  /* mod_mqtt on loopback, every topic open to the logged-in user. */
  config = g_strdup_printf ("hosts:\n  - localhost\n"
                            "loglevel: info\n"
                            "certfiles: []\n"
                            "listen:\n"
                            "  -\n    port: %u\n    ip: \"127.0.0.1\"\n    module: mod_mqtt\n"
                            "acl:\n  local:\n    user_regexp: \"\"\n"
                            "access_rules:\n  local:\n    allow: local\n"
                            "modules:\n  mod_mqtt:\n"
                            "    access_publish:\n      \"#\":\n        - allow: all\n"
                            "    access_subscribe:\n      \"#\":\n        - allow: all\n",
                            ej->port);
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);
  ej->node = g_strdup_printf ("mqttglib%dx%u@localhost", (int) getpid (), serial++);
  ctl = g_strdup_printf ("ERLANG_NODE=%s\n"
                         "SPOOL_DIR=%s\nLOGS_DIR=%s\nEJABBERD_CONFIG_PATH=%s\n"
                         "INET_DIST_INTERFACE=127.0.0.1\n",
                         ej->node, spool, logs, config_path);
  g_file_set_contents (ej->ctl_config, ctl, -1, &error);
  g_assert_no_error (error);
  chown_tree (ej->dir, user->pw_uid, user->pw_gid);

  if (!ejabberdctl (ej, &error, "start", NULL) || !ejabberdctl (ej, &error, "started", NULL) ||
      (first ? !ejabberdctl (ej, &error, "join_cluster", first->node, NULL) ||
                 !ejabberdctl (ej, &error, "started", NULL)
             : !ejabberdctl (ej, &error, "register", "u", "localhost", TEST_EJABBERD_PASSWORD,
                             NULL)))
    {
      g_autofree char *log_path = g_build_filename (logs, "ejabberd.log", NULL);
      g_autofree char *log = NULL;

      g_file_get_contents (log_path, &log, NULL, NULL);
      g_error ("ejabberd did not start: %s\n%s", error->message, log ? log : "");
    }
  return ej;
}

TestEjabberd *
test_ejabberd_new (void)
{
  return start_node (NULL);
}

TestEjabberd *
test_ejabberd_new_joined (TestEjabberd *first)
{
  return start_node (first);
}

/* The node's Erlang VM: the process whose command line names the node. */
static GPid
node_pid (TestEjabberd *ej)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while (proc && (name = g_dir_read_name (proc)))
    {
      g_autofree char *path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *cmdline = NULL;
      gsize length, i;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &cmdline, &length, NULL))
        continue;
      for (i = 0; i + 1 < length; i++)
        if (cmdline[i] == '\0')
          cmdline[i] = ' ';
      if (strstr (cmdline, "beam") && strstr (cmdline, ej->node))
        return atoi (name);
    }
  return 0;
}

void
test_ejabberd_kill (TestEjabberd *ej)
{
  GPid pid = node_pid (ej);

  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  while (node_pid (ej) != 0)
    g_usleep (10000);
}

guint16
test_ejabberd_get_port (TestEjabberd *ej)
{
  return ej->port;
}

void
test_ejabberd_free (TestEjabberd *ej)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;

  if (ej == NULL)
    return;
  if (!ejabberdctl (ej, &error, "stop", NULL) || !ejabberdctl (ej, &error, "stopped", NULL))
    g_test_message ("ejabberd did not stop: %s", error->message);
  command = g_strdup_printf ("rm -rf '%s'", ej->dir);
  g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  g_free (ej->dir);
  g_free (ej->ctl_config);
  g_free (ej->node);
  g_free (ej);
}
