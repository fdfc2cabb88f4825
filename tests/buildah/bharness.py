"""buildah goldens: build each case on disk, ask ctxaudit, compare with real buildah.

Cases come from three places, each id prefixed with its source:

* ``buildah.NAME``: ``cases/NAME.json`` here, the buildah-specific ones
  (ignore-file selection, parsing, matching, COPY sources, special files);
* ``conformance.NAME``: every tree of tests/conformance (``COPY . /ctx/``);
* ``dockerfile.NAME``: every Dockerfile of tests/dockerfile (the image root).

A ``cases/NAME.json`` holds ``files`` ``{path: text | {"size": N} |
{"hex": H} | {"dir"|"fifo"|"socket": true} | {"hardlink": P} |
{"chardev": [MAJ, MIN]}}``, ``symlinks`` ``{path: target}``,
``ignore_files`` ``{path relative to the context (``../x`` beside it): text}``,
``dockerfile`` ``{"path", "text"}`` (default ``../Dockerfile`` with
``COPY . /ctx/``), ``dockerfile_arg`` ``abs`` (default, ``-f`` absolute),
``rel`` (relative to the work directory, which is the current one) or
``none`` (buildah discovers it), ``ctx_arg`` ``abs``/``rel``/``symlink``,
``args`` (more ``buildah bud`` arguments, ``{work}`` and ``{ctx}``
substituted) and ``types`` (compare entry types too).

The golden (``golden/ID.json``) records what the tools did: ``buildah``
(the files under ``/ctx``, or the whole image for ``dockerfile.*``; or the
error) and ``podman_remote`` (the tar the client uploaded), at the top level
from the releases ctxaudit follows (buildah v1.44.0, podman v5.8.2, built by
``build-latest.sh``), each with its version. The ``debian`` block holds what
Debian's buildah 1.28.2 and podman 4.3.1 did where it differs, with their
versions; each such difference is explained here or in the case
(``current``: the reason, a commit, and the result read from the source
before the latest release was recorded), and the tests check that the
explanations and the records agree.
"""

from __future__ import annotations

import os
import socket
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CASES = HERE / "cases"
GOLDEN = HERE / "golden"
for _extra in (REPO / "tests" / "conformance", REPO / "tests" / "dockerfile"):
    if str(_extra) not in sys.path:
        sys.path.insert(0, str(_extra))

import dfharness  # noqa: E402
import harness  # noqa: E402

DEFAULT_DF = {"path": "../Dockerfile", "text": "FROM scratch\nCOPY . /ctx/\n"}
# Cases are built in /tmp/bcase-XXXXXXXX, recorded and compared alike: a link to an
# absolute path there is as long in the golden as in ctxaudit's view.
TMP_PREFIX = "bcase-"
PER_DOCKERFILE = (".containerignore", ".dockerignore")

LATEST = {"buildah": "1.44.0", "podman": "5.8.2"}  # the releases ctxaudit follows
DEBIAN = {"buildah": "1.28.2", "podman": "4.3.1"}  # bookworm's packages

