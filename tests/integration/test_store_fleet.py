"""A fleet writes at once: a real PostgreSQL 15 server (initdb and pg_ctl as the postgres user,
in a temporary folder, on 127.0.0.1 and a free port) takes two importers for two machines at
once plus a reader, and SQLite takes two writers at once: nothing lost, nothing doubled."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_history import sha, write_history

from perfharness.results.store import open_store
from perfharness.results.store.queries import run_with_results, runs

ROOT = Path(__file__).resolve().parents[2]
COMMITS = 20
BENCHMARKS = {"model[a]": 0.004, "model[b]": 0.010}
STEP = {("model[a]", "laptop"): (12, 0.15)}


def _as_postgres(*command: str) -> list[str]:
    return list(command) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("runuser is missing: cannot start PostgreSQL as the postgres user")
    pytest.importorskip("psycopg", reason="the PostgreSQL store needs psycopg: pip install -e '.[postgres]'")
    bin_dir = Path(found[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="perfharness-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = folder / "data"
    subprocess.run(_as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                "--no-sync"), check=True, capture_output=True, timeout=120)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
                                "-w", "-t", "60", "start"), check=True, capture_output=True, timeout=120)
    try:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as db:
            db.execute("CREATE DATABASE perfharness")
        yield f"postgresql://postgres@127.0.0.1:{port}/perfharness"
    finally:
        subprocess.run(_as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"),
                       capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


def _perfharness(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "perfharness", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return out


def _two_importers_and_a_reader(url: str, folder: Path) -> list[str]:
    importers = [_perfharness("store", "import", str(folder / machine), "--store", url) for machine in ("laptop", "server")]
    reads = 0
    while any(p.poll() is None for p in importers) or reads == 0:
        reader = _perfharness("store", "list", "--limit", "5", "--store", url)
        _finish(reader)
        reads += 1
    return [_finish(p) for p in importers]


def _check_whole(url: str) -> None:
    store = open_store(url)
    stored = runs(store)
    assert len(stored) == 2 * COMMITS and len({run.digest for run in stored}) == 2 * COMMITS
    assert {run.machine.name for run in stored} == {"laptop", "server"}
    assert len({run.environment.fingerprint for run in stored}) == 1
    assert all(len(run_with_results(store, run.id).results) == len(BENCHMARKS) for run in stored)
    store.close()


def test_postgres_two_importers_and_a_reader(postgres_url: str, tmp_path: Path):
    write_history(tmp_path, ["laptop", "server"], COMMITS, STEP, BENCHMARKS, seed=4)
    outputs = _two_importers_and_a_reader(postgres_url, tmp_path)
    assert all(out.count("imported: run") == COMMITS for out in outputs)
    _check_whole(postgres_url)
    again = [_perfharness("store", "import", str(tmp_path), "--store", postgres_url) for _ in range(2)]
    assert all(_finish(p).count("already stored") == 2 * COMMITS for p in again)
    _check_whole(postgres_url)
    found = json.loads(subprocess.run([sys.executable, "-m", "perfharness", "regressions", "--json", "--store",
                                       postgres_url], capture_output=True, text=True, cwd=ROOT, timeout=300).stdout)
    assert [(r["benchmark"], r["machine"], r["commit"]) for r in found] == [("model[a]", "laptop", sha(12))]


def test_sqlite_two_writers_at_once(tmp_path: Path):
    write_history(tmp_path / "h", ["laptop", "server"], COMMITS, STEP, BENCHMARKS, seed=4)
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"  # created by whichever writer comes first
    outputs = _two_importers_and_a_reader(url, tmp_path / "h")
    assert all(out.count("imported: run") == COMMITS for out in outputs)
    _check_whole(url)


def test_an_unreachable_postgres_is_one_line(tmp_path: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "perfharness", "store", "list", "--store",
                           f"postgresql://u:pw@127.0.0.1:{port}/db"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Connection refused" in done.stderr
    assert time.monotonic() - started < 60
