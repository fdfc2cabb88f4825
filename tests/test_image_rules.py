"""Image-bloat rules (CA5xx): against layer sizes from real builds, and one by one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import imgharness
import pytest
from helpers import make_tree

from ctxaudit.cli import main

REPO = Path(__file__).resolve().parent.parent
CASES = imgharness.cases()


def rules(findings: list[dict[str, object]]) -> set[object]:
    return {f["rule"] for f in findings}


@pytest.mark.parametrize("name", sorted(CASES))
def test_trap_is_flagged_and_fixed_twin_is_not(name: str) -> None:
    case = CASES[name]
    assert case["rule"] in rules(imgharness.ctxaudit_findings(case, "trap"))
    assert case["rule"] not in rules(imgharness.ctxaudit_findings(case, "fixed"))


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c["rule"] == "CA500"))
def test_duplicated_bytes_match_the_layer_within_5_percent(name: str) -> None:
    case = CASES[name]
    g = imgharness.golden(name)
    (finding,) = [f for f in imgharness.ctxaudit_findings(case, "trap") if f["rule"] == "CA500"]
    measured = imgharness.layer(g["trap"], case["layer"])
    predicted = int(finding["bytes"])  # type: ignore[call-overload]
    assert measured > 1_000_000
    assert abs(measured - predicted) <= 0.05 * measured
    assert imgharness.layer(g["fixed"], case["layer"]) == 0  # no such layer in the fixed image


def test_removed_bytes_stay_in_the_copy_layer() -> None:
    case = CASES["rm-after-copy"]
    g = imgharness.golden("rm-after-copy")
    (finding,) = [f for f in imgharness.ctxaudit_findings(case, "trap") if f["rule"] == "CA501"]
    kept = imgharness.layer(g["trap"], "COPY app") - imgharness.layer(g["fixed"], "COPY app")
    assert abs(kept - int(finding["bytes"])) <= 0.05 * kept  # type: ignore[call-overload]


def test_split_runs_and_pip_cache_waste_is_real() -> None:
    split = imgharness.golden("split-runs")
    assert imgharness.layer(split["trap"], "head -c 3000000") >= 3_000_000
    assert imgharness.layer(split["fixed"], "head -c 3000000") < 150_000
    pip = imgharness.golden("pip-cache")
    # the built wheel (2 MB of incompressible data) left in /root/.cache/pip
    assert imgharness.layer(pip["trap"], "pip install") - imgharness.layer(pip["fixed"], "pip install") > 1_900_000


def image_findings(capsys: pytest.CaptureFixture[str], ctx: Path) -> list[dict[str, object]]:
    assert main(["image", str(ctx), "-o", "json", "--fail-on", "none"]) == 0
    findings: list[dict[str, object]] = json.loads(capsys.readouterr().out)["findings"]
    return findings


def test_pandas_sample_is_clean_and_its_single_stage_variant_is_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = REPO / "sample_contexts" / "pandas-analysis"
    assert "CA500" not in rules(image_findings(capsys, sample))
    variant = tmp_path / "variant"
    shutil.copytree(sample, variant, symlinks=True)
    (variant / "Dockerfile").write_text(
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n"
        "COPY scripts/ ./scripts/\nRUN chmod -R 755 ./scripts\n"
    )
    (f,) = [f for f in image_findings(capsys, variant) if f["rule"] == "CA500"]
    assert f["line"] == 6 and f["bytes"] == 3905  # every file of scripts/, stored twice


@pytest.mark.parametrize(
    "run,warns",
    [
        ("export PIP_NO_CACHE_DIR=1 && pip install flask", False),
        ("export A=1 PIP_NO_CACHE_DIR=off; python3 -m pip install flask", False),
        ("PIP_NO_CACHE_DIR=1 pip install flask", False),
        ("PIP_NO_CACHE_DIR=0 pip install flask", False),  # pip: any strtobool word disables it, 0 too
        ("declare -x PIP_NO_CACHE_DIR=true && pip install flask", False),
        ("PIP_NO_CACHE_DIR=1; pip install flask", True),  # a shell variable, not exported: pip never sees it
        ("pip install flask && export PIP_NO_CACHE_DIR=1", True),  # too late
        ("export PIP_NO_CACHE_DIR=1 && unset PIP_NO_CACHE_DIR && pip install flask", True),
        ("export PIP_NO_CACHE_DIR=maybe && pip install flask", True),  # pip refuses the value
    ],
)
def test_pip_cache_disabled_in_the_same_shell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], run: str, warns: bool
) -> None:
    make_tree(tmp_path, {"Dockerfile": f"FROM x\nRUN {run}\n"})
    assert ("CA502" in rules(image_findings(capsys, tmp_path))) is warns


UNIT = {
    # rule: (trap Dockerfile, fixed Dockerfile)
    "CA502": (
        "FROM x\nRUN pip install flask\n",
        "FROM x\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask && python -m pip install --no-cache-dir x\n",
    ),
    "CA503": (
        "FROM x\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
        "FROM x\nRUN apt-get update && apt-get install -y --no-install-recommends curl "
        "&& rm -rf /var/lib/apt/lists/*\n",
    ),
    "CA504": (
        "FROM x\nRUN apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
        "FROM x\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n",
    ),
    "CA505": ("FROM x\nRUN apk add curl\n", "FROM x\nRUN apk add --no-cache curl\n"),
    "CA506": ("FROM x\nRUN npm ci\n", "FROM x\nRUN npm ci && npm cache clean --force\n"),
    "CA507": ("FROM x\nRUN conda install -y numpy\n", "FROM x\nRUN conda install -y numpy && conda clean -afy\n"),
    "CA508": (
        "FROM x\nWORKDIR /src\nRUN git clone https://example.com/repo.git\nRUN make -C repo && rm -rf repo\n",
        "FROM x\nWORKDIR /src\nRUN git clone https://example.com/repo.git && make -C repo && rm -rf repo\n",
    ),
    "CA509": (
        "FROM x\nRUN apt-get install -y --no-install-recommends build-essential libpq-dev "
        "&& rm -rf /var/lib/apt/lists/*\n",
        "FROM x AS build\nRUN apt-get install -y --no-install-recommends build-essential "
        "&& rm -rf /var/lib/apt/lists/*\nFROM x\nCOPY --from=build /out /out\n",
    ),
}


@pytest.mark.parametrize("rule", sorted(UNIT))
def test_rule_unit(rule: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trap, fixed = UNIT[rule]
    assert rule in rules(image_findings(capsys, make_tree(tmp_path / "t", {"Dockerfile": trap})))
    assert rule not in rules(image_findings(capsys, make_tree(tmp_path / "f", {"Dockerfile": fixed})))


def test_shell_parsing_not_text_matching(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {
            "Dockerfile": (
                'FROM x\nRUN echo "pip install later" && sh -c "apk add --no-cache curl" '
                "&& pip install --no-cache-dir y\nRUN <<EOF bash\nset -e\napk add git\nEOF\n"
            )
        },
    )
    found = image_findings(capsys, tmp_path)
    assert "CA502" not in rules(found)  # the pip words inside echo are not a command
    assert [f["line"] for f in found if f["rule"] == "CA505"] == [3]  # the heredoc script is parsed


def test_bind_mounted_cache_counts_as_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(tmp_path, {"Dockerfile": "FROM x\nRUN --mount=type=cache,target=/root/.cache/pip pip install z\n"})
    assert "CA502" not in rules(image_findings(capsys, tmp_path))


def test_image_command_needs_a_dockerfile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["image", str(tmp_path)]) == 2
    assert "no Dockerfile" in capsys.readouterr().err


@pytest.mark.parametrize(
    "spec", ["755", "0644", "600", "+x", "u+x", "a+rX", "go-w", "g=u", "u=rw,go=r", "o-rwx", "=r", "+t", "u+s", "-x"]
)
@pytest.mark.parametrize("start", [0o644, 0o755, 0o600, 0o4750])
def test_chmod_modes_match_gnu_chmod(tmp_path: Path, spec: str, start: int) -> None:
    """The mode a RUN chmod leaves, as GNU chmod computes it (umask 022, as in a RUN)."""
    import os
    import subprocess

    from ctxaudit.dockerfile.attrs import apply_mode

    f = tmp_path / "f"
    f.write_bytes(b"")
    f.chmod(start)
    old = os.umask(0o022)
    try:
        subprocess.run(["chmod", "--", spec, str(f)], check=True)
    finally:
        os.umask(old)
    assert apply_mode(spec, start) == f.stat().st_mode & 0o7777


@pytest.mark.parametrize(
    "copy,run,counts",
    [
        ("COPY app/ /srv/", "RUN chown --from=root:root -R 1000:1000 /srv", True),  # COPY gives root
        ("COPY --chown=1000:1000 app/ /srv/", "RUN chown --from root:root -R 1000:1000 /srv", False),
        ("COPY --chown=1000:1000 app/ /srv/", "RUN chown -R 1000:1000 /srv", False),
        ("COPY --chown=1000 app/ /srv/", "RUN chown -R 1000:1000 /srv", False),  # a UID alone: the same GID
        ("COPY --chown=1000 app/ /srv/", "RUN chown -R 1000:2000 /srv", True),
        ("COPY --chown=app:app app/ /srv/", "RUN chown -R app:app /srv", False),
        ("COPY --chown=app:app app/ /srv/", "RUN chown -R 1000:1000 /srv", True),  # names are not resolved
        ("COPY app/ /srv/", "RUN chown -R root:root /srv", False),
        ("COPY app/ /srv/", "RUN chgrp -R 0 /srv", False),
        ("COPY app/ /srv/", "RUN chown -R app: /srv", True),  # the login group of app: unknown
        ("COPY --chmod=755 app/ /srv/", "RUN chmod -R 755 /srv", False),
        ("COPY --chmod=755 app/ /srv/", "RUN chmod -R +x /srv", False),
        ("COPY --chmod=755 app/ /srv/", "RUN chmod -R 700 /srv", True),
        ("COPY app/ /srv/", "RUN chmod -R go+r /srv", False),  # 0644 in the context already
        ("COPY app/ /srv/", "RUN chmod +x /srv/run.sh", True),
        ("COPY app/ /srv/", "RUN chmod --reference=/etc/hosts -R /srv", True),
        ("COPY app/ /srv/", "RUN touch /srv/run.sh", True),
    ],
)
def test_chmod_chown_to_what_copy_gave_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], copy: str, run: str, counts: bool
) -> None:
    make_tree(tmp_path, {"app/run.sh": "echo\n" * 100, "app/data.bin": 5000})
    for p in (tmp_path / "app").iterdir():
        p.chmod(0o644)
    (tmp_path / "Dockerfile").write_text(f"FROM ctxaudit-base:bookworm\n{copy}\n{run}\n")
    assert ("CA500" in rules(image_findings(capsys, tmp_path))) is counts


@pytest.mark.parametrize(
    "dockerfile,rule,found",
    [
        # CA503: removing any ancestor of /var/lib/apt/lists removes the lists
        ("FROM x\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt\n", "CA503", False),
        ("FROM x\nRUN apt-get install -y curl && rm -rf /var/lib/apt/lists\n", "CA503", False),
        ("FROM x\nWORKDIR /var/lib\nRUN apt-get install -y curl && rm -rf apt/*\n", "CA503", False),
        ("FROM x\nRUN apt-get install -y curl && rm -rf /var/lib/apt/lists/partial\n", "CA503", True),
        ("FROM x\nRUN apt-get install -y curl && rm -rf /var/cache/apt\n", "CA503", True),
        # CA502: pip takes any unambiguous prefix of --no-cache-dir (optparse)
        ("FROM x\nRUN pip install --no-cache /wheels/*\n", "CA502", False),
        ("FROM x\nRUN pip install --no-cach x\n", "CA502", True),
        # CA506: pnpm's store like npm's and yarn's caches
        ("FROM x\nRUN pnpm install --frozen-lockfile\n", "CA506", True),
        ("FROM x\nRUN pnpm add left-pad\n", "CA506", True),
        ("FROM x\nRUN pnpm install --frozen-lockfile && pnpm store prune\n", "CA506", False),
        ("FROM x\nRUN --mount=type=cache,id=pnpm,target=/pnpm/store pnpm install --frozen-lockfile\n", "CA506", False),
        ("FROM x\nRUN pnpm run build\n", "CA506", False),
        # CA509: the final stage of a multi-stage build (and the stages it is built FROM)
        (
            "FROM x AS build\nRUN make\nFROM debian\nRUN apt-get install -y g++ && rm -rf /var/lib/apt/lists/*\n",
            "CA509",
            True,
        ),
        ("FROM x AS base\nRUN apk add --no-cache build-base\nFROM base\nCOPY --from=base /a /a\n", "CA509", True),
        ("FROM x AS base\nRUN apk add --no-cache build-base\nFROM x\nCOPY --from=base /a /a\n", "CA509", False),
        (
            "FROM x AS b\nRUN apk add --no-cache gcc\nFROM x\nRUN apk add --no-cache gcc && apk del gcc\n",
            "CA509",
            False,
        ),
    ],
)
def test_image_rule_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dockerfile: str, rule: str, found: bool
) -> None:
    assert (rule in rules(image_findings(capsys, make_tree(tmp_path, {"Dockerfile": dockerfile})))) is found


def test_build_tools_in_a_multi_stage_final_stage_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path,
        {"Dockerfile": "FROM x AS build\nRUN make\nFROM debian AS runtime\nRUN apt-get install -y build-essential\n"},
    )
    (f,) = [f for f in image_findings(capsys, tmp_path) if f["rule"] == "CA509"]
    assert (
        f["line"] == 4 and f["message"] == "build tools stay in the final image (final stage runtime): build-essential"
    )


def test_touch_fix_is_said_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_tree(
        tmp_path, {"src/main.rs": "fn main() {}\n" * 100, "Dockerfile": "FROM x\nCOPY src /s\nRUN touch /s/main.rs\n"}
    )
    (f,) = [f for f in image_findings(capsys, tmp_path) if f["rule"] == "CA500"]
    assert f["fix"] == "do it in a preparation stage and copy the result (multi-stage)"
