#!/usr/bin/env bash
# Issue 13's bar, as an operator would do it: the Debian package built from
# the build tree (cpack -G DEB), installed with `apt-get install ./…deb`, the
# demo run from the installed /usr/bin/ledger, then the package purged.
# Needs root and apt-get (CI runs it on its fresh machine; see .ci/run).
#
# Usage: tools/install_check.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ "$(id -u)" = 0 ] || { echo "install_check: needs root (apt-get install)" >&2; exit 2; }
command -v apt-get >/dev/null || { echo "install_check: no apt-get" >&2; exit 2; }
if dpkg -s xueji-ledger >/dev/null 2>&1; then
  echo "install_check: xueji-ledger is already installed; remove it first" >&2
  exit 2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xueji-install.XXXXXX")
chmod 755 "$tmp"  # apt's sandbox user reads the .deb from here
trap 'apt-get purge -y -qq xueji-ledger >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
(cd "$build" && cpack -G DEB -B "$tmp" >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log" >&2; exit 1; }
deb=$(ls "$tmp"/xueji-ledger_*.deb)
echo "install_check: apt-get install ./$(basename "$deb")"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$tmp/apt.log" 2>&1 ||
  { cat "$tmp/apt.log" >&2; exit 1; }
[ "$(command -v ledger)" = /usr/bin/ledger ] || { echo "install_check: ledger is not /usr/bin/ledger" >&2; exit 1; }
/usr/bin/ledger --version
DEMO_LEDGER=/usr/bin/ledger tools/demo.sh >"$tmp/demo.out"
tail -3 "$tmp/demo.out"
echo "install_check: the demo ran from the installed package"
