"""Compose and Bake projects: loading rules, findings, the report, the gates, the commands.

The resolution itself is checked against the real Compose binary and the
engine in test_project_golden.py; these tests pin the rest of the behaviour.
"""

from __future__ import annotations

import builtins
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import projharness as ph
import pytest
from helpers import make_tree

from ctxaudit.cli import main
from ctxaudit.common.errors import InputError
from ctxaudit.project import bake, compose, dotenv, select
from ctxaudit.project.yamlload import go_scalar, go_string, load_all

SHOP = ph.FIXTURES / "shop"
BAKEAPP = ph.FIXTURES / "bakeapp"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# -- YAML as Compose reads it ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # Values printed by Docker Compose v2.40.3 for these build args.
        ("yes", "yes"), ("on", "on"), ("1.0", "1"), ("0x10", "16"), ("010", "8"), ("1e3", "1000"),
        ("true", "true"), ("1_000", "1000"), ("0o17", "15"), ("1.50", "1.5"), (".5", "0.5"),
        ("1e6", "1e+06"), ("1234567.0", "1.234567e+06"), ("0.00001", "1e-05"), ("0.0001", "0.0001"),
        ("-0.0", "-0"), (".inf", "+Inf"), ("0b101", "5"), ("+12", "12"), ("1_0.5", "10.5"),
        ("123456789012345678.0", "1.2345678901234568e+17"),
    ],
)  # fmt: skip
def test_scalars_are_typed_like_go_yaml(text: str, want: str) -> None:
    assert go_string(go_scalar(text)) == want


def test_quoted_scalars_stay_strings_and_lines_are_kept() -> None:
    (doc,) = load_all('a:\n  b: "1.0"\n  c: 1.0\n', "f.yaml")
    assert doc["a"]["b"] == "1.0" and doc["a"]["c"] == 1.0
    assert str(doc["a"].at("c")) == "f.yaml:3"


def test_a_date_build_arg_is_rejected_like_compose(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      args:\n        N: 2024-01-02\n"},
    )
    with pytest.raises(InputError, match=r"compose.yaml:6: services.a.build.args.N invalid jsonType time.Time"):
        compose.load(compose.discover(tmp_path), environ={})


def test_dotenv_syntax() -> None:
    text = (
        '# comment\nexport A=1\nB = spaced # inline comment\nC=\'lit ${A} \\n\'\nD="esc\\tq \\" ${A}"\n'
        'E=${A}-${FROM_ENV}\nFROM_ENV\nF: colon\nG="multi\nline"\n'
    )
    values = dotenv.parse(text, {"FROM_ENV": "env"})
    assert values == {
        "A": "1",
        "B": "spaced",
        "C": "lit ${A} \\n",
        "D": 'esc\tq " 1',
        "E": "1-env",
        "FROM_ENV": "env",
        "F": "colon",
        "G": "multi\nline",
    }


def test_a_dotenv_line_without_a_name_is_read_and_dropped() -> None:
    # As compose-go does (Compose v2.40.3: "A=1\n=novar\nE=2" sets A and E); its value is
    # still interpolated, so a required variable in it still fails.
    text = 'A=1\n=novar\n =x\n:y\n="multi\nZ=3"\n==x\nE=2\n'
    assert dotenv.parse(text, {}) == {"A": "1", "E": "2"}
    with pytest.raises(dotenv.DotenvError, match="MISSING"):
        dotenv.parse("A=1\n=${MISSING:?boom}\n", {})
    with pytest.raises(dotenv.DotenvError, match="in variable name"):
        dotenv.parse("A=1\n@x=2\n", {})  # Compose: unexpected character "@" in variable name


# -- Compose discovery and errors -------------------------------------------------


def test_discovery_order_and_override(tmp_path: Path) -> None:
    names = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]
    overrides = [
        "compose.override.yml", "compose.override.yaml",
        "docker-compose.override.yml", "docker-compose.override.yaml",
    ]  # fmt: skip
    make_tree(tmp_path, {n: "services: {}\n" for n in names + overrides})
    assert [p.name for p in compose.discover(tmp_path)] == ["compose.yaml", "compose.override.yml"]
    (tmp_path / "compose.yaml").unlink()
    (tmp_path / "compose.override.yml").unlink()
    assert [p.name for p in compose.discover(tmp_path)] == ["compose.yml", "compose.override.yaml"]
    assert compose.discover(tmp_path / "nowhere") == []


