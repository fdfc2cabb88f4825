#!/usr/bin/env python3
"""Copy a sample context and grow it to realistic sizes, for demos.

    python sample_contexts/inflate.py pandas-analysis /tmp/pandas-demo [--mb 50]

The samples in git stay small; this grows the data exports, the backups,
the virtualenv and the bytecode caches of the copy (deterministic bytes),
so that `ctxaudit` shows the proportions of a real project: tens of MB
sent, a few hundred bytes that the Dockerfile really needs.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def grow_csv(path: Path, target: int, rnd: random.Random) -> None:
    lines = path.read_text().splitlines()
    header, rows = lines[0], lines[1:] or ["0"]
    with path.open("w") as f:
        f.write(header + "\n")
        written = len(header) + 1
        while written < target:
            row = rnd.choice(rows) + "\n"
            f.write(row)
            written += len(row)


def pad(path: Path, target: int, rnd: random.Random) -> None:
    with path.open("ab") as f:
        missing = target - path.stat().st_size
        while missing > 0:
            chunk = min(missing, 1 << 20)
            f.write(rnd.randbytes(chunk))
            missing -= chunk


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sample", help="a directory under sample_contexts/")
    ap.add_argument("dest", type=Path)
    ap.add_argument("--mb", type=float, default=50.0, help="rough size of the grown context")
    args = ap.parse_args()
    src = HERE / args.sample
    if not src.is_dir():
        print(f"no such sample: {src}", file=sys.stderr)
        return 2
    if args.dest.exists():
        print(f"{args.dest} exists", file=sys.stderr)
        return 2
    shutil.copytree(src, args.dest, symlinks=True)
    rnd = random.Random(42)
    budget = int(args.mb * 1e6)
    csvs = sorted(args.dest.rglob("*.csv"))
    tars = sorted(args.dest.rglob("*.tar"))
    venvs = sorted(p.parent for p in args.dest.rglob("pyvenv.cfg"))
    for p in csvs:
        grow_csv(p, budget * 45 // 100 // max(len(csvs), 1), rnd)
    for p in tars:
        pad(p, budget * 35 // 100 // max(len(tars), 1), rnd)
    for v in venvs:
        site = v / "lib" / "python3.11" / "site-packages" / "pandas" / "_libs"
        site.mkdir(parents=True, exist_ok=True)
        for i in range(20):
            pad(site / f"ext{i}.cpython-311-x86_64-linux-gnu.so", budget * 15 // 100 // 20 // max(len(venvs), 1), rnd)
    for pyc in sorted(args.dest.rglob("*.pyc")):
        pad(pyc, 200_000, rnd)
    print(f"grew {args.dest}: {sum(p.stat().st_size for p in args.dest.rglob('*') if p.is_file()):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
