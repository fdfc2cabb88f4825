"""The Compose flags on the command line: --env-file, --project-directory, --profile, COMPOSE_FILE.

What Compose resolves is held to the binary's goldens in test_project_golden.py
(tests/project/golden/envcases.json); these are the CLI's side: exit codes,
messages, notes, and what a plain context keeps.
"""

from __future__ import annotations

import json
from pathlib import Path

import projharness as ph
import pytest
from helpers import make_tree

from ctxaudit.cli import main
from ctxaudit.common.errors import InputError
from ctxaudit.project import composeenv, select
from ctxaudit.project.composeenv import Options

ENVPROJ = ph.ENV_FIXTURE


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("COMPOSE_FILE", "COMPOSE_PROFILES", "COMPOSE_ENV_FILES", "COMPOSE_DISABLE_ENV_FILE", "V", "W", "X"):
        monkeypatch.delenv(k, raising=False)


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code, out, err = run(capsys, "scan", *args, "-o", "json", "--no-suggest", "--no-progress", "--fail-on", "never")
    assert code == 0, err
    doc: dict[str, object] = json.loads(out)
    return doc


def test_profiles_narrow_the_audit_and_say_what_they_left_out(
    capsys: pytest.CaptureFixture[str], clean_env: None
) -> None:
    doc = scan_json(capsys, str(ENVPROJ), "--profile", "tools")
    assert [b["name"] for b in doc["builds"]] == ["app", "tool", "both"]  # type: ignore[attr-defined, index]
    (note,) = [n for n in doc["project"]["notes"] if "left out" in n]  # type: ignore[index]
    assert note == (
        "profiles tools active (--profile): 4 services left out: dbg (profiles: debug), cache (profiles: debug), "
        "needy (profiles: needy), lenient (profiles: lenient)"
    )


def test_without_a_profile_every_build_is_audited(capsys: pytest.CaptureFixture[str], clean_env: None) -> None:
    doc = scan_json(capsys, str(ENVPROJ))
    names = [b["name"] for b in doc["builds"]]  # type: ignore[attr-defined]
    assert names == ["app", "dbg", "tool", "both", "needy", "lenient"]
    assert not [n for n in doc["project"]["notes"] if "left out" in n]  # type: ignore[index]


def test_compose_profiles_from_the_environment(
    capsys: pytest.CaptureFixture[str], clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPOSE_PROFILES", "debug")
    doc = scan_json(capsys, str(ENVPROJ))
    assert [b["name"] for b in doc["builds"]] == ["app", "dbg", "both"]  # type: ignore[attr-defined, index]
    assert any("(COMPOSE_PROFILES)" in n for n in doc["project"]["notes"])  # type: ignore[index]


def test_a_named_service_is_audited_though_its_profile_is_off(
    capsys: pytest.CaptureFixture[str], clean_env: None
) -> None:
    doc = scan_json(capsys, str(ENVPROJ), "--profile", "tools", "--service", "dbg")
    assert [b["name"] for b in doc["builds"]] == ["dbg"]  # type: ignore[attr-defined, index]
    assert any(n.startswith("--service dbg: audited although") for n in doc["project"]["notes"])  # type: ignore[index]


def test_env_file_and_project_directory_reach_the_args(capsys: pytest.CaptureFixture[str], clean_env: None) -> None:
    doc = scan_json(capsys, str(ENVPROJ), "--env-file", str(ENVPROJ / "a.env"), "--env-file", str(ENVPROJ / "b.env"))
    app = doc["builds"][0]  # type: ignore[index]
    assert app["args"] == {"V": "from-b", "W": "from-a", "X": "x-from-a", "PD": "unset"}
    doc = scan_json(capsys, str(ENVPROJ), "--project-directory", str(ENVPROJ / "pdir"))
    (p,) = doc["builds"]  # type: ignore[misc]
    assert p["name"] == "p" and p["args"] == {"PD": "from-pdir-dotenv"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env-file", "nope.env"], "couldn't find env file:"),
        (["--profile", "needy"], 'depends on undefined service "tool"'),
        (["--profile", "nothing-has-it"], None),  # app has no profile: not everything is left out
        (["--project-directory", "no-such-dir"], "--project-directory no-such-dir: not a directory"),
        (["--bake", "docker-bake.hcl", "--profile", "x"], "--profile apply to a Compose project, not to --bake"),
        (["-f", "app/Dockerfile", "--profile", "x"], "with a Compose or Bake file, drop -f"),
    ],
)
def test_bad_compose_flags_exit_2(
    capsys: pytest.CaptureFixture[str],
    clean_env: None,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str | None,
) -> None:
    monkeypatch.chdir(ENVPROJ)
    code, _, err = run(capsys, "ls", ".", *args)
    if message is None:
        assert code == 0, err
        return
    assert code == 2 and message in err and "Traceback" not in err, err


def test_profiles_that_leave_out_every_build(
    capsys: pytest.CaptureFixture[str], clean_env: None, tmp_path: Path
) -> None:
    compose = "services:\n  a:\n    build: .\n    profiles: [dev]\n"
    make_tree(tmp_path, {"compose.yaml": compose, "Dockerfile": "FROM scratch\n"})
    code, _, err = run(capsys, "ls", str(tmp_path), "--profile", "prod")
    assert code == 2 and "the active Compose profiles leave out every build" in err and "a (profiles: dev)" in err


