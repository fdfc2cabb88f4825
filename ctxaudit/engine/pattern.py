"""One ``.dockerignore`` line as a ``pathspec`` pattern, with Docker's semantics.

:class:`DockerIgnorePattern` reproduces ``moby/patternmatcher`` exactly:

* a line is read as ``ignorefile.ReadAll`` reads it (``#`` comment only in
  column one, Go whitespace trimming, ``!`` exception, ``filepath.Clean``,
  a leading ``/`` dropped);
* the pattern is checked with Go's ``filepath.Match`` (malformed -> error
  as soon as Docker reads the file);
* the "exact", "prefix" (``foo/**``) and "suffix" (``**/foo``, ``**foo``)
  lines are compared byte for byte, as Docker does: they are not the regexp,
  so ``**foo`` matches ``barfoo`` and ``a{1001}`` is a valid exact line;
* every other line is compiled to the same Go regular expression
  (``compile()`` in patternmatcher.go: ``*`` = ``[^/]*``, ``?`` = ``[^/]``,
  ``**`` = any directories, only ``$ ( ) + .`` escaped, everything else
  passed through) and run on RE2 (:mod:`ctxaudit.engine.goregex`), so
  classes, escapes, ``|`` and ``{n}`` mean what they mean in Go. Go compiles
  lazily, so a regexp error only fails a build when the line is evaluated;
  the pattern keeps that error and raises it on every use, as Docker does.

Registered with pathspec as ``"dockerignore"``, so
``pathspec.PathSpec.from_lines("dockerignore", lines)`` works, with its
simple backend and with its re2 backend (chosen by default when google-re2
is installed; it cannot take paths that are not UTF-8). ``PathSpec``
evaluates each path alone, while Docker also applies a match of a parent
directory: :mod:`ctxaudit.engine.matcher` holds that logic.
"""

from __future__ import annotations

import enum
import re
import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

import pathspec
from pathspec.pattern import Pattern, RegexPattern

from ..common import display
from ..common.errors import CtxauditError
from . import gomatch, goregex
from .gostrings import clean, trim_space

# patternmatcher's shouldEscape as Go computes it. The source lists
# ``.+()|{}$``, but its [8]byte bitmap sets bit b/8 of byte b%8 in a byte:
# for b >= 64 that bit is shifted out, so ``|``, ``{`` and ``}`` are never
# escaped and stay live regexp syntax (moby/patternmatcher, patternmatcher.go).
_ESCAPE = frozenset(".+()$")
# fsutil's patternChars: an exception holding one of these is a "wildcard".
WILDCARD_CHARS = "*[]?^\\"
# In a regexp line, a literal run next to one of these may not be literal
# in the Go regexp (an escape, a count, an alternation): no literal bounds.
_UNBOUNDED = frozenset("\\{}|")


def quote(pattern: str) -> str:
    """A pattern as written in the file (control characters escaped), in quotes."""
    return f"'{display.path(pattern)}'"


class PatternError(CtxauditError):
    """Docker rejects this pattern; a build with it fails."""

    def __init__(self, pattern: str, reason: str, line: int = 0) -> None:
        super().__init__(f"{reason}: {quote(pattern)}")
        self.pattern = pattern
        self.reason = reason
        self.line = line
        self.file = ""

    def __str__(self) -> str:
        if self.file:
            where = f"{self.file}:{self.line}" if self.line else self.file
            return f"{where}: pattern {quote(self.pattern)}: {self.reason}"
        return f"{self.reason}: {quote(self.pattern)}"


class UnsupportedPattern(ValueError):
    """Docker accepts this pattern but ctxaudit cannot evaluate it."""


class MatchType(enum.Enum):
    EXACT = "exact"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    REGEXP = "regexp"


