"""The buildah profile against goldens recorded from real buildah and podman-remote.

Every expectation is what buildah v1.44.0 and the podman v5.8.2 remote client
(the releases ctxaudit follows, built by tests/buildah/build-latest.sh) did
with the case; Debian's buildah 1.28.2 and podman 4.3.1 recorded the same
cases, kept in the golden's ``debian`` block where they differ, and each such
difference has a stated reason. Re-record or re-check live with
``tests/buildah/record.py --latest DIR [--check]`` (root).
"""

from __future__ import annotations

import os
from typing import Any

import bharness
import pytest

IDS = bharness.case_ids()


def _needs_root(case_id: str) -> bool:
    case = bharness.load(case_id)
    return any(isinstance(v, dict) and "chardev" in v for v in case.get("files", {}).values())


def test_enough_contexts_each_with_a_golden_naming_its_versions() -> None:
    own = [i for i in IDS if i.startswith("buildah.")]
    assert len(own) >= 30 and len(IDS) >= 200
    missing = [i for i in IDS if not bharness.golden_path(i).exists()]
    assert missing == []
    for i in IDS:
        g = bharness.golden(i)
        assert g["case"] == i
        assert (g["buildah_version"], g["podman_version"]) == (bharness.LATEST["buildah"], bharness.LATEST["podman"])
        assert "buildah" in g and "podman_remote" in g
        if "debian" in g:
            older = g["debian"]
            assert (older["buildah_version"], older["podman_version"]) == (
                bharness.DEBIAN["buildah"],
                bharness.DEBIAN["podman"],
            )
            # only what differs is kept
            assert {"buildah", "podman_remote"} & set(older), i


@pytest.mark.parametrize("case_id", IDS)
def test_buildah_puts_what_ctxaudit_says_into_the_image(case_id: str) -> None:
    """ctxaudit against buildah v1.44.0 (the golden's top level)."""
    if _needs_root(case_id) and os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    assert bharness.compare(case_id) == []


@pytest.mark.parametrize("case_id", IDS)
def test_podman_remote_uploads_the_tar_ctxaudit_sizes(case_id: str) -> None:
    """ctxaudit against the podman v5.8.2 remote client (the golden's top level)."""
    if _needs_root(case_id) and os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    assert bharness.compare_remote(case_id) == []


def _differs(a: dict[str, object], b: dict[str, object]) -> bool:
    """Two recorded results differ (an error's text aside)."""
    return (a["ok"], a.get("files"), a.get("members"), a.get("tar_bytes")) != (
        b["ok"],
        b.get("files"),
        b.get("members"),
        b.get("tar_bytes"),
    )


def _sized(case_id: str, result: dict[str, Any]) -> object:
    """A result as compared, the size of a link to an absolute path of the
    recorder's own directory (``@where``) left out: the conformance recorder
    builds in another directory than tests/buildah's."""
    rows = bharness.comparable(case_id, result)
    if isinstance(rows, str):
        return rows
    files = bharness.load(case_id).get("files", {})
    moving = {p for p, v in files.items() if isinstance(v, dict) and str(v.get("symlink", "")).startswith("@where")}
    return [[r[0], None if r[0] in moving else r[1]] for r in rows]


def test_each_buildah_1_28_difference_has_its_reason_and_the_prediction_held() -> None:
    """Where Debian's buildah 1.28.2 built a case otherwise than 1.44.0 a
    change explains it (a version, a commit), every stated change shows in the
    records, and where the source reading predicted today's result the
    1.44.0 record says the same."""
    changed = [i for i in IDS if "buildah" in bharness.golden(i).get("debian", {})]
    unexplained = [i for i in changed if bharness.version_change(i) is None]
    assert unexplained == []
    predicted = 0
    for i in IDS:
        change = bharness.version_change(i)
        if change is None:
            continue
        why, prediction = change
        assert "v1." in why, i
        g = bharness.golden(i)
        assert i in changed, f"{i}: stated as changed since 1.28, recorded alike ({why})"
        assert _differs(g["debian"]["buildah"], g["buildah"]), i
        if prediction is not None:
            predicted += 1
            assert _sized(i, prediction) == _sized(i, g["buildah"]), i
    assert len(changed) >= 20 and predicted >= 15


def test_each_podman_4_difference_has_its_reason() -> None:
    """Where podman 4.3.1's client uploaded otherwise than 5.8.2's, a client
    change explains it."""
    changed = [i for i in IDS if "podman_remote" in bharness.golden(i).get("debian", {})]
    assert [i for i in changed if bharness.remote_change(i) is None] == []
    assert len(changed) >= 20


def test_the_goldens_hold_the_behaviours_the_readme_states() -> None:
    """A few recorded facts the README's Builders table rests on (buildah v1.44.0)."""

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
    # The 1.28 facts the README names as changed since.
    old = bharness.golden("buildah.sel-ignore-symlink-outside")["debian"]["buildah"]
    assert "a.txt" not in [r[0] for r in old["files"]] and "a.txt" in files("buildah.sel-ignore-symlink-outside")
    assert not bharness.golden("buildah.feat-heredoc")["debian"]["buildah"]["ok"]
    assert files("buildah.feat-heredoc") == ["hello.txt"]
