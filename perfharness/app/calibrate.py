"""``perfharness calibrate``: show 5 or 9 targets full screen, record the gaze, save the fit."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from perfharness.core.errors import UsageError
from perfharness.core.outputs import check_outputs
from perfharness.gaze.calibration import run_calibration
from perfharness.gaze.mouse import screen_size
from perfharness.gaze.pointer import Calibration, calibration_targets
from perfharness.gaze.sources import open_source
from perfharness.run.settings import RunSettings

WINDOW = "perfharness calibration"
SETTLE_S = 1.0  # time to look at a new target before its samples are taken


@dataclass
class CalibrateOptions:
    out: Path
    input: str = "cam"
    points: int = 9
    samples_per_point: int = 15
    model_set: str = "mediapipe"
    precision: str = "FP32"
    device: str = "CPU"
    settle_s: float = SETTLE_S


def calibrate(options: CalibrateOptions) -> Calibration:
    """Run the routine and write the calibration file atomically."""
    if not os.environ.get("DISPLAY"):
        raise UsageError("calibration shows its targets on screen: it needs an X display (set DISPLAY)")
    check_outputs({"--out": options.out}, {"--input": Path(options.input)})
    width, height = screen_size("real")
    settings = RunSettings(model_set=options.model_set, precision=options.precision.upper(), device=options.device)
    settings.check()
    pipeline = settings.build_pipeline()

    def show(index: int, target: tuple[int, int]) -> None:
        canvas = np.zeros((height, width, 3), np.uint8)
        cv2.circle(canvas, target, 18, (0, 0, 255), -1)
        cv2.putText(canvas, f"look at the dot ({index + 1}/{options.points})", (40, 60),
                    cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
        cv2.imshow(WINDOW, canvas)
        deadline = time.monotonic() + options.settle_s
        while time.monotonic() < deadline:
            cv2.waitKey(20)

    with open_source(options.input) as source:
        frames = iter(source)

        def sample_gaze() -> tuple[float, float] | None:
            item = next(frames, None)
            if item is None:
                raise UsageError(f"input {source.name} ended before calibration finished")
            cv2.waitKey(1)
            return pipeline.process(item[1], item[0]).gaze_angles

        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL)
        cv2.setWindowProperty(WINDOW, cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN)
        try:
            targets = calibration_targets(options.points, width, height)
            calibration = run_calibration(targets, sample_gaze, show, screen_size=(width, height),
                                          samples_per_point=options.samples_per_point)
        finally:
            cv2.destroyWindow(WINDOW)
    calibration.save(options.out)
    return calibration
