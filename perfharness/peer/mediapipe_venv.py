"""The MediaPipe venv: made with ``python3.11 -m venv`` and ``pip install --require-hashes`` from
the pinned requirements beside this module, stamped with their sha256, checked before a run.

MediaPipe is never a dependency of perfharness (its pins, numpy<2 and protobuf<5, clash with
ours); perfharness is never installed in this venv.
"""

from __future__ import annotations

import hashlib
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from perfharness.core.atomic import atomic_write_text
from perfharness.core.children import Child, ChildError, spawn, status
from perfharness.core.errors import UsageError
from perfharness.zoo.cache import cache_root

REQUIREMENTS = Path(__file__).with_name("requirements.txt")
STAMP_NAME = ".perfharness-peer-requirements.sha256"  # in the venv: the requirements it was made from
PEER_PYTHON = (3, 11)  # the wheels pinned in requirements.txt are cp311 / x86_64 Linux
VENV_FOLDER = "peer-mediapipe"


def default_venv() -> Path:
    """Where the MediaPipe venv lives unless told: ``peer-mediapipe`` in the model cache."""
    return cache_root() / VENV_FOLDER


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def requirements_digest() -> str:
    """The sha256 of the pinned requirements (what a venv's stamp must say)."""
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def venv_problem(venv: Path) -> str | None:
    """Why ``venv`` cannot be used as it is, or None."""
    if not venv_python(venv).exists():
        return f"no MediaPipe venv at {venv}"
    stamp = venv / STAMP_NAME
    if not stamp.exists() or stamp.read_text().strip() != requirements_digest():
        return f"the MediaPipe venv at {venv} was not made from the current {REQUIREMENTS.name} of perfharness.peer"
    return None


def default_peer_python() -> str | None:
    """This python when it is 3.11, else ``python3.11`` on PATH, else None."""
    if sys.version_info[:2] == PEER_PYTHON:
        return sys.executable
    return shutil.which(f"python{PEER_PYTHON[0]}.{PEER_PYTHON[1]}")


def setup_venv(venv: Path, peer_python: str | None) -> None:
    """Make the MediaPipe venv (every file pinned by sha256) unless it already matches the
    requirements; its tools' output goes to stderr. UsageError for a platform or python the pins
    do not fit, ChildError when a step fails."""
    if venv_problem(venv) is None:
        return
    if sys.platform != "linux" or platform.machine() != "x86_64":
        raise UsageError(f"the MediaPipe venv's pins are x86_64 Linux wheels; this is {sys.platform} "
                         f"{platform.machine()}")
    if not venv_python(venv).exists():
        python = _checked_peer_python(peer_python or default_peer_python())
        print(f"perfharness peer: making the MediaPipe venv at {venv}", file=sys.stderr, flush=True)
        _run_step([python, "-m", "venv", str(venv)], "making the MediaPipe venv")
    _run_step([str(venv_python(venv)), "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
               "--require-hashes", "--only-binary=:all:", "-r", str(REQUIREMENTS)],
              f"pip install -r {REQUIREMENTS}")
    atomic_write_text(venv / STAMP_NAME, requirements_digest() + "\n")


def _checked_peer_python(python: str | None) -> str:
    """``python`` when it runs and is Python 3.11; UsageError otherwise."""
    if python is None:
        raise UsageError("no python3.11 found to make the MediaPipe venv with; give --peer-python PATH")
    try:
        version = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True,
                                 text=True, check=True, timeout=60).stdout.split()
    except (OSError, subprocess.SubprocessError):
        raise UsageError(f"--peer-python {python} does not run") from None
    if tuple(int(part) for part in version) != PEER_PYTHON:
        raise UsageError(f"--peer-python {python} is Python {'.'.join(version)}; the MediaPipe venv's pins are "
                         f"wheels for Python {PEER_PYTHON[0]}.{PEER_PYTHON[1]}")
    return python


def _run_step(command: list[str], what: str) -> None:
    """Run one set-up command, its output passed through to stderr; ChildError when it fails.
    Ctrl-C or SIGTERM ends it and is raised again once it has ended."""
    child = spawn(what, command, stderr_pipe=True, stdout_to_stderr=True, new_session=True)
    try:
        interrupted = child.pass_stderr_through(on_interrupt=_terminate)
    except BaseException:
        child.stop()
        raise
    if interrupted:
        raise KeyboardInterrupt
    if child.process.returncode != 0:
        raise ChildError(f"{what} failed ({status(child.process.returncode)}): {child.last_line() or 'no message'}")


def _terminate(child: Child) -> None:
    child.process.terminate()
