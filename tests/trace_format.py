"""A checker for the Chrome Trace Event Format subset we write (shared by tests)."""

from __future__ import annotations

PHASES = {"B", "E", "X", "i", "I", "M", "C"}


def check_trace(document: dict) -> dict[int, list[tuple[str, int, str | None]]]:
    """Assert the format (phases, pid/tid, ts in microseconds, B/E balanced and nested per
    thread, timestamps non-decreasing per thread) and return, per tid, the (name, depth,
    enclosing region's name) of every B event in order."""
    assert isinstance(document["traceEvents"], list)
    stacks: dict[int, list[str]] = {}
    last_ts: dict[int, float] = {}
    opened: dict[int, list[tuple[str, int, str | None]]] = {}
    for event in document["traceEvents"]:
        assert event["ph"] in PHASES, event
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int), event
        if event["ph"] == "M":
            continue
        assert isinstance(event["ts"], (int, float)) and event["ts"] >= 0, event
        tid = event["tid"]
        assert event["ts"] >= last_ts.get(tid, 0), event
        last_ts[tid] = event["ts"]
        stack = stacks.setdefault(tid, [])
        if event["ph"] == "B":
            opened.setdefault(tid, []).append((event["name"], len(stack), stack[-1] if stack else None))
            stack.append(event["name"])
        elif event["ph"] == "E":
            assert stack and stack[-1] == event["name"], (stack, event)
            stack.pop()
    assert all(not stack for stack in stacks.values()), stacks
    return opened
