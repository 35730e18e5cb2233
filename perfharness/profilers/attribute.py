"""Attribute a profiled run's ``perf.data`` to its regions: read the samples with ``perf script``,
join them to the run's region timeline, write hotspots.csv/json and stacks.folded, record them
in the run's manifest and redraw its report."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from perfharness.core.children import last_line
from perfharness.core.errors import UsageError
from perfharness.profilers import perf
from perfharness.profilers.hotspots import Attribution, write_outputs
from perfharness.profilers.samples import read_samples
from perfharness.profilers.timeline import load_timeline, self_times
from perfharness.report import write_reports
from perfharness.results.run_dir import FOLDED, HOTSPOTS_CSV, HOTSPOTS_JSON, MANIFEST, PERF_DATA, RunDir


def analyse(executable: str, run_dir: Path | RunDir, recording: dict[str, Any], stopped_early: bool) -> dict[str, Any]:
    """Attribute ``run_dir/perf.data`` to the run's regions, write the outputs, update the
    manifest and the report; returns hotspots.json's content."""
    run = RunDir(run_dir)
    timeline, source = load_timeline(run.path)
    attribution = Attribution(timeline)
    script = perf.script_command(executable, run.file(PERF_DATA))
    with tempfile.TemporaryFile(mode="w+", errors="replace") as errors:  # a file: a full pipe would block perf
        try:
            process = subprocess.Popen(script, stdout=subprocess.PIPE, stderr=errors, text=True, errors="replace")
        except OSError as error:
            raise UsageError(f"cannot run {script[0]}: {error.strerror}") from None
        assert process.stdout is not None
        attribution.add_all(read_samples(process.stdout))
        if process.wait() != 0 and not attribution.samples:
            errors.seek(0)
            raise UsageError(f"perf script failed: {last_line(errors.read()) or 'no message'}")
    for pid in {*timeline.pids}:
        Path(f"/tmp/perf-{pid}.map").unlink(missing_ok=True)  # Python's perf trampoline map, read by now
    manifest = run.read_json(MANIFEST) or {}
    complete = bool(manifest.get("complete")) and not stopped_early
    info = {"complete": complete, "regions_from": source.name, "perf": recording,
            "python_frames": perf.python_frames() or "shown (PYTHONPERFSUPPORT=1)",
            "collector_self_s": {name: ns / 1e9 for name, ns in self_times(timeline).items()}}
    summary = write_outputs(run.path, attribution, info)
    if manifest:
        written = "written" if complete else "written from what was recorded (incomplete)"
        run.record_outputs({PERF_DATA: "written", HOTSPOTS_CSV: written, HOTSPOTS_JSON: written, FOLDED: written},
                           profile={"tool": "perf", **recording})
        write_reports(run)
    return summary
