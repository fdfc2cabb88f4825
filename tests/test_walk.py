"""The walk itself: statuses, kinds, special files, unreadable paths, streaming."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.analysis.stats import ContextStats
from ctxaudit.classify import kinds
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context
from ctxaudit.engine.walk import EntryType, Status, walk


def entries(root: Path, builder: Builder = Builder.BUILDKIT, full: bool = False) -> dict[str, tuple[str, str]]:
    ctx = open_context(root, None, builder)
    return {e.path: (e.status.value, e.type.value) for e in walk(ctx, full=full)}


def test_full_walk_marks_ignored_and_pruned(tmp_path: Path) -> None:
    make_tree(tmp_path, {".dockerignore": "*.csv\nbuild\n", "a.csv": "1", "keep.py": "2", "build/x/y": "3"})
    got = entries(tmp_path, full=True)
    assert got["a.csv"] == ("ignored", "file")
    assert got["build"] == ("pruned", "dir")
    assert got["build/x/y"] == ("pruned", "file")
    assert got["keep.py"] == ("sent", "file")
    assert "a.csv" not in entries(tmp_path)


def test_excluded_directory_is_sent_only_as_parent(tmp_path: Path) -> None:
    make_tree(tmp_path, {".dockerignore": "build\n!build/keep.txt\n", "build/keep.txt": "k", "build/out": "o"})
    got = entries(tmp_path)
    assert got == {".dockerignore": ("sent", "file"), "build": ("sent", "dir"), "build/keep.txt": ("sent", "file")}
    make_tree(tmp_path, {".dockerignore": "build\n!build/nothing\n"})
    assert "build" not in entries(tmp_path)


def _stats(root: Path) -> ContextStats:
    """The statistics of the default walk of ``root`` (top 10)."""
    stats = ContextStats(top=10)
    for e in kinds.walk(open_context(root)):
        stats.add(e)
    return stats.finish()


def test_empty_directories_are_entries_not_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    stats = _stats(tmp_path)
    assert stats.sent.files == 0 and stats.sent_dirs == 1


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_special_files_per_builder(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a.txt": "hi"})
    os.mkfifo(tmp_path / "fifo")
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(tmp_path / "sock"))
    s.close()
    os.mknod(tmp_path / "chr", 0o20644, os.makedev(1, 3))
    bk = entries(tmp_path)
    assert bk["fifo"] == ("dropped", "fifo")
    assert bk["sock"] == ("sent", "file")  # an empty regular file, as the engine showed
    assert bk["chr"] == ("sent", "file")
    legacy = entries(tmp_path, Builder.LEGACY)
    assert legacy["fifo"] == ("sent", "fifo")
    assert legacy["sock"] == ("dropped", "socket")
    assert legacy["chr"] == ("sent", "device")


def test_hardlinks_are_marked(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a": "12345"})
    os.link(tmp_path / "a", tmp_path / "b")
    ctx = open_context(tmp_path)
    got = {e.path: e.hardlink_of for e in walk(ctx)}
    assert got == {"a": None, "b": "a"}


def test_kinds_inherit_from_the_outermost_directory(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            ".venv/lib/x/__pycache__/m.pyc": "1",
            "env2/pyvenv.cfg": "home=/usr",
            "env2/lib/a.py": "2",
            "data/raw/x.csv": "3",
            "node_modules/a/b.json": "4",
            "src/app.py": "5",
            "backup.tar.gz": "6",
            "model.safetensors": "7",
            "id_rsa": "8",
            ".env.example": "9",
        },
    )
    ctx = open_context(tmp_path)
    found = {e.path: kinds.of(e) for e in kinds.walk(ctx) if e.is_file}
    assert found == {
        ".env.example": "source",
        ".venv/lib/x/__pycache__/m.pyc": "venv",
        "backup.tar.gz": "archive",
        "data/raw/x.csv": "data",
        "env2/lib/a.py": "venv",
        "env2/pyvenv.cfg": "venv",
        "id_rsa": "secret",
        "model.safetensors": "model",
        "node_modules/a/b.json": "dependencies",
        "src/app.py": "source",
    }


def test_stats_cumulative_directories(tmp_path: Path) -> None:
    make_tree(tmp_path, {"a/b/c": 100, "a/d": 10, "a-b": 1, "z/y": 5})
    stats = _stats(tmp_path)
    dirs = {d.path: (d.bytes, d.files) for d in stats.largest_dirs}
    assert dirs == {"a": (110, 2), "a/b": (100, 1), "z": (5, 1)}
    assert [f.path for f in stats.largest_files][:2] == ["a/b/c", "a/d"]


def _as_unprivileged_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the walk see the tree as uid 65534 would, even when tests run as root.

    File readability comes from mode bits and the effective ids; a directory
    with no permission bits makes scandir fail with EACCES, as it would.
    """
    import ctxaudit.engine.walk as walk_mod

    monkeypatch.setattr(walk_mod, "_euid_readable", lambda: (65534, frozenset({65534})))
    real = walk_mod.list_dir

    def list_dir(path: str) -> list[os.DirEntry[str]]:
        if os.stat(path).st_mode & 0o777 == 0:
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(walk_mod, "list_dir", list_dir)


