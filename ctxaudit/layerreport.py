"""The layers pipeline: a built image -> its layers stacked -> waste -> findings -> LayersReport.

``ctxaudit layers IMAGE [-f Dockerfile] [CONTEXT]``: read the image
(:mod:`ctxaudit.archive`), stack its layers, map its history to the
Dockerfile's instructions when there is one, set the base image apart,
charge every hidden byte to the line that hid it (:mod:`ctxaudit.rules.layers`)
and put the pre-build prediction of ``ctxaudit image`` beside what the
layers hold. Formatters read a LayersReport and nothing else; it holds
data, not text, so that any format (HTML included) can be written from it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .analysis.layers import DEFAULT_TOLERANCE, LayersAnalysis, analyse
from .archive.image import Image, open_image
from .archive.union import stack
from .common.display import count
from .common.display import size as human
from .common.errors import InputError
from .dockerfile.history import HistoryMap, map_history
from .engine.context import Context
from .gates import Breach
from .pipeline import scan
from .rules import layers as layer_rules
from .rules.findings import Finding, at_or_above, sort_findings

SCHEMA_VERSION = 1


@dataclass
class LayersReport:
    image: Image
    analysis: LayersAnalysis
    findings: list[Finding]
    dockerfile: str | None = None  # the Dockerfile the findings point at, relative to ``root``
    ctx: Context | None = None
    root: Path = field(default_factory=Path.cwd)  # what relative paths in findings start from
    history: HistoryMap | None = None
    notes: list[str] = field(default_factory=list)  # what was guessed or could not be matched


def layers(
    source: str,
    ctx: Context | None = None,
    *,
    build_args: Mapping[str, str] | None = None,
    target: str | None = None,
    base_layers: int | None = None,
    include_base: bool = False,
    top: int = 5,
    tolerance: float = DEFAULT_TOLERANCE,
    ignore_rules: Sequence[str] = (),
    docker: str = "docker",
) -> LayersReport:
    """Analyse the image ``source`` (archive, layout or name); with ``ctx``
    holding a Dockerfile, map its lines and compare with the prediction.

    ``base_layers`` overrides how many bottom layers are the base image
    (InputError when the image has fewer). Raises InputError (ArchiveError)
    for an unreadable source or Dockerfile.
    """
    image = open_image(source, docker)
    stacked = stack([layer.files for layer in image.layers])
    notes = list(image.notes)
    history: HistoryMap | None = None
    label: str | None = None
    usage = None
    predicted: list[Finding] = []
    root = Path.cwd()
    if ctx is not None and ctx.has_dockerfile:
        prebuild = scan([ctx], top=0, build_args=build_args, target=target, suggestions=False)
        d = prebuild.dockerfiles[0]
        usage = d.usage
        label, root = _where(ctx)
        predicted = [f for f in prebuild.findings if f.rule.id in ("CA500", "CA501")]
        history = map_history([h.created_by for h in image.history], d.model)
        notes += history.notes
    if base_layers is not None:
        if base_layers > len(image.layers):
            raise InputError(
                f"--base-layers {base_layers}: the image has {count(len(image.layers), 'layer')}; "
                "give at most that many (the bottom layers that are the base image)"
            )
        base, known = base_layers, True
        if base == len(image.layers) and image.layers and not include_base:
            notes.append(
                f"--base-layers {base_layers}: every layer is the base image's, so the waste and the gates "
                "see none of yours (--include-base counts them)"
            )
    elif history is not None and history.base is not None:
        base = sum(1 for layer in image.layers if layer.history is not None and layer.history < history.base)
        known = True
    else:
        base, known = 0, False
        why = "the history does not follow the Dockerfile" if history is not None else "no Dockerfile (-f)"
        notes.append(f"base image not told apart ({why}): every layer counts as yours; pass --base-layers N")
    origins = layer_rules.origins(image, history, base)
    analysis = analyse(
        image,
        stacked,
        origins,
        base_layers=base,
        base_known=known,
        include_base=include_base,
        top=top,
        usage=usage,
        predicted=predicted,
        tolerance=tolerance,
    )
    findings = layer_rules.check(image, stacked, origins, label)
    for p in analysis.predictions:
        if p.status == "differs" and p.predicted is not None:
            findings.append(
                layer_rules.prediction_differs(label, p.line, p.instruction, p.what, p.predicted, p.measured, tolerance)
            )
    off = set(ignore_rules)
    kept = sort_findings([f for f in findings if f.rule.id not in off])
    return LayersReport(image, analysis, kept, label, ctx, root, history, notes)


def _where(ctx: Context) -> tuple[str, Path]:
    """The Dockerfile as findings name it: inside the context, from the context;
    else from the current directory when below it; else absolute. Read from
    stdin (``-f -``): ``-``, as scan names it."""
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return ctx.dockerfile_label, Path.cwd()
    if ctx.dockerfile_rel is not None:
        return ctx.dockerfile_rel, ctx.root
    cwd = Path.cwd()
    rel = os.path.relpath(dockerfile, cwd)
    return (str(dockerfile), ctx.root) if rel.startswith("..") else (rel, cwd)


@dataclass(frozen=True)
class LayerGates:
    """Limits for ``ctxaudit layers``; None = no limit. Percentages are 0-100."""

    max_wasted: int | None = None
    max_wasted_percent: float | None = None
    min_efficiency: float | None = None
    fail_on: str | None = None
    max_wasted_text: str | None = None  # --max-wasted as typed ("10MB"), for the message


def check(report: LayersReport, g: LayerGates) -> list[Breach]:
    """One Breach per limit the report exceeds (your layers, or all with --include-base)."""
    a = report.analysis
    t = a.counted
    scope = "the whole image" if a.include_base else "your layers"
    out = []
    if g.max_wasted is not None and t.wasted > g.max_wasted:
        out.append(
            Breach(
                "max-wasted",
                f"{scope} waste {human(t.wasted)} ({t.wasted:,} bytes), more than --max-wasted "
                f"{g.max_wasted_text or g.max_wasted} ({g.max_wasted:,} bytes)",
            )
        )
    if g.max_wasted_percent is not None and t.wasted_percent > g.max_wasted_percent:
        out.append(
            Breach(
                "max-wasted-percent",
                f"{scope} waste {t.wasted_percent:.1f}% of their {human(t.bytes)}, more than "
                f"--max-wasted-percent {g.max_wasted_percent:g}",
            )
        )
    if g.min_efficiency is not None and 100 * t.efficiency < g.min_efficiency:
        out.append(
            Breach(
                "min-efficiency",
                f"efficiency of {scope} {100 * t.efficiency:.1f}%, below --min-efficiency {g.min_efficiency:g}",
            )
        )
    if g.fail_on:
        hits = at_or_above(report.findings, g.fail_on)
        if hits:
            worst = max(hits, key=lambda f: f.level.rank).level.value
            out.append(Breach("fail-on", f"{count(len(hits), 'finding')} at or above {g.fail_on} (worst: {worst})"))
    return out
