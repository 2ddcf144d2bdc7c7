#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "fault-proxy.h"
#include "test-common.h"

#define MS G_GINT64_CONSTANT (1000)

struct _FaultProxy {
  GSocket *listener;
  guint16 port;
  guint16 upstream_port;
  GThread *thread;
  gint stopping;

  pthread_mutex_t lock; /* POSIX, for ThreadSanitizer to follow */
  GRand *rand;
  gboolean enabled;
  guint min_bytes, max_bytes;
  guint faults[FAULT_N_KINDS];
  guint connections;
  GPtrArray *links;
};

/* One proxied connection: two pump threads, one per direction. */
typedef struct {
  FaultProxy *proxy;
  GSocket *down;      /* the client's side */
  GSocketConnection *up_connection;
  GSocket *up;        /* the broker's side, of up_connection */
  GThread *threads[2];
  gpointer up_pump, down_pump;  /* Pump *, freed with the link */
  /* Under proxy->lock. */
  guint64 forwarded;
  guint64 next_fault_at;
  gboolean cut;
  gint64 stall_until;
  gboolean cut_after_stall;
  gint64 slow_until;
  FaultKind slow_kind;
} Link;

typedef struct {
  Link *link;
  GSocket *from;
  GSocket *to;
  guint8 last[48];     /* the last bytes forwarded, for FAULT_PROXY_DEBUG */
  gsize n_last;
} Pump;

static void
remember (Pump *pump, const char *data, gsize n)
{
  gsize keep = MIN (n, sizeof pump->last);
  gsize old = MIN (pump->n_last, sizeof pump->last - keep);

  memmove (pump->last, pump->last + pump->n_last - old, old);
  memcpy (pump->last + old, data + n - keep, keep);
  pump->n_last = old + keep;
}

static void
schedule_fault_locked (FaultProxy *proxy, Link *link)
{
  link->next_fault_at = link->forwarded +
                        g_rand_int_range (proxy->rand, proxy->min_bytes, proxy->max_bytes + 1);
}

/* Both directions end: the client and the broker see the connection go,
 * with no DISCONNECT, wherever the bytes were. */
static void
cut_locked (Link *link)
{
  link->cut = TRUE;
  g_socket_shutdown (link->down, TRUE, TRUE, NULL);
  g_socket_shutdown (link->up, TRUE, TRUE, NULL);
}

static void
inject_locked (FaultProxy *proxy, Link *link, gint64 now)
{
  FaultKind kind = g_rand_int_range (proxy->rand, 0, FAULT_N_KINDS);
  const char *only = g_getenv ("FAULT_KIND");

  if (only && *only)
    kind = atoi (only);

  proxy->faults[kind]++;
  switch (kind)
    {
    case FAULT_CUT:
      cut_locked (link);
      break;
    case FAULT_STALL:
      /* Longer than the clients' keepalive at times. */
      link->stall_until = now + g_rand_int_range (proxy->rand, 100, 3000) * MS;
      link->cut_after_stall = g_rand_boolean (proxy->rand);
      break;
    case FAULT_DELAY:
    case FAULT_FRAGMENT:
      link->slow_kind = kind;
      link->slow_until = now + g_rand_int_range (proxy->rand, 100, 1500) * MS;
      break;
    case FAULT_N_KINDS:
    default:
      g_assert_not_reached ();
    }
  schedule_fault_locked (proxy, link);
}

static gboolean
send_all (GSocket *socket, const char *data, gsize n)
{
  while (n > 0)
    {
      gssize sent = g_socket_send (socket, data, n, NULL, NULL);

      if (sent <= 0)
        return FALSE;
      data += sent;
      n -= sent;
    }
  return TRUE;
}

