"""Max throughput: frames as fast as possible, one frame at a time (synchronous infer requests)
versus two frames in flight (the next frame's face stages overlapping this frame's eye
inference on OpenVINO's async requests), under OpenVINO's THROUGHPUT hint."""

from perfharness.scenario import Scenario

SCENARIO = Scenario(
    name="max_throughput",
    description="as fast as possible: sync (1 frame in flight) vs pipelined (2 in flight)",
    hint="THROUGHPUT",
    frames=240,
    warmup_frames=20,
    sweep={"in_flight": [1, 2]},
)
