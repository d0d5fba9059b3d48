# shellcheck shell=bash
# Sourced by the generators of the compiled-in reference data
# (tools/gen_areas.sh, tools/gen_calendar.sh), which read an npm package's
# published files: strict mode, `root` (the repository), `tmp` (a temporary
# directory removed on exit), npm_unpack and generate_from_npm.
set -euo pipefail
# shellcheck disable=SC2034  # read by the sourcing script
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# npm_unpack PACKAGE VERSION: fetches PACKAGE@VERSION's tarball with `npm pack`
# (needs npm and registry access) and unpacks it into $tmp/package.
npm_unpack() {
  (cd "$tmp" && npm pack --silent "$1@$2" >/dev/null && tar xzf "$1-$2.tgz")
}

# generate_from_npm PACKAGE VERSION PATH OUT: unpacks PACKAGE@VERSION, then
# runs the Python program on standard input with three arguments: PATH inside
# the unpacked package, $root/OUT (the file it writes) and VERSION.
generate_from_npm() {
  npm_unpack "$1" "$2"
  python3 - "$tmp/package/$3" "$root/$4" "$2"
}
