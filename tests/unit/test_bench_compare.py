"""The gate on synthetic pytest-benchmark runs with known answers: verdicts, config, files, CLI."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from pytest_benchmark.stats import Stats

from perfharness.bench.compare import MAX_SPREAD, MIN_ROUNDS, compare, decide
from perfharness.bench.gates import DEFAULT_REFERENCE, Gates, load_gates, parse_percent
from perfharness.bench.report import format_markdown, format_table
from perfharness.bench.storage import Run, load_run, parse_run
from perfharness.cli import main as cli
from perfharness.cli.bench import register
from perfharness.core.errors import UsageError
from perfharness.core.inputs import read_bytes

MACHINE = {  # the fields of a real pytest-benchmark 5.3 machine_info that the gate reads, and a few more
    "node": "vm", "processor": "", "machine": "x86_64", "python_implementation": "CPython", "python_version": "3.11.7",
    "release": "6.18.44", "system": "Linux",
    "cpu": {"arch": "X86_64", "bits": 64, "count": 2, "arch_string_raw": "x86_64", "vendor_id_raw": "AuthenticAMD",
            "brand_raw": "AMD EPYC", "flags": ["avx2", "avx512f"]},
    "software": {"openvino": "2026.4.0"},
}
OPTIONS = {"disable_gc": False, "timer": "perf_counter", "min_rounds": 30, "max_time": 2.0, "min_time": 5e-06,
           "warmup": True}


def rounds(seed: int, scale: float = 1.0, n: int = 200, sigma: float = 0.08) -> np.ndarray:
    """Skewed round times around ``scale`` x 2 ms."""
    return 0.002 * scale * np.random.default_rng(seed).lognormal(0.0, sigma, n)


def document(benchmarks: dict[str, np.ndarray], machine: dict | None = None, save_data: bool = True,
             openvino: str = "2026.4.0") -> dict:
    """A pytest-benchmark document as the plugin writes it (stats computed by pytest-benchmark itself)."""
    entries = []
    for name, data in benchmarks.items():
        stats = Stats()
        for value in data:
            stats.update(float(value))
        fields = stats.as_dict() | ({"data": [float(v) for v in data]} if save_data else {}) | {"iterations": 1}
        group = "reference" if name == DEFAULT_REFERENCE else name.partition("-")[0] + "]"
        entries.append({"group": group, "name": name, "fullname": f"tests/benchmarks/test_latency.py::test_x[{name}]",
                        "params": None, "param": None, "extra_info": {"openvino": openvino}, "options": OPTIONS,
                        "stats": fields})
    return {"machine_info": machine or MACHINE,
            "commit_info": {"id": "6d9bd4ce52bd4e28f18167792213fc61233d5e7c", "time": "2026-11-25T03:38:12+00:00",
                            "author_time": "2026-11-25T03:38:12+00:00", "dirty": False, "project": "main",
                            "branch": "main"},
            "benchmarks": entries, "datetime": "2026-11-25T03:40:00.000000+00:00", "version": "5.3.1"}


def run_of(benchmarks: dict[str, np.ndarray], name: str = "run.json", **kwargs) -> Run:
    return parse_run(document(benchmarks, **kwargs), Path(name))


def write(path: Path, benchmarks: dict[str, np.ndarray], **kwargs) -> Path:
    path.write_text(json.dumps(document(benchmarks, **kwargs), indent=4))
    return path


MODEL = "model[mediapipe/iris_landmarks-FP32]"


def verdict(baseline: np.ndarray, candidate: np.ndarray, gates: Gates | None = None) -> tuple[str, str]:
    row = compare(run_of({MODEL: baseline}), run_of({MODEL: candidate}), gates or Gates()).rows[0]
    return row.verdict, row.reason


# -- verdicts on known answers ---------------------------------------------------------------------------------------


def test_same_distribution_never_a_regression():
    verdicts = [verdict(rounds(2 * seed), rounds(2 * seed + 1))[0] for seed in range(30)]
    assert verdicts == ["no change"] * 30


def test_fifteen_percent_slower_is_a_regression_and_faster_an_improvement():
    assert verdict(rounds(1), rounds(2, 1.15))[0] == "regression"
    assert verdict(rounds(1), rounds(2, 1 / 1.15))[0] == "improvement"


def test_ten_percent_slower_is_caught_every_time():
    assert [verdict(rounds(2 * seed), rounds(2 * seed + 1, 1.10))[0] for seed in range(30)] == ["regression"] * 30


def test_heavy_outliers_fool_the_mean_not_the_gate():
    candidate = rounds(2)
    candidate[::20] *= 10  # 5 % of rounds 10x slower
    assert candidate.mean() / rounds(1).mean() > 1.4
    assert verdict(rounds(1), candidate)[0] == "no change"
    slower = rounds(3, 1.15)
    slower[::20] *= 10
    baseline = rounds(4)
    baseline[1::20] *= 10
    assert verdict(baseline, slower)[0] == "regression"


def test_tiny_samples_are_unstable():
    assert verdict(rounds(1, n=5), rounds(2, 1.5, n=MIN_ROUNDS))[1].startswith("too few rounds (5 baseline")


def test_huge_spread_is_unstable():
    result = verdict(rounds(1, sigma=1.0), rounds(2, 1.15, sigma=1.0))
    assert result[0] == "unstable" and result[1].startswith("spread too high")


def test_wide_interval_is_unstable():
    result = verdict(rounds(1, n=12, sigma=0.3), rounds(2, 1.1, n=12, sigma=0.3))
    assert result[0] == "unstable" and "wider than the ±5% threshold" in result[1]


def test_slow_bursts_are_ignored_and_a_slower_fast_mode_is_not():
    def bursty(seed: int, scale: float = 1.0) -> np.ndarray:
        data = rounds(seed, scale, sigma=0.01)
        data[np.random.default_rng(seed + 100).random(len(data)) < 0.5] *= 1.3  # other processes, half the time
        return data

    assert verdict(bursty(1), bursty(2))[0] == "no change"
    assert verdict(bursty(1), bursty(2, 1.15))[0] == "regression"


def test_a_run_that_did_not_have_the_cpu_is_unstable():
    assert decide(1.3, 1.25, 1.35, 1e-9, 0.05, 0.95, (100, 100), (0.1, 0.1), (0.99, 0.62)) == (
        "unstable", "the candidate had the CPU 62% of its time (other processes competed; limit 90%)")
    assert decide(1.3, 1.25, 1.35, 1e-9, 0.05, 0.95, (100, 100), (0.1, 0.1), (0.97, None))[0] == "regression"


@pytest.mark.parametrize("ratio,low,high,p,expected", [
    (1.20, 1.10, 1.31, 1e-6, ("regression", "")),  # even the low end is above the threshold
    (1.50, 1.20, 1.90, 1e-6, ("regression", "")),  # wide, but certainly above the threshold
    (1.08, 1.04, 1.12, 1e-4, ("regression", "")),  # point estimate above, interval within ±5 %
    (1.08, 0.95, 1.25, 0.20, ("unstable", "interval ±14.7% is wider than the ±5% threshold")),
    (1.04, 1.01, 1.07, 0.20, ("no change", "")),  # not significant by the test
    (1.03, 1.02, 1.04, 1e-6, ("no change", "significant but within the threshold")),
    (0.90, 0.88, 0.92, 1e-6, ("improvement", "")),
    (0.94, 0.93, 0.95, 1e-6, ("improvement", "")),  # the high end is below 1 / 1.05 = 0.952
    (0.96, 0.95, 0.97, 1e-6, ("no change", "significant but within the threshold")),
])
def test_decide(ratio, low, high, p, expected):
    assert decide(ratio, low, high, p, 0.05, 0.95, (200, 200), (0.1, 0.1)) == expected


def test_decide_checks_rounds_and_spread_first():
    assert decide(2.0, 1.9, 2.1, 0.0, 0.05, 0.95, (200, MIN_ROUNDS - 1), (0.1, 0.1))[0] == "unstable"
    assert decide(2.0, 1.9, 2.1, 0.0, 0.05, 0.95, (200, 200), (0.1, MAX_SPREAD + 0.01))[0] == "unstable"


# -- thresholds, reference, normalisation, warnings ------------------------------------------------------------------


def test_thresholds_per_benchmark_beat_groups_beat_the_default():
    gates = Gates(0.05, groups={"model[mediapipe/iris_landmarks]": 0.20}, benchmarks={MODEL: 0.10})
    assert gates.threshold(MODEL, "x::y", "model[mediapipe/iris_landmarks]") == 0.10
    assert gates.threshold("other", "x::y", "model[mediapipe/iris_landmarks]") == 0.20
    assert gates.threshold("other", "tests/x.py::other", None) == 0.05
    assert Gates(benchmarks={"tests/x.py::other": 0.3}).threshold("other", "tests/x.py::other", "g") == 0.3
    assert verdict(rounds(1), rounds(2, 1.15), Gates(groups={"model[mediapipe/iris_landmarks]": 0.20})) == (
        "no change", "significant but within the threshold")


def test_a_change_larger_than_the_machines_own_stands():
    baseline = run_of({MODEL: rounds(1), DEFAULT_REFERENCE: rounds(2, 0.5)})
    faster_machine = run_of({MODEL: rounds(3, 1.5), DEFAULT_REFERENCE: rounds(4, 0.5 * 0.93)})
    result = compare(baseline, faster_machine, Gates())
    assert result.drift.ratio == pytest.approx(0.93, rel=0.03)
    assert result.rows[0].verdict == "regression"  # x1.5 on a machine 7 % faster: not the machine
    slower_machine = run_of({MODEL: rounds(5, 1.09), DEFAULT_REFERENCE: rounds(6, 0.5 * 1.07)})
    result = compare(baseline, slower_machine, Gates())
    assert result.rows[0].verdict == "unstable" and result.rows[0].reason.startswith("the machine itself changed")


def test_normalisation_removes_a_uniform_machine_drift():
    baseline = run_of({MODEL: rounds(1), DEFAULT_REFERENCE: rounds(2, 0.5)})
    drifted = run_of({MODEL: rounds(3, 1.2), DEFAULT_REFERENCE: rounds(4, 0.5 * 1.2)})
    raw = compare(baseline, drifted, Gates())
    assert [row.name for row in raw.rows] == [MODEL]  # the reference is never gated
    assert raw.drift.ratio == pytest.approx(1.2, rel=0.03)
    assert raw.rows[0].verdict == "unstable" and raw.rows[0].reason.startswith("the machine itself changed")
    assert any("changed by +" in warning and "--normalize" in warning for warning in raw.warnings)
    normalized = compare(baseline, drifted, Gates(), normalize=True)
    assert normalized.rows[0].verdict == "no change" and normalized.rows[0].ratio == pytest.approx(1.0, abs=0.03)
    assert not normalized.warnings
    slower = run_of({MODEL: rounds(3, 1.2 * 1.15), DEFAULT_REFERENCE: rounds(4, 0.5 * 1.2)})
    assert compare(baseline, slower, Gates(), normalize=True).rows[0].verdict == "regression"


def test_reference_by_another_name_or_fullname():
    baseline = run_of({MODEL: rounds(1), "reference[numpy-matmul]": rounds(2, 0.5)})
    candidate = run_of({MODEL: rounds(3, 1.2), "reference[numpy-matmul]": rounds(4, 0.6)})
    assert compare(baseline, candidate, Gates(), normalize=True,
                   reference="reference[numpy-matmul]").rows[0].verdict == "no change"
    fullname = "tests/benchmarks/test_latency.py::test_x[reference[numpy-matmul]]"
    assert compare(baseline, candidate, Gates(), normalize=True, reference=fullname).rows[0].verdict == "no change"


def test_warnings_for_another_machine_openvino_and_unpaired_benchmarks():
    other = MACHINE | {"node": "ci-runner", "cpu": MACHINE["cpu"] | {"brand_raw": "Intel Xeon"},
                       "software": {"openvino": "2024.6.0"}}
    baseline = run_of({MODEL: rounds(1), "gone": rounds(2)})
    candidate = run_of({MODEL: rounds(3), "new": rounds(4)}, machine=other, openvino="2024.6.0")
    warnings = compare(baseline, candidate, Gates()).warnings
    assert warnings[0].startswith("the runs come from different machines (node 'vm' vs 'ci-runner'; "
                                  "cpu 'AMD EPYC' vs 'Intel Xeon')")
    assert "different OpenVINO versions: baseline 2026.4.0, candidate 2024.6.0" in warnings
    assert "1 benchmark(s) only in the baseline, not compared: gone" in warnings
    assert "1 benchmark(s) only in the candidate, not compared: new" in warnings
    assert compare(baseline, run_of({MODEL: rounds(3)}), Gates()).warnings == [
        "1 benchmark(s) only in the baseline, not compared: gone"]


def test_unusable_pairs():
    with pytest.raises(UsageError, match="no common benchmarks"):
        compare(run_of({"a": rounds(1)}), run_of({"b": rounds(2)}), Gates())
    with pytest.raises(UsageError, match="no common benchmarks"):
        compare(run_of({DEFAULT_REFERENCE: rounds(1)}), run_of({DEFAULT_REFERENCE: rounds(2)}), Gates())
    with pytest.raises(UsageError, match=r"^new.json: no raw rounds \(stats.data\) for a and 1 more; "
                                         "rerun pytest with --benchmark-save-data$"):
        compare(run_of({"a": rounds(1), "b": rounds(1)}),
                run_of({"a": rounds(2), "b": rounds(2)}, "new.json", save_data=False), Gates())
    with pytest.raises(UsageError, match=r"--normalize needs the reference benchmark 'reference\[openvino-conv\]', "
                                         "missing from run.json"):
        compare(run_of({"a": rounds(1)}), run_of({"a": rounds(2)}), Gates(), normalize=True)


def test_reports():
    baseline = run_of({MODEL: rounds(1), "stage[x]": rounds(2, n=5), DEFAULT_REFERENCE: rounds(3, 0.5)}, "base.json")
    candidate = run_of({MODEL: rounds(4, 1.15), "stage[x]": rounds(5, n=5), DEFAULT_REFERENCE: rounds(6, 0.5)})
    comparison = compare(baseline, candidate, Gates(), normalize=True)
    table = format_table(comparison).splitlines()
    assert table[0] == "baseline:  base.json (commit 6d9bd4ce52bd)"
    assert table[2] == ("note: one run per side: between-run noise cannot be estimated, the verdict rests on noise "
                        "within the runs")
    assert re.match(r"ratios normalised by reference\[openvino-conv\]: candidate/baseline (0\.9|1\.0)\d\d ", table[3])
    assert table[4].split() == ["benchmark", "baseline", "p10", "ms", "candidate", "p10", "ms", "ratio", "95%", "CI", "p", "gate",
                                "verdict"]
    assert table[5].startswith(MODEL) and table[5].endswith("5%  regression")
    assert "unstable: too few rounds" in table[6]
    assert table[-1] == "1 regression, 0 improvements, 0 no change, 1 unstable"
    assert table[4].index("verdict") == table[5].index("regression") == table[6].index("unstable")
    markdown = format_markdown(comparison)
    assert markdown.startswith("### Benchmark gate: failed (1 regression)\n")
    assert f"| `{MODEL}` |" in markdown and "| **regression** |" in markdown


# -- configuration ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,value", [("5%", 0.05), (" 2.5% ", 0.025), ("150%", 1.5)])
def test_parse_percent(text, value):
    assert parse_percent(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["5", "0.05", "0%", "-5%", "abc%", "inf%", "nan%", 5])
def test_parse_percent_refuses(text):
    with pytest.raises(ValueError, match="positive percentage such as '5%'"):
        parse_percent(text)


def test_load_gates(tmp_path, monkeypatch):
    config = tmp_path / "pyproject.toml"
    config.write_text('[project]\nname = "x"\n[tool.perfharness.gates]\ndefault = "7%"\n'
                      '[tool.perfharness.gates.groups]\n"model[mediapipe/iris_landmarks]" = "8%"\n'
                      '[tool.perfharness.gates.benchmarks]\n"pipeline[mediapipe-FP32]" = "10%"\n')
    gates = load_gates(config, None)
    assert gates == Gates(0.07, {"model[mediapipe/iris_landmarks]": 0.08}, {"pipeline[mediapipe-FP32]": 0.10})
    assert load_gates(config, 0.03).default == 0.03  # the command line beats the configured default
    monkeypatch.chdir(tmp_path)
    assert load_gates(None, None) == gates
    monkeypatch.chdir(tmp_path / "..")
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")
    assert load_gates(None, None) == Gates(0.05) and load_gates(None, 0.1) == Gates(0.1, deterministic=0.1)


@pytest.mark.parametrize("text,message", [
    ("[tool.perfharness.gates]\ndefualt = '5%'\n", "unknown key tool.perfharness.gates.defualt"),
    ("[tool.perfharness.gates]\ndefault = 5\n", "tool.perfharness.gates.default: a threshold is a positive"),
    ("[tool.perfharness.gates.groups]\n'g' = '5'\n", 'tool.perfharness.gates.groups."g": a threshold'),
    ("[tool.perfharness.gates]\ngroups = 3\n", r"\[tool.perfharness.gates.groups\] must be a table"),
    ("[tool.perfharness.gates\n", "not valid TOML"),
])
def test_load_gates_refuses(tmp_path, text, message):
    config = tmp_path / "pyproject.toml"
    config.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_gates(config, None)
    with pytest.raises(UsageError, match="missing.toml: no such file"):
        load_gates(tmp_path / "missing.toml", None)


# -- files -----------------------------------------------------------------------------------------------------------


def test_load_run_names_and_duplicates(tmp_path):
    data = document({"a": rounds(1), "b": rounds(2)})
    data["benchmarks"][1]["name"] = "a"  # two files with a test of the same name: paired by fullname
    (tmp_path / "run.json").write_text(json.dumps(data))
    run = load_run(str(tmp_path / "run.json"))
    assert list(run.benchmarks) == [data["benchmarks"][0]["fullname"], data["benchmarks"][1]["fullname"]]
    assert run.find("a") is None and run.find(data["benchmarks"][1]["fullname"]) is run.benchmarks[
        data["benchmarks"][1]["fullname"]]
    assert len(run.benchmarks[data["benchmarks"][0]["fullname"]].rounds) == 200


def test_load_saved_run_by_name_or_number(tmp_path, monkeypatch):
    machine = tmp_path / ".benchmarks" / "Linux-CPython-3.11-64bit"
    machine.mkdir(parents=True)
    for stem in ("0001_baseline", "0002_other", "0003_baseline"):
        write(machine / f"{stem}.json", {"a": rounds(1)})
    monkeypatch.chdir(tmp_path)
    assert load_run("baseline").path.name == "0003_baseline.json"
    assert load_run("0001").path.name == "0001_baseline.json"
    with pytest.raises(UsageError, match="no saved run of that name or number in .benchmarks/"):
        load_run("nothing")
    (tmp_path / ".benchmarks" / "Linux-CPython-3.12-64bit").mkdir()
    write(tmp_path / ".benchmarks" / "Linux-CPython-3.12-64bit" / "0001_baseline.json", {"a": rounds(1)})
    with pytest.raises(UsageError, match="several machines"):
        load_run("baseline")


@pytest.mark.parametrize("content,message", [
    (None, "no such file"),
    ("not json", "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    ("[1, 2]", "not a pytest-benchmark file"),
    ('{"machine_info": {}, "benchmarks": [{"name": "a"}]}', "missing required field `fullname` - at `\\$.benchmarks\\[0\\]`"),
    ('{"machine_info": {}, "benchmarks": [{"name": "a", "fullname": "a", "stats": {"data": [1, -2]}}]}',
     "Expected `float` > 0.0 - at `\\$.benchmarks\\[0\\].stats.data\\[1\\]`"),
    ('{"machine_info": {}, "benchmarks": [{"name": "a", "fullname": "a", "stats": {"data": ["x"]}}]}',
     "Expected `float`, got `str`"),
    ('{"machine_info": {}, "benchmarks": [{"name": "a", "fullname": "a", "stats": {"data": [true]}}]}',
     "Expected `float`, got `bool`"),
    ('{"machine_info": {"node": ["x"]}, "benchmarks": []}', "Expected `str | null`, got `array` - at `\\$.machine_info.node`"),
    ('{"machine_info": {}, "benchmarks": [{"name": "a", "fullname": "a", "stats": {}, "extra_info": "x"}]}',
     "Expected `object`, got `str`"),
    ('{"machine_info": {}, "benchmarks": [{"name": "a", "fullname": "a", "stats": {}, "extra_info": {"cpu_share": "high"}}]}',
     "Expected `float | null`, got `str`"),
    ('{"machine_info": {}, "benchmarks": [{"name": "a", "fullname": "a", "stats": {}}, {"name": "a", "fullname": "a", "stats": {}}]}',
     "benchmark 'a' appears more than once"),
    ('{"machine_info": {}, "benchmarks": [], "x": ' + "9" * 5000 + "}", "out of range"),
])
def test_load_run_refuses(tmp_path, content, message):
    path = tmp_path / "run.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(UsageError, match=message):
        load_run(str(path))
    with pytest.raises(UsageError, match="a directory"):
        load_run(str(tmp_path))


# -- the command -----------------------------------------------------------------------------------------------------


def subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:
    return next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))


@pytest.fixture
def perfharness(monkeypatch, capsys):
    """``perfharness.cli.main`` with ``compare`` registered (until perfharness/cli.py does it itself)."""
    build = cli.build_parser

    def build_with_compare() -> argparse.ArgumentParser:
        parser = build()
        if "compare" not in subcommands(parser).choices:
            register(subcommands(parser))
        return parser

    monkeypatch.setattr(cli, "build_parser", build_with_compare)

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            status = cli.main(["compare", *map(str, argv)])
        except SystemExit as exit:
            status = exit.code
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture
def files(tmp_path):
    same = {MODEL: rounds(1), DEFAULT_REFERENCE: rounds(2, 0.5)}
    return {
        "baseline": write(tmp_path / "baseline.json", same),
        "same": write(tmp_path / "same.json", {MODEL: rounds(3), DEFAULT_REFERENCE: rounds(4, 0.5)}),
        "slower": write(tmp_path / "slower.json", {MODEL: rounds(3, 1.15), DEFAULT_REFERENCE: rounds(4, 0.5)}),
        "drifted": write(tmp_path / "drifted.json", {MODEL: rounds(3, 1.2), DEFAULT_REFERENCE: rounds(4, 0.6)}),
        "no_data": write(tmp_path / "no_data.json", same, save_data=False),
    }


def test_cli_exit_status(perfharness, files, tmp_path):
    status, out, err = perfharness(files["baseline"], files["same"], "--config", tmp_path / "none.toml")
    assert (status, out) == (2, "")
    assert err == f"perfharness: error: {tmp_path / 'none.toml'}: no such file\n"
    status, out, err = perfharness(files["baseline"], files["same"])
    assert (status, err) == (0, "")
    assert out.splitlines()[-1] == "0 regressions, 0 improvements, 1 no change, 0 unstable"
    status, out, err = perfharness(files["baseline"], files["slower"], "--markdown", tmp_path / "out" / "gate.md")
    assert status == 1 and "regression" in out
    assert (tmp_path / "out" / "gate.md").read_text().startswith("### Benchmark gate: failed (1 regression)")
    assert perfharness(files["baseline"], files["slower"], "--threshold", "20%")[0] == 0
    status, out, err = perfharness(files["baseline"], files["drifted"])
    assert status == 0 and "changed by +20" in err and "the machine itself changed" in out
    assert perfharness(files["baseline"], files["drifted"], "--normalize")[:3:2] == (0, "")


@pytest.mark.parametrize("argv,message", [
    (["missing.json", "same"], "missing.json: no such file"),
    (["baseline", "no_data"], ("no_data.json: no raw rounds (stats.data) for model[mediapipe/iris_landmarks-FP32] "
                               "and 1 more; rerun pytest with --benchmark-save-data")),
    (["baseline", "same", "--normalize", "--reference", "nope"], "--normalize needs the reference benchmark 'nope'"),
])
def test_cli_unusable_input(perfharness, files, tmp_path, argv, message):
    status, out, err = perfharness(*[files.get(arg, arg) for arg in argv])
    assert status == 2 and out == "" and err.startswith("perfharness: error: ") and message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("option", [["--threshold", "5"], ["--confidence", "1.5"]])
def test_cli_bad_options(perfharness, files, option):
    status, _, err = perfharness(files["baseline"], files["same"], *option)
    assert status == 2 and err.count("\n") == 1 and "(see perfharness compare --help)" in err


def test_pytest_benchmark_still_reads_the_files(perfharness, files):
    before = {path: path.read_bytes() for path in files.values()}
    perfharness(files["baseline"], files["slower"])
    assert {path: path.read_bytes() for path in files.values()} == before
    script = Path(sys.executable).with_name("pytest-benchmark")
    result = subprocess.run([str(script), "compare", str(files["baseline"]), str(files["slower"])],
                            capture_output=True, text=True, check=True)
    assert MODEL in result.stdout and "Median" in result.stdout


BENCHMARK_FILE = '''
import pytest

def test_work(benchmark):
    benchmark.group, benchmark.name = "reference", "reference[openvino-conv]"
    benchmark(sorted, list(range(300, 0, -1)))

def test_other(benchmark):
    benchmark(sum, range(500))
'''


def test_real_pytest_benchmark_files(perfharness, tmp_path, monkeypatch):
    """Saved runs and --benchmark-json output as pytest-benchmark 5 writes them, A/A: never exit 2."""
    (tmp_path / "test_tiny.py").write_text(BENCHMARK_FILE)
    pytest_command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", "/dev/null",
                      "--rootdir", str(tmp_path), "test_tiny.py", "--benchmark-min-rounds=20",
                      "--benchmark-max-time=0.02", f"--benchmark-storage={tmp_path / '.benchmarks'}"]
    for extra in (["--benchmark-save=base", "--benchmark-save-data"], ["--benchmark-json=candidate.json"],
                  ["--benchmark-save=nodata"]):
        subprocess.run(pytest_command + extra, cwd=tmp_path, check=True, capture_output=True)
    monkeypatch.chdir(tmp_path)
    status, out, err = perfharness("base", "candidate.json", "--normalize")
    assert status in (0, 1) and out.splitlines()[5].startswith("test_other ")
    status, out, err = perfharness("nodata", "candidate.json")
    assert status == 2 and "--benchmark-save-data" in err


@pytest.mark.skipif("compare" not in subcommands(cli.build_parser()).choices,
                    reason="perfharness/cli.py does not register compare yet")
def test_python_m_perfharness_compare(files):
    result = subprocess.run([sys.executable, "-m", "perfharness", "compare", str(files["baseline"]),
                             str(files["slower"])], capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "regression" in result.stdout


def test_only_regular_files_of_bounded_size_are_read(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    with pytest.raises(UsageError, match="fifo: not a regular file"):
        load_run(str(fifo))
    with pytest.raises(UsageError, match="/dev/zero: not a regular file"):
        load_run("/dev/zero")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2048)
    with pytest.raises(UsageError, match="larger than 1 KiB"):
        read_bytes(big, limit=1024)
    assert read_bytes(big, limit=4096) == b" " * 2048


def test_a_binary_config_is_one_usage_error(tmp_path):
    config = tmp_path / "random.json"
    config.write_bytes(b"\xff\xfe\x00" + bytes(range(256)))
    with pytest.raises(UsageError, match="random.json: not valid TOML"):
        load_gates(config, None)


def test_cli_negative_threshold_says_what_a_threshold_is(perfharness, files):
    status, _, err = perfharness(files["baseline"], files["same"], "--threshold", "-5%")
    assert status == 2 and err.count("\n") == 1 and "a threshold is a positive percentage" in err and "-5%" in err
