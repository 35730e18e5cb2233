"""Pair the runs of two sides by benchmark name and give each benchmark a verdict.

A side is one run or several (files), a run one process or several (``bench run`` merges its
workers). With one process per side, the ratio is candidate p10 / baseline p10 -- the 10th
percentile of the rounds, see ``stats.LOCATION_QUANTILE`` -- its interval the bootstrap of the
rounds and p the Mann-Whitney test of the rounds. With more, a side's location is the mean over
runs of the mean over processes of p10, and interval and p come from the hierarchical bootstrap
(runs, then processes, then rounds: ``stats.side_ratio``), so the spread between processes and
between runs is part of the verdict. Then, with t the benchmark's threshold:

1. ``unstable`` when either run had the CPU less than MIN_CPU_SHARE of its time (other processes
   competed: recorded by the suites as ``extra_info["cpu_share"]``), has fewer than MIN_ROUNDS
   rounds, or a spread (IQR / median) above MAX_SPREAD. A worker process of a merged run that had
   the CPU less than that is left out instead, when the others are at least two and at least half
   of the run's (``undisturbed``; a note counts them);
2. ``regression`` when the slowdown is significant (Mann-Whitney p < 1 - confidence, and the
   interval above 1) and even the interval's low end is above 1 + t; ``improvement`` mirrored
   (significant, high end below 1 / (1 + t));
3. ``unstable`` when the interval reaches further than t on either side of the ratio (too
   noisy to tell a change of the threshold's size);
4. ``regression`` when significant and the ratio is above 1 + t; ``improvement`` mirrored;
5. ``no change`` otherwise.

With ``--normalize`` each round is divided by the reference: by the reference timed just before
it when both sides recorded that (``bench run/ab --interleave-reference``, ``reference_rounds``),
else by the same process's p10 of the reference benchmark.

Without ``--normalize``, when the reference benchmark itself moved by more than the default
threshold the machine changed between the runs: a regression or improvement becomes ``unstable``
when that move could account for it (divided by the reference's ratio, it no longer clears the
threshold in the same direction); one larger than the machine's change stands.

Counts (a deterministic measure: instructions, cycles) need none of this: they do not move with
the machine. The ratio is of the same locations, the interval runs from the most favourable to
the least favourable pair of rounds, the threshold is ``Gates.deterministic`` for every
benchmark, and the verdict is ``unstable`` only when a side's own counts disagree by more than
half of it (``decide_counted``). Runs of different measures are refused.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from perfharness.bench.gates import DEFAULT_REFERENCE, Gates
from perfharness.bench.measure import DEFAULT, Measure
from perfharness.bench.storage import PROCESS_CPU_SHARES, PROCESS_ROUNDS, REFERENCE_ROUNDS, Benchmark, Run
from perfharness.core.errors import UsageError
from perfharness.stats.bootstrap import (
    Side,
    location,
    mann_whitney_p,
    noise_note,
    ratio_interval,
    relative_iqr,
    side_location,
    side_ratio,
)

MIN_ROUNDS = 10
MAX_SPREAD = 0.5
MIN_CPU_SHARE = 0.9
VERDICTS = ("regression", "improvement", "no change", "unstable")


@dataclass(frozen=True)
class Row:
    """One benchmark's comparison; locations (p10) in seconds, ``ratio`` normalised when asked."""

    name: str
    baseline_time: float
    candidate_time: float
    ratio: float
    low: float
    high: float
    p_value: float
    threshold: float
    verdict: str
    reason: str
    left_out: int = 0  # worker processes not judged: disturbed (see ``undisturbed``)


@dataclass(frozen=True)
class Drift:
    """The reference benchmark's candidate/baseline ratio: how much the machine itself changed."""

    name: str
    ratio: float
    low: float
    high: float


@dataclass(frozen=True)
class Comparison:
    baseline: list[Run]
    candidate: list[Run]
    rows: list[Row]
    confidence: float
    normalized: bool
    drift: Drift | None
    warnings: list[str]
    notes: list[str] = dataclasses.field(default_factory=list)  # what the verdicts rest on
    measure: Measure = DEFAULT
    interleaved: bool = False  # normalised by the reference timed before each round (not by its p10)

    def count(self, verdict: str) -> int:
        return sum(row.verdict == verdict for row in self.rows)


