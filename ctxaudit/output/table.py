"""``--format table`` (default): one screen for a person at a terminal."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..analysis.explain import Explanation
from ..analysis.suggest import Plan, Suggestion
from ..common import display
from ..common.counts import Count
from ..dockerfile.model import Dockerfile, Stage
from ..dockerfile.usage import DockerfileUsage
from ..engine.builder import Builder
from ..engine.context import STDIN_LABEL, Context
from ..engine.ignorefile import IgnoreFile
from ..pipeline import DockerfileReport, Report
from ..rules.findings import Finding, Rule, Severity
from . import Options, layout

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

    @property
    def columns(self) -> int | None:
        return self.o.width

    def size(self, n: int) -> str:
        return display.size(n, self.o.raw_bytes)

    def amount(self, n: int) -> str:
        """A size in prose: with --bytes, the count and "bytes"."""
        return display.amount(n, self.o.raw_bytes)

    def head(self, text: str) -> str:
        return f"{_BOLD}{text}{_RESET}" if self.o.color else text

    def dim(self, text: str) -> str:
        return f"{_DIM}{text}{_RESET}" if self.o.color else text

    def title(self, text: str) -> str:
        """A section title, escaped and wrapped to the width like prose, in bold."""
        return "\n".join(self.head(line) for line in _prose(text, self.columns).split("\n"))

    def note(self, text: str) -> str:
        """A line of prose under a table, escaped, wrapped to the width (80 columns without one), dimmed."""
        return "\n".join(self.dim(line) for line in _prose(text, self.columns).split("\n"))

    def severity(self, s: Severity) -> str:
        if not self.o.color:
            return s.value
        colour = {Severity.ERROR: _RED, Severity.WARNING: _YELLOW}.get(s)
        return _Raw(f"{colour}{s.value}{_RESET}") if colour else s.value

    def table(
        self,
        rows: Sequence[Sequence[Any]],
        headers: Sequence[str],
        right: Sequence[int] = (),
        wrap: int | None = None,
        paths: Sequence[int] = (),
        cut: Sequence[int] = (),
        squeeze: Sequence[int] = (),
        split: Sequence[int] = (),
    ) -> str:
        """A table fitted to the width (see ctxaudit.output.layout), every cell escaped."""
        cells = [[_cell(c) for c in r] for r in rows]
        return layout.table(
            cells,
            headers,
            right=right,
            wrap=wrap,
            paths=paths,
            cut=cut,
            squeeze=squeeze,
            split=split,
            columns=self.columns,
        )


def _cell(c: object) -> str:
    """A cell escaped (see ctxaudit.common.display); a tuple is a cell of several lines."""
    if isinstance(c, _Raw):
        return c
    if isinstance(c, tuple):
        return "\n".join(_esc(str(x)) for x in c)
    return _esc(str(c))


def _prose(text: str, columns: int | None) -> str:
    """A paragraph, escaped and wrapped (layout.prose)."""
    return layout.prose(_esc(text), columns)


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _from_cwd(path: str) -> str:
    """An absolute path below the current directory (a Dockerfile outside the
    context) shown from it, for people; SARIF and JSON keep it whole."""
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            path = rel
    return display.path(path)


def findings_table(findings: Sequence[Finding], st: _Style, suggested: Mapping[int, str] | None = None) -> str:
    """severity, rule, where, message (with its fix on the next line).

    ``suggested``: for a finding (by id) whose fix is a suggested ignore line,
    that line: the fix then points at the suggestions instead of repeating them.
    """
    rows = []
    for f in findings:
        fix = f.fix
        if suggested and id(f) in suggested:
            fix = f"{suggested[id(f)]} (suggested above)"
        msg = (f.message, f"  fix: {fix}") if fix else f.message
        rows.append([st.severity(f.level), f.rule.id, _from_cwd(f.location), msg])
    return st.table(rows, ["severity", "rule", "where", "message"], wrap=3, paths=(2,))


def rules_text(rules: Sequence[Rule], options: Options) -> str:
    """``ctxaudit rules``: every rule's id, severity, name and summary."""
    st = _Style(options)
    rows = [[r.id, st.severity(r.severity), r.name, r.summary] for r in rules]
    return st.table(rows, ["rule", "severity", "name", "what"], wrap=3) + "\n"


