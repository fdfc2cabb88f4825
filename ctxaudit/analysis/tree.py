"""The context as a tree of sizes, for a treemap: directories and files in
bytes, eligible, transferred and kept out, with small files aggregated.

A collector (ctxaudit.pipeline.Collector) fed with the scan's single walk.
Every node carries three measures, in bytes: what the ignore file lets
through (``ELIGIBLE``), what this build transfers (``TRANSFERRED``: BuildKit
with a cold cache, or the legacy builder's tar, which holds everything
eligible) and what the ignore file keeps out (``IGNORED``, only walked with
``--full``). A hard link's data counts once, as the builders send it.

Memory is bounded while the walk streams. The walk is sorted and depth
first, so a directory's totals are final once the walk leaves it. Every file
and closed directory is a *final* node; when there are too many of them, the
threshold of each measure is raised to the value that keeps the ``budget``
largest, and every final node below all thresholds is folded into its
parent's aggregate of the same kind ("N smaller files"). Files below the
thresholds are folded as they arrive. So the tree holds at most about
``3 * budget`` nodes (up to twice that when sizes tie at a threshold) plus
the open directories and one aggregate per kind and directory kept,
whatever the size of the context. Directories deeper than ``MAX_DEPTH``
are not nodes: their files fold into their ancestor at that depth.

Aggregates remember, for the suggestions, a few groups of their eligible
files (by top directory, outermost kinded directory and suffix) with one
sample path each: :meth:`ContextTree.removal` decides a group by its sample.
Files and directories kept as nodes are decided exactly.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..classify import kinds
from ..engine.matcher import Matcher
from ..engine.pattern import DockerIgnorePattern, PatternError
from ..engine.walk import Entry, EntryType, Status

ELIGIBLE, TRANSFERRED, IGNORED = 0, 1, 2
MEASURES = 3
DEFAULT_BUDGET = 2500  # nodes per measure: the page of a 300,000-file tree stays well under 2 MB
MAX_GROUPS = 16  # sample groups per aggregate
# Directories deeper than this are not nodes: their files fold into the aggregates
# of their ancestor at this depth (the tree, its JSON and the page stay shallow).
MAX_DEPTH = 64


@dataclass
class Group:
    """Eligible files of an aggregate that look alike: one sample path stands for them."""

    sample: str  # a context path of one of them
    files: int = 0
    bytes: int = 0


class Node:
    """A directory, a file, or an aggregate of small files ("N smaller files").

    ``size``: bytes per measure (eligible, transferred, ignored); ``files``:
    files per measure. Directories have ``children`` (in walk
    order) and ``aggs`` (aggregates by kind); aggregates have ``groups``.
    ``id``: the preorder number :meth:`ContextTree.nodes` gives, once finished.
    """

    __slots__ = ("aggs", "children", "files", "groups", "id", "kind", "kinds", "name", "open", "size")

    def __init__(self, name: str | None, kind: str | None, directory: bool = False) -> None:
        self.name = name  # None for an aggregate
        self.kind = kind
        self.size = [0, 0, 0]
        self.files = [0, 0, 0]
        self.children: list[Node] | None = [] if directory else None
        self.aggs: dict[str, Node] | None = {} if directory else None
        self.groups: dict[tuple[str, str, str], Group] | None = None
        self.kinds: dict[str, int] | None = None  # closed directories: bytes by kind, eligible and kept out
        self.open = directory
        self.id = -1

    @property
    def is_dir(self) -> bool:
        return self.children is not None

    @property
    def is_aggregate(self) -> bool:
        return self.name is None

    def parts(self) -> list[Node]:
        """Children in walk order, then the aggregates by kind: the order of :meth:`ContextTree.nodes`."""
        if self.children is None:
            return []
        assert self.aggs is not None
        return self.children + [self.aggs[k] for k in sorted(self.aggs)]


Transfers = Callable[[str], bool]


def _suffix(name: str) -> str:
    dot = name.rfind(".", 1)
    if dot > 0:
        return name[dot:].lower()
    return name if name.startswith(".") else ""


def _group_key(rel: str) -> tuple[str, str, str]:
    """How an aggregated file is grouped: its top directory below the
    aggregate's, the outermost kinded directory on its way, its suffix."""
    parts = rel.split("/")
    dirs = parts[:-1]
    kinded = next((d for d in dirs if kinds.DIR_KINDS.get(d) is not None), "")
    return (dirs[0] if dirs else "", kinded, _suffix(parts[-1]))


_OTHER = ("", "", "*")


