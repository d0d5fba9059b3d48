#!/usr/bin/python3
"""Merges one bench/run.sh run into bench/results/<date>.json and prints the
ledger/PostgreSQL ratios and issue 4's targets (met / not met)."""
import argparse
import json
import os
import platform
import subprocess


def load(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def machine():
    mem = ""
    with open("/proc/meminfo") as f:
        mem = f.readline().split(":")[1].strip()
    disk = subprocess.run(["lsblk", "-d", "-o", "NAME,ROTA,SIZE"], capture_output=True,
                          text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "memTotal": mem, "kernel": platform.release(),
            "disks": disk}


def size_report(scratch, n):
    w = os.path.join(scratch, str(n))
    with open(os.path.join(w, "cli-times.part")) as f:
        cli = json.loads("{" + f.read().rstrip().rstrip(",") + "}")
    try:
        with open(os.path.join(w, "replay-maxrss-kb")) as f:
            cli["replayMaxRssKb"] = int(f.read().split()[-1])
    except (OSError, ValueError, IndexError):
        pass
    summary = load(os.path.join(w, "gen", "summary.json"), {})
    lb = load(os.path.join(w, "ledger-bench.json"), {})
    pg = load(os.path.join(w, "pg.json"), {})
    cli["submitRequestsPerSecond"] = summary.get("requests", 0) / cli["submit"]
    r = {"children": n, "generator": summary, "cliSeconds": cli, "ledgerBench": lb,
         "postgres": pg}
    subs = {(s["batch"], s["withViews"]): s for s in lb.get("submit", [])
            if not s.get("byOperator")}
    # Signing on vs off (issue 9): the operator-batch runs, median of each.
    def median_rate(signed):
        v = sorted(s["requestsPerSecond"] for s in lb.get("submit", [])
                   if s.get("byOperator") and s.get("signed") == signed)
        return v[len(v) // 2] if v else 0
    sign_off, sign_on = median_rate(False), median_rate(True)
    pg_runs = {x["mode"]: x for x in pg.get("runs", [])}
    ledger_submit = subs.get((512, False), {}).get("requestsPerSecond", 0)
    ledger_best = max([s["requestsPerSecond"] for s in subs.values()
                       if not s["truncatedByTimeLimit"]] or [0])
    ratios = {}
    if "batched" in pg_runs:
        b = pg_runs["batched"]["requestsPerSecond"]
        ratios["submitBatch512VsPgBatched"] = ledger_submit / b if b else None
        ratios["submitCliVsPgBatched"] = cli["submitRequestsPerSecond"] / b if b else None
        ratios["submitBestVsPgBatched"] = ledger_best / b if b else None
    if "per-request" in pg_runs:
        p = pg_runs["per-request"]["requestsPerSecond"]
        b1 = subs.get((1, False), {}).get("requestsPerSecond", 0)
        ratios["submitBatch1VsPgPerRequest"] = b1 / p if p else None
        ratios["submitBatch512VsPgPerRequest"] = ledger_submit / p if p else None
    if "rebuild" in pg and "replay" in lb:
        e = pg["rebuild"]["eventsPerSecond"]
        ratios["rebuildVsPg"] = lb["replay"]["eventsPerSecond"] / e if e else None
    if sign_off:
        ratios["submitSignedVsUnsigned"] = sign_on / sign_off
    r["ratios"] = ratios
    q = lb.get("queries", {})
    p99 = max([q.get(k, {}).get("p99Us", 0) for k in
               ("recordByNumber", "recordsByIdentity", "historyOfStudent")] or [0])
    peak_kb = max(lb.get("replay", {}).get("vmHwmKb", 0), lb.get("vmHwmKbMainProcess", 0))
    r["targets"] = {
        "submit>=100k req/s durable": ledger_best >= 100000,
        "rebuild>=300k events/s": lb.get("replay", {}).get("eventsPerSecond", 0) >= 300000,
        "point query p99<=50us": p99 <= 50,
        "peak memory<1GiB": peak_kb < 1 << 20,
        ">=10x PostgreSQL on submit": (ratios.get("submitBestVsPgBatched") or 0) >= 10,
        "signing on within 10% of off": (ratios.get("submitSignedVsUnsigned") or 0) >= 0.9,
    }
    print(f"-- {n} children: ledger submit {ledger_submit:,.0f} req/s (batch 512), "
          f"best {ledger_best:,.0f}; CLI {cli['submitRequestsPerSecond']:,.0f} req/s; "
          f"PG batched {pg_runs.get('batched', {}).get('requestsPerSecond', 0):,.0f}, "
          f"per-request {pg_runs.get('per-request', {}).get('requestsPerSecond', 0):,.0f}")
    for k, v in ratios.items():
        print(f"   ratio {k:32s} {v:8.2f}" if v is not None else f"   ratio {k}: n/a")
    for k, v in r["targets"].items():
        print(f"   target {k:30s} {'met' if v else 'NOT met'}")
    return r


def kafka_report(scratch):
    """The JSON line bench/kafka_bench.sh printed, if it ran."""
    path = os.path.join(scratch, "kafka.txt")
    if not os.path.exists(path):
        return "not measured"
    with open(path) as f:
        for line in f:
            if line.startswith("{"):
                return json.loads(line)["kafka"]
    return "not measured"


def callgrind_report(scratch):
    """Instructions of one CLI submit and one replay (run.sh's callgrind_ir):
    the whole command, per request and per replayed event."""
    w = os.path.join(scratch, "callgrind")
    if not os.path.isdir(w):
        return "not measured"

    def number(name):
        try:
            with open(os.path.join(w, name)) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return 0
    summary = load(os.path.join(w, "gen", "summary.json"), {})
    submit, replay = number("ir-submit"), number("ir-replay")
    requests, events = summary.get("requests", 0), number("replayed-events")
    r = {"children": summary.get("children"), "requests": requests,
         "submitInstructions": submit, "replayedEvents": events,
         "replayInstructions": replay,
         "submitInstructionsPerRequest": submit / requests if requests else None,
         "replayInstructionsPerEvent": replay / events if events else None}
    if requests and events:
        print(f"-- callgrind, {r['children']} children: submit "
              f"{submit / requests:,.0f} instructions per request, replay "
              f"{replay / events:,.0f} per event (whole commands)")
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--sizes", nargs="+", type=int, required=True)
    args = ap.parse_args()
    out = {"date": os.path.basename(args.out)[:-5], "machine": machine(),
           "kafka": kafka_report(args.scratch),
           "callgrind": callgrind_report(args.scratch),
           "sizes": [size_report(args.scratch, n) for n in args.sizes]}
    for sync in (0, 1):
        p = os.path.join(args.scratch, f"db_bench-sync{sync}.txt")
        if os.path.exists(p):
            with open(p) as f:
                out[f"dbBenchFillseqSync{sync}"] = f.read().strip()
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
