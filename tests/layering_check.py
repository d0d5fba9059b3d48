#!/usr/bin/env python3
"""Fails when a library includes a library above it (the layering of
ledger/README.md), or anything below commands/ includes commands/, or a
source file outside the tests is longer than MAX_LINES (issue 8: no source
file over 600 lines outside generated code and tests).

Usage: tests/layering_check.py [SOURCE_DIR]   (run by ctest as `layering`)

Each folder is a layer; a file's quoted includes ("ledger/log/x.h") must name
its own folder or one it may depend on. Tests (*_test.cc, *_test_util.h) may
also include tests/support/ and any library of ledger/ or projections/ (they
assemble what they test), never commands/.
"""
import pathlib
import re
import sys

# folder -> folders it may include (besides itself). xueji/v1/*.pb.h (the
# generated protos) may be included from anywhere.
ALLOWED = {
    "ledger/base": set(),
    "ledger/rules": {"ledger/base"},
    "ledger/decide": {"ledger/rules", "ledger/base"},
    "ledger/storage": {"ledger/base"},
    "ledger/log": {"ledger/storage", "ledger/base"},
    "ledger/processor": {"ledger/decide", "ledger/log", "ledger/storage",
                         "ledger/rules", "ledger/base"},
    "ledger/kafka": {"ledger/log", "ledger/storage", "ledger/rules",
                     "ledger/base"},
    "ledger/service": {"ledger/processor", "ledger/kafka", "ledger/decide",
                       "ledger/log", "ledger/storage", "ledger/rules",
                       "ledger/base"},
    "projections": {"ledger/kafka", "ledger/decide", "ledger/log",
                    "ledger/storage", "ledger/rules", "ledger/base"},
}
LIBRARIES = set(ALLOWED) | {"commands"}
TEST_EXTRA = {"tests/support"} | {k for k in ALLOWED}
MAX_LINES = 600
# Folders whose non-test sources must stay under MAX_LINES (generated code
# lives in the build tree, not here).
SIZED = ("ledger", "projections", "commands", "bench", "tools")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def folder_of(path: str) -> str:
    parts = path.split("/")
    if parts[0] == "ledger" and len(parts) >= 3:
        return "/".join(parts[:2])
    if parts[0] == "tests" and len(parts) >= 3 and parts[1] == "support":
        return "tests/support"
    return parts[0] if len(parts) > 1 else ""


def is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (name.endswith("_test.cc") or name.endswith("_test_util.h")
            or name == "test_support.h")


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = []
    flat = [p.name for p in (root / "ledger").iterdir()
            if p.is_file() and p.suffix in (".h", ".cc")]
    for name in flat:
        problems.append(f"ledger/{name}: source files belong in a library "
                        "folder of ledger/, not in ledger/ itself")
    for top in ("ledger", "projections"):
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in (".h", ".cc"):
                continue
            rel = path.relative_to(root).as_posix()
            here = folder_of(rel)
            if here not in ALLOWED:
                problems.append(f"{rel}: not in a known library folder")
                continue
            allowed = ALLOWED[here] | {here}
            if is_test(rel):
                allowed |= TEST_EXTRA
            for target in INCLUDE.findall(path.read_text(encoding="utf-8")):
                if target.startswith("xueji/v1/"):
                    continue
                there = folder_of(target)
                if there not in LIBRARIES and there != "tests/support" \
                        and not target.startswith("tests/"):
                    continue  # a third-party header (absl/, rocksdb/, ...)
                if there not in allowed:
                    problems.append(f"{rel}: includes \"{target}\" "
                                    f"({there} is not below {here})")
    for top in SIZED:
        for path in sorted((root / top).rglob("*")):
            if path.suffix not in (".h", ".cc") or is_test(path.name):
                continue
            lines = path.read_text(encoding="utf-8").count("\n")
            if lines > MAX_LINES:
                rel = path.relative_to(root).as_posix()
                problems.append(f"{rel}: {lines} lines; split it (at most "
                                f"{MAX_LINES} outside tests)")
    for p in problems:
        print(p)
    print(f"layering: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