def normalize_line(line: str) -> tuple[str, bool] | None:
    """ReadAll + patternmatcher.New for one line: (pattern, exclusion) or None.

    None for comments and blank lines. The BOM of line one is the caller's.
    """
    if line.startswith("#"):
        return None
    text = trim_space(line)
    if not text:
        return None
    invert = text[0] == "!"
    if invert:
        text = trim_space(text[1:])
    if text:
        text = clean(text)
        if len(text) > 1 and text[0] == "/":
            text = text[1:]
    if invert:
        text = "!" + text
    # patternmatcher.New trims and cleans the whole string once more.
    text = clean(trim_space(text))
    exclusion = text[0] == "!"
    if exclusion:
        if len(text) == 1:
            raise PatternError(line, 'illegal exclusion pattern: "!"')
        text = text[1:]
    return text, exclusion


class Compiled(NamedTuple):
    """What patternmatcher's ``compile()`` makes of a cleaned pattern."""

    match_type: MatchType
    regexp: str  # the Go regexp text (built for every type; used by REGEXP only)
    prefix: str  # REGEXP: a literal every match starts with ("" if none is known)
    suffix: str  # REGEXP: a literal every match ends with ("" if none is known)
    python: str | None  # REGEXP: the same regexp for Python's re when that is exact and linear


# The pieces compile() emits for wildcards.
_STAR = "[^/]*"
_ONE = "[^/]"
_DIRS = "(.*/)?"
_REST = ".*"
_PYTHON = {_STAR: "[^/]*", _ONE: "[^/]", _DIRS: "(?:.*/)?", _REST: ".*"}


def compile_pattern(pattern: str) -> Compiled:
    """patternmatcher's compile() for a cleaned pattern (surrogate-escaped str).

    It reads the pattern with ``text/scanner`` (a BOM skipped at the start,
    invalid bytes as U+FFFD) and escapes only ``$ ( ) + .``.

    Two extras for speed, both only for regexp lines without ``\\``, ``{``,
    ``}`` or ``|`` (where every other character is a literal, a wildcard or
    a class): the literal runs at each end, a necessary condition for a
    match that is cheaper to test than any regexp; and, when the line is
    made of literals, wildcards and simple ASCII classes
    (:func:`_simple_class_end`) and Python's backtracking on it is linear
    (:func:`_linear`), the same regexp in Python's ``re`` syntax, which for
    these constructs means exactly what it means in Go (``.`` is any rune
    but ``\\n``, ``[^/]`` any rune but ``/``; a surrogate escape is one
    character, as Go's invalid byte is one rune, and no ASCII class holds
    it or U+FFFD unless negated).
    """
    s = goregex.scan(pattern)
    pieces: list[str] = []
    literal: list[bool] = []  # per piece: a plain character, in Go and in Python
    mtype = MatchType.EXACT
    i = 0
    n = len(s)
    first = True
    while i < n:
        ch = s[i]
        i += 1
        if ch == "*":
            if i < n and s[i] == "*":
                i += 1
                if i < n and s[i] == "/":
                    i += 1
                if i >= n:
                    if mtype is MatchType.EXACT:
                        mtype = MatchType.PREFIX
                    else:
                        pieces.append(_REST)
                        literal.append(False)
                        mtype = MatchType.REGEXP
                else:
                    pieces.append(_DIRS)
                    literal.append(False)
                    mtype = MatchType.REGEXP
                if first:
                    mtype = MatchType.SUFFIX
            else:
                pieces.append(_STAR)
                literal.append(False)
                mtype = MatchType.REGEXP
        elif ch == "?":
            pieces.append(_ONE)
            literal.append(False)
            mtype = MatchType.REGEXP
        elif ch in _ESCAPE:
            pieces.append("\\" + ch)
            literal.append(True)
        elif ch == "\\":
            if i < n:
                pieces.append("\\" + s[i])
                i += 1
                mtype = MatchType.REGEXP
            else:
                pieces.append("\\")
            literal.append(False)
        elif ch == "[" and (end := _simple_class_end(s, i)) > 0:
            # A class compile() copies unchanged and Python reads alike.
            pieces.append(s[i - 1 : end + 1])
            literal.append(False)
            mtype = MatchType.REGEXP
            i = end + 1
        elif ch in "[]":
            pieces.append(ch)
            literal.append(False)
            mtype = MatchType.REGEXP
        else:
            pieces.append(ch)
            # ^ is an anchor; U+FFFD also stands for an invalid byte.
            literal.append(ch not in "^\ufffd")
        first = False
    regexp = "^" + "".join(pieces) + "$"
    if mtype is not MatchType.REGEXP or any(c in _UNBOUNDED for c in s):
        return Compiled(mtype, regexp, "", "", None)
    head = literal.index(False)
    tail = len(literal)
    while literal[tail - 1]:
        tail -= 1

    def text(ps: list[str]) -> str:
        return "".join(p[-1] for p in ps)  # "\\." is "."

    def python_piece(p: str, lit: bool) -> str | None:
        if lit:
            return re.escape(p[-1])
        if len(p) > 2 and p[0] == "[" and p[-1] == "]":
            return p  # a simple class
        return _PYTHON.get(p)

    python = None
    body = [python_piece(p, lit) for p, lit in zip(pieces, literal, strict=True)]
    if all(b is not None for b in body) and _linear(pieces, literal):
        python = r"\A" + "".join(b for b in body if b is not None) + r"\Z"
        # Only a class can be an error (literals are escaped, wildcards fixed): the
        # others are compiled on their first path (DockerIgnorePattern._m).
        if any(not lit and p[0] == "[" and p[-1] == "]" for p, lit in zip(pieces, literal, strict=True)):
            try:
                re.compile(python)
            except re.error:  # a reversed range: Go's error, deferred, comes from RE2
                python = None
    return Compiled(mtype, regexp, text(pieces[:head]), text(pieces[tail:]), python)


