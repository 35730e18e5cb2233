"""Facts about the machine and software that a measurement depends on."""

from __future__ import annotations

import ctypes
import os
import platform
from functools import lru_cache

# CPU flags that change which kernels OpenVINO can use
NOTABLE_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16", "amx_int8", "amx_tile", "fma", "f16c")


@lru_cache(maxsize=1)
def cpu_info() -> dict[str, object]:
    """CPU model, logical cores, usable cores, and the notable flags (from /proc/cpuinfo on Linux)."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and model in ("", platform.machine(), platform.processor()):
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                    break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "model": model,
        "logical_cores": os.cpu_count(),
        "usable_cores": usable,
        "flags": sorted(flag for flag in NOTABLE_FLAGS if flag in flags),
    }


def software_versions() -> dict[str, str]:
    """Python, OpenVINO, NumPy, OpenCV and perfharness versions."""
    import cv2
    import numpy
    import openvino

    import perfharness

    return {
        "python": platform.python_version(),
        "openvino": openvino.get_version(),
        "numpy": numpy.__version__,
        "opencv": cv2.__version__,
        "perfharness": perfharness.__version__,
        "os": platform.platform(),
    }


def name_this_thread(name: str) -> None:
    """Give the calling thread ``name`` (15 bytes at most) in the OS, where profilers see it
    (Python's thread names stay inside Python before 3.14); a no-op where prctl is missing."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass
