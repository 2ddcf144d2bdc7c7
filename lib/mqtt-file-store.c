/* mqtt-glib - MQTT client library for GLib
 * SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
 *
 * MqttFileStore: an append log of checksummed records in a directory per
 * client id, replayed at open, compacted when mostly garbage; a lock file
 * keeps a second process out; a thread flushes batches to the disk.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "mqtt-enum-types.h"
#include "mqtt-file-store.h"

/**
 * SECTION:mqtt-file-store
 * @title: MqttFileStore
 * @short_description: a crash-safe store in files
 * @see_also: #MqttStore, mqtt_client_set_store()
 *
 * A #MqttStore in a directory: the records of a client id live in a
 * subdirectory named after it, in one file, `log`, an append log of
 * records each with its length and a CRC-32. A record that a crash cut
 * short (the torn tail of the last write) is cut off at the next open: its
 * commit never returned. Damage anywhere else — a record whose checksum
 * fails with valid records after it — makes mqtt_store_open() fail with
 * %G_IO_ERROR_INVALID_DATA, naming the file and the offset, unless
 * #MqttFileStore:salvage is set: then the valid records before the damage
 * are kept and the rest of the file is moved aside to `log.damaged-TIME`
 * in the same directory, for a human to look at.
 *
 * The log is rewritten with only its live records (to `log.new`, flushed,
 * then renamed over `log`) when more than half of it, and more than 1 MiB,
 * is records that were since replaced or removed.
 *
 * A file `lock` in the directory is locked (flock()) while the store is
 * open: a second client, in this process or another, that opens the same
 * client id gets %G_IO_ERROR_BUSY. The lock goes with the process, however
 * it ends.
 *
 * #MqttFileStore:sync chooses between durability and speed; see
 * #MqttStoreSync.
 */

#define LOG_MAGIC "MQSTORE1"
#define HEADER_SIZE 8
#define RECORD_HEAD 8               /* length and CRC-32, little-endian */
#define BODY_HEAD 9                 /* operation and key */
#define OP_PUT 'P'
#define OP_REMOVE 'R'
#define COMPACT_MIN (1024 * 1024)
#define DEFAULT_SYNC_INTERVAL 100

/* A live record: where it is in the log (or, past `end`, in `staged`). The
 * index is keyed by &key. */
typedef struct {
  guint64 key;
  guint64 seq;
  guint64 offset;
  guint32 size;    /* the whole record */
} Entry;

struct _MqttFileStore
{
  GObject parent_instance;

  char *directory;
  MqttStoreSync sync;
  guint sync_interval;
  gboolean salvage;

  /* While open. */
  char *path;          /* the client id's directory */
  char *log_path;
  int lock_fd;
  int fd;
  guint64 end;         /* bytes of the log written */
  GByteArray *staged;  /* records not written yet */
  GHashTable *index;   /* &Entry.key -> Entry */
  guint64 next_seq;
  guint64 live_bytes;
  guint64 compact_at;  /* a failed compaction waits for this much log */

  /* The batch flusher (MQTT_STORE_SYNC_BATCHED), under a POSIX lock so
   * that ThreadSanitizer sees it. */
  pthread_mutex_t lock;
  pthread_cond_t cond;    /* on CLOCK_MONOTONIC */
  GThread *flusher;
  gboolean dirty;
  gboolean stopping;
};

enum {
  PROP_0,
  PROP_DIRECTORY,
  PROP_SYNC,
  PROP_SYNC_INTERVAL,
  PROP_SALVAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void mqtt_file_store_iface_init (MqttStoreInterface *iface);

/**
 * MqttFileStore:
 *
 * A store in files; all fields are private.
 */
G_DEFINE_FINAL_TYPE_WITH_CODE (MqttFileStore, mqtt_file_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MQTT_TYPE_STORE, mqtt_file_store_iface_init))

/* ------------------------------------------------------------------------ */
/* Records */

static guint32 crc_table[256];

static void
crc_init (void)
{
  guint32 i, j, c;

  for (i = 0; i < 256; i++)
    {
      for (c = i, j = 0; j < 8; j++)
        c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      crc_table[i] = c;
    }
}

/* CRC-32 (IEEE 802.3), continued from @crc (0 to start). */
static guint32
crc32_update (guint32 crc, const guint8 *p, gsize n)
{
  crc = ~crc;
  while (n--)
    crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

static void
write_le32 (guint8 *p, guint32 value)
{
  p[0] = value & 0xff;
  p[1] = (value >> 8) & 0xff;
  p[2] = (value >> 16) & 0xff;
  p[3] = value >> 24;
}

static guint32
read_le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 | (guint32) p[3] << 24;
}

static guint64
read_le64 (const guint8 *p)
{
  return (guint64) read_le32 (p) | (guint64) read_le32 (p + 4) << 32;
}

/* Appends a record to @out: its length covers the operation, the key and
 * the value; its checksum the length and all three. */
static void
append_record (GByteArray *out, guint8 op, guint64 key, const guint8 *value, gsize value_size)
{
  guint start = out->len;
  guint8 *p;
  guint32 crc;
  guint i;

  g_byte_array_set_size (out, start + RECORD_HEAD + BODY_HEAD);
  p = out->data + start;
  write_le32 (p, BODY_HEAD + value_size);
  p[RECORD_HEAD] = op;
  for (i = 0; i < 8; i++)
    p[RECORD_HEAD + 1 + i] = (key >> (8 * i)) & 0xff;
  g_byte_array_append (out, value, value_size);
  p = out->data + start;
  crc = crc32_update (0, p, 4);
  crc = crc32_update (crc, p + RECORD_HEAD, BODY_HEAD + value_size);
  write_le32 (p + 4, crc);
}

/* The size of the valid record at @p (@n bytes available), or 0. */
static gsize
valid_record (const guint8 *p, gsize n)
{
  guint32 length, crc;

  if (n < RECORD_HEAD + BODY_HEAD)
    return 0;
  length = read_le32 (p);
  if (length < BODY_HEAD || length > n - RECORD_HEAD ||
      (p[RECORD_HEAD] != OP_PUT && p[RECORD_HEAD] != OP_REMOVE))
    return 0;
  crc = crc32_update (0, p, 4);
  crc = crc32_update (crc, p + RECORD_HEAD, length);
  return crc == read_le32 (p + 4) ? RECORD_HEAD + length : 0;
}

/* ------------------------------------------------------------------------ */
/* The index of live records */

static void
index_put (MqttFileStore *self, guint64 key, guint64 offset, guint32 size)
{
  Entry *entry = g_hash_table_lookup (self->index, &key);

  if (entry == NULL)
    {
      entry = g_new (Entry, 1);
      entry->key = key;
      entry->seq = self->next_seq++;
      g_hash_table_insert (self->index, &entry->key, entry);
    }
  else
    self->live_bytes -= entry->size;
  entry->offset = offset;
  entry->size = size;
  self->live_bytes += size;
}

/* Whether there was a live record under @key to remove. */
static gboolean
index_remove (MqttFileStore *self, guint64 key)
{
  Entry *entry = g_hash_table_lookup (self->index, &key);

  if (entry == NULL)
    return FALSE;
  self->live_bytes -= entry->size;
  g_hash_table_remove (self->index, &key);
  return TRUE;
}

static int
compare_seq (gconstpointer a, gconstpointer b)
{
  const Entry *x = *(Entry *const *) a, *y = *(Entry *const *) b;

  return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The live records (Entry), in the order their keys were first put. */
static GPtrArray *
index_in_order (MqttFileStore *self)
{
  GPtrArray *order = g_ptr_array_sized_new (g_hash_table_size (self->index));
  GHashTableIter iter;
  gpointer entry;

  g_hash_table_iter_init (&iter, self->index);
  while (g_hash_table_iter_next (&iter, NULL, &entry))
    g_ptr_array_add (order, entry);
  g_ptr_array_sort (order, compare_seq);
  return order;
}

/* ------------------------------------------------------------------------ */
/* Files */

static gboolean
io_error (GError **error, int saved_errno, const char *what, const char *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "Cannot %s %s: %s", what,
               path, g_strerror (saved_errno));
  return FALSE;
}

