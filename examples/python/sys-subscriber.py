#!/usr/bin/python3
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# sys-subscriber.py: Paho's classic first program, through the binding.
# Subscribes to the broker's $SYS topics and prints what arrives; stops
# after COUNT messages (default: never).
#
#   sys-subscriber.py [HOST [PORT [COUNT]]]
import sys

import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import Mqtt  # noqa: E402

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
remaining = int(sys.argv[3]) if len(sys.argv) > 3 else -1


def on_connected(client, session_present, rc):
    print(f"Connected with result code {rc}", flush=True)
    # Subscribing here renews the subscription after a reconnection.
    client.subscribe("$SYS/#")


def on_message(client, message):
    global remaining
    print(message.topic, message.payload.decode(errors="replace"), flush=True)
    if remaining > 0:
        remaining -= 1
        if remaining == 0:
            client.disconnect_from_broker()


client = Mqtt.Client.new()
client.connect("connected", on_connected)
client.connect("message", on_message)
client.connect_to_broker(host, port)
# Runs until disconnect_from_broker(); errors raise GLib.Error.
client.loop_forever()
