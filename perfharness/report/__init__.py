"""Run reports: a run directory in, ``report.html`` (self-contained) and ``report.md`` out."""

from perfharness.report.build import write_reports

__all__ = ["write_reports"]
