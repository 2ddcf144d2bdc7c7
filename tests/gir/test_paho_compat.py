# The Paho-compatible package mqtt_glib: Paho's documented examples run
# with only their imports changed (paho.mqtt -> mqtt_glib) and the broker's
# address; both callback API versions; the loop styles with callbacks in the
# loop thread; MQTTMessageInfo; return codes and exceptions where Paho
# returns and raises them; MQTT 5 properties and reason codes.
import os
import subprocess
import sys
import threading
import time

import pytest

import mqtt_glib.client as mqtt
from mqtt_glib.packettypes import PacketTypes
from mqtt_glib.properties import Properties
from mqtt_glib.reasoncodes import ReasonCode
from mqtt_glib.subscribeoptions import SubscribeOptions

# Paho's documented examples (the API reference, verbatim but for the
# import and the broker).
SYS_EXAMPLE = '''
import mqtt_glib.client as mqtt

# The callback for when the client receives a CONNACK response from the server.
def on_connect(client, userdata, flags, rc):
    print("Connected with result code "+str(rc))

    # Subscribing in on_connect() means that if we lose the connection and
    # reconnect then subscriptions will be renewed.
    client.subscribe("$SYS/#")

# The callback for when a PUBLISH message is received from the server.
def on_message(client, userdata, msg):
    print(msg.topic+" "+str(msg.payload))
    client.disconnect()

client = mqtt.Client()
client.on_connect = on_connect
client.on_message = on_message

client.connect("127.0.0.1", PORT, 60)

# Blocking call that processes network traffic, dispatches callbacks and
# handles reconnecting.
# Other loop*() functions are available that give a threaded interface and a
# manual interface.
client.loop_forever()
'''

HELPER_EXAMPLES = '''
import threading, time
import mqtt_glib.publish as publish
import mqtt_glib.subscribe as subscribe

def simple():
    msg = subscribe.simple("paho/test/simple", hostname="127.0.0.1", port=PORT)
    print("%s %s" % (msg.topic, msg.payload))

waiter = threading.Thread(target=simple)
waiter.start()
time.sleep(0.5)
publish.single("paho/test/simple", "payload", hostname="127.0.0.1", port=PORT)
waiter.join()

msgs = [{'topic':"paho/test/multiple", 'payload':"multiple 1"},
    ("paho/test/multiple", "multiple 2", 0, False)]
publish.multiple(msgs, hostname="127.0.0.1", port=PORT)

def on_message_print(client, userdata, message):
    print("%s %s" % (message.topic, message.payload))
    client.disconnect()

publisher = threading.Timer(0.5, publish.single, ("paho/test/callback", "called"),
                            {"hostname": "127.0.0.1", "port": PORT})
publisher.start()
subscribe.callback(on_message_print, "paho/test/callback", hostname="127.0.0.1", port=PORT)
'''


def run_program(text, broker):
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-c", text.replace("PORT", str(broker))],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_paho_sys_example(broker):
    out = run_program(SYS_EXAMPLE, broker)
    assert out.startswith("Connected with result code 0\n$SYS/broker/")


def test_paho_helper_examples(broker):
    out = run_program(HELPER_EXAMPLES, broker)
    assert out.splitlines() == ["paho/test/simple b'payload'",
                                "paho/test/callback b'called'"]


