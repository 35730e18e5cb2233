"""Instrumentation: named regions (ITT, trace, timings). No OpenVINO or OpenCV here."""

from perfharness.instrument.regions import NULL_REGIONS, Regions, RegionSink

__all__ = ["NULL_REGIONS", "RegionSink", "Regions"]
