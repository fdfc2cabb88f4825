"""Ignore files as buildah (and ``podman build``) read them.

buildah does not share Docker's code for ``.dockerignore``. Three pieces
decide, each reproduced here from its source (buildah v1.28.2 and v1.44.0,
``openshift/imagebuilder`` v1.2.3 to v1.2.21, ``containers/storage``
v1.43.0 to ``go.podman.io/storage`` v1.63.0; none of them changed what this
module does in that span):

* which file: :func:`choose`, buildah's ``pkg/parse.ContainerIgnoreFile``
  (``--ignorefile``; else ``<Containerfile>.dockerignore`` beats
  ``<Containerfile>.containerignore`` beside each ``-f`` file as typed; else
  ``<context>/.containerignore`` beats ``<context>/.dockerignore``; one file,
  never merged, an empty one still wins);
* reading it: :func:`parse_line` (``ignorefile.parse`` splits the file),
  imagebuilder's ``ParseIgnore`` (split on
  ``\\n`` only, ``#`` a comment only as the first byte, ``/`` trimmed from
  both ends *before* whitespace) followed by storage's
  ``NewPatternMatcher`` (whitespace trimmed, ``filepath.Clean``, ``!`` for an
  exception with one leading ``/`` dropped after it, ``filepath.Match``
  validation). No BOM is stripped; storage compiles each pattern with
  ``text/scanner``, which skips a BOM at the start of every pattern;
* matching: :class:`BuildahPattern`, storage's ``Pattern.compile``: the
  *old* Docker translation, ``^`` + glob + ``(/.*)?$`` where only ``.`` and
  ``$`` are escaped, so ``(``, ``|``, ``+``, ``{`` and ``^`` are Go regexp
  syntax (``(a|b).txt`` is an alternation), and Go searches rather than
  matches (``^`` is the only anchor); :class:`BuildahMatcher`, the
  deprecated ``Matches``: every line tried on the path alone, the last
  matching one decides, no parent-directory results. buildah's copier
  prunes an excluded directory unless some exception ``P`` satisfies
  ``strings.HasPrefix(P + "/", dir)``: a plain string prefix, so ``b`` is
  entered for ``!b*/keep.txt``.

Goldens recorded on a real buildah are in tests/buildah.
"""

from __future__ import annotations

import os
import re
import stat
import weakref
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pathspec
from pathspec.pattern import Pattern

from . import gomatch, goregex
from .gostrings import clean, trim_space
from .matcher import _REGEX_LINES, Decision, Matcher, MayMatch
from .pattern import DockerIgnorePattern, MatchType, PatternError, RegexView, UnsupportedPattern
from .pattern import escape as docker_escape

CONTAINERIGNORE = ".containerignore"
DOCKERIGNORE = ".dockerignore"

_BOM = "\ufeff"
_NEVER = re.compile(r"(?!)")
# Undecodable bytes come in as surrogate escapes; text/scanner reads each as
# utf8.RuneError, so the regexp holds U+FFFD where the name holds the byte.
_INVALID = re.compile("[\udc80-\udcff]")


def parse_line(line: str, from_file: bool = True) -> tuple[str, bool] | None:
    """ParseIgnore + NewPatternMatcher for one line: (pattern, exclusion) or None.

    None for comments and lines left empty. Raises PatternError as
    NewPatternMatcher does (a lone ``!``, a pattern ``filepath.Match`` rejects).
    ``from_file=False``: a pattern handed to the matcher directly (``COPY
    --exclude``, podman-remote's own reading): no comment, no ``/`` trimmed.
    """
    if from_file:
        if not line or line[0] == "#":
            return None
        line = line.strip("/")
    text = trim_space(line)
    if not text:
        return None
    text = clean(text)
    exclusion = text[0] == "!"
    if exclusion:
        if len(text) == 1:
            raise PatternError(line, 'illegal exclusion pattern: "!"')
        text = clean(text[1:])
        if text.startswith("/"):
            text = text[1:]
    try:
        gomatch.validate(text)
    except gomatch.BadPattern:
        raise PatternError(text, "syntax error in pattern") from None
    return text, exclusion


