#!/usr/bin/python3
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# loop-start.py: Paho's threaded interface. loop_start() runs the network in
# a library thread while the main thread, which has no main loop, reads a
# "sensor" and publishes; signals arrive in the loop thread.
#
#   loop-start.py [HOST [PORT [COUNT]]]
import random
import sys
import time

import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import Mqtt  # noqa: E402

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
count = int(sys.argv[3]) if len(sys.argv) > 3 else 20

def sensor_blocking_read():
    time.sleep(0.01)
    return 20.0 + random.uniform(-0.5, 0.5)


client = Mqtt.Client.new()
client.connect_to_broker(host, port)
client.loop_start()

# publish() takes bytes, str or a number, and returns an MQTTMessageInfo
# (rc, mid, is_published(), wait_for_publish()), as Paho's does.
readings = [client.publish("paho/temperature", "%.2f" % sensor_blocking_read(), qos=1)
            for _ in range(count)]
for info in readings:
    info.wait_for_publish(timeout=10)
    if not info.is_published():
        sys.exit(f"{sys.argv[0]}: a reading was not acknowledged")
print(f"{count} readings published and acknowledged")
client.disconnect_from_broker()
while client.get_state() != Mqtt.ClientState.DISCONNECTED:
    time.sleep(0.001)
client.loop_stop()
