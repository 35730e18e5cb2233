"""Where trace.json comes from: the ITT collector's log when it is attached, else our regions.

With the project's collector attached (``attach_collector`` before OpenVINO's first ITT call),
the trace holds every ITT task of the process: our regions and OpenVINO's own tasks nested under
them. Without it (no C compiler, ``--no-itt``, or VTune's collector in its place) the trace holds
our regions, recorded on the Python side.

OpenVINO logs a few hundred tasks per inference (one per layer): the trace keeps the first
``FOREIGN_TASKS`` of them (the first few hundred frames) and our regions for the whole run, so a
long run stays a trace one can open.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from perfharness.instrument.collector import LOG_ENV, MAX_FOREIGN_ENV, attach_to_this_process, read_log
from perfharness.instrument.timeline import trace_events
from perfharness.instrument.trace import TraceRecorder, write_trace


def attach_collector(trace: Path) -> None:
    """Attach the project's collector, logging beside ``trace``; a note on stderr when it cannot."""
    from perfharness.zoo.layout import collector_dir

    log = trace.with_name(f".{trace.name}.itt.log")
    log.unlink(missing_ok=True)
    reason = attach_to_this_process(collector_dir(), log, max_foreign=FOREIGN_TASKS)
    if reason:
        print(f"perfharness: note: trace without OpenVINO's tasks: {reason}", file=sys.stderr)


FOREIGN_TASKS = 100_000


class TraceCapture:
    """Records the trace of a run and writes it once at the end."""

    def __init__(self, itt_enabled: bool) -> None:
        from perfharness.instrument.itt import collector_attached

        log = os.environ.get(LOG_ENV) if itt_enabled and collector_attached() else None
        self.log = Path(log) if log else None
        self.recorder = None if self.log else TraceRecorder()

    @property
    def sinks(self) -> list[TraceRecorder]:
        """The region sink to attach (none when the collector records)."""
        return [self.recorder] if self.recorder else []

    def write(self, path: Path, complete: bool, metadata: dict) -> None:
        source = "itt collector" if self.log else "perfharness regions"
        metadata = {**metadata, "source": source}
        if self.log and os.environ.get(MAX_FOREIGN_ENV):
            metadata["foreign_task_limit"] = int(os.environ[MAX_FOREIGN_ENV])
        if self.recorder:
            self.recorder.write(path, complete, metadata)
            return
        events, threads = trace_events(read_log(self.log), os.getpid())
        write_trace(path, events, threads, complete, metadata)
        self.log.unlink(missing_ok=True)
