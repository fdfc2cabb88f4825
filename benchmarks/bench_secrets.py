#!/usr/bin/env python3
"""Cost of judging secrets by content, against the same walk judging by name only.

    python benchmarks/bench_secrets.py [--files 100000] [--root DIR]

Generates a tree of small files where half have no code suffix (no suffix,
.txt, .json, .cfg: the files ctxaudit reads the first bytes of when they are
at most 8 KiB) and half are code (.js, .py, .md, .yml: never read), then
times, best of five warm runs in one process:

* the scan's walk with kinds (``classify.kinds.walk``), which reads the
  sniffable files;
* the reference: the same walk labelling kinds by name only.

Target: the walk with content checks takes at most 2x the name-only walk on this
worst-case tree (every other file is read); on real projects far fewer
files qualify. Prints the machine and the tree with the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ctxaudit.classify import kinds, secrets  # noqa: E402
from ctxaudit.engine.context import open_context  # noqa: E402
from ctxaudit.engine.walk import Entry  # noqa: E402

SUFFIXES = ["", ".txt", ".json", ".cfg", ".js", ".py", ".md", ".yml"]


def generate(root: Path, files: int) -> None:
    if (root / ".done").exists() and int((root / ".done").read_text()) == files:
        return
    per_dir = 200
    for i in range(files):
        d = root / f"d{i // (per_dir * 50)}" / f"s{i // per_dir}"
        if i % per_dir == 0:
            d.mkdir(parents=True, exist_ok=True)
        with open(d / f"f{i}{SUFFIXES[i % len(SUFFIXES)]}", "wb") as f:
            f.write(b"x" * (100 + (i * 37) % 3000))
    (root / "Dockerfile").write_text("FROM scratch\nCOPY . /app\n")
    (root / ".done").write_text(str(files))


def best(fn: Callable[[], Iterator[Entry]], runs: int = 5) -> tuple[float, int]:
    t_best = float("inf")
    n = 0
    for _ in range(runs):
        t = time.perf_counter()
        n = sum(1 for _ in fn())
        t_best = min(t_best, time.perf_counter() - t)
    return t_best, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--root", type=Path, default=Path("/tmp/ctxaudit-bench-secrets"))
    args = ap.parse_args()
    generate(args.root, args.files)
    ctx = open_context(args.root)

    def names_only() -> Iterator[Entry]:
        for e in kinds.engine_walk(ctx, label_dir=kinds.dir_kind):
            kinds.of(e)
            yield e

    sniffed = sum(
        1
        for dp, _, names in os.walk(args.root)
        for name in names
        if secrets.sniffable(name) and 64 <= os.path.getsize(os.path.join(dp, name)) <= secrets.SNIFF_ANY_MAX
    )
    ref, n = best(names_only)
    judged, _ = best(lambda: kinds.walk(ctx))
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    print(f"tree: {n:,} entries, {sniffed:,} files small enough and without a code suffix (read)")
    print(f"walk with kinds by name only (reference): {ref:.2f}s")
    print(f"walk with secrets judged by content:      {judged:.2f}s  (+{judged - ref:.2f}s, {judged / ref:.2f}x)")
    print(f"per file read: {1e6 * (judged - ref) / max(sniffed, 1):.1f} us; target: at most 2.00x the reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
