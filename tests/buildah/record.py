#!/usr/bin/env python3
"""Record (or re-check) the buildah goldens against a real buildah and podman-remote.

    python tests/buildah/record.py            # re-record every golden
    python tests/buildah/record.py --check    # record to memory, report drift
    python tests/buildah/record.py ID...      # only these (buildah.NAME, conformance.NAME, dockerfile.NAME)
    python tests/buildah/record.py --latest DIR   # also the latest releases, built by build-latest.sh DIR

Needs root, buildah (``apt-get install buildah``) and, for the remote
uploads, podman (``apt-get install podman``: its client talks to
tests/oracle/fake_daemon.py, which stores the tar and fails the build).
With ``--latest DIR`` each golden also gets a ``latest`` block: the same
build with the buildah and podman-remote releases ctxaudit follows
(``DIR/buildah``, ``DIR/podman``); without it a golden keeps the block it
had. Every golden names the versions that recorded it. After recording it
prints where ctxaudit disagrees (the pytest suite fails on the same).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests" / "oracle"))

import bharness  # noqa: E402
import containers  # noqa: E402
import engine  # noqa: E402


def record(
    case_id: str, versions: dict[str, str | None], remote: containers.RemoteOracle | None, latest: Path | None
) -> dict[str, Any]:
    case = bharness.load(case_id)
    types = bool(case.get("types"))
    golden: dict[str, Any] = {"case": case_id, "buildah_version": versions["buildah"]}
    with tempfile.TemporaryDirectory(prefix=bharness.TMP_PREFIX) as tmp:
        run = bharness.materialize(case_id, Path(tmp))
        golden["buildah"] = containers.buildah_listing(run.oracle_args(), run.work, types)
        if remote is not None:
            golden["podman_version"] = versions["podman"]
            golden["podman_remote"] = remote.tar(run.podman_args(), run.work)
        shutil.rmtree(tmp, ignore_errors=True)
    if latest is not None:
        # A fresh copy of the case: the first build may have left files behind (a RUN's output).
        with tempfile.TemporaryDirectory(prefix=bharness.TMP_PREFIX) as tmp:
            run = bharness.materialize(case_id, Path(tmp))
            block: dict[str, Any] = {"buildah_version": versions["latest buildah"]}
            block["buildah"] = containers.buildah_listing(run.oracle_args(), run.work, types, str(latest / "buildah"))
            if remote is not None:
                block["podman_version"] = versions["latest podman"]
                block["podman_remote"] = remote.tar(run.podman_args(), run.work, str(latest / "podman"))
            golden["latest"] = block
            shutil.rmtree(tmp, ignore_errors=True)
    elif bharness.golden_path(case_id).exists():
        kept = bharness.golden(case_id).get("latest")
        if kept is not None:
            golden["latest"] = kept
    return golden


def _stable(golden: dict[str, Any]) -> dict[str, Any]:
    """The golden without what moves between runs: the text of an error
    (the copier races its own pipe, so the same failure may read "broken
    pipe"; buildah resolves stages in map order, so a cycle fails at either
    end). That the build fails is compared."""
    out = json.loads(json.dumps(golden))
    for block in (out, out.get("latest") or {}):
        for key in ("buildah", "podman_remote"):
            res = block.get(key)
            if isinstance(res, dict) and not res.get("ok"):
                res.pop("error", None)
    return out


def store(case_id: str, golden: dict[str, Any], check: bool) -> bool:
    """Write the golden, or with ``check`` report whether it drifted; True on drift."""
    path = bharness.golden_path(case_id)
    if check:
        old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        drift = old is None or _stable(old) != _stable(golden)
        print(f"{'DRIFT' if drift else 'same '} {case_id}")
        if drift and old is not None:
            for key in golden:
                if _stable(golden).get(key) != _stable(old).get(key):
                    print(f"  {key}: recorded {json.dumps(old.get(key))[:300]}")
                    print(f"  {key}: now      {json.dumps(golden.get(key))[:300]}")
        return drift
    return engine.store(path, golden, False, case_id)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", help="case ids (default: all)")
    ap.add_argument("--check", action="store_true", help="compare with the committed goldens, write nothing")
    ap.add_argument("-j", type=int, default=4, help="parallel buildah builds")
    ap.add_argument(
        "--latest", type=Path, metavar="DIR", help="also record with DIR/buildah and DIR/podman (build-latest.sh DIR)"
    )
    args = ap.parse_args()
    versions = {"buildah": containers.version("buildah"), "podman": containers.version("podman")}
    if versions["buildah"] is None:
        print("buildah is not installed (apt-get install buildah)", file=sys.stderr)
        return 2
    if args.latest is not None:
        args.latest = args.latest.resolve()
        versions["latest buildah"] = containers.version(str(args.latest / "buildah"))
        versions["latest podman"] = containers.version(str(args.latest / "podman"))
        if versions["latest buildah"] is None or versions["latest podman"] is None:
            print(f"no buildah or podman in {args.latest} (tests/buildah/build-latest.sh DIR)", file=sys.stderr)
            return 2
    ids = args.cases or bharness.case_ids()
    remote = containers.RemoteOracle() if versions["podman"] else None
    try:
        with ThreadPoolExecutor(args.j) as pool:
            goldens = list(pool.map(lambda i: record(i, versions, remote, args.latest), ids))
    finally:
        if remote is not None:
            remote.close()
    drift = 0
    for case_id, golden in zip(ids, goldens, strict=True):
        drift += store(case_id, golden, args.check)
        if not args.check:
            for problem in bharness.compare(case_id) + bharness.compare_remote(case_id) + bharness.compare_remote_latest(case_id):
                print(f"  ctxaudit {case_id}: {problem}")
    if args.check and drift:
        print(
            f"{drift} golden(s) drifted from buildah {versions['buildah']} / podman {versions['podman']}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