def decide(ratio: float, low: float, high: float, p_value: float, threshold: float, confidence: float,
           rounds: tuple[int, int], spread: tuple[float, float],
           cpu_share: tuple[float | None, float | None] = (None, None)) -> tuple[str, str]:
    """The verdict and, for ``unstable`` or a significant change under the threshold, the reason."""
    for side, share in zip(("baseline", "candidate"), cpu_share):
        if share is not None and share < MIN_CPU_SHARE:
            return "unstable", (f"the {side} had the CPU {share:.0%} of its time (other processes competed; "
                                f"limit {MIN_CPU_SHARE:.0%})")
    if min(rounds) < MIN_ROUNDS:
        return "unstable", f"too few rounds ({rounds[0]} baseline, {rounds[1]} candidate; need {MIN_ROUNDS})"
    if max(spread) > MAX_SPREAD:
        return "unstable", f"spread too high (IQR {max(spread):.0%} of the median; limit {MAX_SPREAD:.0%})"
    significant = p_value < 1 - confidence
    slower, faster = significant and low > 1, significant and high < 1
    if slower and low > 1 + threshold:
        return "regression", ""
    if faster and high < 1 / (1 + threshold):
        return "improvement", ""
    half_width = math.sqrt(high / low) - 1
    if half_width > threshold:
        return "unstable", f"interval ±{half_width:.1%} is wider than the ±{threshold * 100:g}% threshold"
    if slower and ratio > 1 + threshold:
        return "regression", ""
    if faster and ratio < 1 / (1 + threshold):
        return "improvement", ""
    return "no change", "significant but within the threshold" if slower or faster else ""


def decide_counted(ratio: float, spread: tuple[float, float], threshold: float) -> tuple[str, str]:
    """The verdict on counts: ``spread`` is how far each side's rounds are apart (max / min - 1)."""
    for side, apart in zip(("baseline", "candidate"), spread):
        if apart > threshold / 2:
            return "unstable", (f"the {side}'s counts differ by {apart:.2%} between rounds (limit {threshold / 2:.2%}): "
                                "something in the call is not deterministic")
    if ratio > 1 + threshold:
        return "regression", ""
    if ratio < 1 / (1 + threshold):
        return "improvement", ""
    return "no change", ""


def compare(baseline: Run | list[Run], candidate: Run | list[Run], gates: Gates, *, confidence: float = 0.95,
            normalize: bool = False, reference: str = DEFAULT_REFERENCE) -> Comparison:
    """Compare every benchmark found in all runs of both sides, except the reference. UsageError
    on unusable input."""
    baselines, candidates = _as_list(baseline), _as_list(candidate)
    runs = baselines + candidates
    measure = _measure(runs)
    if measure.deterministic:
        if normalize:
            raise UsageError(f"--normalize divides times by the reference's; {measure.name} do not drift with the "
                             "machine: drop --normalize")
        return _compare_counts(baselines, candidates, gates, confidence, reference, measure)
    references = [run.find(reference) for run in runs]
    keys = [key for key, bench in runs[0].benchmarks.items()
            if bench is not references[0] and all(key in run.benchmarks for run in runs)]
    if not keys:
        raise UsageError(f"no common benchmarks in {' and '.join(str(run.path) for run in runs)} (paired by name)")
    interleaved = all(run.benchmarks[key].reference_processes is not None for key in keys for run in runs)
    if normalize and None in references and not interleaved:
        missing = runs[references.index(None)].path
        raise UsageError(f"--normalize needs the reference benchmark {reference!r}, missing from {missing} "
                         "(name it with --reference, or drop --normalize)")
    reference_sides = None
    if None not in references:
        reference_sides = (references[:len(baselines)], references[len(baselines):])
    _require_rounds(runs, keys, references)
    drift = None
    if reference_sides:
        ratio, low, high, _, _ = _ratio(*(_processes(side) for side in reference_sides), confidence, None)
        drift = Drift(reference, ratio, low, high)
    rows = [_row(key, baselines, candidates, gates, confidence, normalize, reference_sides) for key in keys]
    if drift and not normalize and not 1 / (1 + gates.default) <= drift.ratio <= 1 + gates.default:
        reason = (f"the machine itself changed: {drift.name} x{drift.ratio:.3f} "
                  "(rerun both on a quiet machine, or compare with --normalize)")
        rows = [dataclasses.replace(row, verdict="unstable", reason=reason) if _explained_by(row, drift) else row
                for row in rows]
    processes = min(len(run.benchmarks[keys[0]].processes) for run in runs)
    note = noise_note(len(baselines), len(candidates), processes)
    notes = [note] if note else []
    left_out = [row for row in rows if row.left_out]
    if left_out:
        notes.append(f"left out {sum(row.left_out for row in left_out)} worker process(es) of {len(left_out)} "
                     f"benchmark(s) that had the CPU less than {MIN_CPU_SHARE:.0%} of its time; judged on the others")
    if normalize and interleaved:
        notes.append("every round divided by the reference timed just before it (--interleave-reference)")
    return Comparison(baselines, candidates, rows, confidence, normalize, drift,
                      _warnings(baselines, candidates, references, drift, normalize, gates.default), notes,
                      interleaved=normalize and interleaved)


