"""open_source: the sample clip, images, videos, cameras, and a one-line SourceError for each bad input."""

from __future__ import annotations

from itertools import islice

import cv2
import numpy as np
import pytest

from perfharness.core.errors import SourceError, UsageError
from perfharness.gaze.sources import SAMPLE_FACE_BOX, open_source
from perfharness.gaze.synthetic import generate_clip, write_clip


@pytest.fixture
def video(tmp_path, astronaut):
    path = tmp_path / "clip.mp4"
    write_clip(generate_clip(astronaut, SAMPLE_FACE_BOX, frames=10), path)
    return path


def test_image_yields_one_frame(tmp_path, astronaut):
    path = tmp_path / "still.png"
    cv2.imwrite(str(path), astronaut)
    with open_source(str(path)) as source:
        frames = list(source)
    assert source.name == str(path) and source.size == (512, 512)
    assert source.fps is None and source.labels is None
    assert len(frames) == 1 and frames[0][0] == 0
    assert np.array_equal(frames[0][1], astronaut)


def test_video_written_by_write_clip(video):
    with open_source(str(video)) as source:
        assert source.size == (640, 480) and source.fps == pytest.approx(30)
        frames = list(source)
    assert [index for index, _ in frames] == list(range(10))
    assert {frame.shape for _, frame in frames} == {(480, 640, 3)}


def test_max_frames_stops_early(video):
    with open_source(str(video), max_frames=4) as source:
        assert [index for index, _ in source] == [0, 1, 2, 3]
    with pytest.raises(UsageError, match="max_frames must be at least 1"):
        open_source(str(video), max_frames=0)


def test_sample_is_the_synthetic_clip_with_labels(astronaut):
    with open_source("sample", max_frames=3) as source:
        frames = list(source)
    assert source.name == "sample" and source.size == (640, 480) and source.fps == 30
    expected = [f.image for f in islice(generate_clip(astronaut, SAMPLE_FACE_BOX, frames=120), 3)]
    assert all(np.array_equal(got, want) for (_, got), want in zip(frames, expected, strict=True))
    assert sorted(source.labels) == list(range(120))
    counts = [source.labels[i].expected_faces for i in range(120)]
    assert counts.count(0) == 18 and counts.count(2) == 24
    assert source.labels[100].segment == "two_faces" and len(source.labels[100].face_boxes) == 2


def test_close_is_idempotent(video):
    source = open_source(str(video))
    source.close()
    source.close()


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "nope.mp4", "no such file: {path}"),
    (lambda tmp: tmp, "{path} is a directory, not a video or image file"),
    (lambda tmp: _write(tmp / "garbage.mp4", bytes(range(256)) * 64), "cannot read video {path} (corrupt, truncated or unsupported format)"),
    (lambda tmp: _write(tmp / "bad.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100), "cannot decode image {path} (corrupt or unsupported format)"),
    (lambda tmp: _write(tmp / "empty.jpg", b""), "cannot decode image {path} (corrupt or unsupported format)"),
], ids=["missing", "directory", "garbage-video", "corrupt-png", "empty-jpg"])
def test_bad_paths_raise_one_line_source_errors(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(SourceError) as info:
        open_source(str(path))
    assert str(info.value) == message.format(path=path)


def test_truncated_video(video):
    truncated = video.with_name("truncated.mp4")
    truncated.write_bytes(video.read_bytes()[:2048])
    with pytest.raises(SourceError, match="cannot read video .*truncated.mp4"):
        open_source(str(truncated))


def test_camera_that_does_not_open():
    with pytest.raises(SourceError) as info:
        open_source("cam:7")
    assert str(info.value) == "camera 7 does not open"


def test_bad_camera_spec():
    with pytest.raises(SourceError, match="bad camera 'cam:x'"):
        open_source("cam:x")
