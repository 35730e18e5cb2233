"""Convert a verified source model (e.g. .tflite) to OpenVINO IR at FP32 or FP16.

The source is read by OpenVINO's own frontend (``Core.read_model``), then given the offline
transformations ``ov.convert_model`` applies (``openvino.tools.ovc`` moc_emit_ir: MOC with
smart reshape, quantized-weight compression, fused-names cleanup), so the IR is the one
``convert_model`` saved (same .bin; in the .xml only generated node names and conversion metadata
differ) without going through ovc, which sends usage telemetry.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from openvino._offline_transformations import (
    apply_fused_names_cleanup,
    apply_moc_transformations,
    compress_quantize_weights_transformation,
)

from perfharness.core.errors import ModelError
from perfharness.zoo.layout import write_ir_record
from perfharness.zoo.runtime import error_reason, ov


def read_source(source: Path) -> ov.Model:
    """The source model as ``convert_model`` would give it; ModelError with OpenVINO's reason."""
    try:
        model = ov.Core().read_model(str(source))
    except RuntimeError as error:
        raise ModelError(f"{source}: OpenVINO cannot read this model ({error_reason(error)})") from None
    apply_moc_transformations(model, cf=False, smart_reshape=True)
    compress_quantize_weights_transformation(model)
    apply_fused_names_cleanup(model)
    return model


def convert_to_ir(source: Path, xml: Path, precision: str, source_sha256: str) -> None:
    """Write ``xml``/``.bin`` atomically: FP16 compresses weights, FP32 keeps them (the default would compress)."""
    if precision not in ("FP32", "FP16"):
        raise ValueError(f"conversion makes FP32 or FP16 IR, not {precision}")
    model = read_source(source)
    xml.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=xml.parent, prefix=".convert-") as tmp:
        tmp_xml = Path(tmp) / xml.name
        ov.save_model(model, str(tmp_xml), compress_to_fp16=(precision == "FP16"))
        os.replace(tmp_xml.with_suffix(".bin"), xml.with_suffix(".bin"))
        os.replace(tmp_xml, xml)
    write_ir_record(xml, source_sha256=source_sha256, precision=precision, openvino=ov.get_version())
