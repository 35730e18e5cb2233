"""Hotspots by region without VTune: a scenario under Linux ``perf record``, its samples joined
to the harness's regions by thread and CLOCK_MONOTONIC time (docs/profiling.md)."""
