"""File-name suffixes, looked up from the longest: the kind and secret tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def longest(name: str, table: Mapping[str, T]) -> tuple[int, T] | None:
    """The first entry of ``table`` among the name's suffixes, longest first
    ("x.tar.gz": ".tar.gz", then ".gz"), matched case-insensitively, with
    the index where it starts. A leading dot (".env") is not a suffix."""
    lower = name.lower()
    dot = lower.find(".", 1)
    while dot > 0:
        value = table.get(lower[dot:])
        if value is not None:
            return dot, value
        dot = lower.find(".", dot + 1)
    return None
