"""Which project a command audits: explicit files, else the files found in the directory."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..common.errors import InputError
from .composeenv import Options, setup, wanted
from .files import BAKE_FILES

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
    compose_options: Options | None = None,
) -> Project | None:
    """The project to audit, or None when there is none (a plain context).

    ``--bake`` files, else ``--compose`` files, else what ``directory``
    holds: Bake files (with the Compose files bake reads too; not looked
    for when Compose-only flags are given), else the Compose files
    ``docker compose`` run in ``directory`` would read (``COMPOSE_FILE``,
    ``--project-directory``: :mod:`.composeenv`). ``services``/``targets``
    narrow the builds (Bake: targets or groups to build, default
    ``default``); a named service is audited even when the profiles leave it
    out, as ``docker compose build NAME`` builds it. Raises InputError for an
    unknown service, for Compose-only flags without a Compose project, and
    for files that cannot be read.
    """
    env = os.environ if environ is None else environ
    opts = replace(compose_options or Options(), files=tuple(compose_files))
    flags = opts.flags()
    if flags and bake_files:
        raise InputError(f"{'/'.join(flags)} apply to a Compose project, not to --bake files")
    bake_here = not compose_files and not flags and any((directory / n).is_file() for n in BAKE_FILES)
    if not (bake_files or bake_here or wanted(directory, opts, env)):
        _no_project(directory, services, targets, flags)
        return None  # a plain context: the readers (and the YAML parser) are not imported
    from . import bake, compose

    if bake_files:
        project = bake.load(list(bake_files), directory, environ, list(targets) or None)
    elif bake_here and (found := bake.discover(directory)):
        project = bake.load(found, directory, environ, list(targets) or None)
    else:
        st = setup(directory, opts, env)
        if st is None:
            # --project-directory is where the Compose files were looked for
            _no_project(opts.project_directory or directory, services, targets, flags)
            return None
        project = compose.load(
            st.files, project_dir=st.directory, env=st.env, profiles=st.profiles, profiles_from=st.profiles_from
        )
        if st.files_from.startswith("COMPOSE_FILE"):
            project.notes.append(f"files from {st.files_from}")
    if targets and project.kind == "compose":
        raise InputError("--target-name selects Bake targets; for Compose services use --service")
    if services:
        by_name = {b.name: b for b in project.builds + project.left_out}
        unknown = [s for s in services if s not in by_name]
        if unknown:
            known = ", ".join(by_name) or "none"
            raise InputError(f"no build for service {', '.join(unknown)} (services with build: {known})")
        project.builds = [by_name[s] for s in dict.fromkeys(services)]
        named_out = [b.name for b in project.left_out if b in project.builds]
        if named_out:
            project.notes.append(
                f"--service {', '.join(named_out)}: audited although the profiles leave it out "
                "(docker compose build NAME builds it)"
            )
    return project


def _no_project(directory: Path, services: Sequence[str], targets: Sequence[str], flags: list[str]) -> None:
    """No project in ``directory``: fine for a plain context, an InputError when flags select builds."""
    if services or targets:
        raise InputError(f"--service/--target-name: no Compose or Bake file in {directory}")
    if flags:
        raise InputError(f"{'/'.join(flags)}: no Compose file in {directory} (nor named by --compose or COMPOSE_FILE)")
