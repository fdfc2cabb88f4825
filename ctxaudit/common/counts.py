"""File and byte counters: what every figure of a report is made of."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Count:
    files: int = 0
    bytes: int = 0

    def add(self, size: int) -> None:
        self.files += 1
        self.bytes += size


def tally(table: dict[str, Count], key: str, size: int) -> None:
    """table[key].add(size), without building a Count per call."""
    c = table.get(key)
    if c is None:
        c = table[key] = Count()
    c.add(size)
