#!/bin/sh
# Runs bench-gst against a private mosquitto on loopback for 64 B, 4 KiB
# and 1 MiB buffers, REPS times each (the modes alternate), one JSON line
# per run. Usage: run-bench-gst.sh BENCH MOSQUITTO; REPS (3), QOS (0).
set -eu
bench=$1 mosquitto=$2
reps=${REPS:-3} qos=${QOS:-0}
. "$(dirname "$0")/private-broker.sh"
port=$(free_port)
cat > "$dir/mosquitto.conf" <<CONF
user root
allow_anonymous true
persistence false
max_queued_messages 1000000
set_tcp_nodelay true
listener $port 127.0.0.1
CONF
start_broker "$mosquitto"
for spec in 64:100000 4096:50000 1048576:500; do
  size=${spec%%:*} count=${spec##*:}
  i=0
  while [ $i -lt "$reps" ]; do
    "$bench" --host 127.0.0.1 --port "$port" --size "$size" --count "$count" --qos "$qos"
    i=$((i + 1))
  done
done
