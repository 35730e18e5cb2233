"""Endless frames from an input: the sample clip and images repeat, files are re-opened."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from perfharness.gaze.sources import open_source
from perfharness.gaze.synthetic import ClipLabel


class FrameFeed:
    """Frames of ``input`` cycled for as long as asked; ``labels`` for the sample clip.

    The sample clip is read back from its rendering in the cache (a copy per frame, not a
    render); a video file is read again from the start at its end; an image repeats; a camera
    never ends.
    """

    def __init__(self, input: str) -> None:
        self.input = input
        with open_source(input) as source:  # fail early, with the source's own message
            self.labels: dict[int, ClipLabel] | None = source.labels
            self.fps = source.fps

    def label(self, index: int) -> ClipLabel | None:
        """The clip label of the ``index``-th frame fed (cycling), or None."""
        if not self.labels:
            return None
        return self.labels[index % len(self.labels)]

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            produced = False
            with open_source(self.input) as source:
                for _, frame in source:
                    produced = True
                    yield frame
            if not produced:
                return
