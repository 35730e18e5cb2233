"""Our side's settings: ``--ours-config FILE`` (a configuration file), then ``--ours-set KEY=VALUE``
onto ``RunSettings``, checked before anything starts."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from perfharness.core.errors import UsageError, one_line
from perfharness.run.settings import FIELDS, RunSettings, parse_value

ALIASES = {"num_threads": "threads", "num_streams": "streams", "performance_hint": "hint"}  # EngineConfig's names
FIXED = {  # RunSettings fields the peer benchmark sets itself, and why
    "model_set": "the peer runs the mediapipe set, made of the models MediaPipe's solution runs",
    "tracking": "each mode sets it (--modes detect,tracking)",
    "in_flight": "the worker times each frame's whole chain, one frame in flight",
}
SETTABLE = tuple(name for name in FIELDS if name not in FIXED)


@dataclasses.dataclass(frozen=True)
class OursConfig:
    """Our side's settings from a configuration file: ``settings`` (the fixed fields at the peer's
    own values), ``record`` (path, made_on: for the report), ``notes`` (lines to say before it runs)."""

    settings: RunSettings
    record: dict[str, Any]
    notes: tuple[str, ...]


def ours_config(path: Path) -> OursConfig:
    """The configuration file at ``path`` for our side (``--ours-config``): its settings with the
    ``FIXED`` fields at the peer's values (RunSettings' defaults; a note names those the file sets
    otherwise), and the file's own note when it was made on another machine. UsageError when it
    cannot run here."""
    from perfharness.run.config_file import load_config

    settings, note, record = load_config(path)
    peer = RunSettings()
    ignored = {name: getattr(settings, name) for name in FIXED if getattr(settings, name) != getattr(peer, name)}
    notes = [note] if note else []
    if ignored:
        notes.append(one_line(f"note: {path}: the peer sets these itself: " + "; ".join(
            f"{name}={value} not used, {FIXED[name]}" for name, value in ignored.items())))
    settings = dataclasses.replace(settings, **{name: getattr(peer, name) for name in FIXED})
    try:
        settings.check()
    except UsageError as error:
        raise UsageError(f"--ours-config {path}: {error}") from None
    return OursConfig(settings, record, tuple(notes))


def ours_settings(assignments: Sequence[str], base: RunSettings | None = None) -> RunSettings:
    """``RunSettings`` from ``KEY=VALUE`` strings (KEY a field name, or an alias in ``ALIASES``) over
    ``base`` (default RunSettings' defaults; ``--ours-config``'s settings), checked; UsageError (one
    line) for an unknown or fixed key or a value that cannot run."""
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
    settings = dataclasses.replace(base or RunSettings(), **values)
    try:
        settings.check()
    except UsageError as error:
        raise UsageError(f"--ours-set: {error}") from None
    return settings
