# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
"""paho.mqtt.client on mqtt-glib: Client with attribute callbacks (both
callback API versions), the four loop styles, MQTTMessage and
MQTTMessageInfo, the module's constants and helpers."""
import logging
import os
import socket
import threading

from gi.repository import Gio, GLib, Mqtt
from gi.overrides.Mqtt import _payload_bytes

from .enums import (CallbackAPIVersion, ConnackCode, LogLevel, MQTTErrorCode,
                    MQTTProtocolVersion, MessageType, PahoClientMode)
from .packettypes import PacketTypes
from .properties import Properties
from .reasoncodes import ReasonCode, _from_connack
from .subscribeoptions import SubscribeOptions

MQTTv31 = MQTTProtocolVersion.MQTTv31
MQTTv311 = MQTTProtocolVersion.MQTTv311
MQTTv5 = MQTTProtocolVersion.MQTTv5

MQTT_CLIENT = PahoClientMode.MQTT_CLIENT
MQTT_BRIDGE = PahoClientMode.MQTT_BRIDGE
MQTT_CLEAN_START_FIRST_ONLY = 3

CONNECT = MessageType.CONNECT
CONNACK = MessageType.CONNACK
PUBLISH = MessageType.PUBLISH
PUBACK = MessageType.PUBACK
PUBREC = MessageType.PUBREC
PUBREL = MessageType.PUBREL
PUBCOMP = MessageType.PUBCOMP
SUBSCRIBE = MessageType.SUBSCRIBE
SUBACK = MessageType.SUBACK
UNSUBSCRIBE = MessageType.UNSUBSCRIBE
UNSUBACK = MessageType.UNSUBACK
PINGREQ = MessageType.PINGREQ
PINGRESP = MessageType.PINGRESP
DISCONNECT = MessageType.DISCONNECT
AUTH = MessageType.AUTH

MQTT_LOG_INFO = LogLevel.MQTT_LOG_INFO
MQTT_LOG_NOTICE = LogLevel.MQTT_LOG_NOTICE
MQTT_LOG_WARNING = LogLevel.MQTT_LOG_WARNING
MQTT_LOG_ERR = LogLevel.MQTT_LOG_ERR
MQTT_LOG_DEBUG = LogLevel.MQTT_LOG_DEBUG
LOGGING_LEVEL = {
    LogLevel.MQTT_LOG_DEBUG: logging.DEBUG,
    LogLevel.MQTT_LOG_INFO: logging.INFO,
    LogLevel.MQTT_LOG_NOTICE: logging.INFO,
    LogLevel.MQTT_LOG_WARNING: logging.WARNING,
    LogLevel.MQTT_LOG_ERR: logging.ERROR,
}

CONNACK_ACCEPTED = ConnackCode.CONNACK_ACCEPTED
CONNACK_REFUSED_PROTOCOL_VERSION = ConnackCode.CONNACK_REFUSED_PROTOCOL_VERSION
CONNACK_REFUSED_IDENTIFIER_REJECTED = ConnackCode.CONNACK_REFUSED_IDENTIFIER_REJECTED
CONNACK_REFUSED_SERVER_UNAVAILABLE = ConnackCode.CONNACK_REFUSED_SERVER_UNAVAILABLE
CONNACK_REFUSED_BAD_USERNAME_PASSWORD = ConnackCode.CONNACK_REFUSED_BAD_USERNAME_PASSWORD
CONNACK_REFUSED_NOT_AUTHORIZED = ConnackCode.CONNACK_REFUSED_NOT_AUTHORIZED

MQTT_ERR_AGAIN = MQTTErrorCode.MQTT_ERR_AGAIN
MQTT_ERR_SUCCESS = MQTTErrorCode.MQTT_ERR_SUCCESS
MQTT_ERR_NOMEM = MQTTErrorCode.MQTT_ERR_NOMEM
MQTT_ERR_PROTOCOL = MQTTErrorCode.MQTT_ERR_PROTOCOL
MQTT_ERR_INVAL = MQTTErrorCode.MQTT_ERR_INVAL
MQTT_ERR_NO_CONN = MQTTErrorCode.MQTT_ERR_NO_CONN
MQTT_ERR_CONN_REFUSED = MQTTErrorCode.MQTT_ERR_CONN_REFUSED
MQTT_ERR_NOT_FOUND = MQTTErrorCode.MQTT_ERR_NOT_FOUND
MQTT_ERR_CONN_LOST = MQTTErrorCode.MQTT_ERR_CONN_LOST
MQTT_ERR_TLS = MQTTErrorCode.MQTT_ERR_TLS
MQTT_ERR_PAYLOAD_SIZE = MQTTErrorCode.MQTT_ERR_PAYLOAD_SIZE
MQTT_ERR_NOT_SUPPORTED = MQTTErrorCode.MQTT_ERR_NOT_SUPPORTED
MQTT_ERR_AUTH = MQTTErrorCode.MQTT_ERR_AUTH
MQTT_ERR_ACL_DENIED = MQTTErrorCode.MQTT_ERR_ACL_DENIED
MQTT_ERR_UNKNOWN = MQTTErrorCode.MQTT_ERR_UNKNOWN
MQTT_ERR_ERRNO = MQTTErrorCode.MQTT_ERR_ERRNO
MQTT_ERR_QUEUE_SIZE = MQTTErrorCode.MQTT_ERR_QUEUE_SIZE
MQTT_ERR_KEEPALIVE = MQTTErrorCode.MQTT_ERR_KEEPALIVE

