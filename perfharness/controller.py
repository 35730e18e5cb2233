"""The manual-test controller: source -> pipeline -> pointer -> mouse, with overlays and a summary."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from perfharness.engine import EngineConfig
from perfharness.frame_loop import FrameProcessor
from perfharness.errors import UsageError
from perfharness.gaze import overlay
from perfharness.gaze.mouse import make_mouse, screen_size
from perfharness.gaze.pipeline import LoadTime, build_pipeline
from perfharness.gaze.pointer import Calibration, PointerMapper
from perfharness.gaze.sources import open_source
from perfharness.instrument import Regions
from perfharness.instrument.resources import ResourceSampler, ResourceSummary
from perfharness.instrument import itt
from perfharness.instrument.capture import TraceCapture
from perfharness.instrument.itt import IttSink
from perfharness.latency import format_table, summarise

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
    itt: bool = True
    warmup_frames: int = 0


@dataclass
class ControllerRun:
    """What a run measured: per-frame results (timings included), moves, load times, wall time."""

    frames: list = field(default_factory=list)
    moves: list[tuple[int, int, int]] = field(default_factory=list)  # (frame index, x, y)
    load_times: dict[str, LoadTime] = field(default_factory=dict)
    wall_s: float = 0.0
    interrupted: bool = False
    mouse_stopped: str | None = None  # why the real mouse stopped moving (its fail-safe), if it did
    resources: ResourceSummary | None = None
    warmup_frames: int = 0  # the first frames, run but left out of the summary (and of ITT collection)

    @property
    def measured(self) -> list:
        return self.frames[self.warmup_frames:]

    @property
    def fps(self) -> float:
        return len(self.frames) / self.wall_s if self.wall_s > 0 else 0.0


class _VideoSink:
    """Writes annotated frames to a temporary file renamed into place on close (even after Ctrl-C)."""

    def __init__(self, path: Path, fps: float) -> None:
        if path.suffix.lower() not in (".mp4", ".avi"):
            raise UsageError(f"--save {path}: use a .mp4 or .avi file name")
        if not path.parent.is_dir():
            raise UsageError(f"--save {path}: folder {path.parent} does not exist")
        self.path, self.fps = path, fps
        self.partial = path.with_name(f".{path.stem}.partial{path.suffix}")
        self.writer: cv2.VideoWriter | None = None

    def write(self, image) -> None:
        if self.writer is None:
            fourcc = cv2.VideoWriter_fourcc(*("mp4v" if self.path.suffix.lower() == ".mp4" else "MJPG"))
            self.writer = cv2.VideoWriter(str(self.partial), fourcc, self.fps, (image.shape[1], image.shape[0]))
            if not self.writer.isOpened():
                raise UsageError(f"--save {self.path}: OpenCV cannot write this video")
        self.writer.write(image)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()
            os.replace(self.partial, self.path)


def _window_available(wanted: bool) -> bool:
    return wanted and bool(os.environ.get("DISPLAY"))


def run_controller(options: ControllerOptions) -> ControllerRun:
    """Run the controller until the input ends, ``max_frames``, 'q'/Esc in the window, or Ctrl-C."""
    config = EngineConfig(device=options.device, precision=options.precision.upper())
    pipeline = build_pipeline(options.model_set, config, options.face_policy)
    mouse = make_mouse(options.mouse)
    width, height = screen_size(options.mouse)
    calibration = Calibration.load(options.calibration) if options.calibration else Calibration.default(width, height)
    processor = FrameProcessor(pipeline, PointerMapper(calibration), mouse)
    run = ControllerRun()
    itt_sink = IttSink() if options.itt else None
    trace = TraceCapture(options.itt) if options.trace else None
    regions = Regions((trace.sinks if trace else []) + ([itt_sink] if itt_sink else []))
    run.warmup_frames = options.warmup_frames
    if itt_sink and options.warmup_frames:
        itt.pause()  # so `vtune -start-paused` style collection sees steady state only
    sampler = ResourceSampler(options.resources, options.resources_interval_s) if options.resources else None
    show_window = _window_available(options.window)
    sink = None
    start = time.perf_counter()
    if sampler:
        sampler.start()
    try:
        with open_source(options.input, max_frames=options.max_frames) as source:
            sink = _VideoSink(options.save, source.fps or 30.0) if options.save else None
            frames = iter(source)
            while True:
                with regions.region("source.read"):
                    item = next(frames, None)
                if item is None:
                    break
                index, frame = item
                result, target = processor.process(frame, index, regions)
                if target is not None:
                    run.moves.append((index, *target))
                result.timings = regions.take()
                run.frames.append(result)
                if itt_sink and options.warmup_frames and len(run.frames) == options.warmup_frames:
                    itt.resume()
                if sink or show_window:
                    annotated = overlay.draw(frame, result, options.show)
                    if sink:
                        sink.write(annotated)
                    if show_window:
                        show_window = _show(annotated)
                        if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                            break
        if source.still and not any(result.face_found for result in run.frames):
            raise UsageError(f"no face found in {source.name}")
    except KeyboardInterrupt:
        run.interrupted = True
    finally:
        run.wall_s = time.perf_counter() - start
        run.load_times = pipeline.load_times
        if sampler:
            run.resources = sampler.stop()
        if trace:
            trace.write(options.trace, not run.interrupted,
                        {"input": options.input, "model_set": options.model_set, "precision": options.precision})
        mouse.close()
        run.mouse_stopped = getattr(mouse, "stopped", None)
        if sink:
            sink.close()
        if show_window:
            cv2.destroyAllWindows()
    return run


def _show(image) -> bool:
    """Show a frame; False (and stop trying) when the display turns out to be unusable."""
    try:
        cv2.imshow(WINDOW, image)
        return True
    except cv2.error:
        return False


def report(run: ControllerRun, options: ControllerOptions) -> str:
    """The end-of-run text: per-region latency table, FPS, detection rate, moves, load times."""
    measured = run.measured
    detected = sum(1 for result in measured if result.face_found)
    warmup = f" (+{run.warmup_frames} warm-up)" if run.warmup_frames else ""
    lines = [
        format_table(summarise(result.timings for result in measured)),
        "",
        f"frames: {len(measured)}{warmup}  fps: {run.fps:.1f}  faces found: {detected}/{len(measured)}  "
        f"pointer moves ({options.mouse}): {len(run.moves)}",
        "model load (ms): "
        + ", ".join(f"{name} read {t.read_s * 1e3:.1f} compile {t.compile_s * 1e3:.1f}"
                    + (f" first inference {t.first_infer_s * 1e3:.1f}" if t.first_infer_s is not None else "")
                    for name, t in run.load_times.items()),
    ]
    if run.resources:
        r = run.resources
        energy = r.package_energy_j if isinstance(r.package_energy_j, str) else f"{r.package_energy_j:.2f} J"
        lines.append(
            f"resources: cpu mean {r.cpu_percent_mean:.0f}% max {r.cpu_percent_max:.0f}% (100% = one core), "
            f"peak rss {r.rss_peak_bytes / 2**20:.0f} MiB, rss growth {r.rss_growth_bytes_per_min / 2**20:+.1f} MiB/min, "
            f"package energy {energy}"
        )
    if run.mouse_stopped:
        lines.append(f"the pointer stopped following the gaze: {run.mouse_stopped}")
    if run.interrupted:
        lines.append("interrupted: the numbers above cover the frames processed before Ctrl-C")
    for label, path in (("annotated video", options.save), ("trace", options.trace), ("resources", options.resources)):
        if path:
            lines.append(f"{label}: {path}")
    return "\n".join(lines)
