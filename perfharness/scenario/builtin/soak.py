"""Soak: ten minutes at a real-time 30 fps, with a check that fails on a memory leak.

RSS growth is the least-squares slope of the resident set size over the samples after the first
minute (start-up allocations are not a leak). The bound, 0.1 MiB per minute (1 MiB per 10
minutes), is what a run of the controller stays under on these machines (docs/scenarios.md);
a leak of a few hundred bytes per frame at 30 fps crosses it. The run must last at least two
minutes for the fit (``--set duration_s=150`` for a quicker check)."""

from perfharness.scenario import Scenario

RSS_GROWTH_BOUND_MIB_PER_MIN = 0.1


def rss_growth_within_bound(run) -> tuple[bool, str]:
    growth = run.rss_growth_bytes_per_min()
    if growth is None:
        return False, "the run is too short to fit RSS growth (it needs two minutes)"
    mib = growth / 2**20
    return mib < RSS_GROWTH_BOUND_MIB_PER_MIN, f"RSS grows {mib:+.3f} MiB/min (bound {RSS_GROWTH_BOUND_MIB_PER_MIN} MiB/min)"


SCENARIO = Scenario(
    name="soak",
    description="10 minutes at 30 fps; fails when RSS grows more than 0.1 MiB/min after the first minute",
    pacing_fps=30,
    duration_s=600,
    warmup_frames=30,
    checks=(rss_growth_within_bound,),
)
