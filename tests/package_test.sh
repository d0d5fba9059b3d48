#!/usr/bin/env bash
# The Debian package, end to end (issue 13): cpack -G DEB of the build tree
# into a temporary directory; the package's metadata (name, version,
# dependencies, maintainer scripts) and contents (binaries, schema, units,
# examples; no test binaries); then, unpacked with dpkg -x into a temporary
# root, the installed `ledger --version`, `ledger schema` equal to the
# installed xueji.desc, the installed units naming the installed binary, and
# tools/demo.sh run against the installed ledger.
#
# Usage: tests/package_test.sh SOURCE_DIR BUILD_DIR VERSION
set -euo pipefail
src=$1 build=$2 version=$3
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "package_test: no dpkg-deb; skipped"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xueji-package.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

(cd "$build" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log" >&2; fail "cpack -G DEB failed"; }
debs=("$tmp"/out/xueji-ledger_*.deb)
[ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] || fail "no single .deb in $tmp/out: $(ls "$tmp/out")"
deb=${debs[0]}
echo "package_test: built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# Metadata.
[ "$(dpkg-deb -f "$deb" Package)" = xueji-ledger ] || fail "Package is not xueji-ledger"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libprotobuf libabsl librdkafka libssl libsodium libtcmalloc-minimal passwd init-system-helpers; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done
mkdir "$tmp/control"
dpkg-deb -e "$deb" "$tmp/control"
for script in postinst prerm postrm; do
  [ -x "$tmp/control/$script" ] || fail "no executable $script"
done
grep -q 'deb-systemd-helper enable' "$tmp/control/postinst" || fail "postinst enables no unit"
if grep -Eq 'deb-systemd-invoke (start|restart)|systemctl (start|restart)' "$tmp/control/postinst"; then
  fail "postinst starts a unit (they are enabled, not started)"
fi

# Contents.
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/files"
for f in /usr/bin/ledger /usr/bin/ledger-mock-kafka /usr/share/xueji/xueji.desc \
  /usr/share/xueji/proto/xueji/v1/events.proto /usr/share/xueji/proto/xueji/v1/state.proto \
  /usr/lib/systemd/system/ledger-processor@.service /usr/lib/systemd/system/ledger-projector.service \
  /usr/share/xueji/examples/ledger.properties /usr/share/xueji/examples/policy.example.json; do
  grep -qx "$f" "$tmp/files" || fail "the package lacks $f"
done
if grep -Eq '_tests$|ledger-bench|fuzz' "$tmp/files"; then
  fail "the package ships test or bench binaries: $(grep -E '_tests$|ledger-bench|fuzz' "$tmp/files")"
fi

# Installed into a temporary root.
root="$tmp/root"
dpkg -x "$deb" "$root"
ledger="$root/usr/bin/ledger"
got=$("$ledger" --version)
[ "$got" = "ledger $version" ] || fail "installed ledger --version printed '$got'"
echo "package_test: $got"
"$ledger" schema "$tmp/schema.desc" 2>/dev/null
cmp -s "$tmp/schema.desc" "$root/usr/share/xueji/xueji.desc" ||
  fail "ledger schema differs from the installed xueji.desc"
for unit in "$root"/usr/lib/systemd/system/*.service; do
  grep -q '^ExecStart=/usr/bin/ledger ' "$unit" || fail "$unit does not run /usr/bin/ledger"
  if grep -q /usr/local/bin "$unit"; then fail "$unit names /usr/local/bin"; fi
done

# The demo against the installed binary (no build tree involved).
DEMO_LEDGER="$ledger" "$src/tools/demo.sh" >"$tmp/demo.out" 2>"$tmp/demo.err" ||
  { tail -20 "$tmp/demo.err" >&2; fail "tools/demo.sh with the installed ledger failed"; }
grep -q "^demo: ledger $version at $ledger\$" "$tmp/demo.out" || fail "the demo did not run $ledger"
grep -q '=== ledger verify ===' "$tmp/demo.out" || fail "the demo did not reach verify"
echo "package_test: demo ran with $ledger ($(grep -c '^===' "$tmp/demo.out") steps)"