def wait(condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_version1_callbacks_in_the_loop_thread(broker):
    seen = []
    threads = set()

    def record(name):
        def callback(*args):
            threads.add(threading.current_thread())
            seen.append((name, args[2:]))
        return callback

    client = mqtt.Client("v1", userdata="data")       # paho-mqtt 1.x's first argument
    for name in ("on_connect", "on_subscribe", "on_publish", "on_message", "on_unsubscribe",
                 "on_disconnect"):
        setattr(client, name, record(name))
    client.connect_async("127.0.0.1", broker)
    assert client.loop_start() == mqtt.MQTT_ERR_SUCCESS
    assert client.loop_start() == mqtt.MQTT_ERR_INVAL
    wait(lambda: any(n == "on_connect" for n, _ in seen))
    rc, mid = client.subscribe("v1/t", 1)
    assert rc == mqtt.MQTT_ERR_SUCCESS
    wait(lambda: any(n == "on_subscribe" for n, _ in seen))
    info = client.publish("v1/t", "hello", qos=1)
    info.wait_for_publish(10)
    assert info.is_published()
    wait(lambda: any(n == "on_message" for n, _ in seen))
    client.unsubscribe("v1/t")
    wait(lambda: any(n == "on_unsubscribe" for n, _ in seen))
    client.disconnect()
    wait(lambda: any(n == "on_disconnect" for n, _ in seen))
    client.loop_stop()
    assert threads and threading.main_thread() not in threads
    by_name = dict(seen)
    assert by_name["on_connect"] == ({"session present": 0}, 0)
    assert by_name["on_subscribe"] == (mid, (1,))
    assert by_name["on_publish"] == (info.mid,)
    message = by_name["on_message"][0]
    assert (message.topic, message.payload, message.qos) == ("v1/t", b"hello", 1)
    assert by_name["on_disconnect"] == (0,)


def test_version2_callbacks(broker):
    seen = {}
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="v2")
    client.on_connect = lambda c, u, flags, rc, props: seen.setdefault("connect", (flags, rc))
    client.on_subscribe = lambda c, u, mid, rcs, props: seen.setdefault("subscribe", rcs)
    client.on_publish = lambda c, u, mid, rc, props: seen.setdefault("publish", rc)
    client.on_disconnect = lambda c, u, flags, rc, props: seen.setdefault("disconnect", rc)
    client.connect("127.0.0.1", broker)
    client.subscribe([("v2/a", 0), ("v2/b", 2)])
    client.publish("v2/a", b"x", qos=1)
    for _ in range(50):
        client.loop(0.05)
        if len(seen) == 3:
            break
    client.disconnect()
    client.loop(0.1)
    flags, rc = seen["connect"]
    assert flags.session_present is False and rc == 0 and rc == "Success"
    assert isinstance(rc, ReasonCode) and not rc.is_failure
    assert [str(r) for r in seen["subscribe"]] == ["Granted QoS 0", "Granted QoS 2"]
    assert seen["publish"] == 0
    assert seen["disconnect"] == "Normal disconnection"


def test_return_codes_and_exceptions(broker):
    client = mqtt.Client()
    # Not connected: a QoS 0 message is refused with a code, as Paho does.
    assert client.publish("t", "x").rc == mqtt.MQTT_ERR_NO_CONN
    assert client.disconnect() == mqtt.MQTT_ERR_NO_CONN
    with pytest.raises(ValueError):
        client.publish("t/#", "x")
    with pytest.raises(ValueError):
        client.publish("t", "x", qos=3)
    with pytest.raises(TypeError):
        client.publish("t", object())
    with pytest.raises(ValueError):
        mqtt.Client(client_id="", clean_session=False)
    # paho-mqtt 1.x's positional arguments, and 2.x's.
    old_style = mqtt.Client("p1", False, "ud", mqtt.MQTTv311)
    assert (old_style.client_id, old_style.user_data_get()) == ("p1", "ud")
    assert old_style.callback_api_version == mqtt.CallbackAPIVersion.VERSION1
    new_style = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, "p2", True, "ud2")
    assert (new_style.client_id, new_style.user_data_get()) == ("p2", "ud2")
    with pytest.raises(TypeError):
        mqtt.Client(hostname="x")
    with pytest.raises(ConnectionRefusedError):
        mqtt.Client().connect("127.0.0.1", 1)
    with pytest.raises(ValueError):
        client.tls_set(ciphers="ECDHE")
    assert mqtt.error_string(mqtt.MQTT_ERR_NO_CONN) == "The client is not currently connected."
    assert mqtt.connack_string(mqtt.CONNACK_REFUSED_NOT_AUTHORIZED) == \
        "Connection Refused: not authorised."
    assert mqtt.topic_matches_sub("a/+/c", "a/b/c")


def test_wait_for_publish_after_a_reconnect(broker):
    client = mqtt.Client("reconnecting", clean_session=False)
    client.connect("127.0.0.1", broker)
    client.loop_start()
    client.disconnect()
    wait(lambda: not client.is_connected())
    info = client.publish("r/t", b"queued", qos=1)
    info.wait_for_publish(0.2)
    assert not info.is_published()
    client.reconnect()
    info.wait_for_publish(10)
    assert info.is_published()
    client.disconnect()
    client.loop_stop()


