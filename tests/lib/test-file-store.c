/* MqttFileStore on its own: records kept in order across reopenings, a torn
 * tail cut, damage refused or salvaged, one client at a time, compaction,
 * a failed write that loses nothing, the three sync policies. */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <mqtt-glib/mqtt-glib.h>

#include "test-common.h"

typedef struct {
  char *dir;
} Fixture;

/* What the library said at the MESSAGE level. */
static GString *messages;

static GLogWriterOutput
capture_messages (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  gsize i;

  if (!(level & G_LOG_LEVEL_MESSAGE))
    return g_log_writer_default (level, fields, n_fields, data);
  for (i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      g_string_append_printf (messages, "%s\n", (const char *) fields[i].value);
  return G_LOG_WRITER_HANDLED;
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("mqtt-store-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  test_remove_dir (f->dir);
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  g_free (f->dir);
}

static MqttStore *
open_store (Fixture *f, const char *client_id, MqttStoreSync sync, GError **error)
{
  MqttFileStore *store = mqtt_file_store_new (f->dir);

  mqtt_file_store_set_sync (store, sync);
  if (!mqtt_store_open (MQTT_STORE (store), client_id, error))
    g_clear_object (&store);
  return MQTT_STORE (store);
}

static void
put_text (MqttStore *store, guint64 key, const char *text)
{
  g_autoptr(GBytes) value = g_bytes_new (text, strlen (text));

  mqtt_store_put (store, key, value);
}

static void
append_record (guint64 key, GBytes *value, gpointer data)
{
  GString *out = data;

  g_string_append_printf (out, "%s%" G_GUINT64_FORMAT "=%.*s", out->len ? " " : "", key,
                          (int) g_bytes_get_size (value),
                          (const char *) g_bytes_get_data (value, NULL));
}

/* The records of a reopened store, as "key=value ...". */
static char *
reopen_and_list (Fixture *f, const char *client_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttStore) store = open_store (f, client_id, MQTT_STORE_SYNC_NONE, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_true (mqtt_store_load (store, append_record, out, &error));
  g_assert_no_error (error);
  mqtt_store_close (store);
  return g_string_free (out, FALSE);
}

static char *
log_path (Fixture *f, const char *client_id)
{
  return g_build_filename (f->dir, client_id, "log", NULL);
}

static void
commit (MqttStore *store)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (mqtt_store_commit (store, &error));
  g_assert_no_error (error);
}

/* Three records, one replaced (it keeps its place), one removed. */
static void
fill (Fixture *f, const char *client_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttStore) store = open_store (f, client_id, MQTT_STORE_SYNC_ALWAYS, &error);

  g_assert_no_error (error);
  put_text (store, 1, "one");
  put_text (store, 2, "two");
  put_text (store, 3, "three");
  put_text (store, 1, "ONE");
  mqtt_store_remove (store, 2);
  mqtt_store_remove (store, 42);
  commit (store);
  mqtt_store_close (store);
}

static void
test_order (Fixture *f, gconstpointer data)
{
  g_autofree char *listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttStore) store = NULL;
  g_autofree char *again = NULL;

  fill (f, "orders");
  listed = reopen_and_list (f, "orders");
  g_assert_cmpstr (listed, ==, "1=ONE 3=three");

  /* What is staged and not committed is not kept. */
  store = open_store (f, "orders", MQTT_STORE_SYNC_NONE, &error);
  g_assert_no_error (error);
  put_text (store, 4, "four");
  mqtt_store_close (store);
  again = reopen_and_list (f, "orders");
  g_assert_cmpstr (again, ==, "1=ONE 3=three");
}

