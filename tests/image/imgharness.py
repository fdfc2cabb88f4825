"""Image-rule cases: a trap Dockerfile and its fixed twin, built for real.

``cases.json`` holds the context files, both Dockerfiles, the rule and the
layer to look at. ``golden/NAME.json`` holds what ``docker history
--human=false`` printed for each variant (created-by, bytes), recorded with
``record.py`` on the engine with the local base image of
../shared/docker-oracle/base-image.sh.
"""

from __future__ import annotations

import io
import json
import random
import tarfile
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"


def cases() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((HERE / "cases.json").read_text())
    return data


def golden(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text())
    return data


def _noise(n: int, seed: str) -> bytes:
    rnd = random.Random(seed)
    return rnd.getrandbits(8 * n).to_bytes(n, "little") if n else b""


def _sdist(name: str, size: int) -> bytes:
    """A deterministic source distribution with an incompressible data file."""
    files = {
        f"{name}-1.0/setup.py": (
            f'from setuptools import setup\nsetup(name="{name}", version="1.0", packages=["{name}"], '
            f'package_data={{"{name}": ["blob.bin"]}})\n'
        ).encode(),
        f"{name}-1.0/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
        f"{name}-1.0/{name}/__init__.py": b"",
        f"{name}-1.0/{name}/blob.bin": _noise(size, name),
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for path, content in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(content)
            info.mtime = 1_700_000_000
            tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def materialize(case: dict[str, Any], variant: str, where: Path) -> Path:
    ctx = where / variant
    ctx.mkdir(parents=True)
    for rel, spec in case["files"].items():
        path = ctx / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(spec, str):
            path.write_text(spec)
        elif "sdist" in spec:
            path.write_bytes(_sdist(spec["sdist"], spec["size"]))
        else:
            path.write_bytes(_noise(spec["size"], rel))
    (ctx / "Dockerfile").write_text(case[variant])
    return ctx


def ctxaudit_findings(case: dict[str, Any], variant: str) -> list[dict[str, Any]]:
    """CA5xx findings of ``ctxaudit image`` for one variant (as JSON)."""
    import contextlib

    from ctxaudit.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        ctx = materialize(case, variant, Path(tmp))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main(["image", str(ctx), "-o", "json", "--fail-on", "none"])
        assert code == 0
    findings: list[dict[str, Any]] = json.loads(out.getvalue())["findings"]
    return findings


def layer(history: list[list[Any]], needle: str) -> int:
    """Size of the (first, newest) layer whose created-by holds ``needle``; 0 if none."""
    for created_by, size in history:
        if needle in created_by:
            return int(size)
    return 0
