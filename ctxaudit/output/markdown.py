"""``--format markdown``: for a pull-request comment or ``$GITHUB_STEP_SUMMARY``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tabulate import tabulate

from ..analysis.suggest import Suggestion
from ..common import display
from ..engine.builder import Builder
from ..pipeline import Report
from ..rules.findings import Finding, Severity
from . import Options
from .table import (
    build_order,
    eligible_label,
    ignore_lines,
    image_stages,
    numbers,
    remote_note,
    share,
    transfer_note,
)

if TYPE_CHECKING:
    from ..builds import ProjectReport
    from ..layerreport import LayersReport


# Markup anywhere in a line (emphasis, code, links, HTML, strikethrough, math, entities), and at
# its start (headings, lists, rules).
_SPECIAL = re.compile(r"([\\`*_\[\]<>~$&])|^([#+=-])|^(\d+)(\.)(?=\s)", re.M)


def esc(text: str) -> str:
    """Plain text for markdown: every character GitHub would read as markup
    (emphasis, links, HTML, math, strikethrough, entities) escaped with a
    backslash, so that ``__pycache__`` and ``**/*.csv`` show as written."""
    return _SPECIAL.sub(_escaped, display.text(text))


def _escaped(m: re.Match[str]) -> str:
    if m.group(3) is not None:
        return m.group(3) + "\\."  # "1. " would start a list
    return "\\" + (m.group(1) or m.group(2))


def code(text: str) -> str:
    """``text`` as an inline code span, however many backticks it holds (CommonMark:
    a longer fence, and a space inside it when the text starts or ends with one)."""
    text = display.text(text)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# Quoted patterns and paths in messages ('__pycache__/'), and `commands`: code spans.
_QUOTED = re.compile(r"`([^`]+)`|(?<![\w'])'([^'\s][^']*?)'(?![\w'])")


def rich(text: str) -> str:
    """A message for markdown: what it quotes ('*.csv', `pip install`) as code, the rest escaped."""
    out, at = [], 0
    for m in _QUOTED.finditer(text):
        out.append(esc(text[at : m.start()]))
        out.append(code(m.group(1) if m.group(1) is not None else m.group(2)))
        at = m.end()
    out.append(esc(text[at:]))
    return "".join(out)


def _cell(text: str) -> str:
    """A table cell: a pipe would end it (also inside a code span), a newline the row."""
    return "<br>".join(display.text(line) for line in text.split("\n")).replace("|", "\\|")


def _table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """A GitHub table of cells already in markdown (see :func:`esc`, :func:`code`, :func:`rich`)."""
    return tabulate(
        [[_cell(str(c)) for c in r] for r in rows],
        headers=[esc(h) for h in headers],
        tablefmt="github",
        disable_numparse=True,
    )


def _where(path: str) -> str:
    return code(display.path(path)) if path else ""


def _findings(findings: Sequence[Finding], label: Callable[[Finding], str] | None = None) -> str:
    """severity, rule, where, message (with its fix), every cell escaped."""
    rows = []
    for f in findings:
        where = label(f) if label is not None else f.location
        msg = rich(f.message) + (f" Fix: {rich(f.fix)}" if f.fix else "")
        rows.append([f.level.value, f.rule.id, _where(where), msg])
    return _table(rows, ["severity", "rule", "where", "message"])


def render(report: Report, options: Options) -> str:
    """``ctxaudit scan -o markdown``, in the order of the terminal report: the
    numbers, errors, suggested lines, other findings, then the details."""
    ctx = report.ctx
    out = [f"## ctxaudit: {code(display.path(ctx.name))}", ""]
    ignore = f"ignore file {code(ctx.ignore.display)}" if ctx.ignore.path else "no ignore file"
    dockerfile = f"Dockerfile {code(display.path(ctx.dockerfile_label))}" if ctx.has_dockerfile else "no Dockerfile"
    out += [f"Builder **{ctx.builder.value}**, {ignore}, {dockerfile}.", ""]
    out += headline(report, options)
    out += actions(report.findings, report.suggestions, options)
    out += details(report, options)
    return "\n".join(out)


def headline(report: Report, options: Options) -> list[str]:
    s = report.stats
    ctx = report.ctx
    primary = report.primary if report.primary is not None and report.primary.ctx is ctx else None
    if primary is not None:
        rows = [[esc(name), f"{c.files:,}", _size(c.bytes, options)] for name, c in numbers(primary)]
    else:
        rows = [[esc(eligible_label(ctx)), f"{s.sent.files:,}", _size(s.sent.bytes, options)]]
    if report.full and ctx.ignore.path is not None:
        rows.append(["kept out by the ignore file", f"{s.ignored.files:,}", _size(s.ignored.bytes, options)])
    out = [_table(rows, ["", "files", "size"]), ""]
    if primary is not None:
        out += [rich(transfer_note(primary)), ""]
    return out


def actions(findings: Sequence[Finding], suggestions: Sequence[Suggestion], options: Options) -> list[str]:
    """Errors, then the suggested lines with their savings, then the other findings."""
    errors = [f for f in findings if f.level is Severity.ERROR]
    others = [f for f in findings if f.level is not Severity.ERROR]
    out: list[str] = []
    if errors:
        out += [f"### Errors ({len(errors)})", "", _findings(errors), ""]
    if suggestions:
        saved = sum(sg.bytes for sg in suggestions)
        out += [f"### Suggested ignore lines: {esc(_size(saved, options))} less", ""]
        out.append(suggestions_table(suggestions, options))
        out += ["", f"{code('ctxaudit suggest --write')} adds them.", ""]
    if others:
        out += [f"### Findings ({len(others)})", "", _findings(others), ""]
    return out


def suggestions_table(suggestions: Sequence[Suggestion], options: Options) -> str:
    rows = [
        [
            "<br>".join(code(x) for x in [sg.pattern, *sg.exceptions]),
            f"{sg.files:,}",
            _size(sg.bytes, options),
            rich(sg.reason) + (f" ({rich(sg.note)})" if sg.note else ""),
        ]
        for sg in suggestions
    ]
    return _table(rows, ["line", "files", "saves", "why"])


def details(report: Report, options: Options) -> list[str]:
    s = report.stats
    total = s.sent.bytes
    primary = report.primary if report.primary is not None and report.primary.ctx is report.ctx else None
    out: list[str] = []
    if s.largest_files:
        out += ["### Largest eligible files", ""]
        rows = [[_where(f.path), _size(f.bytes, options), esc(f.kind), share(f.bytes, total)] for f in s.largest_files]
        out += [_table(rows, ["path", "size", "kind", "share"]), ""]
    dirs = s.largest_dirs
    if dirs:
        out += ["### Largest eligible directories", ""]
        rows = [
            [_where(d.path + "/"), _size(d.bytes, options), f"{d.files:,}", esc(d.kind), share(d.bytes, total)]
            for d in dirs
        ]
        out += [_table(rows, ["directory", "size", "files", "kind", "share"]), ""]
    if s.by_kind and total:
        out += ["### Eligible context by kind", ""]
        kinds = sorted(s.by_kind.items(), key=lambda kv: (-kv[1].bytes, kv[0]))
        rows = [[esc(k), f"{c.files:,}", _size(c.bytes, options), share(c.bytes, total)] for k, c in kinds]
        out += [_table(rows, ["kind", "files", "size", "share"]), ""]
    for d in report.dockerfiles:
        u = d.usage
        out += [f"### Dockerfile {_where(d.label)}", "", esc(build_order(d)).capitalize() + ".", ""]
        if d is not primary:
            rows = [[esc(name), f"{c.files:,}", _size(c.bytes, options)] for name, c in numbers(d)]
            out += [_table(rows, ["", "files", "size"]), ""]
        if d.ctx.builder is Builder.BUILDAH:
            out += [rich(remote_note(d)), ""]
        if u.copies:
            crow = [
                [
                    str(c.line),
                    code(c.copy.ins.original.strip()),
                    "image" if c.copy.stage.index in u.image_chain else f"stage {code(c.copy.stage.label)}",
                    f"{c.written.files:,}",
                    _size(c.written.bytes, options),
                ]
                for c in u.copies
            ]
            out += [_table(crow, ["line", "instruction", "into", "files", "size"]), ""]
    return out


def _size(n: int, options: Options) -> str:
    return display.size(n, options.raw_bytes)


def lint_render(report: Report, options: Options) -> str:
    """``ctxaudit lint -o markdown``: the ignore file and its findings."""
    ign = report.ctx.ignore
    out = [f"## ctxaudit lint: {code(display.path(report.ctx.name))}", ""]
    if ign.path is None:
        return "\n".join([*out, "No ignore file: everything in the context is sent.", ""])
    out += [f"Ignore file {code(ign.display)}, {ignore_lines(ign)}.", ""]
    if not report.findings:
        return "\n".join([*out, "Nothing to report.", ""])
    return "\n".join([*out, f"### Findings ({len(report.findings)})", "", _findings(report.findings), ""])


def image_render(report: Report, options: Options) -> str:
    """``ctxaudit image -o markdown``: what reaches the image, then the layer traps."""
    out = [f"## ctxaudit image: {code(display.path(report.ctx.name))}", ""]
    for d in report.dockerfiles:
        out += [
            f"{_where(d.label)}: the image is {esc(image_stages(d))}; {'at most ' if d.usage.image_at_most else ''}"
            f"{display.count(d.usage.image.files, 'context file')}, {esc(_size(d.usage.image.bytes, options))}, "
            "copied in.",
            "",
        ]
    if not report.findings:
        return "\n".join([*out, "No layer traps found.", ""])
    at_stake = sum(f.bytes or 0 for f in report.findings)
    out += [f"### Traps ({len(report.findings)}, {esc(_size(at_stake, options))} at stake where known)", ""]
    return "\n".join([*out, _findings(report.findings), ""])


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def layers_render(report: LayersReport, options: Options) -> str:
    """``ctxaudit layers -o markdown``: for a pull-request comment or the job summary."""
    a = report.analysis
    img = report.image

    def size(n: int) -> str:
        return display.size(n, options.raw_bytes)

    out = [f"## ctxaudit layers: {code(display.path(img.source))}", ""]
    total = display.amount(img.bytes, options.raw_bytes)
    about = f"{esc(img.format)}, {display.count(len(img.layers), 'layer')}, {esc(total)}"
    if img.name:
        about = f"{code(img.name)}: " + about
    if report.dockerfile:
        about += f"; Dockerfile {code(display.path(report.dockerfile))}"
    out += [about + ".", ""]
    rows = []
    for r in a.rows:
        o = r.origin
        rows.append(
            [
                str(r.index),
                "base" if r.base else ("" if o.line is None else str(o.line)),
                code(o.text),
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
        f"dive 0.13.1's figures: efficiency {_pct(d.efficiency)}, {esc(size(d.inefficient_bytes))} wasted "
        "(dive counts every copy of a file stored twice).",
        "",
    ]
    if a.predictions:
        prow = [
            [
                str(p.line),
                code(p.instruction),
                esc(p.what),
                "-" if p.predicted is None else size(p.predicted),
                size(p.measured),
                esc(p.status),
            ]
            for p in a.predictions
        ]
        out += [f"### Prediction vs reality (tolerance {a.tolerance:.0%})", ""]
        out += [_table(prow, ["line", "instruction", "bytes", "predicted", "measured", ""]), ""]
    if report.findings:
        out += [f"### Findings ({len(report.findings)})", ""]
        out += [_findings(report.findings), ""]
    for n in report.notes:
        out.append(f"> note: {rich(n)}")
    return "\n".join(out) + "\n"


def render_project(p: ProjectReport, options: Options) -> str:
    """Every build (its numbers, errors, suggestions, findings, details), then the
    project summary: for a pull-request comment or a job summary."""
    from .table import _located, _Style, summary_lines

    out: list[str] = []
    if p.project is not None:
        files = ", ".join(code(p.label(f)) for f in p.project.files)
        out += [f"## ctxaudit: {'Compose' if p.project.kind == 'compose' else 'Bake'} project ({files})", ""]
    for br in p.builds:
        b = br.build
        if br.report is None:
            out += [f"## {esc(b.title)}: not audited ({esc(br.skipped or '')})", ""]
            continue
        ctx = br.report.ctx
        out += [f"## {esc(b.title)}: {code(p.label(ctx.root))}", ""]
        ignore = f"ignore file {code(p.label(ctx.ignore.path))}" if ctx.ignore.path is not None else "no ignore file"
        out += [f"Builder **{ctx.builder.value}**, {ignore}.", ""]
        out += headline(br.report, options)
        out += actions(_located(br.findings, p), br.report.suggestions, options)
        out += details(br.report, options)
    out += ["### Project summary", "", "```text", *summary_lines(p, _Style(options)), "```", ""]
    return "\n".join(out)
