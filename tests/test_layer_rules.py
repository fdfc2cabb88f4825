"""Measured layer traps (rules/layers.py) on hand-made images: every cache, every
way a byte gets hidden, and what the base image is spared."""

from __future__ import annotations

from pathlib import Path

import pytest
import synth

from ctxaudit.layerreport import layers
from ctxaudit.rules.findings import Finding


def report(tmp_path: Path, entries: list[list[synth.Entry]], created_by: list[str], base: int = 1) -> list[Finding]:
    tars = [synth.layer_tar(e) for e in entries]
    path = tmp_path / "img.tar"
    path.write_bytes(synth.docker_archive(tars, synth.config(tars, created_by)))
    return layers(str(path), base_layers=base).findings


BASE = [("usr/", None), ("usr/lib/", None), ("usr/lib/libbig.so", b"L" * 5000), ("etc/os-release", b"ID=test\n")]


@pytest.mark.parametrize(
    ("path", "rule", "what"),
    [
        ("root/.cache/pip/wheels/x.whl", "CA502", "pip's cache"),
        ("var/lib/apt/lists/x_Packages", "CA503", "apt's package lists"),
        ("var/cache/apt/archives/gcc.deb", "CA503", "apt's package cache"),
        ("var/cache/apk/APKINDEX.tar.gz", "CA505", "apk's index cache"),
        ("root/.npm/_cacache/content-v2/x", "CA506", "npm's cache"),
        ("usr/local/share/.cache/yarn/v6/x.tgz", "CA506", "yarn's cache"),
        ("root/.local/share/pnpm/store/v3/x", "CA506", "pnpm's store"),
        ("opt/conda/pkgs/numpy.conda", "CA507", "conda's package cache"),
    ],
)
def test_each_cache_is_its_image_rule(tmp_path: Path, path: str, rule: str, what: str) -> None:
    (f,) = report(tmp_path, [BASE, [(path, b"c" * 700)]], ["ADD base", "RUN /bin/sh -c install things"])
    assert f.rule.id == rule and f.bytes == 700
    # no Dockerfile: the finding names the layer and has no location
    assert f.message.startswith(f"layer 1 leaves 700 B of {what} in its layer: /") and f.message.endswith("1 file")
    assert f.path is None and f.line is None


def test_the_base_image_is_spared_but_what_you_do_to_it_is_not(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        [
            [*BASE, ("var/lib/apt/lists/big", b"x" * 900), ("tmp/", None), ("tmp/junk", b"j" * 300)],
            [("usr/lib/.wh.libbig.so", b"")],  # RUN rm of a base file: frees nothing
            [("etc/os-release", b"ID=test\n", 0o600)],  # RUN chmod of a base file: a copy of yours
            [("tmp/.wh.junk", b"")],
        ],
        ["ADD base", "RUN /bin/sh -c rm /usr/lib/libbig.so", "RUN /bin/sh -c chmod 600 /etc/os-release", "RUN x"],
    )
    got = sorted((f.rule.id, f.bytes, f.message.split(":")[0]) for f in found)
    assert got == [
        ("CA500", 8, "layer 2 stores 1 file, 8 B again with only their mode, owner or time changed"),
        ("CA510", 300, "layer 3 deletes 1 file, 300 B of the base image"),
        ("CA510", 5000, "layer 1 deletes 1 file, 4.9 KiB of the base image"),
    ]  # and no CA503 for the base's apt lists


def test_who_wrote_what_decides_the_rule(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        [
            BASE,
            [("app/", None), ("app/data.csv", b"d" * 400), ("app/conf", b"1" * 50)],  # COPY
            [("build/", None), ("build/obj.o", b"o" * 600)],  # RUN
            [("app/.wh.data.csv", b""), ("build/.wh.obj.o", b"")],  # RUN rm both
            [("app/conf", b"2" * 60)],  # COPY over
            [("app/conf", b"2" * 60, 0o600)],  # COPY --chmod, same content
        ],
        [
            "ADD base",
            "COPY app/ /app/ # buildkit",
            "RUN /bin/sh -c make",
            "RUN /bin/sh -c rm -rf x",
            "COPY c /app/conf",
            "COPY --chmod=600 c /app/conf",
        ],
    )
    got = sorted((f.rule.id, f.bytes) for f in found)
    assert got == [("CA501", 400), ("CA508", 600), ("CA510", 50), ("CA510", 60)]
    overwrite = next(f for f in found if f.bytes == 50)
    assert overwrite.message.startswith("layer 4 overwrites 1 file, 50 B that layer 1 wrote")


def test_a_deletion_kept_alive_by_a_hard_link_is_no_finding(tmp_path: Path) -> None:
    found = report(
        tmp_path,
        [BASE, [("opt/", None), ("opt/a", b"a" * 500), ("opt/b", "=>opt/a")], [("opt/.wh.a", b"")]],
        ["ADD base", "RUN x", "RUN y"],
    )
    assert found == []
