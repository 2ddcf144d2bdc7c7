# The example programs in examples/python, run against the broker fixture as
# a user would run them (the helpers' examples are run by
# tests/client/helper-examples.sh, see meson.build).
import os
import subprocess
import sys

EXAMPLES = os.environ.get("MQTT_PYTHON_EXAMPLES",
                          os.path.join(os.path.dirname(__file__), "../../examples/python"))


def run(name, *args, timeout=30):
    result = subprocess.run([sys.executable, os.path.join(EXAMPLES, name), *map(str, args)],
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout.splitlines()


def test_sys_subscriber(broker):
    lines = run("sys-subscriber.py", "127.0.0.1", broker, 5)
    assert lines[0] == "Connected with result code 0"
    assert len(lines) >= 6
    assert all(line.startswith("$SYS/") for line in lines[1:])
    assert any(line.startswith("$SYS/broker/version mosquitto version") for line in lines)


def test_loop_start(broker):
    assert run("loop-start.py", "127.0.0.1", broker, 20) == [
        "20 readings published and acknowledged"]


def test_message_callback(broker):
    assert sorted(run("message-callback.py", "127.0.0.1", broker)) == [
        "HUMIDITY paho/sensors/kitchen/humidity/relative 40",
        "OTHER paho/sensors/kitchen/door open",
        "TEMPERATURE paho/sensors/kitchen/temperature 21.5",
    ]


def test_errors_are_one_line(broker):
    # Nobody listens on port 1.
    result = subprocess.run([sys.executable, os.path.join(EXAMPLES, "publish-single.py"),
                             "127.0.0.1", "1"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1


def test_request_response(broker):
    assert run("request-response.py", "127.0.0.1", broker) == [
        "responder: Success",
        "responder: subscribed, reason codes [1]",
        "requester: Success",
        "square(3) = 9",
        "square(4) = 16",
        "square(12) = 144",
    ]
