"""Ignore lines that save bytes and never break the build.

Three passes over the context, each a streaming walk:

1. discover candidates: junk kinds as Docker reads them (``**/__pycache__``,
   ``.git``, ``**/node_modules``...), corrections of root-only lines that
   leak (``*.csv`` -> ``**/*.csv``), the project's .gitignore entries
   translated to Docker rules, and large paths no COPY/ADD/bind mount uses;
2. measure each candidate appended at the end of the ignore file: the files
   it would stop sending (a line excludes a path when it matches the path
   or one of its directories), and its marginal saving after the larger
   candidates, so overlapping lines are not proposed twice;
3. check the result as a whole: the walk and the Dockerfile analysis run
   again with the proposed lines; a line that would exclude a COPY/ADD or
   bind-mount source gets a ``!`` exception for it, or is dropped when that
   does not restore the build. A line that excludes anything below a
   bind-mounted directory is not proposed (the RUN reads what it wants).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..classify import kinds, secrets, suffixes
from ..dockerfile.model import Dockerfile
from ..dockerfile.usage import DockerfileUsage
from ..engine.builder import Builder
from ..engine.containers import escape
from ..engine.context import Context
from ..engine.ignorefile import IgnoreFile, encoding_problem, parse
from ..engine.matcher import Matcher
from ..engine.pattern import DockerIgnorePattern, PatternError
from ..engine.walk import Entry, Status, walk
from ..rules.lint import LintCollector
from .gitignore import translate_file

JUNK_KINDS = {
    "cache",
    "vcs",
    "venv",
    "dependencies",
    "archive",
    "log",
    "litter",
    "secret",
    "data",
    "build",
    "coverage",
    "test-data",
}
_NOTES = {
    "data": "keep them if the image reads them at run time",
    "test-data": "keep them if the build runs the tests",
    "build": "keep them if a COPY brings build output into the image",
    "secret": "pass it at build time with RUN --mount=type=secret if the build needs it",
}


@dataclass
class Candidate:
    line: str
    reason: str
    note: str = ""
    exceptions: list[str] = field(default_factory=list)  # "!path" lines that keep COPY sources
    estimate: int = 0  # bytes seen in discovery, to order candidates
    priority: int = 1  # 0 correction, 1 junk kind, 2 .gitignore entry, 3 unused path
    files: int = 0
    bytes: int = 0
    marginal_files: int = 0
    marginal_bytes: int = 0
    pattern: DockerIgnorePattern | None = None
    hides_mounted: bool = False  # it excludes a file a RUN --mount=type=bind reads

    @property
    def lines(self) -> list[str]:
        return [self.line, *self.exceptions]


@dataclass
class Suggestion:
    """An ignore line with what it would save (and the exceptions that keep COPY sources)."""

    pattern: str
    files: int
    bytes: int
    reason: str = ""
    note: str = ""
    exceptions: list[str] = field(default_factory=list)


@dataclass
class Plan:
    candidates: list[Candidate]
    before: int  # bytes sent now
    after: int  # bytes sent with every proposed line
    files_before: int
    files_after: int
    ignore: IgnoreFile

    def suggestions(self) -> list[Suggestion]:
        """The proposal as reports show it: each line with its marginal saving."""
        return [
            Suggestion(c.line, c.marginal_files, c.marginal_bytes, c.reason, c.note, c.exceptions)
            for c in self.candidates
        ]


def _kinded_dir(path: str) -> tuple[str, bool] | None:
    """The outermost kinded directory name of a path, and whether it is at the root."""
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        if kinds.dir_kind(part) is not None:
            return part, i == 0
    return None


@dataclass
class _Kinded:
    kind: str
    bytes: int = 0
    root_only: bool = True


def _file_line(name: str, kind: str) -> tuple[str, str]:
    if kind == "secret" and (why := secrets.name_reason(name)):
        return f"**/{escape(name)}", f"secret: {why}"
    if kinds.FILE_NAMES.get(name) == kind:
        return f"**/{escape(name)}", f"{kind}: {name}"
    found = suffixes.longest(name, kinds.FILE_SUFFIXES)
    if found is not None and found[1] == kind:
        dot = found[0]
        return f"**/*{escape(name[dot:])}", f"{kind}: *{name[dot:]} files"
    if name.endswith("~"):
        return "**/*~", "litter: editor backups"
    return f"**/{escape(name)}", f"{kind}: {name}"


class Discovery:
    """Pass 1: what could go, from what is sent now."""

    def __init__(
        self, ctx: Context, usage: DockerfileUsage | None, min_bytes: int, unused_min: int, lint: LintCollector
    ) -> None:
        self.ctx = ctx
        self.usage = usage
        self.min_bytes = min_bytes
        self.unused_min = unused_min
        self.found: dict[str, Candidate] = {}
        self.lint = lint  # fed with the same walk: its root-only leaks become corrections
        self.gitignores: list[str] = []
        self.unused: dict[str, list[int]] = {}  # top-level or second-level path -> [unused bytes, used bytes]
        self.kinded: dict[str, _Kinded] = {}  # kinded directory name -> what it holds
        # Memory: only tallies that can still become candidates are kept (a
        # million small files at the root must not cost a dict entry each).
        self.unused_floor = max(min_bytes, unused_min, 1)
        self._open: list[str | None] = [None, None]  # the depth-1 and depth-2 directories being walked

    def _add(self, line: str, reason: str, size: int, note: str = "", priority: int = 1) -> None:
        c = self.found.get(line)
        if c is None:
            c = self.found[line] = Candidate(line, reason, note, priority=priority)
        c.estimate += size
        c.priority = min(c.priority, priority)

    def add(self, e: Entry) -> None:
        if e.status is not Status.SENT:
            return
        parent, _, name = e.path.rpartition("/")
        if not e.is_file:
            return
        if name == kinds.VENV_MARKER and parent and _kinded_dir(e.path) is None:
            # a virtualenv under a name of its own ("env2/pyvenv.cfg")
            self._add(escape(parent), "venv: a virtualenv (pyvenv.cfg)", 0)
        if name == ".gitignore":
            self.gitignores.append(e.path)
        kind = kinds.of(e)
        if kind in JUNK_KINDS:
            git = secrets.git_root(e.path)
            kd = _kinded_dir(e.path)
            if git is not None:
                self._add(escape(git), "vcs: the repository and its history", e.size)
            elif kd is not None:
                acc = self.kinded.setdefault(kd[0], _Kinded(kind))
                acc.bytes += e.size
                acc.root_only = acc.root_only and kd[1]
            elif kind != "venv":  # a virtualenv found by its pyvenv.cfg has its own line
                line, why = _file_line(name, kind)
                self._add(line, why, e.size, _NOTES.get(kind, ""))
        if self.usage is not None and not self.usage.whole_context:
            used = any(s.root_of(e.path) is not None for s in self.usage.transfer_selectors)
            parts = e.path.split("/")
            for depth in (1, 2):
                if len(parts) > depth:
                    key = "/".join(parts[:depth])
                    if self._open[depth - 1] != key:  # the walk is sorted: the previous one is complete
                        self._settle(self._open[depth - 1])
                        self._open[depth - 1] = key
                    tally = self.unused.setdefault(key, [0, 0])
                    tally[1 if used else 0] += e.size
            if not used and len(parts) == 1 and e.size >= self.unused_floor:
                self.unused.setdefault(e.path, [0, 0])[0] += e.size

    def _settle(self, path: str | None) -> None:
        """Forget a finished directory's tally when it cannot be proposed."""
        if path is None:
            return
        tally = self.unused.get(path)
        if tally is not None and (tally[1] or tally[0] < self.unused_floor):
            del self.unused[path]

    def candidates(self) -> list[Candidate]:
        for name, k in self.kinded.items():
            # One line per directory name: the root form only if it never occurs deeper.
            line = escape(name) if k.root_only else f"**/{escape(name)}"
            self._add(line, f"{k.kind}: {name}/ directories", k.bytes, _NOTES.get(k.kind, ""))
        for leak in self.lint.root_only_leaks():
            self._add(
                leak.fix,
                f"correction: line {leak.pattern.line} '{leak.pattern.text}' matches only at the root",
                leak.bytes,
                priority=0,
            )
        for path in self.gitignores:
            self._from_gitignore(path)
        chosen_tops: set[str] = set()
        build_files = {".dockerignore", self.ctx.dockerfile_rel, self.ctx.ignore.display}
        for path, (unused, used) in sorted(self.unused.items(), key=lambda kv: -kv[1][0]):
            if used or unused < self.unused_floor or path in build_files:
                continue
            parent = path.rpartition("/")[0]
            if parent and parent in chosen_tops:
                continue
            chosen_tops.add(path)
            self._add(escape(path), "not used by any COPY/ADD or bind mount of the Dockerfile", unused, priority=3)
        return sorted(self.found.values(), key=lambda c: (c.priority, -c.estimate, c.line))

    def _from_gitignore(self, path: str) -> None:
        try:
            text = (self.ctx.root / path).read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            return
        for t in translate_file(text, path):
            if t.exclusion:
                continue  # re-including only ever sends more
            note = "directory-only in git; Docker also matches a file of that name" if t.dir_only else ""
            self._add(t.docker, f"{t.gitignore}:{t.line}: {t.source.strip()}", 0, note, priority=2)


