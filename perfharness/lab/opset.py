"""The opset-13 graph-building API under its name on every supported OpenVINO release."""

try:
    import openvino.opset13 as ops
except ImportError:  # openvino 2024.6 keeps it under openvino.runtime
    from openvino.runtime import opset13 as ops

__all__ = ["ops"]
