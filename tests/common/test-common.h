/* Test helpers: a mosquitto broker on a free loopback port, a scripted fake
 * broker for exact bytes and faults, and waiting on the main context. */

#pragma once

#include <gio/gio.h>

#include "mqtt-packet-private.h"

G_BEGIN_DECLS

/* Hex pairs and 'quoted text', separated by spaces: "30 05 00 03 'a/b'". */
GByteArray *test_parse_bytes (const char *spec);
char *test_hex (const guint8 *data, gsize length);

/* Iterates the thread-default main context until @cond returns TRUE;
 * aborts the test after @timeout_ms. */
void test_wait_until_full (gboolean (*cond) (gpointer), gpointer data, guint timeout_ms,
                           const char *what);
#define TEST_WAIT_FOR(cond_fn, data, ms) test_wait_until_full ((cond_fn), (data), (ms), #cond_fn)
/* Iterates the thread-default main context until *@counter >= @target. */
void test_wait_count (guint *counter, guint target, guint timeout_ms);
/* Iterates the thread-default main context for @ms milliseconds. */
void test_run_for (guint ms);

/* Removes a directory and everything in it. */
void test_remove_dir (const char *path);

/* A loopback TCP port nobody listens on (just now). */
guint16 test_free_port (void);

/* A socket listening on 127.0.0.1, on a free port stored in *@port; its
 * accept() gives up after @timeout seconds (0: never), so that a thread
 * accepting can notice it should stop. */
GSocket *test_listen_loopback (guint16 *port, guint timeout);

/* A mosquitto on 127.0.0.1, with a generated configuration. */
typedef struct _TestBroker TestBroker;

/* @extra_config may use @PORT1@ to @PORT4@ (more free ports, for more
 * listeners) and @CERTS@ (a directory of test certificates, see
 * make-certs.sh, made on first use). */
TestBroker *test_broker_new (const char *extra_config);
guint16 test_broker_get_extra_port (TestBroker *broker, guint i);
/* The directory of test certificates (made on first use). */
const char *test_certs_dir (void);
void test_broker_free (TestBroker *broker);
guint16 test_broker_get_port (TestBroker *broker);
const char *test_broker_get_dir (TestBroker *broker);
/* Stops gracefully (SIGTERM: a persistent broker saves its state). */
void test_broker_stop (TestBroker *broker);
/* Kills without warning (SIGKILL). */
void test_broker_kill (TestBroker *broker);
/* Starts again on the same port. */
void test_broker_start (TestBroker *broker);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestBroker, test_broker_free)

/* A scripted broker: @script runs in its own thread with blocking I/O on
 * one accepted connection at a time, while the test drives the client. */
typedef struct _FakeBroker FakeBroker;
typedef void (*FakeBrokerScript) (FakeBroker *broker, gpointer data);

FakeBroker *fake_broker_new (FakeBrokerScript script, gpointer data);
void fake_broker_free (FakeBroker *broker);
guint16 fake_broker_get_port (FakeBroker *broker);
gboolean fake_broker_is_done (FakeBroker *broker);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeBroker, fake_broker_free)

/* In the script: */
void fake_broker_accept (FakeBroker *broker);
/* The next packet, decoded; aborts on timeout or malformed input. */
void fake_broker_read_packet (FakeBroker *broker, MqttPacket *packet);
/* FALSE if nothing complete arrived within @timeout_ms (or the client closed). */
gboolean fake_broker_try_read_packet (FakeBroker *broker, MqttPacket *packet, guint timeout_ms);
/* The raw bytes of the next packet. */
GBytes *fake_broker_read_raw_packet (FakeBroker *broker);
/* Reads the CONNECT and answers CONNACK with @code. */
void fake_broker_handshake (FakeBroker *broker, guint8 code, gboolean session_present);
void fake_broker_send (FakeBroker *broker, const char *spec);
void fake_broker_send_raw (FakeBroker *broker, const guint8 *data, gsize length);
void fake_broker_send_packet (FakeBroker *broker, const MqttPacket *packet);
void fake_broker_close (FakeBroker *broker);
/* TRUE if the client closed the connection within @timeout_ms. */
gboolean fake_broker_wait_closed (FakeBroker *broker, guint timeout_ms);
/* Monotonic time at which the last packet was read. */
gint64 fake_broker_last_read_time (FakeBroker *broker);

G_END_DECLS
