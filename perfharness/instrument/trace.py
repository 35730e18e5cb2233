"""Chrome Trace Event Format (``trace.json``) from an event log, and the Python-side recorder.

Perfetto and chrome://tracing open the file: one track per thread, ``B``/``E`` pairs, timestamps
in microseconds of CLOCK_MONOTONIC (``time.perf_counter()`` on Linux: the clock of the ITT
collector's log and of the resource sampler, so all three line up). The trace is streamed from
the log to the file, so writing it takes memory in proportion to the open regions, not the run.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from perfharness.core.atomic import atomic_open_text
from perfharness.instrument.itt_log import LogWriter, iter_log, meta_path, read_meta

DOMAIN = "perfharness"
FRAME_REGION = "frame"


class TraceRecorder:
    """A region sink appending begin/end events to an event log on disk (constant memory)."""

    def __init__(self, log: Path) -> None:
        self.log = Path(log)
        self._writer = LogWriter(self.log, DOMAIN)
        self._named: set[int] = set()

    def begin(self, name: str) -> None:
        self._event("begin", name)

    def end(self, name: str) -> None:
        self._event("end", name)

    def _event(self, kind: str, name: str) -> None:
        tid = threading.get_native_id()
        if tid not in self._named:
            self._named.add(tid)
            self._writer.thread(tid, threading.current_thread().name)
        self._writer.event(kind, name, tid, time.perf_counter_ns())

    def write(self, path: Path, complete: bool = True, metadata: dict | None = None) -> TraceSummary:
        """Stop recording and write the trace (the log stays; ``discard_log`` removes it)."""
        self._writer.close()
        return write_trace(path, self.log, complete, metadata)


@dataclass(frozen=True)
class TraceSummary:
    """What a trace holds: events, our frames, and how many of them carry other libraries' tasks
    (the collector keeps those during every K-th frame, until its cap)."""

    events: int
    frames: int
    foreign_tasks: int
    frames_with_foreign_tasks: int
    foreign_task_limit: int | None  # the collector's cap, when it was reached
    log_full: str | None  # why the log stopped recording, if it did
    foreign_every: int | None = None  # the collector kept other libraries' tasks every K-th frame

    def as_dict(self) -> dict:
        return asdict(self)


def write_trace(path: Path, log: Path, complete: bool = True, metadata: dict | None = None,
                foreign_every: int | None = None) -> TraceSummary:
    """Write the trace of ``log`` through a temporary file. Per thread, an ``E`` with no open
    ``B`` is dropped and regions still open (an interrupted frame) are closed at the last
    timestamp, so every track nests; ``complete=False`` marks an interrupted run, and so does a
    log that stopped recording (its ``full`` note: the disk or its size limit)."""
    meta = read_meta(log)
    pid = os.getpid()
    quoted: dict[str, str] = {}
    stacks: dict[int, list[tuple[str, str]]] = {}
    events = frames = foreign = marked_frames = kept_frames = 0
    cap_ns = meta.cap[1] if meta.cap else None
    last_us = 0.0

    def quote(text: str) -> str:
        if text not in quoted:
            quoted[text] = json.dumps(text)
        return quoted[text]

    def line(name: str, cat: str, phase: str, ts_us: float, tid: int) -> str:
        return f'{{"name":{quote(name)},"cat":{quote(cat)},"ph":"{phase}","ts":{ts_us:.3f},"pid":{pid},"tid":{tid}}}'

    with atomic_open_text(path) as out:
        out.write('{"traceEvents":[\n')
        separator = ""

        def emit(text: str) -> None:
            nonlocal separator, events
            out.write(separator + text + "\n")
            separator = ","
            events += 1

        for event in iter_log(log):
            if event.kind == "frame_begin":  # an ITT frame (the collector's): did it keep OpenVINO's tasks?
                marked_frames += 1
                kept_frames += event.keeps_foreign and (cap_ns is None or event.ts_ns <= cap_ns)
            if event.kind not in ("begin", "end"):
                continue
            stack = stacks.setdefault(event.tid, [])
            if event.kind == "begin":
                stack.append((event.name, event.domain))
                if event.domain == DOMAIN:
                    frames += event.name == FRAME_REGION
                else:
                    foreign += 1
            elif not stack or stack[-1][0] != event.name:
                continue
            else:
                stack.pop()
            ts_us = event.ts_ns / 1e3
            emit(line(event.name, event.domain or "itt", "B" if event.kind == "begin" else "E", ts_us, event.tid))
            last_us = max(last_us, ts_us)
        for tid, stack in stacks.items():
            for name, domain in reversed(stack):
                emit(line(name, domain or "itt", "E", last_us, tid))
        summary = TraceSummary(
            events=events, frames=frames, foreign_tasks=foreign,
            frames_with_foreign_tasks=(kept_frames if marked_frames else frames) if foreign else 0,
            foreign_task_limit=meta.cap[0] if meta.cap else None, log_full=meta.full, foreign_every=foreign_every)
        for tid in stacks:
            name = meta.threads.get(tid) or ("main" if tid == pid else f"thread {tid}")
            emit(json.dumps({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}))
        other = {"complete": complete and meta.full is None, "clock": "CLOCK_MONOTONIC (perf_counter)", **(metadata or {}), **summary.as_dict()}
        out.write(f'],"displayTimeUnit":"ms","otherData":{json.dumps(other, default=str)}}}\n')
    return summary


def discard_log(log: Path) -> None:
    """Remove an event log and its .meta file."""
    for path in (Path(log), meta_path(Path(log))):
        path.unlink(missing_ok=True)
