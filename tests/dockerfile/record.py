#!/usr/bin/env python3
"""Record (or re-check) the Dockerfile goldens with a real engine.

    python tests/dockerfile/record.py [--check] [CASE...]

Needs root and ../shared/docker-oracle (dockerd-up.sh). For each case that
the engine can build: a BuildKit build exported with ``-o type=local`` (image
files, success or failure, the 'transferring context' figure), a legacy build
(success or failure, image files from ``docker save``) and the exact context
tar the legacy CLI sends, captured by tests/oracle/fake_daemon.py.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "conformance"))
sys.path.insert(0, str(HERE))

import dfharness  # noqa: E402

sys.path.insert(0, str(REPO / "tests" / "oracle"))
import engine  # noqa: E402
from engine import engine_env  # noqa: E402

FAKE_SOCK = "/tmp/ctxaudit-fake-daemon.sock"


def files_under(root: Path) -> list[list[Any]]:
    return [[os.fsdecode(p), size] for p, size in engine.files_under(root, absolute=True)]


# ``unprivileged`` cases: the client runs as root without the capabilities that
# bypass file permissions, so it meets a mode-000 file as an ordinary user would
# (it still owns the daemon's socket).
DROP_DAC = [
    "setpriv",
    "--inh-caps=-dac_override,-dac_read_search",
    "--bounding-set=-dac_override,-dac_read_search",
]


def client(case: dict[str, Any]) -> list[str]:
    return DROP_DAC if case.get("unprivileged") else []


def build_args(case: dict[str, Any], ctx: Path) -> list[str]:
    args: list[str] = ["-f", str(dfharness.dockerfile_path(ctx, case))]
    if case.get("network"):
        args += [f"--network={case['network']}"]  # RUN needs it: nothing can be pulled or reached here
    for k, v in (case.get("build_args") or {}).items():
        args += ["--build-arg", f"{k}={v}"]
    if case.get("target"):
        args += ["--target", case["target"]]
    return args


def record_buildkit(ctx: Path, case: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [
                *client(case),
                "/usr/bin/docker",
                "build",
                "--progress=plain",
                *build_args(case, ctx),
                "-o",
                f"type=local,dest={out}",
                str(ctx),
            ],
            env={**env, "DOCKER_BUILDKIT": "1"},
            capture_output=True,
            text=True,
        )
        log = proc.stdout + proc.stderr
        if proc.returncode != 0:
            error = engine.stable_error(log.strip().splitlines()[-1], ctx.parent)[:300]
            return {"ok": False, "error": error, "transfer": dfharness.parse_transfer(log)}
        return {"ok": True, "transfer": dfharness.parse_transfer(log), "image": files_under(Path(out))}


def versions(env: dict[str, str]) -> dict[str, str]:
    """The engine the goldens reflect: the daemon (its classic builder is the
    legacy builder), its BuildKit's client, and the CLI that tars the context."""

    def ask(client: str, fmt: str) -> str:
        proc = subprocess.run([client, "version", "-f", fmt], env=env, capture_output=True, text=True)
        return proc.stdout.strip()

    return {
        "daemon": ask("docker", "{{.Server.Version}}"),
        "buildkit_client": ask("/usr/bin/docker", "{{.Client.Version}}"),
        "legacy_client": ask("docker", "{{.Client.Version}}"),
    }


def record_legacy(ctx: Path, case: dict[str, Any], env: dict[str, str], capture_dir: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [*client(case), "docker", "build", "-q", *build_args(case, ctx), str(ctx)],
        env={**env, "DOCKER_BUILDKIT": "0"},
        capture_output=True,
        text=True,
    )
    result: dict[str, Any]
    if proc.returncode != 0:
        result = {"ok": False, "error": engine.stable_error(proc.stderr.strip().splitlines()[-1], ctx.parent)[:300]}
    else:
        image = proc.stdout.strip().splitlines()[-1]
        with tempfile.TemporaryDirectory() as work:
            result = {"ok": True, "image": files_under(engine.extract_image(image, env, Path(work)))}
    before = set(capture_dir.glob("*.tar"))
    subprocess.run(
        [*client(case), "docker", "build", "-q", *build_args(case, ctx), str(ctx)],
        env={**env, "DOCKER_BUILDKIT": "0", "DOCKER_HOST": f"unix://{FAKE_SOCK}"},
        capture_output=True,
    )
    new = sorted(set(capture_dir.glob("*.tar")) - before)
    result["tar_bytes"] = new[-1].stat().st_size if new else None
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--check", action="store_true", help="compare with the committed goldens, write nothing")
    args = ap.parse_args()
    selected = args.cases or dfharness.names()
    env = engine_env(base_image=any(dfharness.load(n).get("network") for n in selected))
    engine_versions = versions(env)
    capture = Path(tempfile.mkdtemp(prefix="ctxaudit-capture-"))
    fake = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "oracle" / "fake_daemon.py"), FAKE_SOCK, str(capture)]
    )
    time.sleep(0.5)
    drift = 0
    try:
        for name in selected:
            case = dfharness.load(name)
            if case.get("engine") is False:
                print(f"skip  {name}: the engine here cannot build it (expectations live in the case)")
                continue
            with tempfile.TemporaryDirectory() as tmp:
                ctx = dfharness.materialize(case, Path(tmp))
                g = {
                    "case": name,
                    "engine": engine_versions,
                    "buildkit": record_buildkit(ctx, case, env),
                    "legacy": record_legacy(ctx, case, env, capture),
                }
                if g["buildkit"]["ok"] and g["legacy"].get("tar_bytes") is not None:
                    # After `ctxaudit suggest --write` the build still works and sends less.
                    lines = dfharness.apply_suggest(ctx, case)
                    legacy_after = record_legacy(ctx, case, env, capture)
                    with tempfile.TemporaryDirectory() as cold:
                        # A copy at a new path: BuildKit keys its context cache by the
                        # directory, and a warm cache would send only the changed files.
                        # cp -a keeps hard links (copytree would make them files).
                        subprocess.run(["cp", "-a", str(ctx.parent), str(Path(cold) / "case")], check=True)
                        buildkit_after = record_buildkit(Path(cold) / "case" / ctx.name, case, env)
                    g["after_suggest"] = {
                        "lines": lines,
                        "buildkit": buildkit_after,
                        "legacy": {"ok": legacy_after["ok"], "tar_bytes": legacy_after["tar_bytes"]},
                    }
            drift += engine.store(dfharness.GOLDEN / f"{name}.json", g, args.check, name)
            for builder in ("buildkit", "legacy"):
                for p in dfharness.compare(name, builder):
                    print(f"  ctxaudit {builder}: {p}")
            for p in dfharness.compare_suggest(name):
                print(f"  suggest: {p}")
    finally:
        fake.terminate()
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
