"""CI gates: limits on the context and on findings. A breach exits 1.

--max-size and --max-files limit the eligible context (what the ignore
file lets through: the legacy builder sends all of it, BuildKit as soon as
a COPY takes ``.``); --max-transfer what this build transfers (BuildKit's
cold-cache transfer, or the legacy tar to the byte).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .common.display import count
from .common.display import size as human
from .config import DEFAULT_FAIL_ON, Settings
from .engine.builder import Builder
from .pipeline import Report

if TYPE_CHECKING:
    from .builds import ProjectReport
from .rules.findings import Finding, at_or_above


@dataclass(frozen=True)
class Breach:
    gate: str
    message: str


def _bytes(n: int) -> str:
    """A size with its exact count: "9.8 KiB (10,000 bytes)"; below 1 KiB the count alone."""
    return count(n, "byte") if n < 1024 else f"{human(n)} ({n:,} bytes)"


def check(report: Report, s: Settings) -> list[Breach]:
    out: list[Breach] = []
    sent = report.stats.sent
    if s.max_size is not None and sent.bytes > s.max_size:
        out.append(Breach("max-size", f"eligible context {_bytes(sent.bytes)} exceeds {s.size('max_size')}"))
    if s.max_files is not None and sent.files > s.max_files:
        out.append(
            Breach(
                "max-files",
                f"eligible context has {sent.files:,} files, more than {s.limit('max_files', f'{s.max_files:,}')}",
            )
        )
    if s.max_transfer is not None:
        for d in report.dockerfiles:
            u = d.usage
            if d.ctx.builder is Builder.LEGACY:
                moved, what = u.tar_bytes, "tar sent by the legacy builder"
            elif d.ctx.builder is Builder.BUILDAH:
                # Local buildah sends nothing; podman --remote uploads this tar.
                moved = d.remote.tar_bytes if d.remote is not None else 0
                what = "tar podman --remote uploads (before gzip)"
            else:
                moved, what = u.transfer.bytes, "BuildKit transfer (cold cache)"
            if moved > s.max_transfer:
                out.append(
                    Breach(
                        "max-transfer",
                        f"{d.label}: {what} {_bytes(moved)} exceeds {s.size('max_transfer')}",
                    )
                )
        if not report.dockerfiles:
            out.append(Breach("max-transfer", f"{s.name('max_transfer')} needs a Dockerfile, none was found"))
    out += findings_gate(report.findings, s)
    return out


def findings_gate(findings: list[Finding], s: Settings) -> list[Breach]:
    """The --fail-on gate: one breach when a finding is at or above the floor (the settings file named
    when the floor came from it)."""
    floor = s.fail_on or DEFAULT_FAIL_ON
    hits = at_or_above(findings, floor)
    if not hits:
        return []
    worst = max(hits, key=lambda f: f.level.rank).level.value
    origin = f" ({s.name('fail_on')})" if "fail_on" in s.from_file else ""
    return [Breach("fail-on", f"{count(len(hits), 'finding')} at or above {floor}{origin} (worst: {worst})")]


def check_project(preport: ProjectReport, s: Settings) -> list[Breach]:
    """The gates for every build of a project, then for the total.

    ``--max-size``, ``--max-files`` and ``--max-transfer`` apply to each
    build (its main context and local named contexts); ``--max-total-size``
    to the project's total, a context several builds send counted once;
    ``--fail-on`` to every finding. Each breach is also recorded in
    ``preport.breaches`` for the report.
    """
    out: list[Breach] = []
    for br in preport.builds:
        if br.report is None:
            continue
        title = br.build.title
        sent = br.eligible
        if s.max_size is not None and sent.bytes > s.max_size:
            out.append(
                Breach(
                    "max-size",
                    f"{title}: eligible context {_bytes(sent.bytes)} exceeds {s.size('max_size')}",
                )
            )
        if s.max_files is not None and sent.files > s.max_files:
            out.append(
                Breach(
                    "max-files",
                    f"{title}: eligible context has {sent.files:,} files, more than "
                    f"{s.limit('max_files', f'{s.max_files:,}')}",
                )
            )
        limit = s.max_transfer
        if limit is not None:
            moved = br.transfer
            if moved is None:
                out.append(
                    Breach("max-transfer", f"{title}: {s.name('max_transfer')} needs a Dockerfile, none was found")
                )
            elif moved.bytes > limit:
                out.append(
                    Breach(
                        "max-transfer",
                        f"{title}: transfer {_bytes(moved.bytes)} exceeds {s.size('max_transfer')}",
                    )
                )
    if s.max_total_size is not None and preport.eligible.bytes > s.max_total_size:
        out.append(
            Breach(
                "max-total-size",
                f"project: contexts total {_bytes(preport.eligible.bytes)} (each context once) "
                f"exceeds {s.size('max_total_size')}",
            )
        )
    out += findings_gate(preport.findings, s)
    floor = s.fail_on or DEFAULT_FAIL_ON
    preport.gated = True  # --fail-on has a default
    failing = [
        (br.build.title, f"{br.build.title}: findings at or above {floor}")
        for br in preport.builds
        if at_or_above(br.findings, floor)
    ]
    preport.breaches = failing + [
        (b.message.split(":", 1)[0] if b.gate != "fail-on" else "project", b.message) for b in out
    ]
    return out
