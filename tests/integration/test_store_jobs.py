"""Jobs record themselves in the results store when they end; a store that cannot be reached
never costs the run; `compare --store` gates a candidate against the newest stored runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from store_history import document, write_history

from perfharness.cli.main import main
from perfharness.results.store import open_store
from perfharness.results.store.queries import runs

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "postgresql://nobody:pw@127.0.0.1:9/none"


def scenario_run(out: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "perfharness", "scenario", "run", "steady_state", "--frames", "3",
                           "--set", "warmup_frames=1", "--out", str(out), "--no-progress", "--no-trace",
                           "--no-resources", *options], capture_output=True, text=True, cwd=ROOT, timeout=600)


def test_a_scenario_run_records_itself_and_an_unreachable_store_costs_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    stored = scenario_run(tmp_path / "a", "--store", url)
    assert stored.returncode == 0, stored.stderr
    assert "perfharness: stored as run 1 in sqlite:///" in stored.stderr
    (run,) = runs(open_store(url))
    (run_dir,) = (tmp_path / "a").iterdir()
    assert (run.kind, run.name, run.run_dir) == ("scenario", "steady_state", str(run_dir.resolve()))

    missed = scenario_run(tmp_path / "b", "--store", UNREACHABLE)
    assert missed.returncode == 0, missed.stderr
    (missed_dir,) = (tmp_path / "b").iterdir()
    warnings = [line for line in missed.stderr.splitlines() if "store row is missing" in line]
    assert len(warnings) == 1 and warnings[0].endswith(f"perfharness store import {missed_dir}")
    assert (missed_dir / "metrics.json").is_file() and "Traceback" not in missed.stderr
    assert main(["store", "import", str(missed_dir), "--store", url]) == 0
    assert runs(open_store(url))[0].run_dir == str(missed_dir.resolve())

    skipped = scenario_run(tmp_path / "c", "--store", str(tmp_path / "never.sqlite"), "--no-store")
    assert skipped.returncode == 0 and "store" not in skipped.stderr and not (tmp_path / "never.sqlite").exists()


def test_compare_store_gates_against_the_newest_comparable_runs(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    benchmarks = {"model[a]": 0.004, "model[b]": 0.010}
    write_history(tmp_path / "h", ["laptop", "server"], 8, {}, benchmarks, noise=0.0)
    assert main(["store", "import", str(tmp_path / "h"), "--store", url]) == 0
    rng = np.random.default_rng(5)
    slower = tmp_path / "slower.json"
    slower.write_text(json.dumps(document("laptop", 9, {"model[a]": 0.004, "model[b]": 0.0115}, rng)))
    same = tmp_path / "same.json"
    same.write_text(json.dumps(document("laptop", 9, benchmarks, rng)))
    capsys.readouterr()
    assert main(["compare", "--store", url, "--last", "5", "--vs", str(slower)]) == 1
    captured = capsys.readouterr()
    assert "baseline: 5 stored runs" in captured.err and captured.err.count("store run ") == 5
    rows = {line.split()[0]: line for line in captured.out.splitlines() if line.startswith("model[")}
    assert "regression" in rows["model[b]"] and "regression" not in rows["model[a]"]
    assert main(["compare", "--store", url, "--last", "5", "--vs", str(same)]) == 0
    assert main(["compare", "--store", url, "--machine", "desk", "--vs", str(same)]) == 2
    assert "no bench run comparable" in capsys.readouterr().err
