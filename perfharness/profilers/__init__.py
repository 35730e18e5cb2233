"""Profilers over a scenario run as a child process: Intel VTune (``vtune``) and Linux perf
(``perf``, ``samples``, ``timeline``, ``hotspots``: samples joined to the harness's regions by
thread and CLOCK_MONOTONIC time), both supervised the same way (``supervise``)."""
