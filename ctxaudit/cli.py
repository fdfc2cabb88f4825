"""Command-line interface: parse options, run a pipeline, pick a formatter.

Every command is a thin shell over the library. Exit codes: 0 clean, 1 a
gate failed (or findings at or above --fail-on), 2 usage or input error,
reported in one line on stderr without a traceback.
"""

from __future__ import annotations

import difflib
import enum
import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# Only what every command needs is imported here; each command imports its
# own pipeline, so `ctxaudit ls` starts fast.
from . import __version__
from .common.errors import EXIT_GATE, EXIT_INPUT, CtxauditError, InputError
from .engine.builder import Builder

if TYPE_CHECKING:
    from .analysis.suggest import Plan, Planner
    from .builds import ProjectReport
    from .config import Settings
    from .engine.context import Context
    from .engine.ignorefile import IgnoreFileError
    from .output import Options, Renderer
    from .pipeline import Observer, Report
    from .project.composeenv import Options as ComposeOptions
    from .project.model import Build, Project
    from .rules.findings import Finding

app = typer.Typer(
    name="ctxaudit",
    help=(
        "See what `docker build` sends to the builder and copies into the image, before you build.\n\n"
        "Run `ctxaudit CONTEXT` (same as `ctxaudit scan CONTEXT`) for the report, `ctxaudit help COMMAND` "
        "for a command's options. "
        "Exit codes: 0 clean, 1 a gate failed (by default: an error finding), 2 usage or input error."
    ),
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"


class TextFormat(enum.StrEnum):
    """The formats of explain and suggest: a table for people, JSON for tools."""

    table = "table"
    json = "json"


class Annotations(enum.StrEnum):
    auto = "auto"
    gates = "gates"
    none = "none"


class ReportFormat(enum.StrEnum):
    """The formats of scan and layers: the others', and a self-contained HTML page."""

    table = "table"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"
    html = "html"


class FailOn(enum.StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"
    none = "none"  # the older spelling of never, still accepted


ContextArg = Annotated[Path, typer.Argument(help="Build context directory.", show_default=True)]
DockerfileOpt = Annotated[
    Path | None,
    typer.Option(
        "--file", "-f", help="Dockerfile (default: CONTEXT/Dockerfile; - reads it from stdin).", dir_okay=False
    ),
]
DockerfilesOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--file",
        "-f",
        help="Dockerfile (default: CONTEXT/Dockerfile; - reads it from stdin). Repeat to audit several.",
        dir_okay=False,
    ),
]


def _finite(low: float, high: float | None = None) -> Callable[[float | None], float | None]:
    """A float option's check: a finite number in [low, high] (click's ranges let nan through,
    and nan turns a gate off: every comparison with it is false)."""

    def check(value: float | None) -> float | None:
        import math

        if value is None:
            return None
        if not math.isfinite(value):
            raise typer.BadParameter(f"{value} is not a finite number")
        if value < low or (high is not None and value > high):
            span = f"from {low:g} to {high:g}" if high is not None else f"{low:g} or more"
            raise typer.BadParameter(f"{value:g} is out of range: give a value {span}")
        return value

    return check


def _parse_builder(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return Builder.parse(value).value
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(Builder.names())}") from None


BuilderOpt = Annotated[
    str | None,
    typer.Option(
        "--builder",
        "-b",
        help=(
            "buildkit (Docker 23+ default), legacy (DOCKER_BUILDKIT=0), or buildah (alias podman: "
            "buildah bud / podman build). [default: buildkit]"
        ),
        metavar="[buildkit|legacy|buildah|podman]",
        callback=_parse_builder,
        show_default=False,
    ),
]
IgnoreFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--ignorefile",
        help="buildah/podman only: read this ignore file instead of looking for one (as buildah's --ignorefile).",
        dir_okay=False,
    ),
]
BuildArgOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--build-arg",
        help="A build argument as docker build takes it: NAME=VALUE, or NAME for the value of that "
        "environment variable. Repeatable.",
    ),
]
TargetOpt = Annotated[str | None, typer.Option("--target", help="Build only this stage and what it needs.")]
FailOnOpt = Annotated[
    FailOn,
    typer.Option(
        "--fail-on",
        help="Exit 1 when a finding has this severity or worse; never: report only (none is the same).",
        case_sensitive=False,
    ),
]
OptionalFailOnOpt = Annotated[
    FailOn | None,
    typer.Option(
        "--fail-on", help="Exit 1 when a finding has this severity or worse (no default).", case_sensitive=False
    ),
]
IgnoreRuleOpt = Annotated[
    list[str] | None, typer.Option("--ignore-rule", help="Leave out findings of this rule id (CA205...). Repeatable.")
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        help="Leave out the findings recorded in this file (--write-baseline): report only new ones.",
        dir_okay=False,
    ),
]
WriteBaselineOpt = Annotated[
    Path | None,
    typer.Option(
        "--write-baseline",
        help="Record today's findings in this file (fingerprints that survive line moves); --fail-on is not applied.",
        dir_okay=False,
    ),
]
FormatOpt = Annotated[
    Format, typer.Option("--format", "-o", help="Output format.", case_sensitive=False, show_default=True)
]
TextFormatOpt = Annotated[
    TextFormat, typer.Option("--format", "-o", help="Output format.", case_sensitive=False, show_default=True)
]
AnnotationsOpt = Annotated[
    Annotations,
    typer.Option(
        "--annotations",
        help="Under GitHub Actions (GITHUB_ACTIONS=true), with table or markdown output: auto writes a "
        "workflow annotation per finding and per failed gate; gates only those of failed gates (when SARIF "
        "goes to code scanning, which shows the findings); none.",
        case_sensitive=False,
    ),
]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-O", help="Write the report to this file instead of stdout.", dir_okay=False)
]

ComposeOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--compose",
        help="Compose file, merged in order like `docker compose -f` (repeatable). Default: compose.yaml, "
        "compose.yml, docker-compose.yml or docker-compose.yaml in CONTEXT, with its override file.",
        dir_okay=False,
    ),
]
BakeOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--bake",
        help="Bake file (HCL, JSON or Compose; repeatable). Default: the docker-bake.* files in CONTEXT.",
        dir_okay=False,
    ),
]
EnvFileOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--env-file",
        help="Compose env file, as `docker compose --env-file` (repeatable, later files win; replaces "
        "<project>/.env). Default: COMPOSE_ENV_FILES, else .env in the project directory.",
        dir_okay=False,
    ),
]
ProjectDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--project-directory",
        help="Compose project directory, as `docker compose --project-directory`: the Compose files are looked "
        "for and relative paths and .env read there. Default: the first Compose file's directory.",
        file_okay=False,
    ),
]
ProfileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--profile",
        help="Audit only the Compose services this profile enables, as `docker compose --profile` (repeatable; "
        "'*' all). Default: COMPOSE_PROFILES when set, else every service with build:.",
    ),
]
ServiceOpt = Annotated[
    list[str] | None, typer.Option("--service", help="Audit only this Compose service (repeatable).")
]
TargetNameOpt = Annotated[
    list[str] | None,
    typer.Option("--target-name", help="Bake target or group to audit (repeatable). Default: the default group."),
]
BuildContextOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--build-context",
        help="A named context, as `docker buildx build --build-context`: NAME=DIR, or NAME=docker-image://REF. "
        "Repeatable.",
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


def _build_args(values: list[str] | None) -> dict[str, str]:
    """``--build-arg`` as Docker reads it: NAME=VALUE, or NAME alone for the value of
    that environment variable, left unset (the ARG's default applies) when there is
    none (docker/buildx ``listToMap``, docker/cli ``ConvertKVStringsToMapWithNil``)."""
    out: dict[str, str] = {}
    for v in values or []:
        name, eq, value = v.partition("=")
        if not name:
            raise InputError(f"--build-arg must be NAME=VALUE or NAME, got {v!r}")
        if not eq:
            if name not in os.environ:
                continue
            value = os.environ[name]
        out[name] = value
    return out


def _settings(
    context: Path,
    builder: str | None,
    fail_on: FailOn | None = None,
    ignore_rule: list[str] | None = None,
    **flags: object,
) -> Settings:
    """.ctxaudit.toml / [tool.ctxaudit], overridden by the flags given."""
    from .config import load, rule_ids

    rules = rule_ids(ignore_rule, "--ignore-rule") if ignore_rule else []  # before the file: a flag's own error
    base = load(context, Path.cwd()) if context.is_dir() else load(Path.cwd())
    return base.merged(
        builder=builder,
        fail_on=fail_on.value if fail_on else None,
        ignore_rules=rules,
        **flags,
    )