# -- stages, in words -------------------------------------------------------------


def stage_name(stage: Stage, df: Dockerfile) -> str:
    """A stage as people name it: ``stage 'build'``, ``stage 2 (unnamed, the final stage)``."""
    what = []
    if stage.name is None:
        what.append("unnamed")
    if stage is df.target:
        if len(df.stages) == 1:
            what.append("the only stage")
        elif stage.index == len(df.stages) - 1:
            what.append("the final stage")
        else:
            what.append("the target")
    shown = f"stage '{stage.name}'" if stage.name is not None else f"stage {stage.index}"
    return shown + (f" ({', '.join(what)})" if what else "")


def _joined(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def build_order(d: DockerfileReport) -> str:
    """Which stages the builder builds, in order, and which it skips: "builds
    stage 'prep', then stage 1 (unnamed, the final stage)"."""
    df = d.model
    built = [s for s in d.usage.stages if s is not df.target]
    target = stage_name(df.target, df)
    text = f"builds {_joined([stage_name(s, df) for s in built])}, then {target}" if built else f"builds {target}"
    skipped = [s for s in df.stages if s.index not in {b.index for b in d.usage.stages}]
    if skipped:
        names = [stage_name(s, df) for s in skipped]
        text += f"; {_joined(names)} {'is' if len(names) == 1 else 'are'} not built (nothing needs it)"
    elif d.ctx.builder is Builder.LEGACY and len(df.stages) > 1:
        text += " (the legacy builder builds every stage up to the target)"
    return text


def image_stages(d: DockerfileReport) -> str:
    """What the image is made of: "stage 1 (unnamed, the final stage), built FROM stage 'base'"."""
    df = d.model
    chain = df.target.chain()
    text = stage_name(df.target, df)
    if len(chain) > 1:
        text += ", built FROM " + ", FROM ".join(stage_name(s, df) for s in reversed(chain[:-1]))
    return text


# -- scan ------------------------------------------------------------------------


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
        (eligible_label(d.ctx), u.eligible),
        *moved,
        (
            "reaching the image through COPY/ADD "
            + ("(at most: an unread RUN may remove some)" if u.image_at_most else "(one file per path)"),
            u.image,
        ),
    ]
    if u.layers != u.image:
        rows.append(("written into the image's layers by COPY/ADD (a path written twice counts twice)", u.layers))
    return rows


def eligible_label(ctx: Context) -> str:
    if ctx.ignore.path is None:
        return "eligible context (no ignore file: all of it)"
    return "eligible context (what the ignore file lets through)"


def transfer_note(d: DockerfileReport) -> str:
    """The line under the numbers: how the builder reports what it sends."""
    if d.ctx.builder is Builder.BUILDAH:
        return remote_note(d)
    if d.ctx.builder is Builder.BUILDKIT and not d.usage.uses_context:
        return "No instruction reads the context: BuildKit has no context step."
    if d.ctx.builder is Builder.LEGACY:
        return "The legacy builder prints 'Sending build context to Docker daemon' with the tar's size."
    return (
        f"BuildKit prints 'transferring context: {display.buildkit_size(d.usage.wire_bytes)}' (file metadata "
        "included); with a warm cache it sends only what changed."
    )


def dockerfile_section(
    d: DockerfileReport, st: _Style, counts: bool = True, named: Sequence[DockerfileUsage] = ()
) -> str:
    """The Dockerfile's stages in words, its figures (``counts``) and its COPY/ADD rows;
    ``named``: the usages of the build's named contexts, which give the rows of COPY --from=NAME."""
    u = d.usage
    rows_of = {id(c.copy): (n, c) for n in named for c in n.copies if c.copy.context_name == n.source}
    lines = [st.title(f"Dockerfile {d.label}"), _prose(build_order(d), st.columns)]
    if counts:
        rows = [[name, display.count(c.files, "file"), st.size(c.bytes)] for name, c in numbers(d)]
        lines.append(st.table(rows, ["", "files", "size"], right=(1, 2), wrap=0))
        lines.append(st.note(transfer_note(d)))
    if u.copies:
        copy_rows = []
        for c in u.copies:
            where = "image" if c.copy.stage.index in u.image_chain else f"stage {c.copy.stage.label}"
            text = c.copy.ins.original.strip()
            _, row = rows_of.get(id(c.copy), (u, c))
            copy_rows.append(
                [
                    str(c.line),
                    text if len(text) <= 60 else text[:59] + layout.ELLIPSIS,
                    where,
                    f"{row.written.files:,}",
                    st.size(row.written.bytes),
                ]
            )
        lines += [
            "",
            st.table(copy_rows, ["line", "instruction", "into", "files", "size"], right=(0, 3, 4), cut=(1,)),
        ]
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


