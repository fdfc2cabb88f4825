"""The adversarial matrix: bad input, faults and hostile names, each row a test.

Never a traceback, a hang or a lost byte (issue 14). Each test names its row;
the README's "Reliability" section points here. Faults are real where the
kernel can give them to an unprivileged process: a closed pipe, /dev/full,
RLIMIT_FSIZE for a full disk (EFBIG), a directory without write permission
(as root, the child runs without CAP_DAC_OVERRIDE through setpriv).

Ignore patterns whose regexp used to backtrack (``**/**/**/**/**/c`` against
a 30-deep path, ``*a*a*a...ab`` against a 255-byte name: minutes before the
RE2 matcher) are a row too, at the CLI: the commands finish (a generous
timeout guards against a hang; speed is benchmarks/bench_patterns.py's).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import make_tree

from ctxaudit.cli import main

CTXAUDIT = [sys.executable, "-m", "ctxaudit"]
# Children run from an empty directory: `python -m` puts the working directory
# first on sys.path, and the installed package is the one under test.
NEUTRAL = Path(tempfile.mkdtemp(prefix="ctxaudit-cwd-"))


@dataclass
class Run:
    code: int
    out: bytes
    err: str

    @property
    def text(self) -> str:
        return self.out.decode("utf-8")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR", "PYTHONIOENCODING")}
    env.update(extra)
    return env


def cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdout: int | None = subprocess.PIPE,
    prefix: Sequence[str] = (),
    preexec: Callable[[], None] | None = None,
) -> Run:
    """ctxaudit in a child process, as CI runs it."""
    proc = subprocess.run(
        [*prefix, *CTXAUDIT, *args],
        cwd=cwd or NEUTRAL,
        env=env if env is not None else _env(),
        stdout=stdout,
        stderr=subprocess.PIPE,
        preexec_fn=preexec,
        timeout=120,
    )
    return Run(proc.returncode, proc.stdout or b"", proc.stderr.decode("utf-8", "replace"))


def one_error(run: Run, *needles: str) -> str:
    """Exit 2 and exactly one line on stderr, ``ctxaudit: error: ...``, naming what went wrong."""
    assert "Traceback" not in run.err, run.err
    lines = run.err.splitlines()
    assert run.code == 2, (run.code, run.err)
    assert len(lines) == 1 and lines[0].startswith("ctxaudit: error: "), run.err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def unprivileged() -> list[str]:
    """A command prefix under which permission bits apply (root: setpriv drops the
    capabilities that bypass them); nothing when not root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv is not None, "setpriv (util-linux) is needed to test permission faults as root"
    caps = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, "--bounding-set", caps, "--inh-caps", caps, "--"]


