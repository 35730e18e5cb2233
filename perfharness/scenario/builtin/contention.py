"""Contention: the controller at a real-time 30 fps while 0, 1 or 2 CPU-bound processes compete
for the cores (each holding 256 MiB), to see dropped frames and tail latency grow."""

from perfharness.scenario import Scenario

SCENARIO = Scenario(
    name="contention",
    description="real-time 30 fps with 0, 1, 2 busy background processes",
    pacing_fps=30,
    frames=240,
    warmup_frames=20,
    memory_pressure_mb=256,
    sweep={"background_workers": [0, 1, 2]},
)
