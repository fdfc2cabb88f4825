"""``--format table`` (default): one screen for a person at a terminal."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tabulate import tabulate

from ..analysis.explain import Explanation
from ..analysis.suggest import Plan, Suggestion
from ..common import display
from ..common.counts import Count
from ..dockerfile.usage import DockerfileUsage
from ..engine.builder import Builder
from ..pipeline import DockerfileReport, Report
from ..rules.findings import Finding, Severity
from . import Options

if TYPE_CHECKING:  # the layers and project modules load only when used
    from ..analysis.layers import LayerRow, Totals
    from ..builds import BuildReport, ProjectReport
    from ..common.counts import Count
    from ..layerreport import LayersReport

_RED, _YELLOW, _BOLD, _DIM, _RESET = "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"
_esc = display.text  # every piece of text from the context, the files, the image or the options


class _Raw(str):
    """A table cell ctxaudit composed itself (colour codes): printed as is."""


class _Style:
    def __init__(self, options: Options) -> None:
        self.o = options

    def size(self, n: int) -> str:
        return display.size(n, self.o.raw_bytes)

    def head(self, text: str) -> str:
        return f"{_BOLD}{text}{_RESET}" if self.o.color else text

    def dim(self, text: str) -> str:
        return f"{_DIM}{text}{_RESET}" if self.o.color else text

    def severity(self, s: Severity) -> str:
        if not self.o.color:
            return s.value
        colour = {Severity.ERROR: _RED, Severity.WARNING: _YELLOW}.get(s)
        return _Raw(f"{colour}{s.value}{_RESET}") if colour else s.value


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _table(
    rows: Sequence[Sequence[Any]], headers: Sequence[str], right: Sequence[int] = (), wrap: int | None = None
) -> str:
    align = ["right" if i in right else "left" for i in range(len(headers))]
    widths = [None] * (len(headers) - 1) + [wrap] if wrap else None
    return tabulate(
        [[_cell(c) for c in r] for r in rows],
        headers=headers,
        tablefmt="simple",
        colalign=align,
        disable_numparse=True,
        maxcolwidths=widths,
    )


def _cell(c: object) -> str:
    """A cell escaped (see ctxaudit.common.display); a tuple is a cell of several lines."""
    if isinstance(c, _Raw):
        return c
    if isinstance(c, tuple):
        return "\n".join(_esc(str(x)) for x in c)
    return _esc(str(c))


def _from_cwd(path: str) -> str:
    """An absolute path below the current directory (a Dockerfile outside the
    context) shown from it, for people; SARIF and JSON keep it whole."""
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            path = rel
    return display.path(path)


def findings_table(findings: list[Finding], st: _Style) -> str:
    rows = []
    for f in findings:
        msg = (f.message, f"  fix: {f.fix}") if f.fix else f.message
        rows.append([st.severity(f.level), f.rule.id, _from_cwd(f.location), msg])
    return _table(rows, ["severity", "rule", "where", "message"], wrap=80)


def numbers(d: DockerfileReport) -> list[tuple[str, Count]]:
    """The three numbers of a build, each named for what it is: eligible, transferred, reaching the image."""
    u = d.usage
    if d.ctx.builder is Builder.LEGACY:
        moved = [("tar sent by the legacy builder (the whole eligible context)", Count(u.transfer.files, u.tar_bytes))]
    elif d.ctx.builder is Builder.BUILDAH:
        moved = [("read in place by COPY/ADD (local buildah sends nothing)", u.transfer)]
        if d.remote is not None and d.remote.error is None:
            moved.append(("tar podman --remote uploads (before gzip)", Count(d.remote.files, d.remote.tar_bytes)))
    else:
        how = "everything eligible: a source takes the whole context" if u.whole_context else "referenced paths only"
        moved = [(f"transferred by BuildKit, cold cache ({how})", u.transfer)]
    rows = [
        ("eligible context (what the ignore file lets through)", u.eligible),
        *moved,
        ("reaching the image through COPY/ADD (one file per path)", u.image),
    ]
    if u.layers != u.image:
        rows.append(("written into the image's layers by COPY/ADD (a path written twice counts twice)", u.layers))
    return rows


def dockerfile_section(
    d: DockerfileReport, st: _Style, counts: bool = True, named: Sequence[DockerfileUsage] = ()
) -> str:
    """The Dockerfile's figures and its COPY/ADD rows; ``named``: the usages of
    the build's named contexts, which give the rows of COPY --from=NAME."""
    u = d.usage
    rows_of = {id(c.copy): (n, c) for n in named for c in n.copies if c.copy.context_name == n.source}
    stages = ", ".join(s.label for s in u.stages)
    lines = [st.head(f"Dockerfile {_esc(d.label)}") + _esc(f"  target {d.model.target.label}; stages built: {stages}")]
    if counts:
        rows = [[name, f"{c.files:,}", st.size(c.bytes)] for name, c in numbers(d)]
        lines.append(_table(rows, ["", "files", "size"], right=(1, 2)))
    if d.ctx.builder is Builder.BUILDAH:
        lines.append(st.dim(remote_note(d)))
    elif d.ctx.builder is Builder.BUILDKIT and not u.uses_context:
        lines.append(st.dim("(no instruction reads the context: BuildKit has no context step)"))
    elif d.ctx.builder is not Builder.LEGACY:
        lines.append(
            st.dim(
                f"(BuildKit prints 'transferring context: {display.buildkit_size(u.wire_bytes)}', file metadata "
                "included; with a warm cache it sends only what changed)"
            )
        )
    if u.copies:
        copy_rows = []
        for c in u.copies:
            where = "image" if c.copy.stage.index in u.image_chain else f"stage {c.copy.stage.label}"
            text = c.copy.ins.original.strip()
            _, row = rows_of.get(id(c.copy), (u, c))
            copy_rows.append(
                [
                    str(c.line),
                    text if len(text) <= 60 else text[:57] + "...",
                    where,
                    f"{row.written.files:,}",
                    st.size(row.written.bytes),
                ]
            )
        lines += ["", _table(copy_rows, ["line", "instruction", "into", "files", "size"], right=(0, 3, 4))]
    return "\n".join(lines)


