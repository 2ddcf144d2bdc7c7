# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
"""paho.mqtt.subscribeoptions: MQTT 5 subscription options."""
from gi.repository import Mqtt


class MQTTException(Exception):
    pass


class SubscribeOptions:
    RETAIN_SEND_ON_SUBSCRIBE, RETAIN_SEND_IF_NEW_SUB, RETAIN_DO_NOT_SEND = range(0, 3)

    def __init__(self, qos=0, noLocal=False, retainAsPublished=False,
                 retainHandling=RETAIN_SEND_ON_SUBSCRIBE):
        if qos not in (0, 1, 2):
            raise MQTTException("QoS should be 0, 1 or 2, not %r" % (qos,))
        if retainHandling not in (0, 1, 2):
            raise MQTTException("Retain handling should be 0, 1 or 2")
        self.QoS = qos
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.retainHandling = retainHandling

    def _flags(self):
        flags = Mqtt.SubscribeFlags.NONE
        if self.noLocal:
            flags |= Mqtt.SubscribeFlags.NO_LOCAL
        if self.retainAsPublished:
            flags |= Mqtt.SubscribeFlags.RETAIN_AS_PUBLISHED
        if self.retainHandling == self.RETAIN_SEND_IF_NEW_SUB:
            flags |= Mqtt.SubscribeFlags.RETAINED_IF_NEW
        elif self.retainHandling == self.RETAIN_DO_NOT_SEND:
            flags |= Mqtt.SubscribeFlags.NO_RETAINED
        return flags

    def __repr__(self):
        return ("{'QoS': %d, 'noLocal': %s, 'retainAsPublished': %s, 'retainHandling': %d}"
                % (self.QoS, self.noLocal, self.retainAsPublished, self.retainHandling))
