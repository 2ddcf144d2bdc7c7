// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* round-trip.vala: a publish/subscribe round trip from Vala, with the async
 * methods (yield) on a main loop. Connects, subscribes, publishes at QoS 1,
 * waits for the message to come back, then disconnects.
 *
 *   round-trip [HOST [PORT]]
 */

async void round_trip (string host, uint port) throws Error {
    var client = new Mqtt.Client (null, true, Mqtt.ProtocolVersion.V311);
    const string TOPIC = "vala/round-trip";
    Mqtt.Message? received = null;
    bool waiting = false;

    /* The message may come before the PUBACK: the coroutine is resumed only
     * once it waits for it. */
    client.message.connect ((message) => {
        received = message;
        if (waiting)
            round_trip.callback ();
    });

    yield client.connect_to_broker_async (host, port, 60, null);
    int[] granted;
    yield client.subscribe_async ({ TOPIC }, { Mqtt.Qos.AT_LEAST_ONCE }, null, out granted);
    print ("subscribed, granted QoS %d\n", granted[0]);

    uint mid;
    yield client.publish_async (TOPIC, new Bytes ("hello from vala".data),
                                Mqtt.Qos.AT_LEAST_ONCE, false, null, out mid);
    print ("published message %u\n", mid);

    if (received == null) {
        waiting = true;
        yield;
    }
    /* A payload is bytes, not a NUL-terminated string. */
    unowned uint8[] data = received.get_payload ().get_data ();
    var text = new StringBuilder.sized (data.length + 1);
    text.append_len ((string) data, data.length);
    if (text.str != "hello from vala")
        throw new IOError.FAILED ("received \"%s\"", text.str);
    print ("round trip: %s %s\n", received.get_topic (), text.str);
    yield client.disconnect_from_broker_async (null);
}

int main (string[] args) {
    var host = args.length > 1 ? args[1] : "localhost";
    var port = args.length > 2 ? (uint) int.parse (args[2]) : 1883;
    var loop = new MainLoop ();
    int status = 0;

    round_trip.begin (host, port, (obj, res) => {
        try {
            round_trip.end (res);
        } catch (Error e) {
            printerr ("round-trip: %s\n", e.message);
            status = 1;
        }
        loop.quit ();
    });
    loop.run ();
    return status;
}
