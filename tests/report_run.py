"""A synthetic run directory in the runner's schema: two variants, stage regions, resources.csv, VTune CSVs."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from perfharness.instrument.resources import COLUMNS
from perfharness.results.frames import COLUMNS as FRAME_COLUMNS

STAGES = ("face_detection.preprocess", "face_detection.infer", "face_detection.postprocess",
          "face_landmarks.infer", "iris_landmarks.infer", "head_pose.postprocess", "gaze.postprocess",
          "pointer.map", "pointer.move")
LABELS = ("precision=FP32 threads=1", "precision=FP16 threads=2")
FRAMES = 60
T0 = 1000.0  # perf_counter seconds at the first variant's start


def _summary(mean: float) -> dict[str, float]:
    return {"count": FRAMES, "mean": mean, "stdev": mean / 10, "min": mean * 0.8,
            "p50": mean, "p90": mean * 1.2, "p99": mean * 1.5}


def _variant(index: int) -> dict:
    scale = 1.0 + index  # the second variant is twice as slow
    start = T0 + index * 3.0
    regions = {"source.read": _summary(0.001), "frame": _summary(0.0123456 * scale)}
    regions["frame"]["p90"] = 0.0150001 * scale
    regions.update({name: _summary(0.001 * (k + 1) * scale / 5) for k, name in enumerate(STAGES)})
    return {
        "label": LABELS[index], "params": {"precision": LABELS[index][10:14]}, "repeat": 0,
        "frames": FRAMES, "warmup_frames": 5, "wall_s": 2.0, "fps": 30.0 / scale, "dropped_frames": index * 3,
        "detection_rate": 0.95, "regions": regions,
        "models": {"face_detection": {"read_s": 0.004, "compile_s": 0.0815, "first_inference_s": 0.002}},
        "resources": {"samples": 20, "duration_s": 2.0, "cpu_percent_mean": 97.5, "cpu_percent_max": 180.0,
                      "rss_peak_bytes": 300 * 1024 * 1024, "rss_growth_bytes_per_min": None if index else 1024 * 1024,
                      "package_energy_j": "unavailable" if index else 12.5},
        "name": LABELS[index], "t_start": start, "t_end": start + 2.6, "stopped": "frames",
    }


def _frame_rows(index: int) -> list[list[str]]:
    """frames.csv rows of a variant: its frame latency wobbles around its mean."""
    scale, start = 1.0 + index, T0 + index * 3.0
    rows = []
    for i in range(FRAMES):
        timings = {"source.read": 0.001, "frame": 0.0123456 * scale * (1 + 0.2 * math.sin(i / 5))}
        row = {"variant": LABELS[index], "index": i, "t": f"{start + 0.5 + i / 30:.6f}", "face_found": int(i % 20 != 0),
               "face_count": int(i % 20 != 0), **{name: f"{value:.9g}" for name, value in timings.items()}}
        rows.append([row.get(column, "") for column in FRAME_COLUMNS])
    return rows


def make_run(run_dir: Path, complete: bool = True) -> Path:
    """Write manifest.json, metrics.json, resources.csv and two VTune CSVs into ``run_dir``."""
    run_dir.mkdir(parents=True, exist_ok=True)
    manifest = {
        "scenario": "thread_sweep", "description": "1 vs 2 threads", "complete": complete,
        "started_utc": "2025-01-01T00:00:00Z",
        "config": {"name": "thread_sweep", "pacing": {"mode": "realtime", "fps": 30}, "sweep": {"threads": [1, 2]}},
        "versions": {"python": "3.11", "openvino": "2026.4"}, "git_revision": "abc1234",
        "cpu": {"model": "Test CPU", "logical_cores": 4, "usable_cores": 4, "flags": ["avx2", "fma"]},
        "os": "Linux",
    }
    trace = {"events": 12345, "frames": 130, "foreign_tasks": 9000, "frames_with_foreign_tasks": 31,
             "foreign_task_limit": 9000, "log_full": None, "foreign_every": 4}
    metrics = {"complete": complete, "scenario": "thread_sweep", "variants": [_variant(0), _variant(1)], "trace": trace,
               "checks": [{"name": "no pointer move without a face", "passed": True, "detail": "0 moves"},
                          {"name": "fps >= 25", "passed": False, "detail": "15.0 fps"}]}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    with open(run_dir / "frames.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FRAME_COLUMNS)
        writer.writerows(_frame_rows(0) + _frame_rows(1))
    with open(run_dir / "resources.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(60):
            row = {"t": f"{T0 + i * 0.1:.6f}", "process_cpu_percent": 90 + i % 7, "process_cpu_percent_per_core": 22.5,
                   "rss_bytes": (200 + i) * 1024 * 1024, "uss_bytes": (150 + i) * 1024 * 1024, "threads": 9,
                   "ctx_voluntary": i, "ctx_involuntary": i, "read_bytes": 0, "write_bytes": 0,
                   "package_energy_uj": "", "system_cpu_percent": "30.0;50.0;10.0;10.0"}
            writer.writerow([row[column] for column in COLUMNS])
        handle.write("1006.0,5")  # a row cut short by the interruption
    (run_dir / "vtune-summary.csv").write_text(
        "Hierarchy Level\tMetric Name\tMetric Value\n0\tElapsed Time\t6.021\n1\tCPU Time\t5.870\n")
    (run_dir / "vtune-hotspots-by-task.csv").write_text(
        "Task Type\tCPU Time\tTask Time\tTask Count\nface_detection.infer\t0.421\t0.430\t120\n"
        "iris_landmarks.infer\t0.310\t0.318\t240\n")
    return run_dir
