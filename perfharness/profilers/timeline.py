"""Which harness region was open on which thread at what time, from a run's trace.

Read from ``trace.json`` (one event per line, streamed) or, when the run was killed before
writing it, from the event log left beside it. Only the harness's own regions count (category
``perfharness``): OpenVINO's per-layer tasks are kept in the trace during every K-th frame only,
so they cannot attribute every sample. Per thread the regions become a step function of time
whose value is the innermost open region; ``at`` looks a time up with a binary search.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from perfharness.core.errors import UsageError
from perfharness.instrument.capture import collector_log
from perfharness.instrument.itt_log import iter_log
from perfharness.instrument.trace import DOMAIN
from perfharness.results.run_dir import TRACE, RunDir

NONE, SEVERAL = -1, -2  # no region open; regions open on several threads


@dataclass(frozen=True)
class RegionEvent:
    tid: int
    ts_ns: int
    begin: bool
    name: str


def _from_trace(path: Path) -> tuple[Iterator[RegionEvent], set[int]]:
    pids: set[int] = set()

    def events() -> Iterator[RegionEvent]:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip().lstrip(",")
                if not line.startswith('{"name"'):
                    continue
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short
                if event.get("cat") != DOMAIN or event.get("ph") not in ("B", "E"):
                    continue
                pids.add(int(event["pid"]))
                yield RegionEvent(int(event["tid"]), round(float(event["ts"]) * 1000), event["ph"] == "B", event["name"])

    return events(), pids


def _from_log(path: Path) -> Iterator[RegionEvent]:
    for event in iter_log(path):
        if event.domain == DOMAIN and event.kind in ("begin", "end"):
            yield RegionEvent(event.tid, event.ts_ns, event.kind == "begin", event.name)


def region_source(run_dir: Path) -> Path:
    """The file the regions are read from: trace.json, else a log a killed run left behind."""
    trace = RunDir(run_dir).file(TRACE)
    for candidate in (trace, collector_log(trace), trace.with_name(f".{trace.name}.regions.log")):
        if candidate.is_file() and candidate.stat().st_size:
            return candidate
    raise UsageError(f"{run_dir}: no trace.json nor event log to attribute samples to (was the run made with --no-trace?)")


class Timeline:
    """The innermost harness region per thread over time."""

    def __init__(self, events: Iterator[RegionEvent]) -> None:
        """Read ``events`` once (each thread's in time order, as the trace and the log hold
        them); memory: 16 bytes per region event, nothing per event object."""
        self.names: list[str] = []
        index: dict[str, int] = {}
        stacks: dict[int, list[int]] = {}
        steps: dict[int, tuple[array, array]] = {}
        frames: tuple[array, array, array] = (array("q"), array("b"), array("q"))  # outermost regions: ts, +1/-1, tid
        for event in events:
            stack = stacks.setdefault(event.tid, [])
            if event.begin:
                if event.name not in index:
                    index[event.name] = len(self.names)
                    self.names.append(event.name)
                if not stack:
                    self._append(frames, event.ts_ns, 1, event.tid)
                stack.append(index[event.name])
            elif stack and self.names[stack[-1]] == event.name:
                stack.pop()
                if not stack:
                    self._append(frames, event.ts_ns, -1, event.tid)
            else:
                continue  # an end without its begin
            times, labels = steps.setdefault(event.tid, (array("q"), array("q")))
            times.append(event.ts_ns)
            labels.append(stack[-1] if stack else NONE)
        self._steps = {tid: (np.frombuffer(times, dtype=np.int64), np.frombuffer(labels, dtype=np.int64))
                       for tid, (times, labels) in steps.items() if len(times)}
        self.tids = set(stacks)
        # the process: a log does not name it, and its main thread's id is the process id
        self.pids = {min(self.tids)} if self.tids else set()
        self._busy = self._busy_threads(*frames)
        self.first_ns = int(self._busy[0][0]) if len(self._busy[0]) else 0
        self.last_ns = int(self._busy[0][-1]) if len(self._busy[0]) else 0

    @staticmethod
    def _append(columns: tuple[array, ...], *values: int) -> None:
        for column, value in zip(columns, values):
            column.append(value)

    @staticmethod
    def _busy_threads(times: array, steps: array, tids: array) -> tuple[np.ndarray, np.ndarray]:
        """Step function of the one thread with a region open (NONE / SEVERAL otherwise)."""
        order = np.argsort(np.frombuffer(times, dtype=np.int64), kind="stable")
        open_threads: set[int] = set()
        who = np.empty(len(order), dtype=np.int64)
        for i, k in enumerate(order.tolist()):
            (open_threads.add if steps[k] > 0 else open_threads.discard)(tids[k])
            who[i] = next(iter(open_threads)) if len(open_threads) == 1 else (NONE if not open_threads else SEVERAL)
        return np.frombuffer(times, dtype=np.int64)[order], who

    def at(self, tid: int, ts_ns: int) -> int:
        """The innermost region open on ``tid`` at ``ts_ns`` (an index into ``names``) or NONE."""
        steps = self._steps.get(tid)
        if steps is None or not len(steps[0]):
            return NONE
        i = int(np.searchsorted(steps[0], ts_ns, side="right")) - 1
        return int(steps[1][i]) if i >= 0 else NONE

    def busy_thread(self, ts_ns: int) -> int:
        """The one thread with a region open at ``ts_ns``, or NONE / SEVERAL."""
        times, who = self._busy
        i = int(np.searchsorted(times, ts_ns, side="right")) - 1
        return int(who[i]) if i >= 0 else NONE

    def in_frame_loop(self, ts_ns: int) -> bool:
        """Between the first region's begin and the last one's end."""
        return self.first_ns <= ts_ns <= self.last_ns


def load_timeline(run_dir: Path) -> tuple[Timeline, Path]:
    """The run's timeline and the file it was read from."""
    source = region_source(run_dir)
    if source.name == TRACE:
        events, pids = _from_trace(source)
        timeline = Timeline(events)
        timeline.pids = pids or timeline.pids
        return timeline, source
    try:
        return Timeline(_from_log(source)), source
    except ValueError as error:
        raise UsageError(str(error)) from None



def self_times(timeline: Timeline, tids: set[int] | None = None) -> dict[str, int]:
    """Nanoseconds each region was the innermost open one, summed over ``tids`` (default all):
    the collector's account of where the wall time went, to set beside the samples'."""
    totals: dict[str, int] = {}
    for tid, (times, labels) in timeline._steps.items():
        if tids is not None and tid not in tids or len(times) < 2:
            continue
        durations = np.diff(times)
        for label, duration in zip(labels[:-1].tolist(), durations.tolist()):
            if label != NONE:
                name = timeline.names[label]
                totals[name] = totals.get(name, 0) + int(duration)
    return totals
