/* A TAP runner for tests that must not call g_test_init(): glib-networking
 * turns TLS session resumption off in a process where GTest is initialised,
 * and the trust tests are about what resumption may and may not do. Cases
 * run in order; a failed g_assert aborts the program, which the TAP reader
 * counts as a failure. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*TapFunc) (gconstpointer data);

/* Runs @func (@data) and prints its result line. */
void tap_run (const char *name, TapFunc func, gconstpointer data);
/* Prints the plan; the exit status of main(). */
int tap_done (void);

G_END_DECLS