def test_message_callback_add_and_logger(broker):
    got = []
    logs = []
    client = mqtt.Client()
    client.on_log = lambda c, u, level, buf: logs.append((level, buf))
    client.message_callback_add("cb/+/temp", lambda c, u, m: got.append(("temp", m.topic)))
    client.on_message = lambda c, u, m: got.append(("other", m.topic))
    client.connect("127.0.0.1", broker)
    client.subscribe("cb/#")
    for topic in ("cb/kitchen/temp", "cb/kitchen/door"):
        client.publish(topic, "x", qos=1)
    for _ in range(50):
        client.loop(0.05)
        if len(got) == 2:
            break
    client.disconnect()
    assert sorted(got) == [("other", "cb/kitchen/door"), ("temp", "cb/kitchen/temp")]
    assert any(level == mqtt.MQTT_LOG_DEBUG and "CONNECT" in buf for level, buf in logs)


def test_mqtt5_properties_and_reason_codes(broker):
    received = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, "v5", protocol=mqtt.MQTTv5)
    client.on_message = lambda c, u, m: received.append(m)
    client.connect("127.0.0.1", broker)
    client.subscribe("v5/t", options=SubscribeOptions(qos=1, noLocal=False))
    props = Properties(PacketTypes.PUBLISH)
    props.MessageExpiryInterval = 60
    props.UserProperty = ("room", "kitchen")
    props.ContentType = "text/plain"
    client.publish("v5/t", "five", qos=1, properties=props)
    for _ in range(50):
        client.loop(0.05)
        if received:
            break
    client.disconnect(reasoncode=ReasonCode(PacketTypes.DISCONNECT, "Normal disconnection"))
    message = received[0]
    assert message.payload == b"five"
    assert message.properties.UserProperty == [("room", "kitchen")]
    assert message.properties.ContentType == "text/plain"
    assert 0 < message.properties.MessageExpiryInterval <= 60
    assert ReasonCode(PacketTypes.SUBACK, identifier=1) == "Granted QoS 1"
    assert ReasonCode(PacketTypes.CONNACK, identifier=0x87).is_failure


def test_an_exception_in_a_callback_is_logged(broker):
    logs = []
    client = mqtt.Client()
    client.on_log = lambda c, u, level, buf: logs.append((level, buf))

    def on_connect(client, userdata, flags, rc):
        raise RuntimeError("boom")

    client.on_connect = on_connect
    client.suppress_exceptions = True
    client.connect("127.0.0.1", broker)
    client.loop(0.1)
    client.disconnect()
    assert (mqtt.MQTT_LOG_ERR, "Caught exception in on_connect: boom") in logs


def socks5_forwarder():
    """A one-connection SOCKS5 proxy (no authentication) on loopback; returns
    its port and the list of destinations it was asked for."""
    import socket
    import struct

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    asked = []

    def pump(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            b.close()

    def serve():
        conn, _ = listener.accept()
        conn.recv(3)                                    # version, methods
        conn.sendall(b"\x05\x00")
        head = conn.recv(4)                             # version, CONNECT, 0, address type
        if head[3] == 1:
            host = socket.inet_ntoa(conn.recv(4))
        else:
            host = conn.recv(conn.recv(1)[0]).decode()
        port = struct.unpack("!H", conn.recv(2))[0]
        asked.append((host, port))
        upstream = socket.create_connection((host, port))
        conn.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + b"\x00\x00")
        threading.Thread(target=pump, args=(upstream, conn), daemon=True).start()
        pump(conn, upstream)

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1], asked


def test_proxy_set(broker):
    port, asked = socks5_forwarder()
    client = mqtt.Client()
    with pytest.raises(ValueError):
        client.proxy_set(proxy_addr="127.0.0.1")
    client.proxy_set(proxy_type=2, proxy_addr="127.0.0.1", proxy_port=port)
    connected = []
    client.on_connect = lambda c, u, flags, rc: connected.append(rc)
    client.connect("127.0.0.1", broker)
    client.loop(0.1)
    client.disconnect()
    assert connected == [0]
    assert asked == [("127.0.0.1", broker)]


def loop_until(client, condition, timeout=10):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        client.loop(0.05)


