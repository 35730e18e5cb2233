"""The model manifest: model sets, their sources, sha256 pins, licences and signatures."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from perfharness.core.errors import UsageError

PRECISIONS = ("FP32", "FP16", "INT8")


@dataclass(frozen=True)
class Archive:
    """A pinned file fetched from a package registry (a wheel), members extracted from it."""

    name: str
    requirement: str
    filename: str
    pip_args: tuple[str, ...]
    sha256: str
    licence: str


@dataclass(frozen=True)
class ModelSpec:
    """One model of a set: where it comes from and the tensor signature it must have.

    Signature keys are tensor names; ``a|b`` accepts either name, ``*`` accepts any name.
    """

    set_name: str
    name: str
    inputs: dict[str, tuple[int, ...]]
    outputs: dict[str, tuple[int, ...]]
    archive: str | None = None
    member: str | None = None
    sha256: str | None = None
    omz_name: str | None = None

    @property
    def key(self) -> str:
        return f"{self.set_name}/{self.name}"


@dataclass(frozen=True)
class ModelSet:
    name: str
    description: str
    licence: str
    precisions: tuple[str, ...]
    models: dict[str, ModelSpec]
    downloader: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MediaSpec:
    """A sample file: a member of an archive (``sha256``), cached with the PNG chunks named in
    ``strip_png_chunks`` removed (its pixels unchanged), as the file pinned by ``file_sha256``."""

    name: str
    archive: str
    member: str
    sha256: str
    licence: str
    strip_png_chunks: tuple[str, ...] = ()
    file_sha256: str | None = None

    @property
    def cached_sha256(self) -> str:
        """The sha256 of the file in the cache."""
        return self.file_sha256 or self.sha256


@dataclass(frozen=True)
class Manifest:
    archives: dict[str, Archive]
    media: dict[str, MediaSpec]
    sets: dict[str, ModelSet]

    def model_set(self, name: str) -> ModelSet:
        """The named set, or a UsageError listing the known ones."""
        try:
            return self.sets[name]
        except KeyError:
            raise UsageError(
                f"unknown model set {name!r}; known sets: {', '.join(sorted(self.sets))}"
            ) from None


def _shapes(raw: dict) -> dict[str, tuple[int, ...]]:
    return {name: tuple(shape) for name, shape in raw.items()}


@lru_cache(maxsize=1)
def load_manifest() -> Manifest:
    """Parse the manifest shipped with the package (perfharness/zoo/manifest.json)."""
    raw = json.loads(resources.files("perfharness.zoo").joinpath("manifest.json").read_text())
    archives = {
        name: Archive(name, a["requirement"], a["filename"], tuple(a["pip_args"]), a["sha256"], a["licence"])
        for name, a in raw["archives"].items()
    }
    media = {
        name: MediaSpec(name, m["archive"], m["member"], m["sha256"], m["licence"],
                        tuple(m.get("strip_png_chunks", ())), m.get("file_sha256"))
        for name, m in raw["media"].items()
    }
    sets = {}
    for set_name, s in raw["sets"].items():
        models = {
            name: ModelSpec(
                set_name=set_name,
                name=name,
                inputs=_shapes(m["inputs"]),
                outputs=_shapes(m["outputs"]),
                archive=m.get("archive"),
                member=m.get("member"),
                sha256=m.get("sha256"),
                omz_name=m.get("omz_name"),
            )
            for name, m in s["models"].items()
        }
        sets[set_name] = ModelSet(
            set_name, s["description"], s["licence"], tuple(s["precisions"]), models, s.get("downloader", {})
        )
    return Manifest(archives, media, sets)


def check_precision(precision: str, model_set: ModelSet) -> str:
    """Normalise a precision name and check the set offers it."""
    value = precision.upper()
    if value not in PRECISIONS:
        raise UsageError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if value not in model_set.precisions:
        raise UsageError(
            f"model set {model_set.name!r} has no {value} variant; it offers {', '.join(model_set.precisions)}"
        )
    return value
