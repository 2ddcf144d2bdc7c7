# Stores from Python: the file store, and a store written in Python that
# implements the Mqtt.Store interface. Messages published while
# disconnected are in the store when publish returns; a second client with
# the same client id and store sends them, under the mids they had.
import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import GLib, GObject, Mqtt  # noqa: E402

from conftest import run_until  # noqa: E402


class DictStore(GObject.Object, Mqtt.Store):
    """Keyed records in a dict (insertion order is first-put order)."""

    def __init__(self):
        super().__init__()
        self.records = {}
        self.staged = []
        self.client_id = None

    def do_open(self, client_id):
        self.client_id = client_id
        return True

    def do_load(self, func, user_data):
        # PyGObject binds user_data to func already.
        for key, value in self.records.items():
            func(key, value)
        return True

    def do_put(self, key, value):
        self.staged.append((key, value))

    def do_remove(self, key):
        self.staged.append((key, None))

    def do_commit(self):
        for key, value in self.staged:
            if value is None:
                self.records.pop(key, None)
            else:
                self.records[key] = value
        self.staged.clear()
        return True

    def do_close(self):
        self.client_id = None


def restart_with(store, broker, after_publish=lambda: None):
    first = Mqtt.Client.new("py-store", False, Mqtt.ProtocolVersion.V311)
    first.set_store(store)
    for payload in (b"a", b"b"):
        first.publish("py/store", payload, Mqtt.Qos.AT_LEAST_ONCE, False)
    after_publish()
    del first

    second = Mqtt.Client.new("py-store", False, Mqtt.ProtocolVersion.V311)
    second.set_store(store)
    published = []
    second.connect("published", lambda client, mid: published.append(mid))
    second.connect_to_broker("127.0.0.1", broker, 60, None)
    run_until(lambda: len(published) == 2)
    assert published == [1, 2]
    assert second.get_store() is store
    second.disconnect_from_broker()
    run_until(lambda: not second.is_connected())


def test_a_store_written_in_python(broker):
    store = DictStore()

    def in_the_store():
        # Each message in one record when publish returns, nothing staged.
        assert store.client_id == "py-store"
        assert len(store.records) == 2
        assert store.staged == []

    restart_with(store, broker, in_the_store)
    # Both acknowledged, and committed before the connection closed; the
    # store closed with the client.
    assert store.records == {}
    assert store.client_id is None


class FailingStore(GObject.Object, Mqtt.Store):
    """Takes nothing. Not a subclass of DictStore: PyGObject would install
    this do_commit in DictStore's interface table too."""

    def __init__(self, silent):
        super().__init__()
        self.silent = silent

    def do_open(self, client_id):
        return True

    def do_load(self, func, user_data):
        return True

    def do_put(self, key, value):
        pass

    def do_remove(self, key):
        pass

    def do_commit(self):
        if self.silent:
            return False
        raise GLib.Error("disk full")

    def do_close(self):
        pass


def test_a_store_that_fails():
    # Its error, or when it gives none, one naming it.
    for silent, reason in ((False, "disk full"),
                           (True, "The store (test_store+FailingStore) failed to commit")):
        client = Mqtt.Client.new("py-failing", False, Mqtt.ProtocolVersion.V311)
        client.set_store(FailingStore(silent))
        try:
            client.publish("py/store", b"a", Mqtt.Qos.AT_LEAST_ONCE, False)
            assert False, "published without a store"
        except GLib.Error as error:
            assert error.message == "The message could not be stored: " + reason


def test_file_store(broker, tmp_path):
    store = Mqtt.FileStore.new(str(tmp_path))
    store.props.sync = Mqtt.StoreSync.ALWAYS
    restart_with(store, broker)
    assert (tmp_path / "py-store" / "log").exists()
