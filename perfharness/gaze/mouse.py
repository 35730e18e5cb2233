"""Mouse backends: where pointer positions go. Each has ``move(x, y)`` and ``close()``.

``dry`` records the intended moves (their count and the last one) (the default everywhere, the manual controller included: only
an explicit ``--mouse real`` moves the pointer),
``off`` drops them, ``real`` moves the system pointer with pyautogui.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from types import ModuleType
from typing import Protocol

from perfharness.core.errors import UsageError

log = logging.getLogger(__name__)

KINDS = ("real", "dry", "off")
DEFAULT_SCREEN_SIZE = (1920, 1080)
NO_DISPLAY = (
    "no display: --mouse real needs an X display (set DISPLAY, or run under xvfb-run); "
    "use --mouse dry to record moves instead"
)


class Mouse(Protocol):
    """A mouse backend. ``move`` must not block for long; ``close`` flushes and releases."""

    def move(self, x: int, y: int) -> None: ...

    def close(self) -> None: ...


class DryMouse:
    """Records the intended moves: how many, and the last (constant memory for runs of any length;
    a run's per-frame pointer positions go to its frames.csv)."""

    def __init__(self) -> None:
        self.count = 0
        self.last: tuple[int, int] | None = None

    def move(self, x: int, y: int) -> None:
        self.count += 1
        self.last = (int(x), int(y))

    def close(self) -> None:
        pass


class OffMouse:
    """Ignores moves."""

    def move(self, x: int, y: int) -> None:
        pass

    def close(self) -> None:
        pass


class RealMouse:
    """Moves the system pointer with pyautogui from a worker thread.

    ``move`` only fills a one-slot mailbox (latest wins), so a slow pointer never stalls the
    caller; ``close`` issues the last pending move and joins the worker. pyautogui's fail-safe
    stays on: moving the pointer into a screen corner (by hand) aborts pointer control. The
    worker then stops moving, logs a warning and sets ``stopped`` to the reason; inference goes
    on. Our own moves are clamped to the screen and kept one pixel off the corners, so the
    pointer cannot trip the fail-safe itself.
    ``pyautogui.PAUSE`` is set to 0 for the process.
    """

    def __init__(self) -> None:
        self._gui = _pyautogui()
        self._gui.PAUSE = 0
        self._gui.FAILSAFE = True
        self.stopped: str | None = None
        self._pending: tuple[int, int] | None = None
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="RealMouse", daemon=True)
        self._thread.start()

    def move(self, x: int, y: int) -> None:
        with self._cond:
            if self._closed or self.stopped is not None:
                return
            self._pending = (int(x), int(y))
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._pending is None:
                    return
                target, self._pending = self._pending, None
            try:
                self._gui.moveTo(*self._off_corner(*target), duration=0)
            except Exception as exc:  # the pointer must never take inference down
                if isinstance(exc, self._gui.FailSafeException):
                    reason = "fail-safe: pointer moved to a screen corner"
                else:
                    reason = f"{type(exc).__name__}: {exc}"
                log.warning("real mouse stopped (%s); further moves are ignored", reason)
                with self._cond:
                    self.stopped, self._pending = reason, None
                return

    def _off_corner(self, x: int, y: int) -> tuple[int, int]:
        w, h = self._gui.size()
        x, y = min(max(x, 0), w - 1), min(max(y, 0), h - 1)
        if (x, y) in self._gui.FAILSAFE_POINTS:
            x += 1 if x < w / 2 else -1
        return x, y


def make_mouse(kind: str) -> Mouse:
    """The backend named ``kind``: "real", "dry" or "off"."""
    if kind == "real":
        return RealMouse()
    if kind == "dry":
        return DryMouse()
    if kind == "off":
        return OffMouse()
    raise UsageError(f"unknown mouse backend {kind!r}; choose one of {', '.join(KINDS)}")


def screen_size(kind: str) -> tuple[int, int]:
    """The screen the pointer lives on: the real one for "real", else 1920x1080."""
    if kind not in KINDS:
        raise UsageError(f"unknown mouse backend {kind!r}; choose one of {', '.join(KINDS)}")
    if kind != "real":
        return DEFAULT_SCREEN_SIZE
    w, h = _pyautogui().size()
    return int(w), int(h)


def _pyautogui() -> ModuleType:
    """Import pyautogui, first checking that an X display can be opened (on X11 systems)."""
    if sys.platform not in ("win32", "darwin"):
        name = os.environ.get("DISPLAY", "")
        if not name:
            raise UsageError(NO_DISPLAY)
        from Xlib import display, error  # pyautogui's own X11 dependency (python3-xlib)

        try:
            display.Display(name).close()
        except (error.DisplayError, error.XauthError, OSError) as exc:
            reason = " ".join(str(exc).split())
            raise UsageError(f"{NO_DISPLAY} (cannot open DISPLAY={name}: {reason})") from None
    import pyautogui

    return pyautogui
