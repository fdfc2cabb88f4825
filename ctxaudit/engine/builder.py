"""The two builders whose context walks ctxaudit reproduces."""

from __future__ import annotations

import enum


class Builder(enum.StrEnum):
    """``buildkit``: Docker 23+ default (fsutil filter walk, 2023 and later).
    ``legacy``: ``DOCKER_BUILDKIT=0``, the CLI tars the context itself."""

    BUILDKIT = "buildkit"
    LEGACY = "legacy"

    def __str__(self) -> str:
        return self.value
