"""Cold start: model read, compile and first-inference times, without and with OpenVINO's model
cache (CACHE_DIR in the perfharness cache). The first run with the cache fills it; the repeats
after it show a warm cache. Each variant measures one frame."""

from perfharness.scenario import Scenario

SCENARIO = Scenario(
    name="cold_start",
    description="read/compile/first inference, model cache off vs on, 3 repeats",
    frames=1,
    warmup_frames=0,
    repeats=3,
    sweep={"model_cache": [False, True]},
)
