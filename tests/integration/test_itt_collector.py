"""ITT regions really reach a collector: the project's C collector attached via INTEL_LIBITTNOTIFY64.

Each run is a subprocess (the ITT static part reads the environment once, at its first call).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from perfharness.core.errors import UsageError
from perfharness.instrument import Regions
from perfharness.instrument.collector import CollectorEnv, build_collector, find_compiler
from perfharness.instrument.itt_log import Event, read_log, read_meta

pytest.importorskip("ittapi", reason="ITT instrumentation needs Intel's ittapi package")
itt = pytest.importorskip("perfharness.instrument.itt")

ROOT = Path(__file__).resolve().parents[2]
DOMAIN, FRAME_DOMAIN = "perfharness", "perfharness.frames"
STAGES = ("face_detection.preprocess", "face_detection.infer", "face_detection.postprocess")


@pytest.fixture(scope="module")
def collector(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if find_compiler() is None:
        pytest.skip("no C compiler (cc, gcc or clang): the ITT collector cannot be built")
    return build_collector(tmp_path_factory.mktemp("collector"))


def run_python(code: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=False, env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def attached(collector: Path, log: Path, start_paused: bool = False) -> dict[str, str]:
    return CollectorEnv(collector, log, start_paused).apply(os.environ)


def ours(events: list[Event]) -> list[Event]:
    """Our task and frame events, plus pause/resume (OpenVINO, TBB and OpenCV emit their own)."""
    return [e for e in events
            if e.domain in (DOMAIN, FRAME_DOMAIN) and e.kind in ("begin", "end", "frame_begin", "frame_end")
            or e.kind in ("pause", "resume")]


def nest(events: list[Event]) -> list[tuple]:
    """Turn begin/end events of one thread into a tree of (name, [children]); asserts balance."""
    root: list = []
    stack: list[tuple[str, list]] = []
    for e in events:
        if e.kind == "begin":
            node = (e.name, [])
            (stack[-1][1] if stack else root).append(node)
            stack.append(node)
        elif e.kind == "end":
            assert stack, f"end of {e.name} without a begin"
            name, _ = stack.pop()
            assert name == e.name, f"end of {e.name} closes {name}"
    assert not stack, f"unclosed regions: {[name for name, _ in stack]}"
    return root


def names(tree: list[tuple]) -> list[str]:
    return [name for name, _ in tree]


SCRIPT = """
    import threading
    from perfharness.instrument import Regions
    from perfharness.instrument import itt

    sink = itt.IttSink()
    regions = Regions([sink])
    print(threading.get_native_id(), sink.frames.active, itt.collector_attached())
    itt.pause()
    for index in range(3):
        if index == 1:
            itt.resume()
        with regions.region("frame"):
            with regions.region("source.read"):
                pass
            for stage in {stages!r}:
                with regions.region(stage):
                    pass
            with regions.region("pointer.map"):
                pass
            with regions.region("pointer.move"):
                pass
        regions.take()
    itt.pause()
    with regions.region("frame"):
        pass
    itt.resume()
