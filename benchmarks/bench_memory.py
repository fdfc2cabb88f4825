#!/usr/bin/env python3
"""Peak memory with a million files in one directory (the adversarial matrix, issue 14).

    python benchmarks/bench_memory.py [--files 1000000] [--root DIR]

Generates ``--files`` empty files in one flat directory (once; kept for the
next run), then prints the peak memory (max RSS) of each command on it,
beside two references measured in the same run: the interpreter with
ctxaudit's CLI imported (the floor every command pays) and ``modernwalk``,
the current BuildKit walk in Go (built from ../shared/docker-oracle when
missing; its column is n/a when it cannot be built). Target: every command
under 150 MB. The walk holds one compact key per child of the directory it
is in and stats files one at a time; lint walks both builders side by side
on one shared listing.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ORACLE = REPO.parent / "shared" / "docker-oracle"
MODERNWALK = Path(os.environ.get("MODERNWALK", "/tmp/modernwalk"))
TARGET_MB = 150

COMMANDS = [
    ["ls", "--sizes"],
    ["ls", "--ignored"],
    ["scan", "--no-progress"],
    ["scan", "--no-progress", "--full"],
    ["lint", "--fail-on", "none"],
    ["suggest"],
]


def generate(root: Path, files: int) -> None:
    """``files`` empty files in ``root`` itself, plus an ignore file and a Dockerfile."""
    done = root / ".done"
    if done.exists() and done.read_text() == str(files):
        return
    root.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        os.close(os.open(root / f"file{i:07d}.txt", os.O_CREAT | os.O_WRONLY, 0o644))
    (root / ".dockerignore").write_text("*.log\nfile00000*.txt\n!file0000001.txt\n")
    (root / "Dockerfile").write_text("FROM scratch\nCOPY file0000002.txt /\n")
    done.write_text(str(files))
    print(f"generated {files:,} files in {root}", file=sys.stderr)


def peak_rss(cmd: list[str]) -> tuple[float, float]:
    """Peak memory (MB) and wall time (s) of one run, in a fresh child."""
    probe = (
        "import resource, subprocess, sys, time;"
        "t = time.perf_counter();"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, check=True)
    kib, seconds = out.stdout.split()
    return int(kib) / 1024, float(seconds)


def modernwalk() -> Path | None:
    if not MODERNWALK.exists():
        build = ORACLE / "modernwalk" / "build.sh"
        if not build.exists() or subprocess.run([str(build), str(MODERNWALK)], check=False).returncode != 0:
            return None
    return MODERNWALK


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1_000_000)
    ap.add_argument("--root", type=Path, default=Path("/tmp/ctxaudit-bench"))
    args = ap.parse_args()

    flat = args.root / f"flat-{args.files}"
    started = time.perf_counter()
    generate(flat, args.files)
    if time.perf_counter() - started > 1:
        print(f"(generating took {time.perf_counter() - started:.0f}s)", file=sys.stderr)
    ctxaudit = [sys.executable, "-m", "ctxaudit"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"tree: {args.files:,} files in one directory ({flat})\n")
    floor, _ = peak_rss([sys.executable, "-c", "import ctxaudit.cli, ctxaudit.pipeline"])
    print(f"{'command':<36}{'peak memory':>12}{'wall':>9}")
    print(f"{'reference: python + ctxaudit imports':<36}{floor:>9.0f} MB")
    go = modernwalk()
    if go is not None:
        mb, seconds = peak_rss([str(go), str(flat)])
        print(f"{'reference: modernwalk (Go)':<36}{mb:>9.0f} MB{seconds:>8.1f}s")
    else:
        print(f"{'reference: modernwalk (Go)':<36}{'n/a':>12}")
    worst = 0.0
    for cmd in COMMANDS:
        mb, seconds = peak_rss([*ctxaudit, *cmd, str(flat)])
        worst = max(worst, mb)
        print(f"{'ctxaudit ' + ' '.join(cmd):<36}{mb:>9.0f} MB{seconds:>8.1f}s")
    print(f"\ntarget: every command under {TARGET_MB} MB; worst here {worst:.0f} MB")
    return 0 if worst < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
