"""CA5xx: the size traps of Dockerfiles, quantified from the context.

A layer never forgets. Only the stages whose layers end up in the final
image (the target and the stages it is built FROM) are checked: a chmod in
a preparation stage whose result is copied out is the fix, not the trap.

The rules read each RUN as shell (ctxaudit.dockerfile.shell). Where a RUN
touches files that an earlier COPY/ADD wrote, the bytes at stake come from
the context through ImageQuery, answered by the scan's single walk.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from ..common.display import count
from ..common.display import size as human
from ..dockerfile import attrs
from ..dockerfile.model import Dockerfile, Run, Stage
from ..dockerfile.shell import Command, Script, run_script
from ..dockerfile.shellwords import WordError, process_word
from ..dockerfile.usage import DockerfileUsage, ImageQuery
from ..engine.gostrings import clean
from . import rule
from .findings import Finding, Rule, Severity

DUPLICATE = rule(
    "CA500",
    "layer-duplicating-run",
    Severity.WARNING,
    "A RUN changes files an earlier COPY/ADD wrote (chmod, chown, chgrp, touch, mv): the image stores them twice.",
    "Layers are copy-on-write: changing a file's mode, owner or time copies the whole file into the new layer "
    "while the old copy stays below. Use COPY --chmod/--chown, or do it in a preparation stage and COPY --from "
    "the result (hadolint has no rule for this: hadolint#80).",
)
RM_AFTER_COPY = rule(
    "CA501",
    "rm-after-copy",
    Severity.WARNING,
    "A RUN removes files an earlier COPY/ADD wrote: the bytes stay in the image.",
    "Deleting in a later layer only hides the files. Do not copy them (an ignore line or a narrower COPY) "
    "or remove them in the same layer that creates them.",
)
PIP_CACHE = rule(
    "CA502",
    "pip-cache",
    Severity.WARNING,
    "pip install keeps its cache in the layer.",
    "Add --no-cache-dir, set ENV PIP_NO_CACHE_DIR=1, or use RUN --mount=type=cache,target=/root/.cache/pip.",
)
APT_LISTS = rule(
    "CA503",
    "apt-lists",
    Severity.WARNING,
    "apt-get install leaves /var/lib/apt/lists in the layer.",
    "End the same RUN with `&& rm -rf /var/lib/apt/lists/*` (or use a cache mount for /var/lib/apt).",
)
APT_RECOMMENDS = rule(
    "CA504",
    "apt-recommends",
    Severity.INFO,
    "apt-get install without --no-install-recommends pulls in recommended packages.",
    "Add --no-install-recommends and list what you need.",
)
APK_CACHE = rule(
    "CA505",
    "apk-cache",
    Severity.WARNING,
    "apk add keeps its index cache in the layer.",
    "Use apk add --no-cache.",
)
NPM_CACHE = rule(
    "CA506",
    "npm-cache",
    Severity.WARNING,
    "npm install/ci, yarn install or pnpm install/add keeps its cache in the layer.",
    "End the same RUN with `&& npm cache clean --force` (yarn: `yarn cache clean`; pnpm: `pnpm store prune`), "
    "or use a cache mount: RUN --mount=type=cache,target=/root/.npm (pnpm: the store directory, "
    "/root/.local/share/pnpm/store).",
)
CONDA_CACHE = rule(
    "CA507",
    "conda-cache",
    Severity.WARNING,
    "conda install keeps package tarballs and caches in the layer.",
    "End the same RUN with `&& conda clean -afy`.",
)
SPLIT_RUNS = rule(
    "CA508",
    "temporary-files-across-layers",
    Severity.WARNING,
    "A RUN removes files an earlier RUN created: they stay in the earlier layer.",
    "Create, use and remove temporary files in one RUN: chain the commands with &&.",
)
BUILD_TOOLS = rule(
    "CA509",
    "build-tools-in-final-image",
    Severity.WARNING,
    "The final image installs compilers or build tools and never removes them.",
    "Checked on the stages the final image is built from (a single-stage build, or the final stage of a "
    "multi-stage one and its bases). Build in a stage of its own (FROM ... AS build) and COPY --from=build "
    "only the artefacts into a slim final stage.",
)

HIDDEN_BY_LATER_LAYER = rule(
    "CA510",
    "hidden-by-later-layer",
    Severity.WARNING,
    "A later layer overwrites or deletes files: their bytes stay in the layer that wrote them (measured by layers).",
    "Layers only add: a file replaced or removed by a later instruction is still stored, and pulled, with the "
    "layer below. Write each file once, in its final form (one COPY of the final version, a narrower COPY, or "
    "the change made in the instruction that writes it); files of the base image cannot be freed this way.",
)
PREDICTION_DIFFERS = rule(
    "CA511",
    "prediction-differs",
    Severity.INFO,
    "The built layer holds more or fewer bytes than ctxaudit predicted for this line before the build (layers).",
    "ctxaudit predicts from the context and the Dockerfile the bytes each COPY/ADD writes and each RUN "
    "duplicates or removes. A difference means the image was built from another context, Dockerfile or build "
    "arguments (rebuild, or pass the ones it was built with), or that the prediction missed something.",
)

_CHANGERS = {"chmod": 1, "chown": 1, "chgrp": 1, "touch": 0, "mv": 0}  # leading non-path arguments
_BUILD_PACKAGES = re.compile(
    r"^(build-essential|build-base|gcc(-\d+)?|g\+\+(-\d+)?|clang(-\d+)?|make|cmake|automake|autoconf|libtool|"
    r"pkg-config|musl-dev|libc6?-dev|.+-dev|.+-devel|rust|cargo|golang(-go)?|openjdk-\d+-jdk)$"
)


@dataclass
class _Check:
    rule_id: str
    run: Run
    command: Command
    query: ImageQuery | None = None
    paths: str = ""


@dataclass
class ImagePlan:
    df: Dockerfile
    label: str
    checks: list[_Check]
    scripts: dict[int, Script]  # the RUNs of the image stages, read once in prepare()

    def script(self, run: Run) -> Script:
        return self.scripts.get(run.line) or run_script(run)


def _image_stages(df: Dockerfile) -> list[Stage]:
    return df.target.chain()


def _paths(c: Command, run: Run) -> tuple[list[str], bool]:
    """Image paths a chmod/chown/rm/... command names, and whether it recurses."""
    args = c.args()
    recursive = (
        c.name == "mv"
        or any(
            a.startswith("-") and not a.startswith("--") and ("R" in a or (c.name == "rm" and "r" in a)) for a in args
        )
        or "--recursive" in args
    )
    skip = _CHANGERS.get(c.name, 0)
    positional: list[str] = []
    for a in args:
        if a.startswith("-") and a != "-":
            continue
        if a.startswith("--reference"):
            continue
        positional.append(a)
    positional = positional[skip:]
    if c.name == "mv" and len(positional) > 1:
        positional = positional[:-1]  # the destination
    return _resolve(positional, run), recursive


def _resolve(words: list[str], run: Run) -> list[str]:
    """Image paths of path arguments, expanded with the RUN's environment and WORKDIR."""
    out = []
    for p in words:
        try:
            r = process_word(p, run.env)
        except WordError:
            continue
        if r.unknown or not r.value:
            continue
        out.append(clean(posixpath.join(run.workdir, r.value)))
    return out


