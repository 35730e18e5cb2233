"""Where trace.json comes from: the ITT collector's log when it is attached, else our regions.

With the project's collector attached (``attach_collector`` before OpenVINO's first ITT call),
the trace holds every ITT task of the process: our regions and OpenVINO's own tasks nested under
them. Without it (no C compiler, ``--no-itt``, or VTune's collector in its place) the trace holds
our regions, recorded on the Python side into the same log format. Either way events go to disk
as they happen and the trace is written from the log at the end.

OpenVINO logs a few hundred tasks per inference (one per layer). Recording them costs ~3 % of a
frame, so the collector keeps them during every ``FOREIGN_EVERY``-th frame only (the others pay
~0.5 %: the median frame is not slowed measurably), and at most ``FOREIGN_TASKS`` of them (a
thousand frames or so), while our regions are kept for the whole run: a long run stays a trace
one can open. Its summary says how many frames have OpenVINO's tasks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from perfharness.instrument.collector import FOREIGN_EVERY_ENV, LOG_ENV, attach_to_this_process
from perfharness.instrument.trace import TraceRecorder, TraceSummary, discard_log, write_trace

FOREIGN_TASKS = 100_000
FOREIGN_EVERY = 4


def collector_log(trace: Path) -> Path:
    """The collector's log for ``trace``: a hidden file beside it until the trace is written."""
    return trace.with_name(f".{trace.name}.itt.log")


def attach_collector(trace: Path) -> str | None:
    """Attach the project's collector, logging beside ``trace``; None, or why not (also noted
    on stderr)."""
    from perfharness.zoo.layout import collector_dir

    discard_log(collector_log(trace))  # the collector creates its log afresh, or logs nothing
    reason = attach_to_this_process(collector_dir(), collector_log(trace), max_foreign=FOREIGN_TASKS,
                                    foreign_every=FOREIGN_EVERY)
    if reason:
        print(f"perfharness: note: trace without OpenVINO's tasks: {reason}", file=sys.stderr)
    return reason


class TraceCapture:
    """Records the trace of a run (events streamed to a log on disk) and writes it at the end."""

    def __init__(self, trace: Path, itt_enabled: bool) -> None:
        from perfharness.instrument.itt import collector_attached

        self.path = Path(trace)
        attached = os.environ.get(LOG_ENV) if itt_enabled and collector_attached() else None
        self.log = Path(attached) if attached else self.path.with_name(f".{self.path.name}.regions.log")
        self.recorder = None if attached else TraceRecorder(self.log)

    @property
    def source(self) -> str:
        return "perfharness regions" if self.recorder else "itt collector"

    @property
    def sinks(self) -> list[TraceRecorder]:
        """The region sink to attach (none when the collector records)."""
        return [self.recorder] if self.recorder else []

    def write(self, complete: bool, metadata: dict) -> TraceSummary:
        """Write trace.json from the log, then remove the log."""
        metadata = {**metadata, "source": self.source}
        summary = (self.recorder.write(self.path, complete, metadata) if self.recorder
                   else write_trace(self.path, self.log, complete, metadata,
                                    int(os.environ.get(FOREIGN_EVERY_ENV, "1"))))
        discard_log(self.log)
        return summary
