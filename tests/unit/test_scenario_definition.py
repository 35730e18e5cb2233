"""Scenario overrides (--set) and the sweep grid."""

from __future__ import annotations

import pytest

from perfharness.core.errors import UsageError
from perfharness.scenario import Scenario
from perfharness.scenario.definition import variants, with_overrides


def test_set_converts_by_field_type_and_commas_sweep():
    base = Scenario(name="s", sweep={"threads": [1, 2]})
    changed = with_overrides(base, ["frames=50", "pacing_fps=12.5", "model_cache=true", "threads=none",
                                    "precision=FP32,FP16"])
    assert changed.frames == 50 and changed.pacing_fps == 12.5 and changed.model_cache is True
    assert changed.threads is None and "threads" not in changed.sweep  # a plain value ends a sweep
    assert changed.sweep == {"precision": ["FP32", "FP16"]}


@pytest.mark.parametrize("assignment, message", [
    ("frames", "use key=value"),
    ("colour=red", "use key=value with key one of"),
    ("frames=many", "expected int"),
    ("model_cache=maybe", "expected bool"),
])
def test_bad_set_is_a_usage_error(assignment, message):
    with pytest.raises(UsageError, match=message):
        with_overrides(Scenario(name="s"), [assignment])


def test_variants_cover_the_grid_times_repeats():
    scenario = Scenario(name="s", repeats=2, sweep={"threads": [1, 2], "hint": ["LATENCY", "THROUGHPUT"]})
    points = variants(scenario)
    assert len(points) == 8
    assert [p.label for p in points[:2]] == ["threads=1 hint=LATENCY"] * 2 and [p.repeat for p in points[:2]] == [0, 1]
    last = points[-1].scenario
    assert (last.threads, last.hint, last.sweep) == (2, "THROUGHPUT", {})
    config = last.settings().engine_config().compile_properties()
    assert config["INFERENCE_NUM_THREADS"] == "2" and config["PERFORMANCE_HINT"] == "THROUGHPUT"
    assert variants(Scenario(name="plain"))[0].label == "default"


def test_sweeping_an_unknown_field_is_refused():
    with pytest.raises(UsageError, match="cannot sweep colour"):
        variants(Scenario(name="s", sweep={"colour": ["red"]}))


@pytest.mark.parametrize("field, value, message", [
    ("in_flight", 0, "in_flight=0 must be >= 1"),
    ("pacing_fps", 0.0, "pacing_fps=0.0 must be >= 0.01"),
    ("pacing_fps", 1e-300, "pacing_fps=1e-300 must be >= 0.01"),
    ("repeats", 0, "repeats=0 must be >= 1"),
    ("frames", 0, "frames=0 must be >= 1"),
    ("frames", 2**31, "frames=2147483648 must be <= 2147483647"),
    ("in_flight", 1.5, "in_flight=1.5 must be a whole number"),
    ("pacing_fps", float("nan"), "pacing_fps=nan must be a finite number"),
    ("precision", "FP8", "unknown precision 'FP8'"),
    ("model_set", "nope", "unknown model set 'nope'"),
    ("hint", "FAST", "hint='FAST' is not one of LATENCY, THROUGHPUT, CUMULATIVE_THROUGHPUT"),
    ("inference_precision", "i8", "inference_precision='i8' is not one of None, f32, bf16, f16"),
    ("mouse", "jiggle", "mouse='jiggle' is not one of real, dry, off"),
    ("device", "", "device='' must be a name, such as CPU"),
])
def test_out_of_range_values_are_refused_before_running(field, value, message):
    with pytest.raises(UsageError, match=message):
        variants(Scenario(name="s", **{field: value}))
    with pytest.raises(UsageError, match=message):
        variants(Scenario(name="s", sweep={field: [value]}))


def test_a_sweep_is_checked_whole_before_any_variant():
    with pytest.raises(UsageError, match="scenario s: unknown precision 'FP8'"):
        variants(with_overrides(Scenario(name="s"), ["precision=FP32,FP8"]))