def test_unreadable_paths_are_reported_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = make_tree(
        tmp_path,
        {
            ".dockerignore": "skipped\nunder\n",
            "ok": "1",
            "secret.key": "2",
            "locked/x": "3",
            "skipped/y": "4",
            "under/deep/z": "5",
        },
    )
    os.chmod(ctx / "secret.key", 0o000)
    for d in ("locked", "skipped", "under/deep"):
        os.chmod(ctx / d, 0o000)
    _as_unprivileged_user(monkeypatch)
    try:
        got = {}
        for b in (Builder.BUILDKIT, Builder.LEGACY):
            c = open_context(ctx, None, b)
            got[b.value] = {e.path: e.problem for e in walk(c) if e.problem}
    finally:
        for d in ("locked", "skipped", "under/deep"):
            os.chmod(ctx / d, 0o755)
    assert set(got["buildkit"]) == {"secret.key", "locked"}
    assert "permission denied" in (got["buildkit"]["secret.key"] or "")
    # The legacy CLI's validation reads every directory its walk reaches,
    # even an excluded one ("skipped"), unless an ancestor is excluded
    # ("under/deep" is never reached).
    assert set(got["legacy"]) == {"secret.key", "locked", "skipped"}


def test_walk_streams_without_holding_the_tree(tmp_path: Path) -> None:
    """Entries come out one by one: the first arrives before the walk ends."""
    make_tree(tmp_path, {f"d{i}/f{j}": "x" for i in range(30) for j in range(30)})
    ctx = open_context(tmp_path)
    it = walk(ctx)
    first = next(it)
    assert first.path == "d0" and first.type is EntryType.DIR
    assert next(it).path == "d0/f0"
    rest = sum(1 for e in it if e.status is Status.SENT and e.is_file)
    assert rest == 899


def test_largest_directories_carry_a_kind(tmp_path: Path) -> None:
    make_tree(tmp_path, {"web/node_modules/a/i.js": 500, "web/src/app.js": 10, "data/raw/x.csv": 300, "data/n.txt": 1})
    kinds = {d.path: d.kind for d in _stats(tmp_path).largest_dirs}
    assert kinds["web/node_modules"] == "dependencies"  # its own kind
    assert kinds["web"] == "dependencies"  # most of its bytes
    assert kinds["data"] == "data" and kinds["web/src"] == "source"


