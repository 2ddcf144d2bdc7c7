# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
"""paho.mqtt.reasoncodes: MQTT 5 reason codes, named as the specification
names them (the names mqtt-glib's mqtt_reason_string() gives)."""
import functools

from gi.repository import Mqtt

from .packettypes import PacketTypes

# Codes whose name depends on the packet.
_BY_PACKET = {
    (0, PacketTypes.DISCONNECT): "Normal disconnection",
    (0, PacketTypes.SUBACK): "Granted QoS 0",
    (1, PacketTypes.SUBACK): "Granted QoS 1",
    (2, PacketTypes.SUBACK): "Granted QoS 2",
}


def _name(value, packet_type):
    return _BY_PACKET.get((value, packet_type)) or Mqtt.reason_string(value)


@functools.total_ordering
class ReasonCode:
    """A reason code of a packet: compares equal to its number and to its
    name."""

    def __init__(self, packetType, aName="Success", identifier=-1):
        self.packetType = packetType
        if identifier == -1:
            if packetType == PacketTypes.DISCONNECT and aName == "Success":
                aName = "Normal disconnection"
            self.set(aName)
        else:
            self.value = identifier
            self.getName()

    def getId(self, name):
        for value in range(256):
            if _name(value, self.packetType) == name:
                return value
        raise KeyError("Reason code name not found: %s" % name)

    def set(self, name):
        self.value = self.getId(name)

    def getName(self):
        return _name(self.value, self.packetType)

    @property
    def is_failure(self):
        return self.value >= 0x80

    def __eq__(self, other):
        if isinstance(other, int):
            return self.value == other
        if isinstance(other, str):
            return other == str(self)
        if isinstance(other, ReasonCode):
            return self.value == other.value
        return False

    def __lt__(self, other):
        if isinstance(other, int):
            return self.value < other
        if isinstance(other, ReasonCode):
            return self.value < other.value
        return NotImplemented

    def __hash__(self):
        return hash(self.value)

    def __int__(self):
        return self.value

    def __str__(self):
        return self.getName()

    def __repr__(self):
        return "ReasonCode(%s, %r)" % (PacketTypes.Names[self.packetType], self.getName())

    def json(self):
        return self.getName()


# paho-mqtt 1.x name.
ReasonCodes = ReasonCode

_CONNACK_TO_REASON = {0: 0x00, 1: 0x84, 2: 0x85, 3: 0x88, 4: 0x86, 5: 0x87}


def _from_connack(rc):
    """The MQTT 5 reason code for a 3.1.1 CONNACK return code, as Paho 2."""
    return ReasonCode(PacketTypes.CONNACK, identifier=_CONNACK_TO_REASON.get(rc, 0x80))
