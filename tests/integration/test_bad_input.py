"""Every bad input, one row each, through the real `perfharness` in a subprocess.

Each row: the argv (``{tmp}`` is the test's folder), what to set up, the exit status and a
substring of the one line expected on stderr. Every row asserts that status, no traceback, exactly
one line on stderr that contains the substring (no stderr at all for a row without one), and that
nothing matching ``absent`` was left in the folder (no run directory, no partial file).
Rows run with the folder as working directory, or the repository's (``in_repo``) where the row
should see the project's own files as a user in a checkout would. DISPLAY is removed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import omz_synthetic
import pytest

from perfharness.zoo import layout
from perfharness.zoo.cache import cache_root
from perfharness.zoo.manifest import load_manifest

ROOT = Path(__file__).resolve().parents[2]
STANDINS = ROOT / "tests" / "standins"
TIMEOUT_S = 120

# (tmp folder, monkeypatch, request) -> environment variables for the run
Setup = Callable[[Path, pytest.MonkeyPatch, pytest.FixtureRequest], dict[str, str]]


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    message: str | None  # a substring of the one stderr line; None: stderr must be empty
    status: int = 2
    setup: Setup | None = None
    in_repo: bool = False  # run from the repository (scenario names), writing only under {tmp}
    absent: tuple[str, ...] = ()  # globs under {tmp} that must match nothing afterwards
    without: str | None = None  # a substring the line must not have


def nothing(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    return {}


def files(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    """The usual suspects: a FIFO, a folder, random bytes, a folder named like a file, an image file."""
    os.mkfifo(tmp / "fifo")
    (tmp / "dir").mkdir()
    (tmp / "x.mp4").mkdir()
    (tmp / "random.xml").write_bytes(np.random.default_rng(0).bytes(3000))
    (tmp / "random.json").write_bytes(b"\xff\xfe\x00 not text" + bytes(range(256)))
    (tmp / "a-file.png").write_bytes(b"not a folder")
    (tmp / "a.json").write_text('{"machine_info": {}, "benchmarks": []}')
    (tmp / "exit3.py").write_text("import sys\nsys.exit(3)\n")
    return {}


def _copy_cache(tmp: Path, folders: tuple[str, ...]) -> Path:
    cache = tmp / "cache"
    real = cache_root()
    for folder in folders:  # not media/rendered/ or temporary files other runs are writing
        shutil.copytree(real / folder, cache / folder, ignore=shutil.ignore_patterns("rendered", ".*"))
    return cache


def _ir_folders() -> tuple[str, ...]:
    return ("source", "media", str(layout.ir_path(load_manifest().sets["mediapipe"].models["face_detection"], "FP32")
                                   .parents[2].relative_to(cache_root())))


def _read_only(cache: Path, request: pytest.FixtureRequest) -> None:
    """Make ``cache`` unwritable for this process's children, root included (chattr +i)."""
    folders = [cache, *(p for p in cache.rglob("*") if p.is_dir())]
    if os.geteuid() != 0:
        for folder in folders:
            folder.chmod(0o555)
        request.addfinalizer(lambda: [folder.chmod(0o755) for folder in folders])
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", *map(str, folders)],
                                                        capture_output=True).returncode != 0:
        pytest.skip("as root a read-only cache needs `chattr +i` on a filesystem that supports it")
    request.addfinalizer(lambda: subprocess.run(["chattr", "-i", *map(str, folders)], check=True))


