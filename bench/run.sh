#!/usr/bin/env bash
# The benchmark harness of issue 4, in one command:
#
#   bench/run.sh [--children N]... [--full] [--seed S] [--skip-pg] [--skip-db-bench]
#                [--callgrind-children N]
#
# Builds Release into build-release, then for each size (default 100000
# children; --full: 10000, 100000 and 1000000): `ledger gen`, `ledger registry
# load` + `ledger submit` timed (the CLI path), one CLI call each of show /
# find / history / anomalies / replay timed, ledger-bench (in-process figures)
# and the PostgreSQL 15 baseline (bench/pg_baseline.py); prints the
# ledger/PostgreSQL ratios and writes everything to bench/results/<date>.json.
# Beside the wall figures, instruction counts that do not move with the
# machine's load (issue 12): valgrind's callgrind of one CLI submit and one
# replay of a --callgrind-children workload (default 10000; 0 skips; the
# whole command, per request and per replayed event).
# Needs: Debian 12 packages of tools/setup.sh, plus postgresql and
# python3-psycopg2 (installed here with apt-get if missing), rocksdb-tools for
# the db_bench ceiling (optional). Scratch data goes under $BENCH_TMP or /tmp.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=(100000)
SEED=1
SKIP_PG=0
SKIP_DB_BENCH=0
CG_CHILDREN=10000
JOBS=${JOBS:-2}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --children)  # repeatable: --children 10000 --children 100000
      [[ ${CUSTOM:-0} -eq 1 ]] || SIZES=(); CUSTOM=1; SIZES+=("$2"); shift 2 ;;
    --full) SIZES=(10000 100000 1000000); shift ;;
    --seed) SEED="$2"; shift 2 ;;
    --skip-pg) SKIP_PG=1; shift ;;
    --skip-db-bench) SKIP_DB_BENCH=1; shift ;;
    --callgrind-children) CG_CHILDREN="$2"; shift 2 ;;
    -h|--help) sed -n 2,19p "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
