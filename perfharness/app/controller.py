"""The manual-test controller: source -> pipeline -> pointer -> mouse, with overlays and a summary.

It runs on the shared run session (``perfharness.run.session``): per-frame data is kept as streaming
statistics (and rows of ``--frames-csv``), so a run can last an afternoon in constant memory.
Ctrl-C or SIGTERM at any moment ends it cleanly: whatever was asked for is written (the trace
marked incomplete); a video needs at least one processed frame, and the summary says when
there was none.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from perfharness.core.errors import UsageError
from perfharness.core.outputs import OutputError, check_target, writing
from perfharness.gaze import overlay
from perfharness.gaze.sources import open_source
from perfharness.instrument.instruments import Instruments
from perfharness.instrument.resources import ResourceSummary
from perfharness.instrument.trace import TraceSummary
from perfharness.results.frames import FrameLog
from perfharness.run.loop import FrameRecord, LoopPlan
from perfharness.run.session import COMPLETED, INTERRUPTED, ChainPass, FinalWrites, PassResult, run_session
from perfharness.run.settings import RunSettings
from perfharness.run.stats import FrameStats
from perfharness.stats.streaming import format_table

WINDOW = "perfharness controller"


@dataclass
class ControllerOptions:
    input: str = "sample"
    settings: RunSettings = field(default_factory=RunSettings)
    mouse: str = "dry"
    show: set[str] = field(default_factory=lambda: set(overlay.LAYERS))
    save: Path | None = None
    max_frames: int | None = None
    window: bool = True
    calibration: Path | None = None
    trace: Path | None = None
    resources: Path | None = None
    resources_interval_s: float = 0.1
    frames_csv: Path | None = None
    itt: bool = True
    warmup_frames: int = 0


@dataclass
class ControllerRun:
    """What a run measured (statistics of its measured frames, loop counts, load times) and wrote."""

    measured: PassResult = field(default_factory=lambda: PassResult(FrameStats()))
    interrupted: bool = False
    resources: ResourceSummary | None = None
    trace: TraceSummary | None = None
    video_frames: int = 0  # frames written to --save


class _VideoSink:
    """Writes annotated frames to a temporary file (an unpredictable name made with O_EXCL beside
    the target) renamed into place on close, even after Ctrl-C; removed when nothing was written."""

    def __init__(self, path: Path, fps: float) -> None:
        if path.suffix.lower() not in (".mp4", ".avi"):
            raise UsageError(f"--save {path}: use a .mp4 or .avi file name")
        check_target(path, "--save")
        self.path, self.fps = path, fps
        self.writer: cv2.VideoWriter | None = None
        self.partial: Path | None = None
        self.frames = 0

    def write(self, image) -> None:
        if self.writer is None:
            fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.stem}.", suffix=f".partial{self.path.suffix}")
            os.close(fd)
            self.partial = Path(name)
            fourcc = cv2.VideoWriter_fourcc(*("mp4v" if self.path.suffix.lower() == ".mp4" else "MJPG"))
            self.writer = cv2.VideoWriter(str(self.partial), fourcc, self.fps, (image.shape[1], image.shape[0]))
            if not self.writer.isOpened():
                raise UsageError(f"--save {self.path}: OpenCV cannot write this video "
                                 f"({image.shape[1]}x{image.shape[0]} frames)")
        self.writer.write(image)
        self.frames += 1

    def close(self) -> int:
        """Finish the file (none when no frame was written); returns the frames written."""
        if self.writer is not None:
            self.writer.release()
            self.writer = None
        if self.partial is not None:
            partial, self.partial = self.partial, None
            if self.frames and partial.stat().st_size:
                with writing(self.path):
                    os.replace(partial, self.path)
            else:  # OpenCV could not write it, or the disk was full
                partial.unlink(missing_ok=True)
                if self.frames:
                    raise OutputError(f"cannot write {self.path}: OpenCV wrote no data (is the disk full?)")
                return 0
        return self.frames


class _Controller:
    """One controller run: what it opened, so that ``finish`` can close and write all of it."""

    def __init__(self, options: ControllerOptions) -> None:
        self.options = options
        self.run = ControllerRun()
        self.instruments: Instruments | None = None
        self.frame_log: FrameLog | None = None
        self.video: _VideoSink | None = None
        self.window = False
        self.face_seen = False

    def measure(self) -> None:
        o = self.options
        o.settings.check()
        self.instruments = Instruments(o.itt, o.trace, o.resources, o.resources_interval_s)
        if o.frames_csv:
            self.frame_log = FrameLog(o.frames_csv)
        plan = LoopPlan(warmup_frames=o.warmup_frames, in_flight=o.settings.in_flight,
                        resume_itt_after_warmup=bool(self.instruments.itt and o.warmup_frames))
        chain_pass = ChainPass(o.settings, plan, FrameStats("controller", self.frame_log), mouse=o.mouse,
                               calibration=o.calibration)
        self.run.measured = chain_pass.result
        self.instruments.start()
        self.window = o.window and bool(os.environ.get("DISPLAY"))
        with chain_pass, open_source(o.input, max_frames=o.max_frames) as source:
            self.video = _VideoSink(o.save, source.fps or 30.0) if o.save else None
            chain_pass.run((frame for _, frame in source), self.instruments.sinks, self._consume)
        if source.still and not self.face_seen:
            raise UsageError(f"no face found in {source.name}")

    def _consume(self, record: FrameRecord) -> bool:
        self.face_seen |= record.result.face_found
        if not (self.video or self.window):
            return True
        annotated = overlay.draw(record.image, record.result, self.options.show)
        if self.video:
            self.video.write(annotated)
        if self.window:
            self.window = _show(annotated)
            if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                return False
        return True

    def finish(self, stopped: str) -> ControllerRun:
        """Close everything and write every output, each whatever happened to the others; runs
        with signals only noted. OutputError (the first) when an output could not be written."""
        o, run, writes = self.options, self.run, FinalWrites()
        run.interrupted = stopped == INTERRUPTED
        if self.video:
            run.video_frames = writes.attempt(self.video.close) or 0
        if self.frame_log:
            writes.attempt(self.frame_log.close)
        if self.window:
            cv2.destroyAllWindows()
        if self.instruments:
            run.resources = writes.attempt(self.instruments.stop_sampling)
            run.trace = writes.attempt(lambda: self.instruments.write_trace(
                stopped == COMPLETED and not writes.failures,
                {"input": o.input, "model_set": o.settings.model_set, "precision": o.settings.precision}))
        writes.raise_first()
        return run


def run_controller(options: ControllerOptions) -> ControllerRun:
    """Run the controller until the input ends, ``max_frames``, 'q'/Esc in the window, or Ctrl-C."""
    controller = _Controller(options)
    return run_session(controller.measure, controller.finish)


def _show(image) -> bool:
    """Show a frame; False (and stop trying) when the display turns out to be unusable."""
    try:
        cv2.imshow(WINDOW, image)
        return True
    except cv2.error:
        return False


def report(run: ControllerRun, options: ControllerOptions) -> str:
    """The end-of-run text: per-region latency table, FPS, detection rate, moves, load times."""
    stats, counts = run.measured.stats, run.measured.counts
    warmup = f" (+{counts.warmup} warm-up)" if counts.warmup else ""
    lines = [
        format_table(stats.regions.summary()),
        "",
        f"frames: {stats.frames}{warmup}  fps: {counts.fps:.1f}  faces found: {stats.faces}/{stats.frames}  "
        f"pointer moves ({options.mouse}): {stats.moves}",
        "model load (ms): "
        + ", ".join(f"{name} read {t.read_s * 1e3:.1f} compile {t.compile_s * 1e3:.1f}"
                    + (f" first inference {t.first_infer_s * 1e3:.1f}" if t.first_infer_s is not None else "")
                    for name, t in run.measured.load_times.items()),
    ]
    if run.resources:
        r = run.resources
        energy = r.package_energy_j if isinstance(r.package_energy_j, str) else f"{r.package_energy_j:.2f} J"
        growth = ("n/a (run too short)" if r.rss_growth_bytes_per_min is None
                  else f"{r.rss_growth_bytes_per_min / 2**20:+.2f} MiB/min")
        lines.append(
            f"resources: cpu mean {r.cpu_percent_mean:.0f}% max {r.cpu_percent_max:.0f}% (100% = one core), "
            f"peak rss {r.rss_peak_bytes / 2**20:.0f} MiB, rss growth {growth}, package energy {energy}"
        )
    if run.measured.mouse_stopped:
        lines.append(f"the pointer stopped following the gaze: {run.measured.mouse_stopped}")
    if run.interrupted:
        lines.append("interrupted: the numbers above cover the frames processed before Ctrl-C")
    if options.save:
        lines.append(f"annotated video: {options.save}" if run.video_frames
                     else f"annotated video: none written to {options.save} (no frame was processed)")
    for label, path in (("trace", options.trace), ("resources", options.resources), ("frames", options.frames_csv)):
        if path:
            lines.append(f"{label}: {path}")
    return "\n".join(lines)
