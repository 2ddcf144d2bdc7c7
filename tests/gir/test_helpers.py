# Paho's one-shot helpers from Python, through GObject-Introspection: the
# parameter bundle is built with keyword arguments, Paho's tuples and dicts
# are Mqtt.Message, errors are GLib.Error.
import threading

import gi
import pytest

gi.require_version("Mqtt", "1.0")
from gi.repository import Gio, GLib, Mqtt  # noqa: E402


def settings(port, **kwargs):
    return Mqtt.Settings(host="127.0.0.1", port=port, **kwargs)


def test_single_and_simple(broker):
    opts = settings(broker, client_id="py-helpers", keepalive=30)
    Mqtt.publish_single("py/single", GLib.Bytes.new(b"\x00binary\xff"), 1, True, opts, None)
    # One message, not a list, when msg_count is 1 (Paho's rule).
    m = Mqtt.subscribe_simple(["py/single"], 1, 1, True, opts, None)
    assert (m.get_topic(), m.get_payload().get_data(), m.get_retain()) == (
        "py/single", b"\x00binary\xff", True)


def test_multiple(broker):
    opts = settings(broker)
    msgs = [Mqtt.Message.new("py/multi", GLib.Bytes.new(b"multiple %d" % i), i % 3, True)
            for i in range(3)]
    Mqtt.publish_multiple(msgs, opts, None)
    # The broker keeps the last retained one.
    message = Mqtt.subscribe_simple(["py/multi"], 0, 1, True, opts, None)
    assert message.get_payload().get_data() == b"multiple 2"


def test_callback_until_disconnect(broker):
    opts = settings(broker)
    Mqtt.publish_single("py/cb", GLib.Bytes.new(b"kept"), 0, True, opts, None)
    seen = []

    def on_message(client, message, userdata):
        seen.append((userdata, message.get_payload().get_data()))
        client.disconnect_from_broker()

    Mqtt.subscribe_callback(on_message, "my userdata", ["py/cb"], 0, opts, None)
    assert seen == [("my userdata", b"kept")]


def test_async(broker):
    opts = settings(broker)
    loop = GLib.MainLoop()
    results = []

    def published(source, result):
        results.append(Mqtt.publish_single_finish(result))
        Mqtt.subscribe_simple_async(["py/async"], 0, 1, True, opts, None, received)

    def received(source, result):
        results.append([m.get_payload().get_data() for m in Mqtt.subscribe_simple_finish(result)])
        loop.quit()

    Mqtt.publish_single_async("py/async", GLib.Bytes.new(b"later"), 2, True, opts, None,
                              published)
    loop.run()
    assert results == [True, [b"later"]]


def test_errors(broker):
    opts = settings(broker)
    with pytest.raises(GLib.Error) as error:
        Mqtt.publish_single("py/#", None, 0, False, opts, None)
    assert error.value.matches(Mqtt.error_quark(), Mqtt.Error.INVAL)

    # Nobody listens on port 1.
    with pytest.raises(GLib.Error):
        Mqtt.publish_single("py/x", None, 0, False, settings(1), None)

    # A cancellable is the timeout.
    cancellable = Gio.Cancellable()
    timer = threading.Timer(0.2, cancellable.cancel)
    timer.start()
    with pytest.raises(GLib.Error) as error:
        Mqtt.subscribe_simple(["py/nothing"], 0, 1, False, opts, cancellable)
    timer.join()
    assert error.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_settings_from_a_uri():
    s = Mqtt.Settings.new_for_uri("mqtts://alice:secret@broker.example:8884/?keepalive=5")
    assert (s.get_host(), s.get_port(), s.get_keepalive(), s.get_tls()) == (
        "broker.example", 8884, 5, True)
    assert s.props.password == "secret"
    # Read back, the password is never shown.
    assert s.to_uri("a/#") == "mqtts://alice@broker.example:8884/a/%23?keepalive=5"
    # What an element or a tool adds to the grammar comes back to it.
    ok, topic, extra = s.set_uri("mqtt+ws://h/cam/1?framing=gst")
    assert (ok, topic, extra, s.get_port()) == (True, "cam/1", {"framing": "gst"}, 80)
    with pytest.raises(GLib.Error) as error:
        Mqtt.Settings.new_for_uri("mqtt://h/?keepalive=soon")
    assert error.value.matches(Mqtt.error_quark(), Mqtt.Error.INVAL)
    assert "an integer from 0 to 65535" in error.value.message


def test_settings_make_a_client():
    s = Mqtt.Settings(host="h", client_id="py-settings", keepalive=9, max_inflight_messages=3,
                      ws_headers=["X-Token: 1"], transport=Mqtt.TransportType.WEBSOCKETS)
    client = s.create_client()
    assert (client.get_client_id(), client.get_keepalive(), client.get_max_inflight_messages(),
            client.get_transport()) == ("py-settings", 9, 3, Mqtt.TransportType.WEBSOCKETS)