def remote_note(d: DockerfileReport) -> str:
    """The line under a buildah Dockerfile section: local vs podman --remote."""
    remote = d.remote
    local = "(local buildah and podman build send nothing: each COPY/ADD reads the context in place"
    if remote is None:
        return local + ")"
    if remote.error is not None:
        return local + f"; podman --remote would fail before uploading: {remote.error})"
    read = remote.ignore_file or "no ignore file"
    return local + f"; podman --remote, as on podman machine, gzips that tar and reads {read})"


def render(report: Report, options: Options) -> str:
    st = _Style(options)
    ctx = report.ctx
    out: list[str] = []
    ignore = ctx.ignore.display if ctx.ignore.path else "none"
    out.append(f"{st.head('ctxaudit')}  {_esc(ctx.name)}")
    out.append(
        _esc(
            f"builder {ctx.builder.value} · ignore file {ignore}"
            + (f" · Dockerfile {ctx.dockerfile_label}" if ctx.has_dockerfile else "")
        )
    )
    out += context_body(report, st)
    if report.findings:
        out += ["", st.head(f"Findings ({len(report.findings)})"), findings_table(report.findings, st)]
    if report.suggestions:
        out += ["", st.head("Suggested ignore lines (ctxaudit suggest --write adds them)")]
        out.append(suggestions_table(report.suggestions, st))
    return "\n".join(out) + "\n"