def file_size_limit(limit: int) -> Callable[[], None]:
    """A full disk for the child: no file it writes may grow beyond ``limit`` bytes (EFBIG)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def junk_context(root: Path, ignore: bytes | None = b"*.log\n") -> Path:
    """A context for which suggest proposes lines (node_modules, __pycache__)."""
    files: dict[str, str | bytes | int] = {
        "app.py": "print(1)\n",
        "node_modules/x/index.js": 2000,
        "__pycache__/a.pyc": 500,
        "Dockerfile": "FROM scratch\nCOPY app.py /\n",
    }
    if ignore is not None:
        files[".dockerignore"] = ignore
    return make_tree(root, files)


def leftovers(directory: Path) -> list[str]:
    """Temporary files a failed write left behind."""
    return [p.name for p in directory.iterdir() if "tmp" in p.name and p.name.startswith(".")]


# -- crashes and wrong exit codes ------------------------------------------------------


@pytest.fixture
def undecodable(tmp_path: Path) -> Path:
    """``mkdir $'\\xe9'; touch $'\\xe9'/.env`` with a Dockerfile that copies everything."""
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "\udce9").mkdir()  # the byte 0xe9, as Python holds it
    (ctx / "\udce9" / ".env").write_text("DB_PASSWORD=s3cr3t-Value-42\n")
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY . /\n")
    return ctx


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "sarif", "html"])
def test_undecodable_name_every_format_is_valid_utf8(undecodable: Path, fmt: str) -> None:
    """Row: a non-UTF-8 directory name crashes -o sarif; json, markdown and table are invalid UTF-8."""
    run = cli(str(undecodable), "-o", fmt, "--no-progress", "--fail-on", "never")
    assert run.code == 0 and run.err == "", run.err
    text = run.text  # raises if not UTF-8
    assert "\\xe9/.env" in text
    if fmt == "sarif":
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(text)["runs"][0]["results"]
            if "locations" in r
        }
        assert any(u.endswith("%E9/.env") for u in uris), uris  # the exact byte, percent-encoded


@pytest.mark.parametrize("fmt", ["json", "sarif", "markdown", "table", "html"])
def test_undecodable_name_output_file(undecodable: Path, tmp_path: Path, fmt: str) -> None:
    """Row: any -O FILE crashes on a non-UTF-8 name (the shipped Action writes SARIF and markdown with -O)."""
    out = tmp_path / f"report.{fmt}"
    run = cli(str(undecodable), "-o", fmt, "-O", str(out), "--no-progress", "--fail-on", "never")
    assert run.code == 0 and run.err == "", run.err
    assert "\\xe9/.env" in out.read_bytes().decode("utf-8")


def test_undecodable_name_github_annotations(undecodable: Path) -> None:
    """Row: GITHUB_ACTIONS=true crashes on a non-UTF-8 name."""
    run = cli(str(undecodable), "--no-progress", "--fail-on", "never", env=_env(GITHUB_ACTIONS="true"))
    assert run.code == 0 and run.err == "", run.err
    assert "::error file=\\xe9/.env," in run.text


def test_write_into_unwritable_directory(tmp_path: Path) -> None:
    """Row: suggest --write and init into a directory the user cannot write."""
    ctx = junk_context(tmp_path / "ctx")
    bare = junk_context(tmp_path / "bare", ignore=None)
    for d in (ctx, bare):
        d.chmod(0o555)
    try:
        run = cli("suggest", "--write", str(ctx), prefix=unprivileged())
        one_error(run, str(ctx / ".dockerignore"), "Permission denied")
        run = cli("init", str(bare), prefix=unprivileged())
        one_error(run, str(bare / ".dockerignore"), "Permission denied")
    finally:
        for d in (ctx, bare):
            d.chmod(0o755)
    assert (ctx / ".dockerignore").read_bytes() == b"*.log\n"
    assert not (bare / ".dockerignore").exists()


def test_write_on_full_disk_keeps_the_file(tmp_path: Path) -> None:
    """Row: suggest --write and init on a full disk: one line, exit 2, the old bytes and no temporary file."""
    ctx = junk_context(tmp_path / "ctx")
    run = cli("suggest", "--write", str(ctx), preexec=file_size_limit(20))
    one_error(run, str(ctx / ".dockerignore"), "File too large", "unchanged")
    assert (ctx / ".dockerignore").read_bytes() == b"*.log\n"
    assert leftovers(ctx) == []
    bare = junk_context(tmp_path / "bare", ignore=None)
    run = cli("init", str(bare), preexec=file_size_limit(20))
    one_error(run, str(bare / ".dockerignore"), "File too large")
    assert not (bare / ".dockerignore").exists() and leftovers(bare) == []


@pytest.mark.parametrize("args", [["init"], ["init", "--force"], ["suggest", "--write"]])
def test_ignore_file_that_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    """Row: .dockerignore is a directory."""
    ctx = junk_context(tmp_path / "ctx", ignore=None)
    (ctx / ".dockerignore").mkdir()
    code = main([*args, str(ctx)])
    err = capsys.readouterr().err
    one_error(Run(code, b"", err), ".dockerignore is a directory")


@pytest.mark.parametrize("args", [["scan", "--no-progress"], ["ls"], ["lint"], ["scan", "-o", "json"]])
def test_stdout_on_full_disk(args: list[str]) -> None:
    """Row: stdout on a full disk (> /dev/full)."""
    pandas = Path(__file__).resolve().parent.parent / "sample_contexts" / "pandas-analysis"
    with open("/dev/full", "wb") as full:
        run = cli(*args, str(pandas), stdout=full.fileno())
    one_error(run, "cannot write to standard output", "No space left on device")


@pytest.mark.parametrize(
    ("name", "content", "needles"),
    [
        (".ctxaudit.toml", b'max-size = "\xff"\n', ["not UTF-8", "0xff"]),
        ("pyproject.toml", b'[project]\nname = "caf\xe9"\n', ["not UTF-8", "0xe9"]),
        ("pyproject.toml", b'tool = "x"\n', ["tool must be a table"]),
        ("pyproject.toml", b'[tool]\nctxaudit = "x"\n', ["tool.ctxaudit must be a table"]),
        (".ctxaudit.toml", b"max-size = " + b"9" * 400 + b"\n", ["max-size", "out of range"]),
        (".ctxaudit.toml", b'max-transfer = "' + b"9" * 400 + b'MB"\n', ["max-transfer", "out of range"]),
        (".ctxaudit.toml", b"max-files = inf\n", ["max-files", "inf"]),
        (".ctxaudit.toml", b"max-files = nan\n", ["max-files", "nan"]),
        (".ctxaudit.toml", b'ignore-rules = "CA205"\n', ["ignore-rules must be a list"]),
        (".ctxaudit.toml", b'ignore-rules = ["CA2O5"]\n', ["ignore-rules", "unknown rule", "CA2O5"]),
        (".ctxaudit.toml", b"max-size = true\n", ["max-size", "not a size: true"]),
        (".ctxaudit.toml", b"max-files = 1.9\n", ["max-files", "1.9"]),
        (".ctxaudit.toml", b"max-files = -1\n", ["max-files", "negative"]),
        (".ctxaudit.toml", b"max-size = -5\n", ["max-size", "negative"]),
        (".ctxaudit.toml", b'max-transfer = "-5MB"\n', ["max-transfer", "not a size"]),
        (".ctxaudit.toml", b'max-size = "abc"\n', ["max-size", "not a size: 'abc'"]),
    ],
)
def test_config_means_what_it_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, needles: list[str]
) -> None:
    """Rows: non-UTF-8 config files, `tool = "x"`, 400-digit sizes, `max-files = inf`, and the
    values that used to mean something else (a string of rule ids, true as 1 byte, 1.9 files,
    negative limits that always fail); each names the file and the key."""
    ctx = junk_context(tmp_path / "ctx")
    (ctx / name).write_bytes(content)
    code = main([str(ctx), "--no-progress"])
    one_error(Run(code, b"", capsys.readouterr().err), str(ctx / name), *needles)


def test_config_builder_and_fail_on_ignore_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Row: `builder = "BuildKit"` is rejected although -b ignores case."""
    ctx = junk_context(tmp_path / "ctx")
    (ctx / ".ctxaudit.toml").write_text('builder = "Legacy"\nfail-on = "None"\n')
    assert main([str(ctx), "-o", "json", "--no-progress"]) == 0
    assert json.loads(capsys.readouterr().out)["builder"] == "legacy"


