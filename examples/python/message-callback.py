#!/usr/bin/python3
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# message-callback.py: Paho's message_callback_add(). Messages on topics
# matching a filter go to that filter's callback, the others to the
# "message" signal. The program publishes to itself one message per route,
# then disconnects.
#
#   message-callback.py [HOST [PORT]]
import sys

import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import Mqtt  # noqa: E402

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
expected = 3


def seen(client, route, message):
    global expected
    print(route, message.topic, message.payload.decode(), flush=True)
    expected -= 1
    if expected == 0:
        client.disconnect_from_broker()


def on_temperature(client, message):
    seen(client, "TEMPERATURE", message)


def on_humidity(client, message):
    seen(client, "HUMIDITY", message)


def on_message(client, message):
    # Only for messages no filter callback took.
    seen(client, "OTHER", message)


def on_subscribed(client, mid, granted_qos):
    for topic, text in (("paho/sensors/kitchen/temperature", b"21.5"),
                        ("paho/sensors/kitchen/humidity/relative", b"40"),
                        ("paho/sensors/kitchen/door", b"open")):
        client.publish(topic, text, qos=1)


client = Mqtt.Client.new()
client.message_callback_add("paho/sensors/+/temperature", on_temperature)
client.message_callback_add("paho/sensors/+/humidity/#", on_humidity)
client.connect("message", on_message)
client.connect("subscribed", on_subscribed)
client.connect_to_broker(host, port)
client.subscribe("paho/sensors/#", qos=1)
client.loop_forever()
