"""Which models a lab command works on: ``SET``, ``SET/MODEL``, a mediapipe ``MODEL``, or an ``.xml`` IR."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from perfharness import zoo
from perfharness.core.errors import UsageError
from perfharness.zoo import variants
from perfharness.zoo.manifest import Manifest, load_manifest

DEFAULT_SET = "mediapipe"


def resolve(target: str, precision: str) -> list[tuple[str, Path]]:
    """(label, IR path) for every model named by ``target`` at ``precision``."""
    if target.endswith(".xml"):
        path = Path(target)
        return [(path.stem, check_ir(path))]
    return [(f"{s}/{m}", zoo.model_path(s, m, p)) for s, m, p in models(target, precision)]


def check_ir(path: Path) -> Path:
    """``path`` when it is a regular file whose XML root is ``<net>`` (an OpenVINO IR); UsageError
    saying what it is otherwise. Checked before OpenVINO reads it: for a file no frontend accepts,
    OpenVINO tries every frontend, and TensorFlow's prints parse errors on stderr."""
    if path.is_dir():
        raise UsageError(f"{path} is a directory, not an .xml IR file")
    if not path.is_file():
        raise UsageError(f"no such IR file: {path}" if not path.exists() else f"{path} is not a regular file")
    try:
        with open(path, "rb") as handle:
            _, root = next(ElementTree.iterparse(handle, events=("start",)))
    except (ElementTree.ParseError, StopIteration):
        root = None
    except OSError as error:
        raise UsageError(f"{path}: cannot read ({error.strerror})") from None
    if root is None or root.tag != "net":
        raise UsageError(f"{path} is not an OpenVINO IR (an .xml file whose root element is <net>)")
    return path


def models(target: str, precision: str) -> list[tuple[str, str, str]]:
    """(set, model, normalised precision) for a set, ``set/model`` or a model of the default set;
    ``precision`` may name a lab variant: then a set means those of its models that have it."""
    manifest = load_manifest()
    set_name, _, model = target.partition("/")
    if not model and set_name not in manifest.sets:
        set_name, model = DEFAULT_SET, target
    if set_name not in manifest.sets or (model and model not in manifest.sets[set_name].models):
        raise UsageError(_not_a_model(target, set_name, model, manifest))
    model_set = manifest.sets[set_name]
    precision = variants.precision_or_variant(precision, model_set)
    names = [model] if model else model_set.models
    if variants.is_variant_name(precision) and not model:
        names = variants.models_with(set_name, precision)
        if not names:
            raise UsageError(f"no model of {set_name} has a variant {precision!r} (see `perfharness models list`)")
    return [(set_name, name, precision) for name in names]


def _not_a_model(target: str, set_name: str, model: str, manifest: Manifest) -> str:
    """Why ``target`` names no model, and what would."""
    wanted = (f"give an .xml IR file, a model set ({', '.join(manifest.sets)}), SET/MODEL or a model of "
              f"{DEFAULT_SET} ({', '.join(manifest.sets[DEFAULT_SET].models)})")
    path = Path(target)
    if path.is_dir():
        return f"{target} is a directory; {wanted}"
    if path.exists():
        return f"{target} is not an .xml IR file; {wanted}"
    if set_name in manifest.sets:
        return (f"model set {set_name!r} has no model {model!r}; it has {', '.join(manifest.sets[set_name].models)} "
                f"(or give a set: {', '.join(manifest.sets)})")
    if not set_name or "/" in model:
        return f"no such IR file or model: {target}; {wanted}"
    return f"unknown model set {set_name!r}; known sets: {', '.join(sorted(manifest.sets))}"


def parse_precisions(text: str) -> list[str]:
    """``FP32,FP16,INT8,pruned-0.3`` -> a list of names, precisions upper-cased (variant names
    kept as given), duplicates refused."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    names = [name if variants.is_variant_name(name) else name.upper() for name in names]
    if not names or len(set(names)) != len(names):
        raise UsageError(f"--precisions wants a comma-separated list without repeats, got {text!r}")
    return names
