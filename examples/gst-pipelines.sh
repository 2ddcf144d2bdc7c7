#!/bin/sh
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# gst-pipelines.sh [HOST [PORT]]: the manual's mqttsrc and mqttsink
# pipelines, run against a broker (the plugin must be on GST_PLUGIN_PATH;
# VP8 and JPEG come from gst-plugins-good).
set -eu
host=${1:-localhost}
port=${2:-1883}

# The elements' pads accept anything: say what goes through. Raw video
# needs a format (upstream would otherwise pick its richest, 8 bytes a
# pixel); compressed video is what a broker should carry.

# 1. Raw video from one pipeline to another through the broker: I420 at
#    320x240 is 115 KB a frame. framing=gst carries the caps, timestamps,
#    flags and the end of the stream, so the receiver ends when the sender
#    does. (idle-timeout is in nanoseconds, as every GStreamer time: 10 s.)
gst-launch-1.0 -q mqttsrc uri="mqtt://$host:$port/camera/1?framing=gst" idle-timeout=10000000000 \
  ! videoconvert ! fakesink &
receiver=$!
sleep 1 # the receiver subscribes
gst-launch-1.0 -q videotestsrc num-buffers=60 \
  ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 \
  ! mqttsink uri="mqtt://$host:$port/camera/1?framing=gst&qos=1"
wait $receiver
echo "raw video: 60 frames through the broker"

# 2. VP8: a few KB a frame. A key frame every second lets a receiver that
#    joins later start within a second.
gst-launch-1.0 -q mqttsrc uri="mqtt://$host:$port/camera/2?framing=gst" idle-timeout=10000000000 \
  ! vp8dec ! videoconvert ! fakesink &
receiver=$!
sleep 1
gst-launch-1.0 -q videotestsrc num-buffers=60 \
  ! video/x-raw,width=640,height=480,framerate=30/1 \
  ! vp8enc deadline=1 keyframe-max-dist=30 \
  ! mqttsink uri="mqtt://$host:$port/camera/2?framing=gst&qos=1"
wait $receiver
echo "vp8: 60 frames through the broker"

# 3. framing=raw (the default) is a payload and nothing else: any MQTT
#    client reads it. A JPEG snapshot, retained, for dashboards and for an
#    mqttsrc that says what it receives.
snapshot=$(mktemp)
out=$(mktemp)
trap 'rm -f "$snapshot" "$out"' EXIT
gst-launch-1.0 -q videotestsrc num-buffers=1 ! video/x-raw,width=320,height=240 ! jpegenc \
  ! mqttsink uri="mqtt://$host:$port/camera/snapshot?retain=true&qos=1"
gst-launch-1.0 -q mqttsrc uri="mqtt://$host:$port/camera/snapshot" caps=image/jpeg \
  idle-timeout=1000000000 ! jpegdec ! videoconvert ! fakesink
echo "jpeg: a snapshot through the broker"

# 4. Text, retained, read back by mqttsrc.
printf 'hello from gst-launch' | gst-launch-1.0 -q fdsrc fd=0 \
  ! mqttsink uri="mqtt://$host:$port/gst/hello?retain=true&qos=1"
gst-launch-1.0 -q mqttsrc uri="mqtt://$host:$port/gst/hello" idle-timeout=1000000000 \
  ! filesink location="$out"
echo "raw: $(cat "$out")"
[ "$(cat "$out")" = 'hello from gst-launch' ]

# 5. Joining an encoded stream late. This sender makes a key frame every
#    20 s (600 frames); a receiver that joins 1.5 s in gets the caps at once
#    from the stream header (retained on the topic) and asks the sender for
#    a key frame on the control topic (gst-control/camera/late), which
#    mqttsink passes upstream to vp8enc: it decodes within a frame or two
#    instead of 18.5 s later. (request-key-units=false on mqttsrc and
#    key-unit-requests=false on mqttsink turn it off.)
decoded=$(mktemp)
trap 'rm -f "$snapshot" "$out" "$decoded"' EXIT
gst-launch-1.0 -q videotestsrc is-live=true num-buffers=105 \
  ! video/x-raw,width=320,height=240,framerate=30/1 \
  ! vp8enc deadline=1 keyframe-max-dist=600 \
  ! mqttsink uri="mqtt://$host:$port/camera/late?framing=gst" &
sender=$!
sleep 1.5
gst-launch-1.0 -q mqttsrc uri="mqtt://$host:$port/camera/late?framing=gst" \
  idle-timeout=10000000000 \
  ! vp8dec ! videoconvert ! video/x-raw,format=GRAY8 ! filesink location="$decoded"
wait $sender
[ -s "$decoded" ]
echo "late join: $(($(wc -c < "$decoded") / 76800)) frames decoded after joining 1.5 s in"

# 6. A whole topic tree forwarded in one pipeline: each buffer's topic comes
#    from the message it was (GstMqttMessageMeta) through topic-template:
#    sensors/kitchen/temp -> mirror/kitchen/temp ({2-}: levels 2 on).
gst-launch-1.0 -q mqttsrc uri="mqtt://$host:$port/sensors/%23?qos=1" idle-timeout=2000000000 \
  ! mqttsink uri="mqtt://$host:$port/mirror/unused?qos=1&retain=true" topic-template="mirror/{2-}" &
forwarder=$!
sleep 1
printf '21.5' | gst-launch-1.0 -q fdsrc fd=0 \
  ! mqttsink uri="mqtt://$host:$port/sensors/kitchen/temp?retain=true&qos=1"
gst-launch-1.0 -q mqttsrc uri="mqtt://$host:$port/mirror/kitchen/temp" idle-timeout=1000000000 \
  ! filesink location="$out"
wait $forwarder
echo "mirrored: $(cat "$out")"
[ "$(cat "$out")" = '21.5' ]

# 7. One clock for both pipelines: mqttsink serves its pipeline's clock
#    (net-clock, a GstNetTimeProvider), mqttsrc follows it with a
#    GstNetClientClock, and timestamp-mode=clock puts each buffer at the
#    sender's clock time. reference-timestamp-caps adds the publication
#    time to each buffer (a GstReferenceTimestampMeta), from which the
#    receiver can tell the latency end to end.
clock_port=$((port + 1000))
gst-launch-1.0 -q videotestsrc is-live=true num-buffers=60 \
  ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 \
  ! mqttsink uri="mqtt://$host:$port/camera/clocked?framing=gst" \
    net-clock="127.0.0.1:$clock_port" reference-timestamp-caps=timestamp/x-gst-clock &
sender=$!
sleep 1
gst-launch-1.0 -q mqttsrc uri="mqtt://$host:$port/camera/clocked?framing=gst" \
  net-clock="127.0.0.1:$clock_port" timestamp-mode=clock idle-timeout=10000000000 \
  ! videoconvert ! fakesink
wait $sender
echo "shared clock: the stream played on the sender's clock"
