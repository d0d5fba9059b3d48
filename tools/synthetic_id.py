#!/usr/bin/env python3
"""Prints a synthetic 18-character resident ID (GB 11643-1999) with a correct
ISO 7064 MOD 11-2 check character, for tests and demos. Never use real people's
numbers: pick a sequence that says what the number is for.

Usage:  tools/synthetic_id.py AREA YYYYMMDD SEQ3
  AREA      6-digit area code (GB/T 2260), e.g. 350203; 810000/820000/830000
            for residence permits, 9 + province + 3 digits for the 2023
            foreign permanent residence card
  YYYYMMDD  birth date, e.g. 20210315
  SEQ3      3-digit sequence; odd = male, even = female, e.g. 001 or 002
Example:  tools/synthetic_id.py 350203 20210315 001   ->  350203202103150016
          (the last character, 6, is the computed check character)
"""
import datetime
import sys

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def check_char(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def main(argv: list) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    area, birth, seq = argv[1:]
    if len(area) != 6 or not area.isdigit():
        print("AREA must be 6 digits", file=sys.stderr)
        return 2
    try:
        datetime.datetime.strptime(birth, "%Y%m%d")
        if len(birth) != 8:
            raise ValueError
    except ValueError:
        print("YYYYMMDD must be a real date", file=sys.stderr)
        return 2
    if len(seq) != 3 or not seq.isdigit():
        print("SEQ3 must be 3 digits", file=sys.stderr)
        return 2
    first17 = area + birth + seq
    print(first17 + check_char(first17))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
