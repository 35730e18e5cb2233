"""Thread sweep: 1 vs 2 inference threads, under the LATENCY and the THROUGHPUT hints."""

from perfharness.scenario import Scenario

SCENARIO = Scenario(
    name="thread_sweep",
    description="inference threads 1 vs 2 x LATENCY vs THROUGHPUT hint",
    frames=240,
    warmup_frames=20,
    sweep={"threads": [1, 2], "hint": ["LATENCY", "THROUGHPUT"]},
)