"""

FRAME_CHILDREN = ["source.read", *STAGES, "pointer.map", "pointer.move"]


def test_regions_nest_and_pause_resume_through_the_collector(collector, tmp_path):
    log = tmp_path / "itt.log"
    proc = run_python(SCRIPT.format(stages=STAGES), attached(collector, log))
    assert proc.returncode == 0, proc.stderr
    tid, frames_active, is_attached = proc.stdout.split()
    assert (frames_active, is_attached) == ("True", "True")

    events = read_log(log)
    kinds = [e.kind for e in events]
    assert kinds[0] == "init"
    assert {("domain", DOMAIN), ("domain", FRAME_DOMAIN)} <= {(e.kind, e.name) for e in events}
    # one string handle per region name, created through the collector
    strings = [e.name for e in events if e.kind == "string"]
    assert sorted(strings) == sorted(set(FRAME_CHILDREN) | {"frame"})

    mine = ours(events)
    assert {e.tid for e in mine} == {int(tid)}
    # frame 0 ran paused: nothing of it is recorded; frames 1 and 2 are; the last frame is paused again
    assert [e.kind for e in mine if e.kind in ("pause", "resume")] == ["pause", "resume", "pause", "resume"]
    sequence = [(e.kind, e.name) for e in mine]
    first_resume = sequence.index(("resume", ""))
    assert sequence[:first_resume] == [("pause", "")]
    one_frame = [("frame_begin", FRAME_DOMAIN), ("begin", "frame")]
    for child in FRAME_CHILDREN:
        one_frame += [("begin", child), ("end", child)]
    one_frame += [("end", "frame"), ("frame_end", FRAME_DOMAIN)]
    assert sequence[first_resume + 1:] == one_frame * 2 + [("pause", ""), ("resume", "")]

    tree = nest([e for e in mine if e.kind in ("begin", "end")])
    assert names(tree) == ["frame", "frame"]
    assert all(names(children) == FRAME_CHILDREN for _, children in tree)
    stamps = [e.ts_ns for e in mine]
    assert stamps == sorted(stamps)


def test_start_paused_records_only_after_resume(collector, tmp_path):
    log = tmp_path / "itt.log"
    code = """
        from perfharness.instrument import Regions
        from perfharness.instrument import itt
        regions = Regions([itt.IttSink()])
        for index in range(4):
            if index == 2:
                itt.resume()  # after two warm-up frames
            with regions.region("frame"):
                with regions.region("face_detection.infer"):
                    pass
    """
    proc = run_python(code, attached(collector, log, start_paused=True))
    assert proc.returncode == 0, proc.stderr
    mine = ours(read_log(log))
    assert mine[0].kind == "resume"
    tree = nest([e for e in mine if e.kind in ("begin", "end")])
    assert tree == [("frame", [("face_detection.infer", [])])] * 2
    assert [e.kind for e in mine].count("frame_begin") == 2


def test_a_killed_process_leaves_a_readable_log(collector, tmp_path):
    log = tmp_path / "itt.log"
    code = """
        import os, signal
        from perfharness.instrument import Regions
        from perfharness.instrument import itt
        regions = Regions([itt.IttSink()])
        with regions.region("frame"):
            with regions.region("face_detection.infer"):
                os.kill(os.getpid(), signal.SIGKILL)
    """
    proc = run_python(code, attached(collector, log))
    assert proc.returncode == -9
    mine = ours(read_log(log))
    assert [(e.kind, e.name) for e in mine] == [
        ("frame_begin", FRAME_DOMAIN), ("begin", "frame"), ("begin", "face_detection.infer")]


def test_without_a_collector_everything_is_a_no_op(tmp_path):
    code = """
        from perfharness.instrument import Regions
        from perfharness.instrument import itt
        sink = itt.IttSink()
        regions = Regions([sink])
        itt.pause()
        with regions.region("frame"):
            with regions.region("source.read"):
                pass
        itt.resume()
        print(sink.frames.active, itt.collector_attached())
    """
    env = {k: v for k, v in os.environ.items() if k not in ("INTEL_LIBITTNOTIFY64", "INTEL_LIBITTNOTIFY32")}
    proc = run_python(code, env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "False"]


def test_string_handles_are_created_once_per_name():
    sink = itt.IttSink()
    made: list[str] = []
    make = sink._make_handle
    sink._make_handle = lambda name: made.append(name) or make(name)
    regions = Regions([sink])
    for _ in range(3):
        with regions.region("frame"):
            for stage in STAGES:
                with regions.region(stage):
                    pass
    assert made == ["frame", *STAGES]
    assert sink.handle("frame") is sink.handle("frame")


def test_build_is_cached_and_needs_a_compiler(collector, tmp_path, monkeypatch):
    assert build_collector(collector.parent) == collector
    monkeypatch.setenv("CC", "no-such-compiler-perfharness")
    assert build_collector(collector.parent) == collector  # a cached build needs no compiler


def test_no_compiler_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CC", "no-such-compiler-perfharness")
    with pytest.raises(UsageError, match="C compiler"):
        build_collector(tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


MEDIAPIPE_FRAME = [
    *(f"{stage}.{step}" for stage in ("face_detection", "face_landmarks", "iris_landmarks")
      for step in ("preprocess", "infer", "postprocess")),
    "head_pose.postprocess", "gaze.postprocess", "pointer.map", "pointer.move",
]


def test_controller_regions_reach_the_collector(collector, tmp_path):
    """The real controller under a collector attached by the environment, as VTune attaches its
    own: 2 warm-up frames with collection paused, then 3 frames of exactly our regions."""
    log = tmp_path / "itt.log"
    command = [sys.executable, "-m", "perfharness", "controller", "--input", "sample", "--max-frames", "5",
               "--warmup-frames", "2", "--no-window", "--detect-every-frame"]
    proc = subprocess.run(command, env=attached(collector, log), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "frames: 3 (+2 warm-up)" in proc.stdout
    events = read_log(log)
    mine = ours(events)
    assert len({e.tid for e in mine}) == 1
    assert [e.kind for e in mine if e.kind in ("pause", "resume")] == ["pause", "resume"]
    tree = nest([e for e in mine if e.kind in ("begin", "end")])
    frames = [children for name, children in tree if name == "frame"]
    assert len(frames) == 3
    assert set(names(tree)) == {"frame", "source.read"}
    for children in frames:
        assert names(children) == MEDIAPIPE_FRAME
        assert all(not grandchildren for _, grandchildren in children)
    assert [e.kind for e in mine if e.kind.startswith("frame_")] == ["frame_begin", "frame_end"] * 3

    # OpenVINO builds that emit ITT (2026.x does, 2024.6 does not): their inference phases lie
    # inside our *.infer regions
    infers = _intervals(mine, lambda name: name.endswith(".infer"))
    phases = [e for e in events if e.kind == "begin" and e.domain.startswith("ov::phases") and "inference" in e.domain]
    for phase in phases:
        assert any(start <= phase.ts_ns <= end for start, end in infers), phase


def _intervals(events: list[Event], wanted) -> list[tuple[int, int]]:
    spans, open_ = [], []
    for e in events:
        if e.kind == "begin":
            open_.append(e)
        elif e.kind == "end":
            start = open_.pop()
            if wanted(start.name):
                spans.append((start.ts_ns, e.ts_ns))
    return spans


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc/self/maps (Linux)")
def test_frame_markers_use_the_extension_ittapi_loaded():
    """ctypes must reach the same ITT static part as ittapi (one __itt_global, one collector)."""
    itt.IttSink()
    native = os.path.realpath(itt._native.__file__)
    starts = [line for line in Path("/proc/self/maps").read_text().splitlines()
              if line.endswith(native) and line.split()[2] == "00000000"]
    assert len(starts) == 1


def test_other_libraries_tasks_every_kth_frame_under_a_cap_and_dropped_domains_never(collector, tmp_path):
    """Other domains' tasks are kept during every 3rd frame only, at most 5 of them; a dropped
    domain (TBB's) is never recorded; switched off, nothing is; our regions are always kept."""
    log = tmp_path / "itt.log"
    code = """
        from ittapi import native
        from perfharness.instrument import Regions
        from perfharness.instrument import itt
        from perfharness.instrument.collector import set_recording
        import os
        regions = Regions([itt.IttSink()])
        layer, tbb = native.Domain("ov::op::cpu::exec"), native.Domain("tbb")
        conv = native.StringHandle("Convolution::execute")
        for index in range(9):
            if index == 8:
                set_recording(os.environ["INTEL_LIBITTNOTIFY64"], False)
            with regions.region("frame"):
                for domain in (layer, tbb):
                    native.task_begin(domain, conv)
                    native.task_end(domain)
    """
    env = CollectorEnv(collector, log, max_foreign=5, foreign_every=3).apply(os.environ)
    proc = run_python(code, env)
    assert proc.returncode == 0, proc.stderr
    events = read_log(log)
    frames = [e for e in events if e.kind == "frame_begin"]
    assert [e.keeps_foreign for e in frames] == [True, False, False] * 2 + [True, False]  # the 9th: off
    assert sum(e.kind == "begin" and e.name == "frame" for e in events) == 8
    layers = [e for e in events if e.kind == "begin" and e.domain == "ov::op::cpu::exec"]
    assert len(layers) == 3  # frames 1, 4, 7: within the cap of 5
    assert not [e for e in events if e.domain == "tbb" and e.kind in ("begin", "end")]
    assert read_meta(log).cap is None

    capped = tmp_path / "capped.log"
    env = CollectorEnv(collector, capped, max_foreign=2, foreign_every=1).apply(os.environ)
    assert run_python(code, env).returncode == 0
    assert sum(e.kind == "begin" and e.domain == "ov::op::cpu::exec" for e in read_log(capped)) == 2
    limit, when = read_meta(capped).cap
    assert limit == 2 and when > 0


CHILD_SCRIPT = """
    import multiprocessing, threading
    from perfharness.instrument import Regions
    from perfharness.instrument import itt

    def child():
        regions = Regions([itt.IttSink()])  # the child's ITT part loads the collector too
        with regions.region("child.region"):
            pass

    if __name__ == "__main__":
        regions = Regions([itt.IttSink()])
        with regions.region("before"):
            pass
        for method in ("spawn", "fork"):
            worker = multiprocessing.get_context(method).Process(target=child)
            worker.start()
            worker.join()
            assert worker.exitcode == 0, worker.exitcode
        with regions.region("after"):  # the parent's log was neither truncated nor written to
            pass
        print(threading.get_native_id())
"""


def test_processes_a_run_starts_leave_its_log_alone(collector, tmp_path):
    """Children inherit the environment that attaches the collector (scenario background load
    workers import OpenVINO, whose ITT part loads it): they must not truncate the parent's
    mapped log (a SIGBUS in the parent) nor write into it."""
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(CHILD_SCRIPT))
    log = tmp_path / "itt.log"
    env = {**attached(collector, log), "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(script)], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    mine = [e for e in read_log(log) if e.kind == "begin"]
    assert [e.name for e in mine] == ["before", "after"]
    assert {e.tid for e in mine} == {int(proc.stdout)}
