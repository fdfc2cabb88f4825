"""``--format json``: one object, stable keys, ``"schema": 1`` (README documents it)."""

from __future__ import annotations

import json
from typing import Any

from .. import display
from ..report import SCHEMA_VERSION, Report
from . import Options


def document(report: Report) -> dict[str, Any]:
    s = report.stats
    ctx = report.ctx
    doc: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "context": str(ctx.root),
        "builder": ctx.builder.value,
        "dockerfile": str(ctx.dockerfile) if ctx.dockerfile else None,
        "ignore_file": str(ctx.ignore.path) if ctx.ignore.path else None,
        "sent": s.sent.to_json(),
        "ignored": s.ignored.to_json() if report.full else None,
        "largest_files": [{"path": display.path(f.path), "bytes": f.bytes, "kind": f.kind} for f in s.largest_files],
        "largest_dirs": [{"path": display.path(d.path), "bytes": d.bytes, "files": d.files} for d in s.largest_dirs],
        "by_kind": {k: c.to_json() for k, c in sorted(s.by_kind.items(), key=lambda kv: -kv[1].bytes)},
        "findings": [f.to_json() for f in report.findings],
        "suggestions": [sg.to_json() for sg in report.suggestions],
    }
    return doc


def render(report: Report, options: Options) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"
