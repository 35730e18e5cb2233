"""A region sink that records Chrome Trace Event Format events (``trace.json``).

Perfetto and chrome://tracing open the file: one track per thread, ``B``/``E`` pairs for our
regions, timestamps in microseconds of ``time.perf_counter()`` (CLOCK_MONOTONIC on Linux, the
clock of the ITT collector's log and of the resource sampler).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

CATEGORY = "perfharness"


class TraceRecorder:
    """Collects begin/end events of regions, per thread; ``write`` saves them atomically."""

    def __init__(self) -> None:
        self._pid = os.getpid()
        self._events: list[dict] = []
        self._threads: dict[int, str] = {}

    def begin(self, name: str) -> None:
        self._events.append(self._event(name, "B"))

    def end(self, name: str) -> None:
        self._events.append(self._event(name, "E"))

    def _event(self, name: str, phase: str) -> dict:
        tid = threading.get_native_id()
        if tid not in self._threads:
            self._threads[tid] = threading.current_thread().name
        return {"name": name, "cat": CATEGORY, "ph": phase, "ts": time.perf_counter() * 1e6, "pid": self._pid, "tid": tid}

    @property
    def events(self) -> list[dict]:
        return list(self._events)

    def write(self, path: Path, complete: bool = True, extra_events: Iterable[dict] = (), metadata: dict | None = None) -> None:
        """Write ``path`` through a temporary file; ``complete=False`` marks an interrupted run.

        Regions still open (an interrupted frame) are closed at the time of writing so that
        every ``B`` has its ``E``.
        """
        events = list(self._events) + list(extra_events)
        events += self._closing_events(events)
        names = [
            {"name": "thread_name", "ph": "M", "pid": self._pid, "tid": tid, "args": {"name": name}}
            for tid, name in self._threads.items()
        ]
        document = {
            "traceEvents": names + sorted(events, key=lambda event: event["ts"]),
            "displayTimeUnit": "ms",
            "otherData": {"complete": complete, "clock": "perf_counter (CLOCK_MONOTONIC)", **(metadata or {})},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w") as handle:
            json.dump(document, handle)
        os.replace(tmp, path)

    def _closing_events(self, events: list[dict]) -> list[dict]:
        open_by_thread: dict[tuple[int, int], list[str]] = {}
        for event in sorted(events, key=lambda event: event["ts"]):
            stack = open_by_thread.setdefault((event["pid"], event["tid"]), [])
            if event["ph"] == "B":
                stack.append(event["name"])
            elif event["ph"] == "E" and stack:
                stack.pop()
        now = time.perf_counter() * 1e6
        return [
            {"name": name, "cat": CATEGORY, "ph": "E", "ts": now, "pid": pid, "tid": tid}
            for (pid, tid), stack in open_by_thread.items()
            for name in reversed(stack)
        ]