static gpointer
pump_thread (gpointer data)
{
  Pump *pump = data;
  Link *link = pump->link;
  FaultProxy *proxy = link->proxy;
  char buffer[16384];
  gssize n;

  while ((n = g_socket_receive (pump->from, buffer, sizeof buffer, NULL, NULL)) > 0)
    {
      gint64 now = g_get_monotonic_time ();
      gboolean cut, slow, fragment = FALSE;
      gsize offset = 0;

      pthread_mutex_lock (&proxy->lock);
      link->forwarded += n;
      if (proxy->enabled && !link->cut && link->forwarded >= link->next_fault_at)
        inject_locked (proxy, link, now);
      pthread_mutex_unlock (&proxy->lock);

      /* A stall holds both directions (each pump waits it out). */
      for (;;)
        {
          gint64 stall_until;

          pthread_mutex_lock (&proxy->lock);
          stall_until = link->stall_until;
          if (stall_until && g_get_monotonic_time () >= stall_until)
            {
              link->stall_until = 0;
              if (link->cut_after_stall)
                cut_locked (link);
              stall_until = 0;
            }
          cut = link->cut;
          pthread_mutex_unlock (&proxy->lock);
          if (cut || !stall_until)
            break;
          g_usleep (10 * MS);
        }
      if (cut)
        break;

      pthread_mutex_lock (&proxy->lock);
      slow = g_get_monotonic_time () < link->slow_until;
      if (slow)
        fragment = link->slow_kind == FAULT_FRAGMENT;
      pthread_mutex_unlock (&proxy->lock);

      remember (pump, buffer, n);
      if (!slow)
        {
          if (!send_all (pump->to, buffer, n))
            break;
          continue;
        }
      if (!fragment)
        g_usleep (g_random_int_range (5, 50) * MS);
      while (offset < (gsize) n)
        {
          /* MIN() evaluates its arguments twice: the random size first. */
          gsize size = fragment ? (gsize) g_random_int_range (1, 8) : (gsize) n;
          gsize piece = MIN (size, n - offset);

          if (!send_all (pump->to, buffer + offset, piece))
            break;
          offset += piece;
          if (fragment)
            g_usleep (200);
        }
      if (offset < (gsize) n)
        break;
    }
  /* The end of one direction ends the other. */
  pthread_mutex_lock (&proxy->lock);
  if (n == 0 && !link->cut && g_getenv ("FAULT_PROXY_DEBUG"))
    {
      /* A side closed the connection, not a fault: what the other side
       * sent it last (its own last bytes are in the other pump). */
      Pump *other = pump == link->up_pump ? link->down_pump : link->up_pump;
      GString *hex = g_string_new (NULL);
      gsize i;

      for (i = 0; i < other->n_last; i++)
        g_string_append_printf (hex, "%02x ", other->last[i]);
      g_printerr ("fault-proxy: %s closed; the last bytes it got: %s\n",
                  pump->from == link->up ? "the broker" : "the client", hex->str);
      g_string_free (hex, TRUE);
    }
  cut_locked (link);
  pthread_mutex_unlock (&proxy->lock);
  return NULL;
}

static void
link_free (Link *link)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (link->threads); i++)
    g_thread_join (link->threads[i]);
  g_socket_close (link->down, NULL);
  g_socket_close (link->up, NULL);
  g_object_unref (link->down);
  g_object_unref (link->up_connection);
  g_free (link->up_pump);
  g_free (link->down_pump);
  g_free (link);
}

static void
start_link (FaultProxy *proxy, GSocket *down)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) upstream = NULL;
  Link *link;
  Pump *pumps[2];

  guint16 upstream_port;

  pthread_mutex_lock (&proxy->lock);
  upstream_port = proxy->upstream_port;
  pthread_mutex_unlock (&proxy->lock);
  g_socket_client_set_enable_proxy (client, FALSE);
  upstream = g_socket_client_connect_to_host (client, "127.0.0.1", upstream_port, NULL, NULL);
  if (upstream == NULL)
    {
      /* The broker is down: so is the connection. */
      g_socket_close (down, NULL);
      g_object_unref (down);
      return;
    }
  link = g_new0 (Link, 1);
  link->proxy = proxy;
  link->down = down;
  link->up_connection = g_steal_pointer (&upstream);
  link->up = g_socket_connection_get_socket (link->up_connection);
  g_socket_set_blocking (link->up, TRUE);

  pthread_mutex_lock (&proxy->lock);
  proxy->connections++;
  schedule_fault_locked (proxy, link);
  g_ptr_array_add (proxy->links, link);
  pthread_mutex_unlock (&proxy->lock);

  pumps[0] = g_new0 (Pump, 1);
  *pumps[0] = (Pump) { link, link->down, link->up };
  pumps[1] = g_new0 (Pump, 1);
  *pumps[1] = (Pump) { link, link->up, link->down };
  link->up_pump = pumps[0];
  link->down_pump = pumps[1];
  link->threads[0] = g_thread_new ("fault-up", pump_thread, pumps[0]);
  link->threads[1] = g_thread_new ("fault-down", pump_thread, pumps[1]);
}