def prepare(df: Dockerfile, usage: DockerfileUsage, label: str) -> ImagePlan:
    """Register, before the walk, the image paths whose copied bytes the rules need."""
    checks: list[_Check] = []
    scripts: dict[int, Script] = {}
    for stage in _image_stages(df):
        for run in stage.runs:
            script = run_script(run)
            scripts[run.line] = script
            for c in script.commands:
                if c.name in ("chmod", "chown", "chgrp"):
                    change = attrs.parse(c.name, c.args())
                    same = attrs.unchanged(change)
                    for p in _resolve(change.paths, run):
                        q = usage.add_query(ImageQuery(stage.index, run.line, p, change.recursive, same))
                        checks.append(_Check("CA500", run, c, q, p))
                elif c.name in _CHANGERS or c.name == "rm":
                    paths, recursive = _paths(c, run)
                    for p in paths:
                        q = usage.add_query(ImageQuery(stage.index, run.line, p, recursive))
                        checks.append(_Check("CA501" if c.name == "rm" else "CA500", run, c, q, p))
    return ImagePlan(df, label, checks, scripts)


def _same_run_has(script: Script, name: str, *needles: str) -> bool:
    return any(c.name == name and all(any(n in w for w in c.words) for n in needles) for c in script.commands)


def _removes(script: Script, run: Run, path: str) -> bool:
    """Whether an rm in the same RUN removes ``path``: the path itself, its
    contents (``path/*``) or any ancestor (``rm -rf /var/lib/apt``)."""
    for c in script.commands:
        if c.name != "rm":
            continue
        for w in c.args():
            if w.startswith("-"):
                continue
            target = clean(posixpath.join(run.workdir, w))
            if target.endswith(("/*", "/**")):
                target = target.rsplit("/", 1)[0]
            if path == target or path.startswith(target.rstrip("/") + "/"):
                return True
    return False