def _typed_sizes(max_size: str | None, max_transfer: str | None, max_total_size: str | None) -> dict[str, str | None]:
    """The size flags as typed, for the gate messages ("--max-size 10KB (10,000 bytes)")."""
    return {"max_size": max_size, "max_transfer": max_transfer, "max_total_size": max_total_size}


def _fail_on(cli: typer.Context, value: FailOn) -> FailOn | None:
    """--fail-on when the user gave it; None for its default, so that a settings file may set another."""
    source = cli.get_parameter_source("fail_on")
    return None if source is None or source.name in ("DEFAULT", "DEFAULT_MAP") else value


def _builder(s: Settings) -> Builder:
    """--builder, else the settings' builder, else BuildKit (Docker's default)."""
    return Builder.parse(s.builder or "buildkit")


def _baseline(report: Report, s: Settings, baseline: Path | None, write: Path | None) -> None:
    """--write-baseline: record the findings, and turn the findings gate off for this run.
    --baseline: drop the findings the file holds (one per recorded fingerprint)."""
    from . import suppress
    from .common import display

    if write is not None:
        suppress.write_baseline(write, report.findings)
        _say(f"wrote {display.count(len(report.findings), 'finding')} to {write}")
        s.fail_on = "never"
    if baseline is not None:
        report.findings, known = suppress.new_only(report.findings, suppress.read_baseline(baseline))
        if known:
            _say(f"{display.count(known, 'finding')} in {baseline} not reported")


def _enforce(report: Report, s: Settings, fmt: enum.StrEnum, annotations: Annotations) -> None:
    """Exit 1 with one line per breached gate."""
    from . import gates

    _fail([b.message for b in gates.check(report, s)], fmt, annotations)


_STDIN: list[str] = []  # the Dockerfile read from stdin, once


def _stdin_dockerfile() -> str:
    """``-f -``: the Dockerfile from standard input, read once (as docker build reads it)."""
    if not _STDIN:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # `<&-`: the interpreter has no stdin at all
            raise InputError("cannot read the Dockerfile from stdin: stdin is closed")
        try:
            data = stream.read()
        except (OSError, ValueError) as exc:
            raise InputError(
                f"cannot read the Dockerfile from stdin: {getattr(exc, 'strerror', None) or exc}"
            ) from None
        _STDIN.append(data.decode("utf-8", "surrogateescape"))
    return _STDIN[0]


def _is_stdin(file: Path | None) -> bool:
    return file is not None and str(file) == "-"


def _open(
    context: Path,
    file: Path | None,
    builder: Builder,
    errors: list[IgnoreFileError] | None = None,
    ignorefile: Path | None = None,
) -> Context:
    """The context with its Dockerfile; ``-f -`` reads it from stdin, and then, as with
    ``docker build -f -``, no per-Dockerfile ignore file applies: the context's own does."""
    from .engine.context import STDIN_LABEL, open_context

    if _is_stdin(file):
        return open_context(
            context,
            None,
            builder,
            errors,
            inline=_stdin_dockerfile(),
            ignorefile=ignorefile,
            inline_label=STDIN_LABEL,
        )
    return open_context(context, file, builder, errors, ignorefile=ignorefile)


def _contexts(
    context: Path, files: list[Path] | None, builder: Builder, ignorefile: Path | None = None
) -> list[Context]:
    if not files:
        return [_open(context, None, builder, ignorefile=ignorefile)]
    if sum(_is_stdin(f) for f in files) > 1:
        raise InputError("-f - reads one Dockerfile from stdin: give it once")
    return [_open(context, f, builder, ignorefile=ignorefile) for f in files]


def _named(values: list[str] | None) -> list[tuple[str, str]]:
    out = []
    for v in values or []:
        name, eq, value = v.partition("=")
        if not name or not eq or not value:
            raise InputError(f"--build-context must be NAME=PATH (or NAME=docker-image://REF), got {v!r}")
        out.append((name, value))
    return out


def _compose(
    files: list[Path] | None, env_files: list[Path] | None, project_directory: Path | None, profiles: list[str] | None
) -> ComposeOptions:
    """Compose's global flags, as the project reader takes them."""
    from .project.composeenv import Options as ComposeOptions

    return ComposeOptions(tuple(files or ()), tuple(env_files or ()), project_directory, tuple(profiles or ()))


def _project(
    context: Path,
    file: list[Path] | Path | None,
    compose: ComposeOptions,
    bake: list[Path] | None,
    service: list[str] | None,
    target_name: list[str] | None,
    build_context: list[str] | None,
    target: str | None = None,
) -> tuple[Project | None, list[Build]] | None:
    """The builds to audit, or None for a plain context (today's behaviour).

    A Compose or Bake file (given, or found in CONTEXT unless -f names a
    Dockerfile) makes a project; ``--build-context`` alone makes one build of
    CONTEXT with named contexts. ``target`` (--target) is the stage of every
    build of a project, as ``docker buildx bake --set *.target=STAGE`` sets it.
    """
    from .project import select
    from .project.model import Build, named_context

    files = [file] if isinstance(file, Path) else list(file or [])
    named = _named(build_context)
    project = None
    if compose.files or compose.flags() or bake or not files:
        if not context.is_dir():
            return None  # open_context reports it
        project = select.find(
            context,
            compose.files,
            bake or [],
            services=service or [],
            targets=target_name or [],
            compose_options=compose,
        )
        if project is not None and not project.builds and project.left_out:
            notes = "; ".join(project.notes)
            raise InputError(f"the active Compose profiles leave out every build, nothing to audit ({notes})")
        if project is not None and not project.builds:
            # Only images (compose.yaml of a published app): nothing to build, so the
            # directory is what a user means to audit, as a plain context.
            shown = ", ".join(_near(f) for f in project.files)
            if compose.files or bake:
                flag = "--bake" if bake else "--compose"
                raise InputError(
                    f"{flag} {shown}: it declares no builds (no service with build:, no target), nothing to "
                    f"audit; without {flag}, ctxaudit audits {context} as a plain context"
                )
            only = " (only images)" if project.kind == "compose" else ""
            _say(f"note: {shown} declares no builds{only}: auditing {context} as a plain context")
            project = None
    elif service or target_name:
        raise InputError("--service/--target-name select builds of a Compose or Bake file; -f names one Dockerfile")
    if project is not None and files:
        raise InputError("-f names the Dockerfile of a plain context; with a Compose or Bake file, drop -f")
    if project is None and not named:
        return None
    extra = []
    for name, value in named:
        n = named_context(name, value, Path.cwd())
        if n.local and (n.path is None or not n.path.is_dir()):
            raise InputError(f"--build-context {name}={value}: {n.path} is not a directory")
        extra.append(n)
    if project is None:
        root = Path(os.path.abspath(context))
        df = files[0] if files else None
        if _is_stdin(df):
            return None, [Build(str(context), "cli", root, None, dockerfile_inline=_stdin_dockerfile(), named=extra)]
        dockerfile = Path(os.path.abspath(df)) if df is not None else None
        return None, [Build(str(context), "cli", root, dockerfile, named=extra)]
    for b in project.builds:
        names = {n.name for n in extra}
        b.named = [n for n in b.named if n.name not in names] + extra
        if target:  # every label (header, summary, stage list) then says the stage built
            b.target = target
    if target and project.builds:
        like = f"docker buildx bake --set *.target={target}" if project.kind == "bake" else "build: target:"
        every = "target" if project.kind == "bake" else "service"
        project.notes.append(f"--target {target}: the stage built for every {every} (as {like} sets it)")
    return project, project.builds


class _Audit:
    """One build's contexts for the commands that work context by context."""

    def __init__(self, title: str, build: Build, ctx: Context, named: list[tuple[str, Context]]) -> None:
        self.title = title
        self.build = build
        self.ctx = ctx
        self.named = named  # (name, context) of each local named context
        self.errors: dict[int, list[IgnoreFileError]] = {}  # id(context) -> its unusable ignore lines


