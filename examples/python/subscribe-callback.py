#!/usr/bin/python3
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# subscribe-callback.py: Paho's subscribe.callback(), calls a function for
# each message until the callback disconnects (after COUNT messages, if
# given) or Ctrl-C.
#
#   subscribe-callback.py [HOST [PORT [TOPIC [COUNT]]]]
import signal
import sys
import threading

import gi

gi.require_version("Mqtt", "1.0")
from gi.repository import Gio, GLib, Mqtt  # noqa: E402

host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
port = int(sys.argv[2]) if len(sys.argv) > 2 else 1883
topic = sys.argv[3] if len(sys.argv) > 3 else "paho/test/callback"
remaining = int(sys.argv[4]) if len(sys.argv) > 4 else 0


def on_message_print(client, message, userdata):
    global remaining
    # Messages that arrived with the last one wanted are not printed: the
    # disconnection is on its way.
    if remaining < 0:
        return
    print(message.get_topic(), message.get_payload().get_data().decode(errors="replace"),
          flush=True)
    if remaining > 0:
        remaining -= 1
        if remaining == 0:
            remaining = -1
            client.disconnect_from_broker()


# The helper blocks in C, where Python's own SIGINT handler cannot run:
# Ctrl-C is watched by GLib in a thread iterating the default main context
# (the helper runs a private one) and cancels the subscription.
cancellable = Gio.Cancellable()
watcher = GLib.MainLoop()


def interrupted():
    cancellable.cancel()
    return GLib.SOURCE_REMOVE


GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, interrupted)
threading.Thread(target=watcher.run, daemon=True).start()
try:
    Mqtt.subscribe_callback(on_message_print, None, [topic], Mqtt.Qos.AT_MOST_ONCE,
                            Mqtt.Settings(host=host, port=port), cancellable)
except GLib.Error as e:
    sys.exit(f"{sys.argv[0]}: {e.message}")
finally:
    watcher.quit()
