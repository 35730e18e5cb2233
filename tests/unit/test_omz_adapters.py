"""The OMZ stage adapters against synthetic models with the published signatures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import omz_synthetic
import pytest

from perfharness.core.errors import ModelError
from perfharness.gaze.geometry import box_of
from perfharness.gaze.omz import (
    EYE_CROP_SCALE,
    OmzFaceDetector,
    OmzFaceLandmarks,
    OmzGaze,
    OmzHeadPose,
    omz_gaze_to_ours,
    omz_pose_to_ours,
)
from perfharness.gaze.result import FrameResult
from perfharness.instrument import Regions
from perfharness.instrument.regions import PHASES
from perfharness.runtime.engine import EngineConfig
from perfharness.zoo.manifest import load_manifest

WIDTH, HEIGHT = 640, 480


def spec(name: str):
    return load_manifest().sets["omz"].models[name]


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    return omz_synthetic.build_omz_models(tmp_path_factory.mktemp("omz"))


@pytest.fixture(scope="module")
def gaze(models) -> OmzGaze:
    return OmzGaze(models["gaze"], spec("gaze"), EngineConfig())


@pytest.fixture(scope="module")
def gaze_unaligned(models) -> OmzGaze:
    return OmzGaze(models["gaze"], spec("gaze"), EngineConfig(), roll_align=False)


def gray_frame() -> np.ndarray:
    return np.full((HEIGHT, WIDTH, 3), 128, np.uint8)


def face_at(box=(100.0, 50.0, 300.0, 290.0)) -> FrameResult:
    """A frame's result with a face detected in ``box``, as the pipeline hands it to the stages after the detector."""
    return FrameResult(0, False, 1, box, 0.9)


def gaze_of(stage: OmzGaze, frame: np.ndarray, landmarks: np.ndarray, head_pose) -> FrameResult:
    result = face_at()
    result.landmarks, result.head_pose = landmarks, head_pose
    stage(frame, result)
    return result


def test_detector_returns_face_rows_in_pixels_best_first(models):
    detector = OmzFaceDetector(models["face_detection"], spec("face_detection"), EngineConfig())
    result = FrameResult(0, False)
    detector(gray_frame(), result)
    faces = result.detections
    assert result.face_count == 2
    assert [face.score for face in faces] == pytest.approx([0.9, 0.7])
    assert faces[0].box == pytest.approx((160, 96, 320, 336))
    assert faces[1].box == pytest.approx((576, 384, 640, 480))  # clipped to the frame
    assert all(face.keypoints.shape == (0, 2) for face in faces)


def test_detector_input_is_bgr_0_255_nchw_672x384(models):
    detector = OmzFaceDetector(models["face_detection"], spec("face_detection"), EngineConfig())
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    frame[...] = (10, 20, 250)
    tensor = detector.model_inputs(frame, FrameResult(0, False))["data"]
    assert tensor.shape == (1, 3, 384, 672) and tensor.dtype == np.float32
    assert [float(tensor[0, c].mean()) for c in range(3)] == [10.0, 20.0, 250.0]


def test_landmarks_are_frame_pixels_image_left_eye_first(models):
    stage = OmzFaceLandmarks(models["face_landmarks"], spec("face_landmarks"), EngineConfig())
    result = face_at()
    stage(gray_frame(), result)
    points = result.landmarks
    assert result.face_found
    expected = np.array([100.0, 50.0]) + omz_synthetic.LANDMARKS * np.array([200.0, 240.0])
    assert points.shape == (5, 2)
    np.testing.assert_allclose(points, expected, atol=1e-3)
    assert points[0, 0] < points[1, 0]


@pytest.mark.parametrize("names", [omz_synthetic.HEAD_POSE_NAMES, omz_synthetic.HEAD_POSE_OLD_NAMES])
def test_head_pose_accepts_both_name_generations_and_converts_angles(tmp_path, names):
    path = omz_synthetic.build_head_pose(tmp_path, names)
    stage = OmzHeadPose(path, spec("head_pose"), EngineConfig())
    result = face_at()
    stage(gray_frame(), result)
    yaw, pitch, roll = result.head_pose
    # OMZ (20, -10, 15): turned to the image's right, tilted up, rolled clockwise.
    assert (yaw, pitch, roll) == pytest.approx((20.0, 10.0, -15.0), abs=1e-4)


def test_pose_conversion_is_its_own_inverse():
    assert omz_pose_to_ours(omz_pose_to_ours((1.0, 2.0, 3.0))) == (1.0, 2.0, 3.0)


def test_gaze_vector_is_unit_with_z_towards_the_camera():
    np.testing.assert_allclose(omz_gaze_to_ours(np.array([[0.0, 0.0, -2.0]])), [0.0, 0.0, 1.0])
    np.testing.assert_allclose(omz_gaze_to_ours(np.array([3.0, 4.0, 0.0])), [0.6, 0.8, 0.0])


