#!/bin/sh
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# check-pipelines.sh SRCDIR: every pipeline the README, the manual, the
# element docs and examples/gst-pipelines.sh show that sends raw video to
# mqttsink says its format (the pads accept anything: without a format,
# videotestsrc picks ABGR64_LE, 8 bytes a pixel) or encodes it.
set -eu
cd "$1"
status=0
count=0
for f in README.md docs/*.xml gst/gstmqttsink.c gst/gstmqttsrc.c examples/gst-pipelines.sh; do
  # One pipeline per gst-launch-1.0 command, continuation lines joined.
  pipelines=$(sed -e 's/^ *\* \{0,1\}//' "$f" | awk '
    /gst-launch-1.0/ { line = $0; while (line ~ /\\$/ && (getline next_line) > 0) {
                         sub(/\\$/, " ", line); line = line next_line } print line }')
  echo "$pipelines" | while IFS= read -r p; do
    case $p in
      *videotestsrc*mqttsink*|*v4l2src*mqttsink*) ;;
      *) continue ;;
    esac
    case $p in
      *enc\ *|*enc!*|*format=*) echo "ok: $f: $p" ;;
      *) echo "not ok: $f sends raw video of no format: $p"; exit 1 ;;
    esac
  done || status=1
done
exit $status
