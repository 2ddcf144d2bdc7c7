# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
"""paho.mqtt.publish: single() and multiple()."""
from gi.repository import GLib, Mqtt

from . import _helpers
from .client import MQTTv311


def multiple(msgs, hostname="localhost", port=1883, client_id="", keepalive=60, will=None,
             auth=None, tls=None, protocol=MQTTv311, transport="tcp", proxy_args=None):
    """Publishes several messages (dicts, tuples or MQTTMessage) in one
    connection, then disconnects."""
    if not isinstance(msgs, (list, tuple)):
        raise TypeError("msgs must be a list")
    settings = _helpers.settings(hostname, port, client_id, keepalive, will, auth, tls, protocol,
                                 transport, proxy_args=proxy_args)
    try:
        Mqtt.publish_multiple(msgs, settings=settings)
    except GLib.Error as error:
        raise OSError(error.message) from None


def single(topic, payload=None, qos=0, retain=False, hostname="localhost", port=1883,
           client_id="", keepalive=60, will=None, auth=None, tls=None, protocol=MQTTv311,
           transport="tcp", proxy_args=None):
    """Publishes one message, then disconnects."""
    multiple([{"topic": topic, "payload": payload, "qos": qos, "retain": retain}], hostname,
             port, client_id, keepalive, will, auth, tls, protocol, transport, proxy_args)
