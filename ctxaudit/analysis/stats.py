"""Streaming totals over a walk: counts, largest files and directories, kinds.

Memory is bounded by ``top`` and the tree depth: the walk yields entries in
sorted depth-first order, so a directory's cumulative size is final as soon
as the walk leaves it, and only the N largest are kept in heaps.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from ..classify import kinds
from ..common.counts import Count, tally
from ..engine.walk import Entry, EntryType, Status

_CHAIN_SLACK = 4
"""Directories kept per one shown, so that those repeating a parent can be left out."""
_FILES = frozenset({EntryType.FILE, EntryType.SYMLINK})
_LEFT_OUT = frozenset({Status.IGNORED, Status.PRUNED})
_SENT = Status.SENT


@dataclass(frozen=True, order=True)
class FileSize:
    bytes: int
    path: str
    kind: str


@dataclass(frozen=True, order=True)
class DirSize:
    bytes: int
    path: str
    files: int
    kind: str = "source"  # the directory's own kind, else the kind holding most of its bytes


@dataclass
class _Open:
    prefix: str
    own_kind: str | None = None
    bytes: int = 0
    files: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class ContextStats:
    """Feed it every entry of a walk with :meth:`add`, then call :meth:`finish`."""

    top: int = 10
    sent: Count = field(default_factory=Count)  # the eligible context: files, bytes (hard-linked data once)
    ignored: Count = field(default_factory=Count)
    sent_dirs: int = 0
    by_kind: dict[str, Count] = field(default_factory=dict)
    ignored_by_kind: dict[str, Count] = field(default_factory=dict)
    problems: list[Entry] = field(default_factory=list)
    forced: list[Entry] = field(default_factory=list)
    _files: list[FileSize] = field(default_factory=list)
    _dirs: list[DirSize] = field(default_factory=list)
    _stack: list[_Open] = field(default_factory=list)

    def add(self, e: Entry) -> None:
        if e.problem is not None:
            self.problems.append(e)
        status = e.status
        if status is not _SENT:
            if status in _LEFT_OUT and e.type in _FILES:  # --full: most entries, so kept lean
                size = e.size
                ignored = self.ignored
                ignored.files += 1
                ignored.bytes += size
                kind = e.label or kinds.of(e)
                c = self.ignored_by_kind.get(kind)
                if c is None:
                    c = self.ignored_by_kind[kind] = Count()
                c.files += 1
                c.bytes += size
            return
        if e.forced:
            self.forced.append(e)
        self._close_until(e.path)
        if e.type is EntryType.DIR:
            self.sent_dirs += 1
            self._stack.append(_Open(e.path + "/", e.label))
            return
        if not e.is_file:
            return
        kind = kinds.of(e)
        # Both builders send a hard link's data once, then only the link.
        size = 0 if e.hardlink_of is not None else e.size
        self.sent.add(size)
        tally(self.by_kind, kind, size)
        if self._stack:
            top = self._stack[-1]
            top.bytes += size
            top.files += 1
            top.kinds[kind] = top.kinds.get(kind, 0) + size
        files = self._files
        if self.top and size and (len(files) < self.top or size > files[0].bytes):  # most are not the largest
            _push(files, FileSize(size, e.path, kind), self.top)

    def _close_until(self, path: str) -> None:
        while self._stack and not path.startswith(self._stack[-1].prefix):
            self._close()

    def _close(self) -> None:
        d = self._stack.pop()
        if self._stack:
            parent = self._stack[-1]
            parent.bytes += d.bytes
            parent.files += d.files
            for k, b in d.kinds.items():
                parent.kinds[k] = parent.kinds.get(k, 0) + b
        if not d.bytes:
            return  # nothing eligible in it, or only empty files: never among the largest
        kind = d.own_kind or max(d.kinds.items(), key=lambda kb: (kb[1], kb[0]), default=("source", 0))[0]
        # Kept beyond ``top``: directories that merely repeat a parent are left out below.
        _push(self._dirs, DirSize(d.bytes, d.prefix[:-1], d.files, kind), self.top * _CHAIN_SLACK)

    def finish(self) -> ContextStats:
        while self._stack:
            self._close()
        return self

    @property
    def largest_files(self) -> list[FileSize]:
        return sorted(self._files, key=lambda f: (-f.bytes, f.path))

    @property
    def largest_dirs(self) -> list[DirSize]:
        """The ``top`` largest directories holding eligible bytes, largest first.

        A directory that holds exactly what a listed ancestor holds (the same
        files: ``.venv/lib/python3.12/`` under ``.venv/lib/``) is left out: it
        says nothing new, and the line to write is the ancestor's.
        """
        out: list[DirSize] = []
        for d in sorted(self._dirs, key=lambda d: (-d.bytes, d.path)):
            if any(d.path.startswith(a.path + "/") and (a.bytes, a.files) == (d.bytes, d.files) for a in out):
                continue
            out.append(d)
            if len(out) == self.top:
                break
        return out


def _push(heap: list, item: object, limit: int) -> None:  # type: ignore[type-arg]
    if limit <= 0:
        return
    if len(heap) < limit:
        heapq.heappush(heap, item)
    else:
        heapq.heappushpop(heap, item)
