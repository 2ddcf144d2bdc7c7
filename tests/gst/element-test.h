/* Helpers of the element tests: harnesses and pipelines on a broker, and
 * waiting for what they post. */

#pragma once

#include <gst/check/gstharness.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/* A mosquitto for a test (its extra configuration as the test's data). */
typedef struct {
  struct _TestBroker *broker;
  guint16 port;
} BrokerFixture;

void broker_fixture_setup (BrokerFixture *f, gconstpointer config);
void broker_fixture_teardown (BrokerFixture *f, gconstpointer config);

/* A harness around a mqttsink or mqttsrc on the broker at 127.0.0.1:@port,
 * with a bus of its own for the element's messages; the properties are set
 * before it starts. */
GstHarness *harness_port (guint16 port, const char *factory, const char *topic,
                          const char *first_property, ...);
#define harness(f, factory, topic, ...) \
  harness_port ((f)->port, (factory), (topic), __VA_ARGS__)
/* Tears @h down and flushes its bus (which breaks a reference cycle). */
void harness_teardown (GstHarness *h);
/* The next message named @name (an element message's structure, "error"
 * or "warning"), within 10 s; another error fails the test. */
GstMessage *wait_message (GstHarness *h, const char *name);
/* Until the source's subscription is acknowledged. */
void wait_subscribed (GstHarness *src);
/* The next error, which must be @domain and @code. */
void assert_error (GstHarness *h, GQuark domain, int code);

GstBuffer *buffer_of (const void *data, gsize size);
/* Publishes @text on @topic of the broker at 127.0.0.1:@port, and waits
 * until it is done (at QoS 1 and 2: acknowledged). */
void publish_text (guint16 port, const char *topic, const char *text, int qos, gboolean retain);
void assert_buffer_equals (GstBuffer *buffer, const void *data, gsize size);

/* gst-launch syntax with @PORT@ standing for @port. */
GstElement *launch (const char *description, guint16 port);
/* Runs @pipeline until EOS (or fails on an error), within @seconds. */
void run_until_eos (GstElement *pipeline, guint seconds);
/* Waits on @pipeline's bus for an element message named @name. */
void wait_pipeline_message (GstElement *pipeline, const char *name);

G_END_DECLS