/* Writes all of @data at the current position. */
static gboolean
write_all (int fd, const guint8 *data, gsize size, const char *path, GError **error)
{
  while (size > 0)
    {
      gssize n = write (fd, data, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return io_error (error, n < 0 ? errno : ENOSPC, "write to", path);
      data += n;
      size -= n;
    }
  return TRUE;
}

static gboolean
read_at (int fd, guint8 *data, gsize size, guint64 offset, const char *path, GError **error)
{
  while (size > 0)
    {
      gssize n = pread (fd, data, size, offset);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return io_error (error, n < 0 ? errno : EIO, "read", path);
      data += n;
      size -= n;
      offset += n;
    }
  return TRUE;
}

static gboolean
sync_fd (int fd, const char *path, GError **error)
{
  if (fdatasync (fd) < 0)
    return io_error (error, errno, "flush", path);
  return TRUE;
}

/* After a rename in it: the directory entry itself. */
static void
sync_directory (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* The directory name for @client_id: its letters, digits, '-', '_' and
 * '.' (not leading) as they are, anything else as %XX; a long id by its
 * SHA-256. */
static char *
directory_name (const char *client_id)
{
  GString *name = g_string_new (NULL);
  const char *p;

  for (p = client_id; *p; p++)
    {
      guchar c = *p;

      if (g_ascii_isalnum (c) || c == '-' || c == '_' || (c == '.' && p != client_id))
        g_string_append_c (name, c);
      else
        g_string_append_printf (name, "%%%02X", c);
    }
  if (name->len > 200)
    {
      g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, client_id, -1);

      g_string_free (name, TRUE);
      return g_strconcat ("sha256-", digest, NULL);
    }
  return g_string_free (name, FALSE);
}

/* ------------------------------------------------------------------------ */
/* The batch flusher */

static gpointer
flusher_run (gpointer data)
{
  MqttFileStore *self = data;
  struct timespec last = { 0 }, due;

  pthread_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      int fd;

      if (!self->dirty)
        {
          pthread_cond_wait (&self->cond, &self->lock);
          continue;
        }
      due = last;
      due.tv_sec += self->sync_interval / 1000;
      due.tv_nsec += (self->sync_interval % 1000) * 1000000L;
      if (due.tv_nsec >= 1000000000L)
        {
          due.tv_sec++;
          due.tv_nsec -= 1000000000L;
        }
      if (pthread_cond_timedwait (&self->cond, &self->lock, &due) == 0)
        continue;   /* woken before it was due: look again */
      self->dirty = FALSE;
      /* A compaction may replace the file meanwhile: flush a duplicate. */
      fd = dup (self->fd);
      pthread_mutex_unlock (&self->lock);
      if (fd >= 0)
        {
          fdatasync (fd);
          close (fd);
        }
      clock_gettime (CLOCK_MONOTONIC, &last);
      pthread_mutex_lock (&self->lock);
    }
  pthread_mutex_unlock (&self->lock);
  return NULL;
}

static void
stop_flusher (MqttFileStore *self)
{
  if (self->flusher == NULL)
    return;
  pthread_mutex_lock (&self->lock);
  self->stopping = TRUE;
  pthread_cond_signal (&self->cond);
  pthread_mutex_unlock (&self->lock);
  g_thread_join (self->flusher);
  self->flusher = NULL;
  self->stopping = FALSE;
}

/* ------------------------------------------------------------------------ */
/* Recovery */

/* Whether a valid record starts anywhere in @p (@n bytes). */
static gboolean
has_valid_record (const guint8 *p, gsize n)
{
  gsize i;

  for (i = 0; i + RECORD_HEAD + BODY_HEAD <= n; i++)
    if (valid_record (p + i, n - i) > 0)
      return TRUE;
  return FALSE;
}

