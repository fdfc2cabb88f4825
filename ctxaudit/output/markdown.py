"""``--format markdown``: for a pull-request comment or ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tabulate import tabulate

from ..common import display
from ..engine.builder import Builder
from ..pipeline import Report
from . import Options
from .table import numbers, remote_note, share

if TYPE_CHECKING:
    from ..builds import ProjectReport
    from ..layerreport import LayersReport


def _cell(text: str) -> str:
    return display.text(text).replace("|", "\\|")


def _table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    return tabulate(
        [[_cell(str(c)) for c in r] for r in rows], headers=headers, tablefmt="github", disable_numparse=True
    )


def _code(text: str) -> str:
    return "`" + display.text(text).replace("`", "'") + "`"


def render(report: Report, options: Options) -> str:
    s = report.stats
    ctx = report.ctx

    def size(n: int) -> str:
        return display.size(n, options.raw_bytes)

    total = s.sent.bytes
    out = [f"## ctxaudit: {_code(display.path(ctx.name))}", ""]
    ignore = _code(ctx.ignore.display) if ctx.ignore.path else "none"
    out.append(f"Builder **{ctx.builder.value}**, ignore file {ignore}.")
    out.append("")
    primary = report.primary if report.primary is not None and report.primary.ctx is ctx else None
    if primary is not None:
        rows = [[name, f"{c.files:,}", size(c.bytes)] for name, c in numbers(primary)]
    else:
        rows = [["eligible context (what the ignore file lets through)", f"{s.sent.files:,}", size(total)]]
    if report.full:
        rows.append(["kept out by the ignore file", f"{s.ignored.files:,}", size(s.ignored.bytes)])
    out += [_table(rows, ["", "files", "size"]), ""]
    if s.largest_files:
        out += ["### Largest eligible files", ""]
        out.append(
            _table(
                [[_code(display.path(f.path)), size(f.bytes), f.kind, share(f.bytes, total)] for f in s.largest_files],
                ["path", "size", "kind", "share"],
            )
        )
        out.append("")
    if s.largest_dirs:
        out += ["### Largest eligible directories", ""]
        out.append(
            _table(
                [
                    [_code(display.path(d.path) + "/"), size(d.bytes), f"{d.files:,}", d.kind, share(d.bytes, total)]
                    for d in s.largest_dirs
                ],
                ["directory", "size", "files", "kind", "share"],
            )
        )
        out.append("")
    if s.by_kind:
        out += ["### Eligible context by kind", ""]
        kinds = sorted(s.by_kind.items(), key=lambda kv: (-kv[1].bytes, kv[0]))
        out.append(
            _table(
                [[k, f"{c.files:,}", size(c.bytes), share(c.bytes, total)] for k, c in kinds],
                ["kind", "files", "size", "share"],
            )
        )
        out.append("")
    for d in report.dockerfiles:
        u = d.usage
        out += [f"### Dockerfile {_code(d.label)} (target {display.text(d.model.target.label)})", ""]
        if d is not primary:
            rows = [[name, f"{c.files:,}", size(c.bytes)] for name, c in numbers(d)]
            out += [_table(rows, ["", "files", "size"]), ""]
        if d.ctx.builder is Builder.BUILDAH:
            out += [remote_note(d), ""]
        if u.copies:
            crow = [
                [
                    str(c.line),
                    _code(c.copy.ins.original.strip()),
                    "image" if c.copy.stage.index in u.image_chain else f"stage {c.copy.stage.label}",
                    f"{c.written.files:,}",
                    size(c.written.bytes),
                ]
                for c in u.copies
            ]
            out += [_table(crow, ["line", "instruction", "into", "files", "size"]), ""]
    if report.findings:
        out += [f"### Findings ({len(report.findings)})", ""]
        rows = []
        for f in report.findings:
            where = f.location
            rows.append([f.level.value, f.rule.id, _code(display.path(where)) if where else "", f.text])
        out += [_table(rows, ["severity", "rule", "where", "message"]), ""]
    if report.suggestions:
        out += ["### Suggested ignore lines", ""]
        out.append(
            _table(
                [[_code(sg.pattern), f"{sg.files:,}", size(sg.bytes), sg.reason] for sg in report.suggestions],
                ["line", "files", "saves", "why"],
            )
        )
        out.append("")
    return "\n".join(out)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def layers_render(report: LayersReport, options: Options) -> str:
    """``ctxaudit layers -o markdown``: for a pull-request comment or the job summary."""
    a = report.analysis
    img = report.image

    def size(n: int) -> str:
        return display.size(n, options.raw_bytes)

    out = [f"## ctxaudit layers: {_code(display.path(img.source))}", ""]
    about = f"{img.format}, {len(img.layers)} layers, {size(img.bytes)}"
    if img.name:
        about = f"{_code(img.name)}: " + about
    if report.dockerfile:
        about += f"; Dockerfile {_code(display.path(report.dockerfile))}"
    out += [about + ".", ""]
    rows = []
    for r in a.rows:
        o = r.origin
        rows.append(
            [
                str(r.index),
                "base" if r.base else ("" if o.line is None else str(o.line)),
                _code(o.text),
                size(r.bytes),
                f"{r.added.files:,}",
                f"{r.modified.files + r.metadata.files:,}",
                f"{r.deleted.files:,}",
                size(r.wastes),
                size(r.unreachable),
            ]
        )
    out += [
        _table(rows, ["#", "line", "instruction", "size", "added", "changed", "deleted", "waste", "hidden later"]),
        "",
    ]
    scopes = [("your layers", a.yours), ("base image", a.base), ("whole image", a.whole)]
    trows = [
        ["stored", *(size(t.bytes) for _, t in scopes)],
        ["wasted", *(size(t.wasted) for _, t in scopes)],
        ["deleted", *(size(t.deleted) for _, t in scopes)],
        ["overwritten", *(size(t.overwritten) for _, t in scopes)],
        ["stored again, new mode/owner/time", *(size(t.metadata) for _, t in scopes)],
        ["package-manager caches", *(size(t.caches) for _, t in scopes)],
        ["efficiency", *(_pct(t.efficiency) for _, t in scopes)],
    ]
    out += ["### Waste", "", _table(trows, ["", *(n for n, _ in scopes)]), ""]
    d = a.dive
    out += [
        f"dive 0.13.1's figures: efficiency {_pct(d.efficiency)}, {size(d.inefficient_bytes)} wasted "
        "(dive counts every copy of a file stored twice).",
        "",
    ]
    if a.predictions:
        prow = [
            [
                str(p.line),
                _code(p.instruction),
                p.what,
                "-" if p.predicted is None else size(p.predicted),
                size(p.measured),
                p.status,
            ]
            for p in a.predictions
        ]
        out += [f"### Prediction vs reality (tolerance {a.tolerance:.0%})", ""]
        out += [_table(prow, ["line", "instruction", "bytes", "predicted", "measured", ""]), ""]
    if report.findings:
        out += [f"### Findings ({len(report.findings)})", ""]
        frows = [
            [f.level.value, f.rule.id, _code(display.path(f.location)) if f.location else "", f.text]
            for f in report.findings
        ]
        out += [_table(frows, ["severity", "rule", "where", "message"]), ""]
    for n in report.notes:
        out.append(display.text(f"> note: {n}"))
    return "\n".join(out) + "\n"


def render_project(p: ProjectReport, options: Options) -> str:
    """Every build's report, then the project summary (for a PR comment or a job summary)."""
    from .table import _Style, summary_lines

    out: list[str] = []
    if p.project is not None:
        files = ", ".join(_code(p.label(f)) for f in p.project.files)
        out += [f"## ctxaudit: {'Compose' if p.project.kind == 'compose' else 'Bake'} project ({files})", ""]
    for br in p.builds:
        b = br.build
        if br.report is None:
            out += [display.text(f"## {b.title}: not audited ({br.skipped})"), ""]
            continue
        body = render(br.report, options).replace("## ctxaudit: ", f"## {display.text(b.title)}: ", 1)
        out.append(body)
    out += ["### Project summary", "", "```text", *summary_lines(p, _Style(options)), "```", ""]
    if p.findings:
        rows = [
            [
                f.level.value,
                f.rule.id,
                _code(p.label(f.path) + (f":{f.line}" if f.line else "")) if f.path else "",
                f.text,
            ]
            for f in p.findings
        ]
        out += [f"### All findings ({len(p.findings)})", "", _table(rows, ["severity", "rule", "where", "message"]), ""]
    return "\n".join(out)
