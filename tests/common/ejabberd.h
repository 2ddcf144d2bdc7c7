/* A second, independent MQTT 5 broker for the behaviour tests: ejabberd's
 * mod_mqtt, as a private Erlang node on a loopback port with a generated
 * configuration; and a cluster of such nodes for failover. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ejabberd requires a login. */
#define TEST_EJABBERD_USER "u@localhost"
#define TEST_EJABBERD_PASSWORD "p"

typedef struct _TestEjabberd TestEjabberd;

/* Whether ejabberd can run here; if not, why in *why_not. */
gboolean test_ejabberd_available (char **why_not);

/* Starts a node (about 8 s) and registers the test user. */
TestEjabberd *test_ejabberd_new (void);
/* A second node (about 8 s), joined to @first's cluster with
 * `ejabberdctl join_cluster`: it shares users, subscriptions and
 * persistent sessions with it. */
TestEjabberd *test_ejabberd_new_joined (TestEjabberd *first);
/* Kills the node's Erlang VM without warning (SIGKILL). */
void test_ejabberd_kill (TestEjabberd *ejabberd);
guint16 test_ejabberd_get_port (TestEjabberd *ejabberd);
void test_ejabberd_free (TestEjabberd *ejabberd);

G_END_DECLS