def _measure(runs: list[Run]) -> Measure:
    """The one measure of every benchmark of ``runs``; UsageError when they mix measures."""
    found: dict[str, Run] = {}
    for run in runs:
        for bench in run.benchmarks.values():
            found.setdefault(bench.measure.name, run)
    if len(found) > 1:
        held = ", ".join(f"{name} in {run.path}" for name, run in found.items())
        raise UsageError(f"the runs hold different measures ({held}): compare runs of one measure")
    return next(iter(runs[0].benchmarks.values())).measure if runs[0].benchmarks else DEFAULT


def _compare_counts(baselines: list[Run], candidates: list[Run], gates: Gates, confidence: float, reference: str,
                    measure: Measure) -> Comparison:
    runs = baselines + candidates
    references = [run.find(reference) for run in runs]
    keys = [key for key, bench in runs[0].benchmarks.items()
            if bench is not references[0] and all(key in run.benchmarks for run in runs)]
    if not keys:
        raise UsageError(f"no common benchmarks in {' and '.join(str(run.path) for run in runs)} (paired by name)")
    _require_rounds(runs, keys, references)
    rows = [_counted_row(key, [run.benchmarks[key] for run in baselines], [run.benchmarks[key] for run in candidates],
                         gates.deterministic) for key in keys]
    drift = None
    if None not in references:
        row = _counted_row(reference, references[:len(baselines)], references[len(baselines):], gates.deterministic)
        drift = Drift(reference, row.ratio, row.low, row.high)
    note = (f"{measure.name} counted under callgrind: deterministic, one threshold for every benchmark "
            f"({gates.deterministic:.1%}), the range spans the extreme rounds")
    warnings = _warnings(baselines, candidates, references, None, True, gates.default)
    return Comparison(baselines, candidates, rows, confidence, False, drift, warnings, [note], measure)


def _counted_row(name: str, base: list[Benchmark], cand: list[Benchmark], threshold: float) -> Row:
    """One benchmark's counts compared (see ``decide_counted``)."""
    sides = [[location(p) for bench in side for p in bench.processes] for side in (base, cand)]
    rounds = [np.concatenate([bench.rounds for bench in side]) for side in (base, cand)]
    baseline, candidate = float(np.mean(sides[0])), float(np.mean(sides[1]))
    ratio = candidate / baseline
    low, high = rounds[1].min() / rounds[0].max(), rounds[1].max() / rounds[0].min()
    spread = tuple(float(r.max() / r.min() - 1) for r in rounds)
    verdict, reason = decide_counted(ratio, spread, threshold)
    return Row(name, baseline, candidate, ratio, low, high, math.nan, threshold, verdict, reason)


def _explained_by(row: Row, drift: Drift) -> bool:
    """Whether the machine's own change could account for a regression or improvement: the
    ratio divided by the reference's no longer clears the threshold in the same direction."""
    corrected = row.ratio / drift.ratio
    if row.verdict == "regression":
        return corrected <= 1 + row.threshold
    if row.verdict == "improvement":
        return corrected >= 1 / (1 + row.threshold)
    return False


