"""Stack the layers as the engine's union filesystem does, and keep every hidden byte.

Applying changesets (OCI image spec, "Applying Changesets"; overlayfs and
the daemon's tar applier do the same): a whiteout deletes a path and
everything below it from the layers beneath; an opaque directory hides the
lower contents of that directory; an entry replaces what the lower layers
hold at its path (a non-directory over a directory removes the whole
subtree; a directory over a directory merges). Whiteouts apply only to the
lower layers, so each layer's whiteouts are applied before its entries.

A replaced or deleted file stays in its layer: its bytes are stored but
unreachable. Each such file is kept as a :class:`Hidden` with the layer
that stores it, the layer that hid it, and how:

* ``deleted``: a whiteout, an opaque directory, or a non-directory written
  over a directory;
* ``overwritten``: a later layer writes different content at the path;
* ``metadata``: a later layer writes the same content (same bytes, or the
  same symlink target) with a new mode, owner or time: ``chmod``,
  ``chown``, ``touch``, the same file copied again.

A hard link keeps its target's bytes reachable: a hidden file whose content
a reachable hard link still names wastes nothing.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from .layer import DIR, FILE, HARDLINK, FileRec, LayerFiles

DELETED, OVERWRITTEN, METADATA = "deleted", "overwritten", "metadata"


@dataclass(slots=True)
class Hidden:
    """A file of layer ``layer`` that layer ``by`` hides."""

    layer: int
    rec: FileRec
    by: int
    how: str  # DELETED | OVERWRITTEN | METADATA
    bytes: int = 0  # stored bytes that became unreachable (0 when a hard link keeps them)
    over: FileRec | None = None  # what ``by`` wrote at the path (overwritten, metadata)


@dataclass
class LayerChanges:
    """What one layer does to the layers below it. Files only: directories are
    containers, their entries carry no bytes."""

    index: int
    added: list[FileRec] = field(default_factory=list)  # paths the lower layers do not hold
    modified: list[FileRec] = field(default_factory=list)  # new content at a lower path
    metadata: list[FileRec] = field(default_factory=list)  # same content at a lower path, new mode/owner/time
    hides: list[Hidden] = field(default_factory=list)  # every lower file it deletes or replaces
    unreachable: int = 0  # bytes this layer stores that the final image cannot reach

    @property
    def deleted(self) -> list[Hidden]:
        return [h for h in self.hides if h.how == DELETED]


@dataclass
class Stack:
    changes: list[LayerChanges]
    hidden: list[Hidden]  # every hidden file, in the order the layers hid them
    reachable_files: int
    reachable_bytes: int


def stack(layers: list[LayerFiles]) -> Stack:
    """Apply ``layers`` bottom to top. Memory: one record per path of the image."""
    return _Union().run(layers)


class _Union:
    def __init__(self) -> None:
        self.tree: dict[str, tuple[int, FileRec]] = {}
        self.kids: dict[str, set[str]] = {"": set()}
        self.hidden: list[Hidden] = []
        # hard links: id(target record) -> the link records that name it
        self.anchors: dict[int, list[FileRec]] = {}

    def run(self, layers: list[LayerFiles]) -> Stack:
        changes = []
        for k, layer in enumerate(layers):
            ch = LayerChanges(k)
            for path in layer.whiteouts:
                self._remove(path, k, ch, DELETED, with_self=True)
            for path in layer.opaque:
                self._remove(path, k, ch, DELETED, with_self=False)
            for rec in layer.entries:
                self._put(rec, k, ch)
            changes.append(ch)
        for h in self.hidden:
            h.bytes = 0 if h.rec.type != FILE or self._kept_alive(h.rec) else h.rec.size
            changes[h.layer].unreachable += h.bytes
        files = sum(1 for _, r in self.tree.values() if r.type != DIR)
        total = sum(layer.bytes for layer in layers)
        return Stack(changes, self.hidden, files, total - sum(h.bytes for h in self.hidden))

    def _kept_alive(self, rec: FileRec) -> bool:
        for link in self.anchors.get(id(rec), ()):
            current = self.tree.get(link.path)
            if current is not None and current[1] is link:
                return True
        return False

    def _hide(self, path: str, k: int, ch: LayerChanges, how: str, over: FileRec | None = None) -> None:
        layer, rec = self.tree[path]
        if rec.type != DIR and layer != k:
            h = Hidden(layer, rec, k, how, over=over)
            self.hidden.append(h)
            ch.hides.append(h)

    def _remove(self, path: str, k: int, ch: LayerChanges, how: str, with_self: bool) -> None:
        """Remove ``path``'s subtree (or only what is below it) from the tree."""
        todo = list(self.kids.get(path, ()))
        if with_self and path in self.tree:
            todo.append(path)
            self.kids.get(posixpath.dirname(path), set()).discard(path)
        elif not with_self:
            self.kids[path] = set()
        while todo:
            p = todo.pop()
            if p not in self.tree:
                continue
            self._hide(p, k, ch, how)
            del self.tree[p]
            todo.extend(self.kids.pop(p, ()))

    def _parents(self, path: str, k: int, ch: LayerChanges) -> None:
        """Make every ancestor of ``path`` a directory (a file in the way is replaced)."""
        parent = posixpath.dirname(path)
        missing = []
        while parent and (parent not in self.tree or not self.tree[parent][1].is_dir):
            missing.append(parent)
            parent = posixpath.dirname(parent)
        for p in reversed(missing):
            if p in self.tree:
                self._remove(p, k, ch, DELETED, with_self=True)
            self._link(p, k, FileRec(p, DIR, 0, 0o755, 0, 0, 0.0))

    def _link(self, path: str, k: int, rec: FileRec) -> None:
        self.tree[path] = (k, rec)
        self.kids.setdefault(posixpath.dirname(path), set()).add(path)
        if rec.is_dir:
            self.kids.setdefault(path, set())

    def _put(self, rec: FileRec, k: int, ch: LayerChanges) -> None:
        path = rec.path
        self._parents(path, k, ch)
        if rec.type == HARDLINK:
            target = self.tree.get(rec.link)
            if target is not None:
                if rec.digest is None:
                    rec.digest = target[1].digest
                self.anchors.setdefault(id(target[1]), []).append(rec)
        lower = self.tree.get(path)
        if lower is None or lower[0] == k:
            # new here (a second entry for a path in one layer simply wins)
            if lower is not None and lower[1].is_dir and not rec.is_dir:
                self._remove(path, k, ch, DELETED, with_self=False)
            if not rec.is_dir:
                ch.added.append(rec)
            self._link(path, k, rec)
            return
        old = lower[1]
        if old.is_dir and rec.is_dir:
            self.tree[path] = (k, rec)  # a directory's metadata: its children stay
            return
        if old.is_dir:
            self._remove(path, k, ch, DELETED, with_self=True)
            ch.modified.append(rec)
        elif rec.is_dir:
            self._hide(path, k, ch, OVERWRITTEN, rec)
            del self.tree[path]
        elif old.same_content(rec):
            self._hide(path, k, ch, METADATA, rec)
            ch.metadata.append(rec)
        else:
            self._hide(path, k, ch, OVERWRITTEN, rec)
            ch.modified.append(rec)
        self._link(path, k, rec)
