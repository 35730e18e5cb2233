"""Lab variants of a model (pruned, clustered, distilled): their names, where they are, their
records, and saving one into the cache so that it is there whole or not at all.

A variant is an FP32-compiled IR of one model of a set, at ``layout.variant_ir_path`` (one folder
per variant name, so one name can hold a variant of several models), with a ``.record.json``
holding the sha256 of its ``.xml`` and ``.bin`` (checked on every load, as for converted IR) and
how it was made: source model and IR, method, parameters, seed, versions. Its ``.xml`` appears
last, after its ``.bin`` and record, so a variant exists exactly when its ``.xml`` does.
"""

from __future__ import annotations

import json
import os
import re
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from perfharness.core.errors import ModelError, UsageError
from perfharness.zoo import layout
from perfharness.zoo.cache import cache_errors, cache_lock
from perfharness.zoo.manifest import PRECISIONS, ModelSet, ModelSpec, check_precision, load_manifest
from perfharness.zoo.runtime import ov

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
PRECISION = "FP32"  # variants are float IR, compiled as FP32 (f32 inference)
RECORD_KEYS = ("source", "method", "parameters", "seed", "versions")  # besides the two sha256


@dataclass(frozen=True)
class Variant:
    """One variant of one model, as found in the cache."""

    set_name: str
    model: str
    name: str
    xml: Path

    def record(self) -> dict:
        """Its record (how it was made), or {} when the record cannot be read."""
        try:
            record = json.loads(layout.record_path(self.xml).read_bytes())
        except (OSError, ValueError):
            return {}
        return record if isinstance(record, dict) else {}


def is_variant_name(text: str) -> bool:
    """Whether ``text`` can name a variant (``NAME``) and names no precision (FP32, FP16, INT8 in
    any case); anything else is taken for a precision, and an unknown one is refused as such."""
    return bool(NAME.fullmatch(text)) and text.upper() not in PRECISIONS


def check_name(name: str) -> str:
    """``name`` when it can name a variant: lower-case letters, digits, ``.``, ``_``, ``-``; not a precision."""
    if name.upper() in PRECISIONS:
        raise UsageError(f"variant name {name!r} is a precision; give another name")
    if not NAME.fullmatch(name):
        raise UsageError(f"variant name {name!r}: use 1-64 of a-z 0-9 . _ - (starting with a letter or digit)")
    return name


def precision_or_variant(text: str, model_set: ModelSet) -> str:
    """A precision, normalised and offered by the set, or a variant name (checked as a name)."""
    return check_name(text) if is_variant_name(text) else check_precision(text, model_set)


def find(spec: ModelSpec, name: str) -> Path:
    """The IR of variant ``name`` of ``spec`` (its files checked); ModelError naming the variants there are."""
    xml = layout.variant_ir_path(spec, check_name(name))
    if not xml.exists():
        there = [v.name for v in listing(spec.set_name) if v.model == spec.name]
        raise ModelError(f"model {spec.key} has no variant {name!r} (variants: {', '.join(there) or 'none yet'}; "
                         "make one with `perfharness models prune|compress|distill`)")
    problem = layout.ir_problem(xml)
    if problem:
        raise ModelError(f"model {spec.key} variant {name}: {problem}; delete {xml.parent} and make it again")
    return xml


def listing(set_name: str) -> list[Variant]:
    """Every variant of the set's models in the cache, by name then model."""
    root = layout.variants_dir(set_name)
    if not root.is_dir():
        return []
    models = load_manifest().model_set(set_name).models
    return [Variant(set_name, xml.stem, folder.name, xml)
            for folder in sorted(root.iterdir()) if folder.is_dir() and NAME.fullmatch(folder.name)
            for xml in sorted(folder.glob("*.xml")) if xml.stem in models]


def models_with(set_name: str, name: str) -> list[str]:
    """The models of the set that have a variant called ``name``."""
    return [v.model for v in listing(set_name) if v.name == name]


def problem(variant: Variant) -> str | None:
    """Why a variant cannot be used (files, sha256, a record without how it was made), or None."""
    found = layout.ir_problem(variant.xml)
    if found:
        return found
    missing = [key for key in RECORD_KEYS if key not in variant.record()]
    return f"{layout.record_path(variant.xml)} lacks {', '.join(missing)}" if missing else None


def refuse_existing(spec: ModelSpec, name: str) -> None:
    """UsageError when variant ``name`` of ``spec`` exists already (checked before any work starts)."""
    xml = layout.variant_ir_path(spec, check_name(name))
    if xml.exists():
        raise UsageError(f"variant {name!r} of {spec.key} exists ({xml}); give another --name or delete {xml.parent}")


@cache_errors()
def save(model: ov.Model, spec: ModelSpec, name: str, record: dict) -> Path:
    """Write variant ``name`` of ``spec`` into the cache under its lock: ``.bin``, record, then
    ``.xml``, each by rename from a temporary folder beside them, signals held back during the
    renames; UsageError when it exists. ``record`` holds how it was made (``RECORD_KEYS``)."""
    missing = [key for key in RECORD_KEYS if key not in record]
    if missing:
        raise ValueError(f"a variant record needs {', '.join(missing)}")
    xml = layout.variant_ir_path(spec, check_name(name))
    xml.parent.mkdir(parents=True, exist_ok=True)
    with cache_lock():
        refuse_existing(spec, name)
        with tempfile.TemporaryDirectory(dir=xml.parent, prefix=f".{spec.name}-") as tmp:
            tmp_xml = Path(tmp) / xml.name
            ov.save_model(model, str(tmp_xml), compress_to_fp16=False)
            layout.write_ir_record(tmp_xml, precision=PRECISION, variant=name, model=spec.key, **record)
            with _signals_held():
                for path in (tmp_xml.with_suffix(".bin"), layout.record_path(tmp_xml), tmp_xml):
                    os.replace(path, xml.parent / path.name)
    return xml


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (then act as usual)."""
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