def header(ctx: Context, st: _Style) -> list[str]:
    """The first two lines: what was audited, with which builder, ignore file and Dockerfile."""
    ignore = f"ignore file {ctx.ignore.display}" if ctx.ignore.path else "no ignore file"
    dockerfile = f"Dockerfile {ctx.dockerfile_label}" if ctx.has_dockerfile else "no Dockerfile"
    if ctx.inline is not None and ctx.dockerfile_label == STDIN_LABEL:
        dockerfile = "Dockerfile from stdin"
    inputs = f"builder {ctx.builder.value} · {ignore} · {dockerfile}"
    # Fitting a terminal, the line wraps between words (the stable layout keeps it whole).
    return [f"{st.head('ctxaudit')}  {_esc(ctx.name)}", _prose(inputs, st.columns) if st.columns else _esc(inputs)]


def render(report: Report, options: Options) -> str:
    """``ctxaudit scan``, in the order a user acts on it: the numbers, the errors,
    the suggested lines with their savings, the other findings, then the details."""
    st = _Style(options)
    out = header(report.ctx, st)
    out += headline(report, st)
    out += actions(report.findings, report.suggestions, st, review=report.review)
    out += details(report, st)
    return "\n".join(out) + "\n"


def review_note(held_back: Sequence[Suggestion], st: _Style) -> list[str]:
    """One line under the suggestions: how many lines suggest holds back for review, and their size."""
    review = [sg for sg in held_back if sg.status == "review"]
    if not review:
        return []
    held = sum(sg.bytes for sg in review)
    return [
        "",
        st.note(
            f"{display.count(len(review), 'more line')}, {st.size(held)}, held back for review: they would "
            "remove files the build may read (ctxaudit suggest shows them)"
        ),
    ]


def headline(report: Report, st: _Style) -> list[str]:
    """The numbers (eligible, transferred, reaching the image), and how to read them."""
    s = report.stats
    ctx = report.ctx
    primary = report.primary if report.primary is not None and report.primary.ctx is ctx else None
    if primary is not None:
        rows = [[name, display.count(c.files, "file"), st.size(c.bytes)] for name, c in numbers(primary)]
    else:
        rows = [[eligible_label(ctx), display.count(s.sent.files, "file"), st.size(s.sent.bytes)]]
    if report.full and ctx.ignore.path is not None:
        rows.append(["kept out by the ignore file", display.count(s.ignored.files, "file"), st.size(s.ignored.bytes)])
    out = ["", st.table(rows, ["", "files", "size"], right=(1, 2), wrap=0)]
    if primary is not None:
        out.append(st.note(transfer_note(primary)))
    elif not ctx.has_dockerfile:
        out.append(
            st.note(
                f"No Dockerfile in {ctx.name}: what the build transfers and what reaches the image need one (-f FILE)."
            )
        )
    if not report.full and ctx.ignore.path is not None:
        out.append(st.note("(--full also sizes what the ignore file keeps out, and finds its dead lines)"))
    return out


def _fixes(findings: Sequence[Finding], suggestions: Sequence[Suggestion]) -> tuple[dict[int, str], dict[str, str]]:
    """CA201 findings whose fix is a suggested line: finding id -> the line; and
    line -> "fixes CA201 at FILE:LINE" for the suggestions table."""
    patterns = {sg.pattern for sg in suggestions}
    by_finding: dict[int, str] = {}
    by_line: dict[str, list[str]] = {}
    for f in findings:
        if f.rule.id == "CA201" and f.fix in patterns:
            by_finding[id(f)] = f.fix
            by_line.setdefault(f.fix, []).append(_from_cwd(f.location))
    return by_finding, {line: f"fixes CA201 at {', '.join(where)}" for line, where in by_line.items()}


