#!/usr/bin/env python3
"""The main job against the Go walk: scan, scan --full, lint, ls, measured in one run.

    python benchmarks/bench_scan.py [--files 300000] [--big 1000000] [--runs 3]
                                    [--only targets,linear,gitignores,ignorelines,dockerfile,memory]

Every figure is whole-process CPU time (user + system, the median of
``--runs`` runs) of a fresh process, beside a reference measured in the same
run on the same tree: ``modernwalk`` (the current BuildKit walk in Go on the
real moby/patternmatcher; built from ../shared/docker-oracle), with the
benchmark's typical ignore file and with none (the Go *full* walk). The
machine is shared and its load moves single runs by 40% and more, so
compare the ratios, never figures from different runs. Peak memory is the
child's max RSS.

Sections (the targets of issue 15):

* targets: on the --files tree (bench_walk.py's monorepo layout: node_modules,
  .git, .venv, src, build; files are sparse, same sizes, no blocks on disk),
  ``scan`` with a ``COPY . /app`` Dockerfile and suggestions <= 2x the Go
  walk and <= 1.3x ``ls`` plus the Dockerfile work (``scan`` minus ``ls`` on a
  context holding only the Dockerfile); ``scan --full`` and ``lint`` <= 1.5x
  the Go full walk. Start-up: ``scan`` on a one-file context < 0.15 s.
* linear: trees of 1/4, 1/2, 1 and 2 times --files: CPU per file beyond
  start-up (the one-file context's figure) flat within 15%.
* gitignores: 100, 400, 800 nested .gitignore files (suggestions read
  them): CPU per .gitignore beyond the tree's own cost, flat within 15%.
* ignorelines: ignore files of 1k, 10k, 100k lines (--lines) on the --files
  tree: ls, scan, lint CPU and memory; per line beyond the first size.
* dockerfile: Dockerfiles of 1k, 10k, 100k lines (--lines; COPY, RUN, ENV, a
  stage with COPY --from every 2,000 lines): scan CPU and memory, per line.
* memory: peak RSS of ls --sizes, scan, scan --full, lint and suggest on the
  --big tree and on --big files in one directory (target: under 100 MB).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ORACLE = REPO.parent / "shared" / "docker-oracle"
MODERNWALK = Path(os.environ.get("MODERNWALK", "/tmp/modernwalk"))

TYPICAL = "**/node_modules\n.git\n.venv\nbuild\n**/__pycache__\n*.log\ndata/*.bin\n"
DOCKERFILE = "FROM scratch\nCOPY . /app\n"
SHARES = {
    "node_modules": 0.5,
    ".git/objects": 0.15,
    ".venv/lib/python3.11/site-packages": 0.15,
    "src": 0.1,
    "build": 0.07,
    "packages/web/node_modules": 0.03,
}

# Runs a command in a fresh process and prints its CPU seconds and max RSS (KiB).
_PROBE = (
    "import resource, subprocess, sys;"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
    "r = resource.getrusage(resource.RUSAGE_CHILDREN);"
    "print(r.ru_utime + r.ru_stime, r.ru_maxrss)"
)


def generate(root: Path, files: int) -> Path:
    """bench_walk.py's monorepo layout with ``files`` files, written sparse
    (each file has its size and no data blocks: a 1M-file tree takes ~100 MB)."""
    marker = root / ".done"
    if marker.exists() and marker.read_text() == f"{files} sparse":
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for top, share in SHARES.items():
        per_dir = 40
        for i in range(int(files * share)):
            d = root / top / f"pkg{i // (per_dir * 20)}" / f"mod{(i // per_dir) % 20}"
            if i % per_dir == 0:
                d.mkdir(parents=True, exist_ok=True)
            fd = os.open(d / (f"f{i}.py" if top == "src" else f"f{i}.js"), os.O_WRONLY | os.O_CREAT, 0o644)
            os.ftruncate(fd, 64 + i % 512)
            os.close(fd)
    (root / "build" / "keep.txt").write_text("keep\n")
    (root / "data").mkdir(exist_ok=True)
    for i in range(3):
        with open(root / "data" / f"dump{i}.bin", "wb") as f:
            f.truncate(2 * 1024**3)
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / ".dockerignore").write_text(TYPICAL)
    marker.write_text(f"{files} sparse")
    print(f"generated {files:,} files under {root}", file=sys.stderr)
    return root


# Every child runs here, not in a checkout: ``python -m ctxaudit`` would import a
# ctxaudit package found in the working directory instead of the installed one.
NEUTRAL = Path("/")


def measure(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median CPU seconds and the largest max RSS (MB) of ``runs`` fresh runs."""
    cpus, rss = [], 0.0
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, *cmd], capture_output=True, text=True, check=True, cwd=NEUTRAL
        )
        cpu, kib = out.stdout.split()
        cpus.append(float(cpu))
        rss = max(rss, int(kib) / 1024)
    return statistics.median(cpus), rss