def storage_regex(pattern: str) -> str:
    """containers/storage's ``Pattern.compile``: the Go regexp of a pattern.

    ``*`` is ``[^/]*``, ``?`` is ``[^/]``, ``**/`` is ``(.*/)?``, a
    trailing ``**`` is ``.*``; only ``.`` and ``$`` are escaped, ``\\x``
    is passed on as ``\\x`` and everything else is copied as regexp text.
    A BOM at the start is skipped (``text/scanner``). Raises PatternError
    for a trailing backslash.
    """
    if pattern.startswith(_BOM):
        pattern = pattern[1:]
    pattern = _INVALID.sub("\ufffd", pattern)
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":
                    i += 1
                out.append(".*" if i >= n else "(.*/)?")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch in ".$":
            out.append("\\" + ch)
        elif ch == "\\":
            if i >= n:
                raise PatternError(pattern, "syntax error in pattern")
            out.append("\\" + pattern[i])
            i += 1
        else:
            out.append(ch)
    out.append("(/.*)?$")
    return "".join(out)


# Characters storage copies into the regexp as syntax (``\\x`` too), and U+FFFD,
# which also stands for an invalid byte of the path: a line holding one has no
# literal bounds to trust.
_OPAQUE = frozenset("\\+()|[]{}^\ufffd")
# Longer plain lines are compiled when read, so that RE2's size limit is met
# where it always was (a plain line of this length is far below it).
_LAZY_CHARS = 1000


def literal_bounds(text: str) -> tuple[str, str, bool] | None:
    """(head, tail, wildcard) of a line's regexp as :func:`storage_regex` builds it.

    Every string the body (``^`` + glob, before the ``(/.*)?$`` suffix)
    matches starts with ``head`` and ends with ``tail``, which never overlap
    (a wildcard separates them); ``wildcard`` False: the body is the literal
    ``head`` (== ``tail``) itself. None when the line holds regexp syntax
    beyond ``*``, ``?`` and ``**`` (``\\``, ``(``, ``|``, ``[``...) or
    characters Go reads otherwise than Python (invalid bytes, U+FFFD).
    """
    if text.startswith(_BOM):
        text = text[1:]
    if not _OPAQUE.isdisjoint(text) or _INVALID.search(text):
        return None
    head_end = -1
    tail_start = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "*":
            start = i
            i += 1
            if i < n and text[i] == "*":
                i += 1
                if i < n and text[i] == "/":
                    i += 1  # "**/" is (.*/)?: the "/" belongs to the wildcard
        elif ch == "?":
            start = i
            i += 1
        else:
            i += 1
            continue
        if head_end < 0:
            head_end = start
        tail_start = i
    if head_end < 0:
        return text, text, False
    return text[:head_end], text[tail_start:], True


class BuildahPattern(DockerIgnorePattern):
    """One line of an ignore file as buildah reads and matches it.

    Same attributes as :class:`DockerIgnorePattern` (``text``, ``exclusion``,
    ``line``, ``regex``, ``deferred_error``...), so the walk, lint and
    explain handle both. ``regex.match`` has Go's search semantics: the
    expression is prefixed so that it may start anywhere, as
    ``regexp.MatchString`` does. A regexp Go cannot compile (``a(b``) is
    kept as ``deferred_error``: storage compiles on the first path it
    checks, so every COPY/ADD from the context then fails.
    """

    __slots__ = ("bounds",)

    def __init__(self, pattern: str, line: int = 0, from_file: bool = True) -> None:
        self.line = line
        self.bounds: tuple[str, str, bool] | None = None  # literal_bounds(text), for _LineIndex
        try:
            norm = parse_line(pattern, from_file)
        except PatternError as exc:
            exc.line = line
            raise
        self.match_type = MatchType.REGEXP
        self.deferred_error: PatternError | None = None
        self.suffix = self.literal_prefix = self.literal_suffix = ""
        self._regexp = None
        if norm is None:
            Pattern.__init__(self, None)
            self.regex = None
            self.text = ""
            self.exclusion = False
            self.go_regexp = ""
            self._m = _NEVER.match
            return
        text, exclusion = norm
        go = ""
        try:
            go = storage_regex(text)
            self.bounds = literal_bounds(text)
            if len(text) <= _LAZY_CHARS and self.bounds is not None:
                # Go compiles every such line: nothing to find out before the first path.
                goregex.require_engine()
                self._m = None  # compiled on the first path (_compile)
                regexp = None
            else:
                regexp = goregex.Regexp(go)
        except (PatternError, goregex.GoRegexError) as exc:
            reason = "syntax error in pattern" + (f" ({exc})" if isinstance(exc, goregex.GoRegexError) else "")
            self.deferred_error = PatternError(text, reason, line)
            self._m = _NEVER.match
        except goregex.UnsupportedRegex as exc:
            raise UnsupportedPattern(f"{exc} (pattern {text!r})") from None
        else:
            if regexp is not None:
                # RE2 runs Go's syntax in linear time; Go's MatchString searches.
                search = regexp.search
                self._m = lambda path: True if search(path) else None
        Pattern.__init__(self, not exclusion)
        self.regex = RegexView(self)
        self.pattern = pattern
        self.text = text
        self.exclusion = exclusion
        self.go_regexp = go

    def _compile(self) -> Callable[[str], object]:
        """``_m`` of a line Go always compiles (literals and wildcards, see
        :func:`literal_bounds`), compiled when it meets its first path. A long
        ignore file tries most of its lines on no path at all (:class:`_LineIndex`),
        and an RE2 program cost a few KB per line."""
        search = goregex.Regexp(self.go_regexp).search
        self._m = lambda path: True if search(path) else None
        return self._m