# Class members whose meaning is the same in Go's and Python's regexp and
# that compile() copies unchanged (no escapes, no nested [, no wildcards).
_CLASS_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_!^ ,;:=@#%'\"<>/")


def _simple_class_end(s: str, i: int) -> int:
    """The index of the ``]`` closing a simple ASCII class opened at ``s[i - 1]``, or -1.

    Simple: ASCII letters, digits and a few punctuation marks (a leading
    ``^`` negates, a ``]`` first is a member, ``-`` makes ranges), nothing
    that compile() rewrites or that Python reads differently (``[[``,
    ``\\``, ``&&``, ``--``, ``~~``, ``||``).
    """
    j = i + 1 if s[i : i + 1] == "^" else i
    if s[j : j + 1] == "]":
        j += 1
    end = s.find("]", j)
    if end < 0 or end == i:
        return -1
    body = s[i:end]
    if not all(c in _CLASS_CHARS for c in body) or "--" in body:
        return -1
    return end


def _linear(pieces: list[str], literal: list[bool]) -> bool:
    """Is a backtracking search of these literals and wildcards linear?

    ``[^/]*`` cannot cross a ``/``, so one per path segment is scanned a
    bounded number of times; ``(.*/)?`` and ``.*`` can, so only one of them
    is allowed. Two unbounded pieces that can share characters (``*_*``,
    ``*?**``, ``a*b**``) make the search quadratic: those lines go to RE2.
    """
    if sum(p in (_DIRS, _REST) for p in pieces) > 1:
        return False
    unbounded = 0
    for p, lit in zip(pieces, literal, strict=True):
        if lit and p == "/":
            unbounded = 0
            continue
        if p in (_STAR, _DIRS, _REST):
            unbounded += 1
            if unbounded > 1:
                return False
            if p == _DIRS:  # ends with "/": a new segment starts
                unbounded = 0
    return True


def go_regex(pattern: str) -> tuple[MatchType, str]:
    """patternmatcher's compile(): the match type and the Go regexp text."""
    c = compile_pattern(pattern)
    return c.match_type, c.regexp


_NEVER = re.compile(r"(?!)")


def _raiser(error: PatternError) -> Callable[[str], object]:
    def fail(path: str) -> object:
        raise error

    return fail


def _re2_match(regexp: goregex.Regexp, prefix: str, suffix: str) -> Callable[[str], object]:
    """RE2's answer, None for no match, after the cheap literal pre-check."""
    search = regexp.search

    def match(path: str) -> object:
        if path.startswith(prefix) and path.endswith(suffix) and search(path):
            return True
        return None

    return match


