#!/usr/bin/env python3
"""Long Dockerfiles: chained COPY --from stages and long COPY lists, against a one-line reference.

    python benchmarks/bench_stages.py [--chain 20,24,50,200] [--copies 1500]

Each row is ``ctxaudit scan CONTEXT -f DOCKERFILE -o json`` (best of three,
wall time), printed beside the reference measured in the same run: the same
context scanned with a single ``COPY . /app/``. The chain rows are N stages,
each built FROM the one before and copying its ``/a.txt`` again (a trace of
every write to every reader of every stage it reaches took 2**N steps: 15 s
at N=24, beyond 120 s at N=50); the trace calls column is
``StageFiles.trace_calls``, the writes offered to a COPY --from source, which
grows as N**2. The COPY-list rows are N lines ``COPY src/fI.txt /app/`` into
one directory (every pair of writers used to be compared: N**2 region tests).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def chain(n: int) -> str:
    lines = ["FROM scratch AS s0", "COPY a.txt /a.txt"]
    for i in range(1, n + 1):
        lines += [f"FROM s{i - 1} AS s{i}", f"COPY --from=s{i - 1} /a.txt /a.txt"]
    return "\n".join(lines) + "\n"


def scan_seconds(ctx: Path, dockerfile: Path) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "ctxaudit", "scan", str(ctx), "-f", str(dockerfile), "-o", "json", "--no-progress"],
            stdout=subprocess.DEVNULL,
            check=False,
            cwd=REPO,
        )
        best = min(best, time.perf_counter() - start)
    return best


def trace_calls(ctx: Path, text: str) -> int:
    from ctxaudit.dockerfile.model import build_model
    from ctxaudit.dockerfile.usage import DockerfileUsage
    from ctxaudit.engine.builder import Builder
    from ctxaudit.engine.context import open_context
    from ctxaudit.engine.walk import walk

    c = open_context(ctx)
    u = DockerfileUsage(build_model(text), Builder.BUILDKIT, str(c.root))
    for e in walk(c):
        u.add(e)
    u.finish()
    return u.fs.trace_calls


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chain", default="20,24,50,200", help="stage counts (comma-separated)")
    ap.add_argument("--copies", type=int, default=1500, help="lines of the COPY list")
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'case':<28} {'scan':>8} {'reference':>10} {'ratio':>6} {'trace calls':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Path(tmp) / "chain"
        ctx.mkdir()
        (ctx / "a.txt").write_text("a\n")
        ref_df = Path(tmp) / "ref.Dockerfile"
        ref_df.write_text("FROM scratch\nCOPY . /app/\n")
        ref = scan_seconds(ctx, ref_df)
        for n in [int(x) for x in args.chain.split(",") if x]:
            df = Path(tmp) / f"chain{n}.Dockerfile"
            df.write_text(chain(n))
            took = scan_seconds(ctx, df)
            calls = trace_calls(ctx, chain(n))
            print(f"{f'COPY --from chain, N={n}':<28} {took:>7.2f}s {ref:>9.2f}s {took / ref:>5.1f}x {calls:>12,}")
        lst = Path(tmp) / "list"
        (lst / "src").mkdir(parents=True)
        for i in range(args.copies):
            (lst / "src" / f"f{i}.txt").write_text("x")
        ref = scan_seconds(lst, ref_df)
        df = Path(tmp) / "list.Dockerfile"
        text = "FROM scratch\n" + "".join(f"COPY src/f{i}.txt /app/\n" for i in range(args.copies))
        df.write_text(text)
        took = scan_seconds(lst, df)
        calls = trace_calls(lst, text)
        print(f"{f'COPY list, {args.copies} lines':<28} {took:>7.2f}s {ref:>9.2f}s {took / ref:>5.1f}x {calls:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
