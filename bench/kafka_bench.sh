#!/usr/bin/env bash
# Kafka mode on librdkafka's mock cluster (issue 3 / issue 4):
#
#   bench/kafka_bench.sh [--children N] [--seed S] [--bin DIR]
#
# Generates a workload (ledger gen), starts ledger-mock-kafka (3 brokers),
# one processor and one projector, loads the registry, then times:
#   1. submit -> processor -> answers: `ledger --kafka B submit` of every
#      request (the projector consumes concurrently, on the same 2 cores);
#   2. a second projector replica built from offset 0 with --until-caught-up
#      (events/s; includes joining its consumer group);
# and prints them as a table and one JSON line. The mock keeps only about
# 5 MiB per partition in memory (the one requests partition fills first:
# ~15,000 requests), so N is bounded: default 3000 children (~7,500
# requests). Figures from the mock measure the ledger's client side and the
# loopback protocol, not a real cluster's disks.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHILDREN=3000
SEED=1
BIN=$ROOT/build/tools
while [[ $# -gt 0 ]]; do
  case "$1" in
    --children) CHILDREN="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --bin) BIN="$2"; shift 2 ;;
    -h|--help) sed -n 2,17p "$0"; exit 0 ;;
    *) echo "kafka_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
L=$BIN/ledger
WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/kafka-bench.XXXXXX")
cleanup() {
  pkill -TERM -P $$ 2>/dev/null || true
  [[ -n "${MOCK_PID:-}" ]] && kill "$MOCK_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
now() { date +%s.%N; }

"$L" gen --children "$CHILDREN" --seed "$SEED" --out "$WORK/w" >/dev/null 2>&1
SUBMIT_NOW=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['submitNow'])" "$WORK/w/summary.json")
# The year entered in one sitting on submitNow's day (the ledger's clock is
# the only clock, docs/accountability.md).
sed 's/"occurredOn":"[0-9-]*"/"occurredOn":"'"${SUBMIT_NOW:0:10}"'"/' \
  "$WORK/w/requests.jsonl" > "$WORK/w/requests-one-sitting.jsonl"
REQUESTS=$(wc -l < "$WORK/w/requests-one-sitting.jsonl")
export LEDGER_NOW=$SUBMIT_NOW LEDGER_KAFKA_TIMEOUT=120s

"$BIN/ledger-mock-kafka" --brokers 3 > "$WORK/mock.out" 2> "$WORK/mock.err" &
MOCK_PID=$!
for _ in $(seq 100); do [[ -s "$WORK/mock.out" ]] && break; sleep 0.1; done
B=$(head -1 "$WORK/mock.out")
"$L" --kafka "$B" --data "$WORK/p1" processor 2> "$WORK/p1.log" &
"$L" --kafka "$B" projector --views "$WORK/v1" --group bench.v1 2> "$WORK/v1.log" &
"$L" --kafka "$B" registry load "$WORK/w/registry.jsonl" > /dev/null

t0=$(now)
"$L" --kafka "$B" submit "$WORK/w/requests-one-sitting.jsonl" > "$WORK/results.jsonl" || [[ $? -eq 1 ]]
t1=$(now)
EVENTS=$("$L" --kafka "$B" verify | awk '/events checked/ {print $1}')
t2=$(now)
"$L" --kafka "$B" projector --views "$WORK/v2" --group bench.v2 --until-caught-up 2> "$WORK/v2.log"
t3=$(now)
D1=$("$L" digest --views "$WORK/v2")

/usr/bin/python3 - "$CHILDREN" "$REQUESTS" "$EVENTS" "$t0" "$t1" "$t2" "$t3" "$D1" <<'PY'
import json, sys
children, requests, events = map(int, sys.argv[1:4])
t0, t1, t2, t3 = map(float, sys.argv[4:8])
submit_s, project_s = t1 - t0, t3 - t2
rows = [
    ("children", children), ("requests", requests), ("events", events),
    ("submit -> processor -> answers (s)", round(submit_s, 2)),
    ("  requests/s", round(requests / submit_s)),
    ("projector replica from offset 0 (s)", round(project_s, 2)),
    ("  events/s (incl. group join)", round(events / project_s)),
]
for name, value in rows:
    print(f"{name:<40} {value:>12}")
print("note: librdkafka mock cluster (in memory, ~5 MiB per partition); "
      "pipeline throughput = the slower stage (they run concurrently)")
print(json.dumps({"kafka_mock": {"children": children, "requests": requests,
      "events": events, "submit_seconds": submit_s,
      "submit_requests_per_s": requests / submit_s,
      "projector_seconds": project_s,
      "projector_events_per_s": events / project_s,
      "views_digest": sys.argv[8]}}))
PY
