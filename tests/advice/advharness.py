"""The advice corpus: small contexts where a careless ignore line breaks the build.

A case (``cases/NAME.json``) is a context (``files``: path -> text, or
``{"size": n}`` for n zero bytes; names may hold any character JSON can
carry, a newline included), an optional ``dockerignore``, the ``dockerfile``
text and ``expect`` (lines that must or must not be written, held back,
kept...). Its Dockerfile builds a ``check`` stage that ``RUN test -f``s
every file the build needs, and copies what it made into a ``FROM scratch``
stage, so that the image's file list is the build's.

The golden (``golden/NAME.json``, recorded by ``record.py`` on the engine)
holds, before and after ``ctxaudit suggest --write`` and after ``ctxaudit
init``: the lines written, whether BuildKit and the legacy builder build,
the files of the image and what BuildKit received as context. ``bump``:
after init, a file is renamed (the next version's jar) and the image is
built once more.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
GOLDEN = HERE / "golden"
TODAY = "2024-01-01"  # the written comment line; fixed so that the goldens do not drift


def names() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.json"))


def load(name: str) -> dict[str, Any]:
    case: dict[str, Any] = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
    return case


def golden(name: str) -> dict[str, Any]:
    g: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return g


def materialize(case: dict[str, Any], ctx: Path) -> Path:
    """Write the case's context into ``ctx`` (created)."""
    ctx.mkdir(parents=True)
    files = dict(case["files"])
    files["Dockerfile"] = case["dockerfile"]
    if "dockerignore" in case:
        files[".dockerignore"] = case["dockerignore"]
    for rel, spec in files.items():
        path = os.path.join(os.fsencode(ctx), os.fsencode(rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            if isinstance(spec, dict):
                f.truncate(int(spec["size"]))
            else:
                f.write(spec.encode("utf-8", "surrogateescape"))
    return ctx


def copy(ctx: Path, to: Path) -> Path:
    shutil.copytree(os.fsencode(ctx), os.fsencode(to), symlinks=True)
    return to


def apply_suggest(ctx: Path) -> list[str]:
    """``ctxaudit suggest --write`` through the library: the lines written."""
    from ctxaudit.analysis import ignorewrite, suggest
    from ctxaudit.engine.context import open_context
    from ctxaudit.pipeline import load_dockerfile

    c = open_context(ctx)
    df = load_dockerfile(c, {}, None)
    plan, planner = suggest.plan(c, df, check_build=True)
    if plan.block:
        suggest.verify(plan, planner)
        change = suggest.Append(plan, TODAY, ".dockerignore")
        ignorewrite.update(suggest.target_file(c), change, verify=change.verify)
    return list(plan.block)


def apply_init(ctx: Path) -> list[str]:
    """``ctxaudit init --force`` through the library: the pattern lines written."""
    from ctxaudit.analysis import ignorewrite, starter, suggest
    from ctxaudit.engine.context import open_context
    from ctxaudit.pipeline import load_dockerfile

    c = open_context(ctx)
    df = load_dockerfile(c, {}, None)
    s = starter.starter(c, df, TODAY)
    suggest.verify(s.plan, s.planner)
    data = s.text.encode("utf-8", "surrogateescape")
    suggest.read_back(b"", data, s.lines, s.plan.expect, ".dockerignore")
    ignorewrite.write_atomic(
        suggest.target_file(c), data, verify=lambda got: suggest.read_back(b"", got, s.lines, s.plan.expect, "x")
    )
    return s.lines


def plan_of(ctx: Path) -> Any:
    """The suggest plan (lines written and held back) of a context, without writing."""
    from ctxaudit.analysis import suggest
    from ctxaudit.engine.context import open_context
    from ctxaudit.pipeline import load_dockerfile

    c = open_context(ctx)
    plan, _ = suggest.plan(c, load_dockerfile(c, {}, None))
    return plan


def ctxaudit_image(ctx: Path) -> list[list[Any]]:
    """The files ctxaudit says the image holds (BuildKit), as [path, size]."""
    from ctxaudit.dockerfile.usage import DockerfileUsage
    from ctxaudit.engine.builder import Builder
    from ctxaudit.engine.context import open_context
    from ctxaudit.engine.walk import walk
    from ctxaudit.pipeline import load_dockerfile

    c = open_context(ctx)
    usage = DockerfileUsage(load_dockerfile(c, {}, None), Builder.BUILDKIT, str(c.root), record_image=True)
    for e in walk(c):
        usage.add(e)
    usage.finish()
    return sorted([p, s] for p, s in usage.image_files.items())


def ctxaudit_context(ctx: Path) -> list[list[Any]]:
    """What ctxaudit says BuildKit receives, as [path, size] (``ctxaudit ls --sizes``)."""
    from ctxaudit.engine.builder import Builder
    from ctxaudit.engine.context import open_context
    from ctxaudit.engine.walk import Status, walk

    c = open_context(ctx, None, Builder.BUILDKIT)
    return sorted([e.path, e.size] for e in walk(c) if e.status is Status.SENT and e.is_file)


def unmistakable(path: str, dockerfile: str) -> bool:
    """Is this context path unmistakable junk for this Dockerfile (analysis/junk.py)?"""
    from ctxaudit.analysis import junk
    from ctxaudit.dockerfile.model import build_model

    reads = junk.build_reads(build_model(dockerfile), Path("/nonexistent"))
    parts = path.split("/")
    for part in parts[:-1]:
        marker = part in junk.MARKED_VENV_DIRS  # the corpus writes pyvenv.cfg into every such venv
        if junk.junk_dir(part, reads, marker) is not None:
            return True
    return junk.junk_file(parts[-1])


def lost(before: list[list[Any]], after: list[list[Any]]) -> list[str]:
    """Image paths present before and missing after."""
    have = {p for p, _ in after}
    return sorted(p for p, _ in before if p not in have)


def today() -> str:
    return datetime.date.today().isoformat()


def _ctx_path(image_path: str) -> str:
    return image_path[len("/app/") :] if image_path.startswith("/app/") else image_path


def problems(name: str, g: dict[str, Any] | None = None) -> list[str]:
    """What the engine's record says against the promises: every build that
    worked still works, the image loses only unmistakable junk, and the
    case's expectations on the lines and the context hold."""
    case = load(name)
    g = g if g is not None else golden(name)
    out: list[str] = []
    before = g["before"]
    if not before["buildkit"]["ok"]:
        return [f"the case does not build as it is: {before['buildkit'].get('error')}"]
    for stage in ("after_suggest", "after_init"):
        a = g[stage]
        if not a["buildkit"]["ok"]:
            out.append(f"{stage}: BuildKit fails: {a['buildkit'].get('error')}")
            continue
        if before.get("legacy", {}).get("ok") and not a["legacy"]["ok"]:
            out.append(f"{stage}: the legacy builder fails: {a['legacy'].get('error')}")
        for path in lost(before["buildkit"]["image"], a["buildkit"]["image"]):
            if not unmistakable(_ctx_path(path), case["dockerfile"]):
                out.append(f"{stage}: the image lost {path!r}, which is not unmistakable junk")
    bump = g.get("after_init_bump")
    if bump is not None and not bump["buildkit"]["ok"]:
        out.append(f"after init and {case['bump']['to']}: BuildKit fails: {bump['buildkit'].get('error')}")
    exp = case.get("expect", {})
    for stage, key in (("after_suggest", "suggest"), ("after_init", "init")):
        lines = g[stage]["lines"]
        out += [f"{key} does not write {x!r}" for x in exp.get(f"{key}_writes", []) if x not in lines]
        out += [f"{key} writes {x!r}" for x in exp.get(f"{key}_never", []) if x in lines]
    if "suggest_lines" in exp and g["after_suggest"]["lines"] != exp["suggest_lines"]:
        out.append(f"suggest writes {g['after_suggest']['lines']}, expected {exp['suggest_lines']}")
    sent = {p for p, _ in g["after_suggest"]["context"]}
    out += [f"after suggest, {x!r} is not sent" for x in exp.get("context_keeps", []) if x not in sent]
    out += [f"after suggest, {x!r} is still sent" for x in exp.get("context_drops", []) if x in sent]
    return out
