/* A loopback TCP proxy that injects faults into the connections it
 * carries: cuts them (in the middle of a packet, at any byte), stalls them
 * (then resumes or cuts: a half-open connection), delays every chunk, or
 * fragments the stream into pieces of a few bytes. Faults come at random
 * byte counts from a seeded generator, so that a failing run can be
 * repeated. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FAULT_CUT,
  FAULT_STALL,
  FAULT_DELAY,
  FAULT_FRAGMENT,
  FAULT_N_KINDS,
} FaultKind;

typedef struct _FaultProxy FaultProxy;

/* Forwards connections to 127.0.0.1:@upstream_port. Faults are off until
 * fault_proxy_set_enabled(). */
FaultProxy *fault_proxy_new (guint16 upstream_port, guint32 seed);
void fault_proxy_free (FaultProxy *proxy);
guint16 fault_proxy_get_port (FaultProxy *proxy);
/* New connections go to 127.0.0.1:@upstream_port; those open are cut. */
void fault_proxy_redirect (FaultProxy *proxy, guint16 upstream_port);
/* Faults come every @min_bytes to @max_bytes forwarded on a connection. */
void fault_proxy_set_enabled (FaultProxy *proxy, gboolean enabled, guint min_bytes,
                              guint max_bytes);
/* Faults injected so far: of one kind, or all (FAULT_N_KINDS). */
guint fault_proxy_get_faults (FaultProxy *proxy, FaultKind kind);
guint fault_proxy_get_connections (FaultProxy *proxy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FaultProxy, fault_proxy_free)

G_END_DECLS
