"""The report's content (sections of text, tables and plots), shared by the HTML and Markdown writers.

Times are seconds in the run directory and milliseconds here; memory is MiB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from perfharness.results.run_dir import VTUNE_BY_TASK, VTUNE_SUMMARY

BANNER = "INCOMPLETE: interrupted"
BANNER_DETAIL = "the run was stopped before it finished; the numbers cover what was measured until then."
VTUNE_ROWS = 50  # rows of a VTune table shown before the rest is summarised in a note
MIB = 1024 * 1024


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    caption: str = ""
    numeric: bool = True  # right-align the cells that are numbers (off for key/value tables)


@dataclass(frozen=True)
class Plot:
    name: str  # file stem under <run>/plots/
    title: str
    png: bytes


@dataclass(frozen=True)
class Section:
    title: str
    items: list[str | Table | Plot] = field(default_factory=list)  # a str is a paragraph


@dataclass(frozen=True)
class Report:
    title: str
    incomplete: bool
    sections: list[Section]


def variant_names(variants: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each variant's label, with its repeat number when the scenario repeats."""
    repeated = any(variant.get("repeat", 0) for variant in variants)
    return [f"{v['label']} #{v.get('repeat', 0)}" if repeated else str(v["label"]) for v in variants]


def ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1e3:.2f}"


def mib(n_bytes: float | None) -> str:
    return "–" if n_bytes is None else f"{n_bytes / MIB:.1f}"


def compose(
    manifest: Mapping[str, Any],
    metrics: Mapping[str, Any],
    plots: Mapping[str, Plot],
    vtune: Mapping[str, list[dict[str, str]]],
    files: Sequence[str],
    hotspots: Mapping[str, Any] | None = None,
) -> Report:
    """The whole report; ``vtune`` maps a CSV file name to its rows, ``files`` lists the run directory,
    ``hotspots`` is hotspots.json's content (``perfharness profile``)."""
    incomplete = not (manifest.get("complete") and metrics.get("complete"))
    variants = metrics.get("variants", [])
    names = variant_names(variants)
    sections = [
        _overview(manifest, files, incomplete),
        Section("Checks", [_checks(metrics.get("checks", []))]),
        Section("Variants", [_variants(variants, names), *_pick(plots, "sweep_comparison")]),
        Section("Latency", _pick(plots, "latency_over_time", "stage_breakdown")),
        Section("Where the time goes", [*_regions(variants, names), *_vtune(vtune, VTUNE_BY_TASK)]),
        Section("Hotspots", [*_hotspots(hotspots), *_pick(plots, "flame_graph")] if hotspots else []),
        Section("Trace", _trace(metrics.get("trace"))),
        Section("Model load", [_models(variants, names)]),
        Section("Resources", [_resources(variants, names), *_pick(plots, "cpu_timeline", "rss_timeline")]),
        Section("VTune summary", _vtune(vtune, VTUNE_SUMMARY)),
        Section("Configuration", [_config(manifest.get("config", {}))]),
    ]
    title = f"perfharness run: {manifest.get('scenario', metrics.get('scenario', '?'))}"
    kept = [Section(s.title, [i for i in s.items if not (isinstance(i, Table) and not i.rows)]) for s in sections]
    return Report(title, incomplete, [section for section in kept if section.items])


def _pick(plots: Mapping[str, Plot], *names: str) -> list[Plot]:
    return [plots[name] for name in names if name in plots]


def _overview(manifest: Mapping[str, Any], files: Sequence[str], incomplete: bool) -> Section:
    cpu = manifest.get("cpu", {})
    flags = cpu.get("flags", [])
    facts = [
        ("status", BANNER if incomplete else "complete"),
        ("scenario", manifest.get("scenario", "?")),
        ("started (UTC)", manifest.get("started_utc", "?")),
        ("stopped", manifest.get("stopped", "?")),
        ("git revision", manifest.get("git_revision") or "unknown"),
        ("CPU", cpu.get("model", "?")),
        ("cores (logical / usable)", f"{cpu.get('logical_cores', '?')} / {cpu.get('usable_cores', '?')}"),
        ("CPU flags", " ".join(flags) if isinstance(flags, list) else str(flags)),
        ("OS", manifest.get("os", "?")),
        *((f"version: {name}", version) for name, version in manifest.get("versions", {}).items()),
        ("files", ", ".join(files)),
        *((f"output: {name}", status) for name, status in manifest.get("outputs", {}).items()),
    ]
    items: list[str | Table | Plot] = [manifest["description"]] if manifest.get("description") else []
    items.append(Table(("", ""), [(key, str(value)) for key, value in facts], numeric=False))
    return Section("Run", items)


