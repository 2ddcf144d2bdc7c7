#!/usr/bin/gjs -m
// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// request-response.js: MQTT 5 from GJS. A responder answers requests on
// "calc/double" with twice their number; a requester awaits three answers
// at once. Properties and reason codes along the way.
//
//   gjs -m request-response.js [HOST [PORT]]
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Mqtt from 'gi://Mqtt?version=1.0';
import System from 'system';

Gio._promisify(Mqtt.Client.prototype, 'connect_to_broker_async', 'connect_to_broker_finish');
Gio._promisify(Mqtt.Client.prototype, 'request_async', 'request_finish');

const [host = 'localhost', port = '1883'] = ARGV;
const loop = new GLib.MainLoop(null, false);
const encoder = new TextEncoder(), decoder = new TextDecoder();
let status = 0;

async function main() {
    const responder = Mqtt.Client.new(null, true, Mqtt.ProtocolVersion.V5);
    responder.connect('connected-v5', (_c, _present, reason) =>
        print(`responder: ${Mqtt.reason_string(reason)}`));
    await responder.connect_to_broker_async(host, Number(port), 60, null);
    responder.message_callback_add('calc/double', (client, message) => {
        const number = Number(decoder.decode(message.get_payload().toArray()));
        const answer = Mqtt.Properties.new();
        answer.add_user_property('operation', 'double');
        client.respond(message, new GLib.Bytes(encoder.encode(String(2 * number))),
            Mqtt.Qos.AT_LEAST_ONCE, answer);
    });
    const subscribed = new Promise(resolve =>
        responder.connect('subscribed-v5', (_c, _mid, codes) => resolve(codes)));
    responder.subscribe_with_options(['calc/double'], [Mqtt.Qos.AT_LEAST_ONCE],
        Mqtt.SubscribeFlags.NONE, null);
    print(`responder: subscribed, reason codes ${(await subscribed).join(',')}`);

    const requester = Mqtt.Client.new(null, true, Mqtt.ProtocolVersion.V5);
    await requester.connect_to_broker_async(host, Number(port), 60, null);
    const numbers = [5, 7, 21];
    const replies = await Promise.all(numbers.map(n =>
        requester.request_async('calc/double', new GLib.Bytes(encoder.encode(String(n))),
            Mqtt.Qos.AT_LEAST_ONCE, null, null, null)));
    replies.forEach((reply, i) => {
        const operation = reply.get_properties().lookup_user_property('operation');
        print(`${operation}(${numbers[i]}) = ${decoder.decode(reply.get_payload().toArray())}`);
    });
    requester.disconnect_with_reason(Mqtt.ReasonCode.NORMAL_DISCONNECTION, null);
    responder.disconnect_from_broker();
}

main().catch(error => {
    printerr(`request-response.js: ${error.message}`);
    status = 1;
}).finally(() => loop.quit());
loop.run();
System.exit(status);
