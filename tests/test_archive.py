"""Image archives and layer stacking (ctxaudit.archive), on hand-made layers.

The engine here writes docker-archive tarballs with uncompressed layers and
never an opaque directory; these cases cover the rest of the formats and of
the OCI changeset rules. Real archives are in test_layers_fixtures.py.
"""

from __future__ import annotations

import gzip
import io
import stat
import sys
from pathlib import Path

import pytest
import synth

from ctxaudit.archive import compress
from ctxaudit.archive.compress import ArchiveError
from ctxaudit.archive.image import open_image
from ctxaudit.archive.layer import DIR, FILE, HARDLINK, SYMLINK, read_layer
from ctxaudit.archive.union import DELETED, METADATA, OVERWRITTEN, stack


def layer(entries: list[synth.Entry]):  # type: ignore[no-untyped-def]
    return read_layer(io.BytesIO(synth.layer_tar(entries)), "test layer")


def test_a_layer_lists_its_files_whiteouts_and_opaque_dirs() -> None:
    got = layer(
        [
            ("app/", None),
            ("app/a.txt", b"hello", 0o755),
            ("app/link", "->a.txt"),
            ("app/hard", "=>app/a.txt"),
            ("app/.wh.old", b""),
            ("etc/.wh..wh..opq", b""),
            ("etc/.wh..wh.plnk", b""),  # AUFS bookkeeping: nothing
            ("./usr/bin/", None),
        ]
    )
    by = {e.path: e for e in got.entries}
    assert sorted(by) == ["app", "app/a.txt", "app/hard", "app/link", "usr/bin"]
    assert [by[p].type for p in ("app", "app/a.txt", "app/link", "app/hard")] == [DIR, FILE, SYMLINK, HARDLINK]
    assert by["app/a.txt"].size == 5 and stat.S_IMODE(by["app/a.txt"].mode) == 0o755
    assert by["app/link"].size == 0 and by["app/link"].link == "a.txt"
    assert by["app/hard"].size == 0 and by["app/hard"].digest == by["app/a.txt"].digest
    assert got.whiteouts == ["app/old"] and got.opaque == ["etc"]
    assert got.bytes == 5 and got.files == 3


def test_a_metadata_only_change_hides_the_lower_copy() -> None:
    s = stack([layer([("a", b"x" * 100)]), layer([("a", b"x" * 100, 0o700)])])
    (h,) = s.hidden
    assert (h.layer, h.by, h.how, h.bytes) == (0, 1, METADATA, 100)
    assert [r.path for r in s.changes[1].metadata] == ["a"] and not s.changes[1].added
    assert s.changes[0].unreachable == 100 and s.reachable_bytes == 100


def test_new_content_overwrites_and_a_whiteout_deletes() -> None:
    s = stack(
        [
            layer([("d/", None), ("d/x", b"1" * 10), ("d/y", b"2" * 20), ("f", b"3" * 30)]),
            layer([("f", b"4" * 40), ("d/.wh.x", b"")]),
            layer([(".wh.d", b"")]),
        ]
    )
    how = {(h.rec.path, h.by): (h.how, h.bytes) for h in s.hidden}
    assert how == {("f", 1): (OVERWRITTEN, 30), ("d/x", 1): (DELETED, 10), ("d/y", 2): (DELETED, 20)}
    assert [r.path for r in s.changes[1].modified] == ["f"]
    assert s.reachable_bytes == 40 and s.reachable_files == 1


def test_an_opaque_directory_hides_only_the_lower_contents() -> None:
    s = stack(
        [
            layer([("d/", None), ("d/x", b"x" * 5), ("d/sub/y", b"y" * 7), ("e", b"e")]),
            layer([("d/", None), ("d/.wh..wh..opq", b""), ("d/z", b"z" * 3)]),
        ]
    )
    assert sorted((h.rec.path, h.how, h.bytes) for h in s.hidden) == [("d/sub/y", DELETED, 7), ("d/x", DELETED, 5)]
    assert [r.path for r in s.changes[1].added] == ["d/z"]
    assert s.reachable_bytes == 4


def test_a_file_over_a_directory_removes_the_subtree_and_back() -> None:
    s = stack(
        [
            layer([("d/", None), ("d/x", b"x" * 5), ("g", b"g" * 9)]),
            layer([("d", b"now a file"), ("g/", None), ("g/inside", b"i")]),
        ]
    )
    assert sorted((h.rec.path, h.how) for h in s.hidden) == [("d/x", DELETED), ("g", OVERWRITTEN)]
    assert s.reachable_bytes == len(b"now a file") + 1


