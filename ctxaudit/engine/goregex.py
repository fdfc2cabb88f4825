"""Translate Go RE2 syntax (``regexp.Compile``) into Python ``re`` syntax.

``moby/patternmatcher`` turns an ignore pattern into a Go regular expression
and passes character classes and backslash escapes straight through, so what
``[!x]``, ``[[:digit:]]``, ``\\d`` or ``\\Q`` mean is decided by Go's regexp
parser. This module parses the Go text with Go's rules (parser.go in
regexp/syntax) and emits an equivalent Python pattern, raising
:class:`GoRegexError` where Go would refuse to compile and
:class:`UnsupportedRegex` for the few valid constructs Python cannot express
(Unicode classes such as ``\\pL``).
"""

from __future__ import annotations

MAX_RUNE = 0x10FFFF


class GoRegexError(ValueError):
    """Go's regexp.Compile rejects the expression."""


class UnsupportedRegex(ValueError):
    """Valid in Go, but ctxaudit cannot evaluate it."""


Ranges = list[tuple[int, int]]

_POSIX: dict[str, Ranges] = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)],
    "alpha": [(0x41, 0x5A), (0x61, 0x7A)],
    "ascii": [(0x00, 0x7F)],
    "blank": [(0x09, 0x09), (0x20, 0x20)],
    "cntrl": [(0x00, 0x1F), (0x7F, 0x7F)],
    "digit": [(0x30, 0x39)],
    "graph": [(0x21, 0x7E)],
    "lower": [(0x61, 0x7A)],
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": [(0x09, 0x0D), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)],
    "word": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}

# Perl classes are ASCII-only in Go; \s has no \v.
_PERL: dict[str, Ranges] = {
    "d": [(0x30, 0x39)],
    "s": [(0x09, 0x0A), (0x0C, 0x0D), (0x20, 0x20)],
    "w": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
}

_UNICODE_CATEGORIES = frozenset("CLMNPSZ")


