#!/usr/bin/python3
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# loop-start.py: Paho's threaded interface. loop_start() runs the network in
# a library thread while the main thread, which has no main loop, reads a
# "sensor" and publishes; signals arrive in the loop thread.
#
#   loop-start.py [HOST [PORT [COUNT]]]
import random
import sys
import threading
import time

import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import Mqtt  # noqa: E402

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
count = int(sys.argv[3]) if len(sys.argv) > 3 else 20

acknowledged = threading.Semaphore(0)


def on_published(client, mid):
    acknowledged.release()


def sensor_blocking_read():
    time.sleep(0.01)
    return 20.0 + random.uniform(-0.5, 0.5)


client = Mqtt.Client.new(None, True, Mqtt.ProtocolVersion.V311)
client.connect("published", on_published)
client.connect_to_broker(host, port, 60, None)
client.loop_start()

for _ in range(count):
    # publish() takes bytes and returns (ok, mid); errors raise GLib.Error.
    client.publish("paho/temperature", b"%.2f" % sensor_blocking_read(),
                   Mqtt.Qos.AT_LEAST_ONCE, False)

for _ in range(count):
    if not acknowledged.acquire(timeout=10):
        sys.exit(f"{sys.argv[0]}: a reading was not acknowledged")
print(f"{count} readings published and acknowledged")
client.disconnect_from_broker()
while client.get_state() != Mqtt.ClientState.DISCONNECTED:
    time.sleep(0.001)
client.loop_stop()