def test_a_hard_link_keeps_deleted_bytes_reachable() -> None:
    base = layer([("a", b"a" * 100), ("b", "=>a")])
    kept = stack([base, layer([(".wh.a", b"")])])
    assert [(h.rec.path, h.bytes) for h in kept.hidden] == [("a", 0)]  # b still holds the content
    gone = stack([layer([("a", b"a" * 100), ("b", "=>a")]), layer([(".wh.a", b"")]), layer([(".wh.b", b"")])])
    assert sorted((h.rec.path, h.bytes) for h in gone.hidden) == [("a", 100), ("b", 0)]


def test_a_link_to_a_lower_layer_keeps_it_and_finds_its_content() -> None:
    s = stack([layer([("a", b"a" * 50)]), layer([("b", "=>a")]), layer([(".wh.a", b"")])])
    assert [(h.rec.path, h.bytes) for h in s.hidden] == [("a", 0)]
    assert s.changes[1].added[0].digest == s.changes[0].added[0].digest


def test_a_symlink_retargeted_is_new_content_and_same_target_is_metadata() -> None:
    s = stack([layer([("l", "->a"), ("m", "->b")]), layer([("l", "->c"), ("m", "->b", 0o700)])])
    assert {h.rec.path: h.how for h in s.hidden} == {"l": OVERWRITTEN, "m": METADATA}


def test_a_path_written_twice_in_one_layer_is_not_waste() -> None:
    s = stack([layer([("a", b"1"), ("a", b"22")])])
    assert not s.hidden and s.reachable_bytes == 3  # the tar stores both, the engine keeps the second


# -- formats ------------------------------------------------------------------

LAYERS = [
    synth.layer_tar([("app/", None), ("app/a.bin", b"a" * 300)]),
    synth.layer_tar([("app/a.bin", b"a" * 300, 0o700)]),
    synth.layer_tar([]),  # a RUN that changed nothing: 1,024 zero bytes
]
CONFIG = synth.config(LAYERS, ["COPY app/ /app/ # buildkit", "ENV X=1", "RUN chmod 700 /app/a.bin", "RUN true"], {1})


def check_image(source: str, fmt: str, compression: str = "none") -> None:
    img = open_image(source)
    assert img.format == fmt
    assert [layer.bytes for layer in img.layers] == [300, 300, 0]
    assert [layer.compression for layer in img.layers] == [compression] * 3
    assert [img.history_of(layer).created_by for layer in img.layers] == [  # type: ignore[union-attr]
        "COPY app/ /app/ # buildkit",
        "RUN chmod 700 /app/a.bin",
        "RUN true",
    ]
    assert all(layer.diff_id and layer.diff_id.startswith("sha256:") for layer in img.layers)
    assert not img.notes


def test_docker_archive_tarball(tmp_path: Path) -> None:
    path = tmp_path / "img.tar"
    path.write_bytes(synth.docker_archive(LAYERS, CONFIG))
    check_image(str(path), "docker-archive")
    assert open_image(str(path)).name == "synth:latest"


def test_docker_archive_compressed_whole_and_with_linked_layers(tmp_path: Path) -> None:
    path = tmp_path / "img.tar.gz"
    same = [LAYERS[0], LAYERS[0]]
    path.write_bytes(gzip.compress(synth.docker_archive(same, synth.config(same), link_duplicates=True)))
    img = open_image(str(path))
    assert [layer.bytes for layer in img.layers] == [300, 300]


def test_docker_archive_unpacked_into_a_directory(tmp_path: Path) -> None:
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(synth.docker_archive(LAYERS, CONFIG))) as tar:
        tar.extractall(tmp_path / "x", filter="data")
    check_image(str(tmp_path / "x"), "docker-archive")


@pytest.mark.parametrize("how", ["gzip", "zstd", "none"])
def test_oci_layout_directory(tmp_path: Path, how: str) -> None:
    root = synth.write_dir(synth.oci_blobs(LAYERS, how, CONFIG), tmp_path / "oci")
    check_image(str(root), "oci-layout", how)
    assert open_image(str(root)).name == "synth:oci"


