# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
"""paho.mqtt.packettypes."""


class PacketTypes:
    indexes = range(1, 16)
    CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, \
        UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = indexes
    WILLMESSAGE = 99
    Names = ("reserved", "Connect", "Connack", "Publish", "Puback", "Pubrec", "Pubrel",
             "Pubcomp", "Subscribe", "Suback", "Unsubscribe", "Unsuback", "Pingreq",
             "Pingresp", "Disconnect", "Auth")
