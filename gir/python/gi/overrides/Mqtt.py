# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# PyGObject overrides for gi.repository.Mqtt: the binding as a Python
# programmer (and a Paho user) expects it. Messages have attributes;
# payloads may be bytes, bytearray, memoryview, str, int, float or None;
# optional arguments have Paho's defaults; publish() returns an
# MQTTMessageInfo; a topic given as a str is never taken for a sequence;
# userdata may be any object; enable_logger() logs through `logging`.
# Installed into gi/overrides/ where PyGObject looks for them.
import collections
import logging
import threading
import time

from gi.module import get_introspection_module
from gi.overrides import override
from gi.repository import GLib

Mqtt = get_introspection_module("Mqtt")

__all__ = []

# Paho's log levels (Mqtt.LogLevel) in `logging`'s.
_LOGGING_LEVEL = {
    Mqtt.LogLevel.DEBUG: logging.DEBUG,
    Mqtt.LogLevel.INFO: logging.INFO,
    Mqtt.LogLevel.NOTICE: logging.INFO,
    Mqtt.LogLevel.WARNING: logging.WARNING,
    Mqtt.LogLevel.ERR: logging.ERROR,
}

_NOT_CONNECTED_CODES = (Mqtt.Error.NO_CONN, Mqtt.Error.QUEUE_SIZE)


def _payload_gbytes(payload):
    """A payload as a GLib.Bytes: one given as such is not copied."""
    if isinstance(payload, GLib.Bytes):
        return payload
    return GLib.Bytes.new(_payload_bytes(payload))


def _payload_bytes(payload):
    """A payload as Paho takes it: text is UTF-8, a number its text."""
    if payload is None:
        return b""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, (bytearray, memoryview)):
        return bytes(payload)
    if isinstance(payload, (int, float)):
        return str(payload).encode("ascii")
    raise TypeError("payload must be a string, bytearray, int, float or None.")


def _is_mqtt_error(error, *codes):
    return (isinstance(error, GLib.Error) and error.domain == "mqtt-error-quark"
            and (not codes or error.code in codes))


def _topic_list(topic, qos):
    """[(filter, qos), ...] from a str, a (str, qos) pair or a list of either."""
    if isinstance(topic, str):
        return [(topic, qos)]
    if isinstance(topic, tuple) and len(topic) == 2 and isinstance(topic[0], str):
        return [(topic[0], topic[1])]
    if isinstance(topic, list):
        if not topic:
            raise ValueError("No topic specified, or incorrect topic type.")
        pairs = []
        for item in topic:
            if isinstance(item, str):
                pairs.append((item, qos))
            elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                pairs.append(item)
            else:
                raise ValueError("Invalid topic: %r" % (item,))
        return pairs
    raise ValueError("No topic specified, or incorrect topic type.")


class MQTTMessageInfo:
    """What publish() returns: rc and mid, and a way to wait for the
    broker's acknowledgement (or, for QoS 0, the write). Unpacks as
    (rc, mid), as Paho's does."""

    __slots__ = ("mid", "rc", "_done", "_event")

    def __init__(self, mid, rc=Mqtt.Error.SUCCESS):
        self.mid = mid
        self.rc = int(rc)
        self._done = False
        # Made by the first waiter only: most messages are never waited for.
        self._event = None

    def __iter__(self):
        return iter((self.rc, self.mid))

    def __getitem__(self, index):
        return (self.rc, self.mid)[index]

    def __repr__(self):
        return "MQTTMessageInfo(rc=%d, mid=%r, published=%r)" % (self.rc, self.mid,
                                                                 self.is_published())

    def _set_published(self, rc=Mqtt.Error.SUCCESS):
        if rc != Mqtt.Error.SUCCESS:
            self.rc = int(rc)
        self._done = True
        event = self._event
        if event is not None:
            event.set()

    def _sleep(self, seconds):
        """Sleeps until published or @seconds. A waiter that made its event
        after _set_published() looked sees _done; two waiters racing to make
        one lose at most a slice (the caller waits in slices)."""
        if self._event is None:
            self._event = threading.Event()
        if not self._done:
            self._event.wait(seconds)

    def is_published(self):
        """Whether the message has been acknowledged (QoS 1 and 2) or
        written (QoS 0)."""
        return self._done and self.rc == Mqtt.Error.SUCCESS

    def wait_for_publish(self, timeout=None):
        """Waits until the message is published, or @timeout seconds.

        Works whether a loop_start() thread runs the client or this
        thread's main context does: the context is iterated here when no
        other thread owns it."""
        if self.rc == Mqtt.Error.QUEUE_SIZE:
            raise ValueError("Message is not queued due to ERR_QUEUE_SIZE")
        if self.rc == Mqtt.Error.NO_CONN and self.mid is None:
            raise RuntimeError("Message publish failed: The client is not currently "
                               "connected.")
        deadline = None if timeout is None else time.monotonic() + timeout
        context = GLib.MainContext.ref_thread_default()
        while not self._done:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return
            step = 0.1 if remaining is None else min(remaining, 0.1)
            if context.acquire():
                try:
                    if not context.iteration(False):
                        self._sleep(min(step, 0.002))
                finally:
                    context.release()
            else:
                self._sleep(step)


