"""The buildah profile against goldens recorded from a real buildah and podman-remote.

Re-record or re-check live with ``tests/buildah/record.py [--check]`` (root,
buildah, podman). ctxaudit follows today's buildah (v1.44) and podman (v5.8);
where the recorded versions behave differently the case states today's
expectation and the commit that changed it.
"""

from __future__ import annotations

import os

import bharness
import pytest

IDS = bharness.case_ids()

# Cases ctxaudit is known to get wrong, with the reason: strict, so each fails
# loudly once fixed. Empty since the RE2 matcher reads Go's a{2} as Go does.
PENDING: dict[str, str] = {}


def _needs_root(case_id: str) -> bool:
    case = bharness.load(case_id)
    return any(isinstance(v, dict) and "chardev" in v for v in case.get("files", {}).values())


def _param(case_id: str) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=PENDING[case_id])] if case_id in PENDING else []
    return pytest.param(case_id, marks=marks, id=case_id)


def test_enough_contexts_each_with_a_golden_naming_its_versions() -> None:
    own = [i for i in IDS if i.startswith("buildah.")]
    assert len(own) >= 30 and len(IDS) >= 200
    missing = [i for i in IDS if not bharness.golden_path(i).exists()]
    assert missing == []
    for i in IDS:
        g = bharness.golden(i)
        assert g["case"] == i
        assert g["buildah_version"].count(".") == 2
        assert g["podman_version"].count(".") == 2


@pytest.mark.parametrize("case_id", [_param(i) for i in IDS])
def test_buildah_puts_what_ctxaudit_says_into_the_image(case_id: str) -> None:
    if _needs_root(case_id) and os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    assert bharness.compare(case_id) == []


@pytest.mark.parametrize("case_id", [_param(i) for i in IDS])
def test_podman_remote_uploads_the_tar_ctxaudit_sizes(case_id: str) -> None:
    if _needs_root(case_id) and os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    if case_id not in PENDING and bharness.remote_comparable(case_id) is not None:
        pytest.skip(str(bharness.remote_comparable(case_id)))
    assert bharness.compare_remote(case_id) == []


def test_current_expectations_differ_from_what_the_older_tools_recorded() -> None:
    """Each 'current' override documents a real version difference: the
    golden from the older buildah says something else."""
    overridden = 0
    for i in IDS:
        want, why = bharness.expected(i)
        if why is None:
            continue
        overridden += 1
        assert "v1." in why
        recorded = bharness.golden(i)["buildah"]
        assert recorded != want, i
    assert overridden >= 5


def test_the_goldens_hold_the_behaviours_the_readme_states() -> None:
    """A few recorded facts the README's Builders table rests on."""

    def files(case_id: str) -> list[str]:
        g = bharness.golden(case_id)["buildah"]
        assert g["ok"], case_id
        return [r[0] for r in g["files"]]

    # .containerignore beats .dockerignore in the context...
    assert "a.txt" not in files("buildah.sel-both-context") and "b.txt" in files("buildah.sel-both-context")
    # ...but beside the Containerfile, .dockerignore beats .containerignore.
    assert "b.txt" not in files("buildah.sel-perdf-both") and "a.txt" in files("buildah.sel-perdf-both")
    # '! a.txt' never re-includes; '!/a.txt' does.
    assert "a.txt" not in files("buildah.parse-bang-space")
    assert "a.txt" in files("buildah.parse-bang-slash")
    # A BOM makes '#b.txt' a pattern; regexp syntax is live.
    assert "#b.txt" not in files("buildah.parse-bom-comment")
    assert {"a.txt", "b.txt"}.isdisjoint(files("buildah.parse-regex-meta"))
    # The string-prefix quirk: b/ is entered for !b*/keep.txt.
    assert "b/keep.txt" in files("buildah.match-string-prefix-quirk")
    # A wildcard exception re-includes nothing from a pruned directory with COPY .,
    assert not any(p.startswith("build/") for p in files("conformance.wildcard-exception-in-excluded-dir"))
    # ...yet COPY of the path itself works.
    assert files("buildah.copy-wildcard-exception-item") == ["keep.txt"]
    # podman-remote sends the whole filtered context, build files always.
    remote = bharness.golden("buildah.self-ignore-dockerfile")["podman_remote"]
    assert "Dockerfile" in [m[0] for m in remote["members"]]
    assert "Dockerfile" not in files("buildah.self-ignore-dockerfile")