static gpointer
accept_thread (gpointer data)
{
  FaultProxy *proxy = data;

  while (!g_atomic_int_get (&proxy->stopping))
    {
      GSocket *down = g_socket_accept (proxy->listener, NULL, NULL);

      if (down == NULL)
        continue;
      if (g_atomic_int_get (&proxy->stopping))
        {
          g_object_unref (down);
          break;
        }
      g_socket_set_blocking (down, TRUE);
      start_link (proxy, down);
    }
  return NULL;
}

FaultProxy *
fault_proxy_new (guint16 upstream_port, guint32 seed)
{
  FaultProxy *proxy = g_new0 (FaultProxy, 1);

  pthread_mutex_init (&proxy->lock, NULL);
  proxy->rand = g_rand_new_with_seed (seed);
  proxy->links = g_ptr_array_new ();
  proxy->upstream_port = upstream_port;
  /* Accept wakes up regularly so that it notices when to stop. */
  proxy->listener = test_listen_loopback (&proxy->port, 1);
  proxy->thread = g_thread_new ("fault-proxy", accept_thread, proxy);
  return proxy;
}

void
fault_proxy_free (FaultProxy *proxy)
{
  guint i;

  g_atomic_int_set (&proxy->stopping, TRUE);
  g_thread_join (proxy->thread);
  pthread_mutex_lock (&proxy->lock);
  for (i = 0; i < proxy->links->len; i++)
    cut_locked (g_ptr_array_index (proxy->links, i));
  pthread_mutex_unlock (&proxy->lock);
  for (i = 0; i < proxy->links->len; i++)
    link_free (g_ptr_array_index (proxy->links, i));
  g_ptr_array_unref (proxy->links);
  g_object_unref (proxy->listener);
  g_rand_free (proxy->rand);
  pthread_mutex_destroy (&proxy->lock);
  g_free (proxy);
}

void
fault_proxy_redirect (FaultProxy *proxy, guint16 upstream_port)
{
  guint i;

  pthread_mutex_lock (&proxy->lock);
  proxy->upstream_port = upstream_port;
  for (i = 0; i < proxy->links->len; i++)
    {
      Link *link = g_ptr_array_index (proxy->links, i);

      if (!link->cut)
        cut_locked (link);
    }
  pthread_mutex_unlock (&proxy->lock);
}

guint16
fault_proxy_get_port (FaultProxy *proxy)
{
  return proxy->port;
}

void
fault_proxy_set_enabled (FaultProxy *proxy, gboolean enabled, guint min_bytes, guint max_bytes)
{
  guint i;

  pthread_mutex_lock (&proxy->lock);
  proxy->enabled = enabled;
  proxy->min_bytes = min_bytes;
  proxy->max_bytes = MAX (min_bytes, max_bytes);
  for (i = 0; i < proxy->links->len; i++)
    {
      Link *link = g_ptr_array_index (proxy->links, i);

      schedule_fault_locked (proxy, link);
      if (!enabled)
        {
          /* Whatever was going on ends now, but for a cut. */
          link->slow_until = 0;
          link->stall_until = 0;
        }
    }
  pthread_mutex_unlock (&proxy->lock);
}

guint
fault_proxy_get_faults (FaultProxy *proxy, FaultKind kind)
{
  guint n = 0, i;

  pthread_mutex_lock (&proxy->lock);
  if (kind == FAULT_N_KINDS)
    for (i = 0; i < FAULT_N_KINDS; i++)
      n += proxy->faults[i];
  else
    n = proxy->faults[kind];
  pthread_mutex_unlock (&proxy->lock);
  return n;
}

guint
fault_proxy_get_connections (FaultProxy *proxy)
{
  guint n;

  pthread_mutex_lock (&proxy->lock);
  n = proxy->connections;
  pthread_mutex_unlock (&proxy->lock);
  return n;
}