# Dockerfile cases Debian's buildah 1.28 builds otherwise than 1.44: why.
_HEREDOC = "heredocs: buildah v1.33.0 (bbb55b8b8, 'buildah: add heredoc support for RUN, COPY and ADD')"
_BIND_CHROOT = (
    "bind-mount sources opened inside the context: buildah v1.39.0 (internal/volumes bindFromChroot, "
    "'sanitizing bind subdirectory'); 1.28 mounted the joined path, whatever it named"
)
DOCKERFILE_CHANGED = {
    "heredoc": _HEREDOC + "; 1.28 reads '<<EOF' as a file name",
    "heredoc-files": _HEREDOC + "; 1.28 reads '<<EOF' as a file name",
    "legacy-heredoc-copy": _HEREDOC + "; 1.28 reads '<<EOF' as a file name",
    "legacy-copy-link": "COPY --link: buildah v1.41.0 (eea4838d8); 1.28 rejects the flag",
    "legacy-copy-parents": "COPY --parents: buildah v1.40.0 (7ca9f3464); 1.28 rejects the flag",
    "legacy-copy-exclude": "COPY --exclude: buildah v1.38.0 (aeb6ffeec), v1.44.0 (ece597f10); 1.28 rejects the flag",
    "legacy-run-network": "RUN --network: buildah v1.30.0 ('run: add support for inline --network in RUN stmt'); "
    "1.28: 'RUN only supports the --mount flag'",
    "mount-relative-target": "a relative RUN --mount target joined to WORKDIR (internal/volumes GetBindMount; "
    "v1.38.0 'Handle RUN --mount with relative targets'); 1.28: 'must be an absolute path'",
    "bind-mount-link-leaves-context": _BIND_CHROOT,
    "bind-mount-missing-source": _BIND_CHROOT,
    "bind-mount-wildcard-source": _BIND_CHROOT,
}
# Of those, the ones where source reading predicted today's result as BuildKit's
# (the case's BuildKit expectation), before v1.44 was recorded. heredoc-files was
# predicted so too, and v1.44 showed otherwise: imagebuilder expands a heredoc
# with its escapes kept (processHereDocs, RawEscapes: 'C:\dir' stays), which
# ctxaudit now models (dockerfile/model.py _expanded).
DOCKERFILE_AS_BUILDKIT = (
    "heredoc",
    "legacy-heredoc-copy",
    "legacy-copy-link",
    "legacy-copy-parents",
    "legacy-copy-exclude",
)


def case_ids() -> list[str]:
    own = [f"buildah.{p.stem}" for p in sorted(CASES.glob("*.json"))]
    conf = [f"conformance.{n}" for n in harness.case_names()]
    dock = [f"dockerfile.{n}" for n in dfharness.names()]
    return own + conf + dock


def load(case_id: str) -> dict[str, Any]:
    source, name = case_id.split(".", 1)
    if source == "buildah":
        return harness.read_json(CASES / f"{name}.json")
    if source == "conformance":
        return harness.load_case(name)
    return dfharness.load(name)


def golden_path(case_id: str) -> Path:
    return GOLDEN / f"{case_id}.json"


def golden(case_id: str) -> dict[str, Any]:
    return harness.read_json(golden_path(case_id))


@dataclass
class Run:
    """One materialized case: how buildah (and ctxaudit) are invoked."""

    work: Path  # the current directory for both
    ctx_arg: str
    dockerfile_arg: str | None  # -f as passed, None: discovered
    dockerfile_text: str
    args: list[str] = field(default_factory=list)
    list_dir: str = "/ctx"
    types: bool = False
    build_args: dict[str, str] = field(default_factory=dict)
    target: str | None = None

    def oracle_args(self) -> list[str]:
        """Arguments for tests/oracle/context-files-buildah.sh."""
        out = ["-f", self.dockerfile_arg] if self.dockerfile_arg is not None else ["-n"]
        if self.list_dir != "/ctx":
            out += ["-d", self.list_dir]
        return [*out, self.ctx_arg, *self.bud_args()]

    def bud_args(self) -> list[str]:
        out = list(self.args)
        for k, v in self.build_args.items():
            out += ["--build-arg", f"{k}={v}"]
        if self.target:
            out += ["--target", self.target]
        return out

    def podman_args(self) -> list[str]:
        """Arguments for ``podman --remote build``."""
        df = ["-f", self.dockerfile_arg] if self.dockerfile_arg is not None else []
        return [*df, *self.bud_args(), self.ctx_arg]

    @property
    def ignorefile(self) -> Path | None:
        if "--ignorefile" in self.args:
            return Path(self.args[self.args.index("--ignorefile") + 1])
        return None


