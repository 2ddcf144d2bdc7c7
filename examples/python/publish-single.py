#!/usr/bin/python3
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# publish-single.py: Paho's publish.single(), one message in one call.
#
#   publish-single.py [HOST [PORT [TOPIC [TEXT]]]]
import sys

import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import GLib, Mqtt  # noqa: E402

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
topic = sys.argv[3] if len(sys.argv) > 3 else "paho/test/single"
text = sys.argv[4] if len(sys.argv) > 4 else "payload"

settings = Mqtt.Settings(host=host, port=port)
try:
    Mqtt.publish_single(topic, text, settings=settings)
except GLib.Error as e:
    sys.exit(f"{sys.argv[0]}: {e.message}")