def _audits(
    context: Path,
    file: list[Path] | Path | None,
    compose: ComposeOptions,
    bake: list[Path] | None,
    service: list[str] | None,
    target_name: list[str] | None,
    build_context: list[str] | None,
    builder: Builder,
    collect: bool = False,
    target: str | None = None,
) -> list[_Audit] | None:
    """Each build of the project with its contexts opened; None for a plain context.

    A build that cannot be audited (remote or missing context) is named on
    stderr and left out. ``collect``: keep unusable ignore-file lines in
    ``_Audit.errors`` instead of failing (lint).
    """
    from .engine.context import open_context

    found = _project(context, file, compose, bake, service, target_name, build_context, target)
    if found is None:
        return None
    project, builds = found
    base = project.directory if project is not None else Path.cwd()

    def label(path: Path) -> str:
        rel = os.path.relpath(path, base)
        return str(path) if rel.startswith("..") else rel

    out = []
    for b in builds:
        if b.context is None or not b.context.is_dir():
            why = f"remote context {b.remote}" if b.remote else "its context is missing or not evaluated"
            _say(f"{b.title}: not audited ({why})")
            continue
        errors: dict[int, list[IgnoreFileError]] = {}

        def opened(
            path: Path, dockerfile: Path | None, inline: str | None, errors: dict[int, list[IgnoreFileError]]
        ) -> Context:
            mine: list[IgnoreFileError] | None = [] if collect else None
            c = open_context(path, dockerfile, builder, mine, inline=inline, label=label(path))
            errors[id(c)] = mine or []
            return c

        try:
            ctx = opened(b.context, b.dockerfile, b.dockerfile_inline, errors)
            named = [(n.name, opened(n.path, None, None, errors)) for n in b.named if n.local and n.path is not None]
        except InputError as exc:
            raise InputError(f"{b.title}: {exc}") from None
        audit = _Audit(b.title, b, ctx, named)
        audit.errors = errors
        out.append(audit)
    return out


def _plain_only(ignorefile: Path | None) -> None:
    """--ignorefile names the ignore file of one plain context, as buildah's does."""
    if ignorefile is not None:
        raise InputError("--ignorefile applies to a plain context, not to a Compose or Bake project")


def _near(path: Path) -> str:
    """A path relative to the current directory when below it."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def _one(audits: list[_Audit], command: str) -> _Audit:
    if len(audits) != 1:
        names = ", ".join(a.build.name for a in audits) or "none"
        raise InputError(f"{command} works on one build; pick one with --service or --target-name (builds: {names})")
    return audits[0]


def _publish_project(
    preport: ProjectReport, fmt: Format, raw_bytes: bool, output: Path | None, annotations: Annotations
) -> None:
    from . import output as out

    options = _options(fmt, raw_bytes, output)
    _emit(out.project_renderer(fmt.value)(preport, options), output, machine=fmt in (Format.json, Format.sarif))
    _annotate(preport.findings, preport.root, fmt, annotations)


def _annotate(findings: list[Finding], root: Path, fmt: enum.StrEnum, annotations: Annotations) -> None:
    """GitHub workflow annotations for the findings: under GitHub Actions, after a table or
    markdown report (JSON and SARIF stay clean), unless --annotations says otherwise."""
    from .output import github

    if annotations is Annotations.auto and github.enabled() and fmt.value in ("table", "markdown"):
        sys.stdout.write(github.commands_for(findings, root))


def _breaches_project(preport: ProjectReport, s: Settings) -> list[str]:
    """Check the gates first: the report shows them per build."""
    from . import gates

    return [b.message for b in gates.check_project(preport, s)]


def _fail(
    breaches: list[str],
    fmt: enum.StrEnum = Format.table,
    annotations: Annotations = Annotations.auto,
    quiet: bool = False,
) -> None:
    """Exit 1 with one line per breached gate on stderr (and, under GitHub Actions, an annotation
    each). ``quiet``: no line (lint, like a linter, exits 1 after its findings without a word)."""
    from .output import github

    for b in breaches if not quiet else []:
        _say(f"gate failed: {b}")
    annotated = fmt.value in ("table", "markdown", "html")
    if breaches and annotations is not Annotations.none and github.enabled() and annotated:
        sys.stdout.write(github.gate_commands(breaches))
    if breaches:
        raise typer.Exit(EXIT_GATE)


def _progress_bar(wanted: bool) -> Observer | None:
    """The walk observer that draws a progress bar, when wanted and stderr is a terminal."""
    from .output import progress

    if not progress.enabled(wanted):
        return None
    return lambda entries: progress.track(entries, True)


def _say(message: str) -> None:
    """One line on stderr, ``ctxaudit: ...``, escaped like every output."""
    from .common import display
    from .output import layout

    text = f"ctxaudit: {display.text(message)}"
    columns = layout.width(sys.stderr)  # a terminal's (or COLUMNS): wrapped to it; a log keeps one line
    typer.echo(layout.prose(text, columns) if columns else text, err=True)


def _lines(text: str) -> str:
    """Text of several lines (a file's content, a diff) escaped line by line."""
    from .common import display

    return "\n".join(map(display.text, text.split("\n")))


def _emit(text: str, output: Path | None, machine: bool = False) -> None:
    """A rendered report to stdout or to ``-O`` (see ctxaudit.output.stream)."""
    from .output import github, stream

    if output is None and not machine and github.enabled():
        text = github.inert(text)  # the job log: file names must not act as workflow commands
    stream.emit(text, output, machine=machine)


def _publish(
    report: Report,
    fmt: Format,
    raw_bytes: bool,
    output: Path | None,
    annotations: Annotations,
    render: Callable[[str], Renderer] | None = None,
) -> None:
    """Write the report in its format (``render``: the command's formatters, scan's by
    default), then its annotations."""
    from . import output as out

    options = _options(fmt, raw_bytes, output)
    text = (render or out.renderer)(fmt.value)(report, options)
    _emit(text, output, machine=fmt in (Format.json, Format.sarif))
    _annotate(report.findings, report.ctx.root, fmt, annotations)


def _publish_html(
    report: Report | ProjectReport, raw_bytes: bool, output: Path | None, annotations: Annotations = Annotations.auto
) -> None:
    """The HTML page to the file (or stdout); under GitHub Actions the annotations follow on stdout."""
    from . import output as out
    from .output import github, html
    from .pipeline import Report

    options = out.Options(raw_bytes=raw_bytes)
    if isinstance(report, Report):
        _emit(html.render(report, options), output)
        commands = github.workflow_commands(report) if github.enabled() else ""
    else:
        _emit(html.render_project(report, options), output)
        commands = github.project_commands(report) if github.enabled() else ""
    if output is not None and annotations is Annotations.auto:
        sys.stdout.write(commands)


@app.command("scan")
def scan_command(
    cli: typer.Context,
    context: ContextArg = Path("."),
    file: DockerfilesOpt = None,
    builder: BuilderOpt = None,
    ignorefile: IgnoreFileOpt = None,
    build_arg: BuildArgOpt = None,
    target: TargetOpt = None,
    top: Annotated[int, typer.Option("--top", "-n", min=0, help="How many largest files and directories.")] = 10,
    full: Annotated[
        bool,
        typer.Option("--full", help="Also walk what the ignore file keeps out: its size, dead and shadowed lines."),
    ] = False,
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-o", help="Output format; html: one self-contained page with a treemap (use -O)."),
    ] = ReportFormat.table,
    raw_bytes: Annotated[bool, typer.Option("--bytes", help="Exact byte counts instead of KiB/MiB/GiB.")] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar on stderr.")] = False,
    output: OutputOpt = None,
    annotations: AnnotationsOpt = Annotations.auto,
    max_size: Annotated[
        str | None, typer.Option("--max-size", help="Gate: fail when the eligible context is larger (50MB, 1.5GiB).")
    ] = None,
    max_files: Annotated[
        int | None, typer.Option("--max-files", min=0, help="Gate: fail when the eligible context has more files.")
    ] = None,
    max_transfer: Annotated[
        str | None,
        typer.Option(
            "--max-transfer", help="Gate: fail when this build transfers more (BuildKit, cold cache; legacy: the tar)."
        ),
    ] = None,
    fail_on: FailOnOpt = FailOn.error,
    ignore_rule: IgnoreRuleOpt = None,
    no_suggest: Annotated[
        bool, typer.Option("--no-suggest", help="Skip the suggested ignore lines (saves a few walks).")
    ] = False,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    compose: ComposeOpt = None,
    bake: BakeOpt = None,
    env_file: EnvFileOpt = None,
    project_directory: ProjectDirOpt = None,
    profile: ProfileOpt = None,
    service: ServiceOpt = None,
    target_name: TargetNameOpt = None,
    build_context: BuildContextOpt = None,
    max_total_size: Annotated[
        str | None,
        typer.Option("--max-total-size", help="Gate: fail when a project's contexts total more (each counted once)."),
    ] = None,
) -> None:
    """Report what the build context costs and where the weight is.

    With a Dockerfile: what BuildKit really transfers, what each COPY/ADD
    brings into the image, and which COPY would fail. Gates (--max-size,
    --max-files, --max-transfer, --fail-on, or the same keys in
    .ctxaudit.toml / [tool.ctxaudit]) exit 1 with one line per breach;
    error findings fail by default (--fail-on never: report only).

    A Compose or Bake file in CONTEXT (or --compose / --bake) makes it a
    project: one section per build, then the project's totals; the gates
    apply per build and --max-total-size to the total.
    """
    from .config import parse_size
    from .pipeline import scan

    s = _settings(
        context,
        builder,
        _fail_on(cli, fail_on),
        ignore_rule,
        max_size=parse_size(max_size, "--max-size") if max_size else None,
        max_files=max_files,
        max_transfer=parse_size(max_transfer, "--max-transfer") if max_transfer else None,
        max_total_size=parse_size(max_total_size, "--max-total-size") if max_total_size else None,
    )
    s.written.update({k: v for k, v in _typed_sizes(max_size, max_transfer, max_total_size).items() if v})
    found = _project(
        context,
        file,
        _compose(compose, env_file, project_directory, profile),
        bake,
        service,
        target_name,
        build_context,
        target,
    )
    if found is not None:
        from .builds import scan_builds

        _plain_only(ignorefile)
        if baseline or write_baseline:
            raise InputError(
                "--baseline/--write-baseline work on a plain context, not yet on a Compose or Bake project"
            )
        preport = scan_builds(
            found[0],
            found[1],
            _builder(s),
            top=top,
            full=full,
            observe=_progress_bar(not no_progress),
            build_args=_build_args(build_arg),
            target=target,
            ignore_rules=s.ignore_rules,
            suggestions=not no_suggest,
            per_path_ignores=s.per_path_ignores,
            tree=fmt is ReportFormat.html,
        )
        breaches = _breaches_project(preport, s)
        if fmt is ReportFormat.html:
            _publish_html(preport, raw_bytes, output, annotations)
        else:
            _publish_project(preport, Format(fmt.value), raw_bytes, output, annotations)
        _fail(breaches, fmt, annotations)
        return
    if s.max_total_size is not None and max_total_size:
        raise InputError("--max-total-size applies to a Compose or Bake project; none was found")
    contexts = _contexts(context, file, _builder(s), ignorefile)
    report = scan(
        contexts,
        top=top,
        full=full,
        observe=_progress_bar(not no_progress),
        build_args=_build_args(build_arg),
        target=target,
        ignore_rules=s.ignore_rules,
        suggestions=not no_suggest,
        per_path_ignores=s.per_path_ignores,
        tree=fmt is ReportFormat.html,
    )
    _baseline(report, s, baseline, write_baseline)
    if fmt is ReportFormat.html:
        _publish_html(report, raw_bytes, output, annotations)
    else:
        _publish(report, Format(fmt.value), raw_bytes, output, annotations)
    _enforce(report, s, fmt, annotations)


