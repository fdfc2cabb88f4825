#!/usr/bin/env python3
"""The HTML report on a large tree: its size, and what it costs beyond the scan.

    python benchmarks/bench_html.py [--files 300000] [--root DIR] [--runs 3]

Takes the monorepo-like tree of benchmarks/bench_walk.py (generated there if
missing: node_modules, .git, .venv, src, build and sparse data files) with
the typical ignore file, and measures in one run, for ``scan`` and for
``scan --full`` (which also walks the 270,000 files the ignore file keeps
out):

* the scan alone (the reference: the same pipeline without the tree), and
  the scan that also gathers the treemap's tree, in process, best of
  ``--runs``: their difference is the tree collector's cost;
* rendering the page from the report (``output.html.render``);
* the page's size in bytes and the nodes of its tree;
* end to end, ``ctxaudit scan -o json`` against ``ctxaudit scan -o html -O``
  (start-up, suggestions and writing included), best of ``--runs``, and
  the peak memory of each.

Targets: the page under 2 MB, and built in under a second beyond the scan
(tree collector + rendering). Timings on a shared machine move from run to
run; both sides of each comparison are measured in the same run, alternately.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench_walk import TYPICAL, count, generate, machine, peak_rss

from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context
from ctxaudit.output import Options
from ctxaudit.output import html as html_out
from ctxaudit.pipeline import scan


def in_process(root: Path, full: bool, runs: int, clock: Callable[[], float]) -> dict[str, float]:
    """Best times (by ``clock``) of the scan, the scan with the tree, the rendering; page bytes and nodes."""
    ctx = open_context(root, None, Builder.BUILDKIT)
    best = {"scan": float("inf"), "scan+tree": float("inf"), "render": float("inf")}
    size = nodes = 0
    for _ in range(runs):
        t = clock()
        scan([ctx], full=full, suggestions=False)
        best["scan"] = min(best["scan"], clock() - t)
        t = clock()
        report = scan([ctx], full=full, suggestions=False, tree=True)
        best["scan+tree"] = min(best["scan+tree"], clock() - t)
        t = clock()
        page = html_out.render(report, Options())
        best["render"] = min(best["render"], clock() - t)
        size = len(page.encode("utf-8"))
        assert report.tree is not None
        nodes = sum(1 for _ in report.tree.nodes())
    return {**best, "bytes": size, "nodes": nodes}


def cli(root: Path, full: bool, runs: int) -> tuple[float, float, int, int]:
    """Best wall times of ``scan -o json`` and ``scan -o html -O``, and the peak RSS (KiB) of each."""
    base = [sys.executable, "-m", "ctxaudit", "scan", str(root), "--no-progress", "--fail-on", "never"]
    if full:
        base.append("--full")
    json_best = html_best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        as_json, as_html = [*base, "-o", "json"], [*base, "-o", "html", "-O", f"{tmp}/report.html"]
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(as_json, stdout=subprocess.DEVNULL, check=True)
            json_best = min(json_best, time.perf_counter() - t)
            t = time.perf_counter()
            subprocess.run(as_html, check=True)
            html_best = min(html_best, time.perf_counter() - t)
        return json_best, html_best, peak_rss(as_json), peak_rss(as_html)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=300_000)
    ap.add_argument("--root", type=Path, default=Path("/tmp/ctxaudit-bench"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tree = args.root / f"tree-{args.files}"
    generate(tree, args.files)
    (tree / ".dockerignore").write_text(TYPICAL)
    print(f"machine: {machine()}")
    print(f"tree: {count(tree):,} files, ignore file: {TYPICAL.strip().replace(chr(10), ' ')}\n")
    head = f"{'':<12}{'clock':<6}{'scan':>7}{'scan+tree':>11}{'tree':>7}{'page':>7}{'beyond':>8}"
    print(head + f"{'page size':>12}{'nodes':>8}")
    ends = []
    for label, full in (("scan", False), ("scan --full", True)):
        for clock_name, clock in (("cpu", time.process_time), ("wall", time.perf_counter)):
            r = in_process(tree, full, args.runs, clock)
            tree_cost = max(r["scan+tree"] - r["scan"], 0.0)
            beyond = tree_cost + r["render"]
            print(
                f"{label:<12}{clock_name:<6}{r['scan']:>6.2f}s{r['scan+tree']:>10.2f}s{tree_cost:>6.2f}s"
                f"{r['render']:>6.2f}s{beyond:>7.2f}s{r['bytes'] / 1e6:>9.2f} MB{int(r['nodes']):>8,}"
            )
        ends.append((label, *cli(tree, full, args.runs)))
    print("\nend to end (wall, with suggestions; peak memory):")
    for label, cj, ch, mj, mh in ends:
        print(f"  ctxaudit {label:<12} -o json {cj:.2f}s {mj / 1024:.0f} MB   -o html -O {ch:.2f}s {mh / 1024:.0f} MB")
    print("\ntargets: page under 2 MB; 'beyond' (tree collector + page) under 1 s")
    print("in process: without suggestions, best of --runs, CPU time of this process and wall time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