def _quote(text: str) -> str:
    """RE2's QuoteMeta for a str of runes."""
    return "".join(c if c.isalnum() or c == "_" or not c.isascii() else "\\" + c for c in goregex.as_runes(text))


class RegexView:
    """``DockerIgnorePattern.regex``: what pathspec's backends read.

    ``search``/``match`` answer for the path alone (the simple backend);
    ``pattern`` is an RE2 expression with the same answer for UTF-8 paths
    (pathspec's re2 backend builds an ``re2.Set`` from it).
    """

    __slots__ = ("_owner",)

    def __init__(self, owner: DockerIgnorePattern) -> None:
        self._owner = owner

    def search(self, path: str) -> bool | None:
        return True if self._owner.matches(path) else None

    match = search

    @property
    def pattern(self) -> str:
        p = self._owner
        if p.deferred_error is not None:
            raise p.deferred_error
        if p.match_type is MatchType.EXACT:
            return f"^{_quote(p.text)}$"
        if p.match_type is MatchType.PREFIX:
            return f"^{_quote(p.text[:-2])}"
        if p.match_type is MatchType.SUFFIX:
            alt = f"|^{_quote(p.suffix[1:])}$" if p.suffix.startswith("/") else ""
            return f"{_quote(p.suffix)}${alt}"
        return p.go_regexp

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RegexView) and str(self._owner) == str(other._owner)

    def __hash__(self) -> int:
        return hash(str(self._owner))


