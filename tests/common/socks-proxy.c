#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "socks-proxy.h"
#include "test-common.h"

struct _SocksProxy {
  GSocket *listener;
  guint16 port;
  GThread *thread;
  gint connections;
  gint last_port;
  gint stopping;
};

typedef struct {
  SocksProxy *proxy;
  GSocket *client;
} Session;

static gboolean
read_exactly (GSocket *socket, guint8 *buffer, gsize n)
{
  gsize got = 0;

  while (got < n)
    {
      gssize r = g_socket_receive (socket, (char *) buffer + got, n - got, NULL, NULL);

      if (r <= 0)
        return FALSE;
      got += r;
    }
  return TRUE;
}

/* Copies @from to @to until either side closes. */
static gpointer
pump_thread (gpointer data)
{
  GSocket **pair = data;
  char buffer[16384];
  gssize n;

  while ((n = g_socket_receive (pair[0], buffer, sizeof buffer, NULL, NULL)) > 0)
    if (g_socket_send (pair[1], buffer, n, NULL, NULL) < 0)
      break;
  g_socket_shutdown (pair[1], FALSE, TRUE, NULL);
  return NULL;
}

static gpointer
session_thread (gpointer data)
{
  Session *session = data;
  guint8 head[4], address[256], port_bytes[2];
  char host[256];
  static const guint8 no_auth[] = { 5, 0 };
  static const guint8 ok[] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) upstream = NULL;
  GSocket *up_to_down[2], *down_to_up[2];
  GThread *a, *b;
  guint16 port;

  /* Greeting: version 5, methods. */
  if (!read_exactly (session->client, head, 2) || head[0] != 5 ||
      !read_exactly (session->client, address, head[1]))
    goto out;
  g_socket_send (session->client, (const char *) no_auth, 2, NULL, NULL);
  /* Request: 5, CONNECT, 0, address type, address, port. */
  if (!read_exactly (session->client, head, 4) || head[1] != 1)
    goto out;
  if (head[3] == 1)
    {
      if (!read_exactly (session->client, address, 4))
        goto out;
      g_snprintf (host, sizeof host, "%u.%u.%u.%u", address[0], address[1], address[2],
                  address[3]);
    }
  else if (head[3] == 3)
    {
      if (!read_exactly (session->client, address, 1) ||
          !read_exactly (session->client, (guint8 *) host, address[0]))
        goto out;
      host[address[0]] = '\0';
    }
  else
    goto out;
  if (!read_exactly (session->client, port_bytes, 2))
    goto out;
  port = port_bytes[0] << 8 | port_bytes[1];

  g_socket_client_set_enable_proxy (client, FALSE);
  upstream = g_socket_client_connect_to_host (client, host, port, NULL, NULL);
  if (upstream == NULL)
    goto out;
  g_atomic_int_inc (&session->proxy->connections);
  g_atomic_int_set (&session->proxy->last_port, port);
  g_socket_send (session->client, (const char *) ok, sizeof ok, NULL, NULL);

  up_to_down[0] = g_socket_connection_get_socket (upstream);
  up_to_down[1] = session->client;
  down_to_up[0] = session->client;
  down_to_up[1] = g_socket_connection_get_socket (upstream);
  a = g_thread_new ("socks-up", pump_thread, up_to_down);
  b = g_thread_new ("socks-down", pump_thread, down_to_up);
  g_thread_join (a);
  g_thread_join (b);

out:
  g_socket_close (session->client, NULL);
  g_object_unref (session->client);
  g_free (session);
  return NULL;
}

static gpointer
accept_thread (gpointer data)
{
  SocksProxy *proxy = data;

  while (!g_atomic_int_get (&proxy->stopping))
    {
      GSocket *client = g_socket_accept (proxy->listener, NULL, NULL);
      Session *session;

      if (client == NULL)
        continue;
      if (g_atomic_int_get (&proxy->stopping))
        {
          g_object_unref (client);
          break;
        }
      g_socket_set_blocking (client, TRUE);
      session = g_new0 (Session, 1);
      session->proxy = proxy;
      session->client = client;
      g_thread_unref (g_thread_new ("socks-session", session_thread, session));
    }
  return NULL;
}

SocksProxy *
socks_proxy_new (void)
{
  SocksProxy *proxy = g_new0 (SocksProxy, 1);

  /* Accept wakes up regularly so that it notices when to stop. */
  proxy->listener = test_listen_loopback (&proxy->port, 1);
  proxy->thread = g_thread_new ("socks-proxy", accept_thread, proxy);
  return proxy;
}

void
socks_proxy_free (SocksProxy *proxy)
{
  g_atomic_int_set (&proxy->stopping, TRUE);
  g_thread_join (proxy->thread);
  g_object_unref (proxy->listener);
  g_free (proxy);
}

guint16
socks_proxy_get_port (SocksProxy *proxy)
{
  return proxy->port;
}

guint
socks_proxy_get_connections (SocksProxy *proxy)
{
  return g_atomic_int_get (&proxy->connections);
}

guint16
socks_proxy_get_last_port (SocksProxy *proxy)
{
  return g_atomic_int_get (&proxy->last_port);
}
