#!/usr/bin/env python3
"""Every Catch2 test name must survive ctest: catch_discover_tests splits a
name at ';' into two tests that match nothing and fail (seen in session 6).
Usage: test_names_check.py ROOT. Prints each offending name; exit 1 if any."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
# TEST_CASE(name, tags), SCENARIO(name, tags), TEST_CASE_METHOD(Fixture, name,
# tags): the name is the first string literal after the opening.
case = re.compile(r'\b(?:(?:TEST_CASE|SCENARIO)\s*\(|TEST_CASE_METHOD\s*\(\s*[\w:]+\s*,)'
                  r'(.*?)\)\s*\{', re.S)
literal = re.compile(r'"((?:[^"\\]|\\.)*)"')
bad = []
for path in sorted(root.rglob('*.cc')):
    if any(part.startswith('build') for part in path.relative_to(root).parts):
        continue
    text = path.read_text(encoding='utf-8')
    for m in case.finditer(text):
        args = m.group(1)
        end = args.find('",')
        name = ''.join(literal.findall(args if end < 0 else args[:end + 1]))
        if ';' in name:
            line = text[:m.start()].count('\n') + 1
            bad.append(f'{path.relative_to(root)}:{line}: "{name}"')
for b in bad:
    print(f"test name with ';' (ctest splits it there): {b}")
sys.exit(1 if bad else 0)
