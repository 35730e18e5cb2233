"""Chrome Trace Event Format (``trace.json``): a region sink, and the writer it shares.

Perfetto and chrome://tracing open the file: one track per thread, ``B``/``E`` pairs, timestamps
in microseconds of ``time.perf_counter()`` (CLOCK_MONOTONIC on Linux: the clock of the ITT
collector's log and of the resource sampler, so all three line up).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from perfharness.atomic import atomic_write_text

CATEGORY = "perfharness"


class TraceRecorder:
    """A region sink that collects begin/end events per thread (the Python-side timeline)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.events: list[dict] = []
        self.thread_names: dict[int, str] = {}

    def begin(self, name: str) -> None:
        self.events.append(self._event(name, "B"))

    def end(self, name: str) -> None:
        self.events.append(self._event(name, "E"))

    def _event(self, name: str, phase: str) -> dict:
        tid = threading.get_native_id()
        if tid not in self.thread_names:
            self.thread_names[tid] = threading.current_thread().name
        return {"name": name, "cat": CATEGORY, "ph": phase, "ts": time.perf_counter() * 1e6, "pid": self.pid, "tid": tid}

    def write(self, path: Path, complete: bool = True, metadata: dict | None = None) -> None:
        write_trace(path, self.events, self.thread_names, complete, metadata)


def write_trace(path: Path, events: Iterable[dict], thread_names: dict[int, str], complete: bool = True,
                metadata: dict | None = None) -> None:
    """Write a trace through a temporary file. Per thread, an ``E`` with no open ``B`` is dropped
    and regions still open (an interrupted frame) are closed at the end, so every track nests;
    ``complete=False`` marks an interrupted run."""
    balanced = _balanced(sorted(events, key=lambda event: event["ts"]))
    pid = balanced[0]["pid"] if balanced else os.getpid()
    names = [{"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}
             for tid, name in thread_names.items()]
    document = {
        "traceEvents": names + balanced,
        "displayTimeUnit": "ms",
        "otherData": {"complete": complete, "clock": "perf_counter (CLOCK_MONOTONIC)", **(metadata or {})},
    }
    atomic_write_text(path, json.dumps(document))


def _balanced(events: list[dict]) -> list[dict]:
    stacks: dict[tuple[int, int], list[dict]] = {}
    kept = []
    for event in events:
        stack = stacks.setdefault((event["pid"], event["tid"]), [])
        if event["ph"] == "B":
            stack.append(event)
        elif event["ph"] == "E":
            if not stack or stack[-1]["name"] != event["name"]:
                continue
            stack.pop()
        kept.append(event)
    end = max((event["ts"] for event in kept), default=0.0)
    for stack in stacks.values():
        for event in reversed(stack):
            kept.append({**event, "ph": "E", "ts": end})
    return kept