@pytest.mark.parametrize(
    "args",
    [
        ["--max-size", "9" * 400],
        ["--max-transfer", "9" * 400 + "GiB"],
    ],
)
def test_huge_size_flags(capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]) -> None:
    """Row: a 400-digit --max-size (OverflowError)."""
    ctx = junk_context(tmp_path / "ctx")
    code = main([str(ctx), "--no-progress", *args])
    one_error(Run(code, b"", capsys.readouterr().err), args[0], "out of range")


def test_huge_min_bytes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Row: a 400-digit --min-bytes (OverflowError)."""
    ctx = junk_context(tmp_path / "ctx")
    code = main(["suggest", str(ctx), "--min-bytes", "9" * 400])
    one_error(Run(code, b"", capsys.readouterr().err), "--min-bytes", "out of range")


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "PYTHONUTF8": "0"}])
def test_stdout_that_cannot_encode(tmp_path: Path, env: dict[str, str]) -> None:
    """Row: stdout that cannot encode (PYTHONIOENCODING=ascii, LC_ALL=C with PYTHONUTF8=0)."""
    ctx = junk_context(tmp_path / "ctx")
    (ctx / "café.env").write_text("x")
    run = cli(str(ctx), "--no-progress", env=_env(**env))
    assert run.code == 0 and run.err == "", run.err
    table = run.out.decode("ascii")  # every character the locale cannot hold is \xNN
    assert "caf\\xc3\\xa9.env" in table and "\\xc2\\xb7" in table  # the name, and the '·' of the header
    run = cli(str(ctx), "--no-progress", "-o", "json", env=_env(**env))
    assert run.code == 0 and run.err == ""
    doc = json.loads(run.out.decode("ascii"))  # still valid JSON
    paths = {f["path"] for f in doc["largest_files"]}
    # The name itself when Python decodes names as UTF-8, its bytes when the C locale makes it ASCII.
    assert paths & {"café.env", "caf\\xc3\\xa9.env"}, paths


CLOSED_PIPE_COMMANDS = [
    ["scan", "--no-progress"],
    ["scan", "-o", "json"],
    ["scan", "-o", "sarif"],
    ["scan", "-o", "markdown"],
    ["scan", "-o", "html"],
    ["lint"],
    ["suggest"],
    ["suggest", "--dry-run"],
    ["image"],
    ["init", "--dry-run"],
    ["ls"],  # the reference: ls already exited 0
    ["--help"],
    ["--version"],
]


@pytest.mark.parametrize("args", CLOSED_PIPE_COMMANDS, ids=" ".join)
def test_closed_pipe_exits_0(tmp_path: Path, args: list[str]) -> None:
    """Row: output into a closed pipe (`scan ... | true`) exits 1 with nothing printed; all exit 0 like ls."""
    ctx = junk_context(tmp_path / "ctx")
    extra = [] if args[0].startswith("-") else [str(ctx)]
    r, w = os.pipe()
    os.close(r)
    try:
        run = cli(*args, *extra, stdout=w)
    finally:
        os.close(w)
    assert (run.code, run.err) == (0, "")


def test_closed_pipe_keeps_the_gate(tmp_path: Path) -> None:
    """A closed pipe is not an error, and a failed gate still fails (exit 1)."""
    ctx = junk_context(tmp_path / "ctx")
    r, w = os.pipe()
    os.close(r)
    try:
        run = cli(str(ctx), "--no-progress", "--max-size", "1", stdout=w)
    finally:
        os.close(w)
    assert run.code == 1 and "gate failed: eligible context" in run.err and "Traceback" not in run.err


def test_a_bug_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A traceback exits 1, which CI reads as "gate failed": an unexpected error is one line, exit 2."""
    import ctxaudit.pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ctxaudit.pipeline, "scan", broken)
    monkeypatch.delenv("CTXAUDIT_DEBUG", raising=False)
    code = main([str(junk_context(tmp_path / "ctx")), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "internal error: RuntimeError: boom" in err


# -- terminal and log injection ---------------------------------------------------------

HOSTILE = ["y\x1b[8m", "x\x1b]0;TITLE\x07", "a\n::error::INJECTED", "c,d", "##[error]legacy", "pct%0Aname"]


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """Folders whose names hide the report, set the window title, forge workflow commands."""
    ctx = tmp_path / "ctx"
    files: dict[str, str | bytes | int] = {f"{name}/.env": "DB_PASSWORD=s3cr3t-Value-42\n" for name in HOSTILE}
    files["\x1bmhidden"] = "decided by the line with an ESC"
    files["Dockerfile"] = "FROM scratch\nCOPY . /\nRUN pip install \x1b[8mx\n"
    files[".dockerignore"] = b"node_modules\n\x1b[8m]hidden\nkeep\rme\nz\x1b]2;T\x07\n"
    return make_tree(ctx, files)


def _controls(text: str, allowed: str = "\n") -> list[str]:
    return [hex(ord(c)) for c in text if (ord(c) < 0x20 and c not in allowed) or 0x7F <= ord(c) < 0xA0]


def _strings(doc: object) -> Iterator[str]:
    if isinstance(doc, str):
        yield doc
    elif isinstance(doc, dict):
        for k, v in doc.items():
            yield k
            yield from _strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _strings(v)


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "--no-progress"],
        ["scan", "--no-progress", "-o", "markdown"],
        ["lint"],
        ["ls"],
        ["ls", "--sizes"],
        ["image"],
    ],
    ids=" ".join,
)
def test_no_control_character_reaches_the_terminal(hostile: Path, args: list[str]) -> None:
    """Row: a folder `y\\e[8m` hides the rest of the report, `x\\e]0;TITLE\\a` sets the window title."""
    run = (
        cli(*args, str(hostile), "--fail-on", "never")
        if args[0] in ("lint", "image", "scan")
        else cli(*args, str(hostile))
    )
    assert "Traceback" not in run.err
    text = run.text
    assert _controls(text, "\n\t" if "--sizes" in args else "\n") == [] and _controls(run.err) == []
    if args[0] in ("scan", "ls"):
        assert "y\\x1b[8m/" in text and "x\\x1b]0;TITLE\\x07/.env" in text and "a\\x0a::error::INJECTED/.env" in text
    if args[0] == "lint":
        assert "z\\x1b]2;T\\x07' matches nothing" in text and "keep\\x0dme" in text
    if args[0] == "image":
        assert "pip install \\x1b[8mx" in text