def _checks(checks: Sequence[Mapping[str, Any]]) -> Table:
    rows = [(c["name"], "PASS" if c["passed"] else "FAIL", str(c.get("detail", ""))) for c in checks]
    return Table(("check", "result", "detail"), rows)


def _variants(variants: Sequence[Mapping[str, Any]], names: Sequence[str]) -> Table:
    headers = ("variant", "frames", "warm-up", "wall s", "fps", "dropped", "detection %",
               "frame p50 ms", "frame p90 ms", "frame p99 ms")
    rows = []
    for name, v in zip(names, variants):
        frame = v.get("regions", {}).get("frame", {})
        rows.append((name, str(v["frames"]), str(v["warmup_frames"]), f"{v['wall_s']:.2f}", f"{v['fps']:.1f}",
                     str(v["dropped_frames"]), f"{v['detection_rate'] * 100:.1f}",
                     ms(frame.get("p50")), ms(frame.get("p90")), ms(frame.get("p99"))))
    return Table(headers, rows)


def _regions(variants: Sequence[Mapping[str, Any]], names: Sequence[str]) -> list[Table]:
    headers = ("region", "count", "mean ms", "stdev ms", "min ms", "p50 ms", "p90 ms", "p99 ms")
    return [
        Table(headers, [(region, str(s["count"]), *(ms(s.get(k)) for k in ("mean", "stdev", "min", "p50", "p90", "p99")))
                        for region, s in v.get("regions", {}).items()], caption=f"harness regions: {name}")
        for name, v in zip(names, variants)
    ]


def _models(variants: Sequence[Mapping[str, Any]], names: Sequence[str]) -> Table:
    rows = [(name, model, ms(t.get("read_s")), ms(t.get("compile_s")), ms(t.get("first_inference_s")))
            for name, v in zip(names, variants) for model, t in v.get("models", {}).items()]
    return Table(("variant", "model", "read ms", "compile ms", "first inference ms"), rows)


def _resources(variants: Sequence[Mapping[str, Any]], names: Sequence[str]) -> Table:
    headers = ("variant", "samples", "duration s", "CPU mean %", "CPU max %", "RSS peak MiB",
               "RSS growth MiB/min", "package energy J")
    rows = []
    for name, v in zip(names, variants):
        r = v.get("resources") or {}
        if not r:
            continue
        energy = r.get("package_energy_j", "unavailable")
        growth = r.get("rss_growth_bytes_per_min")
        rows.append((name, str(r["samples"]), f"{r['duration_s']:.1f}", f"{r['cpu_percent_mean']:.1f}",
                     f"{r['cpu_percent_max']:.1f}", mib(r["rss_peak_bytes"]),
                     "n/a (run too short)" if growth is None else f"{growth / MIB:.2f}",
                     energy if isinstance(energy, str) else f"{energy:.1f}"))
    return Table(headers, rows, caption="CPU %: 100 = one core. RSS growth: least-squares slope after the "
                                        "variant's first minute, when at least another minute follows")


def _trace(trace: Mapping[str, Any] | None) -> list[str | Table | Plot]:
    if not trace:
        return []
    frames, foreign, every = trace["frames"], trace["frames_with_foreign_tasks"], trace.get("foreign_every") or 1
    if not trace["foreign_tasks"]:
        tasks = "no tasks of OpenVINO or other libraries (this OpenVINO emits none, or the trace holds our regions only)"
    else:
        which = "every frame" if every == 1 else f"every {every}th frame (recording them costs ~3 % of a frame)"
        tasks = f"OpenVINO's own tasks (per layer) on {foreign:,} of them: {which}"
        if trace.get("foreign_task_limit") is not None:
            tasks += (f", until the collector's cap of {trace['foreign_task_limit']:,} tasks (model compilation "
                      "included) was reached, so that a long run stays a trace one can open")
    text = f"trace.json holds {trace['events']:,} events: our regions on all {frames:,} frames run (warm-up included), and {tasks}."
    if trace.get("log_full"):
        text += f" The collector stopped recording before the end: {trace['log_full']}."
    return [text]


