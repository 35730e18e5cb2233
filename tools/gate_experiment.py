"""Measure the regression gate on this machine: A/A pairs (false alarms) and A/B pairs with a
known injected slowdown (detection), next to plain ``--benchmark-compare-fail=median:T``.

    python tools/gate_experiment.py --out /tmp/gate --pairs 10 --slowdowns 0.05,0.10

Runs the benchmark suites (models, pipeline, reference) ``pairs + 1`` times unchanged and
``pairs`` times per slowdown (``PERFHARNESS_BENCH_SLOWDOWN``), interleaved A, B1, B2, A, ... so
that machine drift hits both sides alike; then pairs consecutive A runs (A/A) and each B run with
the A run before it (A/B), and prints a Markdown table. Needs the models fetched; takes ~15 s a run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from perfharness.bench.compare import compare
from perfharness.bench.gates import load_gates
from perfharness.bench.storage import load_run

SUITE = ["-k", "model or pipeline or reference"]


def run_suite(path: Path, slowdown: float) -> None:
    env = {**os.environ, "PERFHARNESS_BENCH_SLOWDOWN": str(slowdown)}
    command = [sys.executable, "-m", "pytest", "-q", "-o", "addopts=", "-p", "no:cacheprovider", "tests/benchmarks",
               *SUITE, "--benchmark-only", "--benchmark-warmup=on", "--benchmark-min-rounds=30",
               "--benchmark-max-time=1", f"--benchmark-json={path}"]
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def plain_fails(baseline, candidate, threshold: float) -> int:
    """What ``--benchmark-compare-fail=median:T`` counts: candidate median > (1 + T) x baseline's."""
    fails = 0
    for key, bench in baseline.benchmarks.items():
        other = candidate.benchmarks.get(key)
        if other is not None and not key.startswith("reference["):
            fails += float(np.median(other.rounds)) > (1 + threshold) * float(np.median(bench.rounds))
    return fails


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--slowdowns", default="0.05,0.10")
    parser.add_argument("--threshold", type=float, default=0.05)
    parser.add_argument("--reuse", action="store_true", help="analyse the runs already in --out")
    args = parser.parse_args()
    slowdowns = [float(s) for s in args.slowdowns.split(",")]
    args.out.mkdir(parents=True, exist_ok=True)
    plan = []
    for i in range(args.pairs + 1):
        plan.append(("A", i, 0.0))
        if i < args.pairs:
            plan.extend(("B", i, s) for s in slowdowns)
    for kind, i, slowdown in plan:
        path = args.out / f"{kind}{i:02d}-{slowdown:.2f}.json"
        if not (args.reuse and path.exists()):
            print(f"run {path.name}", file=sys.stderr, flush=True)
            run_suite(path, slowdown)
    a = [load_run(str(args.out / f"A{i:02d}-0.00.json")) for i in range(args.pairs + 1)]
    gates = load_gates(Path("pyproject.toml"), args.threshold)  # per-group thresholds apply
    rows = []
    experiments = [("A/A", 0.0, [(a[i], a[i + 1]) for i in range(args.pairs)])]
    experiments += [(f"A/B +{s:.0%}", s, [(a[i], load_run(str(args.out / f"B{i:02d}-{s:.2f}.json")))
                                          for i in range(args.pairs)]) for s in slowdowns]
    for label, _, pairs in experiments:
        for normalize in (False, True):
            verdicts: dict[str, int] = {}
            pairs_flagged = plain_flagged = benchmarks = plain_total = 0
            for baseline, candidate in pairs:
                result = compare(baseline, candidate, gates, normalize=normalize)
                for row in result.rows:
                    verdicts[row.verdict] = verdicts.get(row.verdict, 0) + 1
                benchmarks += len(result.rows)
                pairs_flagged += result.count("regression") > 0
                fails = plain_fails(baseline, candidate, args.threshold)
                plain_total += fails
                plain_flagged += fails > 0
            rows.append((label, "yes" if normalize else "no", benchmarks, verdicts.get("regression", 0),
                         verdicts.get("no change", 0), verdicts.get("unstable", 0), verdicts.get("improvement", 0),
                         f"{pairs_flagged}/{len(pairs)}", plain_total, f"{plain_flagged}/{len(pairs)}"))
    print(f"| pairs | --normalize | benchmark comparisons | regression | no change | unstable | improvement "
          f"| pairs failing the gate | plain median:{args.threshold:.0%} fails | pairs failing plain |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
