"""One ``.dockerignore`` line as a ``pathspec`` pattern, with Docker's semantics.

:class:`DockerIgnorePattern` reproduces ``moby/patternmatcher`` exactly:

* a line is read as ``ignorefile.ReadAll`` reads it (``#`` comment only in
  column one, Go whitespace trimming, ``!`` exception, ``filepath.Clean``,
  a leading ``/`` dropped);
* the pattern is checked with Go's ``filepath.Match`` (malformed -> error
  as soon as Docker reads the file);
* it is compiled to the same Go regular expression (``*`` = ``[^/]*``,
  ``?`` = ``[^/]``, ``**`` = any directories, classes and ``\\`` escapes passed
  to Go's regexp), then translated to Python. Go compiles lazily, so a
  regexp error only fails a build when the line is evaluated; the pattern
  keeps that error and raises it on first use, as Docker does;
* the "exact", "prefix" (``foo/**``) and "suffix" (``**/foo``, ``**foo``)
  shortcuts Docker takes are kept, because they are not the regexp: ``**foo``
  matches ``barfoo``.

Registered with pathspec as ``"dockerignore"``, so
``pathspec.PathSpec.from_lines("dockerignore", lines)`` works; note that
``PathSpec`` evaluates each path alone, while Docker also applies a match of a
parent directory: :mod:`ctxaudit.matcher` holds that logic.
"""

from __future__ import annotations

import enum
import re

import pathspec
from pathspec.pattern import RegexPattern

from ..common import display
from ..common.errors import CtxauditError
from . import gomatch, goregex
from .gostrings import clean, trim_space

# patternmatcher's shouldEscape: regexp metacharacters that filepath.Match
# treats as literals.
_ESCAPE = frozenset(".+()|{}$")
# fsutil's patternChars: an exception holding one of these is a "wildcard".
WILDCARD_CHARS = "*[]?^\\"

_NEVER = re.compile(r"(?!)")


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


def go_regex(pattern: str) -> tuple[MatchType, str]:
    """patternmatcher's compile(): the match type and the Go regexp text."""
    reg = "^"
    mtype = MatchType.EXACT
    i = 0
    n = len(pattern)
    first = True
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":
                    i += 1
                if i >= n:
                    if mtype is MatchType.EXACT:
                        mtype = MatchType.PREFIX
                    else:
                        reg += ".*"
                        mtype = MatchType.REGEXP
                else:
                    reg += "(.*/)?"
                    mtype = MatchType.REGEXP
                if first:
                    mtype = MatchType.SUFFIX
            else:
                reg += "[^/]*"
                mtype = MatchType.REGEXP
        elif ch == "?":
            reg += "[^/]"
            mtype = MatchType.REGEXP
        elif ch in _ESCAPE:
            reg += "\\" + ch
        elif ch == "\\":
            if i < n:
                reg += "\\" + pattern[i]
                i += 1
                mtype = MatchType.REGEXP
            else:
                reg += "\\"
        elif ch in "[]":
            reg += ch
            mtype = MatchType.REGEXP
        else:
            reg += ch
        first = False
    return mtype, reg + "$"


class DockerIgnorePattern(RegexPattern):
    """A .dockerignore line compiled the way moby/patternmatcher compiles it.

    ``include`` follows pathspec: True means a matching path is ignored (not
    sent), False marks a ``!`` exception, None a comment or blank line.
    """

    __slots__ = ("_m", "deferred_error", "exclusion", "go_regexp", "line", "match_type", "text")

    def __init__(self, pattern: str, line: int = 0) -> None:
        self.line = line
        try:
            norm = normalize_line(pattern)
        except PatternError as exc:
            exc.line = line
            raise
        if norm is None:
            super().__init__(None)
            self.text = ""
            self.exclusion = False
            self.match_type = MatchType.EXACT
            self.go_regexp = ""
            self.deferred_error: PatternError | None = None
            self._m = _NEVER.match
            return
        text, exclusion = norm
        try:
            gomatch.validate(text)
        except gomatch.BadPattern:
            raise PatternError(text, "syntax error in pattern", line) from None
        mtype, go = go_regex(text)
        deferred: PatternError | None = None
        if mtype is MatchType.EXACT:
            regex = re.compile(r"\A" + re.escape(text) + r"\Z")
        elif mtype is MatchType.PREFIX:
            regex = re.compile(r"\A" + re.escape(text[:-2]), re.S)
        elif mtype is MatchType.SUFFIX:
            suffix = text[2:]
            alt = "|" + re.escape(suffix[1:]) if suffix.startswith("/") else ""
            regex = re.compile(r"\A(?:.*" + re.escape(suffix) + alt + r")\Z", re.S)
        else:
            try:
                regex = re.compile(goregex.translate(go))
            except goregex.GoRegexError as exc:
                # Go compiles on first use: the build fails only when a path
                # is checked against this line.
                deferred = PatternError(text, f"syntax error in pattern ({exc})", line)
                regex = _NEVER
            except goregex.UnsupportedRegex as exc:
                raise UnsupportedPattern(f"{exc} (pattern {text!r})") from None
        super().__init__(regex, include=not exclusion)
        self.pattern = pattern
        self.text = text
        self.exclusion = exclusion
        self.match_type = mtype
        self.go_regexp = go
        self.deferred_error = deferred
        self._m = regex.match

    @classmethod
    def raw(cls, pattern: str) -> DockerIgnorePattern:
        """A pattern given straight to patternmatcher.New (no ignore-file reading):
        ``#`` is not a comment; ``!`` still marks an exception."""
        return cls("\\#" + pattern[1:] if pattern.startswith("#") else pattern)

    def matches(self, path: str) -> bool:
        """Whether the path itself matches (patternmatcher's Pattern.match)."""
        if self.deferred_error is not None:
            raise self.deferred_error
        return self._m(path) is not None

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