def _excludes(p: DockerIgnorePattern, path: str, cache: dict[str, bool]) -> bool:
    """Would this line, appended last, exclude ``path`` (itself or a parent)?"""
    if p.matches(path):
        return True
    parent = path.rpartition("/")[0]
    while parent:
        hit = cache.get(parent)
        if hit is None:
            hit = cache[parent] = p.matches(parent)
        if hit:
            return True
        parent = parent.rpartition("/")[0]
    return False


def _kept_by(c: Candidate) -> Matcher | None:
    """The candidate's lines together, when '!' lines keep Dockerfile sources."""
    return Matcher([DockerIgnorePattern(line) for line in c.lines]) if c.exceptions else None


def _still_excluded(m: Matcher, path: str) -> bool:
    try:
        return m.or_parent_matches(path).matched
    except PatternError:
        return False


def measure(ctx: Context, candidates: list[Candidate], mounted: Iterable[str] = ()) -> tuple[int, int]:
    """Pass 2: savings of each candidate (with its exceptions, once it has
    them), alone and after the ones before it. ``mounted``: directories a
    bind mount reads; a candidate that excludes a file below one is marked
    ``hides_mounted`` (the RUN may read any of them)."""
    prefixes = tuple(m + "/" for m in mounted)
    for c in candidates:
        c.files = c.bytes = c.marginal_files = c.marginal_bytes = 0
        c.hides_mounted = False
        try:
            c.pattern = DockerIgnorePattern(c.line)
        except (PatternError, ValueError):
            c.pattern = None
    live = [c for c in candidates if c.pattern is not None]
    caches: list[dict[str, bool]] = [{} for _ in live]
    kept_by = [_kept_by(c) for c in live]
    total_files = total_bytes = 0
    for e in walk(ctx):
        if e.status is not Status.SENT or not e.is_file:
            continue
        total_files += 1
        total_bytes += e.size
        first = True
        for c, cache, keep in zip(live, caches, kept_by, strict=True):
            assert c.pattern is not None
            if _excludes(c.pattern, e.path, cache) and (keep is None or _still_excluded(keep, e.path)):
                c.files += 1
                c.bytes += e.size
                if prefixes and e.path.startswith(prefixes):
                    c.hides_mounted = True
                if first:
                    c.marginal_files += 1
                    c.marginal_bytes += e.size
                    first = False
        if caches and len(caches[0]) > 4096:  # directory results: bounded memory
            for cache in caches:
                cache.clear()
    return total_files, total_bytes


