"""The results store on SQLite: import (pytest-benchmark files and run directories), idempotence,
list/show/export, samples kept bit for bit, and every bad store or input as one line, exit 2."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from report_run import make_run
from store_history import MACHINES, sha, write_history

from perfharness.cli.main import main
from perfharness.results.store import open_store
from perfharness.results.store.queries import run_document, run_with_results, runs
from perfharness.results.store.samples import pack, unpack


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite'}"


def _history(tmp_path: Path) -> list[Path]:
    return write_history(tmp_path / "h", ["laptop", "server"], 3, {}, {"model[a]": 0.004, "model[b]": 0.010})


def test_import_is_idempotent_and_keeps_each_files_commit_and_machine(tmp_path, store_url, capsys):
    files = _history(tmp_path)
    assert main(["store", "import", str(tmp_path / "h"), "--store", store_url]) == 0
    assert capsys.readouterr().out.count("imported: run") == 6
    assert main(["store", "import", str(files[1]), "--store", store_url]) == 0
    assert capsys.readouterr().out.startswith("already stored: run 2 ")
    store = open_store(store_url)
    stored = runs(store)
    assert len(stored) == 6
    by_source = {Path(run.source): run for run in stored}
    run = by_source[files[4]]  # server, commit 1
    assert (run.machine.name, run.commit.sha, run.commit.branch) == ("server", sha(1), "main")
    assert run.machine.facts["cpu"] == MACHINES["server"]["cpu_model"] and run.machine.facts["memory_gib"] == 256
    assert len({r.machine.fingerprint for r in stored}) == 2 and len({r.environment.fingerprint for r in stored}) == 1


def test_machine_override_names_the_machine(tmp_path, store_url):
    files = _history(tmp_path)
    assert main(["store", "import", str(files[0]), "--machine", "ci-7", "--store", store_url]) == 0
    assert [run.machine.name for run in runs(open_store(store_url))] == ["ci-7"]


def test_samples_come_back_bit_for_bit(tmp_path, store_url):
    files = _history(tmp_path)
    main(["store", "import", str(files[0]), "--store", store_url])
    document = json.loads(files[0].read_text())
    exported = run_document(run_with_results(open_store(store_url), 1))
    assert exported["results"][0]["samples"] == document["benchmarks"][0]["stats"]["data"]
    values = np.random.default_rng(1).random(1000)
    assert np.array_equal(unpack(pack(values)), values)


def test_run_directory_import_list_show_export(tmp_path, store_url, capsys):
    run_dir = make_run(tmp_path / "run")
    assert main(["store", "import", str(run_dir), "--machine", "box", "--store", store_url]) == 0
    assert main(["store", "import", str(run_dir), "--machine", "box", "--store", store_url]) == 0
    out = capsys.readouterr().out
    assert "imported: run 1 (scenario thread_sweep, box," in out and "already stored: run 1 " in out
    assert main(["store", "list", "--store", store_url]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2 and listing[1].split()[:2] == ["1", "scenario"] and "abc1234" in listing[1]
    assert main(["store", "show", "1", "--store", store_url]) == 0
    shown = capsys.readouterr().out
    assert "frame[precision=FP32 threads=1]" in shown and f"from {run_dir.resolve()}" in shown
    out_file = tmp_path / "export.json"
    assert main(["store", "export", "--out", str(out_file), "--store", store_url]) == 0
    exported = json.loads(out_file.read_text())["runs"]
    frame = next(r for r in exported[0]["results"] if r["name"] == "frame[precision=FP32 threads=1]")
    assert exported[0]["run_dir"] == str(run_dir.resolve()) and frame["median"] == pytest.approx(0.0123456)


def test_store_env_variable_names_the_store(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFHARNESS_STORE", str(tmp_path / "env.sqlite"))
    main(["store", "import", str(_history(tmp_path)[0])])
    assert sqlite3.connect(tmp_path / "env.sqlite").execute("select count(*) from run").fetchone() == (1,)


def _fails(capsys, *argv: str) -> str:
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_bad_stores_and_inputs_are_one_line_exit_2(tmp_path, store_url, capsys):
    good = str(_history(tmp_path)[0])
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"not a database " * 400)
    assert "not a SQLite database" in _fails(capsys, "store", "import", good, "--store", str(corrupt))
    assert "unknown URL scheme 'mysql'" in _fails(capsys, "store", "list", "--store", "mysql://u@h/db")
    assert "Connection refused" in _fails(capsys, "store", "list", "--store", "postgresql://u:secret@127.0.0.1:9/db")
    assert "secret" not in capsys.readouterr().err
    newer = tmp_path / "newer.sqlite"
    open_store(str(newer)).close()
    with sqlite3.connect(newer) as connection:
        connection.execute("update alembic_version set version_num = '9999'")
    assert "newer than this perfharness knows" in _fails(capsys, "store", "list", "--store", str(newer))
    not_result = tmp_path / "notes.json"
    not_result.write_text('{"hello": 1}')
    assert "not a result" in _fails(capsys, "store", "import", str(not_result), "--store", store_url)
    assert "no such file" in _fails(capsys, "store", "import", str(tmp_path / "missing.json"), "--store", store_url)
    assert "no run 7" in _fails(capsys, "store", "show", "7", "--store", store_url)
