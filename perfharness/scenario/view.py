"""What a scenario check sees of one finished variant, read from the run directory as it goes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfharness.gaze.synthetic import ClipLabel
from perfharness.instrument.resources import rss_growth
from perfharness.results.frames import FrameRow, read_frames


@dataclass(frozen=True)
class VariantView:
    """One finished variant: ``variant`` is its metrics.json entry (frames, fps, regions, ...);
    ``frames()`` streams its rows of frames.csv; ``label(index)`` is the sample clip's label of
    an input frame (None for other inputs); ``rss_growth_bytes_per_min()`` is fitted on its
    resource samples after its first minute (None when shorter or not sampled)."""

    variant: dict[str, Any]
    frames_csv: Path
    resources_csv: Path | None
    labels: dict[int, ClipLabel] | None

    def frames(self) -> Iterator[FrameRow]:
        return read_frames(self.frames_csv, self.variant["name"])

    def label(self, index: int) -> ClipLabel | None:
        return self.labels[index % len(self.labels)] if self.labels else None

    def rss_growth_bytes_per_min(self) -> float | None:
        if self.resources_csv is None:
            return None
        return rss_growth(self.resources_csv, self.variant["t_start"], self.variant["t_end"])