static void
test_client_ids (Fixture *f, gconstpointer data)
{
  g_autofree char *escaped = g_build_filename (f->dir, "a%2Fb%20c", "log", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttStore) store = open_store (f, "a/b c", MQTT_STORE_SYNC_NONE, &error);
  g_autoptr(MqttStore) empty = NULL;

  g_assert_no_error (error);
  g_assert_true (g_file_test (escaped, G_FILE_TEST_EXISTS));
  mqtt_store_close (store);

  empty = open_store (f, "", MQTT_STORE_SYNC_NONE, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (empty);
}

/* A crash in the middle of a write: the record cut short, or the file
 * grown with zeros, is cut off at the next open; later records follow
 * the valid ones. */
static void
test_torn_tail (Fixture *f, gconstpointer data)
{
  g_autofree char *path = log_path (f, "torn");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  static const guint8 zeros[64] = { 0 };
  gsize size, full;
  int fd;

  fill (f, "torn");
  g_assert_true (g_file_get_contents (path, &contents, &full, NULL));

  /* The last record (the removal of 2) loses its last byte. */
  g_assert_cmpint (truncate (path, full - 1), ==, 0);
  {
    g_autofree char *listed = reopen_and_list (f, "torn");

    g_assert_cmpstr (listed, ==, "1=ONE 2=two 3=three");
  }
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  g_assert_cmpuint (size, <, full - 1);

  /* Zeros where a record should be. */
  fd = open (path, O_WRONLY | O_APPEND);
  g_assert_cmpint (write (fd, zeros, sizeof zeros), ==, sizeof zeros);
  close (fd);
  {
    g_autoptr(MqttStore) store = open_store (f, "torn", MQTT_STORE_SYNC_ALWAYS, &error);
    g_autofree char *listed = NULL;

    g_assert_no_error (error);
    mqtt_store_remove (store, 3);
    commit (store);
    mqtt_store_close (store);
    listed = reopen_and_list (f, "torn");
    g_assert_cmpstr (listed, ==, "1=ONE 2=two");
  }
}

/* One byte flipped in the first record, with valid records after it:
 * refused with the place named; with salvage, the valid prefix and the
 * rest kept aside. */
static void
test_damage (Fixture *f, gconstpointer data)
{
  g_autofree char *path = log_path (f, "damaged");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttStore) store = NULL;
  g_autoptr(MqttFileStore) salvaging = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *client_dir = g_build_filename (f->dir, "damaged", NULL);
  const char *name;
  gboolean saved = FALSE;
  GString *listed = g_string_new (NULL);
  gsize size;

  fill (f, "damaged");
  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  /* The header, the first record's length, CRC and key, then "one". */
  g_assert_cmpint (memcmp (contents + 8 + 8 + 9, "one", 3), ==, 0);
  contents[8 + 8 + 9] = 'O';
  g_assert_true (g_file_set_contents (path, contents, size, NULL));

  store = open_store (f, "damaged", MQTT_STORE_SYNC_NONE, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "damaged at byte 8"));
  g_assert_null (store);
  g_clear_error (&error);

  salvaging = mqtt_file_store_new (f->dir);
  mqtt_file_store_set_salvage (salvaging, TRUE);
  g_string_truncate (messages, 0);
  g_assert_true (mqtt_store_open (MQTT_STORE (salvaging), "damaged", &error));
  g_assert_nonnull (strstr (messages->str, "damaged at byte 8: its 0 valid records"));
  g_assert_no_error (error);
  g_assert_true (mqtt_store_load (MQTT_STORE (salvaging), append_record, listed, &error));
  g_assert_cmpstr (listed->str, ==, "");
  g_string_free (listed, TRUE);
  mqtt_store_close (MQTT_STORE (salvaging));

  dir = g_dir_open (client_dir, 0, NULL);
  while ((name = g_dir_read_name (dir)))
    saved |= g_str_has_prefix (name, "log.damaged-");
  g_assert_true (saved);
}

static void
test_not_a_store (Fixture *f, gconstpointer data)
{
  g_autofree char *client_dir = g_build_filename (f->dir, "other", NULL);
  g_autofree char *path = log_path (f, "other");
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttStore) store = NULL;

  g_assert_cmpint (g_mkdir (client_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "something else entirely", -1, NULL));
  store = open_store (f, "other", MQTT_STORE_SYNC_NONE, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "not a store log"));
}

