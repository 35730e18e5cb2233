"""TraceRecorder writes valid Chrome trace JSON, closes open regions, marks interrupted runs."""

from __future__ import annotations

import json
import threading

from trace_format import check_trace

from perfharness.instrument import Regions
from perfharness.instrument.trace import TraceRecorder


def test_nested_regions_on_two_threads(tmp_path):
    recorder = TraceRecorder(tmp_path / "regions.log")
    regions = Regions([recorder])

    def work(prefix: str) -> None:
        local = Regions([recorder])
        with local.region(f"{prefix}.outer"):
            with local.region(f"{prefix}.inner"):
                pass

    with regions.region("frame"):
        with regions.region("face_detection.infer"):
            pass
        thread = threading.Thread(target=work, args=("worker",))
        thread.start()
        thread.join()
    path = tmp_path / "trace.json"
    recorder.write(path)
    document = json.loads(path.read_text())
    opened = check_trace(document)
    assert len(opened) == 2  # one track per thread
    main_tid = threading.get_native_id()
    assert opened[main_tid] == [("frame", 0, None), ("face_detection.infer", 1, "frame")]
    (worker,) = [tid for tid in opened if tid != main_tid]
    assert opened[worker] == [("worker.outer", 0, None), ("worker.inner", 1, "worker.outer")]
    assert document["otherData"]["complete"] is True
    assert {event["args"]["name"] for event in document["traceEvents"] if event["ph"] == "M"} >= {"MainThread"}


def test_interrupted_run_closes_open_regions_and_says_incomplete(tmp_path):
    recorder = TraceRecorder(tmp_path / "regions.log")
    recorder.begin("frame")
    recorder.begin("iris_landmarks.infer")
    path = tmp_path / "trace.json"
    recorder.write(path, complete=False)
    document = json.loads(path.read_text())
    check_trace(document)
    assert document["otherData"]["complete"] is False
    assert [e["name"] for e in document["traceEvents"] if e["ph"] == "E"] == ["iris_landmarks.infer", "frame"]
    assert not list(tmp_path.glob(".trace.json*"))
    assert document["otherData"]["frames"] == 1
