"""Pair two runs by benchmark name and give each pair a verdict.

The verdict of one benchmark (ratio = candidate p10 / baseline p10 -- the 10th percentile of the
rounds, see ``stats.LOCATION_QUANTILE`` -- and t = its threshold):

1. ``unstable`` when either run had the CPU less than MIN_CPU_SHARE of its time (other processes
   competed: recorded by the suites as ``extra_info["cpu_share"]``), has fewer than MIN_ROUNDS
   rounds, or a spread (IQR / median) above MAX_SPREAD;
2. ``regression`` when the slowdown is significant (Mann-Whitney p < 1 - confidence, and the
   interval above 1) and even the interval's low end is above 1 + t; ``improvement`` mirrored
   (significant, high end below 1 / (1 + t));
3. ``unstable`` when the interval reaches further than t on either side of the ratio (too
   noisy to tell a change of the threshold's size);
4. ``regression`` when significant and the ratio is above 1 + t; ``improvement`` mirrored;
5. ``no change`` otherwise.

Without ``--normalize``, when the reference benchmark itself moved by more than the default
threshold the machine changed between the runs: regressions and improvements become ``unstable``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass


from perfharness.bench.gates import DEFAULT_REFERENCE, Gates
from perfharness.bench.stats import location, mann_whitney_p, ratio_interval, relative_iqr
from perfharness.bench.storage import Benchmark, Run
from perfharness.errors import UsageError

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


@dataclass(frozen=True)
class Drift:
    """The reference benchmark's candidate/baseline ratio: how much the machine itself changed."""

    name: str
    ratio: float
    low: float
    high: float


@dataclass(frozen=True)
class Comparison:
    baseline: Run
    candidate: Run
    rows: list[Row]
    confidence: float
    normalized: bool
    drift: Drift | None
    warnings: list[str]

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


def compare(baseline: Run, candidate: Run, gates: Gates, *, confidence: float = 0.95,
            normalize: bool = False, reference: str = DEFAULT_REFERENCE) -> Comparison:
    """Compare every benchmark of both runs except the reference. UsageError on unusable input."""
    references = baseline.find(reference), candidate.find(reference)
    if normalize and None in references:
        missing = baseline.path if references[0] is None else candidate.path
        raise UsageError(f"--normalize needs the reference benchmark {reference!r}, missing from {missing} "
                         "(name it with --reference, or drop --normalize)")
    keys = [key for key, bench in baseline.benchmarks.items()
            if key in candidate.benchmarks and bench is not references[0]]
    if not keys:
        raise UsageError(f"no common benchmarks in {baseline.path} and {candidate.path} (paired by name)")
    pairs = [(baseline.benchmarks[key], candidate.benchmarks[key]) for key in keys]
    reference_pair = None if None in references else references
    _require_rounds((baseline, candidate), pairs + ([reference_pair] if reference_pair else []))
    drift = None
    if reference_pair:
        rounds = reference_pair[0].rounds, reference_pair[1].rounds
        drift = Drift(reference, location(rounds[1]) / location(rounds[0]),
                      *ratio_interval(rounds[0], rounds[1], confidence))
    rows = [_row(key, pair, gates, confidence, reference_pair if normalize else None) for key, pair in zip(keys, pairs)]
    if drift and not normalize and not 1 / (1 + gates.default) <= drift.ratio <= 1 + gates.default:
        reason = (f"the machine itself changed: {drift.name} x{drift.ratio:.3f} "
                  "(rerun both on a quiet machine, or compare with --normalize)")
        rows = [dataclasses.replace(row, verdict="unstable", reason=reason)
                if row.verdict in ("regression", "improvement") else row for row in rows]
    return Comparison(baseline, candidate, rows, confidence, normalize, drift,
                      _warnings(baseline, candidate, references, drift, normalize, gates.default))


def _require_rounds(runs: tuple[Run, Run], pairs: list[tuple[Benchmark, Benchmark]]) -> None:
    for side, run in enumerate(runs):
        lacking = [pair[side].name for pair in pairs if pair[side].rounds is None]
        if lacking:
            more = f" and {len(lacking) - 1} more" if len(lacking) > 1 else ""
            raise UsageError(f"{run.path}: no raw rounds (stats.data) for {lacking[0]}{more}; "
                             "rerun pytest with --benchmark-save-data")


def _row(key: str, pair: tuple[Benchmark, Benchmark], gates: Gates, confidence: float,
         reference: tuple[Benchmark, Benchmark] | None) -> Row:
    base, cand = pair[0].rounds, pair[1].rounds
    assert base is not None and cand is not None
    ratio = location(cand) / location(base)
    scaled_base, scaled_cand, reference_rounds = base, cand, None
    if reference is not None:
        reference_rounds = reference[0].rounds, reference[1].rounds
        scaled_base, scaled_cand = base / location(reference_rounds[0]), cand / location(reference_rounds[1])
        ratio /= location(reference_rounds[1]) / location(reference_rounds[0])
    low, high = ratio_interval(base, cand, confidence, reference_rounds)
    p_value = mann_whitney_p(scaled_base, scaled_cand)
    threshold = gates.threshold(pair[1].name, pair[1].fullname, pair[1].group)
    shares = tuple(bench.extra_info.get("cpu_share") for bench in pair)
    verdict, reason = decide(ratio, low, high, p_value, threshold, confidence, (len(base), len(cand)),
                             (relative_iqr(base), relative_iqr(cand)), shares)
    return Row(key, location(base), location(cand), ratio, low, high, p_value, threshold, verdict, reason)


def _warnings(baseline: Run, candidate: Run, references: tuple[Benchmark | None, Benchmark | None],
              drift: Drift | None, normalize: bool, threshold: float) -> list[str]:
    warnings = []
    machines = [_machine(baseline), _machine(candidate)]
    differences = [f"{field} {a!r} vs {b!r}" for field, a, b in zip(("node", "arch", "cpu"), *machines) if a != b]
    if differences:
        warnings.append(f"the runs come from different machines ({'; '.join(differences)}): verdicts compare "
                        "machines as well as code" + ("" if normalize else "; consider --normalize"))
    versions = _openvino(baseline), _openvino(candidate)
    if all(versions) and versions[0] != versions[1]:
        warnings.append(f"different OpenVINO versions: baseline {', '.join(sorted(versions[0]))}, "
                        f"candidate {', '.join(sorted(versions[1]))}")
    for run, other, side in ((baseline, candidate, "baseline"), (candidate, baseline, "candidate")):
        alone = [key for key, bench in run.benchmarks.items()
                 if key not in other.benchmarks and bench not in references]
        if alone:
            warnings.append(f"{len(alone)} benchmark(s) only in the {side}, not compared: {', '.join(alone)}")
    if drift and not normalize and not 1 / (1 + threshold) <= drift.ratio <= 1 + threshold:
        warnings.append(f"the reference {drift.name} changed by {drift.ratio - 1:+.1%}: the machine itself is "
                        "slower or faster; consider --normalize")
    return warnings


def _machine(run: Run) -> tuple[object, object, object]:
    info = run.machine_info
    cpu = info.get("cpu") if isinstance(info.get("cpu"), dict) else {}
    return info.get("node"), info.get("machine"), cpu.get("brand_raw")


def _openvino(run: Run) -> set[str]:
    software = run.machine_info.get("software")
    versions = {bench.extra_info.get("openvino") for bench in run.benchmarks.values()}
    versions.add(software.get("openvino") if isinstance(software, dict) else None)
    return {str(version) for version in versions if version}
