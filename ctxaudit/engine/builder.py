"""The builders whose context walks ctxaudit reproduces."""

from __future__ import annotations

import enum

# Other names a user may give for a builder.
ALIASES = {"podman": "buildah"}


class Builder(enum.StrEnum):
    """``buildkit``: Docker 23+ default (fsutil filter walk, 2023 and later).
    ``legacy``: ``DOCKER_BUILDKIT=0``, the CLI tars the context itself.
    ``buildah``: ``buildah bud`` and ``podman build`` (buildah's imagebuildah
    and copier; alias ``podman``), which read the context in place at each
    COPY/ADD."""

    BUILDKIT = "buildkit"
    LEGACY = "legacy"
    BUILDAH = "buildah"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, name: str) -> Builder:
        """A builder by name or alias, case-insensitive; ValueError for an unknown one."""
        key = name.strip().lower()
        return cls(ALIASES.get(key, key))

    @classmethod
    def names(cls) -> list[str]:
        """Every accepted name: the builders, then the aliases."""
        return [b.value for b in cls] + list(ALIASES)

    @property
    def docker(self) -> bool:
        """One of Docker's two builders (they share Docker's ignore-file rules)."""
        return self is not Builder.BUILDAH
