"""Shared by the record scripts: start the real engine, list what a build put on disk."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
# ../shared beside the clone (a git worktree one level deeper finds it too)
ORACLE = next(
    (p / "shared" / "docker-oracle" for p in REPO.parents if (p / "shared" / "docker-oracle").is_dir()),
    REPO.parent / "shared" / "docker-oracle",
)


def engine_env(base_image: bool = False) -> dict[str, str]:
    """The environment with DOCKER_HOST of a running dockerd (started if needed)."""
    out = subprocess.run([str(ORACLE / "dockerd-up.sh")], check=True, capture_output=True, text=True).stdout
    env = dict(os.environ)
    for line in out.splitlines():
        if line.startswith("export DOCKER_HOST="):
            env["DOCKER_HOST"] = line.split("=", 1)[1]
    if base_image:
        subprocess.run([str(ORACLE / "base-image.sh")], check=True, env=env, capture_output=True)
    return env


def files_under(root: Path, absolute: bool = False) -> list[tuple[bytes, int]]:
    """(path, size) of every regular file and symlink below root, paths as bytes."""
    rows: list[tuple[bytes, int]] = []
    base = os.fsencode(root)
    for dirpath, dirnames, filenames in os.walk(base):
        for name in filenames + dirnames:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                rel = os.path.relpath(full, base)
                rows.append((b"/" + rel if absolute else rel, st.st_size))
    return sorted(rows)


def extract_image(image: str, env: dict[str, str], work: Path) -> Path:
    """Unpack a built image's layers into ``work/out`` (then remove the image)."""
    import json

    (work / "img").mkdir()
    (work / "out").mkdir()
    save = subprocess.run(["docker", "save", image], env=env, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(work / "img")], input=save.stdout, check=True)
    manifest = json.loads((work / "img" / "manifest.json").read_text())
    for layer in manifest[0]["Layers"]:
        subprocess.run(["tar", "-x", "-C", str(work / "out"), "-f", str(work / "img" / layer)], check=True)
    subprocess.run(["docker", "rmi", "-f", image], env=env, capture_output=True)
    return work / "out"


def stable_error(text: str, where: Path | str | None = None) -> str:
    """An engine error without what changes from run to run: the case's
    temporary directory (as ``$CASE``), the daemon's and BuildKit's scratch
    directories, the random name the legacy CLI gives an outside Dockerfile."""
    import re

    if where is not None:
        text = text.replace(str(where), "$CASE")
    text = re.sub(r"/tmp/tmp[\w-]+", "$TMP", text)
    text = re.sub(r"(buildkit-mount|docker-builder)\d+", r"\1N", text)
    return re.sub(r"\.dockerfile\.[0-9a-f]{20}", ".dockerfile.RANDOM", text)


def store(path: Path, golden: object, check: bool, name: str) -> bool:
    """Write a golden, or with ``check`` compare it with the committed one; True on drift."""
    import json

    if check:
        old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        drift = old != golden
        print(f"{'DRIFT' if drift else 'same '} {name}")
        if drift:
            for where, was, now in _differences(old, golden):
                print(f"  {where}: golden {json.dumps(was)[:200]}, now {json.dumps(now)[:200]}")
        return drift
    path.write_text(json.dumps(golden, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {name}")
    return False


def _differences(old: object, new: object, where: str = "") -> list[tuple[str, object, object]]:
    """The leaves where two goldens differ (for --check's report)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            out += _differences(old.get(key), new.get(key), f"{where}.{key}" if where else str(key))
        return out
    return [] if old == new else [(where or "golden", old, new)]
