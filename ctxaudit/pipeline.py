"""The scan pipeline: Dockerfiles -> walk -> collectors -> findings -> Report.

One walk per distinct ignore file. The primary walk is fanned out, entry by
entry, to every :class:`Collector` (statistics, lint, secrets, the
Dockerfile usage of each Dockerfile sharing that ignore file, the
suggestion planner); other ignore files are walked once for their
Dockerfiles' usage. Formatters (ctxaudit.output) read a Report and nothing
else.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from . import suppress
from .analysis.stats import ContextStats
from .analysis.suggest import Planner, Suggestion
from .analysis.tree import ContextTree
from .classify import kinds
from .common.errors import InputError
from .dockerfile.model import Dockerfile, DockerfileModelError, build_model
from .dockerfile.parser import DockerfileError
from .dockerfile.usage import DockerfileUsage
from .engine import containers
from .engine.builder import Builder
from .engine.context import STDIN_LABEL, Context, with_builder
from .engine.ignorefile import IgnoreFileError
from .engine.pattern import PatternError
from .engine.podman import RemoteTransfer, remote_transfer, uploads
from .engine.walk import Entry, EntryType, Status, Walker, walk
from .rules import dockerfile as dockerfile_rules
from .rules import image as image_rules
from .rules import legacy as legacy_rules
from .rules import lint as lint_rules
from .rules import secrets as secret_rules
from .rules import walk as walk_rules
from .rules.findings import Finding, sort_findings
from .rules.lint import LintCollector
from .rules.secrets import SecretsCollector

Observer = Callable[[Iterator[Entry]], Iterator[Entry]]
"""Wraps a walk's entries and yields them unchanged (a progress bar)."""


class Collector(Protocol):
    """One consumer of a walk: :meth:`add` sees every entry in walk order
    (sorted, depth first), then :meth:`finish` closes what is still open.
    Adding a collector to the scan is one class and one line in :func:`scan`."""

    def add(self, e: Entry) -> None: ...

    def finish(self) -> object: ...


def fan_out(entries: Iterator[Entry], collectors: Sequence[Collector]) -> None:
    """Hand each entry to every collector, then finish them all. A collector
    with a true ``sent_only`` attribute sees only the entries the builder
    sends (``--full`` walks ten times more entries than it sends)."""
    every = [c.add for c in collectors if not getattr(c, "sent_only", False)]
    sent_only = [c.add for c in collectors if getattr(c, "sent_only", False)]
    sent = Status.SENT
    for e in entries:
        for add in every:
            add(e)
        if e.status is sent:
            for add in sent_only:
                add(e)
    for c in collectors:
        c.finish()


SCHEMA_VERSION = 2  # 2: "sent" renamed "eligible"; findings carry "fingerprint"


@dataclass
class DockerfileReport:
    ctx: Context
    model: Dockerfile
    usage: DockerfileUsage
    # buildah: the tar a remote podman client would upload instead (local buildah sends nothing)
    remote: RemoteTransfer | None = None

    @property
    def label(self) -> str:
        return self.ctx.dockerfile_label


