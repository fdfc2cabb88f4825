"""A progress bar on stderr for long walks (tqdm), silent when not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator

from ..engine.walk import Entry

_EVERY = 2048  # entries between bar refreshes: keeps the hot loop cheap


def enabled(requested: bool) -> bool:
    return requested and sys.stderr.isatty()


def track(entries: Iterable[Entry], show: bool) -> Iterator[Entry]:
    """Yield the entries unchanged, counting files and bytes on a tqdm bar."""
    if not show:
        yield from entries
        return
    from tqdm import tqdm  # only when a bar is drawn: tqdm's import costs ~15 ms of every start

    bar = tqdm(
        desc="walking context",
        unit=" files",
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
        mininterval=0.2,
        bar_format="{desc}: {n_fmt}{unit} [{elapsed}, {rate_fmt}{postfix}]",
    )
    files = size = pending = 0
    try:
        for e in entries:
            if e.is_file:
                files += 1
                size += e.size
                pending += 1
                if pending >= _EVERY:
                    bar.update(pending)
                    pending = 0
                    bar.set_postfix_str(f"{size / 1048576:,.1f} MiB seen", refresh=False)
            yield e
        bar.update(pending)
    finally:
        bar.close()