PY=/usr/bin/python3   # Debian's python, where python3-psycopg2 lives
PG_BIN=/usr/lib/postgresql/15/bin
need_pkgs=()
[[ -x $PG_BIN/initdb ]] || need_pkgs+=(postgresql)
$PY -c 'import psycopg2' 2>/dev/null || need_pkgs+=(python3-psycopg2)
if [[ $SKIP_PG -eq 0 && ${#need_pkgs[@]} -gt 0 ]]; then
  echo "== installing ${need_pkgs[*]}"
  $SUDO apt-get install -y "${need_pkgs[@]}" >/dev/null
fi
if [[ $CG_CHILDREN -gt 0 ]] && ! command -v valgrind >/dev/null; then
  echo "== installing valgrind"
  $SUDO apt-get install -y valgrind >/dev/null
fi

BUILD=${BENCH_BUILD_DIR:-$ROOT/build-release}
echo "== build (Release, $BUILD)"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$BUILD" -j"$JOBS" ledger ledger-bench ledger-mock-kafka >/dev/null
L="$BUILD/tools/ledger"
LB="$BUILD/bench/ledger-bench"

DATE=$(date -u +%Y-%m-%dT%H%M%SZ)
RESULTS="$ROOT/bench/results"
mkdir -p "$RESULTS"
SCRATCH=$(mktemp -d "${BENCH_TMP:-/tmp}/ledger-bench-run.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

# one_sitting GEN_DIR OUT: the generated requests, every one dated on
# submitNow's day (so the year is entered in one sitting: the ledger's clock
# is the only clock, docs/accountability.md); prints submitNow.
one_sitting() {
  local now
  now=$(sed -n 's/.*"submitNow": "\([^"]*\)".*/\1/p' "$1/summary.json")
  sed 's/"occurredOn":"[0-9-]*"/"occurredOn":"'"${now:0:10}"'"/' \
    "$1/requests.jsonl" >"$2"
  echo "$now"
}

# callgrind_ir OUT CMD...: runs CMD under callgrind, writes its instruction
# count (all threads) to OUT, its output to OUT.out and OUT.log.
callgrind_ir() {
  local out=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$out.cg" "$@" >"$out.out" 2>"$out.log" || true
  sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$out.cg" >"$out"
  rm -f "$out.cg"
}

# timed FILE CMD...: runs CMD and writes its wall time in seconds to FILE.
timed() {
  local out=$1; shift
  local t0=$EPOCHREALTIME rc=0
  "$@" || rc=$?
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", b - a }' >"$out"
  return $rc
}

for N in "${SIZES[@]}"; do
  W="$SCRATCH/$N"
  mkdir -p "$W"
  echo "== $N children: ledger gen"
  timed "$W/t-gen" "$L" gen --children "$N" --seed "$SEED" --out "$W/gen" 2>"$W/gen.log"
  AS_OF=$(sed -n 's/.*"asOf": "\([^"]*\)".*/\1/p' "$W/gen/summary.json")
  D="$W/data"

  echo "== $N: CLI registry load + submit (durable, batches of 512)"
  # One CLI submit of the whole year, in one sitting (one_sitting); the
  # registry is loaded on that day too.
  SUB_NOW=$(one_sitting "$W/gen" "$W/requests-one-sitting.jsonl")
  # A development ledger: the only kind that takes its clock from LEDGER_NOW
  # (a production one trusts the machine's clock and needs a root key).
  env LEDGER_NOW="$SUB_NOW" "$L" --data "$D" init --dev >/dev/null
  timed "$W/t-registry" env LEDGER_NOW="$SUB_NOW" "$L" --data "$D" registry load \
    "$W/gen/registry.jsonl" >/dev/null
  rc=0
  timed "$W/t-submit" env LEDGER_NOW="$SUB_NOW" "$L" --data "$D" submit \
    "$W/requests-one-sitting.jsonl" >"$W/results.jsonl" || rc=$?
  [[ $rc -le 1 ]] || { echo "ledger submit failed ($rc)" >&2; exit 3; }

  echo "== $N: one CLI call each (wall time, includes process start and open)"
  NO=$( (grep -o '"studentNo":"G[0-9X]*"' "$W/results.jsonl" || true) | awk 'NR <= 1000 { n = $0 } END { print n }' | cut -d'"' -f4)
  timed "$W/t-show" "$L" --data "$D" show "$NO" >/dev/null || true
  timed "$W/t-find" "$L" --data "$D" find --id-type RESIDENT_ID --id-number "${NO#G}" >/dev/null || true
  timed "$W/t-history" "$L" --data "$D" history "$NO" >/dev/null || true
  COUNTY=${NO:1:6}
  timed "$W/t-anom-county" "$L" --data "$D" anomalies --region "$COUNTY" --as-of "$AS_OF" --json >/dev/null || true
  timed "$W/t-anom-all" "$L" --data "$D" anomalies --as-of "$AS_OF" --json >/dev/null || true
  timed "$W/t-replay" /usr/bin/time -f "%M" -o "$W/replay-maxrss-kb" "$L" --data "$D" replay >/dev/null 2>&1

  echo "== $N: ledger-bench (in-process)"
  "$LB" --gen "$W/gen" --data "$D" --work "$W/lb" --json-out "$W/ledger-bench.json"

  if [[ $SKIP_PG -eq 0 ]]; then
    echo "== $N: PostgreSQL 15 baseline"
    $PY "$ROOT/bench/pg_baseline.py" --gen "$W/gen" --pg-bin "$PG_BIN" \
      --json-out "$W/pg.json"
  fi
  for f in gen registry submit show find history anom-county anom-all replay; do
    printf '"%s": %s,\n' "$f" "$(cat "$W/t-$f")"
  done >"$W/cli-times.part"
  du -sb "$D/log" "$D/state" "$D/views" >"$W/du.txt"
  rm -rf "$D" "$W/lb"
done

if [[ $SKIP_DB_BENCH -eq 0 ]] && command -v db_bench >/dev/null; then
  echo "== db_bench fillseq (the ceiling of issue 4)"
  for sync in 0 1; do
    rm -rf "$SCRATCH/dbb"
    db_bench --benchmarks=fillseq --batch_size=100 --value_size=200 --num=1000000 \
      --sync=$sync --db="$SCRATCH/dbb" 2>/dev/null | grep '^fillseq' >"$SCRATCH/db_bench-sync$sync.txt" || true
    echo "   sync=$sync: $(cat "$SCRATCH/db_bench-sync$sync.txt")"
  done
  rm -rf "$SCRATCH/dbb"
fi

if [[ $CG_CHILDREN -gt 0 ]]; then
  echo "== instructions (callgrind): CLI submit and replay of $CG_CHILDREN children"
  W="$SCRATCH/callgrind"
  mkdir -p "$W"
  "$L" gen --children "$CG_CHILDREN" --seed "$SEED" --out "$W/gen" 2>/dev/null
  SUB_NOW=$(one_sitting "$W/gen" "$W/requests.jsonl")
  D="$W/data"
  env LEDGER_NOW="$SUB_NOW" "$L" --data "$D" init --dev >/dev/null 2>&1
  env LEDGER_NOW="$SUB_NOW" "$L" --data "$D" registry load "$W/gen/registry.jsonl" >/dev/null 2>&1
  (export LEDGER_NOW="$SUB_NOW"
   callgrind_ir "$W/ir-submit" "$L" --data "$D" submit "$W/requests.jsonl")
  callgrind_ir "$W/ir-replay" "$L" --data "$D" replay
  sed -n 's/.*replayed \([0-9]*\) events.*/\1/p' "$W/ir-replay.out" >"$W/replayed-events"
  rm -rf "$D"
  echo "   submit $(cat "$W/ir-submit") instructions, replay $(cat "$W/ir-replay")"
fi

echo "== Kafka mode on a one-broker local Apache Kafka (tools/kafka-local.sh)"
"$ROOT/bench/kafka_bench.sh" --children 3000 --bin "$BUILD/tools" \
  | tee "$SCRATCH/kafka.txt" | grep -v '^{'
$PY "$ROOT/bench/report.py" --scratch "$SCRATCH" --out "$RESULTS/$DATE.json" \
  --sizes "${SIZES[@]}"
echo "== wrote bench/results/$DATE.json"
