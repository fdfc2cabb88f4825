"""Hand-made layers and image archives, for what the engine here cannot produce.

A layer is a list of entries: ``("path", b"content")`` a regular file,
``("path/", None)`` a directory, ``("path", "->target")`` a symlink,
``("path", "=>target")`` a hard link; a fourth element sets the mode, e.g.
``("path", b"x", 0o755)``. Whiteouts and opaque markers are ordinary
names (``dir/.wh.name``, ``dir/.wh..wh..opq``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

Entry = tuple[Any, ...]


def layer_tar(entries: list[Entry]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for e in entries:
            name, content = e[0], e[1]
            mode = e[2] if len(e) > 2 else None
            info = tarfile.TarInfo(name.rstrip("/"))
            info.mtime = 1_700_000_000
            data = None
            if content is None or name.endswith("/"):
                info.type = tarfile.DIRTYPE
                info.mode = mode or 0o755
            elif isinstance(content, str) and content.startswith("->"):
                info.type = tarfile.SYMTYPE
                info.linkname = content[2:]
                info.mode = mode or 0o777
            elif isinstance(content, str) and content.startswith("=>"):
                info.type = tarfile.LNKTYPE
                info.linkname = content[2:]
                info.mode = mode or 0o644
            else:
                data = content if isinstance(content, bytes) else content.encode()
                info.size = len(data)
                info.mode = mode or 0o644
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def compress(data: bytes, how: str) -> bytes:
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "zstd":
        import zstandard

        return zstandard.ZstdCompressor().compress(data)
    return data


def config(layers: list[bytes], created_by: list[str] | None = None, empty: set[int] | None = None) -> bytes:
    """An image config: diff_ids of the uncompressed layers, a history entry each
    (plus empty_layer entries at the indexes in ``empty`` of ``created_by``)."""
    created_by = created_by or [f"RUN step {i}" for i in range(len(layers))]
    empty = empty or set()
    history = [{"created_by": c, **({"empty_layer": True} if i in empty else {})} for i, c in enumerate(created_by)]
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(x).hexdigest() for x in layers]},
            "history": history,
        }
    ).encode()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1_700_000_000
    tar.addfile(info, io.BytesIO(data))


def docker_archive(
    layers: list[bytes], cfg: bytes | None = None, tag: str = "synth:latest", link_duplicates: bool = False
) -> bytes:
    """A ``docker save`` tarball (Docker 20.10 layout: ``<id>/layer.tar``), members in
    docker's order (layers first, manifest last). ``link_duplicates``: a repeated
    layer is a symlink to the first copy, as newer docker save writes it."""
    cfg = cfg or config(layers)
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    buf = io.BytesIO()
    names = []
    seen: dict[bytes, str] = {}
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for i, data in enumerate(layers):
            name = f"{i:064x}/layer.tar"
            names.append(name)
            if link_duplicates and data in seen:
                info = tarfile.TarInfo(name)
                info.type = tarfile.SYMTYPE
                info.linkname = "../" + seen[data]
                tar.addfile(info)
                continue
            seen[data] = name
            _add(tar, name, data)
            _add(tar, f"{i:064x}/VERSION", b"1.0")
        _add(tar, cfg_name, cfg)
        manifest = [{"Config": cfg_name, "RepoTags": [tag], "Layers": names}]
        _add(tar, "manifest.json", json.dumps(manifest).encode())
    return buf.getvalue()


def oci_blobs(
    layers: list[bytes], how: str = "gzip", cfg: bytes | None = None, index: bool = False
) -> dict[str, bytes]:
    """The files of an OCI layout: ``oci-layout``, ``index.json``, blobs. With
    ``index``: index.json points at an image index holding an attestation, an
    arm64 image and the amd64 one."""
    files: dict[str, bytes] = {"oci-layout": b'{"imageLayoutVersion":"1.0.0"}'}

    def blob(data: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        files["blobs/sha256/" + digest[7:]] = data
        return digest

    cfg = cfg or config(layers)
    suffix = {"gzip": "+gzip", "zstd": "+zstd", "none": ""}[how]
    descs = []
    for data in layers:
        packed = compress(data, how)
        descs.append(
            {
                "mediaType": f"application/vnd.oci.image.layer.v1.tar{suffix}",
                "digest": blob(packed),
                "size": len(packed),
            }
        )
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(cfg), "size": len(cfg)},
        "layers": descs,
    }
    mdata = json.dumps(manifest).encode()
    top = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(mdata), "size": len(mdata)}
    if index:
        other = json.dumps({**manifest, "layers": []}).encode()
        inner = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": blob(b'{"attestation": true}'),
                    "size": 21,
                    "platform": {"os": "unknown", "architecture": "unknown"},
                    "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
                },
                {**top, "digest": blob(other), "platform": {"os": "linux", "architecture": "arm64"}},
                {**top, "platform": {"os": "linux", "architecture": "amd64"}},
            ],
        }
        idata = json.dumps(inner).encode()
        top = {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": blob(idata), "size": len(idata)}
    top["annotations"] = {"org.opencontainers.image.ref.name": "synth:oci"}
    files["index.json"] = json.dumps({"schemaVersion": 2, "manifests": [top]}).encode()
    return files


def write_dir(files: dict[str, bytes], root: Path) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def tar_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            _add(tar, name, data)
    return buf.getvalue()
