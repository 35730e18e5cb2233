"""What a variant runs under: CPU-bound background processes (each optionally holding memory),
OpenCV's thread count."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager


def _burn(memory_mb: int, stop, parent: int) -> None:
    held = bytearray(memory_mb * 2**20)
    for offset in range(0, len(held), 4096):  # touch every page so the memory is really resident
        held[offset] = 1
    value = 0
    while not stop.is_set() and os.getppid() == parent:  # a worker never outlives its run
        for i in range(10_000):
            value = (value + i * i) % 1_000_003


@contextmanager
def background_load(workers: int, memory_mb: int = 0) -> Iterator[list[int]]:
    """Run ``workers`` busy processes (pids yielded) for the duration of the block."""
    if workers <= 0:
        yield []
        return
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    processes = [context.Process(target=_burn, args=(memory_mb, stop, os.getpid()), daemon=True)
                 for _ in range(workers)]
    for process in processes:
        process.start()
    try:
        yield [process.pid for process in processes]
    finally:
        stop.set()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()


@contextmanager
def opencv_threads(count: int | None) -> Iterator[None]:
    """``cv2.setNumThreads(count)`` for the duration of the block (None: leave OpenCV's default)."""
    if count is None:
        yield
        return
    import cv2

    before = cv2.getNumThreads()
    cv2.setNumThreads(count)
    try:
        yield
    finally:
        cv2.setNumThreads(before)
