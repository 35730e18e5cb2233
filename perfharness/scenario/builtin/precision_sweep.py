"""Precision sweep: the same frames with FP32 and FP16 model files (both computed in f32, the
pinned default), to see what weight compression changes in speed. Add INT8 with
``--set precision=FP32,FP16,INT8`` once `perfharness models quantize` has made it."""

from perfharness.scenario import Scenario

SCENARIO = Scenario(
    name="precision_sweep",
    description="FP32 vs FP16 model files, flat out, 1 inference thread",
    threads=1,
    frames=240,
    warmup_frames=20,
    sweep={"precision": ["FP32", "FP16"]},
)
