"""The wheel works when installed: built with ``python -m build`` (the wheel made from the sdist,
and the same files as one made from the tree), installed into a fresh venv with this
environment's own versions of the dependencies, run from a folder outside the tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from procs import ROOT

import perfharness

pytestmark = pytest.mark.slow

BUILTIN = {"steady_state", "max_throughput", "precision_sweep", "thread_sweep", "contention", "cold_start", "optimizations",
           "soak", "edge_cases"}


def run(command: list[str], cwd: Path, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if ".dist-info/" not in name}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], cwd=ROOT)  # sdist, then the wheel from it
    (made,) = dist.glob("perfharness-*.whl")
    direct = tmp_path_factory.mktemp("direct")
    run([sys.executable, "-m", "build", "--wheel", "--outdir", str(direct), str(ROOT)], cwd=ROOT)
    (from_tree,) = direct.glob("perfharness-*.whl")
    assert wheel_files(made) == wheel_files(from_tree)  # the sdist holds everything the wheel needs
    return made


def test_the_wheel_holds_what_the_package_needs_at_run_time(wheel):
    files = wheel_files(wheel)
    assert {"perfharness/zoo/manifest.json", "perfharness/instrument/collector/itt_collector.c"} <= files
    assert {f"perfharness/scenario/builtin/{name}.py" for name in BUILTIN} <= files
    assert not [name for name in files if name.startswith(("tests/", "tools/"))]
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(archive.read(n).decode() for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    assert "License-Expression: Apache-2.0" in metadata
    assert f"Version: {perfharness.__version__}" in metadata


def test_installed_outside_the_tree(wheel, tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    frozen = run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], cwd=tmp_path).stdout
    constraints = tmp_path / "constraints.txt"  # this environment's versions: the same OpenVINO, numpy, ...
    constraints.write_text("".join(line + "\n" for line in frozen.splitlines()
                                   if "==" in line and not line.lower().startswith("perfharness")))
    run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", str(wheel),
         "-c", str(constraints)], cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "INTEL_LIBITTNOTIFY64")}
    command = str(venv / "bin" / "perfharness")

    listed = run([command, "scenario", "list"], elsewhere, env).stdout
    assert {line.split()[0] for line in listed.splitlines()} == BUILTIN
    assert str(venv) in listed  # found in the installed package, not in a source tree
    verified = run([command, "models", "verify"], elsewhere, env).stdout
    assert verified.count(": ok") >= 6
    controller = run([command, "controller", "--input", "sample", "--max-frames", "10", "--no-window"],
                     elsewhere, env).stdout
    assert "frames: 10 " in controller
    run([command, "scenario", "run", "steady_state", "--frames", "20", "--out", "runs", "--no-progress"],
        elsewhere, env)
    (run_dir,) = (elsewhere / "runs").iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["complete"] is True and manifest["config"]["frames"] == 20
    assert manifest["git_revision"] is None  # an installed package is no checkout
    (variant,) = json.loads((run_dir / "metrics.json").read_text())["variants"]
    assert variant["frames"] + variant["dropped_frames"] == 20
    assert (run_dir / "report.html").is_file() and (run_dir / "trace.json").is_file()
    # the benchmark suites live in a checkout, not in the wheel: one line, exit 2
    bench = subprocess.run([command, "bench", "run", "--json", "b.json"], cwd=elsewhere, env=env,
                           capture_output=True, text=True, timeout=120)
    assert bench.returncode == 2 and bench.stderr.count("\n") == 1, bench.stderr
    assert "run perfharness bench in a source checkout" in bench.stderr
