"""Child processes, one way: spawned without a shell, their output kept (a log file, or stderr
passed through with its tail kept), stopped with SIGTERM then SIGKILL, and, for persistent
workers, spoken to in JSON lines (one object per line on stdin and stdout).

Used by the benchmark runner (worker processes writing a log), the profilers' supervisor (a
profiler whose stderr is passed through) and the peer benchmark (persistent workers).

A child never inherits an ignored SIGINT: a harness started in the background by a script (the
shell then ignores SIGINT for it) still stops its profiler or worker with SIGINT, so ``spawn``
starts children with SIGINT at its default.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from perfharness.core import interrupts
from perfharness.core.errors import UsageError

TAIL_CHARS = 65536  # what is kept of a child's stderr for its error line
STOP_GRACE_S = 5.0  # SIGTERM, then SIGKILL after this long


class ChildError(Exception):
    """A child failed, ended or did not answer; the message is one line naming it."""


def status(returncode: int) -> str:
    """``exit N`` or ``killed by SIGNAME``."""
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit {returncode}"


def last_line(text: str) -> str:
    """The last non-blank line of ``text`` (``\\r`` progress updates count as line ends)."""
    for line in reversed(text.replace("\r", "\n").split("\n")):
        if line.strip():
            return line.strip()
    return ""


def error_line(text: str) -> str:
    """The last line of ``text`` that reads as an error (contains "error"), else its last line: a
    tool goes on writing after the program under it failed, whose own error is the useful line."""
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
    return next((line for line in reversed(lines) if "error" in line.lower()), last_line(text))


@contextlib.contextmanager
def _sigint_default_in_children() -> Iterator[None]:
    """While spawning: a no-op Python handler in place of an inherited SIG_IGN, so the exec'd
    child starts with SIGINT at its default (exec keeps ignored signals, resets handled ones)."""
    inherited_ignore = (threading.current_thread() is threading.main_thread()
                        and signal.getsignal(signal.SIGINT) is signal.SIG_IGN)
    if inherited_ignore:
        signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        yield
    finally:
        if inherited_ignore:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


class Child:
    """One running child process; see ``spawn``."""

    def __init__(self, name: str, process: subprocess.Popen, log_path: Path | None, log: IO[bytes] | None) -> None:
        self.name, self.process, self.log_path = name, process, log_path
        self._log = log
        self._tail = ""

    # --- output ------------------------------------------------------------------------------

    def last_line(self) -> str:
        """The last line it wrote to its log (or of its stderr tail), "" when none."""
        if self.log_path is None:
            return error_line(self._tail)
        if self._log is not None and not self._log.closed:
            self._log.flush()
        try:
            return last_line(self.log_path.read_text(errors="replace"))
        except OSError:
            return ""

    def pass_stderr_through(self, on_interrupt: Callable[[Child], None]) -> bool:
        """Copy its stderr to ours as it comes (keeping a tail for ``last_line``) until it closes,
        then wait for the child. The first KeyboardInterrupt calls ``on_interrupt(self)`` (ask it to
        stop and finish) and goes on waiting; a second is re-raised. True if interrupted."""
        stream = self.process.stderr or self.process.stdout  # stdout when spawned with stdout_to_stderr
        assert stream is not None
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        interrupted = False
        while True:
            try:
                chunk = os.read(stream.fileno(), 65536)
            except KeyboardInterrupt:
                if interrupted:
                    raise
                interrupted = True
                on_interrupt(self)
                continue
            text = decoder.decode(chunk, final=not chunk)
            sys.stderr.write(text)
            sys.stderr.flush()
            self._tail = (self._tail + text)[-TAIL_CHARS:]
            if not chunk:
                break
        stream.close()
        while True:
            try:
                self.process.wait()
                return interrupted
            except KeyboardInterrupt:
                if interrupted:
                    raise
                interrupted = True
                on_interrupt(self)

    # --- JSON lines --------------------------------------------------------------------------

    def send(self, message: Mapping[str, Any]) -> None:
        """Write one JSON line to its stdin; ChildError when it is gone."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise ChildError(self._ended()) from None

    def receive(self, timeout_s: float) -> dict[str, Any]:
        """The next JSON line from its stdout; ChildError when it ends, is silent for
        ``timeout_s`` or writes something else."""
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout_s):
                raise ChildError(f"the {self.name} did not answer within {timeout_s:.0f} s"
                                 + (f" (log: {self.log_path})" if self.log_path else ""))
        line = self.process.stdout.readline()
        if not line:
            raise ChildError(self._ended())
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            message = None
        if not isinstance(message, dict):
            raise ChildError(f"the {self.name} wrote something that is not a protocol line: {line.strip()[:200]}")
        return message

    def _ended(self) -> str:
        code = self.process.wait()
        last = self.last_line()
        return f"the {self.name} ended ({status(code)})" + (f": {last}" if last else "")

    # --- ending ------------------------------------------------------------------------------

    def wait(self) -> int:
        """Wait for it to end; on KeyboardInterrupt it is stopped (``stop``) and the interrupt re-raised."""
        try:
            return self.process.wait()
        except KeyboardInterrupt:
            self.stop()
            raise

    def stop(self, grace_s: float = STOP_GRACE_S) -> int:
        """SIGTERM, then SIGKILL if it is still there after ``grace_s``; its exit status."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
        code = self.process.wait()
        self.close()
        return code

    def close(self, quit_message: Mapping[str, Any] | None = None, grace_s: float = STOP_GRACE_S) -> None:
        """Let it end: ``quit_message`` (if any) and EOF on its stdin, then ``stop`` if it is
        still there after ``grace_s``; its pipes and log are closed."""
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(OSError, ValueError):
                if quit_message is not None and self.process.poll() is None:
                    self.process.stdin.write(json.dumps(quit_message) + "\n")
                self.process.stdin.close()
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.stop(grace_s)
        for stream in (self.process.stdout, self.process.stderr, self._log):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()


def spawn(name: str, command: Sequence[str], *, log: Path | None = None, protocol: bool = False,
          stderr_pipe: bool = False, stdout_to_stderr: bool = False, env: Mapping[str, str] | None = None,
          cwd: Path | None = None, new_session: bool = False) -> Child:
    """Start ``command`` (no shell) as the child called ``name`` (for messages: "benchmark worker
    2", "MediaPipe worker"). Its output:

    - ``log``: stderr goes to this file, and stdout too unless ``protocol``;
    - ``protocol``: stdin and stdout are text pipes for ``send`` / ``receive`` (JSON lines);
    - ``stderr_pipe``: stderr is a pipe for ``pass_stderr_through``;
    - ``stdout_to_stderr`` (with ``stderr_pipe``, without a protocol): stdout joins that pipe, so a
      tool's output (pip's progress) stays off our stdout and its last lines make its error line.

    Without a protocol its stdin is /dev/null. ``new_session`` keeps a terminal's Ctrl-C from
    reaching it (the parent stops it). UsageError when the program cannot be started."""
    handle = open(log, "wb") if log is not None else None
    child: Child | None = None
    try:
        # a signal while the child starts is held until it has (deferred), so that it is stopped, not lost
        with _sigint_default_in_children(), interrupts.deferred():
            process = subprocess.Popen(
                list(command), cwd=cwd, env=None if env is None else dict(env),
                stdin=subprocess.PIPE if protocol else subprocess.DEVNULL,
                stdout=subprocess.PIPE if protocol or stdout_to_stderr else handle,
                stderr=subprocess.STDOUT if stdout_to_stderr else subprocess.PIPE if stderr_pipe else handle,
                text=protocol or None, bufsize=1 if protocol else -1, start_new_session=new_session)
            child = Child(name, process, log, handle)
    except OSError as error:
        if handle is not None:
            handle.close()
        raise UsageError(f"cannot run {command[0]}: {error.strerror}") from None
    except KeyboardInterrupt:
        if child is not None:
            child.stop()
        raise
    return child
