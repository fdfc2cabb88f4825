"""How each builder finds and reads the build files (engine/buildfiles.py).

The listings and failures themselves are proven against the engine in
tests/conformance (the ``buildfile-*`` and ``legacy-cannot-locate-dockerfile``
cases); these tests pin the resolution rules, the findings and what the
commands do with them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.cli import main
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.buildfiles import root_path
from ctxaudit.engine.context import open_context
from ctxaudit.pipeline import scan


def test_root_path_keeps_links_inside_the_root(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "ctx", {"conf/x.ignore": "", "sub/": ""})
    os.symlink("../outside/file", root / "up")
    os.symlink("/conf/x.ignore", root / "abs")
    os.symlink("conf", root / "dirlink")
    os.symlink("../../../conf/x.ignore", root / "sub" / "deep")
    os.symlink("loop", root / "loop")
    assert root_path(root, "up") == "outside/file"  # '..' stops at the root
    assert root_path(root, "abs") == "conf/x.ignore"  # absolute: relative to the root
    assert root_path(root, "dirlink/x.ignore") == "conf/x.ignore"
    assert root_path(root, "sub/deep") == "conf/x.ignore"
    assert root_path(root, "missing/a/../b") == "missing/b"
    assert root_path(root, "") == ""
    assert root_path(root, "loop") is None  # more than 255 links


def _problems(ctx: Path, builder: Builder, dockerfile: Path | None = None) -> list[tuple[bool, str, str]]:
    c = open_context(ctx, dockerfile, builder)
    return [(p.fatal, p.file, p.reason) for p in c.problems]


def test_linked_ignore_file_outside_the_context(tmp_path: Path) -> None:
    (tmp_path / "shared.dockerignore").write_text("secret.txt\n")
    ctx = make_tree(tmp_path / "ctx", {"Dockerfile": "FROM scratch\n", "secret.txt": "s"})
    os.symlink("../shared.dockerignore", ctx / ".dockerignore")
    bk = open_context(ctx, None, Builder.BUILDKIT)
    assert bk.ignore.path is None
    ((fatal, file, reason),) = _problems(ctx, Builder.BUILDKIT)
    assert (fatal, file) == (False, ".dockerignore")
    assert "resolves inside the context as shared.dockerignore: not found" in reason
    legacy = open_context(ctx, None, Builder.LEGACY)
    assert [str(p) for p in legacy.ignore.lines] == ["secret.txt"]
    assert legacy.ignore.path == tmp_path / "shared.dockerignore"  # --write edits the file, not the link
    assert legacy.problems == ()
    # With the Dockerfile outside the context the legacy CLI fails on the link.
    out = tmp_path / "out.Dockerfile"
    out.write_text("FROM scratch\n")
    ((fatal, file, reason),) = _problems(ctx, Builder.LEGACY, out)
    assert fatal and file == ".dockerignore" and "archive/tar: write too long" in reason


def test_dockerfile_link_read_by_each_builder(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"build/Dockerfile.real": "FROM scratch\n", "sub/": ""})
    os.symlink("/build/Dockerfile.real", ctx / "Dockerfile")
    bk = open_context(ctx, None, Builder.BUILDKIT)
    assert bk.dockerfile_label == "build/Dockerfile.real" and bk.problems == ()
    legacy = open_context(ctx, None, Builder.LEGACY)
    assert legacy.dockerfile is None
    ((fatal, _, reason),) = legacy.problems and [(p.fatal, p.file, p.reason) for p in legacy.problems]
    assert fatal and reason.startswith("unable to evaluate symlinks in Dockerfile path: lstat /build")
    # Inside the context but outside the Dockerfile's own directory: BuildKit cannot read it.
    os.symlink("../build/Dockerfile.real", ctx / "sub" / "Dockerfile")
    ((fatal, file, reason),) = _problems(ctx, Builder.BUILDKIT, ctx / "sub" / "Dockerfile")
    assert fatal and file == "sub/Dockerfile" and reason.startswith("failed to read dockerfile")
    assert _problems(ctx, Builder.LEGACY, ctx / "sub" / "Dockerfile") == []


def test_dockerfile_link_outside_needs_f_for_the_legacy_cli(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "Dockerfile").write_text("FROM scratch\nCOPY a.txt /\n")
    ctx = make_tree(tmp_path / "ctx", {"a.txt": "a"})
    os.symlink("../shared/Dockerfile", ctx / "Dockerfile")
    ((fatal, _, reason),) = _problems(ctx, Builder.LEGACY)
    assert fatal and "open : no such file or directory" in reason
    assert _problems(ctx, Builder.LEGACY, ctx / "Dockerfile") == []
    for given in (None, ctx / "Dockerfile"):
        ((fatal, _, reason),) = _problems(ctx, Builder.BUILDKIT, given)
        assert fatal and "failed to read dockerfile" in reason


def test_ignore_file_that_is_a_directory(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {".dockerignore/inner": "x", "Dockerfile": "FROM scratch\n"})
    ((fatal, _, reason),) = _problems(ctx, Builder.LEGACY)
    assert fatal and reason.endswith("is a directory")
    ((fatal, _, reason),) = _problems(ctx, Builder.BUILDKIT)
    assert not fatal and "it is a directory; it applies no ignore file" in reason


def test_per_dockerfile_ignore_link_falls_back_to_the_root_file(tmp_path: Path) -> None:
    ctx = make_tree(
        tmp_path / "ctx",
        {".dockerignore": "a.txt\n", "common.ignore": "secret.txt\n", "sub/app.Dockerfile": "FROM scratch\n"},
    )
    os.symlink("../common.ignore", ctx / "sub" / "app.Dockerfile.dockerignore")
    c = open_context(ctx, ctx / "sub" / "app.Dockerfile", Builder.BUILDKIT)
    assert c.ignore.display == ".dockerignore"
    ((fatal, file, reason),) = [(p.fatal, p.file, p.reason) for p in c.problems]
    assert not fatal and file == "sub/app.Dockerfile.dockerignore"
    assert "inside the Dockerfile's directory as common.ignore: not found; it applies .dockerignore" in reason


def test_legacy_walk_that_never_reaches_the_dockerfile(tmp_path: Path) -> None:
    ctx = make_tree(
        tmp_path / "ctx", {".dockerignore": "*\n!docker/*/Dockerfile\n", "docker/application/Dockerfile": "FROM x\n"}
    )
    df = ctx / "docker" / "application" / "Dockerfile"
    ((fatal, file, reason),) = _problems(ctx, Builder.LEGACY, df)
    assert fatal and file == "docker/application/Dockerfile"
    assert "Cannot locate specified Dockerfile: docker/application/Dockerfile" in reason
    assert _problems(ctx, Builder.BUILDKIT, df) == []
    # A literal exception is a path the legacy walk enters.
    (ctx / ".dockerignore").write_text("*\n!docker/application/Dockerfile\n")
    assert _problems(ctx, Builder.LEGACY, df) == []


def test_findings_name_the_builder(tmp_path: Path) -> None:
    ctx = make_tree(
        tmp_path / "ctx", {".dockerignore": "*\n!docker/*/Dockerfile\n", "docker/app/Dockerfile": "FROM x\n"}
    )
    df = ctx / "docker" / "app" / "Dockerfile"
    report = scan([open_context(ctx, df, Builder.LEGACY)], suggestions=False)
    (f,) = [f for f in report.findings if f.rule.id == "CA101"]
    assert f.level == "error" and f.message.startswith("The legacy builder fails: ")
    assert f.location == "docker/app/Dockerfile"
    bk = scan([open_context(ctx, df, Builder.BUILDKIT)], suggestions=False)
    assert not [f for f in bk.findings if f.rule.id in ("CA101", "CA102")]


def test_daemon_reads_a_linked_ignore_file_inside_the_context(tmp_path: Path) -> None:
    """The legacy CLI reads the link on the host (dangling here), the daemon
    inside the context it received, where it names the Dockerfile."""
    from ctxaudit.engine.walk import walk

    ctx = make_tree(tmp_path / "ctx", {"conf/x.ignore": "secret.txt\nDockerfile\n", "Dockerfile": "FROM x\n"})
    (ctx / "secret.txt").write_text("s")
    os.symlink("/conf/x.ignore", ctx / ".dockerignore")
    c = open_context(ctx, None, Builder.LEGACY)
    assert c.ignore.path is None
    kept = {e.path for e in walk(c) if e.sent and e.is_file and not e.removed}
    assert kept == {".dockerignore", "conf/x.ignore", "secret.txt"}  # the daemon removed the Dockerfile


def test_ls_and_lint_report_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "shared.dockerignore").write_text("secret.txt\n")
    ctx = make_tree(tmp_path / "ctx", {"Dockerfile": "FROM scratch\n", "secret.txt": "s"})
    os.symlink("../shared.dockerignore", ctx / ".dockerignore")
    assert main(["ls", str(ctx)]) == 0
    out = capsys.readouterr()
    assert "secret.txt" in out.out.split()
    assert "warning: .dockerignore: BuildKit does not apply .dockerignore" in out.err
    assert main(["lint", str(ctx), "--fail-on", "warning"]) == 1
    assert "CA102" in capsys.readouterr().out


def test_suggest_write_keeps_a_linked_ignore_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ctx = make_tree(
        tmp_path / "ctx",
        {"conf/docker.ignore": "*.tar\n", "Dockerfile": "FROM scratch\nCOPY app.py /\n", "app.py": "x", "x.log": "l"},
    )
    os.symlink("conf/docker.ignore", ctx / ".dockerignore")
    assert main(["suggest", str(ctx), "--write"]) == 0
    capsys.readouterr()
    assert os.path.islink(ctx / ".dockerignore")
    assert "**/*.log" in (ctx / "conf" / "docker.ignore").read_text()
