"""YAML as Compose reads it: Go yaml.v3 scalar typing, ``!reset``/``!override``, lines.

PyYAML parses (YAML 1.1); this module converts its node tree itself, so
that untyped scalars get the types Go's ``gopkg.in/yaml.v3`` gives them
(``resolve.go``): only ``true``/``false`` (any case form Go accepts) are
booleans, so ``yes`` and ``on`` stay strings; integers in decimal, ``0x``,
``0o``, ``0b`` and legacy ``0``-octal, with ``_`` separators; floats with
an exponent or a leading dot; a plain ``2024-01-02`` is a timestamp, which
Compose rejects in a build argument. Compose turns these into strings as Go's
``fmt.Sprint`` does (``1.0`` -> ``1``, ``1.50`` -> ``1.5``): :func:`go_string`.

Mappings come back as :class:`YMap`, which remembers the line of every key,
so that findings can point at the Compose file line. ``!reset`` and
``!override`` (compose-go ``override/reset.go``) come back as :data:`RESET`
and :class:`Override`.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import yaml

_PLAIN = "tag:ctxaudit:plain"
_STR = "tag:yaml.org,2002:str"
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INT = re.compile(r"^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$")
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{1,2}-\d{1,2}"
    r"(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d{1,2}(?::?\d{2})?))?)?$"
)


class YamlError(ValueError):
    """The file is not YAML Compose can read: ``str()`` names the file and line."""


@dataclass(frozen=True)
class Pos:
    """Where something is written: file path as given, 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class YMap(dict[str, Any]):
    """A mapping with the position of the mapping and of each key."""

    def __init__(self, pos: Pos | None = None) -> None:
        super().__init__()
        self.pos = pos
        self.key_pos: dict[str, Pos] = {}

    def at(self, key: str) -> Pos | None:
        """The line of ``key``, else of the mapping."""
        return self.key_pos.get(key, self.pos)


class _Reset:
    def __repr__(self) -> str:
        return "RESET"


RESET: Any = _Reset()
"""``!reset``: the key is removed from what earlier files set."""


@dataclass
class Override:
    """``!override VALUE``: replaces what earlier files set instead of merging."""

    value: Any


@dataclass(frozen=True)
class Timestamp:
    """A plain scalar Go reads as time.Time (Compose rejects it in most places)."""

    text: str


class _Resolver(yaml.resolver.Resolver):
    """Leaves plain scalars untyped: :func:`_scalar` types them as Go does."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _Resolver):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Resolver.__init__(self)


def go_scalar(text: str) -> Any:
    """An untyped YAML scalar as Go yaml.v3 decodes it into ``any``."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"):
        return math.inf
    if text in ("-.inf", "-.Inf", "-.INF"):
        return -math.inf
    if text in (".nan", ".NaN", ".NAN"):
        return math.nan
    if not text or text[0] not in "0123456789+-.":
        return text
    if _TIMESTAMP.match(text):
        return Timestamp(text)
    plain = text.replace("_", "")
    if _INT.match(plain):
        sign = -1 if plain.startswith("-") else 1
        digits = plain.lstrip("+-")
        low = digits.lower()
        if low.startswith("0x"):
            return sign * int(digits[2:], 16)
        if low.startswith("0o"):
            return sign * int(digits[2:], 8)
        if low.startswith("0b"):
            return sign * int(digits[2:], 2)
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits[1:], 8)  # YAML 1.1 octal, still decoded by yaml.v3
        return sign * int(digits)
    if _YAML_FLOAT.match(plain):
        return float(plain)
    return text


