"""Go's ``regexp`` package as ``moby/patternmatcher`` uses it, on RE2.

``moby/patternmatcher`` turns a wildcard ignore line into a Go regular
expression and passes character classes, escapes, ``|`` and ``{n}`` straight
through, so what ``[!x]``, ``[[:alpha:]]``, ``\\pL``, ``a{2}`` or ``*.js|*.ts``
mean is decided by Go's regexp (regexp/syntax, Perl flags). Go's regexp is an
RE2 engine; this module runs the same expression on Google's RE2 through the
``google-re2`` binding, in linear time, and closes the gaps between the two:

* Go reads the pattern with ``text/scanner`` (:func:`scan`): a leading BOM is
  skipped and every invalid UTF-8 byte becomes U+FFFD;
* Go decodes the *path* rune by rune, each invalid byte being one U+FFFD,
  where RE2's UTF-8 automaton refuses invalid bytes: the subject is
  re-encoded (:func:`runes`) before RE2 sees it, one U+FFFD per byte (not
  Python's ``errors="replace"``, which merges a truncated sequence);
* ``\\C`` (any byte) is an RE2 extension that Go rejects: checked first;
* RE2's 8 MiB program budget is lower than what Go compiles: raised to
  64 MiB, and a regexp that is still too large is :class:`UnsupportedRegex`;
* ``MatchString`` is a search, not an anchored match: only the ``^...$`` the
  pattern compiler adds anchors it, so with a top-level ``|`` each side is
  anchored on one end only.

Not reproduced: the Unicode tables of a given Go release (``\\p{Kawi}`` is an
error in Go 1.19, valid in later Go and in RE2) and the text of error
messages (Docker only reports "syntax error in pattern").

``google-re2`` is imported on the first regexp compiled, so the exact,
prefix and suffix lines Docker never turns into a regexp work without it;
a missing binding is a :class:`MissingEngine` error that says how to
install it.
"""

from __future__ import annotations

import codecs
from typing import Any

from ..common.errors import CtxauditError


class GoRegexError(ValueError):
    """Go's ``regexp.Compile`` rejects the expression."""


class UnsupportedRegex(ValueError):
    """Valid in Go, but too large for RE2's memory budget."""


class MissingEngine(CtxauditError):
    """The google-re2 binding is not installed."""


# RE2 compiles programs up to this size; Go's own limit is higher (it
# compiled every giant repeat count tried, e.g. 300 times ``?{1000}``).
MAX_MEM = 64 << 20


def _go_replace(exc: UnicodeError) -> tuple[str, int]:
    # utf8.DecodeRune: each byte of an invalid sequence is its own RuneError.
    assert isinstance(exc, UnicodeDecodeError)
    return "\ufffd" * (exc.end - exc.start), exc.end


codecs.register_error("ctxaudit-go-runes", _go_replace)


def runes(data: bytes) -> str:
    """The runes Go's ``for range`` / ``utf8.DecodeRune`` sees in ``data``."""
    return data.decode("utf-8", "ctxaudit-go-runes")


def as_runes(text: str) -> str:
    """A surrogate-escaped str as Go's runes: each escaped byte is U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return runes(text.encode("utf-8", "surrogateescape"))
    return text


def scan(pattern: str) -> str:
    """The characters ``text/scanner`` yields for a pattern (surrogate-escaped
    str): a BOM is skipped at the very start only, and each invalid UTF-8
    byte is U+FFFD."""
    s = as_runes(pattern)
    return s[1:] if s.startswith("\ufeff") else s


def subject(path: str) -> bytes:
    """A path (surrogate-escaped str) as the UTF-8 bytes of the runes Go sees."""
    try:
        return path.encode("utf-8")
    except UnicodeEncodeError:
        return runes(path.encode("utf-8", "surrogateescape")).encode("utf-8")


def go_only_error(expr: str) -> str | None:
    """Errors Go raises where RE2 compiles: ``\\C`` outside ``\\Q...\\E``.

    (Inside a class both reject it.) None when Go and RE2 agree.
    """
    i, n = 0, len(expr)
    while i < n:
        if expr[i] != "\\":
            i += 1
            continue
        nxt = expr[i + 1 : i + 2]
        if nxt == "Q":
            end = expr.find("\\E", i + 2)
            if end < 0:
                return None
            i = end + 2
            continue
        if nxt == "C":
            return "invalid escape sequence: `\\C`"
        i += 2
    return None


_re2: Any = None  # the google-re2 extension module, once imported
_options: Any = None
_unanchored: Any = None


def _engine() -> Any:
    global _re2, _options, _unanchored
    if _re2 is None:
        try:
            import re2
        except ImportError:
            raise MissingEngine(
                "ctxaudit needs the google-re2 package to evaluate ignore lines with wildcards, "
                "classes or escapes (Go's regexp is RE2): pip install google-re2"
            ) from None
        options = re2.Options()
        options.log_errors = False  # RE2 would print every rejected line to stderr
        options.never_capture = True
        options.max_mem = MAX_MEM
        _options = options
        _unanchored = re2._re2.RE2.Anchor.UNANCHORED
        _re2 = re2._re2
    return _re2


def require_engine() -> None:
    """Import google-re2 now (a regexp compiled later must not find it missing).

    Raises :class:`MissingEngine` without it.
    """
    _engine()


class Regexp:
    """A compiled Go regexp: ``search(path)`` is ``regexp.MatchString(path)``."""

    __slots__ = ("_match", "source")

    def __init__(self, source: str) -> None:
        """Compile ``source``, a Go regexp as a str of runes (no surrogates).

        Raises :class:`GoRegexError` where Go's ``regexp.Compile`` fails,
        :class:`UnsupportedRegex` where only RE2 does, :class:`MissingEngine`
        without google-re2.
        """
        self.source = source
        error = go_only_error(source)
        if error is not None:
            raise GoRegexError(error)
        engine = _engine()
        compiled = engine.RE2(source.encode("utf-8"), _options)
        if not compiled.ok():
            message = compiled.error()
            if isinstance(message, bytes):
                message = message.decode("utf-8", "replace")
            if "pattern too large" in message:
                raise UnsupportedRegex(f"too large for RE2's {MAX_MEM >> 20} MiB budget ({message})")
            raise GoRegexError(message)
        # The binding's low-level Match (the public search() goes through a
        # generator and str offsets, 2-3 times slower); see test_goregex.
        self._match = compiled.Match

    def search(self, path: str) -> bool:
        """Whether the regexp matches anywhere in ``path`` (Go's MatchString)."""
        b = subject(path)
        return bool(self._match(_unanchored, b, 0, len(b))[0][0] >= 0)
