"""Which project a command audits: explicit files, else the files found in the directory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..common.errors import InputError
from .files import any_project_file

if TYPE_CHECKING:
    from .model import Project


def find(
    directory: Path,
    compose_files: Sequence[Path] = (),
    bake_files: Sequence[Path] = (),
    *,
    services: Sequence[str] = (),
    targets: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Project | None:
    """The project to audit, or None when there is none (a plain context).

    ``--bake`` files, else ``--compose`` files, else what ``directory``
    holds: Bake files (with the Compose files bake reads too), else a Compose
    file and its override. ``services``/``targets`` narrow the builds (Bake:
    targets or groups to build, default ``default``). Raises InputError for
    an unknown service and for files that cannot be read.
    """
    if not (bake_files or compose_files or any_project_file(directory)):
        if services or targets:
            raise InputError(f"--service/--target-name: no Compose or Bake file in {directory}")
        return None  # a plain context: the readers (and the YAML parser) are not imported
    from . import bake, compose

    if bake_files:
        project = bake.load(list(bake_files), directory, environ, list(targets) or None)
    elif compose_files:
        project = compose.load(list(compose_files), environ)
    elif found := bake.discover(directory):
        project = bake.load(found, directory, environ, list(targets) or None)
    elif found := compose.discover(directory):
        project = compose.load(found, environ)
    else:
        if services or targets:
            raise InputError(f"--service/--target-name: no Compose or Bake file in {directory}")
        return None
    if targets and project.kind == "compose":
        raise InputError("--target-name selects Bake targets; for Compose services use --service")
    if services:
        by_name = {b.name: b for b in project.builds}
        unknown = [s for s in services if s not in by_name]
        if unknown:
            known = ", ".join(by_name) or "none"
            raise InputError(f"no build for service {', '.join(unknown)} (services with build: {known})")
        project.builds = [by_name[s] for s in dict.fromkeys(services)]
    return project
