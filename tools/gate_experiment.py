"""Measure the regression gate on this machine, four ways: A/A pairs (false alarms) and A/B pairs
with a known injected slowdown (detection), next to plain ``--benchmark-compare-fail=median:T``.
Runs already in ``--out`` are reused: an interrupted experiment continues where it stopped.

    python tools/gate_experiment.py --out /tmp/gate --pairs 20 --slowdowns 0.05,0.10

Methods, all on the suites ``model``, ``pipeline`` and ``reference`` (8 gated benchmarks):

- ``single``: one process per run (30+ rounds, 1 s per benchmark), one run per side: the gate
  before worker processes;
- ``processes``: ``bench run`` runs (5 worker processes, 15+ rounds, 0.5 s per benchmark each),
  one run per side;
- ``runs``: the same runs, the 3 runs before the candidate as the baseline side (a baseline kept
  as its last runs: ``compare --last 3``);
- ``ab``: ``bench ab`` sessions (``--ab-pairs`` pairs of worker processes, A B A B ...; 3 by default);
- ``series``: what ``bench ab`` sessions of 2, 3, 5, 8, 10 and 12 pairs decide (``SESSION_PAIRS``), from
  one series of steps of three worker processes, A, A' and B (the first slowdown): an A/A session
  of n pairs is n consecutive steps' A against their A', an A/B session their A' against their B;
  sessions are disjoint windows of steps. ``--pairs`` is the number of steps. With
  ``--interleave-reference`` the workers time the reference before every round, and the rows
  with ``--normalize`` divide each round by it.

Runs are planned interleaved, A, B+5 %, B+10 %, A, ... (``PERFHARNESS_BENCH_SLOWDOWN``), so
that machine drift hits every kind alike; A/A pairs are consecutive A runs, each B run is paired
with the A run before it.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from perfharness.bench.compare import compare
from perfharness.bench.gates import load_gates
from perfharness.bench.runner import Suite, merge, run_processes, run_worker, source_root
from perfharness.bench.storage import REFERENCE_ROUNDS, load_run, parse_run
from perfharness.stats.bootstrap import location

# the published models and the two whole-frame benchmarks at both precisions, and the reference
KEYWORD = "(test_model or test_pipeline or reference) and not batch2 and not switch and not clip_glue"
METHODS = ("single", "processes", "runs", "ab")  # "series" is asked for by name: it reads its own files
SESSION_PAIRS = (2, 3, 5, 8, 10, 12)
BASELINE_RUNS = 3


def suites(root: Path, slowdown: float) -> dict[str, Suite]:
    env = {"PERFHARNESS_BENCH_SLOWDOWN": str(slowdown)}
    return {"single": Suite(root, KEYWORD, min_rounds=30, max_time=1.0, env=env),
            "processes": Suite(root, KEYWORD, env=env)}


def ensure(path: Path, make) -> None:
    if not path.exists():
        print(f"{time.strftime('%H:%M:%S')} {path.name}", file=sys.stderr, flush=True)
        document = make()
        path.write_text(json.dumps(document))


def collect(out: Path, pairs: int, slowdowns: list[float], methods: list[str], ab_pairs: int) -> None:
    root = source_root()
    with tempfile.TemporaryDirectory(prefix="perfharness-gate-") as scratch:
        folder = Path(scratch)
        for i in range(pairs + 1):
            for slowdown in [0.0] + (slowdowns if i < pairs else []):
                kind = f"{'A' if slowdown == 0 else 'B'}{i:02d}-{slowdown:.2f}"
                runs = suites(root, slowdown)
                if "single" in methods:
                    ensure(out / f"single-{kind}.json",
                           lambda: merge(run_processes(runs["single"], 1, folder, "single")[0]))
                if {"processes", "runs"} & set(methods):
                    ensure(out / f"processes-{kind}.json",
                           lambda: merge(run_processes(runs["processes"], 5, folder, "processes")[0]))
                if "ab" in methods and slowdown == 0 and i < pairs:
                    for other in [0.0] + slowdowns:
                        ab_session(out, folder, root, i, other, ab_pairs)


def series(out: Path, folder: Path, root: Path, steps: int, slowdown: float, interleave: bool) -> None:
    """The ``series`` method's worker processes: per step A, A' (both without slowdown) and B, each
    process's document its own file, the wall time of each in ``series-seconds.json``; with
    ``interleave``, the reference timed before every round (``--interleave-reference``)."""
    a = Suite(root, KEYWORD, interleave_reference=interleave)
    b = Suite(root, KEYWORD, env={"PERFHARNESS_BENCH_SLOWDOWN": str(slowdown)}, interleave_reference=interleave)
    seconds_path = out / "series-seconds.json"
    seconds = json.loads(seconds_path.read_text()) if seconds_path.exists() else {}
    for k in range(steps):
        for label, suite in (("A", a), ("A2", a), ("B", b)):
            path, start = out / f"series-{k:03d}-{label}.json", time.monotonic()
            if not path.exists():
                ensure(path, lambda: run_worker(suite, f"{k % 3}/3", folder, label))
                seconds[f"{k:03d}-{label}"] = time.monotonic() - start
                seconds_path.write_text(json.dumps(seconds))


@functools.cache
def series_document(path: Path) -> dict:
    """A series worker's document (read once: every session size and table reads it)."""
    return json.loads(path.read_text())


