#!/usr/bin/env bash
# Installs those of the Debian packages named that are not installed yet
# (apt-get, with sudo unless run as root); says which on stderr, prefixed by
# WHO (the calling script). Used by tools/setup.sh and tools/fuzz.sh.
#
#   tools/apt_install.sh WHO PACKAGE...
set -euo pipefail
who="$1"
shift
missing=()
for p in "$@"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "$who: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi
