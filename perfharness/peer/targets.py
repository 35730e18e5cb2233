"""The peer benchmark's targets, each with the measured value and whether it is met."""

from __future__ import annotations

TARGET_RATIO = 0.8  # ours <= 0.8 x MediaPipe's time per frame, in each mode
TARGET_IRIS_MEDIAN_PX = 1.0  # iris centres within 1 px (median) of MediaPipe's, on the sample clip


def targets(modes: dict, input_spec: str) -> list[dict]:
    """Per mode, the time ratio and the iris distance against their limits; the iris target
    ``applies`` to the sample clip only (it was set on it)."""
    found = []
    for mode, result in modes.items():
        ratio = result["compare"]["ratio"]
        found.append({"name": f"{mode}: ours <= {TARGET_RATIO:g} x MediaPipe's time per frame", "kind": "time_ratio",
                      "mode": mode, "limit": TARGET_RATIO, "value": ratio, "met": ratio <= TARGET_RATIO})
    for mode, result in modes.items():
        median = result["agreement"]["iris"]["both"]["median"]
        found.append({"name": f"{mode}: iris centres within {TARGET_IRIS_MEDIAN_PX:g} px of MediaPipe's (median)",
                      "kind": "iris_median_px", "mode": mode, "limit": TARGET_IRIS_MEDIAN_PX, "value": median,
                      "met": median is not None and median <= TARGET_IRIS_MEDIAN_PX,
                      "applies": input_spec == "sample"})
    return found
