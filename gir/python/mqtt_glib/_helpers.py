# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
"""What publish and subscribe share: Paho's keyword arguments as an
Mqtt.Settings."""
from gi.repository import GLib, Mqtt
from gi.overrides.Mqtt import _payload_bytes

from .client import MQTTv5, _PROTOCOLS


def settings(hostname, port, client_id, keepalive, will, auth, tls, protocol, transport,
             clean_session=True, proxy_args=None):
    """An Mqtt.Settings from publish.single()'s and subscribe.simple()'s
    arguments; ValueError for what mqtt-glib cannot do, as Paho raises."""
    if protocol not in _PROTOCOLS:
        raise ValueError("Unsupported protocol %r" % (protocol,))
    if transport not in ("tcp", "websockets"):
        raise ValueError('transport must be "websockets" or "tcp", not %s' % transport)
    result = Mqtt.Settings(host=hostname, port=port, keepalive=keepalive,
                           protocol_version=_PROTOCOLS[protocol],
                           clean_session=clean_session if protocol != MQTTv5 else True)
    if client_id:
        result.props.client_id = client_id
    if transport == "websockets":
        result.props.transport = Mqtt.TransportType.WEBSOCKETS
    if will is not None:
        if "topic" not in will:
            raise KeyError("will must contain a topic")
        result.set_will(will["topic"], GLib.Bytes.new(_payload_bytes(will.get("payload"))),
                        will.get("qos", 0), will.get("retain", False))
    if auth is not None:
        if "username" not in auth:
            raise KeyError("The 'username' key was not found, this is required for auth")
        result.set_auth(auth["username"], auth.get("password"))
    if tls is not None:
        if not isinstance(tls, dict):
            raise ValueError("tls must be a dict: mqtt_glib takes no SSLContext")
        if tls.get("tls_version") is not None or tls.get("ciphers") is not None:
            raise ValueError("tls_version and ciphers cannot be chosen with mqtt_glib: GIO "
                             "negotiates them")
        result.set_tls(tls.get("ca_certs"), tls.get("certfile"), tls.get("keyfile"))
        if tls.get("insecure"):
            result.props.tls_insecure = True
    if proxy_args is not None:
        if not isinstance(proxy_args, dict) or "proxy_addr" not in proxy_args:
            raise ValueError("proxy_args needs proxy_addr")
        scheme = {1: "socks4a", 2: "socks5", 3: "http"}.get(proxy_args.get("proxy_type", 2))
        result.props.proxy = "%s://%s:%d" % (scheme, proxy_args["proxy_addr"],
                                             proxy_args.get("proxy_port", 1080))
    return result