/* Keeps bytes the salvage cut off, next to the log. */
static char *
save_damaged (MqttFileStore *self, const guint8 *data, gsize size, GError **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%S");
  g_autofree char *name = g_strdup_printf ("log.damaged-%s", stamp);
  char *path = g_build_filename (self->path, name, NULL);

  if (!g_file_set_contents_full (path, (const char *) data, size,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    g_clear_pointer (&path, g_free);
  return path;
}

/* Replays the log @data (@size bytes) into the index; returns the length
 * of its valid part, or 0 with @error. */
static gsize
replay (MqttFileStore *self, const guint8 *data, gsize size, GError **error)
{
  gsize at = HEADER_SIZE, n;

  while (at < size)
    {
      const guint8 *p = data + at;

      n = valid_record (p, size - at);
      if (n == 0)
        break;
      if (p[RECORD_HEAD] == OP_PUT)
        index_put (self, read_le64 (p + RECORD_HEAD + 1), at, n);
      else
        index_remove (self, read_le64 (p + RECORD_HEAD + 1));
      at += n;
    }
  if (at == size || !has_valid_record (data + at, size - at))
    return at;   /* complete, or a torn tail */

  if (!self->salvage)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "The store %s is damaged at byte %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                   " (a record whose checksum fails, with valid records after it); set "
                   "MqttFileStore:salvage to keep the %u records before the damage",
                   self->log_path, at, size, g_hash_table_size (self->index));
      return 0;
    }
  {
    g_autofree char *saved = save_damaged (self, data + at, size - at, error);

    if (saved == NULL)
      return 0;
    g_message ("The store %s was damaged at byte %" G_GSIZE_FORMAT ": its %u valid records "
               "before the damage are kept, the %" G_GSIZE_FORMAT " bytes after it saved to %s",
               self->log_path, at, g_hash_table_size (self->index), size - at, saved);
  }
  return at;
}

/* Reads and replays the log, creating it if needed; leaves it open at its
 * valid end. */
