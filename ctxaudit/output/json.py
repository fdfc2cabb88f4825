"""``--format json``: one object, stable keys, ``"schema": 2`` (README documents it)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysis.explain import Explanation
from ..analysis.suggest import Plan, Suggestion
from ..common import display
from ..common.counts import Count
from ..engine.builder import Builder
from ..pipeline import SCHEMA_VERSION, DockerfileReport, Report
from ..rules.findings import Finding
from . import Options

if TYPE_CHECKING:  # the layers and project modules load only when used
    from ..analysis.layers import LayerRow, Totals
    from ..builds import BuildReport, ProjectReport
    from ..layerreport import LayersReport


def count(c: Count) -> dict[str, int]:
    return {"files": c.files, "bytes": c.bytes}


def finding(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": f.rule.id,
        "name": f.rule.name,
        "severity": f.level.value,
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "fingerprint": f.fingerprint,
    }
    if f.bytes is not None:
        out["bytes"] = f.bytes
    if f.fix is not None:
        out["fix"] = f.fix
    return out


def suggestion(sg: Suggestion) -> dict[str, Any]:
    out: dict[str, Any] = {"pattern": sg.pattern, "files": sg.files, "bytes": sg.bytes, "reason": sg.reason}
    if sg.exceptions:
        out["exceptions"] = sg.exceptions
    if sg.note:
        out["note"] = sg.note
    return out


def held_back(sg: Suggestion) -> dict[str, Any]:
    """A line suggest does not write: ``status`` review (written with --include-review) or held (never)."""
    return {**suggestion(sg), "status": sg.status, "why": sg.why}


def document(report: Report) -> dict[str, Any]:
    s = report.stats
    ctx = report.ctx
    doc: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "context": str(ctx.root),
        "builder": ctx.builder.value,
        "dockerfile": str(ctx.dockerfile) if ctx.dockerfile else None,
        "ignore_file": str(ctx.ignore.path) if ctx.ignore.path else None,
        "eligible": count(s.sent),
        "ignored": count(s.ignored) if report.full else None,
        "largest_files": [{"path": display.path(f.path), "bytes": f.bytes, "kind": f.kind} for f in s.largest_files],
        "largest_dirs": [
            {"path": display.path(d.path), "bytes": d.bytes, "files": d.files, "kind": d.kind} for d in s.largest_dirs
        ],
        "by_kind": {k: count(c) for k, c in sorted(s.by_kind.items(), key=lambda kv: -kv[1].bytes)},
        "transfer": None,
        "image": None,
        "dockerfiles": [dockerfile_doc(d) for d in report.dockerfiles],
        "findings": [finding(f) for f in report.findings],
        "suggestions": [suggestion(sg) for sg in report.suggestions],
        "review": [held_back(sg) for sg in report.review],
    }
    if report.primary is not None:
        doc["transfer"] = doc["dockerfiles"][0]["transfer"]
        doc["image"] = doc["dockerfiles"][0]["image"]
    return doc


def dockerfile_doc(d: DockerfileReport) -> dict[str, Any]:
    u = d.usage
    transfer: dict[str, Any] = count(u.transfer)
    if d.ctx.builder is Builder.LEGACY:
        transfer["tar_bytes"] = u.tar_bytes
    elif d.ctx.builder is Builder.BUILDAH:
        transfer["local"] = True  # nothing sent: files/bytes are what COPY/ADD read in place
        r = d.remote
        transfer["remote"] = (
            None
            if r is None
            else {
                "ignore_file": r.ignore_file,
                "files": r.files,
                "bytes": r.bytes,
                "tar_bytes": r.tar_bytes,
                "error": r.error,
            }
        )
    else:
        transfer["wire_bytes"] = u.wire_bytes
        transfer["whole_context"] = u.whole_context
    return {
        "dockerfile": d.label,
        "ignore_file": str(d.ctx.ignore.path) if d.ctx.ignore.path else None,
        "target": d.model.target.label,
        "stages": [s.label for s in u.stages],
        "eligible": count(u.eligible),
        "transfer": transfer,
        "image": count(u.image),
        "image_at_most": u.image_at_most,  # an upper bound: a RUN ctxaudit cannot read may remove files
        "image_layers": count(u.layers),
        "instructions": [
            {
                "line": c.line,
                "instruction": c.copy.ins.original.strip(),
                "stage": c.copy.stage.label,
                "in_image": c.copy.stage.index in u.image_chain,
                "files": c.written.files,
                "bytes": c.written.bytes,
                "by_kind": {k: count(v) for k, v in sorted(c.by_kind.items(), key=lambda kv: -kv[1].bytes)},
            }
            for c in u.copies
        ],
    }


DOCUMENT_SCHEMA = 1
"""The version of the lint, image, suggest and explain documents (scan's is SCHEMA_VERSION, layers' its own)."""


def lint_document(report: Report) -> dict[str, Any]:
    """``ctxaudit lint -o json``: the ignore file and its findings."""
    ctx = report.ctx
    return {
        "schema": DOCUMENT_SCHEMA,
        "context": str(ctx.root),
        "builder": ctx.builder.value,
        "ignore_file": str(ctx.ignore.path) if ctx.ignore.path else None,
        "lines": ctx.ignore.line_count,  # every line of the file, by what it is:
        "patterns": ctx.ignore.valid_lines,
        "invalid_lines": ctx.ignore.invalid_lines,
        "comment_or_blank_lines": ctx.ignore.quiet_lines,
        "findings": [finding(f) for f in report.findings],
    }


def image_document(report: Report) -> dict[str, Any]:
    """``ctxaudit image -o json``: each Dockerfile's final image and its layer traps."""
    ctx = report.ctx
    return {
        "schema": DOCUMENT_SCHEMA,
        "context": str(ctx.root),
        "builder": ctx.builder.value,
        "dockerfiles": [
            {
                "dockerfile": d.label,
                "target": d.model.target.label,
                "stages": [s.label for s in d.usage.stages],
                "image_stages": [s.label for s in d.model.target.chain()],
                "image": count(d.usage.image),
                "image_at_most": d.usage.image_at_most,
            }
            for d in report.dockerfiles
        ],
        "bytes_at_stake": sum(f.bytes or 0 for f in report.findings),
        "findings": [finding(f) for f in report.findings],
    }


