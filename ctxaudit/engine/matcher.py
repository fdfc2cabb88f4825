"""Docker's decision for a path: moby/patternmatcher's PatternMatcher.

Three entry points, because Docker uses three and they differ:

* :meth:`Matcher.using_parent_results` (``MatchesUsingParentResults``): the
  walks of BuildKit (fsutil) and of the legacy tar. A pattern already matched
  by the parent directory stays matched, but a pattern *skipped* for the
  parent (polarity already decided) is recorded as unmatched and is then
  tried on the child path alone. ``a``, ``!a/c``, ``a`` therefore sends
  ``a/c`` with these walks, though ``a`` matches its parent.
* :meth:`Matcher.or_parent_matches` (``MatchesOrParentMatches``): the legacy
  CLI's context validation and the daemon's removal of build files; every
  ancestor is tried.
* :meth:`Matcher.matches_one_parent` (the deprecated ``Matches``): the legacy
  CLI's decision to keep the Dockerfile and ``.dockerignore``.

Parent results are an ``int`` bit set (bit i: pattern i matched), so a walk
keeps one small int per open directory.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from .pattern import DockerIgnorePattern, MatchType, PatternError


class Decision(NamedTuple):
    matched: bool  # the last deciding line ignores the path (for includes: takes it)
    bits: int
    rule: int | None  # index of the deciding pattern, None when none matched


MayMatch = Callable[[str], object]
"""``path -> truthy``: falsy only when no line of a set can match the path."""

_NOTHING = re.compile(r"(?!)")


def may_match(patterns: Sequence[DockerIgnorePattern]) -> MayMatch | None:
    """A cheap test that is falsy only when none of ``patterns`` matches.

    Exact, prefix and suffix lines are Docker's own byte comparisons, so the
    test is exact for them; a regexp line counts as matching when the path
    has its literal bounds (``*.log``: ends with ``.log``), and RE2 then
    decides. The comparisons are one Python regex of literals only (linear:
    no two unbounded parts in a row), whose ``match`` runs in C, without a
    Python frame per path. None when some line has no bound (``*``): every
    path may match.
    """
    if len(patterns) > _REGEX_LINES:
        return _LiteralBounds.of(patterns)
    parts: list[str] = []
    for p in patterns:
        t = p.match_type
        if t is MatchType.EXACT:
            parts.append(rf"\A{re.escape(p.text)}\Z")
        elif t is MatchType.PREFIX:
            parts.append(rf"\A{re.escape(p.text[:-2])}")
        elif t is MatchType.SUFFIX:
            parts.append(rf"(?s:.*){re.escape(p.suffix)}\Z")
            if p.suffix.startswith("/"):
                parts.append(rf"\A{re.escape(p.suffix[1:])}\Z")
        elif p.literal_prefix or p.literal_suffix:
            # The bounds never overlap: a wildcard, class or escape separates them.
            parts.append(rf"\A{re.escape(p.literal_prefix)}(?s:.*){re.escape(p.literal_suffix)}\Z")
        else:
            return None
    return re.compile("|".join(parts)).match if parts else _NOTHING.match


# Up to this many lines the test is one regex, a single C call per path; past
# it the regex tries its alternatives one by one (a 100,000-line ignore file
# cost 1 ms and 240 MB) and set lookups by length are cheaper.
_REGEX_LINES = 64


class _LiteralBounds:
    """:func:`may_match` for many lines: the same literal comparisons as
    lookups, a few per distinct length of prefix or suffix present."""

    def __init__(self) -> None:
        self.exact: set[str] = set()
        self.prefixes: dict[int, set[str]] = {}
        self.suffixes: dict[int, set[str]] = {}
        # suffix length -> suffix -> prefix length -> prefixes (a lookup per length, not a scan of
        # the prefixes: one line per nested .gitignore shares its suffix with hundreds of others)
        self.bounded: dict[int, dict[str, dict[int, set[str]]]] = {}

    @classmethod
    def of(cls, patterns: Sequence[DockerIgnorePattern]) -> MayMatch | None:
        b = cls()
        for p in patterns:
            t = p.match_type
            if t is MatchType.EXACT:
                b.exact.add(p.text)
            elif t is MatchType.PREFIX:
                b.prefixes.setdefault(len(p.text) - 2, set()).add(p.text[:-2])
            elif t is MatchType.SUFFIX:
                b.suffixes.setdefault(len(p.suffix), set()).add(p.suffix)
                if p.suffix.startswith("/"):
                    b.exact.add(p.suffix[1:])
            elif p.literal_suffix:
                tail, head = p.literal_suffix, p.literal_prefix
                b.bounded.setdefault(len(tail), {}).setdefault(tail, {}).setdefault(len(head), set()).add(head)
            elif p.literal_prefix:
                b.prefixes.setdefault(len(p.literal_prefix), set()).add(p.literal_prefix)
            else:
                return None
        return b.test

    def test(self, path: str) -> bool:
        if path in self.exact:
            return True
        n = len(path)
        for length, group in self.prefixes.items():
            if length <= n and path[:length] in group:
                return True
        for length, group in self.suffixes.items():
            if length <= n and path[n - length :] in group:
                return True
        for length, tails in self.bounded.items():
            if length <= n:
                heads = tails.get(path[n - length :])
                if heads is not None:
                    for head_length, group in heads.items():
                        # the bounds never overlap: a wildcard, class or escape separates them
                        if head_length + length <= n and path[:head_length] in group:
                            return True
        return False


class _LineIndex:
    """The lines of a long ignore file whose literal bounds a path has (see
    :func:`may_match`): a superset of the lines that match the path itself,
    in file order, at a few lookups per path instead of one match per line."""

    def __init__(self, patterns: Sequence[DockerIgnorePattern]) -> None:
        self.patterns: list[DockerIgnorePattern] | None = None  # held by a shared index (_line_index)
        self.always: list[int] = []  # no bound: tried on every path
        self.exact: dict[str, list[int]] = {}
        self.prefixes: dict[int, dict[str, list[int]]] = {}
        self.suffixes: dict[int, dict[str, list[int]]] = {}
        self.bounded: dict[int, dict[str, dict[int, dict[str, list[int]]]]] = {}
        for i, p in enumerate(patterns):
            t = p.match_type
            if t is MatchType.EXACT:
                self.exact.setdefault(p.text, []).append(i)
            elif t is MatchType.PREFIX:
                self.prefixes.setdefault(len(p.text) - 2, {}).setdefault(p.text[:-2], []).append(i)
            elif t is MatchType.SUFFIX:
                self.suffixes.setdefault(len(p.suffix), {}).setdefault(p.suffix, []).append(i)
                if p.suffix.startswith("/"):
                    self.exact.setdefault(p.suffix[1:], []).append(i)
            elif p.literal_suffix:
                tail, head = p.literal_suffix, p.literal_prefix
                by_tail = self.bounded.setdefault(len(tail), {}).setdefault(tail, {})
                by_tail.setdefault(len(head), {}).setdefault(head, []).append(i)
            elif p.literal_prefix:
                self.prefixes.setdefault(len(p.literal_prefix), {}).setdefault(p.literal_prefix, []).append(i)
            else:
                self.always.append(i)

    def lines(self, path: str, parent: int) -> list[int]:
        """Indices of the lines that may match ``path`` and of the lines set in ``parent``, sorted."""
        found = list(self.always)
        hit = self.exact.get(path)
        if hit is not None:
            found += hit
        n = len(path)
        for length, group in self.prefixes.items():
            if length <= n:
                hit = group.get(path[:length])
                if hit is not None:
                    found += hit
        for length, group in self.suffixes.items():
            if length <= n:
                hit = group.get(path[n - length :])
                if hit is not None:
                    found += hit
        for length, tails in self.bounded.items():
            if length <= n:
                heads = tails.get(path[n - length :])
                if heads is not None:
                    for head_length, by_head in heads.items():
                        if head_length + length <= n:
                            hit = by_head.get(path[:head_length])
                            if hit is not None:
                                found += hit
        while parent:
            low = parent & -parent
            found.append(low.bit_length() - 1)
            parent ^= low
        return sorted(set(found))


# The indexes some matcher still uses, by the ids of the lines they index (each index
# holds its lines, so the ids stay theirs): lint walks and checks the same lines with
# several matchers.
_INDEXES: weakref.WeakValueDictionary[tuple[int, ...], _LineIndex] = weakref.WeakValueDictionary()


def _line_index(patterns: list[DockerIgnorePattern]) -> _LineIndex:
    """:class:`_LineIndex` of ``patterns``, shared by matchers of the very same lines."""
    key = tuple(map(id, patterns))
    index = _INDEXES.get(key)
    if index is None:
        index = _LineIndex(patterns)
        index.patterns = list(patterns)
        _INDEXES[key] = index
    return index


class Matcher:
    # Docker's line index (a subclass with other matching semantics has its own)
    _docker_index = True

    def __init__(self, patterns: Sequence[DockerIgnorePattern]) -> None:
        self.patterns = [p for p in patterns if p.include is not None]
        self.exclusions = any(p.exclusion for p in self.patterns)
        self._lazy_errors = any(p.deferred_error is not None for p in self.patterns)
        self._shortcuts: dict[int, tuple[MayMatch | None, Decision]] = {}
        # Long ignore files (generated, or suggestions' trials with a line per nested
        # .gitignore): a path tries only the lines whose literal bounds it has. Not with a
        # deferred regexp error: Go must meet the line to fail.
        long_file = len(self.patterns) > _REGEX_LINES and not self._lazy_errors
        self._index = _line_index(self.patterns) if long_file and self._docker_index else None

    def shortcut(self, parent: int) -> tuple[MayMatch | None, Decision]:
        """For children of a directory whose results are ``parent``: a test of
        whether any line the parent did not match may match the child, and the
        decision when none does.

        Docker's loop keeps each line the parent matched and tries the others
        on the child alone (ignoring lines only while they cannot change the
        result). If none of the others matches, the child gets exactly the
        parent's lines: the polarity of the last one, the same bits. For a
        parent that matched nothing only the ignoring lines matter, since an
        exception is never tried while nothing matched. The test is None (use
        :meth:`using_parent_results`) when it would pass every path, and when
        a line has a deferred regexp error: Go must meet it to fail.
        """
        cached = self._shortcuts.get(parent)
        if cached is not None:
            return cached
        rule: int | None = None
        others: list[DockerIgnorePattern] = []
        for i, p in enumerate(self.patterns):
            if parent >> i & 1:
                rule = i
            elif parent or not p.exclusion:
                others.append(p)
        matched = rule is not None and not self.patterns[rule].exclusion
        quick = None if self._lazy_errors else may_match(others)
        result = (quick, Decision(matched, parent, rule))
        if len(self._shortcuts) < 4096:
            self._shortcuts[parent] = result
        return result

    def using_parent_results(self, path: str, parent: int | None) -> Decision:
        """MatchesUsingParentResults; ``parent`` None is Go's zero MatchInfo."""
        # The shortcut does not look at ancestors: use it only when Go would
        # not either (parent results given, or a top-level path).
        if parent is not None or "/" not in path:
            quick, decision = self.shortcut(parent or 0)
            if quick is not None and not quick(path):
                return decision
        matched = False
        bits = 0
        rule: int | None = None
        ancestors: list[str] | None = None
        patterns = self.patterns
        # Lines outside the index's answer neither match the path nor were matched by the
        # parent: Go's loop leaves the result unchanged on them. Without parent results Go
        # tries the ancestors too: the index is asked for each of them as well.
        order: Sequence[int] = range(len(patterns))
        if self._index is not None:
            order = self._index.lines(path, parent or 0)
            if parent is None and "/" in path:
                found = set(order)
                for a in _ancestors(path):
                    found.update(self._index.lines(a, 0))
                order = sorted(found)
        for i in order:
            p = patterns[i]
            hit = bool(parent and parent >> i & 1)
            if not hit:
                if p.exclusion != matched:
                    continue
                hit = p.matches(path)
                if not hit and parent is None:
                    if ancestors is None:
                        ancestors = _ancestors(path)
                    hit = any(p.matches(a) for a in ancestors)
            if hit:
                bits |= 1 << i
                matched = not p.exclusion
                rule = i
        return Decision(matched, bits, rule)

    def along(self, path: str) -> Iterator[tuple[str, Decision]]:
        """The walk's decisions for each ancestor of ``path``, top first, then
        for ``path``: each decided with its parent's results, as the builders
        do (a caller that prunes stops early)."""
        bits = 0
        end = path.find("/")
        while end != -1:
            d = self.using_parent_results(path[:end], bits)
            yield path[:end], d
            bits = d.bits
            end = path.find("/", end + 1)
        yield path, self.using_parent_results(path, bits)

    def last_match(self, path: str, parent: int | None) -> int | None:
        """The line that decides ``path``, as ``git check-ignore -v`` names it:
        the last line that matches it, or None.

        A line matches as in :meth:`using_parent_results`: the parent's bit
        (``parent`` given), the path itself, or with ``parent`` None any
        ancestor. Docker's loop skips a line only when it cannot change the
        result, so the last matching line always has the decision's polarity,
        but it may be one Docker skipped (``*.log`` then ``app.log``: line 2
        for ``app.log``). A skipped line whose regexp Go would reject never
        fails the build, and matches nothing here.
        """
        ancestors: list[str] | None = None
        for i in range(len(self.patterns) - 1, -1, -1):
            if parent is not None and parent >> i & 1:
                return i
            p = self.patterns[i]
            try:
                if p.matches(path):
                    return i
                if parent is None:
                    if ancestors is None:
                        ancestors = _ancestors(path)
                    if any(p.matches(a) for a in ancestors):
                        return i
            except PatternError:
                continue
        return None

    def pattern(self, d: Decision) -> DockerIgnorePattern | None:
        """The line that decided, if any."""
        return None if d.rule is None else self.patterns[d.rule]

    def or_parent_matches(self, path: str) -> Decision:
        """MatchesOrParentMatches: every ancestor directory is tried."""
        return self.using_parent_results(path, None)

    def matches_one_parent(self, path: str) -> bool:
        """The deprecated Matches: only the parent prefix as deep as the pattern."""
        parent_dirs = path.split("/")[:-1]
        matched = False
        patterns = self.patterns
        order: Sequence[int] = range(len(patterns))
        if self._index is not None:
            # A line outside the index's answers for the path and its ancestors matches neither.
            found = set(self._index.lines(path, 0))
            for a in _ancestors(path):
                found.update(self._index.lines(a, 0))
            order = sorted(found)
        for i in order:
            p = patterns[i]
            if p.exclusion != matched:
                continue
            hit = p.matches(path)
            if not hit and parent_dirs:
                depth = len(p.text.split("/"))
                if depth <= len(parent_dirs):
                    hit = p.matches("/".join(parent_dirs[:depth]))
            if hit:
                matched = not p.exclusion
        return matched

    def exception_prefixes(self, trim_glob: bool) -> list[str]:
        """Exception patterns as directory prefixes, for the "may I skip?" test."""
        return [(p.trimmed_glob if trim_glob else p.text) + "/" for p in self.patterns if p.exclusion]

    @property
    def wildcard_exceptions(self) -> bool:
        return any(p.exclusion and p.is_wildcard for p in self.patterns)


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
