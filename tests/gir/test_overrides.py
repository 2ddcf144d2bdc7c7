# The PyGObject overrides (gir/python/gi/overrides/Mqtt.py): messages with
# attributes, Paho's payload types and defaults, publish() returning an
# MQTTMessageInfo that can be waited for from a GLib main loop or beside a
# loop_start() thread, topics never split into characters, any userdata,
# enable_logger() through `logging`.
import logging
import threading
import time

import gi
import pytest

gi.require_version("Mqtt", "1.0")
from gi.repository import GLib, Mqtt  # noqa: E402

from conftest import run_until  # noqa: E402


def connected(broker):
    client = Mqtt.Client.new()
    client.connect_to_broker("127.0.0.1", broker)
    return client


def test_overrides_are_in_use():
    assert Mqtt.Client.__module__ == "gi.overrides.Mqtt"
    assert Mqtt.MQTTMessageInfo


def test_payloads_and_message_attributes(broker):
    client = connected(broker)
    messages = []
    client.connect("message", lambda c, m: messages.append(m))
    granted = []
    client.connect("subscribed", lambda c, mid, qos: granted.append(list(qos)))
    assert client.subscribe("py/over/#", 1)[0] == 0
    run_until(lambda: granted)
    sent = [(b"bytes", b"bytes"), (bytearray(b"array"), b"array"),
            (memoryview(b"view"), b"view"), ("h\u00e9", "h\u00e9".encode()), (42, b"42"),
            (2.5, b"2.5"), (None, b"")]
    for payload, _ in sent:
        client.publish("py/over/t", payload, qos=1)
    run_until(lambda: len(messages) == len(sent))
    assert [m.payload for m in messages] == [expected for _, expected in sent]
    message = messages[0]
    assert message.topic == "py/over/t"
    assert message.qos == 1
    assert message.retain is False and message.dup is False
    assert message.mid > 0
    assert abs(message.timestamp - time.monotonic()) < 10
    with pytest.raises(TypeError):
        client.publish("py/over/t", object())
    with pytest.raises(ValueError):
        client.publish("py/over/#", b"x")
    with pytest.raises(ValueError):
        client.subscribe("py/over", 3)


def test_a_str_topic_is_never_split(broker):
    client = connected(broker)
    granted = []
    client.connect("subscribed", lambda c, mid, qos: granted.append(list(qos)))
    rc, mid = client.subscribe("ab/c")
    assert rc == 0 and mid > 0
    client.subscribe(("ab/d", 1))
    client.subscribe(["ab/e", ("ab/f", 2)])
    run_until(lambda: len(granted) == 3)
    assert granted == [[0], [1], [0, 2]]
    assert client.unsubscribe("ab/c")[0] == 0
    assert client.unsubscribe(["ab/d", "ab/e"])[0] == 0
    with pytest.raises(ValueError):
        client.subscribe([])


def test_wait_for_publish_with_a_main_loop(broker):
    client = connected(broker)
    info = client.publish("py/over/wait", b"x", qos=1)
    rc, mid = info
    assert (rc, mid) == (info.rc, info.mid) == (0, info[1])
    assert not info.is_published()
    info.wait_for_publish()
    assert info.is_published()
    # QoS 0: published once written.
    info = client.publish("py/over/wait", "y")
    info.wait_for_publish(5)
    assert info.is_published()


def test_wait_for_publish_beside_loop_start(broker):
    client = Mqtt.Client.new()
    client.loop_start()
    try:
        client.connect_to_broker("127.0.0.1", broker)
        infos = []
        threads = [threading.Thread(target=lambda: infos.append(
            client.publish("py/over/thread", b"z", qos=2))) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for info in infos:
            info.wait_for_publish(10)
            assert info.is_published()
    finally:
        client.loop_stop()


def test_wait_for_publish_while_disconnected_then_after_connecting(broker):
    client = Mqtt.Client.new()
    # QoS 1 is queued while disconnected; QoS 0 is refused, as Paho does.
    info = client.publish("py/over/later", b"q", qos=1)
    assert info.rc == 0
    start = time.monotonic()
    info.wait_for_publish(0.3)
    assert time.monotonic() - start >= 0.25
    assert not info.is_published()
    refused = client.publish("py/over/later", b"q")
    assert refused.rc == int(Mqtt.Error.NO_CONN) and refused.mid is None
    with pytest.raises(RuntimeError):
        refused.wait_for_publish()
    client.connect_to_broker("127.0.0.1", broker)
    info.wait_for_publish(10)
    assert info.is_published()


def test_userdata_is_any_object():
    client = Mqtt.Client.new("py-userdata")
    data = {"rooms": ["kitchen"]}
    client.user_data_set(data)
    assert client.user_data_get() is data
    client.set_user_data(None)
    assert client.get_user_data() is None


def test_enable_logger(broker):
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger("test-overrides")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(Keep())
    client = Mqtt.Client.new()
    client.enable_logger(logger)
    client.connect_to_broker("127.0.0.1", broker)
    client.publish("py/over/log", b"x", qos=1).wait_for_publish(5)
    assert any("Sending CONNECT" in r.getMessage() and r.levelno == logging.DEBUG
               for r in records)
    client.disable_logger()
    count = len(records)
    client.publish("py/over/log", b"x", qos=1).wait_for_publish(5)
    assert len(records) == count


def test_helpers_take_python_values(broker):
    settings = Mqtt.Settings(host="127.0.0.1", port=broker)
    Mqtt.publish_single("py/over/helper", "kept", qos=1, retain=True, settings=settings)
    # A str topic, one message back when msg_count is 1.
    message = Mqtt.subscribe_simple("py/over/helper", settings=settings)
    assert (message.topic, message.payload, message.retain) == ("py/over/helper", b"kept", True)
    Mqtt.publish_multiple([{"topic": "py/over/many", "payload": 1, "retain": True},
                           ("py/over/many2", b"two", 0, True), ("py/over/many3",)],
                          settings=settings)
    messages = Mqtt.subscribe_simple(["py/over/many", "py/over/many2"], msg_count=2,
                                     settings=settings)
    assert sorted(m.payload for m in messages) == [b"1", b"two"]
    with pytest.raises(TypeError):
        Mqtt.publish_multiple([42], settings=settings)
    with pytest.raises(ValueError):
        Mqtt.subscribe_simple("py/over/helper", msg_count=0, settings=settings)
    # GLib.Bytes still go through, uncopied.
    Mqtt.publish_single("py/over/helper", GLib.Bytes.new(b"bytes"), 0, True, settings)
    assert Mqtt.subscribe_simple("py/over/helper", settings=settings).payload == b"bytes"
