# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
"""paho.mqtt.subscribe: simple() and callback()."""
from gi.repository import GLib, Mqtt

from . import _helpers
from .client import MQTTMessage, MQTTv311


class _CallbackClient:
    """The client a subscribe.callback() callback gets: disconnect() ends
    the subscription, as in Paho."""

    def __init__(self, client):
        self._client = client

    def disconnect(self, *args):
        self._client.disconnect_from_broker()

    def __getattr__(self, name):
        return getattr(self._client, name)


def callback(callback, topics, qos=0, userdata=None, hostname="localhost", port=1883,
             client_id="", keepalive=60, will=None, auth=None, tls=None, protocol=MQTTv311,
             transport="tcp", clean_session=True, proxy_args=None):
    """Calls callback(client, userdata, message) for every message on
    @topics until the callback calls client.disconnect()."""
    if qos < 0 or qos > 2:
        raise ValueError("qos must be in the range 0-2")
    settings = _helpers.settings(hostname, port, client_id, keepalive, will, auth, tls, protocol,
                                 transport, clean_session, proxy_args)

    def on_message(client, message, data):
        callback(_CallbackClient(client), userdata, MQTTMessage._of(message, protocol))

    try:
        Mqtt.subscribe_callback(on_message, None, topics, qos, settings=settings)
    except GLib.Error as error:
        raise OSError(error.message) from None


def simple(topics, qos=0, msg_count=1, retained=True, hostname="localhost", port=1883,
           client_id="", keepalive=60, will=None, auth=None, tls=None, protocol=MQTTv311,
           transport="tcp", clean_session=True, proxy_args=None):
    """Waits for @msg_count messages on @topics: one message for 1, else a
    list."""
    if msg_count < 1:
        raise ValueError("msg_count must be > 0")
    if qos < 0 or qos > 2:
        raise ValueError("qos must be in the range 0-2")
    settings = _helpers.settings(hostname, port, client_id, keepalive, will, auth, tls, protocol,
                                 transport, clean_session, proxy_args)
    try:
        messages = Mqtt.subscribe_simple(topics, qos, msg_count, retained, settings=settings)
    except GLib.Error as error:
        raise OSError(error.message) from None
    if msg_count == 1:
        return MQTTMessage._of(messages, protocol)
    return [MQTTMessage._of(m, protocol) for m in messages]
