"""RUN --mount: parsed as BuildKit parses it, bind sources checked like COPY
sources (engine verdicts: tests/dockerfile/golden/bind-mount-*, mount-*,
tmpfs-*, cache-*)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.analysis import suggest
from ctxaudit.dockerfile.model import build_model
from ctxaudit.dockerfile.mounts import MountError, check_target, parse_mount
from ctxaudit.dockerfile.usage import DockerfileUsage
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context
from ctxaudit.engine.walk import walk
from ctxaudit.pipeline import scan


def _same(word: str) -> str:
    return word


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("type=bind,source,target=/mnt", "invalid field 'source' must be a key=value pair"),
        ("type=bnd,target=/mnt", 'unsupported mount type "bnd"'),
        ("type=bind,target=/mnt,foo=bar", "unexpected key 'foo' in 'foo=bar'"),
        ("type=bind,target=/mnt,ro=maybe", "invalid value for ro: maybe"),
        ("type=bind,target=/mnt,mode=0755", 'mode not allowed for "bind" type mounts'),
        ("type=cache,target=/c,mode=0o755", "invalid value 0o755 for mode"),
        ("type=cache,target=/c,uid=-1", "invalid value -1 for uid"),
        ("type=bind,target=/mnt,required", "unexpected key 'required' for mount type 'bind'"),
        ("type=tmpfs,target=/t,size=lots", "invalid value for size: lots"),
        ("type=bind,target=/mnt,sharing=locked", "invalid cache sharing set for bind mount"),
        ("type=cache,target=/c,sharing=all", 'unsupported sharing value "all"'),
        ("type=secret,from=x,id=a", "secret mount should not have a from"),
        ("type=secret", "invalid secret mount. one of source, target required"),
        ("type=bind,from=$STAGE,target=/m", "'from' doesn't support variable expansion, define alias stage instead"),
    ],
)
def test_mounts_buildkit_rejects(value: str, error: str) -> None:
    with pytest.raises(MountError) as exc:
        parse_mount(value, _same)
    assert str(exc.value) == error


def test_mounts_buildkit_accepts() -> None:
    m = parse_mount("TYPE=BIND,Source=assets,dst=/mnt,readonly", _same)
    assert (m.type, m.source, m.target, m.readonly) == ("bind", "assets", "/mnt", True)
    assert parse_mount("source=a,target=/m", _same).type == "bind"  # the default type
    assert parse_mount("type=secret,id=npm,required", _same).type == "secret"
    assert parse_mount("type=tmpfs,target=/t,size=64m", _same).type == "tmpfs"
    assert parse_mount("type=cache,target=/c,mode=0755,uid=1000,sharing=locked", _same).type == "cache"


def test_mount_targets() -> None:
    spec = parse_mount("type=bind,source=a", _same)
    with pytest.raises(MountError, match='invalid mount target "/"'):
        check_target(spec, "", "/")
    check_target(spec, "", "/w")  # WORKDIR /w: the target is /w
    check_target(spec, "/mnt/..", "/")  # an absolute target is used as written
    with pytest.raises(MountError):
        check_target(spec, "..", "/w")
    check_target(parse_mount("type=secret,id=x", _same), "", "/")  # secrets have a default target


def _usage(ctx: Path, text: str, builder: Builder = Builder.BUILDKIT) -> DockerfileUsage:
    c = open_context(ctx, None, builder)
    u = DockerfileUsage(build_model(text), builder, str(c.root))
    for e in walk(c):
        u.add(e)
    return u.finish()


RUN = "FROM debian\nRUN --mount={} true\n"


def test_bind_sources_are_checked_like_copy_sources(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {".dockerignore": "assets\n", "assets/a.txt": "a", "src/b.txt": "b"})
    os.symlink("../../outside", ctx / "lnk")
    cases = {
        "type=bind,source=assets,target=/m": ("ignored", "is excluded by the ignore file"),
        "type=bind,source=nothere,target=/m": ("missing", "is not in the context"),
        "type=bind,source=sr*,target=/m": ("missing", "a mount takes its source literally"),
        "type=bind,source=lnk,target=/m": ("missing", "(a link, resolved inside the context as 'outside')"),
    }
    for mount, (kind, words) in cases.items():
        u = _usage(ctx, RUN.format(mount))
        ((p,),) = [[(p.kind, p.message) for p in u.problems]]
        assert p[0] == kind and words in p[1] and p[1].startswith("RUN --mount source"), mount
    assert _usage(ctx, RUN.format("type=bind,source=src,target=/m")).problems == []
    # The legacy builder fails at --mount itself (CA310): no source findings there.
    assert _usage(ctx, RUN.format("type=bind,source=nothere,target=/m"), Builder.LEGACY).problems == []


def test_mount_transfers(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"app.py": "a", "assets/a.txt": "aa", "big.bin": 1000})
    bind = _usage(ctx, RUN.format("type=bind,source=assets,target=/m"))
    assert (bind.transfer.files, bind.transfer.bytes, bind.whole_context) == (1, 2, False)
    copy = "COPY app.py /\n"
    tmpfs = _usage(ctx, RUN.format("type=tmpfs,target=/t") + copy)
    assert tmpfs.whole_context and tmpfs.transfer.bytes == 1003  # BuildKit's include paths get "/"
    cache = _usage(ctx, RUN.format("type=cache,target=/t") + copy)
    assert not cache.whole_context and cache.transfer.bytes == 1
    # Nothing reads the context: no context step at all.
    alone = _usage(ctx, RUN.format("type=tmpfs,target=/t"))
    assert (alone.transfer.bytes, alone.wire_bytes, alone.whole_context) == (0, 0, False)


def test_a_malformed_mount_is_an_error_not_the_whole_context(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"app.py": "a", "assets/a.txt": "aa", "Dockerfile": ""})
    (ctx / "Dockerfile").write_text(RUN.format("type=bind,source,target=/m") + "COPY app.py /\n")
    u = _usage(ctx, (ctx / "Dockerfile").read_text())
    assert not u.whole_context and u.transfer.files == 1
    report = scan([open_context(ctx)], suggestions=False)
    (f,) = [f for f in report.findings if f.rule.id == "CA311"]
    assert f.line == 2 and "invalid field 'source' must be a key=value pair" in f.message


def test_suggest_keeps_what_a_bind_mount_reads(tmp_path: Path) -> None:
    ctx = make_tree(
        tmp_path / "ctx",
        {"data/a.csv": 5000, "other/b.csv": 3000, "__pycache__/x.pyc": 10, "data/__pycache__/y.pyc": 10, "a.log": 9},
    )
    (ctx / "Dockerfile").write_text(RUN.format("type=bind,source=data,target=/d"))
    c = open_context(ctx)
    df = build_model((ctx / "Dockerfile").read_text())
    p, _ = suggest.plan(c, df)
    lines = [ln for cand in p.candidates for ln in cand.lines]
    assert "**/*.csv" not in lines and "**/__pycache__" not in lines  # they would empty data/
    assert "**/*.log" in lines  # nothing below data/: fair game
    held = {cand.line: cand for cand in p.held_back}
    for line in ("**/*.csv", "**/__pycache__"):  # never written, and the mount is named as the reason
        assert held[line].status == "held"
        assert held[line].why.startswith("RUN --mount=type=bind,source=data (line 2) reads it: data/"), held[line].why
