"""What a run records besides its frames: ITT regions, the trace and resource samples."""

from __future__ import annotations

import sys
from pathlib import Path

from perfharness.core.outputs import writing
from perfharness.instrument.capture import TraceCapture
from perfharness.instrument.itt import IttSink
from perfharness.instrument.resources import ResourceSampler, ResourceSummary
from perfharness.instrument.trace import TraceSummary


class Instruments:
    """The ITT sink, trace capture and resource sampler of one run, each optional."""

    def __init__(self, itt: bool, trace: Path | None, resources: Path | None,
                 resources_interval_s: float = 0.1) -> None:
        self.itt = IttSink() if itt else None
        self.trace = TraceCapture(trace, itt) if trace else None
        self.sampler = ResourceSampler(resources, resources_interval_s) if resources else None
        self.sinks = (self.trace.sinks if self.trace else []) + ([self.itt] if self.itt else [])

    def start(self) -> None:
        """Start sampling resources."""
        if self.sampler:
            self.sampler.start()

    def stop_sampling(self) -> ResourceSummary | None:
        """Stop sampling (the CSV is complete when this returns); its summary, None when not
        sampling. OutputError when a row could not be written."""
        return self.sampler.stop() if self.sampler else None

    def write_trace(self, complete: bool, metadata: dict) -> TraceSummary | None:
        """Write trace.json (when recording one) from its log; OutputError when it cannot be
        written. A log that stopped recording (disk full) is said on stderr and in the trace."""
        if not self.trace:
            return None
        with writing(self.trace.path):
            summary = self.trace.write(complete, metadata)
        if summary.log_full:
            print(f"perfharness: note: the trace's event log stopped recording ({summary.log_full}); "
                  f"{self.trace.path} holds the events before that and is marked incomplete", file=sys.stderr)
        return summary
