"""What the peer benchmark measures, and in what order."""

from __future__ import annotations

from collections.abc import Sequence

MODES = ("detect", "tracking")
SIDES = ("ours", "mediapipe")
SIDE_NAMES = {"ours": "ours", "mediapipe": "MediaPipe"}


def round_plan(rounds: int, modes: Sequence[str] = MODES) -> list[tuple[int, str, str]]:
    """(round, mode, side) in the order they run: each mode's two sides back to back, ours first
    in even rounds and MediaPipe first in odd ones, so neither side always runs on a machine
    the other has just warmed (or heated)."""
    plan = []
    for round_index in range(rounds):
        order = SIDES if round_index % 2 == 0 else SIDES[::-1]
        for mode in modes:
            plan.extend((round_index, mode, side) for side in order)
    return plan
