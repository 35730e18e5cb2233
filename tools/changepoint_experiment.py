"""Measure `perfharness regressions`' change-point detection on synthetic histories.

Each history is N commits of one benchmark at level 1 with between-run noise (relative,
normal); a step of +S is planted at commit AT (none for a flat series). Over many seeds it
reports, per step size: the detection rate (a change point within +-TOLERANCE commits of the
planted one), the rate at which it is also reported as a regression (its ratio above the gate's
5 % floor), false change points per history (any other), and the delay in commits (found -
planted) of the detected ones, and false regressions per history (false change points
whose ratio is above the floor: what `regressions` would wrongly report). Prints a Markdown table (docs/store.md has its output).

    python tools/changepoint_experiment.py [--seeds 500] [--noise 0.03] [--penalty 3]
"""

from __future__ import annotations

import argparse

import numpy as np

from perfharness.stats.changepoints import PENALTY, change_points

STEPS = (0.0, 0.03, 0.05, 0.08, 0.15)
PLACES = ((40, 20), (40, 32), (20, 10))  # (commits, planted at)
TOLERANCE = 1
FLOOR = 0.05


def measure(commits: int, at: int, step: float, noise: float, seeds: int, penalty: float) -> dict[str, float]:
    detected = reported = false = false_reported = 0
    delays = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        values = (1 + noise * rng.standard_normal(commits)) * np.where(np.arange(commits) >= at, 1 + step, 1.0)
        hit = None
        for point in change_points(values, penalty):
            if step and abs(point.index - at) <= TOLERANCE and hit is None:
                hit = point
            else:
                false += 1
                false_reported += point.ratio > 1 + FLOOR
        if hit is not None:
            detected += 1
            reported += hit.ratio > 1 + FLOOR
            delays.append(hit.index - at)
    return {"detected": detected / seeds, "reported": reported / seeds, "false": false / seeds, "false_reported": false_reported / seeds,
            "delay": float(np.mean(delays)) if delays else float("nan"),
            "delay_abs": float(np.mean(np.abs(delays))) if delays else float("nan")}


def _rate(value: float, step: float) -> str:
    return f"{value:.0%}" if step else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=500)
    parser.add_argument("--noise", type=float, default=0.03)
    parser.add_argument("--penalty", type=float, default=PENALTY)
    args = parser.parse_args()
    print(f"noise {args.noise:.0%} between runs, {args.seeds} seeds, penalty {args.penalty:g} x log(n), "
          f"detected = within +-{TOLERANCE} commit(s)\n")
    print("| commits | step at | step | detected | reported (> 5 % floor) | false change points / history | "
          "false regressions / history | mean delay (abs) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    flat_done = set()
    for commits, at in PLACES:
        for step in STEPS:
            if not step and commits in flat_done:
                continue
            flat_done.add(commits)
            row = measure(commits, at, step, args.noise, args.seeds, args.penalty)
            delay = "-" if not step or np.isnan(row["delay"]) else f"{row['delay']:+.2f} ({row['delay_abs']:.2f})"
            print(f"| {commits} | {at if step else '-'} | {'flat' if not step else f'{step:.0%}'} | "
                  f"{_rate(row['detected'], step)} | {_rate(row['reported'], step)} | {row['false']:.3f} | {row['false_reported']:.3f} | {delay} |")


if __name__ == "__main__":
    main()
