# A mosquitto on a free loopback port for the introspection tests, as the C
# tests' fixture (tests/common/test-common.c) makes one.
import os
import socket
import subprocess
import tempfile
import time

import pytest


def run_until(condition, timeout=10):
    """Iterates the default main context until condition() holds."""
    from gi.repository import GLib

    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        context.iteration(True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def broker():
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="mqtt-glib-gir-") as tmp:
        config = os.path.join(tmp, "mosquitto.conf")
        with open(config, "w") as f:
            f.write(f"listener {port} 127.0.0.1\nuser root\nallow_anonymous true\n"
                    "persistence false\nset_tcp_nodelay true\n")
        process = subprocess.Popen([os.environ.get("MQTT_TEST_MOSQUITTO", "mosquitto"),
                                    "-c", config],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 1).close()
                    break
                except OSError:
                    assert process.poll() is None, "mosquitto exited"
                    assert time.monotonic() < deadline, "mosquitto did not start"
                    time.sleep(0.05)
            yield port
        finally:
            process.terminate()
            process.wait()