def with_lines(ignore: IgnoreFile, lines: Iterable[str]) -> IgnoreFile:
    extra = [DockerIgnorePattern(line, line=0) for line in lines]
    return dataclasses.replace(ignore, patterns=[*ignore.patterns, *extra])


def _errors(usage: DockerfileUsage) -> set[tuple[str, int, str]]:
    """The build-breaking problems of a finished usage."""
    return {
        (usage.builder.value, p.line, p.source.raw)
        for p in usage.problems
        if p.kind in ("ignored", "missing", "invalid")
    }


def _analyse(
    ctx: Context, df: Dockerfile | None, primary_done: DockerfileUsage | None = None, source: str = ""
) -> tuple[set[tuple[str, int, str]], int, int]:
    """Errors of the Dockerfile analysis under both builders, and what ``ctx`` sends.

    ``primary_done``: a finished checks-only usage already fed with ``ctx``'s
    walk (then that walk is not repeated, and files/bytes are not counted).
    """
    errors: set[tuple[str, int, str]] = set()
    files = size = 0
    # Docker's two builders always (an ignore file is usually shared), and
    # buildah when it is the one audited.
    for builder in (ctx.builder, *(b for b in (Builder.BUILDKIT, Builder.LEGACY) if b is not ctx.builder)):
        primary = builder is ctx.builder
        if primary and primary_done is not None:
            errors |= _errors(primary_done)
            continue
        if not primary and df is None:
            continue
        c = dataclasses.replace(ctx, builder=builder)
        usage = (
            DockerfileUsage(df, builder, str(ctx.root), checks_only=True, source=source, ignore_lines=ctx.ignore.lines)
            if df is not None
            else None
        )
        for e in walk(c, sizes=primary):
            if usage is not None:
                usage.add(e)
            if primary and e.status is Status.SENT and e.is_file:
                files += 1
                size += e.size
        if usage is not None:
            errors |= _errors(usage.finish())
    return errors, files, size


