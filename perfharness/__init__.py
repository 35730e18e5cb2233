"""perfharness: a performance-analysis harness around an OpenVINO eye-gaze pointer controller.

Importing it keeps OpenVINO's and NNCF's usage telemetry out of the process (``import openvino``
alone would send an event): both fall back to a no-op stub when ``openvino_telemetry`` cannot be
imported, so its ``sys.modules`` entry is set to None here, before anything can load OpenVINO
(see ``perfharness/zoo/runtime.py``).
"""

import sys

sys.modules.setdefault("openvino_telemetry", None)  # type: ignore[arg-type]

__version__ = "0.1.0"