@pytest.mark.parametrize("how", ["gzip", "zstd"])
def test_oci_archive_through_an_image_index(tmp_path: Path, how: str) -> None:
    path = tmp_path / "img.oci.tar"
    path.write_bytes(synth.tar_of(synth.oci_blobs(LAYERS, how, CONFIG, index=True)))
    check_image(str(path), "oci-archive", how)  # the amd64 image, not the attestation or arm64


def test_zstd_without_a_decoder_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "img.oci.tar"
    path.write_bytes(synth.tar_of(synth.oci_blobs(LAYERS, "zstd", CONFIG)))
    monkeypatch.setitem(sys.modules, "zstandard", None)
    monkeypatch.setitem(sys.modules, "compression", None)
    with pytest.raises(ArchiveError, match=r"zstd-compressed .* pip install 'ctxaudit\[zstd\]'"):
        open_image(str(path))


def test_history_pairs_with_layers_skipping_empty_entries_and_says_when_short(tmp_path: Path) -> None:
    path = tmp_path / "img.tar"
    path.write_bytes(synth.docker_archive(LAYERS, synth.config(LAYERS, ["COPY x", "RUN a"])))
    img = open_image(str(path))
    assert [layer.history for layer in img.layers] == [0, 1, None]
    assert any("paired in order" in n for n in img.notes)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a tar at all" * 100, "not a readable image archive"),
        (synth.tar_of({"hello.txt": b"hi"}), "no manifest.json or index.json"),
        (synth.tar_of({"manifest.json": b'[{"Config": "c.json", "Layers": []}]'}), "c.json is missing"),
        (
            synth.tar_of({"manifest.json": b'[{"Config": "c.json", "Layers": ["l/layer.tar"]}]', "c.json": b"{}"}),
            "l/layer.tar is listed in manifest.json but not in the archive",
        ),
    ],
)
def test_broken_archives_are_input_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "img.tar"
    path.write_bytes(content)
    with pytest.raises(ArchiveError, match=message):
        open_image(str(path))


def test_a_corrupt_gzip_layer_names_the_layer(tmp_path: Path) -> None:
    files = synth.oci_blobs(LAYERS[:1], "gzip")
    blob = next(k for k, v in files.items() if v.startswith(compress.GZIP_MAGIC))
    files[blob] = files[blob][:40]
    with pytest.raises(ArchiveError, match="layer blobs/sha256/"):
        open_image(str(synth.write_dir(files, tmp_path / "oci")))


def test_a_missing_path_is_not_taken_for_an_image_name(tmp_path: Path) -> None:
    for source in (str(tmp_path / "nope.tar"), "./nope", "nope.tar.gz"):
        with pytest.raises(ArchiveError, match="no such file or directory"):
            open_image(source)


def fake_docker(tmp_path: Path, archive: bytes, fail: str | None = None) -> str:
    (tmp_path / "saved.tar").write_bytes(archive)
    script = tmp_path / "docker"
    if fail:
        script.write_text(f"#!/bin/sh\necho 'Error response from daemon: {fail}' >&2\nexit 1\n")
    else:
        script.write_text(f'#!/bin/sh\n[ "$1 $2 $3" = "image save app:1" ] || exit 3\ncat {tmp_path}/saved.tar\n')
    script.chmod(0o755)
    return str(script)


def test_an_image_name_is_read_through_docker_image_save(tmp_path: Path) -> None:
    docker = fake_docker(tmp_path, synth.docker_archive(LAYERS, CONFIG))
    img = open_image("app:1", docker)
    assert img.format == "docker-daemon" and [layer.bytes for layer in img.layers] == [300, 300, 0]


def test_docker_failures_are_reported_with_its_message(tmp_path: Path) -> None:
    docker = fake_docker(tmp_path, b"", fail="reference does not exist")
    with pytest.raises(ArchiveError, match=r"docker image save app:1 failed: .*reference does not exist"):
        open_image("app:1", docker)
    with pytest.raises(ArchiveError, match="cannot run"):
        open_image("app:1", str(tmp_path / "no-docker"))


def test_docker_output_past_the_tars_end_is_drained(tmp_path: Path) -> None:
    """Record padding after the end-of-archive blocks: unread, it would break docker's pipe."""
    docker = fake_docker(tmp_path, synth.docker_archive(LAYERS, CONFIG) + bytes(1 << 20))
    assert len(open_image("app:1", docker).layers) == 3
