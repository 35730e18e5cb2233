"""Run a scenario: every variant of its sweep, under its load and pacing, into a run directory.

ITT regions, resource sampling and the trace are on by default. Warm-up frames run first and are
left out of the numbers; with ``itt_pause_until_warmup`` ITT collection is paused while models
load and warm up, so ``vtune -start-paused`` profiles steady state only.

Per-frame data never accumulates in memory: each measured frame updates streaming statistics
and appends a row to ``frames.csv``, which checks read back. An interrupt (Ctrl-C, SIGTERM) at
any moment after the run directory exists, or an error, still writes every file, marked
incomplete; the manifest names each output and whether it was written.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfharness.core import interrupts
from perfharness.core.errors import one_line
from perfharness.gaze.mouse import screen_size
from perfharness.instrument.instruments import Instruments
from perfharness.instrument.resources import summarise_resources
from perfharness.results import stamps
from perfharness.results.frames import FrameLog
from perfharness.results.manifest import new_manifest
from perfharness.results.run_dir import CHECKS_LOG, FRAMES, METRICS, REPORT_HTML, REPORT_MD, RESOURCES, TRACE, RunDir
from perfharness.run.loop import LoopCounts, LoopPlan
from perfharness.run.session import COMPLETED, INTERRUPTED, ChainPass, FinalWrites, run_session
from perfharness.run.stats import FrameStats
from perfharness.scenario.definition import Check, Scenario, Variant, variants
from perfharness.scenario.feed import FrameFeed
from perfharness.scenario.load import background_load, opencv_threads
from perfharness.scenario.progress import Progress
from perfharness.scenario.view import VariantView

OUTPUTS = (METRICS, FRAMES, RESOURCES, TRACE, REPORT_HTML, REPORT_MD)


@dataclass
class RunOptions:
    out: Path = Path("reports")  # where a new run directory is created
    run_dir: Path | None = None  # use this one instead (created if missing)
    trace: bool = True
    resources: bool = True
    itt: bool = True
    itt_pause_until_warmup: bool = False
    progress: bool = True
    resources_interval_s: float = 0.1


class ScenarioRunner:
    """Runs the variants of one scenario and writes the run directory as it goes."""

    def __init__(self, scenario: Scenario, options: RunOptions) -> None:
        self.scenario, self.options = scenario, options
        self.run_dir: RunDir | None = None
        self.instruments: Instruments | None = None
        self.frame_log: FrameLog | None = None
        self.progress = Progress(options.progress)
        self.started = stamps.iso()
        self.results: list[dict[str, Any]] = []
        self.checks: list[dict[str, Any]] = []
        self.trace_summary: dict[str, Any] | None = None
        self.outputs = {name: "pending: written when the run ends" for name in OUTPUTS}
        self.outputs[FRAMES] = "being written: a row per measured frame"
        if options.resources:
            self.outputs[RESOURCES] = "being written: a row per sample"
        else:
            self.outputs[RESOURCES] = "absent: resource sampling off (--no-resources)"
        if options.trace:
            self.outputs[TRACE] = f"pending: written when the run ends; its events are in .{TRACE}.*.log until then"
        else:
            self.outputs[TRACE] = "absent: no trace asked for (--no-trace)"

    def run(self, announce: Callable[[RunDir], None] | None = None) -> dict[str, Any]:
        """Run everything; returns metrics.json's content (also written, with the other files).
        ``announce(run_dir)`` is called once the run directory exists."""

        feed = self._preflight()

        def measure() -> None:
            with interrupts.deferred():  # a directory is created whole, with its manifest, or not at all
                run_dir = (RunDir.use(self.options.run_dir) if self.options.run_dir
                           else RunDir.create(self.options.out, self.scenario.name))
                run_dir.lock()  # one run writes a run directory at a time
                self.run_dir = run_dir
                self.run_dir.write_manifest(self._manifest(complete=False, stopped="running"))
            if announce:
                announce(self.run_dir)
            self._measure(feed)

        return run_session(measure, self._finish)

    def _preflight(self) -> FrameFeed:
        """What can be checked before anything is created: the input opens (its frames are then
        fed from it), a real mouse has a display."""
        feed = FrameFeed(self.scenario.input)
        if "real" in self.scenario.sweep.get("mouse", [self.scenario.mouse]):  # the variants are checked already
            screen_size("real")
        return feed

    def _measure(self, feed: FrameFeed) -> None:
        run_dir, options = self.run_dir, self.options
        trace = run_dir.file(TRACE) if options.trace else None
        if trace and options.itt:
            from perfharness.instrument.capture import attach_collector

            attach_collector(trace)  # before OpenVINO's first ITT call
        self.instruments = Instruments(options.itt, trace, run_dir.file(RESOURCES) if options.resources else None,
                                       options.resources_interval_s)
        self.frame_log = FrameLog(run_dir.file(FRAMES))
        self.instruments.start()
        for variant in variants(self.scenario):
            self._run_variant(variant, feed)

    def _run_variant(self, variant: Variant, feed: FrameFeed) -> None:
        scenario = variant.scenario
        name = variant.label + (f" #{variant.repeat + 1}" if self.scenario.repeats > 1 else "")
        pause_itt = bool(self.instruments.itt and self.options.itt_pause_until_warmup)
        chain_pass = ChainPass(scenario.settings(), self._plan(scenario, feed, pause_itt), FrameStats(name, self.frame_log),
                               mouse=scenario.mouse)
        try:
            with background_load(scenario.background_workers, scenario.memory_pressure_mb), \
                    opencv_threads(scenario.opencv_threads), chain_pass:
                chain_pass.run(iter(feed), self.instruments.sinks,
                               progress=lambda done, fps: self.progress.update(name, done, scenario.frames, fps))
        finally:
            counts = chain_pass.result.counts
            if counts.t_end == 0.0:
                counts.t_start = counts.t_end = time.perf_counter()
            self._record(variant, name, chain_pass.result.stats, counts, chain_pass.result.load_times, feed)

    @staticmethod
    def _plan(scenario: Scenario, feed: FrameFeed, resume_itt: bool) -> LoopPlan:
        frames, duration = scenario.frames, None if scenario.frames else scenario.duration_s
        if frames is None and duration is None:
            frames = len(feed.labels) if feed.labels else 1  # one pass of the sample, or one frame of an image
        return LoopPlan(frames=frames, duration_s=duration, warmup_frames=scenario.warmup_frames,
                        pacing_fps=scenario.pacing_fps, in_flight=scenario.in_flight, resume_itt_after_warmup=resume_itt)

    def _record(self, variant: Variant, name: str, stats: FrameStats, counts: LoopCounts,
                load_times: dict[str, Any], feed: FrameFeed) -> None:
        entry = {
            "label": variant.label,
            "name": name,
            "params": variant.params,
            "repeat": variant.repeat,
            "frames": stats.frames,
            "warmup_frames": counts.warmup,
            "wall_s": counts.wall_s,
            "fps": counts.fps,
            "dropped_frames": counts.dropped,
            "stopped": counts.stopped,
            "detection_rate": stats.detection_rate,
            "regions": stats.regions.summary(),
            "models": {model: {"read_s": t.read_s, "compile_s": t.compile_s, "first_inference_s": t.first_infer_s}
                       for model, t in load_times.items()},
            "t_start": counts.t_start,
            "t_end": counts.t_end,
        }
        self.results.append(entry)
        self.progress.finish(name, stats.frames, counts.fps, counts.dropped)
        resources = self.run_dir.file(RESOURCES) if self.options.resources else None
        view = VariantView(entry, self.run_dir.file(FRAMES), resources, feed.labels)
        for check in variant.scenario.checks:
            self.checks.append({"name": f"{check.__name__} [{name}]", **self._judge(check, view)})
        self.run_dir.write_json(METRICS, self._metrics(complete=False))  # what a killed run keeps

    def _judge(self, check: Check, view: VariantView) -> dict[str, Any]:
        """A check's verdict; a check that raises (the scenario author's bug) fails, in one line,
        with its traceback in the run directory's checks.log."""
        try:
            passed, detail = check(view)
            return {"passed": bool(passed), "detail": one_line(str(detail))}
        except Exception as error:  # noqa: BLE001 - a user's function: anything may come out of it
            self.run_dir.append_log(CHECKS_LOG, f"{check.__name__}:\n{traceback.format_exc()}\n")
            return {"passed": False, "detail": one_line(f"the check raised {type(error).__name__}: {error} "
                                                         f"(traceback in {CHECKS_LOG})")}

    def _metrics(self, complete: bool) -> dict[str, Any]:
        return {"complete": complete, "scenario": self.scenario.name, "run_dir": str(self.run_dir),
                "variants": self.results, "checks": self.checks, "trace": self.trace_summary}

    def _manifest(self, complete: bool, stopped: str) -> dict[str, Any]:
        data = new_manifest("scenario", self.scenario.name, self.scenario.description, self.scenario.resolved(),
                            self.started, stopped=stopped, outputs=dict(self.outputs))
        data["complete"] = complete
        return data

    def _finish(self, stopped: str) -> dict[str, Any]:
        """Write every output (signals are only noted by now), each whatever happened to the
        others; the manifest last, so that a run killed on the way still says incomplete, and
        with the reason when an output could not be written (then that OutputError is raised).
        An interrupt before the run directory exists propagates (there is nothing to write)."""
        from perfharness.report import write_reports

        if self.run_dir is None:
            if stopped == INTERRUPTED:
                raise KeyboardInterrupt
            return {}
        writes = FinalWrites()
        if self.frame_log:
            self.outputs[FRAMES] = writes.record(self.frame_log.close)
        else:
            self.outputs[FRAMES] = "absent: the run stopped before its first frame"
        if self.instruments:
            if self.instruments.sampler:
                self.outputs[RESOURCES] = writes.record(self.instruments.stop_sampling)
                for result in self.results:
                    result["resources"] = summarise_resources(self.run_dir.file(RESOURCES), result["t_start"],
                                                              result["t_end"]).as_dict()
        elif self.options.resources:
            self.outputs[RESOURCES] = "absent: the run stopped before sampling started"
        complete = stopped == COMPLETED and not writes.failures
        if self.instruments and self.instruments.trace:
            summary = writes.attempt(lambda: self.instruments.write_trace(complete, {"scenario": self.scenario.name}))
            self.trace_summary = summary.as_dict() if summary else None
            self.outputs[TRACE] = ("not written: " + str(writes.failed) if summary is None
                                   else f"written, incomplete: its event log stopped ({summary.log_full})"
                                   if summary.log_full else "written")
        elif self.options.trace:
            self.outputs[TRACE] = "absent: the run stopped before tracing started"
        complete = complete and not writes.failures
        metrics = self._metrics(complete)
        self.outputs[METRICS] = writes.record(lambda: self.run_dir.write_json(METRICS, metrics))
        self.outputs[REPORT_HTML] = self.outputs[REPORT_MD] = writes.record(
            lambda: write_reports(self.run_dir, manifest=self._manifest(complete, stopped)))
        if writes.failures and stopped == COMPLETED:
            stopped = f"failed: {writes.failed}"
        writes.attempt(lambda: self.run_dir.write_manifest(self._manifest(complete and not writes.failures, stopped)))
        self.run_dir.unlock()
        writes.raise_first()
        return metrics


def run_scenario(scenario: Scenario, options: RunOptions, announce: Callable[[RunDir], None] | None = None
                 ) -> dict[str, Any]:
    """Run ``scenario`` into a run directory; see the module docstring."""
    return ScenarioRunner(scenario, options).run(announce)
