"""A first-order energy MODEL per inference from the 45 nm table of Han et al. 2015
("Learning both Weights and Connections for Efficient Neural Networks", after Horowitz 2014).

It is an estimate from op and byte counts, not a measurement: the assumptions are printed with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# picojoules per operation / per 32-bit memory access, 45 nm CMOS
PJ = {"fp32_mult": 3.7, "fp32_add": 0.9, "int32_mult": 3.1, "int32_add": 0.1, "sram_32bit": 5.0, "dram_32bit": 640.0}

ASSUMPTIONS = (
    "energy MODEL (Han et al. 2015, 45 nm), not a measurement:",
    "  float ops: MULT 3.7 pJ, ADD 0.9 pJ (32-bit); INT8 MAC layers: int MULT 3.1 pJ, int ADD 0.1 pJ (32-bit int costs, an upper bound for 8-bit)",
    "  compares (Relu, Max, MaxPool) cost an ADD; divisions and smooth activations cost a MULT",
    "  every weight byte is fetched once per inference from DRAM at 640 pJ per 32-bit access (no cache reuse across inferences)",
    "  every activation byte is read or written once from on-chip SRAM at 5 pJ per 32-bit access; operands of a MAC sit in registers",
    "  bytes as executed: f32 (4 B) for FP32/FP16 IR, 1 B weights and inputs for INT8 MAC layers; 4 bytes = one access",
)


@dataclass(frozen=True)
class Energy:
    """Picojoules per inference by component."""

    compute_pj: float
    weights_dram_pj: float
    activations_sram_pj: float

    @property
    def total_pj(self) -> float:
        return self.compute_pj + self.weights_dram_pj + self.activations_sram_pj

    @property
    def weights_on_chip_pj(self) -> float:
        """The same total if the weights stayed in SRAM between inferences (they fit in a CPU's L2/L3)."""
        return self.total_pj - self.weights_dram_pj * (1 - PJ["sram_32bit"] / PJ["dram_32bit"])

    def as_dict(self) -> dict:
        return {"model": "Han et al. 2015, 45 nm", "pj_per_op": PJ, "assumptions": list(ASSUMPTIONS[1:]),
                "compute_pj": self.compute_pj, "weights_dram_pj": self.weights_dram_pj,
                "activations_sram_pj": self.activations_sram_pj, "total_pj": self.total_pj,
                "weights_on_chip_total_pj": self.weights_on_chip_pj}


def estimate(layers: Iterable) -> Energy:
    """Energy of one inference over layers with ``mults``, ``adds``, ``integer`` and byte counts."""
    compute = weights = activations = 0.0
    for layer in layers:
        kind = "int32" if layer.integer else "fp32"
        compute += layer.mults * PJ[f"{kind}_mult"] + layer.adds * PJ[f"{kind}_add"]
        weights += layer.executed_weight_bytes / 4 * PJ["dram_32bit"]
        activations += layer.activation_bytes / 4 * PJ["sram_32bit"]
    return Energy(compute, weights, activations)


def format_estimate(energy: Energy) -> str:
    """The assumptions, then the estimate in microjoules."""
    uj = 1e-6
    summary = (f"  estimate per inference: {energy.total_pj * uj:.1f} uJ = compute {energy.compute_pj * uj:.1f}"
               f" + weights (DRAM) {energy.weights_dram_pj * uj:.1f} + activations (SRAM) {energy.activations_sram_pj * uj:.1f} uJ;"
               f" {energy.weights_on_chip_pj * uj:.1f} uJ if the weights stayed on chip")
    return "\n".join((*ASSUMPTIONS, summary))
