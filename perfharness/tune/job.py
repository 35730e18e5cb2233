"""``perfharness tune`` as a job: the search run as a session
(Ctrl-C or SIGTERM at any moment ends it, the writes always happen), then the configuration file
(the choice, with everything measured in its ``tune`` section, ``complete`` false when the search
was cut short), the front's plot, and the front and choice as text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from perfharness import zoo
from perfharness.core.outputs import writing
from perfharness.gaze.sources import SAMPLE_FRAMES, open_source
from perfharness.results import stamps
from perfharness.results.manifest import new_manifest
from perfharness.run.config_file import write_config
from perfharness.run.session import COMPLETED, FinalWrites, run_session
from perfharness.run.settings import RunSettings
from perfharness.tune import fresh
from perfharness.tune.drift import METRICS, budget_share
from perfharness.tune.front import default_point, front_table, pareto_front, write_front_plot
from perfharness.tune.search import MIN_GAIN, RUNGS, Tuner
from perfharness.tune.space import MODEL_SET, dimensions
from perfharness.tune.timing import INPUT
from perfharness.zoo.manifest import load_manifest

BUDGET_WHY = {
    "iris_px": "half a pixel: the iris stage agrees with MediaPipe's own to ~0.45 px (median), so a tuned chain "
               "stays within the 1 px the controller promises",
    "gaze_deg": "one degree: about 1 cm on a screen at 60 cm, below what a pointer calibration resolves; the "
                "course's INT8 iris model drifts 0.57 deg",
    "face_mismatch": "2 % of the held-out frames: a configuration that loses the face is not accurate, whatever "
                     "its pixels say",
}


@dataclass(frozen=True)
class TuneOptions:
    out: Path
    plot: Path
    budget: dict[str, float]
    max_time_s: float
    device: str = "CPU"


@dataclass
class TuneOutcome:
    complete: bool
    document: dict  # the file's ``tune`` section
    text: str  # the front and the choice, for stdout
    failed: str | None  # the first write that failed


def check_ready() -> None:
    """ModelError (one line, exit 2) before anything starts when the reference chain's models or the
    sample clip are not in the cache: the workers would each fail on it."""
    for model in load_manifest().model_set(MODEL_SET).models:
        zoo.model_path(MODEL_SET, model, "FP32")
    with open_source(INPUT):
        pass


def run_tune(options: TuneOptions) -> TuneOutcome:
    """Search, then write the configuration and the plot whatever happened; see the module docstring."""
    started = stamps.iso()
    tuner: Tuner | None = None

    def measure() -> None:
        nonlocal tuner
        tuner = Tuner(SAMPLE_FRAMES, dimensions(options.device), options.budget, options.max_time_s)
        tuner.run()

    def finish(stopped: str) -> TuneOutcome:
        candidates = [c.as_dict(options.budget) for c in tuner.candidates] if tuner else []
        points = [default_point(options.budget), *candidates]
        front = pareto_front(points)
        document = tune_document(tuner, options, started, stopped, candidates, front)
        if stopped.startswith("failed") and not candidates:
            return TuneOutcome(False, document, "", None)  # nothing measured: the error says why
        writes = FinalWrites()
        choice = tuner.choice.settings if tuner and tuner.choice else RunSettings()
        writes.attempt(lambda: write_config(options.out, choice, document))
        if candidates:

            def plot() -> None:
                with writing(options.plot):
                    write_front_plot(points, front, document["choice"], str(document["run"]["cpu"]["model"]),
                                     options.plot)

            writes.attempt(plot)
        return TuneOutcome(stopped == COMPLETED, document, summary_text(document, front, options), writes.failed)

    return run_session(measure, finish)


def tune_document(tuner: Tuner | None, options: TuneOptions, started: str, stopped: str, candidates: list[dict],
                  front: list[dict]) -> dict:
    """The configuration file's ``tune`` section: what ran, every candidate (``Candidate.as_dict``),
    the front, the choice."""
    choice = tuner.choice.label if tuner and tuner.choice else "default"
    confirmation = tuner.confirmation if tuner else None
    run = new_manifest("tune", "tune", "the chain's fastest configuration on this machine within an accuracy budget",
                       {"budget": options.budget, "max_time_s": options.max_time_s, "device": options.device}, started)
    run["complete"] = stopped == COMPLETED
    return {
        "complete": stopped == COMPLETED,
        "stopped": stopped if stopped != COMPLETED else (tuner.stopped if tuner else stopped),
        "elapsed_s": round(tuner.elapsed_s(), 1) if tuner else 0.0,
        "max_time_s": options.max_time_s,
        "input": f"{INPUT}: timed on every frame, drift on the held-out (odd) frames against the FP32 chain "
                 "at its defaults",
        "budget": options.budget,
        "budget_why": {key: BUDGET_WHY.get(key, METRICS.get(key, "")) for key in options.budget},
        "method": {"search": "coordinate descent, each step successive halving", "rungs_pairs": list(RUNGS),
                   "min_gain": MIN_GAIN, "sweeps": tuner.sweeps if tuner else 0,
                   "confirm": f"{fresh.PAIRS}-{fresh.MAX_PAIRS} pairs of fresh processes, the median of {fresh.PASSES} "
                              "passes each"},
        "searched": {d.name: [str(v) for v in d.values] for d in tuner.dimensions} if tuner else {},
        "candidates": candidates,
        "front": [point["label"] for point in front],
        "choice": choice,
        "choice_budget_share": budget_share(tuner.choice.drift, options.budget) if tuner and tuner.choice else 0.0,
        "confirmation": ({"pairs": confirmation.pairs, "ratio_to_default": confirmation.ratio,
                          "interval_95": list(confirmation.interval) if confirmation.interval else None,
                          "choice_ms": confirmation.choice_ms, "default_ms": confirmation.default_ms}
                         if confirmation else None),
        "run": run,
    }


def summary_text(document: dict, front: list[dict], options: TuneOptions) -> str:
    """The front and the choice, as the command prints them."""
    ended = "complete" if document["complete"] else "cut short: " + document["stopped"]
    lines = [f"perfharness tune: {len(document['candidates'])} configurations measured in "
             f"{document['elapsed_s']:.0f} s ({ended})",
             "", "Pareto front (time per frame against drift from the FP32 chain):", "",
             front_table(front, options.budget, document["choice"]), ""]
    confirmation = document["confirmation"]
    if confirmation:
        low, high = confirmation["interval_95"] or (None, None)
        lines.append(f"choice: {document['choice']}: {confirmation['ratio_to_default']:.2f}x the default"
                     + (f" (95% interval {low:.2f}-{high:.2f})" if low is not None else "")
                     + f", {confirmation['choice_ms']:.2f} ms against {confirmation['default_ms']:.2f} ms per frame")
    else:
        lines.append(f"choice: {document['choice']}")
    lines.append(f"written: {options.out} (run it: perfharness controller --config {options.out})")
    return "\n".join(lines) + "\n"
