"""Property-based (Hypothesis): whatever a file the harness reads holds, and whatever a numeric or
path flag is given, the outcome is a value or one UsageError line (exit 2) — never another
exception, a hang or a crash. The table of named cases is tests/integration/test_bad_input.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perfharness.bench.gates import load_gates
from perfharness.bench.storage import load_run
from perfharness.cli.main import build_parser
from perfharness.core.errors import UsageError
from perfharness.core.outputs import check_outputs
from perfharness.gaze.pointer import Calibration
from perfharness.results.run_dir import RunDir
from perfharness.results.vtune_csv import read_vtune_csv

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
JSON_LEAF = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
JSON = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                                          max_size=4), max_leaves=25)
KEYS = ("machine_info", "benchmarks", "commit_info", "name", "fullname", "stats", "data", "extra_info", "cpu_share",
        "group", "node", "cpu", "brand_raw", "software", "openvino", "format", "version", "matrix", "screen_size",
        "rounds_per_process", "iterations")
# documents shaped like the real ones, fields of every type: where the schemas are tested hardest
SHAPED = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner,
                                                                                             max_size=5), max_leaves=30)
CONTENT = (st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode()) | SHAPED.map(lambda v: json.dumps(v).encode())
           | st.sampled_from([b"[" * 5000 + b"]" * 5000, b'{"a": ' + b"9" * 5000 + b"}", b'{"a": NaN}', b"\xff\xfe"]))
READERS = {
    "pytest-benchmark": lambda path: load_run(str(path)),
    "calibration": Calibration.load,
    "gates TOML": lambda path: load_gates(path, None),
    "run manifest": lambda path: RunDir(path.parent).read_manifest(),
    "VTune CSV": read_vtune_csv,
}


def one_line_usage_error_or_value(call) -> None:
    try:
        call()
    except UsageError as error:
        assert "\n" not in str(error) and "\r" not in str(error), repr(str(error))


@pytest.mark.parametrize("reader", READERS)
@SETTINGS
@given(content=CONTENT)
def test_every_reader_gives_a_value_or_one_line(tmp_path: Path, reader: str, content: bytes):
    path = tmp_path / ("manifest.json" if reader == "run manifest" else "input")
    path.write_bytes(content)
    one_line_usage_error_or_value(lambda: READERS[reader](path))


NUMERIC_FLAGS = [("controller", "--max-frames"), ("controller", "--threads"), ("controller", "--resources-hz"),
                 ("controller", "--warmup-frames"), ("compare", "--threshold"), ("compare", "--confidence"),
                 ("bench", "run", "--processes"), ("bench", "run", "--max-time"), ("models", "layers", "--runs"),
                 ("scenario", "run", "x", "--frames"), ("profile", "x", "--frequency")]
NUMBER_TEXT = st.one_of(st.integers().map(str), st.floats().map(str), st.text(max_size=12),
                        st.sampled_from(["1e308", "-0", "nan", "inf", "9" * 400, "0x10", "１２", "²", "1_000"]))


@pytest.mark.parametrize("flag", NUMERIC_FLAGS, ids=" ".join)
@SETTINGS
@given(value=NUMBER_TEXT)
def test_numeric_flags_parse_or_exit_2_in_one_line(capsys, flag: tuple[str, ...], value: str):
    *command, option = flag
    argv = [*command, option, value] + (["a.json", "b.json"] if command == ["compare"] else [])
    argv += ["iris_landmarks"] if command == ["models", "layers"] else []
    try:
        build_parser().parse_args(argv)
    except SystemExit as stop:
        assert stop.code == 2
        assert len(capsys.readouterr().err.splitlines()) == 1


PATH_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=40) | st.sampled_from(
    ["/dev/null", "/dev/zero", "/", "/proc/self/mem", "a\nb.csv", "x\0y", ".", "..", "/nonexistent/dir/f.csv"])


@SETTINGS
@given(outputs=st.lists(PATH_TEXT, min_size=1, max_size=4), source=PATH_TEXT)
def test_output_paths_are_accepted_or_refused_in_one_line(tmp_path: Path, outputs: list[str], source: str):
    named = {f"--out{index}": tmp_path / text if text and not text.startswith("/") else Path(text or ".")
             for index, text in enumerate(outputs)}
    one_line_usage_error_or_value(lambda: check_outputs(named, {"--input": Path(source or ".")}))
