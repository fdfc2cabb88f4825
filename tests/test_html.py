"""``-o html``: one self-contained page that holds the report's numbers and escapes every name.

The page is checked as text and as parsed HTML here; tests/test_html_browser.py
opens it in a real browser.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from helpers import make_tree

from ctxaudit.cli import main
from ctxaudit.engine.builder import Builder
from ctxaudit.engine.context import open_context
from ctxaudit.output import Options
from ctxaudit.output import html as html_out
from ctxaudit.pipeline import Report, scan

REPO = Path(__file__).resolve().parent.parent
PANDAS = REPO / "sample_contexts" / "pandas-analysis"
SEED = REPO / "tests" / "layers"

HOSTILE = {
    "<img src=x onerror=alert(1)>.txt": "a",
    "a&b\"c'd.csv": "1,2\n",
    "esc\x1b[31mred.py": "x",
    "new\nline.py": "y",
    "sep\u2028arator.md": "z",
    "x --><!-- y.js": "w",
    "<b>dir&amp;/inner.txt": "q",
    ".dockerignore": "</script><script>alert(1)</script>\n",
    "Dockerfile": 'FROM scratch\nCOPY ["<img src=x onerror=alert(1)>.txt", "</script>", "/app/"]\n',
}


class Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def parse(page: str) -> Parsed:
    p = Parsed()
    p.feed(page)
    p.close()
    return p


def data_of(page: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="ctxaudit-data">(.*?)</script>', page, re.S)
    assert m is not None
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def pandas_report(**kw: Any) -> Report:
    ctx = open_context(PANDAS, None, Builder.BUILDKIT)
    return scan([ctx], full=True, tree=True, **kw)


def hostile_page(tmp_path: Path) -> str:
    root = make_tree(tmp_path / "ctx", HOSTILE)
    # A name that is not UTF-8: Python holds it as surrogate escapes.
    with open(os.path.join(os.fsencode(root), b"bad\xff\xfename.bin"), "wb") as f:
        f.write(b"x" * 10)
    report = scan([open_context(root, None, Builder.BUILDKIT)], full=True, tree=True)
    return html_out.render(report, Options())


def self_contained(page: str) -> None:
    parsed = parse(page)
    links = [(k, v) for k, v in parsed.attrs if k in ("src", "href", "action", "srcset", "poster", "data")]
    assert links == [], links
    assert not {"link", "img", "iframe", "object", "embed", "base", "form"} & set(parsed.tags)
    assert not re.search(r"url\(|@import|@font-face", page)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    # The only URL in the page is the SVG namespace, a name the script passes to createElementNS.
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}


def test_the_pandas_page_is_self_contained_and_locked_down() -> None:
    page = html_out.render(pandas_report(), Options())
    assert page.startswith("<!DOCTYPE html>")
    self_contained(page)
    parsed = parse(page)
    scripts = [s for s in parsed.scripts if not s.startswith("{")]
    assert len(scripts) == 1  # the treemap; the other script element is JSON data
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    directives = dict(d.strip().split(" ", 1) for d in policy.group(1).split(";"))
    assert directives["default-src"] == "'none'"

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    # The browser runs exactly this script and style, nothing else.
    assert directives["script-src"] == digest(scripts[0])
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style is not None and directives["style-src"] == digest(style.group(1))
    assert len(page.encode()) < 100_000


def test_the_page_holds_the_reports_numbers() -> None:
    report = pandas_report()
    page = html_out.render(report, Options())
    figures = dict(re.findall(r'<tr data-figure="(\w+)">.*?data-bytes="(\d+)"', page))
    assert figures == {"eligible": "20899", "transfer": "3937", "image": "3937", "ignored": "13873"}
    files = dict(re.findall(r'<tr data-figure="(\w+)">.*?data-files="(\d+)"', page))
    assert files == {"eligible": "18", "transfer": "7", "image": "7", "ignored": "5"}
    text = " ".join(parse(page).text)
    assert "20.4 KiB" in text and "13.5 KiB" in text
    # findings with their fixes
    assert f"Findings ({len(report.findings)})" in text
    for f in report.findings:
        assert html_out.esc(f.message) in page
        if f.fix:
            assert f"fix: {html_out.esc(f.fix)}" in page
    # suggestions with their savings, each able to highlight what it removes
    data = data_of(page)
    assert [m["label"] for m in data["marks"]] == ["**/*.tar", "**/*.csv", "**/__pycache__", "**/.venv"]
    for i, sg in enumerate(report.suggestions):
        assert f'data-mark="{i}"' in page
        # the four lines touch disjoint files here, so each highlight is its whole saving
        assert data["marks"][i]["nodes"]["0"] == sg.bytes
    assert "<code>**/*.tar</code></td><td class=num>1</td><td class=num>10.0 KiB</td>" in page
    # Below a node it removes whole, a suggestion lists nothing more (the script knows).
    assert report.tree is not None
    ids = {p: n.id for n, p in report.tree.paths() if not n.is_aggregate}
    assert data["marks"][1]["nodes"] == {"0": 5595, str(ids["data"]): 5595}
    # the per-instruction Dockerfile table
    for line, instruction, size in [
        ("6", "COPY scripts/ ./scripts/", "3.8 KiB"),
        ("11", "COPY requirements.txt .", "32 B"),
        ("13", "COPY --from=prep /src/scripts ./scripts", "3.8 KiB"),
    ]:
        assert f"<td class=num>{line}</td><td><code>{instruction}</code></td>" in page
        assert size in page
    # the tree the treemap draws: totals per view, names, kinds
    root = data["tree"]
    assert root[2] == [20899, 3937, 13873] and root[3] == [18, 7, 5]
    names = {c[0] for c in root[4]}
    assert {"old", "data", "scripts", ".venv", "sales_2024.csv"} <= names
    assert [v["label"] for v in data["views"]] == [
        "eligible context",
        "transferred by BuildKit (cold cache)",
        "kept out by the ignore file",
        "everything walked",
    ]
    assert data["kinds"][root[1]][0] in ("archive", "data", "source")


def test_bytes_option_prints_exact_counts() -> None:
    page = html_out.render(pandas_report(), Options(raw_bytes=True))
    assert 'data-bytes="20899">20,899</td>' in page  # exact, in the one number style


def test_hostile_names_are_escaped_everywhere(tmp_path: Path) -> None:
    page = hostile_page(tmp_path)
    page.encode("utf-8")  # no lone surrogate: undecodable bytes were escaped
    self_contained(page)
    parsed = parse(page)
    assert parsed.tags.count("script") == 2 and "img" not in parsed.tags and "b" not in parsed.tags
    assert "<img" not in page and "</script><script>" not in page and "<b>dir" not in page
    assert "\x1b" not in page and "\u2028" not in page and "new\nline" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # in the COPY table and the findings
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the ignore line, in CA205
    # In the data, names are display-escaped text; <, > and & are \u escapes.
    raw = re.search(r'id="ctxaudit-data">(.*?)</script>', page, re.S)
    assert raw is not None and not re.search(r"[<>&]", raw.group(1))
    names: set[str] = set()

    def walk(node: list[Any]) -> None:
        if node[0] is not None:
            names.add(node[0])
        for c in node[4] if len(node) > 4 else []:
            walk(c)

    walk(data_of(page)["tree"])
    assert {
        "<img src=x onerror=alert(1)>.txt",
        "a&b\"c'd.csv",
        "esc\\x1b[31mred.py",
        "new\\x0aline.py",
        "bad\\xff\\xfename.bin",
        "x --><!-- y.js",
        "<b>dir&amp;",
    } <= names
    assert not any(re.search(r"[\x00-\x1f\x7f\ud800-\udfff]", n) for n in names)


def test_without_a_tree_the_page_has_no_script() -> None:
    report = scan([open_context(PANDAS, None, Builder.BUILDKIT)])
    page = html_out.render(report, Options())
    self_contained(page)
    assert "<script" not in page and "script-src" not in page
    assert 'data-figure="eligible"' in page


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    code, stdout, err = run(capsys, "scan", str(PANDAS), "-o", "html", "-O", str(out), "--no-progress")
    assert code == 0 and stdout == "" and err == ""
    page = out.read_text(encoding="utf-8")
    assert data_of(page)["tree"][2] == [20899, 3937, 0]  # without --full nothing kept out is walked
    assert "(not walked: run with --full)" in page
    # only scan and layers write HTML
    code, _, err = run(capsys, "lint", str(PANDAS), "-o", "html")
    assert code == 2 and "html" in err


def test_layers_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "layers.html"
    code, _, err = run(
        capsys,
        "layers",
        str(SEED / "fixtures" / "seed-single.tar"),
        "-f",
        str(SEED / "cases" / "seed-single.Dockerfile"),
        str(PANDAS),
        "-o",
        "html",
        "-O",
        str(out),
    )
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    self_contained(page)
    figures = dict(re.findall(r'<tr data-figure="(\w+)">.*?data-bytes="(\d+)"', page))
    assert figures == {"stored": "23483", "wasted": "3905"}
    assert "83.4%" in page and "RUN chmod -R 755 ./scripts" in page and "CA500" in page
    tree = data_of(page)["tree"]
    assert [layer[0].split(" ")[0] for layer in tree[4]] == [f"#{i}" for i in range(7)]
    assert tree[2] == [sum(layer[2][0] for layer in tree[4]), 3905]
    chmod = tree[4][5]
    assert chmod[2] == [3905, 0] and chmod[4][0][0].startswith("/app/scripts/")
    copy = tree[4][4]
    assert copy[2] == [3905, 3905]  # what line 8 stores again hides line 7's copy


def test_a_compose_project_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ctxaudit.builds import scan_builds
    from ctxaudit.project import select

    out = tmp_path / "project.html"
    compose = REPO / "sample_contexts" / "compose-webapp"
    code, _, err = run(capsys, "scan", str(compose), "-o", "html", "-O", str(out), "--fail-on", "never")
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    self_contained(page)
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # each build's sections without the page's ids
    project = select.find(compose)
    assert project is not None
    p = scan_builds(project, project.builds, Builder.BUILDKIT, tree=True)
    headline = re.search(r'id="headline">(.*?)</table>', page, re.S)
    assert headline is not None
    figures = dict(re.findall(r'<tr data-figure="(\w+)">.*?data-bytes="(\d+)"', headline.group(1)))
    assert figures == {
        "eligible": str(p.eligible.bytes),
        "transfer": str(p.transfer.bytes),
        "image": str(p.image.bytes),
    }
    data = data_of(page)
    tree = data["tree"]
    assert [b[0] for b in tree[4]] == [br.build.title for br in p.audited]
    sizes = [br.report.tree.root.size for br in p.audited if br.report is not None and br.report.tree is not None]
    assert tree[2] == [sum(col) for col in zip(*sizes, strict=True)]
    # Each build's highlights point into its own subtree.
    spans: list[tuple[int, int]] = []
    start = 1
    for br in p.audited:
        assert br.report is not None and br.report.tree is not None
        n = sum(1 for _ in br.report.tree.nodes())
        spans += [(start, start + n)] * len(br.report.suggestions)
        start += n
    assert len(data["marks"]) == len(spans) > 0
    for mark, (lo, hi) in zip(data["marks"], spans, strict=True):
        assert mark["nodes"] and all(lo <= int(i) < hi for i in mark["nodes"])
    assert page.count('data-mark="') == len(spans)
    assert "All findings (" in page and "<h3>The numbers</h3>" in page
