"""The model zoo: manifest, fetch, verify, convert. Everything else asks it for file paths."""

from __future__ import annotations

from pathlib import Path

from perfharness.core.errors import ModelError
from perfharness.zoo import layout, variants
from perfharness.zoo.cache import cache_errors, cache_lock, sha256_file
from perfharness.zoo.convert import convert_to_ir
from perfharness.zoo.download import fetch_sources
from perfharness.zoo.manifest import ModelSpec, check_precision, load_manifest


@cache_errors()
def model_path(set_name: str, model: str, precision: str, repair: bool = False) -> Path:
    """The verified IR of one model, converting it from its verified source on first use
    (and, with ``repair``, again when the converted IR fails its check). ``precision`` may name
    a lab variant of the model instead (``perfharness/zoo/variants.py``).

    Raises ModelError with the fix when the model was never fetched (or, for INT8 of a set
    without a downloader, never quantized; or the variant was never made) or a file fails its check.
    """
    manifest = load_manifest()
    model_set = manifest.model_set(set_name)
    spec = model_set.models.get(model)
    if spec is None:
        raise ModelError(f"model set {set_name!r} has no model {model!r}; it has {', '.join(model_set.models)}")
    if variants.is_variant_name(precision):
        return variants.find(spec, precision)
    precision = check_precision(precision, model_set)
    fix = f"perfharness models fetch {set_name}"
    if spec.omz_name:
        xml = layout.omz_ir_path(spec, model_set.downloader["omz_precisions"][precision])
    elif precision == "INT8":  # made by NNCF from the FP32 IR, never converted
        xml = layout.ir_path(spec, precision)
        fix = f"perfharness models quantize {set_name}"
        check_quantized(spec, precision)
    else:
        xml = layout.ir_path(spec, precision)
        if not xml.exists() or (repair and layout.ir_problem(xml)):
            _convert(spec, precision, xml)
        elif layout.ir_problem(xml):  # maybe another process is converting it (its record comes last): wait, look again
            with cache_lock():
                pass
    problem = layout.ir_problem(xml)
    if problem:
        raise ModelError(f"model {spec.key} {precision}: {problem}; run `{fix}`")
    return xml


def check_quantized(spec: ModelSpec, precision: str) -> None:
    """ModelError with the fix when ``precision`` is the INT8 of a set that makes it by quantizing
    (not by download) and it has not been made yet."""
    if precision == "INT8" and not spec.omz_name and not layout.ir_path(spec, precision).exists():
        raise ModelError(f"model {spec.key} has no INT8 IR yet ({layout.ir_path(spec, precision)} is missing); "
                         f"run `perfharness models quantize {spec.set_name}`")


def _convert(spec: ModelSpec, precision: str, xml: Path) -> None:
    source = layout.source_path(spec)
    with cache_lock():
        if layout.ir_problem(xml) is None:  # made meanwhile by another process
            return
        if not source.exists():
            raise ModelError(f"model {spec.key} is not fetched ({source} is missing); run `perfharness models fetch {spec.set_name}`")
        if sha256_file(source) != spec.sha256:
            raise ModelError(f"{source} does not match its sha256 pin (tampered or truncated); run `perfharness models fetch {spec.set_name}`")
        convert_to_ir(source, xml, precision, spec.sha256)


@cache_errors()
def media_file(name: str = "astronaut") -> Path:
    """The verified sample image, or ModelError saying how to fetch it."""
    manifest = load_manifest()
    media = manifest.media[name]
    path = layout.media_path(media)
    if not path.exists() or sha256_file(path) != media.cached_sha256:
        raise ModelError(f"sample media {name!r} is missing or fails its sha256 check; run `perfharness models fetch`")
    return path


@cache_errors()
def fetch(set_name: str, log=print) -> list[Path]:
    """Fetch, verify and convert every model of a set (converting again an IR that fails its
    check); idempotent and safe across processes."""
    manifest = load_manifest()
    model_set = manifest.model_set(set_name)
    with cache_lock():
        fetch_sources(manifest, set_name, log)
    paths = []
    for precision in model_set.precisions:
        if precision == "INT8" and not model_set.downloader:
            continue
        for model in model_set.models:
            paths.append(model_path(set_name, model, precision, repair=True))
    return paths


@cache_errors()
def verify(set_name: str) -> list[tuple[str, str, str | None]]:
    """(model, precision, problem or None) for every model and precision a set offers
    (a quantized INT8 variant only once `perfharness models quantize` has made it), then for
    every lab variant in the cache (precision ``variant NAME``)."""
    model_set = load_manifest().model_set(set_name)
    rows = []
    for precision in model_set.precisions:
        for spec in model_set.models.values():
            if spec.omz_name:
                xml = layout.omz_ir_path(spec, model_set.downloader["omz_precisions"][precision])
            elif precision == "INT8":  # quantized on demand (`models quantize`): checked once made
                xml = layout.ir_path(spec, precision)
                if not xml.exists():
                    continue
            else:
                source = layout.source_path(spec)
                if not source.exists():
                    rows.append((spec.name, precision, f"{source} is missing"))
                    continue
                if sha256_file(source) != spec.sha256:
                    rows.append((spec.name, precision, f"{source} does not match its sha256 pin"))
                    continue
                xml = layout.ir_path(spec, precision)
            rows.append((spec.name, precision, layout.ir_problem(xml)))
    rows += [(variant.model, f"variant {variant.name}", variants.problem(variant)) for variant in variants.listing(set_name)]
    return rows
