#!/usr/bin/env python3
"""Record (or re-check) what docker build does with Docker's own flags, on a real engine.

    python tests/dockerflags/record.py [--check]

Needs root and ../shared/docker-oracle (dockerd-up.sh). Each case is a small
context (CASES below). For each, the recorder runs real builds and stores in
golden.json the files each one put in the image, and for the legacy builder
the exact context tar its CLI sends (captured by tests/oracle/fake_daemon.py):

* ``-f -``: the Dockerfile read from stdin, beside ``-f Dockerfile``: a
  per-Dockerfile ignore file (``Dockerfile.dockerignore``) applies only to
  the latter; the legacy CLI appends the stdin Dockerfile to the tar.
* ``--build-arg NAME``: the value of the environment variable NAME, and the
  ARG's default when NAME is not in the environment.

BuildKit builds use /usr/bin/docker (client 20.10, the engine's BuildKit),
legacy ones ``docker`` (client 28) with DOCKER_BUILDKIT=0.
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
sys.path.insert(0, str(REPO / "tests" / "oracle"))
import engine  # noqa: E402
from engine import engine_env  # noqa: E402

GOLDEN = HERE / "golden.json"
FAKE_SOCK = "/tmp/ctxaudit-fake-daemon-flags.sock"

CASES: dict[str, dict[str, str]] = {
    "stdin": {
        ".dockerignore": "a.txt\n",
        "Dockerfile.dockerignore": "b.txt\n",
        "a.txt": "a\n",
        "b.txt": "bb\n",
        "keep.txt": "keep\n",
        "Dockerfile": "FROM scratch\nCOPY . /out/\n",
    },
    "build-arg": {
        "default.txt": "the ARG's default\n",
        "fromenv.txt": "named by the environment\n",
        "Dockerfile": "FROM scratch\nARG SRC=default.txt\nCOPY ${SRC} /out/\n",
    },
}

# (case, label, docker arguments before the context ({ctx}: its path), extra environment, stdin from the Dockerfile)
RUNS: list[tuple[str, str, list[str], dict[str, str], bool]] = [
    ("stdin", "file", ["-f", "{ctx}/Dockerfile"], {}, False),
    ("stdin", "stdin", ["-f", "-"], {}, True),
    ("build-arg", "env", ["--build-arg", "SRC"], {"SRC": "fromenv.txt"}, False),
    ("build-arg", "unset", ["--build-arg", "SRC"], {}, False),
    ("build-arg", "value", ["--build-arg", "SRC=fromenv.txt"], {}, False),
]


def materialize(files: dict[str, str], where: Path) -> Path:
    ctx = where / "ctx"
    for rel, text in files.items():
        (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
        (ctx / rel).write_text(text)
    return ctx


def image_files(root: Path) -> list[list[Any]]:
    return [[os.fsdecode(p), size] for p, size in engine.files_under(root, absolute=True)]


def build_buildkit(ctx: Path, args: list[str], env: dict[str, str], stdin: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            ["/usr/bin/docker", "build", "--progress=plain", *args, "-o", f"type=local,dest={out}", str(ctx)],
            env={**env, "DOCKER_BUILDKIT": "1"},
            input=(ctx / "Dockerfile").read_bytes() if stdin else None,
            capture_output=True,
        )
        if proc.returncode != 0:
            return {"ok": False, "error": proc.stderr.decode(errors="replace").strip().splitlines()[-1][:300]}
        return {"ok": True, "image": image_files(Path(out))}


def build_legacy(ctx: Path, args: list[str], env: dict[str, str], stdin: bool, capture: Path) -> dict[str, Any]:
    data = (ctx / "Dockerfile").read_bytes() if stdin else None
    legacy = {**env, "DOCKER_BUILDKIT": "0"}
    proc = subprocess.run(["docker", "build", "-q", *args, str(ctx)], env=legacy, input=data, capture_output=True)
    result: dict[str, Any]
    if proc.returncode != 0:
        result = {"ok": False, "error": proc.stderr.decode(errors="replace").strip().splitlines()[-1][:300]}
    else:
        image = proc.stdout.decode().strip().splitlines()[-1]
        with tempfile.TemporaryDirectory() as work:
            result = {"ok": True, "image": image_files(engine.extract_image(image, env, Path(work)))}
    before = set(capture.glob("*.tar"))
    subprocess.run(
        ["docker", "build", "-q", *args, str(ctx)],
        env={**legacy, "DOCKER_HOST": f"unix://{FAKE_SOCK}"},
        input=data,
        capture_output=True,
    )
    new = sorted(set(capture.glob("*.tar")) - before)
    result["tar_bytes"] = new[-1].stat().st_size if new else None
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with the committed golden, write nothing")
    args = ap.parse_args()
    env = engine_env()
    capture = Path(tempfile.mkdtemp(prefix="ctxaudit-capture-"))
    fake = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "oracle" / "fake_daemon.py"), FAKE_SOCK, str(capture)]
    )
    time.sleep(0.5)
    golden: dict[str, Any] = {"cases": CASES, "runs": []}
    try:
        for case, label, docker_args, extra, stdin in RUNS:
            with tempfile.TemporaryDirectory() as tmp:
                ctx = materialize(CASES[case], Path(tmp))
                argv = [a.replace("{ctx}", str(ctx)) for a in docker_args]
                run_env = {k: v for k, v in env.items() if k not in ("SRC",)}
                run_env.update(extra)
                golden["runs"].append(
                    {
                        "case": case,
                        "label": label,
                        "args": docker_args,
                        "env": extra,
                        "buildkit": build_buildkit(ctx, argv, run_env, stdin),
                        "legacy": build_legacy(ctx, argv, run_env, stdin, capture),
                    }
                )
    finally:
        fake.terminate()
    drift = engine.store(GOLDEN, golden, args.check, "dockerflags")
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
