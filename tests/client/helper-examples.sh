#!/bin/sh
# helper-examples.sh EXAMPLES_DIR PORT: runs the examples of Paho's helpers
# against each other on a broker at 127.0.0.1:PORT (see with-broker.sh).
set -eu
dir=$1
port=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT

fail () {
  echo "helper-examples: $*" >&2
  cat "$out" >&2
  exit 1
}

# Publishes with COMMAND every 50 ms while process $1 runs (it subscribes at
# a moment nobody can see), for at most 10 s.
feed () {
  pid=$1
  shift
  i=0
  while kill -0 "$pid" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 200 ] || { kill "$pid"; fail "no message arrived: $*"; }
    "$@"
    sleep 0.05
  done
}

# subscribe.simple() gets what publish.single() sends.
"$dir/subscribe-simple" 127.0.0.1 "$port" paho/test/simple 1 > "$out" &
sub=$!
feed $sub "$dir/publish-single" 127.0.0.1 "$port" paho/test/simple "hello simple"
wait $sub || fail "subscribe-simple failed"
[ "$(cat "$out")" = "paho/test/simple hello simple" ] || fail "subscribe-simple printed"

# subscribe.callback() gets what publish.multiple() sends, and stops when
# its callback disconnects.
"$dir/subscribe-callback" 127.0.0.1 "$port" paho/test/multiple 4 > "$out" &
sub=$!
feed $sub "$dir/publish-multiple" 127.0.0.1 "$port" paho/test/multiple
wait $sub || fail "subscribe-callback failed"
[ "$(grep -c '^paho/test/multiple multiple [12]$' "$out")" = 4 ] || fail "subscribe-callback printed"
grep -qx 'paho/test/multiple multiple 1' "$out" || fail "no multiple 1"
grep -qx 'paho/test/multiple multiple 2' "$out" || fail "no multiple 2"

# Ctrl-C ends subscribe.callback() with a clean disconnection.
"$dir/subscribe-callback" 127.0.0.1 "$port" paho/test/callback > "$out" &
sub=$!
i=0
until grep -q 'paho/test/callback' "$out"; do
  i=$((i + 1))
  [ $i -lt 200 ] || { kill $sub; fail "subscribe-callback got nothing"; }
  "$dir/publish-single" 127.0.0.1 "$port" paho/test/callback "hello callback"
  sleep 0.05
done
kill -INT $sub
wait $sub || fail "subscribe-callback did not exit cleanly on SIGINT"

# Errors are one line and a failure status.
if "$dir/publish-single" 127.0.0.1 "$port" 'bad/#' x 2> "$out"; then
  fail "a wildcard topic was published"
fi
[ "$(wc -l < "$out")" = 1 ] || fail "not one line of error"
