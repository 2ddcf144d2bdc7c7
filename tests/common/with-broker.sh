#!/bin/sh
# with-broker.sh MOSQUITTO PROGRAM [ARG...]: runs PROGRAM with a private
# mosquitto on a free loopback port; @PORT@ in the arguments becomes that
# port. Exits with PROGRAM's status.
set -eu
mosquitto=$1
shift
dir=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nuser root\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n' "$port" \
  > "$dir/mosquitto.conf"
"$mosquitto" -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
i=0
until /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 200 ] || { echo "mosquitto did not start:" >&2; cat "$dir/mosquitto.log" >&2; exit 1; }
  sleep 0.05
done
program=$1
shift
args=
for a in "$@"; do
  [ "$a" = @PORT@ ] && a=$port
  args="$args $a"
done
# shellcheck disable=SC2086
"$program" $args
