"""Scenarios: declarative workloads for the controller, their runner and their run directories."""

from perfharness.scenario.definition import Check, Scenario, Variant
from perfharness.scenario.view import VariantView

__all__ = ["Check", "Scenario", "Variant", "VariantView"]