class DockerIgnorePattern(RegexPattern):
    """A .dockerignore line compiled the way moby/patternmatcher compiles it.

    ``include`` follows pathspec: True means a matching path is ignored (not
    sent), False marks a ``!`` exception, None a comment or blank line.
    """

    __slots__ = (
        "__weakref__",
        "_m",
        "_regexp",
        "_reread",
        "deferred_error",
        "exclusion",
        "go_regexp",
        "line",
        "literal_prefix",
        "literal_suffix",
        "match_type",
        "suffix",
        "text",
    )

    # containers.reread: the line read by the other dialect (while some walk or check
    # holds it), or the error that dialect raised
    _reread: tuple[weakref.ref[DockerIgnorePattern] | None, PatternError | UnsupportedPattern | None]

    def __init__(self, pattern: str, line: int = 0) -> None:
        self.line = line
        self.pattern = pattern
        self.regex: Any = None
        self.text = ""
        self.exclusion = False
        self.match_type = MatchType.EXACT
        self.go_regexp = ""
        self.suffix = ""
        self.literal_prefix = self.literal_suffix = ""
        self.deferred_error: PatternError | None = None
        self._regexp: goregex.Regexp | None = None
        # path -> None when the path does not match (raises a deferred error).
        # None: not compiled yet (see _compile)
        self._m: Callable[[str], object] | None = _NEVER.match
        try:
            norm = normalize_line(pattern)
        except PatternError as exc:
            exc.line = line
            raise
        if norm is None:
            Pattern.__init__(self, None)
            return
        text, exclusion = norm
        try:
            gomatch.validate(text)
        except gomatch.BadPattern:
            raise PatternError(text, "syntax error in pattern", line) from None
        compiled = compile_pattern(text)
        mtype = compiled.match_type
        # Docker's own comparisons, and the linear Python forms, as one C-level
        # re match each: the cheapest call for the walk's inner loop (compiled
        # when the line meets its first path).
        if mtype is MatchType.SUFFIX:
            # cleanedPattern[2:] cuts bytes: after a BOM it cuts inside it.
            self.suffix = text.encode("utf-8", "surrogateescape")[2:].decode("utf-8", "surrogateescape")
        if mtype is not MatchType.REGEXP or compiled.python is not None:
            self._m = None  # compiled on the first path (_compile)
        else:
            try:
                self._regexp = goregex.Regexp(compiled.regexp)
            except goregex.GoRegexError as exc:
                # Go compiles on first use: the build fails only when a path
                # is checked against this line.
                reason = f"syntax error in pattern (Go regexp `{compiled.regexp}`: {exc})"
                self.deferred_error = PatternError(text, reason, line)
                self._m = _raiser(self.deferred_error)
            except goregex.UnsupportedRegex as exc:
                raise UnsupportedPattern(f"{exc} (pattern {text!r})") from None
            else:
                self._m = _re2_match(self._regexp, compiled.prefix, compiled.suffix)
        Pattern.__init__(self, not exclusion)
        self.regex = RegexView(self)
        self.text = text
        self.exclusion = exclusion
        self.match_type = compiled.match_type
        self.go_regexp = compiled.regexp
        self.literal_prefix = compiled.prefix
        self.literal_suffix = compiled.suffix

    def _python_re(self) -> re.Pattern[str]:
        """The Python re that answers for an exact, prefix, suffix or linear
        regexp line (see __init__)."""
        text = self.text
        if self.match_type is MatchType.EXACT:
            return re.compile(rf"\A{re.escape(text)}\Z")
        if self.match_type is MatchType.PREFIX:
            return re.compile(rf"\A{re.escape(text[:-2])}", re.S)
        if self.match_type is MatchType.SUFFIX:
            alt = "|" + re.escape(self.suffix[1:]) if self.suffix.startswith("/") else ""
            return re.compile(rf"\A(?:.*{re.escape(self.suffix)}{alt})\Z", re.S)
        python = compile_pattern(text).python
        assert python is not None
        return re.compile(python)

    def _compile(self) -> Callable[[str], object]:
        """``_m``, compiled when the line meets its first path (its C-level ``match``
        from then on). A long ignore file tries most of its lines on no path at all
        (matcher._LineIndex), and each compilation cost 0.1 ms."""
        self._m = self._python_re().match
        return self._m

    @classmethod
    def raw(cls, pattern: str) -> DockerIgnorePattern:
        """A pattern given straight to patternmatcher.New (no ignore-file reading):
        ``#`` is not a comment; ``!`` still marks an exception."""
        return cls("\\#" + pattern[1:] if pattern.startswith("#") else pattern)

    def matches(self, path: str) -> bool:
        """Whether the path itself matches (patternmatcher's Pattern.match).

        Raises the line's :class:`PatternError` when Go's regexp rejects it.
        """
        m = self._m
        if m is None:
            m = self._compile()
        return m(path) is not None

    @property
    def uses_re2(self) -> bool:
        """Whether matching runs RE2 (a regexp line that is not a linear
        Python ``re`` of literals and wildcards, see :func:`compile_pattern`)."""
        return self._regexp is not None

    def match_file(self, file: Any) -> Any:
        """pathspec's hook: the path alone, as :meth:`matches`."""
        return True if self.include is not None and self.matches(file) else None

    @property
    def is_wildcard(self) -> bool:
        """fsutil: an exception with a wildcard once a trailing /* or /** is dropped."""
        return any(c in self.trimmed_glob for c in WILDCARD_CHARS)

    @property
    def trimmed_glob(self) -> str:
        """fsutil's patternWithoutTrailingGlob."""
        t = self.text
        if t.endswith("/**"):
            t = t[:-3]
        if t.endswith("/*"):
            t = t[:-2]
        return t

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DockerIgnorePattern):
            return (self.include, str(self)) == (other.include, str(other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.include, str(self)))

    def __str__(self) -> str:
        return ("!" if self.exclusion else "") + self.text


pathspec.util.register_pattern("dockerignore", DockerIgnorePattern)


def escape(path: str) -> str:
    """An ignore line that matches exactly this context path.

    Glob and regexp characters get a backslash (Go's regexp takes ``\\^``
    and friends as literals); a leading ``#`` or ``!`` is escaped so the line
    is neither a comment nor an exception. Leading/trailing whitespace
    would be trimmed by Docker, so it becomes ``?``.
    """
    out = []
    for ch in path:
        out.append("\\" + ch if ch in "*?[]\\^" else ch)
    text = "".join(out)
    if text[:1] in ("#", "!"):
        text = "\\" + text
    stripped = text.strip()
    if stripped != text:
        lead = len(text) - len(text.lstrip())
        trail = len(text) - len(text.rstrip())
        text = "?" * lead + stripped + "?" * trail
    return text
