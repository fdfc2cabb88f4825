"""``--format html``: one self-contained page, readable offline, fit for a CI artifact.

The page holds the whole report (headline numbers, findings with their
fixes, suggestions with their savings, the Dockerfile's instructions) and a
treemap of the context drawn in the browser by a small inline script
(``treemap.js``, squarified layout, SVG) from the aggregated tree the scan
gathered (:mod:`ctxaudit.analysis.tree`). Nothing is fetched: no URL, no
font, no library; a Content-Security-Policy with ``default-src 'none'``
and the hashes of the inline script and style says so to the browser too.

Every name from the context is escaped twice: :func:`ctxaudit.common.display.path`
turns undecodable bytes and control characters into ``\\xNN``, then HTML
escaping makes ``<``, ``&`` and quotes inert. In the JSON the script reads,
``<``, ``>`` and ``&`` are ``\\u`` escapes, so no name can close the script
element; the script puts names into the page only as text.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import html
import json
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..analysis import tree as ctree
from ..common import display
from ..engine.builder import Builder
from ..engine.pattern import PatternError
from ..pipeline import DockerfileReport, Report
from ..rules.findings import Finding
from . import Options
from .table import numbers

if TYPE_CHECKING:
    from ..analysis.layers import LayerRow
    from ..builds import ProjectReport
    from ..layerreport import LayersReport

# Colours by kind (ctxaudit.classify.kinds); readable with black text.
KIND_COLOURS: dict[str, str] = {
    "source": "#9cc3e6",
    "data": "#f2b84b",
    "archive": "#d08a4e",
    "venv": "#8cc68c",
    "cache": "#c3b1e0",
    "vcs": "#ec8fa3",
    "dependencies": "#6fb7ae",
    "build": "#b4b46a",
    "log": "#c8c8c8",
    "media": "#e3a1e3",
    "model": "#7f9fd6",
    "litter": "#a9a9a9",
    "secret": "#f06262",
}
OTHER_COLOUR = "#bcc6d0"


def esc(text: str) -> str:
    """A name or message as HTML text or attribute value: control characters
    and undecodable bytes as ``\\xNN``, then ``<``, ``>``, ``&`` and quotes escaped."""
    return html.escape(display.path(text), quote=True)


def _num(n: int) -> str:
    return f"{n:,}"


class _Page:
    def __init__(self, options: Options) -> None:
        self.options = options

    def size(self, n: int) -> str:
        return esc(display.size(n, self.options.raw_bytes))


# -- assets ------------------------------------------------------------------------


@cache
def _asset(name: str) -> str:
    return resources.files("ctxaudit.output").joinpath(name).read_text(encoding="utf-8")


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def script_json(data: object) -> str:
    """JSON that is safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` as ``\\u`` escapes
    (no ``</script>`` or ``<!--`` can appear), everything else ASCII."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def document(title: str, body: str, data: object | None) -> str:
    """The whole page: inline style, the body, the data and the treemap script when ``data``."""
    css = _asset("report.css")
    js = _asset("treemap.js") if data is not None else ""
    policy = f"default-src 'none'; style-src {_digest(css)}; base-uri 'none'; form-action 'none'"
    if js:
        policy += f"; script-src {_digest(js)}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{esc(title)}</title>",
        f"<style>{css}</style>",
        "</head>",
        "<body>",
        "<main>",
        body,
        f"<footer>ctxaudit {esc(__version__)} · a self-contained page: nothing is loaded from the network.</footer>",
        "</main>",
    ]
    if data is not None:
        parts.append(f'<script type="application/json" id="ctxaudit-data">{script_json(data)}</script>')
        parts.append(f"<script>{js}</script>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


# -- pieces ------------------------------------------------------------------------


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = (), cls: str = "") -> str:
    """A table from cells that are already HTML; ``numeric``: right-aligned columns."""
    head = "".join(f'<th{" class=num" if i in numeric else ""} scope="col">{h}</th>' for i, h in enumerate(headers))
    body = []
    for r in rows:
        cells = "".join(f"<td{' class=num' if i in numeric else ''}>{c}</td>" for i, c in enumerate(r))
        body.append(f"<tr>{cells}</tr>")
    klass = f' class="{cls}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _code(text: str) -> str:
    return f"<code>{esc(text)}</code>"


def findings_section(findings: Sequence[Finding], heading: str = "Findings") -> str:
    if not findings:
        return f'<section id="findings"><h2>{heading}</h2><p class="note">none</p></section>'
    rows = []
    for f in findings:
        sev = f.level.value
        msg = esc(f.message)
        if f.fix:
            msg += f'<span class="fix">fix: {esc(f.fix)}</span>'
        rows.append(
            [
                f'<span class="sev sev-{sev}">{sev}</span>',
                esc(f.rule.id),
                f'<code class="where">{esc(f.location)}</code>' if f.location else "",
                msg,
            ]
        )
    table = _table(["severity", "rule", "where", "message"], rows)
    return f'<section id="findings"><h2>{heading} ({len(findings)})</h2>{table}</section>'


def _views_fieldset(views: Sequence[dict[str, Any]], notes: Sequence[str]) -> str:
    items = []
    for i, v in enumerate(views):
        checked = " checked" if i == 0 else ""
        note = f' <span class="dim">{esc(notes[i])}</span>' if notes[i] else ""
        items.append(
            f'<label><input type="radio" name="treemap-view" value="{i}"{checked}> <span>{esc(v["label"])}</span>'
            f"{note}</label>"
        )
    return f'<fieldset class="views"><legend>Show</legend>{"".join(items)}</fieldset>'


def treemap_section(title: str, views: Sequence[dict[str, Any]], notes: Sequence[str], help_text: str) -> str:
    return (
        f'<section id="treemap-section"><h2>{esc(title)}</h2>'
        f"{_views_fieldset(views, notes)}"
        '<nav class="crumbs" id="treemap-crumbs" aria-label="Where you are in the treemap"></nav>'
        '<div id="treemap" tabindex="0" role="group" hidden '
        f'aria-label="Treemap. {esc(help_text)}" aria-describedby="treemap-status">'
        '<div id="treemap-tip" role="tooltip" hidden></div></div>'
        '<noscript><p class="note">The treemap needs JavaScript (inline, no network).</p></noscript>'
        '<p id="treemap-status" aria-live="polite"></p>'
        '<ul class="legend" id="treemap-legend" aria-label="Colours"></ul>'
        f'<p class="note">{esc(help_text)}</p>'
        "</section>"
    )


_TREEMAP_HELP = (
    "Areas are sizes in bytes, colours are kinds. Hover for the path and size; click a directory to open it, "
    "the path above to go back. Keyboard: focus the treemap, arrows choose, Enter opens, Backspace or Escape goes up."
)


# -- scan --------------------------------------------------------------------------


def _kinds_table(names: Iterable[str]) -> tuple[list[list[str]], dict[str, int]]:
    table: list[list[str]] = []
    index: dict[str, int] = {}
    for name in names:
        if name not in index:
            index[name] = len(table)
            table.append([name, KIND_COLOURS.get(name, OTHER_COLOUR)])
    return table, index


def tree_data(tree: ctree.ContextTree, index: dict[str, int] | None = None) -> tuple[list[Any], list[list[str]]]:
    """The tree as nested arrays ``[name, kind, sizes, files, children]`` in
    preorder (the ids :meth:`ContextTree.nodes` gave), and the kinds table
    (``index``: kind -> number, when the table is someone else's)."""
    kinds: list[list[str]] = []
    if index is None:
        kinds, index = _kinds_table([*KIND_COLOURS, *(n.kind or "source" for n in tree.nodes())])

    def encode(n: ctree.Node) -> list[Any]:
        name = None if n.is_aggregate else display.path(n.name or "")
        out: list[Any] = [name, index[n.kind or "source"], n.size, n.files]
        if n.is_dir:
            out.append([encode(c) for c in n.parts()])
        return out

    return encode(tree.root), kinds


def _sent_label(builder: Builder) -> str:
    if builder is Builder.LEGACY:
        return "in the legacy builder's tar"
    if builder is Builder.BUILDAH:
        return "in podman --remote's upload"
    return "transferred by BuildKit (cold cache)"


def _views(builder: Builder, fade_sent: str | None, full: bool, known: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """The treemap's views (which measures size it, what is faded) and a note
    per view; ``known``: something tells what is transferred (a Dockerfile)."""
    views: list[dict[str, Any]] = [
        {
            "label": "eligible context",
            "sum": [0],
            "files": [0],
            "fade": 1 if fade_sent else None,
            "fadeLabel": fade_sent,
        },
        {"label": _sent_label(builder), "sum": [1], "files": [1]},
        {"label": "kept out by the ignore file", "sum": [2], "files": [2]},
        {"label": "everything walked", "sum": [0, 2], "files": [0, 2], "fade": 0, "fadeLabel": "kept out"},
    ]
    notes = ["", "" if known else "(no Dockerfile)", "", ""]
    if not full:
        notes[2] = "(not walked: run with --full)"
        notes[3] = "(with --full)"
    return views, notes


def _fade_sent(report: Report) -> str | None:
    """What the eligible view fades: the eligible files this build does not send."""
    builder = report.ctx.builder
    if builder is Builder.LEGACY:
        return None  # its tar holds everything eligible
    if builder is Builder.BUILDAH:
        return "not in podman --remote's upload"
    primary = _primary(report)
    if primary is None or primary.usage.whole_context:
        return None
    return "not transferred by BuildKit (no COPY/ADD or bind mount refers to it)"


def _primary(report: Report) -> DockerfileReport | None:
    """The Dockerfile whose figures are the context's (the first one, on the primary context)."""
    return report.primary if report.primary is not None and report.primary.ctx is report.ctx else None


def _known(report: Report) -> bool:
    return report.ctx.builder is not Builder.BUILDKIT or _primary(report) is not None


def _suggestion_marks(report: Report, offset: int = 0) -> list[dict[str, Any]]:
    """Per suggestion, the nodes it removes (ids shifted by ``offset`` when the tree is part of a larger one)."""
    tree = report.tree
    assert tree is not None
    return [
        {
            "label": display.path(sg.pattern),
            "nodes": {i + offset: b for i, b in _marks(tree, [sg.pattern, *sg.exceptions]).items()},
        }
        for sg in report.suggestions
    ]


def scan_data(report: Report) -> tuple[dict[str, Any], list[str]]:
    """What the treemap script reads, and a note per view (why it is empty)."""
    tree = report.tree
    assert tree is not None and tree.finished
    encoded, kinds = tree_data(tree)
    views, notes = _views(report.ctx.builder, _fade_sent(report), report.full, _known(report))
    data = {
        "sep": "/",
        "measures": ["eligible", _sent_label(report.ctx.builder), "kept out"],
        "views": views,
        "kinds": kinds,
        "tree": encoded,
        "marks": _suggestion_marks(report),
    }
    return data, notes


def _figure(key: str, name: str, shown: str, n_bytes: int | None = None, files: int | None = None) -> str:
    """A headline row; ``data-bytes`` and ``data-files`` hold the exact figures."""
    cells = f"<td>{esc(name)}</td>"
    if files is not None:
        cells += f'<td class="num" data-files="{files}">{_num(files)} files</td>'
    exact = f' data-bytes="{n_bytes}"' if n_bytes is not None else ""
    return f'<tr data-figure="{key}">{cells}<td class="num"{exact}>{shown}</td></tr>'


def _marks(tree: ctree.ContextTree, lines: list[str]) -> dict[int, int]:
    """What a suggestion removes, node id -> bytes, without the nodes below one
    it removes whole (the script treats them as removed): the page stays small."""
    try:
        removed = tree.removal(lines)
    except PatternError:
        return {}
    out: dict[int, int] = {}
    todo = [tree.root]
    while todo:
        n = todo.pop()
        got = removed.get(n.id)
        if not got:
            continue
        out[n.id] = got
        if got < n.size[ctree.ELIGIBLE]:
            todo.extend(n.parts())
    return out


def _headline(report: Report, page: _Page) -> str:
    s = report.stats
    primary = _primary(report)
    if primary is not None:
        named = numbers(primary)
        # eligible, what is moved (one row, or two under buildah: read in place, uploaded), the image
        keys = [*["eligible", "transfer", "upload"][: len(named) - 1], "image"]
        rows = [(key, name, c) for key, (name, c) in zip(keys, named, strict=True)]
    else:
        rows = [("eligible", "eligible context (what the ignore file lets through)", s.sent)]
    if report.full:
        rows.append(("ignored", "kept out by the ignore file", s.ignored))
    body = [_figure(key, name, page.size(c.bytes), c.bytes, c.files) for key, name, c in rows]
    out = f'<table class="numbers" id="headline"><tbody>{"".join(body)}</tbody></table>'
    if not report.full:
        out += '<p class="note">(--full also sizes what the ignore file keeps out)</p>'
    if primary is not None and report.ctx.builder is not Builder.LEGACY:
        printed = esc(display.buildkit_size(primary.usage.wire_bytes))
        out += (
            f"<p class=\"note\">BuildKit prints 'transferring context: {printed}', file metadata included; "
            "with a warm cache it sends only what changed.</p>"
        )
    return f'<section id="numbers"><h2>The numbers</h2>{out}</section>'


def _suggestions(report: Report, page: _Page, with_marks: bool, first: int = 0) -> str:
    """The suggestions table; ``first``: the index of the first one among the page's highlights."""
    if not report.suggestions:
        return ""
    rows = []
    for i, sg in enumerate(report.suggestions, start=first):
        line = _code(sg.pattern) + "".join("<br>" + _code(x) for x in sg.exceptions)
        why = esc(sg.reason) + (f'<span class="fix">{esc(sg.note)}</span>' if sg.note else "")
        show = (
            f'<button type="button" data-mark="{i}" aria-pressed="false" '
            f'aria-label="Highlight in the treemap what {esc(sg.pattern)} removes">show</button>'
            if with_marks
            else ""
        )
        rows.append([line, _num(sg.files), page.size(sg.bytes), why, show])
    table = _table(["line", "files", "saves", "why", ""], rows, numeric=(1, 2))
    return (
        '<section id="suggestions"><h2>Suggested ignore lines</h2>'
        '<p class="note">Each saving counts after the lines above it; <code>ctxaudit suggest --write</code> adds them. '
        "<em>show</em> highlights in the treemap what a line removes.</p>"
        f"{table}</section>"
    )


def _dockerfile(d: DockerfileReport, page: _Page, primary: bool) -> str:
    u = d.usage
    stages = ", ".join(s.label for s in u.stages)
    out = [f"<h3>Dockerfile {_code(d.label)}</h3>"]
    out.append(f'<p class="meta">target {esc(d.model.target.label)}; stages built: {esc(stages)}</p>')
    if not primary:
        rows = [[esc(name), _num(c.files), page.size(c.bytes)] for name, c in numbers(d)]
        out.append(_table(["", "files", "size"], rows, numeric=(1, 2)))
    if u.copies:
        rows = []
        for c in u.copies:
            into = "image" if c.copy.stage.index in u.image_chain else f"stage {c.copy.stage.label}"
            rows.append(
                [
                    str(c.line),
                    _code(c.copy.ins.original.strip()),
                    esc(into),
                    _num(c.files + c.traced_files),
                    page.size(u.image_bytes(c)),
                ]
            )
        out.append(_table(["line", "instruction", "into", "files", "size"], rows, numeric=(0, 3, 4)))
    else:
        out.append('<p class="note">no COPY or ADD takes files from the context</p>')
    return "".join(out)


def _scan_sections(report: Report, page: _Page, first_mark: int, with_marks: bool) -> list[str]:
    """Headline, findings, suggestions and Dockerfile tables of one context."""
    ctx = report.ctx
    out = [_headline(report, page)]
    out.append(findings_section(report.findings))
    out.append(_suggestions(report, page, with_marks, first_mark))
    if report.dockerfiles:
        primary = report.primary
        parts = "".join(_dockerfile(d, page, d is primary and d.ctx is ctx) for d in report.dockerfiles)
        out.append(f'<section id="dockerfile"><h2>What each COPY/ADD takes</h2>{parts}</section>')
    return out


def _meta(report: Report) -> str:
    ctx = report.ctx
    ignore = ctx.ignore.display if ctx.ignore.path else "none"
    meta = f"builder {esc(ctx.builder.value)} · ignore file {_code(ignore)}"
    if ctx.dockerfile:
        meta += f" · Dockerfile {_code(ctx.dockerfile_label)}"
    return f'<p class="meta">{meta}</p>'


def render(report: Report, options: Options) -> str:
    """``scan -o html``: the page (see the module's docstring). Without a
    tree in the report (a scan without ``tree=True``) the page has no treemap."""
    page = _Page(options)
    ctx = report.ctx
    body = [f'<h1>ctxaudit <span class="ctx">{esc(ctx.name)}</span></h1>', _meta(report)]
    sections = _scan_sections(report, page, 0, report.tree is not None)
    body.append(sections[0])
    data: dict[str, Any] | None = None
    if report.tree is not None:
        data, notes = scan_data(report)
        body.append(treemap_section("Where the bytes are", data["views"], notes, _TREEMAP_HELP))
    body += sections[1:]
    return document(f"ctxaudit: {ctx.name}", "\n".join(b for b in body if b), data)


def project_data(p: ProjectReport) -> tuple[dict[str, Any], list[str]] | None:
    """One treemap for a Compose or Bake project: each audited build's context
    under its title (a context two builds send is drawn twice, as it is sent twice)."""
    audited = [br for br in p.audited if br.report is not None and br.report.tree is not None]
    if not audited:
        return None
    encoded: list[list[Any]] = []
    marks: list[dict[str, Any]] = []
    kinds_seen: list[str] = list(KIND_COLOURS)
    for br in audited:
        assert br.report is not None and br.report.tree is not None
        kinds_seen += [n.kind or "source" for n in br.report.tree.nodes()]
    kinds, index = _kinds_table(kinds_seen)
    offset = 1  # the project's own node is 0; each build's tree follows in preorder
    size, files = [0, 0, 0], [0, 0, 0]
    for br in audited:
        assert br.report is not None and br.report.tree is not None
        tree = br.report.tree
        sub, _ = tree_data(tree, index)
        sub[0] = display.path(br.build.title)
        encoded.append(sub)
        marks += _suggestion_marks(br.report, offset)
        offset += sum(1 for _ in tree.nodes())
        for m in range(3):
            size[m] += tree.root.size[m]
            files[m] += tree.root.files[m]
    name = "every build"
    fade = "not sent by its build" if p.builder is not Builder.LEGACY else None
    views, notes = _views(p.builder, fade, p.full, True)
    data = {
        "sep": "/",
        "measures": ["eligible", _sent_label(p.builder), "kept out"],
        "views": views,
        "kinds": kinds,
        "tree": [display.path(name), index["source"], size, files, encoded],
        "marks": marks,
    }
    return data, notes


def _nested(fragment: str) -> str:
    """A build's sections inside the project page: headings one level down, and
    without the ids the page holds once (no name can hold ``id="`` or ``<h``:
    their quotes and brackets are escaped)."""
    fragment = fragment.replace("<h3>", "<h4>").replace("</h3>", "</h4>")
    fragment = fragment.replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    return fragment.replace(' id="headline"', "").replace(' id="', ' data-section="')


def render_project(p: ProjectReport, options: Options) -> str:
    """``scan -o html`` on a Compose or Bake project: the summary, one treemap
    of every build's context, then each build's sections and every finding."""
    page = _Page(options)
    title = "project"
    if p.project is not None:
        kind = "Compose" if p.project.kind == "compose" else "Bake"
        title = f"{kind} project " + ", ".join(p.label(f) for f in p.project.files)
    body = [f'<h1>ctxaudit <span class="ctx">{esc(title)}</span></h1>']
    body.append(f'<p class="meta">builder {esc(p.builder.value)} · {len(p.builds)} build(s)</p>')
    rows = []
    for br in p.builds:
        if br.report is None:
            rows.append(
                [esc(br.build.title), esc(br.build.remote or "-"), "", f"not audited ({esc(br.skipped or '')})"]
            )
            continue
        ctx = br.report.ctx
        e, t, img = br.eligible, br.transfer, br.image
        rows.append(
            [
                esc(br.build.title),
                _code(p.label(ctx.root) + "/"),
                _code(p.label(ctx.ignore.path)) if ctx.ignore.path is not None else "none",
                f"{_num(e.files)} files, {page.size(e.bytes)}",
                page.size(t.bytes) if t is not None else "-",
                page.size(img.bytes) if img is not None else "-",
            ]
        )
    totals = [
        _figure(
            "eligible", "eligible, each context once", page.size(p.eligible.bytes), p.eligible.bytes, p.eligible.files
        ),
        _figure("transfer", "sent by the builds, cold cache, added up", page.size(p.transfer.bytes), p.transfer.bytes),
        _figure("image", "reaching the images through COPY/ADD", page.size(p.image.bytes), p.image.bytes),
    ]
    body.append(
        '<section id="numbers"><h2>The numbers</h2>'
        f'<table class="numbers" id="headline"><tbody>{"".join(totals)}</tbody></table>'
        + _table(["build", "context", "ignore file", "eligible", "transfer", "image"], rows, numeric=(3, 4, 5))
        + "</section>"
    )
    found = project_data(p)
    data: dict[str, Any] | None = None
    if found is not None:
        data, notes = found
        help_text = _TREEMAP_HELP + " Each build's context is drawn under its name, a context two builds send twice."
        if any(br.named for br in p.builds):
            help_text += " Named contexts are counted in the numbers, not drawn."
        body.append(treemap_section("Where the bytes are", data["views"], notes, help_text))
    first = 0
    for br in p.builds:
        if br.report is None:
            continue
        sections = _scan_sections(br.report, page, first, data is not None)
        first += len(br.report.suggestions)
        # Each build's own headline, suggestions and Dockerfile; the findings come once, below.
        parts = [sections[0], *sections[2:]]
        body.append(
            f'<section class="build"><h2>{esc(br.build.title)}</h2>{_meta(br.report)}'
            + _nested("".join(x for x in parts if x))
            + "</section>"
        )
    labelled = [dataclasses.replace(f, path=p.label(f.path)) if f.path else f for f in p.findings]
    body.append(findings_section(labelled, "All findings"))
    return document(f"ctxaudit: {title}", "\n".join(b for b in body if b), data)


# -- layers ------------------------------------------------------------------------

_LAYER_KINDS = [
    ["your layer", "#9cc3e6"],
    ["base image", "#c4cad2"],
    ["added", "#9cc3e6"],
    ["changed", "#f2b84b"],
    ["same bytes, new mode/owner/time", "#e3a1e3"],
    ["other files", "#d5dde6"],
]
_CHANGE_KIND = {"added": 2, "modified": 3, "metadata": 4}


def layers_data(report: LayersReport) -> dict[str, Any]:
    """The image as a treemap: layers, each with its largest changes and the
    rest; two measures, bytes stored and bytes a later layer hides."""
    a = report.analysis
    hidden: dict[tuple[int, str], int] = {}
    for h in a.largest_hidden:
        hidden[(h.layer, h.path)] = hidden.get((h.layer, h.path), 0) + h.bytes
    layers = []
    for r in a.rows:
        kids = []
        stored = hid = files = 0
        for c in r.largest:
            if c.change not in _CHANGE_KIND:
                continue  # a deletion stores nothing in this layer
            gone = min(hidden.get((r.index, c.path), 0), c.bytes)
            kids.append([display.path(c.path), _CHANGE_KIND[c.change], [c.bytes, gone], [1, 1 if gone else 0]])
            stored += c.bytes
            hid += gone
            files += 1
        total_files = r.added.files + r.modified.files + r.metadata.files
        rest = [max(r.bytes - stored, 0), max(r.unreachable - hid, 0)]
        if rest[0] or rest[1]:
            count = max(total_files - files, 0)
            kids.append([f"{count:,} other file(s)", 5, rest, [count, 0]])
        name = f"#{r.index} {_layer_name(r)}"
        layers.append([display.path(name), 1 if r.base else 0, [r.bytes, r.unreachable], [total_files, 0], kids])
    tree = [display.path(report.image.source), 0, [a.whole.bytes, a.whole.wasted], [0, 0], layers]
    return {
        "sep": " › ",
        "measures": ["stored", "hidden by a later layer"],
        "views": [
            {"label": "bytes stored", "sum": [0], "files": [0]},
            {"label": "bytes a later layer hides (waste)", "sum": [1], "files": [1]},
        ],
        "kinds": _LAYER_KINDS,
        "tree": tree,
        "marks": [],
    }


def _layer_name(r: LayerRow) -> str:
    o = r.origin
    text = o.text if len(o.text) <= 60 else o.text[:57] + "..."
    return f"{o.name}: {text}" if not o.base else f"base: {text}"


def layers_render(report: LayersReport, options: Options) -> str:
    """``ctxaudit layers -o html``: the layers, waste, predictions and findings, with a treemap of the image."""
    page = _Page(options)
    a = report.analysis
    img = report.image
    meta = [esc(img.format), *([_code(img.name)] if img.name else [])]
    meta.append(f"{len(img.layers)} layers, {esc(display.amount(img.bytes, page.options.raw_bytes))}")
    if report.dockerfile:
        meta.append(f"Dockerfile {_code(report.dockerfile)}")
    body = [f'<h1>ctxaudit layers <span class="ctx">{esc(img.source)}</span></h1>']
    body.append(f'<p class="meta">{" · ".join(meta)}</p>')
    t = a.counted
    scope = "the whole image" if a.include_base else "your layers"
    rows = [
        _figure("stored", f"stored by {scope}", page.size(t.bytes), t.bytes),
        _figure("wasted", "wasted (stored, not reachable in the final image)", page.size(t.wasted), t.wasted),
        _figure("efficiency", "efficiency", f"{100 * t.efficiency:.1f}%"),
    ]
    table = f'<table class="numbers" id="headline"><tbody>{"".join(rows)}</tbody></table>'
    body.append(f'<section id="numbers"><h2>The numbers</h2>{table}</section>')
    data = layers_data(report)
    help_text = (
        "Areas are bytes: each layer with its largest changes. Hover for the path and size; click a layer to open it, "
        "the path above to go back. Keyboard: focus the treemap, arrows choose, Enter opens, Backspace goes up."
    )
    body.append(treemap_section("Where the bytes are", data["views"], ["", ""], help_text))
    lrows = []
    for r in a.rows:
        o = r.origin
        changed = _num(r.modified.files) if r.modified.files else ""
        if r.metadata.files:
            changed = (changed + " + " if changed else "") + f"{r.metadata.files:,} (same bytes)"
        lrows.append(
            [
                str(r.index),
                "base" if r.base else ("" if o.line is None else str(o.line)),
                _code(o.text),
                page.size(r.bytes),
                _num(r.added.files) if r.added.files else "",
                esc(changed),
                _num(r.deleted.files) if r.deleted.files else "",
                page.size(r.wastes) if r.wastes else "",
                page.size(r.unreachable) if r.unreachable else "",
            ]
        )
    headers = ["#", "line", "instruction", "size", "added", "changed", "deleted", "waste", "hidden later"]
    table = _table(headers, lrows, numeric=(0, 1, 3, 4, 5, 6, 7, 8))
    body.append(f'<section id="layers"><h2>Layers</h2>{table}</section>')
    cols = [("your layers", a.yours), ("base image", a.base), ("whole image", a.whole)]
    wrows = [
        ["stored", *(page.size(x.bytes) for _, x in cols)],
        ["wasted", *(page.size(x.wasted) for _, x in cols)],
        ["· deleted", *(page.size(x.deleted) for _, x in cols)],
        ["· overwritten", *(page.size(x.overwritten) for _, x in cols)],
        ["· stored again, new mode/owner/time", *(page.size(x.metadata) for _, x in cols)],
        ["package-manager caches", *(page.size(x.caches) for _, x in cols)],
        ["efficiency", *(f"{100 * x.efficiency:.1f}%" for _, x in cols)],
    ]
    d = a.dive
    body.append(
        '<section id="waste"><h2>Waste</h2>'
        + _table(["", *(n for n, _ in cols)], wrows, numeric=(1, 2, 3))
        + f'<p class="note">dive 0.13.1\'s figures for the whole image: efficiency {100 * d.efficiency:.1f}%, '
        f"{page.size(d.inefficient_bytes)} wasted (dive counts every copy of a file stored twice).</p></section>"
    )
    if a.largest_hidden:
        name = {r.index: r.origin.name for r in a.rows}
        hrows = [
            [_code(h.path), page.size(h.bytes), esc(name[h.layer]), esc(name[h.by]), esc(h.how)]
            for h in a.largest_hidden
        ]
        body.append(
            '<section id="hidden"><h2>Largest hidden files</h2>'
            + _table(["path", "size", "stored by", "hidden by", "how"], hrows, numeric=(1,))
            + "</section>"
        )
    if a.predictions:
        prows = [
            [
                str(p.line),
                _code(p.instruction),
                esc(p.what),
                "-" if p.predicted is None else page.size(p.predicted),
                page.size(p.measured),
                esc(p.status),
            ]
            for p in a.predictions
        ]
        body.append(
            f'<section id="predictions"><h2>Prediction vs reality</h2><p class="note">tolerance {a.tolerance:.0%}</p>'
            + _table(["line", "instruction", "bytes", "predicted", "measured", ""], prows, numeric=(0, 3, 4))
            + "</section>"
        )
    body.append(findings_section(report.findings))
    if report.notes:
        notes = "".join(f'<p class="note">{esc(n)}</p>' for n in report.notes)
        body.append(f'<section id="notes"><h2>Notes</h2>{notes}</section>')
    return document(f"ctxaudit layers: {img.source}", "\n".join(body), data)
