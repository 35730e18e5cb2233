"""The cheaper glue gives the pixels and numbers the plain numpy/OpenCV steps gave."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from perfharness.gaze.face_detection import area_downscale
from perfharness.gaze.face_landmarks import mesh_to_frame
from perfharness.gaze.geometry import RotatedRect, apply_affine, box_of, rgb_tensor


@pytest.mark.parametrize("size, out_size", [((640, 480), (128, 96)), ((1920, 1080), (128, 72)),
                                            ((1280, 720), (128, 72)), ((176, 144), (128, 105))])
def test_area_downscale_is_inter_area(size, out_size):
    """Odd whole multiples take the box filter, the rest INTER_AREA; a view with padding around it
    is written in place."""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (size[1], size[0], 3), np.uint8)
    canvas = np.zeros((out_size[1] + 8, out_size[0] + 6, 3), np.uint8)
    area_downscale(image, canvas[4:-4, 3:-3])
    np.testing.assert_array_equal(canvas[4:-4, 3:-3], cv2.resize(image, out_size, interpolation=cv2.INTER_AREA))
    assert not canvas[:4].any() and not canvas[:, :3].any()


@pytest.mark.parametrize("scale, shift", [(1 / 255, 0.0), (1 / 127.5, -1.0)])
def test_rgb_tensor_is_numpys_float32_product(scale, shift):
    bgr = np.random.default_rng(1).integers(0, 256, (64, 48, 3), np.uint8)
    expected = np.multiply(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), np.float32(scale))
    if shift:
        expected = expected + np.float32(shift)
    out = np.empty((1, 64, 48, 3), np.float32)
    rgb_tensor(bgr, out[0], scale, shift)
    np.testing.assert_array_equal(out[0], expected)


def test_mesh_to_frame_is_the_crop_affine():
    rng = np.random.default_rng(2)
    raw = (rng.random((468, 3)) * 192).astype(np.float32)
    to_frame = RotatedRect(300.5, 210.25, 250.0, 250.0, 0.3).patch_to_frame(192, 192)
    landmarks = mesh_to_frame(raw, to_frame, 250.0 / 192)
    assert landmarks.dtype == np.float32 and landmarks.shape == (468, 3)
    # float32 rounding apart (on the sample clip the two agree to the bit: docs/controller-optimizations.md)
    np.testing.assert_allclose(landmarks[:, :2], apply_affine(to_frame, raw[:, :2]), rtol=1e-6)
    np.testing.assert_allclose(landmarks[:, 2], raw[:, 2] * (250.0 / 192), rtol=1e-6)
    assert box_of(landmarks) == (float(landmarks[:, 0].min()), float(landmarks[:, 1].min()),
                                 float(landmarks[:, 0].max()), float(landmarks[:, 1].max()))


def test_corners_are_the_unit_square_through_patch_to_frame():
    rect = RotatedRect(120.3, 80.7, 40.0, 30.0, -0.4)
    unit = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
    np.testing.assert_array_equal(rect.corners(), apply_affine(rect.patch_to_frame(1, 1), unit))
