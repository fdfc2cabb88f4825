"""Open a built image: a ``docker save`` tarball, an OCI layout, or a name the Docker CLI saves.

Formats (each read as one stream, every layer once, whatever the order of
the archive's members):

* ``docker save`` / ``podman save`` (docker-archive): ``manifest.json``
  lists ``Config`` and ``Layers`` (``<id>/layer.tar`` up to Docker 24,
  ``blobs/sha256/<hex>`` from Docker 25, which also writes an OCI index);
  layers may be symlinks to another member holding the same layer;
* an OCI image layout, as a directory or a tar of it (``podman save
  --format oci-archive``, ``skopeo copy ... oci:``, ``buildx -o type=oci``):
  ``index.json`` -> manifest (through an image index: linux/amd64, else the
  only or first image, attestations skipped) -> config and layer blobs;
* an image name: ``docker image save NAME``, its output read as it comes
  (``DOCKER_HOST`` and the other CLI settings apply).

A whole archive compressed with gzip or zstd (``docker save IMG | gzip``)
is read as well. The config's history is paired with the layers in order,
skipping ``empty_layer`` entries, as Docker and dive pair them.
"""

from __future__ import annotations

import json
import posixpath
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .compress import ArchiveError, kind, open_stream, open_tar, read_full
from .layer import LayerFiles, clean, read_layer

MAX_JSON = 64 << 20  # a config or manifest larger than this is not one
_INDEX_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")
_ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.zstd", ".oci")


@dataclass(frozen=True)
class HistoryEntry:
    """One entry of the image config's ``history``."""

    created_by: str
    empty_layer: bool = False
    comment: str = ""
    created: str = ""


@dataclass
class Layer:
    index: int  # 0 = bottom
    blob: str  # the archive member or blob that held it
    compression: str  # "none" | "gzip" | "zstd"
    blob_bytes: int  # its size in the archive
    files: LayerFiles
    diff_id: str | None = None  # from the config's rootfs
    history: int | None = None  # index into Image.history

    @property
    def bytes(self) -> int:
        return self.files.bytes


@dataclass
class Image:
    source: str  # as given: a path or an image name
    format: str  # "docker-archive" | "oci-layout" | "oci-archive" | "docker-daemon"
    name: str | None  # a tag the archive records
    config: dict[str, Any]
    history: list[HistoryEntry]
    layers: list[Layer]
    notes: list[str] = field(default_factory=list)  # what had to be guessed

    def history_of(self, layer: Layer) -> HistoryEntry | None:
        return None if layer.history is None else self.history[layer.history]

    @property
    def bytes(self) -> int:
        return sum(layer.bytes for layer in self.layers)


# What a format gives the assembler: JSON documents and parsed layers by name.
JsonOf = Callable[[str], "bytes | None"]
LayerOf = Callable[[str], "tuple[LayerFiles, str, int] | None"]


def open_image(source: str, docker: str = "docker") -> Image:
    """Read ``source``: an archive file, a layout directory, else an image name.

    Raises ArchiveError (exit 2) for anything unreadable, naming the source.
    """
    path = Path(source)
    if path.is_dir():
        return _from_directory(source, path)
    if path.is_file():
        try:
            with open(path, "rb") as f:
                return _from_stream(source, f, None)
        except OSError as exc:
            raise ArchiveError(f"cannot read {source}: {exc.strerror or exc}") from None
    if source.startswith(("/", "./", "../")) or source.endswith(_ARCHIVE_SUFFIXES):
        raise ArchiveError(f"{source}: no such file or directory")
    return _from_docker(source, docker)


def _from_docker(name: str, docker: str) -> Image:
    """``docker image save NAME``, read from the pipe."""
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen([docker, "image", "save", name], stdout=subprocess.PIPE, stderr=errors)
        except OSError as exc:
            raise ArchiveError(
                f"{name}: not a file or directory, and the Docker CLI to save an image of that name "
                f"cannot run ({docker}: {exc.strerror or exc})"
            ) from None
        assert proc.stdout is not None
        try:
            image = _from_stream(name, proc.stdout, name, fmt="docker-daemon")
            while proc.stdout.read(1 << 16):  # whatever follows the tar's end: docker must not see a broken pipe
                pass
        except ArchiveError:
            proc.kill()
            proc.wait()
            if proc.returncode:
                raise _docker_failed(name, errors) from None
            raise
        finally:
            proc.stdout.close()
        if proc.wait():
            raise _docker_failed(name, errors)
    return image