def test_explicit_files_take_no_override(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "compose.yaml": "services:\n  a:\n    build: ./one\n",
            "compose.override.yaml": "services:\n  a:\n    build: ./two\n",
        },
    )
    (b,) = compose.load([tmp_path / "compose.yaml"], environ={}).builds
    assert b.context == tmp_path / "one"
    (b,) = select.find(tmp_path, environ={}).builds  # type: ignore[union-attr]
    assert b.context == tmp_path / "two"


def test_a_required_variable_fails_with_the_line(tmp_path: Path) -> None:
    shutil.copytree(SHOP, tmp_path / "shop")
    (tmp_path / "shop" / ".env").write_text("GIT_SHA=1\n")
    with pytest.raises(InputError, match=r"compose.yaml:14: error while interpolating services.api.build.args.APP_ENV"):
        select.find(tmp_path / "shop", environ={})


def test_the_environment_wins_over_dotenv() -> None:
    project = select.find(SHOP, environ={"APP_ENV": "staging", "API_TARGET": "build"})
    assert project is not None
    api = next(b for b in project.builds if b.name == "api")
    assert api.args["APP_ENV"] == "staging" and api.args["GIT_SHA"] == "abc123" and api.target == "build"


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    make_tree(tmp_path, {"compose.yaml": "services:\n  a: [\n"})
    with pytest.raises(InputError, match=r"compose.yaml:3"):
        compose.load(compose.discover(tmp_path), environ={})


# -- Bake ------------------------------------------------------------------------------


def test_bake_default_group_inherits_and_json_merge() -> None:
    project = select.find(BAKEAPP, environ={})
    assert project is not None and project.kind == "bake"
    assert [p.name for p in project.files] == ["docker-bake.json", "docker-bake.hcl"]
    app, tools = project.builds
    assert (app.name, tools.name) == ("app", "tools")
    assert app.context == BAKEAPP / "app" and app.dockerfile == BAKEAPP / "app" / "Dockerfile"
    # _base first, then the target; the JSON file's args merged by key.
    assert app.args == {"TAG": "dev", "BASE": "scratch", "MODE": "release", "FROM_JSON": "dev-json"}
    assert {n.name: n.kind for n in app.named} == {"assets": "local", "alpine": "image"}
    assert tools.dockerfile == BAKEAPP / "tools" / "tools.Dockerfile" and tools.target == "final"
    assert tools.unresolved == {"args.VERSION": "${upper(TAG)}"} and "VERSION" not in tools.args
    assert app.declared is not None and app.declared.line == 27


def test_bake_group_selection_environment_and_inline() -> None:
    project = select.find(BAKEAPP, targets=["all"], environ={"TAG": "v2", "APP_DIR": "tools"})
    assert project is not None
    assert [b.name for b in project.builds] == ["app", "tools", "docs"]
    app, _, docs = project.builds
    assert app.context == BAKEAPP / "tools" and app.args["TAG"] == "v2"
    assert docs.dockerfile_inline == "FROM scratch\nCOPY . /docs/\n" and docs.dockerfile is None


def test_bake_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="failed to find target nope"):
        select.find(BAKEAPP, targets=["nope"], environ={})
    make_tree(tmp_path, {"docker-bake.json": '{"target": {"a": {"inherits": ["b"]}, "b": {"inherits": ["a"]}}}'})
    with pytest.raises(InputError, match="inherits cycle"):
        select.find(tmp_path, targets=["a"], environ={})


def test_bake_matrix_is_reported_not_guessed(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {"docker-bake.hcl": 'target "m" {\n  name = "x-${i}"\n  matrix = { i = ["a", "b"] }\n  context = "${i}"\n}\n'},
    )
    (b,) = bake.load(bake.discover(tmp_path), tmp_path, {}, ["m"]).builds
    assert b.context is None and "matrix" in b.unresolved


def test_hcl_without_python_hcl2_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def no_hcl2(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "hcl2" or name.startswith("hcl2."):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_hcl2)
    with pytest.raises(InputError, match=r"docker-bake.hcl: reading HCL needs the optional python-hcl2"):
        select.find(BAKEAPP, environ={})
    # A JSON bake file needs nothing (alone, TAG is an unknown variable: reported, not guessed).
    (app,) = bake.load([BAKEAPP / "docker-bake.json"], BAKEAPP, {}, ["app"]).builds
    assert app.args == {} and app.unresolved == {"args.FROM_JSON": "${TAG}-json"}


# -- The scan of a project ----------------------------------------------------------------


