"""What every model-owning stage shares: its loaded model and region names."""

from __future__ import annotations

from pathlib import Path

from perfharness.runtime.engine import EngineConfig, LoadedModel, load_model
from perfharness.zoo.manifest import ModelSpec


class ModelStage:
    """A stage that owns one model. ``name`` prefixes its regions: ``<name>.preprocess|infer|postprocess``.

    Loading checks the model's tensor names and shapes against ``spec`` and fails with a
    ModelError naming the file and the mismatch; ``batch`` reshapes it to that batch.
    """

    name: str = "stage"

    def __init__(self, path: Path, spec: ModelSpec, config: EngineConfig, batch: int = 1) -> None:
        self.model: LoadedModel = load_model(path, spec, config, batch)
        self.region_preprocess = f"{self.name}.preprocess"
        self.region_infer = f"{self.name}.infer"
        self.region_postprocess = f"{self.name}.postprocess"