static gboolean
recover (MqttFileStore *self, GError **error)
{
  g_autofree char *data = NULL;
  gsize size = 0, valid;

  self->fd = open (self->log_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (self->fd < 0)
    return io_error (error, errno, "open", self->log_path);
  if (!g_file_get_contents (self->log_path, &data, &size, error))
    return FALSE;

  /* A new log, or one whose creation a crash cut short. */
  if (size < HEADER_SIZE && memcmp (data, LOG_MAGIC, size) == 0)
    {
      if (ftruncate (self->fd, 0) < 0)
        return io_error (error, errno, "truncate", self->log_path);
      if (!write_all (self->fd, (const guint8 *) LOG_MAGIC, HEADER_SIZE, self->log_path, error))
        return FALSE;
      if (self->sync != MQTT_STORE_SYNC_NONE && !sync_fd (self->fd, self->log_path, error))
        return FALSE;
      self->end = HEADER_SIZE;
      return TRUE;
    }
  if (size < HEADER_SIZE || memcmp (data, LOG_MAGIC, HEADER_SIZE) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not a store log (it does not begin with \"" LOG_MAGIC "\")",
                   self->log_path);
      return FALSE;
    }

  valid = replay (self, (const guint8 *) data, size, error);
  if (valid == 0)
    return FALSE;
  if (valid < size)
    {
      if (ftruncate (self->fd, valid) < 0)
        return io_error (error, errno, "truncate", self->log_path);
      if (self->sync != MQTT_STORE_SYNC_NONE && !sync_fd (self->fd, self->log_path, error))
        return FALSE;
    }
  self->end = valid;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Compaction */

/* Rewrites the log with its live records only. Called with nothing
 * staged. */
static gboolean
compact (MqttFileStore *self, GError **error)
{
  g_autofree char *new_path = g_strconcat (self->log_path, ".new", NULL);
  g_autoptr(GPtrArray) order = index_in_order (self);
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  g_autofree guint64 *offsets = g_new (guint64, order->len + 1);
  guint64 at = HEADER_SIZE;
  gboolean ok = TRUE;
  guint i;
  int fd;

  fd = open (new_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return io_error (error, errno, "create", new_path);
  g_byte_array_append (buffer, (const guint8 *) LOG_MAGIC, HEADER_SIZE);
  for (i = 0; ok && i < order->len; i++)
    {
      Entry *entry = order->pdata[i];
      guint start = buffer->len;

      offsets[i] = at;
      at += entry->size;
      g_byte_array_set_size (buffer, start + entry->size);
      ok = read_at (self->fd, buffer->data + start, entry->size, entry->offset, self->log_path,
                    error);
      if (ok && buffer->len >= COMPACT_MIN)
        {
          ok = write_all (fd, buffer->data, buffer->len, new_path, error);
          g_byte_array_set_size (buffer, 0);
        }
    }
  ok = ok && write_all (fd, buffer->data, buffer->len, new_path, error);
  ok = ok && (self->sync == MQTT_STORE_SYNC_NONE || sync_fd (fd, new_path, error));
  close (fd);
  if (ok && g_rename (new_path, self->log_path) < 0)
    ok = io_error (error, errno, "rename", new_path);
  if (!ok)
    {
      g_unlink (new_path);
      return FALSE;
    }
  if (self->sync != MQTT_STORE_SYNC_NONE)
    sync_directory (self->path);

  /* The new file takes the old one's place (the flusher's too). Should it
   * not open, the old descriptor still reaches the old file: nothing is
   * lost, and the next open reads the new one. */
  fd = open (self->log_path, O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd < 0)
    return io_error (error, errno, "open", self->log_path);
  pthread_mutex_lock (&self->lock);
  close (self->fd);
  self->fd = fd;
  pthread_mutex_unlock (&self->lock);
  for (i = 0; i < order->len; i++)
    ((Entry *) order->pdata[i])->offset = offsets[i];
  self->end = at;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* MqttStore */

static void
file_store_close (MqttStore *store)
{
  MqttFileStore *self = MQTT_FILE_STORE (store);

  stop_flusher (self);
  if (self->fd >= 0)
    {
      if (self->sync != MQTT_STORE_SYNC_NONE && self->dirty)
        fdatasync (self->fd);
      close (self->fd);
    }
  if (self->lock_fd >= 0)
    close (self->lock_fd);
  self->fd = self->lock_fd = -1;
  self->dirty = FALSE;
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->log_path, g_free);
  g_clear_pointer (&self->staged, g_byte_array_unref);
  g_clear_pointer (&self->index, g_hash_table_unref);
}

static gboolean
file_store_open (MqttStore *store, const char *client_id, GError **error)
{
  MqttFileStore *self = MQTT_FILE_STORE (store);
  g_autofree char *name = NULL;
  g_autofree char *lock_path = NULL;

  if (self->fd >= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY, "The store in %s is already open for %s",
                   self->directory, self->path);
      return FALSE;
    }
  if (client_id[0] == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "A store keeps the records of a client id: this one is empty");
      return FALSE;
    }
  name = directory_name (client_id);
  self->path = g_build_filename (self->directory, name, NULL);
  self->log_path = g_build_filename (self->path, "log", NULL);
  self->staged = g_byte_array_new ();
  self->index = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  self->next_seq = 0;
  self->live_bytes = 0;
  self->compact_at = 0;
  if (g_mkdir_with_parents (self->path, 0700) < 0)
    {
      io_error (error, errno, "create the directory", self->path);
      goto fail;
    }

  lock_path = g_build_filename (self->path, "lock", NULL);
  self->lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (self->lock_fd < 0)
    {
      io_error (error, errno, "open", lock_path);
      goto fail;
    }
  if (flock (self->lock_fd, LOCK_EX | LOCK_NB) < 0)
    {
      if (errno == EWOULDBLOCK)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                     "The store of client id '%s' in %s is in use by another client", client_id,
                     self->directory);
      else
        io_error (error, errno, "lock", lock_path);
      goto fail;
    }

  if (!recover (self, error))
    goto fail;
  if (self->sync == MQTT_STORE_SYNC_BATCHED)
    self->flusher = g_thread_new ("mqtt-store-flush", flusher_run, self);
  return TRUE;

fail:
  file_store_close (store);
  return FALSE;
}

