"""The synthetic clip: determinism, layout, and that its frames hold the faces its labels claim."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from perfharness import zoo
from perfharness.core.errors import SourceError, UsageError
from perfharness.gaze.face_detection import BlazeFaceDetector
from perfharness.gaze.result import FrameResult
from perfharness.gaze.sources import SAMPLE_FACE_BOX
from perfharness.gaze.synthetic import SEGMENTS, generate_clip, plan_clip, segment_ranges, write_clip
from perfharness.runtime.engine import EngineConfig
from perfharness.zoo.manifest import load_manifest


def area(box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def iou(a, b) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return inter / (area(a) + area(b) - inter)


@pytest.fixture(scope="module")
def detector() -> BlazeFaceDetector:
    spec = load_manifest().sets["mediapipe"].models["face_detection"]
    return BlazeFaceDetector(zoo.model_path("mediapipe", "face_detection", "FP32"), spec, EngineConfig())


@pytest.fixture(scope="module")
def clip(astronaut):
    return list(generate_clip(astronaut, SAMPLE_FACE_BOX))


@pytest.fixture(scope="module")
def detections(clip, detector):
    found = []
    for frame in clip:
        result = FrameResult(0, False)
        detector(frame.image, result)
        found.append(result.detections)
    return found


def test_same_seed_gives_identical_frames_and_another_seed_does_not(astronaut):
    first = [f.image.tobytes() for f in generate_clip(astronaut, SAMPLE_FACE_BOX, frames=12, seed=3)]
    again = [f.image.tobytes() for f in generate_clip(astronaut, SAMPLE_FACE_BOX, frames=12, seed=3)]
    other = [f.image.tobytes() for f in generate_clip(astronaut, SAMPLE_FACE_BOX, frames=12, seed=4)]
    assert first == again
    assert all(a != b for a, b in zip(first, other))


def test_segment_layout():
    assert tuple(segment_ranges(120)) == SEGMENTS
    assert segment_ranges(120) == {"motion": range(0, 48), "lighting": range(48, 78), "no_face": range(78, 96), "two_faces": range(96, 120)}
    assert [len(r) for r in segment_ranges(4).values()] == [1, 1, 1, 1]
    with pytest.raises(UsageError, match="at least 4 frames"):
        segment_ranges(3)


def test_labels_match_segments_and_stay_in_range():
    labels = plan_clip(SAMPLE_FACE_BOX)
    assert [label.index for label in labels] == list(range(120))
    for name, indices in segment_ranges(120).items():
        assert {labels[i].segment for i in indices} == {name}
    expected = {"motion": 1, "lighting": 1, "no_face": 0, "two_faces": 2}
    assert all(label.expected_faces == expected[label.segment] == len(label.face_boxes) for label in labels)
    motion = [label for label in labels if label.segment == "motion"]
    assert max(abs(m.angle_deg) for m in motion) > 8 and all(abs(m.angle_deg) <= 12 for m in motion)
    assert min(m.scale for m in motion) < 0.9 and max(m.scale for m in motion) > 1.1
    lighting = [label for label in labels if label.segment == "lighting"]
    # the ramps reach near their extremes, so the detection test below covers the whole range
    assert min(x.brightness for x in lighting) < -55 and max(x.brightness for x in lighting) > 55
    assert min(x.contrast for x in lighting) < 0.65 and max(x.contrast for x in lighting) > 1.35


def test_frames_have_the_requested_size(clip):
    assert len(clip) == 120
    assert {frame.image.shape for frame in clip} == {(480, 640, 3)}
    assert all(frame.image.dtype == np.uint8 for frame in clip)


@pytest.mark.parametrize("segment", ["motion", "lighting"])
def test_detector_finds_the_one_face(clip, detections, segment):
    frames = [(f, d) for f, d in zip(clip, detections) if f.segment == segment]
    assert [len(d) for _, d in frames] == [1] * len(frames)
    assert min(iou(d[0].box, f.face_boxes[0]) for f, d in frames) > 0.6


def test_detector_finds_no_face(clip, detections):
    counts = [len(d) for f, d in zip(clip, detections) if f.segment == "no_face"]
    assert counts == [0] * 18


def test_detector_finds_two_faces_and_the_labelled_larger_one_is_larger(clip, detections):
    for frame, found in zip(clip, detections):
        if frame.segment != "two_faces":
            continue
        assert len(found) == 2, frame.index
        large, small = sorted(found, key=lambda d: -d.area)
        assert area(frame.face_boxes[0]) > 2 * area(frame.face_boxes[1])
        assert large.area > 2 * small.area
        assert iou(large.box, frame.face_boxes[0]) > 0.6 and iou(small.box, frame.face_boxes[1]) > 0.6


def test_write_clip_round_trip(tmp_path, astronaut):
    path = tmp_path / "clip.mp4"
    assert write_clip(generate_clip(astronaut, SAMPLE_FACE_BOX, frames=10), path, fps=25) == 10
    capture = cv2.VideoCapture(str(path))
    try:
        sizes = []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            sizes.append(frame.shape)
        assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(25)
    finally:
        capture.release()
    assert sizes == [(480, 640, 3)] * 10
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_write_clip_failures_leave_no_file(tmp_path):
    frame = np.zeros((48, 64, 3), np.uint8)
    with pytest.raises(SourceError, match="no frames"):
        write_clip([], tmp_path / "empty.mp4")
    with pytest.raises(SourceError, match="frame 1 is 32x48, the first was 64x48"):
        write_clip([frame, np.zeros((48, 32, 3), np.uint8)], tmp_path / "mixed.mp4")
    with pytest.raises(SourceError, match="cannot write video"):
        write_clip([frame], tmp_path / "missing" / "clip.mp4")
    assert list(tmp_path.iterdir()) == []
