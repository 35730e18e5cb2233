"""Convert a verified source model (e.g. .tflite) to OpenVINO IR at FP32 or FP16."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import openvino as ov

from perfharness.zoo.layout import write_ir_record


def convert_to_ir(source: Path, xml: Path, precision: str, source_sha256: str) -> None:
    """Write ``xml``/``.bin`` atomically: FP16 compresses weights, FP32 keeps them (the default would compress)."""
    if precision not in ("FP32", "FP16"):
        raise ValueError(f"conversion makes FP32 or FP16 IR, not {precision}")
    model = ov.convert_model(str(source))
    xml.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=xml.parent, prefix=".convert-") as tmp:
        tmp_xml = Path(tmp) / xml.name
        ov.save_model(model, str(tmp_xml), compress_to_fp16=(precision == "FP16"))
        os.replace(tmp_xml.with_suffix(".bin"), xml.with_suffix(".bin"))
        os.replace(tmp_xml, xml)
    write_ir_record(xml, source_sha256=source_sha256, precision=precision, openvino=ov.get_version())
