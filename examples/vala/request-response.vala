// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
/* request-response.vala: MQTT 5 from Vala. A responder answers requests on
 * "calc/negate" with the opposite of their number; a requester sends one
 * and waits (yield) for the answer. Properties and reason codes along the
 * way.
 *
 *   request-response [HOST [PORT]]
 */

string text_of (Mqtt.Message message) {
    unowned uint8[] data = message.get_payload ().get_data ();
    var text = new StringBuilder.sized (data.length + 1);
    text.append_len ((string) data, data.length);
    return text.str;
}

async void run (string host, uint port) throws Error {
    var responder = new Mqtt.Client (null, true, Mqtt.ProtocolVersion.V5);
    responder.connected_v5.connect ((present, reason, props) => {
        print ("responder: %s\n", Mqtt.reason_string (reason));
    });
    yield responder.connect_to_broker_async (host, port, 60, null);
    responder.message_callback_add ("calc/negate", (client, message) => {
        var answer = new Mqtt.Properties ();
        answer.add_user_property ("operation", "negate");
        var value = (-int.parse (text_of (message))).to_string ();
        try {
            client.respond (message, new Bytes (value.data), Mqtt.Qos.AT_LEAST_ONCE, answer,
                            null);
        } catch (Error e) {
            printerr ("respond: %s\n", e.message);
        }
    });
    bool subscribed = false;
    responder.subscribed_v5.connect ((mid, codes, props) => {
        print ("responder: subscribed, reason codes %d\n", codes.index (0));
        subscribed = true;
        run.callback ();
    });
    responder.subscribe_with_options ({ "calc/negate" }, { Mqtt.Qos.AT_LEAST_ONCE },
                                      Mqtt.SubscribeFlags.NONE, null, null);
    if (!subscribed)
        yield;

    var requester = new Mqtt.Client (null, true, Mqtt.ProtocolVersion.V5);
    yield requester.connect_to_broker_async (host, port, 60, null);
    var reply = yield requester.request_async ("calc/negate", new Bytes ("42".data),
                                               Mqtt.Qos.AT_LEAST_ONCE, null, null, null);
    print ("%s(42) = %s\n", reply.get_properties ().lookup_user_property ("operation"),
           text_of (reply));
    requester.disconnect_with_reason (Mqtt.ReasonCode.NORMAL_DISCONNECTION, null);
    responder.disconnect_from_broker ();
}

int main (string[] args) {
    var host = args.length > 1 ? args[1] : "localhost";
    var port = args.length > 2 ? (uint) int.parse (args[2]) : 1883;
    var loop = new MainLoop ();
    int status = 0;

    run.begin (host, port, (obj, res) => {
        try {
            run.end (res);
        } catch (Error e) {
            printerr ("request-response: %s\n", e.message);
            status = 1;
        }
        loop.quit ();
    });
    loop.run ();
    return status;
}
