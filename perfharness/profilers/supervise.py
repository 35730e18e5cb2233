"""Run a profiler (VTune, perf) over a scenario as a child process: its stderr passed through
and its tail kept for a one-line error, Ctrl-C or SIGTERM turned into a request that the
profiler stop and finish its result, and a non-zero status raised as ``CollectionError``."""

from __future__ import annotations

import codecs
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from perfharness.core.errors import EXIT_FAILED, UsageError

_TAIL_CHARS = 65536
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


def last_line(text: str) -> str:
    """The last non-blank line of ``text`` (``\\r`` progress updates count as line ends)."""
    for line in reversed(text.replace("\r", "\n").split("\n")):
        if line.strip():
            return line.strip()
    return ""


def error_line(text: str) -> str:
    """The last line of ``text`` that reads as an error (contains "error"), else its last line: a
    profiler goes on writing after the scenario under it failed, and the scenario's own error is
    the useful line."""
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
    return next((line for line in reversed(lines) if "error" in line.lower()), last_line(text))


def status(returncode: int) -> str:
    """``exit N`` or ``killed by SIGNAME``."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit {returncode}"


def run_collection(command: Sequence[str], request_stop: Callable[[subprocess.Popen], None], tool: str,
                   env: dict[str, str] | None = None) -> bool:
    """Run ``command`` (no shell). Its stderr is passed through to ours as it comes, and its tail
    kept for the error message (see ``error_line``). Returns True if interrupted: on the first
    Ctrl-C (or SIGTERM turned into KeyboardInterrupt) ``request_stop(process)`` asks the profiler
    to stop and we wait for it to finish its result; a second one is re-raised. Raises
    CollectionError (``{tool} collection failed ...``) when it exits non-zero uninterrupted."""
    try:
        process = subprocess.Popen(list(command), stderr=subprocess.PIPE, env=env)
    except OSError as error:
        raise UsageError(f"cannot run {command[0]}: {error.strerror}") from None
    assert process.stderr is not None
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    tail, interrupted = "", False
    while True:
        try:
            chunk = os.read(process.stderr.fileno(), 65536)
        except KeyboardInterrupt:
            if interrupted:
                raise
            interrupted = True
            request_stop(process)
            continue
        text = decoder.decode(chunk, final=not chunk)
        sys.stderr.write(text)
        sys.stderr.flush()
        tail = (tail + text)[-_TAIL_CHARS:]
        if not chunk:
            break
    process.stderr.close()
    while True:
        try:
            returncode = process.wait()
            break
        except KeyboardInterrupt:
            if interrupted:
                raise
            interrupted = True
            request_stop(process)
    if returncode != 0 and not interrupted:
        raise CollectionError(f"{tool} collection failed ({status(returncode)}): "
                              f"{error_line(tail) or 'nothing on stderr'}")
    return interrupted
