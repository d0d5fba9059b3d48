#!/usr/bin/env bash
# Fuzzes the ledger's input readers (issue 14): builds the libFuzzer targets of
# tests/fuzz with clang into ./build-fuzz (ASan + UBSan; the normal g++ build
# in ./build is not touched), replays each target's checked-in corpus, then
# runs each target for SECONDS (default 60) starting from that corpus.
#
#   tools/fuzz.sh [SECONDS]      e.g. tools/fuzz.sh 300
#
# Installs clang-14 and its runtime (Debian packages) if missing; the other
# build dependencies come from tools/setup.sh. Targets run $FUZZ_JOBS at a
# time (default: the number of cores). Exits 1 if any target crashes, leaks,
# times out or fails one of its checks; the input that did it is kept under
# build-fuzz/fuzz-artifacts/TARGET/ and the log under build-fuzz/fuzz-logs/.
# New inputs found go to build-fuzz/fuzz-corpus/TARGET (the checked-in corpus
# is only read; tests/fuzz/make_corpus.sh merges new inputs into it).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
jobs="${FUZZ_JOBS:-$(nproc)}"
build=build-fuzz
targets=(request_line registry_line event_decoder verify_log json_line)

tools/apt_install.sh fuzz clang-14 libclang-rt-14-dev

# -O1 and line tables only: fast enough to fuzz, quick to compile, asserts on.
cmake -S . -B "$build" -G Ninja -DXUEJI_FUZZ=ON \
  -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" >/dev/null
started=$(date +%s)
cmake --build "$build" --target fuzz_targets --parallel "$(nproc)"
echo "fuzz: targets built in $(($(date +%s) - started))s" >&2

# Every corpus input once (the regression check ctest also runs).
ctest --test-dir "$build" -L fuzz --output-on-failure

mkdir -p "$build/fuzz-logs"
run_one() {
  local t=$1 bin="$build/tests/fuzz/${1}_fuzzer"
  local work="$build/fuzz-corpus/$t" artifacts="$build/fuzz-artifacts/$t/"
  local dict="tests/fuzz/$t.dict" extra=()
  mkdir -p "$work" "$artifacts"
  [ -f "$dict" ] && extra+=("-dict=$dict")
  # Long lines too: the 64 KiB line limit of the JSONL readers.
  case "$t" in request_line | registry_line) extra+=(-max_len=70000) ;; esac
  "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=3072 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "${extra[@]}" \
    "$work" "tests/fuzz/corpus/$t" >"$build/fuzz-logs/$t.log" 2>&1
}

failed=()
pids=()
names=()
wait_one() {  # waits for the oldest running target
  local rc=0
  wait "${pids[0]}" || rc=$?
  if [ "$rc" -ne 0 ]; then failed+=("${names[0]}"); fi
  pids=("${pids[@]:1}")
  names=("${names[@]:1}")
}
for t in "${targets[@]}"; do
  ((${#pids[@]} < jobs)) || wait_one
  echo "fuzz: $t for ${seconds}s" >&2
  run_one "$t" &
  pids+=($!)
  names+=("$t")
done
while ((${#pids[@]})); do wait_one; done

for t in "${targets[@]}"; do
  log="$build/fuzz-logs/$t.log"
  # libFuzzer's last status line and totals, e.g.
  #   #123456 DONE cov: 2345 ft: 6789 corp: 300/40Kb ... exec/s: 400
  printf '%-14s %s | %s\n' "$t" \
    "$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | tr -s ' \t' ' ')" \
    "$(grep -E 'stat::number_of_executed_units' "$log" | tr -s ' ')"
done
if ((${#failed[@]})); then
  for t in "${failed[@]}"; do
    echo "fuzz: $t FAILED; the end of $build/fuzz-logs/$t.log:" >&2
    tail -40 "$build/fuzz-logs/$t.log" >&2
    echo "fuzz: the input is in $build/fuzz-artifacts/$t/:" >&2
    ls -l "$build/fuzz-artifacts/$t/" >&2
  done
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
