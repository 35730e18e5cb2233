"""One configuration timed in a process of its own, for tune's confirmation race (fresh processes,
as the gate runs its rounds): ``python -m perfharness.tune.worker SETTINGS_JSON PASSES``.

It decodes the sample clip, loads the chain (``tune.timing.Contender``: the untimed first pass
warms it up), runs PASSES timed passes and writes one JSON line on stdout:
``{"times_s": [per-frame seconds of each pass]}``, or ``{"error": "one line"}`` (exit 1).
"""

from __future__ import annotations

import json
import sys

from perfharness.core.errors import one_line


def main(argv: list[str]) -> int:
    from perfharness.gaze.sources import open_source
    from perfharness.run.settings import RunSettings
    from perfharness.tune.timing import INPUT, Contender

    settings_json, passes = argv[0], int(argv[1])
    try:
        with open_source(INPUT) as source:
            frames = [frame for _, frame in source]
        contender = Contender(RunSettings(**json.loads(settings_json)), frames).open()
        times = [contender.timed_pass() for _ in range(passes)]
        contender.close()
    except Exception as error:  # the parent reports it as this worker's one line
        print(json.dumps({"error": one_line(f"{type(error).__name__}: {error}")}), flush=True)
        return 1
    print(json.dumps({"times_s": times}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
