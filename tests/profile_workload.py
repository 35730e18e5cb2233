"""A workload with known truth for the profiler's tests: per frame, a region that burns 2 units of
CPU time, one that burns 1 and one that sleeps, recorded with the harness's own region recorder
into RUN/trace.json. Run as ``python profile_workload.py RUN FRAMES UNIT_S``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from perfharness.instrument.trace import TraceRecorder


def burn(cpu_s: float) -> None:
    """Spin until this thread has used ``cpu_s`` of CPU time (so a loaded machine does not change the shares)."""
    end = time.thread_time() + cpu_s
    while time.thread_time() < end:
        pass


def main() -> None:
    run_dir, frames, unit = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    recorder = TraceRecorder(run_dir / ".trace.json.regions.log")
    for _ in range(frames):
        recorder.begin("frame")
        recorder.begin("two_units")
        burn(2 * unit)
        recorder.end("two_units")
        recorder.begin("one_unit")
        burn(unit)
        recorder.end("one_unit")
        recorder.begin("sleeping")
        time.sleep(unit)
        recorder.end("sleeping")
        recorder.end("frame")
    recorder.write(run_dir / "trace.json")


if __name__ == "__main__":
    main()
