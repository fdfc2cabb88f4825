"""Errors that end a run, each with the exit code CI can rely on."""

from __future__ import annotations

EXIT_OK = 0
EXIT_GATE = 1  # a gate failed, or findings at or above --fail-on
EXIT_INPUT = 2  # bad usage or input: missing context, invalid ignore file...


class CtxauditError(Exception):
    """A failure to report in one line, without a traceback."""

    exit_code = EXIT_INPUT


class InputError(CtxauditError):
    """The context, Dockerfile, ignore file or an option is unusable."""
