#!/usr/bin/env python3
"""Record (or re-check) Go's answers for fuzz.KNOWN into golden.json.

    python tests/gohelper/record.py            # re-record with Debian's Go
    python tests/gohelper/record.py --check    # ask every Go toolchain, report drift

The golden holds, for each known case, what the real moby/patternmatcher
decides for each path (MatchesOrParentMatches and the walk's
MatchesUsingParentResults) and which line decides it (the last line that
matches), so the test suite checks them on a machine without Go.
"""

from __future__ import annotations

import argparse
import json
import sys

import fuzz


def answers(helper: fuzz.GoHelper) -> list[dict[str, object]]:
    return [
        {"lines": lines, "paths": paths, "go": fuzz.go_view(helper.ask(lines, paths))} for lines, paths in fuzz.KNOWN
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with golden.json, write nothing")
    ap.add_argument("--go", default="/usr/bin/go", help="toolchain to record with (default: Debian's)")
    args = ap.parse_args()
    if not args.check:
        helper = fuzz.GoHelper(args.go)
        try:
            data = answers(helper)
        finally:
            helper.close()
        text = json.dumps(data, indent=1) + "\n"
        fuzz.GOLDEN.write_text(text, encoding="utf-8")
        print(f"recorded {len(data)} cases with {helper.version}")
        return 0
    golden = fuzz.load_golden()
    drift = 0
    for go in fuzz.toolchains():
        helper = fuzz.GoHelper(go)
        try:
            live = answers(helper)
        finally:
            helper.close()
        bad = [g["lines"] for g, now in zip(golden, live, strict=False) if g != now]
        drift += len(bad) + abs(len(golden) - len(live))
        print(
            f"{helper.version}: {len(live) - len(bad)}/{len(live)} cases as recorded"
            + (f", drift: {bad}" if bad else "")
        )
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
