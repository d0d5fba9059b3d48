#!/usr/bin/env bash
# Regenerates ledger/rules/data/calendar.tsv (official Chinese holidays and the
# weekend days declared working days, 调休) from the npm package chinese-days.
# Needs npm (registry access) and python3.
#
# Usage: tools/gen_calendar.sh         # writes ledger/rules/data/calendar.tsv
#
# Output: a comment line naming the source, then sorted lines
# `YYYY-MM-DD<TAB>holiday` (a day off) or `YYYY-MM-DD<TAB>workday` (a weekend
# day that is a working day). The years covered are those present in the data.
VERSION=1.5.7
# shellcheck source=tools/gen_lib.sh
source "$(dirname "$0")/gen_lib.sh"
generate_from_npm chinese-days "$VERSION" dist/chinese-days.json ledger/rules/data/calendar.tsv <<'PY'
import datetime, json, sys
src, out, version = sys.argv[1:4]
data = json.load(open(src, encoding="utf-8"))
days = {}
for kind, key in (("holiday", "holidays"), ("workday", "workdays")):
    for day in data[key]:
        datetime.date.fromisoformat(day)  # validates the form
        if days.get(day, kind) != kind:
            sys.exit(f"{day} is both a holiday and a workday")
        days[day] = kind
years = sorted({d[:4] for d in days})
with open(out, "w", encoding="utf-8", newline="\n") as f:
    f.write(f"# Chinese public holidays and 调休 working days from chinese-days "
            f"{version} (MIT), years {years[0]}-{years[-1]} — regenerate with "
            "tools/gen_calendar.sh\n")
    for day in sorted(days):
        f.write(f"{day}\t{days[day]}\n")
print(f"wrote {out}: {len(days)} days, {years[0]}-{years[-1]}", file=sys.stderr)
PY