def actions(
    findings: Sequence[Finding],
    suggestions: Sequence[Suggestion],
    st: _Style,
    target: str = "",
    review: Sequence[Suggestion] = (),
) -> list[str]:
    """Errors, then the suggested lines with their savings (and how many suggest holds back
    for review, ``review``), then the other findings.

    A root-only line (CA201) whose fix is a suggested line is said once: the
    suggestion names the finding it fixes, the finding points at the suggestion.
    """
    by_finding, by_line = _fixes(findings, suggestions)
    errors = [f for f in findings if f.level is Severity.ERROR]
    others = [f for f in findings if f.level is not Severity.ERROR]
    out: list[str] = []
    if errors:
        out += ["", st.head(f"Errors ({len(errors)})"), findings_table(errors, st, by_finding)]
    if suggestions:
        saved = sum(sg.bytes for sg in suggestions)
        into = f" for {target}" if target else ""
        out += [
            "",
            st.title(f"Suggested ignore lines{into}: {st.size(saved)} less"),
            suggestions_table(suggestions, st, by_line),
            st.note("(ctxaudit suggest --write adds them)"),
        ]
    out += review_note(review, st)
    if others:
        warnings = sum(1 for f in others if f.level is Severity.WARNING)
        title = ", ".join(
            x
            for x in (
                display.count(warnings, "warning") if warnings else "",
                display.count(len(others) - warnings, "note") if len(others) > warnings else "",
            )
            if x
        )
        out += ["", st.head(f"Findings: {title}"), findings_table(others, st, by_finding)]
    return out


def details(report: Report, st: _Style, named: Sequence[DockerfileUsage] = ()) -> list[str]:
    """The largest files and directories, the kinds, and each Dockerfile's stages and COPY/ADD rows."""
    s = report.stats
    total = s.sent.bytes
    primary = report.primary if report.primary is not None and report.primary.ctx is report.ctx else None
    out: list[str] = []
    if s.largest_files:
        out += ["", st.head(f"Largest eligible files (top {len(s.largest_files)})")]
        rows = [[display.path(f.path), st.size(f.bytes), f.kind, share(f.bytes, total)] for f in s.largest_files]
        out.append(st.table(rows, ["path", "size", "kind", "share"], right=(1, 3), paths=(0,)))
    dirs = s.largest_dirs
    if dirs:
        out += ["", st.head("Largest eligible directories (cumulative)")]
        rows = [
            [display.path(d.path) + "/", st.size(d.bytes), f"{d.files:,}", d.kind, share(d.bytes, total)] for d in dirs
        ]
        out.append(st.table(rows, ["directory", "size", "files", "kind", "share"], right=(1, 2, 4), paths=(0,)))
    if s.by_kind and total:
        out += ["", st.head("Eligible context by kind")]
        kinds = sorted(s.by_kind.items(), key=lambda kv: (-kv[1].bytes, kv[0]))
        rows = [[k, f"{c.files:,}", st.size(c.bytes), share(c.bytes, total)] for k, c in kinds]
        out.append(st.table(rows, ["kind", "files", "size", "share"], right=(1, 2, 3)))
    for d in report.dockerfiles:
        out += ["", dockerfile_section(d, st, counts=d is not primary, named=named if d is report.primary else ())]
    return out


def context_body(report: Report, st: _Style, named: Sequence[DockerfileUsage] = ()) -> list[str]:
    """The context's figures and Dockerfile sections (no header, findings or suggestions)."""
    return headline(report, st) + details(report, st, named)


