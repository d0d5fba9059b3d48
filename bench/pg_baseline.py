#!/usr/bin/python3
"""PostgreSQL 15 baseline of issue 4.

Starts a throwaway cluster (initdb in a temporary directory, Unix socket only,
no TCP), loads the registry of a `ledger gen` output directory, applies the
same requests.jsonl through the PL/pgSQL decisions of pg_schema.sql and
pg_decide.sql -- one transaction per request, and a batched variant (many
requests per transaction, one round trip per batch) -- with fsync and
synchronous_commit on (durable, like the ledger), then rebuilds the
enrollment table from the events table. Prints requests/s and events/s and
writes them as JSON (--json-out).

The client is Python + psycopg2 because the decisions run server-side: the
client sends each JSONL line as it is (no parsing in Python) and one call per
request or per batch, so client overhead is a few microseconds a request.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

try:
    import psycopg2
except ImportError:  # the harness installs python3-psycopg2 (Debian)
    sys.exit("pg_baseline: python3-psycopg2 is missing (apt-get install -y python3-psycopg2)")

HERE = os.path.dirname(os.path.abspath(__file__))


def pg_bin(name, bindir):
    path = os.path.join(bindir, name)
    if not os.path.exists(path):
        sys.exit(f"pg_baseline: {path} not found (apt-get install -y postgresql)")
    return path


class Cluster:
    """A throwaway cluster under a temporary directory, socket only."""

    def __init__(self, bindir, settings):
        self.bindir = bindir
        self.dir = tempfile.mkdtemp(prefix="ledger-pg-")
        self.data = os.path.join(self.dir, "data")
        self.settings = settings
        # initdb and postgres refuse to run as root: run them as postgres.
        self.prefix = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.prefix = ["runuser", "-u", "postgres", "--"]

    def run(self, *args):
        subprocess.run(self.prefix + list(args), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self):
        self.run(pg_bin("initdb", self.bindir), "-D", self.data, "-U", "bench",
                 "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8")
        opts = " ".join(["-c listen_addresses=''", f"-k {self.dir}"] +
                        [f"-c {k}={v}" for k, v in self.settings.items()])
        self.run(pg_bin("pg_ctl", self.bindir), "-D", self.data, "-o", opts,
                 "-l", os.path.join(self.dir, "log"), "-w", "start")

    def connect(self, db="postgres"):
        return psycopg2.connect(host=self.dir, user="bench", dbname=db)

    def du(self):
        out = subprocess.run(["du", "-sb", os.path.join(self.data, "base")],
                             capture_output=True, text=True).stdout
        return int(out.split()[0]) if out else 0

    def stop(self, keep=False):
        try:
            self.run(pg_bin("pg_ctl", self.bindir), "-D", self.data, "-m", "fast", "stop")
        finally:
            if not keep:
                shutil.rmtree(self.dir, ignore_errors=True)


def create_db(cluster, name):
    admin = cluster.connect()
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    admin.close()
    conn = cluster.connect(name)
    with conn, conn.cursor() as cur:
        for f in ("pg_schema.sql", "pg_decide.sql"):
            with open(os.path.join(HERE, f), encoding="utf-8") as sql:
                cur.execute(sql.read())
    return conn


def load_registry(conn, gen_dir):
    kgs, ops = [], []
    with open(os.path.join(gen_dir, "registry.jsonl"), encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            if "kindergarten" in r:
                k = r["kindergarten"]
                kgs.append((k["code"], k["county"]))
            elif "operator" in r:
                o = r["operator"]
                ops.append((o["id"], o["role"], o["org"]))
    t0 = time.monotonic()
    with conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO kindergarten VALUES (%s, %s) ON CONFLICT DO NOTHING", kgs)
        cur.executemany("INSERT INTO operator VALUES (%s, %s, %s) ON CONFLICT DO NOTHING", ops)
    # No ANALYZE here: statistics of the still-empty enrollment tables would
    # make PL/pgSQL's cached generic plans sequential scans for the whole run.
    return len(kgs) + len(ops), time.monotonic() - t0


MALFORMED = [0]


def read_requests(gen_dir):
    """Lines that are JSON objects (the ledger answers the others MALFORMED
    without appending; they are counted, not sent). Not timed."""
    with open(os.path.join(gen_dir, "requests.jsonl"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                ok = isinstance(json.loads(line), dict)
            except ValueError:
                ok = False
            if ok:
                yield line
            else:
                MALFORMED[0] += 1


def tally(answers, counts):
    for a in answers:
        key = a.split(":")[0]
        counts[key] = counts.get(key, 0) + 1
        if key == "REJECTED":
            counts["codes"][a[9:]] = counts["codes"].get(a[9:], 0) + 1


def run_per_request(conn, gen_dir, time_limit):
    """One transaction (one fsync) per request; stops after time_limit s."""
    conn.autocommit = True
    cur = conn.cursor()
    counts, n, truncated, elapsed = {"codes": {}}, 0, False, 0.0
    for line in read_requests(gen_dir):
        t0 = time.monotonic()
        cur.execute("SELECT apply_request(%s::jsonb)", (line,))
        answer = cur.fetchone()[0]
        elapsed += time.monotonic() - t0
        tally([answer], counts)
        n += 1
        if time_limit and elapsed >= time_limit:
            truncated = True
            break
    return n, elapsed, truncated, counts


def run_batched(conn, gen_dir, batch):
    """`batch` requests per transaction, one round trip per batch."""
    conn.autocommit = False
    cur = conn.cursor()
    counts, n, pending = {"codes": {}}, 0, []
    elapsed = 0.0

    def flush():
        nonlocal elapsed
        payload = "[" + ",".join(pending) + "]"
        t0 = time.monotonic()
        cur.execute("SELECT apply_batch(%s::jsonb)", (payload,))
        answers = cur.fetchone()[0]
        conn.commit()
        elapsed += time.monotonic() - t0
        tally(answers, counts)
        pending.clear()

    for line in read_requests(gen_dir):
        pending.append(line)
        n += 1
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return n, elapsed, False, counts


def count(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        v = cur.fetchone()[0]
    conn.commit()
    return v


def measure_rebuild(conn):
    before = count(conn, "SELECT enrollment_digest()")
    t0 = time.monotonic()
    with conn, conn.cursor() as cur:
        cur.execute("SELECT rebuild()")
        events = cur.fetchone()[0]
    seconds = time.monotonic() - t0
    after = count(conn, "SELECT enrollment_digest()")
    return {"events": events, "seconds": seconds,
            "eventsPerSecond": events / seconds if seconds else 0,
            "sameAsIncremental": before == after}


def one_run(cluster, gen_dir, name, mode, batch, time_limit):
    conn = create_db(cluster, name)
    reg_lines, reg_s = load_registry(conn, gen_dir)
    if mode == "per-request":
        n, secs, truncated, counts = run_per_request(conn, gen_dir, time_limit)
    else:
        n, secs, truncated, counts = run_batched(conn, gen_dir, batch)
    conn.autocommit = False
    events = count(conn, "SELECT count(*) FROM events")
    live = count(conn, "SELECT count(*) FROM enrollment WHERE live(status)")
    result = {"mode": mode, "batch": 1 if mode == "per-request" else batch,
              "registryLines": reg_lines, "registrySeconds": reg_s,
              "requests": n, "seconds": secs, "truncatedByTimeLimit": truncated,
              "requestsPerSecond": n / secs if secs else 0,
              "events": events, "eventsPerSecond": events / secs if secs else 0,
              "liveRecords": live, "answers": counts,
              "malformedNotSent": MALFORMED[0]}
    MALFORMED[0] = 0
    print(f"pg      {mode:11s} batch {result['batch']:5d}  {n:9d} req  {events:9d} ev"
          f"  {secs:8.2f} s  {result['requestsPerSecond']:10.0f} req/s"
          f"  {result['eventsPerSecond']:10.0f} ev/s"
          f"{'  (time-limited prefix)' if truncated else ''}", flush=True)
    print(f"        answers: " + ", ".join(f"{k} {v}" for k, v in counts.items()
                                          if k != "codes") +
          "; rejected by code: " + json.dumps(counts["codes"], sort_keys=True), flush=True)
    return conn, result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gen", required=True, help="ledger gen output directory")
    ap.add_argument("--pg-bin", default="/usr/lib/postgresql/15/bin")
    ap.add_argument("--batch", type=int, default=512, help="requests per transaction")
    ap.add_argument("--per-request-seconds", type=float, default=60,
                    help="time limit of the one-transaction-per-request run (0 = all)")
    ap.add_argument("--modes", default="per-request,batched")
    ap.add_argument("--shared-buffers", default="512MB")
    ap.add_argument("--json-out")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    settings = {"shared_buffers": args.shared_buffers, "max_wal_size": "4GB",
                "fsync": "on", "synchronous_commit": "on", "full_page_writes": "on",
                "wal_level": "replica"}
    cluster = Cluster(args.pg_bin, settings)
    out = {"tool": "pg_baseline", "settings": settings, "runs": []}
    try:
        cluster.start()
        conn = cluster.connect()
        out["server"] = count(conn, "SHOW server_version")
        conn.close()
        modes = [m for m in args.modes.split(",") if m]
        for i, mode in enumerate(modes):
            conn, result = one_run(cluster, args.gen, f"run{i}", mode, args.batch,
                                   args.per_request_seconds)
            out["runs"].append(result)
            if mode == "batched":
                out["rebuild"] = measure_rebuild(conn)
                out["dataBytes"] = cluster.du()
                r = out["rebuild"]
                print(f"pg      rebuild {r['events']} events  {r['seconds']:.2f} s  "
                      f"{r['eventsPerSecond']:.0f} events/s  "
                      f"(same as incremental: {r['sameAsIncremental']})", flush=True)
            conn.close()
            if mode != "batched":  # keep only the batched run's database
                admin = cluster.connect()
                admin.autocommit = True
                admin.cursor().execute(f"DROP DATABASE run{i}")
                admin.close()
    finally:
        cluster.stop(args.keep)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(out, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
