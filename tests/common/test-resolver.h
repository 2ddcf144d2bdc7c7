/* Helpers for connection-failure tests: a name resolver of the test's own
 * and an HTTP server that refuses every WebSocket handshake. */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A GResolver that resolves "broker.test" to 127.0.0.1 while
 * test_name_resolver_set_working() says so, and no other name; made the
 * default until test_name_resolver_uninstall(). */
void test_name_resolver_install (void);
void test_name_resolver_uninstall (void);
void test_name_resolver_set_working (gboolean working);

/* An HTTP server on 127.0.0.1 answering every request 404, in a thread of
 * its own (blocking helpers run their own main context). */
typedef struct _TestHttpServer TestHttpServer;

TestHttpServer *test_http_server_new (void);
guint16 test_http_server_get_port (TestHttpServer *server);
void test_http_server_free (TestHttpServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestHttpServer, test_http_server_free)

G_END_DECLS