class Planner:
    """Suggestions for ``ctx``, checked against the Dockerfile.

    A collector (ctxaudit.pipeline.Collector): feed it the entries of
    ``ctx``'s walk with kinds (scan shares its own walk), :meth:`finish`,
    then :meth:`plan` measures the candidates and checks the proposal.
    Safety covers both builders: the legacy builder builds every stage up to
    the target, so what those stages copy is kept too, and the proposal is
    analysed again under both. ``lint``: a root-only-line collector fed with
    the same walk by someone else (scan); without it the planner keeps its own.
    """

    def __init__(
        self,
        ctx: Context,
        df: Dockerfile | None,
        min_bytes: int = 1,
        unused_min: int = 1024 * 1024,
        lint: LintCollector | None = None,
        source: str = "",
    ) -> None:
        self.ctx = ctx
        self.df = df
        self.min_bytes = min_bytes
        self.source = source  # "" the main context, else the named context ctx is
        root = str(ctx.root)
        self.usage = sources_usage(df, root, source) if df is not None else None
        self.check = (
            DockerfileUsage(df, ctx.builder, root, checks_only=True, source=source, ignore_lines=ctx.ignore.lines)
            if df is not None
            else None
        )
        self.own_lint = lint is None
        self.lint = LintCollector(ctx, deep=False) if lint is None else lint
        self.discovery = Discovery(ctx, self.usage, min_bytes, unused_min, self.lint)

    def add(self, e: Entry) -> None:
        if self.own_lint:
            self.lint.add(e)
        self.discovery.add(e)
        if self.usage is not None and self.check is not None:
            self.usage.add(e)
            self.check.add(e)

    def finish(self) -> Planner:
        if self.usage is not None and self.check is not None:
            self.usage.finish()
            self.check.finish()
        return self

    def plan(self) -> Plan:
        """Measure the candidates and check the proposal (after :meth:`finish`)."""
        ctx, df, min_bytes = self.ctx, self.df, self.min_bytes
        sources = needed_sources(self.usage)
        mounted = mounted_dirs(self.usage)
        present = existing_lines(ctx.ignore)
        candidates = [c for c in self.discovery.candidates() if c.line not in present]
        files_before, before = measure(ctx, candidates, mounted)
        chosen = [
            c
            for c in candidates
            if c.pattern is not None and c.marginal_bytes >= min_bytes and c.marginal_files and not c.hides_mounted
        ]
        nothing = Plan([], before, before, files_before, files_before, ctx.ignore)
        if not chosen:
            return nothing
        baseline, _, _ = _analyse(ctx, df, self.check, self.source)
        for c in chosen:
            _keep_sources(c, sources)
        if any(c.exceptions for c in chosen):
            # What each line saves once its exceptions keep the sources: maybe nothing.
            measure(ctx, chosen, mounted)
            chosen = [c for c in chosen if c.marginal_bytes >= min_bytes and c.marginal_files and not c.hides_mounted]
            if not chosen:
                return nothing
        while True:
            trial = dataclasses.replace(ctx, ignore=with_lines(ctx.ignore, [ln for c in chosen for ln in c.lines]))
            errors, files_after, after = _analyse(trial, df, source=self.source)
            if not errors - baseline:
                chosen.sort(key=lambda c: (-c.marginal_bytes, c.line))  # largest saving first
                return Plan(chosen, before, after, files_before, files_after, ctx.ignore)
            kept = [c for c in chosen if not _breaks(c, sources)]
            if len(kept) == len(chosen):  # cannot tell which line breaks it: propose nothing
                return nothing
            chosen = kept


