"""The peer benchmark's run: the input decoded once, the MediaPipe venv made or checked, both
workers started, the rounds run in plan order, the results summarised into the report dict
(``peer.json``'s content); then ``peer.json``, ``peer.md`` and ``manifest.json`` written whole."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from perfharness.core import interrupts
from perfharness.core.atomic import atomic_write_text
from perfharness.core.errors import UsageError
from perfharness.core.sysinfo import cpu_info
from perfharness.peer.analysis import summarise_mode
from perfharness.peer.connection import READY_TIMEOUT_S, Worker, start_mediapipe_worker, start_ours_worker
from perfharness.peer.frames import decode_frames
from perfharness.peer.mediapipe_venv import setup_venv, venv_problem
from perfharness.peer.plan import MODES, SIDE_NAMES, SIDES, round_plan
from perfharness.peer.targets import targets
from perfharness.results import stamps
from perfharness.results.manifest import new_manifest
from perfharness.results.run_dir import MANIFEST, PEER_JSON, PEER_MD, RunDir
from perfharness.run.settings import RunSettings

SCHEMA = 2  # 2: ours described by RunSettings, the ratio's interval, targets with kind/mode/limit
PROTOCOL = ("per command: one warm-up pass over all frames (not timed), then the timed pass; each pass starts "
            "from detection (one blank frame first, untimed)")
OUTPUTS = (PEER_JSON, PEER_MD, MANIFEST)


@dataclass(frozen=True)
class PeerOptions:
    """What to measure and where (the ``perfharness peer`` options, checked)."""

    out: Path
    venv: Path
    settings: RunSettings
    input: str = "sample"
    max_frames: int | None = None
    rounds: int = 5
    modes: tuple[str, ...] = MODES
    setup: bool = False
    peer_python: str | None = None
    ours_config: dict | None = None  # the configuration file our settings came from: {path, made_on}


def default_out() -> Path:
    """``reports/peer-<UTC time>`` under the current directory."""
    return Path("reports") / f"peer-{stamps.compact()}"


def measure(options: PeerOptions) -> dict:
    """Decode the input, make or check the venv, run every round; the report as a dict.
    UsageError for bad input or a missing venv, ChildError when a worker or a set-up step fails."""
    with tempfile.TemporaryDirectory(prefix="perfharness-peer-") as folder:
        scratch = Path(folder)
        frames_path = scratch / "frames.npy"
        source = decode_frames(options.input, options.max_frames, frames_path)
        if options.setup:
            setup_venv(options.venv, options.peer_python)
        elif problem := venv_problem(options.venv):
            raise UsageError(f"{problem}: run with --setup (or tox -e peer) to make it")
        runs, info = _run_rounds(options, source["frames"], frames_path, scratch)
    modes = {mode: summarise_mode(sides) for mode, sides in runs.items()}
    return {
        "schema": SCHEMA,
        "complete": True,
        "created_utc": stamps.iso(),
        "input": source,
        "machine": cpu_info(),
        "versions": {side: info[side].get("versions", {}) for side in SIDES},
        "settings": {"rounds": options.rounds, "modes": list(options.modes),
                     "plan": [f"{r + 1}:{mode}:{side}" for r, mode, side in round_plan(options.rounds, options.modes)],
                     "protocol": PROTOCOL,
                     "ours": {**info["ours"].get("settings", {}),
                              **({"config_file": options.ours_config} if options.ours_config else {})},
                     "mediapipe": info["mediapipe"].get("settings", {})},
        "modes": modes,
        "targets": targets(modes, options.input),
    }


def _run_rounds(options: PeerOptions, frame_count: int, frames_path: Path,
                scratch: Path) -> tuple[dict[str, dict[str, list]], dict[str, dict]]:
    """Both workers started, every run of the plan; per mode and side the runs in round order,
    and each worker's ready line. Any failure or interrupt stops both workers."""
    workers: dict[str, Worker] = {}
    try:
        workers["mediapipe"] = start_mediapipe_worker(options.venv, frames_path, scratch / "mediapipe-worker.log")
        workers["ours"] = start_ours_worker(options.settings, frames_path, scratch / "ours-worker.log")
        for worker in workers.values():
            worker.wait_ready()
        timeout_s = max(READY_TIMEOUT_S, 2.0 * frame_count)
        runs: dict[str, dict[str, list]] = {mode: {side: [] for side in SIDES} for mode in options.modes}
        plan = round_plan(options.rounds, options.modes)
        for step, (round_index, mode, side) in enumerate(plan, 1):
            started = time.perf_counter()
            result = workers[side].run(mode, scratch / f"{side}-{mode}-{round_index}.npz", timeout_s)
            print(f"perfharness peer: [{step}/{len(plan)}] round {round_index + 1} {mode} {SIDE_NAMES[side]}: "
                  f"{result['times_s'].mean() * 1e3:.2f} ms/frame ({time.perf_counter() - started:.1f} s)",
                  file=sys.stderr, flush=True)
            if round_index > 0:  # the first round's outputs kept whole, of the others what repeatability needs
                result = {key: result[key] for key in ("times_s", "cpu_s", "found", "landmarks")}
            runs[mode][side].append(result)
    except BaseException:
        for worker in workers.values():
            worker.stop()
        raise
    for worker in workers.values():
        worker.close()
    return runs, {side: worker.info for side, worker in workers.items()}


def manifest(report: dict) -> dict:
    """What ran: the job, whether it finished, the input, both sides' versions, machine and settings."""
    data = new_manifest("peer", "peer", "MediaPipe's own Face Mesh against our controller, on the same frames",
                        report["settings"], report["created_utc"], input=report["input"],
                        sides=report["versions"], outputs=dict.fromkeys(OUTPUTS, "written"))
    data["complete"] = report["complete"]
    return data


def write_outputs(out: Path, report: dict, markdown: str) -> bool:
    """Write ``peer.json``, ``peer.md`` and ``manifest.json`` into ``out``, each whole (atomic),
    with signals only noted from here on; True when one came meanwhile."""
    interrupts.finishing()
    run = RunDir(out)
    atomic_write_text(run.file(PEER_JSON), json.dumps(report, indent=1, allow_nan=False) + "\n")
    atomic_write_text(run.file(PEER_MD), markdown)
    run.write_manifest(manifest(report))
    return interrupts.received() is not None