def test_gaze_feeds_omz_angles_without_roll_alignment(gaze_unaligned):
    landmarks = np.array([[280.0, 200.0], [360.0, 200.0], [320, 240], [290, 280], [350, 280]])
    vector = gaze_of(gaze_unaligned, gray_frame(), landmarks, (20.0, 10.0, -15.0)).gaze
    # The synthetic model returns the head_pose_angles it was fed: OMZ (20, -10, 15).
    np.testing.assert_allclose(vector, np.array([20.0, -10.0, -15.0]) / np.linalg.norm([20, 10, 15]), atol=1e-5)


def test_gaze_roll_alignment_feeds_zero_roll_and_turns_the_vector_back(gaze):
    landmarks = np.array([[280.0, 200.0], [360.0, 200.0], [320, 240], [290, 280], [350, 280]])
    result = gaze_of(gaze, gray_frame(), landmarks, (20.0, 10.0, -15.0))
    vector, left, right = result.gaze, result.left_eye, result.right_eye
    assert np.linalg.norm(vector) == pytest.approx(1.0)
    assert vector[2] == pytest.approx(0.0, abs=1e-6)  # roll 0 was fed
    # (20, -10) in the crop's frame, the crop turned 15° clockwise with the head (y up here).
    assert np.degrees(np.arctan2(vector[1], vector[0])) == pytest.approx(np.degrees(np.arctan2(-10, 20)) - 15, abs=1e-3)
    for eye, centre in ((left, landmarks[0]), (right, landmarks[1])):
        corners = eye.crop_corners
        np.testing.assert_allclose(corners.mean(axis=0), centre, atol=1e-6)
        assert np.hypot(*(corners[1] - corners[0])) == pytest.approx(EYE_CROP_SCALE * 80)
        assert np.degrees(np.arctan2(*(corners[1] - corners[0])[::-1])) == pytest.approx(15)  # clockwise on screen
        assert eye.box == box_of(corners)
        assert eye.iris_center is None


def test_gaze_gets_the_image_left_eye_as_left_eye_image(gaze):
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    frame[:, : WIDTH // 2] = 255
    landmarks = np.array([[100.0, 240.0], [540.0, 240.0], [320, 300], [200, 400], [440, 400]])
    result = gaze_of(gaze, frame, landmarks, (0.0, 0.0, 0.0))
    vector, left, right = result.gaze, result.left_eye, result.right_eye
    # The synthetic model adds (mean(left_eye_image) - mean(right_eye_image)) / 255 to x.
    np.testing.assert_allclose(vector, [1.0, 0.0, 0.0], atol=1e-5)
    assert left.box[2] < WIDTH // 2 < right.box[0]


@pytest.mark.parametrize("eyes", [[[2.0, 3.0], [40.0, 5.0]], [[-30.0, 470.0], [25.0, 500.0]], [[600.0, 400.0], [600.0, 400.0]]])
def test_gaze_eye_crops_at_the_frame_border_do_not_crash(gaze, eyes):
    landmarks = np.vstack([eyes, [[20, 20], [10, 30], [30, 30]]]).astype(float)
    result = gaze_of(gaze, gray_frame(), landmarks, (5.0, -5.0, 30.0))
    vector, left, right = result.gaze, result.left_eye, result.right_eye
    assert np.all(np.isfinite(vector)) and np.linalg.norm(vector) == pytest.approx(1.0)
    assert left.crop_corners.shape == right.crop_corners.shape == (4, 2)


def test_stages_fill_one_result_and_time_their_three_phases(models, gaze):
    regions = Regions()
    frame = gray_frame()
    result = FrameResult(0, False)
    OmzFaceDetector(models["face_detection"], spec("face_detection"), EngineConfig())(frame, result, regions)
    result.face_box = result.detections[0].box  # the pipeline's pick
    for stage_class, name in ((OmzFaceLandmarks, "face_landmarks"), (OmzHeadPose, "head_pose")):
        stage_class(models[name], spec(name), EngineConfig())(frame, result, regions)
    gaze(frame, result, regions)
    stages = ("face_detection", "face_landmarks", "head_pose", "gaze")
    assert set(regions.take()) == {f"{stage}.{phase}" for stage in stages for phase in PHASES}
    assert result.face_found and result.landmarks.shape == (5, 2)
    assert result.head_pose == pytest.approx((20.0, 10.0, -15.0), abs=1e-4)
    assert np.linalg.norm(result.gaze) == pytest.approx(1.0) and result.left_eye.crop_corners.shape == (4, 2)


def test_wrong_input_name_is_a_model_error_naming_file_and_tensor(tmp_path):
    path = omz_synthetic.build_wrong_models(tmp_path)["wrong_name"]
    with pytest.raises(ModelError) as error:
        OmzGaze(path, spec("gaze"), EngineConfig())
    assert str(path) in str(error.value) and "'left_eye_image'" in str(error.value)


def test_wrong_input_shape_is_a_model_error_naming_file_and_shapes(tmp_path):
    path = omz_synthetic.build_wrong_models(tmp_path)["wrong_shape"]
    with pytest.raises(ModelError) as error:
        OmzFaceDetector(path, spec("face_detection"), EngineConfig())
    message = str(error.value)
    assert str(path) in message and "'data'" in message
    assert "[1,3,300,300]" in message and "[1, 3, 384, 672]" in message