def _cache_mount(run: Run, *targets: str) -> bool:
    return any(m.type == "cache" and (not targets or any(t in m.target for t in targets)) for m in run.mounts)


def _text(c: Command) -> str:
    return " ".join(c.words)


def check(plan: ImagePlan, usage: DockerfileUsage) -> list[Finding]:
    """The findings, once the walk has answered the queries."""
    out: list[Finding] = []
    label = plan.label
    grouped: dict[tuple[str, int, str], list[_Check]] = {}
    for ch in plan.checks:
        grouped.setdefault((ch.rule_id, ch.run.line, _text(ch.command)), []).append(ch)
    for (rule_id, line, text), checks in grouped.items():
        total = sum(ch.query.bytes for ch in checks if ch.query)
        files = sum(ch.query.files for ch in checks if ch.query)
        if not total:
            continue
        copies = sorted({ln for ch in checks if ch.query for ln in ch.query.lines})
        where = ", ".join(f"line {ln}" for ln in copies)
        if rule_id == "CA500":
            verb = checks[0].command.name
            fix = (
                "use COPY --chmod=... on the COPY, or "
                if verb == "chmod"
                else "use COPY --chown=... on the COPY, or "
                if verb in ("chown", "chgrp")
                else ""
            )
            out.append(
                Finding(
                    DUPLICATE,
                    f"RUN `{text}` rewrites {count(files, 'file')}, {human(total)}, that COPY/ADD at {where} wrote: "
                    f"the image stores {human(total)} twice",
                    path=label,
                    line=line,
                    bytes=total,
                    fix=f"{fix}do it in a preparation stage and copy the result (multi-stage)",
                )
            )
        else:
            out.append(
                Finding(
                    RM_AFTER_COPY,
                    f"RUN `{text}` removes {count(files, 'file')}, {human(total)}, that COPY/ADD at {where} put in an "
                    "earlier layer: the bytes stay in the image",
                    path=label,
                    line=line,
                    bytes=total,
                    fix="do not copy them (an ignore line or a narrower COPY), "
                    "or remove them in the layer that creates them",
                )
            )
    for stage in _image_stages(plan.df):
        for run in stage.runs:
            out += _package_caches(run, plan.script(run), label)
        out += _split_runs(stage, plan)
    out += _build_tools(_image_stages(plan.df), plan)
    return out


def _is_pip_install(c: Command) -> bool:
    pip = c.name in ("pip", "pip3") or (c.name.startswith("python") and c.words[1:3] == ["-m", "pip"])
    return pip and "install" in c.words


# pip's strtobool words: PIP_NO_CACHE_DIR set to any of them disables the cache, "0" and "false"
# included (pip/_internal/cli/cmdoptions.py _handle_no_cache_dir, kept for backwards compatibility).
_PIP_BOOLS = frozenset({"y", "yes", "t", "true", "on", "1", "n", "no", "f", "false", "off", "0"})


