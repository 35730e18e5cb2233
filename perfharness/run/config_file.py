"""A run's configuration as a file: ``perfharness tune --out`` writes one; ``controller --config``,
a scenario's ``--set config=FILE`` and ``peer --ours-config`` run it. JSON::

    {"format": "perfharness-config", "schema": 1,
     "settings": {"threads": 1, "variants": {"iris_landmarks": "INT8"}, ...},   # RunSettings fields
     "made_on": {"cpu": "...", "flags": ["avx2", ...], "openvino": "2026.4.1-..."},
     "tune": {...}}                                                              # what tune measured, if it made it

A field left out of ``settings`` keeps its default. A file made on another CPU (model or notable
flags) or another OpenVINO runs with a one-line note; one that cannot run here (a variant not in
the cache, an unknown field or value) is refused with a one-line UsageError (exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, NamedTuple

import msgspec

from perfharness.core.atomic import atomic_write_text
from perfharness.core.errors import UsageError, one_line
from perfharness.core.inputs import read_json
from perfharness.core.sysinfo import cpu_info
from perfharness.run.settings import FIELDS, RunSettings
from perfharness.runtime.engine import native_inference_precisions

FORMAT, SCHEMA = "perfharness-config", 1


class MadeOn(msgspec.Struct, forbid_unknown_fields=False):
    cpu: str
    flags: list[str]
    openvino: str


class ConfigFile(msgspec.Struct, forbid_unknown_fields=False):
    format: Literal["perfharness-config"]
    schema: Literal[1]
    settings: dict[str, Any]
    made_on: MadeOn
    tune: dict[str, Any] | None = None


def this_machine() -> dict[str, Any]:
    """What a configuration depends on here: the CPU model, its notable flags, OpenVINO's version."""
    import openvino

    info = cpu_info()
    return {"cpu": str(info["model"]), "flags": list(info["flags"]), "openvino": openvino.get_version()}


def settings_document(settings: RunSettings) -> dict[str, Any]:
    """``settings`` as the file's ``settings`` object (``variants`` as {model: variant})."""
    fields = settings.as_dict()
    fields["variants"] = dict(settings.variants)
    return fields


def write_config(path: Path, settings: RunSettings, tune: dict[str, Any] | None = None) -> None:
    """Write ``settings`` (and what tune measured) to ``path`` whole, as made on this machine."""
    document = {"format": FORMAT, "schema": SCHEMA, "settings": settings_document(settings),
                "made_on": this_machine()}
    if tune is not None:
        document["tune"] = tune
    atomic_write_text(Path(path), json.dumps(document, indent=1, allow_nan=False) + "\n")


def read_config(path: Path) -> ConfigFile:
    """The file at ``path``, checked against its schema (UsageError naming the file otherwise)."""
    return read_json(Path(path), ConfigFile)


class LoadedConfig(NamedTuple):
    """A configuration file read to run: its settings, the note to say (None: made here), and what a
    run records of it (``source``: its path and made_on)."""

    settings: RunSettings
    note: str | None
    source: dict[str, Any]


def load_config(path: Path) -> LoadedConfig:
    """The RunSettings of the file at ``path``, checked to run here, with a one-line note when it was
    made on another CPU or OpenVINO (or asks for an inference precision this CPU does not run
    natively); UsageError "PATH: ..." when it cannot run here."""
    config = read_config(path)
    unknown = sorted(set(config.settings) - set(FIELDS))
    if unknown:
        raise UsageError(one_line(f"{path}: settings has no field {', '.join(unknown)} (fields: {', '.join(FIELDS)})"))
    fields = dict(config.settings)
    variants = fields.get("variants", {})
    if not isinstance(variants, dict):
        raise UsageError(one_line(f"{path}: settings.variants must be an object {{model: variant}}"))
    fields["variants"] = tuple((str(model), name) for model, name in variants.items())
    try:
        settings = RunSettings(**fields)
        settings.check()
    except UsageError as error:
        raise UsageError(one_line(f"{path}: cannot run here: {error}")) from None
    source = {"path": str(Path(path).resolve()), "made_on": msgspec.structs.asdict(config.made_on)}
    return LoadedConfig(settings, provenance_note(path, config.made_on, settings), source)


def provenance_note(path: Path, made_on: MadeOn, settings: RunSettings) -> str | None:
    """One line saying how the machine ``made_on`` differs from this one, or None when it does not."""
    here = this_machine()
    differences = []
    if made_on.cpu != here["cpu"] or sorted(made_on.flags) != sorted(here["flags"]):
        differences.append(f"made on CPU {made_on.cpu} ({' '.join(made_on.flags) or 'no notable flags'}), "
                           f"this is {here['cpu']} ({' '.join(here['flags']) or 'no notable flags'})")
    if made_on.openvino != here["openvino"]:
        differences.append(f"made with OpenVINO {made_on.openvino}, this is {here['openvino']}")
    hint = settings.inference_precision
    if hint is not None and hint not in native_inference_precisions(settings.device):
        differences.append(f"inference_precision={hint} is not native on this {settings.device}")
    if not differences:
        return None
    return one_line(f"note: {path}: {'; '.join(differences)}; running it anyway "
                    "(`perfharness tune` makes a configuration for this machine)")