MQTTMessageInfo = Mqtt.MQTTMessageInfo

_PROTOCOLS = {MQTTv31: Mqtt.ProtocolVersion.V31, MQTTv311: Mqtt.ProtocolVersion.V311,
              MQTTv5: Mqtt.ProtocolVersion.V5}



class WebsocketConnectionError(ConnectionError):
    pass


def error_string(mqtt_errno):
    """Paho's error_string()."""
    return Mqtt.error_string(int(mqtt_errno))


def connack_string(connack_code):
    """Paho's connack_string()."""
    if isinstance(connack_code, ReasonCode):
        return str(connack_code)
    return Mqtt.connack_string(int(connack_code))


def topic_matches_sub(sub, topic):
    """Paho's topic_matches_sub()."""
    return Mqtt.topic_matches_sub(sub, topic)


class MQTTMessage:
    """A message as Paho gives it: topic, payload (bytes), qos, retain,
    mid, dup, timestamp (time.monotonic() seconds), and at level 5 its
    properties as a Properties. A received message reads each attribute
    from the client's Mqtt.Message the first time it is asked for, so a
    callback pays only for what it looks at."""

    __slots__ = ("timestamp", "state", "dup", "mid", "_topic", "payload", "qos", "retain",
                 "info", "properties", "_message", "_protocol")

    def __init__(self, mid=0, topic=b""):
        self._message = None
        self.timestamp = 0.0
        self.state = 0
        self.dup = False
        self.mid = mid
        self._topic = topic
        self.payload = b""
        self.qos = 0
        self.retain = False
        self.info = MQTTMessageInfo(mid)
        self.properties = None

    @classmethod
    def _of(cls, message, protocol):
        result = cls.__new__(cls)
        result._message = message
        result._protocol = protocol
        return result

    # How an attribute not read yet comes from the Mqtt.Message.
    _READERS = {
        "timestamp": lambda m, protocol: m.get_timestamp() / 1e6,
        "state": lambda m, protocol: 0,
        "dup": lambda m, protocol: m.get_dup(),
        "mid": lambda m, protocol: m.get_mid(),
        "_topic": lambda m, protocol: m.get_topic().encode("utf-8"),
        "payload": lambda m, protocol: m.payload,
        "qos": lambda m, protocol: int(m.get_qos()),
        "retain": lambda m, protocol: m.get_retain(),
        "info": lambda m, protocol: MQTTMessageInfo(m.get_mid()),
        "properties": lambda m, protocol: (
            Properties._from_mqtt(PacketTypes.PUBLISH, m.get_properties())
            if protocol == MQTTv5 else None),
    }

    def __getattr__(self, name):
        # Called only for a slot not set yet.
        reader = MQTTMessage._READERS.get(name)
        if reader is None:
            raise AttributeError(name)
        value = reader(self._message, self._protocol)
        setattr(self, name, value)
        return value

    def __eq__(self, other):
        return self.mid == other.mid

    def __ne__(self, other):
        return not self == other

    @property
    def topic(self):
        return self._topic.decode("utf-8")

    @topic.setter
    def topic(self, value):
        self._topic = value.encode("utf-8") if isinstance(value, str) else value


class ConnectFlags:
    def __init__(self, session_present):
        self.session_present = session_present


class DisconnectFlags:
    def __init__(self, is_disconnect_packet_from_server):
        self.is_disconnect_packet_from_server = is_disconnect_packet_from_server


def _is_refusal(error):
    """Whether @error is the broker's refusal in CONNACK (which Paho reports
    to on_connect, not as an exception)."""
    return error.domain == "mqtt-error-quark" and (error.code > Mqtt.ERROR_CONNACK_BASE or
                                                  error.code == int(Mqtt.Error.CONN_REFUSED))


def _errno_of(error):
    """The MQTT_ERR_* code of a GLib.Error from the client."""
    if error is None:
        return MQTT_ERR_SUCCESS
    if error.domain == "mqtt-error-quark":
        try:
            return MQTTErrorCode(error.code)
        except ValueError:
            return MQTT_ERR_CONN_REFUSED if _is_refusal(error) else MQTT_ERR_UNKNOWN
    if error.domain == "g-tls-error-quark":
        return MQTT_ERR_TLS
    return MQTT_ERR_CONN_LOST


