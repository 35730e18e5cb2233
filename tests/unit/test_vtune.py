"""perfharness.profilers.vtune: the command lines (exact lists), where vtune is found, and VTune's CSV format."""

from __future__ import annotations

import codecs
import sys
from pathlib import Path

import pytest

from perfharness.core import children
from perfharness.core.errors import UsageError
from perfharness.profilers import vtune
from perfharness.results.vtune_csv import read_vtune_csv

RUN = Path("/runs/20260101T000000Z-steady_state")
VT = "/opt/vt/bin64/vtune"


def scenario_tail(*extra: str) -> list[str]:
    return ["--", sys.executable, "-m", "perfharness", "scenario", "run", "steady_state",
            "--run-dir", str(RUN), "--itt-pause-until-warmup", *extra]


@pytest.mark.parametrize(("analysis", "knobs"), [
    ("hotspots", ["-knob", "sampling-mode=sw"]),
    ("threading", []),
    ("memory-consumption", []),
    ("uarch-exploration", []),
    ("memory-access", []),
])
def test_collect_command_for_each_analysis(analysis, knobs):
    assert vtune.collect_command(VT, analysis, RUN, "steady_state") == [
        VT, "-collect", analysis, "-start-paused", "-result-dir", f"{RUN}/vtune", "-return-app-exitcode",
        *knobs, *scenario_tail()]


def test_every_offered_analysis_has_a_knob_entry():
    assert vtune.ANALYSES == ("hotspots", "threading", "memory-consumption", "uarch-exploration", "memory-access")


def test_extra_vtune_args_go_before_the_double_dash_and_scenario_args_after_it():
    command = vtune.collect_command(Path(VT), "threading", RUN, "steady_state", python="/usr/bin/python3",
                                    scenario_args=["--frames", "50", "--set", "fps=15"],
                                    vtune_args=["-knob", "sampling-interval=5", "-data-limit=0"])
    assert command == [VT, "-collect", "threading", "-start-paused", "-result-dir", f"{RUN}/vtune",
                       "-return-app-exitcode", "-knob", "sampling-interval=5", "-data-limit=0", "--",
                       "/usr/bin/python3", "-m", "perfharness", "scenario", "run", "steady_state",
                       "--run-dir", str(RUN), "--itt-pause-until-warmup", "--frames", "50", "--set", "fps=15"]


def test_unknown_analysis_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown VTune analysis 'gpu-hotspots'"):
        vtune.collect_command(VT, "gpu-hotspots", RUN, "steady_state")


def test_report_commands_export_csv_with_comma_delimiters_to_the_fixed_names():
    assert vtune.report_commands(VT, RUN) == [
        [VT, "-report", "summary", "-result-dir", f"{RUN}/vtune", "-format", "csv", "-csv-delimiter", "comma",
         "-report-output", f"{RUN}/vtune-summary.csv"],
        [VT, "-report", "hotspots", "-group-by", "task", "-result-dir", f"{RUN}/vtune", "-format", "csv",
         "-csv-delimiter", "comma", "-report-output", f"{RUN}/vtune-hotspots-by-task.csv"],
    ]
    assert vtune.report_paths(RUN) == (RUN / "vtune-summary.csv", RUN / "vtune-hotspots-by-task.csv")
    assert vtune.stop_command(VT, RUN) == [VT, "-command", "stop", "-result-dir", f"{RUN}/vtune"]


# --- finding vtune -----------------------------------------------------------------------------------

