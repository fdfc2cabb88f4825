"""CA4xx: secrets and repository history, transferred to the builder or copied into the image.

What counts as a secret is ctxaudit.classify.secrets (names, confirmed by
content). "Sent" means what the chosen builder really transfers: the
legacy builder sends the whole eligible context in its tar; BuildKit only
the paths the COPY/ADD and bind mounts of the stages it builds refer to. A
secret that is eligible but not transferred is a warning (CA402): a later
``COPY .``, or the legacy builder, sends it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from ..classify import kinds, secrets
from ..common.display import count
from ..common.display import size as human
from ..dockerfile.model import Dockerfile
from ..dockerfile.shell import run_script
from ..dockerfile.usage import DockerfileUsage
from ..engine.containers import escape
from ..engine.walk import Entry, Status
from . import rule
from .findings import Finding, Severity

SECRET_SENT = rule(
    "CA400",
    "secret-sent-to-builder",
    Severity.ERROR,
    "A secret file is transferred to the builder by this build.",
    "The build context is uploaded to the builder (possibly a remote one). With BuildKit this is a file "
    "a COPY/ADD or bind mount takes; with the legacy builder every eligible file is in the tar. Add the "
    "path to the ignore file; pass secrets at build time with RUN --mount=type=secret.",
)
SECRET_IN_IMAGE = rule(
    "CA401",
    "secret-copied-into-image",
    Severity.ERROR,
    "A COPY/ADD puts a secret file into the final image.",
    "Anyone who can pull the image can read it, in any layer, even if a later RUN deletes it. Exclude it "
    "in the ignore file and pass secrets at build time with RUN --mount=type=secret.",
)
SECRET_ELIGIBLE = rule(
    "CA402",
    "secret-in-eligible-context",
    Severity.WARNING,
    "A secret file is in the eligible context, though this build does not transfer it.",
    "BuildKit transfers only what the Dockerfile refers to, so this build leaves it on your machine; a "
    "later `COPY . .`, a COPY of its directory, or the legacy builder (which sends the whole eligible "
    "context) would send it. Add the path to the ignore file to keep it out for good.",
)
TEST_SECRET = rule(
    "CA405",
    "test-secret-sent",
    Severity.WARNING,
    "A key or credential under a test or example directory is transferred to the builder or copied into the image.",
    "Keys in tests/, fixtures/, example/... are usually published test material, not the project's secrets, "
    "so they do not fail the build gate; they still have no business in an image. Exclude them in the ignore "
    "file, or say you know with per-path-ignores.",
)
VCS_SENT = rule(
    "CA403",
    "vcs-history-sent",
    Severity.WARNING,
    "The repository history (.git) is transferred to the builder.",
    "It can hold secrets removed long ago, and it changes with every commit, so the COPY that takes it is "
    "never cached. Add '.git' to the ignore file, unless the build runs git on purpose (a bind mount of "
    ".git, or RUN git after the COPY: then ctxaudit does not report it).",
)
VCS_IN_IMAGE = rule(
    "CA404",
    "vcs-history-in-image",
    Severity.ERROR,
    "A COPY/ADD puts the repository history (.git) into the final image.",
    "Anyone who can pull the image can read every commit, secrets removed long ago included. Add '.git' "
    "to the ignore file, or copy narrower paths.",
)


@dataclass
class _Git:
    files: int = 0
    bytes: int = 0
    transferred: int = 0


Transfers = Callable[[str], bool]


@dataclass
class SecretsCollector:
    """Fed with the walk: secret files and .git directories in the eligible context.

    ``root``: the context directory (secrets are confirmed by their first
    bytes). ``transfers(path)``: whether the build transfers a context path;
    None when nothing tells (BuildKit without a Dockerfile).
    """

    sent_only: ClassVar[bool] = True  # add() reads only what the builder sends (pipeline.fan_out)
    root: str
    transfers: Transfers | None = None
    files: list[tuple[str, str, int, bool | None]] = field(default_factory=list)  # path, reason, size, transferred
    git: dict[str, _Git] = field(default_factory=dict)

    def add(self, e: Entry) -> None:
        if e.status is not Status.SENT or not e.is_file:
            return
        kind = kinds.of(e)
        if kind == "vcs":
            root = secrets.git_root(e.path)
            if root is not None:
                acc = self.git.setdefault(root, _Git())
                acc.files += 1
                acc.bytes += e.size
                acc.transferred += self.transfers is not None and self.transfers(e.path)
            return
        if kind != kinds.SECRET:
            return
        why = secrets.judge(self.root, e.path, e.size)
        if why is not None:
            sent = None if self.transfers is None else self.transfers(e.path)
            self.files.append((e.path, why, e.size, sent))

    def finish(self) -> SecretsCollector:
        return self

    def findings(
        self,
        ignore_file: str,
        legacy: bool = False,
        uses_history: Callable[[str], bool] | None = None,
        sent_how: str | None = None,
    ) -> list[Finding]:
        """CA400/CA402 per secret file, CA403 per .git transferred (unless ``uses_history(root)``).

        ``sent_how``: how a transferred file travels, when neither BuildKit's
        nor the legacy builder's words apply (buildah: podman --remote's tar)."""
        out = []
        for path, why, size, sent in self.files:
            fix = f"add '{escape(path)}' to {ignore_file}"
            if secrets.test_material(path):
                if sent:  # not transferred: test material that stays on the machine is not worth a word
                    msg = f"{path}: {why} in a test or example directory, transferred to the builder"
                    out.append(Finding(TEST_SECRET, msg, path, None, size, fix))
            elif sent:
                how = "in the tar the legacy builder sends" if legacy else "a COPY/ADD or bind mount takes it"
                how = sent_how or how
                out.append(
                    Finding(SECRET_SENT, f"{path}: {why}, transferred to the builder ({how})", path, None, size, fix)
                )
            elif sent is None:
                msg = (
                    f"{path}: {why}, in the eligible context: BuildKit transfers it as soon as a COPY/ADD takes it "
                    "(or `.`), the legacy builder always"
                )
                out.append(Finding(SECRET_ELIGIBLE, msg, path, None, size, fix))
            else:
                msg = (
                    f"{path}: {why}, in the eligible context: this build does not transfer it with BuildKit, but "
                    "a COPY of its directory (or `.`) would, and the legacy builder sends it"
                )
                out.append(Finding(SECRET_ELIGIBLE, msg, path, None, size, fix))
        for root, g in sorted(self.git.items()):
            if not g.transferred or (uses_history is not None and uses_history(root)):
                continue
            out.append(
                Finding(
                    VCS_SENT,
                    f"{root}: the repository history ({g.files:,} files, {human(g.bytes)}) is transferred to the "
                    "builder: old secrets included, and it defeats the build cache",
                    path=root,
                    bytes=g.bytes,
                    fix=f"add '{escape(root)}' to {ignore_file}",
                )
            )
        return out


def _covers(source: str, path: str) -> bool:
    """A context source path ("" = the whole context) takes ``path``."""
    return source == "" or path == source or path.startswith(source + "/")


def uses_history(df: Dockerfile, legacy: bool, git_root: str) -> bool:
    """Whether the build uses the repository at ``git_root`` on purpose: a bind
    mount of it, or a RUN git in a stage after a COPY/ADD that takes it (or a
    RUN git with the directory holding it bind-mounted)."""
    holder = posixpath.dirname(git_root)
    for stage in df.needed_stages(all_before_target=legacy):
        for run in stage.runs:
            mounted = [m.source.context_path for m in run.mounts if m.type == "bind" and m.from_ is None]
            if any(p is not None and _covers(git_root, p) for p in mounted):
                return True  # a bind mount of .git (or of a path inside it)
            runs_git = any(c.name == "git" for c in run_script(run).commands)
            if not runs_git:
                continue
            if any(p is not None and _covers(p, holder) for p in mounted):
                return True
            for s in stage.chain():
                for c in s.copies:
                    if (
                        c.takes_context
                        and (s is not stage or c.line < run.line)
                        and any(
                            src.context_path is not None and _covers(src.context_path, git_root) for src in c.sources
                        )
                    ):
                        return True
    return False


def in_image(usage: DockerfileUsage, dockerfile: str, history_used: bool = False) -> list[Finding]:
    """CA401 per COPY/ADD of the final image that copies secrets; CA404 when it copies .git."""
    out = []
    for u in usage.image_copies():
        real = [p for p in u.secrets if not secrets.test_material(p)]
        test = [p for p in u.secrets if secrets.test_material(p)]
        for rule_, found, what in ((SECRET_IN_IMAGE, real, "secret"), (TEST_SECRET, test, "test or example key")):
            if not found:
                continue
            names = ", ".join(found[:5]) + (" ..." if len(found) > 5 else "")
            out.append(
                Finding(
                    rule_,
                    f"{u.copy.cmd} at line {u.line} copies {count(len(found), what + ' file')} into the image: {names}",
                    path=dockerfile,
                    line=u.line,
                    fix="; ".join(f"add '{escape(p)}' to the ignore file" for p in found[:3]),
                    subject=" ".join(sorted(found)),
                )
            )
        vcs = u.by_kind.get("vcs")
        if vcs is not None and vcs.files and not history_used:
            out.append(
                Finding(
                    VCS_IN_IMAGE,
                    f"{u.copy.cmd} at line {u.line} copies the repository history into the image: {vcs.files:,} "
                    f"files, {human(vcs.bytes)} of VCS data",
                    path=dockerfile,
                    line=u.line,
                    bytes=vcs.bytes,
                    fix="exclude the VCS directory ('.git') in the ignore file",
                )
            )
    return out