def _write(path: Path, spec: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(spec, str):
        path.write_bytes(spec.encode("utf-8"))
    elif "size" in spec:
        seed = path.name.encode() + b"\n"
        n = int(spec["size"])
        path.write_bytes((seed * (n // len(seed) + 1))[:n])
    elif "hex" in spec:
        path.write_bytes(bytes.fromhex(spec["hex"]))
    elif spec.get("dir"):
        path.mkdir(parents=True, exist_ok=True)
    elif spec.get("fifo"):
        os.mkfifo(path)
    elif spec.get("socket"):
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(path))
        s.close()
    elif "chardev" in spec:
        major, minor = spec["chardev"]
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(major, minor))
    else:
        raise ValueError(f"bad file spec {spec!r}")


def _own(case: dict[str, Any], work: Path) -> Run:
    ctx = work / "ctx"
    ctx.mkdir(parents=True)
    links = []
    for rel, spec in case.get("files", {}).items():
        if isinstance(spec, dict) and "hardlink" in spec:
            links.append((ctx / spec["hardlink"], ctx / rel))
        else:
            _write(ctx / rel, spec)
    for rel, target in case.get("symlinks", {}).items():
        p = ctx / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, p)
    for src, dst in links:
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(src, dst)
    for rel, text in case.get("ignore_files", {}).items():
        _write(Path(os.path.normpath(ctx / rel)), text)
    df = case.get("dockerfile") or DEFAULT_DF
    df_path = Path(os.path.normpath(ctx / df["path"]))
    _write(df_path, df["text"])
    mode = case.get("dockerfile_arg", "abs")
    df_arg = str(df_path) if mode == "abs" else os.path.relpath(df_path, work) if mode == "rel" else None
    ctx_mode = case.get("ctx_arg", "abs")
    if ctx_mode == "rel":
        ctx_arg = "ctx"
    elif ctx_mode == "symlink":
        os.symlink("ctx", work / "ctxlink")
        ctx_arg = str(work / "ctxlink")
    else:
        ctx_arg = str(ctx)
    args = [a.replace("{work}", str(work)).replace("{ctx}", str(ctx)) for a in case.get("args", [])]
    return Run(work, ctx_arg, df_arg, df["text"], args, types=bool(case.get("types")))


def materialize(case_id: str, work: Path) -> Run:
    source = case_id.split(".", 1)[0]
    case = load(case_id)
    if source == "buildah":
        return _own(case, work)
    if source == "conformance":
        ctx, dockerfile = harness.materialize(case, work)
        # no_f cases: no -f, buildah finds CONTEXT/Containerfile or CONTEXT/Dockerfile itself
        return Run(work, str(ctx), str(dockerfile) if dockerfile is not None else None, harness.DOCKERFILE_TEXT)
    ctx = dfharness.materialize(case, work)
    dockerfile = dfharness.dockerfile_path(ctx, case)
    return Run(
        work,
        str(ctx),
        str(dockerfile),
        case["dockerfile"],
        list_dir="/",
        build_args=dict(case.get("build_args") or {}),
        target=case.get("target"),
    )


@contextmanager
def cwd(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _type_letter(root: str, path: str) -> str:
    mode = os.lstat(os.path.join(root, path)).st_mode
    for test, letter in ((stat.S_ISREG, "f"), (stat.S_ISLNK, "l"), (stat.S_ISDIR, "d"), (stat.S_ISFIFO, "p")):
        if test(mode):
            return letter
    return "c" if stat.S_ISCHR(mode) else "b" if stat.S_ISBLK(mode) else "s"


def ctxaudit_view(run: Run, types: bool = False) -> dict[str, Any]:
    """What ctxaudit says buildah puts in the image (same shape as the golden).

    ``types``: every entry of the walk of ``.`` with its type (for
    ``COPY . /ctx/`` cases), as ``[path, size, type]``.
    """
    from ctxaudit.common import display
    from ctxaudit.common.errors import CtxauditError
    from ctxaudit.dockerfile import validate
    from ctxaudit.dockerfile.model import build_model
    from ctxaudit.dockerfile.usage import DockerfileUsage
    from ctxaudit.engine.builder import Builder
    from ctxaudit.engine.context import open_context
    from ctxaudit.engine.pattern import PatternError
    from ctxaudit.engine.walk import EntryType, walk

    with cwd(run.work):
        try:
            ctx = open_context(
                Path(run.ctx_arg),
                Path(run.dockerfile_arg) if run.dockerfile_arg is not None else None,
                Builder.BUILDAH,
                ignorefile=run.ignorefile,
            )
            df = build_model(run.dockerfile_text, run.build_args, run.target)
            usage = DockerfileUsage(
                df, Builder.BUILDAH, str(ctx.root), record_image=True, ignore_lines=ctx.ignore.lines
            )
            entries = []
            for e in walk(ctx):
                usage.add(e)
                if types and e.sent:
                    entries.append(e)
            usage.finish()
        except (CtxauditError, PatternError) as exc:
            return {"ok": False, "error": str(exc)}
    if any(p.fatal for p in ctx.problems):
        return {"ok": False, "error": next(p.message for p in ctx.problems if p.fatal)}
    errors = [p.message for p in usage.problems if p.kind in ("ignored", "missing", "invalid", "from-missing", "mount")]
    # What Docker refuses outright (CA305) buildah refuses too (recorded: dockerfile.rejected-*).
    errors += [r.message for r in validate.rejections(df, buildah=True)]
    if errors:
        return {"ok": False, "error": errors[0]}
    if types:
        rows = []
        for e in entries:
            letter = "d" if e.type is EntryType.DIR else _type_letter(str(ctx.root), e.path)
            size = None if letter == "d" else e.size
            rows.append([display.path(e.path), size, letter])
        return {"ok": True, "files": sorted(rows)}
    prefix = run.list_dir.rstrip("/") + "/"
    files = sorted(
        [display.path(p[len(prefix) :]), size] for p, size in usage.image_files.items() if p.startswith(prefix)
    )
    return {"ok": True, "files": files}


def ctxaudit_remote(run: Run) -> dict[str, Any]:
    """What ctxaudit says a remote podman client uploads (same shape as the golden)."""
    from ctxaudit.common import display
    from ctxaudit.common.errors import CtxauditError
    from ctxaudit.engine.builder import Builder
    from ctxaudit.engine.context import open_context
    from ctxaudit.engine.podman import remote_transfer

    with cwd(run.work):
        try:
            ctx = open_context(
                Path(run.ctx_arg),
                Path(run.dockerfile_arg) if run.dockerfile_arg is not None else None,
                Builder.BUILDAH,
                ignorefile=run.ignorefile,
            )
        except CtxauditError as exc:
            return {"ok": False, "error": str(exc)}
        r = remote_transfer(ctx, keep=True)
    if r.error is not None:
        return {"ok": False, "error": r.error}
    members = sorted([display.path(n.replace(str(run.work), "{work}")), k, s] for n, k, s in r.members)
    return {"ok": True, "tar_bytes": r.tar_bytes, "members": members}


def remote_change(case_id: str) -> str | None:
    """Why podman 4.3.1's client may upload otherwise than 5.8.2's for this case, or None.

    The 4.3.1 client (pkg/bindings/images/build.go) reads only
    ``.containerignore`` or ``.dockerignore`` at the context root, joined
    plainly (a symlink may leave the context, a directory is an error), and
    tests every member against the lines, a Containerfile outside the
    context too (by its absolute path: ``*`` matches it); podman 5.8
    resolves them inside the context (securejoin), skips one it cannot read,
    then reads the per-Containerfile files and always sends them
    (``ParseDockerignore`` since v4.8.0, ``prepareContainerFiles``), and
    never tests the outside Containerfile (``nTar``: "If name is absolute
    path, then it has to be containerfile outside of build context").
    """
    case = load(case_id)
    names = list(case.get("ignore_files", {})) + list(case.get("files", {})) + list(case.get("symlinks", {}))
    # conformance cases spell symlinks and directories as file specs
    files = case.get("files", {})
    links = set(case.get("symlinks", {})) | {n for n, v in files.items() if isinstance(v, dict) and "symlink" in v}
    parts = [part for n in names for part in n.split("/")[:-1]] + names
    if any(n.endswith(PER_DOCKERFILE) and os.path.basename(n) not in PER_DOCKERFILE for n in parts):
        return "a per-Containerfile ignore file: podman 5's client reads and sends it, 4.3.1's does not"
    if any(n.startswith((".containerignore/", ".dockerignore/")) for n in names) or links & set(PER_DOCKERFILE):
        return "a context-level ignore file that is a directory or a symlink: podman 5 resolves it inside the context"
    g = golden(case_id)
    old = (g.get("debian") or {}).get("podman_remote")
    now = g["podman_remote"]
    if old is not None and old["ok"] and not now["ok"] and "no Containerfile or Dockerfile" in now["error"]:
        return (
            "no Containerfile found (a dangling link, a directory): podman 5's client stops before uploading "
            "(cmd/podman/common/build.go); 4.3.1's uploaded and left it to the service"
        )
    if old is not None and old["ok"] and g["podman_remote"]["ok"]:
        # the outside Containerfile, matched by a line: 4.3.1 left it out, and nothing else
        gone = [m for m in g["podman_remote"]["members"] if m not in old["members"]]
        if gone and all(m[0].startswith("{work}/") and m[1] == "file" for m in gone):
            from ctxaudit.engine import tarsize

            work = os.path.join(tempfile.gettempdir(), TMP_PREFIX + "X" * 8)  # as long as the recorded one
            extra = sum(
                tarsize.header_bytes(m[0].replace("{work}", work).encode(), size=m[2]) + tarsize.pad(m[2]) for m in gone
            )
            kept = [m for m in g["podman_remote"]["members"] if m not in gone]
            if kept == old["members"] and old["tar_bytes"] + extra == g["podman_remote"]["tar_bytes"]:
                return "the Containerfile outside the context matched a line: 4.3.1 left it out, 5.8 never tests it"
    return None


def _strip(result: dict[str, Any], types: bool) -> Any:
    if not result["ok"]:
        return "the build fails"
    if types:
        return [list(r[:3]) for r in result["files"]]
    return [[r[0], r[1]] for r in result["files"]]


def run_outputs(case_id: str) -> set[str]:
    """Files a RUN writes (not ctxaudit's prediction: left out of every comparison)."""
    return {p.lstrip("/") for p in load(case_id).get("run_outputs", [])}


def comparable(case_id: str, result: dict[str, Any], types: bool = False) -> Any:
    """A recorded or predicted result as compared: "the build fails", or the rows without RUN outputs."""
    out = _strip(result, types)
    if isinstance(out, str):
        return out
    skip = run_outputs(case_id)
    return [r for r in out if r[0] not in skip and (not types or r[0])]


def compare(case_id: str) -> list[str]:
    """Differences between ctxaudit and buildah v1.44.0 (the golden's top level)."""
    want = golden(case_id)["buildah"]
    case = load(case_id)
    types = (
        bool(case.get("types"))
        and case_id.startswith("buildah.")
        and "COPY . /ctx/" in ((case.get("dockerfile") or DEFAULT_DF)["text"])
    )
    with tempfile.TemporaryDirectory(prefix=TMP_PREFIX) as tmp:
        run = materialize(case_id, Path(tmp))
        ours = ctxaudit_view(run, types=types)
    exp, act = comparable(case_id, want, types), _strip(ours, types)
    if case.get("run_fails"):
        # A RUN command exits non-zero (tests/dockerfile/dfharness.py): buildah fails
        # in that RUN, and ctxaudit, which does not run commands, reports no failure.
        problems = [] if ours["ok"] else [f"ctxaudit blames the build: {ours.get('error')}"]
        if want["ok"] or case["run_fails"] not in want.get("error", ""):
            problems.append(f"buildah did not fail in the RUN {case['run_fails']!r}: {want}")
        return problems
    if exp == act:
        return []
    if isinstance(exp, str) or isinstance(act, str):
        return [
            f"buildah: {exp if isinstance(exp, str) else 'it builds'}; ctxaudit: "
            f"{act if isinstance(act, str) else 'it builds'} ({ours.get('error') or ''})"
        ]
    e = {tuple(r[:1]): r for r in exp}
    a = {tuple(r[:1]): r for r in act}
    out = [f"missing {k[0]}" for k in e if k not in a]
    out += [f"extra {k[0]}" for k in a if k not in e]
    out += [f"{k[0]}: buildah {e[k][1:]}, ctxaudit {a[k][1:]}" for k in e if k in a and e[k] != a[k]]
    return out or ["order differs"]


def compare_remote(case_id: str) -> list[str]:
    """Differences between ctxaudit's podman-remote tar and podman v5.8.2's (the golden's top level)."""
    g = golden(case_id)["podman_remote"]
    with tempfile.TemporaryDirectory(prefix=TMP_PREFIX) as tmp:
        run = materialize(case_id, Path(tmp))
        ours = ctxaudit_remote(run)
    if g["ok"] != ours["ok"]:
        return [f"podman-remote {'uploads' if g['ok'] else 'fails'}, ctxaudit: {ours.get('error') or 'uploads'}"]
    if not g["ok"]:
        return []
    out = []
    if ours["members"] != g["members"]:
        e = {m[0]: m for m in g["members"]}
        a = {m[0]: m for m in ours["members"]}
        out += [f"tar lacks {n}" for n in e if n not in a]
        out += [f"tar has extra {n}" for n in a if n not in e]
        out += [f"{n}: client {e[n][1:]}, ctxaudit {a[n][1:]}" for n in e if n in a and e[n] != a[n]]
    if ours["tar_bytes"] != g["tar_bytes"]:
        out.append(f"tar bytes: client {g['tar_bytes']}, ctxaudit {ours['tar_bytes']}")
    return out


# Conformance cases whose context-level ignore file is a symlink: buildah 1.28
# followed it anywhere; since v1.29.0 it is resolved inside the context, as
# BuildKit resolves it, so today's buildah copies what the engine's BuildKit did.
CONFORMANCE_CHANGED = {
    name: "v1.29.0 (7a4702ae2): the context's .containerignore/.dockerignore resolved inside the context (securejoin)"
    for name in (
        "buildfile-daemon-keeps-build-files",
        "buildfile-ignore-link-absolute-inside",
        "buildfile-ignore-link-absolute-outside",
        "buildfile-ignore-link-clamped",
        "buildfile-ignore-link-outside",
        "buildfile-ignore-link-outside-dockerfile-outside",
    )
}


def version_change(case_id: str) -> tuple[str, dict[str, Any] | None] | None:
    """Why buildah 1.28 builds this case otherwise than 1.44, and today's
    result as predicted from the source (None: no prediction); None when no
    change is known."""
    case = load(case_id)
    source, name = case_id.split(".", 1)
    if source == "conformance" and name in CONFORMANCE_CHANGED:
        return CONFORMANCE_CHANGED[name], harness.load_golden(name)["engine_buildkit"]
    if source == "buildah" and "current" in case:
        return case["current"]["why"], case["current"]["buildah"]
    if source == "dockerfile" and name in DOCKERFILE_CHANGED:
        if name not in DOCKERFILE_AS_BUILDKIT:
            return DOCKERFILE_CHANGED[name], None
        want = (case.get("expect") or case["current"])["buildkit"]
        files = [[p.lstrip("/"), s] for p, s in want.get("image", [])]
        return DOCKERFILE_CHANGED[name], {"ok": want["ok"], "files": files}
    return None
