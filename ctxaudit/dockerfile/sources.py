"""Which context files a COPY/ADD source or a bind mount takes.

BuildKit resolves a source as fsutil's copy does: the path is cleaned
(``path.Join("/", src)``), split before its first component holding a
wildcard (``*?[``), and every path below that base whose leading components
match the rest with Go's ``filepath.Match`` is taken, a matched directory
with everything under it. A source without wildcards takes the path itself
or, for a directory, its contents. ``.`` and ``/`` take the whole context.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..engine import gomatch
from ..engine.gostrings import clean
from .model import Copy, Mount, Source


def contains_wildcards(name: str) -> bool:
    """fsutil's containsWildcards: ``*``, ``?`` or ``[`` not escaped by ``\\``."""
    i = 0
    while i < len(name):
        ch = name[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "*?[":
            return True
        i += 1
    return False


@dataclass
class Selector:
    source: Source
    path: str  # cleaned context path ("" = whole context)
    base: str  # components before the first wildcard
    rest: str | None  # the wildcard part, None without wildcards
    copy: Copy | None = None
    mount: Mount | None = None

    @classmethod
    def of(cls, source: Source, path: str, copy: Copy | None = None, mount: Mount | None = None) -> Selector:
        parts = path.split("/") if path else []
        for i, part in enumerate(parts):
            if contains_wildcards(part):
                return cls(source, path, "/".join(parts[:i]), "/".join(parts[i:]), copy, mount)
        return cls(source, path, path, None, copy, mount)

    @property
    def whole(self) -> bool:
        return self.path == ""

    def root_of(self, path: str) -> str | None:
        """The source root through which this selector takes ``path``, or None."""
        if self.rest is None:
            if not self.base:
                return ""
            if path == self.base or path.startswith(self.base + "/"):
                return self.base
            return None
        if self.base:
            if not path.startswith(self.base + "/"):
                return None
            rel = path[len(self.base) + 1 :]
        else:
            rel = path
        # fsutil walks below the base and stops at the first (shallowest) match.
        parts = rel.split("/")
        for k in range(1, len(parts) + 1):
            prefix = "/".join(parts[:k])
            try:
                if gomatch.match(self.rest, prefix):
                    return f"{self.base}/{prefix}" if self.base else prefix
            except gomatch.BadPattern:
                return None
        return None


T = TypeVar("T")


class PathIndex(Generic[T]):
    """Items keyed by a path: :meth:`candidates` gives, in the order they were
    added, the items keyed by a path's ancestors or the path itself, and the
    unkeyed ones. A walk asks it for every entry, so a Dockerfile with
    thousands of COPY sources (or image queries) costs a few lookups per
    entry, not one check per source."""

    def __init__(self) -> None:
        self._keyed: dict[str, list[tuple[int, T]]] = {}
        self._always: list[tuple[int, T]] = []
        self._count = 0
        self.unkeyed: list[T] = []  # the unkeyed items: what candidates() returns when no key holds the path
        self._dir = "\0"  # the directory of the last path asked (no path holds NUL) ...
        self._dir_hits: list[tuple[int, T]] = []  # ... and the items keyed by it or its ancestors

    def add(self, key: str | None, item: T) -> None:
        """``key`` None: a candidate for every path."""
        entry = (self._count, item)
        self._count += 1
        if key is None:
            self._always.append(entry)
            self.unkeyed.append(item)
        else:
            self._keyed.setdefault(key, []).append(entry)
        self._dir = "\0"

    def candidates(self, path: str) -> list[T]:
        """The items for ``path``, in the order they were added. The list may be
        shared (:attr:`unkeyed`): read it, never change it."""
        keyed = self._keyed
        if not keyed:
            return self.unkeyed
        # The ancestors' items are the same for every path of a directory (a walk
        # asks for its files one after the other): looked up once per directory.
        cut = path.rfind("/")
        d = path[:cut] if cut > 0 else ""
        if d != self._dir:
            dir_hits: list[tuple[int, T]] = []
            i = path.find("/", 1)
            while i != -1 and i <= cut:
                hit = keyed.get(path[:i])
                if hit is not None:
                    dir_hits += hit
                i = path.find("/", i + 1)
            self._dir, self._dir_hits = d, dir_hits
        hits = self._dir_hits
        own = keyed.get(path)
        if own is not None:
            hits = hits + own
        if not hits:
            return self.unkeyed
        found = self._always + hits if self._always else hits
        if len(found) > 1:
            found = sorted(found, key=_first)
        return [item for _, item in found]


def _first(entry: tuple[int, object]) -> int:
    return entry[0]


def selector_key(sel: Selector) -> str | None:
    """The :class:`PathIndex` key of a selector: every path it takes lies at or
    below its base (None: any path, for ``.`` and a wildcard at the top)."""
    return sel.base or None


def image_path(copy: Copy, root: str, path: str, name: str | None = None) -> str:
    """Where a context file taken through ``root`` lands in the image.

    ``name``: the source's own name when it is a symlink to the file copied
    (BuildKit and buildah both keep the link's name, checked on both).
    """
    dest = copy.dest if copy.dest.endswith("/") else copy.dest + "/"
    if copy.parents or root == "":
        return dest + path
    if path != root:
        return dest + path[len(root) + 1 :]
    if copy.dest_is_dir:
        return posixpath.join(copy.dest, posixpath.basename(name or path))
    return copy.dest


def _through_first_link(root: str, path: str) -> str | None:
    """``path`` with its first symlinked component (before any wildcard)
    replaced by the link's target, resolved inside the context; None when no
    component is a link."""
    parts = path.split("/") if path else []
    current = ""
    for i, part in enumerate(parts):
        if contains_wildcards(part):
            return None
        current = f"{current}/{part}" if current else part
        full = os.path.join(root, current)
        if not os.path.islink(full):
            continue
        try:
            target = os.readlink(full)
        except OSError:
            return None
        base = "" if target.startswith("/") else posixpath.dirname(current)
        resolved = clean("/" + posixpath.join(base, target)).lstrip("/")
        rest = "/".join(parts[i + 1 :])
        return posixpath.join(resolved, rest) if rest else resolved
    return None


def follow_links(root: str, paths: list[str], limit: int = 40) -> list[str]:
    """fsutil.FollowLinks: add the targets of symlinks along each include path.

    A symlinked directory in a COPY source makes BuildKit transfer its target
    too (resolved inside the context).
    """
    out: set[str] = set()
    todo = list(paths)
    steps = 0
    while todo and steps < limit * max(1, len(paths)):
        steps += 1
        p = todo.pop()
        if p in out:
            continue
        out.add(p)
        target = _through_first_link(root, p)
        if target is not None:
            todo.append(target)
    return sorted(out)


def resolve_links(root: str, path: str, limit: int = 40) -> str:
    """A COPY source path with symlinks along it resolved inside the context.

    BuildKit copies with FollowSymlinks for the source path itself: a
    symlinked directory or file source copies its target's content.
    Wildcard components are left alone.
    """
    for _ in range(limit):
        target = _through_first_link(root, path)
        if target is None:
            return path
        path = target
    return path
