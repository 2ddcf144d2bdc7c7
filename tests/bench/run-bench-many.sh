#!/bin/sh
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# Runs bench-many-clients against a private mosquitto on loopback with
# 1,000 clients (CLIENTS to change), each process allowed the descriptors
# it needs. Usage: run-bench-many.sh BENCH MOSQUITTO.
set -eu
bench=$1 mosquitto=$2
clients=${CLIENTS:-1000}
ulimit -n $((clients * 2 + 256)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$dir/mosquitto.conf" <<CONF
user root
allow_anonymous true
persistence false
listener $port 127.0.0.1
max_connections -1
CONF
"$mosquitto" -c "$dir/mosquitto.conf" 2>"$dir/mosquitto.log" &
broker=$!
trap 'kill $broker; rm -rf "$dir"' EXIT
sleep 1
"$bench" --host 127.0.0.1 --port "$port" --clients "$clients" --keepalive 5 --idle 20
