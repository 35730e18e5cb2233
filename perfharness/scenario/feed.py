"""Endless frames from an input: the sample clip rendered once and cycled, files re-opened."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from perfharness.gaze.sources import open_source
from perfharness.gaze.synthetic import ClipLabel


class FrameFeed:
    """Frames of ``input`` cycled for as long as asked; ``labels`` for the sample clip.

    The sample is rendered once and kept (so reading it costs a copy, not a render); a video
    file is read again from the start at its end; an image repeats; a camera never ends.
    """

    def __init__(self, input: str) -> None:
        self.input = input
        self.labels: dict[int, ClipLabel] | None = None
        self._cache: list[np.ndarray] | None = None
        with open_source(input) as source:  # fail early, with the source's own message
            self.labels = source.labels
            self.fps = source.fps
            if input == "sample":
                self._cache = [frame for _, frame in source]

    def label(self, index: int) -> ClipLabel | None:
        """The clip label of the ``index``-th frame fed (cycling), or None."""
        if not self.labels:
            return None
        return self.labels[index % len(self.labels)]

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            if self._cache is not None:
                yield from self._cache
                continue
            produced = False
            with open_source(self.input) as source:
                for _, frame in source:
                    produced = True
                    yield frame
            if not produced:
                return
