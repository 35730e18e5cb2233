"""Peer benchmark: MediaPipe's own Face Mesh solution against our controller, on the same frames.

    python tools/peer_benchmark.py --setup            # first time: makes the MediaPipe venv
    python tools/peer_benchmark.py [--input sample] [--max-frames N] [--rounds 5] [--out DIR]
        [--modes detect,tracking] [--ours-set num_threads=1 ...] [--venv DIR]
    tox -e peer [-- options]                           # the same, everything set up by tox

Run with the perfharness venv's python from a source checkout. The input is decoded once
(``perfharness.gaze.sources.open_source``) into a .npy that two persistent workers load:
``peer/mediapipe_worker.py`` in a venv of its own (mediapipe==0.10.21 and its dependencies,
pinned by hash in ``peer/requirements.txt``; never a dependency of perfharness) and
``peer/ours_worker.py`` with this python. Each command is a warm-up pass and a timed pass over
all frames (``peer/worker_protocol.py``). Rounds alternate the sides, the side going first
rotating each round: ours-detect, peer-detect, ours-tracking, peer-tracking, then peer first.
The report (``peer.json``, ``peer.md``, the table also on stdout) gives per mode the median over
rounds of each side's mean time per frame, the ratio ours / MediaPipe, and how far apart the two
put the iris centres and a few mesh landmarks. How to read it: ``docs/peer.md``.

Bad input ends with one line on stderr and exit status 2; a worker that fails, exit 1; Ctrl-C or
SIGTERM ends the workers and writes nothing (exit 130).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn

import numpy as np

from perfharness.core import interrupts
from perfharness.core.argtypes import positive_int
from perfharness.core.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]
PEER_DIR = ROOT / "peer"
REQUIREMENTS = PEER_DIR / "requirements.txt"
DEFAULT_VENV = ROOT / ".tox" / "peer-mediapipe"
STAMP_NAME = ".perfharness-peer-requirements.sha256"  # in the venv: the requirements it was made from
PEER_PYTHON = (3, 11)  # the wheels pinned in peer/requirements.txt are cp311 / x86_64 Linux

MODES = ("detect", "tracking")
SIDES = ("ours", "mediapipe")
SIDE_NAMES = {"ours": "ours", "mediapipe": "MediaPipe"}
MESH_POINTS = {1: "nose tip", 33: "image-left eye, outer corner", 133: "image-left eye, inner corner",
               362: "image-right eye, inner corner", 263: "image-right eye, outer corner",
               61: "mouth, image-left corner", 291: "mouth, image-right corner", 152: "chin"}
MESH_SIZE = 468  # the mesh topology both sides share (MediaPipe adds 10 iris points after it)
IRIS_CENTRES = (468, 473)  # MediaPipe's two iris centres (refine_landmarks=True)
EYE_ANCHOR = 33  # the image-left eye's outer corner in the mesh; ours names its eyes by it
TARGET_RATIO = 0.8  # ours <= 0.8 x MediaPipe's time per frame, in each mode
TARGET_IRIS_MEDIAN_PX = 1.0  # iris centres within 1 px (median) of MediaPipe's, on the sample clip
OURS_FIELDS = ("num_threads", "num_streams", "performance_hint", "precision", "inference_precision")
READY_TIMEOUT_S = 600.0
EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130


class WorkerError(Exception):
    """A worker failed or ended: one line, exit 1."""


# --- what is measured, in what order ------------------------------------------------------------


def round_plan(rounds: int, modes: Sequence[str] = MODES) -> list[tuple[int, str, str]]:
    """(round, mode, side) in the order they run: each mode's two sides back to back, ours first
    in even rounds and MediaPipe first in odd ones, so neither side always runs on a machine
    the other has just warmed (or heated)."""
    plan = []
    for round_index in range(rounds):
        order = SIDES if round_index % 2 == 0 else SIDES[::-1]
        for mode in modes:
            plan.extend((round_index, mode, side) for side in order)
    return plan


# --- agreement statistics -------------------------------------------------------------------


def summary(values: np.ndarray) -> dict[str, float | int | None]:
    """count, median, p90 and max of ``values`` (NaN dropped); None for an empty set."""
    values = np.asarray(values, np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {"count": 0, "median": None, "p90": None, "max": None}
    return {"count": int(values.size), "median": float(np.median(values)), "p90": float(np.percentile(values, 90)),
            "max": float(values.max())}


def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between matching points (..., 2) -> (...)."""
    return np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64), axis=-1)


