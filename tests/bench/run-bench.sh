#!/bin/sh
# Runs bench-mqtt-glib against a private mosquitto on loopback and prints
# one JSON line per run, with the client's CPU seconds and peak RSS added:
#  - every harness workload over TCP;
#  - pub0 and sub0 over TCP, TLS, WebSocket and WebSocket over TLS, for the
#    cost of each transport;
#  - pub0, pub1 and sub0 at MQTT 5 beside 3.1.1 ("protocol":5), and the
#    bytes on the wire per 64-byte message on a 100-byte topic at 3.1.1, at
#    5, and at 5 with an outgoing topic alias.
# Sub workloads are measured as the harness does: the subscriber is frozen,
# COUNT messages are published (over TCP), then it drains its queue.
# Usage: run-bench.sh BENCH MOSQUITTO MAKE_CERTS; COUNT (100000), SIZE (64).
set -eu
bench=$1 mosquitto=$2 make_certs=$3
count=${COUNT:-100000} size=${SIZE:-64}
. "$(dirname "$0")/private-broker.sh"
"$make_certs" "$dir/certs"
tcp=$(free_port) tls=$(free_port) ws=$(free_port) wss=$(free_port)
cat > "$dir/mosquitto.conf" <<CONF
user root
allow_anonymous true
persistence false
max_queued_messages 1000000
max_inflight_messages 20
listener $tcp 127.0.0.1
listener $tls 127.0.0.1
cafile $dir/certs/ca.crt
certfile $dir/certs/server.crt
keyfile $dir/certs/server.key
listener $ws 127.0.0.1
protocol websockets
listener $wss 127.0.0.1
protocol websockets
cafile $dir/certs/ca.crt
certfile $dir/certs/server.crt
keyfile $dir/certs/server.key
CONF
start_broker "$mosquitto"

# run PORT TRANSPORT WORKLOAD N: one timed run; prints its JSON with cpu_s and rss_kib.
run() {
  /usr/bin/time -o "$dir/time" -f '%U %S %M' "$bench" --host 127.0.0.1 --port "$1" \
    --transport "$2" --cafile "$dir/certs/ca.crt" --workload "$3" --count "$4" --size "$size" \
    ${extra:-} > "$dir/out"
  awk -v t="$(cat "$dir/time")" '{ split (t, a, " "); sub (/}$/, ""); printf "%s,\"cpu_s\":%.2f,\"rss_kib\":%d}\n", $0, a[1] + a[2], a[3] }' "$dir/out"
}

# sub PORT TRANSPORT QOS [N]: the harness's prefill measurement.
sub() {
  n=${4:-$count}
  /usr/bin/time -o "$dir/time" -f '%U %S %M' "$bench" --host 127.0.0.1 --port "$1" \
    --transport "$2" --cafile "$dir/certs/ca.crt" --workload "sub$3" --count "$n" \
    --size "$size" ${extra:-} > "$dir/out" 2> "$dir/err" &
  wrapper=$!
  while ! grep -qx ready "$dir/out"; do sleep 0.05; done
  pid=$(pgrep -P $wrapper | head -1)
  kill -STOP "$pid"
  "$bench" --host 127.0.0.1 --port "$tcp" --workload "pub$3" --count "$n" --size "$size" > /dev/null
  kill -CONT "$pid"
  wait $wrapper
  grep -vx ready "$dir/out" |
    awk -v t="$(cat "$dir/time")" '{ split (t, a, " "); sub (/}$/, ""); printf "%s,\"cpu_s\":%.2f,\"rss_kib\":%d}\n", $0, a[1] + a[2], a[3] }'
}

for w in pub0 pub1 pub2 rtt; do
  n=$count
  [ $w = pub2 ] && n=$((count / 5))
  [ $w = rtt ] && n=$((count / 10))
  run "$tcp" tcp $w $n
done
sub "$tcp" tcp 0
sub "$tcp" tcp 1
# mosquitto 2.0.11 sends WebSocket data at some 50 kB/s (libwebsockets
# writes 4 kB pieces on a timer; Paho Python sees the same): the WebSocket
# subscribers drain a smaller queue.
for t in tls ws wss; do
  eval port=\$$t
  run "$port" $t pub0 "$count"
  case $t in ws*) sub "$port" $t 0 $((count / 50)) ;; *) sub "$port" $t 0 ;; esac
done
# MQTT 5 beside the 3.1.1 runs above; then the bytes a topic alias saves.
extra="--protocol 5"
run "$tcp" tcp pub0 "$count"
run "$tcp" tcp pub1 "$count"
sub "$tcp" tcp 0
topic=t/$(printf '%098d' 0)
for args in "--protocol 4" "--protocol 5" "--protocol 5 --topic-aliases 1"; do
  extra="$args --topic $topic"
  run "$tcp" tcp pub0 20000
done
