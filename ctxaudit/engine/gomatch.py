"""A port of Go's ``path/filepath.Match`` for Unix.

Docker uses it twice: ``moby/patternmatcher`` calls ``Match(pattern, ".")``
only to reject malformed ignore patterns, and BuildKit expands COPY/ADD source
wildcards with it. Validation is partial, as in Go: a chunk is checked to its
end, but the chunks after the first mismatch are not. The port works on UTF-8 bytes as Go does, so a character
class consumes one rune and ``*`` never crosses ``/``.
"""

from __future__ import annotations


class BadPattern(ValueError):
    """filepath.ErrBadPattern: "syntax error in pattern"."""


def _decode_rune(b: bytes, i: int) -> tuple[int, int]:
    """utf8.DecodeRune: (rune, width); invalid bytes decode as U+FFFD width 1."""
    if i >= len(b):
        return 0xFFFD, 0
    c = b[i]
    if c < 0x80:
        return c, 1
    for width in (2, 3, 4):
        chunk = b[i : i + width]
        try:
            s = chunk.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len(s) == 1:
            return ord(s), width
    return 0xFFFD, 1


def _scan_chunk(pattern: bytes) -> tuple[bool, bytes, bytes]:
    star = False
    while pattern[:1] == b"*":
        pattern = pattern[1:]
        star = True
    inrange = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == 0x5C:  # backslash
            if i + 1 < len(pattern):
                i += 1
        elif c == 0x5B:  # [
            inrange = True
        elif c == 0x5D:  # ]
            inrange = False
        elif c == 0x2A and not inrange:  # *
            break
        i += 1
    return star, pattern[:i], pattern[i:]


def _get_esc(chunk: bytes) -> tuple[int, bytes]:
    if not chunk or chunk[0] in b"-]":
        raise BadPattern
    if chunk[0] == 0x5C:
        chunk = chunk[1:]
        if not chunk:
            raise BadPattern
    r, n = _decode_rune(chunk, 0)
    if r == 0xFFFD and n == 1:
        raise BadPattern
    rest = chunk[n:]
    if not rest:
        raise BadPattern
    return r, rest


def _match_chunk(chunk: bytes, s: bytes) -> tuple[bytes, bool]:
    """Match chunk at the start of s; raises BadPattern for a malformed chunk.

    After a mismatch Go keeps scanning the chunk only to validate it.
    """
    failed = False
    while chunk:
        if not failed and not s:
            failed = True
        c = chunk[0]
        if c == 0x5B:  # [
            r = -1
            if not failed:
                r, n = _decode_rune(s, 0)
                s = s[n:]
            chunk = chunk[1:]
            negated = False
            if chunk[:1] == b"^":
                negated = True
                chunk = chunk[1:]
            matched = False
            nrange = 0
            while True:
                if chunk[:1] == b"]" and nrange > 0:
                    chunk = chunk[1:]
                    break
                lo, chunk = _get_esc(chunk)
                hi = lo
                if chunk[:1] == b"-":
                    hi, chunk = _get_esc(chunk[1:])
                if lo <= r <= hi:
                    matched = True
                nrange += 1
            if matched == negated:
                failed = True
        elif c == 0x3F:  # ?
            if not failed:
                if s[0] == 0x2F:
                    failed = True
                _, n = _decode_rune(s, 0)
                s = s[n:]
            chunk = chunk[1:]
        else:
            if c == 0x5C:
                chunk = chunk[1:]
                if not chunk:
                    raise BadPattern
            if not failed:
                if chunk[0] != s[0]:
                    failed = True
                s = s[1:]
            chunk = chunk[1:]
    if failed:
        return b"", False
    return s, True


def match_bytes(pattern: bytes, name: bytes) -> bool:
    """filepath.Match on bytes; raises BadPattern for a malformed pattern."""
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and not chunk:
            # A trailing * matches the rest of the name unless it has a /.
            return b"/" not in name
        t, ok = _match_chunk(chunk, name)
        if ok and (not t or pattern):
            name = t
            continue
        if star:
            i = 0
            found = False
            while i < len(name) and name[i] != 0x2F:
                t, ok = _match_chunk(chunk, name[i + 1 :])
                if ok:
                    if not pattern and t:
                        i += 1
                        continue
                    name = t
                    found = True
                    break
                i += 1
            if found:
                continue
        # Go up to 1.24 (Docker 28's CLI, checked on the engine) returns here
        # without validating the chunks that follow: "a*/[b-]" is accepted.
        return False
    return not name


def match(pattern: str, name: str) -> bool:
    """filepath.Match on str (surrogate-escaped bytes round-trip)."""
    return match_bytes(pattern.encode("utf-8", "surrogateescape"), name.encode("utf-8", "surrogateescape"))


def validate(pattern: str) -> None:
    """Raise BadPattern when Go's filepath.Match would reject the pattern."""
    match(pattern, ".")
