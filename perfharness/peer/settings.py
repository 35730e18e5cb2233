"""Our side's settings: ``--ours-set KEY=VALUE`` onto ``RunSettings``, checked before anything starts."""

from __future__ import annotations

from collections.abc import Sequence

from perfharness.core.errors import UsageError
from perfharness.run.settings import FIELDS, RunSettings, parse_value

ALIASES = {"num_threads": "threads", "num_streams": "streams", "performance_hint": "hint"}  # EngineConfig's names
FIXED = {  # RunSettings fields the peer benchmark sets itself, and why
    "model_set": "the peer runs the mediapipe set, made of the models MediaPipe's solution runs",
    "tracking": "each mode sets it (--modes detect,tracking)",
    "in_flight": "the worker times each frame's whole chain, one frame in flight",
}
SETTABLE = tuple(name for name in FIELDS if name not in FIXED)


def ours_settings(assignments: Sequence[str]) -> RunSettings:
    """``RunSettings`` from ``KEY=VALUE`` strings (KEY a field name, or an alias in ``ALIASES``),
    checked; UsageError (one line) for an unknown or fixed key or a value that cannot run."""
    values = {}
    for assignment in assignments:
        key, equals, text = assignment.partition("=")
        name = ALIASES.get(key.strip(), key.strip())
        if not equals or name not in FIELDS:
            raise UsageError(f"--ours-set {assignment!r}: expected KEY=VALUE with KEY one of {', '.join(SETTABLE)} "
                             f"(or {', '.join(ALIASES)})")
        if name in FIXED:
            raise UsageError(f"--ours-set {name}: not settable, {FIXED[name]}")
        try:
            values[name] = parse_value(name, text)
        except UsageError as error:
            raise UsageError(f"--ours-set: {error}") from None
    settings = RunSettings(**values)
    try:
        settings.check()
    except UsageError as error:
        raise UsageError(f"--ours-set: {error}") from None
    return settings
