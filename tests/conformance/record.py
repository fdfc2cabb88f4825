#!/usr/bin/env python3
"""Record (or re-check) the conformance goldens against a real Docker engine.

    python tests/conformance/record.py            # re-record every golden
    python tests/conformance/record.py --check    # record to memory, report drift
    python tests/conformance/record.py CASE...    # only these cases

Needs root (device nodes, dockerd) and ../shared/docker-oracle: it starts the
engine with dockerd-up.sh and builds modernwalk with modernwalk/build.sh.
For each case it stores what three oracles put in the context:
``modernwalk`` (the current BuildKit walk on the real moby/patternmatcher),
``engine_buildkit`` (the engine's BuildKit, 20.10) and ``engine_legacy``
(DOCKER_BUILDKIT=0 with the newest CLI). It also reports where the two
BuildKit oracles disagree, which the README says happens only for wildcard
exceptions (and, as recorded, for special files).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import harness  # noqa: E402

sys.path.insert(0, str(REPO / "tests" / "oracle"))
import engine  # noqa: E402

DEFAULT_ORACLE = engine.ORACLE  # where modernwalk/build.sh lives
MODERNWALK = Path(os.environ.get("MODERNWALK", "/tmp/modernwalk"))


def ensure_oracles(oracle: Path) -> dict[str, str]:
    if not MODERNWALK.exists():
        subprocess.run([str(oracle / "modernwalk" / "build.sh"), str(MODERNWALK)], check=True)
    return engine.engine_env()


def _ok(rows: list[tuple[bytes, int]]) -> dict[str, Any]:
    return {"ok": True, "files": harness.listing_from_bytes(rows)}


def _fail(proc: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    err = (proc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
    return {"ok": False, "error": engine.stable_error(err[-1] if err else f"exit {proc.returncode}")[:300]}


def run_modernwalk(ctx: Path, dockerfile: Path | None) -> dict[str, Any]:
    ignore = ctx / ".dockerignore"
    if dockerfile is not None:
        own = dockerfile.parent / (dockerfile.name + ".dockerignore")
        if own.exists():
            ignore = own
    proc = subprocess.run([str(MODERNWALK), str(ctx), str(ignore)], capture_output=True)
    if proc.returncode != 0:
        return _fail(proc)
    rows = []
    for line in proc.stdout.split(b"\n"):
        if line:
            path, size = line.rsplit(b"\t", 1)
            rows.append((path, int(size)))
    return _ok(rows)


def run_engine(mode: str, ctx: Path, dockerfile: Path | None, env: dict[str, str]) -> dict[str, Any]:
    """Build COPY . /ctx/ with one of the engine's builders (``dockerfile`` None: no -f)."""
    f = ["-f", str(dockerfile)] if dockerfile is not None else []
    with tempfile.TemporaryDirectory() as work_s:
        work = Path(work_s)
        if mode == "buildkit":
            proc = subprocess.run(
                ["/usr/bin/docker", "build", "-q", *f, "-o", f"type=local,dest={work}/out", str(ctx)],
                env={**env, "DOCKER_BUILDKIT": "1"},
                capture_output=True,
            )
            if proc.returncode != 0:
                return _fail(proc)
        else:
            proc = subprocess.run(
                ["docker", "build", "-q", *f, str(ctx)],
                env={**env, "DOCKER_BUILDKIT": "0"},
                capture_output=True,
            )
            if proc.returncode != 0:
                return _fail(proc)
            image = proc.stdout.decode().strip().splitlines()[-1]
            engine.extract_image(image, env, work)
        root = work / "out" / "ctx"
        return _ok(engine.files_under(root) if root.exists() else [])


def record(name: str, env: dict[str, str]) -> dict[str, Any]:
    case = harness.load_case(name)
    with tempfile.TemporaryDirectory() as tmp:
        ctx, dockerfile = harness.materialize(case, Path(tmp))
        golden = {
            "case": name,
            "modernwalk": run_modernwalk(ctx, dockerfile if case.get("dockerfile") else None),
            "engine_buildkit": run_engine("buildkit", ctx, dockerfile, env),
            "engine_legacy": run_engine("legacy", ctx, dockerfile, env),
        }
        shutil.rmtree(ctx, ignore_errors=True)
    return golden


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    ap.add_argument("--check", action="store_true", help="compare with the committed goldens, write nothing")
    ap.add_argument("--oracle", type=Path, default=DEFAULT_ORACLE, help="path of shared/docker-oracle")
    args = ap.parse_args()
    env = ensure_oracles(args.oracle)
    names = args.cases or harness.case_names()
    drift = 0
    for name in names:
        golden = record(name, env)
        mw, eb = golden["modernwalk"], golden["engine_buildkit"]
        note = "" if mw == eb else "  (modernwalk and engine BuildKit differ)"
        drift += engine.store(harness.GOLDEN / f"{name}.json", golden, args.check, name + note)
        for builder in ("buildkit", "legacy"):
            for problem in harness.compare(harness.load_case(name), golden, builder):
                print(f"  ctxaudit {builder}: {problem}")
    if args.check and drift:
        print(f"{drift} golden(s) drifted from the engine", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