def test_no_control_character_in_the_html_page(hostile: Path) -> None:
    """The same row for -o html: in its tables and in the data its treemap draws."""
    run = cli("scan", str(hostile), "--no-progress", "--full", "-o", "html", "--fail-on", "never")
    assert run.code == 0 and run.err == "", run.err
    text = run.text
    assert _controls(text) == []
    data = json.loads(text.split('id="ctxaudit-data">', 1)[1].split("</script>", 1)[0])
    names = set(_strings(data["tree"]))
    assert {"y\\x1b[8m", "x\\x1b]0;TITLE\\x07", "a\\x0a::error::INJECTED"} <= names
    assert not [n for n in names if _controls(n, "")]
    assert "x\\x1b]0;TITLE\\x07/.env" in text  # a finding's location


def test_suggest_escapes(tmp_path: Path) -> None:
    """The same row for suggest: a large unused directory with an ESC in its name."""
    ctx = make_tree(
        tmp_path / "ctx", {"evil\x1b[8m/big.bin": 3000, "app.py": "1", "Dockerfile": "FROM scratch\nCOPY app.py /\n"}
    )
    for args in (["suggest"], ["suggest", "--dry-run"]):
        run = cli(*args, str(ctx), "--unused-min", "1")
        assert run.code == 0 and _controls(run.text) == [] and "evil\\x1b\\[8m" in run.text, run.text


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_no_control_character_in_json_strings(hostile: Path, fmt: str) -> None:
    """Row: control characters in every format, fix hints included (the JSON strings, once decoded)."""
    run = cli(str(hostile), "--no-progress", "-o", fmt, "--fail-on", "never")
    assert run.code == 0, run.err
    doc = json.loads(run.text)
    bad = [s for s in _strings(doc) if _controls(s.replace("\n", ""))]
    assert bad == []
    texts = list(_strings(doc))
    assert not [s for s in texts if "\n::error::INJECTED" in s]
    if fmt == "json":
        fixes = [f["fix"] for f in doc["findings"] if f.get("fix") and "INJECTED" in f["fix"]]
        assert fixes and all("\\x0a" in f for f in fixes)


@pytest.mark.parametrize("fmt", ["table", "markdown", "html"])
def test_compose_service_names_are_escaped(tmp_path: Path, fmt: str) -> None:
    """The same row for a Compose project: a service name holds an ESC (YAML's \\x1b)."""
    make_tree(tmp_path, {"app/Dockerfile": "FROM scratch\nCOPY . /\n", "app/a.txt": "hi\n"})
    (tmp_path / "compose.yaml").write_text('services:\n  "web\\x1b[8m":\n    build:\n      context: app\n')
    run = cli("scan", "--compose", "compose.yaml", "--no-progress", "--fail-on", "never", "-o", fmt, cwd=tmp_path)
    assert run.code == 0, run.err
    assert _controls(run.text) == [] and "web\\x1b[8m" in run.text


def test_explain_escapes(hostile: Path) -> None:
    """The same row for explain: the deciding line holds an ESC."""
    run = cli("explain", "-C", str(hostile), "a\n::error::INJECTED/.env", "\x1bmhidden")
    assert run.code == 0 and _controls(run.text) == [], run.text
    assert run.text.startswith("a\\x0a::error::INJECTED/.env: sent")
    assert "\\x1bmhidden: not sent (.dockerignore:2: \\x1b[8m]hidden)" in run.text


