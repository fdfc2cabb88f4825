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
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from .pattern import DockerIgnorePattern


class Decision(NamedTuple):
    matched: bool  # the last deciding line ignores the path (for includes: takes it)
    bits: int
    rule: int | None  # index of the deciding pattern, None when none matched


class Matcher:
    def __init__(self, patterns: Sequence[DockerIgnorePattern]) -> None:
        self.patterns = [p for p in patterns if p.include is not None]
        self.exclusions = any(p.exclusion for p in self.patterns)
        self._lazy_errors = any(p.deferred_error is not None for p in self.patterns)
        self._shortcuts: dict[int, tuple[Callable[[str], re.Match[str] | None] | None, Decision]] = {}

    def shortcut(self, parent: int) -> tuple[Callable[[str], re.Match[str] | None] | None, Decision]:
        """For children of a directory whose results are ``parent``: one regex
        over every line the parent did not match, and the decision when none
        of them matches the child.

        Docker's loop keeps each line the parent matched and tries the others
        on the child alone (ignoring lines only while they cannot change the
        result). If none of the others matches, the child gets exactly the
        parent's lines: the polarity of the last one, the same bits. For a
        parent that matched nothing only the ignoring lines matter, since an
        exception is never tried while nothing matched. Lines with a deferred
        regexp error disable the shortcut: Go must meet them to fail.
        """
        cached = self._shortcuts.get(parent)
        if cached is not None:
            return cached
        parts: list[str] = []
        rule: int | None = None
        for i, p in enumerate(self.patterns):
            if parent >> i & 1:
                rule = i
                continue
            if parent == 0 and p.exclusion:
                continue
            assert p.regex is not None
            flag = "s" if p.regex.flags & re.S else ""
            parts.append(f"(?{flag}:{p.regex.pattern})")
        regex = re.compile("|".join(parts)) if parts else re.compile(r"(?!)")
        matched = rule is not None and not self.patterns[rule].exclusion
        result = (None if self._lazy_errors else regex.match, Decision(matched, parent, rule))
        if len(self._shortcuts) < 4096:
            self._shortcuts[parent] = result
        return result

    def using_parent_results(self, path: str, parent: int | None) -> Decision:
        """MatchesUsingParentResults; ``parent`` None is Go's zero MatchInfo."""
        # The shortcut does not look at ancestors: use it only when Go would
        # not either (parent results given, or a top-level path).
        if parent is not None or "/" not in path:
            quick, decision = self.shortcut(parent or 0)
            if quick is not None and quick(path) is None:
                return decision
        matched = False
        bits = 0
        rule: int | None = None
        ancestors: list[str] | None = None
        for i, p in enumerate(self.patterns):
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
        for p in self.patterns:
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