class ContextTree:
    """Collector: :meth:`add` every entry of a walk (kinds labelled, as
    :func:`ctxaudit.classify.kinds.walk` yields them), then :meth:`finish`.

    ``name``: the root's name. ``transfers(path)``: whether the build
    transfers an eligible path (None: nothing is known to be transferred,
    BuildKit without a Dockerfile). ``budget``: how many nodes each measure
    keeps at most (see the module's docstring).
    """

    def __init__(self, name: str, transfers: Transfers | None = None, budget: int = DEFAULT_BUDGET) -> None:
        self.root = Node(name, None, directory=True)
        self.transfers = transfers
        self.budget = max(budget, 1)
        # A file or closed directory is kept as a node while one of its measures
        # reaches that measure's threshold (bytes; 1 at first: anything not empty).
        self.thresholds = [1, 1, 1]
        self._stack: list[tuple[str, Node]] = [("", self.root)]  # open directories: (prefix "a/b/", node)
        self._top: tuple[str, Node] = self._stack[-1]
        self._final = 0  # final nodes kept (files and closed directories)
        self._limit = 4 * self.budget
        self.peak = 0  # the most final nodes held at once (memory, for the tests)
        self.finished = False

    # -- the stream ----------------------------------------------------------

    def add(self, e: Entry) -> None:
        status = e.status
        if status is _SENT:
            m = ELIGIBLE
        elif status is _IGNORED or status is _PRUNED:
            m = IGNORED
        else:
            return  # dropped: a file type this builder does not send
        etype = e.type
        if etype is _DIR:
            path = e.path + "/"
            if path.count("/") > MAX_DEPTH:
                return  # below the deepest level drawn: its files fold into that level
            d = self._open(path)
            if d is not self.root and d.kind is None and e.label is not None:
                d.kind = e.label  # the directory's own kind (node_modules, .git...) wins
            return
        if etype is not _FILE and etype is not _SYMLINK:
            return
        path = e.path
        cut = path.rfind("/") + 1
        prefix, d = self._top
        start = cut
        if cut != len(prefix) or not path.startswith(prefix):
            if path.count("/", 0, cut) > MAX_DEPTH:
                start = _nth_slash(path, MAX_DEPTH) + 1
            d = self._open(path[:start])
        kind = e.label or kinds.of(e)
        size = e.size
        sent = False
        if m == ELIGIBLE:
            if e.hardlink_of is not None:
                size = 0  # both builders send a hard link's data once
            sent = self.transfers is not None and self.transfers(path)
        t = self.thresholds
        if start == cut and (size >= t[m] or (sent and size >= t[TRANSFERRED])):
            node = Node(path[cut:], kind)
            node.size[m] = size
            node.files[m] = 1
            if sent:
                node.size[TRANSFERRED] = size
                node.files[TRANSFERRED] = 1
            assert d.children is not None
            d.children.append(node)
            self._kept()
            return
        # The usual case: a small file, counted in its directory's aggregate of its kind.
        assert d.aggs is not None
        agg = d.aggs.get(kind) or self._agg(d, kind)
        asize, afiles = agg.size, agg.files
        asize[m] += size
        afiles[m] += 1
        if sent:
            asize[TRANSFERRED] += size
            afiles[TRANSFERRED] += 1
        if m == ELIGIBLE:
            assert agg.groups is not None
            key = ("", "", _suffix(path[cut:])) if start == cut else _group_key(path[start:])
            g = agg.groups.get(key)
            if g is None:
                g = _new_group(agg.groups, key, path)
            g.files += 1
            g.bytes += size

    def _open(self, prefix: str) -> Node:
        """The open directory node of ``prefix`` ("a/b/", "" for the root),
        closing the directories the walk has left and opening the missing ones."""
        stack = self._stack
        while len(stack) > 1 and not prefix.startswith(stack[-1][0]):
            self._close()
        top_prefix, node = stack[-1]
        # Open each missing level: the walk does not yield every directory
        # (an excluded directory that is entered comes only with --full, as its files).
        start = len(top_prefix)
        while start < len(prefix):
            end = prefix.index("/", start)
            child = Node(prefix[start:end], None, directory=True)
            assert node.children is not None
            node.children.append(child)
            node = child
            stack.append((prefix[: end + 1], node))
            start = end + 1
        self._top = stack[-1]
        return node

    def _close(self) -> None:
        prefix, d = self._stack.pop()
        self._top = parent_entry = self._stack[-1]
        parent = parent_entry[1]
        _total(d)
        d.open = False
        assert parent.children is not None
        if not any(d.files):
            parent.children.remove(d)  # nothing below it: no area
            return
        if self._below(d):
            parent.children.remove(d)
            self._fold_dir(parent, parent_entry[0], d, prefix)
            return
        self._kept()

    def _below(self, n: Node) -> bool:
        t = self.thresholds
        s = n.size
        return s[0] < t[0] and s[1] < t[1] and s[2] < t[2]

    def _kept(self) -> None:
        self._final += 1
        if self._final > self._limit:
            self._compact()
        if self._final > self.peak:
            self.peak = self._final

    # -- folding into aggregates ---------------------------------------------

    def _agg(self, parent: Node, kind: str) -> Node:
        assert parent.aggs is not None
        agg = parent.aggs.get(kind)
        if agg is None:
            agg = parent.aggs[kind] = Node(None, kind)
            agg.groups = {}
        return agg

    def _fold_file(self, parent: Node, path: str, start: int, n: Node) -> None:
        """Fold a file node into ``parent``'s aggregate; ``path[start:]`` is its path below ``parent``."""
        agg = self._agg(parent, n.kind or kinds.SOURCE)
        for m in range(MEASURES):
            agg.size[m] += n.size[m]
            agg.files[m] += n.files[m]
        if n.files[ELIGIBLE]:
            _group(agg, path, start, 1, n.size[ELIGIBLE])

    def _fold_dir(self, parent: Node, parent_prefix: str, d: Node, prefix: str) -> None:
        """Fold a closed directory's whole subtree into ``parent``'s aggregates, by kind."""
        start = len(parent_prefix)
        for n, at in _leaves(d, prefix):
            if n.is_aggregate:
                agg = self._agg(parent, n.kind or kinds.SOURCE)
                for m in range(MEASURES):
                    agg.size[m] += n.size[m]
                    agg.files[m] += n.files[m]
                assert n.groups is not None
                for g in n.groups.values():
                    _group(agg, g.sample, start, g.files, g.bytes)
            else:
                self._fold_file(parent, at + (n.name or ""), start, n)

    def _compact(self) -> None:
        """Raise the thresholds to keep the ``budget`` largest final nodes of
        each measure and fold the others (post-order, so a folded directory
        takes its whole subtree)."""
        values: list[list[int]] = [[], [], []]
        for n in self._finals(self.root):
            for m in range(MEASURES):
                if n.size[m]:
                    values[m].append(n.size[m])
        budget = self.budget
        for m in range(MEASURES):
            if len(values[m]) > budget:
                top = heapq.nlargest(budget + 1, values[m])
                # Keep what ties with the budget-th largest (a chain of directories
                # holding the same bytes), unless the ties are too many.
                cut = top[budget - 1]
                if cut == top[budget] and sum(v >= cut for v in values[m]) > 2 * budget:
                    cut += 1
                self.thresholds[m] = max(self.thresholds[m], cut)
        self._final = self._fold_below(self.root, "")
        self._limit = max(4 * self.budget, 2 * self._final)

    def _finals(self, d: Node) -> Iterator[Node]:
        assert d.children is not None
        for c in d.children:
            if c.is_dir:
                yield from self._finals(c)
                if not c.open:
                    yield c
            else:
                yield c

    def _fold_below(self, d: Node, prefix: str) -> int:
        """Fold the final nodes below ``d`` under the thresholds; the count of those kept."""
        assert d.children is not None
        kept: list[Node] = []
        count = 0
        for c in d.children:
            if c.is_dir:
                sub = prefix + (c.name or "") + "/"
                inner = self._fold_below(c, sub)
                if not c.open and self._below(c):
                    self._fold_dir(d, prefix, c, sub)
                    continue
                count += inner + (0 if c.open else 1)
                kept.append(c)
            elif self._below(c):
                self._fold_file(d, prefix + (c.name or ""), len(prefix), c)
            else:
                kept.append(c)
                count += 1
        d.children[:] = kept
        return count

    def finish(self) -> ContextTree:
        while len(self._stack) > 1:
            self._close()
        _total(self.root)
        self.root.open = False
        self._compact()
        for i, n in enumerate(self.nodes()):
            n.id = i
        self.finished = True
        return self

    # -- results ---------------------------------------------------------------

    def nodes(self) -> Iterator[Node]:
        """Every node in preorder (a directory, then its :meth:`Node.parts`)."""
        todo = [self.root]
        while todo:
            n = todo.pop()
            yield n
            todo.extend(reversed(n.parts()))

    def paths(self) -> Iterator[tuple[Node, str]]:
        """Every node with its context path, in preorder (an aggregate: its directory's path)."""
        todo: list[tuple[Node, str]] = [(self.root, "")]
        while todo:
            n, path = todo.pop()
            yield n, path
            base = path + "/" if path else ""
            todo.extend(reversed([(c, path if c.is_aggregate else base + (c.name or "")) for c in n.parts()]))

    def removal(self, lines: Sequence[str]) -> dict[int, int]:
        """Eligible bytes each node would stop sending with ``lines`` (an
        ignore line and the ``!`` exceptions that go with it) appended at the
        end of the ignore file: node id -> bytes, for nodes that lose some.

        A line excludes a path when it matches the path or one of its
        directories (Docker's MatchesOrParentMatches, as ctxaudit.analysis.suggest
        measures it). Files and directories kept as nodes are exact; in an
        aggregate each group of look-alike files goes by its sample path.
        Raises PatternError for a line Docker rejects.
        """
        line = DockerIgnorePattern(lines[0])
        keep = Matcher([DockerIgnorePattern(x) for x in lines]) if len(lines) > 1 else None

        def excluded(path: str, parent_hit: bool, start: int) -> bool:
            hit = parent_hit
            if not hit:
                # The directories between the aggregate's and the file, then the file.
                end = path.find("/", start)
                while end != -1 and not hit:
                    hit = line.matches(path[:end])
                    end = path.find("/", end + 1)
                hit = hit or line.matches(path)
            if not hit or keep is None:
                return hit
            try:
                return keep.or_parent_matches(path).matched
            except PatternError:
                return False

        out: dict[int, int] = {}

        def visit(d: Node, path: str, hit: bool) -> int:
            removed = 0
            base = path + "/" if path else ""
            for c in d.parts():
                got = 0
                if c.is_aggregate:
                    assert c.groups is not None
                    got = sum(g.bytes for g in c.groups.values() if excluded(g.sample, hit, len(base)))
                else:
                    p = base + (c.name or "")
                    h = hit or line.matches(p)
                    if c.is_dir:
                        got = visit(c, p, h)
                    elif c.size[ELIGIBLE] and excluded(p, h, len(p)):
                        got = c.size[ELIGIBLE]
                if got:
                    out[c.id] = got
                    removed += got
            return removed

        total = visit(self.root, "", False)
        if total:
            out[self.root.id] = total
        return out