def _negate(ranges: Ranges) -> Ranges:
    out: Ranges = []
    nxt = 0
    for lo, hi in sorted(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= MAX_RUNE:
        out.append((nxt, MAX_RUNE))
    return out


def _char(c: int) -> str:
    """A code point written so it is literal both inside and outside a class."""
    if c < 0x100:
        return f"\\x{c:02x}"
    if c < 0x10000:
        return f"\\u{c:04x}"
    return f"\\U{c:08x}"


def _class(ranges: Ranges, negated: bool = False) -> str:
    body = "".join(_char(lo) if lo == hi else f"{_char(lo)}-{_char(hi)}" for lo, hi in ranges)
    return f"[{'^' if negated else ''}{body}]"


def _isalnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _unhex(c: str) -> int:
    return int(c, 16) if c in "0123456789abcdefABCDEF" else -1


def _parse_escape(s: str, i: int) -> tuple[int, int]:
    """parseEscape: s[i] is the backslash; returns (rune, next index)."""
    start = i
    i += 1
    if i >= len(s):
        raise GoRegexError("trailing backslash at end of expression")
    c = s[i]
    i += 1
    if c.isascii() and not _isalnum(c):
        return ord(c), i
    if c in "1234567" and not (i < len(s) and "0" <= s[i] <= "7"):
        raise GoRegexError(f"invalid escape sequence: `{s[start:i]}`")
    if c in "01234567":
        r = ord(c) - 0x30
        for _ in range(2):
            if i < len(s) and "0" <= s[i] <= "7":
                r = r * 8 + ord(s[i]) - 0x30
                i += 1
            else:
                break
        return r, i
    if c == "x" and i < len(s):
        c2 = s[i]
        i += 1
        if c2 == "{":
            r, nhex = 0, 0
            while i < len(s):
                d = s[i]
                i += 1
                if d == "}":
                    if nhex:
                        return r, i
                    break
                v = _unhex(d)
                if v < 0:
                    break
                r = r * 16 + v
                nhex += 1
                if r > MAX_RUNE:
                    break
            raise GoRegexError(f"invalid escape sequence: `{s[start:i]}`")
        if i < len(s):
            x, y = _unhex(c2), _unhex(s[i])
            i += 1
            if x >= 0 and y >= 0:
                return x * 16 + y, i
        raise GoRegexError(f"invalid escape sequence: `{s[start:i]}`")
    simple = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
    if c in simple:
        return simple[c], i
    raise GoRegexError(f"invalid escape sequence: `{s[start:i]}`")


def _unicode_class(s: str, i: int) -> None:
    """Handle \\p / \\P at s[i]: never representable, sometimes invalid."""
    name = s[i + 2 : i + 3]
    if name in _UNICODE_CATEGORIES:
        raise UnsupportedRegex(f"Go Unicode class `{s[i : i + 3]}` is not supported")
    raise GoRegexError(f"invalid character class range: `{s[i : i + 3]}`")


def _parse_class(s: str, i: int) -> tuple[str, int]:
    """parseClass: s[i] is '['; returns (python class, next index)."""
    whole = s[i:]
    i += 1
    negated = False
    if i < len(s) and s[i] == "^":
        negated = True
        i += 1
    ranges: Ranges = []
    first = True
    while i >= len(s) or s[i] != "]" or first:
        first = False
        if i + 2 < len(s) and s[i] == "[" and s[i + 1] == ":":
            end = s.find(":]", i + 2)
            if end >= 0:
                name = s[i + 2 : end]
                neg = name.startswith("^")
                group = _POSIX.get(name[1:] if neg else name)
                if group is None:
                    raise GoRegexError(f"invalid character class range: `{s[i : end + 2]}`")
                ranges.extend(_negate(group) if neg else group)
                i = end + 2
                continue
        if i + 1 < len(s) and s[i] == "\\" and s[i + 1] in "pP":
            _unicode_class(s, i)
        if i + 1 < len(s) and s[i] == "\\" and s[i + 1].lower() in _PERL:
            group = _PERL[s[i + 1].lower()]
            ranges.extend(_negate(group) if s[i + 1].isupper() else group)
            i += 2
            continue
        lo, i = _class_char(s, i, whole)
        hi = lo
        if i + 1 < len(s) and s[i] == "-" and s[i + 1] != "]":
            hi, i = _class_char(s, i + 1, whole)
            if hi < lo:
                raise GoRegexError("invalid character class range")
        ranges.append((lo, hi))
    return _class(ranges, negated), i + 1


def _class_char(s: str, i: int, whole: str) -> tuple[int, int]:
    if i >= len(s):
        raise GoRegexError(f"missing closing ]: `{whole}`")
    if s[i] == "\\":
        return _parse_escape(s, i)
    return ord(s[i]), i + 1


# Single characters outside a class: the Python text and what they count as
# for a following repetition. Go's "$" (no multi-line flag) is Python's \Z.
_SIMPLE = {"|": ("|", "start"), "^": ("^", "anchor"), "$": (r"\Z", "anchor"), ".": (".", "atom")}


def translate(go: str) -> str:
    """Return a Python regex equivalent to the Go regex ``go``."""
    out: list[str] = []
    # What the previous item was decides whether a repetition is legal:
    # "start" (nothing to repeat), "atom", "anchor", "repeat" or "lazy".
    last = "start"
    depth = 0
    i = 0
    n = len(go)
    while i < n:
        c = go[i]
        if c in "*+?":
            if last in ("repeat", "lazy"):
                if c == "?" and last == "repeat":
                    out.append("?")
                    last = "lazy"
                    i += 1
                    continue
                raise GoRegexError(f"invalid nested repetition operator: `{go[i - 1 : i + 1]}`")
            if last == "start":
                raise GoRegexError(f"missing argument to repetition operator: `{c}`")
            if last == "anchor":
                # Go repeats an empty-width assertion; Python needs a group.
                out[-1] = f"(?:{out[-1]})"
            out.append(c)
            last = "repeat"
            i += 1
            continue
        if c == "(":
            if go.startswith("(?", i):
                raise UnsupportedRegex("Go regexp flags or named groups are not supported")
            out.append("(?:")
            depth += 1
            last = "start"
            i += 1
            continue
        if c == ")":
            if depth == 0:
                raise GoRegexError("unexpected ): `" + go + "`")
            depth -= 1
            out.append(")")
            last = "atom"
            i += 1
            continue
        if c in _SIMPLE:
            piece, last = _SIMPLE[c]
            out.append(piece)
            i += 1
            continue
        if c == "[":
            cls, i = _parse_class(go, i)
            out.append(cls)
            last = "atom"
            continue
        if c == "\\" and i + 1 < n:
            e = go[i + 1]
            anchors = {"A": r"\A", "z": r"\Z", "b": r"(?a:\b)", "B": r"(?a:\B)"}
            if e in anchors:
                out.append(anchors[e])
                last = "anchor"
                i += 2
                continue
            if e == "C":
                raise GoRegexError("invalid escape sequence: `\\C`")
            if e == "Q":
                end = go.find("\\E", i + 2)
                lit = go[i + 2 :] if end < 0 else go[i + 2 : end]
                out.extend(_char(ord(ch)) for ch in lit)
                if lit:
                    last = "atom"
                i = n if end < 0 else end + 2
                continue
            if e in "pP":
                _unicode_class(go, i)
            if e.lower() in _PERL:
                group = _PERL[e.lower()]
                out.append(_class(group, negated=e.isupper()))
                last = "atom"
                i += 2
                continue
            r, i = _parse_escape(go, i)
            out.append(_char(r))
            last = "atom"
            continue
        if c == "\\":
            raise GoRegexError("trailing backslash at end of expression")
        out.append(_char(ord(c)))
        last = "atom"
        i += 1
    if depth:
        raise GoRegexError("missing closing ): `" + go + "`")
    return "".join(out)
