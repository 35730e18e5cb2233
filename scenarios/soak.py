"""Soak: ten minutes at a real-time 30 fps. RSS growth per minute (in the report's resources
table and RSS timeline) is the leak signal; shorten it with ``--set duration_s=60``."""

from perfharness.scenario import Scenario

SCENARIO = Scenario(
    name="soak",
    description="10 minutes at 30 fps; watch RSS growth per minute",
    pacing_fps=30,
    duration_s=600,
    warmup_frames=30,
)
