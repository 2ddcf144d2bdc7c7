# GstMqttMessageMeta from Python with gst-python (python3-gst-1.0) and
# GstMqtt-1.0: written on buffers an application pushes into mqttsink
# (whose topic-template makes each buffer's topic from it), read on the
# buffers mqttsrc gives an appsink, through GstMqtt and through gst-python
# alone. (gst-python 1.22 hands out copies of a custom meta's structure:
# writing takes GstMqtt.) Run by meson with the build's plugin and a
# mosquitto of the test's own.
import os
import socket
import subprocess
import tempfile
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
gi.require_version("GstMqtt", "1.0")
from gi.repository import Gst, GstApp, GstMqtt  # noqa: E402,F401

Gst.init(None)
META = "GstMqttMessageMeta"


def start_broker(directory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = os.path.join(directory, "mosquitto.conf")
    with open(config, "w") as f:
        f.write("listener %d 127.0.0.1\nallow_anonymous true\nuser root\n" % port)
    broker = subprocess.Popen([os.environ.get("MQTT_TEST_MOSQUITTO", "mosquitto"), "-c", config],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return broker, port
        except OSError:
            assert time.monotonic() < deadline and broker.poll() is None, "no mosquitto"
            time.sleep(0.05)


def wait_for(pipeline, name):
    bus = pipeline.get_bus()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message = bus.timed_pop_filtered(100 * Gst.MSECOND,
                                         Gst.MessageType.ELEMENT | Gst.MessageType.ERROR)
        if message is None:
            continue
        assert message.type == Gst.MessageType.ELEMENT, message.parse_error()
        if message.get_structure().get_name() == name:
            return
    raise AssertionError("no %s message" % name)


def test_meta_from_python():
    with tempfile.TemporaryDirectory() as directory:
        broker, port = start_broker(directory)
        try:
            receiver = Gst.parse_launch(
                "mqttsrc uri=mqtt://127.0.0.1:%d/out/%%23?qos=1 ! appsink name=out" % port)
            sender = Gst.parse_launch(
                "appsrc name=in format=time caps=text/plain "
                "! mqttsink uri=mqtt://127.0.0.1:%d/unused?qos=1 topic-template=out/{-1}/{1}"
                % port)
            receiver.set_state(Gst.State.PLAYING)
            wait_for(receiver, "mqtt-subscribed")
            sender.set_state(Gst.State.PLAYING)

            appsrc = sender.get_by_name("in")
            for topic, text in (("cameras/front", b"one"), ("cameras/back", b"two")):
                buffer = Gst.Buffer.new_wrapped(text)
                GstMqtt.buffer_set_message_topic(buffer, topic)
                GstMqtt.buffer_set_message_field(buffer, "note", "from Python")
                assert GstMqtt.buffer_get_message_topic(buffer) == topic
                assert appsrc.emit("push-buffer", buffer) == Gst.FlowReturn.OK

            appsink = receiver.get_by_name("out")
            seen = []
            for _ in range(2):
                sample = appsink.try_pull_sample(10 * Gst.SECOND)
                assert sample is not None, "nothing received"
                buffer = sample.get_buffer()
                # gst-python alone reads it.
                structure = buffer.get_custom_meta(META).get_structure()
                assert GstMqtt.buffer_get_message(buffer).get_string("topic") == \
                    GstMqtt.buffer_get_message_topic(buffer) == structure.get_string("topic")
                seen.append((structure.get_string("topic"), structure.get_value("qos"),
                             buffer.extract_dup(0, buffer.get_size())))
            assert seen == [("out/front/cameras", 1, b"one"), ("out/back/cameras", 1, b"two")]
        finally:
            for pipeline in ("sender", "receiver"):
                if pipeline in locals():
                    locals()[pipeline].set_state(Gst.State.NULL)
            broker.terminate()
            broker.wait()
