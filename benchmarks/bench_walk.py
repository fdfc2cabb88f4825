#!/usr/bin/env python3
"""Walk speed and memory: ctxaudit ls against modernwalk and docker-py.

    python benchmarks/bench_walk.py [--files 300000] [--big 1000000] [--root DIR]

Generates a monorepo-like tree (node_modules, .git, .venv, src, build and a
few large sparse data files), then times, side by side in one run:

* ``ctxaudit ls`` against ``modernwalk`` (the current BuildKit walk in Go on
  the real moby/patternmatcher; built from ../shared/docker-oracle) -
  target: at most 1.5x its wall time;
* ``ctxaudit ls`` against docker-py's ``docker.utils.build.exclude_paths``
  (``pip install docker``) - target: at least 3x faster;

for a typical ignore file and for one with a wildcard exception (which
forces a full walk), each the best of five warm runs (docker-py: three); then the peak memory
(max RSS) of ``ctxaudit ls`` at --files and at --big files (target: flat,
under 150 MB). Prints the machine and the tree sizes with the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ORACLE = REPO.parent / "shared" / "docker-oracle"
MODERNWALK = Path(os.environ.get("MODERNWALK", "/tmp/modernwalk"))

TYPICAL = "**/node_modules\n.git\n.venv\nbuild\n**/__pycache__\n*.log\ndata/*.bin\n"
WILDCARD = TYPICAL + "!**/keep.txt\n"


def generate(root: Path, files: int) -> None:
    """About ``files`` small files in a monorepo layout, plus sparse data files."""
    if (root / ".done").exists() and int((root / ".done").read_text()) == files:
        return
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shares = {
        "node_modules": 0.5,
        ".git/objects": 0.15,
        ".venv/lib/python3.11/site-packages": 0.15,
        "src": 0.1,
        "build": 0.07,
        "packages/web/node_modules": 0.03,
    }
    made = 0
    for top, share in shares.items():
        n = int(files * share)
        per_dir = 40
        for i in range(n):
            d = root / top / f"pkg{i // (per_dir * 20)}" / f"mod{(i // per_dir) % 20}"
            if i % per_dir == 0:
                d.mkdir(parents=True, exist_ok=True)
            name = f"f{i}.py" if top == "src" else f"f{i}.js"
            with open(d / name, "wb") as f:
                f.write(b"x" * (64 + i % 512))
            made += 1
    (root / "build" / "keep.txt").write_text("keep\n")
    data = root / "data"
    data.mkdir(exist_ok=True)
    for i in range(3):
        with open(data / f"dump{i}.bin", "wb") as f:
            f.truncate(2 * 1024**3)  # sparse: 2 GiB apparent, no blocks
    (root / "Dockerfile").write_text("FROM scratch\nCOPY . /app\n")
    (root / ".done").write_text(str(files))
    print(f"generated {made:,} files under {root}", file=sys.stderr)


def timed(cmd: list[str], runs: int = 5) -> tuple[float, int]:
    """Best wall time of ``runs`` runs and the max RSS (KiB) of the child."""
    best = float("inf")
    rss = 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - t)
        rss = max(rss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return best, rss


def peak_rss(cmd: list[str]) -> int:
    """Max RSS (KiB) of one run, measured in a fresh process."""
    probe = (
        "import resource, subprocess, sys;"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def in_process_walk(root: Path, runs: int = 5) -> float:
    """Best time of the library walk alone (what ``ls`` does after start-up)."""
    code = (
        "import sys, time; from pathlib import Path;"
        "from ctxaudit.engine.context import open_context; from ctxaudit.engine.walk import walk;"
        "ctx = open_context(Path(sys.argv[1])); t = time.perf_counter();"
        "n = sum(1 for e in walk(ctx, sizes=False) if e.sent and e.is_file);"
        "print(time.perf_counter() - t)"
    )
    best = float("inf")
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
        best = min(best, float(out.stdout))
    return best


def docker_py_cmd(root: Path) -> list[str] | None:
    try:
        import docker  # noqa: F401
    except ImportError:
        return None
    code = (
        "import sys; from docker.utils.build import exclude_paths;"
        "pats=[l for l in open(sys.argv[2]).read().splitlines() if l];"
        "print(len(exclude_paths(sys.argv[1], pats)))"
    )
    return [sys.executable, "-c", code, str(root), str(root / ".dockerignore")]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            lines = f.readlines()
        for line in lines:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Python {platform.python_version()}"


def count(root: Path) -> int:
    return sum(len(f) for _, _, f in os.walk(root))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=300_000)
    ap.add_argument("--big", type=int, default=1_000_000, help="tree size for the second memory figure (0: skip)")
    ap.add_argument("--root", type=Path, default=Path("/tmp/ctxaudit-bench"))
    args = ap.parse_args()

    if not MODERNWALK.exists():
        subprocess.run([str(ORACLE / "modernwalk" / "build.sh"), str(MODERNWALK)], check=True)
    ctxaudit = [sys.executable, "-m", "ctxaudit", "ls"]
    tree = args.root / f"tree-{args.files}"
    generate(tree, args.files)
    print(f"machine: {machine()}")
    print(f"tree: {count(tree):,} files ({args.files:,} generated + 3 sparse 2 GiB files)\n")
    startup, _ = timed([*ctxaudit, "--help"])
    print(f"CLI start-up alone (python + typer, `ctxaudit --help`): {startup:.2f}s\n")
    head = f"{'ignore file':<20}{'ctxaudit ls':>12}{'walk only':>11}{'modernwalk':>12}"
    print(head + f"{'ls/go':>7}{'walk/go':>8}{'docker-py':>11}{'speedup':>9}")
    for label, text in (("typical", TYPICAL), ("wildcard exception", WILDCARD)):
        (tree / ".dockerignore").write_text(text)
        ours, _ = timed([*ctxaudit, str(tree)])
        walk_only = in_process_walk(tree)
        go, _ = timed([str(MODERNWALK), str(tree)])
        dp_cmd = docker_py_cmd(tree)
        if dp_cmd:
            dp, _ = timed(dp_cmd, runs=3)
            dp_s, speed = f"{dp:.2f}s", f"{dp / ours:.1f}x"
        else:
            dp_s, speed = "n/a", "n/a"
        print(
            f"{label:<20}{ours:>11.2f}s{walk_only:>10.2f}s{go:>11.2f}s"
            f"{ours / go:>6.2f}x{walk_only / go:>7.2f}x{dp_s:>11}{speed:>9}"
        )
    # docker-py prunes excluded directories the way the legacy builder does,
    # so with a wildcard exception the like-for-like run is --builder legacy.
    (tree / ".dockerignore").write_text(WILDCARD)
    legacy, _ = timed([*ctxaudit, "--builder", "legacy", str(tree)])
    dp_cmd = docker_py_cmd(tree)
    if dp_cmd:
        dp, _ = timed(dp_cmd, runs=3)
        blank = " " * 38
        print(f"{'wildcard, legacy walk':<20}{legacy:>11.2f}s{blank}{dp:>10.2f}s{dp / legacy:>8.1f}x")
    else:
        print("(docker-py columns: pip install docker)")
    print("\ntargets: ctxaudit ls <= 1.5x modernwalk; >= 3x faster than docker-py")
    print("'walk only' is the library walk in-process, without interpreter and CLI start-up\n")

    (tree / ".dockerignore").write_text(WILDCARD)
    sizes = [args.files] + ([args.big] if args.big else [])
    for n in sizes:
        t = args.root / f"tree-{n}"
        generate(t, n)
        (t / ".dockerignore").write_text(WILDCARD)
        kib = peak_rss([*ctxaudit, "--sizes", str(t)])
        print(f"peak memory, ctxaudit ls --sizes, {count(t):,} files, full walk: {kib / 1024:.0f} MB")
    print("target: flat, under 150 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
