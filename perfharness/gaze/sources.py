"""Frame sources: the synthetic sample clip, a camera, a video file or a single image."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from perfharness import zoo
from perfharness.core.atomic import atomic_open
from perfharness.core.errors import SourceError, UsageError
from perfharness.gaze import synthetic
from perfharness.gaze.result import Box
from perfharness.gaze.synthetic import ClipLabel, generate_clip, plan_clip

SAMPLE_FACE_BOX: Box = (178.0, 81.0, 272.0, 175.0)  # the face in zoo.media_file("astronaut")
SAMPLE_FRAMES = 120
SAMPLE_FPS = 30.0
SAMPLE_SIZE = (640, 480)
# the sample clip's frames by index parity: even frames calibrate (INT8, distillation), odd are held out
# for accuracy checks (the lab's precision comparison, tune's drift)
SAMPLE_SPLITS = {"calibration": 0, "held_out": 1}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}


class FrameSource:
    """Iterate once for ``(index, frame_bgr)``; a context manager.

    ``size`` is (width, height); ``fps`` is None when unknown (images, cameras that do not say).
    ``labels`` maps frame index to its ClipLabel for the synthetic sample, else is None.
    ``still`` is True for a single image.
    """

    def __init__(self, name: str, frames: Iterable[np.ndarray], *, size: tuple[int, int], fps: float | None = None,
                 max_frames: int | None = None, labels: dict[int, ClipLabel] | None = None,
                 release: Callable[[], None] | None = None, still: bool = False) -> None:
        self.name = name
        self.still = still
        self.size = size
        self.fps = fps
        self.labels = labels
        self._frames = frames
        self._max_frames = max_frames
        self._release = release

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        return enumerate(itertools.islice(self._frames, self._max_frames))

    def close(self) -> None:
        """Release the device or file; safe to call twice."""
        if self._release is not None:
            self._release()
            self._release = None

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_source(spec: str, *, max_frames: int | None = None) -> FrameSource:
    """Open ``sample``, ``cam`` / ``cam:N``, or the path of a video or image file.

    Raises SourceError (one line) when the input cannot be opened or read.
    """
    if max_frames is not None and max_frames < 1:
        raise UsageError(f"max_frames must be at least 1, got {max_frames}")
    if spec == "sample":
        return _open_sample(max_frames)
    if spec == "cam" or spec.startswith("cam:"):
        return _open_camera(spec, max_frames)
    return _open_path(Path(spec), max_frames)


def _open_sample(max_frames: int | None) -> FrameSource:
    """The sample clip, cycled when more than its frames are asked for. It is rendered once into
    the cache, then read back a frame at a time (a copy, not a render); where the cache cannot
    be written, frames are rendered as they are read."""
    still_path = zoo.media_file()
    labels = {label.index: label for label in plan_clip(SAMPLE_FACE_BOX, SAMPLE_FRAMES, size=SAMPLE_SIZE)}
    rendered = rendered_sample(still_path)
    count = max_frames or SAMPLE_FRAMES
    if rendered is not None:
        clip = _RawClip(rendered, SAMPLE_SIZE)
        frames: Iterable[np.ndarray] = (clip.frame(i % SAMPLE_FRAMES) for i in range(count))
        return FrameSource("sample", frames, size=SAMPLE_SIZE, fps=SAMPLE_FPS, labels=labels, release=clip.close)
    frames = itertools.islice(_render_cycled(_read_still(still_path)), count)
    return FrameSource("sample", frames, size=SAMPLE_SIZE, fps=SAMPLE_FPS, labels=labels)


def _read_still(path: Path) -> np.ndarray:
    still = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if still is None:
        raise SourceError(f"cannot decode the sample image {path}")
    return still


def _render_cycled(still: np.ndarray) -> Iterator[np.ndarray]:
    while True:
        for clip_frame in generate_clip(still, SAMPLE_FACE_BOX, SAMPLE_FRAMES, size=SAMPLE_SIZE):
            yield clip_frame.image


def sample_clip_path(still_path: Path) -> Path:
    """Where the sample clip rendered from ``still_path`` lives in the cache. The file name hashes
    the still, the clip's generator and the OpenCV and numpy versions (their warps and noise differ
    in the last bit between releases), so a changed generator or library renders anew."""
    digest = hashlib.sha256(Path(synthetic.__file__).read_bytes())
    digest.update(zoo.cache.sha256_file(still_path).encode())
    digest.update(repr((SAMPLE_FACE_BOX, SAMPLE_FRAMES, SAMPLE_SIZE, cv2.__version__, np.__version__)).encode())
    return zoo.layout.rendered_media_path(f"sample-{digest.hexdigest()[:16]}.bgr")


def sample_clip_problem() -> str | None:
    """Why the rendered sample clip cannot be used (``models verify``), or None; a clip not
    rendered yet (or by a version that kept no record) is no problem: its first use renders it."""
    path = sample_clip_path(zoo.media_file())
    if not (path.exists() and zoo.layout.rendered_record_path(path).exists()):
        return None
    return zoo.layout.rendered_problem(path)


def rendered_sample(still_path: Path, repair: bool = False) -> Path | None:
    """The raw BGR frames of the sample clip in the cache, rendered first (atomically, with a
    sha256 record) when missing, unrecorded or, with ``repair`` (``models fetch``), damaged; None
    when the cache cannot be written (frames are then rendered as they are read)."""
    path = sample_clip_path(still_path)
    if (path.exists() and zoo.layout.rendered_record_path(path).exists()
            and not (repair and zoo.layout.rendered_problem(path))):
        return path
    still = _read_still(still_path)
    try:
        with atomic_open(path) as handle:
            for clip_frame in generate_clip(still, SAMPLE_FACE_BOX, SAMPLE_FRAMES, size=SAMPLE_SIZE):
                handle.write(np.ascontiguousarray(clip_frame.image).data)
        zoo.layout.write_rendered_record(path, frames=SAMPLE_FRAMES, size=list(SAMPLE_SIZE))
    except OSError:
        return None
    return path


class _RawClip:
    """Frames of equal size stored back to back as raw BGR bytes, read one at a time."""

    def __init__(self, path: Path, size: tuple[int, int]) -> None:
        self.shape = (size[1], size[0], 3)
        self.frame_bytes = size[0] * size[1] * 3
        self._fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)

    def frame(self, index: int) -> np.ndarray:
        image = np.empty(self.shape, np.uint8)
        if os.preadv(self._fd, [image], index * self.frame_bytes) != self.frame_bytes:
            raise SourceError("the rendered sample clip in the cache is truncated; delete it to render it again")
        return image

    def close(self) -> None:
        os.close(self._fd)


def _open_camera(spec: str, max_frames: int | None) -> FrameSource:
    number = spec.partition(":")[2] or "0"
    if not (number.isascii() and number.isdigit() and len(number) <= 9):
        raise SourceError(f"bad camera {spec!r}: use cam or cam:N with N a camera number (0 to 999999999)")
    with _native_stderr_silenced():  # OpenCV's backends each log their own failure
        capture = cv2.VideoCapture(int(number))
        return _from_capture(capture, f"cam:{number}", f"camera {number} does not open", max_frames)


def _open_path(path: Path, max_frames: int | None) -> FrameSource:
    shown = str(path).encode("utf-8", "backslashreplace").decode()
    if not path.exists():
        raise SourceError(f"no such file: {shown}")
    if path.is_dir():
        raise SourceError(f"{shown} is a directory, not a video or image file")
    mode = path.stat().st_mode
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):  # reading one would wait for a writer
        raise SourceError(f"{shown} is a {'fifo' if stat.S_ISFIFO(mode) else 'socket'}, not a video or image file")
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # OpenCV takes UTF-8 names only (and crashes on others)
        raise SourceError(f"{shown}: the file name is not valid UTF-8, which OpenCV cannot open; rename it") from None
    if path.suffix.lower() in IMAGE_SUFFIXES or cv2.haveImageReader(str(path)):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise SourceError(f"cannot decode image {path} (corrupt or unsupported format)")
        return FrameSource(str(path), [image], size=(image.shape[1], image.shape[0]), max_frames=max_frames, still=True)
    with _native_stderr_silenced():  # FFmpeg logs its own lines; ours is the one message
        capture = cv2.VideoCapture(str(path))
        return _from_capture(capture, str(path), f"cannot read video {path} (corrupt, truncated or unsupported format)", max_frames)


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration (native libraries write there)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _from_capture(capture: cv2.VideoCapture, name: str, failure: str, max_frames: int | None) -> FrameSource:
    """Wrap an opened capture, reading its first frame now so that a broken input fails here."""
    ok, first = capture.read() if capture.isOpened() else (False, None)
    if not ok or first is None:
        capture.release()
        raise SourceError(failure)
    fps = capture.get(cv2.CAP_PROP_FPS)
    return FrameSource(name, _read_frames(capture, first), size=(first.shape[1], first.shape[0]),
                       fps=float(fps) if fps and fps > 0 else None, max_frames=max_frames, release=capture.release)


def _read_frames(capture: cv2.VideoCapture, first: np.ndarray) -> Iterator[np.ndarray]:
    yield first
    while True:
        ok, frame = capture.read()
        if not ok:
            return
        yield frame
