#!/usr/bin/python3
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# publish-multiple.py: Paho's publish.multiple(), several messages over one
# connection. Paho's list of dicts or tuples is a list of Mqtt.Message.
#
#   publish-multiple.py [HOST [PORT [TOPIC]]]
import sys

import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import GLib, Mqtt  # noqa: E402

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
topic = sys.argv[3] if len(sys.argv) > 3 else "paho/test/multiple"

msgs = [Mqtt.Message.new(topic, GLib.Bytes.new(b"multiple 1"), Mqtt.Qos.AT_MOST_ONCE, False),
        Mqtt.Message.new(topic, GLib.Bytes.new(b"multiple 2"), Mqtt.Qos.AT_MOST_ONCE, False)]
try:
    Mqtt.publish_multiple(msgs, Mqtt.Settings(host=host, port=port), None)
except GLib.Error as e:
    sys.exit(f"{sys.argv[0]}: {e.message}")
