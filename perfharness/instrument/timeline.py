"""The ITT collector's log as trace events: our regions and OpenVINO's own tasks on one timeline.

Every library with an ITT static part (ittapi, OpenVINO, its CPU plugin, TBB, OpenCV) reports to
the collector, so OpenVINO's ``ov::phases::*`` and per-layer ``ov::op::cpu::*`` tasks appear on
the thread that ran them, nested under our ``*.infer`` regions when run synchronously.
"""

from __future__ import annotations

from perfharness.instrument.collector import Event

PHASES = {"begin": "B", "end": "E"}
# TBB's scheduler, oneDNN's primitives and the per-op "details" twin of "exec" multiply the trace
# by ~5 for little insight; our regions, ov::phases and per-layer ov::op::cpu::exec stay.
DROPPED_DOMAINS = ("tbb", "dnnl::", "ov::op::cpu::details", "OpenCVTrace")


def kept(domain: str) -> bool:
    return not domain.startswith(DROPPED_DOMAINS)


def trace_events(log: list[Event], pid: int) -> tuple[list[dict], dict[int, str]]:
    """(trace events, thread names) from collector events; the ITT domain becomes the category."""
    events = [
        {"name": event.name, "cat": event.domain or "itt", "ph": PHASES[event.kind],
         "ts": event.ts_ns / 1e3, "pid": pid, "tid": event.tid}
        for event in log
        if event.kind in PHASES and kept(event.domain)
    ]
    threads = {tid: "main" if tid == pid else f"thread {tid}" for tid in sorted({event["tid"] for event in events})}
    return events, threads
