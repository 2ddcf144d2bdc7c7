#!/usr/bin/python3
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# bench-mqtt-glib-paho.py: the benchmark program of the peer harness
# contract (shared/bench/README.md) written as a Paho Python user writes it,
# on mqtt_glib.client (import mqtt_glib.client as mqtt): client.loop() on
# the calling thread, Paho's default in-flight window of 20.
#
#   bench-mqtt-glib-paho.py --host H --port P --workload pub0|pub1|pub2|sub0|sub1|rtt
#                           --count N --size BYTES
#
# Prints one JSON line (after "ready" for the sub workloads); exits 1 on an
# error, after 10 s without progress.
import argparse
import json
import math
import sys
import time

import mqtt_glib.client as mqtt

STALL_SECONDS = 10.0

parser = argparse.ArgumentParser()
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=1883)
parser.add_argument("--workload", default="pub0",
                    choices=["pub0", "pub1", "pub2", "sub0", "sub1", "rtt"])
parser.add_argument("--count", type=int, default=100000)
parser.add_argument("--size", type=int, default=64)
args = parser.parse_args()
kind = args.workload[:3]
qos = 0 if kind == "rtt" else int(args.workload[3])
payload = b"x" * args.size


class Run:
    ready = kind == "pub"
    published = 0
    received = 0
    barrier = None
    finished = False
    start = end = 0.0
    last_progress = -1
    last_change = 0.0


run = Run()


def fail(text):
    print("mqtt-glib-paho: " + text, file=sys.stderr)
    sys.exit(1)


def on_connect(client, userdata, flags, rc):
    if rc != 0:
        fail("refused: %s" % mqtt.connack_string(rc))
    if kind != "pub":
        client.subscribe("bench/ping" if kind == "rtt" else "bench/t", qos)


def on_subscribe(client, userdata, mid, granted_qos):
    if granted_qos[0] > 2:
        fail("subscription refused")
    run.ready = True


def on_publish(client, userdata, mid):
    run.published += 1
    if qos == 0:
        # The barrier: the last publication, and the only acknowledged one.
        done = mid == run.barrier and run.published == args.count + 1
    else:
        done = run.published == args.count
    if done:
        run.end = time.monotonic()
        run.finished = True


def on_message(client, userdata, message):
    if len(message.payload) != args.size:
        fail("got %d bytes, expected %d" % (len(message.payload), args.size))
    run.received += 1
    if run.received == 1:
        run.start = time.monotonic()
    if kind == "sub" and run.received == args.count:
        run.end = time.monotonic()
        run.finished = True


def step(client, timeout):
    rc = client.loop(timeout)
    if rc != mqtt.MQTT_ERR_SUCCESS:
        fail("loop: " + mqtt.error_string(rc))
    progress, now = run.published + run.received, time.monotonic()
    if progress != run.last_progress:
        run.last_progress, run.last_change = progress, now
    elif now - run.last_change > STALL_SECONDS:
        fail("no acknowledgement or message for %.0f s" % STALL_SECONDS)


def report(seconds, rtts=None):
    result = {"client": "mqtt-glib-paho", "workload": args.workload, "count": args.count,
              "size": args.size, "seconds": seconds, "msgs_per_s": args.count / seconds}
    if rtts:
        rtts.sort()

        def rank(q):
            return rtts[max(0, math.ceil(q * len(rtts) - 1e-9) - 1)]

        result["p50_us"] = rank(0.50) * 1e6
        result["p99_us"] = rank(0.99) * 1e6
    print(json.dumps(result), flush=True)


client = mqtt.Client(protocol=mqtt.MQTTv311)
client.max_queued_messages_set(0)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_publish = on_publish
client.on_message = on_message
client.connect(args.host, args.port, 60)
while not run.ready:
    step(client, 0.1)

if kind == "rtt":
    rtts = []
    for i in range(args.count):
        sent = time.monotonic()
        client.publish("bench/ping", payload, 0)
        while run.received == i:
            step(client, 0.1)
        rtts.append(time.monotonic() - sent)
    report(sum(rtts), rtts)
else:
    if kind == "sub":
        print("ready", flush=True)
    else:
        run.start = time.monotonic()
        for i in range(args.count):
            info = client.publish("bench/t", payload, qos)
            if info.rc != mqtt.MQTT_ERR_SUCCESS:
                fail("publish: " + mqtt.error_string(info.rc))
            if i % 64 == 0:
                step(client, 0)
        if qos == 0:
            run.barrier = client.publish("bench/t", payload, 1).mid
    while not run.finished:
        step(client, 0.1)
    report(run.end - run.start)
client.disconnect()
client.loop(0.1)
