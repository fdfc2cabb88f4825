"""Command-line interface: parse options, run a pipeline, pick a formatter.

Every command is a thin shell over the library; errors become one line on
stderr and exit code 2, gates exit 1.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# Only what every command needs is imported here; each command imports its
# own pipeline, so `ctxaudit ls` starts fast.
from . import __version__
from .builder import Builder
from .errors import EXIT_INPUT, CtxauditError, InputError

if TYPE_CHECKING:
    from .context import Context

if TYPE_CHECKING:
    from .context import Context

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

ContextArg = Annotated[Path, typer.Argument(help="Build context directory.", show_default=True)]
DockerfileOpt = Annotated[
    Path | None,
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


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


DockerfilesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--file", "-f", help="Dockerfile (default: CONTEXT/Dockerfile). Repeat to audit several.", dir_okay=False
    ),
]
BuildArgOpt = Annotated[
    list[str] | None,
    typer.Option("--build-arg", help="A build argument as the build passes it: NAME=VALUE. Repeatable."),
]
TargetOpt = Annotated[str | None, typer.Option("--target", help="Build only this stage and what it needs.")]


def _build_args(values: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or []:
        name, eq, value = v.partition("=")
        if not name or not eq:
            raise InputError(f"--build-arg must be NAME=VALUE, got {v!r}")
        out[name] = value
    return out


def _contexts(context: Path, files: list[Path] | None, builder: Builder) -> list[Context]:
    from .context import open_context

    if not files:
        return [open_context(context, None, builder)]
    return [open_context(context, f, builder) for f in files]


@app.command("scan")
def scan_command(
    context: ContextArg = Path("."),
    file: DockerfilesOpt = None,
    builder: BuilderOpt = Builder.BUILDKIT,
    build_arg: BuildArgOpt = None,
    target: TargetOpt = None,
    top: Annotated[int, typer.Option("--top", "-n", min=0, help="How many largest files and directories.")] = 10,
    full: Annotated[bool, typer.Option("--full", help="Also size what the ignore file keeps out.")] = False,
    fmt: Annotated[Format, typer.Option("--format", "-o", help="Output format.")] = Format.table,
    raw_bytes: Annotated[bool, typer.Option("--bytes", help="Exact byte counts instead of KiB/MiB/GiB.")] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar on stderr.")] = False,
) -> None:
    """Report what the build context costs and where the weight is.

    With a Dockerfile: what BuildKit really transfers, what each COPY/ADD
    brings into the image, and which COPY would fail.
    """
    from . import output
    from .report import scan

    contexts = _contexts(context, file, builder)
    report = scan(
        contexts, top=top, full=full, show_progress=not no_progress, build_args=_build_args(build_arg), target=target
    )
    options = output.Options(raw_bytes=raw_bytes, color=fmt is Format.table and output.color_wanted())
    sys.stdout.write(output.renderer(fmt.value)(report, options))


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
    from . import display
    from .context import open_context
    from .walk import Status, walk

    ctx = open_context(context, file, builder)
    out = sys.stdout
    want = (Status.IGNORED, Status.PRUNED) if ignored else (Status.SENT,)
    for entry in walk(ctx, full=ignored, sizes=sizes):
        if entry.status in want and entry.is_file:
            name = display.path(entry.path)
            out.write(f"{name}\t{entry.size}\n" if sizes else f"{name}\n")
    out.flush()


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``ctxaudit [CONTEXT]`` means ``ctxaudit scan [CONTEXT]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    commands = {c.name for c in app.registered_commands if c.name}
    first = next((a for a in args if not a.startswith("-")), None)
    wants_root = bool(args) and args[0] in ("-h", "--help", "--version")
    if not wants_root and (first is None or first not in commands):
        args.insert(0, "scan")
    try:
        # Standalone mode: click reports usage errors itself (exit 2).
        app(args=args, prog_name="ctxaudit")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_INPUT)
    except CtxauditError as exc:
        typer.echo(f"ctxaudit: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("ctxaudit: interrupted", err=True)
        return 130
    return 0
