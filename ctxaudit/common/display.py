"""Safe, exact rendering of context paths and sizes for people and terminals.

One escaping for every output (table, markdown, JSON, SARIF messages,
annotations, ``ls``, error lines): a byte that is not valid UTF-8, and a
character a terminal or a log reader would act on, is written ``\\xNN``
(two lower-case hex digits per byte, like ``ls --quoting-style=escape``):

* undecodable bytes of a name (Python holds them as surrogate escapes);
* C0 controls (``\\x00``-``\\x1f``: NUL, ESC, CR, LF, TAB...) and DEL;
* C1 controls (U+0080-U+009F, as their UTF-8 bytes: ``\\xc2\\x9b``), which
  some terminals read as CSI;
* the bidirectional overrides and isolates (U+202A-U+202E, U+2066-U+2069,
  "Trojan Source") and the line and paragraph separators U+2028/U+2029.

A backslash itself is left alone, so the escaping is for reading, not a
reversible encoding. Every other character, non-ASCII letters included,
is printed as is; the result is always valid UTF-8.
"""

from __future__ import annotations

import codecs
import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def text(s: str) -> str:
    """``s`` with undecodable bytes and control characters as ``\\xNN``.

    Names that are not UTF-8 reach Python as surrogate escapes; printing them
    raw would crash or corrupt a line-based listing, and a control character
    would reach the terminal (an ESC sequence hides text, a newline starts a
    line a CI runner reads as a command). Idempotent: escaping twice changes
    nothing.
    """
    if (s.isascii() and s.isprintable()) or not _UNSAFE.search(s):
        return s
    return _UNSAFE.sub(_escape_match, s)


path = text
"""A context path for display: :func:`text`."""


def _escape_match(m: re.Match[str]) -> str:
    return escape_char(m.group())


def escape_char(ch: str) -> str:
    """One character as ``\\xNN`` per byte: the byte a surrogate escape
    stands for, else the character's UTF-8 bytes."""
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    return "".join(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogatepass"))


def _encode_error(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: what an encoding cannot represent, as ``\\xNN``."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(escape_char(ch) for ch in exc.object[exc.start : exc.end]), exc.end


ERRORS = "ctxaudit-escape"
"""Codec error handler for streams and files: a character the encoding
cannot write (a surrogate escape under UTF-8, anything non-ASCII under an
ASCII locale) comes out as ``\\xNN``, never as an exception."""

codecs.register_error(ERRORS, _encode_error)


def encode(s: str, encoding: str = "utf-8") -> bytes:
    """``s`` encoded, with :data:`ERRORS` for what the encoding cannot hold."""
    return s.encode(encoding, ERRORS)


_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def amount(n: int, raw: bool = False) -> str:
    """A size in prose, where no column header says the unit: :func:`size`,
    with "bytes" after an exact count ("29,587 bytes")."""
    return f"{n:,} bytes" if raw else size(n)


def size(n: int, raw: bool = False) -> str:
    """Binary units (KiB, MiB...) with one decimal, or with ``raw`` the exact
    byte count with thousands separators ("1,478").

    Below 1 KiB the count is exact ("1,000 B"); above, a figure never shows
    four digits before the point: 1,026,867 bytes are "1.0 MiB", not
    "1002.8 KiB".
    """
    if raw:
        return f"{n:,}"
    if abs(n) < 1024:
        return f"{n:,} B"
    value = n / 1024
    for unit in _UNITS[1:]:
        if abs(value) < 999.95 or unit == _UNITS[-1]:
            return f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


_PLURALS = {"directory": "directories", "entry": "entries", "was": "were", "is": "are"}


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with thousands separators and the noun agreeing with it: "1 file",
    "1,478 files", "2 directories" (``plural`` for any other irregular noun)."""
    return f"{n:,} {noun if n == 1 else plural or _PLURALS.get(noun) or noun + 's'}"


def buildkit_size(n: int) -> str:
    """A byte count as BuildKit's progress prints it: exact below 1 kB, then
    decimal units with two decimals ("593B", "52.45MB")."""
    if n < 1000:
        return f"{n}B"
    value = float(n)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            break
    return f"{value:.2f}{unit}"