def iris_indices(landmarks: np.ndarray) -> np.ndarray:
    """Per frame, MediaPipe's (image-left, image-right) iris centre indices, (N, 2) int: the
    centre nearer landmark 33 (the mesh's image-left eye, the one ours calls ``left_eye``) is
    the image-left one; -1 on frames with no face (NaN landmarks)."""
    landmarks = np.asarray(landmarks, np.float64)
    anchor = landmarks[:, EYE_ANCHOR]
    first, second = (distances(landmarks[:, index], anchor) for index in IRIS_CENTRES)
    left = np.where(first <= second, IRIS_CENTRES[0], IRIS_CENTRES[1])
    right = np.where(first <= second, IRIS_CENTRES[1], IRIS_CENTRES[0])
    pairs = np.stack([left, right], axis=1)
    pairs[~(np.isfinite(first) & np.isfinite(second))] = -1
    return pairs


def peer_iris(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe's iris centres as (N, 2, 2), image-left eye first (NaN where no face), and the
    per-frame indices they came from."""
    landmarks = np.asarray(landmarks, np.float64)
    pairs = iris_indices(landmarks)
    centres = np.full((len(landmarks), 2, 2), np.nan)
    found = pairs[:, 0] >= 0
    rows = np.nonzero(found)[0]
    centres[rows, 0] = landmarks[rows, pairs[rows, 0]]
    centres[rows, 1] = landmarks[rows, pairs[rows, 1]]
    return centres, pairs


def agreement(ours: dict[str, np.ndarray], peer: dict[str, np.ndarray]) -> dict:
    """How far apart the two sides put the iris centres and mesh landmarks (pixels), over the
    frames where both found a face, and how many frames only one side found a face on.
    ``ours``: found (N,), landmarks (N, 468, 2), iris (N, 2, 2); ``peer``: found, landmarks (N, 478, 2)."""
    ours_found, peer_found = np.asarray(ours["found"], bool), np.asarray(peer["found"], bool)
    if ours_found.shape != peer_found.shape:
        raise ValueError(f"the sides saw different frame counts: {ours_found.shape[0]} and {peer_found.shape[0]}")
    both = ours_found & peer_found
    ours_landmarks = np.asarray(ours["landmarks"], np.float64)[both]
    peer_landmarks = np.asarray(peer["landmarks"], np.float64)[both]
    peer_centres, pairs = peer_iris(peer_landmarks)
    iris_error = distances(np.asarray(ours["iris"], np.float64)[both], peer_centres)  # (M, 2)
    mesh_error = distances(ours_landmarks[:, :MESH_SIZE], peer_landmarks[:, :MESH_SIZE])  # (M, 468)
    left_index = pairs[:, 0]
    return {
        "frames": {"total": int(both.size), "both": int(both.sum()), "only_ours": int((ours_found & ~peer_found).sum()),
                   "only_mediapipe": int((peer_found & ~ours_found).sum()),
                   "neither": int((~ours_found & ~peer_found).sum())},
        "iris": {"left": summary(iris_error[:, 0]), "right": summary(iris_error[:, 1]), "both": summary(iris_error)},
        "mesh": {str(index): {"name": name, **summary(mesh_error[:, index])} for index, name in MESH_POINTS.items()},
        "mesh_all": summary(mesh_error),
        "mediapipe_image_left_iris": {str(index): int((left_index == index).sum()) for index in IRIS_CENTRES},
        "mediapipe_33_left_of_263": int((peer_landmarks[:, 33, 0] < peer_landmarks[:, 263, 0]).sum()),
    }


def repeatability(runs: list[dict[str, np.ndarray]]) -> dict:
    """How much one side's outputs moved between rounds: the largest landmark change (pixels)
    from the first round, over frames where both rounds found a face, and frames whose
    face-found flag changed."""
    first = runs[0]
    largest, changed = 0.0, 0
    for run in runs[1:]:
        both = first["found"] & run["found"]
        changed += int((first["found"] != run["found"]).sum())
        if both.any():
            largest = max(largest, float(np.nanmax(distances(first["landmarks"][both], run["landmarks"][both]))))
    return {"rounds": len(runs), "max_landmark_change_px": largest, "found_changed_frames": changed}


def timing(runs: list[dict[str, np.ndarray]]) -> dict:
    """Per-round per-frame mean, median, p90 and CPU time (ms) and their medians over rounds."""
    mean = [float(run["times_s"].mean() * 1e3) for run in runs]
    median = [float(np.median(run["times_s"]) * 1e3) for run in runs]
    p90 = [float(np.percentile(run["times_s"], 90) * 1e3) for run in runs]
    cpu = [float(run["cpu_s"].mean() * 1e3) for run in runs]
    mean_ms = float(np.median(mean))
    return {"mean_ms": mean_ms, "fps": 1e3 / mean_ms if mean_ms > 0 else None, "median_ms": float(np.median(median)),
            "p90_ms": float(np.median(p90)), "cpu_ms": float(np.median(cpu)),
            "rounds": {"mean_ms": mean, "median_ms": median, "p90_ms": p90, "cpu_ms": cpu}}


def compare_times(ours: dict, peer: dict) -> dict:
    """ours / MediaPipe: the ratio of the medians over rounds, and the median of per-round ratios."""
    paired = [a / b for a, b in zip(ours["rounds"]["mean_ms"], peer["rounds"]["mean_ms"])]
    return {"ratio": ours["mean_ms"] / peer["mean_ms"], "paired_median": float(np.median(paired)),
            "paired_min": min(paired), "paired_max": max(paired), "paired": paired}


def summarise_mode(sides: dict[str, list[dict[str, np.ndarray]]]) -> dict:
    """One mode's results from each side's runs (one per round, in round order): times over all
    rounds, agreement on the first round's outputs, and how much later rounds moved from them."""
    time_stats = {side: timing(sides[side]) for side in SIDES}
    first = sides["ours"][0]
    return {"time": time_stats, "compare": compare_times(time_stats["ours"], time_stats["mediapipe"]),
            "agreement": agreement(first, sides["mediapipe"][0]),
            "ours_detector_ran": int(first["detector_ran"].sum()),
            "ours_first_frame_detected": bool(first["detector_ran"][0]),
            "repeatability": {side: repeatability(sides[side]) for side in SIDES}}


# --- the report --------------------------------------------------------------------------------


def targets(modes: dict, input_spec: str) -> list[dict]:
    """The issue's targets, each with the measured value and whether it is met."""
    found = []
    for mode, result in modes.items():
        ratio = result["compare"]["ratio"]
        found.append({"name": f"{mode}: ours <= {TARGET_RATIO:g} x MediaPipe's time per frame", "value": ratio,
                      "met": ratio <= TARGET_RATIO})
    for mode, result in modes.items():
        median = result["agreement"]["iris"]["both"]["median"]
        found.append({"name": f"{mode}: iris centres within {TARGET_IRIS_MEDIAN_PX:g} px of MediaPipe's (median)",
                      "value": median, "met": median is not None and median <= TARGET_IRIS_MEDIAN_PX,
                      "applies": input_spec == "sample"})
    return found


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _px(stats: dict) -> tuple[str, str]:
    return tuple("-" if stats[key] is None else f"{stats[key]:.2f}" for key in ("median", "p90"))


def render_markdown(report: dict) -> str:
    source, machine = report["input"], report["machine"]
    versions, modes = report["versions"], report["modes"]
    ours_config = report["settings"]["ours"]["compile_properties"]
    lines = ["# Peer benchmark: our controller vs MediaPipe's Face Mesh", ""]
    if not report.get("complete", True):
        lines += ["**Incomplete run.**", ""]
    lines += [
        f"Input `{source['spec']}`: {source['frames']} frames, {source['width']}x{source['height']}; "
        f"{report['settings']['rounds']} round(s), sides alternating (warm-up pass, then a timed pass; "
        "medians over rounds of each side's mean time per frame).",
        f"Machine: {machine['model']}, {machine['logical_cores']} logical cores ({machine['usable_cores']} usable), "
        f"flags {' '.join(machine['flags']) or 'none'}.",
        f"Versions: openvino {versions['ours'].get('openvino')}, perfharness {versions['ours'].get('perfharness')}, "
        f"mediapipe {versions['mediapipe'].get('mediapipe')} (`FaceMesh(refine_landmarks=True, max_num_faces=1)`, "
        "`static_image_mode` True for detect, False for tracking).",
        f"Ours: mediapipe model set, compiled with {', '.join(f'{k}={v}' for k, v in ours_config.items())}.",
        "",
        "## Time per frame",
        "",
        "| mode | ours ms | ours fps | ours CPU ms | MediaPipe ms | MediaPipe fps | MediaPipe CPU ms "
        f"| ours / MediaPipe | per-round ratio, median (min-max) | target <= {TARGET_RATIO:g} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for mode, result in modes.items():
        ours, peer, compared = result["time"]["ours"], result["time"]["mediapipe"], result["compare"]
        lines.append(
            f"| {mode} | {_ms(ours['mean_ms'])} | {ours['fps']:.1f} | {_ms(ours['cpu_ms'])} | {_ms(peer['mean_ms'])} "
            f"| {peer['fps']:.1f} | {_ms(peer['cpu_ms'])} | {compared['ratio']:.2f} | {compared['paired_median']:.2f} "
            f"({compared['paired_min']:.2f}-{compared['paired_max']:.2f}) | {'met' if compared['ratio'] <= TARGET_RATIO else 'not met'} |")
    lines += ["", "CPU ms: the process's CPU time per frame, all its threads (above the wall time when a side "
              "uses more than one core).", ""]
    lines += ["## Agreement with MediaPipe (pixels, frames where both found a face)", ""]
    header, rule = "| point |", "|---|"
    for mode in modes:
        header += f" {mode} median | {mode} p90 |"
        rule += "---:|---:|"
    lines += [header, rule]
    rows = [("iris centre, image-left eye", lambda a: a["iris"]["left"]),
            ("iris centre, image-right eye", lambda a: a["iris"]["right"]),
            ("iris centres, both eyes", lambda a: a["iris"]["both"])]
    rows += [(f"mesh {index} ({name})", lambda a, key=str(index): a["mesh"][key]) for index, name in MESH_POINTS.items()]
    rows += [(f"all {MESH_SIZE} mesh points", lambda a: a["mesh_all"])]
    for label, pick in rows:
        cells = "".join(" {} | {} |".format(*_px(pick(result["agreement"]))) for result in modes.values())
        lines.append(f"| {label} |{cells}")
    lines.append("")
    for mode, result in modes.items():
        frames, agree = result["agreement"]["frames"], result["agreement"]
        left = agree["mediapipe_image_left_iris"]
        detector = result.get("ours_detector_ran")
        lines.append(
            f"- {mode}: a face on {frames['both']} of {frames['total']} frames by both, {frames['only_ours']} by ours only, "
            f"{frames['only_mediapipe']} by MediaPipe only, {frames['neither']} by neither; MediaPipe's image-left iris "
            f"(nearer landmark 33): index 468 on {left['468']}, 473 on {left['473']} frames; landmark 33 left of 263 on "
            f"{agree['mediapipe_33_left_of_263']}" + (f"; ours ran its face detector on {detector} frames" if detector is not None else "") + ".")
    lines += ["", "## Targets", ""]
    for target in report["targets"]:
        value = "-" if target["value"] is None else f"{target['value']:.2f}"
        note = "" if target.get("applies", True) else " (set for the sample clip; this input is another)"
        lines.append(f"- {target['name']}: {value}, {'met' if target['met'] else 'not met'}{note}")
    return "\n".join(lines) + "\n"


# --- workers ------------------------------------------------------------------------------------


class Worker:
    """A persistent worker process speaking ``peer/worker_protocol.py`` (its stderr to a log)."""

    def __init__(self, name: str, command: list[str], log_path: Path, env: dict[str, str] | None = None) -> None:
        self.name, self.log_path = name, log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                        cwd=ROOT, env=env, text=True, bufsize=1, start_new_session=True)
        self.info: dict = {}

    def _last_log_line(self) -> str:
        self._log.flush()
        try:
            lines = [line.strip() for line in self.log_path.read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            return ""
        return lines[-1] if lines else ""

    def _read(self, timeout_s: float) -> dict:
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout_s):
                raise WorkerError(f"the {self.name} worker did not answer within {timeout_s:.0f} s (log: {self.log_path})")
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            last = self._last_log_line()
            raise WorkerError(f"the {self.name} worker ended (exit {code})" + (f": {last}" if last else ""))
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            raise WorkerError(f"the {self.name} worker wrote something that is not a protocol line: {line.strip()[:200]}") from None

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> dict:
        message = self._read(timeout_s)
        if not message.get("ready"):
            raise WorkerError(f"the {self.name} worker could not start: {message.get('error', message)}")
        self.info = message
        return message

    def run(self, mode: str, out: Path, timeout_s: float) -> dict[str, np.ndarray]:
        try:
            self.process.stdin.write(json.dumps({"mode": mode, "out": str(out)}) + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise WorkerError(f"the {self.name} worker ended (exit {self.process.wait()}): {self._last_log_line()}") from None
        reply = self._read(timeout_s)
        if not reply.get("ok"):
            raise WorkerError(f"the {self.name} worker failed on {mode}: {reply.get('error', reply)}")
        with np.load(out) as data:
            return {key: data[key] for key in data.files}

    def close(self) -> None:
        """Ask it to quit; terminate it if it does not within a few seconds."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.process.stdin.write(json.dumps({"quit": True}) + "\n")
                self.process.stdin.close()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._end()
        with contextlib.suppress(OSError, ValueError):
            self.process.stdout.close()
        self._log.close()

    def _end(self) -> None:
        """SIGTERM, then SIGKILL if it is still there after 5 s."""
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def terminate(self) -> None:
        """End it now (Ctrl-C): SIGTERM, then SIGKILL."""
        if self.process.poll() is None:
            self._end()
        with contextlib.suppress(OSError, ValueError):
            self.process.stdin.close()
        self.close()


# --- the MediaPipe venv -----------------------------------------------------------------------


def requirements_digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def venv_problem(venv: Path) -> str | None:
    """Why ``venv`` cannot be used as it is, or None."""
    if not (venv / "bin" / "python").exists():
        return f"no MediaPipe venv at {venv}"
    stamp = venv / STAMP_NAME
    if not stamp.exists() or stamp.read_text().strip() != requirements_digest():
        return f"the MediaPipe venv at {venv} was not made from the current peer/requirements.txt"
    return None


def default_peer_python() -> str | None:
    if sys.version_info[:2] == PEER_PYTHON:
        return sys.executable
    return shutil.which(f"python{PEER_PYTHON[0]}.{PEER_PYTHON[1]}")


def setup_venv(venv: Path, peer_python: str | None) -> None:
    """Make the MediaPipe venv: ``python3.11 -m venv`` and ``pip install --require-hashes``
    (every file pinned by sha256); nothing is done when it already matches the requirements."""
    if venv_problem(venv) is None:
        return
    if sys.platform != "linux" or platform.machine() != "x86_64":
        raise UsageError(f"peer/requirements.txt pins x86_64 Linux wheels; this is {sys.platform} {platform.machine()}")
    python = venv / "bin" / "python"
    if not python.exists():
        peer_python = peer_python or default_peer_python()
        if peer_python is None:
            raise UsageError("no python3.11 found to make the MediaPipe venv with; give --peer-python PATH")
        try:
            version = subprocess.run([peer_python, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True,
                                     text=True, check=True, timeout=60).stdout.split()
        except (OSError, subprocess.SubprocessError):
            raise UsageError(f"--peer-python {peer_python} does not run") from None
        if tuple(int(part) for part in version) != PEER_PYTHON:
            raise UsageError(f"--peer-python {peer_python} is Python {'.'.join(version)}; peer/requirements.txt pins "
                             f"wheels for Python {PEER_PYTHON[0]}.{PEER_PYTHON[1]}")
        print(f"peer benchmark: making the MediaPipe venv at {venv}", file=sys.stderr, flush=True)
        _run_setup_step([peer_python, "-m", "venv", str(venv)], "making the venv")
    _run_setup_step([str(python), "-m", "pip", "install", "--no-input", "--disable-pip-version-check", "--require-hashes",
                     "--only-binary=:all:", "-r", str(REQUIREMENTS)], "pip install -r peer/requirements.txt")
    from perfharness.core.atomic import atomic_write_text

    atomic_write_text(venv / STAMP_NAME, requirements_digest() + "\n")


def _run_setup_step(command: list[str], what: str) -> None:
    code = subprocess.run(command, stdout=sys.stderr).returncode  # its output on our stderr, stdout kept for the table
    if code != 0:
        raise WorkerError(f"{what} failed (exit {code}); see the output above")


# --- input ----------------------------------------------------------------------------------------


def decode_frames(spec: str, max_frames: int | None, path: Path) -> dict:
    """Decode the input once into ``path`` (.npy, uint8 BGR, N x H x W x 3)."""
    from perfharness.gaze.sources import open_source

    if (spec == "cam" or spec.startswith("cam:")) and max_frames is None:
        raise UsageError("a camera never ends: give --max-frames")
    frames = []
    with open_source(spec, max_frames=max_frames) as source:
        name = source.name
        for index, frame in source:
            if frames and frame.shape != frames[0].shape:
                raise UsageError(f"frame {index} of {spec} is {frame.shape[1]}x{frame.shape[0]}, frame 0 "
                                 f"{frames[0].shape[1]}x{frames[0].shape[0]}: the frames must share one size")
            frames.append(np.ascontiguousarray(frame, np.uint8))
    if not frames:
        raise UsageError(f"{spec} gave no frames")
    np.save(path, np.stack(frames))
    height, width = frames[0].shape[:2]
    return {"spec": spec, "name": name, "frames": len(frames), "width": int(width), "height": int(height)}


# --- command line ---------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _modes(text: str) -> tuple[str, ...]:
    modes = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [mode for mode in modes if mode not in MODES]
    if not modes or unknown:
        raise argparse.ArgumentTypeError(f"expected modes from {', '.join(MODES)} (comma-separated), got {text!r}")
    return tuple(dict.fromkeys(modes))


def ours_config(settings: Sequence[str]) -> dict:
    """``--ours-set key=value`` -> EngineConfig fields (checked here, so a bad one fails before
    anything starts)."""
    from perfharness.runtime.engine import INFERENCE_PRECISIONS, PERFORMANCE_HINTS

    config: dict = {}
    for setting in settings:
        key, equals, value = setting.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or key not in OURS_FIELDS:
            raise UsageError(f"--ours-set {setting!r}: expected key=value with key one of {', '.join(OURS_FIELDS)}")
        if key in ("num_threads", "num_streams"):
            try:
                config[key] = positive_int(value)
            except argparse.ArgumentTypeError as error:
                raise UsageError(f"--ours-set {key}: {error}") from None
        elif key == "performance_hint":
            if value not in PERFORMANCE_HINTS:
                raise UsageError(f"--ours-set performance_hint: expected one of {', '.join(PERFORMANCE_HINTS)}, got {value!r}")
            config[key] = value
        elif key == "inference_precision":
            if value not in INFERENCE_PRECISIONS:
                raise UsageError(f"--ours-set inference_precision: expected one of {', '.join(INFERENCE_PRECISIONS)}, got {value!r}")
            config[key] = value
        else:
            if value not in ("FP32", "FP16"):
                raise UsageError(f"--ours-set precision: expected FP32 or FP16, got {value!r}")
            config[key] = value
    return config


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="peer_benchmark", description="MediaPipe's own Face Mesh against our controller, on the same frames.")
    parser.add_argument("--input", default="sample", help="sample (default: the 640x480 120-frame clip), a video or image path, cam[:N]")
    parser.add_argument("--max-frames", type=positive_int, help="at most this many frames of the input")
    parser.add_argument("--rounds", type=positive_int, default=5, help="rounds of the four runs (default 5)")
    parser.add_argument("--modes", type=_modes, default=MODES, help="detect,tracking (default both)")
    parser.add_argument("--out", type=Path, help="report folder (default reports/peer-<UTC time>/)")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help=f"the MediaPipe venv (default {DEFAULT_VENV.relative_to(ROOT)})")
    parser.add_argument("--setup", action="store_true", help="make the MediaPipe venv first if it is missing or out of date")
    parser.add_argument("--peer-python", help="the Python 3.11 that --setup makes the venv with (default python3.11)")
    parser.add_argument("--ours-set", action="append", default=[], metavar="KEY=VALUE",
                        help=f"EngineConfig field for our side ({', '.join(OURS_FIELDS)}); repeatable")
    return parser


def measure(args: argparse.Namespace, config: dict, source: dict, frames_path: Path, scratch: Path) -> dict:
    """Start both workers on the decoded frames, run the rounds; the report as a dict."""
    from perfharness.core.sysinfo import cpu_info

    peer_env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    workers: dict[str, Worker] = {}
    try:
        workers["mediapipe"] = Worker("MediaPipe", [str(args.venv / "bin" / "python"), str(PEER_DIR / "mediapipe_worker.py"),
                                                    str(frames_path)], scratch / "mediapipe-worker.log", env=peer_env)
        workers["ours"] = Worker("ours", [sys.executable, str(PEER_DIR / "ours_worker.py"), str(frames_path),
                                          "--config", json.dumps(config)], scratch / "ours-worker.log")
        for worker in workers.values():
            worker.wait_ready()
        timeout_s = max(READY_TIMEOUT_S, 2.0 * source["frames"])
        runs: dict[str, dict[str, list]] = {mode: {side: [] for side in SIDES} for mode in args.modes}
        plan = round_plan(args.rounds, args.modes)
        for step, (round_index, mode, side) in enumerate(plan, 1):
            started = time.perf_counter()
            result = workers[side].run(mode, scratch / f"{side}-{mode}-{round_index}.npz", timeout_s)
            print(f"peer benchmark: [{step}/{len(plan)}] round {round_index + 1} {mode} {SIDE_NAMES[side]}: "
                  f"{result['times_s'].mean() * 1e3:.2f} ms/frame ({time.perf_counter() - started:.1f} s)",
                  file=sys.stderr, flush=True)
            if round_index > 0:  # keep the first round's outputs whole, only what repeatability needs of the others
                result = {key: result[key] for key in ("times_s", "cpu_s", "found", "landmarks")}
            runs[mode][side].append(result)
    except BaseException:
        for worker in workers.values():
            worker.terminate()
        raise
    for worker in workers.values():
        worker.close()
    modes = {mode: summarise_mode(sides) for mode, sides in runs.items()}
    report = {
        "schema": 1,
        "complete": True,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "input": source,
        "machine": cpu_info(),
        "versions": {side: workers[side].info.get("versions", {}) for side in SIDES},
        "settings": {"rounds": args.rounds, "modes": list(args.modes), "ours_set": config,
                     "plan": [f"{round_index + 1}:{mode}:{side}" for round_index, mode, side in round_plan(args.rounds, args.modes)],
                     "protocol": "per command: one warm-up pass over all frames (not timed), then the timed pass; "
                                 "each pass starts from detection (one blank frame first, untimed)",
                     "ours": workers["ours"].info.get("settings", {}),
                     "mediapipe": workers["mediapipe"].info.get("settings", {})},
        "modes": modes,
    }
    report["targets"] = targets(modes, args.input)
    return report


def main(argv: list[str] | None = None) -> int:
    interrupts.install()
    written: Path | None = None
    try:
        args = build_parser().parse_args(argv)
        config = ours_config(args.ours_set)
        out = args.out or ROOT / "reports" / f"peer-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}"
        if out.exists() and not out.is_dir():
            raise UsageError(f"--out {out} is a file; give a folder")
        args.venv = args.venv.absolute()
        with tempfile.TemporaryDirectory(prefix="perfharness-peer-") as scratch:
            frames_path = Path(scratch) / "frames.npy"
            source = decode_frames(args.input, args.max_frames, frames_path)
            if args.setup:
                setup_venv(args.venv, args.peer_python)
            elif problem := venv_problem(args.venv):
                raise UsageError(f"{problem}: run with --setup (or tox -e peer) to make it")
            report = measure(args, config, source, frames_path, Path(scratch))
        markdown = render_markdown(report)
        from perfharness.core.atomic import atomic_write_text

        interrupts.finishing()  # from here a signal is only noted: the two files are written whole
        atomic_write_text(out / "peer.json", json.dumps(report, indent=1, allow_nan=False) + "\n")
        atomic_write_text(out / "peer.md", markdown)
        written = out
        if interrupts.received() is not None:
            raise KeyboardInterrupt
        print(markdown, end="")
        print(f"peer benchmark: written to {out}/peer.json and peer.md", file=sys.stderr)
        return 0
    except KeyboardInterrupt:
        print("peer benchmark: interrupted; " + (f"the report was written to {written}" if written else "nothing written"),
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except WorkerError as error:
        print(f"peer benchmark: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except UsageError as error:
        print(f"peer benchmark: error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
