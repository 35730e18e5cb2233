"""Regression thresholds: a default, overridden per group or per benchmark in ``pyproject.toml``.

    [tool.perfharness.gates]
    default = "5%"                                  # --threshold on the command line wins over it
    [tool.perfharness.gates.groups]                 # by pytest-benchmark group
    "model[mediapipe/iris_landmarks]" = "8%"
    [tool.perfharness.gates.benchmarks]             # by benchmark name (or fullname); wins over groups
    "pipeline[mediapipe-FP32]" = "10%"

Under a deterministic measure (instructions, cycles) every benchmark has one threshold,
``deterministic = "1%"`` in the same table (default 1 %); ``--threshold`` wins over it too.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from perfharness.core.errors import UsageError
from perfharness.core.inputs import read_toml

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - Python 3.10
    pass

DEFAULT_THRESHOLD = 0.05
DETERMINISTIC_THRESHOLD = 0.01  # instruction and cycle counts: they agree to ~0.1 % between runs
DEFAULT_REFERENCE = "reference[openvino-conv]"  # measures the machine, not the code; never gated
TABLE = "tool.perfharness.gates"


def parse_percent(text: object) -> float:
    """``"5%"`` -> 0.05. ValueError unless it is a positive percentage written with ``%``."""
    if isinstance(text, str) and text.strip().endswith("%"):
        try:
            value = float(text.strip()[:-1]) / 100
        except ValueError:
            pass
        else:
            if 0 < value < math.inf:
                return value
    raise ValueError(f"a threshold is a positive percentage such as '5%' (> 0 and finite), got {text!r}")


@dataclass(frozen=True)
class Gates:
    """The threshold of each benchmark: its own, else its group's, else the default; under a
    deterministic measure one fixed threshold for all (``deterministic``)."""

    default: float = DEFAULT_THRESHOLD
    groups: Mapping[str, float] = field(default_factory=dict)
    benchmarks: Mapping[str, float] = field(default_factory=dict)
    deterministic: float = DETERMINISTIC_THRESHOLD

    def threshold(self, name: str, fullname: str, group: str | None) -> float:
        for key in (name, fullname):
            if key in self.benchmarks:
                return self.benchmarks[key]
        return self.groups.get(group, self.default) if group is not None else self.default


def load_gates(config: Path | None, default: float | None) -> Gates:
    """Gates from ``config`` (None: ``./pyproject.toml`` if there is one); ``default`` (the command
    line's) wins over the configured default, per-group and per-benchmark thresholds over both."""
    path = config or Path("pyproject.toml")
    table = _read_table(path) if config is not None or path.is_file() else {}
    _check_table(table, TABLE, {"default", "deterministic", "groups", "benchmarks"}, path)
    configured = _threshold(table["default"], f"{TABLE}.default", path) if "default" in table else DEFAULT_THRESHOLD
    counted = (_threshold(table["deterministic"], f"{TABLE}.deterministic", path) if "deterministic" in table
               else DETERMINISTIC_THRESHOLD)
    return Gates(
        default=default if default is not None else configured,
        groups=_thresholds(table.get("groups", {}), f"{TABLE}.groups", path),
        benchmarks=_thresholds(table.get("benchmarks", {}), f"{TABLE}.benchmarks", path),
        deterministic=default if default is not None else counted,
    )


def _read_table(path: Path) -> object:
    table: object = read_toml(path)
    for key in ("tool", "perfharness", "gates"):
        table = table.get(key, {}) if isinstance(table, dict) else {}
    return table


def _check_table(table: object, where: str, keys: set[str] | None, path: Path) -> None:
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [{where}] must be a table")
    unknown = sorted(set(table) - keys) if keys is not None else []
    if unknown:
        raise UsageError(f"{path}: unknown key {where}.{unknown[0]} (expected {', '.join(sorted(keys))})")


def _thresholds(table: object, where: str, path: Path) -> dict[str, float]:
    _check_table(table, where, None, path)
    return {key: _threshold(value, f'{where}."{key}"', path) for key, value in table.items()}


def _threshold(value: object, where: str, path: Path) -> float:
    try:
        return parse_percent(value)
    except ValueError as error:
        raise UsageError(f"{path}: {where}: {error}") from None
