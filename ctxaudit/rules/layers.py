"""CA5xx measured: the size traps found in a built image's layers.

The same traps as :mod:`ctxaudit.rules.image` predicts from the Dockerfile,
with the same ids, now with the bytes the layers really hold:

* CA500: a RUN stores files again with the same content (chmod, chown,
  touch): the lower copy is unreachable;
* CA501 / CA508: a RUN deletes files a COPY/ADD (CA501) or an earlier RUN
  (CA508) wrote: they stay in that layer;
* CA502, CA503, CA505, CA506, CA507: a layer keeps a package manager's
  cache (recognised by path, :mod:`ctxaudit.classify.caches`);
* CA510: any other file a later layer overwrites or deletes, and files of
  the base image a line deletes or replaces (they cannot be freed there).

Only layers built by the Dockerfile are checked; the base image's layers
are left to whoever builds the base image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..archive.image import Image
from ..archive.layer import FileRec
from ..archive.union import DELETED, METADATA, Hidden, Stack
from ..classify.caches import cache_of
from ..common.display import count
from ..common.display import path as shown
from ..common.display import size as human
from ..dockerfile.history import HistoryMap, read_step, short
from . import image as image_rules
from .findings import Finding, Rule


@dataclass(frozen=True)
class Origin:
    """Who made a layer: the Dockerfile line when the history maps to it, else
    the history entry."""

    index: int  # the layer
    base: bool  # from the base image
    kind: str  # RUN, COPY, ADD, WORKDIR... ("" when unknown)
    line: int | None
    text: str  # the instruction, or the history's created_by

    @property
    def name(self) -> str:
        if self.base:
            return "the base image"
        if self.line is not None:
            return f"line {self.line}"
        return f"layer {self.index}"

    @property
    def made_by(self) -> str:
        """ "RUN at line 6", "COPY at line 5", "layer 3"."""
        if self.line is not None and self.kind:
            return f"{self.kind} at line {self.line}"
        return self.name


def origins(image: Image, history: HistoryMap | None, base_layers: int) -> list[Origin]:
    """One Origin per layer. ``base_layers``: how many bottom layers come from the base image."""
    out = []
    for layer in image.layers:
        entry = image.history_of(layer)
        created_by = entry.created_by if entry else ""
        match = history.matches[layer.history] if history is not None and layer.history is not None else None
        if match is not None and match.planned is not None:
            p = match.planned
            out.append(Origin(layer.index, layer.index < base_layers, p.kind, p.line, p.instruction))
        else:
            kind = read_step(created_by).kind
            out.append(Origin(layer.index, layer.index < base_layers, kind, None, short(created_by)))
    return out


_CACHE_RULES: dict[str, tuple[Rule, str]] = {
    "pip": (image_rules.PIP_CACHE, "pip install --no-cache-dir (or RUN --mount=type=cache,target=/root/.cache/pip)"),
    "apt": (image_rules.APT_LISTS, "end the same RUN with && rm -rf /var/lib/apt/lists/*"),
    "apt-cache": (image_rules.APT_LISTS, "end the same RUN with && apt-get clean"),
    "apk": (image_rules.APK_CACHE, "apk add --no-cache ..."),
    "npm": (image_rules.NPM_CACHE, "end the same RUN with && npm cache clean --force"),
    "yarn": (image_rules.NPM_CACHE, "end the same RUN with && yarn cache clean"),
    "pnpm": (image_rules.NPM_CACHE, "end the same RUN with && pnpm store prune (or use a cache mount)"),
    "conda": (image_rules.CONDA_CACHE, "end the same RUN with && conda clean -afy"),
}


def _examples(recs: Sequence[FileRec], n: int = 3) -> str:
    top = sorted(recs, key=lambda r: (-r.size, r.path))[:n]
    more = ", ..." if len(recs) > n else ""
    return " (" + ", ".join(shown("/" + r.path) for r in top) + more + ")"


def _where(label: str | None, o: Origin) -> tuple[str | None, int | None]:
    return (label, o.line) if label is not None and o.line is not None else (None, None)


def check(image: Image, stack: Stack, layer_origins: list[Origin], label: str | None) -> list[Finding]:
    """Findings for the layers the Dockerfile built. ``label``: the Dockerfile
    the findings point at (None without one: they name the layer)."""
    out: list[Finding] = []
    for ch in stack.changes:
        o = layer_origins[ch.index]
        if o.base:
            continue
        out += _hidden(ch.hides, o, layer_origins, label)
        out += _caches(image, ch.index, o, label)
    return out


def _hidden(hides: list[Hidden], o: Origin, layer_origins: list[Origin], label: str | None) -> list[Finding]:
    groups: dict[tuple[str, bool, str], list[Hidden]] = {}
    for h in hides:
        first = layer_origins[h.layer]
        if h.how == METADATA:
            rule_id = "CA500" if o.kind == "RUN" else "CA510"
        elif first.base:
            rule_id = "CA510"
        elif h.how == DELETED and o.kind == "RUN" and first.kind in ("COPY", "ADD"):
            rule_id = "CA501"
        elif h.how == DELETED and o.kind == "RUN" and first.kind == "RUN":
            rule_id = "CA508"
        else:
            rule_id = "CA510"
        groups.setdefault((rule_id, first.base, h.how), []).append(h)
    out = []
    path, line = _where(label, o)
    for (rule_id, from_base, how), hs in sorted(groups.items()):
        total = sum(h.bytes for h in hs)
        if not total:
            continue  # empty files, or content a hard link keeps
        recs = [h.rec for h in hs]
        writers = sorted({layer_origins[h.layer].name for h in hs}, key=_order)
        by = ", ".join(writers)
        files = f"{count(len(hs), 'file')}, {human(total)}"
        example = _examples(recs)
        if how == METADATA:
            msg = (
                f"{o.made_by} stores {files} again with only their mode, owner or time changed: "
                f"the image holds them twice (first written by {by}){example}"
            )
            if rule_id == "CA500":
                fix = (
                    "use COPY --chmod/--chown on the COPY that writes them, or change them in a preparation stage "
                    "and COPY --from the result"
                )
            else:
                fix = "write each file once, with its final mode and owner"
            rule = image_rules.DUPLICATE if rule_id == "CA500" else image_rules.HIDDEN_BY_LATER_LAYER
        elif from_base:
            verb = "deletes" if how == DELETED else "replaces"
            msg = f"{o.made_by} {verb} {files} of the base image: the bytes stay in its layers{example}"
            fix = "choose a base image without them; a later layer cannot free them"
            rule = image_rules.HIDDEN_BY_LATER_LAYER
        elif how == DELETED:
            msg = f"{o.made_by} deletes {files} that {by} wrote: the bytes stay in that layer{example}"
            rule = {"CA501": image_rules.RM_AFTER_COPY, "CA508": image_rules.SPLIT_RUNS}.get(
                rule_id, image_rules.HIDDEN_BY_LATER_LAYER
            )
            fix = (
                "do not copy them (an ignore line or a narrower COPY)"
                if rule_id == "CA501"
                else "create, use and remove them in one RUN"
                if rule_id == "CA508"
                else "remove them in the instruction that writes them"
            )
        else:
            msg = f"{o.made_by} overwrites {files} that {by} wrote: the old content stays in that layer{example}"
            fix = "write each file once, in its final version"
            rule = image_rules.HIDDEN_BY_LATER_LAYER
        out.append(Finding(rule, msg, path=path, line=line, bytes=total, fix=fix))
    return out


def _order(name: str) -> tuple[int, int, str]:
    head, _, num = name.rpartition(" ")
    return (0 if head == "line" else 1, int(num) if num.isdigit() else 0, name)


def _caches(image: Image, index: int, o: Origin, label: str | None) -> list[Finding]:
    found: dict[str, tuple[str, list[FileRec], set[str]]] = {}  # what -> (tool, files, cache roots)
    for rec in image.layers[index].files.entries:
        if not rec.size:
            continue
        c = cache_of(rec.path)
        if c is None:
            continue
        _, recs, roots = found.setdefault(c.what, (c.tool, [], set()))
        recs.append(rec)
        roots.add("/" + c.root)
    out = []
    path, line = _where(label, o)
    for what, (tool, recs, roots) in sorted(found.items()):
        rule, fix = _CACHE_RULES["apt-cache" if "/var/cache/apt" in roots else tool]
        total = sum(r.size for r in recs)
        where = ", ".join(sorted(roots))
        out.append(
            Finding(
                rule,
                f"{o.made_by} leaves {human(total)} of {what} in its layer: {where}, {count(len(recs), 'file')}",
                path=path,
                line=line,
                bytes=total,
                fix=fix,
            )
        )
    return out


def prediction_differs(
    label: str | None, line: int, instruction: str, what: str, predicted: int, measured: int, tolerance: float
) -> Finding:
    """CA511: the built layer and ctxaudit's pre-build figure disagree beyond ``tolerance`` (a fraction)."""
    return Finding(
        image_rules.PREDICTION_DIFFERS,
        f"line {line} `{instruction}`: ctxaudit predicted {human(predicted)} {what}, the layer holds "
        f"{human(measured)} ({measured - predicted:+,} bytes, beyond the {tolerance:.0%} tolerance)",
        path=label,
        line=line,
        bytes=abs(measured - predicted),
        fix="check that the image was built from this context, Dockerfile and build arguments",
    )