@app.command("lint")
def lint_command(
    cli: typer.Context,
    context: ContextArg = Path("."),
    file: DockerfileOpt = None,
    builder: BuilderOpt = None,
    ignorefile: IgnoreFileOpt = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.error,
    ignore_rule: IgnoreRuleOpt = None,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    annotations: AnnotationsOpt = Annotations.auto,
    compose: ComposeOpt = None,
    bake: BakeOpt = None,
    env_file: EnvFileOpt = None,
    project_directory: ProjectDirOpt = None,
    profile: ProfileOpt = None,
    service: ServiceOpt = None,
    target_name: TargetNameOpt = None,
    build_context: BuildContextOpt = None,
) -> None:
    """Lint the active ignore file against this context (rules CA2xx).

    Walks the whole context, what the ignore file keeps out included, to find
    dead and shadowed lines, and compares both builders' walks to find
    exceptions whose effect depends on the builder. Invalid lines are reported
    (CA200) instead of stopping. Exits 1 on findings at or above --fail-on
    (default: error).
    """
    from . import output as out
    from .pipeline import lint

    s = _settings(context, builder, _fail_on(cli, fail_on), ignore_rule)
    errors: list[IgnoreFileError] = []
    audits = _audits(
        context,
        file,
        _compose(compose, env_file, project_directory, profile),
        bake,
        service,
        target_name,
        build_context,
        _builder(s),
        collect=True,
    )
    if audits is not None:
        _plain_only(ignorefile)
        _lint_project(audits, s, fmt, output, annotations)
        return
    ctx = _open(context, file, _builder(s), errors, ignorefile=ignorefile)
    report = lint(ctx, errors, s.ignore_rules, s.per_path_ignores)
    _baseline(report, s, baseline, write_baseline)
    _publish(report, fmt, False, output, annotations, out.lint_renderer)
    _fail(_findings_gate(report.findings, s), fmt, annotations, quiet=True)


def _lint_project(
    audits: list[_Audit], s: Settings, fmt: Format, output: Path | None, annotations: Annotations
) -> None:
    """lint for each distinct ignore file of the project's builds (and named contexts)."""
    from .builds import absolute_finding
    from .pipeline import lint

    done: set[tuple[Path, Path | None]] = set()
    reports: list[tuple[str, str, Report]] = []
    findings: list[Finding] = []
    for a in audits:
        for title, ctx in [(a.title, a.ctx), *((f"{a.title}, named context {n}", c) for n, c in a.named)]:
            key = (ctx.root, ctx.ignore.path)
            if key in done:
                continue
            done.add(key)
            report = lint(ctx, a.errors.get(id(ctx), []), s.ignore_rules, s.per_path_ignores)
            reports.append((title, a.build.name, report))
            findings += [absolute_finding(f, ctx.root) for f in report.findings]
    _publish_builds(reports, findings, fmt, output, annotations, "lint")
    _fail(_findings_gate(findings, s), fmt, annotations, quiet=True)


def _publish_builds(
    reports: list[tuple[str, str, Report]],
    findings: list[Finding],
    fmt: Format,
    output: Path | None,
    annotations: Annotations,
    command: str,
) -> None:
    """lint or image on several builds (``reports``: title, build name, report): each build's
    report after its title; one JSON or SARIF document."""
    from . import output as out
    from .output import json as json_out
    from .output import markdown, sarif

    options = _options(fmt, False, output)
    render = (out.lint_renderer if command == "lint" else out.image_renderer)(fmt.value)
    if fmt is Format.json:
        document = json_out.lint_document if command == "lint" else json_out.image_document
        text = json_out.dumps(json_out.builds_document([(title, name, document(r)) for title, name, r in reports]))
    elif fmt is Format.sarif:
        text = json_out.dumps(sarif.findings_document(findings, Path.cwd()))
    elif fmt is Format.markdown:
        text = "\n".join(
            render(r, options).replace(f"## ctxaudit {command}: ", f"## {markdown.esc(title)}: ", 1)
            for title, _, r in reports
        )
    else:
        text = "\n".join(f"==> {title}: {r.ctx.name}/ <==\n" + render(r, options) for title, _, r in reports)
    _emit(text, output, machine=fmt in (Format.json, Format.sarif))
    _annotate(findings, Path.cwd(), fmt, annotations)


def _findings_gate(findings: list[Finding], s: Settings) -> list[str]:
    """The --fail-on gate alone (lint, image): its breach, if any."""
    from .gates import findings_gate

    return [b.message for b in findings_gate(findings, s)]


def _terminal(raw_bytes: bool = False) -> Options:
    """Options for a table on stdout: colour and the width of the terminal (or COLUMNS)."""
    from .output import Options, color_wanted, layout

    return Options(raw_bytes=raw_bytes, color=color_wanted(), width=layout.width())


def _options(fmt: enum.StrEnum, raw_bytes: bool, output: Path | None) -> Options:
    """A table on stdout fits the terminal; a file or another format keeps the stable layout."""
    from .output import Options

    if fmt.value == "table" and output is None:
        return _terminal(raw_bytes)
    return Options(raw_bytes=raw_bytes)