def _raise_os_error(error):
    """Paho raises the socket's error where a connection cannot be made."""
    if error.domain == "g-io-error-quark":
        if error.code == int(Gio.IOErrorEnum.CONNECTION_REFUSED):
            raise ConnectionRefusedError(error.message) from None
        if error.code == int(Gio.IOErrorEnum.TIMED_OUT):
            raise TimeoutError(error.message) from None
        raise OSError(error.message) from None
    if error.domain == "mqtt-error-quark" and error.code == int(Mqtt.Error.INVAL):
        raise ValueError(error.message) from None
    if error.domain == "g-tls-error-quark":
        import ssl
        raise ssl.SSLError(error.message) from None
    raise OSError(error.message) from None


class Client:
    """paho.mqtt.client.Client.

    ``Client(callback_api_version, client_id="", clean_session=None,
    userdata=None, protocol=MQTTv311, transport="tcp",
    reconnect_on_failure=True, manual_ack=False)``; the first argument may
    be left out (or be a client id, as paho-mqtt 1.x's first argument):
    callbacks then have the VERSION1 signatures."""

    _ARGUMENTS = ("client_id", "clean_session", "userdata", "protocol", "transport",
                  "reconnect_on_failure", "manual_ack")

    def __init__(self, *args, **kwargs):
        # Paho 2: Client(callback_api_version, client_id, ...); paho-mqtt 1.x
        # (and a call without the version): Client(client_id, clean_session,
        # ...), callbacks with the VERSION1 signatures.
        if args and isinstance(args[0], CallbackAPIVersion):
            callback_api_version, args = args[0], args[1:]
        else:
            callback_api_version = kwargs.pop("callback_api_version",
                                              CallbackAPIVersion.VERSION1)
        if len(args) > len(self._ARGUMENTS):
            raise TypeError("Client() takes at most %d arguments" % (len(self._ARGUMENTS) + 1))
        params = dict(zip(self._ARGUMENTS, args))
        for name, value in kwargs.items():
            if name not in self._ARGUMENTS:
                raise TypeError("Client() got an unexpected keyword argument %r" % name)
            if name in params:
                raise TypeError("Client() got multiple values for argument %r" % name)
            params[name] = value
        self._setup(callback_api_version, **params)

    def _setup(self, callback_api_version, client_id="", clean_session=None, userdata=None,
               protocol=MQTTv311, transport="tcp", reconnect_on_failure=True, manual_ack=False):
        if not isinstance(callback_api_version, CallbackAPIVersion):
            raise ValueError("Unsupported callback API version: %r" % (callback_api_version,))
        if manual_ack:
            raise ValueError("manual_ack is not supported by mqtt_glib")
        if protocol not in _PROTOCOLS:
            raise ValueError("Unsupported protocol %r" % (protocol,))
        if protocol == MQTTv5:
            if clean_session is not None:
                raise ValueError("Clean session is not used for MQTT 5.0")
            clean_session = True
        elif clean_session is None:
            clean_session = True
        if isinstance(client_id, bytes):
            client_id = client_id.decode("utf-8")
        if not client_id and not clean_session:
            raise ValueError("A client id must be provided if clean session is False.")
        if transport not in ("tcp", "websockets"):
            raise ValueError('transport must be "websockets" or "tcp", not %s' % transport)

        self._callback_api_version = callback_api_version
        self._protocol = protocol
        self._userdata = userdata
        self._transport = transport
        self._logger = None
        self._on_log = None
        self._handlers = {}   # signal -> handler id, of those connected on demand
        self._looping = False
        self._suppress_exceptions = False
        # A callback's exception, for the loop call of this thread to raise.
        self._loop_thread = None
        self._forever = False
        self._callback_error = None
        # The socket on_socket_open was given, and whether writes are wanted.
        self._socket_reported = None
        self._write_registered = False
        self._on_pre_connect = None
        self._clean_start = MQTT_CLEAN_START_FIRST_ONLY
        self._client = Mqtt.Client.new(client_id or None, clean_session, _PROTOCOLS[protocol])
        self._client.set_auto_reconnect(reconnect_on_failure)
        if transport == "websockets":
            self._client.set_transport(Mqtt.TransportType.WEBSOCKETS)
            self._client.ws_set_options("/mqtt", None)
        # Completed by _on_published: one Python handler per acknowledgement.
        self._publications = self._client._publications(listen=False)
        self._connect_signals()
        self.on_connect = self.on_connect_fail = self.on_disconnect = None
        self.on_message = self.on_publish = self.on_subscribe = self.on_unsubscribe = None
        self.on_socket_open = self.on_socket_close = None
        self.on_socket_register_write = self.on_socket_unregister_write = None

    # -------------------------------------------------------------------
    # Callbacks: the client's signals, dispatched to the attributes with
    # the signature of the callback API version.

    def _connect_signals(self):
        c = self._client
        v5 = self._protocol == MQTTv5
        c.connect("connected-v5" if v5 else "connected", self._on_connected)
        c.connect("connect-failed", self._on_connect_failed)
        c.connect("disconnected-v5" if v5 else "disconnected", self._on_disconnected)
        c.connect("message", self._on_message)
        c.connect("published-v5" if v5 else "published", self._on_published)
        c.connect("subscribed-v5" if v5 else "subscribed", self._on_subscribed)
        c.connect("unsubscribed-v5" if v5 else "unsubscribed", self._on_unsubscribed)

    def _listen(self, signal, handler, wanted):
        """Connects @handler to @signal while @wanted: the client makes its
        log lines, say, only while someone wants them."""
        handler_id = self._handlers.get(signal)
        if wanted and handler_id is None:
            self._handlers[signal] = self._client.connect(signal, handler)
        elif not wanted and handler_id is not None:
            self._client.disconnect(self._handlers.pop(signal))

    def _update_log(self):
        self._listen("log", self._on_log_signal,
                     self._on_log is not None or self._logger is not None)

    @property
    def on_pre_connect(self):
        return self._on_pre_connect

    @on_pre_connect.setter
    def on_pre_connect(self, func):
        """Called before every connection attempt, automatic ones too."""
        self._on_pre_connect = func
        self._listen("refresh-credentials", self._on_refresh_credentials, func is not None)

    def _on_refresh_credentials(self, client):
        self._call("on_pre_connect")
        return False

    @property
    def on_log(self):
        return self._on_log

    @on_log.setter
    def on_log(self, func):
        self._on_log = func
        self._update_log()

    def _call(self, name, *args):
        callback = getattr(self, name, None)
        if callback is None:
            return
        try:
            callback(self, self._userdata, *args)
        except Exception as err:
            self._callback_failed(name, err)

    def _callback_failed(self, name, err):
        """Logs a callback's exception; unless suppress_exceptions, it comes
        out of the loop call that ran the callback, as from Paho's (a
        loop_forever() ends the connection to return). In a loop_start()
        thread PyGObject prints it."""
        self._easy_log(MQTT_LOG_ERR, "Caught exception in %s: %s", name, err)
        if self._logger is not None:
            self._logger.exception("Caught exception in %s", name)
        if self._suppress_exceptions:
            return
        if self._loop_thread != threading.get_ident():
            raise err
        if self._callback_error is None:
            self._callback_error = err
            if self._forever:
                self._client.disconnect_from_broker()

    def _run(self, call, *args):
        """Runs a call that may run callbacks on this thread: returns its
        GLib.Error or None, and raises what a callback raised meanwhile."""
        outer, self._loop_thread = self._loop_thread, threading.get_ident()
        error = None
        try:
            call(*args)
        except GLib.Error as err:
            error = err
        finally:
            self._loop_thread = outer
        raised, self._callback_error = self._callback_error, None
        if raised is not None:
            raise raised
        return error

    @property
    def _v2(self):
        return self._callback_api_version == CallbackAPIVersion.VERSION2

    # Paho's socket callbacks, for a program that runs the client from its
    # own event loop: the socket is reported open once the connection is
    # made and closed when it ends; writes are wanted while data waits.
    def _socket_opened(self):
        sock = self._client.get_socket()
        if sock is None or (self._socket_reported is not None and
                            self._socket_reported._sock == sock):
            return
        self._socket_closed()
        self._socket_reported = _Socket(sock)
        self._call("on_socket_open", self._socket_reported)
        self._check_write()

    def _socket_closed(self):
        sock, self._socket_reported = self._socket_reported, None
        if sock is None:
            return
        if self._write_registered:
            self._write_registered = False
            self._call("on_socket_unregister_write", sock)
        self._call("on_socket_close", sock)

    def _check_write(self):
        if self._socket_reported is None or (self.on_socket_register_write is None
                                             and not self._write_registered):
            return
        want = self._client.want_write()
        if want != self._write_registered:
            self._write_registered = want
            self._call("on_socket_register_write" if want else "on_socket_unregister_write",
                       self._socket_reported)

    def _on_connected(self, client, session_present, rc, props=None):
        self._socket_opened()
        if (self._protocol == MQTTv5 and self._clean_start == MQTT_CLEAN_START_FIRST_ONLY
                and self._client.get_client_id()):
            # Clean once: reconnections resume the session.
            self._client.set_clean_session(False)
        if self._protocol == MQTTv5:
            reason = ReasonCode(PacketTypes.CONNACK, identifier=int(rc))
            properties = Properties._from_mqtt(PacketTypes.CONNACK, props)
            if self._v2:
                self._call("on_connect", ConnectFlags(session_present), reason, properties)
            else:
                self._call("on_connect", {"session present": int(session_present)}, reason,
                           properties)
            return
        if self._v2:
            self._call("on_connect", ConnectFlags(session_present), _from_connack(int(rc)),
                       Properties(PacketTypes.CONNACK))
        else:
            self._call("on_connect", {"session present": int(session_present)}, int(rc))

    def _on_connect_failed(self, client, error):
        self._call("on_connect_fail")

    def _on_disconnected(self, client, *args):
        self._socket_closed()
        if self._protocol == MQTTv5:
            reason, props, error = args
            code = ReasonCode(PacketTypes.DISCONNECT, identifier=int(reason))
            if error is not None and int(reason) == 0:
                code = ReasonCode(PacketTypes.DISCONNECT, identifier=0x80)
            properties = Properties._from_mqtt(PacketTypes.DISCONNECT, props)
            if self._v2:
                self._call("on_disconnect", DisconnectFlags(props is not None), code, properties)
            else:
                self._call("on_disconnect", code, properties)
            return
        rc, error = args
        errno = rc if rc else (_errno_of(error) if error is not None else MQTT_ERR_SUCCESS)
        if errno in MQTTErrorCode._value2member_map_:
            errno = MQTTErrorCode(errno)
        if self._v2:
            self._call("on_disconnect", DisconnectFlags(False),
                       ReasonCode(PacketTypes.DISCONNECT,
                                  identifier=0 if errno == MQTT_ERR_SUCCESS else 0x80),
                       Properties(PacketTypes.DISCONNECT))
        else:
            self._call("on_disconnect", errno)

    def _on_message(self, client, message):
        # Only for messages no message_callback_add() filter took.
        if self.on_message is not None:
            self._call("on_message", MQTTMessage._of(message, self._protocol))

    def _on_published(self, client, mid, *args):
        self._publications.complete(mid)
        if self._v2:
            if args:
                reason = ReasonCode(PacketTypes.PUBACK, identifier=int(args[0]))
                properties = Properties._from_mqtt(PacketTypes.PUBACK, args[1])
            else:
                reason = ReasonCode(PacketTypes.PUBACK, identifier=0)
                properties = Properties(PacketTypes.PUBACK)
            self._call("on_publish", mid, reason, properties)
        else:
            self._call("on_publish", mid)

    def _on_subscribed(self, client, mid, granted, props=None):
        codes = [int(q) for q in granted]
        if self._protocol == MQTTv5 or self._v2:
            reasons = [ReasonCode(PacketTypes.SUBACK, identifier=code) for code in codes]
            properties = Properties._from_mqtt(PacketTypes.SUBACK, props)
            self._call("on_subscribe", mid, reasons, properties)
        else:
            self._call("on_subscribe", mid, tuple(codes))

    def _on_unsubscribed(self, client, mid, codes=None, props=None):
        reasons = [ReasonCode(PacketTypes.UNSUBACK, identifier=int(code))
                   for code in (codes or [])]
        properties = Properties._from_mqtt(PacketTypes.UNSUBACK, props)
        if self._v2:
            self._call("on_unsubscribe", mid, reasons, properties)
        elif self._protocol == MQTTv5:
            self._call("on_unsubscribe", mid, properties,
                       reasons[0] if len(reasons) == 1 else reasons)
        else:
            self._call("on_unsubscribe", mid)

    def _on_log_signal(self, client, level, text):
        self._easy_log(LogLevel(int(level)), "%s", text)

    def _easy_log(self, level, fmt, *args):
        if self._on_log is not None:
            try:
                self._on_log(self, self._userdata, level, fmt % args)
            except Exception:
                if not self._suppress_exceptions:
                    raise
        if self._logger is not None:
            self._logger.log(LOGGING_LEVEL.get(level, logging.DEBUG), fmt, *args)

    # -------------------------------------------------------------------
    # Options

    @property
    def callback_api_version(self):
        return self._callback_api_version

    @property
    def protocol(self):
        return self._protocol

    @property
    def transport(self):
        return self._transport

    @property
    def client_id(self):
        return self._client.get_client_id()

    @property
    def host(self):
        return self._client.get_property("host") or ""

    @property
    def port(self):
        return self._client.get_property("port")

    @property
    def keepalive(self):
        return self._client.get_property("keepalive")

    @property
    def username(self):
        return self._client.get_username()

    @property
    def password(self):
        return self._client.get_property("password")

    @property
    def max_inflight_messages(self):
        return self._client.get_max_inflight_messages()

    @max_inflight_messages.setter
    def max_inflight_messages(self, value):
        self.max_inflight_messages_set(value)

    @property
    def max_queued_messages(self):
        return self._client.get_max_queued_messages()

    @max_queued_messages.setter
    def max_queued_messages(self, value):
        self.max_queued_messages_set(value)

    @property
    def suppress_exceptions(self):
        return self._suppress_exceptions

    @suppress_exceptions.setter
    def suppress_exceptions(self, value):
        self._suppress_exceptions = bool(value)

    def reinitialise(self, client_id="", clean_session=True, userdata=None):
        self._client.reinitialise(client_id or None, clean_session)
        self._userdata = userdata

    def max_inflight_messages_set(self, inflight):
        if inflight < 0:
            raise ValueError("Invalid inflight.")
        self._client.set_max_inflight_messages(inflight)

    def max_queued_messages_set(self, queue_size):
        if queue_size < 0:
            raise ValueError("Invalid queue size.")
        if not isinstance(queue_size, int):
            raise ValueError("Invalid type of queue size.")
        self._client.set_max_queued_messages(queue_size)
        return self

    def message_retry_set(self, retry):
        if retry < 0:
            raise ValueError("Invalid retry.")
        self._client.set_message_retry(int(retry))

    def reconnect_delay_set(self, min_delay=1, max_delay=120):
        if min_delay > max_delay:
            raise ValueError("min_delay must be less than or equal to max_delay")
        self._client.set_reconnect_delay(int(min_delay), int(max_delay))

    def user_data_set(self, userdata):
        self._userdata = userdata

    def user_data_get(self):
        return self._userdata

    @property
    def user_data(self):
        return self._userdata

    @user_data.setter
    def user_data(self, value):
        self._userdata = value

    def username_pw_set(self, username, password=None):
        if isinstance(password, bytes):
            password = password.decode("utf-8")
        self._client.set_credentials(username, password)

    def will_set(self, topic, payload=None, qos=0, retain=False, properties=None):
        if topic is None or not topic:
            raise ValueError("Invalid topic.")
        if qos not in (0, 1, 2):
            raise ValueError("Invalid QoS level.")
        try:
            self._client.set_will(topic, _payload_bytes(payload), qos, retain)
            if properties is not None:
                self._client.set_will_properties(properties._to_mqtt())
        except GLib.Error as error:
            raise ValueError(error.message) from None

    def will_clear(self):
        self._client.clear_will()

    def tls_set(self, ca_certs=None, certfile=None, keyfile=None, cert_reqs=None,
                tls_version=None, ciphers=None, keyfile_password=None, alpn_protocols=None):
        import ssl
        if keyfile_password is not None:
            raise ValueError("keyfile_password is not supported by mqtt_glib (GIO loads "
                             "unencrypted keys)")
        reqs = {None: Mqtt.TlsCertReqs.REQUIRED, ssl.CERT_REQUIRED: Mqtt.TlsCertReqs.REQUIRED,
                ssl.CERT_OPTIONAL: Mqtt.TlsCertReqs.OPTIONAL,
                ssl.CERT_NONE: Mqtt.TlsCertReqs.NONE}
        if cert_reqs not in reqs:
            raise ValueError("Invalid cert_reqs")
        if tls_version not in (None, getattr(ssl, "PROTOCOL_TLS_CLIENT", None),
                               getattr(ssl, "PROTOCOL_TLS", None)):
            # GIO chooses the TLS version; it cannot be pinned.
            raise ValueError("tls_version cannot be chosen with mqtt_glib: GIO negotiates "
                             "TLS 1.2 or 1.3")
        if ciphers is not None:
            raise ValueError("ciphers cannot be chosen with mqtt_glib: GIO's TLS backend "
                             "decides")
        try:
            self._client.tls_set(ca_certs, certfile, keyfile, reqs[cert_reqs],
                                 Mqtt.TlsVersion.DEFAULT, None)
        except GLib.Error as error:
            raise ValueError(error.message) from None
        if alpn_protocols:
            self._client.tls_set_alpn_protocols(alpn_protocols)

    def tls_set_context(self, context=None):
        raise ValueError("an ssl.SSLContext cannot drive GIO's TLS: use tls_set()")

    def proxy_set(self, **proxy_args):
        """Paho's proxy_set(proxy_type=, proxy_addr=, proxy_port=, proxy_username=,
        proxy_password=): SOCKS4 (as 4a), SOCKS5 or HTTP."""
        if "proxy_type" not in proxy_args or "proxy_addr" not in proxy_args:
            raise ValueError("proxy_type and/or proxy_addr are invalid")
        scheme = {1: "socks4a", 2: "socks5", 3: "http"}.get(proxy_args["proxy_type"])
        if scheme is None:
            raise ValueError("proxy_type and/or proxy_addr are invalid")
        user = proxy_args.get("proxy_username")
        credentials = ""
        if user:
            password = proxy_args.get("proxy_password")
            credentials = GLib.Uri.escape_string(user, None, False)
            if password:
                credentials += ":" + GLib.Uri.escape_string(password, None, False)
            credentials += "@"
        port = proxy_args.get("proxy_port", 8080 if scheme == "http" else 1080)
        try:
            self._client.proxy_set("%s://%s%s:%d" % (scheme, credentials,
                                                     proxy_args["proxy_addr"], port))
        except GLib.Error as error:
            raise ValueError(error.message) from None

    def tls_insecure_set(self, value):
        self._client.tls_insecure_set(value)

    def ws_set_options(self, path="/mqtt", headers=None):
        if callable(headers):
            raise ValueError("a headers callable is not supported by mqtt_glib; give a dict")
        self._client.ws_set_options(path, headers)

    def enable_logger(self, logger=None):
        if logger is None:
            if self._logger is not None:
                return
            logger = logging.getLogger(__name__)
        self._logger = logger
        self._update_log()

    def disable_logger(self):
        self._logger = None
        self._update_log()

    def enable_bridge_mode(self):
        raise ValueError("bridge mode is not supported by mqtt_glib")

    def is_connected(self):
        return self._client.is_connected()

    # -------------------------------------------------------------------
    # Connection

    def _prepare(self, host, port, keepalive, bind_address, bind_port, clean_start,
                 properties):
        if not host:
            raise ValueError("Invalid host.")
        if port <= 0:
            raise ValueError("Invalid port number.")
        if keepalive < 0:
            raise ValueError("Keepalive must be >=0.")
        if bind_port:
            raise ValueError("bind_port is not supported by mqtt_glib")
        if self._protocol != MQTTv5 and (clean_start != MQTT_CLEAN_START_FIRST_ONLY
                                         or properties is not None):
            raise ValueError("Clean start and properties are only used for MQTT 5.0")
        if clean_start not in (True, False, MQTT_CLEAN_START_FIRST_ONLY):
            raise ValueError("Clean start must be True, False or MQTT_CLEAN_START_FIRST_ONLY")
        if self._protocol == MQTTv5:
            # FIRST_ONLY: clean now, not after the first connection (_on_connected).
            self._clean_start = clean_start
            self._client.set_clean_session(clean_start is not False)
        self._client.set_bind_address(bind_address or None)
        if properties is not None:
            self._client.set_connect_properties(properties._to_mqtt())

    def connect(self, host, port=1883, keepalive=60, bind_address="", bind_port=0,
                clean_start=MQTT_CLEAN_START_FIRST_ONLY, properties=None):
        """Connects, and waits for the broker's answer; a refusal is
        reported to on_connect, an unreachable broker raises OSError."""
        self._prepare(host, port, keepalive, bind_address, bind_port, clean_start, properties)
        return self._connect(self._client.connect_to_broker, host, port, keepalive, None)

    def connect_async(self, host, port=1883, keepalive=60, bind_address="", bind_port=0,
                      clean_start=MQTT_CLEAN_START_FIRST_ONLY, properties=None):
        """Connects from the loop (loop_start(), loop_forever()), without
        blocking."""
        self._prepare(host, port, keepalive, bind_address, bind_port, clean_start, properties)
        self._client.connect_to_broker_async(host, port, keepalive, None, None, None)
        return MQTT_ERR_SUCCESS

    def connect_srv(self, domain=None, keepalive=60, bind_address="", bind_port=0,
                    clean_start=MQTT_CLEAN_START_FIRST_ONLY, properties=None):
        if domain is None:
            raise ValueError("No domain specified.")
        self._prepare(domain, 1, keepalive, bind_address, bind_port, clean_start, properties)
        return self._connect(self._client.connect_srv, domain, keepalive, None)

    def reconnect(self):
        return self._connect(self._client.reconnect, None)

    def _connect(self, call, *args):
        """A blocking connection as Paho's connect(): MQTT_ERR_SUCCESS, also
        for a refusal (on_connect has it); an unreachable broker raises."""
        error = self._run(call, *args)
        if error is not None and not _is_refusal(error):
            _raise_os_error(error)
        self._socket_opened()
        return MQTT_ERR_SUCCESS

    def disconnect(self, reasoncode=None, properties=None):
        try:
            if self._protocol == MQTTv5 and (reasoncode is not None or properties is not None):
                code = int(reasoncode) if reasoncode is not None else 0
                self._client.disconnect_with_reason(
                    code, properties._to_mqtt() if properties is not None else None)
            else:
                self._client.disconnect_from_broker()
        except GLib.Error as error:
            return _errno_of(error)
        return MQTT_ERR_SUCCESS

    # -------------------------------------------------------------------
    # Messages

    def publish(self, topic, payload=None, qos=0, retain=False, properties=None):
        if topic is None or len(topic) == 0:
            raise ValueError("Invalid topic.")
        if qos < 0 or qos > 2:
            raise ValueError("Invalid QoS level.")
        if properties is not None and self._protocol != MQTTv5:
            properties = None
        info = self._client.publish(topic, payload, qos, retain,
                                    properties._to_mqtt() if properties is not None else None)
        if self.on_socket_register_write is not None:
            self._check_write()
        return info

    def subscribe(self, topic, qos=0, options=None, properties=None):
        if isinstance(topic, tuple) and len(topic) == 2 and isinstance(topic[1],
                                                                        SubscribeOptions):
            topic, options = topic[0], topic[1]
            qos = options.QoS
        if isinstance(topic, list) and any(isinstance(t, tuple) and
                                           isinstance(t[1], SubscribeOptions) for t in topic):
            flags = {o._flags() for _, o in topic}
            if len(flags) > 1:
                raise ValueError("mqtt_glib subscribes to several filters with one set of "
                                 "options")
            topic, qos, flags = [(t, o.QoS) for t, o in topic], 0, flags.pop()
        else:
            flags = options._flags() if options is not None else None
            if options is not None:
                qos = options.QoS
        result = self._client.subscribe(topic, qos, flags,
                                        properties._to_mqtt() if properties else None)
        self._check_write()
        return result

    def unsubscribe(self, topic, properties=None):
        if topic is None:
            raise ValueError("Invalid topic.")
        result = self._client.unsubscribe(topic, properties._to_mqtt() if properties else None)
        self._check_write()
        return result

    def message_callback_add(self, sub, callback):
        if callback is None or sub is None:
            raise ValueError("sub and callback must both be defined.")

        def on_filter_message(client, message, data=None):
            try:
                callback(self, self._userdata, MQTTMessage._of(message, self._protocol))
            except Exception as err:
                self._callback_failed("message callback", err)

        self._client.message_callback_remove(sub)
        self._client.message_callback_add(sub, on_filter_message)

    def message_callback_remove(self, sub):
        if sub is None:
            raise ValueError("sub must defined.")
        self._client.message_callback_remove(sub)

    def topic_callback(self, sub):
        def decorator(func):
            self.message_callback_add(sub, func)
            return func
        return decorator

    # -------------------------------------------------------------------
    # Loops

    def loop(self, timeout=1.0):
        return _errno_of(self._run(self._client.loop, timeout))

    def loop_forever(self, timeout=1.0, retry_first_connection=False):
        self._forever = True
        try:
            error = self._run(self._client.loop_forever, retry_first_connection)
        finally:
            self._forever = False
        if (error is not None and error.domain == "g-io-error-quark"
                and not retry_first_connection):
            return MQTT_ERR_CONN_REFUSED
        return _errno_of(error)

    def loop_start(self):
        if self._looping:
            return MQTT_ERR_INVAL
        try:
            self._client.loop_start()
        except GLib.Error as error:
            return _errno_of(error)
        self._looping = True
        return MQTT_ERR_SUCCESS

    def loop_stop(self):
        if not self._looping:
            return MQTT_ERR_INVAL
        self._client.loop_stop()
        self._looping = False
        return MQTT_ERR_SUCCESS

    def loop_read(self, max_packets=1):
        return self._loop_step(self._client.loop_read)

    def loop_write(self):
        return self._loop_step(self._client.loop_write)

    def loop_misc(self):
        return self._loop_step(self._client.loop_misc)

    def _loop_step(self, step):
        rc = _errno_of(self._run(step))
        self._check_write()
        return rc

    def socket(self):
        """The connection's socket (see _Socket), or None."""
        sock = self._client.get_socket()
        if sock is None:
            return None
        if self._socket_reported is not None and self._socket_reported._sock == sock:
            return self._socket_reported
        return _Socket(sock)

    def want_write(self):
        return self._client.want_write()


class _Socket:
    """What socket() returns: the connection's socket for select() or an
    event loop (fileno()), with the socket methods that only ask or tune
    (getsockopt, setsockopt, getpeername, getsockname). Closing and I/O
    stay with the client."""

    _DELEGATED = ("getsockopt", "setsockopt", "getpeername", "getsockname")

    def __init__(self, sock):
        self._sock = sock

    def fileno(self):
        return self._sock.get_fd()

    def __getattr__(self, name):
        if name not in _Socket._DELEGATED:
            raise AttributeError(name)

        def call(*args):
            # A duplicate descriptor of the same socket, closed at once.
            with socket.socket(fileno=os.dup(self.fileno())) as sock:
                return getattr(sock, name)(*args)
        return call


__all__ = ["Client", "MQTTMessage", "MQTTMessageInfo", "CallbackAPIVersion", "MQTTErrorCode",
           "topic_matches_sub", "error_string", "connack_string", "MQTTv31", "MQTTv311",
           "MQTTv5", "ConnectFlags", "DisconnectFlags", "WebsocketConnectionError"]
