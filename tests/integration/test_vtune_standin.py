"""`perfharness vtune` end to end against the stand-in `vtune` (tests/standins/vtune), a real executable
found on PATH that records its argv, runs the target after `--` and writes CSV in VTune's format.

The subcommand is reached through a `perfharness` parser extended by ``register`` (as perfharness/cli.py
will do); the run directory is made here, named by a fixed time stamp.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import shlex
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from perfharness.cli import vtune as vtune_cli
from perfharness.cli.main import build_parser
from perfharness.core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_USAGE, UsageError
from perfharness.profilers import vtune
from perfharness.results import stamps
from perfharness.results.run_dir import VTUNE_BY_TASK, VTUNE_SUMMARY
from perfharness.results.vtune_csv import read_vtune_csv

STANDINS = Path(__file__).resolve().parents[1] / "standins"
STANDIN = STANDINS / "vtune"
RUN_NAME = "20260101T000000Z-steady_state"
REAL_COMPACT = stamps.compact


def vtune_parser():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0]
    if "vtune" not in commands.choices:  # until the lead wires it into perfharness/cli.py
        vtune_cli.register(commands)
    return parser


def vtune_main(*argv: str) -> int:
    """`perfharness vtune ARGV` in this process, errors handled as perfharness.cli.main does."""
    args = vtune_parser().parse_args(["vtune", *argv])
    try:
        return args.handler(args)
    except UsageError as error:
        print(f"perfharness: error: {error}", file=sys.stderr)
        return EXIT_USAGE


def records(log: Path) -> list[list[str]]:
    """The argv of every stand-in call, in order."""
    if not log.exists():
        return []
    return [json.loads(line)["argv"] for line in log.read_text().splitlines()]


@pytest.fixture
def standin(tmp_path, monkeypatch):
    """The stand-in first on PATH (no other vtune reachable), its log, and run directories under tmp_path."""
    log = tmp_path / "vtune-calls.jsonl"
    monkeypatch.setenv("PATH", f"{STANDINS}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("VTUNE_PROFILER_DIR", raising=False)
    monkeypatch.setattr(vtune, "DEFAULT_LOCATIONS", ())
    monkeypatch.setenv("VTUNE_STANDIN_LOG", str(log))
    monkeypatch.setenv("VTUNE_STANDIN_SKIP_TARGET", "1")  # the lead's `scenario run` may not exist yet
    for name in ("VTUNE_STANDIN_FAIL", "VTUNE_STANDIN_TARGET"):
        monkeypatch.delenv(name, raising=False)

    monkeypatch.setattr(stamps, "compact", lambda moment=None: RUN_NAME.split("-")[0])  # run directories named RUN_NAME
    return log


def test_the_standin_is_an_executable_script():
    assert os.access(STANDIN, os.X_OK)
    assert STANDIN.read_text().startswith("#!/usr/bin/env python3\n")


@pytest.mark.parametrize("analysis", vtune.ANALYSES)
def test_run_calls_vtune_with_exactly_the_built_lists_no_shell(standin, tmp_path, capsys, analysis):
    out = tmp_path / "reports"
    assert vtune_main("steady_state", "--analysis", analysis, "--out", str(out)) == 0
    run_dir = out / RUN_NAME
    assert records(standin) == [
        vtune.collect_command(STANDIN, analysis, run_dir, "steady_state"),
        *vtune.report_commands(STANDIN, run_dir),
    ]
    stdout = capsys.readouterr().out
    assert f"run directory: {run_dir}\n" in stdout
    assert (run_dir / "vtune" / "vtune.vtune").is_file()


def test_reports_are_exported_and_read_back(standin, tmp_path):
    out = tmp_path / "reports"
    assert vtune_main("steady_state", "--out", str(out)) == 0
    run_dir = out / RUN_NAME
    by_task = read_vtune_csv(run_dir / VTUNE_BY_TASK)
    assert [row["Task Type"] for row in by_task] == [
        "frame", "face_detection.infer", "face_landmarks.infer", "[Outside any task]"]
    assert by_task[0]["CPU Time"] == "9.800000"
    summary = read_vtune_csv(run_dir / VTUNE_SUMMARY)
    metrics = {row["Metric Name"]: row["Metric Value"] for row in summary}
    assert metrics["Elapsed Time"] == "12.345678"
    assert metrics["Analysis Type"] == "hotspots"
    assert metrics["Computer Name"] == "standin, not VTune"  # a quoted comma survived
    assert {"Hierarchy Level": "1", "Metric Name": "frame", "Metric Value": "9.800000", "#4": "300",
            "#5": "0.032667"} in summary  # the nested "Top Tasks" table


def test_extra_vtune_args_and_scenario_options_are_passed_on(standin, tmp_path):
    out = tmp_path / "reports"
    assert vtune_main("steady_state", "--analysis", "threading", "--frames", "40", "--set", "pacing_fps=15",
                      "--out", str(out), "--", "-knob", "sampling-interval=5", "-data-limit=0") == 0
    collect = records(standin)[0]
    assert collect == vtune.collect_command(STANDIN, "threading", out / RUN_NAME, "steady_state",
                                            scenario_args=["--frames", "40", "--set", "pacing_fps=15"],
                                            vtune_args=["-knob", "sampling-interval=5", "-data-limit=0"])


def test_dry_run_prints_the_exact_command_lines_and_runs_nothing(standin, tmp_path, capsys, monkeypatch):
    out = tmp_path / "reports"
    explicit = tmp_path / "install"
    (explicit / "bin64").mkdir(parents=True)
    (explicit / "bin64" / "vtune").symlink_to(STANDIN)
    assert vtune_main("steady_state", "--dry-run", "--vtune", str(explicit), "--out", str(out),
                      "--analysis", "memory-access", "--", "-knob", "analyze-mem-objects=true") == 0
    run_dir = out / RUN_NAME
    executable = explicit / "bin64" / "vtune"
    expected = [vtune.collect_command(executable, "memory-access", run_dir, "steady_state",
                                      vtune_args=["-knob", "analyze-mem-objects=true"]),
                *vtune.report_commands(executable, run_dir)]
    captured = capsys.readouterr()
    assert captured.out == "".join(shlex.join(command) + "\n" for command in expected)
    assert [shlex.split(line) for line in captured.out.splitlines()] == expected
    assert records(standin) == [] and not out.exists()


def test_dry_run_names_the_run_directory_by_utc_time(standin, tmp_path, capsys):
    assert vtune_main("steady_state", "--dry-run", "--out", str(tmp_path / "r")) == 0
    run_dir = Path(shlex.split(capsys.readouterr().out.splitlines()[0])[5]).parent
    assert run_dir.parent == tmp_path / "r"
    stamp, _, name = run_dir.name.partition("-")
    assert name == "steady_state" and time.strptime(stamp, "%Y%m%dT%H%M%SZ")


def test_vtune_not_found_exits_2_with_one_line(standin, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))
    assert vtune_main("steady_state", "--out", str(tmp_path / "reports")) == EXIT_USAGE
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("perfharness: error: Intel VTune Profiler not found")
    assert "--vtune PATH" in lines[0]
    assert not (tmp_path / "reports").exists()


def test_dry_run_without_vtune_prints_the_lines_with_a_placeholder(standin, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))
    out = tmp_path / "reports"
    assert vtune_main("steady_state", "--dry-run", "--out", str(out)) == 0
    run_dir = out / RUN_NAME
    captured = capsys.readouterr()
    assert [shlex.split(line) for line in captured.out.splitlines()] == [
        vtune.collect_command("vtune", "hotspots", run_dir, "steady_state"), *vtune.report_commands("vtune", run_dir)]
    (line,) = captured.err.splitlines()
    assert line.startswith("perfharness: warning: Intel VTune Profiler not found") and "`vtune` in its place" in line
    assert not out.exists()


@pytest.mark.parametrize("argv, message", [
    (["nosuch"], "no scenario 'nosuch'; known: "),
    (["nosuch", "--dry-run"], "no scenario 'nosuch'; known: "),
    (["steady_state", "--set", "precision=FP8"], "scenario steady_state: unknown precision 'FP8'"),
])
def test_a_scenario_that_cannot_run_is_refused_before_anything(standin, tmp_path, capsys, argv, message):
    out = tmp_path / "reports"
    assert vtune_main(*argv, "--out", str(out)) == EXIT_USAGE
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("perfharness: error: ") and message in line
    assert records(standin) == [] and not out.exists()


def test_bad_explicit_vtune_exits_2(standin, tmp_path, capsys):
    assert vtune_main("steady_state", "--vtune", str(tmp_path / "nowhere"), "--dry-run") == EXIT_USAGE
    assert capsys.readouterr().err == f"perfharness: error: --vtune {tmp_path / 'nowhere'}: no such file or directory\n"


def error_line(capsys) -> str:
    """The one line after the echoed command and whatever vtune passed through on stderr."""
    return capsys.readouterr().err.splitlines()[-1]


def test_collection_failure_exits_1_with_vtunes_last_stderr_line(standin, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VTUNE_STANDIN_FAIL", "collect")
    assert vtune_main("steady_state", "--out", str(tmp_path / "reports")) == EXIT_FAILED == 1
    line = error_line(capsys)
    assert line.startswith("perfharness: error: vtune collection failed (exit 1): "
                           "vtune: Error: standin: simulated collection failure")
    assert len(records(standin)) == 1  # no export after a failed collection


def test_failing_scenario_fails_the_collection_with_its_own_message(standin, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("VTUNE_STANDIN_SKIP_TARGET")
    scenario = "import sys; sys.stderr.write('perfharness: error: unknown scenario nope\\n'); sys.exit(2)"
    monkeypatch.setenv("VTUNE_STANDIN_TARGET", json.dumps([sys.executable, "-c", scenario]))
    assert vtune_main("steady_state", "--out", str(tmp_path / "reports")) == 1
    # -return-app-exitcode: VTune returns the scenario's status; VTune wrote more on stderr after the
    # scenario's error, but the last line that reads as an error is the one quoted
    stderr = capsys.readouterr().err
    assert stderr.splitlines()[-2].startswith("vtune: Collection done")
    assert stderr.splitlines()[-1] == ("perfharness: error: vtune collection failed (exit 2): "
                                       f"perfharness: error: unknown scenario nope (run directory "
                                       f"{tmp_path / 'reports' / RUN_NAME})")


def test_report_command_failure_exits_2(standin, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VTUNE_STANDIN_FAIL", "report")
    assert vtune_main("steady_state", "--out", str(tmp_path / "reports")) == EXIT_USAGE
    assert error_line(capsys) == ("perfharness: error: vtune -report summary failed (exit 1): "
                                  "vtune: Error: standin: simulated failure of the summary report")


def test_report_missing_after_export_exits_2(standin, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("VTUNE_STANDIN_FAIL", "noreport")
    out = tmp_path / "reports"
    assert vtune_main("steady_state", "--out", str(out)) == EXIT_USAGE
    summary = out / RUN_NAME / VTUNE_SUMMARY
    assert error_line(capsys) == f"perfharness: error: vtune -report summary exited 0 but wrote no report at {summary}"


def test_the_standin_really_runs_the_target_and_returns_its_status(tmp_path):
    marker = tmp_path / "ran"
    log = tmp_path / "log.jsonl"
    env = {**os.environ, "VTUNE_STANDIN_LOG": str(log)}
    for name in ("VTUNE_STANDIN_SKIP_TARGET", "VTUNE_STANDIN_TARGET", "VTUNE_STANDIN_FAIL"):
        env.pop(name, None)
    target = [sys.executable, "-c", f"open({str(marker)!r}, 'w').write('ran'); raise SystemExit(3)"]
    command = [str(STANDIN), "-collect", "hotspots", "-result-dir", str(tmp_path / "r"), "-return-app-exitcode",
               "--", *target]
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 3 and marker.read_text() == "ran"
    assert records(log) == [command]
    without_flag = [arg for arg in command if arg != "-return-app-exitcode"]
    without_flag[command.index("-result-dir") + 1] = str(tmp_path / "r2")
    assert subprocess.run(without_flag, check=False, env=env, capture_output=True, timeout=60).returncode == 0


INTERRUPTED_DRIVER = textwrap.dedent("""
    import signal, sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from integration import test_vtune_standin as t
    from perfharness.profilers import vtune
    from perfharness.results import stamps

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # as perfharness.cli.main does
    vtune.DEFAULT_LOCATIONS = ()
    stamps.compact = lambda moment=None: "20260101T000000Z"
    sys.exit(t.vtune_main("steady_state", "--out", {out!r}))
