"""history and regressions over a stored history: the planted step found at its commit, and
nothing on flat series; change points on synthetic series."""

from __future__ import annotations

import json

import numpy as np
import pytest
from store_history import sha, write_history

from perfharness.cli.main import main
from perfharness.stats.changepoints import change_points

BENCHMARKS = {"model[a]": 0.004, "model[b]": 0.010}


@pytest.fixture
def stored(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    write_history(tmp_path / "h", ["laptop", "server"], 30, {("model[b]", "server"): (18, 0.15)}, BENCHMARKS, seed=3)
    assert main(["store", "import", str(tmp_path / "h"), "--store", url]) == 0
    return url


def test_regressions_json_names_the_first_commit_after_the_step(stored, capsys):
    capsys.readouterr()
    assert main(["regressions", "--json", "--store", stored]) == 1
    found = json.loads(capsys.readouterr().out)
    assert [(r["benchmark"], r["machine"], r["commit"]) for r in found] == [("model[b]", "server", sha(18))]
    assert found[0]["ratio"] == pytest.approx(1.15, abs=0.04)
    assert found[0]["evidence"]["p_value"] < 1e-3 and found[0]["evidence"]["points_before"] == 18


def test_since_gates_only_newer_regressions(stored, capsys):
    assert main(["regressions", "--since", sha(18)[:8], "--store", stored]) == 0
    assert main(["regressions", "--since", sha(17)[:8], "--store", stored]) == 1
    assert main(["regressions", "--machine", "laptop", "--store", stored]) == 0
    assert "no regression in 2 series" in capsys.readouterr().out
    assert main(["regressions", "--since", "ffff", "--store", stored]) == 2


def test_history_table_and_plot(stored, tmp_path, capsys):
    capsys.readouterr()
    assert main(["history", "model[b]", "--plot", str(tmp_path / "b.png"), "--store", stored]) == 0
    out = capsys.readouterr().out
    assert out.count(" on ") == 2 and f"{sha(18)[:12]}" in out and "<- change x1.1" in out
    assert (tmp_path / "b.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["history", "--store", stored]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 5
    assert main(["history", "nothing[x]", "--store", stored]) == 2


def test_change_points_find_steps_and_leave_flat_series_alone():
    rng = np.random.default_rng(11)
    flat_false = sum(len(change_points(1 + 0.03 * rng.standard_normal(40))) for _ in range(50))
    assert flat_false <= 3
    values = (1 + 0.03 * rng.standard_normal(40)) * np.where(np.arange(40) >= 25, 1.15, 1)
    (point,) = change_points(values)
    assert point.index == 25 and point.ratio == pytest.approx(1.15, abs=0.05) and point.p_value < 1e-4
    assert change_points(np.ones(4)) == []