@app.command("explain")
def explain_command(
    paths: Annotated[list[str], typer.Argument(help="Paths inside the context (relative to it, or absolute).")],
    context: Annotated[Path, typer.Option("--context", "-C", help="Build context directory.")] = Path("."),
    file: DockerfileOpt = None,
    builder: BuilderOpt = None,
    ignorefile: IgnoreFileOpt = None,
    fmt: TextFormatOpt = TextFormat.table,
    compose: ComposeOpt = None,
    bake: BakeOpt = None,
    env_file: EnvFileOpt = None,
    project_directory: ProjectDirOpt = None,
    profile: ProfileOpt = None,
    service: ServiceOpt = None,
    target_name: TargetNameOpt = None,
    build_context: BuildContextOpt = None,
) -> None:
    """Say for each path whether the builder receives it, and which line decided.

    Like `git check-ignore -v`, for Docker: FILE:LINE: PATTERN of the last
    matching line (or of the line that matched a parent directory), or that
    no line matched; a path under a directory the builder skips is never
    visited.
    """
    from .analysis.explain import explain, relative
    from .output import json as json_out
    from .output import table

    b = _builder(_settings(context, builder))
    audits = _audits(
        context,
        file,
        _compose(compose, env_file, project_directory, profile),
        bake,
        service,
        target_name,
        build_context,
        b,
    )
    if audits is not None:
        _plain_only(ignorefile)
        a = _one(audits, "explain")
        ctx = a.ctx
        for raw in paths:  # an absolute path inside a named context is explained there
            for _, c in a.named:
                if os.path.isabs(raw) and not relative(c, raw).startswith("../"):
                    ctx = c
    else:
        ctx = _open(context, file, b, ignorefile=ignorefile)
    ignore = ctx.ignore.label
    if audits is not None and ctx.ignore.path is not None:
        ignore = _near(ctx.ignore.path)  # several builds, several ignore files: say which (api/.dockerignore)
    results = []
    for raw in paths:
        rel = relative(ctx, raw)
        if rel == "":
            raise InputError(
                f"{raw}: that is the context {ctx.name} itself, which is always sent (its root directory); "
                "name a path inside it"
            )
        if rel.startswith("../") or rel == "..":
            raise InputError(f"{raw}: not inside the context {ctx.name}")
        results.append(explain(ctx, rel))
    if fmt is TextFormat.json:
        _emit(json_out.dumps(json_out.explain_document(results, b, ignore)), None, machine=True)
    else:
        _emit(table.explain_text(results, b, ignore), None)


@app.command("image")
def image_command(
    cli: typer.Context,
    context: ContextArg = Path("."),
    file: DockerfilesOpt = None,
    builder: BuilderOpt = None,
    ignorefile: IgnoreFileOpt = None,
    build_arg: BuildArgOpt = None,
    target: TargetOpt = None,
    fmt: FormatOpt = Format.table,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.error,
    ignore_rule: IgnoreRuleOpt = None,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    annotations: AnnotationsOpt = Annotations.auto,
    compose: ComposeOpt = None,
    bake: BakeOpt = None,
    env_file: EnvFileOpt = None,
    project_directory: ProjectDirOpt = None,
    profile: ProfileOpt = None,
    service: ServiceOpt = None,
    target_name: TargetNameOpt = None,
    build_context: BuildContextOpt = None,
) -> None:
    """The size traps of the Dockerfile, with the bytes at stake (rules CA5xx).

    chmod/chown/touch/mv on copied files (stored twice), rm of copied files
    (the bytes stay), package-manager caches left in a layer, temporary files
    removed in a later RUN, build tools left in the final image. Exits 1 on
    findings at or above --fail-on (default: error).
    """
    from . import output as out
    from .pipeline import scan

    s = _settings(context, builder, _fail_on(cli, fail_on), ignore_rule)
    s.max_size = s.max_files = s.max_transfer = s.max_total_size = None  # the context gates belong to scan
    found = _project(
        context,
        file,
        _compose(compose, env_file, project_directory, profile),
        bake,
        service,
        target_name,
        build_context,
        target,
    )
    if found is not None:
        _plain_only(ignorefile)
        _image_project(found, s, _build_args(build_arg), target, fmt, output, annotations)
        return
    contexts = _contexts(context, file, _builder(s), ignorefile)
    if not any(c.has_dockerfile for c in contexts):
        raise InputError(f"no Dockerfile in {context} (use -f)")
    report = scan(
        contexts,
        top=0,
        build_args=_build_args(build_arg),
        target=target,
        ignore_rules=s.ignore_rules,
        suggestions=False,
        per_path_ignores=s.per_path_ignores,
    )
    report.findings = [f for f in report.findings if _image_rule(f.rule.id)]
    _baseline(report, s, baseline, write_baseline)
    _publish(report, fmt, False, output, annotations, out.image_renderer)
    _fail(_findings_gate(report.findings, s), fmt, annotations)


def _image_rule(rule_id: str) -> bool:
    """What `ctxaudit image` reports: the layer traps, and a Dockerfile Docker rejects (nothing builds)."""
    return rule_id.startswith("CA5") or rule_id == "CA305"


@app.command("layers")
def layers_command(
    image: Annotated[
        str,
        typer.Argument(
            help="A `docker save` tarball (gzip/zstd too), an OCI layout directory or tar, or an image name "
            "(read with `docker image save`).",
            show_default=False,
        ),
    ],
    context: Annotated[
        Path | None, typer.Argument(help="Build context the image was built from (with -f: default .).")
    ] = None,
    file: DockerfileOpt = None,
    builder: BuilderOpt = None,
    ignorefile: IgnoreFileOpt = None,
    build_arg: BuildArgOpt = None,
    target: TargetOpt = None,
    base_layers: Annotated[
        int | None,
        typer.Option("--base-layers", min=0, help="How many bottom layers are the base image (default: from -f)."),
    ] = None,
    include_base: Annotated[
        bool, typer.Option("--include-base", help="Count the base image's layers in the waste and the gates.")
    ] = False,
    top: Annotated[int, typer.Option("--top", "-n", min=0, help="How many largest changes and hidden files.")] = 5,
    tolerance: Annotated[
        float,
        typer.Option(
            "--tolerance", callback=_finite(0), help="Percent by which a layer may differ from the prediction."
        ),
    ] = 5.0,
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-o", help="Output format; html: one self-contained page with a treemap (use -O)."),
    ] = ReportFormat.table,
    raw_bytes: Annotated[bool, typer.Option("--bytes", help="Exact byte counts instead of KiB/MiB/GiB.")] = False,
    output: OutputOpt = None,
    annotations: AnnotationsOpt = Annotations.auto,
    max_wasted: Annotated[
        str | None, typer.Option("--max-wasted", help="Gate: fail when your layers waste more (10MB, 1MiB).")
    ] = None,
    max_wasted_percent: Annotated[
        float | None,
        typer.Option(
            "--max-wasted-percent",
            callback=_finite(0, 100),
            help="Gate: fail when more of your bytes are wasted (percent, 0 to 100).",
        ),
    ] = None,
    min_efficiency: Annotated[
        float | None,
        typer.Option(
            "--min-efficiency",
            callback=_finite(0, 100),
            help="Gate: fail below this efficiency, in percent (0 to 100, e.g. 95).",
        ),
    ] = None,
    fail_on: OptionalFailOnOpt = None,
    ignore_rule: IgnoreRuleOpt = None,
    docker: Annotated[str, typer.Option("--docker", help="Docker CLI that saves an image given by name.")] = "docker",
) -> None:
    """After the build: read the image's layers, charge every wasted byte to a Dockerfile line.

    Per layer: its size, the files it adds, changes and deletes (whiteouts,
    opaque directories) and the Dockerfile line that made it (-f, matched
    through the image history). Waste: bytes a later layer deletes or
    overwrites, files stored again for a new mode or owner, package caches
    left in a layer; the base image apart (--include-base counts it). With
    the context, ctxaudit's pre-build prediction beside the measured bytes.
    No Docker daemon is needed for archives.
    """
    from . import layerreport
    from .config import parse_size

    # Every flag is checked before the image is read (as scan checks its own before the walk).
    s = _settings(context or Path("."), builder, fail_on, ignore_rule)
    gates = layerreport.LayerGates(
        max_wasted=parse_size(max_wasted, "--max-wasted") if max_wasted else None,
        max_wasted_percent=max_wasted_percent,
        min_efficiency=min_efficiency,
        fail_on=s.fail_on,
        max_wasted_text=max_wasted,
    )
    ctx = None
    if file is not None or context is not None:
        (ctx,) = _contexts(context or Path("."), [file] if file else None, _builder(s), ignorefile)
        if not ctx.has_dockerfile:
            ctx = None
    report = layerreport.layers(
        image,
        ctx,
        build_args=_build_args(build_arg),
        target=target,
        base_layers=base_layers,
        include_base=include_base,
        top=top,
        tolerance=tolerance / 100,
        ignore_rules=s.ignore_rules,
        docker=docker,
    )
    from . import output as out

    options = _options(fmt, raw_bytes, output)
    machine = fmt in (ReportFormat.json, ReportFormat.sarif)
    _emit(out.layers_renderer(fmt.value)(report, options), output, machine=machine)
    if fmt is ReportFormat.html:  # the page goes to a file: its annotations, as scan's, to the log
        if output is not None and annotations is Annotations.auto:
            _annotate(report.findings, report.root, Format.table, annotations)
    else:
        _annotate(report.findings, report.root, fmt, annotations)
    _fail([b.message for b in layerreport.check(report, gates)], fmt, annotations)


