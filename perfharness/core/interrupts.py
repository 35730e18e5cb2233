"""Interruption as a state of the run: Ctrl-C (SIGINT) and SIGTERM end it the same way, whenever.

The first signal raises KeyboardInterrupt where the run is (loading models, between frames, in
a paced sleep...), unless the run is in a ``deferred()`` section (creating its run directory),
which raises it on leaving. Once a run calls ``finishing()`` (its last files are being written)
signals only take note: a second Ctrl-C waits for the write instead of cutting it short, and
only the first signal of a process ever raises.

``install()`` takes over SIGTERM, and SIGINT unless the process inherited it ignored (``cmd &``
in a script: the shell asked for background jobs to ignore Ctrl-C; SIGTERM still works).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

_received: int | None = None
_pending = False
_deferring = 0
_finishing = False


def install() -> None:
    """Handle SIGTERM (and SIGINT when it is not inherited as ignored) as described above."""
    signal.signal(signal.SIGTERM, _handle)
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _handle)


def _handle(signum: int, frame: object) -> None:
    global _received, _pending
    if _received is not None:
        return
    _received = signum
    if _finishing:
        return
    if _deferring:
        _pending = True
        return
    raise KeyboardInterrupt


@contextmanager
def deferred() -> Iterator[None]:
    """A section a signal does not cut: its KeyboardInterrupt is raised when the section ends."""
    global _deferring, _pending
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    if not _deferring and _pending and not _finishing:
        _pending = False
        raise KeyboardInterrupt


def finishing() -> None:
    """From now on signals are only noted (call it as the last step of the measured part)."""
    global _finishing
    _finishing = True


def received() -> int | None:
    """The first signal received (SIGINT, SIGTERM), or None."""
    return _received


def hold_until_exit() -> None:
    """Ignore SIGINT and SIGTERM from here to the end of the process: the command is done and its
    files written, and the interpreter would otherwise restore their default action as it shuts
    down, so a late Ctrl-C would kill it with no message. A signal noted before still counts."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
