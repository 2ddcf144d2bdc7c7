#!/usr/bin/gjs -m
// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// round-trip.js: a publish/subscribe round trip from GJS with the async
// calls, awaited as promises. Connects, subscribes, publishes at QoS 1 and
// waits for the message to come back, then disconnects.
//
//   gjs -m round-trip.js [HOST [PORT]]
import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Mqtt from 'gi://Mqtt?version=1.0';
import System from 'system';

// The *_async/*_finish pairs become methods returning promises.
Gio._promisify(Mqtt.Client.prototype, 'connect_to_broker_async', 'connect_to_broker_finish');
Gio._promisify(Mqtt.Client.prototype, 'subscribe_async', 'subscribe_finish');
Gio._promisify(Mqtt.Client.prototype, 'publish_async', 'publish_finish');
Gio._promisify(Mqtt.Client.prototype, 'disconnect_from_broker_async',
    'disconnect_from_broker_finish');

const [host = 'localhost', port = '1883'] = ARGV;
const topic = 'gjs/round-trip';
const loop = new GLib.MainLoop(null, false);
let status = 0;

async function roundTrip() {
    const client = Mqtt.Client.new(null, true, Mqtt.ProtocolVersion.V311);
    const received = new Promise(resolve => {
        client.connect('message', (_client, message) => resolve(message));
    });

    await client.connect_to_broker_async(host, Number(port), 60, null);
    // Resolves with [granted QoS list] when the SUBACK arrives; errors
    // (a refusal, a lost connection) reject the promise.
    const [granted] = await client.subscribe_async([topic], [Mqtt.Qos.AT_LEAST_ONCE], null);
    print(`subscribed, granted QoS ${granted.join(',')}`);

    // Resolves with [mid] when the PUBACK arrives (a boolean result that
    // would only say "no error" is left out by GJS, as for the others).
    const payload = new GLib.Bytes(new TextEncoder().encode('hello from gjs'));
    const [mid] = await client.publish_async(topic, payload, Mqtt.Qos.AT_LEAST_ONCE,
        false, null);
    print(`published message ${mid}`);

    const message = await received;
    const text = new TextDecoder().decode(message.get_payload().toArray());
    if (text !== 'hello from gjs')
        throw new Error(`received "${text}"`);
    print(`round trip: ${message.get_topic()} ${text}`);
    await client.disconnect_from_broker_async(null);
}

roundTrip().catch(error => {
    printerr(`round-trip.js: ${error.message}`);
    status = 1;
}).finally(() => loop.quit());
loop.run();
System.exit(status);
