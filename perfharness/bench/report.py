"""The comparison as a fixed-width table (terminal, CI log) and as Markdown (CI summary)."""

from __future__ import annotations

import math

from perfharness.bench.compare import VERDICTS, Comparison, Drift, Row
from perfharness.bench.storage import Run

HEADER = ("benchmark", "baseline p10 {unit}", "candidate p10 {unit}", "ratio", "{level} CI", "p", "gate", "verdict")
UNITS = {"time": "ms", "instructions": "M instr", "cycles": "M cycles"}  # what a row's values are printed in


def summary(comparison: Comparison) -> str:
    """``1 regression, 0 improvements, 10 no change, 1 unstable``."""
    counts = {verdict: comparison.count(verdict) for verdict in VERDICTS}
    plural = {"regression": "regressions", "improvement": "improvements"}
    return ", ".join(f"{n} {plural.get(v, v) if n != 1 else v}" for v, n in counts.items())


def format_table(comparison: Comparison) -> str:
    """A header line per run, the normalisation or drift line, the table, and the summary."""
    cells = [_header(comparison)] + [_cells(row, ", ", "[{}]", comparison) for row in comparison.rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER) - 1)]
    lines = [f"baseline:  {_describe(comparison.baseline)}", f"candidate: {_describe(comparison.candidate)}"]
    lines += [f"note: {note}" for note in comparison.notes]
    if comparison.drift:
        lines.append(_drift(comparison.drift, comparison))
    for line in cells:
        left = [line[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(line[1:-1], widths[1:])]
        lines.append("  ".join(left + [line[-1]]).rstrip())
    return "\n".join(lines + [summary(comparison)]) + "\n"


def format_markdown(comparison: Comparison) -> str:
    """A heading with the outcome, the runs, warnings, the table, and the summary."""
    regressions = comparison.count("regression")
    outcome = f"failed ({regressions} regression{'s' if regressions != 1 else ''})" if regressions else "passed"
    lines = [f"### Benchmark gate: {outcome}", "", f"- baseline: {_describe(comparison.baseline, '`')}",
             f"- candidate: {_describe(comparison.candidate, '`')}"]
    lines += [f"- note: {note}" for note in comparison.notes]
    if comparison.drift:
        lines.append(f"- {_drift(comparison.drift, comparison, '`')}")
    lines += [f"- **warning:** {warning}" for warning in comparison.warnings] + [""]
    header = _header(comparison)
    lines += ["| " + " | ".join(header) + " |", "|:--|" + "--:|" * (len(header) - 2) + ":--|"]
    for row in comparison.rows:
        cells = _cells(row, "–", "{}", comparison)
        cells[0] = f"`{cells[0]}`".replace("|", "\\|")
        cells[-1] = f"**{cells[-1]}**" if row.verdict == "regression" else cells[-1].replace("|", "\\|")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines + ["", summary(comparison) + "."]) + "\n"


def _header(comparison: Comparison) -> list[str]:
    level = "range" if comparison.measure.deterministic else f"{comparison.confidence:.0%} CI"
    return [cell.replace("{level} CI", level).format(unit=UNITS[comparison.measure.name]) for cell in HEADER]


def _cells(row: Row, dash: str, brackets: str, comparison: Comparison) -> list[str]:
    verdict = f"{row.verdict}: {row.reason}" if row.reason else row.verdict
    value = _millions if comparison.measure.deterministic else _ms
    return [row.name, value(row.baseline_time), value(row.candidate_time), f"{row.ratio:.3f}",
            brackets.format(f"{row.low:.3f}{dash}{row.high:.3f}"), _p(row.p_value), _percent(row.threshold), verdict]


def _describe(runs: list[Run], quote: str = "") -> str:
    """A side: its file(s), each with its commit, and how many processes each run merged."""
    parts = []
    for run in runs:
        commit = run.commit_info
        text = f"{quote}{run.path}{quote}"
        details = []
        if commit.get("id"):
            details.append(f"commit {quote}{str(commit['id'])[:12]}{quote}{', dirty' if commit.get('dirty') else ''}")
        processes = max((len(bench.processes) for bench in run.benchmarks.values() if bench.rounds is not None), default=1)
        if processes > 1:
            details.append(f"{processes} processes")
        parts.append(text + (f" ({'; '.join(details)})" if details else ""))
    return ("" if len(runs) == 1 else f"{len(runs)} runs: ") + ", ".join(parts)


def _drift(drift: Drift, comparison: Comparison, quote: str = "") -> str:
    if comparison.measure.deterministic:  # counts: the reference moves with OpenVINO, not with the machine
        return (f"reference {quote}{drift.name}{quote} (counted): candidate/baseline {drift.ratio:.3f} "
                f"(range {drift.low:.3f}–{drift.high:.3f})")
    what = "ratios normalised by" if comparison.normalized else "not normalised; reference"
    if comparison.interleaved:  # the rounds were divided by the interleaved reference (a note says so)
        what = "reference"
    return (f"{what} {quote}{drift.name}{quote}: candidate/baseline {drift.ratio:.3f} "
            f"({comparison.confidence:.0%} CI {drift.low:.3f}–{drift.high:.3f})")


def _ms(seconds: float) -> str:
    milliseconds = seconds * 1e3
    return f"{milliseconds:#.4g}" if milliseconds < 1000 else f"{milliseconds:.0f}"


def _millions(count: float) -> str:
    return f"{count / 1e6:.3f}"


def _p(p_value: float) -> str:
    if math.isnan(p_value):  # counts: no test
        return "–"
    return "<0.001" if p_value < 0.001 else f"{p_value:.3f}"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"
