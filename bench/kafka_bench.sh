#!/usr/bin/env bash
# Kafka mode end to end (issue 3 / issue 4 / issue 11):
#
#   bench/kafka_bench.sh [--children N] [--seed S] [--bin DIR]
#                        [--brokers 1|3] [--kafka-dir DIR] [--transactions]
#                        [--batch N] [--mock]
#
# Generates a workload (ledger gen), starts Apache Kafka with
# tools/kafka-local.sh (--brokers, default 1; or uses the running cluster of
# --kafka-dir DIR), one processor (--transactions: with Kafka transactions)
# and one projector (--batch: the processor's requests per decided batch),
# loads the registry, then times:
#   1. submit -> processor -> answers: `ledger --kafka B submit` of every
#      request (the projector consumes concurrently, on the same cores);
#   2. a second projector replica built from offset 0 with --until-caught-up
#      (events/s, from process start; a replica this far behind folds,
#      projections/kafka_projector.h);
# and prints them as a table and one JSON line. --mock uses librdkafka's mock
# cluster (ledger-mock-kafka, 3 brokers) instead: it keeps only ~5 MiB per
# partition in memory, so N is bounded there (~3,000 children).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CHILDREN=100000
SEED=1
BIN=$ROOT/build/tools
BROKERS=1
KAFKA_DIR=""
TXN=()
BATCH=()
MOCK=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --children) CHILDREN="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --bin) BIN="$2"; shift 2 ;;
    --brokers) BROKERS="$2"; shift 2 ;;
    --kafka-dir) KAFKA_DIR="$2"; shift 2 ;;
    --transactions) TXN=(--transactions); shift ;;
    --batch) BATCH=(--batch "$2"); shift 2 ;;
    --mock) MOCK=1; shift ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "kafka_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
L=$BIN/ledger
WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/kafka-bench.XXXXXX")
OWN_CLUSTER=""
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "$OWN_CLUSTER" ]]; then
    "$ROOT/tools/kafka-local.sh" down --dir "$OWN_CLUSTER" >/dev/null 2>&1 || true
  fi
  [[ -n "${KEEP:-}" ]] && cp "$WORK"/*.log /tmp/ 2>/dev/null; rm -rf "$WORK"
}
trap cleanup EXIT
now() { date +%s.%N; }
# CPU seconds (user + system) a process has used so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }

"$L" gen --children "$CHILDREN" --seed "$SEED" --out "$WORK/w" >/dev/null 2>&1
SUBMIT_NOW=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['submitNow'])" "$WORK/w/summary.json")
# The year entered in one sitting on submitNow's day (the ledger's clock is
# the only clock, docs/accountability.md).
sed 's/"occurredOn":"[0-9-]*"/"occurredOn":"'"${SUBMIT_NOW:0:10}"'"/' \
  "$WORK/w/requests.jsonl" > "$WORK/w/requests-one-sitting.jsonl"
REQUESTS=$(wc -l < "$WORK/w/requests-one-sitting.jsonl")
export LEDGER_NOW=$SUBMIT_NOW LEDGER_KAFKA_TIMEOUT=120s
unset LEDGER_KAFKA LEDGER_TOPIC_PREFIX LEDGER_KAFKA_CONFIG

PREFIX=bench$$
if ((MOCK)); then
  PREFIX=xueji
  CLUSTER="mock (ledger-mock-kafka, 3 brokers)"
  "$BIN/ledger-mock-kafka" --brokers 3 > "$WORK/mock.out" 2> "$WORK/mock.err" &
  PIDS+=($!)
  for _ in $(seq 100); do [[ -s "$WORK/mock.out" ]] && break; sleep 0.1; done
  B=$(head -1 "$WORK/mock.out")
else
  if [[ -z "$KAFKA_DIR" ]]; then
    KAFKA_DIR=$WORK/kafka
    OWN_CLUSTER=$KAFKA_DIR
    "$ROOT/tools/kafka-local.sh" up --brokers "$BROKERS" --dir "$KAFKA_DIR" \
      --prefix "$PREFIX" > "$WORK/kafka.out"
  else
    # (not sourced: the file sets PREFIX, which names our topics here)
    BOOTSTRAP=$(sed -n 's/^BOOTSTRAP=//p' "$KAFKA_DIR/kafka-local.env")
    BROKERS=$(sed -n 's/^BROKERS=//p' "$KAFKA_DIR/kafka-local.env")
    case "$BROKERS" in 1) R=1 M=1 ;; *) R=3 M=2 ;; esac
    KAFKA_BIN="$KAFKA_DIR/bin" REPLICATION_FACTOR=$R MIN_INSYNC_REPLICAS=$M \
      "$ROOT/deploy/kafka/topics.sh" "$BOOTSTRAP" /dev/null "$PREFIX" \
      > "$WORK/topics.log" 2>&1
  fi
  B=$(sed -n 's/^BOOTSTRAP=//p' "$KAFKA_DIR/kafka-local.env")
  BROKERS=$(sed -n 's/^BROKERS=//p' "$KAFKA_DIR/kafka-local.env")
  CLUSTER="Apache Kafka $(ls "${XUEJI_KAFKA_CACHE:-$HOME/.cache/xueji-kafka}" | sort -V | tail -1), $BROKERS broker(s)"
fi
K=(--kafka "$B" --topic-prefix "$PREFIX")
"$L" "${K[@]}" --data "$WORK/p1" processor "${TXN[@]}" "${BATCH[@]}" 2> "$WORK/p1.log" &
P1=$!
PIDS+=($P1)
"$L" "${K[@]}" projector --views "$WORK/v1" --group "$PREFIX.v1" 2> "$WORK/v1.log" &
J1=$!
PIDS+=($J1)
"$L" "${K[@]}" init --dev > /dev/null 2>&1  # a development ledger (LEDGER_NOW)
"$L" "${K[@]}" registry load "$WORK/w/registry.jsonl" > /dev/null

BROKER_PIDS=()
if ((!MOCK)); then
  for f in "$KAFKA_DIR"/broker-*/pid; do BROKER_PIDS+=("$(cat "$f")"); done
