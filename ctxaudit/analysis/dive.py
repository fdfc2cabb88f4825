"""dive's figures, computed dive's way, to compare with dive 0.13.1.

A replica of wagoodman/dive v0.13.1 ``filetree.Efficiency`` and
``image.Analyze``, quirks included, so that ctxaudit's report can put
dive's numbers beside its own and the tests can hold them against dive's
``--json`` output:

* each layer is a tree of its tar entries (whiteouts as ``.wh.NAME``
  nodes; ``.wh..wh.`` names, opaque directories included, are dropped);
* the leaves of every layer are visited; a path's *cumulative* size is the
  sum of its sizes over the layers it is a leaf in, its *minimum* the
  smallest; a whiteout's size is that of the whole subtree it deletes when
  it was a directory below, 0 when it was a file; a whiteout of a path the
  layers below do not hold stops the visit of that layer (dive logs the
  error and moves on);
* efficiency = sum of minimums / sum of cumulative sizes (1.0 when empty);
  inefficient bytes = the cumulative size of every path seen in two or
  more layers: *both* copies of a chmod-ed file, so twice ctxaudit's
  figure; a deleted directory's files count nothing (the directory is no
  leaf below, and its whiteout is seen once);
* the "user" size is every layer but the first: dive takes layer 0 for the
  whole base image.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..archive.layer import WHITEOUT, LayerFiles

_META = ".wh..wh."


class _Node:
    __slots__ = ("children", "is_dir", "name", "size")

    def __init__(self, name: str) -> None:
        self.name = name
        self.children: dict[str, _Node] = {}
        self.size = 0
        self.is_dir = False


def _add(root: _Node, path: str, size: int, is_dir: bool) -> None:
    """dive's FileTree.AddPath: missing parents get an empty payload."""
    node = root
    names = [n for n in path.split("/") if n]
    for i, name in enumerate(names):
        child = node.children.get(name)
        if child is None:
            if name.startswith(_META):
                return
            child = node.children[name] = _Node(name)
        node = child
        if i == len(names) - 1:
            node.size, node.is_dir = size, is_dir


def _tree(layer: LayerFiles) -> _Node:
    root = _Node("")
    for rec in layer.entries:
        _add(root, rec.path, rec.size, rec.is_dir)
    for path in layer.whiteouts:
        parent, _, name = path.rpartition("/")
        _add(root, f"{parent}/{WHITEOUT}{name}" if parent else WHITEOUT + name, 0, False)
    return root


def _visit(node: _Node, prefix: str = "") -> Iterator[tuple[_Node, str]]:
    """Depth first, children before their parent, names sorted (dive's ByName)."""
    for name in sorted(node.children):
        child = node.children[name]
        path = f"{prefix}/{name}"
        yield from _visit(child, path)
        shown = f"{prefix}/{name.removeprefix(WHITEOUT)}" if not child.children else path
        yield child, shown


def _get(root: _Node, path: str) -> _Node | None:
    node = root
    for name in (n for n in path.split("/") if n):
        child = node.children.get(name)
        if child is None:
            return None
        node = child
    return node


def _remove(root: _Node, path: str) -> None:
    names = [n for n in path.split("/") if n]
    parent = _get(root, "/".join(names[:-1]))
    if parent is not None and names:
        parent.children.pop(names[-1], None)


def _stack(lower: _Node, upper: _Node) -> None:
    """dive's FileTree.Stack: whiteouts remove, everything else is added over."""
    for node, path in _visit(upper):
        if node.name.startswith(WHITEOUT):
            _remove(lower, path)
        else:
            _add(lower, path, node.size, node.is_dir)


def _subtree(node: _Node) -> int:
    return node.size + sum(_subtree(c) for c in node.children.values())


@dataclass
class DiveFigures:
    efficiency: float  # dive's efficiencyScore
    inefficient_bytes: int  # dive's inefficientBytes ("wasted")
    size_bytes: int  # dive's sizeBytes
    user_size_bytes: int  # every layer but the first
    inefficient_files: list[tuple[str, int, int]] = field(default_factory=list)  # (path, count, bytes), largest first

    @property
    def wasted_user_percent(self) -> float | None:
        """dive's WastedUserPercent (of the user size, as a percentage)."""
        return 100 * self.inefficient_bytes / self.user_size_bytes if self.user_size_bytes else None


def figures(layers: list[LayerFiles]) -> DiveFigures:
    trees = [_tree(layer) for layer in layers]
    cumulative: dict[str, int] = {}
    minimum: dict[str, int] = {}
    count: dict[str, int] = {}
    # The layers below, stacked (dive: a copy of layer 0, then layers 0..idx-1), built
    # only once a whiteout needs it.
    stacked: _Node | None = None
    upto = 0
    for idx, tree in enumerate(trees):
        for node, path in _visit(tree):
            if node.children:
                continue
            if node.name.startswith(WHITEOUT):
                if stacked is None:
                    stacked = _tree(layers[0])
                while upto < idx:
                    _stack(stacked, trees[upto])
                    upto += 1
                before = _get(stacked, path)
                if before is None:
                    break  # dive: "path does not exist", the rest of this layer is not visited
                size = _subtree(before) if before.is_dir else 0
            else:
                size = node.size
            cumulative[path] = cumulative.get(path, 0) + size
            minimum[path] = size if path not in minimum else min(minimum[path], size)
            count[path] = count.get(path, 0) + 1
    total_min = sum(minimum.values())
    total = sum(cumulative.values())
    inefficient = sorted(
        ((p, count[p], cumulative[p]) for p in cumulative if count[p] >= 2), key=lambda t: (-t[2], t[0])
    )
    sizes = [layer.bytes for layer in layers]
    return DiveFigures(
        efficiency=total_min / total if total else 1.0,
        inefficient_bytes=sum(b for _, _, b in inefficient),
        size_bytes=sum(sizes),
        user_size_bytes=sum(sizes[1:]),
        inefficient_files=inefficient,
    )
