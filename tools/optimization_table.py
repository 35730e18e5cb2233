"""The table and plot of docs/optimization.md "Techniques compared": one model across precisions and lab variants.

For each name (FP32, FP16, INT8 or a lab variant of the model): stored weights (.bin) and their
zlib -9 size, MACs (``lab.complexity``), median latency of the model alone measured interleaved
(round r runs ``--runs`` inferences of every name in turn, the order rotated each round, on the
held-out inputs of the sample clip; 1 thread, LATENCY, FP32/FP16/variants at f32, INT8 at the
device default), and drift against the FP32 chain on the held-out frames (that model changed
only): iris centre px (mean, median), gaze deg (mean). Latency needs a quiet machine;
``--no-latency`` leaves it out (drift and MACs do not depend on load).

    python tools/optimization_table.py iris_landmarks FP32,FP16,INT8,pruned-0.3,pruned-0.5,sparse-0.5,clustered-16,student-w32 \
        --rounds 30 --runs 20 --plot docs/optimization-latency-drift.png
"""

from __future__ import annotations

import argparse
import statistics
from time import perf_counter

import numpy as np

from perfharness.lab import precisions
from perfharness.lab.calibration_data import model_inputs, sample_frames
from perfharness.lab.complexity import analyze
from perfharness.lab.prune import zlib_bytes
from perfharness.lab.targets import parse_precisions
from perfharness.runtime.engine import read_model


def iris_errors(reference, other) -> list[float]:
    """Per frame where both found the eyes: mean iris-centre distance over both eyes, px."""
    return [float(np.mean([np.hypot(*np.subtract(ea.iris_center, eb.iris_center))
                           for ea, eb in ((a.left_eye, b.left_eye), (a.right_eye, b.right_eye))]))
            for a, b in zip(reference, other) if a.left_eye and b.left_eye]


def interleaved_latency(models: dict, tensors: list[np.ndarray], rounds: int, runs: int) -> dict[str, float]:
    """Median seconds per inference of each model, the models taking turns (rotated order) each round."""
    times: dict[str, list[float]] = {name: [] for name in models}
    names = list(models)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            model = models[name]
            key = next(iter(model.input_names))
            for i in range(runs):
                tensor = tensors[(r * runs + i) % len(tensors)]
                start = perf_counter()
                model.infer({key: tensor})
                times[name].append(perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a mediapipe model, e.g. iris_landmarks")
    parser.add_argument("names", help="comma-separated, FP32 first: precisions and lab variants of the model")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--runs", type=int, default=20, help="inferences per name and round")
    parser.add_argument("--no-latency", action="store_true", help="only sizes, MACs and drift")
    parser.add_argument("--plot", help="write latency (or MACs, with --no-latency) vs iris drift here (PNG)")
    args = parser.parse_args()
    names = parse_precisions(args.names)
    frames = sample_frames("held_out")
    chains = {name: precisions._chain(name) for name in names}
    reference = precisions._run(chains["FP32"], frames)
    stages = {name: chains[name].stage(args.model) for name in names}
    rows = {}
    for name, stage in stages.items():
        other = precisions._run(chains["FP32"].replaced(stage), frames)
        errors, d = iris_errors(reference, other), precisions.drift(reference, other)
        xml = stage.model.path
        rows[name] = {"bin": xml.with_suffix(".bin").stat().st_size, "zlib": zlib_bytes(xml.with_suffix(".bin")),
                      "macs": analyze(read_model(xml)).total("macs"), "iris_mean": d.iris_px,
                      "iris_median": float(np.median(errors)), "gaze_mean": d.gaze_deg}
    if not args.no_latency:
        latency = interleaved_latency({name: stage.model for name, stage in stages.items()},
                                      model_inputs("held_out")[args.model], args.rounds, args.runs)
        for name in names:
            rows[name]["latency_ms"] = latency[name] * 1e3
    print("| variant | .bin KB | zlib KB | MACs (M) | median ms (interleaved) | iris px mean (median) | gaze deg mean |")
    print("|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        ms = f"{row['latency_ms']:.3f}" if "latency_ms" in row else "(quiet machine)"
        print(f"| {name} | {row['bin'] / 1024:.0f} | {row['zlib'] / 1024:.0f} | {row['macs'] / 1e6:.1f} | {ms} | "
              f"{row['iris_mean']:.3f} ({row['iris_median']:.3f}) | {row['gaze_mean']:.3f} |")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        x_key, x_label = ("latency_ms", "median latency, ms (interleaved)") if not args.no_latency else ("macs", "MACs")
        figure, axes = plt.subplots(figsize=(6, 4))
        for name, row in rows.items():
            axes.scatter(row[x_key], row["iris_mean"])
            axes.annotate(name, (row[x_key], row["iris_mean"]), fontsize=8)
        axes.set_xlabel(x_label)
        axes.set_ylabel("iris centre drift vs FP32, px (mean)")
        axes.set_title(f"{args.model}: cost vs drift")
        figure.tight_layout()
        figure.savefig(args.plot, dpi=120)


if __name__ == "__main__":
    main()
