"""Optimizations: every switch of the controller's chain, on and off, side by side.

``tracking`` (the detector only when the track is lost, else on every frame), ``eye_batch`` (both
eyes in one iris inference, or one inference each) and ``in_flight`` (2: the next frame's face
stages overlap this frame's eye inference on OpenVINO's async requests). The report's region table
per variant shows where each one saved time: ``face_detection.*`` counts fall with tracking,
``iris_landmarks.infer`` with the batch, and the frame time against the sum of the inferences
shows what pipelining hid. ``--set threads=1,2`` or ``--set opencv_threads=1`` adds the thread
settings to the grid.
"""

from perfharness.scenario import Scenario

SCENARIO = Scenario(
    name="optimizations",
    description="tracking x batched eyes x pipelining, with the per-region breakdown of each",
    frames=240,
    warmup_frames=20,
    sweep={"tracking": [False, True], "eye_batch": [1, 2], "in_flight": [1, 2]},
)
