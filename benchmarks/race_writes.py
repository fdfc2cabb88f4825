"""Concurrent writes into the context while ctxaudit plans and checks a write.

Runs N ``ctxaudit`` processes at once (``init``, ``suggest --write`` on a
Compose project of two services, ``suggest --write`` on a plain context), each
on its own context, while a writer thread keeps creating and removing a
temporary file in every context (an editor saving, another tool's scratch
file). A temporary file seen by the plan's walk and not by the check's walk
made the check refuse the plan: exit 2, nothing written. The figure is how
many runs exit 2, and how many left a project half written; ``--ref`` runs
another checkout (main, say) in the same run for comparison.

    python benchmarks/race_writes.py --runs 12 --rounds 3 --ref /work/main
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

COMMANDS = ("init", "project", "suggest")


def _context(root: Path, ignore: bool) -> None:
    for rel, data in {
        "app.py": b"print(1)\n",
        "node_modules/x/index.js": b"x" * 2000,
        "__pycache__/a.pyc": b"x" * 500,
        "Dockerfile": b"FROM scratch\nCOPY app.py /\n",
        **({".dockerignore": b"*.log\n"} if ignore else {}),
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


def _setup(base: Path, command: str, runs: int) -> tuple[list[Path], list[list[str]], list[Path]]:
    """The contexts the writer touches, each run's arguments, each run's project root."""
    dirs, argv, roots = [], [], []
    for i in range(runs):
        root = base / f"r{i}"
        if command == "project":
            for service in ("a", "b"):
                _context(root / service, ignore=True)
                dirs.append(root / service)
            (root / "compose.yaml").write_text("services:\n  a:\n    build: a\n  b:\n    build: b\n")
            argv.append(["suggest", "--write", str(root)])
        else:
            _context(root, ignore=command == "suggest")
            dirs.append(root)
            argv.append([command, *(["--write"] if command == "suggest" else []), str(root)])
        roots.append(root)
    return dirs, argv, roots


def _round(command: str, runs: int, period: float, src: Path | None) -> tuple[int, int]:
    """(runs that exit 2, projects left half written) of one round."""
    base = Path(tempfile.mkdtemp(prefix="ctxaudit-race-"))
    try:
        dirs, argv, roots = _setup(base, command, runs)
        stop = threading.Event()

        def writer() -> None:
            n = 0
            while not stop.is_set():
                for d in dirs:
                    temp = d / f".save.{n}.part"
                    temp.write_bytes(b"y" * 100)
                    time.sleep(period / 2)
                    temp.unlink()
                    n += 1
                time.sleep(period / 2)

        thread = threading.Thread(target=writer)
        thread.start()
        env = dict(os.environ)
        if src is not None:
            env["PYTHONPATH"] = str(src)
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "ctxaudit", *a],
                cwd=base,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for a in argv
        ]
        codes = []
        for p in procs:
            _, err = p.communicate(timeout=600)
            codes.append(p.returncode)
            if p.returncode not in (0, 2):
                print(f"  unexpected exit {p.returncode}: {err.decode(errors='replace').strip()}", file=sys.stderr)
        stop.set()
        thread.join()
        half = 0
        if command == "project":
            for root in roots:
                changed = [(root / s / ".dockerignore").read_bytes() != b"*.log\n" for s in ("a", "b")]
                half += changed[0] != changed[1]
        return sum(c == 2 for c in codes), half
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=12, help="concurrent runs per round (default 12)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per command (default 3)")
    ap.add_argument("--period", type=float, default=0.05, help="writer's period per context, seconds (0.05)")
    ap.add_argument("--ref", type=Path, help="another checkout to run in the same way (e.g. /work/main)")
    ap.add_argument("--only", choices=COMMANDS, action="append", help="only these commands")
    args = ap.parse_args()
    sources: list[tuple[str, Path | None]] = [("this", None)]
    if args.ref is not None:
        sources.insert(0, (f"ref {args.ref}", args.ref.resolve()))
    for command in args.only or COMMANDS:
        for label, src in sources:
            failed = half = 0
            for _ in range(args.rounds):
                f, h = _round(command, args.runs, args.period, src)
                failed, half = failed + f, half + h
            total = args.runs * args.rounds
            extra = f", {half} projects half written" if command == "project" else ""
            print(f"{command:8} {label:24} {failed:3} of {total} runs exit 2{extra}")


if __name__ == "__main__":
    main()
