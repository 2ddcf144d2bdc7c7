#!/bin/sh
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# Runs bench-many-clients against a private mosquitto on loopback with
# 1,000 clients (CLIENTS to change), each process allowed the descriptors
# it needs. Usage: run-bench-many.sh BENCH MOSQUITTO.
set -eu
bench=$1 mosquitto=$2
clients=${CLIENTS:-1000}
ulimit -n $((clients * 2 + 256)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
. "$(dirname "$0")/private-broker.sh"
port=$(free_port)
cat > "$dir/mosquitto.conf" <<CONF
user root
allow_anonymous true
persistence false
listener $port 127.0.0.1
max_connections -1
CONF
start_broker "$mosquitto"
"$bench" --host 127.0.0.1 --port "$port" --clients "$clients" --keepalive 5 --idle 20
