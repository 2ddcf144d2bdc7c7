# MQTT 5 properties and reason codes as Python sees them through GI: typed
# accessors, (present, value) pairs for integers, None for absent strings,
# bytes for binary data, user properties in order, and the reason code enum
# with the specification's texts.
import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import GLib, Mqtt  # noqa: E402


def test_integers_are_present_and_value():
    props = Mqtt.Properties.new()
    assert props.is_empty()
    assert props.get_receive_maximum() == (False, 0)
    props.set_receive_maximum(20)
    props.set_session_expiry_interval(0xFFFFFFFF)
    assert props.get_receive_maximum() == (True, 20)
    assert props.get_session_expiry_interval() == (True, 0xFFFFFFFF)
    assert props.has(Mqtt.PropertyId.RECEIVE_MAXIMUM)
    props.remove(Mqtt.PropertyId.RECEIVE_MAXIMUM)
    assert not props.has(Mqtt.PropertyId.RECEIVE_MAXIMUM)


def test_strings_and_binary():
    props = Mqtt.Properties.new()
    assert props.get_content_type() is None
    props.set_content_type("application/json")
    props.set_correlation_data(GLib.Bytes.new(b"\x00\x01req"))
    assert props.get_content_type() == "application/json"
    assert props.get_correlation_data().get_data() == b"\x00\x01req"
    props.set_content_type(None)
    assert props.get_content_type() is None


def test_user_properties_keep_their_order():
    props = Mqtt.Properties.new()
    for name, value in [("k", "1"), ("a", "2"), ("k", "3")]:
        props.add_user_property(name, value)
    pairs = [props.get_user_property(i)[1:] for i in range(props.get_n_user_properties())]
    assert pairs == [("k", "1"), ("a", "2"), ("k", "3")]
    assert props.lookup_user_property("k") == "1"
    copy = props.copy()
    props.remove(Mqtt.PropertyId.USER_PROPERTY)
    assert copy.get_n_user_properties() == 3


def test_subscription_identifiers_are_a_list():
    props = Mqtt.Properties.new()
    props.add_subscription_identifier(1)
    props.add_subscription_identifier(300)
    assert props.get_subscription_identifiers() == [1, 300]


def test_reason_codes():
    assert int(Mqtt.ReasonCode.NOT_AUTHORIZED) == 0x87
    assert Mqtt.reason_string(Mqtt.ReasonCode.SESSION_TAKEN_OVER) == "Session taken over"
    assert Mqtt.reason_string(0) == "Success"
    assert Mqtt.property_id_to_string(Mqtt.PropertyId.TOPIC_ALIAS) == "Topic Alias"


def test_level_5_from_python(broker):
    """A level-5 client as Paho Python 2 users write one: properties on
    CONNECT and PUBLISH, subscription options, reason codes and properties
    in the -v5 signals, properties on the message."""
    client = Mqtt.Client.new(None, True, Mqtt.ProtocolVersion.V5)
    connect = Mqtt.Properties.new()
    connect.set_session_expiry_interval(0)
    client.set_connect_properties(connect)
    seen = {"connack": [], "suback": [], "puback": [], "messages": [], "disconnect": []}
    client.connect("connected-v5", lambda c, sp, rc, props: seen["connack"].append((rc, props)))
    client.connect("subscribed-v5", lambda c, mid, codes, props: seen["suback"].append(codes))
    client.connect("published-v5", lambda c, mid, rc, props: seen["puback"].append(rc))
    client.connect("message", lambda c, m: seen["messages"].append(m))
    client.connect("disconnected-v5",
                   lambda c, rc, props, error: seen["disconnect"].append((rc, error)))

    client.connect_to_broker("127.0.0.1", broker, 60, None)
    rc, props = seen["connack"][0]
    assert rc == Mqtt.ReasonCode.SUCCESS
    assert props.get_topic_alias_maximum()[0]

    sub = Mqtt.Properties.new()
    sub.add_subscription_identifier(7)
    client.subscribe_with_options(["py5/#"], [Mqtt.Qos.AT_LEAST_ONCE],
                                  Mqtt.SubscribeFlags.NO_LOCAL | Mqtt.SubscribeFlags.NO_RETAINED,
                                  sub)
    other = Mqtt.Client.new(None, True, Mqtt.ProtocolVersion.V5)
    other.connect_to_broker("127.0.0.1", broker, 60, None)
    message = Mqtt.Properties.new()
    message.set_content_type("text/plain")
    message.add_user_property("from", "python")
    # Our own message does not come back (No Local); the other client's does.
    client.publish_with_properties("py5/t", GLib.Bytes.new(b"mine"), Mqtt.Qos.AT_LEAST_ONCE,
                                   False, message)
    other.publish_with_properties("py5/t", GLib.Bytes.new(b"theirs"), Mqtt.Qos.AT_LEAST_ONCE,
                                  False, message)
    while not seen["messages"] or not seen["puback"]:
        client.loop(1.0)
    assert seen["suback"] == [[1]]
    assert seen["puback"] == [Mqtt.ReasonCode.SUCCESS]
    received = seen["messages"][0]
    assert received.get_payload().get_data() == b"theirs"
    props = received.get_properties()
    assert props.get_content_type() == "text/plain"
    assert props.lookup_user_property("from") == "python"
    assert props.get_subscription_identifiers() == [7]

    client.disconnect_with_reason(Mqtt.ReasonCode.NORMAL_DISCONNECTION, None)
    while not seen["disconnect"]:
        client.loop(1.0)
    assert seen["disconnect"] == [(0, None)]
    other.disconnect_from_broker()


