# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# Sourced by the run-bench scripts: a private mosquitto on loopback, in a
# directory of its own ($dir), stopped and the directory removed at exit.
# free_port prints a free TCP port on 127.0.0.1; start_broker MOSQUITTO
# starts the broker with the $dir/mosquitto.conf the caller wrote.
dir=$(mktemp -d)

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_broker() {
  "$1" -c "$dir/mosquitto.conf" 2>"$dir/mosquitto.log" &
  broker=$!
  trap 'kill $broker; rm -rf "$dir"' EXIT
  sleep 1
}