static gboolean
file_store_load (MqttStore *store, MqttStoreFunc func, gpointer user_data, GError **error)
{
  MqttFileStore *self = MQTT_FILE_STORE (store);
  g_autoptr(GPtrArray) order = NULL;
  guint i;

  if (self->fd < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The store is not open");
      return FALSE;
    }
  order = index_in_order (self);
  for (i = 0; i < order->len; i++)
    {
      Entry *entry = order->pdata[i];
      gsize value_size = entry->size - RECORD_HEAD - BODY_HEAD;
      guint8 *value = g_malloc (value_size);
      g_autoptr(GBytes) bytes = NULL;

      if (entry->offset >= self->end)
        memcpy (value, self->staged->data + (entry->offset - self->end) + RECORD_HEAD +
                         BODY_HEAD, value_size);
      else if (!read_at (self->fd, value, value_size, entry->offset + RECORD_HEAD + BODY_HEAD,
                         self->log_path, error))
        {
          g_free (value);
          return FALSE;
        }
      bytes = g_bytes_new_take (value, value_size);
      func (entry->key, bytes, user_data);
    }
  return TRUE;
}

static void
file_store_put (MqttStore *store, guint64 key, GBytes *value)
{
  MqttFileStore *self = MQTT_FILE_STORE (store);
  gsize size;
  const guint8 *data = g_bytes_get_data (value, &size);
  guint64 offset;

  g_return_if_fail (self->fd >= 0);
  g_return_if_fail (size <= G_MAXUINT32 - BODY_HEAD - RECORD_HEAD);

  offset = self->end + self->staged->len;
  append_record (self->staged, OP_PUT, key, data, size);
  index_put (self, key, offset, self->end + self->staged->len - offset);
}

static void
file_store_remove (MqttStore *store, guint64 key)
{
  MqttFileStore *self = MQTT_FILE_STORE (store);

  g_return_if_fail (self->fd >= 0);

  if (index_remove (self, key))
    append_record (self->staged, OP_REMOVE, key, NULL, 0);
}

static gboolean
file_store_commit (MqttStore *store, GError **error)
{
  MqttFileStore *self = MQTT_FILE_STORE (store);
  guint64 garbage;

  if (self->fd < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The store is not open");
      return FALSE;
    }
  if (self->staged->len == 0)
    return TRUE;

  if (!write_all (self->fd, self->staged->data, self->staged->len, self->log_path, error) ||
      (self->sync == MQTT_STORE_SYNC_ALWAYS && !sync_fd (self->fd, self->log_path, error)))
    {
      /* Back to where the log was: a half-written batch in the middle of
       * the log would be damage at the next open. The batch stays staged
       * and the next commit tries again. */
      if (ftruncate (self->fd, self->end) < 0)
        g_prefix_error (error, "(and the log could not be cut back to %" G_GUINT64_FORMAT
                        " bytes) ", self->end);
      return FALSE;
    }
  self->end += self->staged->len;
  g_byte_array_set_size (self->staged, 0);
  if (self->sync == MQTT_STORE_SYNC_BATCHED)
    {
      pthread_mutex_lock (&self->lock);
      self->dirty = TRUE;
      pthread_cond_signal (&self->cond);
      pthread_mutex_unlock (&self->lock);
    }

  garbage = self->end - HEADER_SIZE - self->live_bytes;
  if (garbage > COMPACT_MIN && garbage > self->live_bytes && self->end >= self->compact_at)
    {
      g_autoptr(GError) local = NULL;

      /* The old log is intact when this fails: try again later. */
      if (!compact (self, &local))
        {
          g_debug ("Store compaction failed: %s", local->message);
          self->compact_at = self->end + COMPACT_MIN;
        }
    }
  return TRUE;
}

