"""Shared by tests/buildah/record.py: run the real buildah and podman-remote.

* :func:`buildah_listing` builds with ``context-files-buildah.sh`` (rootful
  buildah, ``--storage-driver vfs --isolation chroot``, ``--layers=false``,
  nothing pulled) and returns what the image holds under a directory.
* :func:`remote_tar` runs ``podman --remote build`` against
  ``fake_daemon.py`` (which answers like a service and stores the upload),
  and returns the members and sizes of the tar the client sent.

Both need root; neither keeps an image or container behind.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ctxaudit.common import display

HERE = Path(__file__).resolve().parent
ORACLE = HERE / "context-files-buildah.sh"
FAKE_DAEMON = HERE / "fake_daemon.py"


def version(tool: str) -> str | None:
    """``1.28.2`` from ``buildah --version`` / ``podman --version``, None if absent."""
    if shutil.which(tool) is None:
        return None
    out = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"version (\d+\.\d+\.\d+)", out)
    return m.group(1) if m else None


def _error(stderr: bytes, work: Path) -> str:
    lines = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    errs = [ln for ln in lines if ln.startswith("Error:")]
    msg = errs[-1] if errs else (lines[-1] if lines else "failed")
    msg = msg.replace(str(work), "{work}")
    msg = re.sub(r'Post "[^"]*"', 'Post "..."', msg)  # the URL holds every build option
    # The copier dumps its whole request (pointers included) into some errors.
    msg = re.sub(r"copier\.request\{.*\}(?=: copier:)", "copier.request{...}", msg)
    # Names that change with every run: container ids, buildah's numbered temporary directories.
    msg = re.sub(r"\b[0-9a-f]{64}\b", "<id>", msg)
    msg = re.sub(r"(/var/tmp/[a-z-]+?)-?\d+", r"\1-N", msg)
    msg = re.sub(r"(/overlay/)\d+/", r"\1N/", msg)
    return re.sub(r"0x[0-9a-f]+", "0x...", msg)[:400]


def buildah_listing(cmd_args: list[str], cwd: Path, types: bool = False, buildah: str | None = None) -> dict[str, Any]:
    """Run the oracle with ``cmd_args`` (its options, the context, bud args) in ``cwd``.

    ``buildah``: the binary (default ``buildah`` on the PATH; the latest
    release, tests/buildah/build-latest.sh, is a wrapper with its own storage).

    ``{"ok": True, "files": [[path, size], ...]}`` (paths as ctxaudit
    displays them: undecodable bytes as ``\\xNN``), with ``types`` ``[path, size, type]``
    for every entry (``d`` directories with size null, ``l -> target``);
    or ``{"ok": False, "error": ...}``.
    """
    opts = ["-t"] if types else []
    env = dict(os.environ, BUILDAH=buildah) if buildah is not None else None
    proc = subprocess.run([str(ORACLE), *opts, *cmd_args], cwd=cwd, capture_output=True, env=env)
    if proc.returncode != 0:
        return {"ok": False, "error": _error(proc.stderr, cwd)}
    rows: list[list[Any]] = []
    for line in proc.stdout.split(b"\n"):
        if not line:
            continue
        parts = line.split(b"\t")
        path = display.path(os.fsdecode(parts[0]))
        size = None if parts[1] == b"-" else int(parts[1])
        if types:
            kind = parts[2].decode("utf-8", "surrogateescape")
            rows.append([path, size, kind[0]])
        else:
            rows.append([path, size])
    return {"ok": True, "files": rows}


class RemoteOracle:
    """A fake podman service on a unix socket, started once for many cases."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ctxaudit-podman-remote."))
        self.sock = self.dir / "podman.sock"
        self.out = self.dir / "out"
        # The client hangs up early on some calls: the daemon's broken pipes are noise.
        self.proc = subprocess.Popen(
            [sys.executable, str(FAKE_DAEMON), str(self.sock), str(self.out)], stderr=subprocess.DEVNULL
        )
        for _ in range(100):
            if self.sock.exists():
                break
            time.sleep(0.05)
        self.lock = threading.Lock()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RemoteOracle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def tar(self, build_args: list[str], cwd: Path, podman: str = "podman") -> dict[str, Any]:
        """``podman --remote build BUILD_ARGS`` in ``cwd``: what it uploaded.

        ``podman``: the client (Debian's, or the latest release's remote
        client from tests/buildah/build-latest.sh).

        ``{"ok": True, "tar_bytes", "members": [[name, type, size]]}`` (the tar before gzip)
        (names with the work directory written ``{work}``), or ``{"ok": False,
        "error"}`` when the client stopped before uploading.
        """
        with self.lock:
            for old in self.out.glob("*.tar"):
                old.unlink()
            proc = subprocess.run(
                [podman, "--remote", "--url", f"unix://{self.sock}", "build", *build_args],
                cwd=cwd,
                capture_output=True,
            )
            sent = sorted(self.out.glob("*.tar"))
            if not sent:
                return {"ok": False, "error": _error(proc.stderr, cwd)}
            body = sent[-1].read_bytes()
        raw = gzip.decompress(body)
        members = []
        with tarfile.open(fileobj=io.BytesIO(raw), encoding="utf-8", errors="surrogateescape") as tf:
            for m in tf.getmembers():
                kind = (
                    "dir"
                    if m.isdir()
                    else "symlink"
                    if m.issym()
                    else "hardlink"
                    if m.islnk()
                    else "file"
                    if m.isfile()
                    else "other"
                )
                name = display.path(m.name.replace(str(cwd), "{work}"))
                members.append([name, kind, m.size if kind == "file" else 0])
        # The gzip size is left out: it moves with the mtimes in the headers.
        return {"ok": True, "tar_bytes": len(raw), "members": sorted(members)}
