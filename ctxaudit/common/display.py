"""Safe, exact rendering of context paths and sizes for people and terminals."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\udc80-\udcff]")


def path(p: str) -> str:
    """A path with undecodable bytes and control characters as ``\\xNN``.

    Names that are not UTF-8 reach Python as surrogate escapes; printing them
    raw would crash or corrupt a line-based listing.
    """
    if (p.isascii() and p.isprintable()) or not _UNSAFE.search(p):
        return p
    return _UNSAFE.sub(lambda m: f"\\x{_byte(m.group())}", p)


def _byte(ch: str) -> str:
    code = ord(ch)
    return f"{code - 0xDC00:02x}" if code >= 0xDC80 else f"{code:02x}"


_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def size(n: int, raw: bool = False) -> str:
    """Binary units (KiB, MiB...) or, with ``raw``, the exact byte count."""
    if raw:
        return str(n)
    value = float(n)
    for unit in _UNITS:
        if abs(value) < 1024 or unit == _UNITS[-1]:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


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
