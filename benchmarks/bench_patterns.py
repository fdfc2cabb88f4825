#!/usr/bin/env python3
"""Pathological ignore lines: ctxaudit's matcher against Go's patternmatcher.

    python benchmarks/bench_patterns.py [--go GO]

Lines such as ``*a*a*a*a*a*a*a*b`` make a backtracking matcher take
exponential time on a long name of ``a``s; Go's regexp (RE2) and ctxaudit's
RE2 matcher take time linear in the path. For each line and each path
length this prints, side by side in one run:

* ctxaudit's ``DockerIgnorePattern.matches`` (best of several timed loops);
* the real ``moby/patternmatcher`` in Go (tests/gohelper, ``Pattern.match``
  through ``MatchesUsingParentResult``), the reference;
* Python's ``re`` on the same regexp (what a translation to Python ``re``
  does), stopped after ``--timeout`` seconds.

Target: ctxaudit at most 20x Go's time per match (a Python call against a
Go loop) at every length: Go's regexp is linear in the path, so ctxaudit
is too, never the exponential growth of the Python ``re`` column. The
paths end like their line, so the literal pre-check passes and the regexp
really runs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "gohelper"))

from ctxaudit.engine.pattern import DockerIgnorePattern  # noqa: E402


def _deep(depth: int) -> str:
    return "/".join(["d"] * depth)


# Paths that end like the line (so the literal pre-check passes and the
# regexp runs) but do not match: a backtracking matcher tries every split.
CASES: list[tuple[str, list[str]]] = [
    ("*a*a*a*a*a*b", ["a" * n + "/b" for n in (32, 64, 128, 255)]),
    ("*a*a*a*a*a*a*a*b", ["a" * n + "/b" for n in (32, 64, 128, 255)]),
    ("*_*_*_*.csv", ["_" * n + "/x.csv" for n in (60, 120, 240)]),
    ("**/**/**/**/**/x", [_deep(d) + "/ax" for d in (10, 50, 100)]),
    ("**/node_modules/**/*.js", ["/".join(["node_module"] * d) + "/x.js" for d in (10, 100, 300)]),
    ("*.log", ["app/" * 10 + "x.log"]),
]


def per_call(fn: object, arg: str, budget: float = 0.2) -> float:
    """Best seconds per call of ``fn(arg)`` over loops of about ``budget`` seconds."""
    assert callable(fn)
    fn(arg)
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn(arg)
        took = time.perf_counter() - t
        if took > budget / 5 or n > 1 << 20:
            break
        n *= 2
    best = took / n
    for _ in range(4):
        t = time.perf_counter()
        for _ in range(n):
            fn(arg)
        best = min(best, (time.perf_counter() - t) / n)
    return best


def _python_re(regexp: str, path: str, out: multiprocessing.SimpleQueue) -> None:  # type: ignore[type-arg]
    rx = re.compile(regexp.replace("(.*/)?", "(?:.*/)?")[:-1] + r"\Z")
    t = time.perf_counter()
    rx.search(path)
    out.put(time.perf_counter() - t)


def python_re(regexp: str, path: str, timeout: float) -> float | None:
    """Seconds of one Python ``re`` search of the Go regexp, None past ``timeout``."""
    q: multiprocessing.SimpleQueue = multiprocessing.SimpleQueue()  # type: ignore[type-arg]
    p = multiprocessing.Process(target=_python_re, args=(regexp, path, q))
    p.start()
    p.join(timeout)
    if p.is_alive():
        p.kill()
        p.join()
        return None
    took: float = q.get()
    return took


def fmt(seconds: float | None, timeout: float) -> str:
    if seconds is None:
        return f"> {timeout:.0f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--go", default="/usr/bin/go", help="Go toolchain for the reference (default: Debian's)")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds before Python re is stopped")
    args = ap.parse_args()
    go = None
    try:
        import fuzz

        go = fuzz.GoHelper(args.go)
        print(f"reference: moby/patternmatcher built with {go.version}")
    except (RuntimeError, OSError) as exc:
        print(f"reference: none ({exc})")
    print(f"{'line':<26}{'engine':>8}{'path bytes':>11}{'ctxaudit':>12}{'Go':>11}{'ctx/Go':>8}{'python re':>12}")
    for line, paths in CASES:
        pat = DockerIgnorePattern(line)
        for path in paths:
            ours = per_call(pat.matches, path)
            theirs = None
            if go is not None:
                theirs = go.bench(line, path, 2000)
            ratio = f"{ours / theirs:.1f}x" if theirs else "n/a"
            slow = python_re(pat.go_regexp, path, args.timeout)
            n = len(path.encode())
            print(
                f"{line:<26}{'re2' if pat.uses_re2 else 'python':>8}{n:>11}{fmt(ours, args.timeout):>12}"
                f"{fmt(theirs, args.timeout) if theirs else 'n/a':>11}{ratio:>8}{fmt(slow, args.timeout):>12}"
            )
    if go is not None:
        go.close()
    print("\ntarget: ctxaudit at most 20x Go's time per match at every length (Go's regexp is linear)")
    print("python re: a backtracking engine on the same regexp, what ctxaudit no longer does")
    return 0


if __name__ == "__main__":
    sys.exit(main())
