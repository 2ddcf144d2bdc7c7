# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
"""Paho MQTT's Python API on mqtt-glib.

A program written for paho-mqtt runs with ``paho.mqtt`` replaced by
``mqtt_glib`` in its imports: ``import mqtt_glib.client as mqtt``,
``import mqtt_glib.publish as publish``, ``from mqtt_glib.properties import
Properties``... The modules are those of paho-mqtt 2.1, on the GObject
binding (``gi.repository.Mqtt``) and its overrides.
"""
import gi

gi.require_version("Mqtt", "1.0")

__version__ = "2.1.0"


class MQTTException(Exception):
    pass