def context_body(report: Report, st: _Style, named: Sequence[DockerfileUsage] = ()) -> list[str]:
    """The context's figures and Dockerfile sections (no header, findings or suggestions)."""
    s = report.stats
    ctx = report.ctx
    total = s.sent.bytes
    out: list[str] = [""]
    primary = report.primary if report.primary is not None and report.primary.ctx is ctx else None
    if primary is not None:
        summary = [[name, f"{c.files:,} files", st.size(c.bytes)] for name, c in numbers(primary)]
    else:
        summary = [["eligible context (what the ignore file lets through)", f"{s.sent.files:,} files", st.size(total)]]
    if report.full:
        summary.append(["kept out by the ignore file", f"{s.ignored.files:,} files", st.size(s.ignored.bytes)])
    out.append(_table(summary, ["", "files", "size"], right=(1, 2)))
    if not report.full:
        out.append(st.dim("(--full also sizes what the ignore file keeps out)"))

    if s.largest_files:
        out += ["", st.head(f"Largest eligible files (top {len(s.largest_files)})")]
        rows = [[display.path(f.path), st.size(f.bytes), f.kind, share(f.bytes, total)] for f in s.largest_files]
        out.append(_table(rows, ["path", "size", "kind", "share"], right=(1, 3)))
    if s.largest_dirs:
        out += ["", st.head("Largest eligible directories (cumulative)")]
        rows = [
            [display.path(d.path) + "/", st.size(d.bytes), f"{d.files:,}", d.kind, share(d.bytes, total)]
            for d in s.largest_dirs
        ]
        out.append(_table(rows, ["directory", "size", "files", "kind", "share"], right=(1, 2, 4)))
    if s.by_kind:
        out += ["", st.head("Eligible context by kind")]
        kinds = sorted(s.by_kind.items(), key=lambda kv: (-kv[1].bytes, kv[0]))
        rows = [[k, f"{c.files:,}", st.size(c.bytes), share(c.bytes, total)] for k, c in kinds]
        out.append(_table(rows, ["kind", "files", "size", "share"], right=(1, 2, 3)))
    for d in report.dockerfiles:
        out += ["", dockerfile_section(d, st, counts=d is not primary, named=named if d is report.primary else ())]
    return out


def suggestions_table(suggestions: Sequence[Suggestion], st: _Style) -> str:
    rows = [
        [
            (sg.pattern, *sg.exceptions),
            f"{sg.files:,}",
            st.size(sg.bytes),
            sg.reason + (f" ({sg.note})" if sg.note else ""),
        ]
        for sg in suggestions
    ]
    return _table(rows, ["line", "files", "saves", "why"], right=(1, 2), wrap=70)


def plan_text(plan: Plan, label: str, options: Options) -> str:
    """``ctxaudit suggest`` at a terminal: the lines, then the context with all of them."""
    if not plan.candidates:
        return (
            _esc(f"nothing to suggest for {label}: no junk or unused path is sent that a line could drop safely") + "\n"
        )
    st = _Style(options)
    return (
        suggestions_table(plan.suggestions(), st)
        + f"\n\nwith all of them: {plan.files_after:,} files, {st.size(plan.after)} sent instead of "
        f"{plan.files_before:,}, {st.size(plan.before)} ({st.size(plan.before - plan.after)} less); "
        "the Dockerfile's sources still resolve. Add them: ctxaudit suggest --write\n"
    )


def lint_text(report: Report, options: Options) -> str:
    """``ctxaudit lint`` at a terminal: the ignore file and its findings."""
    ign = report.ctx.ignore
    if ign.path is None:
        head = "no ignore file: everything in the context is sent (ctxaudit init writes a starter)"
        if not report.findings:
            return head + "\n"
        return head + "\n\n" + findings_table(report.findings, _Style(options)) + "\n"
    head = f"{_esc(ign.display)}: {len(ign.lines)} line(s)"
    if not report.findings:
        return head + ", nothing to report\n"
    return head + "\n\n" + findings_table(report.findings, _Style(options)) + "\n"


def image_text(report: Report, options: Options) -> str:
    """``ctxaudit image`` at a terminal: what reaches the image, then the layer traps."""
    style = _Style(options)
    lines = []
    for d in report.dockerfiles:
        stages = " <- ".join(s.label for s in reversed(d.model.target.chain()))
        lines.append(
            _esc(
                f"{_from_cwd(d.label)}: final image from stage(s) {stages}; {d.usage.image.files:,} context files, "
                f"{style.size(d.usage.image.bytes)} copied in"
            )
        )
    if not report.findings:
        return "\n".join(lines) + "\nno layer traps found\n"
    at_stake = sum(f.bytes or 0 for f in report.findings)
    lines.append(f"{len(report.findings)} trap(s), {style.size(at_stake)} at stake where known\n")
    return "\n".join(lines) + "\n" + findings_table(report.findings, style) + "\n"