def ctxaudit(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "ctxaudit", *map(str, args)]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    load = os.getloadavg()[0]
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, load {load:.1f}, Python {platform.python_version()}"


def count(root: Path) -> int:
    return sum(len(f) for _, _, f in os.walk(root))


def row(label: str, cpu: float, rss: float, ref: float | None = None, ref_name: str = "", target: str = "") -> None:
    ratio = f"{cpu / ref:5.2f}x {ref_name}" if ref else ""
    print(f"  {label:<44}{cpu:8.2f}s {rss:6.0f} MB  {ratio:<22}{target}")


def one_file_context(root: Path, dockerfile: str) -> Path:
    d = root / "one-file"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    (d / "Dockerfile").write_text(dockerfile)
    return d


def section_targets(root: Path, files: int, runs: int) -> None:
    tree = generate(root / f"tree-{files}", files)
    empty = root / "empty.dockerignore"
    empty.write_text("")
    print(f"\n## targets: {count(tree):,} files (--files {files:,}), typical ignore file, COPY . /app")
    go, go_rss = measure([str(MODERNWALK), str(tree)], runs)
    go_full, go_full_rss = measure([str(MODERNWALK), str(tree), str(empty)], runs)
    one = one_file_context(root, DOCKERFILE)
    start, start_rss = measure(ctxaudit("scan", one, "--no-progress"), runs)
    one_ls, _ = measure(ctxaudit("ls", one), runs)
    ls, ls_rss = measure(ctxaudit("ls", tree), runs)
    scan_ns, scan_ns_rss = measure(ctxaudit("scan", tree, "--no-progress", "--no-suggest"), runs)
    scan, scan_rss = measure(ctxaudit("scan", tree, "--no-progress"), runs)
    full, full_rss = measure(ctxaudit("scan", tree, "--no-progress", "--full"), runs)
    lint, lint_rss = measure(ctxaudit("lint", tree), runs)
    dockerfile_work = max(start - one_ls, 0.0)
    row("modernwalk (Go walk)", go, go_rss)
    row("modernwalk, no ignore file (Go full walk)", go_full, go_full_rss)
    row("ctxaudit scan, one-file context (start-up)", start, start_rss, target="target < 0.15s")
    row("ctxaudit ls", ls, ls_rss, go, "Go walk")
    row("ctxaudit scan --no-suggest", scan_ns, scan_ns_rss, go, "Go walk")
    row("ctxaudit scan", scan, scan_rss, go, "Go walk", "target <= 2x")
    bound = 1.3 * ls + dockerfile_work
    print(f"  {'':<44}scan / (1.3 x ls + Dockerfile work {dockerfile_work:.2f}s) = {scan / bound:.2f}  target <= 1")
    row("ctxaudit scan --full", full, full_rss, go_full, "Go full walk", "target <= 1.5x")
    row("ctxaudit lint", lint, lint_rss, go_full, "Go full walk", "target <= 1.5x")