def fake_vtune(path: Path, executable: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755 if executable else 0o644)
    return path


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Every place vtune can be found, empty: PATH, $VTUNE_PROFILER_DIR, HOME and the default folders."""
    folders = {name: tmp_path / name for name in ("path", "profiler_dir", "home", "opt_oneapi", "opt_profiler")}
    for folder in folders.values():
        folder.mkdir()
    monkeypatch.setenv("PATH", str(folders["path"]))
    monkeypatch.setenv("VTUNE_PROFILER_DIR", str(folders["profiler_dir"]))
    monkeypatch.setenv("HOME", str(folders["home"]))
    monkeypatch.setattr(vtune, "DEFAULT_LOCATIONS", (
        str(folders["opt_oneapi"] / "vtune/latest/bin64/vtune"),
        "~/intel/oneapi/vtune/latest/bin64/vtune",
        str(folders["opt_profiler"] / "bin64/vtune"),
    ))
    return folders


def test_the_shipped_default_locations_are_the_usual_oneapi_folders():
    assert vtune.DEFAULT_LOCATIONS == ("/opt/intel/oneapi/vtune/latest/bin64/vtune",
                                       "~/intel/oneapi/vtune/latest/bin64/vtune",
                                       "/opt/intel/vtune_profiler/bin64/vtune")


def test_find_order_explicit_then_path_then_profiler_dir_then_default_folders(places, tmp_path):
    candidates = [
        fake_vtune(places["opt_profiler"] / "bin64/vtune"),
        fake_vtune(places["home"] / "intel/oneapi/vtune/latest/bin64/vtune"),
        fake_vtune(places["opt_oneapi"] / "vtune/latest/bin64/vtune"),
        fake_vtune(places["profiler_dir"] / "bin64/vtune"),
        fake_vtune(places["path"] / "vtune"),
    ]
    explicit = fake_vtune(tmp_path / "mine" / "vtune")
    assert vtune.find_vtune(explicit) == explicit
    for expected in reversed(candidates):  # each one wins while the ones before it in the order are gone
        assert vtune.find_vtune() == expected
        expected.unlink()
    with pytest.raises(UsageError):
        vtune.find_vtune()


def test_explicit_install_folder_is_searched_for_vtune_and_bin64_vtune(places, tmp_path):
    install = tmp_path / "vtune_2025"
    found = fake_vtune(install / "bin64" / "vtune")
    assert vtune.find_vtune(install) == found
    assert vtune.find_vtune(str(install / "bin64")) == found


def test_explicit_path_does_not_fall_back(places, tmp_path):
    fake_vtune(places["path"] / "vtune")
    with pytest.raises(UsageError, match=r"--vtune .*missing: no such file or directory"):
        vtune.find_vtune(tmp_path / "missing")
    with pytest.raises(UsageError, match="not an executable file"):
        vtune.find_vtune(fake_vtune(tmp_path / "plain" / "vtune", executable=False))
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no vtune executable in it or in its bin64/"):
        vtune.find_vtune(tmp_path / "empty")


def test_non_executable_candidates_are_skipped(places):
    fake_vtune(places["path"] / "vtune", executable=False)
    fake_vtune(places["profiler_dir"] / "bin64/vtune", executable=False)
    found = fake_vtune(places["home"] / "intel/oneapi/vtune/latest/bin64/vtune")
    assert vtune.find_vtune() == found


def test_not_found_is_one_line_on_how_to_install_or_point_to_it(places, monkeypatch):
    monkeypatch.delenv("VTUNE_PROFILER_DIR")
    with pytest.raises(UsageError) as caught:
        vtune.find_vtune()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("Intel VTune Profiler not found")
    for fragment in ("PATH", "$VTUNE_PROFILER_DIR/bin64", "intel-oneapi-vtune", "setvars.sh", "--vtune PATH"):
        assert fragment in message


# --- reading VTune's CSV --------------------------------------------------------------------------------

def write(tmp_path: Path, data: str | bytes, name: str = "report.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


HOTSPOTS = ("Task Type,CPU Time,CPU Time:Effective Time\n"
            "frame,9.800000,9.700000\n"
            "face_detection.infer,2.400000,2.400000\n"
            "[Outside any task],1.410000,1.400000\n")


def test_reads_comma_separated_rows_keyed_by_the_header(tmp_path):
    rows = read_vtune_csv(write(tmp_path, HOTSPOTS))
    assert rows == [
        {"Task Type": "frame", "CPU Time": "9.800000", "CPU Time:Effective Time": "9.700000"},
        {"Task Type": "face_detection.infer", "CPU Time": "2.400000", "CPU Time:Effective Time": "2.400000"},
        {"Task Type": "[Outside any task]", "CPU Time": "1.410000", "CPU Time:Effective Time": "1.400000"},
    ]


def test_tab_is_vtunes_default_delimiter_and_is_read_too(tmp_path):
    assert read_vtune_csv(write(tmp_path, HOTSPOTS.replace(",", "\t"))) == \
        read_vtune_csv(write(tmp_path, HOTSPOTS, "comma.csv"))


def test_semicolon_delimiter(tmp_path):
    rows = read_vtune_csv(write(tmp_path, "Metric Name;Metric Value\nElapsed Time;1.5\n"))
    assert rows == [{"Metric Name": "Elapsed Time", "Metric Value": "1.5"}]


def test_tool_messages_and_blank_lines_are_skipped(tmp_path):
    captured = ("vtune: Using result path `/runs/x/vtune'\n"
                "vtune: Executing actions 75 % Generating a report\n\n"
                + HOTSPOTS + "\nvtune: Executing actions 100 % done\n")
    assert read_vtune_csv(write(tmp_path, captured)) == read_vtune_csv(write(tmp_path, HOTSPOTS, "b.csv"))


def test_quoted_fields_keep_their_delimiters(tmp_path):
    rows = read_vtune_csv(write(tmp_path, 'Metric Name,Metric Value\n"DRAM, GB/sec",118.0\n'))
    assert rows == [{"Metric Name": "DRAM, GB/sec", "Metric Value": "118.0"}]


def test_summary_nested_tables_keep_their_extra_columns_by_number(tmp_path):
    summary = ("Hierarchy Level,Metric Name,Metric Value\n"
               "0,Elapsed Time,12.345678\n"
               "0,Top Tasks,\n"
               "1,Task Type,Task Time,Task Count,Average Task Time\n"
               "1,frame,9.800000,300,0.032667\n"
               "0,Short\n")
    rows = read_vtune_csv(write(tmp_path, summary))
    assert rows[0] == {"Hierarchy Level": "0", "Metric Name": "Elapsed Time", "Metric Value": "12.345678"}
    assert rows[1] == {"Hierarchy Level": "0", "Metric Name": "Top Tasks", "Metric Value": ""}
    assert rows[3] == {"Hierarchy Level": "1", "Metric Name": "frame", "Metric Value": "9.800000",
                       "#4": "300", "#5": "0.032667"}
    assert rows[4] == {"Hierarchy Level": "0", "Metric Name": "Short", "Metric Value": ""}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks(tmp_path, encoding):
    data = HOTSPOTS.encode(encoding)
    assert data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    assert read_vtune_csv(write(tmp_path, data))[0]["Task Type"] == "frame"


def test_empty_report_has_no_rows_and_a_missing_one_is_a_usage_error(tmp_path):
    assert read_vtune_csv(write(tmp_path, "")) == []
    assert read_vtune_csv(write(tmp_path, "Task Type,CPU Time\n", "header.csv")) == []
    with pytest.raises(UsageError, match="no such VTune report"):
        read_vtune_csv(tmp_path / "vtune-summary.csv")


def test_last_line_skips_blanks_and_treats_carriage_returns_as_line_ends():
    assert children.last_line("first\nvtune: Error: boom\n\n") == "vtune: Error: boom"
    assert children.last_line("progress 10%\rprogress 100%\r") == "progress 100%"
    assert children.last_line("  \n") == ""