def explain_text(results: Sequence[Explanation], builder: Builder, ignore: str) -> str:
    """``ctxaudit explain``: one line per path, with the line of ``ignore`` that decided."""
    shown = display.path
    out = []
    for x in results:
        state = ("sent" if x.sent else "not sent") if x.exists else ("would be sent" if x.sent else "would not be sent")
        if x.skipped_dir is not None:
            line = f"{shown(x.path)}: {state}, never visited: {builder.value} skips {shown(x.skipped_dir)}/"
            line += f" ({x.where(ignore)})"
        else:
            line = f"{shown(x.path)}: {state} ({x.where(ignore)})"
        if x.note:
            line += f"; {x.note}"
        if not x.exists:
            line += "; no such path in the context"
        out.append(_esc(line) + "\n")
    return "".join(out)


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def _files(c: Count) -> str:
    return f"{c.files:,}" if c.files else ""


def layers_text(report: LayersReport, options: Options) -> str:
    """``ctxaudit layers``: the layers (base apart), the waste, prediction vs reality, findings."""
    st = _Style(options)
    a = report.analysis
    img = report.image
    out = [f"{st.head('ctxaudit layers')}  {_esc(img.source)}"]
    head = [img.format, *([img.name] if img.name else []), f"{len(img.layers)} layers, {st.size(img.bytes)}"]
    if report.dockerfile:
        head.append(f"Dockerfile {report.dockerfile}")
    out += [_esc(" · ".join(head)), ""]
    base_rows = [r for r in a.rows if r.base]
    yours = [r for r in a.rows if not r.base]
    if base_rows:
        gated = "counted in the gates (--include-base)" if a.include_base else "not counted in the gates"
        out.append(
            st.head("Base image")
            + f"  {len(base_rows)} layer(s), {st.size(a.base.bytes)}, {st.size(a.base.wasted)} wasted; {gated}"
        )
        out += [_layer_table(base_rows, st), ""]
    elif not a.base_known:
        out += [st.dim("(base image not told apart: every layer counts as yours)"), ""]
    out.append(st.head("Your layers") if base_rows or a.base_known else st.head("Layers"))
    out += [_layer_table(yours, st), ""]
    out.append(
        st.head("Waste")
        + st.dim("  (bytes stored that the final image cannot reach; 'waste' above: charged to that line)")
    )
    cols: list[tuple[str, Totals]] = [("your layers", a.yours), ("base image", a.base), ("whole image", a.whole)]
    rows = [
        ["stored", *(st.size(t.bytes) for _, t in cols)],
        ["wasted", *(st.size(t.wasted) for _, t in cols)],
        ["· deleted", *(st.size(t.deleted) for _, t in cols)],
        ["· overwritten", *(st.size(t.overwritten) for _, t in cols)],
        ["· stored again, new mode/owner/time", *(st.size(t.metadata) for _, t in cols)],
        ["package-manager caches", *(st.size(t.caches) for _, t in cols)],
        ["efficiency", *(_percent(t.efficiency) for _, t in cols)],
    ]
    out.append(_table(rows, ["", *(name for name, _ in cols)], right=(1, 2, 3)))
    if a.base_hidden_by_yours:
        out.append(f"your lines also hide {st.size(a.base_hidden_by_yours)} of the base image (not freed)")
    d = a.dive
    user = ""
    if d.wasted_user_percent is not None:
        user = f", {d.wasted_user_percent:.1f}% of the {st.size(d.user_size_bytes)} above layer 0"
    out.append(
        st.dim(
            f"dive 0.13.1's figures for the whole image: efficiency {_percent(d.efficiency)}, "
            f"{st.size(d.inefficient_bytes)} wasted{user} (dive counts every copy of a file stored twice)"
        )
    )
    if a.largest_hidden:
        out += ["", st.head(f"Largest hidden files (top {len(a.largest_hidden)})")]
        name = {r.index: r.origin.name for r in a.rows}
        hrows = [[display.path(h.path), st.size(h.bytes), name[h.layer], name[h.by], h.how] for h in a.largest_hidden]
        out.append(_table(hrows, ["path", "size", "stored by", "hidden by", "how"], right=(1,)))
    if a.predictions:
        out += ["", st.head("Prediction vs reality") + st.dim(f"  (tolerance {a.tolerance:.0%})")]
        prow = [
            [
                str(p.line),
                p.instruction if len(p.instruction) <= 50 else p.instruction[:47] + "...",
                p.what,
                "-" if p.predicted is None else st.size(p.predicted),
                st.size(p.measured),
                p.status,
            ]
            for p in a.predictions
        ]
        out.append(_table(prow, ["line", "instruction", "bytes", "predicted", "measured", ""], right=(0, 3, 4)))
    if report.findings:
        out += ["", st.head(f"Findings ({len(report.findings)})"), findings_table(report.findings, st)]
    else:
        out += ["", "no layer traps found"]
    if report.notes:
        out += ["", *(st.dim(_esc(f"note: {n}")) for n in report.notes)]
    return "\n".join(out) + "\n"


