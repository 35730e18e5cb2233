"""Measure what ``perfharness profile`` costs the run it profiles: the same scenario with and
without perf, alternately in one sitting, frame time (p50 of the ``frame`` region) and fps.

    python tools/profile_overhead.py --pairs 4 --frames 600 [--call-graph fp|dwarf] [--frequency HZ]

Prints one line per run and the medians with their ratio (profiled / plain).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SCENARIO = ["max_throughput", "--set", "in_flight=1"]


def one_run(folder: Path, name: str, profiled: bool, frames: int, extra: list[str]) -> tuple[float, float]:
    """(frame p50 in ms, fps) of one run."""
    run_dir = folder / name
    command = ([sys.executable, "-m", "perfharness", "profile", *SCENARIO, *extra] if profiled
               else [sys.executable, "-m", "perfharness", "scenario", "run", *SCENARIO, "--no-progress"])
    subprocess.run([*command, "--frames", str(frames), "--run-dir", str(run_dir)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    (variant,) = json.loads((run_dir / "metrics.json").read_text())["variants"]
    return variant["regions"]["frame"]["p50"] * 1e3, variant["fps"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--frames", type=int, default=600)
    parser.add_argument("--call-graph", choices=["fp", "dwarf"], default=None)
    parser.add_argument("--frequency", type=int, default=None)
    args = parser.parse_args()
    extra = (["--call-graph", args.call_graph] if args.call_graph else []) + (
        ["--frequency", str(args.frequency)] if args.frequency else [])
    results: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="perfharness-overhead-") as scratch:
        for pair in range(args.pairs):
            for profiled in (False, True) if pair % 2 == 0 else (True, False):
                p50, fps = one_run(Path(scratch), f"{pair}-{int(profiled)}", profiled, args.frames, extra)
                results[profiled].append((p50, fps))
                print(f"pair {pair} {'perf ' if profiled else 'plain'} frame p50 {p50:6.3f} ms  {fps:6.1f} fps", flush=True)
    plain_p50 = statistics.median(p for p, _ in results[False])
    perf_p50 = statistics.median(p for p, _ in results[True])
    plain_fps = statistics.median(f for _, f in results[False])
    perf_fps = statistics.median(f for _, f in results[True])
    print(f"median frame p50: plain {plain_p50:.3f} ms, under perf {perf_p50:.3f} ms, ratio {perf_p50 / plain_p50:.3f}")
    print(f"median fps:       plain {plain_fps:.1f}, under perf {perf_fps:.1f}, ratio {perf_fps / plain_fps:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
