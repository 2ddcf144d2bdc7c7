/* See tap.h. */

#include "tap.h"

static guint tap_count;

void
tap_run (const char *name, TapFunc func, gconstpointer data)
{
  /* A test that passes because GTest turned resumption off proves nothing. */
  g_assert_false (g_test_initialized ());
  g_print ("# %s\n", name);
  func (data);
  g_print ("ok %u %s\n", ++tap_count, name);
}

int
tap_done (void)
{
  g_print ("1..%u\n", tap_count);
  return 0;
}