def test_an_exception_in_a_callback_comes_out_of_the_loop(broker):
    client = mqtt.Client()

    def on_message(client, userdata, message):
        raise RuntimeError("bad message")

    client.on_message = on_message
    client.on_connect = lambda c, u, flags, rc: c.subscribe("exc/t")
    client.on_subscribe = lambda c, u, mid, granted: c.publish("exc/t", "x")
    client.connect("127.0.0.1", broker)
    with pytest.raises(RuntimeError, match="bad message"):
        loop_until(client, lambda: False)
    # The client goes on: the next loop call is fine.
    assert client.loop(0.05) == mqtt.MQTT_ERR_SUCCESS
    # loop_forever() returns by raising it (ending the connection).
    client.publish("exc/t", "y")
    with pytest.raises(RuntimeError, match="bad message"):
        client.loop_forever()
    assert not client.is_connected()


def test_mqtt5_empty_client_id_is_assigned_by_the_broker(broker):
    seen = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_connect = lambda c, u, flags, rc, props: seen.append(props)
    assert client.client_id == ""
    client.connect("127.0.0.1", broker)
    loop_until(client, lambda: seen)
    client.disconnect()
    assigned = seen[0].AssignedClientIdentifier
    assert assigned and assigned.startswith("auto-")
    # Below level 5 an empty id is a random one (MQTT 3.1 requires one).
    assert mqtt.Client(protocol=mqtt.MQTTv31).client_id != ""


def session_present_after_reconnect(broker, clean_start):
    flags = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, "clean-start-%s" % clean_start,
                         protocol=mqtt.MQTTv5)
    client.on_connect = lambda c, u, f, rc, props: flags.append(f.session_present)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 60
    client.connect("127.0.0.1", broker, properties=props, clean_start=clean_start)
    loop_until(client, lambda: flags)
    client.reconnect()
    loop_until(client, lambda: len(flags) == 2)
    client.disconnect()
    return flags


def test_mqtt5_clean_start(broker):
    # Clean the first time only (Paho's default), then the session resumes.
    assert session_present_after_reconnect(broker, mqtt.MQTT_CLEAN_START_FIRST_ONLY) == \
        [False, True]
    assert session_present_after_reconnect(broker, True) == [False, False]
    with pytest.raises(ValueError):
        mqtt.Client().connect("127.0.0.1", broker, clean_start=True)


def test_socket_callbacks(broker):
    import socket as pysocket

    events = []
    client = mqtt.Client()
    client.on_pre_connect = lambda c, u: events.append("pre_connect")
    client.on_socket_open = lambda c, u, sock: events.append(("open", sock))
    client.on_socket_close = lambda c, u, sock: events.append(("close", sock))
    client.on_connect = lambda c, u, flags, rc: events.append("connect")
    client.on_disconnect = lambda c, u, rc: events.append("disconnect")
    client.connect("127.0.0.1", broker)
    loop_until(client, lambda: "connect" in events)
    sock = client.socket()
    assert events[:2] == ["pre_connect", ("open", sock)]
    assert sock.fileno() >= 0
    assert sock.getpeername() == ("127.0.0.1", broker)
    sock.setsockopt(pysocket.SOL_SOCKET, pysocket.SO_SNDBUF, 65536)
    assert sock.getsockopt(pysocket.SOL_SOCKET, pysocket.SO_SNDBUF) >= 65536
    client.disconnect()
    loop_until(client, lambda: "disconnect" in events)
    assert events[-2:] == [("close", sock), "disconnect"]
    assert client.socket() is None


def test_message_attributes_are_read_when_asked_and_writable(broker):
    received = []
    client = mqtt.Client()
    client.on_message = lambda c, u, m: received.append(m)
    client.connect("127.0.0.1", broker)
    client.subscribe("lazy/t", 1)
    client.publish("lazy/t", "first", qos=1, retain=False)
    loop_until(client, lambda: received)
    client.disconnect()
    message = received[0]
    assert (message.topic, message.payload, message.qos, message.retain, message.dup) == \
        ("lazy/t", b"first", 1, False, False)
    assert message.mid > 0 and 0 < message.timestamp <= time.monotonic()
    assert message.properties is None and message.info.mid == message.mid
    message.payload = b"changed"
    message.topic = "other"
    assert (message.topic, message.payload) == ("other", b"changed")
    with pytest.raises(AttributeError):
        message.no_such_attribute
    blank = mqtt.MQTTMessage(mid=3, topic=b"a/b")
    assert (blank.mid, blank.topic, blank.payload) == (3, "a/b", b"")
