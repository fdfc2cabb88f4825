"""Which of many ignore lines match one path, without trying them one by one.

Suggestions weigh hundreds of candidate lines against every path of a walk.
Trying each line's regexp on each path would cost lines x paths; most lines
have one of a few shapes that a dictionary answers at once:

* ``**/NAME`` and ``DIR/**/NAME`` (NAME literal): the path's last component is
  NAME (and the path lies below ``DIR/``): patternmatcher's suffix match,
  or its ``^DIR/(.*/)?NAME$`` regexp;
* ``**/*SUFFIX`` and ``DIR/**/*SUFFIX`` (SUFFIX literal, no ``/``): the last
  component ends with SUFFIX (``*`` is ``[^/]*``, so it may be empty);
* a literal path (patternmatcher's exact match);
* anything else is tried with its own matcher, behind the walk's cheap
  test of the lines' literal bounds (ctxaudit.engine.matcher.may_match),
  which rejects most paths in one C-level call.

Every answer equals ``DockerIgnorePattern.matches`` on the same path (the
tests hold the two against each other). A line with a deferred regexp error
never matches here (the caller must not propose it).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..engine.matcher import MayMatch, may_match
from ..engine.pattern import DockerIgnorePattern

_SPECIAL = frozenset("*?[]\\")


def shape(p: DockerIgnorePattern) -> tuple[str, str, str] | None:
    """(kind, scope, literal) for the shapes answered by lookup, else None.

    kind is ``"name"``, ``"suffix"`` or ``"exact"``; scope is the directory
    the line is confined to ("" for the whole context).
    """
    if p.deferred_error is not None or p.exclusion:
        return None
    return shape_of_text(p.text)


_REGEXP_SPECIAL = _SPECIAL | {"^"}  # '^' is passed to Go's regexp: an anchor once the line is a regexp


def shape_of_text(text: str) -> tuple[str, str, str] | None:
    """:func:`shape` from a line's normalized text alone (no compiling): the
    simple shapes only; None for anything else (compile it then)."""
    if not text or text[0] == "!":
        return None
    if not any(c in _SPECIAL for c in text):
        return ("exact", "", text)  # patternmatcher compares the whole path: '^' is a character
    scope = ""
    rest = text
    if not rest.startswith("**/"):
        head, sep, tail = rest.partition("/**/")
        if not sep or not head or any(c in _REGEXP_SPECIAL for c in head) or head.startswith("**"):
            return None
        scope, rest = head, "**/" + tail
    body = rest[3:]
    if not body or "/" in body:
        return None
    special = _REGEXP_SPECIAL if scope else _SPECIAL  # '**/NAME' alone is Docker's suffix compare
    if not any(c in special for c in body):
        return ("name", scope, body)
    if body.startswith("*") and not any(c in _REGEXP_SPECIAL for c in body[1:]):
        return ("suffix", scope, body[1:])
    return None


class LineIndex:
    """Lines by id; :meth:`matching` gives the ids of those matching a path."""

    def __init__(self) -> None:
        self.names: dict[str, list[tuple[str, int]]] = {}
        self.suffixes: dict[str, list[tuple[str, int]]] = {}
        self.exact: dict[str, list[int]] = {}
        self.generic: list[tuple[int, DockerIgnorePattern]] = []
        self._suffix_tuple: tuple[str, ...] = ()
        self._quick: MayMatch | None = None
        self._dirty = False

    def __len__(self) -> int:
        return (
            sum(map(len, self.names.values()))
            + sum(map(len, self.suffixes.values()))
            + sum(map(len, self.exact.values()))
            + len(self.generic)
        )

    def add(self, ident: int, p: DockerIgnorePattern) -> None:
        """Index line ``ident`` (an exclusion; exceptions are the caller's)."""
        if p.deferred_error is not None:
            return
        found = shape(p)
        if found is None:
            self.generic.append((ident, p))
            self._dirty = True
        else:
            self.add_shape(ident, found)

    def add_shape(self, ident: int, found: tuple[str, str, str]) -> None:
        """Index a line of a simple shape (:func:`shape_of_text`) without its pattern."""
        kind, scope, lit = found
        if kind == "exact":
            self.exact.setdefault(lit, []).append(ident)
        elif kind == "name":
            self.names.setdefault(lit, []).append((scope, ident))
        else:
            self.suffixes.setdefault(lit, []).append((scope, ident))
        self._dirty = True

    def _refresh(self) -> None:
        self._suffix_tuple = tuple(self.suffixes)
        # the walk's own cheap test (literal bounds of every line); None: any path may match
        self._quick = may_match([p for _, p in self.generic]) if self.generic else None
        self._dirty = False

    def matching(self, path: str, name: str) -> list[int]:
        """Ids of the lines that match ``path`` itself (``name``: its last component)."""
        if self._dirty:
            self._refresh()
        out: list[int] = []
        hits = self.names.get(name)
        if hits:
            out += [i for scope, i in hits if not scope or path.startswith(scope + "/")]
        if self._suffix_tuple and name.endswith(self._suffix_tuple):
            for k in range(len(name) + 1):
                hits = self.suffixes.get(name[k:])
                if hits:
                    out += [i for scope, i in hits if not scope or path.startswith(scope + "/")]
        hit = self.exact.get(path)
        if hit:
            out += hit
        if self.generic and (self._quick is None or self._quick(path)):
            out += [i for i, p in self.generic if p.matches(path)]
        return out


def all_matching(index: LineIndex, paths: Iterable[str]) -> set[int]:
    """Ids matching any of ``paths`` (a path and its ancestors)."""
    out: set[int] = set()
    for path in paths:
        out.update(index.matching(path, path.rpartition("/")[2]))
    return out