__all__.append("MQTTMessageInfo")


class _Publications:
    """The MQTTMessageInfo objects of one client, completed from its
    published and dropped signals (in whatever thread runs it). A wrapper
    that has its own handler of the published signal passes listen=False
    and calls complete() from it: one Python handler per acknowledgement."""

    def __init__(self, client, listen=True):
        self._lock = threading.Lock()
        self._pending = {}
        # Completions that came before publish() returned their mid.
        self._early = collections.OrderedDict()
        if listen:
            client.connect("published", self._on_published)
        client.connect("dropped", self._on_dropped)

    def complete(self, mid, rc=Mqtt.Error.SUCCESS):
        with self._lock:
            info = self._pending.pop(mid, None)
            if info is None:
                self._early[mid] = rc
                while len(self._early) > 65536:
                    self._early.popitem(last=False)
                return
        info._set_published(rc)

    def _on_published(self, client, mid):
        self.complete(mid)

    def _on_dropped(self, client, mid, error):
        self.complete(mid, error.code if _is_mqtt_error(error) else Mqtt.Error.UNKNOWN)

    def add(self, info):
        with self._lock:
            rc = self._early.pop(info.mid, None)
            if rc is None:
                self._pending[info.mid] = info
                return
        info._set_published(rc)


def _request(method, *args):
    """A SUBSCRIBE or UNSUBSCRIBE as Paho returns it: (rc, mid), rc
    MQTT_ERR_NO_CONN when disconnected, ValueError for invalid filters."""
    try:
        ok, mid = method(*args)
    except GLib.Error as error:
        if _is_mqtt_error(error, Mqtt.Error.NO_CONN):
            return (int(error.code), None)
        if _is_mqtt_error(error, Mqtt.Error.INVAL):
            raise ValueError(error.message) from error
        raise
    return (int(Mqtt.Error.SUCCESS), mid)


class Message(Mqtt.Message):
    """A received (or helper-published) message, with Paho's attributes."""

    @property
    def topic(self):
        return self.get_topic()

    @property
    def payload(self):
        payload = self.get_payload()
        return payload.get_data() if payload is not None else b""

    @property
    def qos(self):
        return int(self.get_qos())

    @property
    def retain(self):
        return self.get_retain()

    @property
    def mid(self):
        return self.get_mid()

    @property
    def dup(self):
        return self.get_dup()

    @property
    def timestamp(self):
        """When it arrived, in seconds of the monotonic clock
        (time.monotonic()), as Paho's."""
        return self.get_timestamp() / 1e6

    @property
    def properties(self):
        return self.get_properties()


Message = override(Message)
__all__.append("Message")


