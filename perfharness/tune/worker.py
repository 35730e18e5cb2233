"""One configuration of the chain in a process of its own, for tune (``tune.timing.Contender``
speaks to it): ``python -m perfharness.tune.worker SETTINGS_JSON OUTPUTS_NPZ``.

It decodes the sample clip, loads the chain (``ChainPass``, the controller's run session, the
pointer off), runs one untimed pass that warms it up and keeps its outputs on the held-out
frames (written to OUTPUTS_NPZ), and says ``{"ready": true}``. Then, per JSON line on stdin
``{"passes": N}``, it runs N timed passes and answers ``{"times_s": [per-frame seconds of each]}``.
``{"quit": true}`` or EOF ends it; a failure is ``{"error": "one line"}`` and exit 1. Stdout
carries the protocol only.
"""

from __future__ import annotations

import json
import sys

from perfharness.core.errors import one_line


def main(argv: list[str]) -> int:
    from perfharness.gaze.sources import open_source
    from perfharness.run.loop import LoopPlan
    from perfharness.run.session import ChainPass
    from perfharness.run.settings import RunSettings
    from perfharness.run.stats import FrameStats
    from perfharness.tune.drift import Outputs
    from perfharness.tune.timing import INPUT

    settings_json, outputs_path = argv
    try:
        settings = RunSettings(**json.loads(settings_json))
        with open_source(INPUT) as source:
            frames = [frame for _, frame in source]
        with ChainPass(settings, LoopPlan(in_flight=settings.in_flight), FrameStats(), mouse="off") as chain:
            outputs = Outputs()
            chain.run(iter(frames), [], lambda record: outputs.add(record.result) or True)
            outputs.save(outputs_path)
            _say({"ready": True})
            for line in sys.stdin:
                command = json.loads(line)
                if command.get("quit"):
                    break
                times = []
                for _ in range(int(command["passes"])):
                    counts = chain.run(iter(frames), []).counts
                    times.append(counts.wall_s / max(counts.measured, 1))
                _say({"times_s": times})
    except Exception as error:  # the parent reports it as this configuration's one line
        _say({"error": one_line(f"{type(error).__name__}: {error}")})
        return 1
    return 0


def _say(message: dict) -> None:
    print(json.dumps(message), flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
