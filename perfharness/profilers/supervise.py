"""Run a profiler (VTune, perf) over a scenario as a child process: its stderr passed through
and its tail kept for a one-line error, Ctrl-C or SIGTERM turned into a request that the
profiler stop and finish its result, and a non-zero status raised as ``CollectionError``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from perfharness.core.children import Child, spawn, status
from perfharness.core.errors import EXIT_FAILED, UsageError

T = TypeVar("T")


class CollectionError(Exception):
    """The collection ended with a non-zero status; the message is one line."""

    exit_code = EXIT_FAILED


def scenario_args(frames: int | None, overrides: Sequence[str]) -> list[str]:
    """The ``scenario run`` options a profiler command passes on: ``--frames N`` and each ``--set``."""
    extra = ["--frames", str(frames)] if frames is not None else []
    for override in overrides:
        extra += ["--set", override]
    return extra


def find_or_placeholder(find: Callable[[], T], explicit: object, dry_run: bool, placeholder: str) -> T | str:
    """``find()``; for ``--dry-run`` without the tool found (and no explicit path given),
    ``placeholder`` instead, said in one line on stderr."""
    try:
        return find()
    except UsageError as error:
        if not dry_run or explicit is not None:
            raise
        print(f"perfharness: warning: {error}; the command lines show `{placeholder}` in its place", file=sys.stderr)
        return placeholder


def run_collection(command: Sequence[str], request_stop: Callable[[Child], None], tool: str,
                   env: dict[str, str] | None = None) -> bool:
    """Run ``command`` (no shell). Its stderr is passed through to ours as it comes, and its tail
    kept for the error message (``children.error_line``). Returns True if interrupted: on the first
    Ctrl-C (or SIGTERM turned into KeyboardInterrupt) ``request_stop(child)`` asks the profiler
    to stop and we wait for it to finish its result; a second one is re-raised. Raises
    CollectionError (``{tool} collection failed ...``) when it exits non-zero uninterrupted."""
    child = spawn(tool, command, stderr_pipe=True, env=env)
    interrupted = child.pass_stderr_through(request_stop)
    returncode = child.process.returncode
    if returncode != 0 and not interrupted:
        raise CollectionError(f"{tool} collection failed ({status(returncode)}): "
                              f"{child.last_line() or 'nothing on stderr'}")
    return interrupted
