# The introspected API as bindings see it. DESIGN.md: no public method may
# be named like a method of GObject.Object, or it hides it in Python, GJS and
# Vala (client.connect("message", ...) must stay the signal connection).
import os
import socket
import xml.etree.ElementTree as ET

import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import Gio, GLib, GObject, Mqtt  # noqa: E402

CORE = "{http://www.gtk.org/introspection/core/1.0}"
GIR = os.environ.get("MQTT_GIR")


def gobject_names():
    names = {name for name in dir(GObject.Object) if not name.startswith("_")}
    # GJS and Vala names that Python spells differently or lacks.
    return names | {"connect", "disconnect", "emit", "notify", "ref", "unref", "ref_sink",
                    "get_property", "set_property", "get_data", "set_data", "bind_property",
                    "freeze_notify", "thaw_notify", "connect_after", "disconnect_by_func",
                    "steal_data", "get_qdata", "set_qdata", "watch_closure", "run_dispose",
                    "force_floating", "is_floating", "add_toggle_ref", "remove_toggle_ref",
                    "add_weak_pointer", "remove_weak_pointer", "weak_ref", "weak_unref",
                    "getv", "setv", "interface_find_property"}


def test_no_method_hides_a_gobject_method():
    assert GIR, "MQTT_GIR is not set"
    root = ET.parse(GIR).getroot()
    hidden = gobject_names()
    classes = list(root.iter(CORE + "class"))
    assert classes, "no class in the GIR"
    clashes = []
    for cls in classes:
        for kind in ("method", "virtual-method", "function", "constructor"):
            for member in cls.findall(CORE + kind):
                if member.get("name") in hidden:
                    clashes.append(f"{cls.get('name')}.{member.get('name')}")
    assert clashes == []


def test_gobject_methods_still_work(broker):
    client = Mqtt.Client.new(None, True, Mqtt.ProtocolVersion.V311)
    seen = []
    handler = client.connect("connected", lambda c, sp, rc: seen.append(rc))
    client.connect_to_broker("127.0.0.1", broker, 60, None)
    assert seen == [0]
    client.disconnect(handler)
    client.disconnect_from_broker()
    assert client.get_property("client-id") == client.get_client_id()


def test_granted_qos_is_a_list_of_integers(broker):
    client = Mqtt.Client.new(None, True, Mqtt.ProtocolVersion.V311)
    seen = []
    client.connect("subscribed", lambda c, mid, granted: seen.append(granted))
    client.connect_to_broker("127.0.0.1", broker, 60, None)
    client.subscribe_multiple(["a/b", "c/#"], [Mqtt.Qos.AT_LEAST_ONCE, Mqtt.Qos.EXACTLY_ONCE])
    while not seen:
        client.loop(1.0)
    assert seen == [[1, 2]]
    assert all(type(q) is int for q in seen[0])

    loop = GLib.MainLoop()
    results = []

    def done(source, result):
        results.append(source.subscribe_finish(result))
        loop.quit()

    client.subscribe_async(["d/e"], [Mqtt.Qos.EXACTLY_ONCE], None, done)
    loop.run()
    ok, granted = results[0]
    assert ok and granted == [2]
    client.disconnect_from_broker()


def test_connect_failed_carries_the_error():
    client = Mqtt.Client.new(None, True, Mqtt.ProtocolVersion.V311)
    errors = []
    client.connect("connect-failed", lambda c, error: errors.append(error))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        client.connect_to_broker("127.0.0.1", port, 60, None)
        assert False, "connected to a closed port"
    except GLib.Error as e:
        assert e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CONNECTION_REFUSED)
    assert len(errors) == 1
    assert errors[0].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CONNECTION_REFUSED)