def _image_project(
    found: tuple[Project | None, list[Build]],
    s: Settings,
    build_args: dict[str, str],
    target: str | None,
    fmt: Format,
    output: Path | None,
    annotations: Annotations,
) -> None:
    from .builds import scan_builds

    preport = scan_builds(
        found[0],
        found[1],
        _builder(s),
        top=0,
        build_args=build_args,
        target=target,
        ignore_rules=s.ignore_rules,
        suggestions=False,
    )
    for br in preport.builds:
        br.findings = [f for f in br.findings if _image_rule(f.rule.id)]
        if br.report is not None:
            br.report.findings = [f for f in br.report.findings if _image_rule(f.rule.id)]
    preport.findings = [f for f in preport.findings if _image_rule(f.rule.id)]
    reports = [
        (br.build.title, br.build.name, br.report)
        for br in preport.builds
        if br.report is not None and br.report.primary is not None
    ]
    _publish_builds(reports, preport.findings, fmt, output, annotations, "image")
    _fail(_findings_gate(preport.findings, s), fmt, annotations)


@app.command("suggest")
def suggest_command(
    context: ContextArg = Path("."),
    file: DockerfileOpt = None,
    builder: BuilderOpt = None,
    ignorefile: IgnoreFileOpt = None,
    build_arg: BuildArgOpt = None,
    target: TargetOpt = None,
    min_bytes: Annotated[
        str, typer.Option("--min-bytes", help="Propose only lines that save at least this much (e.g. 1MB).")
    ] = "1",
    unused_min: Annotated[
        str, typer.Option("--unused-min", help="Propose paths no COPY/ADD uses only from this size.")
    ] = "1MiB",
    write: Annotated[bool, typer.Option("--write", help="Append the lines to the active ignore file.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the unified diff --write would apply.")] = False,
    include_review: Annotated[
        bool,
        typer.Option(
            "--include-review",
            help="Also write the lines held back for review (they remove files the build may read).",
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="With --write: also write a read-only or hard-linked ignore file, or one a symlink "
            "leads to outside the context and the current directory.",
        ),
    ] = False,
    show_all: Annotated[
        bool,
        typer.Option("--all", help="List every line held back (by default the 10 first: review, largest first)."),
    ] = False,
    fmt: TextFormatOpt = TextFormat.table,
    raw_bytes: Annotated[bool, typer.Option("--bytes", help="Exact byte counts.")] = False,
    compose: ComposeOpt = None,
    bake: BakeOpt = None,
    env_file: EnvFileOpt = None,
    project_directory: ProjectDirOpt = None,
    profile: ProfileOpt = None,
    service: ServiceOpt = None,
    target_name: TargetNameOpt = None,
    build_context: BuildContextOpt = None,
) -> None:
    """Propose ignore lines, largest saving first, that never break the build.

    Candidates: junk kinds (**/__pycache__, .git, **/node_modules...),
    corrections of root-only lines, .gitignore entries translated to Docker
    rules, and large paths no COPY/ADD uses. A line that would remove files
    the build may read (COPY . takes them, and they are not unmistakable
    junk) is held back for review; one that would remove what a '!' line or
    a bind mount keeps is never written. --write appends a block to the
    active ignore file after walking the context again with it under the
    builders and reading the file back as Docker reads it, before the
    rename; it prints what it wrote and what it held back. In a Compose or
    Bake project, per build, naming the ignore file each line goes into; a
    file several builds read gets only the lines safe for all of them.
    """
    from .analysis import suggest
    from .common import display
    from .config import parse_size
    from .output import json as json_out
    from .output import table
    from .pipeline import load_dockerfile

    min_b, unused = max(parse_size(min_bytes, "--min-bytes"), 1), parse_size(unused_min, "--unused-min")
    limit = None if show_all else table.HELD_BACK_SHOWN
    b = _builder(_settings(context, builder))
    checked = write or dry_run
    audits = _audits(
        context,
        file,
        _compose(compose, env_file, project_directory, profile),
        bake,
        service,
        target_name,
        build_context,
        b,
        target=target,
    )
    if audits is not None:
        _plain_only(ignorefile)

        def plan_all() -> list[tuple[str, str, Context, Plan, Planner]]:
            plans = []
            for a in audits:
                args = {**a.build.args, **_build_args(build_arg)}
                names = [n for n, _ in a.named]
                adf = load_dockerfile(a.ctx, args, target or a.build.target, names) if a.ctx.has_dockerfile else None
                pp = suggest.plan(
                    a.ctx, adf, min_bytes=min_b, unused_min=unused, include_review=include_review, check_build=checked
                )
                plans.append((a.title, a.build.name, a.ctx, *pp))
                if adf is not None and b is Builder.BUILDKIT:
                    for n, nctx in a.named:
                        pp = suggest.plan(
                            nctx,
                            adf,
                            min_bytes=min_b,
                            unused_min=unused,
                            include_review=include_review,
                            check_build=checked,
                            source=n,
                        )
                        plans.append((f"{a.title}, named context {n}", a.build.name, nctx, *pp))
            return plans

        _suggest_project(plan_all, write, dry_run, fmt, raw_bytes, force, limit)
        return
    (ctx,) = _contexts(context, [file] if file else None, b, ignorefile)
    df = load_dockerfile(ctx, _build_args(build_arg), target) if ctx.has_dockerfile else None
    target_file = suggest.target_file(ctx)
    label = display.path(ctx.ignore.label)
    options = _terminal(raw_bytes)

    def planned() -> Plan:
        p, planner = suggest.plan(
            ctx, df, min_bytes=min_b, unused_min=unused, include_review=include_review, check_build=checked
        )
        if checked:
            suggest.verify(p, planner)  # the walk again, under the builders: exactly as predicted
        return p

    p = suggest.replanned(planned)  # from a fresh walk while the context changes under the check
    if checked:
        if not p.block:
            _emit(f"nothing to add to {label}\n" + table.held_back_text(p, options, limit), None)
            return
        if _write_plan(p, target_file, label, dry_run, force, [ctx.root, Path.cwd()]):
            saved = p.before - p.after
            _emit(
                f"added {display.count(len(p.block), 'line')} to {label}: "
                f"{display.count(p.files_before - p.files_after, 'file')}, "
                f"{display.size(saved, raw_bytes)} no longer sent\n"
                + table.written_text(p, options)
                + table.held_back_text(p, options, limit),
                None,
            )
        return
    if fmt is TextFormat.json:
        _emit(json_out.dumps(json_out.plan_document(p, target_file)), None, machine=True)
        return
    _emit(table.plan_text(p, label, _terminal(raw_bytes), limit), None)


def _write_plan(p: Plan, target_file: Path, label: str, dry_run: bool, force: bool, within: list[Path]) -> bool:
    """Append ``p``'s block (or print the diff with ``dry_run``); False when the
    file already holds every line. The bytes are read back as Docker reads
    them before the rename."""
    import datetime

    from .analysis import ignorewrite, suggest

    today = datetime.date.today().isoformat()
    if dry_run:
        old, new = suggest.written(p, target_file, today)
        suggest.read_back(old, new, p.block, p.expect, label)
        _emit(_lines(ignorewrite.unified_diff(target_file, old, new, label)), None)
        return False
    change = suggest.Append(p, today, label)
    _, _, written = ignorewrite.update(target_file, change, verify=change.verify, force=force, within=within)
    if written is None:
        _emit(f"nothing to add to {label}: it already holds every proposed line\n", None)
        return False
    return True


