"""A one-line progress display on stderr (redrawn on a terminal, a line per variant elsewhere)."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._tty = sys.stderr.isatty()
        self._last = 0.0

    def update(self, label: str, done: int, total: int | None, fps: float) -> None:
        """Redraw at most 4 times a second, on a terminal only."""
        now = time.monotonic()
        if not (self.enabled and self._tty) or now - self._last < 0.25:
            return
        self._last = now
        if total:
            filled = int(30 * done / total)
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}"
        else:
            bar = f"{done} frames"
        print(f"\r{label}: {bar} {fps:5.1f} fps", end="", file=sys.stderr, flush=True)

    def finish(self, label: str, frames: int, fps: float, dropped: int) -> None:
        if self.enabled:
            prefix = "\r" if self._tty else ""
            print(f"{prefix}{label}: {frames} frames, {fps:.1f} fps, {dropped} dropped" + " " * 20,
                  file=sys.stderr, flush=True)
