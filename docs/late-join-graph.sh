#!/bin/sh
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# late-join-graph.sh HOST PORT: writes docs/late-join-receiver.dot again,
# the graph GStreamer dumps (GST_DEBUG_DUMP_DOT_DIR) of a receiver that
# joined a VP8 stream late, with the caps the stream header gave it. The
# manual renders it to SVG with graphviz when the docs are built.
set -eu
host=$1
port=$2
dots=$(mktemp -d)
trap 'rm -rf "$dots"' EXIT
gst-launch-1.0 -q videotestsrc is-live=true num-buffers=120 \
  ! video/x-raw,width=320,height=240,framerate=30/1 \
  ! vp8enc deadline=1 keyframe-max-dist=600 \
  ! mqttsink uri="mqtt://$host:$port/camera/late?framing=gst" &
sleep 1.5
GST_DEBUG_DUMP_DOT_DIR=$dots gst-launch-1.0 -q \
  mqttsrc uri="mqtt://$host:$port/camera/late?framing=gst" idle-timeout=2000000000 \
  ! vp8dec ! videoconvert ! fakesink
wait
cp "$dots"/*PLAYING_PAUSED.dot "$(dirname "$0")/late-join-receiver.dot"
