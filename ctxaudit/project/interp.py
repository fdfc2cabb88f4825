"""Compose variable interpolation, as compose-go's ``template`` package does it.

Ported from compose-spec/compose-go v2 ``template/template.go`` (v2.9.1 is
the version inside Docker Compose v2.40.3; the pattern, the operator choice
and the brace cutting below are its own). Supported forms: ``$$`` (a literal
``$``), ``$VAR``, ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``,
``${VAR:?error}``, ``${VAR?error}``, ``${VAR:+replacement}``,
``${VAR+replacement}``, nested in the default, error and replacement texts.

Quirks kept on purpose (each checked against the real binary):

* the braced group's ``(.*)`` is greedy, so the match is cut at the first
  balanced ``}`` and the rest interpolated again;
* the operator is the one whose text occurs first in the match:
  ``${UNSET:-a:-b}`` is ``a:-b``;
* ``${`` not followed by a valid braced form is an error
  ("invalid interpolation format").

``lazy``: compose-go v2.10.1 and later (Compose v5) interpolate only the
branch used; earlier versions (Compose v2.40.3) interpolate the default,
error and replacement texts first, so ``${SET:-${UNSET?e}}`` fails there.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NAMED = r"[_a-z][_a-z0-9]*"
_BRACED = r"[_a-z][_a-z0-9]*(?::?[-+?](.*))?"
# Go: \$(?i:(?P<escaped>\$)|(?P<named>...)|{(?:(?P<braced>...)}|(?P<invalid>)))
PATTERN = re.compile(
    r"\$(?i:(?P<escaped>\$)|(?P<named>" + _NAMED + r")|\{(?:(?P<braced>" + _BRACED + r")\}|(?P<invalid>)))"
)
_OPS = (":?", "?", ":-", "-", ":+", "+")

Lookup = Callable[[str], "str | None"]
"""A variable's value, None when unset."""


class InterpolationError(ValueError):
    """A template Compose rejects; ``str()`` is Compose's message."""


class InvalidTemplate(InterpolationError):
    def __init__(self, template: str) -> None:
        super().__init__(f"invalid interpolation format: {template!r} (you may need to escape any $ with another $)")
        self.template = template


class MissingRequired(InterpolationError):
    def __init__(self, variable: str, reason: str) -> None:
        message = f"required variable {variable} is missing a value"
        super().__init__(message + (f": {reason}" if reason else ""))
        self.variable = variable
        self.reason = reason


def _closing_brace(s: str) -> int:
    """getFirstBraceClosingIndex: the first balanced '}' (the byte after '{' is skipped)."""
    depth = 0
    i = 0
    while i < len(s):
        if s[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        if s[i] == "{":
            depth += 1
            i += 1
        i += 1
    return -1


def _operator(template: str) -> str:
    found = [(template.find(op), n, op) for n, op in enumerate(_OPS) if op in template]
    return min(found)[2] if found else ":?"


class _Substituter:
    def __init__(self, lookup: Lookup, lazy: bool, warn: Callable[[str], None] | None) -> None:
        self.lookup = lookup
        self.lazy = lazy
        self.warn = warn

    def apply(self, op: str, substitution: str) -> tuple[str, bool]:
        if op not in substitution:
            return "", False
        name, arg = substitution.split(op, 1)
        if not self.lazy:
            arg = self.run(arg)

        def branch(text: str) -> str:
            return self.run(text) if self.lazy else text

        value = self.lookup(name)
        if op in (":-", "-"):
            if value is None or (op == ":-" and value == ""):
                return branch(arg), True
            return value, True
        if op in (":+", "+"):
            if value is not None and (op == "+" or value != ""):
                return branch(arg), True
            return value or "", True
        if value is None or (op == ":?" and value == ""):
            raise MissingRequired(name, branch(arg))
        return value, True

    def replace(self, text: str) -> str:
        op = _operator(text)
        rest = ""
        cut = _closing_brace(text)
        if cut > -1:
            text, rest = text[: cut + 1], text[cut + 1 :]
        m = PATTERN.search(text)
        if m is None:
            raise InvalidTemplate(text)
        if m.group("escaped"):
            return "$"
        name = m.group("named")
        if not name:
            name = m.group("braced")
            if not name:
                raise InvalidTemplate(text)
            value, applied = self.apply(op, name)
            if applied:
                return value + self.run(rest)
        found = self.lookup(name)
        if found is None:
            if self.warn is not None:
                self.warn(f'The "{name}" variable is not set. Defaulting to a blank string.')
            return ""
        return found

    def run(self, template: str) -> str:
        out: list[str] = []
        pos = 0
        first: InterpolationError | None = None
        for m in PATTERN.finditer(template):
            out.append(template[pos : m.start()])
            try:
                out.append(self.replace(m.group(0)))
            except InterpolationError as exc:  # Go goes on and returns the first error
                first = first or exc
            pos = m.end()
        out.append(template[pos:])
        if first is not None:
            raise first
        return "".join(out)


def substitute(template: str, lookup: Lookup, *, lazy: bool = True, warn: Callable[[str], None] | None = None) -> str:
    """``template`` with every variable replaced; raises InterpolationError
    (InvalidTemplate, MissingRequired) as Compose fails on it. ``warn``
    receives Compose's warning for an unset variable."""
    return _Substituter(lookup, lazy, warn).run(template)
