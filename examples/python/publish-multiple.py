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

# Dicts or tuples, as Paho's publish.multiple() takes (or Mqtt.Message).
msgs = [{"topic": topic, "payload": "multiple 1"}, (topic, "multiple 2", 0, False)]
try:
    Mqtt.publish_multiple(msgs, settings=Mqtt.Settings(host=host, port=port))
except GLib.Error as e:
    sys.exit(f"{sys.argv[0]}: {e.message}")
