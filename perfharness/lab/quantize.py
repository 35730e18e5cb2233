"""INT8 by NNCF post-training quantization, calibrated on the inputs the stages really see.

Each mediapipe model's FP32 IR is quantized with ``nncf.quantize`` (MIXED preset: symmetric
weights, asymmetric activations, which suits the PRelu outputs of these models; fast bias
correction) on every calibration tensor of ``calibration_data`` and saved next to FP32/FP16 as
``ir/ov-<ver>/mediapipe/INT8/<model>.xml`` with a sha256 record, like a converted IR.
NNCF must match the installed OpenVINO: the ``lab`` extra pins it. NNCF reports each
``quantize`` call to Google Analytics through ``openvino_telemetry``; OpenVINO is imported
through ``perfharness.zoo.runtime``, which keeps that package out of the process, so NNCF uses
its no-op stub.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from perfharness import zoo
from perfharness.core.errors import UsageError
from perfharness.lab.calibration_data import model_inputs
from perfharness.runtime.engine import read_model
from perfharness.zoo import layout
from perfharness.zoo.cache import cache_errors, cache_lock
from perfharness.zoo.manifest import load_manifest
from perfharness.zoo.runtime import ov

QUANTIZABLE_SETS = ("mediapipe",)  # the omz set ships its own FP16-INT8 variant


def _nncf():
    try:
        import nncf
    except ImportError:
        raise UsageError("INT8 quantization needs NNCF: pip install 'perfharness[lab]'") from None
    return nncf


def quantize_set(set_name: str, log: Callable[[str], None] = print) -> list[Path]:
    """Quantize every model of ``set_name`` to INT8 in the cache; returns the IR paths."""
    if set_name not in QUANTIZABLE_SETS:
        load_manifest().model_set(set_name)  # an unknown set says so first
        raise UsageError(f"model set {set_name!r} has its own INT8 variant (`perfharness models fetch {set_name}`); "
                         f"quantize works on {', '.join(QUANTIZABLE_SETS)}")
    nncf = _nncf()
    log("collecting calibration inputs from the sample clip (even frames) with the FP32 chain")
    inputs = model_inputs("calibration")
    paths = []
    for model_name, spec in load_manifest().sets[set_name].models.items():
        fp32 = zoo.model_path(set_name, model_name, "FP32")
        samples = inputs[model_name]
        log(f"quantizing {spec.key} on {len(samples)} calibration inputs")
        model = read_model(fp32)
        input_name = model.inputs[0].get_any_name()
        with contextlib.redirect_stdout(sys.stderr):  # NNCF's progress bars; stdout lists the IR paths
            quantized = nncf.quantize(model, nncf.Dataset(samples, lambda tensor, name=input_name: {name: tensor}),
                                      preset=nncf.QuantizationPreset.MIXED, subset_size=len(samples))
        xml = layout.ir_path(spec, "INT8")
        _save(quantized, xml, source_sha256=spec.sha256, precision="INT8", openvino=ov.get_version(),
              nncf=nncf.__version__, calibration=f"sample clip, even frames, {len(samples)} inputs", fp32_ir=fp32.name)
        paths.append(xml)
    return paths


def _save(model: ov.Model, xml: Path, **record: object) -> None:
    """Write the IR pair atomically under the cache lock, then its sha256 record."""
    with cache_errors():
        xml.parent.mkdir(parents=True, exist_ok=True)
        with cache_lock(), tempfile.TemporaryDirectory(dir=xml.parent, prefix=".quantize-") as tmp:
            tmp_xml = Path(tmp) / xml.name
            ov.save_model(model, str(tmp_xml), compress_to_fp16=False)
            os.replace(tmp_xml.with_suffix(".bin"), xml.with_suffix(".bin"))
            os.replace(tmp_xml, xml)
            layout.write_ir_record(xml, **record)