def plan(
    ctx: Context, df: Dockerfile | None, *, min_bytes: int = 1, unused_min: int = 1024 * 1024, source: str = ""
) -> Plan:
    """Suggestions for ``ctx`` from a walk of their own (see Planner); ``source``:
    the named context ``ctx`` is (its sources are the ones to keep)."""
    planner = Planner(ctx, df, min_bytes, unused_min, source=source)
    for e in kinds.walk(ctx):
        planner.add(e)
    return planner.finish().plan()


def sources_usage(df: Dockerfile, root: str, source: str = "") -> DockerfileUsage:
    """The usage whose sources every proposed line must keep: the legacy
    builder's, which builds every stage up to the target (BuildKit only the
    ones the target needs), so it covers both."""
    return DockerfileUsage(df, Builder.LEGACY, root, wire_and_tar=False, source=source)


# A source the Dockerfile needs: the '!' line that keeps it, and paths to probe.
Need = tuple[str, list[str]]


def needed_sources(usage: DockerfileUsage | None) -> list[Need]:
    """What COPY/ADD and bind mounts take: explicit paths (kept as they are)
    and wildcard sources (kept by the same wildcard) with the files they match."""
    if usage is None:
        return []
    out: dict[str, list[str]] = {}
    for st in usage.sources:
        sel = st.selector
        if sel.whole:
            continue
        if sel.rest is None:
            out[escape(sel.path)] = [sel.path]
        else:
            # Keep what the wildcard matched with literal lines: a wildcard
            # exception would behave differently under the legacy builder.
            for root in st.roots:
                out[escape(root)] = [root] + [x for x in st.examples if x.startswith(root + "/")]
    return sorted(out.items())


def mounted_dirs(usage: DockerfileUsage | None) -> list[str]:
    """The context paths bind mounts read (not the whole context): no
    proposed line may exclude anything below them, since the RUN may read
    any file there, and nothing of it reaches the image to be saved."""
    if usage is None:
        return []
    return sorted({st.selector.path for st in usage.sources if st.selector.mount is not None and not st.selector.whole})


