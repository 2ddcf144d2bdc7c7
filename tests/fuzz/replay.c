/* Runs a fuzz target over files and directories of inputs without
 * libFuzzer, so that the seed corpus is a regression test in every build. */

#include "config.h"

#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static guint
replay_path (const char *path)
{
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
      const char *name;

      g_assert_no_error (error);
      while ((name = g_dir_read_name (dir)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          n += replay_path (child);
        }
    }
  else
    {
      g_autofree char *contents = NULL;
      gsize length;

      g_file_get_contents (path, &contents, &length, &error);
      g_assert_no_error (error);
      /* An exact-size copy: a read past the input is caught by ASan. */
      {
        g_autofree guint8 *exact = g_memdup2 (contents, length);

        LLVMFuzzerTestOneInput (exact, length);
      }
      n++;
    }
  return n;
}

int
main (int argc, char *argv[])
{
  guint n = 0;
  int i;

  for (i = 1; i < argc; i++)
    n += replay_path (argv[i]);
  if (n == 0)
    {
      g_printerr ("no inputs found\n");
      return 1;
    }
  g_print ("%u inputs replayed\n", n);
  return 0;
}
