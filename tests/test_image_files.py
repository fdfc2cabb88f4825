"""What reaches the image, counted as the image holds it (dockerfile/imagefs.py).

The engine's verdicts are in tests/dockerfile/golden (from-*, overwrite-*,
wildcard-matches-nothing, no-context-step); these pin the counting, its
memory bound and the findings.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.dockerfile.imagefs import ChainEffects, known_stage
from ctxaudit.dockerfile.model import build_model
from ctxaudit.dockerfile.usage import DockerfileUsage
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context
from ctxaudit.engine.walk import walk
from ctxaudit.output import Options
from ctxaudit.output.table import _Style, dockerfile_section
from ctxaudit.pipeline import scan


def _usage(ctx: Path, text: str, builder: Builder = Builder.BUILDKIT) -> DockerfileUsage:
    c = open_context(ctx, None, builder)
    u = DockerfileUsage(build_model(text), builder, str(c.root))
    for e in walk(c):
        u.add(e)
    return u.finish()


def test_a_path_written_twice_is_one_file(tmp_path: Path) -> None:
    files: dict[str, str | bytes | int] = {"requirements.txt": "x" * 10, "big.bin": 1000}
    files.update({f"src/m{i}.py": "y" for i in range(50)})
    ctx = make_tree(tmp_path / "ctx", files)
    u = _usage(ctx, "FROM scratch\nWORKDIR /app\nCOPY requirements.txt .\nCOPY big.bin .\nCOPY . .\n")
    assert (u.layers.files, u.layers.bytes) == (54, 10 + 1000 + 1060)
    assert (u.image.files, u.image.bytes) == (52, 1060)
    # Only the paths two writers share were remembered, not everything COPY . wrote.
    assert sorted(u.fs._shadow) == ["/app/big.bin", "/app/requirements.txt"]


def test_last_writer_wins_across_stages(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"a/conf": "1", "b/conf": "22"})
    text = "FROM scratch AS base\nCOPY a/conf /etc/\nFROM base\nCOPY b/conf /etc/\n"
    c = open_context(ctx)
    u = DockerfileUsage(build_model(text), Builder.BUILDKIT, str(c.root), record_image=True)
    for e in walk(c):
        u.add(e)
    u.finish()
    assert u.image_files == {"/etc/conf": 2}
    assert (u.image.files, u.image.bytes, u.layers.files) == (1, 2, 2)


def test_wildcard_directories_merge_into_one_destination(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"d1/x": "1", "d2/x": "22", "d2/y": "3"})
    u = _usage(ctx, "FROM scratch\nCOPY d* /out/\n")
    assert (u.layers.files, u.image.files, u.image.bytes) == (3, 2, 3)


def test_copy_from_is_traced_through_stages(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"app.py": "print()\n", "lib/u.py": "u"})
    text = (
        "FROM scratch AS a\nCOPY app.py lib /a/\n"
        "FROM scratch AS b\nCOPY --from=a /a/*.py /b/\n"
        "FROM scratch\nCOPY --from=b /b/app.py /main.py\nCOPY --from=b /b /all/\n"
    )
    c = open_context(ctx)
    u = DockerfileUsage(build_model(text), Builder.BUILDKIT, str(c.root), record_image=True)
    for e in walk(c):
        u.add(e)
    u.finish()
    assert u.image_files == {"/main.py": 8, "/all/app.py": 8, "/all/u.py": 1}
    assert u.problems == []


def _chain(n: int) -> str:
    lines = ["FROM scratch AS s0", "COPY a.txt /a.txt"]
    for i in range(1, n + 1):
        lines += [f"FROM s{i - 1} AS s{i}", f"COPY --from=s{i - 1} /a.txt /a.txt"]
    return "\n".join(lines) + "\n"


def test_a_long_chain_of_copy_from_is_traced_in_polynomial_steps(tmp_path: Path) -> None:
    # Each stage is built FROM the one before and copies its a.txt again: every
    # stage holds /a.txt once. Tracing each write to every reader of every stage
    # it reaches took 2**n steps (n=200 never finished).
    ctx = make_tree(tmp_path / "ctx", {"a.txt": "a\n"})
    n = 200
    u = _usage(ctx, _chain(n))
    assert u.fs.trace_calls <= n * (n + 1)
    assert (u.image.files, u.image.bytes) == (1, 2)
    assert [c.traced_files for c in u.copies[1:]] == [1] * n
    assert u.problems == []


def test_copy_from_takes_a_path_written_twice_once(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {".npmrc": "tok", "package.json": "{}", "index.js": "1", "lib/a.js": "2"})
    text = (
        "FROM scratch AS build\nWORKDIR /app\nCOPY .npmrc ./\nCOPY package.json ./\nCOPY . .\n"
        "FROM scratch\nCOPY --from=build /app /app\n"
    )
    u = _usage(ctx, text)
    assert (u.image.files, u.image.bytes) == (4, 3 + 2 + 1 + 1)
    assert u.copies[-1].traced_files == 4
    # Only the paths two writes of the build stage share were held back, and they were forwarded.
    assert all(not r.pending for r in u.fs.all_readers)


def test_copy_from_takes_the_last_write_of_a_path(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"small.txt": "s", "big.txt": "bigger"})
    text = (
        "FROM scratch AS build\nCOPY small.txt /out/config.txt\nCOPY big.txt /out/config.txt\n"
        "FROM scratch\nCOPY --from=build /out /out\n"
    )
    c = open_context(ctx)
    u = DockerfileUsage(build_model(text), Builder.BUILDKIT, str(c.root), record_image=True)
    for e in walk(c):
        u.add(e)
    u.finish()
    assert u.image_files == {"/out/config.txt": 6}
    assert (u.copies[-1].traced_files, u.copies[-1].traced_bytes) == (1, 6)


def test_rm_in_the_build_stage_takes_paths_out_of_copy_from(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"keep/a": "1", "stuff/b": "22", ".git/HEAD": "333", "cache/c": "4", "m.py": "5"})
    build = "FROM x AS b\nCOPY . /app/\nWORKDIR /app\nRUN rm -rf /app/stuff && rm -rf .git cache/*\n"
    u = _usage(ctx, build + "FROM scratch\nCOPY --from=b /app /app\n")
    assert (u.image.files, u.image.bytes) == (2, 2) and not u.image_at_most
    # An rm it cannot resolve: the figure is what was traced, marked as an upper bound.
    u = _usage(ctx, "FROM x AS b\nCOPY . /app/\nRUN rm -rf /app/$DIR\nFROM scratch\nCOPY --from=b /app /app\n")
    assert (u.image.files, u.image.bytes) == (5, 8) and u.image_at_most
    # An rm before the COPY removes nothing it wrote.
    u = _usage(ctx, "FROM x AS b\nRUN rm -rf /app/stuff\nCOPY . /app/\nFROM scratch\nCOPY --from=b /app /app\n")
    assert u.image.files == 5 and not u.image_at_most


def test_chain_effects_answer_for_the_runs_after_a_write() -> None:
    text = (
        "FROM scratch AS a\nWORKDIR /app\nRUN cp -r /app/src /srv/\nCOPY x /app/\n"
        "RUN mv /app/x /app/y && rm -rf /app/cache/* /tmp/t\n"
        "FROM a AS b\nRUN cp / /root\nRUN rm -rf $GONE\n"
    )
    chain = build_model(text).stages[1].chain()
    fx = ChainEffects(chain)
    assert [(al.source, al.target) for al in fx.aliases] == [("/app/src", "/srv"), ("/app/x", "/app/y"), ("/", "/root")]
    # A write at line 4 (COPY x) into stage a: the RUNs of lines 5, 7 and 8 follow it.
    start = fx.start(0, 4)
    assert [al.source for al in fx.moves("/app/x", start)] == ["/app/x", "/"]
    assert [al.source for al in fx.moves("/app/src/m.py", start)] == ["/"]  # line 3 ran before
    assert [al.source for al in fx.moves("/app/src/m.py", fx.start(0, 0))] == ["/app/src", "/"]
    assert fx.removes("/app/cache/c", start) and fx.removes("/tmp/t/deep", start)
    assert not fx.removes("/app/cache", start)  # its contents go, the directory stays
    assert fx.unknown_from(start)  # rm -rf $GONE in stage b
    # From line 8 of stage b: only its rm follows; a stage outside the chain: nothing.
    start_b = fx.start(1, 8)
    assert fx.moves("/app/x", start_b) == [] and not fx.removes("/app/cache/c", start_b)
    assert fx.unknown_from(start_b) and not fx.unknown_from(fx.start(9, 0))


def test_each_run_is_read_once_however_many_writes_follow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 300 COPY lines, each followed by a RUN, in a stage two later stages copy from:
    # asking the RUNs after each write once per write parsed O(lines^2) scripts
    # (a Dockerfile of 16,000 lines took 36 s).
    from ctxaudit.dockerfile import imagefs

    calls: list[int] = []
    real = imagefs.run_script
    monkeypatch.setattr(imagefs, "run_script", lambda r: calls.append(r.line) or real(r))
    ctx = make_tree(tmp_path / "ctx", {f"f{i}": "x" for i in range(300)})
    lines = ["FROM scratch AS build", "WORKDIR /app"]
    for i in range(300):
        lines += [f"COPY f{i} /app/", f"RUN cp /app/f{i} /app/g{i} && rm -f /app/f{i}"]
    lines += ["FROM scratch AS one", "COPY --from=build /app /app", "FROM one", "COPY --from=build /app /app"]
    u = _usage(ctx, "\n".join(lines) + "\n")
    assert sorted(calls) == sorted(set(calls)) and len(calls) == 300
    # Every f{i} was moved to g{i} and removed: the stages hold the g files only.
    assert u.copies[-1].traced_files == 300


def test_known_stage_decides_each_stage_once() -> None:
    df = build_model(_chain(300))
    assert known_stage(df.stages[-1])


def test_copy_from_a_path_the_stage_cannot_hold(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"app.py": "a", "Dockerfile": ""})
    text = (
        "FROM scratch AS s\nCOPY app.py /d/\nWORKDIR /w/x\n"
        "FROM scratch\nCOPY --from=s /nothere /x\nCOPY --from=s /w /w\n"
    )
    (ctx / "Dockerfile").write_text(text)
    for builder in Builder:
        report = scan([open_context(ctx, None, builder)], suggestions=False)
        (f,) = [f for f in report.findings if f.rule.id == "CA312"]
        assert f.line == 5 and '("/nothere" not found)' in f.message


def test_only_stages_ctxaudit_knows_are_checked() -> None:
    def stage(text: str) -> bool:
        return known_stage(build_model(text).stages[-1])

    assert stage("FROM scratch\nCOPY a /\nWORKDIR /x\n")
    assert stage("FROM scratch AS a\nCOPY a /\nFROM a\nCOPY b /\n")
    assert not stage("FROM debian\nCOPY a /\n")  # the image may hold anything
    assert not stage("FROM scratch\nRUN true\n")
    assert not stage("FROM scratch\nADD a.tar.gz /\n")  # ADD unpacks archives
    assert not stage("FROM scratch\nCOPY --from=alpine /bin/sh /\n")
    assert not stage("FROM scratch\nARG X\nCOPY $X /\n")


def test_wildcards_that_match_nothing(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"app.py": "a", "Dockerfile": "FROM scratch\nCOPY *.md /x/\nCOPY app.py /\n"})
    bk = scan([open_context(ctx, None, Builder.BUILDKIT)], suggestions=False)
    (f,) = [f for f in bk.findings if f.rule.id == "CA313"]
    assert f.level == "warning" and "BuildKit copies nothing" in f.message
    legacy = scan([open_context(ctx, None, Builder.LEGACY)], suggestions=False)
    assert [f.rule.id for f in legacy.findings if f.line == 2] == ["CA301"]


def test_heredocs_are_files(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"app.py": "a"})
    u = _usage(ctx, "FROM scratch\nARG V=1.2\nCOPY <<EOF /etc/v\nversion=$V\nEOF\nCOPY app.py /\n")
    assert (u.image.files, u.image.bytes) == (2, len("version=1.2\n") + 1)
    (c,) = [c for c in u.copies if c.line == 3]
    assert (c.written.files, c.written.bytes) == (1, 12)


def test_no_context_step(tmp_path: Path) -> None:
    ctx = make_tree(
        tmp_path / "ctx", {"app.py": "a", "Dockerfile": "FROM debian\nRUN echo hi\nCOPY <<EOF /x\nx\nEOF\n"}
    )
    report = scan([open_context(ctx)], suggestions=False)
    d = report.dockerfiles[0]
    assert (d.usage.transfer.files, d.usage.transfer.bytes, d.usage.wire_bytes, d.usage.uses_context) == (
        0,
        0,
        0,
        False,
    )
    assert "BuildKit has no context step" in dockerfile_section(d, _Style(Options()))


def test_an_upper_bound_says_at_most(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from ctxaudit.cli import main

    text = "FROM x AS b\nCOPY . /app/\nRUN rm -rf /app/$DIR\nFROM scratch\nCOPY --from=b /app /app\n"
    make_tree(tmp_path, {"a": "1", "Dockerfile": text})
    capsys.readouterr()
    main(["scan", str(tmp_path), "--no-progress", "--fail-on", "none"])
    assert "reaching the image through COPY/ADD (at most: an unread RUN may remove some)" in capsys.readouterr().out
    main(["image", str(tmp_path), "--fail-on", "none"])
    assert "at most 2 context files" in " ".join(capsys.readouterr().out.split())  # wrapped at 80 columns
    main(["image", str(tmp_path), "-o", "markdown", "--fail-on", "none"])
    assert "at most 2 context files" in capsys.readouterr().out
    main(["scan", str(tmp_path), "-o", "json", "--no-progress", "--fail-on", "none"])
    assert json.loads(capsys.readouterr().out)["dockerfiles"][0]["image_at_most"] is True
    (tmp_path / "Dockerfile").write_text(text.replace("$DIR", "stuff"))
    main(["image", str(tmp_path), "-o", "json", "--fail-on", "none"])
    assert json.loads(capsys.readouterr().out)["dockerfiles"][0]["image_at_most"] is False


def test_cp_goes_into_a_directory_only_when_it_exists() -> None:
    # GNU cp/mv: one source goes inside the target when the target is an existing
    # directory, else becomes it (engine cases tests/dockerfile/cases/run-*).
    text = (
        "FROM debian AS a\nCOPY x/ /d/\nWORKDIR /w\n"
        "RUN cp -r /s /new && cp -r /s/ /q/ && cp -r /s /w && cp -r /s /opt && cp /f /n/ && cp /f /g"
        " && mkdir -p /m/k && cp -r /s /m/k && cp -rT /s /d && cp -r /s/. /dot && cp -t /new /f"
        " && cp /f /g /d/e && cp -r /s /new && mv -- /new/s /z\n"
    )
    fx = ChainEffects(build_model(text).stages[0].chain())
    assert [(al.source, al.target, al.into, al.file_into) for al in fx.aliases] == [
        ("/s", "/new", False, False),  # a path no instruction made: the directory becomes it
        ("/s", "/q", False, True),  # dir/ unknown: a file would go inside, a directory becomes it
        ("/s", "/w", True, False),  # the WORKDIR
        ("/s", "/opt", True, False),  # a directory of a Linux base image
        ("/f", "/n", False, True),
        ("/f", "/g", False, False),
        ("/s", "/m/k", True, False),  # mkdir made it
        ("/s", "/d", False, False),  # -T: onto, even an existing directory
        ("/s", "/dot", False, False),  # dir/.: the contents
        ("/f", "/new", True, False),  # -t DIR
        ("/f", "/d/e", True, False),  # several sources
        ("/g", "/d/e", True, False),
        ("/s", "/new", True, False),  # made by the first cp -r: now a directory
        ("/new/s", "/z", False, False),
    ]
    q = fx.aliases[1]
    assert (q.apply("/s/a"), q.apply("/s")) == ("/q/a", "/q/s")
    # FROM scratch holds no /opt; the same cp makes /opt.
    fx = ChainEffects(build_model("FROM scratch\nRUN cp -r /s /opt\n").stages[0].chain())
    assert fx.aliases[0].apply("/s/a") == "/opt/a"


def test_a_file_is_followed_through_successive_cp_and_mv(tmp_path: Path) -> None:
    ctx = make_tree(tmp_path / "ctx", {"src/a": "1"})
    text = (
        "FROM debian AS a\nCOPY src /x\nRUN cp -r /x /y\nFROM a AS b\nRUN cp -r /y/ /q/ && mv /x /gone\n"
        "FROM scratch\nCOPY --from=b / /\n"
    )
    c = open_context(ctx)
    u = DockerfileUsage(build_model(text), Builder.BUILDKIT, str(c.root), record_image=True)
    for e in walk(c):
        u.add(e)
    u.finish()
    # /x/a was moved away; the copies at /y and /q (made from /y) remain, once each.
    assert sorted(u.image_files) == ["/gone/a", "/q/a", "/y/a"]


def test_an_rm_removes_only_what_exists_when_it_runs(tmp_path: Path) -> None:
    # tests/dockerfile/cases/run-rm-order-in-one-run: the same order, checked on BuildKit, legacy and buildah.
    ctx = make_tree(tmp_path / "ctx", {"src/a": "1", "src/.env": "SECRET=22", "f": "333", "g": "4444"})
    text = (
        "FROM debian AS a\nCOPY src /src\nCOPY f /f\nCOPY g /dest/old\n"
        "RUN rm -rf /dest && cp -r /src /dest\n"
        "RUN mkdir /out && cp -r /src /out/gone && rm -rf /out/gone\n"
        "RUN cp /f /out/a && rm -f /out/a && cp /f /out/b\n"
        "RUN mkdir /d1 /d2 && rm -rf /d1/* && cp /f /d1/ && cp /f /d2/ && rm -rf /d2/*\n"
        "FROM scratch\nCOPY --from=a /dest /dest\nCOPY --from=a /out /out\n"
        "COPY --from=a /d1 /d1\nCOPY --from=a /d2 /d2\n"
    )
    c = open_context(ctx)
    u = DockerfileUsage(build_model(text), Builder.BUILDKIT, str(c.root), record_image=True)
    for e in walk(c):
        u.add(e)
    u.finish()
    # The fresh copy at /dest (the secret with it) is read; what COPY put there before the rm is not.
    assert u.image_files == {"/dest/a": 1, "/dest/.env": 9, "/out/b": 3, "/d1/f": 3}
    assert [cu.traced_files for cu in u.copies[-4:]] == [2, 1, 1, 0]
    assert not u.image_at_most
    # Each step has its position; start() is still the first position of the RUN.
    fx = ChainEffects(build_model(text).stages[0].chain())
    start = fx.start(0, 5)
    places = {p: since for p, _, since in fx.follow("/f", None, start)}
    assert sorted(places) == ["/d1/f", "/d2/f", "/f", "/out/a", "/out/b"] and places["/f"] == start
    assert {p for p, since in places.items() if fx.removes(p, since)} == {"/out/a", "/d2/f"}
    dest = {p: since for p, _, since in fx.follow("/src/a", None, start)}
    assert sorted(dest) == ["/dest/a", "/out/gone/a", "/src/a"]
    assert fx.removes("/dest/old", start) and not fx.removes("/dest/a", dest["/dest/a"])
    assert fx.removes("/dest/a", start)  # the rm of /dest does remove what was there when it ran
    assert fx.start(0, 6) == start + 2  # line 5 ran two steps: rm, cp