def test_scan_a_compose_project(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SHOP)
    code, out, err = run(capsys, ".", "--no-progress")
    assert code == 0, err
    for header in ("== service web (compose.yaml:7) ==", "== service api (compose.yaml:9) ==", "Project summary"):
        assert header in out
    assert "ignore file backend/api.Dockerfile.dockerignore: next to the Dockerfile" in out
    assert "no ignore file: no .dockerignore at the context root" in out  # reports/
    assert "named context libs = libs/ (ignore file libs/.dockerignore, its own root's)" in out
    assert "named context base = docker-image://ctxaudit-base:bookworm (image, not walked)" in out
    flat = " ".join(out.split())  # prose wraps at 80 columns
    assert "shared context: backend/ is sent by api and worker with different ignore files" in flat
    assert "1 service without build: cache" in out
    assert "CA602" in out and "upstream" in out


def test_the_misplaced_ignore_file_finding() -> None:
    from ctxaudit.builds import scan_builds
    from ctxaudit.engine.builder import Builder

    project = select.find(SHOP, environ=ph.ENV)
    assert project is not None
    report = scan_builds(project, project.builds, Builder.BUILDKIT, suggestions=False)
    ca600 = [f for f in report.findings if f.rule.id == "CA600"]
    by_build = {f.message.split(":", 1)[0]: f for f in ca600 if ".dockerignore lies outside" in f.message}
    assert set(by_build) == {"service web", "service api", "service worker", "service docs", "service report"}
    web = by_build["service web"]
    assert web.path == str(SHOP / "compose.yaml") and web.line == 7  # `build: ./web`
    assert "this build sends web/ with ignore file web/.dockerignore" in web.message
    assert web.fix == "this build reads web/.dockerignore: copy there the lines of .dockerignore it needs"
    assert (
        by_build["service report"].fix
        == "create reports/.dockerignore with the lines of .dockerignore this build needs"
    )
    beside = [f for f in ca600 if "worker/.dockerignore sits next to the Dockerfile" in f.message]
    assert len(beside) == 1 and beside[0].line == 20


def test_project_json_and_sarif(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SHOP)
    code, out, _ = run(capsys, "scan", ".", "-o", "json", "--no-suggest")
    assert code == 0
    doc = json.loads(out)
    assert doc["project"]["kind"] == "compose" and doc["project"]["files"] == ["compose.yaml", "compose.override.yaml"]
    builds = {b["name"]: b for b in doc["builds"]}
    assert set(builds) == {"web", "api", "worker", "docs", "report", "upstream"}
    api = builds["api"]
    assert api["declared"] == {"file": "compose.yaml", "line": 9}
    assert api["ignore_file"] == "backend/api.Dockerfile.dockerignore" and api["target"] == "runtime"
    assert api["args"]["APP_ENV"] == "prod" and api["report"]["dockerfiles"][0]["target"] == "runtime"
    assert builds["upstream"]["skipped"] == "remote context" and builds["upstream"]["report"] is None
    assert builds["docs"]["dockerfile_inline"].startswith("FROM scratch")
    libs = builds["report"]["named_contexts"][0]
    assert libs["name"] == "libs" and libs["ignore_file"] == "libs/.dockerignore" and libs["sent"]["files"] == 3
    summary = doc["summary"]
    ignores = ["backend/api.Dockerfile.dockerignore", "worker/Dockerfile.dockerignore"]
    assert summary["shared"] == [{"context": "backend", "ignore_files": ignores, "builds": ["api", "worker"]}]
    assert summary["eligible"]["bytes"] == sum(b["sent"]["bytes"] for b in doc["builds"] if b["sent"])
    code, out, _ = run(capsys, "scan", ".", "-o", "sarif", "--no-suggest")
    sarif = json.loads(out)
    jsonschema.validate(sarif, json.loads((Path(__file__).parent / "fixtures" / "sarif-2.1.0.json").read_text()))
    results = sarif["runs"][0]["results"]
    ca600 = [r for r in results if r["ruleId"] == "CA600"]
    assert ca600 and all(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "compose.yaml" for r in ca600
    )
    regions = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in ca600}
    assert {7, 10, 20, 24, 30} <= regions