def series_pairs(out: Path, steps: int, n: int, slowdown: float) -> list[tuple[list, list]]:
    """(baseline, candidate) of each disjoint session of ``n`` steps: A against A' (A/A), or A'
    against B."""
    def side(window: range, label: str) -> list:
        merged = merge([series_document(out / f"series-{k:03d}-{label}.json") for k in window])
        return [parse_run(merged, out / f"series-{window.start:03d}-{n}-{label}")]

    labels = ("A", "A2") if slowdown == 0 else ("A2", "B")
    windows = [range(start, start + n) for start in range(0, steps - n + 1, n)]
    return [(side(window, labels[0]), side(window, labels[1])) for window in windows]


def series_spread(out: Path, steps: int) -> list[tuple]:
    """Per benchmark, over the series' A and A' processes: the CV of their p10, its mean, and the
    CV of the p10 of each round divided by the reference timed before it (when interleaved)."""
    p10: dict[str, list[float]] = {}
    relative: dict[str, list[float]] = {}
    for k in range(steps):
        for label in ("A", "A2"):
            for entry in series_document(out / f"series-{k:03d}-{label}.json")["benchmarks"]:
                rounds = np.asarray(entry["stats"]["data"])
                p10.setdefault(entry["name"], []).append(location(rounds))
                references = entry["extra_info"].get(REFERENCE_ROUNDS)
                if references:
                    relative.setdefault(entry["name"], []).append(location(rounds / np.asarray(references)))

    def cv(values: list[float]) -> str:
        return f"{np.std(values, ddof=1) / np.mean(values):.1%}" if values else "-"

    return [(name, cv(v), f"{np.mean(v) * 1e3:.3f}", cv(relative.get(name, []))) for name, v in p10.items()]


def ab_session(out: Path, folder: Path, root: Path, i: int, slowdown: float, ab_pairs: int) -> None:
    """One ``bench ab`` session: A (no slowdown) and B (``slowdown``) alternately, ``ab_pairs`` pairs."""
    base_path, cand_path = (out / f"ab-{i:02d}-{slowdown:.2f}-{side}.json" for side in ("A", "B"))
    if base_path.exists() and cand_path.exists():
        return
    print(f"{time.strftime('%H:%M:%S')} {base_path.name[:-7]}", file=sys.stderr, flush=True)
    a, b = Suite(root, KEYWORD), Suite(root, KEYWORD, env={"PERFHARNESS_BENCH_SLOWDOWN": str(slowdown)})
    documents: tuple[list[dict], list[dict]] = ([], [])
    for k in range(ab_pairs):
        for side, suite, label in ((0, a, "A"), (1, b, "B")):
            documents[side].append(run_worker(suite, f"{k}/{ab_pairs}", folder, f"ab-{label}-{k}"))
    base_path.write_text(json.dumps(merge(documents[0])))
    cand_path.write_text(json.dumps(merge(documents[1])))