def suggestions_table(suggestions: Sequence[Suggestion], st: _Style, fixes: Mapping[str, str] | None = None) -> str:
    """line, files, saves, why; ``fixes``: line -> the findings it fixes, said instead of a
    correction's own reason (which repeats the finding)."""
    rows = []
    for sg in suggestions:
        fixed = (fixes or {}).get(sg.pattern)
        note = sg.note
        if fixed:  # the finding is named instead: no correction said in the note too
            note = "; ".join(n for n in note.split("; ") if not n.startswith("correction:"))
        why = sg.reason + (f" ({note})" if note else "")
        if fixed:
            why = fixed if sg.reason.startswith("correction:") else f"{why}; {fixed}"
        rows.append([(sg.pattern, *sg.exceptions), f"{sg.files:,}", st.size(sg.bytes), why])
    # An ignore line is never shortened (it is what gets written): the column takes its
    # width, and breaks after a '/' only when the table cannot fit otherwise.
    return st.table(rows, ["line", "files", "saves", "why"], right=(1, 2), wrap=3, split=(0,))


def plan_text(plan: Plan, label: str, options: Options, limit: int | None = None) -> str:
    """``ctxaudit suggest`` at a terminal: the lines, the context with all of them,
    then the lines held back and why (the first ``limit`` of them, see :func:`held_back_text`)."""
    st = _Style(options)
    if not plan.candidates:
        out = (
            _prose(
                f"nothing to suggest for {label}: no junk or unused path is sent that a line could drop safely",
                st.columns,
            )
            + "\n"
        )
    else:
        summary = (
            f"With all of them: {display.count(plan.files_after, 'file')}, {st.size(plan.after)} eligible instead of "
            f"{display.count(plan.files_before, 'file')}, {st.size(plan.before)} "
            f"({st.size(plan.before - plan.after)} less); the Dockerfile's sources still resolve. "
            "Add them: ctxaudit suggest --write"
        )
        out = suggestions_table(plan.suggestions(), st) + "\n\n" + _prose(summary, st.columns) + "\n"
    return out + held_back_text(plan, options, limit)


def written_text(plan: Plan, options: Options) -> str:
    """What ``suggest --write`` and ``init`` wrote: each line, what it removes, why."""
    if not plan.candidates:
        return ""
    return "\nwritten:\n" + suggestions_table(plan.suggestions(), _Style(options)) + "\n"


HELD_BACK_SHOWN = 10
"""How many held-back lines ``suggest`` lists by default (``--all`` lists every one)."""


def held_back_text(plan: Plan, options: Options, limit: int | None = None) -> str:
    """The lines not written: for review (--include-review writes them) and never (a '!' line or a
    bind mount keeps what they would remove), each with its size and the reason. With ``limit``,
    only the first ``limit`` (review lines first, largest first), then how many more and their size."""
    held = plan.review()
    if not held:
        return ""
    st = _Style(options)
    shown = held if limit is None else held[:limit]
    rows = [
        [sg.pattern, sg.status, f"{sg.files:,}", st.size(sg.bytes), f"{sg.reason}; not written: {sg.why}"]
        for sg in shown
    ]
    more = ""
    if len(shown) < len(held):
        rest = held[len(shown) :]
        more = (
            _prose(
                f"and {display.count(len(rest), 'more line')} held back ({st.size(sum(sg.bytes for sg in rest))}): "
                "ctxaudit suggest --all lists them",
                st.columns,
            )
            + "\n"
        )
    head = (
        "\n"
        + st.note("held back (review: ctxaudit suggest --write --include-review writes them; held: never written):")
        + "\n"
    )
    return (
        head
        # An ignore line is never shortened: the column takes its width, the reason wraps.
        + st.table(rows, ["line", "status", "files", "would remove", "why"], right=(2, 3), wrap=4, split=(0,))
        + "\n"
        + more
    )


def ignore_lines(ign: IgnoreFile) -> str:
    """``5 lines (2 patterns, 1 invalid, 2 comments or blank)``: every line of the file, by what it is."""
    parts = [display.count(ign.valid_lines, "pattern")]
    if ign.invalid_lines:
        parts.append(f"{ign.invalid_lines:,} invalid")
    if ign.quiet_lines:
        parts.append(f"{ign.quiet_lines:,} comment{'' if ign.quiet_lines == 1 else 's'} or blank")
    return f"{display.count(ign.line_count, 'line')} ({', '.join(parts)})"


