"""Steady state: the controller paced at a real-time 30 fps, as a webcam would feed it.

Frames that cannot be processed in time are dropped and counted, like a live camera does.
"""

from perfharness.scenario import Scenario

SCENARIO = Scenario(
    name="steady_state",
    description="real-time 30 fps on the sample clip; dropped frames counted",
    pacing_fps=30,
    frames=300,
    warmup_frames=30,
)
