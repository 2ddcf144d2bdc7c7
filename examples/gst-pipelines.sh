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