def section_linear(root: Path, files: int, runs: int) -> None:
    print("\n## linear: CPU per file beyond start-up (one-file context), typical and full walks")
    one = one_file_context(root, DOCKERFILE)
    start, _ = measure(ctxaudit("scan", one, "--no-progress"), runs)
    per: dict[str, list[float]] = {"scan": [], "full": []}
    marginal: dict[str, list[float]] = {"scan": [], "full": []}
    last: tuple[int, float, float] | None = None
    for n in (files // 4, files // 2, files, files * 2):
        tree = generate(root / f"tree-{n}", n)
        total = count(tree)
        go, _ = measure([str(MODERNWALK), str(tree)], runs)
        scan, _ = measure(ctxaudit("scan", tree, "--no-progress"), runs)
        full, full_rss = measure(ctxaudit("scan", tree, "--no-progress", "--full"), runs)
        per["scan"].append((scan - start) / total * 1e6)
        per["full"].append((full - start) / total * 1e6)
        step = ""
        if last is not None:
            marginal["scan"].append((scan - last[1]) / (total - last[0]) * 1e6)
            marginal["full"].append((full - last[2]) / (total - last[0]) * 1e6)
            step = f"  added files: {marginal['scan'][-1]:5.2f} / {marginal['full'][-1]:5.2f} us each"
        last = (total, scan, full)
        print(
            f"  {total:>9,} files  Go {go:5.2f}s  scan {scan:5.2f}s ({per['scan'][-1]:5.2f} us/file)"
            f"  --full {full:5.2f}s ({per['full'][-1]:5.2f} us/file, {full_rss:.0f} MB){step}"
        )
    for key in ("scan", "full"):
        spread = max(per[key]) / min(per[key]) - 1
        step_spread = max(marginal[key]) / min(marginal[key]) - 1
        print(
            f"  {key}: per-file spread {spread:.0%} (start-up subtracted), "
            f"spread of the cost per added file {step_spread:.0%}  target <= 15%"
        )


def _gitignore_tree(root: Path, n: int) -> Path:
    tree = root / f"gitignores-{n}"
    marker = tree / ".done"
    if marker.exists() and marker.read_text() == str(n):
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    for i in range(n):
        d = tree / f"pkg{i // 20}" / f"mod{i % 20}"
        d.mkdir(parents=True, exist_ok=True)
        (d / ".gitignore").write_text(f"*.tmp\n/out{i}/\ncache{i % 7}/\n!keep.tmp\n")
        for j in range(20):
            fd = os.open(d / f"f{j}.{'tmp' if j % 5 == 0 else 'js'}", os.O_WRONLY | os.O_CREAT, 0o644)
            os.ftruncate(fd, 100 + j)
            os.close(fd)
        (d / f"out{i}").mkdir(exist_ok=True)
        (d / f"out{i}" / "bundle.js").write_bytes(b"x" * 50)
    (tree / ".gitignore").write_text("node_modules/\n*.log\n")
    (tree / "Dockerfile").write_text(DOCKERFILE)
    marker.write_text(str(n))
    return tree


def section_gitignores(root: Path, runs: int) -> None:
    print("\n## gitignores: nested .gitignore files read by suggestions (scan), CPU per .gitignore")
    pers: list[float] = []
    runs = max(runs, 5)  # a difference of two small figures: 100 .gitignore files cost ~30 ms
    for n in (100, 400, 800):
        tree = _gitignore_tree(root, n)
        with_s, rss = measure(ctxaudit("scan", tree, "--no-progress"), runs)
        without, _ = measure(ctxaudit("scan", tree, "--no-progress", "--no-suggest"), runs)
        per = (with_s - without) / n * 1e3
        pers.append(per)
        print(f"  {n:>4} .gitignore scan {with_s:6.2f}s --no-suggest {without:6.2f}s  {per:6.2f} ms each {rss:4.0f} MB")
    print(f"  per-.gitignore spread: {max(pers) / min(pers) - 1:.0%}  target <= 15%")


def ignore_lines(n: int) -> str:
    """A long generated ignore file: literal paths, directory globs, suffixes, a few exceptions."""
    out = []
    for i in range(n):
        m = i % 10
        if m < 6:
            out.append(f"src/pkg{i % 38}/mod{i % 20}/gen{i}.py")
        elif m < 8:
            out.append(f"build/out{i}/**")
        elif m == 8:
            out.append(f"**/*.ext{i}")
        else:
            out.append(f"!src/pkg{i % 38}/keep{i}.txt")
    return "\n".join(out) + "\n" + TYPICAL


def section_ignorelines(root: Path, files: int, runs: int, sizes: list[int]) -> None:
    tree = generate(root / f"tree-{files}", files)
    listed = ", ".join(f"{n:,}" for n in sizes)
    print(f"\n## ignorelines: ignore files of {listed} lines on the {count(tree):,}-file tree")
    cfg = root / "ignorelines"
    first: dict[str, float] = {}
    for n in sizes:
        d = cfg / str(n)
        d.mkdir(parents=True, exist_ok=True)
        (d / "Dockerfile").write_text(DOCKERFILE)
        (d / "Dockerfile.dockerignore").write_text(ignore_lines(n))
        figures = []
        for name, args in (
            ("ls", ("ls", tree, "-f", d / "Dockerfile")),
            ("scan", ("scan", tree, "-f", d / "Dockerfile", "--no-progress")),
            ("lint", ("lint", tree, "-f", d / "Dockerfile")),
        ):
            cpu, rss = measure(ctxaudit(*args), 1 if n > 10_000 else runs)
            first.setdefault(name, cpu)
            extra = (cpu - first[name]) / (n - sizes[0]) * 1e6 if n > sizes[0] else 0.0
            figures.append(f"{name} {cpu:7.2f}s {rss:5.0f} MB" + (f" ({extra:5.1f} us/line)" if extra else ""))
        print(f"  {n:>7,} lines  " + "  ".join(figures))
    print("  target: us per extra line flat, memory well under 100 MB")


def dockerfile_lines(n: int) -> str:
    """COPY, RUN (chmod, rm, cp, apt-get) and ENV lines; a new stage every 2,000 lines
    that takes the previous one's /app with COPY --from."""
    out = ["FROM scratch AS s0", "WORKDIR /app"]
    i = 0
    while len(out) < n:
        m = i % 4
        if len(out) % 2000 == 0:
            k = len(out) // 2000
            out += [f"FROM scratch AS s{k}", f"COPY --from=s{k - 1} /app /app"]
        elif m == 0:
            out.append(f"COPY src/pkg{i % 38}/mod{i % 20}/ /app/m{i}/")
        elif m == 1:
            out.append(f"RUN chmod -R 755 /app/m{i - 1} && rm -rf /tmp/x{i}")
        elif m == 2:
            out.append(f"ENV V{i}=value{i}" if i % 8 else f"RUN cp -r /app/m{i - 2} /app/c{i}")
        else:
            out.append(f'RUN echo "{i}" > /app/n{i} && apt-get install -y --no-install-recommends p{i}')
        i += 1
    return "\n".join(out) + "\n"


def section_dockerfile(root: Path, files: int, runs: int, sizes: list[int]) -> None:
    tree = generate(root / f"tree-{files}", files)
    print(f"\n## dockerfile: long Dockerfiles on the {count(tree):,}-file tree (typical ignore file)")
    cfg = root / "dockerfiles"
    first = 0.0
    for n in sizes:
        d = cfg / str(n)
        d.mkdir(parents=True, exist_ok=True)
        (d / "Dockerfile").write_text(dockerfile_lines(n))
        (d / "Dockerfile.dockerignore").write_text(TYPICAL)
        cpu, rss = measure(ctxaudit("scan", tree, "-f", d / "Dockerfile", "--no-progress"), 1 if n > 10_000 else runs)
        first = first or cpu
        extra = f"({(cpu - first) / (n - sizes[0]) * 1e6:6.1f} us/line)" if n > sizes[0] else ""
        print(f"  {n:>7,} lines  scan {cpu:7.2f}s {rss:6.0f} MB {extra}")
    print(
        "  target: us per extra line flat, memory linear with small constants; each new stage copies the\n"
        "  previous stage's /app, so the files traced through COPY --from grow with stages x files"
    )


def flat(root: Path, files: int) -> Path:
    """``files`` empty files in one directory (and a Dockerfile), the robustness case."""
    marker = root / ".done"
    if marker.exists() and marker.read_text() == f"{files} flat":
        return root
    shutil.rmtree(root, ignore_errors=True)
    (root / "many").mkdir(parents=True)
    for i in range(files):
        os.close(os.open(root / "many" / f"f{i:07d}.js", os.O_WRONLY | os.O_CREAT, 0o644))
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / ".dockerignore").write_text(TYPICAL)
    marker.write_text(f"{files} flat")
    print(f"generated {files:,} files in one directory under {root}", file=sys.stderr)
    return root


