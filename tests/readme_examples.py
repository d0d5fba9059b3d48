#!/usr/bin/env python3
"""Runs the shell examples of README.md as written (issue 13: "every example
runs as written on the demo data").

Usage: tests/readme_examples.py SOURCE_DIR BUILD_DIR   (ctest readme_examples)

Every ```sh block of README.md carries a marker on the line before it:

  <!-- test: embedded -->          run by this test
  <!-- test: skip: WHY -->         not run, for the reason given

A ```sh block without a marker fails the test, so a new example is either
run or says why not. Each `embedded` block runs in a fresh temporary folder
holding `build` (a link to BUILD_DIR: the README's `build/tools/ledger`) and
`tools` (a link to SOURCE_DIR/tools: `tools/demo/registry.jsonl`), under
`bash -e -o pipefail` with no LEDGER_* or locale variables: any command
that exits non-zero fails the test, naming its README line. A command whose
comment starts with `exit N` (`# exit 1: r-3 is refused`) must exit with
exactly N.
"""
import os
import pathlib
import re
import subprocess
import sys
import tempfile

MARKER = re.compile(r"^<!--\s*test:\s*(embedded|skip)\b(.*?)-->\s*$")
EXPECT_EXIT = re.compile(r"\s#\s*exit (\d+)\b[^']*$")
TIMEOUT_S = 300


def blocks(readme: str):
    """Yields (kind, reason, first_line_no, lines) per ```sh block; kind is
    None for a block without a marker."""
    lines = readme.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            marker = MARKER.match(lines[i - 1].strip()) if i > 0 else None
            start = i + 1
            end = start
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            kind = marker.group(1) if marker else None
            reason = marker.group(2).strip(" :—-") if marker else ""
            yield kind, reason, start + 1, lines[start:end]
            i = end + 1
            continue
        i += 1


def script(lines, first_line_no):
    """The block as a bash script: README line numbers in errors, and
    `exit N` comments turned into checks."""
    header = [
        "set -eo pipefail",
        f"readme_line() {{ echo $(( $1 + {first_line_no} - HEADER )); }}",
        "expect_exit() {  # WANT GOT LINENO",
        '  if [ "$1" != "$2" ]; then',
        '    echo "README.md:$(readme_line $3): exit $2, expected $1" >&2',
        "    exit 1",
        "  fi",
        "}",
        "trap 'rc=$?; echo \"README.md:$(readme_line $LINENO): exit $rc\" >&2' "
        "ERR",
    ]
    header.insert(0, f"HEADER={len(header) + 2}")  # the line of block line 1
    out = list(header)
    for line in lines:
        m = EXPECT_EXIT.search(line)
        if m:
            command = line[: m.start()].rstrip()
            line = (f"{command} && __rc=0 || __rc=$?; "
                    f"expect_exit {m.group(1)} $__rc $LINENO")
        out.append(line)
    return "\n".join(out) + "\n"


def main() -> int:
    source = pathlib.Path(sys.argv[1]).resolve()
    build = pathlib.Path(sys.argv[2]).resolve()
    readme = (source / "README.md").read_text(encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LEDGER_", "LC_", "LANG", "NOTIFY_SOCKET"))}
    ran = 0
    failures = []
    for kind, reason, line_no, lines in blocks(readme):
        if kind is None:
            failures.append(
                f"README.md:{line_no - 1}: a ```sh block without a "
                "<!-- test: embedded --> or <!-- test: skip: WHY --> marker")
            continue
        if kind == "skip":
            print(f"README.md:{line_no}: skipped: {reason}")
            continue
        with tempfile.TemporaryDirectory(prefix="xueji-readme-") as tmp:
            os.symlink(build, os.path.join(tmp, "build"))
            os.symlink(source / "tools", os.path.join(tmp, "tools"))
            path = os.path.join(tmp, "example.sh")
            with open(path, "w", encoding="utf-8") as f:
                f.write(script(lines, line_no))
            run_env = dict(env, HOME=tmp, TZ="UTC")
            try:
                done = subprocess.run(["bash", path], cwd=tmp, env=run_env,
                                      capture_output=True, text=True,
                                      timeout=TIMEOUT_S)
                rc, out, err = done.returncode, done.stdout, done.stderr
            except subprocess.TimeoutExpired as e:
                rc, out, err = "timeout", e.stdout or "", e.stderr or ""
        ran += 1
        if rc != 0:
            failures.append(f"README.md:{line_no}: the block failed ({rc})\n"
                            f"--- stdout (end)\n{str(out)[-3000:]}\n"
                            f"--- stderr (end)\n{str(err)[-3000:]}")
        else:
            print(f"README.md:{line_no}: ran {len(lines)} lines, exit 0")
    if ran == 0:
        failures.append("no <!-- test: embedded --> block in README.md")
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