def _layer_table(rows: Sequence[LayerRow], st: _Style) -> str:
    body = []
    for r in rows:
        o = r.origin
        text = o.text if len(o.text) <= 44 else o.text[:41] + "..."
        changed = _files(r.modified)
        if r.metadata.files:
            changed = (changed + " + " if changed else "") + f"{r.metadata.files:,} (same bytes)"
        body.append(
            [
                str(r.index),
                "" if o.line is None else str(o.line),
                text,
                st.size(r.bytes),
                _files(r.added),
                changed,
                _files(r.deleted),
                st.size(r.wastes) if r.wastes else "",
                st.size(r.unreachable) if r.unreachable else "",
            ]
        )
    headers = ["#", "line", "instruction", "size", "added", "changed", "deleted", "waste", "hidden later"]
    return _table(body, headers, right=(0, 1, 3, 4, 5, 6, 7, 8))


# -- a project: every build, then the summary -----------------------------------


def _located(findings: Sequence[Finding], p: ProjectReport) -> list[Finding]:
    """Findings with paths relative to the project directory, for display."""
    return [dataclasses.replace(f, path=p.label(f.path)) if f.path else f for f in findings]


def _where(p: ProjectReport, pos: object) -> str:
    file, line = getattr(pos, "file", None), getattr(pos, "line", 0)
    return f"{p.label(file)}:{line}" if file else ""


def build_header(br: BuildReport, p: ProjectReport, st: _Style) -> list[str]:
    """Title, inputs and the ignore file (with why) of one build."""
    from ..builds import ignore_reason

    b = br.build
    where = _where(p, b.declared)
    out = [st.head(_esc(f"== {b.title}" + (f" ({where})" if where else "") + " =="))]
    if br.report is None:
        context = b.remote or (p.label(b.context) + "/" if b.context is not None else "not evaluated")
        out.append(_esc(f"context {context}: not audited ({br.skipped})"))
        return out
    ctx = br.report.ctx
    parts = [f"context {p.label(ctx.root)}/"]
    if ctx.inline is not None:
        parts.append("Dockerfile inline")
    elif ctx.dockerfile is not None:
        parts.append(f"Dockerfile {p.label(ctx.dockerfile)}")
    if b.target:
        parts.append(f"target {b.target}")
    if b.args:
        shown = ", ".join(f"{k}={v}" for k, v in b.args.items())
        parts.append("args " + (shown if len(shown) <= 80 else shown[:77] + "..."))
    out.append(_esc(" · ".join(parts)))
    label = p.label(ctx.ignore.path) if ctx.ignore.path is not None else "none"
    out.append(_esc(f"ignore file {ignore_reason(ctx, label)}"))
    for n in b.named:
        if n.local:
            nr = next((x for x in br.named if x.named is n), None)
            if nr is None:
                continue
            nlabel = p.label(nr.ctx.ignore.path) if nr.ctx.ignore.path is not None else "none"
            line = (
                f"named context {n.name} = {p.label(nr.ctx.root)}/ (ignore file {nlabel}, its own root's): "
                f"{nr.stats.sent.files:,} files, {st.size(nr.stats.sent.bytes)} eligible"
            )
            if nr.usage is not None:
                how = "everything eligible" if nr.usage.whole_context else "referenced paths only"
                t, img = nr.transfer, nr.image
                line += (
                    f"; BuildKit transfer ({how}) {t.files:,} files, {st.size(t.bytes)}; "
                    f"reaches the image {img.files:,} files, {st.size(img.bytes)}"
                )
            out.append(_esc(line))
        else:
            out.append(_esc(f"named context {n.name} = {n.value} ({n.kind}, not walked)"))
    return out