/* Two clients with one client id and one directory: the second is told. */
static void
test_busy (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttStore) first = open_store (f, "twice", MQTT_STORE_SYNC_NONE, &error);
  g_autoptr(MqttStore) second = NULL;

  g_assert_no_error (error);
  second = open_store (f, "twice", MQTT_STORE_SYNC_NONE, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_assert_null (second);
  g_clear_error (&error);

  mqtt_store_close (first);
  second = open_store (f, "twice", MQTT_STORE_SYNC_NONE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (second);
}

/* A stream of records each removed soon after: the log stays small, and
 * what is live survives, in order. */
static void
test_compaction (Fixture *f, gconstpointer data)
{
  g_autofree char *path = log_path (f, "compact");
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttStore) store = open_store (f, "compact", MQTT_STORE_SYNC_BATCHED, &error);
  g_autofree char *value = g_strnfill (1000, 'x');
  g_autofree char *listed = NULL;
  GStatBuf st;
  guint i;

  g_assert_no_error (error);
  put_text (store, G_MAXUINT64, "first");
  for (i = 0; i < 10000; i++)
    {
      put_text (store, i, value);
      if (i >= 10)
        mqtt_store_remove (store, i - 10);
      commit (store);
    }
  put_text (store, G_MAXUINT64, "again");
  commit (store);
  mqtt_store_close (store);

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_test_message ("10,000 records of 1 KB, 10 live at a time: a log of %" G_GINT64_FORMAT
                  " bytes", (gint64) st.st_size);
  g_assert_cmpint (st.st_size, <, 3 * 1024 * 1024);
  listed = reopen_and_list (f, "compact");
  g_assert_true (g_str_has_prefix (listed, "18446744073709551615=again 9990="));
  g_assert_cmpuint (strlen (listed), ==, strlen ("18446744073709551615=again") +
                                            10 * (strlen (" 9990=") + 1000));
}

/* The disk full (a file size limit here): the commit fails, the log is
 * as before, and a later commit writes everything staged. */
