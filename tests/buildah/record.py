#!/usr/bin/env python3
"""Record (or re-check) the buildah goldens against real buildah and podman-remote.

    python tests/buildah/record.py --latest DIR          # re-record every golden
    python tests/buildah/record.py --latest DIR --check  # record to memory, report drift
    python tests/buildah/record.py --latest DIR ID...    # only these (buildah.NAME, conformance.NAME, dockerfile.NAME)
    python tests/buildah/record.py [--check] [ID...]     # Debian's tools only

Two pairs of tools record each case:

* the releases ctxaudit follows, buildah v1.44.0 and the podman v5.8.2
  remote client, built from source by ``tests/buildah/build-latest.sh DIR``
  (``DIR/buildah``, ``DIR/podman``): the golden's top level
  (``buildah_version``, ``buildah``, ``podman_version``, ``podman_remote``);
* Debian's buildah 1.28.2 and podman 4.3.1 on the PATH (``apt-get install
  buildah podman``): the golden's ``debian`` block, with the versions and
  only the results that differ from the latest release's.

Without ``--latest`` only Debian's tools run: ``--check`` compares them with
the ``debian`` block (or the top level where it holds none), recording
rewrites only the ``debian`` block. The podman client talks to
tests/oracle/fake_daemon.py, which stores the tar and fails the build.
Needs root. After recording it prints where ctxaudit disagrees with the
latest release (the pytest suite fails on the same).
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

RESULTS = ("buildah", "podman_remote")


def _run(case_id: str, buildah: str, podman: str, remote: containers.RemoteOracle) -> dict[str, Any]:
    """One tool pair on a fresh copy of the case (a RUN may leave files behind)."""
    case = bharness.load(case_id)
    with tempfile.TemporaryDirectory(prefix=bharness.TMP_PREFIX) as tmp:
        run = bharness.materialize(case_id, Path(tmp))
        out = {
            "buildah": containers.buildah_listing(run.oracle_args(), run.work, bool(case.get("types")), buildah),
            "podman_remote": remote.tar(run.podman_args(), run.work, podman),
        }
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _stable_result(res: Any) -> Any:
    """A result without what moves between runs: the text of an error (the
    copier races its own pipe, so the same failure may read "broken pipe";
    buildah resolves stages in map order, so a cycle fails at either end).
    That the build fails is compared."""
    if isinstance(res, dict) and not res.get("ok"):
        return {k: v for k, v in res.items() if k != "error"}
    return res


def _stable(golden: dict[str, Any]) -> dict[str, Any]:
    out = {k: _stable_result(v) for k, v in golden.items()}
    if "debian" in out:
        out["debian"] = {k: _stable_result(v) for k, v in out["debian"].items()}
    return out


def record(
    case_id: str, versions: dict[str, str], latest: Path | None, remote: containers.RemoteOracle
) -> dict[str, Any]:
    """The golden for one case (``latest`` None: the committed top level, Debian's block re-recorded)."""
    deb = _run(case_id, "buildah", "podman", remote)
    if latest is not None:
        top = _run(case_id, str(latest / "buildah"), str(latest / "podman"), remote)
        golden: dict[str, Any] = {
            "case": case_id,
            "buildah_version": versions["latest buildah"],
            "buildah": top["buildah"],
            "podman_version": versions["latest podman"],
            "podman_remote": top["podman_remote"],
        }
    else:
        golden = {k: v for k, v in bharness.golden(case_id).items() if k != "debian"}
    older: dict[str, Any] = {"buildah_version": versions["buildah"], "podman_version": versions["podman"]}
    for key in RESULTS:
        if _stable_result(deb[key]) != _stable_result(golden[key]):
            older[key] = deb[key]
    if len(older) > 2:
        golden["debian"] = older
    return golden


def store(case_id: str, golden: dict[str, Any], check: bool) -> bool:
    """Write the golden, or with ``check`` report whether it drifted; True on drift."""
    path = bharness.golden_path(case_id)
    if check:
        old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        drift = old is None or _stable(old) != _stable(golden)
        print(f"{'DRIFT' if drift else 'same '} {case_id}")
        if drift and old is not None:
            for where, was, now in engine._differences(_stable(old), _stable(golden)):
                print(f"  {where}: recorded {json.dumps(was)[:300]}")
                print(f"  {where}: now      {json.dumps(now)[:300]}")
        return drift
    return engine.store(path, golden, False, case_id)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*", help="case ids (default: all)")
    ap.add_argument("--check", action="store_true", help="compare with the committed goldens, write nothing")
    ap.add_argument("-j", type=int, default=4, help="parallel builds")
    ap.add_argument(
        "--latest",
        type=Path,
        metavar="DIR",
        help="the latest buildah and podman: DIR/buildah, DIR/podman (build-latest.sh DIR)",
    )
    args = ap.parse_args()
    found = {"buildah": containers.version("buildah"), "podman": containers.version("podman")}
    if found["buildah"] is None or found["podman"] is None:
        print("buildah or podman is not installed (apt-get install buildah podman)", file=sys.stderr)
        return 2
    versions: dict[str, str] = {k: v for k, v in found.items() if v is not None}
    if args.latest is not None:
        args.latest = args.latest.resolve()
        for tool in ("buildah", "podman"):
            v = containers.version(str(args.latest / tool))
            if v is None:
                print(f"no {tool} in {args.latest} (tests/buildah/build-latest.sh DIR)", file=sys.stderr)
                return 2
            versions[f"latest {tool}"] = v
    ids = args.cases or bharness.case_ids()
    remote = containers.RemoteOracle()
    try:
        with ThreadPoolExecutor(args.j) as pool:
            goldens = list(pool.map(lambda i: record(i, versions, args.latest, remote), ids))
    finally:
        remote.close()
    drift = 0
    for case_id, golden in zip(ids, goldens, strict=True):
        drift += store(case_id, golden, args.check)
        if not args.check:
            for problem in bharness.compare(case_id) + bharness.compare_remote(case_id):
                print(f"  ctxaudit {case_id}: {problem}")
    if args.check and drift:
        tools = ", ".join(f"{k} {v}" for k, v in versions.items())
        print(f"{drift} golden(s) drifted from {tools}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
