#!/bin/sh
# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# The Python layer as a user gets it: meson installs the build into a
# staging directory, and the override and Paho compatibility tests run
# against that copy alone (library, typelib, gi/overrides/Mqtt.py and the
# mqtt_glib package from there; nothing from the source tree).
#
#   installed.sh BUILD_ROOT PREFIX LIBDIR SITE_DIR TESTS_DIR
set -eu
build=$1 prefix=$2 libdir=$3 site=$4 tests=$5
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac

stage=$(mktemp -d "${TMPDIR:-/tmp}/mqtt-glib-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
meson install -C "$build" --no-rebuild --quiet --destdir "$stage" >/dev/null

export PYTHONPATH="$stage$site" PYTHONDONTWRITEBYTECODE=1
export GI_TYPELIB_PATH="$stage$libdir/girepository-1.0" LD_LIBRARY_PATH="$stage$libdir"
cd "$stage"
/usr/bin/python3 - "$stage" <<'PY'
import sys
import gi
gi.require_version("Mqtt", "1.0")
from gi.repository import Mqtt
import gi.overrides.Mqtt as overrides
import mqtt_glib.client

stage = sys.argv[1]
loaded = {"typelib": gi.Repository.get_default().get_typelib_path("Mqtt"),
          "overrides": overrides.__file__, "mqtt_glib": mqtt_glib.client.__file__}
for what, path in loaded.items():
    assert path.startswith(stage + "/"), "%s from %s, not the installed copy" % (what, path)
    print("%s: %s" % (what, path[len(stage):]))
assert Mqtt.Client is overrides.Client
PY
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider "$tests/test_overrides.py" \
  "$tests/test_paho_compat.py"