static void
mqtt_file_store_iface_init (MqttStoreInterface *iface)
{
  iface->open = file_store_open;
  iface->load = file_store_load;
  iface->put = file_store_put;
  iface->remove = file_store_remove;
  iface->commit = file_store_commit;
  iface->close = file_store_close;
}

/* ------------------------------------------------------------------------ */
/* GObject */

static void
mqtt_file_store_init (MqttFileStore *self)
{
  pthread_condattr_t attr;

  self->sync = MQTT_STORE_SYNC_BATCHED;
  self->sync_interval = DEFAULT_SYNC_INTERVAL;
  self->fd = self->lock_fd = -1;
  pthread_mutex_init (&self->lock, NULL);
  pthread_condattr_init (&attr);
  pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
  pthread_cond_init (&self->cond, &attr);
  pthread_condattr_destroy (&attr);
}

static void
mqtt_file_store_finalize (GObject *object)
{
  MqttFileStore *self = MQTT_FILE_STORE (object);

  file_store_close (MQTT_STORE (self));
  g_free (self->directory);
  pthread_mutex_destroy (&self->lock);
  pthread_cond_destroy (&self->cond);

  G_OBJECT_CLASS (mqtt_file_store_parent_class)->finalize (object);
}

static void
mqtt_file_store_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  MqttFileStore *self = MQTT_FILE_STORE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      g_value_set_string (value, self->directory);
      break;
    case PROP_SYNC:
      g_value_set_enum (value, self->sync);
      break;
    case PROP_SYNC_INTERVAL:
      g_value_set_uint (value, self->sync_interval);
      break;
    case PROP_SALVAGE:
      g_value_set_boolean (value, self->salvage);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mqtt_file_store_set_property (GObject *object, guint prop_id, const GValue *value,
                              GParamSpec *pspec)
{
  MqttFileStore *self = MQTT_FILE_STORE (object);

  switch (prop_id)
    {
    case PROP_DIRECTORY:
      self->directory = g_value_dup_string (value);
      break;
    case PROP_SYNC:
      mqtt_file_store_set_sync (self, g_value_get_enum (value));
      break;
    case PROP_SYNC_INTERVAL:
      mqtt_file_store_set_sync_interval (self, g_value_get_uint (value));
      break;
    case PROP_SALVAGE:
      mqtt_file_store_set_salvage (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
mqtt_file_store_class_init (MqttFileStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = mqtt_file_store_finalize;
  object_class->get_property = mqtt_file_store_get_property;
  object_class->set_property = mqtt_file_store_set_property;
  crc_init ();

  /**
   * MqttFileStore:directory:
   *
   * The directory that holds a subdirectory per client id (created with
   * mode 0700 when needed).
   */
  properties[PROP_DIRECTORY] =
    g_param_spec_string ("directory", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MqttFileStore:sync:
   *
   * How writes are made durable (see #MqttStoreSync). A change takes effect
   * at the next open.
   */
  properties[PROP_SYNC] = g_param_spec_enum ("sync", NULL, NULL, MQTT_TYPE_STORE_SYNC,
                                             MQTT_STORE_SYNC_BATCHED, rw);

  /**
   * MqttFileStore:sync-interval:
   *
   * With %MQTT_STORE_SYNC_BATCHED, the longest time in milliseconds between
   * a commit and the flush to the disk that covers it.
   */
  properties[PROP_SYNC_INTERVAL] = g_param_spec_uint ("sync-interval", NULL, NULL, 1, 60000,
                                                      DEFAULT_SYNC_INTERVAL, rw);

  /**
   * MqttFileStore:salvage:
   *
   * Whether a damaged log is opened with the valid records before the
   * damage (the rest moved aside to `log.damaged-TIME`) rather than
   * refused.
   */
  properties[PROP_SALVAGE] = g_param_spec_boolean ("salvage", NULL, NULL, FALSE, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/**
 * mqtt_file_store_new:
 * @directory: (type filename): the directory of the stores, one
 *   subdirectory per client id
 *
 * Creates a store in @directory, with the batched sync policy.
 *
 * Returns: (transfer full): a new #MqttFileStore
 */
MqttFileStore *
mqtt_file_store_new (const char *directory)
{
  g_return_val_if_fail (directory != NULL, NULL);

  return g_object_new (MQTT_TYPE_FILE_STORE, "directory", directory, NULL);
}

/**
 * mqtt_file_store_get_directory:
 * @self: a #MqttFileStore
 *
 * Gets #MqttFileStore:directory.
 *
 * Returns: (type filename): the directory of the stores
 */
const char *
mqtt_file_store_get_directory (MqttFileStore *self)
{
  g_return_val_if_fail (MQTT_IS_FILE_STORE (self), NULL);

  return self->directory;
}

/**
 * mqtt_file_store_set_sync:
 * @self: a #MqttFileStore
 * @sync: the policy
 *
 * Sets #MqttFileStore:sync.
 */
void
mqtt_file_store_set_sync (MqttFileStore *self, MqttStoreSync sync)
{
  g_return_if_fail (MQTT_IS_FILE_STORE (self));

  if (self->sync == sync)
    return;
  self->sync = sync;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC]);
}

/**
 * mqtt_file_store_get_sync:
 * @self: a #MqttFileStore
 *
 * Gets #MqttFileStore:sync.
 *
 * Returns: the policy
 */
MqttStoreSync
mqtt_file_store_get_sync (MqttFileStore *self)
{
  g_return_val_if_fail (MQTT_IS_FILE_STORE (self), MQTT_STORE_SYNC_BATCHED);

  return self->sync;
}

/**
 * mqtt_file_store_set_sync_interval:
 * @self: a #MqttFileStore
 * @milliseconds: the longest time between a commit and its flush, 1 to 60000
 *
 * Sets #MqttFileStore:sync-interval.
 */
void
mqtt_file_store_set_sync_interval (MqttFileStore *self, guint milliseconds)
{
  g_return_if_fail (MQTT_IS_FILE_STORE (self));
  g_return_if_fail (milliseconds >= 1 && milliseconds <= 60000);

  if (self->sync_interval == milliseconds)
    return;
  pthread_mutex_lock (&self->lock);
  self->sync_interval = milliseconds;
  pthread_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_INTERVAL]);
}

/**
 * mqtt_file_store_get_sync_interval:
 * @self: a #MqttFileStore
 *
 * Gets #MqttFileStore:sync-interval.
 *
 * Returns: the interval in milliseconds
 */
guint
mqtt_file_store_get_sync_interval (MqttFileStore *self)
{
  g_return_val_if_fail (MQTT_IS_FILE_STORE (self), DEFAULT_SYNC_INTERVAL);

  return self->sync_interval;
}

/**
 * mqtt_file_store_set_salvage:
 * @self: a #MqttFileStore
 * @salvage: whether to open a damaged log with its valid prefix
 *
 * Sets #MqttFileStore:salvage.
 */
void
mqtt_file_store_set_salvage (MqttFileStore *self, gboolean salvage)
{
  g_return_if_fail (MQTT_IS_FILE_STORE (self));

  if (self->salvage == !!salvage)
    return;
  self->salvage = !!salvage;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SALVAGE]);
}

/**
 * mqtt_file_store_get_salvage:
 * @self: a #MqttFileStore
 *
 * Gets #MqttFileStore:salvage.
 *
 * Returns: whether a damaged log is opened with its valid prefix
 */
gboolean
mqtt_file_store_get_salvage (MqttFileStore *self)
{
  g_return_val_if_fail (MQTT_IS_FILE_STORE (self), FALSE);

  return self->salvage;
}
