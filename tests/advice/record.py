#!/usr/bin/env python3
"""Record (or re-check) the advice corpus on a real engine.

    python tests/advice/record.py [--check] [CASE...]

Needs ../shared/docker-oracle (dockerd-up.sh) and gcc (the base image is
tests/layers' minish, built here when missing). For each case (tests/advice/cases): build it as it is with BuildKit
(the image exported with ``-o type=local``) and with the legacy builder;
then on one copy ``ctxaudit suggest --write`` and on another ``ctxaudit
init --force``, and build each again, listing the image and what BuildKit
received as context (a ``COPY . /ctx/`` build with a Dockerfile outside the
context). With ``bump``, the init copy is built once more after renaming a
file (the next version's jar). Builds run one at a time, ``--network=none``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "oracle"))

import advharness  # noqa: E402
import engine  # noqa: E402

BASE = "ctxaudit-layers-base:1"  # FROM scratch + minish (tests/layers/minish.c): 6 KiB, our own code


def ensure_base(env: dict[str, str]) -> None:
    """Build the corpus's base image with tests/layers/record.py's recipe when it is missing.

    A Debian base would cost its whole root filesystem per layer on the
    engine's vfs storage; minish runs what the checks need (``cp X /dev/null``
    fails when X is missing)."""
    import importlib.util

    have = subprocess.run(["docker", "image", "inspect", BASE], env=env, capture_output=True)
    if have.returncode == 0:
        return
    spec = importlib.util.spec_from_file_location("layers_record", REPO / "tests" / "layers" / "record.py")
    assert spec is not None and spec.loader is not None
    layers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layers)
    with tempfile.TemporaryDirectory() as work:
        layers.build_base(env, Path(work))


def _dangling(env: dict[str, str]) -> set[str]:
    out = subprocess.run(["docker", "images", "-q", "--no-trunc", "-f", "dangling=true"], env=env, capture_output=True)
    return set(out.stdout.decode().split())


def files_under(root: Path) -> list[list[Any]]:
    return [[os.fsdecode(p), size] for p, size in engine.files_under(root, absolute=True)]


def buildkit(ctx: Path, env: dict[str, str], dockerfile: Path | None = None) -> dict[str, Any]:
    """A BuildKit build of ``ctx``: ok, the error's last line, the image's files."""
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [
                "/usr/bin/docker",
                "build",
                "--network=none",
                "--progress=plain",
                "-f",
                str(dockerfile or ctx / "Dockerfile"),
                "-o",
                f"type=local,dest={out}",
                str(ctx),
            ],
            env={**env, "DOCKER_BUILDKIT": "1"},
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            lines = (proc.stdout + proc.stderr).strip().splitlines()
            return {"ok": False, "error": lines[-1][:300] if lines else ""}
        return {"ok": True, "image": files_under(Path(out))}


def legacy(ctx: Path, env: dict[str, str]) -> dict[str, Any]:
    before = _dangling(env)
    proc = subprocess.run(
        ["docker", "build", "-q", "--network=none", "-f", str(ctx / "Dockerfile"), str(ctx)],
        env={**env, "DOCKER_BUILDKIT": "0"},
        capture_output=True,
        text=True,
    )
    # The legacy builder keeps the check stage as an untagged image: remove ours only.
    for image in _dangling(env) - before:
        hist = subprocess.run(["docker", "history", "--no-trunc", image], env=env, capture_output=True, text=True)
        if "ctxaudit.corpus=advice" in hist.stdout:
            subprocess.run(["docker", "rmi", image], env=env, capture_output=True)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return {"ok": False, "error": lines[-1][:300] if lines else ""}
    image = proc.stdout.strip().splitlines()[-1]
    subprocess.run(["docker", "rmi", "-f", image], env=env, capture_output=True)
    return {"ok": True}


def context(ctx: Path, env: dict[str, str]) -> list[list[Any]]:
    """What BuildKit receives from ``ctx`` with its .dockerignore."""
    with tempfile.TemporaryDirectory() as work:
        df = Path(work) / "Dockerfile"
        df.write_text("FROM scratch\nCOPY . /ctx/\n")
        got = buildkit(ctx, env, df)
    if not got["ok"]:
        raise SystemExit(f"context listing failed: {got['error']}")
    return [[p[len("/ctx/") :], s] for p, s in got["image"]]


MODERNWALK = Path(os.environ.get("MODERNWALK", "/tmp/modernwalk"))
ORACLE = engine.ORACLE


def modernwalk(ctx: Path) -> list[list[Any]]:
    """What a current BuildKit receives (modernwalk: its walk on the real moby/patternmatcher).

    The engine here runs BuildKit 0.8, whose walk differs once a '!' line
    holds a wildcard (it applies the deprecated Matches to what it enters);
    ctxaudit follows the current walk."""
    if not MODERNWALK.exists():
        subprocess.run([str(ORACLE / "modernwalk" / "build.sh"), str(MODERNWALK)], check=True)
    out = subprocess.run([str(MODERNWALK), str(ctx), str(ctx / ".dockerignore")], capture_output=True, check=True)
    rows: list[list[Any]] = []
    pending = b""
    for chunk in out.stdout.split(b"\n"):
        pending += chunk
        path, tab, size = pending.rpartition(b"\t")
        if tab and size.isdigit():  # a name holding a newline arrives in pieces
            rows.append([os.fsdecode(path), int(size)])
            pending = b""
        elif chunk:
            pending += b"\n"
    return sorted(rows)


def after(ctx: Path, lines: list[str], case: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"lines": lines, "buildkit": buildkit(ctx, env), "context": context(ctx, env)}
    out["context_current_buildkit"] = modernwalk(ctx)
    if case.get("legacy", True):
        out["legacy"] = legacy(ctx, env)
    return out


def record(name: str, env: dict[str, str]) -> dict[str, Any]:
    case = advharness.load(name)
    g: dict[str, Any] = {"case": name}
    with tempfile.TemporaryDirectory() as tmp:
        base = advharness.materialize(case, Path(tmp) / "ctx")
        g["before"] = {"buildkit": buildkit(base, env), "context": context(base, env)}
        if case.get("legacy", True):
            g["before"]["legacy"] = legacy(base, env)
        ctx = advharness.copy(base, Path(tmp) / "suggest")
        g["after_suggest"] = after(ctx, advharness.apply_suggest(ctx), case, env)
        ctx = advharness.copy(base, Path(tmp) / "init")
        g["after_init"] = after(ctx, advharness.apply_init(ctx), case, env)
        bump = case.get("bump")
        if bump:
            os.rename(ctx / bump["from"], ctx / bump["to"])
            g["after_init_bump"] = {"buildkit": buildkit(ctx, env)}
    return g


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--check", action="store_true", help="compare with the committed goldens, write nothing")
    args = ap.parse_args()
    env = engine.engine_env()
    ensure_base(env)
    drift = 0
    for name in args.cases or advharness.names():
        g = record(name, env)
        drift += engine.store(advharness.GOLDEN / f"{name}.json", g, args.check, name)
        for problem in advharness.problems(name, g):
            print(f"  {name}: {problem}")
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