def section_memory(root: Path, big: int) -> None:
    for tree in (generate(root / f"tree-{big}", big), flat(root / f"flat-{big}", big)):
        shape = "in one directory" if tree.name.startswith("flat") else "nested"
        print(f"\n## memory: {count(tree):,} files {shape}, peak RSS (target < 100 MB)")
        go, go_rss = measure([str(MODERNWALK), str(tree)], 1)
        print(f"  {'modernwalk':<14}{go_rss:6.0f} MB  ({go:.2f}s CPU)")
        for label, args in (
            ("ls --sizes", ("ls", "--sizes", tree)),
            ("scan", ("scan", tree, "--no-progress")),
            ("scan --full", ("scan", tree, "--no-progress", "--full")),
            ("lint", ("lint", tree)),
            ("suggest", ("suggest", tree)),
        ):
            cpu, rss = measure(ctxaudit(*args), 1)
            print(f"  {label:<14}{rss:6.0f} MB  ({cpu:.2f}s CPU)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=300_000)
    ap.add_argument("--big", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--root", type=Path, default=Path("/tmp/ctxaudit-bench-scan"))
    ap.add_argument("--only", default="targets,linear,gitignores,ignorelines,dockerfile,memory")
    ap.add_argument("--lines", default="1000,10000,100000", help="sizes of the long ignore files and Dockerfiles")
    args = ap.parse_args()
    if not MODERNWALK.exists():
        subprocess.run([str(ORACLE / "modernwalk" / "build.sh"), str(MODERNWALK)], check=True)
    # What `pip install` gives a user: compiled bytecode (PYTHONDONTWRITEBYTECODE would
    # otherwise leave every run compiling ctxaudit's sources).
    where = subprocess.run(
        [sys.executable, "-c", "import ctxaudit, os; print(os.path.dirname(ctxaudit.__file__))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=NEUTRAL,
    ).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", where], check=True)
    head = subprocess.run(["git", "-C", where, "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout
    print(f"machine: {machine()}")
    print(f"ctxaudit: {where} at {head.strip()[:72]} ({sys.executable})")
    print(f"CPU = user + system of the whole process, median of {args.runs} fresh runs")
    only = set(args.only.split(","))
    sizes = [int(n) for n in args.lines.split(",")]
    if "targets" in only:
        section_targets(args.root, args.files, args.runs)
    if "linear" in only:
        section_linear(args.root, args.files, args.runs)
    if "gitignores" in only:
        section_gitignores(args.root, args.runs)
    if "ignorelines" in only:
        section_ignorelines(args.root, args.files, args.runs, sizes)
    if "dockerfile" in only:
        section_dockerfile(args.root, args.files, args.runs, sizes)
    if "memory" in only and args.big:
        section_memory(args.root, args.big)
    return 0


if __name__ == "__main__":
    sys.exit(main())
