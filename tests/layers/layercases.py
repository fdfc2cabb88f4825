"""Layer fixtures: cases.json, the archives in fixtures/, the goldens in golden/.

Each case names a build context and a Dockerfile (paths from the repository
root), the builder, and what ``ctxaudit layers`` must find (``expect``).
``record.py`` builds the cases on the real engine and saves the archives;
golden/NAME.json holds what the engine (``docker history``) and dive said.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"


def cases() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
    return data


def golden(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return data


def context_and_dockerfile(case: dict[str, Any]) -> tuple[Path, Path]:
    return REPO / case["context"], REPO / case["dockerfile"]


def layers_json(source: str, case: dict[str, Any] | None, *extra: str) -> dict[str, Any]:
    """``ctxaudit layers SOURCE [-f DOCKERFILE CONTEXT] -o json``, in process."""
    from ctxaudit.cli import main

    args = ["layers", source, "-o", "json", *extra]
    if case is not None:
        ctx, dockerfile = context_and_dockerfile(case)
        args += ["-f", str(dockerfile), str(ctx)]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(args)
    assert code == 0, f"ctxaudit layers exited {code}"
    doc: dict[str, Any] = json.loads(out.getvalue())
    return doc


def summary(source: str, case: dict[str, Any]) -> dict[str, Any]:
    """What must not change between two builds of a case: no digests, no times."""
    doc = layers_json(source, case)
    keys = ("line", "kind", "bytes", "added", "modified", "metadata", "deleted", "hidden_later", "hides_below")
    return {
        "base": doc["base"],
        "layers": [{k: layer[k] for k in keys} for layer in doc["layers"]],
        "waste": doc["waste"],
        "dive": doc["dive"],
        "predictions": doc["predictions"],
        "findings": [[f["rule"], f["line"], f.get("bytes")] for f in doc["findings"]],
    }