class Client(Mqtt.Client):
    """MqttClient with Paho's defaults, payloads and return values."""

    @classmethod
    def new(cls, client_id=None, clean_session=True, protocol=Mqtt.ProtocolVersion.V311):
        return Mqtt.Client.new(client_id, clean_session, protocol)

    def _publications(self, listen=True):
        publications = self.__dict__.get("_mqtt_publications")
        if publications is None:
            publications = self.__dict__["_mqtt_publications"] = _Publications(self, listen)
        return publications

    def connect_to_broker(self, host, port=1883, keepalive=60, cancellable=None):
        return Mqtt.Client.connect_to_broker(self, host, port, keepalive, cancellable)

    def publish(self, topic, payload=None, qos=0, retain=False, properties=None):
        """Paho's publish(): returns an MQTTMessageInfo. Raises ValueError
        for an invalid topic, QoS or payload, as Paho does; a message the
        client cannot take while disconnected (QoS 0, or a full queue)
        gives an info whose rc says so."""
        publications = self._publications()
        try:
            if properties is not None:
                ok, mid = Mqtt.Client.publish_with_properties(
                    self, topic, _payload_gbytes(payload), qos, retain, properties)
            elif isinstance(payload, GLib.Bytes):
                ok, mid = Mqtt.Client.publish_bytes(self, topic, payload, qos, retain)
            else:
                ok, mid = Mqtt.Client.publish(self, topic, _payload_bytes(payload), qos, retain)
        except GLib.Error as error:
            if _is_mqtt_error(error, *_NOT_CONNECTED_CODES):
                return MQTTMessageInfo(None, error.code)
            if _is_mqtt_error(error, Mqtt.Error.INVAL, Mqtt.Error.PAYLOAD_SIZE):
                raise ValueError(error.message) from error
            raise
        info = MQTTMessageInfo(mid)
        publications.add(info)
        return info

    def subscribe(self, topic, qos=0, options=None, properties=None):
        """Paho's subscribe(): a str, a (str, qos) pair or a list of
        either; returns (rc, mid)."""
        pairs = _topic_list(topic, qos)
        qoss = [q for _, q in pairs]
        if any(q not in (0, 1, 2) for q in qoss):
            raise ValueError("Invalid QoS level.")
        return _request(Mqtt.Client.subscribe_with_options, self, [f for f, _ in pairs], qoss,
                        options or Mqtt.SubscribeFlags.NONE, properties)

    def unsubscribe(self, topic, properties=None):
        """Paho's unsubscribe(): a str or a list of them; returns (rc, mid)."""
        if isinstance(topic, str):
            filters = [topic]
        elif isinstance(topic, list) and topic and all(isinstance(t, str) for t in topic):
            filters = topic
        else:
            raise ValueError("Invalid topic.")
        return _request(Mqtt.Client.unsubscribe_with_properties, self, filters, properties)

    def loop(self, timeout=1.0):
        return Mqtt.Client.loop(self, timeout)

    def loop_forever(self, retry_first_connection=False):
        return Mqtt.Client.loop_forever(self, retry_first_connection)

    def user_data_set(self, userdata):
        """Any Python object, given back by user_data_get()."""
        self.__dict__["_mqtt_userdata"] = userdata

    def user_data_get(self):
        return self.__dict__.get("_mqtt_userdata")

    set_user_data = user_data_set
    get_user_data = user_data_get

    def enable_logger(self, logger=None):
        """The client's log lines through `logging` (a logger named
        "mqtt_glib" unless one is given), with Paho's level mapping."""
        self.disable_logger()
        if logger is None:
            logger = logging.getLogger("mqtt_glib")

        def on_log(client, level, text):
            logger.log(_LOGGING_LEVEL.get(level, logging.DEBUG), text)

        self.__dict__["_mqtt_logger"] = (logger, self.connect("log", on_log))

    def disable_logger(self):
        logger = self.__dict__.pop("_mqtt_logger", None)
        if logger is not None:
            self.disconnect(logger[1])


Client = override(Client)
__all__.append("Client")



# The one-shot helpers, with Paho's defaults and payloads.

def publish_single(topic, payload=None, qos=0, retain=False, settings=None, cancellable=None):
    """Paho's publish.single(): the payload as publish() takes it."""
    return Mqtt.publish_single(topic, _payload_gbytes(payload), qos, retain, settings,
                               cancellable)


def _message(item):
    """A message for publish_multiple(): a Message, a dict with "topic" and
    optionally "payload", "qos" and "retain", or a tuple (topic[, payload[,
    qos[, retain]]]), as Paho's publish.multiple() takes."""
    if isinstance(item, Mqtt.Message):
        return item
    if isinstance(item, dict):
        topic, payload = item["topic"], item.get("payload")
        qos, retain = item.get("qos", 0), item.get("retain", False)
    elif isinstance(item, tuple) and item and isinstance(item[0], str):
        topic, payload, qos, retain = (item + (None, 0, False)[len(item) - 1:])[:4]
    else:
        raise TypeError("message must be a dict, a tuple or a Message")
    return Mqtt.Message.new(topic, _payload_gbytes(payload), qos, retain)


def publish_multiple(msgs, settings=None, cancellable=None):
    """Paho's publish.multiple(): a list of dicts, tuples or Messages."""
    if not isinstance(msgs, (list, tuple)):
        raise TypeError("msgs must be a list")
    return Mqtt.publish_multiple([_message(m) for m in msgs], settings, cancellable)


def _filters(topics):
    if isinstance(topics, str):
        return [topics]
    if isinstance(topics, (list, tuple)) and all(isinstance(t, str) for t in topics):
        return list(topics)
    raise ValueError("topics must be a str or a list of str")


def subscribe_simple(topics, qos=0, msg_count=1, retained=True, settings=None,
                     cancellable=None):
    """Paho's subscribe.simple(): a topic or a list of them; one message
    when msg_count is 1, else a list."""
    if msg_count < 1:
        raise ValueError("msg_count must be > 0")
    messages = Mqtt.subscribe_simple(_filters(topics), qos, msg_count, retained, settings,
                                     cancellable)
    return messages[0] if msg_count == 1 else messages


def subscribe_callback(callback, userdata, topics, qos=0, settings=None, cancellable=None):
    """Paho's subscribe.callback(): @callback(client, message, userdata)
    for every message until @cancellable is cancelled."""
    return Mqtt.subscribe_callback(callback, userdata, _filters(topics), qos, settings,
                                   cancellable)


__all__ += ["publish_single", "publish_multiple", "subscribe_simple", "subscribe_callback"]