def _docker_failed(name: str, errors: IO[bytes]) -> ArchiveError:
    errors.seek(0)
    said = errors.read().decode("utf-8", "replace").strip().splitlines()
    return ArchiveError(f"docker image save {name} failed: {said[-1] if said else 'no message'}")


@dataclass
class _Collected:
    json: dict[str, bytes] = field(default_factory=dict)
    layers: dict[str, tuple[LayerFiles, str, int]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # member -> the member it links to

    def resolve(self, name: str) -> str:
        seen = 0
        while name in self.links and seen < 40:
            name = self.links[name]
            seen += 1
        return name


def _from_stream(source: str, stream: IO[bytes], wanted: str | None, fmt: str | None = None) -> Image:
    got = _Collected()
    content, _ = open_stream(stream, source)
    try:
        with open_tar(content) as tar:
            for m in tar:
                name = clean(m.name)
                if m.issym():
                    got.links[name] = clean(posixpath.join(posixpath.dirname(name), m.linkname))
                elif m.islnk():
                    got.links[name] = clean(m.linkname)
                if not m.isreg():
                    continue
                f = tar.extractfile(m)
                if f is None:
                    continue
                head = read_full(f, 512)
                found = kind(head)
                if found == "json" and m.size <= MAX_JSON:
                    got.json[name] = head + f.read()
                elif found in ("tar", "gzip", "zstd"):
                    what = f"{source}: layer {name}"
                    layer_stream, compression = open_stream(f, what, head)
                    got.layers[name] = (read_layer(layer_stream, what), compression, m.size)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ArchiveError(f"{source}: not a readable image archive: {exc}") from None

    def json_of(name: str) -> bytes | None:
        return got.json.get(got.resolve(clean(name)))

    def layer_of(name: str) -> tuple[LayerFiles, str, int] | None:
        return got.layers.get(got.resolve(clean(name)))

    if "manifest.json" in got.json:
        return _docker_archive(source, fmt or "docker-archive", json_of, layer_of, wanted)
    if "index.json" in got.json:
        return _oci(source, fmt or "oci-archive", json_of, layer_of)
    raise ArchiveError(f"{source}: not an image archive (no manifest.json or index.json in it)")


def _from_directory(source: str, root: Path) -> Image:
    """An OCI layout directory, or a ``docker save`` tarball unpacked."""
    cache: dict[str, tuple[LayerFiles, str, int] | None] = {}

    def inside(name: str) -> Path | None:
        rel = clean(name)
        path = root / rel
        try:
            path.resolve().relative_to(root.resolve())
        except ValueError:
            return None
        return path if rel and path.is_file() else None

    def json_of(name: str) -> bytes | None:
        path = inside(name)
        if path is None or path.stat().st_size > MAX_JSON:
            return None
        return path.read_bytes()

    def layer_of(name: str) -> tuple[LayerFiles, str, int] | None:
        if name not in cache:
            path = inside(name)
            if path is None:
                cache[name] = None
            else:
                what = f"{source}: layer {clean(name)}"
                with open(path, "rb") as f:
                    stream, compression = open_stream(f, what)
                    cache[name] = (read_layer(stream, what), compression, path.stat().st_size)
        return cache[name]

    try:
        if (root / "manifest.json").is_file():
            return _docker_archive(source, "docker-archive", json_of, layer_of, None)
        if (root / "index.json").is_file():
            return _oci(source, "oci-layout", json_of, layer_of)
    except OSError as exc:
        raise ArchiveError(f"cannot read {source}: {exc.strerror or exc}") from None
    raise ArchiveError(f"{source}: a directory without index.json (OCI layout) or manifest.json (docker save)")


def _load(data: bytes | None, what: str) -> Any:
    if data is None:
        raise ArchiveError(f"{what} is missing")
    try:
        return json.loads(data)
    except ValueError as exc:
        raise ArchiveError(f"{what} is not valid JSON: {exc}") from None


def _docker_archive(source: str, fmt: str, json_of: JsonOf, layer_of: LayerOf, wanted: str | None) -> Image:
    manifest = _load(json_of("manifest.json"), f"{source}: manifest.json")
    if not isinstance(manifest, list) or not manifest:
        raise ArchiveError(f"{source}: manifest.json lists no image")
    notes: list[str] = []
    entry = manifest[0]
    if len(manifest) > 1:
        named = [e for e in manifest if wanted and wanted in (e.get("RepoTags") or [])]
        entry = named[0] if named else entry
        if not named:
            tags = entry.get("RepoTags") or ["(untagged)"]
            notes.append(f"the archive holds {len(manifest)} images; reading the first, {tags[0]}")
    config_name = str(entry.get("Config", ""))
    config = _load(json_of(config_name), f"{source}: image config {config_name}")
    layers: list[Layer] = []
    for i, name in enumerate(entry.get("Layers") or []):
        found = layer_of(name)
        if found is None:
            raise ArchiveError(f"{source}: layer {name} is listed in manifest.json but not in the archive")
        files, compression, size = found
        layers.append(Layer(i, clean(name), compression, size, files))
    tags = entry.get("RepoTags") or []
    return _assemble(source, fmt, tags[0] if tags else None, config, layers, notes)


def _blob(digest: str) -> str:
    algorithm, _, hexpart = digest.partition(":")
    return f"blobs/{algorithm}/{hexpart}"


def _oci(source: str, fmt: str, json_of: JsonOf, layer_of: LayerOf) -> Image:
    notes: list[str] = []
    doc = _load(json_of("index.json"), f"{source}: index.json")
    name: str | None = None
    for _ in range(8):  # index -> (index ->) manifest
        if not (doc.get("mediaType") in _INDEX_TYPES or "manifests" in doc):
            break
        chosen = _platform(doc.get("manifests") or [], notes, source)
        annotations = chosen.get("annotations") or {}
        name = name or annotations.get("io.containerd.image.name")
        name = name or annotations.get("org.opencontainers.image.ref.name")
        digest = str(chosen.get("digest", ""))
        doc = _load(json_of(_blob(digest)), f"{source}: manifest {digest}")
    else:
        raise ArchiveError(f"{source}: image indexes nested too deep")
    config_digest = str((doc.get("config") or {}).get("digest", ""))
    config = _load(json_of(_blob(config_digest)), f"{source}: image config {config_digest}")
    layers: list[Layer] = []
    for i, desc in enumerate(doc.get("layers") or []):
        digest = str(desc.get("digest", ""))
        found = layer_of(_blob(digest))
        if found is None:
            raise ArchiveError(f"{source}: layer blob {digest} is missing")
        files, compression, size = found
        layers.append(Layer(i, digest, compression, size, files))
    return _assemble(source, fmt, name, config, layers, notes)


def _platform(manifests: list[dict[str, Any]], notes: list[str], source: str) -> dict[str, Any]:
    images = [
        m
        for m in manifests
        if (m.get("annotations") or {}).get("vnd.docker.reference.type") != "attestation-manifest"
        and (m.get("platform") or {}).get("os") != "unknown"
    ]
    if not images:
        raise ArchiveError(f"{source}: the image index lists no image")
    for m in images:
        p = m.get("platform") or {}
        if p.get("os") == "linux" and p.get("architecture") == "amd64":
            return m
    if len(images) > 1:
        p = images[0].get("platform") or {}
        notes.append(
            f"the index lists {len(images)} images and none for linux/amd64; reading the first "
            f"({p.get('os', '?')}/{p.get('architecture', '?')})"
        )
    return images[0]


def _assemble(source: str, fmt: str, name: str | None, config: Any, layers: list[Layer], notes: list[str]) -> Image:
    if not isinstance(config, dict):
        raise ArchiveError(f"{source}: the image config is not an object")
    history = [
        HistoryEntry(
            str(h.get("created_by", "")),
            bool(h.get("empty_layer", False)),
            str(h.get("comment", "")),
            str(h.get("created", "")),
        )
        for h in config.get("history") or []
        if isinstance(h, dict)
    ]
    diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
    for layer, diff_id in zip(layers, diff_ids, strict=False):
        layer.diff_id = str(diff_id)
    if diff_ids and len(diff_ids) != len(layers):
        notes.append(f"the config names {len(diff_ids)} layers, the archive holds {len(layers)}")
    with_layers = [i for i, h in enumerate(history) if not h.empty_layer]
    for layer, index in zip(layers, with_layers, strict=False):
        layer.history = index
    if history and len(with_layers) != len(layers):
        notes.append(
            f"the history has {len(with_layers)} entries with a layer for {len(layers)} layers: "
            "paired in order as far as they go"
        )
    return Image(source, fmt, name, config, history, layers, notes)
