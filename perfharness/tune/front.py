"""The Pareto front of a search (time against drift), its table and its plot."""

from __future__ import annotations

import io
from pathlib import Path

from perfharness.core.atomic import atomic_write_bytes
from perfharness.tune.drift import budget_share


def pareto_front(points: list[dict]) -> list[dict]:
    """The points no other beats on both time (``ratio_to_default``) and drift (``budget_share``),
    fastest first; points without both are left out."""
    placed = [p for p in points if p.get("ratio_to_default") is not None and p.get("budget_share") is not None]
    front = [p for p in placed
             if not any(o is not p and o["ratio_to_default"] <= p["ratio_to_default"]
                        and o["budget_share"] <= p["budget_share"]
                        and (o["ratio_to_default"], o["budget_share"]) != (p["ratio_to_default"], p["budget_share"])
                        for o in placed)]
    return sorted(front, key=lambda p: p["ratio_to_default"])


def default_point(budget: dict[str, float]) -> dict:
    """The reference at its own place on the front: time 1.0, no drift."""
    return {"label": "default", "ratio_to_default": 1.0, "budget_share": budget_share({}, budget),
            "drift": {}, "outcome": "reference"}


def front_table(front: list[dict], budget: dict[str, float], choice: str) -> str:
    """The front as a Markdown table, the choice marked."""
    keys = list(dict.fromkeys([*budget, "iris_px", "gaze_deg", "landmarks_px", "head_pose_deg"]))
    lines = ["| configuration | time / default | " + " | ".join(keys) + " | budget used |",
             "| --- | --- | " + " | ".join("---" for _ in keys) + " | --- |"]
    for point in front:
        marker = " (choice)" if point["label"] == choice else ""
        values = [point["drift"].get(key) for key in keys]
        lines.append(f"| {point['label']}{marker} | {point['ratio_to_default']:.3f} | "
                     + " | ".join("-" if v is None else f"{v:.3g}" for v in values)
                     + f" | {point['budget_share']:.2f} |")
    return "\n".join(lines)


def write_front_plot(points: list[dict], front: list[dict], choice: str, cpu: str, path: Path) -> None:
    """Every measured configuration (time / default against the share of the drift budget used),
    the front joined, the choice ringed, the budget's edge dashed; PNG, written whole."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 5.5))
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    placed = [p for p in points if p.get("ratio_to_default") is not None and p.get("budget_share") is not None]
    axes.scatter([p["budget_share"] for p in placed], [p["ratio_to_default"] for p in placed], s=18, color="0.6",
                 label="measured")
    axes.plot([p["budget_share"] for p in front], [p["ratio_to_default"] for p in front], "o-", color="tab:blue",
              label="Pareto front")
    for point in front:
        axes.annotate(point["label"], (point["budget_share"], point["ratio_to_default"]), fontsize=7,
                      xytext=(4, 3), textcoords="offset points")
    chosen = [p for p in placed if p["label"] == choice]
    if chosen:
        axes.scatter([chosen[0]["budget_share"]], [chosen[0]["ratio_to_default"]], s=160, facecolors="none",
                     edgecolors="tab:red", linewidths=2, label="choice")
    axes.axvline(1.0, linestyle="--", color="tab:red", linewidth=1, label="drift budget")
    axes.set_xlabel("drift: largest share of its budget used (iris px, gaze deg, ...)")
    axes.set_ylabel("time per frame / default configuration")
    axes.set_title(f"perfharness tune on {cpu}")
    axes.legend(fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    atomic_write_bytes(path, buffer.getvalue())