def lint_text(report: Report, options: Options) -> str:
    """``ctxaudit lint`` at a terminal: the ignore file and its findings."""
    st = _Style(options)
    ign = report.ctx.ignore
    if ign.path is None:
        head = _prose("no ignore file: everything in the context is sent (ctxaudit init writes a starter)", st.columns)
        if not report.findings:
            return head + "\n"
        return head + "\n\n" + findings_table(report.findings, st) + "\n"
    head = f"{_esc(ign.display)}: {ignore_lines(ign)}"
    if not report.findings:
        return head + ", nothing to report\n"
    return head + "\n\n" + findings_table(report.findings, st) + "\n"


def image_text(report: Report, options: Options) -> str:
    """``ctxaudit image`` at a terminal: what reaches the image, then the layer traps."""
    st = _Style(options)
    lines = []
    for d in report.dockerfiles:
        lines.append(
            _prose(
                f"{_from_cwd(d.label)}: the image is {image_stages(d)}; "
                f"{'at most ' if d.usage.image_at_most else ''}"
                f"{display.count(d.usage.image.files, 'context file')}, {st.size(d.usage.image.bytes)}, copied in",
                st.columns,
            )
        )
    if not report.findings:
        return "\n".join(lines) + "\nno layer traps found\n"
    at_stake = sum(f.bytes or 0 for f in report.findings)
    lines.append(f"{display.count(len(report.findings), 'trap')}, {st.size(at_stake)} at stake where known\n")
    return "\n".join(lines) + "\n" + findings_table(report.findings, st) + "\n"


BUILDER_WORDS = {Builder.BUILDKIT: "BuildKit", Builder.LEGACY: "the legacy builder", Builder.BUILDAH: "buildah"}
"""Builders as the README names them in sentences."""


def explain_text(results: Sequence[Explanation], builder: Builder, ignore: str) -> str:
    """``ctxaudit explain``: one line per path, with the line of ``ignore`` that decided."""
    shown = display.path
    out = []
    for x in results:
        state = ("sent" if x.sent else "not sent") if x.exists else ("would be sent" if x.sent else "would not be sent")
        if x.skipped_dir is not None:
            line = f"{shown(x.path)}: {state}, never visited: {BUILDER_WORDS[builder]} skips {shown(x.skipped_dir)}/"
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
    head = [img.format, *([img.name] if img.name else []), f"{len(img.layers)} layers, {st.amount(img.bytes)}"]
    if report.dockerfile:
        head.append(f"Dockerfile {report.dockerfile}")
    out += [_prose(" · ".join(head), st.columns), ""]
    base_rows = [r for r in a.rows if r.base]
    yours = [r for r in a.rows if not r.base]
    if base_rows:
        gated = "counted in the gates (--include-base)" if a.include_base else "not counted in the gates"
        out.append(
            st.head("Base image")
            + f"  {display.count(len(base_rows), 'layer')}, {st.amount(a.base.bytes)}, "
            + f"{st.amount(a.base.wasted)} wasted; "
            + gated
        )
        out += [_layer_table(base_rows, st), ""]
    elif not a.base_known:
        out += [st.note("(base image not told apart: every layer counts as yours)"), ""]
    out.append(st.head("Your layers") if base_rows or a.base_known else st.head("Layers"))
    out += [_layer_table(yours, st), ""]
    out.append(st.head("Waste"))
    out.append(st.note("(bytes stored that the final image cannot reach; 'waste' above: charged to that line)"))
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
    out.append(st.table(rows, ["", *(name for name, _ in cols)], right=(1, 2, 3), wrap=0))
    if a.base_hidden_by_yours:
        out.append(f"your lines also hide {st.amount(a.base_hidden_by_yours)} of the base image (not freed)")
    d = a.dive
    user = ""
    if d.wasted_user_percent is not None:
        user = f", {d.wasted_user_percent:.1f}% of the {st.amount(d.user_size_bytes)} above layer 0"
    out.append(
        st.note(
            f"dive 0.13.1's figures for the whole image: efficiency {_percent(d.efficiency)}, "
            f"{st.amount(d.inefficient_bytes)} wasted{user} (dive counts every copy of a file stored twice)"
        )
    )
    if a.largest_hidden:
        out += ["", st.head(f"Largest hidden files (top {len(a.largest_hidden)})")]
        name = {r.index: r.origin.name for r in a.rows}
        hrows = [[display.path(h.path), st.size(h.bytes), name[h.layer], name[h.by], h.how] for h in a.largest_hidden]
        out.append(st.table(hrows, ["path", "size", "stored by", "hidden by", "how"], right=(1,), paths=(0,)))
    if a.predictions:
        out += ["", st.head("Prediction vs reality") + st.dim(f"  (tolerance {a.tolerance:.0%})")]
        prow = [
            [
                str(p.line),
                p.instruction if len(p.instruction) <= 50 else p.instruction[:49] + layout.ELLIPSIS,
                p.what,
                "-" if p.predicted is None else st.size(p.predicted),
                st.size(p.measured),
                p.status,
            ]
            for p in a.predictions
        ]
        out.append(
            st.table(prow, ["line", "instruction", "bytes", "predicted", "measured", ""], right=(0, 3, 4), cut=(1,))
        )
    if report.findings:
        out += ["", st.head(f"Findings ({len(report.findings)})"), findings_table(report.findings, st)]
    else:
        out += ["", "no layer traps found"]
    if report.notes:
        out += ["", *(st.note(f"note: {n}") for n in report.notes)]
    return "\n".join(out) + "\n"