def test_gates_per_build_and_total(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(SHOP), "--no-progress", "--max-size", "250B", "--no-suggest")
    assert code == 1
    assert "gate failed: service api: eligible context 292 bytes exceeds --max-size 250B (250 bytes)" in err
    assert "gate failed: service report: eligible context 2.1 KiB" in err
    assert "service web" not in err
    assert "FAIL" in out and " ok" in out
    code, _, err = run(capsys, str(SHOP), "--no-progress", "--max-total-size", "2KB", "--no-suggest")
    assert code == 1 and "gate failed: project: contexts total 2.8 KiB" in err
    code, _, err = run(capsys, str(SHOP), "--no-progress", "--max-total-size", "1MB", "--no-suggest")
    assert code == 0, err


def test_service_selection(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SHOP), "--no-progress", "--service", "worker", "--no-suggest")
    assert code == 0
    assert "== service worker" in out and "== service api" not in out
    code, _, err = run(capsys, str(SHOP), "--service", "cache")
    assert code == 2 and "no build for service cache" in err


def test_bake_project_scan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(BAKEAPP), "--no-progress", "--no-suggest")
    assert code == 0, err
    assert "Bake project" in out and "== target app (docker-bake.hcl:27) ==" in out
    assert "CA603" in out and "args.VERSION" in out
    code, out, _ = run(capsys, str(BAKEAPP), "--no-progress", "--no-suggest", "--target-name", "docs")
    assert "== target docs" in out and "== target app" not in out


def test_plain_context_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SHOP / "web"), "--no-progress")
    assert code == 0 and out.startswith("ctxaudit  ") and "Project summary" not in out
    code, out, _ = run(capsys, str(SHOP), "-f", str(SHOP / "web" / "Dockerfile"), "--no-progress")
    assert code == 0 and "Project summary" not in out  # -f: a plain context, no discovery


def test_build_context_on_a_plain_context(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SHOP)
    code, out, _ = run(capsys, "ls", "reports", "--build-context", "libs=libs")
    assert code == 0
    assert out.splitlines() == [
        "==> reports: reports/ <==",
        "Dockerfile",
        "out.csv",
        "report.py",
        "==> reports, named context libs: libs/ <==",
        ".dockerignore",
        "shared/helpers.py",
        "unused/big.bin",
    ]
    code, _, err = run(capsys, "ls", "reports", "--build-context", "libs=/nonexistent")
    assert code == 2 and "is not a directory" in err


def test_commands_work_build_by_build(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SHOP)
    code, out, err = run(capsys, "ls", ".", "--service", "api")
    assert code == 0 and out.splitlines()[0] == ".dockerignore" and "tests/test_main.py" not in out
    code, out, _ = run(capsys, "lint", ".")
    assert "==> service web: web/ <==" in out and "'node_modules' matches only at the root" in out
    code, out, _ = run(capsys, "image", ".")
    assert "==> service api: backend/ <==" in out
    code, out, _ = run(capsys, "suggest", ".", "--service", "web")
    assert "lines for web/.dockerignore" in out and "**/node_modules" in out
    code, out, err = run(capsys, "explain", "config/dev.toml", "-C", ".", "--service", "worker")
    # The ignore file named from where the command runs (a project has several).
    assert code == 0 and "BuildKit skips config/ (worker/Dockerfile.dockerignore:2: config)" in out
    code, _, err = run(capsys, "explain", "x", "-C", ".")
    assert code == 2 and "pick one with --service" in err


def test_suggest_write_gives_a_shared_ignore_file_only_lines_safe_for_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(
        tmp_path,
        {
            "compose.yaml": "services:\n  a:\n    build: {context: ctx, dockerfile: a.Dockerfile}\n"
            "  b:\n    build: {context: ctx, dockerfile: b.Dockerfile}\n",
            "ctx/a.Dockerfile": "FROM scratch\nCOPY app/ /app/\n",
            "ctx/b.Dockerfile": "FROM scratch\nCOPY app/ /app/\nCOPY logs/ /logs/\n",
            "ctx/app/main.py": "x",
            "ctx/logs/run.log": 300,
            "ctx/__pycache__/m.pyc": 200,
        },
    )
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "suggest", ".", "--write")
    assert code == 0, err
    lines = (tmp_path / "ctx" / ".dockerignore").read_text().splitlines()
    assert "__pycache__" in lines
    assert not any("log" in ln and not ln.startswith("#") for ln in lines)  # b copies logs/