def test_interop_with_paho_mqtt5(broker):
    """Paho Python's MQTT 5 client (Debian's 1.6.1) and mqtt-glib at level
    5 exchange properties both ways."""
    import threading

    import paho.mqtt.client as paho  # python3-paho-mqtt, installed by .ci/test
    from paho.mqtt.properties import Properties
    from paho.mqtt.packettypes import PacketTypes

    received = []
    subscribed = threading.Event()
    got = threading.Event()

    def on_message(client, userdata, message):
        received.append(message)
        got.set()

    peer = paho.Client(client_id="paho-peer", protocol=paho.MQTTv5)
    peer.on_message = on_message
    peer.on_subscribe = lambda *args: subscribed.set()
    peer.connect("127.0.0.1", broker)
    peer.loop_start()
    try:
        peer.subscribe("interop/glib")
        assert subscribed.wait(10)

        ours = Mqtt.Client.new(None, True, Mqtt.ProtocolVersion.V5)
        messages = []
        ours.connect("message", lambda c, m: messages.append(m))
        ours.connect_to_broker("127.0.0.1", broker, 60, None)
        ours.subscribe_with_options(["interop/paho"], [Mqtt.Qos.AT_LEAST_ONCE],
                                    Mqtt.SubscribeFlags.NONE, None)

        # mqtt-glib -> Paho
        props = Mqtt.Properties.new()
        props.set_content_type("application/json")
        props.set_response_topic("interop/paho")
        props.set_correlation_data(GLib.Bytes.new(b"\x01\x02"))
        props.add_user_property("origin", "mqtt-glib")
        ours.publish_with_properties("interop/glib", GLib.Bytes.new(b"{}"),
                                     Mqtt.Qos.AT_LEAST_ONCE, False, props)
        deadline = GLib.get_monotonic_time() + 10 * 1000000
        while not got.is_set() and GLib.get_monotonic_time() < deadline:
            ours.loop(0.1)
        assert received, "Paho received nothing"
        p = received[0].properties
        assert p.ContentType == "application/json"
        assert p.ResponseTopic == "interop/paho"
        assert p.CorrelationData == b"\x01\x02"
        assert ("origin", "mqtt-glib") in p.UserProperty

        # Paho -> mqtt-glib: the reply, correlated
        reply = Properties(PacketTypes.PUBLISH)
        reply.CorrelationData = p.CorrelationData
        reply.UserProperty = ("origin", "paho")
        reply.MessageExpiryInterval = 30
        peer.publish(p.ResponseTopic, b"ok", qos=1, properties=reply)
        while not messages and GLib.get_monotonic_time() < deadline:
            ours.loop(0.1)
        assert messages, "mqtt-glib received nothing"
        got_props = messages[0].get_properties()
        assert got_props.get_correlation_data().get_data() == b"\x01\x02"
        assert got_props.lookup_user_property("origin") == "paho"
        present, expiry = got_props.get_message_expiry_interval()
        assert present and 0 < expiry <= 30
        ours.disconnect_from_broker()
    finally:
        peer.loop_stop()
        peer.disconnect()