def _suggest_project(
    plan_all: Callable[[], list[tuple[str, str, Context, Plan, Planner]]],
    write: bool,
    dry_run: bool,
    fmt: TextFormat,
    raw_bytes: bool,
    force: bool,
    limit: int | None = None,
) -> None:
    import datetime

    from .analysis import suggest
    from .common import display
    from .output import json as json_out
    from .output import table

    if not (write or dry_run):
        plans = plan_all()
        if fmt is TextFormat.json:
            docs = [(title, name, json_out.plan_document(p, suggest.target_file(c))) for title, name, c, p, _ in plans]
            _emit(json_out.dumps(json_out.builds_document(docs)), None, machine=True)
            return
        texts = []
        for title, _, c, p, _ in plans:
            label = display.path(_near(suggest.target_file(c)))
            texts.append(
                f"==> {title}: lines for {label} <==\n" + table.plan_text(p, label, _terminal(raw_bytes), limit)
            )
        _emit("\n".join(texts), None)
        return
    # Every file's lines checked before any is written; all planned again when a context changed meanwhile.
    files = suggest.replanned(lambda: suggest.by_file([(t, c, p, pl) for t, _, c, p, pl in plan_all()]))
    labels = [display.path(_near(f.target)) for f in files]
    roots = [[*(c.root for _, c, _ in f.builds), Path.cwd()] for f in files]
    todo = [i for i, f in enumerate(files) if f.plan.block]
    added = set()
    if not dry_run:
        today = datetime.date.today().isoformat()
        wrote = suggest.write_all([(files[i].target, files[i].plan, labels[i], roots[i]) for i in todo], today, force)
        added = {i for i, w in zip(todo, wrote, strict=True) if w}
    options = _terminal(raw_bytes)
    for i, f in enumerate(files):
        # What each build holds back, as with -f: --write never hides the lines left for review.
        held = "".join(
            f"\n==> {title}: held back from {labels[i]} <==" + table.held_back_text(p, options, limit)
            for title, _, p in f.builds
            if p.review()
        )
        if not f.plan.block:
            _emit(f"nothing to add to {labels[i]}\n" + held, None)
        elif i in added:
            _emit(
                f"added {display.count(len(f.plan.block), 'line')} to {labels[i]}\n"
                + table.written_text(f.plan, options)
                + held,
                None,
            )
        else:
            if dry_run:
                _write_plan(f.plan, f.target, labels[i], True, force, roots[i])
            else:
                _emit(f"nothing to add to {labels[i]}: it already holds every proposed line\n", None)
            if held:
                _emit(held.lstrip("\n"), None)


@app.command("init")
def init_command(
    context: ContextArg = Path("."),
    file: DockerfileOpt = None,
    builder: BuilderOpt = None,
    ignorefile: IgnoreFileOpt = None,
    build_arg: BuildArgOpt = None,
    target: TargetOpt = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Overwrite an existing ignore file (even read-only, or reached through a symlink)."
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the file instead of writing it.")] = False,
    include_review: Annotated[
        bool,
        typer.Option("--include-review", help="Also write the lines held back for review."),
    ] = False,
    compose: ComposeOpt = None,
    bake: BakeOpt = None,
    env_file: EnvFileOpt = None,
    project_directory: ProjectDirOpt = None,
    profile: ProfileOpt = None,
    service: ServiceOpt = None,
    target_name: TargetNameOpt = None,
    build_context: BuildContextOpt = None,
) -> None:
    """Write a starter ignore file for the stacks the context holds.

    Python, Node, Go, Java, Rust, data science, editor and OS files, secrets:
    every line in Docker syntax. A line that would remove files the build may
    read is held back for review (printed, not written); one that would hide
    a COPY/ADD source gets a '!' exception; unmistakable junk that matches
    nothing yet stands in a '# ctxaudit: guard' block that lint leaves alone.
    The result is checked like suggest --write. Refuses to overwrite without
    --force.
    """
    import datetime

    from .analysis import ignorewrite, starter, suggest
    from .common import display
    from .output import layout, table
    from .pipeline import load_dockerfile

    b = _builder(_settings(context, builder))
    audits = _audits(
        context,
        file,
        _compose(compose, env_file, project_directory, profile),
        bake,
        service,
        target_name,
        build_context,
        b,
        target=target,
    )
    args, names = _build_args(build_arg), []
    if audits is not None:
        _plain_only(ignorefile)
        a = _one(audits, "init")
        ctx, args, names = a.ctx, {**a.build.args, **args}, [n for n, _ in a.named]
        target = target or a.build.target
    else:
        (ctx,) = _contexts(context, [file] if file else None, b, ignorefile)
    target_file = suggest.target_file(ctx)
    if not dry_run:  # a directory in its place, a link outside: say so before the walk
        ignorewrite.resolve(target_file, within=[ctx.root, Path.cwd()], force=force)

    def refuse_existing() -> None:
        if not force and not dry_run:
            raise InputError(
                f"{target_file} exists; use --force to overwrite it (or ctxaudit suggest --write to add to it)"
            )

    if os.path.lexists(target_file):
        refuse_existing()
    # The exceptions keep what the stages built for this target copy (as docker build --target builds).
    df = load_dockerfile(ctx, args, target, names) if ctx.has_dockerfile else None
    today = datetime.date.today().isoformat()

    def planned() -> starter.Starter:
        s = starter.starter(ctx, df, today, include_review=include_review)
        suggest.verify(s.plan, s.planner)
        return s

    s = suggest.replanned(planned)  # from a fresh walk while the context changes under the check
    label = display.path(_near(target_file))  # as suggest names it: relative when below the current directory
    suggest.read_back(b"", s.text.encode("utf-8", "surrogateescape"), s.lines, s.plan.expect, label)
    if dry_run:
        _emit(_lines(s.text), None)
        return

    def change(old: bytes | None) -> bytes:
        if old is not None:
            refuse_existing()  # created meanwhile
        return ignorewrite.styled(s.text, old or b"")

    def verify(data: bytes) -> None:
        suggest.read_back(b"", data, s.lines, s.plan.expect, label)

    ignorewrite.update(target_file, change, verify=verify, force=force, within=[ctx.root, Path.cwd()])
    options = _terminal()
    out = layout.prose(f"wrote {label} for: {', '.join(s.stacks)}", options.width) + "\n"
    out += table.written_text(s.plan, options)
    if s.plan.guards:
        # Each guard line whole (it is what the file holds): the prose wraps between lines.
        guards = ", ".join(display.path(c.line) for c in s.plan.guards)
        text = f"guard lines (unmistakable junk that matches nothing here yet): {guards}"
        out += layout.prose(text, options.width) + "\n"
    _emit(out + table.held_back_text(s.plan, options), None)


@app.command("ls")
def ls_command(
    context: ContextArg = Path("."),
    file: DockerfileOpt = None,
    builder: BuilderOpt = None,
    ignorefile: IgnoreFileOpt = None,
    sizes: Annotated[bool, typer.Option("--sizes", help="Print path<TAB>bytes.")] = False,
    ignored: Annotated[bool, typer.Option("--ignored", help="List what is left out instead.")] = False,
    compose: ComposeOpt = None,
    bake: BakeOpt = None,
    env_file: EnvFileOpt = None,
    project_directory: ProjectDirOpt = None,
    profile: ProfileOpt = None,
    service: ServiceOpt = None,
    target_name: TargetNameOpt = None,
    build_context: BuildContextOpt = None,
) -> None:
    """List the eligible context: every file and symlink the ignore file lets through.

    One path per line, relative to the context, sorted bytewise. Undecodable
    bytes and control characters in names print as \\xNN. With a Compose or
    Bake project (or --build-context), each build's context and named
    contexts, each after a `==> BUILD: DIR/ <==` line when there are several.
    """

    b = _builder(_settings(context, builder))
    audits = _audits(
        context,
        file,
        _compose(compose, env_file, project_directory, profile),
        bake,
        service,
        target_name,
        build_context,
        b,
    )
    if audits is not None:
        _plain_only(ignorefile)
        listings = [(a.title, a.ctx) for a in audits]
        listings += [(f"{a.title}, named context {n}", c) for a in audits for n, c in a.named]
        from .common import display
        from .common.streams import stdout_gone

        for title, c in listings:
            if len(listings) > 1:
                sys.stdout.write(display.text(f"==> {title}: {c.name}/ <==") + "\n")
            _list(c, sizes, ignored)
            if stdout_gone():
                return
        return
    _list(_open(context, file, b, ignorefile=ignorefile), sizes, ignored)