def keep_sources(line: str, needs: list[Need]) -> list[str]:
    """The '!' lines to put after ``line`` so that it excludes no needed source."""
    p = DockerIgnorePattern(line)
    cache: dict[str, bool] = {}
    return [f"!{keep}" for keep, probes in needs if any(_excludes(p, probe, cache) for probe in probes)]


def _keep_sources(c: Candidate, needs: list[Need]) -> None:
    c.exceptions = keep_sources(c.line, needs)
    if c.exceptions:
        kept = ", ".join(x[1:] for x in c.exceptions)
        c.note = (c.note + "; " if c.note else "") + f"keeps {kept} for the Dockerfile"


def _breaks(c: Candidate, needs: list[Need]) -> bool:
    """Does the line, with its exceptions, still exclude something the Dockerfile copies?"""
    m = Matcher([DockerIgnorePattern(line) for line in c.lines])
    for _, probes in needs:
        for probe in probes:
            try:
                if m.or_parent_matches(probe).matched:
                    return True
            except PatternError:
                return True
    return False


def common(plans: list[Plan]) -> Plan:
    """The lines every plan proposes (several builds read one ignore file), with
    the exceptions any of them needs; the first plan's figures."""
    first = plans[0]
    if len(plans) == 1:
        return first
    keep = set.intersection(*({c.line for c in p.candidates} for p in plans))
    out: list[Candidate] = []
    for c in first.candidates:
        if c.line not in keep:
            continue
        merged = dataclasses.replace(c, exceptions=list(c.exceptions))
        for p in plans[1:]:
            for other in p.candidates:
                if other.line == c.line:
                    merged.exceptions += [x for x in other.exceptions if x not in merged.exceptions]
        out.append(merged)
    return dataclasses.replace(first, candidates=out)


def render_block(candidates: list[Candidate], today: str) -> str:
    """The text ``--write`` appends: a comment, then the lines."""
    lines = [f"# Added by ctxaudit suggest on {today}: Docker rules (anchored at the context root)."]
    for c in candidates:
        lines.extend(c.lines)
    return "\n".join(lines) + "\n"


def existing_lines(ignore: IgnoreFile) -> set[str]:
    return {str(p) for p in ignore.lines}


def target_file(ctx: Context) -> Path:
    """The file the builder reads: the per-Dockerfile one when BuildKit selected it."""
    return ctx.ignore.path if ctx.ignore.path is not None else ctx.root / ".dockerignore"


def written(p: Plan, target: Path, today: str) -> tuple[bytes, bytes]:
    """(current bytes, bytes with the block appended) of the ignore file."""
    old = target.read_bytes() if target.exists() else b""
    new = Append(p, today)(old)
    return old, old if new is None else new


class Append:
    """The change ``suggest --write`` makes (a :data:`ignorewrite.Change`):
    the plan's block appended to the file's current bytes, without the
    candidates whose lines the file already holds (another run may have
    added them meanwhile). ``added``: the candidates written by the last call.
    """

    def __init__(self, p: Plan, today: str) -> None:
        self.plan = p
        self.today = today
        self.added: list[Candidate] = []

    def __call__(self, old: bytes | None) -> bytes | None:
        from . import ignorewrite

        data = old or b""
        problem = encoding_problem(data)
        if problem is not None:
            raise ignorewrite.WriteError(
                f"{self.plan.ignore.label} {problem}, which Docker cannot read as lines; not written "
                "(save it as UTF-8 with LF line endings first: ctxaudit lint explains)"
            )
        present = {str(pat) for pat in parse(data, self.plan.ignore.label, []) if pat.include is not None}
        self.added = [c for c in self.plan.candidates if not all(line in present for line in c.lines)]
        if not self.added:
            return None
        return ignorewrite.appended(data, render_block(self.added, self.today))
