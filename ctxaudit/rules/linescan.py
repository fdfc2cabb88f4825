"""Which ignore lines match at least one path of a walk, at a few lookups per path.

Dead-line detection (CA205) asks, for every line, whether any path of the
context matches it. Trying every still-unmatched line on every path costs
lines x paths Python calls (an hour for 100,000 lines on 300,000 paths).
Most lines are cheaper to rule out by a necessary condition a dictionary
answers: patternmatcher's exact match is ``path == text``, its prefix match
``path.startswith(text[:-2])``, its suffix match ``path.endswith(text[2:])``
(or ``path == text[3:]`` for ``**/x``); a regexp line made only of literal
characters, ``*``, ``?`` and ``**`` matches only paths that start with its
literal head (the text before the first wildcard) and end with its literal
tail (after the last one). A candidate is then confirmed with the line's own
``matches``, so every answer is the line's. Lines with other regexp syntax
(``\\``, classes, Go's live ``|{}^$``) are tried on every path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..engine.pattern import DockerIgnorePattern, MatchType

_WILDCARDS = "*?"
_OPAQUE = frozenset("\\[]|{}^$")  # regexp syntax beyond the wildcards: no literal head or tail to trust
_SCREEN_KEYS = 32  # beyond this many, a lookup per key length is cheaper than a test per key


def _head_tail(text: str) -> tuple[str, str]:
    """The literal text before the first wildcard and after the last one."""
    first = min((i for i in (text.find(c) for c in _WILDCARDS) if i >= 0), default=len(text))
    last = max(text.rfind(c) for c in _WILDCARDS)
    return text[:first], text[last + 1 :] if last >= 0 else ""


def literal_bounds(p: DockerIgnorePattern) -> tuple[str, str]:
    """(head, tail): every path the line matches starts with head and ends with tail ("" when nothing is known)."""
    t = p.text
    if p.match_type is MatchType.EXACT:
        return t, t
    if p.match_type is MatchType.PREFIX:
        return t[:-2], ""
    if p.match_type is MatchType.SUFFIX:
        return "", t[2:].lstrip("/")  # **/x also matches x itself
    if any(c in _OPAQUE for c in t):
        return "", ""
    return _head_tail(t)


class _ByLength:
    """Strings grouped by length, so that a path is looked up once per length present."""

    def __init__(self) -> None:
        self.groups: dict[int, dict[str, list[int]]] = {}

    def add(self, key: str, index: int) -> None:
        self.groups.setdefault(len(key), {}).setdefault(key, []).append(index)

    def drop(self, matched: set[int]) -> None:
        """Forget keys whose lines have all matched (fewer lookups per path)."""
        for length in list(self.groups):
            group = self.groups[length]
            for key in [k for k, ids in group.items() if all(i in matched for i in ids)]:
                del group[key]
            if not group:
                del self.groups[length]


class MatchedLines:
    """Feed it paths with :meth:`see`; :attr:`pending` keeps the lines no path matched yet."""

    def __init__(self, lines: Sequence[DockerIgnorePattern], pending: Iterable[int]) -> None:
        self.lines = lines
        self.pending = set(pending)
        self._matched: set[int] = set()
        self._exact: dict[str, list[int]] = {}
        self._heads = _ByLength()
        self._tails = _ByLength()
        self._rest: list[int] = []
        for i in self.pending:
            p = lines[i]
            t = p.text
            if p.match_type is MatchType.EXACT:
                self._exact.setdefault(t, []).append(i)
            elif p.match_type is MatchType.PREFIX:
                self._heads.add(t[:-2], i)
            elif p.match_type is MatchType.SUFFIX:
                self._tails.add(t[2:], i)
                if t.startswith("**/"):
                    self._exact.setdefault(t[3:], []).append(i)
            elif any(c in _OPAQUE for c in t):
                self._rest.append(i)
            else:
                head, tail = _head_tail(t)
                if tail:
                    self._tails.add(tail, i)
                elif head:
                    self._heads.add(head, i)
                else:
                    self._rest.append(i)
        self._since_drop = 0
        self._drop()

    def _drop(self) -> None:
        """Forget the keys of lines that all matched, and gather the live keys
        into the two tuples :meth:`see` tests first."""
        matched = self._matched
        self._heads.drop(matched)
        self._tails.drop(matched)
        for key in [k for k, ids in self._exact.items() if all(i in matched for i in ids)]:
            del self._exact[key]
        # A path can match a line only if it starts with one of these (an
        # exact text is its own head) or ends with one of those: a screen
        # worth testing first while the keys are few and no line is in _rest
        # (else "" lets every path through).
        starts = (*self._exact, *(k for g in self._heads.groups.values() for k in g))
        ends = tuple(k for g in self._tails.groups.values() for k in g)
        keys = len(starts) + len(ends)
        screened = not self._rest and keys <= _SCREEN_KEYS
        self.starts, self.ends = (starts, ends) if screened else (("",), ())
        # Often enough that a short file stops testing a line as soon as it
        # matched; rarely enough that a long one spends O(64) per match here.
        self._drop_at = min(65, 1 + keys // 64)
        self._since_drop = 0

    def see(self, path: str) -> None:
        """Mark the pending lines ``path`` matches. Called for every entry of a
        full walk, where most paths match none: a caller in a hot loop may skip
        a path that neither starts with one of :attr:`starts` nor ends with
        one of :attr:`ends` (two C-level tests), as this does first."""
        if not self.pending:
            return
        if not path.startswith(self.starts) and not path.endswith(self.ends):
            return
        found = self._exact.get(path)
        if found is not None:
            self._confirm(found, path)
        n = len(path)
        for length, group in self._heads.groups.items():  # inlined: called for every entry of a walk
            if length <= n:
                found = group.get(path[:length])
                if found is not None:
                    self._confirm(found, path)
        for length, group in self._tails.groups.items():
            if length <= n:
                found = group.get(path[n - length :] if length else "")
                if found is not None:
                    self._confirm(found, path)
        if self._rest:
            before = len(self.pending)
            self._confirm(self._rest, path)
            if len(self.pending) < before:
                self._rest = [i for i in self._rest if i in self.pending]
        if self._since_drop >= self._drop_at:
            self._drop()

    def _confirm(self, ids: list[int], path: str) -> None:
        pending = self.pending
        lines = self.lines
        for i in ids:
            if i in pending and lines[i].matches(path):
                pending.discard(i)
                self._matched.add(i)
                self._since_drop += 1
