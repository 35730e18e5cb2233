"""The manual-test controller: source -> pipeline -> pointer -> mouse, with overlays and a summary.

It runs on the shared frame loop (``perfharness.run``): per-frame data is kept as streaming
statistics (and rows of ``--frames-csv``), so a run can last an afternoon in constant memory.
Ctrl-C or SIGTERM at any moment ends it cleanly: whatever was asked for is written (the trace
marked incomplete); a video needs at least one processed frame, and the summary says when
there was none.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from perfharness.core import interrupts
from perfharness.core.errors import UsageError
from perfharness.gaze import overlay
from perfharness.gaze.mouse import make_mouse, screen_size
from perfharness.gaze.pipeline import GazePipeline, LoadTime, build_pipeline
from perfharness.gaze.pointer import Calibration, PointerMapper
from perfharness.gaze.sources import open_source
from perfharness.instrument import itt
from perfharness.instrument.resources import ResourceSummary
from perfharness.instrument.trace import TraceSummary
from perfharness.results.frames import FrameLog
from perfharness.run.frame import FrameProcessor
from perfharness.run.instruments import FrameStats, Instruments
from perfharness.run.loop import FrameLoop, FrameRecord, LoopCounts, LoopPlan
from perfharness.runtime.engine import EngineConfig
from perfharness.stats.streaming import format_table

WINDOW = "perfharness controller"


@dataclass
class ControllerOptions:
    input: str = "sample"
    model_set: str = "mediapipe"
    precision: str = "FP32"
    device: str = "CPU"
    mouse: str = "dry"
    show: set[str] = field(default_factory=lambda: set(overlay.LAYERS))
    save: Path | None = None
    max_frames: int | None = None
    window: bool = True
    calibration: Path | None = None
    face_policy: str = "largest"
    trace: Path | None = None
    resources: Path | None = None
    resources_interval_s: float = 0.1
    frames_csv: Path | None = None
    itt: bool = True
    warmup_frames: int = 0
    tracking: bool = True  # False: the face detector on every frame (--detect-every-frame)
    eye_batch: int = 2  # eyes per iris inference
    in_flight: int = 1  # 1: each frame to its end; 2: pipelined on OpenVINO's async requests
    threads: int | None = None  # OpenVINO's INFERENCE_NUM_THREADS; None: its default
    inference_precision: str | None = None  # None: f32 for FP32/FP16 (see EngineConfig)


@dataclass
class ControllerRun:
    """What a run measured: statistics of its measured frames, loop counts, load times."""

    stats: FrameStats = field(default_factory=FrameStats)
    counts: LoopCounts = field(default_factory=LoopCounts)
    load_times: dict[str, LoadTime] = field(default_factory=dict)
    interrupted: bool = False
    mouse_stopped: str | None = None  # why the real mouse stopped moving (its fail-safe), if it did
    resources: ResourceSummary | None = None
    trace: TraceSummary | None = None
    video_frames: int = 0  # frames written to --save


class _VideoSink:
    """Writes annotated frames to a temporary file renamed into place on close (even after Ctrl-C)."""

    def __init__(self, path: Path, fps: float) -> None:
        if path.suffix.lower() not in (".mp4", ".avi"):
            raise UsageError(f"--save {path}: use a .mp4 or .avi file name")
        if path.is_dir():
            raise UsageError(f"--save {path}: is a directory")
        if not path.parent.is_dir():
            raise UsageError(f"--save {path}: folder {path.parent} does not exist")
        self.path, self.fps = path, fps
        self.partial = path.with_name(f".{path.stem}.partial{path.suffix}")
        self.writer: cv2.VideoWriter | None = None
        self.frames = 0

    def write(self, image) -> None:
        if self.writer is None:
            fourcc = cv2.VideoWriter_fourcc(*("mp4v" if self.path.suffix.lower() == ".mp4" else "MJPG"))
            self.writer = cv2.VideoWriter(str(self.partial), fourcc, self.fps, (image.shape[1], image.shape[0]))
            if not self.writer.isOpened():
                raise UsageError(f"--save {self.path}: OpenCV cannot write this video")
        self.writer.write(image)
        self.frames += 1

    def close(self) -> int:
        """Finish the file (none when no frame was written); returns the frames written."""
        if self.writer is not None:
            self.writer.release()
            self.writer = None
            os.replace(self.partial, self.path)
        return self.frames


class _Session:
    """One controller run: what it opened, so that ``finish`` can close and write all of it."""

    def __init__(self, options: ControllerOptions) -> None:
        self.options = options
        self.run = ControllerRun()
        self.instruments: Instruments | None = None
        self.frame_log: FrameLog | None = None
        self.pipeline: GazePipeline | None = None
        self.mouse = None
        self.video: _VideoSink | None = None
        self.window = False
        self.face_seen = False

    def measure(self) -> None:
        o = self.options
        self.instruments = Instruments(o.itt, o.trace, o.resources, o.resources_interval_s)
        if self.instruments.itt and o.warmup_frames:
            itt.pause()  # so `vtune -start-paused` style collection sees steady state only
        if o.frames_csv:
            self.frame_log = FrameLog(o.frames_csv)
        self.run.stats = FrameStats("controller", self.frame_log)
        self.instruments.start()
        config = EngineConfig(device=o.device, precision=o.precision.upper(), num_threads=o.threads,
                              inference_precision=o.inference_precision)
        self.pipeline = build_pipeline(o.model_set, config, o.face_policy, o.tracking, o.eye_batch)
        self.mouse = make_mouse(o.mouse)
        width, height = screen_size(o.mouse)
        calibration = Calibration.load(o.calibration) if o.calibration else Calibration.default(width, height)
        processor = FrameProcessor(self.pipeline, PointerMapper(calibration), self.mouse)
        self.window = o.window and bool(os.environ.get("DISPLAY"))
        with open_source(o.input, max_frames=o.max_frames) as source:
            self.video = _VideoSink(o.save, source.fps or 30.0) if o.save else None
            plan = LoopPlan(warmup_frames=o.warmup_frames, in_flight=o.in_flight,
                            resume_itt_after_warmup=bool(self.instruments.itt and o.warmup_frames))
            loop = FrameLoop(processor, plan, self.instruments.sinks, self._consume)
            self.run.counts = loop.counts
            loop.run(frame for _, frame in source)
        if source.still and not self.face_seen:
            raise UsageError(f"no face found in {source.name}")

    def _consume(self, record: FrameRecord) -> bool:
        self.run.stats.add(record)
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

    def finish(self, complete: bool) -> None:
        """Close everything and write every output; runs with signals only noted."""
        o, run = self.options, self.run
        if self.pipeline:
            run.load_times = self.pipeline.load_times
        if self.mouse:
            self.mouse.close()
            run.mouse_stopped = getattr(self.mouse, "stopped", None)
        if self.video:
            run.video_frames = self.video.close()
        if self.frame_log:
            self.frame_log.close()
        if self.window:
            cv2.destroyAllWindows()
        if self.instruments:
            self.instruments.stop_sampling()
            if self.instruments.sampler:
                run.resources = self.instruments.sampler.summary()
            run.trace = self.instruments.write_trace(
                complete, {"input": o.input, "model_set": o.model_set, "precision": o.precision})


def run_controller(options: ControllerOptions) -> ControllerRun:
    """Run the controller until the input ends, ``max_frames``, 'q'/Esc in the window, or Ctrl-C."""
    session = _Session(options)
    try:
        session.measure()
        interrupts.finishing()
    except KeyboardInterrupt:
        interrupts.finishing()
        session.run.interrupted = True
    except BaseException:
        interrupts.finishing()
        session.finish(complete=False)
        raise
    session.run.interrupted |= interrupts.received() is not None
    session.finish(complete=not session.run.interrupted)
    return session.run


def _show(image) -> bool:
    """Show a frame; False (and stop trying) when the display turns out to be unusable."""
    try:
        cv2.imshow(WINDOW, image)
        return True
    except cv2.error:
        return False


def report(run: ControllerRun, options: ControllerOptions) -> str:
    """The end-of-run text: per-region latency table, FPS, detection rate, moves, load times."""
    stats, counts = run.stats, run.counts
    warmup = f" (+{counts.warmup} warm-up)" if counts.warmup else ""
    lines = [
        format_table(stats.regions.summary()),
        "",
        f"frames: {stats.frames}{warmup}  fps: {counts.fps:.1f}  faces found: {stats.faces}/{stats.frames}  "
        f"pointer moves ({options.mouse}): {stats.moves}",
        "model load (ms): "
        + ", ".join(f"{name} read {t.read_s * 1e3:.1f} compile {t.compile_s * 1e3:.1f}"
                    + (f" first inference {t.first_infer_s * 1e3:.1f}" if t.first_infer_s is not None else "")
                    for name, t in run.load_times.items()),
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
    if run.mouse_stopped:
        lines.append(f"the pointer stopped following the gaze: {run.mouse_stopped}")
    if run.interrupted:
        lines.append("interrupted: the numbers above cover the frames processed before Ctrl-C")
    if options.save:
        lines.append(f"annotated video: {options.save}" if run.video_frames
                     else f"annotated video: none written to {options.save} (no frame was processed)")
    for label, path in (("trace", options.trace), ("resources", options.resources), ("frames", options.frames_csv)):
        if path:
            lines.append(f"{label}: {path}")
    return "\n".join(lines)