def test_github_annotations_cannot_be_forged(hostile: Path) -> None:
    """Row: a folder `a\\n::error::INJECTED` holding .env prints table lines that a runner reads as a
    command; GitHub's escaping exactly, and once (a comma becomes %2C, not %252C)."""
    run = cli(str(hostile), "--no-progress", "--fail-on", "never", env=_env(GITHUB_ACTIONS="true"), cwd=hostile)
    assert run.code == 0, run.err
    lines = run.text.split("\n")
    assert lines[0].startswith("::stop-commands::")
    token = lines[0].removeprefix("::stop-commands::")
    assert len(token) >= 32
    end = lines.index(f"::{token}::")
    fenced, after = lines[1:end], [ln for ln in lines[end + 1 :] if ln]
    # The report (where the names are) is fenced; what follows is only ctxaudit's annotations.
    assert any("INJECTED" in ln for ln in fenced) and any("##[error]legacy" in ln for ln in fenced)
    assert after and all(ln.startswith(("::error ", "::warning ", "::notice ")) for ln in after), after
    files = {ln.split("file=", 1)[1].split(",", 1)[0] for ln in after if "file=" in ln}
    assert "c%2Cd/.env" in files
    assert "a%0A%3A%3Aerror%3A%3AINJECTED/.env" in files
    assert "pct%250Aname/.env" in files  # a literal '%0A' in a name stays literal
    assert "y\\x1b[8m/.env" in files and all("\x1b" not in f for f in files)
    assert not any("%252C" in ln for ln in after)


def test_github_escaping_functions() -> None:
    from ctxaudit.output import github

    assert github.escape_property("a,b:c%d\r\n") == "a%2Cb%3Ac%25d%0D%0A"
    assert github.escape_data("a,b:c%d\r\n") == "a,b:c%25d%0D%0A"
    assert github.escape_data("x\x1by\udce9") == "x\\x1by\\xe9"


# -- writes never lose a byte ----------------------------------------------------------


def test_symlinked_ignore_file_is_written_through(tmp_path: Path) -> None:
    """Row: a symlinked .dockerignore (shared between services) is replaced by a regular file."""
    shared = tmp_path / "shared.dockerignore"
    shared.write_bytes(b"*.log\n")
    ctx = junk_context(tmp_path / "services" / "api", ignore=None)
    (ctx / ".dockerignore").symlink_to("../../shared.dockerignore")
    run = cli("suggest", "--write", str(ctx), cwd=tmp_path)
    assert run.code == 0, run.err
    assert (ctx / ".dockerignore").is_symlink()
    text = shared.read_text()
    assert text.startswith("*.log\n") and "node_modules" in text


def test_symlink_out_of_the_project_is_refused(tmp_path: Path) -> None:
    """A link that leads outside the context and the current directory is written only with --force."""
    outside = tmp_path / "home" / ".bashrc"
    outside.parent.mkdir()
    outside.write_bytes(b"export A=1\n")
    ctx = junk_context(tmp_path / "repo", ignore=None)
    (ctx / ".dockerignore").symlink_to(outside)
    run = cli("suggest", "--write", ".", cwd=ctx)
    one_error(run, "is a symlink to", str(outside), "--force")
    assert outside.read_bytes() == b"export A=1\n"
    run = cli("suggest", "--write", ".", "--force", cwd=ctx)
    assert run.code == 0 and outside.read_bytes().startswith(b"export A=1\n") and (ctx / ".dockerignore").is_symlink()


def test_owner_group_and_mode_are_kept(tmp_path: Path) -> None:
    """Row: as root, a 0640 file owned by another user becomes root's."""
    ctx = junk_context(tmp_path / "ctx")
    ign = ctx / ".dockerignore"
    ign.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(ign, 1234, 5678)
    before = ign.stat()
    run = cli("suggest", "--write", str(ctx))
    assert run.code == 0, run.err
    after = ign.stat()
    assert "node_modules" in ign.read_text()
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (
        before.st_uid,
        before.st_gid,
        0o640,
    )


def test_read_only_file_needs_force(tmp_path: Path) -> None:
    """Row: a 0444 file is rewritten silently."""
    ctx = junk_context(tmp_path / "ctx")
    ign = ctx / ".dockerignore"
    ign.chmod(0o444)
    run = cli("suggest", "--write", str(ctx))
    one_error(run, str(ign), "read-only", "--force")
    assert ign.read_bytes() == b"*.log\n"
    run = cli("suggest", "--write", "--force", str(ctx))
    assert run.code == 0 and "node_modules" in ign.read_text() and stat.S_IMODE(ign.stat().st_mode) == 0o444


def test_hard_linked_file_needs_force(tmp_path: Path) -> None:
    """A rename would split a hard link: refused unless forced."""
    ctx = junk_context(tmp_path / "ctx")
    os.link(ctx / ".dockerignore", tmp_path / "twin")
    run = cli("suggest", "--write", str(ctx))
    one_error(run, "hard links", "--force")
    assert (tmp_path / "twin").read_bytes() == b"*.log\n"


def test_output_file_on_full_disk_keeps_the_old_report(tmp_path: Path) -> None:
    """Row: -O existing.json on a full disk leaves the old report truncated to 0 bytes."""
    ctx = junk_context(tmp_path / "ctx")
    report = tmp_path / "out" / "existing.json"
    report.parent.mkdir()
    report.write_bytes(b'{"old": true}\n')
    run = cli(str(ctx), "-o", "json", "-O", str(report), "--no-progress", preexec=file_size_limit(100))
    one_error(run, str(report), "File too large")
    assert report.read_bytes() == b'{"old": true}\n' and leftovers(report.parent) == []


def test_output_file_special_targets(tmp_path: Path) -> None:
    """-O /dev/stdout and a symlinked report are written where they point, not replaced."""
    ctx = junk_context(tmp_path / "ctx")
    run = cli(str(ctx), "-o", "json", "-O", "/dev/stdout", "--no-progress")
    assert run.code == 0 and "suggestions" in json.loads(run.text)
    target = tmp_path / "reports" / "latest.json"
    target.parent.mkdir()
    target.write_text("{}")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    assert cli(str(ctx), "-o", "json", "-O", str(link), "--no-progress").code == 0
    assert link.is_symlink() and "suggestions" in json.loads(target.read_text())


