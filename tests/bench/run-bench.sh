#!/bin/sh
# Runs bench-mqtt-glib on every workload against a private mosquitto on a
# free loopback port and prints its JSON lines. Sub workloads get their
# messages from a second bench-mqtt-glib in pub mode, run concurrently.
# Usage: run-bench.sh BENCH MOSQUITTO; COUNT (default 100000) and SIZE (64).
set -eu
bench=$1 mosquitto=$2
count=${COUNT:-100000} size=${SIZE:-64}
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
user root
allow_anonymous true
persistence false
max_queued_messages 1000000
max_inflight_messages 20
CONF
"$mosquitto" -c "$dir/mosquitto.conf" 2>"$dir/mosquitto.log" &
broker=$!
trap 'kill $broker; rm -rf "$dir"' EXIT
sleep 0.5
for w in pub0 pub1 pub2 rtt; do
  n=$count
  [ $w = pub2 ] && n=$((count / 5))
  [ $w = rtt ] && n=$((count / 10))
  "$bench" --host 127.0.0.1 --port "$port" --workload $w --count $n --size "$size"
done
for q in 0 1; do
  "$bench" --host 127.0.0.1 --port "$port" --workload sub$q --count "$count" --size "$size" \
    > "$dir/sub.out" 2> "$dir/sub.err" &
  sub=$!
  while ! grep -qx ready "$dir/sub.err"; do sleep 0.05; done
  "$bench" --host 127.0.0.1 --port "$port" --workload pub$q --count "$count" --size "$size" > /dev/null
  wait $sub
  cat "$dir/sub.out"
done
