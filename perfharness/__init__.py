"""perfharness: a performance-analysis harness around an OpenVINO eye-gaze pointer controller."""

__version__ = "0.1.0"