pathspec.util.register_pattern("containerignore", BuildahPattern)


# Literal for Docker (it escapes them itself), regexp syntax for buildah.
_REGEXP_ONLY = frozenset("(){}|+")


def escape_regexp(pattern: str) -> str:
    """The pattern with ``(){}|+`` backslash-escaped where they are not already:
    what Docker reads as literals, made literal for buildah too."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        out.append("\\" + ch if ch in _REGEXP_ONLY else ch)
        i += 1
    return "".join(out)


def escape(path: str) -> str:
    """An ignore line that matches exactly this context path for Docker's
    builders *and* buildah: :func:`.pattern.escape`, plus the characters
    buildah's regexp translation leaves live (``c++`` would fail every
    buildah build; ``c\\+\\+`` is read the same by all three)."""
    return escape_regexp(docker_escape(path))


def for_builder(patterns: Sequence[DockerIgnorePattern], buildah: bool) -> list[DockerIgnorePattern]:
    """The lines compiled as the builder compiles them.

    An ignore file read for one builder can be walked by another (lint
    compares them, suggest checks its proposal under each): each line is
    read again from its text in the other dialect. A line that dialect
    rejects is left out of its walk (the rejection is reported for the
    builder that reads the file).
    """
    want: type[DockerIgnorePattern] = BuildahPattern if buildah else DockerIgnorePattern
    if all(type(p) is want for p in patterns):
        return list(patterns)
    out: list[DockerIgnorePattern] = []
    for p in patterns:
        if type(p) is want:
            out.append(p)
            continue
        if p.include is None:
            continue
        q, _ = reread(p)
        if q is not None and q.include is not None:
            out.append(q)
    return out


_Reread = tuple[DockerIgnorePattern | None, PatternError | UnsupportedPattern | None]


def reread(p: DockerIgnorePattern) -> _Reread:
    """``p``'s line (its text as written and its number) read by the other
    dialect: a :class:`BuildahPattern` for a Docker line, a Docker line for
    a :class:`BuildahPattern`; or (None, the error) when that dialect
    rejects it. Kept on ``p`` while something holds it: lint and its walks
    ask for every line several times, and each compilation costs."""
    try:
        ref, error = p._reread
    except AttributeError:
        pass
    else:
        if error is not None:
            return None, error
        q = ref() if ref is not None else None
        if q is not None:
            return q, None
    want: type[DockerIgnorePattern] = DockerIgnorePattern if isinstance(p, BuildahPattern) else BuildahPattern
    try:
        q = want(str(p.pattern), line=p.line)
    except (PatternError, UnsupportedPattern) as exc:
        p._reread = (None, exc.with_traceback(None))  # kept: not the frames it was raised in
        return None, exc
    p._reread = (weakref.ref(q), None)
    return q, None


class _LineIndex:
    """The lines of a long ignore file that may match a path as buildah matches
    it: a superset of the matching lines, at a few lookups per path instead of
    one regexp per line.

    A line's regexp is ``^`` + body + ``(/.*)?$``, so it matches the path
    itself or the path's part before one of its ``/``; the body's
    literal bounds (:func:`literal_bounds`) are looked up on each of those
    parts, grouped by length as :class:`.matcher._LineIndex` does for Docker.
    """

    def __init__(self, patterns: Sequence[DockerIgnorePattern]) -> None:
        self.always: list[int] = []  # no bounds: tried on every path
        self.exact: dict[str, list[int]] = {}  # no wildcard: the part is the line
        self.prefixes: dict[int, dict[str, list[int]]] = {}  # head only
        self.bounded: dict[int, dict[str, dict[int, dict[str, list[int]]]]] = {}  # tail -> head
        for i, p in enumerate(patterns):
            if p.regex is None:
                continue
            bounds = p.bounds if isinstance(p, BuildahPattern) else literal_bounds(p.text)
            if bounds is None:
                self.always.append(i)
                continue
            head, tail, wildcard = bounds
            if not wildcard:
                self.exact.setdefault(head, []).append(i)
            elif tail:
                by_tail = self.bounded.setdefault(len(tail), {}).setdefault(tail, {})
                by_tail.setdefault(len(head), {}).setdefault(head, []).append(i)
            elif head:
                self.prefixes.setdefault(len(head), {}).setdefault(head, []).append(i)
            else:
                self.always.append(i)

    def lines(self, path: str) -> list[int]:
        """Indices of the lines that may match ``path``, last line first."""
        found = list(self.always)
        n = len(path)
        ends = []  # where a body's match may end: before each "/", and at the end
        end = path.find("/")
        while end != -1:
            ends.append(end)
            end = path.find("/", end + 1)
        ends.append(n)
        exact = self.exact
        if exact:
            for k in ends:
                hit = exact.get(path[:k])
                if hit is not None:
                    found += hit
        for length, group in self.prefixes.items():
            if length <= n:
                hit = group.get(path[:length])
                if hit is not None:
                    found += hit
        for length, tails in self.bounded.items():
            for k in ends:
                if length <= k:
                    heads = tails.get(path[k - length : k])
                    if heads is not None:
                        for head_length, by_head in heads.items():
                            # the bounds never overlap: a wildcard separates them
                            if head_length + length <= k:
                                hit = by_head.get(path[:head_length])
                                if hit is not None:
                                    found += hit
        return sorted(set(found), reverse=True)


class BuildahMatcher(Matcher):
    """storage's ``PatternMatcher.Matches`` and the copier's pruning test.

    Every line is tried on the path alone and the last one that matches
    decides (``Decision.rule`` is its index; ``bits`` stay 0: there are no
    parent results). A line whose regexp Go cannot compile fails every
    check, as storage returns ``ErrBadPattern`` for each call. Past
    ``_REGEX_LINES`` lines a path tries only the lines :class:`_LineIndex`
    gives (the same decision: the others cannot match it).
    """

    _docker_index = False

    def __init__(self, patterns: Sequence[DockerIgnorePattern]) -> None:
        super().__init__(patterns)
        self._error = next((p.deferred_error for p in self.patterns if p.deferred_error is not None), None)
        self._specs = [p.text + "/" for p in self.patterns if p.exclusion]
        self._sorted_specs = sorted(self._specs)
        self._reversed: list[tuple[int, MayMatch, bool]] = []
        self._lines: _LineIndex | None = None
        if len(self.patterns) > _REGEX_LINES and self._error is None:
            # One alternation of 100,000 regexps runs out of RE2's DFA memory (ms per path).
            self._lines = _LineIndex(self.patterns)
            self._any: MayMatch | None = None
        else:
            self._reversed = [
                (i, p.regex.match, not p.exclusion)
                for i, p in reversed(list(enumerate(self.patterns)))
                if p.regex is not None
            ]
            self._any = self._any_line()
        self._none = Decision(False, 0, None)

    def _any_line(self) -> MayMatch | None:
        """One RE2 search over every line's regexp (each anchored by its
        ``^``): falsy only when no line matches. None when a line has a
        deferred error (every check must raise it) or RE2 cannot hold them."""
        if self._error is not None:
            return None
        parts = [p.go_regexp for p in self.patterns if p.go_regexp]
        if not parts:
            return _NEVER.match
        try:
            return goregex.Regexp("|".join(f"(?:{x})" for x in parts)).search
        except (goregex.GoRegexError, goregex.UnsupportedRegex):
            return None

    def decide(self, path: str) -> Decision:
        if self._error is not None:
            raise self._error
        if self._lines is not None:
            patterns = self.patterns
            for i in self._lines.lines(path):
                p = patterns[i]
                if p.matches(path):
                    return Decision(not p.exclusion, 0, i)
            return self._none
        for i, match, ignores in self._reversed:
            if match(path) is not None:
                return Decision(ignores, 0, i)
        return self._none

    def shortcut(self, parent: int) -> tuple[MayMatch | None, Decision]:
        """One regex over every line: a path none matches is not excluded
        (None past ``_REGEX_LINES`` lines: :meth:`decide` looks lines up)."""
        return self._any, self._none

    def using_parent_results(self, path: str, parent: int | None) -> Decision:
        return self.decide(path)

    def or_parent_matches(self, path: str) -> Decision:
        # A line that matches a directory matches everything below it
        # through its "(/.*)?" suffix: the path alone answers.
        return self.decide(path)

    def matches_one_parent(self, path: str) -> bool:
        return self.decide(path).matched

    def along(self, path: str) -> Iterator[tuple[str, Decision]]:
        end = path.find("/")
        while end != -1:
            yield path[:end], self.decide(path[:end])
            end = path.find("/", end + 1)
        yield path, self.decide(path)

    def exception_prefixes(self, trim_glob: bool) -> list[str]:
        return list(self._specs)

    def enters(self, directory: str) -> bool:
        """The copier's test for an excluded directory: enter it when some
        exception's text plus ``/`` starts with the directory's path."""
        # The texts that start with it are the first ones not below it in sorted order.
        specs = self._sorted_specs
        j = bisect_left(specs, directory)
        return j < len(specs) and specs[j].startswith(directory)


def copied(root: str, item: str, matcher: BuildahMatcher) -> Iterator[tuple[str, os.stat_result]]:
    """What the copier's ``Get`` takes from one COPY item: (context path, lstat)
    of each regular file and symlink, in walk order.

    A file item is taken as it is (the caller has checked it is not
    excluded). Below a directory item every path is decided alone, an
    excluded directory is entered only when :meth:`BuildahMatcher.enters`
    says so, and links are not followed.
    """
    try:
        top = os.lstat(os.path.join(root, item))
    except OSError:
        return
    if not stat.S_ISDIR(top.st_mode):
        if stat.S_ISREG(top.st_mode) or stat.S_ISLNK(top.st_mode):
            yield item, top
        return
    stack = [item]
    while stack:
        current = stack.pop()
        try:
            names = sorted(os.listdir(os.path.join(root, current)), reverse=True)
        except OSError:
            continue
        for name in names:
            rel = f"{current}/{name}"
            try:
                s = os.lstat(os.path.join(root, rel))
            except OSError:
                continue
            is_dir = stat.S_ISDIR(s.st_mode)
            if matcher.decide(rel).matched:
                if is_dir and matcher.enters(rel):
                    stack.append(rel)
                continue
            if is_dir:
                stack.append(rel)
            elif stat.S_ISREG(s.st_mode) or stat.S_ISLNK(s.st_mode):
                yield rel, s


def secure_join(root: str, unsafe: str) -> str:
    """filepath-securejoin's SecureJoin: ``unsafe`` resolved inside ``root``.

    Symbolic links are followed as if ``root`` were ``/``: an absolute
    target starts again at ``root`` and ``..`` never climbs above it.
    """
    resolved = ""
    todo = unsafe
    links = 0
    while todo:
        comp, _, todo = todo.partition("/")
        if comp in ("", "."):
            continue
        if comp == "..":
            resolved = os.path.dirname(resolved)
            continue
        candidate = os.path.join(resolved, comp)
        full = os.path.join(root, candidate)
        if not os.path.islink(full):
            resolved = candidate
            continue
        links += 1
        if links > 255:
            raise OSError(40, "too many levels of symbolic links", full)
        target = os.readlink(full)
        if target.startswith("/"):
            resolved = ""
        todo = target + ("/" + todo if todo else "")
    return os.path.join(root, resolved)


def choose(context: Path, containerfiles: Sequence[str]) -> Path | None:
    """ContainerIgnoreFile without ``--ignorefile``: the file buildah reads, or None.

    ``containerfiles`` are the ``-f`` arguments as typed (a relative one is
    looked up under the context, even when buildah found the Containerfile
    relative to the current directory), or the discovered Containerfile.
    The two context-level names are resolved inside the context (v1.29,
    ``securejoin``; 1.28 followed a symlink out of it).
    """
    for cf in containerfiles:
        base = cf if os.path.isabs(cf) else os.path.join(context, cf)
        for suffix in (".dockerignore", ".containerignore"):
            if os.path.exists(base + suffix):
                return Path(base + suffix)
    for name in (CONTAINERIGNORE, DOCKERIGNORE):
        path = secure_join(str(context), name)
        if os.path.lexists(path):
            return Path(path)
    return None
