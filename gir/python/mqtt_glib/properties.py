# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
"""paho.mqtt.properties: MQTT 5 properties by Paho's names, carried by
Mqtt.Properties underneath."""
import re

from gi.repository import GLib, Mqtt

from .packettypes import PacketTypes


class MQTTException(Exception):
    pass


_NAMES = ("PayloadFormatIndicator", "MessageExpiryInterval", "ContentType", "ResponseTopic",
          "CorrelationData", "SubscriptionIdentifier", "SessionExpiryInterval",
          "AssignedClientIdentifier", "ServerKeepAlive", "AuthenticationMethod",
          "AuthenticationData", "RequestProblemInformation", "WillDelayInterval",
          "RequestResponseInformation", "ResponseInformation", "ServerReference",
          "ReasonString", "ReceiveMaximum", "TopicAliasMaximum", "TopicAlias", "MaximumQoS",
          "RetainAvailable", "UserProperty", "MaximumPacketSize",
          "WildcardSubscriptionAvailable", "SubscriptionIdentifierAvailable",
          "SharedSubscriptionAvailable")
_BINARY = ("CorrelationData", "AuthenticationData")


def _snake(name):
    """MessageExpiryInterval -> message_expiry_interval (MaximumQoS -> maximum_qos)."""
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", name.replace("QoS", "Qos")).lower()


class Properties:
    """The properties of one packet: attributes named as Paho names them
    (``props.MessageExpiryInterval = 30``, ``props.UserProperty = ("k",
    "v")`` adds a pair)."""

    def __init__(self, packetType):
        self.packetType = packetType
        self.names = {name: i for i, name in enumerate(_NAMES)}

    def __setattr__(self, name, value):
        if name in ("packetType", "names"):
            object.__setattr__(self, name, value)
            return
        if name not in _NAMES:
            raise MQTTException("Property name must be one of %s" % (_NAMES,))
        if name == "UserProperty":
            pairs = list(self.__dict__.get("UserProperty", []))
            pairs += value if isinstance(value, list) else [value]
            value = pairs
        elif name == "SubscriptionIdentifier" and self.packetType == PacketTypes.PUBLISH:
            value = value if isinstance(value, list) else [value]
        object.__setattr__(self, name, value)

    def getIdentFromName(self, compressedName):
        return self.names[compressedName]

    def isEmpty(self):
        return not any(name in self.__dict__ for name in _NAMES)

    def clear(self):
        for name in _NAMES:
            self.__dict__.pop(name, None)

    def json(self):
        data = {}
        for name in _NAMES:
            if name in self.__dict__:
                value = self.__dict__[name]
                data[name] = value.hex() if isinstance(value, (bytes, bytearray)) else value
        return data

    def __str__(self):
        return "[" + ", ".join("%s : %r" % (k, v) for k, v in self.json().items()) + "]"

    __repr__ = __str__

    def _to_mqtt(self):
        """As an Mqtt.Properties."""
        props = Mqtt.Properties.new()
        for name in _NAMES:
            if name not in self.__dict__:
                continue
            value = self.__dict__[name]
            if name == "UserProperty":
                for key, text in value:
                    props.add_user_property(key, text)
            elif name == "SubscriptionIdentifier":
                for identifier in value if isinstance(value, list) else [value]:
                    props.add_subscription_identifier(identifier)
            elif name in _BINARY:
                data = value.encode() if isinstance(value, str) else bytes(value)
                getattr(props, "set_" + _snake(name))(GLib.Bytes.new(data))
            else:
                getattr(props, "set_" + _snake(name))(value)
        return props

    @classmethod
    def _from_mqtt(cls, packet_type, props):
        """Paho's view of an Mqtt.Properties (None: none)."""
        result = cls(packet_type)
        if props is None:
            return result
        for name in _NAMES:
            if name == "UserProperty":
                pairs = []
                for i in range(props.get_n_user_properties()):
                    ok, key, text = props.get_user_property(i)
                    pairs.append((key, text))
                if pairs:
                    result.UserProperty = pairs
                continue
            if name == "SubscriptionIdentifier":
                identifiers = list(props.get_subscription_identifiers() or [])
                if identifiers:
                    object.__setattr__(result, name, identifiers)
                continue
            value = getattr(props, "get_" + _snake(name))()
            if isinstance(value, tuple):
                present, value = value
                if not present:
                    continue
            if value is None:
                continue
            if isinstance(value, GLib.Bytes):
                value = value.get_data()
            object.__setattr__(result, name, value)
        return result
