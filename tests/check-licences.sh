#!/bin/sh
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# check-licences.sh SRCDIR: every file of the product says its licence, and
# every licence it names has its text in LICENSES/ (the REUSE layout).
set -eu
cd "$1"
status=0
fail() { echo "not ok: $*"; status=1; }

expression=$(sed -n "s/^ *license: '\(.*\)',$/\1/p" meson.build)
[ -n "$expression" ] || fail "meson.build declares no licence"
[ -f COPYING ] || fail "COPYING is missing"
grep -q "SPDX-License-Identifier: $expression" COPYING || fail "COPYING does not say $expression"

# Every product source carries an SPDX line.
for f in $(find lib gst examples -type f \( -name '*.c' -o -name '*.h' -o -name '*.h.in' \
             -o -name '*.py' -o -name '*.js' -o -name '*.vala' -o -name '*.sh' \)); do
  grep -q 'SPDX-License-Identifier:' "$f" || fail "$f has no SPDX-License-Identifier"
done

# Every licence named anywhere has its text.
ids=$(grep -rhoE 'SPDX-License-Identifier: [A-Za-z0-9. ()-]*' --exclude=check-licences.sh \
        lib gst examples tests COPYING \
        | sed 's/SPDX-License-Identifier: *//; s/[()]/ /g' | tr ' ' '\n' \
        | grep -vE '^(OR|AND|WITH|)$' | sort -u)
[ -n "$ids" ] || fail "no SPDX identifier found"
for id in $ids; do
  [ -s "LICENSES/$id.txt" ] || fail "LICENSES/$id.txt is missing"
  echo "ok: $id"
done
grep -q 'SPDX-License-Identifier = "EPL-2.0 OR BSD-3-Clause"' REUSE.toml ||
  fail "REUSE.toml does not cover the files without a header"

# The plugin names no origin of its own making.
grep -q 'PACKAGE_ORIGIN' gst/gstmqttplugin.c || fail "the plugin's origin is not the package-origin option"
if grep -rq 'github.com/mqtt-glib' gst lib meson.build meson_options.txt; then
  fail "a made-up repository address"
fi
exit $status
