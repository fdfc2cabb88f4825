"""Every build of a project: one scan per build, then the project's totals.

A project is a Compose or Bake file's builds, or the command line's single
build with ``--build-context`` named contexts. Each build is scanned as
``ctxaudit scan`` scans a context (ctxaudit.pipeline.scan); each local named
context is walked on its own with its own root ``.dockerignore``, as
BuildKit transfers it (frontend/dockerui/namedcontext.go). The project
summary counts a context several builds send with the same ignore file once,
and names the builds that share it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .analysis.stats import ContextStats
from .analysis.suggest import Planner, Suggestion
from .classify import kinds
from .common.counts import Count
from .common.errors import InputError
from .dockerfile.usage import DockerfileUsage
from .engine.builder import Builder
from .engine.context import Context, open_context
from .engine.ignorefile import ROOT_IGNORE
from .pipeline import Collector, Observer, Report, fan_out, scan
from .project.model import Build, NamedContext, Project
from .rules import dockerfile as dockerfile_rules
from .rules import project as project_rules
from .rules import secrets as secret_rules
from .rules.findings import Finding, sort_findings
from .rules.secrets import SecretsCollector


@dataclass
class NamedReport:
    """A local named context: its own walk and ignore file, and what the
    Dockerfile takes from it (``usage``, None without a Dockerfile)."""

    named: NamedContext
    ctx: Context
    stats: ContextStats
    usage: DockerfileUsage | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    secret_findings: list[Finding] = field(default_factory=list)  # paths relative to the named context

    @property
    def transfer(self) -> Count:
        """What BuildKit sends of it: the paths COPY --from / --mount=from take
        (everything when a stage built FROM it runs a command or is the
        target); nothing when the Dockerfile never names it (BuildKit loads a
        named context only when a source uses it)."""
        if self.usage is None:
            return Count(self.stats.sent.files, self.stats.sent.bytes)
        return self.usage.transfer

    @property
    def image(self) -> Count:
        return self.usage.image if self.usage is not None else Count()


@dataclass
class BuildReport:
    build: Build
    report: Report | None  # None: not audited (remote, missing or unresolved input)
    named: list[NamedReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # this build's, paths absolute
    skipped: str | None = None

    @property
    def ctx(self) -> Context | None:
        return self.report.ctx if self.report is not None else None

    @property
    def eligible(self) -> Count:
        """Files and bytes its contexts let through (main context + local named contexts)."""
        total = Count()
        if self.report is not None:
            total.files += self.report.stats.sent.files
            total.bytes += self.report.stats.sent.bytes
        for n in self.named:
            total.files += n.stats.sent.files
            total.bytes += n.stats.sent.bytes
        return total

    @property
    def transfer(self) -> Count | None:
        """What a cold-cache build sends: the Dockerfile-aware transfer of the
        main context plus each local named context; None without a Dockerfile."""
        if self.report is None or self.report.primary is None:
            return None
        u = self.report.primary.usage
        moved = u.tar_bytes if self.report.ctx.builder is Builder.LEGACY else u.transfer.bytes
        files = u.transfer.files
        remote = self.report.primary.remote
        if self.report.ctx.builder is Builder.BUILDAH:  # local buildah sends nothing: podman --remote's tar
            files, moved = (remote.files, remote.tar_bytes) if remote is not None else (0, 0)
        total = Count(files, moved)
        for n in self.named:
            total.files += n.transfer.files
            total.bytes += n.transfer.bytes
        return total

    @property
    def image(self) -> Count | None:
        """What reaches the image through COPY/ADD and FROM a named context; None without a Dockerfile."""
        if self.report is None or self.report.primary is None:
            return None
        u = self.report.primary.usage.image
        total = Count(u.files, u.bytes)
        for n in self.named:
            total.files += n.image.files
            total.bytes += n.image.bytes
        return total


@dataclass
class Shared:
    """A context directory several builds send."""

    root: Path
    ignores: list[str]  # the ignore files they read ("none"), one per distinct file
    builds: list[str]
    eligible: Count  # with the first ignore file

    @property
    def same_ignore(self) -> bool:
        return len(self.ignores) == 1


@dataclass
class ProjectReport:
    project: Project | None
    builds: list[BuildReport]
    builder: Builder
    full: bool = False
    findings: list[Finding] = field(default_factory=list)  # every build's, deduplicated, paths absolute
    shared: list[Shared] = field(default_factory=list)
    eligible: Count = field(default_factory=Count)  # each (context, ignore file) once
    eligible_sum: Count = field(default_factory=Count)  # what the builds send, added up
    transfer: Count = field(default_factory=Count)  # cold-cache transfers added up
    image: Count = field(default_factory=Count)
    breaches: list[tuple[str, str]] = field(default_factory=list)  # (build title or "project", message), by gates
    gated: bool = False  # some gate was set (gates.check_project)

    @property
    def audited(self) -> list[BuildReport]:
        return [b for b in self.builds if b.report is not None]

    @property
    def root(self) -> Path:
        """What relative paths are relative to: the project directory (else the current one)."""
        return self.project.directory if self.project is not None else Path.cwd()

    def label(self, path: str | Path) -> str:
        """A path relative to the project directory (or the cwd) when below it."""
        base = self.project.directory if self.project is not None else Path.cwd()
        rel = os.path.relpath(path, base)
        return str(path) if rel == ".." or rel.startswith("../") else rel


def absolute_finding(f: Finding, root: Path) -> Finding:
    """A finding with its path made absolute (build findings are relative to their context)."""
    if f.path is None or os.path.isabs(f.path):
        return f
    return dataclasses.replace(f, path=os.path.normpath(root / f.path))


def scan_builds(
    project: Project | None,
    builds: Sequence[Build],
    builder: Builder,
    *,
    top: int = 10,
    full: bool = False,
    observe: Observer | None = None,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    ignore_rules: Sequence[str] = (),
    suggestions: bool = True,
    per_path_ignores: Mapping[str, Sequence[str]] | None = None,
    tree: bool = False,
) -> ProjectReport:
    """Scan every build (see ctxaudit.pipeline.scan) and total them.

    ``build_args``/``target`` from the command line apply on top of each
    build's own. A build whose context is remote, missing or unresolved is
    reported (CA601-CA603) and not scanned. ``tree``: each build's context
    as a tree for the HTML treemap. Raises InputError for an invalid
    Dockerfile or ignore file, naming the build.
    """
    off = set(ignore_rules)
    out = ProjectReport(project, [], builder, full)
    audited: list[tuple[Build, Context, list[tuple[NamedContext, Context]]]] = []
    for b in builds:
        br = BuildReport(b, None)
        out.builds.append(br)
        br.findings = project_rules.input_findings(b, legacy=builder is Builder.LEGACY)
        if b.context is None or any(f.rule is project_rules.MISSING_INPUT for f in br.findings):
            br.skipped = (
                "remote context"
                if b.remote is not None
                else "context not evaluated"
                if b.context is None
                else "missing input"
            )
            continue
        label = out.label(b.context)
        try:
            ctx = open_context(b.context, b.dockerfile, builder, inline=b.dockerfile_inline, label=label)
            args = {**b.args, **(build_args or {})}
            report = scan(
                [ctx],
                top=top,
                full=full,
                observe=observe,
                build_args=args,
                target=target or b.target,
                ignore_rules=ignore_rules,
                suggestions=suggestions,
                per_path_ignores=per_path_ignores,
                named=[n.name for n in b.named] if builder is Builder.BUILDKIT else [],
                tree=tree,
            )
        except InputError as exc:
            raise InputError(f"{b.title}: {exc}") from None
        br.report = report
        named: list[tuple[NamedContext, Context]] = []
        for n in b.named:
            if not n.local or n.path is None or builder is Builder.LEGACY:
                continue
            try:
                nctx = open_context(n.path, None, builder, label=out.label(n.path))
            except InputError as exc:
                raise InputError(f"{b.title}: named context {n.name}: {exc}") from None
            nr = _named_scan(n, nctx, report, top, observe, suggestions)
            br.named.append(nr)
            named.append((n, nctx))
            label = f"{report.primary.label} (named context {n.name})" if report.primary is not None else ""
            found: list[Finding] = []
            if nr.usage is not None and report.primary is not None:
                found += dockerfile_rules.check(nr.usage, label) + secret_rules.in_image(nr.usage, label)
                # Located at the Dockerfile line; its path is the main context's.
                found = [
                    absolute_finding(dataclasses.replace(f, path=report.primary.label), report.ctx.root) for f in found
                ]
            br.findings += found + [absolute_finding(f, nctx.root) for f in nr.secret_findings]
        audited.append((b, ctx, named))
    misplaced = project_rules.misplaced(project, audited)
    for br in out.builds:
        own = [f for f in misplaced if f.message.startswith(br.build.title + ":")]
        if br.report is not None:
            root = br.report.ctx.root
            br.findings += [absolute_finding(f, root) for f in br.report.findings]
        br.findings = sort_findings(_dedupe([f for f in br.findings + own if f.rule.id not in off]))
    out.findings = sort_findings(_dedupe([f for br in out.builds for f in br.findings]))
    _totals(out)
    return out


def _named_scan(
    n: NamedContext, nctx: Context, report: Report, top: int, observe: Observer | None, suggestions: bool
) -> NamedReport:
    """One walk of a named context fanned out to its statistics, its usage and its planner."""
    stats = ContextStats(top=top)
    collectors: list[Collector] = [stats]
    usage = None
    model = report.primary.model if report.primary is not None else None
    if model is not None and nctx.builder is Builder.BUILDKIT:
        usage = DockerfileUsage(model, nctx.builder, str(nctx.root), source=n.name)
        collectors.append(usage)
    # A named context's secrets count as sent when its usage transfers them.
    secrets = SecretsCollector(str(nctx.root), usage.transfers if usage is not None else None)
    collectors.append(secrets)
    planner = Planner(nctx, model, source=n.name) if suggestions and usage is not None else None
    if planner is not None:
        collectors.append(planner)
    entries = kinds.walk(nctx)
    fan_out(observe(entries) if observe is not None else entries, collectors)
    nr = NamedReport(n, nctx, stats, usage)
    nr.secret_findings = secrets.findings(nctx.ignore.label)
    if planner is not None:
        nr.suggestions = planner.plan().suggestions()
    return nr


def _totals(out: ProjectReport) -> None:
    groups: dict[tuple[Path, str], Count] = {}
    roots: dict[Path, Shared] = {}
    for br in out.audited:
        assert br.report is not None
        contexts: list[tuple[Context, Count]] = [(br.report.ctx, br.report.stats.sent)]
        contexts += [(n.ctx, n.stats.sent) for n in br.named]
        for c, sent in contexts:
            ignore = out.label(c.ignore.path) if c.ignore.path is not None else "none"
            groups.setdefault((c.root, ignore), Count(sent.files, sent.bytes))
            sh = roots.setdefault(c.root, Shared(c.root, [], [], Count(sent.files, sent.bytes)))
            if ignore not in sh.ignores:
                sh.ignores.append(ignore)
            if br.build.name not in sh.builds:
                sh.builds.append(br.build.name)
        e = br.eligible
        out.eligible_sum.files += e.files
        out.eligible_sum.bytes += e.bytes
        t = br.transfer
        if t is not None:
            out.transfer.files += t.files
            out.transfer.bytes += t.bytes
        img = br.image
        if img is not None:
            out.image.files += img.files
            out.image.bytes += img.bytes
    for count in groups.values():
        out.eligible.files += count.files
        out.eligible.bytes += count.bytes
    out.shared = [sh for sh in roots.values() if len(sh.builds) > 1]


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str | None, int | None, str]] = set()
    out = []
    for f in findings:
        key = (f.rule.id, f.path, f.line, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def ignore_reason(ctx: Context, label: str) -> str:
    """Which ignore file a build reads, and why (``label``: how to name it).

    BuildKit: ``<Dockerfile>.dockerignore`` beside the Dockerfile, else the
    context root's ``.dockerignore`` (moby/buildkit frontend/dockerui/
    config.go); an inline Dockerfile has no file of its own (buildx writes it
    to a directory of its own, build/opt.go). Legacy builder: the root file only.
    """
    root_file = ctx.root / ROOT_IGNORE
    if ctx.builder is Builder.BUILDAH:
        if ctx.ignore.path is None:
            return "none: no .containerignore or .dockerignore (beside the Containerfile or at the context root)"
        return (
            f"{label}: buildah's choice (--ignorefile; else <Containerfile>.dockerignore, .containerignore "
            "beside it; else the context's .containerignore, .dockerignore)"
        )
    if ctx.ignore.path is None:
        if ctx.inline is not None:
            return "none: no .dockerignore at the context root (an inline Dockerfile has no ignore file of its own)"
        return "none: no .dockerignore at the context root" + (
            " and no <Dockerfile>.dockerignore next to the Dockerfile" if ctx.builder is Builder.BUILDKIT else ""
        )
    if ctx.ignore.path.resolve() != root_file.resolve():
        extra = f"; it replaces {ROOT_IGNORE}, which this build ignores" if ctx.ignore.shadowed_root else ""
        return f"{label}: next to the Dockerfile, read instead of the context's {ROOT_IGNORE}{extra}"
    if ctx.inline is not None:
        return f"{label}: the context root's (an inline Dockerfile has no ignore file of its own)"
    if ctx.builder is Builder.LEGACY:
        return f"{label}: the context root's (the legacy builder reads no other)"
    return f"{label}: the context root's (no <Dockerfile>.dockerignore next to the Dockerfile)"