def plain_fails(baseline, candidate, threshold: float) -> int:
    """What ``--benchmark-compare-fail=median:T`` counts: candidate median > (1 + T) x baseline's."""
    fails = 0
    for key, bench in baseline.benchmarks.items():
        other = candidate.benchmarks.get(key)
        if other is not None and not key.startswith("reference["):
            fails += float(np.median(other.rounds)) > (1 + threshold) * float(np.median(bench.rounds))
    return fails


def pairs_of(out: Path, method: str, pairs: int, slowdown: float) -> list[tuple[list, list]]:
    """(baseline runs, candidate runs) of each pair of one method and slowdown."""
    if method.startswith("series-"):
        return series_pairs(out, pairs, int(method.split("-")[1]), slowdown)
    if method == "ab":
        return [([load_run(str(out / f"ab-{i:02d}-{slowdown:.2f}-A.json"))],
                 [load_run(str(out / f"ab-{i:02d}-{slowdown:.2f}-B.json"))]) for i in range(pairs)]
    prefix = "single" if method == "single" else "processes"
    a = [load_run(str(out / f"{prefix}-A{i:02d}-0.00.json")) for i in range(pairs + 1)]

    def candidate(i: int):
        return a[i + 1] if slowdown == 0 else load_run(str(out / f"{prefix}-B{i:02d}-{slowdown:.2f}.json"))

    if method == "runs":  # the BASELINE_RUNS A runs up to the candidate's own baseline run
        return [(a[max(0, i + 1 - BASELINE_RUNS):i + 1], [candidate(i)]) for i in range(BASELINE_RUNS - 1, pairs)]
    return [([a[i]], [candidate(i)]) for i in range(pairs)]


def analyse(out: Path, pairs: int, slowdowns: list[float], methods: list[str], threshold: float) -> list[tuple]:
    gates = load_gates(Path("pyproject.toml"), threshold)  # per-group thresholds apply
    rows = []
    for method in methods:
        for slowdown in [0.0] + slowdowns:
            label = "A/A" if slowdown == 0 else f"A/B +{slowdown:.0%}"
            for normalize in (False, True):
                verdicts: dict[str, int] = {}
                flagged = plain_flagged = comparisons = 0
                judged = pairs_of(out, method, pairs, slowdown)
                for baselines, candidates in judged:
                    result = compare(baselines, candidates, gates, normalize=normalize)
                    for row in result.rows:
                        verdicts[row.verdict] = verdicts.get(row.verdict, 0) + 1
                    comparisons += len(result.rows)
                    flagged += result.count("regression") > 0
                    plain_flagged += plain_fails(baselines[-1], candidates[0], threshold) > 0
                rows.append((method, label, "yes" if normalize else "no", comparisons, verdicts.get("regression", 0),
                             verdicts.get("no change", 0), verdicts.get("unstable", 0),
                             verdicts.get("improvement", 0), f"{flagged}/{len(judged)}",
                             f"{plain_flagged}/{len(judged)}"))
    return rows


def by_benchmark(out: Path, pairs: int, slowdowns: list[float], methods: list[str], threshold: float) -> list[tuple]:
    """Per method, slowdown and benchmark: how often each verdict came out (without --normalize)."""
    gates = load_gates(Path("pyproject.toml"), threshold)
    rows = []
    for method in methods:
        for slowdown in [0.0] + slowdowns:
            counts: dict[str, dict[str, int]] = {}
            for baselines, candidates in pairs_of(out, method, pairs, slowdown):
                for row in compare(baselines, candidates, gates).rows:
                    verdicts = counts.setdefault(row.name, {})
                    verdicts[row.verdict] = verdicts.get(row.verdict, 0) + 1
            label = "A/A" if slowdown == 0 else f"+{slowdown:.0%}"
            rows += [(method, label, name, *(v.get(verdict, 0) for verdict in ("regression", "no change", "unstable",
                                                                                "improvement")))
                     for name, v in counts.items()]
    return rows