_SENT, _IGNORED, _PRUNED = Status.SENT, Status.IGNORED, Status.PRUNED
_DIR, _FILE, _SYMLINK = EntryType.DIR, EntryType.FILE, EntryType.SYMLINK


def _nth_slash(path: str, n: int) -> int:
    """The index of the ``n``-th "/" of ``path`` (n >= 1)."""
    at = -1
    for _ in range(n):
        at = path.index("/", at + 1)
    return at


def _total(d: Node) -> None:
    """A closing directory's totals and kind, from what it holds now: files,
    closed subdirectories (with their bytes by kind) and aggregates."""
    size, files = d.size, d.files
    by_kind: dict[str, int] = {}
    assert d.children is not None and d.aggs is not None
    for c in [*d.children, *d.aggs.values()]:
        cs, cf = c.size, c.files
        for m in range(MEASURES):
            size[m] += cs[m]
            files[m] += cf[m]
        if c.kinds is not None:
            for k, b in c.kinds.items():
                by_kind[k] = by_kind.get(k, 0) + b
        else:
            k = c.kind or kinds.SOURCE
            by_kind[k] = by_kind.get(k, 0) + cs[ELIGIBLE] + cs[IGNORED]
    d.kinds = by_kind
    if d.kind is None:
        d.kind = max(by_kind.items(), key=lambda kb: (kb[1], kb[0]), default=(kinds.SOURCE, 0))[0]


def _new_group(groups: dict[tuple[str, str, str], Group], key: tuple[str, str, str], path: str) -> Group:
    if len(groups) >= MAX_GROUPS:
        key = _OTHER
        g = groups.get(key)
        if g is not None:
            return g
    g = groups[key] = Group(path)
    return g


def _group(agg: Node, path: str, start: int, files: int, size: int) -> None:
    """Count ``files`` eligible files (``size`` bytes) like ``path`` in the aggregate's groups."""
    groups = agg.groups
    assert groups is not None
    key = _group_key(path[start:])
    g = groups.get(key)
    if g is None:
        g = _new_group(groups, key, path)
    g.files += files
    g.bytes += size


def _leaves(d: Node, prefix: str) -> Iterator[tuple[Node, str]]:
    """Files and aggregates below ``d``, each with its directory's prefix."""
    assert d.children is not None and d.aggs is not None
    for c in d.children:
        if c.is_dir:
            yield from _leaves(c, prefix + (c.name or "") + "/")
        else:
            yield c, prefix
    for a in d.aggs.values():
        yield a, prefix
