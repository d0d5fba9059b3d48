#!/usr/bin/env bash
# ctest kafka_local_script (label kafka): tools/kafka-local.sh against the real
# Apache Kafka broker. One broker: `up` prints a bootstrap list on its first
# line that a client (kcat) can produce to and consume from, with the
# ledger's topics created and broker 1's pid in DIR/broker-1/pid; the broker
# SIGKILLed and `restart 1` brings it back with its data; `down` stops it.
# Bad use: --brokers 2 is a usage error, and `up` refuses a folder it did
# not make (and deletes nothing in it).
#
#   tests/kafka_local_test.sh SOURCE_DIR
#
# Needs Java 17, Maven (or a filled cache) and kcat: tools/setup.sh installs
# them. Prints "N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
SOURCE_DIR=${1:-$(cd "$(dirname "$0")/.." && pwd)}
SCRIPT=$SOURCE_DIR/tools/kafka-local.sh
passed=0
failed=0
check() {  # DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok: $what"
  else
    failed=$((failed + 1))
    echo "FAILED: $what"
  fi
}
finish() {
  echo "$passed passed, $failed failed"
  ((failed == 0))
  exit
}

for tool in java kcat; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAILED: $tool is not installed (run tools/setup.sh)"
    failed=1
    finish
  fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kafka-local-test.XXXXXX")
DIR=$WORK/cluster
cleanup() {
  "$SCRIPT" down --dir "$DIR" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- bad use -------------------------------------------------------------------
"$SCRIPT" up --brokers 2 --dir "$DIR" >"$WORK/out" 2>"$WORK/err"
check "--brokers 2 is a usage error (exit 2)" [ $? = 2 ]
check "... that prints nothing on stdout" [ ! -s "$WORK/out" ]
mkdir -p "$WORK/precious"
echo keep >"$WORK/precious/file"
"$SCRIPT" up --dir "$WORK/precious" >"$WORK/out" 2>"$WORK/err"
code=$?
check "up refuses a folder it did not make (exit 1)" [ "$code" = 1 ]
check "... says why" grep -q "not a kafka-local folder" "$WORK/err"
check "... and deletes nothing" [ "$(cat "$WORK/precious/file")" = keep ]

# --- up ------------------------------------------------------------------------
start=$SECONDS
"$SCRIPT" up --brokers 1 --dir "$DIR" >"$WORK/up.out" 2>"$WORK/up.err"
code=$?
echo "up took $((SECONDS - start)) s"
check "up exits 0" [ "$code" = 0 ]
if [ "$code" != 0 ]; then
  cat "$WORK/up.err"
  finish
fi
B=$(head -n 1 "$WORK/up.out")
echo "bootstrap: $B"
check "the first line is a bootstrap list of one loopback broker" \
  grep -qxE '127\.0\.0\.1:[0-9]+' <<<"$B"
check "nothing else on stdout" [ "$(wc -l <"$WORK/up.out")" = 1 ]
pid=$(cat "$DIR/broker-1/pid" 2>/dev/null)
check "broker 1's pid file names a running broker" \
  grep -q 'kafka\.Kafka' "/proc/${pid:-0}/cmdline"
check "broker 1 logs to DIR/broker-1/log" grep -q 'Kafka Server started' \
  "$DIR/broker-1/log"

meta=$(kcat -L -b "$B" -m 10 2>&1)
check "kcat sees one broker" grep -q ' 1 brokers:' <<<"$meta"
for topic in requests:1 events:6 results:6 registry:1 journal:1; do
  check "topic xueji.${topic%:*} has ${topic#*:} partition(s)" \
    grep -q "topic \"xueji.${topic%:*}\" with ${topic#*:} partitions" <<<"$meta"
done
# xueji.registry is compacted: its records need a key.
echo "kg:test:record-1" | kcat -P -b "$B" -t xueji.registry -p 0 -K: \
  -X acks=all 2>"$WORK/kcat.err"
check "kcat produces to the cluster (acks=all)" [ $? = 0 ]
read_back() {
  kcat -C -b "$B" -t xueji.registry -p 0 -o beginning -e -q -m 10 \
    -f '%k:%s\n' 2>&1 | grep -qx 'kg:test:record-1'
}
check "... and reads the record back" read_back

# --- restart after a SIGKILL -----------------------------------------------------
kill -KILL "$pid"
for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
"$SCRIPT" restart 1 --dir "$DIR" >"$WORK/restart.out" 2>"$WORK/restart.err"
code=$?
check "restart 1 exits 0" [ "$code" = 0 ]
[ "$code" = 0 ] || cat "$WORK/restart.err"
check "restart prints the same bootstrap list first" \
  [ "$(head -n 1 "$WORK/restart.out")" = "$B" ]
new_pid=$(cat "$DIR/broker-1/pid" 2>/dev/null)
check "broker 1 runs again under a new pid" \
  [ -n "$new_pid" ] && [ "$new_pid" != "$pid" ] && [ -e "/proc/$new_pid" ]
check "the record written before the kill is still there" read_back
"$SCRIPT" restart 1 --dir "$DIR" >/dev/null 2>"$WORK/err"
check "restart of a running broker is refused" [ $? != 0 ]

# --- down ----------------------------------------------------------------------
"$SCRIPT" down --dir "$DIR" >"$WORK/down.out" 2>&1
check "down exits 0" [ $? = 0 ]
gone() {  # PID: no such process, or a zombie waiting to be reaped
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
  [[ "$state" == Z* ]]
}
check "the broker is gone" gone "$new_pid"
finish
