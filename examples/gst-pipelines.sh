#!/bin/sh
# gst-pipelines.sh [HOST [PORT]]: the manual's mqttsrc and mqttsink
# pipelines, run against a broker (the plugin must be on GST_PLUGIN_PATH).
set -eu
host=${1:-localhost}
port=${2:-1883}

# 1. Video from one pipeline to another through the broker. framing=gst
#    carries the caps, timestamps, flags and the end of the stream, so the
#    receiver ends when the sender does.
# (idle-timeout is in nanoseconds, as every GStreamer time: 10 s.)
gst-launch-1.0 -q mqttsrc uri="mqtt://$host:$port/camera/1?framing=gst" idle-timeout=10000000000 \
  ! videoconvert ! fakesink &
receiver=$!
sleep 1 # the receiver subscribes
gst-launch-1.0 -q videotestsrc num-buffers=60 ! video/x-raw,width=320,height=240,framerate=30/1 \
  ! mqttsink uri="mqtt://$host:$port/camera/1?framing=gst&qos=1"
wait $receiver
echo "video: 60 frames through the broker"

# 2. framing=raw (the default) is a payload and nothing else: any MQTT
#    client reads it. A retained text message, read back by mqttsrc.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
printf 'hello from gst-launch' | gst-launch-1.0 -q fdsrc fd=0 \
  ! mqttsink uri="mqtt://$host:$port/gst/hello?retain=true&qos=1"
gst-launch-1.0 -q mqttsrc uri="mqtt://$host:$port/gst/hello" idle-timeout=1000000000 \
  ! filesink location="$out"
echo "raw: $(cat "$out")"
[ "$(cat "$out")" = 'hello from gst-launch' ]
