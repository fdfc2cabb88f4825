"""Compose and Bake projects against the real tools' goldens (tests/project/golden).

The resolved model equals what Docker Compose v2.40.3 prints (``config
--format json``); interpolation equals the binary's on every template; for
every build, the context listing, BuildKit's transfer figure and the image's
files equal what the real engine produced, and each local named context's
listing equals the engine's walk of that directory with its own
.dockerignore. Re-record with tests/project/record.py.
"""

from __future__ import annotations

import projharness as ph
import pytest

from ctxaudit.project.interp import InterpolationError, MissingRequired, substitute


@pytest.mark.parametrize("name", ph.COMPOSE_FIXTURES)
def test_compose_resolves_like_docker_compose(name: str) -> None:
    golden = ph.read_json(ph.GOLDEN / f"{name}.compose.json")
    assert ph.resolved(name) == golden


def test_compose_goldens_hold_what_the_issue_names() -> None:
    shop = ph.read_json(ph.GOLDEN / "shop.compose.json")
    # Interpolated args from .env, the override file merged, a value-less arg from .env.
    assert shop["api"]["args"] == {"APP_ENV": "prod", "GIT_SHA": "abc123", "PY_VERSION": "3.12", "WORKERS": "4"}
    assert shop["api"]["context"] == shop["worker"]["context"] == "<fixture>/backend"
    assert shop["worker"]["dockerfile"] == "../worker/Dockerfile"
    assert shop["docs"]["dockerfile_inline"] == "FROM scratch\nCOPY . /docs/\n"
    assert shop["report"]["additional_contexts"]["libs"] == "<fixture>/libs"
    assert shop["upstream"]["context"].startswith("https://")
    merge = ph.read_json(ph.GOLDEN / "merge.compose.json")
    assert merge["base"]["args"]["A"] == "yes" and merge["base"]["args"]["E"] == "8"  # Go's YAML, not YAML 1.1
    assert "B" not in merge["base"]["args"]  # !reset
    assert merge["merged"]["additional_contexts"] == {"only": "<fixture>/more"}  # !override
    assert merge["child"]["context"] == "<fixture>/common/ctx"  # extends: paths stay relative to their file
    assert merge["included"]["args"] == {"GREETING": "from-included-dotenv"}  # include: its own .env


INTERP = ph.read_json(ph.GOLDEN / "interp.json")


@pytest.mark.parametrize("template", sorted(INTERP))
def test_interpolation_matches_the_binary(template: str) -> None:
    want = INTERP[template]
    lookup = ph.ENV_INTERP.get
    if "value" in want:
        # The binary is compose-go v2.9.1: defaults are interpolated eagerly.
        assert substitute(template, lookup, lazy=False) == want["value"]
        return
    with pytest.raises(InterpolationError) as exc:
        substitute(template, lookup, lazy=False)
    if "required variable" in want["error"]:
        assert isinstance(exc.value, MissingRequired)
        assert str(exc.value) in want["error"]
    else:
        assert "invalid interpolation format" in want["error"] and not isinstance(exc.value, MissingRequired)


def test_lazy_interpolation_is_current_compose() -> None:
    # compose-go >= v2.10.1 evaluates only the branch it uses.
    assert substitute("${SET:-${UNSET?boom}}", ph.ENV_INTERP.get) == "val"
    with pytest.raises(MissingRequired):
        substitute("${SET:-${UNSET?boom}}", ph.ENV_INTERP.get, lazy=False)


ENGINE = {name: ph.read_json(ph.GOLDEN / f"{name}.engine.json") for name in ph.ENGINE_FIXTURES}
BUILDS = [(name, build) for name in ph.ENGINE_FIXTURES for build in sorted(ENGINE[name])]


@pytest.mark.parametrize(("name", "build"), BUILDS)
def test_each_build_against_the_engine(name: str, build: str) -> None:
    golden = ENGINE[name][build]
    ours = ph.ctxaudit_view(name)[build]
    assert ours["listing"] == golden["listing"]
    assert ours["named"] == golden["named"]
    if "engine_build" in golden:
        return
    assert ours["ok"] == golden["ok"]
    assert ours["transfer"] == golden["transfer"]
    assert ours["image"] == golden["image"]


