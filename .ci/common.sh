# Shared by .ci/demo and .ci/test: installs the Debian packages listed in
# .ci/packages (apt-get update first; skipped when all are installed).

set -eu

ci_dir=$(cd "$(dirname "$0")" && pwd)
top_dir=$(dirname "$ci_dir")
cd "$top_dir"

if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then
  SUDO=sudo
else
  SUDO=
fi

install_packages() {
  packages=$(grep -v '^#' "$ci_dir/packages")
  missing=
  for p in $packages; do
    dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed ||
      missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "== installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -q --no-install-recommends $packages
  fi
}

# meson setup, or reconfigure when the build directory already exists.
setup_build() {
  dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@"
  else
    meson setup "$dir" "$@"
  fi
}
