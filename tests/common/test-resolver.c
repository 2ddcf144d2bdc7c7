/* See test-resolver.h. */

#include "config.h"

#include <libsoup/soup.h>

#include "test-resolver.h"

typedef GResolver TestNameResolver;
typedef GResolverClass TestNameResolverClass;
static GType test_name_resolver_get_type (void);
G_DEFINE_TYPE (TestNameResolver, test_name_resolver, G_TYPE_RESOLVER)

static gint resolver_works = TRUE;
static GResolver *original;

static GList *
lookup (GResolver *resolver, const char *name, GCancellable *cancellable, GError **error)
{
  if (!g_atomic_int_get (&resolver_works) || !g_str_equal (name, "broker.test"))
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No such host: %s",
                   name);
      return NULL;
    }
  return g_list_append (NULL, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4));
}

static void
lookup_flags_async (GResolver *resolver, const char *name, GResolverNameLookupFlags flags,
                    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *addresses = lookup (resolver, name, cancellable, &error);

  if (addresses)
    g_task_return_pointer (task, addresses, (GDestroyNotify) g_resolver_free_addresses);
  else
    g_task_return_error (task, error);
}

static void
lookup_async (GResolver *resolver, const char *name, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data)
{
  lookup_flags_async (resolver, name, 0, cancellable, callback, user_data);
}

static GList *
lookup_finish (GResolver *resolver, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_name_resolver_class_init (TestNameResolverClass *klass)
{
  klass->lookup_by_name = lookup;
  klass->lookup_by_name_async = lookup_async;
  klass->lookup_by_name_finish = lookup_finish;
  klass->lookup_by_name_with_flags_async = lookup_flags_async;
  klass->lookup_by_name_with_flags_finish = lookup_finish;
}

static void
test_name_resolver_init (TestNameResolver *self)
{
}

void
test_name_resolver_install (void)
{
  g_autoptr(GResolver) resolver = g_object_new (test_name_resolver_get_type (), NULL);

  g_assert_null (original);
  original = g_resolver_get_default ();
  g_resolver_set_default (resolver);
  g_atomic_int_set (&resolver_works, TRUE);
}

void
test_name_resolver_uninstall (void)
{
  g_resolver_set_default (original);
  g_clear_object (&original);
}

void
test_name_resolver_set_working (gboolean working)
{
  g_atomic_int_set (&resolver_works, working);
}

/* ------------------------------------------------------------------------ */

struct _TestHttpServer {
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  gint port;   /* atomic */
};

static void
not_found (SoupServer *server, SoupServerMessage *message, const char *path, GHashTable *query,
           gpointer data)
{
  soup_server_message_set_status (message, SOUP_STATUS_NOT_FOUND, NULL);
}

static gpointer
run_http (gpointer data)
{
  TestHttpServer *self = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (self->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, not_found, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_atomic_int_set (&self->port, g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (self->loop);
  /* Closing the connections takes turns of the context. */
  soup_server_disconnect (server);
  g_clear_object (&server);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

TestHttpServer *
test_http_server_new (void)
{
  TestHttpServer *self = g_new0 (TestHttpServer, 1);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("http", run_http, self);
  while (g_atomic_int_get (&self->port) == 0)
    g_usleep (1000);
  return self;
}

guint16
test_http_server_get_port (TestHttpServer *self)
{
  return g_atomic_int_get (&self->port);
}

static gboolean
quit (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

void
test_http_server_free (TestHttpServer *self)
{
  g_main_context_invoke (self->context, quit, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_free (self);
}