def go_string(value: Any) -> str:
    """A decoded scalar as Go's ``fmt.Sprint`` prints it (how Compose stringifies args)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        if value == 0:
            return "-0" if math.copysign(1, value) < 0 else "0"
        # %v is %g with the shortest digits: exponent form below 1e-4 and from 1e6 on.
        d = Decimal(repr(value))
        exp = d.adjusted()
        if -4 <= exp < 6:
            text = format(d, "f")
            return text.rstrip("0").rstrip(".") if "." in text else text
        sign, digits, _ = d.as_tuple()
        mant = "".join(map(str, digits)).rstrip("0") or "0"
        mant = mant[0] + ("." + mant[1:] if len(mant) > 1 else "")
        return ("-" if sign else "") + f"{mant}e{'+' if exp >= 0 else '-'}{abs(exp):02d}"
    if isinstance(value, Timestamp):
        return value.text
    return str(value)


def _scalar(node: yaml.ScalarNode) -> Any:
    if node.tag == _PLAIN:
        return go_scalar(node.value)
    if node.tag == _STR or node.tag == "!":
        return node.value
    if node.tag.startswith("tag:yaml.org,2002:"):
        kind = node.tag.rsplit(":", 1)[1]
        if kind == "int":
            return int(node.value.replace("_", ""), 0)
        if kind == "float":
            return float(node.value)
        if kind == "bool":
            return node.value.lower() == "true"
        if kind == "null":
            return None
    return node.value


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.depth = 0

    def pos(self, node: yaml.Node) -> Pos:
        return Pos(self.file, node.start_mark.line + 1)

    def value(self, node: yaml.Node) -> Any:
        if node.tag == "!reset":
            return RESET
        if node.tag == "!override":
            node = _untagged(node)
            return Override(self.value(node))
        self.depth += 1
        if self.depth > 200:
            raise YamlError(f"{self.pos(node)}: nesting too deep (a recursive alias?)")
        try:
            if isinstance(node, yaml.ScalarNode):
                return _scalar(node)
            if isinstance(node, yaml.SequenceNode):
                return [self.value(n) for n in node.value]
            assert isinstance(node, yaml.MappingNode)
            return self.mapping(node)
        finally:
            self.depth -= 1

    def mapping(self, node: yaml.MappingNode) -> YMap:
        out = YMap(self.pos(node))
        merged: list[YMap] = []
        for key_node, value_node in node.value:
            if (
                isinstance(key_node, yaml.ScalarNode)
                and key_node.value == "<<"
                and key_node.tag
                in (
                    _PLAIN,
                    "tag:yaml.org,2002:merge",
                )
            ):
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for s in sources:
                    m = self.value(s)
                    if not isinstance(m, YMap):
                        raise YamlError(f"{self.pos(s)}: a merge key (<<) needs a mapping")
                    merged.append(m)
                continue
            key = self.value(key_node)
            key = go_string(key) if not isinstance(key, str) else key
            out[key] = self.value(value_node)
            out.key_pos[key] = self.pos(key_node)
        for m in merged:  # explicit keys win, then earlier merge sources
            for k, v in m.items():
                if k not in out:
                    out[k] = v
                    out.key_pos[k] = m.key_pos.get(k, m.pos or out.pos or Pos(self.file, 0))
        return out


def _untagged(node: yaml.Node) -> yaml.Node:
    if isinstance(node, yaml.ScalarNode):
        tag = _PLAIN if node.style is None else _STR
        return yaml.ScalarNode(tag, node.value, node.start_mark, node.end_mark, node.style)
    if isinstance(node, yaml.SequenceNode):
        return yaml.SequenceNode("tag:yaml.org,2002:seq", node.value, node.start_mark, node.end_mark)
    return yaml.MappingNode("tag:yaml.org,2002:map", node.value, node.start_mark, node.end_mark)


def load_all(text: str, file: str) -> list[Any]:
    """Every document of ``text`` (``file`` names it in positions and errors)."""
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))  # type: ignore[arg-type]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlError(f"{where}: {problem}") from None
    conv = _Converter(file)
    return [conv.value(n) for n in nodes if n is not None]


def is_timestamp(value: Any) -> bool:
    return isinstance(value, Timestamp | datetime.date)