def test_engine_goldens_cover_every_build_and_the_shared_context() -> None:
    assert set(ENGINE["shop"]) == {"web", "api", "worker", "docs", "report"}
    api, worker = ENGINE["shop"]["api"], ENGINE["shop"]["worker"]
    # One context, two ignore files: api.Dockerfile.dockerignore keeps tests/ out, worker's keeps config/ out.
    assert "tests/test_main.py" not in {p for p, _ in api["listing"]}
    assert "config/prod.toml" not in {p for p, _ in worker["listing"]}
    assert ["/app/config.toml", 14] in api["image"]  # COPY config/${APP_ENV}.toml with APP_ENV=prod from .env
    assert set(ENGINE["bakeapp"]) == {"app", "tools"}


ENVCASES = ph.read_json(ph.GOLDEN / "envcases.json")


@pytest.mark.parametrize("case", ph.ENV_CASES, ids=[c["name"] for c in ph.ENV_CASES])
def test_compose_env_files_and_profiles_like_docker_compose(case: dict[str, object]) -> None:
    golden = ENVCASES[case["name"]]
    ours = ph.env_case(case)
    if "error" in case:
        assert case["error"] in golden["error"] and case["error"] in ours["error"]
    else:
        assert ours == golden


def test_envcases_golden_holds_what_the_issue_names() -> None:
    g = {name: c.get("app", {}).get("args") for name, c in ENVCASES.items()}
    # --env-file replaces .env; a later file wins; its lines see the earlier files; the environment wins.
    assert g["env-files-later-wins"] == {"V": "from-b", "W": "from-a", "X": "x-from-a", "PD": "unset"}
    assert g["env-files-order"]["X"] == "x-none" and g["environment-wins"]["V"] == "os"
    assert g["compose-env-files"] == g["env-files-later-wins"]
    # COMPOSE_DISABLE_ENV_FILE drops .env, not --env-file; set in .env it drops that .env too.
    assert g["disable-env-file"]["V"] == g["disable-from-dotenv"]["V"] == "unset"
    assert g["disable-keeps-env-file-flag"]["V"] == "from-a"
    # COMPOSE_FILE from .env (its own separator): the project directory is the first file's, whose
    # .env adds what the first .env did not set.
    cf = ENVCASES["compose-file-dotenv"]
    assert cf["extra"]["context"] == "<fixture>/sub/sctx" and cf["app"]["args"]["V"] == "cf-v"
    assert cf["app"]["args"]["W"] == "sub-w"
    # COMPOSE_FILE is relative to where Compose runs, not to --project-directory.
    assert ENVCASES["compose-file-and-project-directory"]["extra"]["context"] == "<fixture>/pdir/sctx"
    assert set(ENVCASES["profile"]) == {"app", "tool", "both"}
    assert set(ENVCASES["compose-profiles-from-env-file"]) == {"app", "tool", "both"}
    assert set(ENVCASES["depends-on-disabled-not-required"]) == {"app", "lenient"}
    assert "depends on undefined service" in ENVCASES["depends-on-disabled"]["error"]


ENVBUILDS = ph.read_json(ph.GOLDEN / "envbuilds.json")


@pytest.mark.parametrize("build", ph.BUILD_CASES, ids=[b["name"] for b in ph.BUILD_CASES])
def test_the_builds_audited_are_those_docker_compose_build_builds(build: dict[str, object]) -> None:
    golden = ENVBUILDS[build["name"]]
    ours = ph.built_by_ctxaudit(build)
    if build["name"] == "compose-default":
        # No profile asked for: Compose builds only the services without profiles; ctxaudit
        # audits every build on purpose (README, Compose section) and says so.
        assert golden == ["app"] and set(golden) < set(ours)
        assert ours == sorted(ENVCASES["dotenv"])
    else:
        assert ours == golden