def _layer_table(rows: Sequence[LayerRow], st: _Style) -> str:
    body = []
    for r in rows:
        o = r.origin
        text = o.text if len(o.text) <= 44 else o.text[:43] + layout.ELLIPSIS
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
    right: tuple[int, ...] = (0, 1, 3, 4, 5, 6, 7, 8)
    if st.columns is not None:  # fitting a terminal: a column with nothing in it goes
        keep = [i for i in range(len(headers)) if i < 4 or any(row[i] for row in body)]
        body = [[row[i] for i in keep] for row in body]
        headers = [headers[i] for i in keep]
        right = tuple(keep.index(i) for i in right if i in keep)
    squeeze = (headers.index("changed"),) if "changed" in headers else ()
    return st.table(body, headers, right=right, cut=(2,), squeeze=squeeze)


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
    inputs = " · ".join(parts)  # fitting a terminal, wrapped between words (as header() does)
    out.append(_prose(inputs, st.columns) if st.columns else _esc(inputs))
    label = p.label(ctx.ignore.path) if ctx.ignore.path is not None else "none"
    reason = ignore_reason(ctx, label)
    shown = f"ignore file {reason}" if ctx.ignore.path is not None else f"no ignore file{reason.removeprefix('none')}"
    out.append(_prose(shown, st.columns))
    for n in b.named:
        if n.local:
            nr = next((x for x in br.named if x.named is n), None)
            if nr is None:
                continue
            nlabel = p.label(nr.ctx.ignore.path) if nr.ctx.ignore.path is not None else "none"
            line = (
                f"named context {n.name} = {p.label(nr.ctx.root)}/ (ignore file {nlabel}, its own root's): "
                f"{display.count(nr.stats.sent.files, 'file')}, {st.size(nr.stats.sent.bytes)} eligible"
            )
            if nr.usage is not None:
                how = "everything eligible" if nr.usage.whole_context else "referenced paths only"
                t, img = nr.transfer, nr.image
                line += (
                    f"; BuildKit transfer ({how}) {display.count(t.files, 'file')}, {st.size(t.bytes)}; "
                    f"reaches the image {display.count(img.files, 'file')}, {st.size(img.bytes)}"
                )
            out.append(_prose(line, st.columns))
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
        out.append(f"builder {p.builder.value} · {display.count(len(p.builds), 'build')}, {len(p.audited)} audited")
    else:  # one context with --build-context: named as a plain context is, with its named contexts
        names = sorted({n.name for br in p.builds for n in br.build.named})
        contexts = ", ".join(br.build.name for br in p.builds)
        out.append(f"{st.head('ctxaudit')}  " + _esc(contexts))
        word = "named context" if len(names) == 1 else "named contexts"
        out.append(_esc(f"builder {p.builder.value} · {word} (--build-context) {', '.join(names)}"))
    for note in p.project.notes if p.project is not None else []:
        out.append(st.note(note))
    for br in p.builds:
        out += ["", *build_header(br, p, st)]
        if br.report is not None:
            out += headline(br.report, st)
        target = ""
        if br.report is not None:
            ign = br.report.ctx.ignore
            target = p.label(ign.path) if ign.path is not None else p.label(br.report.ctx.root / ".dockerignore")
        out += actions(
            _located(br.findings, p),
            br.report.suggestions if br.report else [],
            st,
            target,
            review=br.report.review if br.report else (),
        )
        for nr in br.named:
            if nr.suggestions:
                ign = nr.ctx.ignore
                target = p.label(ign.path) if ign.path is not None else p.label(nr.ctx.root / ".dockerignore")
                saved = sum(sg.bytes for sg in nr.suggestions)
                out += [
                    "",
                    st.title(
                        f"Suggested ignore lines for {target}, named context {nr.named.name}: {st.size(saved)} less"
                    ),
                    suggestions_table(nr.suggestions, st),
                ]
        if br.report is not None:
            out += details(br.report, st, [n.usage for n in br.named if n.usage is not None])
    out += ["", *summary_lines(p, st)]
    return "\n".join(out) + "\n"


