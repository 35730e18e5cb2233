"""peer.md: the peer benchmark's report (``peer.json``'s content in) as Markdown, through the
report layer's sections and tables. How to read it: docs/peer.md."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from perfharness.report.content import Report, Section, Table
from perfharness.report.markdown import render_markdown

TITLE = "Peer benchmark: our controller vs MediaPipe's Face Mesh"


def render_peer(peer: Mapping[str, Any]) -> str:
    """The report of one peer run (the dict written to peer.json) as Markdown."""
    report = Report(TITLE, incomplete=not peer["complete"],
                    sections=[_setup(peer), _time(peer), _agreement(peer), _targets(peer)])
    return render_markdown(report)


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _setup(peer: Mapping[str, Any]) -> Section:
    source, machine, versions, settings = peer["input"], peer["machine"], peer["versions"], peer["settings"]
    ours = settings["ours"]
    run = ours.get("run_settings", {})
    compiled = ", ".join(f"{key}={value}" for key, value in ours["compile_properties"].items())
    return Section("What ran", [
        f"Input `{source['spec']}`: {source['frames']} frames, {source['width']}x{source['height']}; "
        f"{settings['rounds']} round(s), sides alternating (warm-up pass, then a timed pass; "
        "medians over rounds of each side's mean time per frame).",
        f"Machine: {machine['model']}, {machine['logical_cores']} logical cores ({machine['usable_cores']} usable), "
        f"flags {' '.join(machine['flags']) or 'none'}.",
        f"Versions: openvino {versions['ours'].get('openvino')}, perfharness {versions['ours'].get('perfharness')}, "
        f"mediapipe {versions['mediapipe'].get('mediapipe')} (`FaceMesh(refine_landmarks=True, max_num_faces=1)`, "
        "`static_image_mode` True for detect, False for tracking).",
        f"Ours: {run.get('model_set', 'mediapipe')} model set"
        + "".join(f", {model} as {name}" for model, name in run.get("variants") or ())
        + (f" (configuration `{ours['config_file']['path']}`)" if ours.get("config_file") else "")
        + f", compiled with {compiled}.",
    ])


def _time(peer: Mapping[str, Any]) -> Section:
    time_targets = {target["mode"]: target for target in peer["targets"] if target["kind"] == "time_ratio"}
    limit = next(iter(time_targets.values()))["limit"]
    confidence = next(iter(peer["modes"].values()))["compare"]["confidence"]
    rows = []
    for mode, result in peer["modes"].items():
        ours, mediapipe, compared = result["time"]["ours"], result["time"]["mediapipe"], result["compare"]
        interval = compared["ratio_interval"]
        rows.append((
            mode, _number(ours["mean_ms"]), _number(ours["fps"], 1), _number(ours["cpu_ms"]),
            _number(mediapipe["mean_ms"]), _number(mediapipe["fps"], 1), _number(mediapipe["cpu_ms"]),
            _number(compared["ratio"]), "- (one round)" if interval is None else f"{interval[0]:.2f}-{interval[1]:.2f}",
            f"{compared['paired_median']:.2f} ({compared['paired_min']:.2f}-{compared['paired_max']:.2f})",
            "met" if time_targets[mode]["met"] else "not met"))
    headers = ("mode", "ours ms", "ours fps", "ours CPU ms", "MediaPipe ms", "MediaPipe fps", "MediaPipe CPU ms",
               "ours / MediaPipe", f"{confidence:.0%} interval", "per-round ratio, median (min-max)",
               f"target <= {limit:g}")
    return Section("Time per frame", [
        Table(headers, rows),
        "CPU ms: the process's CPU time per frame, all its threads (above the wall time when a side uses more than "
        "one core). The interval is a percentile bootstrap of ours / MediaPipe, rounds resampled as pairs.",
    ])


def _agreement(peer: Mapping[str, Any]) -> Section:
    modes = peer["modes"]
    first = next(iter(modes.values()))["agreement"]
    picks: list[tuple[str, Callable[[Mapping[str, Any]], Mapping[str, Any]]]] = [
        ("iris centre, image-left eye", lambda a: a["iris"]["left"]),
        ("iris centre, image-right eye", lambda a: a["iris"]["right"]),
        ("iris centres, both eyes", lambda a: a["iris"]["both"])]
    picks += [(f"mesh {index} ({point['name']})", lambda a, key=index: a["mesh"][key])
              for index, point in first["mesh"].items()]
    picks += [(f"all {first['mesh_size']} mesh points", lambda a: a["mesh_all"])]
    headers = ("point", *(f"{mode} {stat}" for mode in modes for stat in ("median", "p90")))
    rows = [(label, *(_number(pick(result["agreement"])[stat]) for result in modes.values()
                      for stat in ("median", "p90")))
            for label, pick in picks]
    lines = []
    for mode, result in modes.items():
        agree = result["agreement"]
        frames, left = agree["frames"], agree["mediapipe_image_left_iris"]
        lines.append(
            f"- {mode}: a face on {frames['both']} of {frames['total']} frames by both, {frames['only_ours']} by ours "
            f"only, {frames['only_mediapipe']} by MediaPipe only, {frames['neither']} by neither; MediaPipe's "
            f"image-left iris (nearer landmark 33): index 468 on {left['468']}, 473 on {left['473']} frames; "
            f"landmark 33 left of 263 on {agree['mediapipe_33_left_of_263']}; ours ran its face detector on "
            f"{result['ours_detector_ran']} frames.")
    return Section("Agreement with MediaPipe (pixels, frames where both found a face)",
                   [Table(headers, rows), "\n".join(lines)])


def _targets(peer: Mapping[str, Any]) -> Section:
    lines = []
    for target in peer["targets"]:
        note = "" if target.get("applies", True) else " (set for the sample clip; this input is another)"
        lines.append(f"- {target['name']}: {_number(target['value'])}, {'met' if target['met'] else 'not met'}{note}")
    return Section("Targets", ["\n".join(lines)])