def read_only_sources(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    """A read-only cache with the sources and media but no IR: fetch must write, and cannot."""
    cache = _copy_cache(tmp, ("source", "media"))
    _read_only(cache, request)
    return {"PERFHARNESS_CACHE": str(cache)}


def read_only_complete(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    """A read-only cache holding everything: fetch has nothing to write, and succeeds."""
    cache = _copy_cache(tmp, _ir_folders())
    _read_only(cache, request)
    return {"PERFHARNESS_CACHE": str(cache)}


def truncated_record(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    cache = _copy_cache(tmp, _ir_folders())
    monkeypatch.setenv("PERFHARNESS_CACHE", str(cache))
    record = layout.record_path(layout.ir_path(load_manifest().sets["mediapipe"].models["face_detection"], "FP32"))
    record.write_bytes(record.read_bytes()[:5])
    return {"PERFHARNESS_CACHE": str(cache)}


def empty_cache(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    return {"PERFHARNESS_CACHE": str(tmp / "empty-cache")}


def wrong_signature(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    """The omz set with a face detector whose input is 300x300 instead of 384x672."""
    monkeypatch.setenv("PERFHARNESS_CACHE", str(tmp / "cache"))
    models = omz_synthetic.build_omz_models(tmp / "build")
    models["face_detection"] = omz_synthetic.build_wrong_models(tmp / "build")["wrong_shape"]
    omz_synthetic.install_in_cache(models)
    return {"PERFHARNESS_CACHE": str(tmp / "cache")}


def videos(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    (tmp / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + np.random.default_rng(1).bytes(4000))
    cv2.imwrite(str(tmp / "wall.png"), np.full((240, 320, 3), 128, np.uint8))
    return {}


def standin_vtune(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    """tests/standins/vtune first on PATH: VTune is "installed"."""
    return {"PATH": f"{STANDINS}{os.pathsep}{os.environ.get('PATH', '')}", "VTUNE_STANDIN_LOG": str(tmp / "vtune.log"),
            "VTUNE_STANDIN_SKIP_TARGET": "1"}


def no_vtune(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    return {"PATH": os.path.dirname(sys.executable)}


def no_perf(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    """A PATH with python but no perf."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    return {"PATH": str(bin_dir)}


def broken_perf(tmp: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> dict[str, str]:
    """A perf that fails as Ubuntu's wrapper does without the tools of the running kernel."""
    script = tmp / "perf"
    script.write_text("#!/bin/sh\necho 'WARNING: perf not found for kernel 6.18' >&2\nexit 2\n")
    script.chmod(0o755)
    return {}


NO_RUN = ("runs",)  # --out {tmp}/runs must not exist afterwards
BAD_NAME = os.fsdecode(b"bad\xff\xfename.mp4")  # not UTF-8: passed to the child as these bytes

CASES = [
    # no subcommand, bad numbers (argparse)
    Case("no-command", (), "the following arguments are required: command"),
    Case("max-frames-zero", ("controller", "--max-frames", "0", "--no-window"), "--max-frames"),
    Case("eye-batch-three", ("controller", "--eye-batch", "3", "--no-window"), "--eye-batch: invalid choice: 3"),
    Case("in-flight-zero", ("controller", "--in-flight", "0", "--no-window"), "--in-flight: invalid choice: 0"),
    Case("threads-zero", ("controller", "--threads", "0", "--no-window"), "--threads"),
    Case("max-frames-huge", ("controller", "--max-frames", "99999999999999999999999", "--no-window"),
         "<= 2147483647"),
    Case("resources-hz-inf", ("controller", "--resources-hz", "inf", "--no-window"), "--resources-hz"),
    Case("resources-hz-tiny", ("controller", "--resources-hz", "1e-300", "--no-window"), "--resources-hz"),
    Case("layers-runs-zero", ("models", "layers", "iris_landmarks", "--runs", "0"), "expected a number >= 1"),
    # controller inputs
    Case("input-missing", ("controller", "--input", "{tmp}/nope.mp4", "--no-window"), "no such file"),
    Case("input-not-utf8", ("controller", "--input", f"{{tmp}}/{BAD_NAME}", "--no-window"), "no such file"),
    Case("input-fifo", ("controller", "--input", "{tmp}/fifo", "--no-window"), "fifo", setup=files),
    Case("input-empty", ("controller", "--input", "", "--no-window"), "--input"),
    Case("input-corrupt-video", ("controller", "--input", "{tmp}/broken.mp4", "--no-window"), "cannot read video",
         setup=videos),
    Case("input-no-face", ("controller", "--input", "{tmp}/wall.png", "--no-window"), "no face found in", setup=videos),
    Case("camera-does-not-open", ("controller", "--input", "cam:7", "--no-window"), "camera 7 does not open"),
    Case("unknown-model-set", ("controller", "--model-set", "nope", "--no-window"), "unknown model set 'nope'"),
    Case("unknown-precision", ("controller", "--precision", "FP8", "--no-window"), "unknown precision 'FP8'"),
    Case("unknown-show-layer", ("controller", "--show", "face,aura", "--no-window"), "unknown --show layer(s) aura"),
    Case("real-mouse-without-display", ("controller", "--mouse", "real", "--max-frames", "1", "--no-window"),
         "xvfb-run"),
    Case("model-not-fetched", ("controller", "--max-frames", "1", "--no-window"), "perfharness models fetch",
         setup=empty_cache),
    Case("model-wrong-signature", ("controller", "--model-set", "omz", "--max-frames", "1", "--no-window"),
         "face-detection-adas-0001.xml: input 'data' of omz/face_detection has shape [1,3,300,300]",
         setup=wrong_signature),
    Case("device-gpu", ("controller", "--device", "GPU", "--max-frames", "1", "--no-window"),
         "for device 'GPU': ", without="Exception from"),  # OpenVINO's reason, not its source location
    # controller outputs
    Case("resources-dir", ("controller", "--resources", "{tmp}/dir", "--max-frames", "1", "--no-window"),
         "--resources", setup=files),
    Case("save-dir", ("controller", "--save", "{tmp}/x.mp4", "--max-frames", "1", "--no-window"), "--save",
         setup=files, absent=(".*partial*",)),
    Case("trace-dir", ("controller", "--trace", "{tmp}/dir", "--max-frames", "1", "--no-window"), "--trace",
         setup=files),
    # calibrate
    Case("calibrate-without-display", ("calibrate", "--out", "{tmp}/c.json"), "needs an X display",
         absent=("c.json",)),
    # models: the zoo
    Case("fetch-unknown-set", ("models", "fetch", "nope"), "unknown model set 'nope'"),
    Case("fetch-cache-not-a-folder", ("models", "fetch"), "model cache /dev/null/x: Not a directory",
         setup=lambda tmp, mp, rq: {"PERFHARNESS_CACHE": "/dev/null/x"}),
    Case("fetch-read-only-cache", ("models", "fetch"), "make it a writable folder", setup=read_only_sources),
    Case("fetch-read-only-complete-cache", ("models", "fetch"), None, status=0, setup=read_only_complete),
    Case("verify-truncated-record", ("models", "verify"), "1 model file(s) failed verification",
         setup=truncated_record),
    Case("path-unknown-model", ("models", "path", "mediapipe", "nope"), "has no model 'nope'"),
    # models: the lab
    Case("complexity-random-bytes", ("models", "complexity", "{tmp}/random.xml"), "is not an OpenVINO IR",
         setup=files),
    Case("complexity-missing-file", ("models", "complexity", "{tmp}/none.xml"), "no such IR file"),
    Case("complexity-directory", ("models", "complexity", "{tmp}/dir"), "is a directory", setup=files),
    Case("complexity-unknown-model", ("models", "complexity", "eyes"), "has no model 'eyes'"),
    Case("complexity-unknown-precision", ("models", "complexity", "--precision", "FP8"), "unknown precision 'FP8'"),
    Case("layers-plot-directory", ("models", "layers", "face_detection", "--plot", "{tmp}/dir"),
         "--plot", setup=files),
    Case("layers-device-gpu", ("models", "layers", "face_detection", "--device", "GPU", "--runs", "1"),
         "for device 'GPU': ", without="Exception from"),
    Case("quantize-unknown-set", ("models", "quantize", "nope"), "unknown model set 'nope'"),
    # compare
    Case("compare-fifo", ("compare", "{tmp}/fifo", "{tmp}/a.json"), "not a regular file", setup=files),
    Case("compare-dev-zero", ("compare", "/dev/zero", "{tmp}/a.json"), "not a regular file", setup=files),
    Case("compare-missing", ("compare", "{tmp}/missing.json", "{tmp}/a.json"), "missing.json: no such file",
         setup=files),
    Case("compare-config-random", ("compare", "{tmp}/a.json", "{tmp}/a.json", "--config", "{tmp}/random.json"),
         "random.json: not", setup=files),
    Case("compare-negative-threshold", ("compare", "{tmp}/a.json", "{tmp}/a.json", "--threshold", "-5%"),
         "(> 0 and finite)", setup=files),
    Case("compare-three-runs-without-vs", ("compare", "{tmp}/a.json", "{tmp}/a.json", "{tmp}/a.json"),
         "give BASELINE CANDIDATE, or BASELINE... --vs CANDIDATE...", setup=files),
    Case("compare-vs-nothing", ("compare", "{tmp}/a.json", "--vs"), "expected at least one argument", setup=files),
    Case("compare-empty-side", ("compare", "{tmp}/a.json", "--vs", "{tmp}/a.json"), "no common benchmarks",
         setup=files),
    Case("compare-last-unknown-name", ("compare", "nosuchbaseline", "--last", "3", "--vs", "{tmp}/a.json"),
         "nosuchbaseline: no saved run of that name", setup=files),
    Case("compare-last-zero", ("compare", "baseline", "--last", "0", "--vs", "{tmp}/a.json"), "--last",
         setup=files),
    # bench
    Case("bench-ab-same-variants", ("bench", "ab"), "the two variants are the same", in_repo=True),
    Case("bench-ab-bad-assignment", ("bench", "ab", "--candidate-env", "1BAD"), "expected NAME=value",
         in_repo=True),
    Case("bench-ab-unknown-revision", ("bench", "ab", "--baseline-rev", "no-such-rev", "--out", "{tmp}/ab"),
         "no revision 'no-such-rev'", in_repo=True, absent=("ab",)),
    Case("bench-ab-out-is-a-file", ("bench", "ab", "--candidate-env", "X=1", "--out", "{tmp}/a-file.png"),
         "is not a directory", in_repo=True, setup=files),
    Case("bench-run-selects-nothing", ("bench", "run", "--processes", "1", "-k", "no_benchmark_is_called_this",
                                       "--json", "{tmp}/run.json"),
         "no benchmark matches -k 'no_benchmark_is_called_this'", in_repo=True, absent=("run.json",)),
    Case("bench-run-json-is-a-folder", ("bench", "run", "--processes", "1", "-k", "reference", "--json", "{tmp}/dir"),
         "--json", in_repo=True, setup=files),
    Case("bench-run-interleave-counted", ("bench", "run", "--measure", "instructions", "--interleave-reference",
                                          "--json", "{tmp}/run.json"),
         "--interleave-reference follows the machine's speed", in_repo=True, absent=("run.json",)),
    # scenario
    Case("scenario-unknown", ("scenario", "run", "no_such_scenario", "--out", "{tmp}/runs"),
         "no scenario 'no_such_scenario'", in_repo=True, absent=NO_RUN),
    Case("scenario-set-not-int", ("scenario", "run", "steady_state", "--set", "frames=lots", "--out", "{tmp}/runs"),
         "expected int", in_repo=True, absent=NO_RUN),
    Case("scenario-missing-script", ("scenario", "run", "/nonexistent/x.py", "--out", "{tmp}/runs"),
         "no scenario script /nonexistent/x.py", in_repo=True, absent=NO_RUN),
    Case("scenario-in-flight-zero", ("scenario", "run", "steady_state", "--set", "in_flight=0", "--out", "{tmp}/runs"),
         "in_flight=0 must be >= 1", in_repo=True, absent=NO_RUN),
    Case("scenario-in-flight-three", ("scenario", "run", "steady_state", "--set", "in_flight=3", "--out", "{tmp}/runs"),
         "in_flight=3 is not one of 1, 2", in_repo=True, absent=NO_RUN),
    Case("scenario-eye-batch-three", ("scenario", "run", "steady_state", "--set", "eye_batch=3", "--out", "{tmp}/runs"),
         "eye_batch=3 is not one of 1, 2", in_repo=True, absent=NO_RUN),
    Case("scenario-tracking-maybe", ("scenario", "run", "steady_state", "--set", "tracking=maybe", "--out", "{tmp}/runs"),
         "--set tracking=maybe: expected bool", in_repo=True, absent=NO_RUN),
    Case("scenario-precision-fp8", ("scenario", "run", "steady_state", "--set", "precision=FP8", "--out", "{tmp}/runs"),
         "scenario steady_state: unknown precision 'FP8'", in_repo=True, absent=NO_RUN),
    Case("scenario-sweep-with-fp8", ("scenario", "run", "steady_state", "--set", "precision=FP32,FP8",
                                     "--out", "{tmp}/runs"),
         "scenario steady_state: unknown precision 'FP8'", in_repo=True, absent=NO_RUN),
    Case("scenario-script-exits", ("scenario", "run", "{tmp}/exit3.py", "--out", "{tmp}/runs"),
         "fails to load: it calls sys.exit(3)", setup=files, absent=NO_RUN),
    Case("scenario-out-is-a-file", ("scenario", "run", "steady_state", "--out", "{tmp}/a-file.png"), "--out",
         setup=files, in_repo=True),
    # vtune
    Case("vtune-unknown-dry-run", ("vtune", "nosuch", "--dry-run", "--out", "{tmp}/runs"), "no scenario 'nosuch'",
         setup=standin_vtune, in_repo=True, absent=NO_RUN + ("vtune.log",)),
    Case("vtune-unknown", ("vtune", "nosuch", "--out", "{tmp}/runs"), "no scenario 'nosuch'",
         setup=standin_vtune, in_repo=True, absent=NO_RUN + ("vtune.log",)),
    Case("vtune-not-installed-dry-run", ("vtune", "steady_state", "--dry-run", "--out", "{tmp}/runs"),
         "Intel VTune Profiler not found", status=0, setup=no_vtune, in_repo=True, absent=NO_RUN),
    # profile
    Case("profile-unknown", ("profile", "nosuch", "--out", "{tmp}/runs"), "no scenario 'nosuch'", in_repo=True,
         absent=NO_RUN),
    Case("profile-bad-set", ("profile", "steady_state", "--set", "frames=0", "--out", "{tmp}/runs"), "frames",
         in_repo=True, absent=NO_RUN),
    Case("profile-perf-missing", ("profile", "steady_state", "--perf", "{tmp}/no-perf", "--out", "{tmp}/runs"),
         "not an executable file", in_repo=True, absent=NO_RUN),
    Case("profile-no-perf-on-path", ("profile", "steady_state", "--out", "{tmp}/runs"), "apt-get install linux-perf",
         setup=no_perf, in_repo=True, absent=NO_RUN),
    Case("profile-perf-broken", ("profile", "steady_state", "--perf", "{tmp}/perf", "--out", "{tmp}/runs"),
         "--version failed", setup=broken_perf, in_repo=True, absent=NO_RUN),
    Case("profile-frequency-zero", ("profile", "steady_state", "--frequency", "0"), "--frequency", in_repo=True),
    Case("profile-run-dir-is-a-file", ("profile", "steady_state", "--run-dir", "{tmp}/a-file.png"), "--run-dir",
         setup=files, in_repo=True),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    env = {**os.environ, **(case.setup or nothing)(tmp_path, monkeypatch, request)}
    env.pop("DISPLAY", None)
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in case.argv]
    completed = subprocess.run([sys.executable, "-m", "perfharness", *argv], capture_output=True, env=env,
                               cwd=ROOT if case.in_repo else tmp_path, stdin=subprocess.DEVNULL, timeout=TIMEOUT_S)
    stderr = completed.stderr.decode(errors="replace")
    assert completed.returncode == case.status, stderr
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    if case.message is None:
        assert lines == [], stderr
    else:
        assert len(lines) == 1 and lines[0].startswith("perfharness"), stderr
        assert case.message in lines[0], lines[0]
        assert case.without is None or case.without not in lines[0], lines[0]
    for pattern in case.absent:
        assert not list(tmp_path.glob(pattern)), f"{pattern} left in {tmp_path}"