def _as_list(side: Run | list[Run]) -> list[Run]:
    return list(side) if isinstance(side, (list, tuple)) else [side]


def _require_rounds(runs: list[Run], keys: list[str], references: list[Benchmark | None]) -> None:
    for r, run in enumerate(runs):
        lacking = [run.benchmarks[key].name for key in keys if run.benchmarks[key].rounds is None]
        if references[r] is not None and references[r].rounds is None:
            lacking.append(references[r].name)
        if lacking:
            more = f" and {len(lacking) - 1} more" if len(lacking) > 1 else ""
            raise UsageError(f"{run.path}: no raw rounds (stats.data) for {lacking[0]}{more}; "
                             "rerun pytest with --benchmark-save-data")


def _processes(side: list[Benchmark]) -> Side:
    """Each run's rounds per process."""
    return [bench.processes for bench in side]


def _per_round_normalised(side: list[Benchmark]) -> Side:
    """Each run's rounds per process, each divided by the reference timed just before it."""
    return [[rounds / reference for rounds, reference in zip(bench.processes, bench.reference_processes)]
            for bench in side]


def _ratio(base_side: Side, cand_side: Side, confidence: float,
           ref_sides: tuple[Side, Side] | None
           ) -> tuple[float, float, float, float, str]:
    """(ratio, low, high, p, note) of one benchmark's runs on each side, as rounds per process of
    each run (see the module docstring)."""
    if len(base_side) == len(cand_side) == 1 and len(base_side[0]) == len(cand_side[0]) == 1:
        b, c = base_side[0][0], cand_side[0][0]
        ratio = location(c) / location(b)
        reference_rounds, scaled_b, scaled_c = None, b, c
        if ref_sides:
            reference_rounds = ref_sides[0][0][0], ref_sides[1][0][0]
            ratio /= location(reference_rounds[1]) / location(reference_rounds[0])
            scaled_b, scaled_c = b / location(reference_rounds[0]), c / location(reference_rounds[1])
        low, high = ratio_interval(b, c, confidence, reference_rounds)
        return ratio, low, high, mann_whitney_p(scaled_b, scaled_c), noise_note(1, 1)
    return side_ratio(base_side, cand_side, confidence, ref_sides)


