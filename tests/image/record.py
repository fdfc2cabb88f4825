#!/usr/bin/env python3
"""Build each image-rule case (trap and fixed twin) and record docker history.

    python tests/image/record.py [--check] [CASE...]

Needs root, ../shared/docker-oracle (dockerd-up.sh, base-image.sh: builds
FROM ctxaudit-base:bookworm, with --network=none since nothing can be
pulled or downloaded here).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import imgharness  # noqa: E402

sys.path.insert(0, str(REPO / "tests" / "oracle"))
import engine  # noqa: E402
from engine import engine_env  # noqa: E402


def history(ctx: Path, tag: str, env: dict[str, str]) -> list[list[object]]:
    subprocess.run(
        ["/usr/bin/docker", "build", "--network=none", "-q", "-t", tag, str(ctx)],
        env={**env, "DOCKER_BUILDKIT": "1"},
        check=True,
        capture_output=True,
    )
    out = subprocess.run(
        ["docker", "history", "--human=false", "--no-trunc", "--format", "{{.CreatedBy}}\t{{.Size}}", tag],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    subprocess.run(["docker", "rmi", "-f", tag], env=env, capture_output=True)
    return [[cb, int(size)] for cb, size in (line.rsplit("\t", 1) for line in out.splitlines() if line)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    env = engine_env(base_image=True)
    drift = 0
    for name, case in imgharness.cases().items():
        if args.cases and name not in args.cases:
            continue
        g = {"case": name}
        with tempfile.TemporaryDirectory() as tmp:
            for variant in ("trap", "fixed"):
                ctx = imgharness.materialize(case, variant, Path(tmp))
                g[variant] = history(ctx, f"ctxaudit-img-{name}-{variant}", env)
        drift += engine.store(imgharness.GOLDEN / f"{name}.json", g, args.check, name)
        if not args.check:
            trap = imgharness.layer(g["trap"], case["layer"])  # type: ignore[arg-type]
            fixed = imgharness.layer(g["fixed"], case["layer"])  # type: ignore[arg-type]
            print(f"      layer '{case['layer']}': trap {trap:,} B, fixed {fixed:,} B")
    return 1 if drift else 0


if __name__ == "__main__":
    sys.exit(main())