""")


def test_sigterm_stops_vtune_which_finalizes_and_the_reports_are_still_exported(tmp_path):
    out, log, started = tmp_path / "reports", tmp_path / "log.jsonl", tmp_path / "target-started"
    env = {**os.environ, "PATH": f"{STANDINS}{os.pathsep}{os.environ.get('PATH', '')}",
           "VTUNE_STANDIN_LOG": str(log),
           "VTUNE_STANDIN_TARGET": json.dumps([sys.executable, "-c",
                                               f"import time; open({str(started)!r}, 'w'); time.sleep(60)"])}
    for name in ("VTUNE_STANDIN_SKIP_TARGET", "VTUNE_STANDIN_FAIL", "VTUNE_PROFILER_DIR"):
        env.pop(name, None)
    driver = INTERRUPTED_DRIVER.format(tests=str(STANDINS.parent), out=str(out))
    process = subprocess.Popen([sys.executable, "-c", driver], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not started.exists():
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == EXIT_INTERRUPTED == 130, stderr
    run_dir = out / RUN_NAME
    assert f"perfharness: interrupted; VTune result and reports kept in {run_dir}" in stderr
    calls = records(log)
    assert calls[1] == vtune.stop_command(STANDIN, run_dir)
    assert calls[2:] == vtune.report_commands(STANDIN, run_dir)
    result = json.loads((run_dir / "vtune" / "vtune.vtune").read_text())
    assert result["state"] == "finalized" and result["stopped"] is True
    assert read_vtune_csv(run_dir / VTUNE_BY_TASK)


def _has_scenario_runner() -> bool:
    """`perfharness scenario run` exists and takes the options the launcher passes."""
    try:
        if importlib.util.find_spec("perfharness.scenario.runner") is None:
            return False
    except ModuleNotFoundError:
        return False
    with contextlib.redirect_stderr(io.StringIO()):
        try:
            build_parser().parse_args(["scenario", "run", "steady_state", "--run-dir", "run",
                                       "--itt-pause-until-warmup", "--frames", "10"])
        except SystemExit:
            return False
    return True


@pytest.mark.skipif(not _has_scenario_runner(), reason="needs the lead's `perfharness scenario run` (issue 4)")
def test_the_standin_runs_the_real_scenario(standin, tmp_path, monkeypatch):
    """Once `scenario run` exists: the real run directory, and the real command after `--` run to the end."""
    monkeypatch.delenv("VTUNE_STANDIN_SKIP_TARGET")
    monkeypatch.setattr(stamps, "compact", REAL_COMPACT)
    out = tmp_path / "reports"
    assert vtune_main("steady_state", "--frames", "10", "--out", str(out)) == 0
    (run_dir,) = out.iterdir()
    assert run_dir.name.endswith("-steady_state")
    assert json.loads((run_dir / "vtune" / "vtune.vtune").read_text())["target_status"] == 0
    assert (run_dir / "manifest.json").is_file()  # written by the scenario run under the stand-in
    assert read_vtune_csv(run_dir / VTUNE_SUMMARY)
