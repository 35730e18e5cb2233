"""The chain's optimizations change the speed, not the answers: tracking against the detector on
every frame, both eyes in one inference against one each, two frames in flight against one.
Real models on the sample clip and on frames made from it (a face leaving and re-entering the
frame, a jump cut)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from perfharness.gaze.chain import build_chain
from perfharness.gaze.geometry import RotatedRect, crop
from perfharness.gaze.mouse import make_mouse
from perfharness.gaze.pipeline import build_pipeline
from perfharness.gaze.pointer import Calibration, PointerMapper
from perfharness.gaze.sources import open_source
from perfharness.gaze.synthetic import segment_ranges
from perfharness.instrument import Regions
from perfharness.run.frame import FrameProcessor
from perfharness.run.loop import FrameLoop, LoopPlan
from perfharness.runtime.engine import EngineConfig

# Tracking vs detection on every frame, in pixels on the 640x480 clip: landmarks of the two paths
# come from crops a little apart, so they differ by about a pixel; right after a jump cut the
# tracked crop still holds part of the face and needs up to two frames to settle on it.
LANDMARK_MEDIAN_PX, LANDMARK_P90_PX, FRAME_MEAN_PX = 1.5, 3.0, 3.0
SETTLE_FRAMES = 2


@pytest.fixture(scope="module")
def clip() -> list[np.ndarray]:
    with open_source("sample") as source:
        return [frame for _, frame in source]


def run(pipeline, frames):
    return [pipeline.process(frame, index) for index, frame in enumerate(frames)]


def landmark_distances(a, b) -> np.ndarray:
    return np.linalg.norm(a.landmarks[:, :2] - b.landmarks[:, :2], axis=1)


@pytest.fixture(scope="module")
def detected(clip):
    return run(build_pipeline("mediapipe", EngineConfig(), tracking=False), clip)


@pytest.fixture(scope="module")
def tracked(clip):
    return run(build_pipeline("mediapipe", EngineConfig(), tracking=True), clip)


def test_tracking_finds_the_same_faces_and_moves_the_pointer_alike(detected, tracked):
    assert [r.face_found for r in tracked] == [r.face_found for r in detected]
    assert [r.gaze is not None for r in tracked] == [r.gaze is not None for r in detected]
    followed = sum(r.tracked for r in tracked)
    assert followed >= 0.7 * sum(r.face_found for r in tracked), f"only {followed} frames tracked"
    assert not any(r.tracked for r in detected)


def test_tracked_landmarks_stay_within_the_stated_tolerance(clip, detected, tracked):
    starts = {r.start for r in segment_ranges(len(clip)).values()}
    per_point, off = [], []
    for a, b in zip(detected, tracked):
        if a.face_found:
            distances = landmark_distances(a, b)
            per_point.append(distances)
            if distances.mean() > FRAME_MEAN_PX:
                off.append(a.frame_index)
    per_point = np.concatenate(per_point)
    assert np.median(per_point) <= LANDMARK_MEDIAN_PX
    assert np.percentile(per_point, 90) <= LANDMARK_P90_PX
    assert all(any(0 <= index - start < SETTLE_FRAMES for start in starts) for index in off), off


def test_the_larger_of_two_faces_is_followed_when_tracking(clip, tracked):
    two = segment_ranges(len(clip))["two_faces"]
    detected = build_pipeline("mediapipe", EngineConfig(), tracking=False)
    for index in two:
        reference = detected.process(clip[index], index)
        assert reference.face_count == 2
        centre = lambda box: ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)  # noqa: E731
        assert np.hypot(*np.subtract(centre(tracked[index].face_box), centre(reference.face_box))) < 10


def shifted(frame: np.ndarray, dx: float) -> np.ndarray:
    return cv2.warpAffine(frame, np.float32([[1, 0, dx], [0, 1, 0]]), (frame.shape[1], frame.shape[0]))


def test_a_face_leaving_and_reentering_the_frame_is_found_again(clip):
    frame = clip[0]
    width = frame.shape[1]
    shifts = [0, 0, 0, 100, 100, 100, width, width, 100, 100, 100, 0, 0, 0]  # out of the frame, then back
    frames = [shifted(frame, dx) for dx in shifts]
    tracked = run(build_pipeline("mediapipe", EngineConfig(), tracking=True), frames)
    detected = run(build_pipeline("mediapipe", EngineConfig(), tracking=False), frames)
    assert [r.face_found for r in tracked] == [dx < width for dx in shifts]
    assert [r.face_found for r in detected] == [r.face_found for r in tracked]
    assert [r.tracked for r in tracked[6:10]] == [False, False, False, True]  # re-entry needs the detector
    for index, (a, b) in enumerate(zip(detected, tracked)):
        settled = index >= SETTLE_FRAMES and len(set(shifts[index - SETTLE_FRAMES:index + 1])) == 1
        if a.face_found and settled:
            assert landmark_distances(a, b).mean() <= FRAME_MEAN_PX, index


def test_a_jump_cut_is_recovered_within_two_frames(clip):
    frame = clip[0]
    frames = [shifted(frame, -120)] * 3 + [shifted(frame, 110)] * 4  # the head jumps 230 px right
    tracked = run(build_pipeline("mediapipe", EngineConfig(), tracking=True), frames)
    reference = build_pipeline("mediapipe", EngineConfig(), tracking=False).process(frames[-1])
    assert all(r.face_found for r in tracked)
    for result in tracked[3 + SETTLE_FRAMES:]:
        assert landmark_distances(reference, result).mean() <= FRAME_MEAN_PX


def test_both_eyes_in_one_inference_equal_two_single_eye_inferences(clip, tracked):
    batched = build_chain("mediapipe", EngineConfig(), eye_batch=2).stage("iris_landmarks")
    single = build_chain("mediapipe", EngineConfig(), eye_batch=1).stage("iris_landmarks")
    assert (batched.model.batch, single.model.batch) == (2, 1)
    for result in tracked[:10]:
        eyes = batched.model_inputs(clip[result.frame_index], result)["input_1"]
        np.testing.assert_array_equal(eyes, single.model_inputs(clip[result.frame_index], result)["input_1"])
        together = batched.model.infer({"input_1": eyes})["output_iris"].reshape(2, -1).copy()
        for eye in range(2):
            alone = single.model.infer({"input_1": eyes[eye:eye + 1]})["output_iris"].reshape(-1)
            np.testing.assert_allclose(together[eye], alone, rtol=1e-5, atol=1e-4)
    pipeline_single = run(build_pipeline("mediapipe", EngineConfig(), eye_batch=1), clip[:10])
    for a, b in zip(pipeline_single, tracked[:10]):
        for eye_a, eye_b in ((a.left_eye, b.left_eye), (a.right_eye, b.right_eye)):
            assert np.hypot(*np.subtract(eye_a.iris_center, eye_b.iris_center)) < 1e-3


def loop_records(clip, in_flight: int) -> list:
    pipeline = build_pipeline("mediapipe", EngineConfig(), tracking=True)
    processor = FrameProcessor(pipeline, PointerMapper(Calibration.default(1920, 1080)), make_mouse("dry"))
    records = []
    loop = FrameLoop(processor, LoopPlan(warmup_frames=3, in_flight=in_flight), [], lambda r: records.append(r) or True)
    counts = loop.run(iter(clip))
    assert counts.stopped == "input ended" and counts.measured == len(clip) - 3
    return records


def test_two_frames_in_flight_give_the_synchronous_results_in_order(clip, tracked):
    pipeline = build_pipeline("mediapipe", EngineConfig(), tracking=True)
    regions = Regions()
    stepped = [done for index, frame in enumerate(clip) if (done := pipeline.step(frame, index, regions)) is not None]
    stepped.append(pipeline.flush(regions))
    assert [r.frame_index for r in stepped] == list(range(len(clip)))
    for a, b in zip(tracked, stepped):
        assert a.face_found == b.face_found and a.tracked == b.tracked
        if a.face_found:
            np.testing.assert_array_equal(a.landmarks, b.landmarks)
            assert (a.left_eye.iris_center, a.right_eye.iris_center) == (b.left_eye.iris_center, b.right_eye.iris_center)
        if a.gaze is not None:
            np.testing.assert_array_equal(a.gaze, b.gaze)

    synchronous, pipelined = loop_records(clip, 1), loop_records(clip, 2)
    assert [r.index for r in pipelined] == [r.index for r in synchronous] == list(range(len(clip)))
    assert [r.warmup for r in pipelined] == [r.warmup for r in synchronous]
    assert [r.target is None for r in pipelined] == [r.target is None for r in synchronous]
    assert [r.result.gaze_angles for r in pipelined] == [r.result.gaze_angles for r in synchronous]
    assert all(r.image is clip[r.index] for r in pipelined)
    assert all("frame" in r.timings for r in pipelined if not r.warmup)


def test_crops_inside_the_frame_are_the_replicated_border_crops(clip):
    """``crop`` switches to OpenCV's cheaper constant border when the crop stays a pixel inside
    the frame: the pixels must be those of the replicated border, inside and across the edges."""
    rng = np.random.default_rng(0)
    half = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    inside = 0
    for frame in clip[::12]:
        for _ in range(30):
            side = rng.uniform(20, 400)
            rect = RotatedRect(rng.uniform(0, 640), rng.uniform(0, 480), side, side, rng.uniform(-1, 1))
            for size, flip in ((192, False), (64, True)):
                patch, to_frame = crop(frame, rect, size, size, flip)
                index_to_frame = to_frame @ half
                index_to_frame[:, 2] -= 0.5
                replicated = cv2.warpAffine(frame, index_to_frame, (size, size),
                                            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
                np.testing.assert_array_equal(patch, replicated)
                corners = rect.corners()
                inside += bool(corners.min() >= 1 and (corners[:, 0] <= 639).all() and (corners[:, 1] <= 479).all())
    assert inside >= 20  # both kinds of crop were seen
