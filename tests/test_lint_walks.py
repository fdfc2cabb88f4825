"""lint's full walk doubles as the builders' walks it compares (pipeline._fed, _twin, _differing)."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit import pipeline
from ctxaudit.analysis.stats import ContextStats
from ctxaudit.classify import kinds
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context

# ignore file -> does the other Docker builder's walk decide every path as the audited one's?
IGNORE_FILES = {
    "": True,
    "build\n": True,
    "**/node_modules\n*.sock\n": True,
    "sub\n": True,
    "build\n!build/keep\n": False,  # an exception: BuildKit and legacy may enter different directories
    "Dockerfile\n": False,  # legacy: the CLI adds '!Dockerfile'
}


def special_tree(root: Path, ignore: str) -> Path:
    files: dict[str, str | bytes | int] = {"Dockerfile": "FROM scratch\nCOPY . /app\n", ".dockerignore": ignore}
    for d in ("", "sub/", "build/", "node_modules/", "a/node_modules/"):
        files.update({f"{d}f.txt": "x", f"{d}keep": "k"})
    make_tree(root, files)
    for d in ("", "sub", "build", "node_modules", "a/node_modules"):
        where = root / d
        os.mkfifo(where / "fifo")
        os.symlink("f.txt", where / "link")
        s = socket.socket(socket.AF_UNIX)
        cwd = os.getcwd()
        os.chdir(where)  # a socket's path is limited to about 100 bytes
        try:
            s.bind("x.sock")
        finally:
            os.chdir(cwd)
            s.close()
        if os.geteuid() == 0:  # mknod needs root; the sockets differ between builders all the same
            os.mknod(where / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    return root


@pytest.mark.parametrize("builder", list(Builder))
@pytest.mark.parametrize("ignore", list(IGNORE_FILES))
def test_the_full_walk_gives_what_each_walk_takes(tmp_path: Path, ignore: str, builder: Builder) -> None:
    ctx = pipeline._usable(open_context(special_tree(tmp_path / "ctx", ignore), builder=builder))
    walks = {b.value: ctx if b is builder else pipeline._as(ctx, b) for b in Builder}
    twin = pipeline._twin(walks, builder)
    assert (twin is not None) == (IGNORE_FILES[ignore] and builder is not Builder.BUILDAH)
    names = (builder.value,) if twin is None else (builder.value, twin.value)
    stats = ContextStats(top=0)
    fed = pipeline._takers(pipeline._fed(kinds.walk(ctx, full=True), [stats], builder), builder, twin)
    derived = pipeline._differing(walks, {names: fed})
    walked = pipeline._differing(walks)  # every builder walks the context itself
    assert derived == walked
    # BuildKit sends the sockets (and device nodes) as empty files; legacy and buildah do not.
    assert {p.rpartition("/")[2] for p in walked["buildkit"] or ()} >= {"x.sock"}
    # The collectors saw the whole full walk.
    alone = ContextStats(top=0)
    pipeline.fan_out(kinds.walk(ctx, full=True), [alone])
    assert (stats.sent, stats.ignored, stats.ignored_by_kind) == (alone.sent, alone.ignored, alone.ignored_by_kind)
