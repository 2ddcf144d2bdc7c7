#!/usr/bin/python3
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# request-response.py: MQTT 5 from Python. A responder answers requests on
# "calc/square" with the square of their number, a requester sends three at
# once and prints the answers; properties (a content type, user properties)
# and reason codes along the way.
#
#   /usr/bin/python3 request-response.py [HOST [PORT]]
import sys

import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import GLib, Mqtt  # noqa: E402

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
loop = GLib.MainLoop()


def on_connected(client, session_present, reason, properties, name):
    # reason is a Mqtt.ReasonCode; properties the CONNACK's (the broker's limits).
    print(f"{name}: {Mqtt.reason_string(reason)}")


def on_request(client, message, user_data):
    number = int(message.get_payload().get_data())
    answer = Mqtt.Properties.new()
    answer.set_content_type("text/plain")
    answer.add_user_property("operation", "square")
    client.respond(message, GLib.Bytes.new(str(number * number).encode()),
                   Mqtt.Qos.AT_LEAST_ONCE, answer)


responder = Mqtt.Client.new(None, True, Mqtt.ProtocolVersion.V5)
responder.connect("connected-v5", on_connected, "responder")
responder.connect_to_broker(host, port, 60, None)
responder.message_callback_add("calc/square", on_request, None)
subscribed = []
responder.connect("subscribed-v5", lambda c, mid, codes, props: subscribed.append(codes))
responder.subscribe_with_options(["calc/square"], [Mqtt.Qos.AT_LEAST_ONCE],
                                 Mqtt.SubscribeFlags.NONE, None)
while not subscribed:
    GLib.MainContext.default().iteration(True)
print(f"responder: subscribed, reason codes {subscribed[0]}")

requester = Mqtt.Client.new(None, True, Mqtt.ProtocolVersion.V5)
requester.connect("connected-v5", on_connected, "requester")
requester.connect_to_broker(host, port, 60, None)
answers = {}


def answered(client, result, number):
    reply = client.request_finish(result)
    props = reply.get_properties()
    answers[number] = (reply.get_payload().get_data().decode(),
                       props.lookup_user_property("operation"))
    if len(answers) == 3:
        loop.quit()


for number in (3, 4, 12):
    requester.request_async("calc/square", GLib.Bytes.new(str(number).encode()),
                            Mqtt.Qos.AT_LEAST_ONCE, None, None, None, answered, number)
GLib.timeout_add_seconds(10, loop.quit)
loop.run()
for number in sorted(answers):
    value, operation = answers[number]
    print(f"{operation}({number}) = {value}")
requester.disconnect_with_reason(Mqtt.ReasonCode.NORMAL_DISCONNECTION, None)
responder.disconnect_from_broker()
sys.exit(0 if len(answers) == 3 else 1)
