"""Ignore lines that save bytes and never break the build, from one walk.

The planner is a collector of the scan's single walk (pipeline.Collector).
Each file the builder receives is reduced to a few facts: the set of
candidate lines that would exclude it (a line excludes a path when it
matches the path or one of its directories), whether it is unmistakable
junk (:mod:`.junk`), and what the build does with it (nothing; a COPY/ADD
or bind mount reads it; a ``!`` line of the ignore file keeps it). Files
with the same facts are counted together, so memory holds a few hundred
groups, not the tree, and every candidate is priced at the end from the
groups: its files, its marginal saving after the lines before it, and
whether it may be written at all.

What may be written (status ``write``), held back for review (``review``:
shown with its size, written only with ``--include-review``), or never
(``held``):

* a file nothing of the Dockerfile reads may go (BuildKit does not even
  transfer it), unless another Dockerfile in the context shares the ignore
  file;
* a file a COPY/ADD takes from below a directory it names (``COPY src/``,
  ``COPY . .``, a bind mount of ``.``) may go only when it is unmistakable
  junk from below that directory (``src/__pycache__``); any other line that
  would remove it is for review;
* a file a COPY/ADD names (``COPY go.mod``, ``COPY target/*.jar``) is kept
  with a ``!`` exception written after all the lines (the source's own
  wildcard for a wildcard source, so the next version's jar is kept too);
* a file a ``!`` line of the ignore file re-includes, a bind mount reads,
  or the Dockerfile and the ignore file themselves: a line that would
  exclude it is held (the user's own exceptions win).

Candidates: junk kinds written as Docker reads them (``**/__pycache__``,
``.git``, ``**/*.log``; a directory's line is proposed only where that
directory gives its subtree its kind, so nothing inside a virtualenv is
proposed twice), corrections of root-only lines the user did not anchor
(``*.csv`` -> ``**/*.csv``; ``/x`` and ``./x`` keep their meaning), the
project's ``.gitignore`` lines translated to Docker rules with their ``!``
lines, and large top-level paths nothing reads (``--unused-min``). A line
whose whole effect lies inside what other proposed lines remove is dropped.

The written block is, in order: the ``.gitignore`` lines, their ``!``
lines, the other lines, then the ``!`` exceptions that keep named COPY/ADD
sources. Every exception matches its path itself (never only through a
parent), so the legacy builder and BuildKit agree on it; before a write,
the walk runs again under both builders (:func:`verify`) and must find
exactly what the groups predicted.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import re
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, TypeVar

from ..classify import kinds, secrets, suffixes
from ..common.errors import CtxauditError
from ..dockerfile.model import Dockerfile, Stage
from ..dockerfile.sources import Selector, resolve_links
from ..dockerfile.usage import DockerfileUsage
from ..engine import gomatch
from ..engine.builder import Builder
from ..engine.context import Context
from ..engine.ignorefile import ROOT_IGNORE, IgnoreFile, encoding_problem, parse
from ..engine.matcher import Matcher, MayMatch, may_match
from ..engine.pattern import DockerIgnorePattern, PatternError, UnsupportedPattern, normalize_line
from ..engine.walk import Entry, EntryType, Status, walk
from . import junk
from .gitignore import translate_file
from .lineindex import LineIndex, shape_of_text

# Kinds a line may be proposed for (media, models and binaries are the project's own).
# Test data and coverage reports are candidates, but not unmistakable junk (:mod:`.junk`):
# where the build may read them (``COPY . .`` then the tests) they are for review.
CANDIDATE_KINDS = frozenset(
    {
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
)
_NOTES = {
    "data": "keep them if the image reads them at run time",
    "test-data": "keep them if the build runs the tests",
    "build": "keep them if a COPY brings build output into the image",
    "secret": "pass it at build time with RUN --mount=type=secret if the build needs it",
}
_NAME_KEYS = frozenset(kinds.DIR_KINDS) | frozenset(kinds.FILE_NAMES)
_SUFFIX_KEYS = frozenset(s for s, k in kinds.FILE_SUFFIXES.items() if k in CANDIDATE_KINDS and s != "~")
_GLOBS = [(g, re.compile(fnmatch.translate(g)).match, k) for g, k in kinds.DIR_GLOBS]
# Suffixes that make a name suggest a secret (``*.key``, ``*.pem``): each gets a key, so that
# several secret files sharing one are proposed as the one suffix line a user would write.
_SECRET_SUFFIXES: dict[str, str] = {
    **secrets.CERTAIN_SUFFIXES,
    **{s: sn[0] for s, sn in secrets.SUGGESTIVE_SUFFIXES.items()},
}
_SUFFIX_TUPLE = tuple(sorted(_SUFFIX_KEYS | frozenset(_SECRET_SUFFIXES)))
_GLOB_TAILS = tuple(
    g[1:] if g.startswith("*") and not any(c in g[1:] for c in "*?[") else "" for g, _ in kinds.DIR_GLOBS
)
_EMPTY: frozenset[int] = frozenset()
# A name with none of these (names, lower-case tails, secret prefixes) has no table line and is no
# junk: most names of a large tree (node_modules/pkg/mod/f3192.js) are settled by these tests alone.
_MAY_NAMES = _NAME_KEYS | junk.FILE_NAMES
_MAY_LOWER_NAMES = secrets.QUICK_NAMES
_MAY_TAILS = tuple(
    sorted({*_SUFFIX_TUPLE, *junk.FILE_SUFFIXES, *secrets.QUICK_SUFFIXES, *(t.lower() for t in _GLOB_TAILS), "~"})
)
_NO_FACTS: tuple[tuple[Key, ...], bool] = ((), False)
_VCS_NAMES = frozenset({".git", ".hg", ".svn", ".bzr"})
_DOCKERFILE_NAME = re.compile(r"(?:Dockerfile|Containerfile)(?:\..+)?|.+\.(?:Dockerfile|dockerfile|Containerfile)")

WRITE, REVIEW, HELD = "write", "review", "held"

# File states, most restrictive last.
_FREE_JUNK, _FREE, _REVIEW, _HELD = 0, 1, 2, 3

Key = str | int


class PlanError(CtxauditError):
    """The proposal failed its check against a real walk: nothing is written."""


class ContextChanged(PlanError):
    """The second walk found other files or bytes than the plan's walk: the
    context changed meanwhile (another writer's temporary file, say). Planning
    again from a fresh walk is safe (:func:`replanned`)."""


PLAN_ATTEMPTS = 3  # plans tried when the context changes under the check (see replanned)
_T = TypeVar("_T")


def replanned(attempt: Callable[[], _T], attempts: int = PLAN_ATTEMPTS, pause: float = 0.05) -> _T:
    """``attempt()`` once more, from scratch, each time it raises ContextChanged.

    ``attempt`` plans from a fresh walk and checks the plan (:func:`verify`)
    before returning it, so what it returns was checked against the context as
    it is now; ``suggest --write``, ``init`` and the project writes all go
    through here. Another program's temporary file (another ``ctxaudit
    suggest --write``, an editor saving) seen by the plan's walk and not by the
    check's is the usual cause; the pause between attempts (``pause`` seconds,
    then twice that...) lets such a writer finish. Raises ContextChanged,
    naming the attempts, when the context changed under every one of them
    (nothing is to be written); any other error at once.
    """
    last: ContextChanged | None = None
    for n in range(attempts):
        try:
            return attempt()
        except ContextChanged as exc:
            last = exc
        if n < attempts - 1:
            time.sleep(pause * (n + 1))
    raise ContextChanged(
        f"the context kept changing while ctxaudit checked its proposal ({attempts} plans, each from a fresh "
        f"walk, and each walk again found other files; the last: {last}); try again when nothing else writes "
        "into the context"
    )


# -- writing a line that means exactly one path --------------------------------------


def literal(path: str, anchored: bool = True) -> str:
    """A Docker ignore line (or the part after ``**/``) matching exactly ``path``.

    Glob and regexp characters get a backslash; control characters and
    whitespace where Go's TrimSpace would cut it become ``\\xHH`` (Go's regexp
    reads it as that character; a line cannot hold a newline), or a one
    character class ``[c]`` above U+00FF; a leading ``#`` or ``!`` is escaped.
    A name that is not UTF-8 (surrogate escapes) keeps its raw bytes while the
    line is a plain string compare; once the line is a regexp, each such byte
    becomes ``?`` (Go's regexp rejects a pattern that is not UTF-8, and
    matches an invalid byte of a path with ``[^/]``).
    """
    out: list[str] = []
    regexp = False
    n = len(path)
    for i, ch in enumerate(path):
        cp = ord(ch)
        at_end = i == 0 or i == n - 1
        if ch in "*?[]\\^":
            out.append("\\" + ch)
            regexp = True
        elif cp < 0x20 or cp == 0x7F or (at_end and (ch.isspace() or cp == 0x85)):
            if cp <= 0xFF:
                out.append(f"\\x{cp:02x}")
            else:
                out.append(f"[{ch}]")
            regexp = True
        else:
            out.append(ch)
    if regexp:
        out = ["?" if len(c) == 1 and 0xDC80 <= ord(c) <= 0xDCFF else c for c in out]
    text = "".join(out)
    if anchored and text[:1] in ("#", "!"):
        text = "\\" + text
    return text


# -- candidates and results --------------------------------------------------------


@dataclass
class Candidate:
    """One line the planner weighs."""

    key: Key
    line: str
    reason: str
    family: str  # junk | correction | gitignore | unused | starter
    priority: int  # 0 correction, 1 junk, 2 .gitignore, 3 unused (starter: template order)
    kind: str | None = None
    note: str = ""
    dir_line: bool = False  # names directories (ordered before file patterns)
    estimate: int = 0  # bytes of its own occurrences (to order)
    order: int = 0
    keys: set[Key] = field(default_factory=set)  # every key meaning this line
    gitignore: str | None = None  # the .gitignore it comes from
    guard: bool = False  # starter: unmistakable junk, fine to keep although it matches nothing
    # priced at the end
    files: int = 0
    bytes: int = 0
    marginal_files: int = 0
    marginal_bytes: int = 0
    status: str = WRITE
    why: str = ""  # for review/held: the reason, with an example
    exceptions: list[str] = field(default_factory=list)  # '!' lines written for it

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
    status: str = WRITE
    why: str = ""


@dataclass
class Plan:
    candidates: list[Candidate]  # the lines to write, largest saving first
    before: int  # bytes sent now
    after: int  # bytes sent with every line written
    files_before: int
    files_after: int
    ignore: IgnoreFile
    held_back: list[Candidate] = field(default_factory=list)  # review and held lines
    block: list[str] = field(default_factory=list)  # the lines in the order they are written
    expect: dict[str, str] = field(default_factory=dict)  # written line -> a path it must match
    guards: list[Candidate] = field(default_factory=list)  # starter: lines that match nothing yet
    untranslated: list[Suggestion] = field(default_factory=list)  # .gitignore lines with no exact Docker line

    def suggestions(self) -> list[Suggestion]:
        """The proposal as reports show it: each line with its marginal saving."""
        return [_suggestion(c) for c in self.candidates]

    def review(self) -> list[Suggestion]:
        """The lines held back, with what they would remove and why they are not written."""
        return [_suggestion(c) for c in self.held_back] + self.untranslated


def _suggestion(c: Candidate) -> Suggestion:
    if c.status == WRITE:
        return Suggestion(c.line, c.marginal_files, c.marginal_bytes, c.reason, c.note, c.exceptions)
    return Suggestion(c.line, c.files, c.bytes, c.reason, c.note, [], c.status, c.why)


# -- the walk side -----------------------------------------------------------------


@dataclass(slots=True)
class _Frame:
    """What every file below an open directory shares."""

    prefix: str  # "a/b/" ("" for the root)
    depth: int  # components in the directory's path
    keys: frozenset[Key]  # lines matching the directory or an ancestor
    junk_at: int  # index of the shallowest unmistakable-junk component, -1: none
    kroot: Key | None  # the outermost kinded directory's line
    user: int  # why-index of the user '!' line re-including it, -1
    mount: int  # why-index of the bind mount reading it, -1
    dirs: tuple[tuple[int, int], ...]  # (source id, depth of its root) for directory sources it lies in
    gneg: frozenset[int]  # .gitignore '!' lines re-including it through an ancestor
    gneg_keys: frozenset[Key]  # lines matching that ancestor or above
    gweak: bool  # a '!' line matches an ancestor the .gitignore lines do not exclude
    # the line indexes that apply below it: the root's, and one per .gitignore on the way down
    # (each compiled once, for its own lines: cost linear in the number of .gitignore files)
    indexes: tuple[LineIndex, ...] = ()
    neg_indexes: tuple[LineIndex, ...] = ()
    # The group of its plain files (no line of their own, not junk by name, nothing of the
    # build naming them): the same for each of them, found once (Planner.add).
    plain: _Group | None = None


@dataclass
class _Source:
    """A COPY/ADD source (not the whole context) that names paths."""

    sid: int
    selector: Selector
    why: str  # "COPY src/ (line 4)"
    wildcard: bool
    is_dir: bool = False  # a literal source that is a directory, or a wildcard that matched one
    files: list[str] = field(default_factory=list)  # file roots it matched (first 200)
    takes: int = -1  # why-index of "<instruction> takes it"
    root_keys: frozenset[Key] = frozenset()  # lines that match a directory it takes, or a parent of one
    root: str = ""  # the first directory it takes


@dataclass
class _Group:
    files: int = 0
    bytes: int = 0
    example: str = ""


GroupKey = tuple[frozenset[Key], int, int, tuple[int, ...], frozenset[int], bool, bool]
# (lines, state, why, named file sources, .gitignore '!' lines re-including, builder-dependent, used)


@dataclass(frozen=True)
class StarterLine:
    line: str
    stack: str
    guard: bool  # unmistakable junk: kept in the file even when it matches nothing yet


class Planner:
    """Suggestions for ``ctx``: feed it the entries of ``ctx``'s walk with kinds
    (ctxaudit.classify.kinds.walk; scan shares its own walk), :meth:`finish`,
    then :meth:`plan`.

    ``df``: the Dockerfile; every stage counts (another target may be built
    from it), under the legacy builder's rules, which build every stage.
    Without one, the build may read anything. ``starter``: weigh these lines
    instead of the usual candidates (``ctxaudit init``; the walk is then of
    the context without an ignore file). ``check_build``: also record which
    Dockerfile sources resolve now, for :func:`verify`.
    """

    # add() reads only what the builder sends: pipeline.fan_out gives it nothing else
    # (--full walks ten times more entries than it sends).
    sent_only: ClassVar[bool] = True

    def __init__(
        self,
        ctx: Context,
        df: Dockerfile | None,
        min_bytes: int = 1,
        unused_min: int = 1024 * 1024,
        *,
        include_review: bool = False,
        starter: Sequence[StarterLine] | None = None,
        check_build: bool = False,
        source: str = "",
    ) -> None:
        self.ctx = ctx
        self.df = df
        self.source = source  # "" the main context, else the named context ctx is
        self.min_bytes = min_bytes
        self.unused_min = unused_min
        self.include_review = include_review
        self.starter = starter
        root = str(ctx.root)
        self.reads = junk.build_reads(df, ctx.root)
        self.whys: list[str] = []
        self._why_index: dict[str, int] = {}
        self.groups: dict[GroupKey, _Group] = {}
        self.files = 0
        self.bytes = 0
        self.candidates: dict[Key, Candidate] = {}
        self._order = 0
        self.index = LineIndex()
        self.index_lines: dict[int, Candidate] = {}
        self.neg_index = LineIndex()
        self.negations: dict[int, tuple[str, DockerIgnorePattern, str]] = {}  # id -> (line, exclusion form, origin)
        self.untranslated: list[Suggestion] = []  # .gitignore lines not translated (gitignore.Translated.skipped)
        self._texts: dict[tuple[int, str], int] = {}  # (index, line) -> id
        self._ids = 0
        self.other_dockerfiles: list[str] = []
        self.deep_names: set[str] = set()  # kinded directory names that occur below the root
        # what the Dockerfile reads
        self.sources: list[_Source] = []
        self.whole_why: str | None = None if df is not None else "without a Dockerfile the build may read anything"
        self.literal: dict[str, list[int]] = {}
        self.wildcards: list[_Source] = []
        self.mounts: dict[str, int] = {}
        self.check: DockerfileUsage | None = None
        if df is not None:
            every = dataclasses.replace(df, target=df.stages[-1]) if df.stages else df
            usage = DockerfileUsage(
                every,
                Builder.LEGACY,
                root,
                wire_and_tar=False,
                checks_only=True,
                source=source,
                ignore_lines=ctx.ignore.lines,
            )
            if usage.whole_context and source:  # FROM the named context: a stage's whole filesystem
                self.whole_why = f"a stage is built FROM the named context {source}: the build may read it"
            # Every stage counts, but the reason cites a reader of the stages the target builds
            # (as docker build --target does) when there is one: (built, text) of each whole-context reader.
            built = {st_.index for st_ in df.needed_stages(all_before_target=ctx.builder is Builder.LEGACY)}
            whole: list[tuple[bool, str]] = []

            def where(line: int, stage: Stage) -> str:
                if stage.index in built:
                    return f"line {line}"
                return f"line {line}, stage {stage.label}: not built for {df.target.label}, another target builds it"

            for st in usage.sources:
                sel = st.selector
                if sel.mount is not None:  # bind mounts: below, held with the RUN that reads them
                    continue
                c = sel.copy
                what = f"{c.cmd} {sel.source.raw} ({where(c.line, c.stage)})" if c is not None else sel.source.raw
                if sel.whole:
                    whole.append((c is None or c.stage.index in built, f"{what} takes the whole context"))
                    continue
                src = _Source(len(self.sources), sel, what, sel.rest is not None)
                self.sources.append(src)
                if src.wildcard:
                    self.wildcards.append(src)
                else:
                    self.literal.setdefault(sel.path, []).append(src.sid)
            mounts = [(st_, r, m) for st_ in every.stages for r in st_.runs for m in r.mounts]
            for st_, r, m in mounts:
                if m.type != "bind" or m.context_name != source:
                    continue
                path = m.source.context_path
                if path is None:
                    continue
                given = f",source={m.source.raw}" if m.source.raw else ""  # none: the context's root
                what = f"RUN --mount=type=bind{given} ({where(r.line, st_)})"
                if path == "":
                    whole.append((st_.index in built, f"{what} mounts the whole context"))
                    continue
                self.mounts.setdefault(resolve_links(root, path), self._why(f"{what} reads it"))
            whole.sort(key=lambda w: not w[0])  # stable: the first reader of a built stage, else the first
            if whole:
                self.whole_why = self.whole_why or f"{whole[0][1]}: the build may read it"
            if check_build:
                self.check = _checks(df, ctx, source)
        self.build_files = {
            p: self._why(f"{p} is a build file") for p in (ctx.dockerfile_rel, ROOT_IGNORE, _inside(ctx)) if p
        }
        # the user's exceptions win
        self.user_exceptions = [
            (p, self._why(f"{ctx.ignore.label}:{p.line} '!{p.text}' re-includes it"))
            for p in ctx.ignore.lines
            if p.exclusion and p.deferred_error is None
        ]
        # One C-level test rules out most paths (a thousand '!' lines were tried one by one on every file).
        self._user_may: MayMatch | None = may_match([p for p, _ in self.user_exceptions])
        self.restricted = self.whole_why is None
        # No source, '!' line or bind mount that could name a file: a plain file's group is its directory's.
        self._plain_walk = not (self.literal or self.wildcards or self.user_exceptions or self.mounts)
        self._whole = -1 if self.whole_why is None else self._why(self.whole_why)
        for src in self.sources:
            src.takes = self._why(f"{src.why} takes it")
        self._names: dict[str, tuple[tuple[Key, ...], bool]] = {}
        self.build_sizes: dict[str, int] = {}  # the build files sent (never excluded; another writer may grow them)
        if starter is not None:
            for i, s in enumerate(starter):
                self._register(s.line, "starter", i, f"{s.stack} starter line", guard=s.guard)
        else:
            self._corrections()
            self._read_gitignore("")
        root_frame = _Frame("", 0, frozenset(), -1, None, -1, -1, (), frozenset(), frozenset(), False)
        root_frame.indexes = (self.index,) if len(self.index) else ()
        root_frame.neg_indexes = (self.neg_index,) if len(self.neg_index) else ()
        self.stack = [root_frame]

    # -- setup -----------------------------------------------------------------------

    def _why(self, text: str) -> int:
        i = self._why_index.get(text)
        if i is None:
            i = self._why_index[text] = len(self.whys)
            self.whys.append(text)
        return i

    def _register(
        self,
        line: str,
        family: str,
        priority: int,
        reason: str,
        note: str = "",
        gitignore: str | None = None,
        guard: bool = False,
        index: LineIndex | None = None,
    ) -> int | None:
        """Index a line (into ``index``, the root's by default); its id."""
        index = index if index is not None else self.index
        try:
            norm = normalize_line(line)
        except PatternError:
            return None
        if norm is None or norm[1]:
            return None
        found = shape_of_text(norm[0])  # a simple shape is looked up, never compiled (thousands of lines)
        p: DockerIgnorePattern | None = None
        if found is None:
            try:
                p = DockerIgnorePattern(line)
            except (PatternError, UnsupportedPattern, ValueError):
                return None
            if p.deferred_error is not None:
                return None
        ident = self._texts.get((id(index), norm[0]))
        if ident is not None:
            return ident
        ident = self._ids
        self._ids += 1
        self._texts[(id(index), norm[0])] = ident
        if p is None:
            assert found is not None
            index.add_shape(ident, found)
        else:
            index.add(ident, p)
        c = Candidate(ident, line, reason, family, priority, note=note, gitignore=gitignore, guard=guard)
        c.keys.add(ident)
        c.order = self._next()
        self.index_lines[ident] = c
        return ident

    def _next(self) -> int:
        self._order += 1
        return self._order

    def _corrections(self) -> None:
        """Root-only lines the user did not anchor: the same line at any depth."""
        for p in self.ctx.ignore.lines:
            t = p.text
            written = p.pattern.strip() if isinstance(p.pattern, str) else ""
            if (
                p.exclusion
                or p.deferred_error is not None
                or written.startswith(("/", "./"))
                or "/" in t
                or t.startswith("**")
                or not t.strip("*?")
                or t in (".", "..")
            ):
                continue
            self._register(f"**/{t}", "correction", 0, f"correction: line {p.line} '{t}' matches only at the root")

    def _read_gitignore(self, directory: str) -> tuple[LineIndex | None, LineIndex | None]:
        """Index the lines and the '!' lines of ``directory``'s .gitignore, in
        indexes of their own (the root's go to the root indexes): they apply
        below it only."""
        path = os.path.join(str(self.ctx.root), directory, ".gitignore")
        try:
            with open(path, "rb") as f:
                data = f.read(1024 * 1024)
        except OSError:
            return None, None
        index = LineIndex() if directory else self.index
        negs = LineIndex() if directory else self.neg_index
        where = f"{directory}/.gitignore" if directory else ".gitignore"
        text = data.decode("utf-8", "surrogateescape")
        for t in translate_file(text, where):
            origin = f"{t.gitignore}:{t.line}: {t.source.strip()}"
            if t.skipped:
                self.untranslated.append(Suggestion(t.source, 0, 0, origin, status=HELD, why=t.skipped))
                continue
            if t.exclusion:
                try:
                    p = DockerIgnorePattern(t.docker[1:])
                except (PatternError, UnsupportedPattern, ValueError):
                    continue
                if p.deferred_error is not None or p.include is None:
                    continue
                ident = len(self.negations)
                self.negations[ident] = (t.docker, p, origin)
                negs.add(ident, p)
                continue
            note = "directory-only in git; Docker also matches a file of that name" if t.dir_only else ""
            self._register(t.docker, "gitignore", 2, origin, note, gitignore=where, index=index)
        return (index if len(index) else None), (negs if len(negs) else None)

    # -- the walk --------------------------------------------------------------------

    def _parent(self, path: str) -> _Frame:
        prefix = path[: path.rfind("/") + 1]
        stack = self.stack
        while len(stack) > 1 and not prefix.startswith(stack[-1].prefix):
            stack.pop()
        if stack[-1].prefix != prefix:  # an ancestor without its own entry: open it now
            top = stack[-1]
            rest = prefix[len(top.prefix) : -1].split("/")
            for part in rest:
                self._open(stack[-1].prefix + part, None)
        return stack[-1]

    def _name_facts(self, name: str) -> tuple[tuple[Key, ...], bool]:
        """The table lines matching a path component of this name (any depth), and
        whether a file of this name is unmistakable junk; cached by name."""
        facts = self._names.get(name)
        if facts is None:
            lower = name.lower()
            if (
                name not in _MAY_NAMES
                and lower not in _MAY_LOWER_NAMES
                and not lower.endswith(_MAY_TAILS)
                and not lower.startswith(secrets.QUICK_PREFIXES)
            ):
                return _NO_FACTS  # not cached: such names are most of a tree, and mostly unique
            out: list[Key] = []
            if name in _NAME_KEYS or secrets.name_reason(name) is not None:
                out.append("n:" + name)
            if name.endswith(_GLOB_TAILS):
                out += ["g:" + g for g, match, _ in _GLOBS if match(name)]
            if lower.endswith(_SUFFIX_TUPLE):
                i = name.find(".")
                while i != -1:
                    tail = name[i:].lower()
                    if tail in _SUFFIX_KEYS or tail in _SECRET_SUFFIXES:
                        out.append("s:" + name[i:])
                    i = name.find(".", i + 1)
            if name.endswith("~"):
                out.append("s:~")
            is_junk = (
                name in junk.FILE_NAMES or (len(name) > 1 and name[-1] == "~") or lower.endswith(junk.FILE_SUFFIXES)
            )
            facts = (tuple(out), is_junk)
            if len(self._names) >= 1 << 16:
                self._names.clear()
            self._names[name] = facts
        return facts

    def _component_keys(self, path: str, name: str, indexes: tuple[LineIndex, ...]) -> list[Key]:
        out: list[Key] = list(self._name_facts(name)[0])
        for index in indexes:
            out += index.matching(path, name)
        return out

    def _propose(self, key: Key, line: str, reason: str, kind: str, size: int, dir_line: bool, note: str = "") -> None:
        c = self.candidates.get(key)
        if c is None:
            c = self.candidates[key] = Candidate(key, line, reason, "junk", 1, kind, note, dir_line, order=self._next())
            c.keys.add(key)
        c.estimate += size

    def _open(self, path: str, e: Entry | None) -> _Frame:
        parent = self.stack[-1]
        name = path.rpartition("/")[2]
        depth = parent.depth + 1
        own = self._component_keys(path, name, parent.indexes)
        label = e.label if e is not None else None
        kroot = parent.kroot
        marker = False
        outermost = kroot is None and label is not None
        if label == "venv" and parent.junk_at < 0 and (outermost or name in junk.MARKED_VENV_DIRS):
            marker = os.path.exists(os.path.join(str(self.ctx.root), path, kinds.VENV_MARKER))
        if outermost:
            assert label is not None
            # "-": a kinded directory no line is proposed for (its subtree is not looked at again)
            kroot = self._kinded_root(path, name, label, marker, own) or "-"
        junk_at = parent.junk_at
        if junk_at < 0 and junk.junk_dir(name, self.reads, marker) is not None:
            junk_at = depth - 1
        user = parent.user
        if user < 0 and self.user_exceptions:
            user = self._user_exception(path)
        mount = parent.mount if parent.mount >= 0 else self.mounts.get(path, -1)
        dirs = parent.dirs
        roots: list[_Source] = []
        for sid in self.literal.get(path, ()):
            roots.append(self.sources[sid])
            dirs = (*dirs, (sid, depth))
        for src in self.wildcards:
            if not any(s == src.sid for s, _ in dirs) and _wild_self(src.selector, path):
                roots.append(src)
                dirs = (*dirs, (src.sid, depth))
        if self.restricted and depth <= 2 and self.starter is None:
            own.append("u:" + path)
        keys = parent.keys | frozenset(own) if own else parent.keys
        for src in roots:
            # a line matching the directory a COPY takes, or a parent, removes the source itself
            src.is_dir = True
            src.root_keys |= keys
            src.root = src.root or path
        gneg, gneg_keys, gweak = parent.gneg, parent.gneg_keys, parent.gweak
        if self.negations:
            direct = [n for index in parent.neg_indexes for n in index.matching(path, name)]
            if direct:
                if any(isinstance(k, int) and self.index_lines[k].family == "gitignore" for k in keys):
                    if not gneg:
                        gneg_keys = keys
                    gneg = gneg | frozenset(direct)
                    if any(self.negations[n][1].is_wildcard for n in direct):
                        gweak = True  # the legacy builder prunes the directory unless an exception names it
                else:
                    gweak = True
        frame = _Frame(
            path + "/",
            depth,
            keys,
            junk_at,
            kroot,
            user,
            mount,
            dirs,
            gneg,
            gneg_keys,
            gweak,
            parent.indexes,
            parent.neg_indexes,
        )
        self.stack.append(frame)
        if junk_at < 0 and self.starter is None:
            index, negs = self._read_gitignore(path)
            if index is not None:
                frame.indexes = (*frame.indexes, index)
            if negs is not None:
                frame.neg_indexes = (*frame.neg_indexes, negs)
        return frame

    def _kinded_root(self, path: str, name: str, label: str, marker: bool, own: list[Key]) -> Key | None:
        """The line proposed for the outermost directory that gives its subtree a kind."""
        if label not in CANDIDATE_KINDS:
            return None
        if name in _VCS_NAMES:
            key: Key = "p:" + path
            self._propose(key, literal(path), "vcs: the repository and its history", "vcs", 0, True)
        elif kinds.DIR_KINDS.get(name) == label:
            key = "n:" + name
            if "/" in path:
                self.deep_names.add(name)
            else:
                own.append("p:" + path)  # the root form, proposed when the name occurs nowhere deeper
            self._propose(
                key,
                "**/" + literal(name, False),
                f"{label}: {name}/ directories",
                label,
                0,
                True,
                _NOTES.get(label, ""),
            )
        elif any(match(name) for _, match, _ in _GLOBS):
            g = next(g for g, match, _ in _GLOBS if match(name))
            key = "g:" + g
            self._propose(key, "**/" + g, f"{label}: {g}/ directories", label, 0, True, _NOTES.get(label, ""))
        elif label == "venv" and marker:
            key = "p:" + path
            self._propose(key, literal(path), "venv: a virtualenv (pyvenv.cfg)", "venv", 0, True)
        else:
            return None
        if isinstance(key, str) and key.startswith("p:"):
            own.append(key)
        return key

    def _user_exception(self, path: str) -> int:
        """The reason of the first '!' line of the ignore file that matches ``path``, else -1."""
        if self._user_may is not None and not self._user_may(path):
            return -1
        return next((w for p, w in self.user_exceptions if p.matches(path)), -1)

    def add(self, e: Entry) -> None:
        if e.status is not Status.SENT:
            return
        if self.check is not None:
            self.check.add(e)
        t = e.type
        path = e.path
        if t is EntryType.DIR:
            self._parent(path)
            self._open(path, e)
            return
        if t is not EntryType.FILE and t is not EntryType.SYMLINK:
            return
        frame = self.stack[-1]
        prefix = frame.prefix
        if not path.startswith(prefix) or path.find("/", len(prefix)) != -1:
            frame = self._parent(path)
            prefix = frame.prefix
        name = path[len(prefix) :]
        depth = frame.depth + 1
        size = e.size
        facts = self._names.get(name)
        table_keys, junk_name = facts if facts is not None else self._name_facts(name)
        own: list[Key] | None = None
        if frame.indexes:
            found = [i for index in frame.indexes for i in index.matching(path, name)]
            if found:
                own = [*table_keys, *found]
        # the line proposed for this file: its kinded directory's, else its own kind's
        if frame.kroot is not None:
            c = self.candidates.get(frame.kroot)
            if c is not None:
                c.estimate += size
        elif self.starter is None:
            kind = e.label if e.label is not None else kinds.of(e)
            if kind in CANDIDATE_KINDS:
                fkey, fline, reason, dir_line = _file_line(path, name, kind)
                if fkey.startswith("p:"):
                    own = [*(own or table_keys), fkey]
                self._propose(fkey, fline, reason, kind, size, dir_line, _NOTES.get(kind, ""))
        if (
            frame.junk_at < 0
            and ("ockerfile" in name or "ontainerfile" in name)
            and _DOCKERFILE_NAME.fullmatch(name)
            and path != self.ctx.dockerfile_rel
        ):
            self.other_dockerfiles.append(path)
        if depth <= 2 and self.restricted and self.starter is None:
            own = [*(own or table_keys), "u:" + path]
        own_keys = table_keys if own is None else tuple(own)
        # A plain file (no line of its own, not junk by its name, no source, exception,
        # mount or .gitignore '!' line that could name it, not a build file) falls in
        # the group of its directory's plain files: counted there without the key.
        plain = (
            not own_keys and not junk_name and self._plain_walk and not self.negations and path not in self.build_files
        )
        if plain and frame.plain is not None:
            frame.plain.files += 1
            frame.plain.bytes += size
            return
        keys = frame.keys | frozenset(own_keys) if own_keys else frame.keys
        junk_at = frame.junk_at if frame.junk_at >= 0 else (depth - 1 if junk_name else -1)
        # what the build does with it
        named: tuple[int, ...] = ()
        if self.literal:
            for sid in self.literal.get(path, ()):
                named = (*named, sid)
                self.sources[sid].files.append(path)
        for src in self.wildcards:
            if not any(s == src.sid for s, _ in frame.dirs) and _wild_self(src.selector, path):
                named = (*named, src.sid)
                if len(src.files) < 200:
                    src.files.append(path)
        dirs = frame.dirs
        used = bool(named or dirs or frame.mount >= 0)
        user = frame.user
        if user < 0 and self.user_exceptions:
            user = self._user_exception(path)
        mount = frame.mount
        if mount < 0 and self.mounts:
            mount = self.mounts.get(path, -1)
        state, why = (_FREE_JUNK, -1) if junk_at >= 0 else (_FREE, -1)
        if user >= 0:
            state, why = _HELD, user
        elif mount >= 0:
            state, why, used = _HELD, mount, True
        elif path in self.build_files:
            state, why = _HELD, self.build_files[path]
            self.build_sizes[path] = size
        elif junk_at < 0 and self._whole >= 0:
            state, why, used = _REVIEW, self._whole, True
        elif dirs:
            for sid, rdepth in dirs:
                if junk_at < rdepth:
                    state, why = _REVIEW, self.sources[sid].takes
                    break
        gneg: frozenset[int] = _EMPTY
        gweak = False
        if self.negations:
            gneg, gweak = self._negated(frame, path, name, keys)
        gkey = (keys, state, why, named, gneg, gweak, used)
        g = self.groups.get(gkey)
        if g is None:
            g = self.groups[gkey] = _Group(example=path)
        g.files += 1
        g.bytes += size
        if plain:
            frame.plain = g

    def _negated(self, frame: _Frame, path: str, name: str, keys: frozenset[Key]) -> tuple[frozenset[int], bool]:
        """The .gitignore '!' lines that re-include this file, and whether the
        builders would disagree on it."""
        gi_lines = {k for k in keys if isinstance(k, int) and self.index_lines[k].family == "gitignore"}
        if not gi_lines:
            return _EMPTY, False
        direct = [n for index in frame.neg_indexes for n in index.matching(path, name)]
        if direct:
            parent_gi = any(isinstance(k, int) and self.index_lines[k].family == "gitignore" for k in frame.keys)
            # the legacy builder skips an excluded directory unless an exception starts with it
            weak = parent_gi and any(self.negations[n][1].is_wildcard for n in direct)
            return frozenset(direct), weak or frame.gweak
        if frame.gneg:
            if gi_lines <= frame.gneg_keys:
                return frame.gneg, frame.gweak
            return _EMPTY, True
        return _EMPTY, frame.gweak

    def finish(self) -> Planner:
        if self.check is not None:
            self.check.finish()
        self.files = sum(g.files for g in self.groups.values())
        self.bytes = sum(g.bytes for g in self.groups.values())
        return self

    # -- pricing -----------------------------------------------------------------------

    def plan(self) -> Plan:
        """Price every candidate from the groups and choose the lines (after :meth:`finish`)."""
        cands = self._candidates()
        for c in cands:
            c.files = c.bytes = 0
        by_key: dict[Key, list[Candidate]] = {}
        for c in cands:
            for k in c.keys:
                by_key.setdefault(k, []).append(c)
        hits: dict[int, list[tuple[_Group, GroupKey]]] = {id(c): [] for c in cands}
        for gkey, g in self.groups.items():
            seen: set[int] = set()
            for k in gkey[0]:
                for c in by_key.get(k, ()):
                    if id(c) not in seen:
                        seen.add(id(c))
                        hits[id(c)].append((g, gkey))
                        if not _kept_by_gitignore(c, gkey):
                            c.files += g.files
                            c.bytes += g.bytes
        self._judge(cands, hits)
        chosen = [c for c in cands if c.status == WRITE]
        chosen.sort(key=_rank)
        exceptions, negs = self._exceptions(chosen, hits)
        while True:
            excluded = self._price(chosen, hits, exceptions, negs)
            least = 0 if self.starter is not None else self.min_bytes  # a starter line may remove empty files
            drop = [c for c in chosen if c.marginal_files == 0 or c.marginal_bytes < least]
            status = "dropped"
            if not drop:
                drop, status = self._redundant(chosen, hits, exceptions, negs), "redundant"
            if not drop:
                break
            for c in drop:
                # no effect of its own ("unused", "redundant"): a starter may keep it as a guard
                c.status = "unused" if status == "dropped" and c.marginal_files == 0 else status
            chosen = [c for c in chosen if c.status == WRITE]
            exceptions, negs = self._exceptions(chosen, hits)
        files_after = self.files - excluded[0]
        after = self.bytes - excluded[1]
        held_back = [c for c in cands if c.status in (REVIEW, HELD) and c.files and self._shown(c)]
        held_back.sort(key=lambda c: (c.status != REVIEW, -c.bytes, c.line))
        held_back = _not_covered(held_back, hits)
        plan = Plan(
            sorted(chosen, key=lambda c: (-c.marginal_bytes, c.line)),
            self.bytes,
            after,
            self.files,
            files_after,
            self.ctx.ignore,
            held_back,
        )
        plan.block, plan.expect = self._block(chosen, exceptions, negs)
        plan.untranslated = self.untranslated
        if self.starter is not None:
            # unmistakable junk that matches nothing yet, or only what other lines remove
            # (one that matches a source the Dockerfile names would need its '!' line: not a guard)
            plan.guards = [
                c
                for c in cands
                if c.guard
                and (
                    c.files == 0
                    or (c.status in ("redundant", "unused") and not any(gkey[3] for _, gkey in hits[id(c)]))
                )
            ]
        return plan

    def _shown(self, c: Candidate) -> bool:
        """Held-back lines worth showing: proposed for their own files, and large enough."""
        return c.bytes >= self.min_bytes and (c.family != "unused")

    def _candidates(self) -> list[Candidate]:
        """Every line that may be proposed, one per text."""
        out: dict[str, Candidate] = {}
        if self.starter is None:
            for c in self.candidates.values():
                if isinstance(c.key, str) and c.key.startswith("n:") and c.dir_line:
                    name = c.key[2:]
                    if name not in self.deep_names:  # only at the root: the anchored line
                        c.line, c.keys = literal(name), {"p:" + name}
                out.setdefault(c.line, c)
            self._secret_suffixes(out)
            self._unused(out)
        for ident, c in self.index_lines.items():
            have = out.get(c.line)
            if have is None:
                out[c.line] = c
            else:
                # the same line for another reason: one line, both reasons
                have.keys.add(ident)
                have.priority = min(have.priority, c.priority)
                have.note = f"{have.note}; {c.reason}" if have.note else c.reason
                if c.family == "gitignore" and have.family == "junk":
                    # the project's .gitignore says it too: its '!' lines apply to the line
                    have.family, have.gitignore, have.order = "gitignore", c.gitignore, c.order
        cands = list(out.values())
        for c in cands:
            c.status, c.why, c.exceptions = WRITE, "", []
        return cands

    def _secret_suffixes(self, out: dict[str, Candidate]) -> None:
        """Secret files of several names that share the suffix their names are
        suspected for (``server.key``, ``ca1.key``...): one line for the
        suffix (``**/*.key``) instead of one per name. The suffix line is
        priced from its own key like any other line (every file and directory
        whose name ends with the suffix, secret or not)."""
        by_suffix: dict[str, list[Candidate]] = {}
        for c in out.values():
            if c.family == "junk" and c.kind == "secret" and isinstance(c.key, str) and c.key.startswith("n:"):
                name = c.key[2:]
                found = suffixes.longest(name, _SECRET_SUFFIXES)
                if found is not None:
                    by_suffix.setdefault(name[found[0] :], []).append(c)
        for suffix, members in by_suffix.items():
            line = "**/*" + literal(suffix, False)
            if len(members) < 2 or line in out:
                continue
            for m in members:
                del out[m.line]
            c = Candidate(
                "s:" + suffix,
                line,
                f"secret: *{suffix} files ({_SECRET_SUFFIXES[suffix.lower()]})",
                "junk",
                1,
                "secret",
                _NOTES["secret"],
                order=min(m.order for m in members),
                estimate=sum(m.estimate for m in members),
            )
            c.keys.add(c.key)
            out[line] = c

    def _unused(self, out: dict[str, Candidate]) -> None:
        """Top-level and second-level paths no COPY/ADD or bind mount uses."""
        if not self.restricted or self.other_dockerfiles:
            return
        tally: dict[str, list[int]] = {}  # "u:path" -> [unused bytes, used files]
        for gkey, g in self.groups.items():
            for k in gkey[0]:
                if isinstance(k, str) and k.startswith("u:"):
                    t = tally.setdefault(k, [0, 0])
                    if gkey[6] or gkey[1] == _HELD:
                        t[1] += 1
                    else:
                        t[0] += g.bytes
        chosen_tops: set[str] = set()
        for k, (unused, used) in sorted(tally.items(), key=lambda kv: (-kv[1][0], kv[0])):
            path = k[2:]
            if used or unused < max(self.min_bytes, self.unused_min, 1):
                continue
            parent = path.rpartition("/")[0]
            if parent and parent in chosen_tops:
                continue
            chosen_tops.add(path)
            c = Candidate(
                k,
                literal(path),
                "not used by any COPY/ADD or bind mount of the Dockerfile",
                "unused",
                3,
                order=self._next(),
                dir_line=True,
            )
            c.keys.add(k)
            c.estimate = unused
            out.setdefault(c.line, c)

    def _judge(self, cands: list[Candidate], hits: dict[int, list[tuple[_Group, GroupKey]]]) -> None:
        """Status of each line from the files it would exclude."""
        others = ", ".join(self.other_dockerfiles[:3])
        other_why = f"another Dockerfile in the context may read it ({others})" if others else ""
        for c in cands:
            held: tuple[int, str] | None = None
            review: list[tuple[int, str]] = []
            for g, gkey in hits[id(c)]:
                if c.family == "gitignore" and gkey[5] and held is None:
                    held = (g.bytes, f"the legacy builder and BuildKit would not agree on a '!' line: {g.example}")
                if _kept_by_gitignore(c, gkey):
                    continue  # git does not ignore it, nor does the block (its '!' lines follow the lines)
                state, why = gkey[1], gkey[2]
                if state == _HELD:
                    if held is None or g.bytes > held[0]:
                        held = (g.bytes, f"{self.whys[why]}: {g.example}")
                elif state == _REVIEW or (state == _FREE and self.other_dockerfiles):
                    text = self.whys[why] if state == _REVIEW else other_why
                    review.append((g.bytes, f"{text}: {g.example}"))
                for sid in gkey[3]:
                    src = self.sources[sid]
                    if src.wildcard and src.is_dir:
                        review.append((g.bytes, f"{src.why} takes it: {g.example}"))
            for src in self.sources:
                if src.root_keys and not c.keys.isdisjoint(src.root_keys):
                    held = (1 << 62, f"{src.why} takes the directory {src.root}/, which it would exclude")
                    break
            if held is not None:
                c.status, c.why = HELD, held[1]
            elif review:
                review.sort(key=lambda r: -r[0])
                c.why = review[0][1]
                c.status = WRITE if self.include_review else REVIEW
            if c.family == "unused" and c.status != WRITE:
                c.status = "dropped"

    def _exceptions(
        self, chosen: list[Candidate], hits: dict[int, list[tuple[_Group, GroupKey]]]
    ) -> tuple[set[int], set[int]]:
        """The named sources to keep with a '!' line, and the .gitignore '!' lines written."""
        while True:
            sids: set[int] = set()
            negs: set[int] = set()
            for c in chosen:
                for _, gkey in hits[id(c)]:
                    sids.update(gkey[3])
                    if c.family == "gitignore":
                        negs.update(gkey[4])
            bad: dict[int, str] = {}
            for sid in sids:
                unsafe = self._unsafe_exception(sid, chosen)
                if unsafe:
                    bad[sid] = unsafe
            bad_negs = {n: w for n in negs if (w := self._unsafe_negation(n))}
            if not bad and not bad_negs:
                return sids, negs
            for c in chosen:
                for _, gkey in hits[id(c)]:
                    why: str | None = next((bad[s] for s in gkey[3] if s in bad), None)
                    if why is None and c.family == "gitignore":
                        why = next((bad_negs[n] for n in gkey[4] if n in bad_negs), None)
                    if why is not None:
                        c.status, c.why = HELD, why
                        break
            chosen[:] = [c for c in chosen if c.status == WRITE]

    def _unsafe_exception(self, sid: int, chosen: list[Candidate]) -> str:
        """Why '!source' cannot be written safely ('' when it can)."""
        src = self.sources[sid]
        sel = src.selector
        if not src.wildcard:
            return ""
        if src.is_dir:
            return f"{src.why} takes whole directories: a '!' line for it would keep what other lines exclude"
        if "**" in sel.path:
            return f"{src.why}: its '**' means another thing in an ignore file"
        # The legacy builder skips an excluded directory unless an exception starts with it:
        # the directories between the wildcard's base and each file it takes must stay.
        for path in src.files:
            parts = path.split("/")
            base_depth = len(sel.base.split("/")) if sel.base else 0
            for i in range(base_depth + 1, len(parts)):
                ancestor = "/".join(parts[:i])
                if any(_excludes(c, ancestor) for c in chosen):
                    return f"{src.why}: the legacy builder would skip {ancestor}/ despite '!{sel.path}'"
        # A '!' line written after the user's lines re-includes whatever they exclude among its matches.
        user = Matcher(self.ctx.ignore.lines)
        for path in _wild_paths(str(self.ctx.root), sel):
            try:
                if user.or_parent_matches(path).matched or list(user.along(path))[-1][1].matched:
                    return f"'!{sel.path}' would re-include {path}, which {self.ctx.ignore.label} excludes"
            except PatternError:
                return f"'!{sel.path}': the ignore file cannot be evaluated"
        return ""

    def _unsafe_negation(self, n: int) -> str:
        line, p, origin = self.negations[n]
        excl = [q for q in self.ctx.ignore.lines if not q.exclusion]
        if not excl:
            return ""
        if p.is_wildcard:
            return f"{origin}: '{line}' could re-include what {self.ctx.ignore.label} excludes"
        try:
            if Matcher(self.ctx.ignore.lines).or_parent_matches(p.text).matched:
                return f"{origin}: '{line}' would re-include {p.text}, which {self.ctx.ignore.label} excludes"
        except PatternError:
            return f"{origin}: the ignore file cannot be evaluated"
        return ""

    def _effective(self, c: Candidate, gkey: GroupKey, exceptions: set[int], negs: set[int]) -> bool:
        """Does the written block exclude this group's files through line ``c``?"""
        if any(s in exceptions for s in gkey[3]):
            return False  # kept by the '!' line of a source named by the Dockerfile
        # re-included by a .gitignore '!' line?
        return not (c.family == "gitignore" and gkey[4] and gkey[4] <= negs)

    def _price(
        self,
        chosen: list[Candidate],
        hits: dict[int, list[tuple[_Group, GroupKey]]],
        exceptions: set[int],
        negs: set[int],
    ) -> tuple[int, int]:
        """Marginal savings in rank order; the totals the block excludes."""
        for c in chosen:
            c.marginal_files = c.marginal_bytes = 0
        owner: dict[int, tuple[Candidate, _Group]] = {}
        for c in chosen:
            for g, gkey in hits[id(c)]:
                if id(g) not in owner and self._effective(c, gkey, exceptions, negs):
                    owner[id(g)] = (c, g)
        files = size = 0
        for c, g in owner.values():
            c.marginal_files += g.files
            c.marginal_bytes += g.bytes
            files += g.files
            size += g.bytes
        for c in chosen:
            c.exceptions = []
        return files, size

    def _redundant(
        self,
        chosen: list[Candidate],
        hits: dict[int, list[tuple[_Group, GroupKey]]],
        exceptions: set[int],
        negs: set[int],
    ) -> list[Candidate]:
        """The lowest-ranked line whose whole effect other chosen lines have too."""
        count: dict[int, int] = {}
        for c in chosen:
            for g, gkey in hits[id(c)]:
                if self._effective(c, gkey, exceptions, negs):
                    count[id(g)] = count.get(id(g), 0) + 1
        for c in reversed(chosen):
            if all(count.get(id(g), 0) > 1 for g, gkey in hits[id(c)] if self._effective(c, gkey, exceptions, negs)):
                return [c]
        return []

    def _block(self, chosen: list[Candidate], exceptions: set[int], negs: set[int]) -> tuple[list[str], dict[str, str]]:
        """The lines to write, in order, and a path each literal exception must match."""
        gi = [c for c in chosen if c.family == "gitignore"]
        rest = [c for c in chosen if c.family != "gitignore"]
        gi.sort(key=lambda c: c.order)
        rest.sort(key=_rank)
        block = [c.line for c in gi]
        block += [self.negations[n][0] for n in sorted(negs)]
        block += [c.line for c in rest]
        expect: dict[str, str] = {}
        kept: list[str] = []
        for sid in sorted(exceptions):
            src = self.sources[sid]
            if src.wildcard:
                line = "!" + src.selector.path
                if src.files:
                    expect[line] = src.files[0]
            else:
                line = "!" + literal(src.selector.path)
                expect[line] = src.selector.path
            if line not in kept:
                kept.append(line)
        block += kept
        # each line shows the exceptions it needs
        for c in chosen:
            c.exceptions = [ln for ln in kept if _line_needs(c, ln, self)] if kept else []
            if c.exceptions:
                kept_paths = ", ".join(x[1:] for x in c.exceptions)
                c.note = (c.note + "; " if c.note else "") + f"keeps {kept_paths} for the Dockerfile"
        return block, expect


def _not_covered(held: list[Candidate], hits: dict[int, list[tuple[_Group, GroupKey]]]) -> list[Candidate]:
    """``held`` (largest first) without the lines whose every file a line listed
    before them, held back for the same status, removes too: the same rule that
    drops a redundant written line (``packages/app/**/node_modules`` once
    ``**/node_modules`` is listed) applied to the held-back list."""
    kept: list[tuple[Candidate, set[int]]] = []
    # (status, group) -> the kept lines of that status holding the group: a line
    # is covered by one of those holding its rarest group, or with no group by
    # any of its status (comparing with every kept line was quadratic: 800
    # nested .gitignore files held back ~1,600 lines).
    holding: dict[tuple[str, int], list[int]] = {}
    statuses: set[str] = set()
    for c in held:
        groups = {id(g) for g, gkey in hits[id(c)] if not _kept_by_gitignore(c, gkey)}
        if groups:
            rarest = min((holding.get((c.status, g), []) for g in groups), key=len)
            covered = any(groups <= kept[i][1] for i in rarest)
        else:
            covered = c.status in statuses
        if not covered:
            for g in groups:
                holding.setdefault((c.status, g), []).append(len(kept))
            statuses.add(c.status)
            kept.append((c, groups))
    return [c for c, _ in kept]


def _kept_by_gitignore(c: Candidate, gkey: GroupKey) -> bool:
    """Does a '!' line of the .gitignore files re-include this group's files
    against ``c``, a translated .gitignore line? Git does not ignore them (the
    '!' lines of the same file and of the ones above apply), and the block
    writes those '!' lines after the .gitignore lines, so ``c`` removes none
    of them: they count neither in its size nor in its status."""
    return c.family == "gitignore" and bool(gkey[4])


def _line_needs(c: Candidate, exception: str, planner: Planner) -> bool:
    for src in planner.sources:
        text = "!" + (src.selector.path if src.wildcard else literal(src.selector.path))
        if text != exception:
            continue
        paths = src.files if src.wildcard else [src.selector.path]
        return any(_excludes(c, p) for p in paths)
    return False


def _rank(c: Candidate) -> tuple[int, int, int, int]:
    return (c.priority, 0 if c.dir_line else 1, -c.estimate, c.order)


def _excludes(c: Candidate, path: str) -> bool:
    """Does ``c``'s line exclude ``path`` (matching it or a directory above it)?"""
    try:
        p = DockerIgnorePattern(c.line)
        if p.matches(path):
            return True
        parts = path.split("/")
        return any(p.matches("/".join(parts[:i])) for i in range(1, len(parts)))
    except (PatternError, UnsupportedPattern, ValueError):
        return True


def _wild_self(sel: Selector, path: str) -> bool:
    """Is ``path`` itself a root the wildcard source takes (its ancestors not)?"""
    assert sel.rest is not None
    if sel.base:
        if not path.startswith(sel.base + "/"):
            return False
        rel = path[len(sel.base) + 1 :]
    else:
        rel = path
    if rel.count("/") != sel.rest.count("/"):
        return False
    try:
        return gomatch.match(sel.rest, rel)
    except gomatch.BadPattern:
        return False


def _wild_paths(root: str, sel: Selector) -> Iterable[str]:
    """Every path a wildcard source matches on disk, excluded ones included
    (a listing of its base, as deep as the wildcard)."""
    assert sel.rest is not None
    depth = sel.rest.count("/") + 1
    base = sel.base
    todo = [(base, 0)]
    while todo:
        rel, d = todo.pop()
        try:
            names = os.listdir(os.path.join(root, rel) if rel else root)
        except OSError:
            continue
        for name in names:
            path = f"{rel}/{name}" if rel else name
            if d + 1 == depth:
                if _wild_self(sel, path):
                    yield path
            elif os.path.isdir(os.path.join(root, path)) and not os.path.islink(os.path.join(root, path)):
                todo.append((path, d + 1))


def _file_line(path: str, name: str, kind: str) -> tuple[str, str, str, bool]:
    """(key, line, reason, names directories) proposed for a junk file outside kinded directories."""
    if kind == "secret":
        why = secrets.name_reason(name)
        if why is not None:
            return "n:" + name, "**/" + literal(name, False), f"secret: {why}", False
        # judged by what it holds: only this file
        return "p:" + path, literal(path), "secret: its content is a credential", False
    if kinds.FILE_NAMES.get(name) == kind:
        return "n:" + name, "**/" + literal(name, False), f"{kind}: {name}", False
    if name.endswith("~") and len(name) > 1 and kind == "litter":
        return "s:~", "**/*~", "litter: editor backups", False
    lower = name.lower()
    dot = lower.find(".", 1)
    while dot > 0:
        if kinds.FILE_SUFFIXES.get(lower[dot:]) == kind:
            return "s:" + name[dot:], "**/*" + literal(name[dot:], False), f"{kind}: *{name[dot:]} files", False
        dot = lower.find(".", dot + 1)
    return "p:" + path, literal(path), f"{kind}: {name}", False


def _inside(ctx: Context) -> str | None:
    """The active ignore file's path inside the context, if it is there."""
    if ctx.ignore.path is None:
        return None
    try:
        rel = os.path.relpath(os.path.realpath(ctx.ignore.path), ctx.root)
    except ValueError:
        return None
    return None if rel.startswith("..") else rel


def plan(
    ctx: Context,
    df: Dockerfile | None,
    *,
    min_bytes: int = 1,
    unused_min: int = 1024 * 1024,
    include_review: bool = False,
    check_build: bool = False,
    source: str = "",
) -> tuple[Plan, Planner]:
    """Suggestions for ``ctx`` from a walk of their own (see Planner); ``source``:
    the named context ``ctx`` is (its sources are the ones to keep)."""
    planner = Planner(
        ctx, df, min_bytes, unused_min, include_review=include_review, check_build=check_build, source=source
    )
    for e in kinds.walk(ctx):
        planner.add(e)
    return planner.finish().plan(), planner


def common(plans: list[Plan]) -> Plan:
    """The lines every plan proposes (several builds read one ignore file), in
    the first plan's order with its '!' lines, then the '!' lines the others
    need; the first plan's figures. Check it with ``verify(..., exact=False)``
    against each build before writing it."""
    first = plans[0]
    if len(plans) == 1:
        return first
    keep = set.intersection(*({c.line for c in p.candidates} for p in plans))
    block = [ln for ln in first.block if ln.startswith("!") or ln in keep]
    for p in plans[1:]:
        block += [ln for ln in p.block if ln.startswith("!") and ln not in block]
    expect = {k: v for p in plans for k, v in p.expect.items() if k in block}
    kept = [c for c in first.candidates if c.line in keep]
    return dataclasses.replace(first, candidates=kept, block=block, expect=expect)


@dataclass
class FilePlan:
    """The lines for one ignore file of a project (:func:`by_file`)."""

    target: Path  # the file the builds read (target_file)
    plan: Plan  # the lines safe for every build that reads it (common)
    builds: list[tuple[str, Context, Plan]]  # (title, context, its own plan) of each build that reads it


def by_file(plans: Sequence[tuple[str, Context, Plan, Planner]], check: bool = True) -> list[FilePlan]:
    """A project's plans (title, context, plan, planner) grouped by the ignore
    file each build reads, in first-seen order, each file's lines the ones safe
    for all its builds (:func:`common`).

    With ``check``, every file's lines are verified against each build that
    reads the file (exactly as predicted when one build does) before this
    returns, so a PlanError or ContextChanged (see :func:`replanned`) comes
    before any file is written.
    """
    groups: dict[Path, list[tuple[str, Context, Plan, Planner]]] = {}
    for entry in plans:
        groups.setdefault(target_file(entry[1]), []).append(entry)
    out = []
    for target, group in groups.items():
        combined = common([p for _, _, p, _ in group])
        if check:
            for _, _, _, planner in group:  # every build that reads the file walks with the lines
                verify(combined, planner, exact=len(group) == 1)
        out.append(FilePlan(target, combined, [(title, c, p) for title, c, p, _ in group]))
    return out


def write_all(files: Sequence[tuple[Path, Plan, str, Sequence[Path]]], today: str, force: bool = False) -> list[bool]:
    """Append each plan's block to its file (target, plan, label, the
    directories a symlinked file may lead into), all or nothing
    (``ignorewrite.update_all``); per file, False when it already held every
    line. Raises WriteError or PlanError, every file then as it was (or the
    message names the file that could not be put back)."""
    from . import ignorewrite

    changes = [(target, Append(p, today, label), within) for target, p, label, within in files]
    done = ignorewrite.update_all([(t, a, a.verify, within) for t, a, within in changes], force=force)
    return [new is not None for _, _, new in done]


# -- checking and writing -------------------------------------------------------------


def with_lines(ignore: IgnoreFile, lines: Iterable[str]) -> IgnoreFile:
    extra = [DockerIgnorePattern(line, line=0) for line in lines]
    return dataclasses.replace(ignore, patterns=[*ignore.patterns, *extra])


def _errors(usage: DockerfileUsage) -> set[tuple[str, int, str]]:
    """The build-breaking problems of a finished usage."""
    return {
        (usage.builder.value, p.line, p.source.raw)
        for p in usage.problems
        if p.kind in ("ignored", "missing", "invalid", "mount", "from-missing")
    }


def _checks(df: Dockerfile, ctx: Context, source: str) -> DockerfileUsage:
    """The usage that tells whether the Dockerfile's sources resolve in ``ctx``'s walk."""
    return DockerfileUsage(
        df, ctx.builder, str(ctx.root), checks_only=True, source=source, ignore_lines=ctx.ignore.lines
    )


def _walk_check(
    ctx: Context, df: Dockerfile | None, sizes: bool, source: str = "", skip: Collection[str] = ()
) -> tuple[set[tuple[str, int, str]], int, int]:
    """One walk of ``ctx``: the Dockerfile's build-breaking problems, files and
    bytes sent (but the paths in ``skip``)."""
    usage = _checks(df, ctx, source) if df is not None else None
    files = size = 0
    for e in walk(ctx, sizes=sizes):
        if usage is not None:
            usage.add(e)
        if e.status is Status.SENT and e.is_file and e.path not in skip:
            files += 1
            size += e.size
    return (_errors(usage.finish()) if usage is not None else set()), files, size


def verify(p: Plan, planner: Planner, exact: bool = True) -> None:
    """Walk the context again with the block appended, under the audited
    builder and Docker's two (the ignore file is usually shared).

    The audited builder must send exactly the files and bytes the groups
    predicted (``exact``; not for a block several builds share, see
    :func:`common`), and no builder may fail a COPY/ADD that works today.
    Raises PlanError (nothing is to be written) otherwise. One walk per
    builder; another builder's walk before the change runs only when the
    one after it finds a problem.
    """
    ctx, df, source = planner.ctx, planner.df, planner.source
    if not p.block:
        return
    try:
        trial = dataclasses.replace(ctx, ignore=with_lines(ctx.ignore, p.block))
    except (PatternError, UnsupportedPattern) as exc:
        raise PlanError(f"a proposed line is not valid: {exc}") from None
    # The build files are never excluded, and may grow meanwhile (another program appending a line).
    built = planner.build_sizes
    errors, files, size = _walk_check(trial, df, True, source, skip=built)
    baseline = _errors(planner.check) if planner.check is not None else set()
    if errors - baseline:
        raise PlanError(f"the proposal would break the build: {sorted(errors - baseline)}")
    want = (p.files_after - len(built), p.after - sum(built.values()))
    if exact and (files, size) != want:
        raise ContextChanged(
            f"in {ctx.root}, with the proposed lines the builder would receive {files} files, {size} bytes, not the "
            f"{want[0]} files, {want[1]} bytes predicted (did the context change meanwhile?); nothing written"
        )
    if df is None:
        return
    for other in (b for b in (Builder.BUILDKIT, Builder.LEGACY) if b is not ctx.builder):
        errors, _, _ = _walk_check(dataclasses.replace(trial, builder=other), df, False, source)
        if errors:
            before, _, _ = _walk_check(dataclasses.replace(ctx, builder=other), df, False, source)
            if errors - before:
                raise PlanError(f"the proposal would break the {other.value} build: {sorted(errors - before)}")


def render_block(p: Plan, today: str, what: str = "suggest") -> str:
    """The text ``--write`` appends: a comment, then the lines."""
    lines = [f"# Added by ctxaudit {what} on {today}: Docker rules (anchored at the context root)."]
    lines += p.block
    return "\n".join(lines) + "\n"


def read_back(old: bytes, new: bytes, block: Sequence[str], expect: dict[str, str], display: str) -> None:
    """Read ``new`` as Docker reads an ignore file and check it says what was meant.

    Every line of ``old`` still reads the same, and the appended lines are
    exactly ``block``, each literal line matching the path it was written
    for. Raises PlanError otherwise (the caller then writes nothing).
    """
    try:
        before = [str(p) for p in parse(old, display) if p.include is not None]
        after = [p for p in parse(new, display) if p.include is not None]
    except (PatternError, UnsupportedPattern, ValueError) as exc:
        raise PlanError(f"{display} would not read back: {exc}") from None
    if [str(p) for p in after[: len(before)]] != before:
        raise PlanError(f"{display}: the existing lines would read differently")
    added = after[len(before) :]
    want = [str(DockerIgnorePattern(line)) for line in block]
    if [str(p) for p in added] != want:
        raise PlanError(f"{display}: the lines written would read back as {[str(p) for p in added]}, not {want}")
    for p, line in zip(added, block, strict=True):
        if p.deferred_error is not None:
            raise PlanError(f"{display}: '{line}' would fail the build: {p.deferred_error}")
        path = expect.get(line)
        if path is not None and not p.matches(path):
            raise PlanError(f"{display}: '{line}' would not match {path!r}")


def target_file(ctx: Context) -> Path:
    """The file the builder reads: the per-Dockerfile one when BuildKit selected it."""
    return ctx.ignore.path if ctx.ignore.path is not None else ctx.root / ".dockerignore"


def written(p: Plan, target: Path, today: str) -> tuple[bytes, bytes]:
    """(current bytes, bytes with the block appended) of the ignore file."""
    old = target.read_bytes() if target.exists() else b""
    new = Append(p, today, target.name)(old)
    return old, old if new is None else new


class Append:
    """The change ``suggest --write`` makes (an ``ignorewrite.Change``): the
    plan's block appended to the file's current bytes, or nothing when the
    file already holds every line of it (another run wrote them meanwhile).
    :meth:`verify` (``ignorewrite``'s read-back hook) reads the bytes about to
    replace the file as Docker reads them: the old lines unchanged, exactly
    the block after them, each literal line matching its path."""

    def __init__(self, p: Plan, today: str, display: str) -> None:
        self.plan = p
        self.today = today
        self.display = display
        self.old = b""
        self.added: list[str] = []

    def __call__(self, old: bytes | None) -> bytes | None:
        from . import ignorewrite

        data = old or b""
        problem = encoding_problem(data)
        if problem is not None:
            raise ignorewrite.WriteError(
                f"{self.plan.ignore.label} {problem}, which Docker cannot read as lines; not written "
                "(save it as UTF-8 with LF line endings first: ctxaudit lint explains)"
            )
        present = {str(pat) for pat in parse(data, self.display, []) if pat.include is not None}
        if all(str(DockerIgnorePattern(line)) in present for line in self.plan.block):
            self.added = []
            return None
        self.old = data
        self.added = list(self.plan.block)
        return ignorewrite.appended(data, render_block(self.plan, self.today))

    def verify(self, new: bytes) -> None:
        read_back(self.old, new, self.plan.block, self.plan.expect, self.display)