def _list(ctx: Context, sizes: bool, ignored: bool) -> None:
    from .common import display
    from .common.streams import stdout_gone
    from .engine.walk import Status, walk

    shown = display.path
    for p in ctx.problems:
        typer.echo(f"ctxaudit: {'error' if p.fatal else 'warning'}: {shown(p.file)}: {p.message}", err=True)
    want = (Status.IGNORED, Status.PRUNED) if ignored else (Status.SENT,)
    write = sys.stdout.write
    batch: list[str] = []
    for e in walk(ctx, full=ignored, sizes=sizes):
        if e.problem is not None:
            # The builder would fail here; say so without spoiling the listing.
            _say(f"warning: {shown(e.path)}: {e.problem}")
        if e.status in want and e.is_file:
            batch.append(f"{shown(e.path)}\t{e.size}\n" if sizes else f"{shown(e.path)}\n")
            if len(batch) >= 4096:  # fewer, larger writes
                write("".join(batch))
                batch.clear()
                if stdout_gone():  # `ctxaudit ls | head`: the reader has what it wanted
                    return
    write("".join(batch))


plugin_app = typer.Typer(
    help="Make `docker ctxaudit ...` run ctxaudit: install or remove the Docker CLI plugin.\n\n"
    "install writes an executable docker-ctxaudit into $DOCKER_CONFIG/cli-plugins (~/.docker/cli-plugins "
    "by default), which answers Docker's docker-cli-plugin-metadata and runs this ctxaudit. Then "
    "`docker ctxaudit scan .` is `ctxaudit scan .`.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(
    plugin_app, name="docker-plugin", short_help="Install (or remove) `docker ctxaudit`, a Docker CLI plugin."
)
PluginDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="The plugin directory, which must exist (default: $DOCKER_CONFIG/cli-plugins, else "
        "~/.docker/cli-plugins, created when missing).",
        file_okay=False,
    ),
]


@plugin_app.command("install")
def plugin_install(
    directory: PluginDirOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a docker-ctxaudit ctxaudit did not write.")] = False,
) -> None:
    """Write the docker-ctxaudit plugin: `docker ctxaudit ...` then runs this ctxaudit."""
    from . import dockerplugin

    where = directory or dockerplugin.plugin_dir()
    try:
        path = dockerplugin.install(where, force, create=directory is None)
    except NotADirectoryError:
        raise InputError(
            f"--dir {where}: no such directory (create it first: only Docker's default plugin directory, "
            f"{dockerplugin.plugin_dir()}, is created for you)"
        ) from None
    except FileExistsError:
        raise InputError(
            f"{where / dockerplugin.EXECUTABLE} exists and is not ctxaudit's; --force replaces it"
        ) from None
    except OSError as exc:
        raise InputError(f"cannot write {where}: {exc.strerror or exc}") from None
    typer.echo(f"installed {path}: try `docker ctxaudit --help`")


@plugin_app.command("uninstall")
def plugin_uninstall(directory: PluginDirOpt = None) -> None:
    """Remove the docker-ctxaudit plugin that install wrote."""
    from . import dockerplugin

    where = directory or dockerplugin.plugin_dir()
    try:
        path = dockerplugin.uninstall(where)
    except FileExistsError:
        raise InputError(f"{where / dockerplugin.EXECUTABLE} is not ctxaudit's: left alone") from None
    except OSError as exc:
        raise InputError(f"cannot remove it from {where}: {exc.strerror or exc}") from None
    typer.echo(f"removed {path}" if path is not None else f"no docker-ctxaudit in {where}")


@app.command("rules")
def rules_command(fmt: TextFormatOpt = TextFormat.table) -> None:
    """List every rule: its id (for --ignore-rule, ignore-rules, per-path-ignores), severity and what it finds."""
    from .output import json as json_out
    from .output import table
    from .rules import all_rules

    rules = all_rules()
    if fmt is TextFormat.json:
        doc = {
            "schema": json_out.DOCUMENT_SCHEMA,
            "rules": [
                {"id": r.id, "name": r.name, "severity": r.severity.value, "summary": r.summary, "help": r.help}
                for r in rules
            ],
        }
        _emit(json_out.dumps(doc), None, machine=True)
        return
    _emit(table.rules_text(rules, _terminal()), None)


@app.command("help")
def help_command(
    cli: typer.Context,
    command: Annotated[str | None, typer.Argument(help="The command to explain.", show_default=False)] = None,
) -> None:
    """Show the help of ctxaudit, or of one command (`ctxaudit help scan`)."""
    root = cli.parent
    assert root is not None
    if command is None:
        typer.echo(root.get_help())
        return
    group = root.command
    found = group.get_command(root, command) if hasattr(group, "get_command") else None
    if found is None:
        raise typer.Exit(_no_such_command(command, root.command_path))
    typer.echo(found.get_help(type(cli)(found, info_name=command, parent=root)))


def _commands() -> list[str]:
    return [c.name for c in app.registered_commands if c.name] + [g.name for g in app.registered_groups if g.name]


def _no_such_command(word: str, prog: str) -> int:
    """A usage error as click prints one, with the nearest command name (exit 2)."""
    close = difflib.get_close_matches(word, _commands(), n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    typer.echo(
        f"Usage: {prog} [OPTIONS] COMMAND [ARGS]...\nTry '{prog} -h' for help.\n\n"
        f"Error: No such command {word!r}.{hint}",
        err=True,
    )
    return EXIT_INPUT


def _short_helps() -> None:
    """Each command's first docstring line, whole, in the top-level --help (click cuts it at about 45 columns)."""
    for c in [*app.registered_commands, *plugin_app.registered_commands]:
        if c.short_help is None and c.callback is not None and c.callback.__doc__:
            c.short_help = c.callback.__doc__.strip().split("\n", 1)[0]


def main(argv: list[str] | None = None, prog: str = "ctxaudit") -> int:
    """Entry point: ``ctxaudit [CONTEXT]`` means ``ctxaudit scan [CONTEXT]``.

    The first argument names a command, or else a context (then ``scan``
    runs); a word that is neither an existing path nor a command, but close
    to one (``sacn``), or that more arguments follow, is a mistyped command.
    """
    # A collector pass every 10,000 new objects instead of 700 (mypy raises it
    # too): what a run builds mostly lives as long as the run (ignore lines,
    # their indexes), and the passes over it grew with its size. Measured on the
    # 300k bench tree (best of 3, same run): scan 0.66 -> 0.60 s CPU, lint 1.80 ->
    # 1.66 s; with a 100,000-line ignore file scan 4.08 -> 3.28 s and lint
    # 12.6 -> 10.8 s (297 -> 304 MB). Larger values cost lint more memory.
    gc.set_threshold(10_000, 10, 10)
    args = list(sys.argv[1:] if argv is None else argv)
    commands = _commands()
    _short_helps()
    wants_root = bool(args) and args[0] in ("-h", "--help", "--version")
    if not wants_root and (not args or args[0] not in commands):
        first = args[0] if args else None
        if first is not None and not first.startswith("-") and not os.path.lexists(first):
            more = any(not a.startswith("-") for a in args[1:])
            if more or difflib.get_close_matches(first, commands, n=1, cutoff=0.6):
                return _no_such_command(first, prog)
        args.insert(0, "scan")
    from .common.streams import Streams

    streams = Streams()
    code = _run(args, prog)
    try:
        streams.finish()
    except CtxauditError as exc:
        _say(f"error: {exc}")
        code = exc.exit_code
    return code


def _run(args: list[str], prog: str = "ctxaudit") -> int:
    """Run one command; every failure becomes one line on stderr and an exit code."""
    try:
        # Standalone mode: click reports usage errors itself (exit 2).
        app(args=args, prog_name=prog)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_INPUT)
    except CtxauditError as exc:
        _say(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except Exception as exc:
        # A bug, not a verdict: never exit 1, which CI reads as a failed gate.
        if os.environ.get("CTXAUDIT_DEBUG"):
            raise
        _say(f"internal error: {type(exc).__name__}: {exc} (a bug; CTXAUDIT_DEBUG=1 shows the traceback)")
        return EXIT_INPUT
    return 0