def _build_word(p: ProjectReport) -> str:
    kinds = {br.build.kind for br in p.builds}
    return "service" if kinds == {"service"} else "target" if kinds == {"target"} else "build"


def summary_lines(p: ProjectReport, st: _Style) -> list[str]:
    """The project summary: one row per build, the totals, shared contexts, gates."""
    out = [st.head("Project summary")]
    gates = {who for who, _ in p.breaches}
    rows: list[list[str]] = []
    for br in p.builds:
        if br.report is None:
            rows.append([br.build.name, br.build.remote or "-", "-", "not audited", "", "", ""])
            continue
        ctx = br.report.ctx
        e = br.eligible
        t = br.transfer
        img = br.image
        rows.append(
            [
                br.build.name,
                p.label(ctx.root) + "/" + (f" +{len(br.named)} named" if br.named else ""),
                p.label(ctx.ignore.path) if ctx.ignore.path is not None else "none",
                f"{display.count(e.files, 'file')}, {st.size(e.bytes)}",
                st.size(t.bytes) if t is not None else "-",
                st.size(img.bytes) if img is not None else "-",
                ("FAIL" if br.build.title in gates else "ok") if p.gated else "-",
            ]
        )
    rows.append(
        [
            "total",
            "",
            "",
            f"{display.count(p.eligible.files, 'file')}, {st.size(p.eligible.bytes)}",
            st.size(p.transfer.bytes),
            st.size(p.image.bytes),
            ("FAIL" if "project" in gates else "ok") if p.gated else "-",
        ]
    )
    headers = [_build_word(p), "context", "ignore file", "eligible", "transfer", "image", "gates"]
    text = st.table(rows, headers, right=(3, 4, 5), paths=(1, 2))
    if st.columns is not None and layout.visible(text) > st.columns:
        # Too wide for the terminal: the eligible figures on two lines, files above the size.
        split = [[*r[:3], tuple(r[3].split(", ", 1)), *r[4:]] for r in rows]
        text = st.table(split, headers, right=(3, 4, 5), paths=(1, 2))
    out.append(text)
    out.append(
        st.note(
            "(total: the eligible contexts, a context several builds send with the same ignore file counted once; "
            "transfer: what each build sends with a cold cache, added up)"
        )
    )
    for sh in p.shared:
        if sh.same_ignore:
            text = (
                f"shared context: {p.label(sh.root)}/ is sent by {_joined(sh.builds)} with the same ignore file: "
                f"{st.size(sh.eligible.bytes)} each time, counted once in the total"
            )
        else:
            text = (
                f"shared context: {p.label(sh.root)}/ is sent by {_joined(sh.builds)} with different ignore "
                f"files ({', '.join(sh.ignores)}): each counted once in the total"
            )
        out.append(_prose(text, st.columns))
    return out
