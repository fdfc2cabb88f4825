"""CA2xx: lint of the ignore file, line by line, with what it does in this context.

Two kinds of checks: static ones read the lines (comments that are
patterns, ``[!x]``, slashes); walk-fed ones (:class:`LintCollector`) watch
the entries of a walk to see which lines leak, match nothing or never
decide anything. Dead and shadowed lines need every path, so they run with a
full walk (``ctxaudit lint``, ``scan --full``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..common.display import count
from ..common.display import size as human
from ..common.errors import InputError
from ..engine import containers
from ..engine.builder import Builder
from ..engine.context import Context, with_builder
from ..engine.ignorefile import ROOT_IGNORE, IgnoreFileError
from ..engine.matcher import Matcher
from ..engine.pattern import DockerIgnorePattern, MatchType, PatternError, UnsupportedPattern
from ..engine.podman import ignore_file as remote_ignore_file
from ..engine.walk import Entry, EntryType, Status
from . import rule
from .findings import Finding, Severity
from .linescan import MatchedLines, literal_bounds

INVALID = rule(
    "CA200",
    "invalid-pattern",
    Severity.ERROR,
    "Docker rejects this pattern: the build fails.",
    "An unterminated '[', a trailing '\\', an escape Go's regexp does not know (like '\\g' in a Windows "
    "path) or a lone '!' make `docker build` fail before it starts. Use '/' as separator and escape "
    "only glob characters.",
)
ROOT_ONLY = rule(
    "CA201",
    "root-only-pattern",
    Severity.WARNING,
    "A pattern without '/' matches only at the context root; same-named paths deeper stay eligible.",
    "Docker anchors every line at the context root: '*.csv' does not match 'data/x.csv' and "
    "'node_modules' does not match 'web/node_modules'. Write '**/*.csv' to match at any depth.",
)
TRAILING_SLASH = rule(
    "CA202",
    "trailing-slash",
    Severity.INFO,
    "A trailing '/' does not mean 'directories only' in a .dockerignore.",
    "Docker cleans the pattern first: 'logs/' is 'logs' and also matches a file named 'logs'. Unlike "
    "gitignore, there is no directory-only form.",
)
COMMENT_PATTERN = rule(
    "CA203",
    "comment-is-a-pattern",
    Severity.WARNING,
    "This looks like a comment but is a pattern.",
    "Only a '#' in the first column starts a comment. '  # note' is the pattern '# note', and "
    "'*.log # logs' is the pattern '*.log # logs', which matches nothing you meant.",
)
LEADING_SLASH = rule(
    "CA204",
    "leading-slash",
    Severity.INFO,
    "A leading '/' changes nothing: every line is anchored at the context root.",
    "Docker strips it. Drop it, or write '**/' in front to match at any depth.",
)
DEAD_LINE = rule(
    "CA205",
    "dead-line",
    Severity.INFO,
    "The line matches nothing in this context.",
    "It may guard against files that appear later, or hold a typo. Checked against every path of the "
    "context (ctxaudit lint, scan --full).",
)
SHADOWED = rule(
    "CA206",
    "shadowed-line",
    Severity.INFO,
    "The line matches paths but never decides one: later lines override it everywhere.",
    "The last matching line wins. Remove the line or move it after the lines that override it.",
)
BUILDER_DEPENDENT = rule(
    "CA207",
    "builder-dependent-exception",
    Severity.WARNING,
    "This exception re-includes files with BuildKit but not with the legacy builder.",
    "When any '!' line holds a wildcard, BuildKit (2023+) enters excluded directories; the legacy "
    "builder (DOCKER_BUILDKIT=0) skips a directory unless an exception starts with its path. Write "
    "the exception with the directory spelled out ('!build/keep.txt') to get the same result everywhere.",
)
BANG_CLASS = rule(
    "CA208",
    "bang-class",
    Severity.WARNING,
    "'[!x]' is not a negation in a .dockerignore; '[^x]' is.",
    "Docker hands character classes to Go's regexp, where '[!x]' is the class of '!' and 'x'.",
)
BUILD_FILE_EXCLUDED = rule(
    "CA209",
    "build-file-excluded",
    Severity.INFO,
    "The Dockerfile or .dockerignore is excluded: never copyable, still sent by the legacy builder.",
    "BuildKit reads both outside the context; the legacy CLI sends them anyway and the daemon removes "
    "them before COPY. Excluding them is harmless unless a COPY needs them.",
)
SHADOWED_ROOT = rule(
    "CA210",
    "per-dockerfile-ignore-hides-root",
    Severity.WARNING,
    "A per-Dockerfile ignore file replaces the root .dockerignore, which is ignored for this build.",
    "BuildKit reads '<Dockerfile>.dockerignore' instead of '.dockerignore', not in addition: copy the "
    "lines you still need. The legacy builder reads only the root file.",
)
BUILDAH_DEPENDENT = rule(
    "CA211",
    "buildah-dependent-line",
    Severity.WARNING,
    "This line selects different files under buildah/podman than under Docker's builders (lint).",
    "buildah reads the ignore file with its own code: '! foo' (a space after '!') and '  /foo' never match, a BOM "
    "makes '#x' a pattern, '(', '|', '+' and '{' are regexp syntax, '**foo' needs a '/' before 'foo', and a "
    "directory is skipped unless an exception's text starts with its path as a string ('b' is entered for "
    "'!b*/x'). Write the line so that all three read it the same way: '!foo', 'foo', '**/foo', '\\(', a literal "
    "exception such as '!build/keep.txt'.",
)
IGNORE_FILE_DIFFERS = rule(
    "CA212",
    "ignore-file-differs-by-builder",
    Severity.WARNING,
    "Docker and buildah/podman read different ignore files for this build.",
    "buildah and podman read '.containerignore' before '.dockerignore' (Docker never reads it), and beside the "
    "Containerfile '<file>.dockerignore' before '<file>.containerignore'; podman --remote reads the context's "
    "files first. Keep one file, or keep them in step.",
)
ENCODING = rule(
    "CA213",
    "ignore-file-encoding",
    Severity.ERROR,
    "Docker reads the ignore file as UTF-8 split at LF: this file is UTF-16, or has CR line endings only.",
    "Windows PowerShell's '>' and Out-File write UTF-16; Docker reads the bytes as UTF-8, so every line holds "
    "NUL bytes and matches nothing: the legacy builder and today's BuildKit exclude nothing, BuildKit 20.10 "
    "fails the build. A file with CR line endings only (classic Mac OS) is one single line. Save it as UTF-8 "
    "with LF (or CRLF) line endings.",
)
_ENCODING_FIX = {
    "uses CR line endings only (no LF)": "convert the line endings: tr '\\r' '\\n' < {f} > {f}.new && mv {f}.new {f}",
}

BUILDER_NAMES = {Builder.BUILDKIT: "BuildKit", Builder.LEGACY: "the legacy builder", Builder.BUILDAH: "buildah/podman"}


def static_checks(ctx: Context, errors: list[IgnoreFileError] | None = None) -> list[Finding]:
    """Checks that need only the lines (and the Dockerfile's location)."""
    ign = ctx.ignore
    file = ign.display
    out: list[Finding] = []
    if ign.encoding is not None:
        fix = _ENCODING_FIX.get(
            ign.encoding,
            "save it as UTF-8: iconv -f UTF-16 -t UTF-8 {f} > {f}.new && mv {f}.new {f} "
            "(PowerShell: Set-Content -Encoding utf8)",
        )
        out.append(
            Finding(
                ENCODING,
                f"{file} {ign.encoding}: Docker reads it as UTF-8 split at LF, so its lines do not mean what "
                "they show and exclude nothing",
                path=file,
                fix=fix.format(f=file),
            )
        )
    for err in errors or []:
        out.append(Finding(INVALID, f"{err.reason}: '{err.pattern}'", path=file, line=err.line))
    for p in ign.lines:
        raw = str(p.pattern)
        stripped = raw.strip()
        if p.deferred_error is not None:
            out.append(Finding(INVALID, f"{p.deferred_error.reason}: '{p.text}'", path=file, line=p.line))
        if raw[:1].isspace() and stripped.startswith("#"):
            out.append(
                Finding(
                    COMMENT_PATTERN,
                    f"indented '#': this is the pattern '{p.text}'",
                    path=file,
                    line=p.line,
                    fix=f"move '#' to the first column: {stripped}",
                )
            )
        elif re.search(r"\s#", stripped):
            meant = stripped.split("#", 1)[0].strip()
            out.append(
                Finding(
                    COMMENT_PATTERN,
                    f"'#' after a pattern is not a comment: the pattern is '{p.text}'",
                    path=file,
                    line=p.line,
                    fix=f"put the comment on its own line: {meant}",
                )
            )
        body = stripped[1:].strip() if stripped.startswith("!") else stripped
        slashed_comment = body.startswith("//")
        if slashed_comment:
            out.append(
                Finding(
                    COMMENT_PATTERN,
                    f"'{body}' reads like a comment but is the pattern '{p.text}': only '#' in the first column "
                    "starts a comment",
                    path=file,
                    line=p.line,
                    fix=f"# {body[2:].strip()}",
                )
            )
        if len(body) > 1 and body.endswith("/") and body.rstrip("/") and not slashed_comment:
            out.append(
                Finding(
                    TRAILING_SLASH,
                    f"'{body}' is cleaned to '{p.text}', which also matches a file",
                    path=file,
                    line=p.line,
                )
            )
        if len(body) > 1 and body.startswith("/") and not slashed_comment and not p.text.startswith("/"):
            out.append(
                Finding(
                    LEADING_SLASH,
                    f"'{body}' is the same as '{p.text}'",
                    path=file,
                    line=p.line,
                    fix=f"{'!' if p.exclusion else ''}{p.text}",
                )
            )
        if "[!" in p.text:
            out.append(
                Finding(
                    BANG_CLASS,
                    f"'{p.text}': '[!' starts a class containing '!', not a negation",
                    path=file,
                    line=p.line,
                    fix=p.text.replace("[!", "[^"),
                )
            )
    user = containers.BuildahMatcher(ign.lines) if ctx.builder is Builder.BUILDAH else Matcher(ign.lines)
    own = ROOT_IGNORE
    if ctx.builder is Builder.BUILDAH:  # buildah's own file, when it sits in the context
        own = ign.display if ign.path is not None and not ign.display.startswith(("/", "..")) else ""
    for name in [own, ctx.dockerfile_rel]:
        if not name:
            continue
        try:
            d = user.or_parent_matches(name)
        except PatternError:
            continue
        if d.matched:
            deciding = user.pattern(d)
            line = deciding.line if deciding is not None else None
            out.append(Finding(BUILD_FILE_EXCLUDED, f"'{name}' is excluded by the ignore file", path=file, line=line))
    if ign.shadowed_root is not None:
        out.append(
            Finding(
                SHADOWED_ROOT,
                f"{file} replaces {ROOT_IGNORE}: its lines do not apply to this build",
                path=file,
                line=None,
            )
        )
    return out + ignore_files_differ(ctx)


def ignore_files_differ(ctx: Context) -> list[Finding]:
    """CA212: buildah/podman (local or --remote) and Docker read different files.

    Each builder is named with what it does: the file it reads, "no file",
    or that it fails on the ignore file (a directory: BuildKit applies none,
    the legacy builder and buildah fail, podman --remote fails when it finds
    no other file; recorded in tests/conformance buildfile-ignore-directory
    and tests/buildah). BuildKit and the legacy builder differing alone is
    CA210's business.
    """
    read: dict[str, str] = {}
    for b in Builder:
        try:
            other = ctx if b is ctx.builder else with_builder(ctx, b, [])
        except InputError:
            continue
        fails = [p.reason for p in other.problems if p.fatal and _is_ignore_file(p.file)]
        skipped = [p.file for p in other.problems if not p.fatal and _is_ignore_file(p.file)]
        if fails:
            read[BUILDER_NAMES[b]] = "fail: " + fails[0]
        elif other.ignore.path is not None:
            read[BUILDER_NAMES[b]] = other.ignore.display
        else:
            read[BUILDER_NAMES[b]] = f"no file ({skipped[0]} not applied)" if skipped else "no file"
    try:
        remote = remote_ignore_file(ctx) if ctx.ignorefile is None else ctx.ignorefile
    except OSError as exc:
        # The client stops before uploading (util.ParseDockerignore returns the error).
        name = os.path.relpath(exc.filename, ctx.root) if isinstance(exc.filename, str) else "the ignore file"
        why = exc.strerror or str(exc)
        read["podman --remote"] = f"fail: open {name}: {why[:1].lower()}{why[1:]}"
    else:
        if remote is not None:
            read["podman --remote"] = os.path.relpath(remote, ctx.root) if ctx.ignorefile is None else str(remote)
        else:
            read["podman --remote"] = "no file"
    docker = {read.get(BUILDER_NAMES[Builder.BUILDKIT]), read.get(BUILDER_NAMES[Builder.LEGACY])}
    containers_read = {read.get(BUILDER_NAMES[Builder.BUILDAH]), read["podman --remote"]}
    if containers_read <= docker and len(containers_read) == 1:
        return []
    groups: dict[str, list[str]] = {}
    for who, file in read.items():
        groups.setdefault(file, []).append(who)
    said = "; ".join(_what_they_do(who, state) for state, who in groups.items())
    return [Finding(IGNORE_FILE_DIFFERS, said, path=ctx.ignore.label, line=None)]


def _is_ignore_file(name: str) -> bool:
    return name.endswith((".dockerignore", ".containerignore"))


def _what_they_do(who: list[str], state: str) -> str:
    """``BuildKit reads .dockerignore``, ``the legacy builder fails: <reason>``."""
    one = len(who) == 1
    names = " and ".join(who)
    if state.startswith("fail: "):
        return f"{names} fail{'s' if one else ''}: {state.removeprefix('fail: ')}"
    return f"{names} read{'s' if one else ''} {state}"


_GUARD = re.compile(rb"^#\s*ctxaudit:\s*guard\b", re.I)


def guarded_lines(ctx: Context) -> set[int]:
    """Line numbers of the ignore file's guard blocks: after a comment
    ``# ctxaudit: guard`` up to the next blank line (``ctxaudit init`` writes
    one for unmistakable junk that may appear later). Their lines are not
    reported as dead (CA205) or shadowed (CA206)."""
    path = ctx.ignore.path
    if path is None:
        return set()
    try:
        data = path.read_bytes()
    except OSError:
        return set()
    out: set[int] = set()
    inside = False
    for number, raw in enumerate(data.split(b"\n"), start=1):
        line = raw.rstrip(b"\r")
        if _GUARD.match(line):
            inside = True
        elif not line.strip():
            inside = False
        elif inside:
            out.add(number)
    return out


def _root_only(p: DockerIgnorePattern) -> bool:
    """A line without '/' that the author did not anchor on purpose: written
    with a leading '/' or './' ('/build', './dist'), it means the root only.

    Not a wildcard line with '|': Go reads it as an alternation whose sides
    are each anchored at one end only ('*.log|*.tmp' excludes d/e.tmp)."""
    t = p.text
    written = p.pattern.strip() if isinstance(p.pattern, str) else ""
    anchored = written.startswith(("/", "./"))
    alternation = p.match_type is MatchType.REGEXP and "|" in t
    return (
        not p.exclusion
        and not anchored
        and not alternation
        and "/" not in t
        and not t.startswith("**")
        and bool(t.strip("*?"))
        and t not in (".", "..")
    )


@dataclass
class Leak:
    """A root-only line (CA201) and the deeper files it lets through."""

    pattern: DockerIgnorePattern
    files: int = 0
    bytes: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def fix(self) -> str:
        """The line that matches at any depth."""
        return f"**/{self.pattern.text}"


_SENT, _PRUNED, _DIR = Status.SENT, Status.PRUNED, EntryType.DIR


class LintCollector:
    """Watches a walk: root-only leaks always; dead and shadowed lines with ``deep``."""

    def __init__(self, ctx: Context, deep: bool) -> None:
        self.ctx = ctx
        self.deep = deep
        self.lines = ctx.ignore.lines
        self.index = {id(p): i for i, p in enumerate(self.lines)}
        self.leaks = [Leak(p) for p in self.lines if _root_only(p) and p.deferred_error is None]
        self._leak_bounds = [(i, leak, *literal_bounds(leak.pattern)) for i, leak in enumerate(self.leaks)]
        self._leak_folder: str | None = None  # the directory of the last file: its components are checked once
        self._folder_leaks: set[int] = set()  # indices of the leaks matching one of its components
        self._dead = MatchedLines(self.lines, (i for i, p in enumerate(self.lines) if p.deferred_error is None))
        self.unmatched = self._dead.pending  # lines no walked path matched (yet)
        self.decided: set[int] = set()

    def add(self, e: Entry) -> None:
        # Called for every entry of a full walk (most of them pruned): module
        # constants, one read of each attribute, the dead-line screen inlined.
        status = e.status
        if status is _SENT and self.leaks and e.is_file and "/" in e.path:
            folder, _, name = e.path.rpartition("/")
            if folder != self._leak_folder:
                self._leak_folder = folder
                parts = folder.split("/")[1:]
                self._folder_leaks = {i for i, leak in enumerate(self.leaks) if any(map(leak.pattern.matches, parts))}
            folder_leaks = self._folder_leaks
            for i, leak, head, tail in self._leak_bounds:
                if i in folder_leaks or (name.startswith(head) and name.endswith(tail) and leak.pattern.matches(name)):
                    leak.files += 1
                    leak.bytes += e.size
                    if len(leak.examples) < 3:
                        leak.examples.append(e.path)
        if not self.deep:
            return
        rule = e.rule
        if rule is not None:
            if status is not _PRUNED:
                line = self.index.get(id(rule))
                if line is not None:
                    self.decided.add(line)
            elif e.type is _DIR:
                self.decided.add(self.index.get(id(rule), -1))
        dead = self._dead
        if dead.pending:
            path = e.path
            if path.startswith(dead.starts) or path.endswith(dead.ends):  # see(): most paths stop here
                dead.see(path)

    def finish(self) -> LintCollector:
        return self

    def root_only_leaks(self) -> list[Leak]:
        """Root-only lines that let same-named deeper files through."""
        return [leak for leak in self.leaks if leak.files]

    def findings(self) -> list[Finding]:
        file = self.ctx.ignore.display
        out: list[Finding] = []
        for leak in self.root_only_leaks():
            p = leak.pattern
            more = f" ({', '.join(leak.examples)}{', ...' if leak.files > len(leak.examples) else ''})"
            out.append(
                Finding(
                    ROOT_ONLY,
                    f"'{p.text}' matches only at the root: {count(leak.files, 'deeper file')}, {human(leak.bytes)}, "
                    f"{'is' if leak.files == 1 else 'are'} still eligible{more}",
                    path=file,
                    line=p.line,
                    bytes=leak.bytes,
                    fix=leak.fix,
                )
            )
        if self.deep:
            guarded = guarded_lines(self.ctx)
            for i, p in enumerate(self.lines):
                if p.line in guarded:
                    continue
                if i in self.unmatched:
                    out.append(Finding(DEAD_LINE, f"'{p}' matches nothing in this context", path=file, line=p.line))
                elif i not in self.decided:
                    out.append(
                        Finding(
                            SHADOWED, f"'{p}' matches paths, but later lines decide all of them", path=file, line=p.line
                        )
                    )
        return out


def builder_dependent(ctx: Context, buildkit_sent: set[str], legacy_sent: set[str]) -> list[Finding]:
    """Exceptions that send files with BuildKit and not with the legacy builder."""
    only_bk = sorted(buildkit_sent - legacy_sent)
    if not only_bk:
        return []
    user = Matcher(ctx.ignore.lines)
    by_rule: dict[int, list[str]] = {}
    for path in only_bk:
        # The deciding line along BuildKit's walk is the exception that re-includes it.
        try:
            *_, (_, d) = user.along(path)
        except PatternError:
            continue
        if d.rule is not None:
            by_rule.setdefault(d.rule, []).append(path)
    out = []
    for i, paths in sorted(by_rule.items()):
        p = user.patterns[i]
        shown = ", ".join(paths[:3]) + (", ..." if len(paths) > 3 else "")
        out.append(
            Finding(
                BUILDER_DEPENDENT,
                f"'{p}' sends {count(len(paths), 'file')} with BuildKit that the legacy builder leaves out: {shown}",
                path=ctx.ignore.display,
                line=p.line,
            )
        )
    return out


def _decider(m: Matcher, path: str) -> int | None:
    """The line (its number) that decides ``path`` along the builder's walk:
    the line that excluded a skipped ancestor, else the path's own."""
    enters = m.enters if isinstance(m, containers.BuildahMatcher) else None
    rule = None
    for ancestor, d in m.along(path):
        rule = d.rule
        if ancestor != path and d.matched and enters is not None and not enters(ancestor):
            break
    return None if rule is None else m.patterns[rule].line


def buildah_dependent(ctx: Context, sent: Mapping[Builder, set[str] | None]) -> list[Finding]:
    """CA211: lines whose files differ between buildah and Docker's builders.

    ``sent``: the files each builder takes with the same lines (None: that
    builder fails on a line, which is reported instead). Every
    difference is reported when buildah is the builder audited; for Docker's
    builders only files buildah treats unlike both of them (BuildKit against
    legacy is CA207). Also lines buildah cannot compile at all.
    """
    lines = ctx.ignore.lines
    by_number = {p.line: p for p in lines}
    audited_buildah = ctx.builder is Builder.BUILDAH
    docker = Matcher(containers.for_builder(lines, False))
    buildah = containers.BuildahMatcher(containers.for_builder(lines, True))
    groups: dict[tuple[int, tuple[bool, ...]], list[str]] = {}
    order = (Builder.BUILDKIT, Builder.LEGACY, Builder.BUILDAH)
    sets = [sent.get(b) for b in order]
    walked = [x for x in sets if x is not None]
    for path in sorted(set().union(*walked)) if len(walked) == len(sets) else []:
        vector = tuple(path in x for x in walked)
        bk, legacy, bh = vector
        if bh == bk and bh == legacy:
            continue
        if not audited_buildah and bh in (bk, legacy):
            continue
        try:
            d_line, b_line = _decider(docker, path), _decider(buildah, path)
        except PatternError:
            continue
        # The exception is the line whose meaning differs, when there is one.
        candidates = [n for n in (d_line, b_line) if n is not None]
        exceptions = [n for n in candidates if by_number[n].exclusion]
        if not candidates:
            continue
        groups.setdefault(((exceptions or candidates)[0], vector), []).append(path)
    out = []
    for (number, vector), paths in sorted(groups.items()):
        p = by_number[number]
        senders = [BUILDER_NAMES[b] for b, s in zip(order, vector, strict=True) if s]
        others = [BUILDER_NAMES[b] for b, s in zip(order, vector, strict=True) if not s]
        shown = ", ".join(paths[:3]) + (", ..." if len(paths) > 3 else "")
        out.append(
            Finding(
                BUILDAH_DEPENDENT,
                f"'{p}': {' and '.join(senders)} take{'s' if len(senders) == 1 else ''} {count(len(paths), 'file')} "
                f"that {' and '.join(others)} leave{'s' if len(others) == 1 else ''} out: {shown}",
                path=ctx.ignore.display,
                line=number,
            )
        )
    reported = {number for number, _ in groups}
    for p in lines:
        if p.line not in reported:
            found = _reads_differently(p, audited_buildah)
            if found is not None:
                message, fix = found
                out.append(Finding(BUILDAH_DEPENDENT, message, path=ctx.ignore.display, line=p.line, fix=fix))
    return out


def _reading(pattern: DockerIgnorePattern | None) -> str | None:
    if pattern is None or pattern.include is None:
        return None
    return str(pattern)


def _reads_differently(p: DockerIgnorePattern, audited_buildah: bool) -> tuple[str, str | None] | None:
    """(message, fix) for a line Docker and buildah read or match differently,
    whatever the context holds; None when they agree."""
    raw = str(p.pattern)
    docker_raw = raw[1:] if p.line == 1 and raw.startswith("\ufeff") else raw  # Docker drops a BOM on line one
    b: DockerIgnorePattern | None = None
    error: PatternError | UnsupportedPattern | None = None
    # A Docker line's buildah reading is the one its walks compiled (containers.reread).
    docker_line = type(p) is DockerIgnorePattern
    if docker_line:
        b, error = containers.reread(p)
    else:
        try:
            b = containers.BuildahPattern(raw, line=p.line)
        except (PatternError, UnsupportedPattern) as exc:
            error = exc
    if error is not None:
        problem: str | None = str(error)
    else:
        assert b is not None
        problem = None if b.deferred_error is None else b.deferred_error.reason
    bang = "!" if p.exclusion else ""
    if problem is not None:
        if audited_buildah:
            return None  # CA200 reports it
        return (
            f"'{p}' is not a pattern buildah/podman can use ({problem}): their builds fail",
            bang + containers.escape_regexp(p.text),
        )
    if docker_line and docker_raw == raw:
        d = p  # read from these very characters
    else:
        try:
            d = DockerIgnorePattern(docker_raw, line=p.line)
        except (PatternError, UnsupportedPattern):
            return None
    shown = display_line(raw)
    if _reading(d) != _reading(b):
        docker_says = f"'{_reading(d)}'" if _reading(d) is not None else "a comment"
        buildah_says = f"'{_reading(b)}'" if _reading(b) is not None else "a comment"
        return f"'{shown}' is {docker_says} for Docker and {buildah_says} for buildah/podman", _reading(d)
    text = p.text
    if containers.escape_regexp(text) != text:
        return (
            f"'{shown}': '(', ')', '|', '+', '{{' and '}}' are literal for Docker, regexp syntax for buildah/podman",
            bang + containers.escape_regexp(text),
        )
    if text.startswith("**") and len(text) > 2 and text[2] not in "/*":
        return (
            f"'{shown}': Docker matches any path ending in '{text[2:]}', buildah/podman only '{text[2:]}' "
            f"itself at any depth (as '**/{text[2:]}')",
            None,
        )
    return None


def display_line(raw: str) -> str:
    """A line as written, BOM shown."""
    return raw.replace("\ufeff", "<BOM>").strip()