def test_ls_warns_about_unreadable_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ctxaudit.cli import main

    make_tree(tmp_path, {"ok": "1", "secret.key": "2"})
    os.chmod(tmp_path / "secret.key", 0o000)
    _as_unprivileged_user(monkeypatch)
    assert main(["ls", str(tmp_path), "--sizes"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == ["ok\t1", "secret.key\t1"]
    assert "secret.key: cannot read secret.key: permission denied" in err


def test_unreadable_path_fix_is_a_docker_line() -> None:
    from ctxaudit.engine.walk import Entry
    from ctxaudit.rules import walk as walk_rules

    e = Entry("logs/a[1].txt", EntryType.FILE, 0, Status.SENT, None, problem="cannot read a[1].txt: permission denied")
    (f,) = walk_rules.check([e])
    assert (f.rule.id, f.fix) == ("CA100", "add 'logs/a\\[1\\].txt' to the ignore file")


def test_ca100_only_for_what_the_builder_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # BuildKit transfers only what the Dockerfile takes: a mode-000 file beside
    # it is never read (the engine builds it); the legacy CLI tars everything and
    # stops (tests/dockerfile case unreadable-file-not-copied).
    import json

    from ctxaudit.cli import main

    make_tree(tmp_path, {"f": "1", "secret.txt": "2", "Dockerfile": "FROM scratch\nCOPY f /ctx/\n"})
    os.chmod(tmp_path / "secret.txt", 0o000)
    _as_unprivileged_user(monkeypatch)

    def ca100(*args: str) -> list[str]:
        capsys.readouterr()
        main(["scan", str(tmp_path), "-o", "json", "--no-progress", *args])
        doc = json.loads(capsys.readouterr().out)
        return [f["path"] for f in doc["findings"] if f["rule"] == "CA100"]

    assert ca100() == []
    assert ca100("--builder", "legacy") == ["secret.txt"]
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . /ctx/\n")
    assert ca100() == ["secret.txt"]  # COPY . reads it


def test_buildkit_writes_an_unreadable_file_it_copies_as_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Seen on the engine (BuildKit 0.8, client without DAC capabilities): COPY sub
    # with a mode-000 sub/secret.txt built, and the image held it with 0 bytes.
    import json

    from ctxaudit.cli import main

    make_tree(tmp_path, {"sub/g": "g\n", "sub/secret.txt": "s\n", "Dockerfile": "FROM scratch\nCOPY sub /ctx/\n"})
    os.chmod(tmp_path / "sub" / "secret.txt", 0o000)
    _as_unprivileged_user(monkeypatch)
    capsys.readouterr()
    main(["scan", str(tmp_path), "-o", "json", "--no-progress"])
    doc = json.loads(capsys.readouterr().out)
    (f,) = [f for f in doc["findings"] if f["rule"] == "CA100"]
    assert f["path"] == "sub/secret.txt" and "copies it as an empty file" in f["message"]
    c = open_context(tmp_path)
    from ctxaudit.dockerfile.model import build_model
    from ctxaudit.dockerfile.usage import DockerfileUsage

    u = DockerfileUsage(build_model("FROM scratch\nCOPY sub /ctx/\n"), Builder.BUILDKIT, str(c.root), record_image=True)
    for e in walk(c):
        u.add(e)
    u.finish()
    assert u.image_files == {"/ctx/g": 2, "/ctx/secret.txt": 0}


def _crowded_directory(root: Path) -> Path:
    """One directory whose names sort in every tricky way: a file, a directory
    and a symlink sharing prefixes with longer names ("p", "p-", "p.x", "p/"),
    names that are not UTF-8 (surrogate escapes sort by their bytes), FIFOs."""
    d = root / "crowded"
    d.mkdir()
    for i in range(300):
        name = f"{'abz-._~é '[i % 9]}{i % 17:x}{'' if i % 3 else '-'}{i}"
        if i % 7 == 0:
            (d / name).mkdir()
            (d / name / "inner").write_text("x")
        elif i % 11 == 0:
            (d / name).symlink_to("elsewhere")
        elif i % 13 == 0:
            os.mkfifo(d / name)
        else:
            (d / name).write_text("x")
    for name in ("p", "p-", "p.x", "p0", "q-", "q.a", "r-"):
        (d / name).write_text("x")
    (d / "q").mkdir()
    (d / "r").symlink_to("x")
    for i in range(40):
        open(os.fsencode(d) + b"/raw\xff" + bytes([0x80 + i]) + b"%d" % i, "wb").close()
        os.mkdir(os.fsencode(d) + b"/rawd\xfe" + bytes([0x41 + i]))
    (root / ".dockerignore").write_text("crowded/a*\n!crowded/a1*\ncrowded/rawd*\n")
    return d


@pytest.mark.parametrize("chunk,block", [(16, 4), (50, 7), (100, 1), (13, 1024), (389, 3)])
def test_a_big_directory_is_packed_and_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, block: int
) -> None:
    """Past _CHUNK children a directory is held packed (issue 15: a million
    names in one directory under 100 MB); what it gives is the same."""
    import ctxaudit.engine.walk as walk_mod

    d = str(_crowded_directory(tmp_path))
    plain = walk_mod.list_dir(d)
    assert len(plain) == 389 and plain.raw
    monkeypatch.setattr(walk_mod, "_CHUNK", chunk)
    monkeypatch.setattr(walk_mod, "_BLOCK", block)
    packed = walk_mod.list_dir(d)
    assert isinstance(packed, walk_mod._PackedListing)
    assert len(packed) == len(plain)
    assert list(packed.walk_keys()) == list(plain.walk_keys())
    assert list(packed) == list(plain)
    assert list(packed.names) == list(plain.names)
    names = [name for name, _ in plain]
    for probe in names + [n + "x" for n in names] + [n[:-1] for n in names] + ["", "0", "~~", "\udcff"]:
        assert packed.has(probe) == plain.has(probe), probe
    assert sum(packed.has(n) for n in names) == len(names)


def test_a_walk_through_a_packed_directory_is_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ctxaudit.engine.walk as walk_mod

    _crowded_directory(tmp_path)

    def listing(builder: Builder, full: bool) -> list[tuple[object, ...]]:
        ctx = open_context(tmp_path, None, builder)
        return [(e.path, e.status, e.type, e.size, e.rule, e.label, e.implied) for e in walk(ctx, full=full)]

    before = {(b, f): listing(b, f) for b in Builder for f in (False, True)}
    monkeypatch.setattr(walk_mod, "_CHUNK", 32)
    monkeypatch.setattr(walk_mod, "_BLOCK", 5)
    for (b, f), entries in before.items():
        assert listing(b, f) == entries, (b, f)
        assert len(entries) > 300


def test_a_packed_directory_holds_a_fifth_of_the_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of packing: ~12 bytes a short name, not ~70 (a str and a pointer)."""
    import tracemalloc

    import ctxaudit.engine.walk as walk_mod

    d = tmp_path / "many"
    d.mkdir()
    for i in range(20_000):
        os.close(os.open(d / f"f{i:07d}.js", os.O_WRONLY | os.O_CREAT, 0o644))

    def held(path: str) -> tuple[int, int]:
        tracemalloc.start()
        try:
            listing = walk_mod.list_dir(path)
            now, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert len(listing) == 20_000
        return now, peak

    plain, _ = held(str(d))
    # Scaled down from 65,536 and 1,024 for a million: the peak is the packed
    # keys, one chunk as str and one unpacked block per chunk being merged.
    monkeypatch.setattr(walk_mod, "_CHUNK", 2048)
    monkeypatch.setattr(walk_mod, "_BLOCK", 64)
    packed, peak = held(str(d))
    assert plain > 20_000 * 60
    assert packed < 20_000 * 15
    assert peak < plain / 2
