"""The ``.env`` file of a Compose project, read as compose-go reads it.

Follows compose-go v2 ``dotenv/parser.go`` (docs: docs.docker.com/compose/
environment-variables/variable-interpolation/#env-file-syntax): ``#`` comment
lines; an optional ``export`` prefix; ``KEY=VALUE`` or ``KEY: VALUE``; a bare
``KEY`` takes the variable from the environment; unquoted values end at
`` #`` and are trimmed; ``'single'`` quotes are literal; ``"double"`` quotes
expand ``\\n``, ``\\t``, ``\\"``, ``\\\\``, ``\\$`` and friends. Unquoted and
double-quoted values are then interpolated (``${VAR:-x}``), looking the
variable up in the environment first, then in the lines read before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .interp import InterpolationError, substitute

_KEY = re.compile(r"[\w.\-\[\]]+")
_ESCAPES = {"a": "\a", "b": "\b", "c": "", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


class DotenvError(ValueError):
    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "$":
                out.append("$$")  # stays a literal $ through interpolation
                i += 2
                continue
            if nxt in "\"'\\":
                out.append(nxt)
                i += 2
                continue
            m = re.match(r"0([0-7]{1,3})", text[i + 1 :])
            if m:
                out.append(chr(int(m.group(1), 8)))
                i += 1 + len(m.group(0))
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def parse(
    text: str, environ: Mapping[str, str], file: str = ".env", before: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The variables ``text`` defines, over ``before`` (what earlier env files
    set: compose-go reads several into one map, a later line overriding);
    ``environ`` answers bare keys and references first, then ``before`` and
    the lines read so far.

    Raises DotenvError (with the line) for a line Compose cannot read.
    """
    values: dict[str, str] = dict(before or {})

    def lookup(name: str) -> str | None:
        return environ[name] if name in environ else values.get(name)

    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        number = i + 1
        line = lines[i].lstrip()
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("export ") or line.startswith("export\t"):
            line = line[7:].lstrip()
        m = _KEY.match(line)
        if m:
            key, rest = m.group(0), line[m.end() :].lstrip(" \t")
        elif line[:1] in ("=", ":"):
            # No name: compose-go reads the value (interpolation errors included) and
            # drops it (checked with Compose v2.40.3: "A=1\n=x\nE=2" sets A and E).
            key, rest = "", line
        else:
            raise DotenvError(file, number, f"unexpected character {line[:1]!r} in variable name")
        if not rest or rest.startswith("#"):
            if key in environ:
                values[key] = environ[key]
            continue
        if rest[0] not in "=:":
            raise DotenvError(file, number, f"unexpected character {rest[:1]!r} after variable name {key!r}")
        rest = rest[1:].lstrip(" \t")
        if rest[:1] in ("'", '"'):
            quote = rest[0]
            body = rest[1:]
            while True:
                end = _closing_quote(body, quote)
                if end >= 0 or i >= len(lines):
                    break
                body += "\n" + lines[i]
                i += 1
            if end < 0:
                raise DotenvError(file, number, f"unterminated quoted value for {key!r}")
            raw = body[:end]
            if quote == "'":
                if key:
                    values[key] = raw
                continue
            value = _unescape(raw)
        else:
            cut = re.search(r"\s#", rest)
            value = (rest[: cut.start()] if cut else rest).rstrip()
        try:
            value = substitute(value, lookup)
        except InterpolationError as exc:
            raise DotenvError(file, number, str(exc)) from None
        if key:
            values[key] = value
    return values


def _closing_quote(body: str, quote: str) -> int:
    i = 0
    while i < len(body):
        if body[i] == "\\" and quote == '"':
            i += 2
            continue
        if body[i] == quote:
            return i
        i += 1
    return -1