def process_spread(out: Path, pairs: int) -> list[tuple]:
    """Per benchmark, over the A runs of ``processes``: the median between-process CV of p10 within
    a run, and the CV of the runs' locations (mean over processes of p10)."""
    spreads: dict[str, tuple[list[float], list[float]]] = {}
    for i in range(pairs + 1):
        run = load_run(str(out / f"processes-A{i:02d}-0.00.json"))
        for name, bench in run.benchmarks.items():
            p10 = [location(rounds) for rounds in bench.processes]
            within, means = spreads.setdefault(name, ([], []))
            within.append(float(np.std(p10, ddof=1) / np.mean(p10)))
            means.append(float(np.mean(p10)))
    return [(name, f"{np.median(within):.1%}", f"{np.std(means, ddof=1) / np.mean(means):.1%}",
             f"{np.mean(means) * 1e3:.3f}") for name, (within, means) in spreads.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--slowdowns", default="0.05,0.10")
    parser.add_argument("--threshold", type=float, default=0.05)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--ab-pairs", type=int, default=3, help="pairs of worker processes per ab session (default 3)")
    parser.add_argument("--interleave-reference", action="store_true",
                        help="series: time the reference before every round (then --normalize divides by it)")
    parser.add_argument("--by-benchmark", action="store_true",
                        help="also print each benchmark's verdicts and the spread between processes and runs")
    args = parser.parse_args()
    slowdowns = [float(s) for s in args.slowdowns.split(",")]
    methods = args.methods.split(",")
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    if methods == ["series"]:
        slowdowns = slowdowns[:1]
        with tempfile.TemporaryDirectory(prefix="perfharness-gate-") as scratch:
            series(args.out, Path(scratch), source_root(), args.pairs, slowdowns[0], args.interleave_reference)
        seconds = float(np.median(list(json.loads((args.out / "series-seconds.json").read_text()).values())))
        print(f"series: a worker process takes {seconds:.1f} s (median); a session of n pairs "
              + ", ".join(f"{n}: {2 * n * seconds / 60:.1f} min" for n in SESSION_PAIRS), file=sys.stderr)
        methods = [f"series-{n}" for n in SESSION_PAIRS]
    elif "series" in methods:
        parser.error("the series method runs alone")
    else:
        collect(args.out, args.pairs, slowdowns, methods, args.ab_pairs)
    print(f"collected in {(time.monotonic() - start) / 60:.0f} min", file=sys.stderr)
    print("| method | pairs | --normalize | benchmark comparisons | regression | no change | unstable | improvement "
          f"| pairs failing the gate | pairs failing plain median:{args.threshold:.0%} |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in analyse(args.out, args.pairs, slowdowns, methods, args.threshold):
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    if args.by_benchmark:
        print("\n| method | pairs | benchmark | regression | no change | unstable | improvement |"
              "\n|---|---|---|---|---|---|---|")
        for row in by_benchmark(args.out, args.pairs, slowdowns, methods, args.threshold):
            print("| " + " | ".join(str(cell) for cell in row) + " |")
        if {"processes", "runs"} & set(methods):
            print("\n| benchmark | between processes (CV of p10, median over runs) | between runs (CV) | mean p10 ms |"
                  "\n|---|---|---|---|")
            for row in process_spread(args.out, args.pairs):
                print("| " + " | ".join(str(cell) for cell in row) + " |")
        if methods[0].startswith("series-"):
            print("\n| benchmark | between processes of the series (CV of p10) | mean p10 ms "
                  "| the same, each round divided by the reference before it |\n|---|---|---|---|")
            for row in series_spread(args.out, args.pairs):
                print("| " + " | ".join(str(cell) for cell in row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