HOTSPOT_REGIONS = 12  # regions shown in the Hotspots tables
HOTSPOT_FUNCTIONS = 5  # top functions shown per region


def _hotspots(hotspots: Mapping[str, Any]) -> list[str | Table | Plot]:
    recording = hotspots.get("perf", {})
    loop = hotspots.get("frame_loop", {})
    share = loop.get("attributed_share")
    text = (f"Linux perf (cpu-clock, {recording.get('frequency_hz', '?')} Hz, {recording.get('call_graph', '?')} "
            f"call graph): {hotspots['samples']:,} samples, {hotspots['process_samples']:,} of the scenario's process"
            + (f"; {share:.1%} of those taken during the frames are attributed to a region" if share is not None else "")
            + f". Python frames: {hotspots.get('python_frames', '?')}. Samples of threads that open no region "
              "(OpenVINO's TBB workers, OpenBLAS) go to the region open on the frame thread, as "
              "'(other threads)'. Spinning: samples in sched_yield or TBB/OpenBLAS wait loops.")
    if not hotspots.get("complete"):
        text += " INCOMPLETE: the profiled run was interrupted or failed; this is what was recorded."
    collector = hotspots.get("collector_self_s", {})
    own = {r["region"]: r["cpu_s"] for r in hotspots["regions"] if r["region"] in collector}
    own_total, collector_total = sum(own.values()) or 1.0, sum(collector.values()) or 1.0
    rows = []
    for region in hotspots["regions"][:HOTSPOT_REGIONS]:
        name = region["region"]
        groups = ", ".join(f"{group} {value:.0%}" for group, value in list(region["modules"].items())[:3])
        rows.append((name, f"{region['samples']:,}", f"{region['cpu_s']:.3f}", f"{region['share_of_process']:.1%}",
                     f"{own[name] / own_total:.1%}" if name in own else "–",
                     f"{collector[name] / collector_total:.1%}" if name in collector else "–",
                     f"{region['threading_overhead']:.1%}", groups))
    by_region = Table(("region", "samples", "CPU s", "share of process", "perf CPU share (own thread)",
                       "collector wall share", "spinning", "top module groups"), rows,
                      caption="CPU time by region. The two shares measure the same regions two ways (self time on "
                              "the threads that open regions): perf counts CPU time, the collector wall time, so "
                              "they agree where that thread works and part where it waits (e.g. for OpenVINO's "
                              "worker threads, whose CPU is in the '(other threads)' rows)")
    functions = [(region["region"], top["function"][:90], top["group"], f"{top['self_s'] * 1e3:.1f}",
                  f"{top['self_share']:.1%}", f"{top['total_share']:.1%}")
                 for region in hotspots["regions"][:HOTSPOT_REGIONS]
                 for top in region["top_functions"][:HOTSPOT_FUNCTIONS]]
    top_table = Table(("region", "function", "module group", "self ms", "self share", "total share"), functions,
                      caption=f"top {HOTSPOT_FUNCTIONS} functions per region by self time (all of them: hotspots.csv)")
    return [text, by_region, top_table]


def _vtune(vtune: Mapping[str, list[dict[str, str]]], name: str) -> list[Table]:
    rows = vtune.get(name)
    if not rows:
        return []
    headers = tuple(rows[0])
    shown = [tuple(row.get(h) or "" for h in headers) for row in rows[:VTUNE_ROWS]]
    more = f" (first {VTUNE_ROWS} of {len(rows)} rows)" if len(rows) > VTUNE_ROWS else ""
    return [Table(headers, shown, caption=f"VTune: {name}{more}")]


def _config(config: Mapping[str, Any]) -> Table:
    return Table(("setting", "value"), [(key, str(value)) for key, value in _flatten(config)], numeric=False)


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, Mapping) and value:
        return [pair for key, item in value.items() for pair in _flatten(item, f"{prefix}{key}.")]
    return [(prefix.rstrip("."), value)] if prefix else []