def undisturbed(bench: Benchmark) -> list[int]:
    """The processes of a run to judge: all, or, when some had the CPU less than MIN_CPU_SHARE of
    the benchmark's time and the others are at least two and at least half, the others."""
    shares = bench.process_shares
    everyone = list(range(len(bench.processes)))
    if shares is None:
        return everyone
    kept = [p for p in everyone if shares[p] >= MIN_CPU_SHARE]
    return kept if len(kept) >= max(2, (len(everyone) + 1) // 2) else everyone


def _only(bench: Benchmark, processes: list[int]) -> Benchmark:
    """``bench`` with the rounds (and per-process records) of ``processes`` only."""
    if len(processes) == len(bench.processes):
        return bench
    info = dict(bench.extra_info)
    info[PROCESS_ROUNDS] = [len(bench.processes[p]) for p in processes]
    if bench.process_shares is not None:
        info[PROCESS_CPU_SHARES] = [bench.process_shares[p] for p in processes]
        info["cpu_share"] = min(info[PROCESS_CPU_SHARES])
    if bench.reference_processes is not None:
        info[REFERENCE_ROUNDS] = np.concatenate([bench.reference_processes[p] for p in processes]).tolist()
    rounds = np.concatenate([bench.processes[p] for p in processes])
    return dataclasses.replace(bench, rounds=rounds, extra_info=info)


def _row(key: str, baselines: list[Run], candidates: list[Run], gates: Gates, confidence: float, normalize: bool,
         references: tuple[list[Benchmark], list[Benchmark]] | None) -> Row:
    sides = [[run.benchmarks[key] for run in runs] for runs in (baselines, candidates)]
    kept = [[undisturbed(bench) for bench in side] for side in sides]
    left_out = sum(len(bench.processes) - len(k) for side, ks in zip(sides, kept) for bench, k in zip(side, ks))
    base, cand = ([_only(bench, k) for bench, k in zip(side, ks)] for side, ks in zip(sides, kept))
    if references:
        references = tuple([_only(ref, k) for ref, k in zip(side, ks)] for side, ks in zip(references, kept))
    base_side, cand_side, ref_sides = _processes(base), _processes(cand), None
    if normalize and all(bench.reference_processes is not None for bench in base + cand):
        base_side, cand_side = _per_round_normalised(base), _per_round_normalised(cand)
    elif normalize and references:
        ref_sides = _processes(references[0]), _processes(references[1])
    ratio, low, high, p_value, _ = _ratio(base_side, cand_side, confidence, ref_sides)
    threshold = gates.threshold(cand[0].name, cand[0].fullname, cand[0].group)
    shares = tuple(_lowest(bench.extra_info.get("cpu_share") for bench in side) for side in (base, cand))
    rounds = tuple(sum(len(bench.rounds) for bench in side) for side in (base, cand))
    spread = tuple(float(np.median([relative_iqr(p) for bench in side for p in bench.processes])) for side in (base, cand))
    verdict, reason = decide(ratio, low, high, p_value, threshold, confidence, rounds, spread, shares)
    return Row(key, side_location([b.processes for b in base]), side_location([c.processes for c in cand]), ratio,
               low, high, p_value, threshold, verdict, reason, left_out)


def _lowest(values) -> float | None:
    known = [value for value in values if value is not None]
    return min(known) if known else None


def _warnings(baselines: list[Run], candidates: list[Run], references: list[Benchmark | None],
              drift: Drift | None, normalize: bool, threshold: float) -> list[str]:
    warnings = []
    machines = list(dict.fromkeys(_machine(run) for run in baselines + candidates))
    if len(machines) > 1:
        differences = [f"{field} {' vs '.join(repr(m[i]) for m in machines)}"
                       for i, field in enumerate(("node", "arch", "cpu")) if len({m[i] for m in machines}) > 1]
        warnings.append(f"the runs come from different machines ({'; '.join(differences)}): verdicts compare "
                        "machines as well as code" + ("" if normalize else "; consider --normalize"))
    versions = set().union(*map(_openvino, baselines)), set().union(*map(_openvino, candidates))
    if all(versions) and versions[0] != versions[1]:
        warnings.append(f"different OpenVINO versions: baseline {', '.join(sorted(versions[0]))}, "
                        f"candidate {', '.join(sorted(versions[1]))}")
    everywhere = set.intersection(*(set(run.benchmarks) for run in baselines + candidates))
    for side, name in ((baselines, "baseline"), (candidates, "candidate")):
        alone = sorted({key for run in side for key, bench in run.benchmarks.items()
                        if key not in everywhere and bench not in references})
        if alone:
            where = f"only in the {name}" if len(baselines) == len(candidates) == 1 else f"not in every run ({name})"
            warnings.append(f"{len(alone)} benchmark(s) {where}, not compared: {', '.join(alone)}")
    timed_with = {name: {_interleaved(run) for run in side}
                  for name, side in (("baseline", baselines), ("candidate", candidates))}
    if timed_with["baseline"] != timed_with["candidate"] or len(timed_with["baseline"]) > 1:
        warnings.append("some runs were timed with the reference before every round (--interleave-reference) and "
                        "some not: their times differ by what that costs (docs/benchmarking.md)")
    if drift and not normalize and not 1 / (1 + threshold) <= drift.ratio <= 1 + threshold:
        warnings.append(f"the reference {drift.name} changed by {drift.ratio - 1:+.1%}: the machine itself is "
                        "slower or faster; consider --normalize")
    return warnings


def _interleaved(run: Run) -> bool:
    """Whether the run was timed with the reference before every round (of any benchmark)."""
    return any(bench.reference_processes is not None for bench in run.benchmarks.values())


def _machine(run: Run) -> tuple[object, object, object]:
    info = run.machine_info
    cpu = info.get("cpu") if isinstance(info.get("cpu"), dict) else {}
    return info.get("node"), info.get("machine"), cpu.get("brand_raw")


def _openvino(run: Run) -> set[str]:
    software = run.machine_info.get("software")
    versions = {bench.extra_info.get("openvino") for bench in run.benchmarks.values()}
    versions.add(software.get("openvino") if isinstance(software, dict) else None)
    return {str(version) for version in versions if version}
