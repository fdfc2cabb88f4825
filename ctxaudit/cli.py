"""Command-line interface: parse options, run a pipeline, pick a formatter.

Every command is a thin shell over the library; errors become one line on
stderr and exit code 2, gates exit 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import __version__, display
from .builder import Builder
from .context import open_context
from .errors import EXIT_INPUT, CtxauditError
from .walk import Status, walk

app = typer.Typer(
    name="ctxaudit",
    help=(
        "See what `docker build` sends and copies into the image, before you build.\n\n"
        "Run `ctxaudit CONTEXT` (same as `ctxaudit scan CONTEXT`) for the report."
    ),
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ContextArg = Annotated[
    Path, typer.Argument(help="Build context directory.", show_default=True)
]
DockerfileOpt = Annotated[
    Optional[Path],
    typer.Option("--file", "-f", help="Dockerfile (default: CONTEXT/Dockerfile).", dir_okay=False),
]
BuilderOpt = Annotated[
    Builder,
    typer.Option(
        "--builder",
        "-b",
        help="buildkit: Docker 23+ default. legacy: DOCKER_BUILDKIT=0.",
        case_sensitive=False,
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ctxaudit {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """ctxaudit: audit a Docker build context."""


@app.command("ls")
def ls_command(
    context: ContextArg = Path("."),
    file: DockerfileOpt = None,
    builder: BuilderOpt = Builder.BUILDKIT,
    sizes: Annotated[bool, typer.Option("--sizes", help="Print path<TAB>bytes.")] = False,
    ignored: Annotated[bool, typer.Option("--ignored", help="List what is left out instead.")] = False,
) -> None:
    """List the eligible context: every file and symlink the builder receives.

    One path per line, relative to the context, sorted bytewise. Undecodable
    bytes and control characters in names print as \\xNN.
    """
    ctx = open_context(context, file, builder)
    out = sys.stdout
    want = (Status.IGNORED, Status.PRUNED) if ignored else (Status.SENT,)
    for entry in walk(ctx, full=ignored, sizes=sizes):
        if entry.status in want and entry.is_file:
            name = display.path(entry.path)
            out.write(f"{name}\t{entry.size}\n" if sizes else f"{name}\n")
    out.flush()


def main(argv: Optional[list[str]] = None) -> int:
    """Entry point: ``ctxaudit [CONTEXT]`` means ``ctxaudit scan [CONTEXT]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    commands = {c.name for c in app.registered_commands if c.name}
    first = next((a for a in args if not a.startswith("-")), None)
    wants_root = any(a in ("-h", "--help", "--version") for a in args[:1])
    if "scan" in commands and not wants_root and (first is None or first not in commands):
        args.insert(0, "scan")
    try:
        rv = app(args=args, prog_name="ctxaudit", standalone_mode=False)
    except CtxauditError as exc:
        typer.echo(f"ctxaudit: error: {exc}", err=True)
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("ctxaudit: aborted", err=True)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        typer.echo("ctxaudit: interrupted", err=True)
        return 130
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return EXIT_INPUT
        raise
    return rv if isinstance(rv, int) else 0
