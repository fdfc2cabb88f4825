"""The treemap's tree: exact totals, small files aggregated, memory bounded while the walk streams."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.analysis.tree import ELIGIBLE, IGNORED, TRANSFERRED, ContextTree, Node
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context
from ctxaudit.engine.walk import Entry, EntryType, Status
from ctxaudit.pipeline import scan

SAMPLES = Path(__file__).resolve().parent.parent / "sample_contexts"


def _file(path: str, size: int, status: Status = Status.SENT, label: str = "source") -> Entry:
    return Entry(path, EntryType.FILE, size, status, None, label)


def _dir(path: str, label: str | None = None, status: Status = Status.SENT) -> Entry:
    return Entry(path, EntryType.DIR, 0, status, None, label)


def _fed(entries: list[Entry], budget: int = 100, transfers: object = None) -> ContextTree:
    t = ContextTree("ctx", transfers, budget=budget)  # type: ignore[arg-type]
    for e in entries:
        t.add(e)
    return t.finish()


def _aggs(t: ContextTree) -> dict[tuple[str, str], Node]:
    return {(p, n.kind or ""): n for n, p in t.paths() if n.is_aggregate}


def _leaf_sums(t: ContextTree) -> tuple[list[int], list[int]]:
    size, files = [0, 0, 0], [0, 0, 0]
    for n in t.nodes():
        if not n.is_dir:
            for m in range(3):
                size[m] += n.size[m]
                files[m] += n.files[m]
    return size, files


def test_totals_match_the_report_on_the_sample() -> None:
    ctx = open_context(SAMPLES / "pandas-analysis", None, Builder.BUILDKIT)
    r = scan([ctx], full=True, tree=True)
    t = r.tree
    assert t is not None and r.primary is not None
    assert t.root.size == [r.stats.sent.bytes, r.primary.usage.transfer.bytes, r.stats.ignored.bytes]
    assert t.root.size == [20899, 3937, 13873]
    assert t.root.files == [18, 7, 5]
    assert _leaf_sums(t) == (t.root.size, t.root.files)
    nodes = {p: n for n, p in t.paths()}
    # A directory the ignore file keeps out (.venv at the root) is there with --full, kept out.
    assert nodes[".venv"].size == [0, 0, 211] and nodes[".venv"].kind == "venv"
    assert nodes["scripts/__pycache__/analyze.cpython-311.pyc"].size == [1995, 1995, 0]
    assert nodes["data"].kind == "data" and nodes["data"].size[TRANSFERRED] == 0
    # preorder ids, as the page numbers them
    assert [n.id for n in t.nodes()] == list(range(len(list(t.nodes()))))


def test_without_full_nothing_is_kept_out_and_legacy_transfers_everything() -> None:
    ctx = open_context(SAMPLES / "pandas-analysis", None, Builder.LEGACY)
    r = scan([ctx], tree=True, suggestions=False)
    assert r.tree is not None
    assert r.tree.root.size == [20899, 20899, 0]
    assert r.tree.root.files == [18, 18, 0]


def test_small_files_are_aggregated_per_directory_and_kind() -> None:
    entries = [_dir("a"), _file("a/big.bin", 10_000, label="data")]
    entries += [_file(f"a/s{i:03}.py", 10) for i in range(300)]
    entries += [_file(f"a/t{i:03}.csv", 20, label="data") for i in range(100)]
    t = _fed(entries, budget=5)
    aggs = _aggs(t)
    assert aggs[("a", "source")].files[ELIGIBLE] == 300
    assert aggs[("a", "source")].size[ELIGIBLE] == 3000
    assert aggs[("a", "data")].size[ELIGIBLE] == 2000
    nodes = {p: n for n, p in t.paths() if not n.is_aggregate}
    assert nodes["a/big.bin"].size[ELIGIBLE] == 10_000
    assert t.root.size[ELIGIBLE] == 15_000 and t.root.files[ELIGIBLE] == 401
    assert len(list(t.nodes())) <= 10


def _monorepo(dirs: int, per_dir: int) -> Iterator[Entry]:
    """A sorted walk: many directories of small files, a few large ones, some kept out."""
    yield _dir("node_modules", "dependencies", Status.PRUNED)
    for d in range(dirs):
        base = f"node_modules/p{d:05}"
        yield _dir(base, "dependencies", Status.PRUNED)
        for i in range(per_dir):
            yield _file(f"{base}/f{i:03}.js", 100 + (i * 37 + d) % 900, Status.PRUNED, "dependencies")
    for d in range(dirs):
        base = f"src/m{d:05}"
        yield _dir(base)
        for i in range(per_dir):
            size = 5_000_000 if (i == 0 and d % 97 == 0) else 50 + (i * 13 + d) % 400
            yield _file(f"{base}/f{i:03}.py", size)


def test_memory_stays_bounded_while_the_walk_streams() -> None:
    budget = 50
    t = ContextTree("ctx", lambda p: p.endswith("0.py"), budget=budget)
    total = [0, 0, 0]
    count = 0
    for e in _monorepo(dirs=400, per_dir=50):
        t.add(e)
        if e.type is EntryType.FILE:
            count += 1
            m = ELIGIBLE if e.status is Status.SENT else IGNORED
            total[m] += e.size
            if m == ELIGIBLE and e.path.endswith("0.py"):
                total[TRANSFERRED] += e.size
    t.finish()
    assert count == 40_000
    # Never more final nodes at once than the limit: at most 3 * budget remain after
    # a compaction (budget per measure), and the next one comes at twice that.
    assert t.peak <= 6 * budget + 1
    # ...and at the end at most `budget` per measure (plus the directories above them and the aggregates).
    kept = [n for n in t.nodes() if not n.is_aggregate and n is not t.root]
    assert len(kept) <= 3 * budget + 2
    # Exact totals all the same.
    assert t.root.size == total
    assert _leaf_sums(t)[0] == total
    assert t.root.files[ELIGIBLE] == 20_000 and t.root.files[IGNORED] == 20_000
    # The large files survive as themselves.
    big = [p for n, p in t.paths() if not n.is_dir and n.size[ELIGIBLE] == 5_000_000]
    assert len(big) == 5 and big[0] == "src/m00000/f000.py"


def test_a_directory_takes_its_own_kind_else_the_kind_of_most_of_its_bytes() -> None:
    entries = [
        _dir("app"),
        _file("app/a.py", 10),
        _file("app/model.pt", 1000, label="model"),
        _dir("app/node_modules", "dependencies"),
        _file("app/node_modules/x.js", 1, label="dependencies"),
    ]
    nodes = {p: n for n, p in _fed(entries).paths()}
    assert nodes["app"].kind == "model"
    assert nodes["app/node_modules"].kind == "dependencies"


def test_directories_the_walk_does_not_yield_are_made_from_paths() -> None:
    # An excluded directory that is entered comes only as its files (no directory entry).
    entries = [_file("build/out/x.o", 7, Status.IGNORED), _file("build/out/y.o", 8, Status.IGNORED), _file("z", 1)]
    nodes = {p: n for n, p in _fed(entries).paths()}
    assert nodes["build/out"].size == [0, 0, 15]
    assert nodes["build"].size == [0, 0, 15]
    assert nodes[""].size == [1, 0, 15]


def test_empty_directories_and_dropped_entries_leave_no_node() -> None:
    entries = [
        _dir("empty"),
        Entry("fifo", EntryType.FIFO, 0, Status.DROPPED, None),
        _file("a", 3),
    ]
    paths = [p for n, p in _fed(entries).paths() if not n.is_aggregate]
    assert paths == ["", "a"]


def test_a_hard_link_counts_once(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "ctx", {"a.bin": 1000, "Dockerfile": "FROM scratch\nCOPY . /\n"})
    os.link(root / "a.bin", root / "b.bin")
    ctx = open_context(root, None, Builder.BUILDKIT)
    r = scan([ctx], tree=True, suggestions=False)
    assert r.tree is not None
    assert r.tree.root.size[ELIGIBLE] == r.stats.sent.bytes == 1000 + len("FROM scratch\nCOPY . /\n")
    assert r.tree.root.files[ELIGIBLE] == 3


def test_removal_is_exact_for_nodes_and_follows_exceptions() -> None:
    entries = [
        _dir("data"),
        _file("data/a.csv", 100, label="data"),
        _file("data/keep.csv", 50, label="data"),
        _file("data/notes.md", 7),
        _file("top.csv", 3, label="data"),
    ]
    t = _fed(entries)
    ids = {p: n.id for n, p in t.paths() if not n.is_aggregate}
    want = {ids["data/a.csv"]: 100, ids["data/keep.csv"]: 50, ids["data"]: 150, ids["top.csv"]: 3, ids[""]: 153}
    assert t.removal(["**/*.csv"]) == want
    got = t.removal(["**/*.csv", "!data/keep.csv"])
    assert got[ids["data"]] == 100 and ids["data/keep.csv"] not in got
    # A directory line removes what is below it.
    assert t.removal(["data"])[ids["data"]] == 157
    assert t.removal(["nothing"]) == {}


def test_removal_of_folded_files_goes_by_their_groups() -> None:
    entries = [_dir("pkg"), _file("pkg/big.py", 100_000)]
    for d in range(30):
        entries += [_dir(f"pkg/m{d:02}"), _file(f"pkg/m{d:02}/a.py", 5)]
        entries += [
            _dir(f"pkg/m{d:02}/__pycache__", "cache"),
            _file(f"pkg/m{d:02}/__pycache__/a.pyc", 9, label="cache"),
        ]
    entries += [_file(f"pkg/z{i}.csv", 11, label="data") for i in range(20)]
    t = _fed(entries, budget=2)
    aggs = _aggs(t)
    cache = aggs[("pkg", "cache")]
    assert cache.files[ELIGIBLE] == 30 and cache.size[ELIGIBLE] == 270
    assert t.removal(["**/__pycache__"])[cache.id] == 270
    data = aggs[("pkg", "data")]
    assert t.removal(["**/*.csv"]) == {data.id: 220, t.root.children[0].id: 220, t.root.id: 220}  # type: ignore[index]
    assert data.id not in t.removal(["**/__pycache__"])


@pytest.mark.parametrize("budget", [1, 3, 1000])
def test_every_budget_keeps_exact_totals(budget: int) -> None:
    entries = list(_monorepo(dirs=20, per_dir=20))
    t = _fed(entries, budget=budget)
    size, files = _leaf_sums(t)
    assert size == t.root.size and files == t.root.files
    assert files[ELIGIBLE] == 400 and files[IGNORED] == 400


def test_deep_directories_fold_into_the_deepest_level_kept() -> None:
    from ctxaudit.analysis.tree import MAX_DEPTH

    deep = "/".join(f"d{i}" for i in range(300))
    entries = [_dir("/".join(f"d{i}" for i in range(k + 1))) for k in range(300)]
    entries += [_file(f"{deep}/big.bin", 10_000), _file(f"{deep}/x.csv", 5, label="data")]
    t = _fed(entries, budget=100)
    depth = max(p.count("/") + 1 for n, p in t.paths() if p)
    assert depth <= MAX_DEPTH + 1
    assert t.root.size[ELIGIBLE] == 10_005 and _leaf_sums(t)[0][ELIGIBLE] == 10_005
    # what lies below folds into the level kept, and a suggestion still finds it by its sample
    ((agg_path, _),) = [(p, n) for n, p in t.paths() if n.is_aggregate and n.kind == "data"]
    assert agg_path.count("/") + 1 == MAX_DEPTH
    assert t.removal(["**/*.csv"])[t.root.id] == 5


def test_a_deep_context_renders(tmp_path: Path) -> None:
    from ctxaudit.output import Options
    from ctxaudit.output import html as html_out

    deep = "/".join("d" for _ in range(400))
    root = make_tree(tmp_path / "ctx", {f"{deep}/f.txt": 100, "top.txt": 1})
    r = scan([open_context(root, None, Builder.BUILDKIT)], tree=True, suggestions=False)
    assert r.tree is not None and r.tree.root.size[ELIGIBLE] == 101
    assert "d/d/d" not in html_out.render(r, Options())  # names, not paths, in the page
