"""Which models a lab command works on: ``SET``, ``SET/MODEL``, a mediapipe ``MODEL``, or an ``.xml`` IR."""

from __future__ import annotations

from pathlib import Path

from perfharness import zoo
from perfharness.errors import UsageError
from perfharness.zoo.manifest import check_precision, load_manifest

DEFAULT_SET = "mediapipe"


def resolve(target: str, precision: str) -> list[tuple[str, Path]]:
    """(label, IR path) for every model named by ``target`` at ``precision``."""
    if target.endswith(".xml"):
        path = Path(target)
        if not path.is_file():
            raise UsageError(f"no such IR file: {path}")
        return [(path.stem, path)]
    return [(f"{s}/{m}", zoo.model_path(s, m, p)) for s, m, p in models(target, precision)]


def models(target: str, precision: str) -> list[tuple[str, str, str]]:
    """(set, model, normalised precision) for a set, ``set/model`` or a model of the default set."""
    manifest = load_manifest()
    set_name, _, model = target.partition("/")
    if not model and set_name not in manifest.sets:
        set_name, model = DEFAULT_SET, target
    model_set = manifest.model_set(set_name)
    precision = check_precision(precision, model_set)
    if model and model not in model_set.models:
        raise UsageError(f"model set {set_name!r} has no model {model!r}; it has {', '.join(model_set.models)} "
                         f"(or give a set: {', '.join(manifest.sets)})")
    return [(set_name, name, precision) for name in ([model] if model else model_set.models)]


def parse_precisions(text: str) -> list[str]:
    """``FP32,FP16,INT8`` -> a list of names, upper-cased, duplicates refused."""
    names = [part.strip().upper() for part in text.split(",") if part.strip()]
    if not names or len(set(names)) != len(names):
        raise UsageError(f"--precisions wants a comma-separated list without repeats, got {text!r}")
    return names