@dataclass
class Report:
    ctx: Context
    stats: ContextStats
    full: bool
    dockerfiles: list[DockerfileReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    review: list[Suggestion] = field(default_factory=list)  # lines held back (suggest shows why)
    tree: ContextTree | None = None  # the context as a treemap sees it (scan with tree=True)

    @property
    def primary(self) -> DockerfileReport | None:
        return self.dockerfiles[0] if self.dockerfiles else None


def load_dockerfile(
    ctx: Context, build_args: Mapping[str, str], target: str | None, named: Sequence[str] = ()
) -> Dockerfile:
    """The Dockerfile model (``named``: the build's named contexts); InputError when invalid."""
    if ctx.inline is not None:
        text = ctx.inline
    else:
        assert ctx.dockerfile is not None
        try:
            text = ctx.dockerfile.read_text(encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise InputError(f"cannot read {ctx.dockerfile_label}: {exc.strerror or exc}") from None
    try:
        return build_model(text, build_args, target, named)
    except (DockerfileError, DockerfileModelError) as exc:
        where = f"{ctx.dockerfile_label}:{exc.line}" if exc.line else ctx.dockerfile_label
        raise InputError(f"{where}: {exc.message}") from None


def scan(
    contexts: Sequence[Context],
    *,
    top: int = 10,
    full: bool = False,
    observe: Observer | None = None,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    ignore_rules: Sequence[str] = (),
    suggestions: bool = True,
    per_path_ignores: Mapping[str, Sequence[str]] | None = None,
    named: Sequence[str] = (),
    tree: bool = False,
) -> Report:
    """Walk once per ignore file and gather everything the report shows.

    ``contexts`` holds one Context per Dockerfile (the first one is primary
    and gives the context statistics); a context without a Dockerfile is
    scanned without the Dockerfile sections. ``observe`` sees every walk
    (the CLI's progress bar). ``named``: the names of the build's named
    contexts (what they send is ctxaudit.builds' part). Raises InputError
    for an unreadable or invalid Dockerfile. ``tree``: also gather the
    aggregated tree of the context (``Report.tree``, for the HTML treemap)
    from the same walk.
    """
    primary = contexts[0]
    reports = [
        DockerfileReport(
            c,
            m,
            DockerfileUsage(m, c.builder, str(c.root), outside_dockerfile=_outside(c), ignore_lines=c.ignore.lines),
        )
        for c in contexts
        if c.has_dockerfile
        for m in [load_dockerfile(c, build_args or {}, target, named)]
    ]
    plans = [image_rules.prepare(r.model, r.usage, r.label) for r in reports]
    groups: dict[Path | None, list[DockerfileReport]] = {}
    for r in reports:
        groups.setdefault(r.ctx.ignore.path, []).append(r)
    primary_key = primary.ignore.path

    stats = ContextStats(top=top)
    lint = LintCollector(primary, deep=full)
    primary_group = groups.get(primary_key, [])
    legacy = primary.builder is Builder.LEGACY
    transfers: secret_rules.Transfers | None = None
    sent_how = None
    if legacy:
        transfers = _always  # the legacy tar holds the whole eligible context
    elif primary.builder is Builder.BUILDAH:
        # Local buildah sends nothing; podman --remote uploads each path its lines let through.
        transfers = uploads(primary)
        sent_how = "in the tar podman --remote uploads; local buildah reads only what COPY/ADD take"
    elif primary_group:
        usages = [r.usage for r in primary_group]
        transfers = lambda path: any(u.transfers(path) for u in usages)  # noqa: E731
    found_secrets = SecretsCollector(str(primary.root), transfers)
    primary_df = reports[0].model if reports and reports[0].ctx is primary else None
    planner = Planner(primary, primary_df) if suggestions else None
    collectors: list[Collector] = [stats, lint, found_secrets]
    collectors += [r.usage for r in groups.get(primary_key, ())]
    if planner is not None:
        collectors.append(planner)
    context_tree = ContextTree(primary.name, transfers) if tree else None
    if context_tree is not None:
        collectors.append(context_tree)

    def walked(ctx: Context, full: bool = False) -> Iterator[Entry]:
        entries = kinds.walk(ctx, full=full)
        return observe(entries) if observe is not None else entries

    fan_out(walked(primary, full), collectors)
    for key, group in groups.items():
        if key != primary_key:
            fan_out(walked(group[0].ctx), [r.usage for r in group])
    for r in reports:
        if r.ctx.builder is Builder.BUILDAH:
            r.remote = remote_transfer(r.ctx)

    problems = stats.problems
    emptied = None
    if primary.builder is Builder.BUILDKIT and primary_group:
        # BuildKit reads only the files the Dockerfile takes: an unreadable file beside them does no harm.
        usages = [r.usage for r in primary_group]
        problems = [e for e in problems if any(u.reads(e.path, e.type is EntryType.DIR) for u in usages)]
        emptied = lambda e: e.type is not EntryType.DIR  # noqa: E731
    findings: list[Finding] = walk_rules.check(problems, emptied)
    for c in contexts:
        findings += walk_rules.build_files(c.problems)
    findings += lint_rules.static_checks(primary) + lint.findings()

    def history_used(root: str) -> bool:
        return any(secret_rules.uses_history(r.model, legacy, root) for r in primary_group)

    findings += found_secrets.findings(primary.ignore.label, legacy, history_used, sent_how)
    seen_ignore = {primary_key}
    for r, image_plan in zip(reports, plans, strict=True):
        used = secret_rules.uses_history(r.model, r.ctx.builder is Builder.LEGACY, ".git")
        findings += dockerfile_rules.check(r.usage, r.label) + secret_rules.in_image(r.usage, r.label, used)
        findings += image_rules.check(image_plan, r.usage)
        if r.ctx.builder is Builder.LEGACY:
            findings += legacy_rules.check(r.model, r.label)
        if r.ctx.ignore.path not in seen_ignore:
            seen_ignore.add(r.ctx.ignore.path)
            findings += lint_rules.static_checks(r.ctx)
        elif r.ctx is not primary and r.ctx.ignore.shadowed_root is not None:
            findings += [f for f in lint_rules.static_checks(r.ctx) if f.rule is lint_rules.SHADOWED_ROOT]
    files = {c.ignore.display: c.ignore.path for c in contexts if c.ignore.path is not None}
    files.update({r.label: r.ctx.dockerfile for r in reports if r.ctx.dockerfile is not None})
    kept = _suppressed(_dedupe(_kept(findings, ignore_rules)), files, per_path_ignores)
    report = Report(primary, stats, full, reports, sort_findings(kept), tree=context_tree)
    if planner is not None:
        proposal = planner.plan()
        report.suggestions, report.review = proposal.suggestions(), proposal.review()
    return report


def lint(
    ctx: Context,
    errors: Sequence[IgnoreFileError] = (),
    ignore_rules: Sequence[str] = (),
    per_path_ignores: Mapping[str, Sequence[str]] | None = None,
) -> Report:
    """The ignore-file lint (CA2xx): a full walk of ``ctx`` for dead and shadowed
    lines, and the other builders' walks for lines whose effect depends on the
    builder. ``errors``: the unusable lines, collected while reading."""
    checked = ctx
    ctx = _usable(ctx)  # a line Docker rejects is reported (CA200) and left out of the walks
    collector = LintCollector(ctx, deep=True)
    stats = ContextStats(top=0)
    # The full walk feeds the collectors and is, on the way, the audited
    # builder's walk in the comparison below (and the other Docker builder's,
    # where its walk would take the same files: see _twin). Its first entries
    # are read here, so that an unreadable context fails first, as before.
    full = _fed(kinds.walk(ctx, full=True), [collector, stats], ctx.builder)
    first = next(full, None)
    # The same lines under every builder (CA211), each read as that builder reads
    # it; and (CA207) the other Docker builder with the file it reads. Only the
    # files that not every walk takes matter to either rule.
    walks = {b.value: ctx if b is ctx.builder else _as(ctx, b) for b in Builder}
    other_name = "other"
    if ctx.builder is not Builder.BUILDAH:
        other = _usable(with_builder(ctx, Builder.LEGACY if ctx.builder is Builder.BUILDKIT else Builder.BUILDKIT, []))
        # Usually the other builder reads the same file the same way: one walk for both.
        other_name = next((n for n, c in walks.items() if _same_walk(c, other)), other_name)
        if other_name == "other":
            walks["other"] = other
    twin = _twin(walks, ctx.builder)
    names = (ctx.builder.value,) if twin is None else (ctx.builder.value, twin.value)
    walked = full if first is None else itertools.chain([first], full)
    differ = _differing(walks, {names: _takers(walked, ctx.builder, twin)})
    for _ in full:  # the rest of the walk, for the collectors, when the comparison stopped early
        pass
    stats.finish()
    same: dict[Builder, set[str] | None] = {b: differ[b.value] for b in Builder}
    if ctx.builder is Builder.BUILDAH:
        ca207: list[Finding] = []  # CA211 names all three builders
    else:
        # CA207 compares the two Docker builders with the file each one reads.
        sent, other_sent = differ[ctx.builder.value] or set(), differ[other_name] or set()
        bk_sent, legacy_sent = (sent, other_sent) if ctx.builder is Builder.BUILDKIT else (other_sent, sent)
        ca207 = lint_rules.builder_dependent(ctx, bk_sent, legacy_sent)
    findings = (
        walk_rules.build_files(ctx.problems)
        + lint_rules.static_checks(checked, list(errors))
        + collector.findings()
        + ca207
        + lint_rules.buildah_dependent(ctx, same)
    )
    files = {ctx.ignore.display: ctx.ignore.path} if ctx.ignore.path is not None else {}
    kept = _suppressed(_kept(findings, ignore_rules), files, per_path_ignores)
    return Report(checked, stats, True, [], sort_findings(kept))


def _suppressed(
    findings: list[Finding], files: Mapping[str, Path], per_path_ignores: Mapping[str, Sequence[str]] | None
) -> list[Finding]:
    """Without what inline comments and per-path ignores silence; each kept finding fingerprinted."""
    src = suppress.SourceLines(files)
    return suppress.fingerprinted(suppress.per_path(suppress.inline(findings, src), per_path_ignores or {}), src)


def _usable(ctx: Context) -> Context:
    """``ctx`` without the ignore-file lines whose pattern Go's regexp rejects
    (they fail a build when first used: lint reports them and goes on)."""
    kept = [p for p in ctx.ignore.patterns if p.deferred_error is None]
    if len(kept) == len(ctx.ignore.patterns):
        return ctx
    return dataclasses.replace(ctx, ignore=dataclasses.replace(ctx.ignore, patterns=kept))


def _always(path: str) -> bool:
    return True


def _as(ctx: Context, builder: Builder) -> Context:
    """``ctx``'s lines as ``builder`` reads them, without those it rejects."""
    lines = containers.for_builder(ctx.ignore.lines, builder is Builder.BUILDAH)
    return _usable(dataclasses.replace(ctx, builder=builder, ignore=dataclasses.replace(ctx.ignore, patterns=lines)))


def _sent(ctx: Context) -> set[str] | None:
    """The files ``ctx``'s builder takes (build files the legacy CLI forces in
    left out); None when a line fails that builder's build (CA200/CA211 say so)."""
    try:
        return set(_taken(ctx))
    except PatternError:
        return None


def _same_walk(a: Context, b: Context) -> bool:
    """Would the two contexts' walks take the same files (same builder, Dockerfile and lines)?"""

    def lines(c: Context) -> list[tuple[int, str]]:
        return [(p.line, str(p)) for p in c.ignore.patterns]

    return (a.builder, a.root, a.dockerfile, a.ignore.path) == (b.builder, b.root, b.dockerfile, b.ignore.path) and (
        lines(a) == lines(b)
    )


def _taken(ctx: Context) -> Iterator[str]:
    """The files ``ctx``'s builder takes, in walk order (bytewise by path)."""
    return (e.path for e in walk(ctx, sizes=False) if e.sent and e.is_file and not e.forced)


def _fed(
    entries: Iterator[Entry], collectors: Sequence[Collector], builder: Builder
) -> Iterator[tuple[str, Builder | None]]:
    """Hand every entry of a walk by ``builder`` to the collectors and yield
    the files it takes (as :func:`_taken`) as ``(path, None)``; for a Docker
    builder, also the special files where the other Docker builder's walk
    would differ if it made the same decisions (see :func:`_twin`), as
    ``(path, the one builder that takes it)``: BuildKit sends a socket or a
    device node as an empty regular file; the legacy tar keeps a device node
    as such and drops a socket (Walker._finish_sent)."""
    sent, dropped, device, socket = Status.SENT, Status.DROPPED, EntryType.DEVICE, EntryType.SOCKET
    adds = [c.add for c in collectors]
    for e in entries:
        for add in adds:
            add(e)
        status = e.status
        if status is sent:
            if e.is_file and not e.forced:
                yield e.path, builder if e.special else None
            elif e.type is device and builder is Builder.LEGACY:
                yield e.path, Builder.BUILDKIT  # legacy sends it as a device node
        elif status is dropped and e.type is socket and builder is Builder.LEGACY:
            yield e.path, Builder.BUILDKIT  # legacy drops it


def _takers(
    taken: Iterator[tuple[str, Builder | None]], audited: Builder, twin: Builder | None
) -> Iterator[tuple[str, tuple[str, ...]]]:
    """:func:`_fed`'s files as ``(path, names of the walks that take it)``."""
    both = (audited.value,) if twin is None else (audited.value, twin.value)
    for path, only in taken:
        if only is None:
            yield path, both
        elif only is audited:
            yield path, (audited.value,)
        elif only is twin:
            yield path, (twin.value,)


def _twin(walks: Mapping[str, Context], audited: Builder) -> Builder | None:
    """The other Docker builder, when its walk of the same lines decides every
    path as the audited builder's walk does, so that lint derives it from that
    walk instead of walking again: same root, same lines, none of them an
    exception (then both builders skip every excluded directory, and the
    legacy CLI adds no exception for build files). They still treat special
    files differently (:func:`_fed`)."""
    if audited is Builder.BUILDAH:
        return None
    other = Builder.LEGACY if audited is Builder.BUILDKIT else Builder.BUILDKIT
    a, b = Walker(walks[audited.value]), Walker(walks[other.value])
    if a.ctx.root != b.ctx.root or a.matcher.exclusions or b.matcher.exclusions:
        return None
    if [str(p) for p in a.matcher.patterns] != [str(p) for p in b.matcher.patterns]:
        return None
    return other


class _Unsorted(Exception):
    """A walk that is not in bytewise order: the merge cannot use it."""


class _Failed(Exception):
    """A line fails this walk's builder (PatternError)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


Taken = Iterator[tuple[str, tuple[str, ...]]]
"""Files taken along a walk, in walk order: ``(path, names of the walks that take it)``."""


def _differing(
    walks: Mapping[str, Context], given: Mapping[tuple[str, ...], Taken] | None = None
) -> dict[str, set[str] | None]:
    """For each walk, the files it takes that not every walk takes; None for a
    walk whose builder fails on a line (CA200/CA211 say so).

    The walks run side by side in their common order (bytewise by path) and
    share each directory's listing, so memory is bounded by the largest
    directory and by the files that differ, not by the tree (a million files
    in one directory were a set of a million paths per builder). A walk out
    of that order falls back to whole sets. ``given``: the files of some of
    the walks, already being walked (lint's full walk), keyed by their names;
    used once: when a walk fails or is out of order, every walk is walked again.
    """
    failed: dict[str, set[str] | None] = {}
    live = dict(walks)
    streams = dict(given or {})
    while True:
        try:
            return {**_merge(live, streams), **failed}
        except _Failed as exc:
            failed[exc.name] = None
            del live[exc.name]
            streams = {}
        except _Unsorted:
            sets = {name: _sent(c) for name, c in live.items()}
            common = set.intersection(*[x for x in sets.values() if x is not None] or [set()])
            return {**{n: None if x is None else x - common for n, x in sets.items()}, **failed}


def _merge(walks: Mapping[str, Context], given: Mapping[tuple[str, ...], Taken]) -> dict[str, set[str]]:
    def own(name: str, ctx: Context) -> Taken:
        try:
            for path in _taken(ctx):
                yield path, (name,)
        except PatternError:
            raise _Failed(name) from None

    def ordered(taken: Taken) -> Iterator[tuple[bytes, str, tuple[str, ...]]]:
        last = b""
        for path, names in taken:
            key = os.fsencode(path)
            if key <= last:
                raise _Unsorted(path)
            last = key
            yield key, path, names

    covered = {name for names in given for name in names}
    sources = [*given.values(), *(own(name, c) for name, c in walks.items() if name not in covered)]
    streams = [ordered(taken) for taken in sources]
    heads: dict[int, tuple[bytes, str, tuple[str, ...]]] = {}
    for i, it in enumerate(streams):
        head = next(it, None)
        if head is not None:
            heads[i] = head
    out: dict[str, set[str]] = {name: set() for name in walks}
    every = len(walks)
    while heads:
        key = min(h[0] for h in heads.values())
        holders = [i for i, h in heads.items() if h[0] == key]
        takers = [name for i in holders for name in heads[i][2]]
        if len(takers) != every:
            path = heads[holders[0]][1]
            for name in takers:
                out[name].add(path)
        for i in holders:
            head = next(streams[i], None)
            if head is None:
                del heads[i]
            else:
                heads[i] = head
    return out


def _kept(findings: list[Finding], ignore_rules: Sequence[str]) -> list[Finding]:
    """Without the findings of rules the user turned off (--ignore-rule)."""
    off = set(ignore_rules)
    return [f for f in findings if f.rule.id not in off]


def _outside(ctx: Context) -> int | None:
    """Size of a Dockerfile the legacy CLI adds to the tar: one outside the context, or
    one read from stdin (``-f -``); both go through the CLI's AddDockerfileToBuildContext."""
    if ctx.inline is not None and ctx.inline_label == STDIN_LABEL:
        return len(ctx.inline.encode("utf-8", "surrogateescape"))
    if ctx.dockerfile is None or ctx.dockerfile_rel is not None:
        return None
    try:
        return ctx.dockerfile.stat().st_size
    except OSError:
        return None


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str | None, int | None, str]] = set()
    out = []
    for f in findings:
        key = (f.rule.id, f.path, f.line, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