static void
test_write_failure (Fixture *f, gconstpointer data)
{
  g_autofree char *path = log_path (f, "full");
  g_autofree char *listed = NULL;
  g_autofree char *big = g_strnfill (64 * 1024, 'b');
  g_autoptr(GError) error = NULL;
  g_autoptr(MqttStore) store = open_store (f, "full", MQTT_STORE_SYNC_ALWAYS, &error);
  struct rlimit saved, limit;
  GStatBuf st;
  void (*old_handler) (int);

  g_assert_no_error (error);
  put_text (store, 1, "small");
  commit (store);
  g_assert_cmpint (g_stat (path, &st), ==, 0);

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  limit = saved;
  limit.rlim_cur = st.st_size + 1024;
  old_handler = signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  put_text (store, 2, big);
  g_assert_false (mqtt_store_commit (store, &error));
  g_assert_nonnull (error);
  g_test_message ("A commit past the limit: %s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &saved), ==, 0);
  signal (SIGXFSZ, old_handler);
  {
    GStatBuf now;

    g_assert_cmpint (g_stat (path, &now), ==, 0);
    g_assert_cmpint (now.st_size, ==, st.st_size);
  }

  put_text (store, 3, "after");
  commit (store);
  mqtt_store_close (store);
  listed = reopen_and_list (f, "full");
  g_assert_true (g_str_has_prefix (listed, "1=small 2=bbb"));
  g_assert_true (g_str_has_suffix (listed, "bbb 3=after"));
}

static void
test_sync_policies (Fixture *f, gconstpointer data)
{
  static const MqttStoreSync policies[] = { MQTT_STORE_SYNC_ALWAYS, MQTT_STORE_SYNC_BATCHED,
                                            MQTT_STORE_SYNC_NONE };
  guint p;

  for (p = 0; p < G_N_ELEMENTS (policies); p++)
    {
      g_autofree char *id = g_strdup_printf ("policy-%u", p);
      g_autoptr(GError) error = NULL;
      g_autoptr(MqttStore) store = open_store (f, id, policies[p], &error);
      g_autofree char *listed = NULL;
      gint64 start = g_get_monotonic_time ();
      guint i;

      g_assert_no_error (error);
      for (i = 0; i < 200; i++)
        {
          put_text (store, i, "message");
          commit (store);
          if (i > 0)
            mqtt_store_remove (store, i - 1);
        }
      commit (store);
      g_test_message ("sync %u: 200 commits in %.1f ms", policies[p],
                      (g_get_monotonic_time () - start) / 1000.0);
      mqtt_store_close (store);
      listed = reopen_and_list (f, id);
      g_assert_cmpstr (listed, ==, "199=message");
    }
}

/* A log damaged at random, thousands of ways (bytes changed, cut short,
 * garbage appended): every open either succeeds or fails with
 * G_IO_ERROR_INVALID_DATA; with salvage every one succeeds. */
static void
test_random_damage (Fixture *f, gconstpointer data)
{
  g_autofree char *path = log_path (f, "random");
  g_autofree char *client_dir = g_build_filename (f->dir, "random", NULL);
  g_autofree char *good = NULL;
  gsize size;
  guint round, refused = 0, salvaged = 0;

  fill (f, "random");
  g_assert_true (g_file_get_contents (path, &good, &size, NULL));
  for (round = 0; round < 2000; round++)
    {
      g_autofree char *bad = g_malloc (size + 64);
      gsize bad_size = size;
      guint i, n = g_test_rand_int_range (1, 4);
      g_autoptr(GError) error = NULL;
      g_autoptr(MqttStore) store = NULL;
      g_autoptr(MqttFileStore) salvaging = NULL;
      g_autoptr(GDir) dir = NULL;
      const char *name;

      memcpy (bad, good, size);
      for (i = 0; i < n; i++)
        switch (g_test_rand_int_range (0, 3))
          {
          case 0:   /* a byte changed, past the header */
            if (bad_size > 8)
              bad[g_test_rand_int_range (8, bad_size)] ^= 1 << g_test_rand_int_range (0, 8);
            break;
          case 1:   /* cut short */
            bad_size = g_test_rand_int_range (8, bad_size + 1);
            break;
          default:  /* garbage after, as much as there is room for */
            {
              guint extra = size + 64 > bad_size
                              ? g_test_rand_int_range (1, size + 64 - bad_size + 1) : 0;
              guint j;

              for (j = 0; j < extra; j++)
                bad[bad_size + j] = g_test_rand_int_range (0, 256);
              bad_size += extra;
            }
          }
      g_assert_true (g_file_set_contents (path, bad, bad_size, NULL));
      store = open_store (f, "random", MQTT_STORE_SYNC_NONE, &error);
      if (store == NULL)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
          refused++;
          g_assert_true (g_file_set_contents (path, bad, bad_size, NULL));
          salvaging = mqtt_file_store_new (f->dir);
          mqtt_file_store_set_salvage (salvaging, TRUE);
          g_clear_error (&error);
          g_assert_true (mqtt_store_open (MQTT_STORE (salvaging), "random", &error));
          g_assert_no_error (error);
          mqtt_store_close (MQTT_STORE (salvaging));
          salvaged++;
        }
      else
        mqtt_store_close (store);
      /* The damaged parts set aside go, for the next round. */
      dir = g_dir_open (client_dir, 0, NULL);
      while ((name = g_dir_read_name (dir)))
        if (g_str_has_prefix (name, "log.damaged-"))
          {
            g_autofree char *damaged = g_build_filename (client_dir, name, NULL);

            g_unlink (damaged);
          }
    }
  g_test_message ("2,000 damaged logs: %u refused (each then salvaged), %u opened", refused,
                  2000 - refused);
  g_assert_cmpuint (salvaged, ==, refused);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  messages = g_string_new (NULL);
  g_log_set_writer_func (capture_messages, NULL, NULL);

#define ADD(path, fn) g_test_add ("/file-store/" path, Fixture, NULL, setup, fn, teardown)
  ADD ("order", test_order);
  ADD ("client-ids", test_client_ids);
  ADD ("torn-tail", test_torn_tail);
  ADD ("damage", test_damage);
  ADD ("not-a-store", test_not_a_store);
  ADD ("busy", test_busy);
  ADD ("compaction", test_compaction);
  ADD ("write-failure", test_write_failure);
  ADD ("sync-policies", test_sync_policies);
  ADD ("random-damage", test_random_damage);
#undef ADD

  return g_test_run ();
}