def render_project(p: ProjectReport, options: Options) -> str:
    st = _Style(options)
    out: list[str] = []
    if p.project is not None:
        files = ", ".join(p.label(f) for f in p.project.files)
        kind = "Compose" if p.project.kind == "compose" else "Bake"
        where = os.path.relpath(p.project.directory)
        where = str(p.project.directory) if where.startswith("..") else where
        out.append(f"{st.head('ctxaudit')}  " + _esc(f"{kind} project {where} ({files})"))
    else:
        out.append(f"{st.head('ctxaudit')}  {len(p.builds)} build(s)")
    out.append(f"builder {p.builder.value} · {len(p.builds)} build(s), {len(p.audited)} audited")
    for note in p.project.notes if p.project is not None else []:
        out.append(st.dim(_esc(note)))
    for br in p.builds:
        out += ["", *build_header(br, p, st)]
        if br.report is not None:
            out += context_body(br.report, st, [n.usage for n in br.named if n.usage is not None])
        if br.findings:
            out += ["", st.head(f"Findings ({len(br.findings)})"), findings_table(_located(br.findings, p), st)]
        if br.report is not None and br.report.suggestions:
            ign = br.report.ctx.ignore
            target = p.label(ign.path) if ign.path is not None else p.label(br.report.ctx.root / ".dockerignore")
            out += ["", st.head(_esc(f"Suggested ignore lines for {target} (ctxaudit suggest --write adds them)"))]
            out.append(suggestions_table(br.report.suggestions, st))
        for nr in br.named:
            if nr.suggestions:
                ign = nr.ctx.ignore
                target = p.label(ign.path) if ign.path is not None else p.label(nr.ctx.root / ".dockerignore")
                out += ["", st.head(_esc(f"Suggested ignore lines for {target}, named context {nr.named.name}"))]
                out.append(suggestions_table(nr.suggestions, st))
    out += ["", *summary_lines(p, st)]
    return "\n".join(out) + "\n"


def summary_lines(p: ProjectReport, st: _Style) -> list[str]:
    """The project summary: one row per build, the totals, shared contexts, gates."""
    out = [st.head("Project summary")]
    gates = {who for who, _ in p.breaches}
    rows: list[list[str]] = []
    for br in p.builds:
        if br.report is None:
            rows.append([br.build.title, br.build.remote or "-", "-", "not audited", "", "", ""])
            continue
        ctx = br.report.ctx
        e = br.eligible
        t = br.transfer
        img = br.image
        rows.append(
            [
                br.build.title,
                p.label(ctx.root) + "/" + (f" +{len(br.named)} named" if br.named else ""),
                p.label(ctx.ignore.path) if ctx.ignore.path is not None else "none",
                f"{e.files:,} files, {st.size(e.bytes)}",
                st.size(t.bytes) if t is not None else "-",
                st.size(img.bytes) if img is not None else "-",
                ("FAIL" if br.build.title in gates else "ok") if p.gated else "-",
            ]
        )
    rows.append(
        [
            "total",
            "each context once",
            "",
            f"{p.eligible.files:,} files, {st.size(p.eligible.bytes)}",
            st.size(p.transfer.bytes),
            st.size(p.image.bytes),
            ("FAIL" if "project" in gates else "ok") if p.gated else "-",
        ]
    )
    out.append(
        _table(rows, ["build", "context", "ignore file", "eligible", "transfer", "image", "gates"], right=(3, 4, 5))
    )
    out.append(
        st.dim(
            "(transfer: what each build sends with a cold cache, added up; eligible: what the ignore files let "
            "through, a context several builds send with the same ignore file counted once)"
        )
    )
    for sh in p.shared:
        if sh.same_ignore:
            out.append(
                _esc(
                    f"shared context: {p.label(sh.root)}/ is sent by {', '.join(sh.builds)} with the same ignore "
                    f"file: {st.size(sh.eligible.bytes)} each time, counted once in the total"
                )
            )
        else:
            out.append(
                _esc(
                    f"shared context: {p.label(sh.root)}/ is sent by {', '.join(sh.builds)} with different ignore "
                    f"files ({', '.join(sh.ignores)}): each counted once in the total"
                )
            )
    return out