def test_named_context_findings_and_suggestions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(
        tmp_path,
        {
            "compose.yaml": "services:\n  app:\n    build:\n      context: app\n"
            "      additional_contexts:\n        libs: ./libs\n",
            "app/Dockerfile": "FROM scratch\nCOPY --from=libs . /libs/\nCOPY --from=libs gone.txt /gone.txt\n",
            "libs/pkg/mod.py": "x = 1\n",
            "libs/pkg/__pycache__/mod.cpython-311.pyc": 400,
        },
    )
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "scan", ".", "-o", "json")
    assert code == 1  # the missing COPY --from source is an error: the default --fail-on
    (build,) = json.loads(out)["builds"]
    libs = build["named_contexts"][0]
    assert libs["whole_context"] is True and libs["transfer"] == {"files": 2, "bytes": 406}
    assert libs["suggestions"][0]["pattern"] == "**/__pycache__"
    rules = {(f["rule"], f["path"], f["line"]) for f in build["findings"]}
    assert ("CA304", "app/Dockerfile", 2) in rules  # junk copied from the named context
    assert ("CA301", "app/Dockerfile", 3) in rules
    missing = next(f for f in build["findings"] if f["rule"] == "CA301")
    assert "not in the context of named context libs" in missing["message"]
    code, out, _ = run(capsys, "suggest", ".")
    assert "==> service app, named context libs: lines for libs/.dockerignore <==" in out
    code, _, _ = run(capsys, "suggest", ".", "--write")
    assert (tmp_path / "libs" / ".dockerignore").read_text().splitlines()[-1] == "**/__pycache__"


def test_other_formats_and_explicit_files(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ph.FIXTURES)
    code, out, _ = run(capsys, "scan", "shop", "-o", "markdown", "--no-suggest")
    assert code == 0 and out.startswith("## ctxaudit: Compose project (`compose.yaml`, `compose.override.yaml`)")
    assert "## service api: `backend`" in out and "### Project summary" in out and "CA600" in out
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, _ = run(capsys, "scan", "shop", "--no-progress", "--no-suggest")
    assert "::warning file=shop/compose.yaml,line=7,title=CA600 misplaced-ignore-file::service web" in out
    monkeypatch.delenv("GITHUB_ACTIONS")
    code, out, _ = run(capsys, "lint", "shop", "-o", "json")
    doc = json.loads(out)
    assert {b["name"] for b in doc["builds"]} == {"web", "api", "worker", "docs", "report"}
    # --compose: exactly these files (no override), relative paths against the first file's directory.
    code, out, _ = run(capsys, "scan", ".", "--compose", "shop/compose.yaml", "-o", "json", "--no-suggest")
    api = next(b for b in json.loads(out)["builds"] if b["name"] == "api")
    assert api["args"]["PY_VERSION"] == "3.11" and api["context"] == "backend"
    # --bake: a JSON bake file alone (no HCL), targets relative to the directory bake runs in.
    make_tree(tmp_path, {"b.json": '{"target": {"default": {"context": "ctx"}}}', "ctx/Dockerfile": "FROM scratch\n"})
    code, out, err = run(capsys, "scan", str(tmp_path), "--bake", str(tmp_path / "b.json"), "-o", "json")
    assert code == 0, err
    (b,) = json.loads(out)["builds"]
    assert b["name"] == "default" and b["kind"] == "target" and b["dockerfile"].endswith("ctx/Dockerfile")


def test_named_contexts_under_the_legacy_builder(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SHOP), "-b", "legacy", "--service", "report", "--no-progress", "--no-suggest")
    assert code == 0
    assert "CA604" in out and "named context libs is not sent by the legacy builder" in out
    assert "named context libs = " not in out


def test_bake_reads_the_compose_file_beside_it_and_relative_paths(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {
            "compose.yaml": "services:\n  api:\n    build: ./api\n",
            "docker-bake.hcl": 'target "api" {\n  args = { FROM_HCL = "1" }\n}\n',
            "sub/docker-bake.json": '{"target": {"web": {"context": "cwd://web", "contexts": {"n": "./n"}}}}',
        },
    )
    project = select.find(tmp_path, environ={})
    assert project is not None and project.kind == "bake"
    (api,) = project.builds  # the Compose service, under the HCL target of its name
    assert api.context == tmp_path / "api" and api.args == {"FROM_HCL": "1"}
    sub = tmp_path / "sub" / "docker-bake.json"
    (web,) = bake.load([sub], tmp_path, {}, ["web"]).builds
    assert web.context == tmp_path / "web" and web.named[0].path == tmp_path / "n"  # relative to where bake runs
    (web,) = bake.load([sub], tmp_path, {"BUILDX_BAKE_FILE_RELATIVE_PATHS": "1"}, ["web"]).builds
    assert web.context == tmp_path / "web" and web.named[0].path == tmp_path / "sub" / "n"  # cwd:// stays
