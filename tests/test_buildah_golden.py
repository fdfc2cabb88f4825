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
# loudly once fixed. The RE2 matcher reads Go's a{2} as Go does; what is left
# are Docker cases (tests/dockerfile, tests/conformance buildfile-*) whose
# buildah or podman-remote behaviour the buildah profile does not model yet.
_MOUNT = (
    "the buildah profile does not model RUN --mount: buildah 1.28 fails this mount ('resolving mountpoints'), "
    "today's buildah is not checked"
)
PENDING: dict[str, str] = {
    "dockerfile.mount-malformed-field": _MOUNT,
    "dockerfile.mount-no-target": _MOUNT,
    "dockerfile.mount-relative-target": _MOUNT + " (BuildKit joins a relative target to WORKDIR and builds)",
    "dockerfile.mount-unknown-key": _MOUNT,
    "dockerfile.mount-unknown-type": _MOUNT,
    "dockerfile.legacy-run-network": (
        "RUN --network: buildah 1.28 fails ('RUN only supports the --mount flag'); the buildah profile does "
        "not model RUN flags"
    ),
}
_LINKED_CONTAINERFILE = (
    "a symlinked Containerfile: the podman-remote model resolves the link (Context.dockerfile_rel) and sends "
    "the target (or appends it as outside the context); the 4.3.1 client sends the link as named"
)
PENDING_REMOTE: dict[str, str] = {
    "conformance.buildfile-dockerfile-link-inside": _LINKED_CONTAINERFILE,
    "conformance.buildfile-dockerfile-link-outside": _LINKED_CONTAINERFILE,
    "conformance.buildfile-dockerfile-link-outside-with-f": _LINKED_CONTAINERFILE,
}


def _needs_root(case_id: str) -> bool:
    case = bharness.load(case_id)
    return any(isinstance(v, dict) and "chardev" in v for v in case.get("files", {}).values())


def _param(case_id: str, pending: dict[str, str] = PENDING) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=pending[case_id])] if case_id in pending else []
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


@pytest.mark.parametrize("case_id", [_param(i, PENDING_REMOTE) for i in IDS])
def test_podman_remote_uploads_the_tar_ctxaudit_sizes(case_id: str) -> None:
    if _needs_root(case_id) and os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    if case_id not in PENDING_REMOTE and bharness.remote_comparable(case_id) is not None:
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
