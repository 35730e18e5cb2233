"""Child processes for tests that signal them, and waiting on what a child has done.

A test run started from a script with ``cmd &`` inherits SIGINT ignored, and so would every
child it starts: ``spawn`` puts SIGINT back to its default in the child, so the child's Ctrl-C
handling is what gets tested. ``wait_until`` waits on an observable state of the child (a file
it wrote, rows it produced), never on a fixed sleep, with a deadline generous enough for a
loaded machine.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEADLINE_S = 600.0


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(args: Sequence[str], **kwargs) -> subprocess.Popen:
    """Popen with SIGINT at its default in the child (text pipes for stdout/stderr by default)."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    kwargs.setdefault("text", True)
    kwargs.setdefault("cwd", ROOT)
    return subprocess.Popen(list(args), preexec_fn=_default_sigint, **kwargs)


def perfharness_command(*args: str, prelude: str = "") -> list[str]:
    """``python -m perfharness ARGS``, or, with ``prelude`` (code run first, e.g. to patch a
    function so that the child signals itself at an exact moment), the same through ``-c``."""
    if not prelude:
        return [sys.executable, "-m", "perfharness", *args]
    code = f"{prelude}\nimport sys\nfrom perfharness.entry import main\nsys.argv[0] = 'perfharness'\nsys.exit(main())"
    return [sys.executable, "-c", code, *args]


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen, what: str, deadline_s: float = DEADLINE_S) -> None:
    """Return once ``condition()`` holds; fail if the child ends first or the deadline passes."""
    end = time.monotonic() + deadline_s
    while not condition():
        if proc.poll() is not None:
            pytest.fail(f"the child ended (status {proc.returncode}) before {what}: {proc.stderr.read()[-3000:]}")
        if time.monotonic() > end:
            pytest.fail(f"waited {deadline_s:.0f} s for {what}")
        time.sleep(0.02)


def rows(path: Path) -> int:
    """Complete data rows of a CSV being written (0 while it does not exist)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return 0
    return max(0, text.count("\n") - 1)
