"""Dockerfile cases: build the context, ask ctxaudit, compare with the engine's golden.

A case (``cases/NAME.json``) is a context (a ``tree`` from
tests/conformance/trees.json plus ``files``, or a ``sample`` context copied
from sample_contexts/), an optional ``dockerignore``, the ``dockerfile`` text,
``build_args``, ``target`` and ``network`` (``none`` for cases that RUN;
``run_outputs`` lists the image files a RUN made, which ctxaudit does not
predict).
``run_fails`` names the RUN command that makes the build fail (ctxaudit
does not run commands: it must then report no COPY/ADD failure of its own).
``modes`` sets permission bits (``{"secret.txt": "000"}``) and
``unprivileged`` runs the client, and ctxaudit's walk, as a user without the
capabilities that bypass them (the engine: setpriv; ctxaudit: uid 65534).
``engine: false`` marks a case the engine here cannot build (its built-in
frontend predates the syntax); its expectations are then written in the case
as ``expect``. ``current`` holds, per builder, what today's BuildKit does
where it differs from the engine's BuildKit 0.8 (derived from BuildKit's
source, with ``why``): the golden keeps the engine's answer, the test
compares ctxaudit with ``current``.

The golden (``golden/NAME.json``) holds, per builder, whether the real build
succeeded, the files it put in the image (``docker build -o type=local`` for
BuildKit, the saved image's layers for legacy) and what went over the wire:
BuildKit's ``transferring context`` figure as printed, and the exact bytes of
the context tar the legacy CLI sent (captured with tests/oracle/fake_daemon.py).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import harness  # tests/conformance/harness.py

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CASES = HERE / "cases"
GOLDEN = HERE / "golden"


def names() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.json"))


def load(name: str) -> dict[str, Any]:
    return harness.read_json(CASES / f"{name}.json")


def golden(name: str) -> dict[str, Any]:
    return harness.read_json(GOLDEN / f"{name}.json")


def materialize(case: dict[str, Any], where: Path) -> Path:
    if case.get("sample"):
        ctx = where / "ctx"
        shutil.copytree(REPO / "sample_contexts" / case["sample"], ctx, symlinks=True)
    else:
        spec = {k: v for k, v in case.items() if k in ("tree", "files", "dockerignore")}
        ctx, _ = harness.materialize(spec, where)
        (where / "Dockerfile").unlink(missing_ok=True)
    if "dockerignore" in case and case.get("sample"):
        (ctx / ".dockerignore").write_text(case["dockerignore"])
    dockerfile_path(ctx, case).write_text(case["dockerfile"], encoding="utf-8")
    for rel, mode in case.get("modes", {}).items():
        (ctx / rel).chmod(int(mode, 8))
    return ctx


def dockerfile_path(ctx: Path, case: dict[str, Any]) -> Path:
    """CTX/Dockerfile, or a file next to the context for ``dockerfile_outside``."""
    return ctx.parent / "outside.Dockerfile" if case.get("dockerfile_outside") else ctx / "Dockerfile"


def parse_transfer(log: str) -> str | None:
    """The 'transferring context' figure of the 'load build context' step."""
    step = None
    for line in log.splitlines():
        m = re.match(r"#(\d+) \[internal\] load build context", line)
        if m:
            step = m.group(1)
    if step is None:
        return None
    found = None
    for line in log.splitlines():
        m = re.match(rf"#{step} transferring context: ([0-9.]+(?:B|kB|MB|GB))", line)
        if m:
            found = m.group(1)
    return found


def transfer_matches(printed: str, actual: int) -> bool:
    """Does ctxaudit print ``actual`` exactly as BuildKit printed its transfer?"""
    from ctxaudit.common.display import buildkit_size

    return buildkit_size(actual) == printed


FAILING_KINDS = ("ignored", "missing", "invalid", "mount", "from-missing")


@contextlib.contextmanager
def as_user(case: dict[str, Any]) -> Iterator[None]:
    """For ``unprivileged`` cases, the walk sees the tree as uid 65534 (tests run as root)."""
    if not case.get("unprivileged"):
        yield
        return
    import ctxaudit.engine.walk as walk_mod

    saved = walk_mod._euid_readable, walk_mod.list_dir
    real = walk_mod.list_dir

    def list_dir(path: str) -> list[os.DirEntry[str]]:
        if os.stat(path).st_mode & 0o444 == 0:  # no read bit for anyone: EACCES, as uid 65534 gets
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    walk_mod._euid_readable = lambda: (65534, frozenset({65534}))
    walk_mod.list_dir = list_dir
    try:
        yield
    finally:
        walk_mod._euid_readable, walk_mod.list_dir = saved


def ctxaudit_view(ctx: Path, case: dict[str, Any], builder: str) -> dict[str, Any]:
    """What ctxaudit says of this build: failures, transfer, image files."""
    from ctxaudit.dockerfile import validate
    from ctxaudit.dockerfile.model import build_model
    from ctxaudit.dockerfile.usage import DockerfileUsage
    from ctxaudit.engine.builder import Builder
    from ctxaudit.engine.context import open_context
    from ctxaudit.engine.walk import EntryType, walk
    from ctxaudit.rules import legacy

    dockerfile = dockerfile_path(ctx, case)
    c = open_context(ctx, dockerfile, Builder(builder))
    df = build_model(case["dockerfile"], case.get("build_args"), case.get("target"))
    rejected = [f.rule.id for f in legacy.check(df, "Dockerfile")] if builder == "legacy" else []
    rejected += ["build-file" for p in c.problems if p.fatal]
    outside = dockerfile.stat().st_size if case.get("dockerfile_outside") else None
    # old_fsutil: the goldens come from the 20.10 engine, whose fsutil sends a
    # hard link's size (current fsutil sends 0).
    usage = DockerfileUsage(
        df, Builder(builder), str(c.root), record_image=True, old_fsutil=True, outside_dockerfile=outside
    )
    unreadable = []
    with as_user(case):
        for e in walk(c):
            usage.add(e)
            is_dir = e.type is EntryType.DIR
            if e.problem and usage.reads(e.path, is_dir) and usage.fails_on_unreadable(is_dir):  # CA100
                unreadable.append("unreadable")
    usage.finish()
    errors = sorted([p.kind for p in usage.problems if p.kind in FAILING_KINDS] + rejected + unreadable)
    errors += ["rejected" for _ in validate.rejections(df)]  # Docker refuses the Dockerfile itself (CA305)
    return {
        "ok": not errors,
        "errors": errors,
        "wire": usage.wire_bytes,
        "tar": usage.tar_bytes,
        "image": sorted([p, s] for p, s in usage.image_files.items()),
        # What reports print, counted without the recorded paths (bounded memory).
        "image_count": [usage.image.files, usage.image.bytes],
    }


def compare(name: str, builder: str) -> list[str]:
    case = load(name)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = materialize(case, Path(tmp))
        ours = ctxaudit_view(ctx, case, builder)
    current = case.get("current", {}).get(builder)
    if case.get("engine") is False or current is not None:
        want = current if current is not None else case["expect"].get(builder)
        if want is None:
            return []
        problems = []
        if ours["ok"] != want["ok"]:
            problems.append(f"ok: expected {want['ok']}, ctxaudit {ours['ok']}")
        if "image" in want and ours["image"] != want["image"]:
            problems.append(f"image: expected {want['image']}, ctxaudit {ours['image']}")
        if "transfer" in want and not transfer_matches(want["transfer"], ours["wire"]):
            problems.append(f"transfer: expected {want['transfer']}, ctxaudit computes {ours['wire']} B")
        return problems
    g = golden(name)[builder]
    problems = []
    if case.get("run_fails"):
        # A RUN command exits non-zero: ctxaudit does not run commands, so it
        # must report the build as its COPY/ADD leave it (no error of its own),
        # and the engine must have failed in that very RUN.
        if g["ok"] or case["run_fails"] not in g.get("error", ""):
            problems.append(f"the engine did not fail in the RUN {case['run_fails']!r}: {g}")
        if not ours["ok"]:
            problems.append(f"ctxaudit blames the build's COPY/ADD: {ours['errors']}")
        return problems
    if ours["ok"] != g["ok"]:
        problems.append(f"build {'succeeds' if g['ok'] else 'fails'} on the engine, ctxaudit says ok={ours['ok']}")
        return problems
    if not g["ok"]:
        return problems
    # Files a RUN made are the command's business, not ctxaudit's prediction.
    from_run = set(case.get("run_outputs", []))
    g_image = [[p, s] for p, s in g["image"] if p not in from_run]
    if ours["image"] != g_image:
        exp = {p: s for p, s in g_image}
        act = {p: s for p, s in ours["image"]}
        problems += [f"image lacks {p}" for p in exp if p not in act]
        problems += [f"image has extra {p}" for p in act if p not in exp]
        problems += [f"image size of {p}: {act[p]} != {exp[p]}" for p in exp if p in act and exp[p] != act[p]]
    if ours["image_count"] != [len(g_image), sum(s for _, s in g_image)]:
        problems.append(
            f"image counted as {ours['image_count']} (files, bytes), the engine's holds {len(g_image)} files"
        )
    if builder == "buildkit" and g.get("transfer") and not transfer_matches(g["transfer"], ours["wire"]):
        problems.append(f"transfer printed {g['transfer']}, ctxaudit computes {ours['wire']} B")
    if builder == "buildkit" and g.get("transfer") is None and ours["wire"] != 0:
        problems.append(f"BuildKit had no context step (nothing transferred), ctxaudit computes {ours['wire']} B")
    if builder == "legacy" and g.get("tar_bytes") is not None and g["tar_bytes"] != ours["tar"]:
        problems.append(f"legacy tar: CLI sent {g['tar_bytes']} B, ctxaudit computes {ours['tar']} B")
    return problems


def apply_suggest(ctx: Path, case: dict[str, Any]) -> list[str]:
    """Run ``ctxaudit suggest --write`` on a materialized case; the lines it added."""
    import datetime

    from ctxaudit.analysis import ignorewrite, suggest
    from ctxaudit.dockerfile.model import build_model
    from ctxaudit.engine.builder import Builder
    from ctxaudit.engine.context import open_context

    c = open_context(ctx, dockerfile_path(ctx, case), Builder.BUILDKIT)
    df = build_model(case["dockerfile"], case.get("build_args"), case.get("target"))
    plan, planner = suggest.plan(c, df, check_build=True)
    lines = list(plan.block)
    if lines:
        suggest.verify(plan, planner)
        target = suggest.target_file(c)
        change = suggest.Append(plan, datetime.date.today().isoformat(), "ignore file")
        ignorewrite.update(target, change, verify=change.verify)
    return lines


def compare_suggest(name: str) -> list[str]:
    """After suggest --write the engine still builds, and fewer bytes are sent."""
    g = golden(name)
    after = g.get("after_suggest")
    if after is None:
        return []
    case = load(name)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = materialize(case, Path(tmp))
        lines = apply_suggest(ctx, case)
        ours = ctxaudit_view(ctx, case, "legacy")
    problems = []
    if lines != after["lines"]:
        problems.append(f"suggest now proposes {lines}, the engine checked {after['lines']}")
    if not after["buildkit"]["ok"]:
        problems.append(f"BuildKit fails after suggest --write: {after['buildkit'].get('error')}")
    if lines and not after["legacy"]["tar_bytes"] < g["legacy"]["tar_bytes"]:
        problems.append("the legacy context tar did not shrink")
    if after["legacy"]["tar_bytes"] != ours["tar"]:
        problems.append(f"legacy tar after suggest: CLI sent {after['legacy']['tar_bytes']}, ctxaudit {ours['tar']}")
    return problems