def test_compose_flags_on_a_plain_context(capsys: pytest.CaptureFixture[str], clean_env: None, tmp_path: Path) -> None:
    make_tree(tmp_path, {"Dockerfile": "FROM scratch\n"})
    code, _, err = run(capsys, "ls", str(tmp_path), "--profile", "dev")
    assert code == 2 and "--profile: no Compose file in" in err


def test_a_plain_context_keeps_its_dotenv_unread(tmp_path: Path) -> None:
    # A .env Compose could not parse does not make a plain context an error...
    make_tree(tmp_path, {"Dockerfile": "FROM scratch\n", ".env": "not a=valid line ' \n"})
    assert select.find(tmp_path, environ={}) is None
    # ...unless it names Compose files, which makes the directory a Compose project.
    make_tree(tmp_path, {".env": "COMPOSE_FILE=svc.yaml\n", "svc.yaml": "services:\n  s:\n    build: .\n"})
    project = select.find(tmp_path, environ={})
    assert project is not None and [b.name for b in project.builds] == ["s"]
    assert "files from COMPOSE_FILE (from " in project.notes[-1]


def test_compose_file_from_the_environment_and_the_compose_flag_wins(tmp_path: Path) -> None:
    make_tree(tmp_path, {f"{n}.yaml": f"services:\n  {n}:\n    build: .\n" for n in ("one", "two")})
    env = {"COMPOSE_FILE": "one.yaml|two.yaml", "COMPOSE_PATH_SEPARATOR": "|"}
    project = select.find(tmp_path, environ=env)
    assert project is not None and [b.name for b in project.builds] == ["one", "two"]
    project = select.find(tmp_path, [tmp_path / "two.yaml"], environ=env)
    assert project is not None and [b.name for b in project.builds] == ["two"]
    # Standard input names no file here: a directory without Compose files of its own stays plain...
    assert select.find(tmp_path, environ={"COMPOSE_FILE": "-"}) is None
    # ...and one with them is a project whose COMPOSE_FILE ctxaudit cannot follow.
    make_tree(tmp_path, {"compose.yaml": "services:\n  c:\n    build: .\n"})
    with pytest.raises(InputError, match="names standard input"):
        select.find(tmp_path, environ={"COMPOSE_FILE": "-"})


def test_an_exported_compose_file_for_another_project_leaves_a_plain_context_alone(tmp_path: Path) -> None:
    make_tree(tmp_path, {"Dockerfile": "FROM scratch\n"})
    # A shell or CI job exporting COMPOSE_FILE for another project: nothing here is named.
    assert select.find(tmp_path, environ={"COMPOSE_FILE": "deploy/compose.yaml:compose.prod.yaml"}) is None
    # A directory with Compose files of its own is a project: the missing file is an error.
    make_tree(tmp_path, {"compose.yaml": "services:\n  a:\n    build: .\n"})
    with pytest.raises(InputError, match="not found"):
        select.find(tmp_path, environ={"COMPOSE_FILE": "compose.prod.yaml"})


def test_an_exported_compose_file_of_a_project_elsewhere_leaves_a_plain_context_alone(tmp_path: Path) -> None:
    make_tree(tmp_path / "other", {"compose.yaml": "services:\n  app:\n    build: .\n"})
    make_tree(tmp_path / "plain", {"Dockerfile": "FROM scratch\n"})
    other = str(tmp_path / "other" / "compose.yaml")
    assert select.find(tmp_path / "plain", environ={"COMPOSE_FILE": other}) is None
    assert select.find(tmp_path / "plain", environ={"COMPOSE_FILE": "../other/compose.yaml"}) is None
    # A file of this directory named by an absolute path is its own.
    make_tree(tmp_path / "plain", {"svc.yaml": "services:\n  s:\n    build: .\n"})
    project = select.find(tmp_path / "plain", environ={"COMPOSE_FILE": str(tmp_path / "plain" / "svc.yaml")})
    assert project is not None and [b.name for b in project.builds] == ["s"]


def test_no_compose_file_names_the_project_directory_looked_in(tmp_path: Path) -> None:
    make_tree(tmp_path, {"proj/Dockerfile": "FROM scratch\n", "run/x.txt": "x"})
    opts = Options(project_directory=tmp_path / "run")
    with pytest.raises(InputError, match=f"no Compose file in {tmp_path / 'run'}"):
        select.find(tmp_path / "proj", environ={}, compose_options=opts)


def test_compose_disable_env_file_is_go_parsebool(tmp_path: Path) -> None:
    make_tree(tmp_path, {"compose.yaml": "services:\n  a:\n    build: .\n", ".env": "V=1\n"})
    st = composeenv.setup(tmp_path, Options(), {"COMPOSE_DISABLE_ENV_FILE": "F"})
    assert st is not None and st.env.get("V") == "1"
    st = composeenv.setup(tmp_path, Options(), {"COMPOSE_DISABLE_ENV_FILE": "T"})
    assert st is not None and "V" not in st.env
    with pytest.raises(InputError, match="not a boolean"):
        composeenv.setup(tmp_path, Options(), {"COMPOSE_DISABLE_ENV_FILE": "yes"})


def test_help_names_the_flags(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scan", "--help")
    flat = " ".join(out.split())
    assert code == 0
    for flag in ("--env-file", "--project-directory", "--profile"):
        assert flag in flat
