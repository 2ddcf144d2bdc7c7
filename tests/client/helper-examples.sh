#!/bin/sh
# helper-examples.sh EXAMPLES_DIR PORT [RUNNER SUFFIX]: runs the examples of
# Paho's helpers against each other on a broker at 127.0.0.1:PORT (see
# with-broker.sh). The C programs by default; with RUNNER and SUFFIX, the
# same programs in another language, e.g. /usr/bin/python3 .py.
set -eu
dir=$1
port=$2
runner=${3:-}
suffix=${4:-}
out=$(mktemp)
# $runner is a word or nothing: unquoted where used.
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
$runner "$dir/subscribe-simple$suffix" 127.0.0.1 "$port" paho/test/simple 1 > "$out" &
sub=$!
feed $sub $runner "$dir/publish-single$suffix" 127.0.0.1 "$port" paho/test/simple "hello simple"
wait $sub || fail "subscribe-simple failed"
[ "$(cat "$out")" = "paho/test/simple hello simple" ] || fail "subscribe-simple printed"

# subscribe.callback() gets what publish.multiple() sends, and stops when
# its callback disconnects.
$runner "$dir/subscribe-callback$suffix" 127.0.0.1 "$port" paho/test/multiple 4 > "$out" &
sub=$!
feed $sub $runner "$dir/publish-multiple$suffix" 127.0.0.1 "$port" paho/test/multiple
wait $sub || fail "subscribe-callback failed"
[ "$(grep -c '^paho/test/multiple multiple [12]$' "$out")" = 4 ] || fail "subscribe-callback printed"
grep -qx 'paho/test/multiple multiple 1' "$out" || fail "no multiple 1"
grep -qx 'paho/test/multiple multiple 2' "$out" || fail "no multiple 2"

# Ctrl-C ends subscribe.callback() with a clean disconnection.
$runner "$dir/subscribe-callback$suffix" 127.0.0.1 "$port" paho/test/callback > "$out" &
sub=$!
i=0
until grep -q 'paho/test/callback' "$out"; do
  i=$((i + 1))
  [ $i -lt 200 ] || { kill $sub; fail "subscribe-callback got nothing"; }
  $runner "$dir/publish-single$suffix" 127.0.0.1 "$port" paho/test/callback "hello callback"
  sleep 0.05
done
kill -INT $sub
wait $sub || fail "subscribe-callback did not exit cleanly on SIGINT"

# Errors are one line and a failure status.
if $runner "$dir/publish-single$suffix" 127.0.0.1 "$port" 'bad/#' x 2> "$out"; then
  fail "a wildcard topic was published"
fi
[ "$(wc -l < "$out")" = 1 ] || fail "not one line of error"
