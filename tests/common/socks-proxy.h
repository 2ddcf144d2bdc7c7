/* A SOCKS 5 proxy on loopback for the tests (no authentication, CONNECT
 * only): counts the connections it relays and the ports they went to. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SocksProxy SocksProxy;

SocksProxy *socks_proxy_new (void);
void socks_proxy_free (SocksProxy *proxy);
guint16 socks_proxy_get_port (SocksProxy *proxy);
guint socks_proxy_get_connections (SocksProxy *proxy);
/* The destination port of the last relayed connection. */
guint16 socks_proxy_get_last_port (SocksProxy *proxy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SocksProxy, socks_proxy_free)

G_END_DECLS
