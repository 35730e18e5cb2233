"""The deterministic measures without valgrind: parsing, callgrind's dump files, the verdicts on
counts, refusing mixed measures, and the command line's refusals before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_bench_compare import MODEL, document

from perfharness.bench.callgrind import read_dump
from perfharness.bench.compare import compare, decide_counted
from perfharness.bench.gates import DETERMINISTIC_THRESHOLD, Gates, load_gates
from perfharness.bench.measure import MEASURES, parse_measure, valgrind_command
from perfharness.bench.report import format_markdown, format_table
from perfharness.bench.storage import parse_run
from perfharness.cli import main as cli
from perfharness.core.errors import UsageError

IRIS = 57_660_000  # instructions of one iris inference (AVX kernels), as measured here

ROOT = Path(__file__).resolve().parents[2]


def counted_run(path, counts: dict[str, list[float]], measure: str = "instructions"):
    """A run whose benchmarks hold counts of ``measure`` (extra_info says so)."""
    doc = document({name: np.asarray(values, dtype=float) for name, values in counts.items()})
    for entry in doc["benchmarks"]:
        entry["extra_info"].update(measure=measure, unit=MEASURES[measure].unit)
    return parse_run(doc, path)


def test_measures_parse_and_unknown_is_refused():
    assert parse_measure(None).name == "time" and not parse_measure("time").deterministic
    assert parse_measure("instructions").deterministic and parse_measure("cycles").cache_sim
    with pytest.raises(UsageError, match="unknown measure 'walltime': choose time, instructions, cycles"):
        parse_measure("walltime")


def test_callgrind_options_switch_collection_off_until_asked(tmp_path):
    command = valgrind_command("/usr/bin/valgrind", MEASURES["cycles"], tmp_path)
    assert {"--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no", "--separate-threads=yes",
            "--cache-sim=yes", f"--callgrind-out-file={tmp_path}/callgrind.%p"} <= set(command)
    assert "--cache-sim=no" in valgrind_command("valgrind", MEASURES["instructions"], tmp_path)


def test_a_dump_gives_instructions_and_the_cycle_estimate(tmp_path):
    dump = tmp_path / "callgrind.7.1-01"
    dump.write_text("# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 7\npart: 1\nthread: 1\n\n"
                    "desc: I1 cache: 32768 B, 64 B, 8-way associative\ndesc: D1 cache: 49152 B, 64 B, 12-way associative\n"
                    "desc: LL cache: 110100480 B, 64 B, 15-way associative\n\npositions: line\n"
                    "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\nsummary: 1000 300 100 5 20 10 1 2 3\n\n"
                    "fn=(1) f\n0 1000 300 100 5 20 10 1 2 3\n\ntotals: 1000 300 100 5 20 10 1 2 3\n")
    events, caches = read_dump(dump)
    assert MEASURES["instructions"].value(events) == 1000
    assert MEASURES["cycles"].value(events) == 1000 + 10 * (5 + 20 + 10) + 100 * (1 + 2 + 3)
    assert caches[0] == "I1 cache: 32768 B, 64 B, 8-way associative" and caches[2].startswith("LL cache: 110100480 B")


def test_counts_that_agree_are_no_change_and_a_small_fixed_change_is_caught(tmp_path):
    base = counted_run(tmp_path / "a.json", {MODEL: [IRIS, IRIS + 4000, IRIS - 3000, IRIS + 1000, IRIS, IRIS + 2000]})
    same = counted_run(tmp_path / "b.json", {MODEL: [IRIS + 2500, IRIS - 1000, IRIS, IRIS + 3000, IRIS - 500, IRIS]})
    slower = counted_run(tmp_path / "c.json", {MODEL: [IRIS * 1.02 + d for d in (0, 3000, -2000)]})
    faster = counted_run(tmp_path / "d.json", {MODEL: [IRIS * 0.97 + d for d in (0, 3000, -2000)]})
    gates = Gates()  # time thresholds of 5 %: counts use the deterministic 1 % instead
    assert [row.verdict for row in compare(base, same, gates).rows] == ["no change"]
    row = compare(base, slower, gates).rows[0]
    assert row.verdict == "regression" and row.threshold == DETERMINISTIC_THRESHOLD
    assert row.ratio == pytest.approx(1.02, abs=2e-4) and row.low < row.ratio < row.high and np.isnan(row.p_value)
    assert compare(base, faster, gates).rows[0].verdict == "improvement"
    # a run of a few rounds is enough: no "too few rounds", no "unstable" from CPU shares or spread
    table = format_table(compare(base, slower, gates))
    assert "baseline p10 M instr" in table and "range" in table and " – " in table
    assert "57.657" in table and "regression" in table
    assert "**regression**" in format_markdown(compare(base, slower, gates))


def test_counts_that_disagree_within_a_side_are_unstable():
    assert decide_counted(1.0, (0.001, 0.0002), 0.01) == ("no change", "")
    verdict, reason = decide_counted(1.03, (0.0001, 0.008), 0.01)
    assert verdict == "unstable" and "candidate's counts differ by 0.80%" in reason


def test_mixed_measures_are_refused(tmp_path):
    counts = counted_run(tmp_path / "counts.json", {MODEL: [IRIS] * 3})
    cycles = counted_run(tmp_path / "cycles.json", {MODEL: [IRIS * 1.3] * 3}, "cycles")
    times = parse_run(document({MODEL: np.full(20, 0.002)}), tmp_path / "times.json")
    with pytest.raises(UsageError, match=r"different measures \(time in .*times.json, instructions in .*counts.json\)"):
        compare(times, counts, Gates())
    with pytest.raises(UsageError, match="different measures"):
        compare([counts], [counts, cycles], Gates())
    with pytest.raises(UsageError, match="drop --normalize"):
        compare(counts, counts, Gates(), normalize=True)


def test_the_deterministic_threshold_is_configured_once(tmp_path):
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.perfharness.gates]\ndefault = "5%"\ndeterministic = "0.5%"\n')
    assert load_gates(config, None).deterministic == 0.005
    assert load_gates(config, 0.02).deterministic == 0.02  # the command line wins
    config.write_text('[tool.perfharness.gates]\ndeterministic = "half"\n')
    with pytest.raises(UsageError, match="deterministic"):
        load_gates(config, None)


def test_compare_files_of_counts_from_the_command_line(tmp_path, capsys):
    for name, scale in (("base", 1.0), ("cand", 1.1)):
        doc = document({MODEL: np.asarray([IRIS * scale] * 3)})
        for entry in doc["benchmarks"]:
            entry["extra_info"].update(measure="instructions", unit="instructions")
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    assert cli.main(["compare", str(tmp_path / "base.json"), str(tmp_path / "cand.json")]) == 1
    assert "regression" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["bench", "run"], ["bench", "ab", "--candidate-env", "X=1"]])
def test_an_unknown_measure_is_one_line_and_exit_2(command, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main([*command, "--measure", "walltime"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown measure 'walltime'" in err


@pytest.mark.parametrize("command", [["bench", "run", "--json", "never.json"], ["bench", "ab", "--candidate-env", "X=1"]])
def test_without_valgrind_a_deterministic_run_is_refused_before_anything_runs(command, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no valgrind, no git
    monkeypatch.chdir(ROOT)  # a checkout with the suites, as tox's non-editable install needs
    assert cli.main([*command, "--measure", "instructions", "--out" if "ab" in command else "--processes",
                     str(tmp_path / "ab") if "ab" in command else "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "valgrind, which is not on PATH" in err
    assert not (tmp_path / "never.json").exists() and not (tmp_path / "ab").exists()

