"""OpenVINO as the harness imports it: without usage telemetry, its errors cut down to the reason.

``import openvino`` imports ``openvino.tools.ovc``, which sends a usage event to Google Analytics at
import time (a forked child posts it), and ``convert_model`` and ``nncf.quantize`` send more. Both
OpenVINO and NNCF fall back to a no-op stub when the ``openvino_telemetry`` package cannot be
imported, so ``perfharness/__init__.py`` makes it unimportable in this process (``sys.modules``
entry ``None``) before anything of perfharness can load OpenVINO: nothing leaves the machine, and
the user's own setting (``opt_in_out``) and other processes are left alone. Modules import ``ov``
from here rather than ``openvino`` itself.
"""

from __future__ import annotations

import re

import openvino as ov

_LOCATION = re.compile(r"Exception from \S+:\d+:")


def error_reason(error: BaseException, default: str = "no reason given") -> str:
    """OpenVINO's reason from its exception text, without the ``Exception from file.cpp:N:`` lines.

    ``Exception from src/inference/src/cpp/core.cpp:117:\\nDevice with "FOO" name is not registered``
    -> ``Device with "FOO" name is not registered``; several reason lines are joined by spaces.
    """
    lines = (line.strip() for line in _LOCATION.sub("", str(error)).splitlines())
    return " ".join(line for line in lines if line) or default


__all__ = ["error_reason", "ov"]
