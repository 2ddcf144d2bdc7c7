#!/usr/bin/python3
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# subscribe-simple.py: Paho's subscribe.simple(), waits for COUNT messages
# and returns them.
#
#   subscribe-simple.py [HOST [PORT [TOPIC [COUNT]]]]
import sys

import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import GLib, Mqtt  # noqa: E402

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
topic = sys.argv[3] if len(sys.argv) > 3 else "paho/test/simple"
count = int(sys.argv[4]) if len(sys.argv) > 4 else 1

try:
    # One message when msg_count is 1, else a list, as Paho's.
    msgs = Mqtt.subscribe_simple(topic, msg_count=count, retained=False,
                                 settings=Mqtt.Settings(host=host, port=port))
except GLib.Error as e:
    sys.exit(f"{sys.argv[0]}: {e.message}")
for m in msgs if count > 1 else [msgs]:
    print(m.topic, m.payload.decode(errors="replace"))
