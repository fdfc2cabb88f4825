"""What a built image wastes, layer by layer, and how it compares with the prediction.

Waste is measured, not estimated: every byte a layer stores is either
reachable in the final image or hidden by a later layer
(:mod:`ctxaudit.archive.union`), and hidden bytes are wasted: deleted,
overwritten, or duplicated by a metadata-only change. They are charged to
the line whose layer hid them.

The base image is kept apart. *Your* waste is what the Dockerfile's own
layers store in vain: their hidden bytes, plus base-image files they store
again with new metadata (a ``chown -R`` of a base directory copies it into
your layer). Base-image files your lines delete or overwrite are reported,
but they waste no byte of yours (they cannot be freed by a later layer).
The gates count your layers unless ``include_base``.

Efficiency, ctxaudit's way, is the share of stored bytes that the final
image can reach: ``1 - wasted / stored``. dive's figure (:mod:`.dive`) is
computed beside it for comparison.

Prediction vs reality, per line: the bytes ``ctxaudit image``/``scan``
predict each COPY/ADD writes (from the context) against the layer's bytes,
and the bytes a RUN is predicted to store twice or remove (CA500, CA501)
against the bytes its layer hides below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..archive.image import Image
from ..archive.layer import DIR, FileRec
from ..archive.union import DELETED, METADATA, OVERWRITTEN, Hidden, Stack
from ..classify.caches import cache_of
from ..common.counts import Count
from ..dockerfile.usage import DockerfileUsage
from ..rules.findings import Finding
from ..rules.layers import Origin
from .dive import DiveFigures, figures

DEFAULT_TOLERANCE = 0.05  # 5%: the margin the image rules' tests allow


@dataclass(frozen=True)
class Change:
    change: str  # added | modified | metadata | deleted
    path: str  # with a leading "/"
    bytes: int


@dataclass
class LayerRow:
    index: int
    origin: Origin
    created_by: str
    diff_id: str | None
    compression: str
    blob_bytes: int  # in the archive (compressed when the layer is)
    bytes: int  # stored: what docker history shows
    added: Count = field(default_factory=Count)
    modified: Count = field(default_factory=Count)
    metadata: Count = field(default_factory=Count)
    deleted: Count = field(default_factory=Count)  # lower files it hides (their stored bytes)
    unreachable: int = 0  # bytes of this layer that later layers hide
    wastes: int = 0  # bytes of lower layers this layer makes unreachable (its line's waste)
    largest: list[Change] = field(default_factory=list)
    note: str = ""  # doubtful mapping

    @property
    def base(self) -> bool:
        return self.origin.base


@dataclass
class Totals:
    """Stored bytes and waste of a set of layers."""

    layers: int = 0
    bytes: int = 0
    wasted: int = 0
    deleted: int = 0
    overwritten: int = 0
    metadata: int = 0
    caches: int = 0  # bytes in package-manager caches (reachable or not)

    @property
    def efficiency(self) -> float:
        return 1.0 - self.wasted / self.bytes if self.bytes else 1.0

    @property
    def wasted_percent(self) -> float:
        return 100 * self.wasted / self.bytes if self.bytes else 0.0

    def charge(self, h: Hidden) -> None:
        self.wasted += h.bytes
        if h.how == DELETED:
            self.deleted += h.bytes
        elif h.how == OVERWRITTEN:
            self.overwritten += h.bytes
        else:
            self.metadata += h.bytes


@dataclass(frozen=True)
class HiddenFile:
    """A stored file the final image cannot reach."""

    path: str  # with a leading "/"
    bytes: int
    layer: int  # where it is stored
    by: int  # the layer that hides it
    how: str  # deleted | overwritten | metadata


@dataclass
class PredictionRow:
    line: int
    instruction: str
    what: str  # "written" (COPY/ADD) | "hidden below" (RUN: stored twice or removed)
    predicted: int | None  # None: ctxaudit makes no prediction for it
    measured: int
    status: str  # "agrees" | "differs" | "partial" (the prediction is known to be incomplete) | ""


@dataclass
class LayersAnalysis:
    rows: list[LayerRow]
    base_layers: int  # bottom layers from the base image
    base_known: bool  # False: the base could not be told apart (counted as yours)
    include_base: bool
    yours: Totals
    base: Totals
    whole: Totals
    base_hidden_by_yours: int  # base-image bytes your lines delete or overwrite
    reachable_bytes: int
    dive: DiveFigures
    predictions: list[PredictionRow]
    tolerance: float
    largest_hidden: list[HiddenFile] = field(default_factory=list)  # by a line of yours unless include_base

    @property
    def counted(self) -> Totals:
        """What the gates measure: your layers, or the whole image with include_base."""
        return self.whole if self.include_base else self.yours


def analyse(
    image: Image,
    stack: Stack,
    origins: list[Origin],
    *,
    base_layers: int,
    base_known: bool,
    include_base: bool = False,
    top: int = 5,
    usage: DockerfileUsage | None = None,
    predicted: Sequence[Finding] = (),
    tolerance: float = DEFAULT_TOLERANCE,
) -> LayersAnalysis:
    """Figures of ``image`` stacked into ``stack``; ``origins`` says who made
    each layer. ``usage`` and ``predicted`` (the CA500/CA501 findings of the
    image rules) give the pre-build figures to compare with."""
    rows = [_row(image, stack, origins, i, top) for i in range(len(image.layers))]
    yours, base, whole = Totals(), Totals(), Totals()
    for row in rows:
        t = base if row.base else yours
        t.layers += 1
        t.bytes += row.bytes
        for t2 in (t, whole):
            t2.caches += _cache_bytes(image.layers[row.index].files.entries)
        whole.layers += 1
        whole.bytes += row.bytes
    hidden_base = 0
    for h in stack.hidden:
        whole.charge(h)
        if h.layer >= base_layers:
            yours.charge(h)
        elif h.by >= base_layers and h.how == METADATA:
            yours.charge(h)  # your layer stores a base file again
        elif h.by >= base_layers:
            hidden_base += h.bytes
        else:
            base.charge(h)
    predictions = _predictions(rows, usage, predicted, tolerance) if usage is not None else []
    shown = [h for h in stack.hidden if h.bytes and (include_base or h.by >= base_layers)]
    shown.sort(key=lambda h: (-h.bytes, h.rec.path, h.layer))
    largest = [HiddenFile("/" + h.rec.path, h.bytes, h.layer, h.by, h.how) for h in shown[:top]]
    return LayersAnalysis(
        rows,
        base_layers,
        base_known,
        include_base,
        yours,
        base,
        whole,
        hidden_base,
        stack.reachable_bytes,
        figures([layer.files for layer in image.layers]),
        predictions,
        tolerance,
        largest,
    )


def _cache_bytes(entries: list[FileRec]) -> int:
    return sum(r.size for r in entries if r.size and cache_of(r.path) is not None)


def _row(image: Image, stack: Stack, origins: list[Origin], i: int, top: int) -> LayerRow:
    layer = image.layers[i]
    ch = stack.changes[i]
    entry = image.history_of(layer)
    row = LayerRow(
        i,
        origins[i],
        entry.created_by if entry else "",
        layer.diff_id,
        layer.compression,
        layer.blob_bytes,
        layer.bytes,
    )
    changes: list[Change] = []
    for kind, recs, count in (
        ("added", ch.added, row.added),
        ("modified", ch.modified, row.modified),
        ("metadata", ch.metadata, row.metadata),
    ):
        for r in recs:
            count.add(r.size)
            changes.append(Change(kind, "/" + r.path, r.size))
    for h in ch.hides:
        if h.how == DELETED and h.rec.type != DIR:
            row.deleted.add(h.rec.size)
            changes.append(Change("deleted", "/" + h.rec.path, h.rec.size))
        row.wastes += h.bytes
    row.unreachable = ch.unreachable
    row.largest = sorted(changes, key=lambda c: (-c.bytes, c.path))[:top]
    return row


def _predictions(
    rows: list[LayerRow], usage: DockerfileUsage, predicted: Sequence[Finding], tolerance: float
) -> list[PredictionRow]:
    copies = {u.line: u for u in usage.image_copies()}
    hidden: dict[int, int] = {}
    for f in predicted:
        if f.rule.id in ("CA500", "CA501") and f.line is not None and f.bytes is not None:
            hidden[f.line] = hidden.get(f.line, 0) + f.bytes
    out = []
    for row in rows:
        o = row.origin
        if o.base or o.line is None:
            continue
        if o.kind in ("COPY", "ADD"):
            u = copies.get(o.line)
            if u is None:
                continue
            partial = any(s.kind in ("url", "git") for s in u.copy.sources) or (
                u.copy.from_stage is not None and any(s.runs for s in u.copy.from_stage.chain())
            )
            guess = usage.image_bytes(u)
            out.append(_compare(o, "written", guess, row.bytes, tolerance, partial))
        elif o.kind == "RUN" and (o.line in hidden or row.wastes):
            out.append(_compare(o, "hidden below", hidden.get(o.line), row.wastes, tolerance, False))
    return out


def _compare(o: Origin, what: str, guess: int | None, measured: int, tolerance: float, partial: bool) -> PredictionRow:
    if guess is None:
        status = ""
    elif partial:
        status = "partial"
    elif abs(measured - guess) <= tolerance * max(guess, measured):
        status = "agrees"
    else:
        status = "differs"
    assert o.line is not None
    return PredictionRow(o.line, o.text, what, guess, measured, status)