def lint_render(report: Report, options: Options) -> str:
    return dumps(lint_document(report))


def image_render(report: Report, options: Options) -> str:
    return dumps(image_document(report))


def builds_document(reports: Sequence[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    """Several builds' documents (lint, image, suggest of a Compose or Bake project), from
    (title, build name, document): ``{schema, builds}``, each ``{build, name, ...the document}``."""
    return {
        "schema": DOCUMENT_SCHEMA,
        "builds": [
            {"build": title, "name": name, **{k: v for k, v in doc.items() if k != "schema"}}
            for title, name, doc in reports
        ],
    }


def plan_document(plan: Plan, ignore_file: Path) -> dict[str, Any]:
    """``ctxaudit suggest -o json``: every key always present (README documents it)."""
    return {
        "schema": DOCUMENT_SCHEMA,
        "ignore_file": str(ignore_file),
        "sent_before": {"files": plan.files_before, "bytes": plan.before},
        "sent_after": {"files": plan.files_after, "bytes": plan.after},
        "suggestions": [
            {
                "pattern": sg.pattern,
                "exceptions": sg.exceptions,
                "files": sg.files,
                "bytes": sg.bytes,
                "reason": sg.reason,
                "note": sg.note or None,
            }
            for sg in plan.suggestions()
        ],
        "review": [held_back(sg) for sg in plan.review()],
        "lines": list(plan.block),
    }


def explain_document(results: Sequence[Explanation], builder: Builder, ignore: str) -> dict[str, Any]:
    """``ctxaudit explain -o json``: ``{schema, builder, ignore_file, paths}``, one object per path asked about."""
    return {
        "schema": DOCUMENT_SCHEMA,
        "builder": builder.value,
        "ignore_file": ignore,
        "paths": [
            {
                "path": display.path(x.path),
                "sent": x.sent,
                "exists": x.exists,
                "builder": builder.value,
                "rule": None if x.rule is None else {"file": ignore, "line": x.rule.line, "pattern": str(x.rule)},
                "skipped_dir": x.skipped_dir,
                "note": x.note or None,
            }
            for x in results
        ],
    }


class Verbatim(str):
    """Text ctxaudit wrote itself with its line breaks (SARIF rule help): :func:`dumps` keeps it as is."""


def escaped(doc: object) -> object:
    """``doc`` with every string escaped as the other formats print it
    (ctxaudit.common.display.text), :class:`Verbatim` strings excepted."""
    if isinstance(doc, str):
        return doc if isinstance(doc, Verbatim) else display.text(doc)
    if isinstance(doc, dict):
        return {escaped(k): escaped(v) for k, v in doc.items()}
    if isinstance(doc, list | tuple):
        return [escaped(v) for v in doc]
    return doc


def dumps(doc: object) -> str:
    """Indented JSON, valid UTF-8: undecodable bytes and control characters
    in any string are written ``\\xNN`` like everywhere else."""
    return json.dumps(escaped(doc), indent=2, ensure_ascii=False) + "\n"


def render(report: Report, options: Options) -> str:
    return dumps(document(report))


def _totals(t: Totals) -> dict[str, Any]:
    return {
        "layers": t.layers,
        "bytes": t.bytes,
        "wasted": t.wasted,
        "deleted": t.deleted,
        "overwritten": t.overwritten,
        "metadata": t.metadata,
        "caches": t.caches,
        "efficiency": round(t.efficiency, 6),
    }


def _layer(r: LayerRow) -> dict[str, Any]:
    o = r.origin
    return {
        "index": r.index,
        "base": r.base,
        "line": o.line,
        "kind": o.kind or None,
        "instruction": o.text if o.line is not None else None,
        "created_by": r.created_by,
        "diff_id": r.diff_id,
        "compression": r.compression,
        "blob_bytes": r.blob_bytes,
        "bytes": r.bytes,
        "added": count(r.added),
        "modified": count(r.modified),
        "metadata": count(r.metadata),
        "deleted": count(r.deleted),
        "hidden_later": r.unreachable,
        "hides_below": r.wastes,
        "largest": [{"change": c.change, "path": display.path(c.path), "bytes": c.bytes} for c in r.largest],
    }


def layers_document(report: LayersReport) -> dict[str, Any]:
    """``ctxaudit layers -o json``: every key always present (README documents it)."""
    a = report.analysis
    img = report.image
    d = a.dive
    return {
        "schema": 1,
        "image": {
            "source": img.source,
            "format": img.format,
            "name": img.name,
            "layers": len(img.layers),
            "bytes": img.bytes,
        },
        "dockerfile": report.dockerfile,
        "context": str(report.ctx.root) if report.ctx is not None else None,
        "base": {"layers": a.base_layers, "known": a.base_known, "counted": a.include_base},
        "layers": [_layer(r) for r in a.rows],
        "waste": {
            "yours": _totals(a.yours),
            "base": _totals(a.base),
            "whole": _totals(a.whole),
            "base_hidden_by_yours": a.base_hidden_by_yours,
            "reachable_bytes": a.reachable_bytes,
        },
        "largest_hidden": [
            {"path": display.path(h.path), "bytes": h.bytes, "layer": h.layer, "hidden_by": h.by, "how": h.how}
            for h in a.largest_hidden
        ],
        "dive": {
            "efficiency": d.efficiency,
            "inefficient_bytes": d.inefficient_bytes,
            "size_bytes": d.size_bytes,
            "user_size_bytes": d.user_size_bytes,
            "wasted_user_percent": d.wasted_user_percent,
        },
        "predictions": [
            {
                "line": p.line,
                "instruction": p.instruction,
                "what": p.what,
                "predicted": p.predicted,
                "measured": p.measured,
                "status": p.status or None,
            }
            for p in a.predictions
        ],
        "tolerance": a.tolerance,
        "findings": [finding(f) for f in report.findings],
        "notes": report.notes,
    }


def layers_render(report: LayersReport, options: Options) -> str:
    return dumps(layers_document(report))


def _pos(p: ProjectReport, pos: object) -> dict[str, Any] | None:
    file = getattr(pos, "file", None)
    return {"file": p.label(file), "line": getattr(pos, "line", None) or None} if file else None


def _located(f: Finding, p: ProjectReport) -> dict[str, Any]:
    out = finding(f)
    if f.path:
        out["path"] = p.label(f.path)
    return out


def build_doc(br: BuildReport, p: ProjectReport) -> dict[str, Any]:
    """One build of a project (README: JSON, ``builds``)."""
    from ..builds import ignore_reason

    b = br.build
    doc: dict[str, Any] = {
        "name": b.name,
        "kind": b.kind,
        "declared": _pos(p, b.declared),
        "context": p.label(b.context) if b.context is not None else None,
        "remote": b.remote,
        "dockerfile": p.label(b.dockerfile) if b.dockerfile is not None else None,
        "dockerfile_inline": b.dockerfile_inline,
        "target": b.target,
        "args": dict(b.args),
        "unresolved": dict(b.unresolved),
        "ignore_file": None,
        "ignore_reason": None,
        "named_contexts": [],
        "skipped": br.skipped,
        "sent": None,
        "transfer": None,
        "image": None,
        "findings": [_located(f, p) for f in br.findings],
        "report": None,
    }
    for n in b.named:
        nr = next((x for x in br.named if x.named is n), None)
        doc["named_contexts"].append(
            {
                "name": n.name,
                "value": n.value,
                "kind": n.kind,
                "path": p.label(n.path) if n.path is not None else None,
                "ignore_file": p.label(nr.ctx.ignore.path) if nr is not None and nr.ctx.ignore.path else None,
                "sent": count(nr.stats.sent) if nr is not None else None,
                "transfer": count(nr.transfer) if nr is not None and nr.usage is not None else None,
                "whole_context": nr.usage.whole_context if nr is not None and nr.usage is not None else None,
                "image": count(nr.image) if nr is not None and nr.usage is not None else None,
                "suggestions": [suggestion(sg) for sg in nr.suggestions] if nr is not None else [],
            }
        )
    if br.report is not None:
        ctx = br.report.ctx
        label = p.label(ctx.ignore.path) if ctx.ignore.path is not None else "none"
        doc["ignore_file"] = p.label(ctx.ignore.path) if ctx.ignore.path is not None else None
        doc["ignore_reason"] = ignore_reason(ctx, label)
        doc["sent"] = count(br.eligible)
        t = br.transfer
        doc["transfer"] = count(t) if t is not None else None
        img = br.image
        doc["image"] = count(img) if img is not None else None
        doc["report"] = document(br.report)
    return doc


def project_document(p: ProjectReport) -> dict[str, Any]:
    """A project report: ``builds``, ``summary``, every finding (README documents it)."""
    project = None
    if p.project is not None:
        project = {
            "kind": p.project.kind,
            "directory": str(p.project.directory),
            "files": [p.label(f) for f in p.project.files],
            "notes": p.project.notes,
        }
    return {
        "schema": SCHEMA_VERSION,
        "project": project,
        "builder": p.builder.value,
        "builds": [build_doc(br, p) for br in p.builds],
        "summary": {
            "builds": len(p.builds),
            "audited": len(p.audited),
            "eligible": count(p.eligible),
            "eligible_sum": count(p.eligible_sum),
            "transfer": count(p.transfer),
            "image": count(p.image),
            "shared": [
                {"context": p.label(sh.root), "ignore_files": sh.ignores, "builds": sh.builds} for sh in p.shared
            ],
            "gates": [{"build": who, "message": message} for who, message in p.breaches],
        },
        "findings": [_located(f, p) for f in p.findings],
    }


def render_project(p: ProjectReport, options: Options) -> str:
    return dumps(project_document(p))
