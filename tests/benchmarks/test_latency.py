"""Latency suites: per model, per stage phase, the whole frame, instrumentation, a reference.

Names are stable (set on the fixture, so they do not depend on test function names): ``model[<set>/<model>-<precision>]``
(``-batch2``: the iris model reshaped to take both eyes), ``stage[<set>/<stage>.<phase>]``,
``pipeline[<set>-<precision>]`` (the controller's default switches) and ``pipeline[<set>-FP32-<switch>]``
with one switch turned back (``detect-every-frame``, ``eye-batch-1``) or on (``in-flight-2``),
``pipeline[<set>-FP32-sample-clip]`` (a pass of the sample clip through the controller's frame, its
glue ratio in extra_info), ``instrumentation[<variant>]`` (``instrumentation[collector-recording]``
with the collector's overhead in extra_info), ``reference[openvino-conv]``; groups are per model or suite.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from bench_support import engine_config, measure, model_extra_info, reference_model, with_slowdown

from perfharness.gaze.mouse import make_mouse
from perfharness.gaze.pipeline import GazePipeline, build_pipeline
from perfharness.gaze.pointer import Calibration, PointerMapper
from perfharness.gaze.sources import open_source
from perfharness.instrument import Regions
from perfharness.instrument.collector import set_recording
from perfharness.instrument.itt import IttSink
from perfharness.instrument.itt_log import read_log
from perfharness.instrument.trace import TraceRecorder
from perfharness.run.frame import FrameProcessor
from perfharness.run.loop import FrameLoop, FrameRecord, LoopPlan

PRECISIONS = ("FP32", "FP16")
MODELS = ("face_detection", "face_landmarks", "iris_landmarks")


def detected(pipeline, frame: np.ndarray):
    """The FrameResult of ``frame`` with its face detected afresh (not from ``pipeline``'s track)."""
    return GazePipeline(pipeline.chain, tracking=False).process(frame)


def model_inputs(pipeline, frame: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """The real preprocessed input of each mediapipe model for ``frame`` (the iris model's: the
    image-left eye alone at batch 1, both eyes at batch 2)."""
    inputs = pipeline.chain.model_inputs(frame, detected(pipeline, frame))
    eyes = inputs["iris_landmarks"]["input_1"]
    inputs["iris_landmarks"] = {"input_1": eyes[:pipeline.chain.stage("iris_landmarks").model.batch]}
    return inputs


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("model", MODELS)
def test_model(benchmark, published_pipelines, astronaut, model, precision):
    """One synchronous inference of one model (as published) on its real preprocessed input."""
    pipeline = published_pipelines[precision]
    stage = pipeline.chain.stage(model)
    inputs = model_inputs(pipeline, astronaut)[model]
    benchmark.group = f"model[mediapipe/{model}]"
    benchmark.name = f"model[mediapipe/{model}-{precision}]"
    benchmark.extra_info.update(model_extra_info("mediapipe", model, precision))
    outputs = measure(benchmark, with_slowdown(lambda: stage.model.infer(inputs)))
    assert all(np.isfinite(value).all() for value in outputs.values())


@pytest.mark.parametrize("precision", PRECISIONS)
def test_model_iris_batch2(benchmark, bench_pipelines, astronaut, precision):
    """Both eyes in one inference of the iris model reshaped to batch 2 (the controller's default):
    read it against twice ``model[mediapipe/iris_landmarks-<precision>]``."""
    pipeline = bench_pipelines[precision]
    inputs = model_inputs(pipeline, astronaut)["iris_landmarks"]
    benchmark.group = "model[mediapipe/iris_landmarks]"
    benchmark.name = f"model[mediapipe/iris_landmarks-{precision}-batch2]"
    benchmark.extra_info.update(model_extra_info("mediapipe", "iris_landmarks", precision), batch=2)
    model = pipeline.chain.stage("iris_landmarks").model
    outputs = measure(benchmark, with_slowdown(lambda: model.infer(inputs)))
    assert outputs["output_iris"].size == 2 * 15


# The solvePnP head pose has no model: the whole stage is its postprocess region.
STAGE_PHASES = ("face_detection.preprocess", "face_landmarks.preprocess", "iris_landmarks.preprocess",
                "head_pose.postprocess")


@pytest.mark.parametrize("phase", STAGE_PHASES)
def test_stage(benchmark, bench_pipelines, astronaut, phase):
    """The numpy/OpenCV work around the models (precision-independent), on the photo's own result."""
    pipeline = bench_pipelines["FP32"]
    result = detected(pipeline, astronaut)
    name, step = phase.split(".")
    stage = pipeline.chain.stage(name)
    run = stage.preprocess if step == "preprocess" else stage
    benchmark.group = "stage"
    benchmark.name = f"stage[mediapipe/{phase}]"
    measure(benchmark, with_slowdown(lambda: run(astronaut, result)))


@pytest.mark.parametrize("precision", PRECISIONS)
def test_pipeline(benchmark, bench_pipelines, astronaut, precision):
    """A whole frame (detection to gaze) on the sample photo."""
    chain = bench_pipelines[precision]
    benchmark.group = "pipeline"
    benchmark.name = f"pipeline[mediapipe-{precision}]"
    benchmark.extra_info.update({"precision": precision, "config": engine_config(precision).compile_properties()})
    result = measure(benchmark, with_slowdown(lambda: chain.process(astronaut, 0, Regions())))
    assert result.gaze is not None


SWITCHES = {  # the controller's default with one switch changed
    "detect-every-frame": {"tracking": False},
    "eye-batch-1": {"eye_batch": 1},
    "in-flight-2": {},
}


THREADED = pytest.mark.time_only("two frames in flight: OpenVINO infers on its executor thread")


@pytest.mark.parametrize("switch", [pytest.param(s, marks=THREADED if s == "in-flight-2" else ()) for s in SWITCHES])
def test_pipeline_switch(benchmark, astronaut, switch):
    """A whole FP32 frame with one optimization of the chain turned back, or (``in-flight-2``) with
    two frames in flight: one ``step`` ends a frame, so its time is the time per frame."""
    pipeline = build_pipeline("mediapipe", engine_config("FP32"), **SWITCHES[switch])
    benchmark.group = "pipeline"
    benchmark.name = f"pipeline[mediapipe-FP32-{switch}]"
    benchmark.extra_info.update({"precision": "FP32", "config": engine_config("FP32").compile_properties(),
                                 "switch": switch})
    regions = Regions()
    if switch == "in-flight-2":
        pipeline.step(astronaut, 0, regions)
        result = measure(benchmark, with_slowdown(lambda: pipeline.step(astronaut, 0, regions)))
    else:
        result = measure(benchmark, with_slowdown(lambda: pipeline.process(astronaut, 0, regions)))
    assert result.gaze is not None


def clip_pass(processor: FrameProcessor) -> tuple[float, float, int, int]:
    """One pass of the sample clip through the controller's frame loop (``source.read`` outside the
    frame, as ``perfharness controller`` runs it): the summed ``frame`` and ``*.infer`` region times
    (seconds) of its frames, how many frames, and how many found a gaze."""
    sums = [0.0, 0.0, 0, 0]

    def add(record: FrameRecord) -> bool:
        timings = record.timings
        sums[0] += timings["frame"]
        sums[1] += sum(seconds for name, seconds in timings.items() if name.endswith(".infer"))
        sums[2] += 1
        sums[3] += record.result.gaze is not None
        return True

    with open_source("sample") as source:
        FrameLoop(processor, LoopPlan(), [], add).run(frame for _, frame in source)
    return sums[0], sums[1], sums[2], sums[3]


@pytest.mark.time_only("its glue ratio is read from the regions' clocks, and a pass is 120 frames")
def test_pipeline_clip_glue(benchmark, bench_pipelines):
    """The default path (FP32, tracking, both eyes in one inference, one frame in flight) over one
    pass of the sample clip per round, the pointer mapped (mouse off) as in the controller.
    extra_info: ``glue_ratio``, the median over its passes (warm-up included) of a pass's frame time
    over the sum of its inferences (1.0: nothing but inference), and the per-frame medians. The detector
    runs where the clip's track is lost (its no-face segment among them). The slowdown knob is not
    applied: its 80 calibration calls would be 80 passes."""
    processor = FrameProcessor(bench_pipelines["FP32"], PointerMapper(Calibration.default(1920, 1080)),
                               make_mouse("off"))
    benchmark.group = "pipeline-clip"
    benchmark.name = "pipeline[mediapipe-FP32-sample-clip]"
    benchmark.extra_info.update({"precision": "FP32", "config": engine_config("FP32").compile_properties()})
    passes = []
    measure(benchmark, lambda: passes.append(clip_pass(processor)), interleave=False)  # a pass: seconds
    frame_s, infer_s, frames, gazes = (np.array(column) for column in zip(*passes))
    benchmark.extra_info.update({
        "glue_ratio": float(np.median(frame_s / infer_s)),
        "frame_ms_per_frame": float(np.median(frame_s / frames)) * 1e3,
        "infer_ms_per_frame": float(np.median(infer_s / frames)) * 1e3,
        "frames_per_pass": int(frames[0]), "passes": len(passes),
    })
    assert (gazes >= 0.75 * frames).all()  # the clip's faces were followed (it has a segment without one)


INSTRUMENTATION = {
    "regions-timing-only": lambda log: Regions(),
    "regions-itt": lambda log: Regions([IttSink()]),
    "regions-trace": lambda log: Regions([TraceRecorder(log)]),
}


@pytest.mark.parametrize("variant", INSTRUMENTATION)
def test_instrumentation(benchmark, bench_pipelines, astronaut, variant, tmp_path):
    """A whole FP32 frame with each instrumentation variant, to read the overhead side by side
    (``regions-trace``: the Python-side recorder, used when the collector is not attached)."""
    chain = bench_pipelines["FP32"]
    regions = INSTRUMENTATION[variant](tmp_path / "regions.log")
    benchmark.group = "instrumentation"
    benchmark.name = f"instrumentation[{variant}]"

    def frame():
        with regions.region("frame"):
            chain.process(astronaut, 0, regions)
        regions.take()

    measure(benchmark, frame)


COLLECTOR_ROUNDS = 1000


@pytest.mark.time_only("it times the frame with the collector on and off itself")
def test_collector_overhead(benchmark, bench_pipelines, astronaut, collector):
    """A whole FP32 frame with the ITT collector recording our regions and OpenVINO's own tasks
    as a scenario run's trace does (OpenVINO's during every FOREIGN_EVERY-th frame),
    interleaved round by round with the same frame with every ITT domain switched off (what
    ITT costs with no collector attached). The benchmark's rounds are the recording frames;
    ``extra_info`` has both medians, their ratio (the overhead docs/instrumentation.md quotes)
    and the same for the frames that kept OpenVINO's tasks."""
    chain = bench_pipelines["FP32"]
    regions = Regions([IttSink()])
    library, log = collector["library"], collector["log"]
    off: list[float] = []

    def frame() -> None:
        with regions.region("frame"):
            chain.process(astronaut, 0, regions)
        regions.take()

    def off_frame_then_record() -> None:  # pedantic's untimed setup, before each timed round
        set_recording(library, False)
        start = time.perf_counter()
        frame()
        off.append(time.perf_counter() - start)
        set_recording(library, True)

    benchmark.group = "instrumentation-collector"
    benchmark.name = "instrumentation[collector-recording]"
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        benchmark.pedantic(frame, setup=off_frame_then_record, rounds=COLLECTOR_ROUNDS, warmup_rounds=10)
    finally:
        set_recording(library, False)
    benchmark.extra_info["cpu_share"] = (time.process_time() - cpu) / (time.perf_counter() - wall)
    on = np.asarray(benchmark.stats.stats.data)
    paired_off = np.asarray(off[-len(on):])  # the setups of the timed rounds (warm-up rounds have one too)
    events = read_log(log)
    frames = [e for e in events if e.kind == "frame_begin"][-len(on):]  # the timed rounds' ITT frames
    assert len(frames) == len(on)  # it did record: every frame while switched on
    every = collector["foreign_every"]
    kept = np.asarray([e.keeps_foreign for e in frames])
    assert kept.sum() == pytest.approx(len(on) / every, abs=1)
    benchmark.extra_info.update({
        "foreign_every": every,
        "collector_off_median_s": float(np.median(paired_off)), "collector_on_median_s": float(np.median(on)),
        "overhead_median": float(np.median(on) / np.median(paired_off) - 1),
        "paired_ratio_median": float(np.median(on / paired_off)),
        "overhead_median_frames_with_openvino_tasks": float(np.median(on[kept]) / np.median(paired_off[kept]) - 1),
        "openvino_tasks_per_kept_frame": sum(e.kind == "begin" and not e.domain.startswith("perfharness")
                                             for e in events) / max(1, sum(e.keeps_foreign for e in events)),
    })


@pytest.mark.parametrize("variant", ["timing-only", "itt"])
def test_region_cost(benchmark, variant):
    """One empty region (begin + end): the per-region cost behind the frame-level numbers."""
    regions = Regions([IttSink()] if variant == "itt" else [])
    benchmark.group = "instrumentation-region"
    benchmark.name = f"instrumentation[region-{variant}]"

    def one_region():
        with regions.region("face_detection.infer"):
            pass

    measure(benchmark, one_region)
    regions.take()


def test_reference(benchmark):
    """A fixed OpenVINO workload: the gate reads it as the machine's own drift between runs."""
    benchmark.group = "reference"
    benchmark.name = "reference[openvino-conv]"
    measure(benchmark, reference_model(), interleave=False)