fi
brokers_cpu() { local t=0 p; for p in "${BROKER_PIDS[@]}"; do t=$(echo "$t + $(cpu "$p")" | bc); done; echo "$t"; }
c0=$(cpu "$P1") b0=$(brokers_cpu) j0=$(cpu "$J1")
t0=$(now)
/usr/bin/time -f '%U %S' -o "$WORK/submit.time" \
  "$L" "${K[@]}" submit "$WORK/w/requests-one-sitting.jsonl" > "$WORK/results.jsonl" || [[ $? -eq 1 ]]
t1=$(now)
c1=$(cpu "$P1") b1=$(brokers_cpu) j1=$(cpu "$J1")
SUBMITCPU=$(tail -1 "$WORK/submit.time" | awk '{print $1 + $2}')
EVENTS=$("$L" "${K[@]}" verify | awk '/events checked/ {print $1}')
t2=$(now)
/usr/bin/time -f '%U %S' -o "$WORK/v2.time" \
  "$L" "${K[@]}" projector --views "$WORK/v2" --group "$PREFIX.v2" --until-caught-up 2> "$WORK/v2.log"
t3=$(now)
V2CPU=$(tail -1 "$WORK/v2.time" | awk '{print $1 + $2}')
D1=$("$L" digest --content --views "$WORK/v2")
# The replica (folded when far behind) must equal the live projector's
# store row for row: stop v1, let it finish what it had not applied
# (message by message), compare the full digests.
kill -TERM "$J1" 2>/dev/null || true
wait "$J1" 2>/dev/null || true
"$L" "${K[@]}" projector --views "$WORK/v1" --group "$PREFIX.v1" --until-caught-up \
  2>> "$WORK/v1.log" > /dev/null
if [[ "$("$L" digest --views "$WORK/v1")" != "$("$L" digest --views "$WORK/v2")" ]]; then
  echo "kafka_bench.sh: the replica's views differ from the live projector's" >&2
  exit 1
fi
SAME=yes
ANSWERS=$(wc -l < "$WORK/results.jsonl")
[[ "$ANSWERS" -eq "$REQUESTS" ]] || { echo "kafka_bench.sh: $ANSWERS answers for $REQUESTS requests" >&2; exit 1; }

/usr/bin/python3 - "$CHILDREN" "$REQUESTS" "$EVENTS" "$t0" "$t1" "$t2" "$t3" "$D1" "$CLUSTER" "${TXN[*]:-}" \
  "$c0" "$c1" "$V2CPU" "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)" "$b0" "$b1" "$j0" "$j1" "$SUBMITCPU" "$SAME" <<'PY'
import json, sys
children, requests, events = map(int, sys.argv[1:4])
t0, t1, t2, t3 = map(float, sys.argv[4:8])
cluster, txn = sys.argv[9], bool(sys.argv[10])
c0, c1, v2cpu = map(float, sys.argv[11:14])
cores, load = int(sys.argv[14]), sys.argv[15]
b0, b1, j0, j1, submit_cpu = map(float, sys.argv[16:21])
per = lambda cpu: round(cpu / requests * 1e6)
submit_s, project_s = t1 - t0, t3 - t2
rows = [
    ("cluster", cluster), ("transactions", "yes" if txn else "no"),
    ("children", children), ("requests", requests), ("events", events),
    ("submit -> processor -> answers (s)", round(submit_s, 2)),
    ("  requests/s", round(requests / submit_s)),
    ("projector replica from offset 0 (s)", round(project_s, 2)),
    ("  events/s (from process start)", round(events / project_s)),
    ("CPU per request during submit (us):", ""),
    ("  processor", per(c1 - c0)),
    ("  broker(s)", per(b1 - b0)),
    ("  submit client", per(submit_cpu)),
    ("  projector v1 (live)", per(j1 - j0)),
    ("projector replica CPU per event (us)", round(v2cpu / events * 1e6)),
    ("replica == live projector (digest)", sys.argv[21]),
    ("cores / load average at the end", f"{cores} / {load}"),
]
for name, value in rows:
    print(f"{name:<40} {value:>24}")
print(json.dumps({"kafka": {"cluster": cluster, "transactions": txn,
      "children": children, "requests": requests, "events": events,
      "submit_seconds": submit_s,
      "submit_requests_per_s": requests / submit_s,
      "projector_seconds": project_s,
      "projector_events_per_s": events / project_s,
      "processor_cpu_us_per_request": (c1 - c0) / requests * 1e6,
      "brokers_cpu_us_per_request": (b1 - b0) / requests * 1e6,
      "submit_cpu_us_per_request": submit_cpu / requests * 1e6,
      "live_projector_cpu_us_per_request": (j1 - j0) / requests * 1e6,
      "projector_cpu_us_per_event": v2cpu / events * 1e6,
      "load_average": load,
      "replica_equals_live_projector": sys.argv[21] == "yes",
      "views_content_digest": sys.argv[8]}}))
PY