def test_concurrent_suggest_runs_add_the_block_once(tmp_path: Path) -> None:
    """Row: two concurrent `suggest --write` runs append the block twice."""
    ctx = junk_context(tmp_path / "ctx")
    procs = [
        subprocess.Popen(
            [*CTXAUDIT, "suggest", "--write", str(ctx)], cwd=NEUTRAL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    for p in procs:
        p.communicate(timeout=120)
        assert p.returncode == 0
    text = (ctx / ".dockerignore").read_text()
    assert text.count("# Added by ctxaudit suggest") == 1 and text.count("node_modules") == 1, text


def test_suggest_plans_again_when_the_context_changes_under_its_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The race behind the row above: a concurrent writer's temporary file seen by
    the plan's walk and not by the check's. The check refuses, and the run plans
    again from a fresh walk instead of exiting 2; a context that keeps changing
    still exits 2 with nothing written."""
    from ctxaudit.analysis import suggest

    ctx = junk_context(tmp_path / "ctx")
    real = suggest.verify
    calls: list[int] = []

    def changed_once(p: suggest.Plan, planner: suggest.Planner, exact: bool = True) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise suggest.ContextChanged("the context changed meanwhile")
        real(p, planner, exact)

    monkeypatch.setattr(suggest, "verify", changed_once)
    assert main(["suggest", "--write", str(ctx)]) == 0
    assert len(calls) == 2
    assert (ctx / ".dockerignore").read_text().count("# Added by ctxaudit suggest") == 1

    def always_changed(p: suggest.Plan, planner: suggest.Planner, exact: bool = True) -> None:
        raise suggest.ContextChanged("the context changed meanwhile")

    other = junk_context(tmp_path / "other")
    monkeypatch.setattr(suggest, "verify", always_changed)
    capsys.readouterr()
    assert main(["suggest", "--write", str(other)]) == 2
    assert "changed meanwhile" in capsys.readouterr().err
    assert (other / ".dockerignore").read_text() == "*.log\n"


def writer_under_check(monkeypatch: pytest.MonkeyPatch, directory: Path, times: int | None = 1) -> list[Path]:
    """Another program writing into ``directory`` as in the race behind the rows
    above: its temporary file is there for the plan's walk and gone when the
    check walks the context again (a real file, created and removed at that
    moment), ``times`` times (None: created again or removed before every check
    of a plan for ``directory``: a context that keeps changing). Returns the
    file's states as each check saw them."""
    from ctxaudit.analysis import suggest

    real = suggest.verify
    temp = directory / ".save.4711.part"
    temp.write_bytes(b"x" * 100)
    root = directory.resolve()
    seen: list[Path] = []

    def check(p: suggest.Plan, planner: suggest.Planner, exact: bool = True) -> None:
        if planner.ctx.root == root and (times is None or len(seen) < times):
            if temp.exists():
                temp.unlink()
            else:
                temp.write_bytes(b"x" * 100)
            seen.append(temp)
        real(p, planner, exact)

    monkeypatch.setattr(suggest, "verify", check)
    return seen


def two_service_project(root: Path) -> Path:
    """A Compose project whose services a and b build their own junk contexts."""
    junk_context(root / "a")
    junk_context(root / "b")
    (root / "compose.yaml").write_text("services:\n  a:\n    build: a\n  b:\n    build: b\n")
    return root


def test_init_plans_again_when_the_context_changes_under_its_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """init checks its starter file like suggest --write: a writer's temporary
    file gone between the plan's walk and the check's made it exit 2; it plans
    again. A context that keeps changing still exits 2, nothing written."""
    ctx = junk_context(tmp_path / "ctx", ignore=None)
    seen = writer_under_check(monkeypatch, ctx)
    code = main(["init", str(ctx)])
    assert code == 0, capsys.readouterr().err
    assert len(seen) == 1 and "**/__pycache__" in (ctx / ".dockerignore").read_text().splitlines()

    other = junk_context(tmp_path / "other", ignore=None)
    seen = writer_under_check(monkeypatch, other, times=None)
    capsys.readouterr()
    assert main(["init", str(other)]) == 2
    err = capsys.readouterr().err
    assert "kept changing" in err and "3 plans" in err and str(other.resolve()) in err, err
    assert len(seen) == 3 and not (other / ".dockerignore").exists() and leftovers(other) == []


def test_project_write_plans_again_when_a_context_changes_under_its_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """suggest --write on a Compose project: the race in the second service's
    context made it exit 2 after writing the first service's file. Every file
    is planned again; a context that keeps changing leaves both files as they
    were."""
    project = two_service_project(tmp_path / "p")
    seen = writer_under_check(monkeypatch, project / "b")
    code = main(["suggest", "--write", str(project)])
    assert code == 0, capsys.readouterr().err
    assert len(seen) == 1
    for service, line in (("a", "node_modules"), ("b", "__pycache__")):
        text = (project / service / ".dockerignore").read_text()
        assert text.count("# Added by ctxaudit suggest") == 1 and line in text.splitlines(), text

    other = two_service_project(tmp_path / "other")
    seen = writer_under_check(monkeypatch, other / "b", times=None)
    capsys.readouterr()
    assert main(["suggest", "--write", str(other)]) == 2
    err = capsys.readouterr().err
    assert "kept changing" in err and str((other / "b").resolve()) in err, err
    assert len(seen) == 3
    for service in ("a", "b"):
        assert (other / service / ".dockerignore").read_bytes() == b"*.log\n"
        assert leftovers(other / service) == []


def test_project_write_refused_for_one_file_writes_none(tmp_path: Path) -> None:
    """A project's second ignore file is read-only: the first was written
    before the refusal (exit 2, half the project changed). Now nothing is."""
    project = two_service_project(tmp_path / "p")
    (project / "b" / ".dockerignore").chmod(0o444)
    run = cli("suggest", "--write", str(project))
    one_error(run, "b/.dockerignore", "read-only", "--force")
    assert (project / "a" / ".dockerignore").read_bytes() == b"*.log\n"
    assert "added" not in run.text


def test_project_write_failing_on_the_second_file_puts_the_first_back(tmp_path: Path) -> None:
    """Row: the disk fills while the second of two ignore files is written (it
    is the larger one): the first, already renamed into place, gets its old
    bytes back and the error says so."""
    project = two_service_project(tmp_path / "p")
    big = b"*.log\n" + b"# a long comment\n" * 300
    (project / "b" / ".dockerignore").write_bytes(big)
    run = cli("suggest", "--write", str(project), preexec=file_size_limit(len(big) + 20))
    err = one_error(run, "b/.dockerignore", "File too large", "put back as it was before", "a/.dockerignore")
    assert "nothing written" in err
    assert (project / "a" / ".dockerignore").read_bytes() == b"*.log\n"
    assert (project / "b" / ".dockerignore").read_bytes() == big
    assert leftovers(project / "a") == leftovers(project / "b") == []


def test_update_all_puts_back_what_it_wrote_and_keeps_other_writers_lines(tmp_path: Path) -> None:
    """ignorewrite.update_all, the project writes' all-or-nothing: the third
    file fails after two were written. The first (it existed) gets its old bytes
    back, and keeps a line another program appended after ours; the second (it
    was created) is removed; the error says so. A file rewritten meanwhile is
    not put back, and the error names it."""
    from ctxaudit.analysis import ignorewrite
    from ctxaudit.common.errors import InputError

    first, second, third = tmp_path / "a.ignore", tmp_path / "b.ignore", tmp_path / "c.ignore"
    first.write_bytes(b"*.log\n")
    third.write_bytes(b"x\n")

    def add(line: bytes) -> ignorewrite.Change:
        return lambda old: (old or b"") + line

    state = {"writing": False}

    def third_change(old: bytes | None) -> bytes:
        if state["writing"]:  # the update, after the check of every file
            with open(first, "ab") as f:
                f.write(b"theirs\n")  # another program appends meanwhile
            raise ignorewrite.WriteError(f"cannot write {third}: disk full")
        state["writing"] = True
        return (old or b"") + b"mine\n"

    items: list[ignorewrite.Item] = [
        (first, add(b"mine\n"), None, None),
        (second, add(b"mine\n"), None, None),
        (third, third_change, None, None),
    ]
    with pytest.raises(ignorewrite.WriteError) as caught:
        ignorewrite.update_all(items)
    assert f"put back as it was before: {first}, {second} (nothing written)" in str(caught.value)
    assert first.read_bytes() == b"*.log\ntheirs\n" and not second.exists() and third.read_bytes() == b"x\n"
    assert leftovers(tmp_path) == []

    calls: list[bytes | None] = []

    def rewrite_first(old: bytes | None) -> bytes:
        calls.append(old)
        if len(calls) == 2:  # the update, after the check of every file
            first.write_bytes(b"rewritten\n")  # another program replaces the first file meanwhile
            raise InputError("the second file fails")
        return b"y\n"

    with pytest.raises(InputError) as failed:
        ignorewrite.update_all([(first, add(b"mine\n"), None, None), (third, rewrite_first, None, None)])
    assert f"not put back, so written: {first} (it changed since ctxaudit wrote it)" in str(failed.value)
    assert first.read_bytes() == b"rewritten\n"


def test_concurrent_appends_are_not_lost(tmp_path: Path) -> None:
    """Row: another process appending to the ignore file during `suggest --write` loses its lines."""
    for attempt in range(3):
        ctx = junk_context(tmp_path / f"ctx{attempt}")
        ign = ctx / ".dockerignore"
        stop = threading.Event()
        written: list[str] = []

        def append(ign: Path = ign, stop: threading.Event = stop, written: list[str] = written) -> None:
            i = 0
            while not stop.is_set():
                line = f"extra-{i}"
                with open(ign, "a") as f:  # like `echo extra >> .dockerignore`: no lock
                    f.write(line + "\n")
                written.append(line)
                i += 1
                time.sleep(0.0005)

        t = threading.Thread(target=append)
        t.start()
        try:
            run = cli("suggest", "--write", str(ctx))
        finally:
            stop.set()
            t.join()
        assert run.code == 0, run.err
        lines = set(ign.read_text().splitlines())
        assert written and [w for w in written if w not in lines] == []
        assert "node_modules" in lines and ign.read_text().startswith("*.log\n")


def test_second_run_waits_for_the_first(tmp_path: Path) -> None:
    """The lock: a run that finds the file locked waits, then sees the other's lines."""
    import fcntl

    from ctxaudit.analysis import ignorewrite

    ctx = junk_context(tmp_path / "ctx")
    ign = ctx / ".dockerignore"
    with open(ign, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = subprocess.Popen(
            [*CTXAUDIT, "suggest", "--write", str(ctx)], cwd=NEUTRAL, stdout=subprocess.PIPE, text=True
        )
        # It plans, then blocks on the lock: /proc/locks shows the waiter ("->") on this inode.
        inode = f":{ign.stat().st_ino} "
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if any("->" in ln and inode in ln for ln in Path("/proc/locks").read_text().splitlines()):
                break
            time.sleep(0.05)
        assert proc.poll() is None, "suggest --write did not wait for the lock"
        ignorewrite.write_atomic(ign, b"*.log\nnode_modules\n__pycache__\n")  # what "the first run" wrote
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "already holds every proposed line" in out
    assert ign.read_bytes() == b"*.log\nnode_modules\n__pycache__\n"


@pytest.mark.parametrize(
    ("old", "expected_prefix", "newline"),
    [
        (b"*.log\r\nbuild\r\n", b"*.log\r\nbuild\r\n", b"\r\n"),
        (b"\xef\xbb\xbf*.log\r\nbuild", b"\xef\xbb\xbf*.log\r\nbuild\r\n", b"\r\n"),
        (b"\xef\xbb\xbf*.log\n", b"\xef\xbb\xbf*.log\n", b"\n"),
    ],
)
def test_crlf_and_bom_are_kept(tmp_path: Path, old: bytes, expected_prefix: bytes, newline: bytes) -> None:
    """Row: CRLF ignore files get LF lines appended; keep the file's line ending (and BOM)."""
    ctx = junk_context(tmp_path / "ctx", ignore=old)
    run = cli("suggest", "--write", str(ctx))
    assert run.code == 0, run.err
    data = (ctx / ".dockerignore").read_bytes()
    assert data.startswith(expected_prefix)
    added = data[len(expected_prefix) :]
    assert b"node_modules" in added
    if newline == b"\r\n":
        assert added.count(b"\n") == added.count(b"\r\n")
    else:
        assert b"\r" not in added


@pytest.mark.parametrize(
    ("data", "what"),
    [
        ("*.log\r\nnode_modules\r\n".encode("utf-16"), "is UTF-16"),  # PowerShell 5's `>`
        ("*.log\nnode_modules\n".encode("utf-16-le"), "is UTF-16"),
        (b"*.log\rnode_modules\r", "uses CR line endings only"),
    ],
)
def test_ignore_file_docker_cannot_read(tmp_path: Path, data: bytes, what: str) -> None:
    """Row: UTF-16 ignore files and lone-CR files pass lint with only "matches nothing"; say what
    Docker does with them, never print NULs raw, and do not append UTF-8 lines to them."""
    ctx = junk_context(tmp_path / "ctx", ignore=data)
    run = cli("lint", str(ctx))
    assert run.code == 1, run.err  # CA213 is an error
    assert "\x00" not in run.text and _controls(run.text) == []
    assert "CA213" in run.text and what in run.text
    run = cli("suggest", "--write", str(ctx))
    one_error(run, what, "not written")
    assert (ctx / ".dockerignore").read_bytes() == data


# -- hangs and memory ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    ["**/**/**/**/**/**/**/**/**/**/**/**/**/**/c", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*ab", "**/a*a*a*a*a*a*a*a*a*/c"],
)
def test_pathological_ignore_lines_do_not_hang(tmp_path: Path, line: str) -> None:
    """Row: pathological patterns (regexp backtracking) hang ls, scan and lint."""
    deep = "/".join(["a"] * 30)
    ctx = make_tree(
        tmp_path / "ctx",
        {f"{deep}/b": "x", "a" * 255: "y", f"{'a' * 200}/b": "z", ".dockerignore": line + "\n"},
    )
    for args in (["ls"], ["scan", "--no-progress", "--fail-on", "never"], ["lint", "--fail-on", "never"]):
        run = cli(*args, str(ctx))  # cli() times out after 120 s: before RE2, minutes
        assert run.code == 0, run.err


# -- memory ----------------------------------------------------------------------------


def test_lint_keeps_only_the_files_builders_disagree_on(tmp_path: Path) -> None:
    """Row: 1M files in one directory (lint 1.05 GB): lint held a set of every path per builder.
    Now the builders' walks run side by side and only differing files are kept; the figure is
    printed by benchmarks/bench_memory.py."""
    from ctxaudit import pipeline
    from ctxaudit.engine.builder import Builder
    from ctxaudit.engine.context import open_context

    files: dict[str, str | bytes | int] = {f"src/f{i:03d}.py": "x" for i in range(200)}
    files.update({"build/keep.txt": "k", "build/out.bin": 10, ".dockerignore": "build\n!**/keep.txt\n"})
    ctx = open_context(make_tree(tmp_path / "ctx", files))
    walks = {b.value: pipeline._as(ctx, b) for b in (Builder.BUILDKIT, Builder.LEGACY)}
    differ = pipeline._differing(walks)
    # BuildKit (2023+) re-includes build/keep.txt through the wildcard exception, legacy does not;
    # the 200 files both take are not kept.
    assert differ == {"buildkit": {"build/keep.txt"}, "legacy": set()}
    full = {name: pipeline._sent(c) for name, c in walks.items()}
    assert full["buildkit"] is not None and len(full["buildkit"]) > 200  # what used to be held
