"""CA4xx: secrets sent to the builder or copied into the image."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..classify import secrets
from ..common.display import size as human
from ..dockerfile.usage import DockerfileUsage
from ..engine.pattern import escape
from ..engine.walk import Entry, Status
from . import rule
from .findings import Finding, Severity

SECRET_SENT = rule(
    "CA400",
    "secret-sent-to-builder",
    Severity.ERROR,
    "A file whose name marks it as a secret is sent to the builder.",
    "The build context is uploaded to the builder (possibly a remote one) and any COPY of a parent "
    "directory puts it into the image. Add the path to the ignore file; pass secrets at build time "
    "with RUN --mount=type=secret.",
)
SECRET_IN_IMAGE = rule(
    "CA401",
    "secret-copied-into-image",
    Severity.ERROR,
    "A COPY/ADD puts a file that looks like a secret into the image.",
    "Anyone who can pull the image can read it, in any layer, even if a later RUN deletes it. Exclude it "
    "in the ignore file and pass secrets at build time with RUN --mount=type=secret.",
)


@dataclass
class SecretsCollector:
    """Fed with the walk: secret files and .git directories the builder receives."""

    files: list[tuple[str, str, int]] = field(default_factory=list)  # (path, reason, size)
    git: dict[str, list[int]] = field(default_factory=dict)  # .git dir -> [files, bytes]

    def add(self, e: Entry) -> None:
        if e.status is not Status.SENT or not e.is_file:
            return
        root = secrets.git_root(e.path)
        if root is not None:
            acc = self.git.setdefault(root, [0, 0])
            acc[0] += 1
            acc[1] += e.size
            return
        why = secrets.reason(e.path)
        if why is not None:
            self.files.append((e.path, why, e.size))

    def finish(self) -> SecretsCollector:
        return self

    def findings(self, ignore_file: str) -> list[Finding]:
        out = [
            Finding(
                SECRET_SENT,
                f"{path}: {why} sent to the builder",
                path=path,
                bytes=size,
                fix=f"add '{escape(path)}' to {ignore_file}",
            )
            for path, why, size in self.files
        ]
        for root, (n, b) in sorted(self.git.items()):
            out.append(
                Finding(
                    SECRET_SENT,
                    f"{root}: the repository with its whole history ({n:,} files, {human(b)}) is sent",
                    path=root,
                    bytes=b,
                    fix=f"add '{escape(root)}' to {ignore_file}",
                )
            )
        return out


def in_image(usage: DockerfileUsage, dockerfile: str) -> list[Finding]:
    out = []
    for u in usage.image_copies():
        if not u.secrets:
            continue
        names = ", ".join(u.secrets[:5]) + (" ..." if len(u.secrets) > 5 else "")
        out.append(
            Finding(
                SECRET_IN_IMAGE,
                f"{u.copy.cmd} at line {u.line} copies {len(u.secrets)} secret-looking file(s) into the image: {names}",
                path=dockerfile,
                line=u.line,
                fix="; ".join(f"add '{escape(p)}' to the ignore file" for p in u.secrets[:3]),
            )
        )
    return out