def _pip_cache_off(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _PIP_BOOLS


def _exported(script: Script, c: Command, name: str) -> str | None:
    """The value ``export NAME=value`` (or ``declare -x``/``typeset -x``) gave
    ``name`` in the same shell before command ``c`` (the commands of a RUN run
    in order; a later export or ``unset`` wins), else None."""
    value: str | None = None
    for x in script.commands:
        if x is c:
            return value
        words = x.words
        if x.name == "export" or (x.name in ("declare", "typeset") and "-x" in words[1:]):
            for w in words[1:]:
                key, eq, v = w.partition("=")
                if key == name and eq:
                    value = v
        elif x.name == "unset" and name in words[1:]:
            value = None
    return None


def _sub(c: Command, *names: str) -> bool:
    """The command's first argument is one of ``names`` (``npm ci``, ``conda install``)."""
    return any(w in names for w in c.words[1:2])


@dataclass(frozen=True)
class _CacheRule:
    """A package manager that leaves a cache in its layer unless told otherwise."""

    rule: Rule
    triggers: Callable[[Command], bool]
    cleaned: Callable[[Command, Script, Run], bool]
    what: str
    fix: Callable[[Command], str]


_CACHE_RULES = [
    _CacheRule(
        PIP_CACHE,
        _is_pip_install,
        lambda c, script, run: (
            c.has("--no-cache-dir")
            or any(len(w) >= 10 and "--no-cache-dir".startswith(w) for w in c.words)  # optparse: --no-cache
            or _pip_cache_off(c.env.get("PIP_NO_CACHE_DIR"))
            or _pip_cache_off(_exported(script, c, "PIP_NO_CACHE_DIR"))
            or _pip_cache_off(run.env.get("PIP_NO_CACHE_DIR"))
            or _cache_mount(run, ".cache")
            or _same_run_has(script, "rm", ".cache/pip")
        ),
        "keeps pip's cache in the layer",
        lambda c: _text(c).replace(" install", " install --no-cache-dir", 1),
    ),
    _CacheRule(
        APT_LISTS,
        lambda c: c.name in ("apt-get", "apt") and "install" in c.words,
        lambda c, script, run: _removes(script, run, "/var/lib/apt/lists") or _cache_mount(run, "/var/lib/apt"),
        "leaves the package lists in the layer",
        lambda c: "&& rm -rf /var/lib/apt/lists/*",
    ),
    _CacheRule(
        APT_RECOMMENDS,
        lambda c: c.name in ("apt-get", "apt") and "install" in c.words,
        lambda c, script, run: c.has("--no-install-recommends") or any("Install-Recommends" in w for w in c.words),
        "installs recommended packages too",
        lambda c: "apt-get install --no-install-recommends ...",
    ),
    _CacheRule(
        APK_CACHE,
        lambda c: c.name == "apk" and "add" in c.words,
        lambda c, script, run: (
            c.has("--no-cache") or _same_run_has(script, "rm", "/var/cache/apk") or _cache_mount(run, "/var/cache/apk")
        ),
        "keeps apk's index cache",
        lambda c: "apk add --no-cache ...",
    ),
    _CacheRule(
        NPM_CACHE,
        lambda c: c.name == "npm" and _sub(c, "install", "ci", "i"),
        lambda c, script, run: _same_run_has(script, "npm", "cache", "clean") or _cache_mount(run, ".npm"),
        "keeps npm's cache in the layer",
        lambda c: "&& npm cache clean --force",
    ),
    _CacheRule(
        NPM_CACHE,
        lambda c: c.name == "yarn" and (len(c.words) == 1 or _sub(c, "install")),
        lambda c, script, run: _same_run_has(script, "yarn", "cache", "clean") or _cache_mount(run, "yarn"),
        "keeps yarn's cache in the layer",
        lambda c: "&& yarn cache clean",
    ),
    _CacheRule(
        NPM_CACHE,
        lambda c: c.name == "pnpm" and _sub(c, "install", "i", "add", "fetch"),
        lambda c, script, run: _same_run_has(script, "pnpm", "store", "prune") or _cache_mount(run, "pnpm"),
        "keeps pnpm's store in the layer",
        lambda c: "&& pnpm store prune, or RUN --mount=type=cache,target=/root/.local/share/pnpm/store",
    ),
    _CacheRule(
        CONDA_CACHE,
        lambda c: c.name in ("conda", "mamba", "micromamba") and _sub(c, "install", "create"),
        lambda c, script, run: any(
            x.name in ("conda", "mamba", "micromamba") and "clean" in x.words for x in script.commands
        ),
        "keeps conda's package cache",
        lambda c: "&& conda clean -afy",
    ),
]


def _package_caches(run: Run, script: Script, label: str) -> list[Finding]:
    return [
        Finding(r.rule, f"`{_text(c)}` {r.what}", path=label, line=run.line, fix=r.fix(c))
        for c in script.commands
        for r in _CACHE_RULES
        if r.triggers(c) and not r.cleaned(c, script, run)
    ]


_DOWNLOADERS = {"curl": ("-o", "--output"), "wget": ("-O", "--output-document")}


def _created(c: Command, workdir: str) -> list[str]:
    """Paths a command creates (downloads, clones, archives, directories)."""
    words = c.words
    found: list[str] = []
    if c.name in _DOWNLOADERS:
        flags = _DOWNLOADERS[c.name]
        for i, w in enumerate(words):
            if w in flags and i + 1 < len(words):
                found.append(words[i + 1])
            elif any(w.startswith(f + "=") for f in flags if f.startswith("--")):
                found.append(w.split("=", 1)[1])
        if c.name == "wget" and not found:
            urls = [w for w in words[1:] if "://" in w]
            found += [u.rstrip("/").rsplit("/", 1)[-1] for u in urls]
    elif c.name == "git" and len(words) > 2 and words[1] == "clone":
        rest = [w for w in words[2:] if not w.startswith("-")]
        if len(rest) >= 2:
            found.append(rest[1])
        elif rest:
            found.append(rest[0].rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"))
    elif c.name == "dd":
        found += [w[3:] for w in words[1:] if w.startswith("of=")]
    elif c.name in ("mkdir", "tar", "zip", "unzip", "cp"):
        if c.name == "mkdir":
            found += [w for w in words[1:] if not w.startswith("-")]
        elif c.name == "tar" and any(("c" in w and w.startswith("-")) or w.startswith("c") for w in words[1:2]):
            for i, w in enumerate(words):
                if w in ("-f", "--file") and i + 1 < len(words):
                    found.append(words[i + 1])
        elif c.name == "cp":
            rest = [w for w in words[1:] if not w.startswith("-")]
            if len(rest) >= 2:
                found.append(rest[-1])
    found += c.redirects
    return [clean(posixpath.join(workdir, p)) for p in found if p and "$" not in p and not p.startswith("/dev/")]


def _split_runs(stage: Stage, plan: ImagePlan) -> list[Finding]:
    out: list[Finding] = []
    made = _Made()
    for run in stage.runs:
        script = plan.script(run)
        for c in script.commands:
            if c.name != "rm":
                continue
            for target in [clean(posixpath.join(run.workdir, w)) for w in c.args() if not w.startswith("-")]:
                for earlier, path in made.at_or_below(target):
                    if earlier.line < run.line and (path == target or path.startswith(target.rstrip("/") + "/")):
                        # One line: fix hints are printed escaped, a line break would show as \x0a.
                        merged = f"RUN {earlier.command.strip()} && {run.command.strip()}"
                        out.append(
                            Finding(
                                SPLIT_RUNS,
                                f"RUN at line {run.line} removes {target}, created by the RUN at line {earlier.line}: "
                                "it stays in that earlier layer",
                                path=plan.label,
                                line=earlier.line,
                                fix=merged if earlier.shell_form and run.shell_form else "chain the two RUNs with &&",
                            )
                        )
        for c in script.commands:
            for p in _created(c, run.workdir):
                made.add(run, p)
    return out


class _Made:
    """Paths earlier RUNs created, found by the path an rm names: the path
    itself and everything below it, in the order they were made (a lookup,
    not a scan: Dockerfiles with thousands of RUNs)."""

    def __init__(self) -> None:
        self._at: dict[str, list[tuple[int, Run, str]]] = {}
        self._below: dict[str, list[tuple[int, Run, str]]] = {}  # "/a" -> paths under "/a/"
        self._count = 0

    def add(self, run: Run, path: str) -> None:
        entry = (self._count, run, path)
        self._count += 1
        self._at.setdefault(path, []).append(entry)
        i = path.find("/")
        while i != -1:
            self._below.setdefault(path[:i], []).append(entry)
            i = path.find("/", i + 1)

    def at_or_below(self, target: str) -> list[tuple[Run, str]]:
        """A superset of the (run, path) made at ``target`` or below it, in order."""
        hits = {n: (run, path) for n, run, path in self._at.get(target, ())}
        hits.update((n, (run, path)) for n, run, path in self._below.get(target.rstrip("/"), ()))
        return [hits[n] for n in sorted(hits)]


def _build_tools(stages: list[Stage], plan: ImagePlan) -> list[Finding]:
    """Build packages installed in the stages of the final image and not removed there."""
    installed: dict[str, int] = {}
    removed: set[str] = set()
    for run in (r for s in stages for r in s.runs):
        for c in plan.script(run).commands:
            words = c.words
            installing = (c.name in ("apt-get", "apt", "yum", "dnf", "microdnf") and "install" in words) or (
                c.name == "apk" and "add" in words
            )
            removing = (
                c.name in ("apt-get", "apt", "yum", "dnf")
                and any(w in ("purge", "remove", "autoremove") for w in words)
            ) or (c.name == "apk" and "del" in words)
            pkgs = [
                w
                for w in words[1:]
                if not w.startswith("-") and w not in ("install", "add", "del", "purge", "remove", "autoremove", "-y")
            ]
            for pkg in pkgs:
                name = pkg.split("=")[0]
                if installing and _BUILD_PACKAGES.match(name):
                    installed.setdefault(name, run.line)
                if removing:
                    removed.add(name)
    left = {p: ln for p, ln in installed.items() if p not in removed}
    if not left:
        return []
    first = min(left.values())
    multi = len(plan.df.stages) > 1
    fix = (
        "install them in a build stage only and COPY --from it the results the final stage needs"
        if multi
        else "FROM <base> AS build (install and build there), then FROM <slim base> and COPY --from=build the results"
    )
    where = f" (final stage {plan.df.target.label})" if multi else ""
    return [
        Finding(
            BUILD_TOOLS,
            f"build tools stay in the final image{where}: {', '.join(sorted(left))}",
            path=plan.label,
            line=first,
            fix=fix,
        )
    ]
