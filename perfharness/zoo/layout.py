"""Where each file lives in the cache: the only place that builds model paths.

::

    <cache>/downloads/<wheel>                          pinned archives as fetched
    <cache>/source/<set>/<model><ext>                  extracted, verified source models
    <cache>/media/<name><ext>                          sample media
    <cache>/media/rendered/<name>                      media rendered from them (the sample clip)
    <cache>/ir/ov-<openvino version>/<set>/<PREC>/<model>.xml|.bin|.record.json
    <cache>/ir/ov-<openvino version>/<set>/variants/<name>/<model>.xml|.bin|.record.json   (made by the lab)
    <cache>/omz/intel/<omz name>/<omz precision>/<omz name>.xml|.bin   (omz_downloader output)
    <cache>/collector/libperfharness_itt-<source hash>.so      the ITT collector, built on demand

IR is kept per OpenVINO version because an IR saved by a newer release may not load in an older one.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from perfharness.core.atomic import atomic_write_bytes
from perfharness.zoo.cache import cache_root, sha256_file
from perfharness.zoo.manifest import Archive, MediaSpec, ModelSpec


def openvino_version_tag() -> str:
    """``2026.4.1`` from OpenVINO's full build string."""
    from perfharness.zoo.runtime import ov  # imported late: the ITT collector must be attached before OpenVINO loads

    return ov.get_version().split("-")[0]


def archive_path(archive: Archive) -> Path:
    return cache_root() / "downloads" / archive.filename


def source_path(spec: ModelSpec) -> Path:
    return cache_root() / "source" / spec.set_name / (spec.name + PurePosixPath(spec.member).suffix)


def media_path(media: MediaSpec) -> Path:
    return cache_root() / "media" / (media.name + PurePosixPath(media.member).suffix)


def rendered_media_path(name: str) -> Path:
    return cache_root() / "media" / "rendered" / name


def ir_path(spec: ModelSpec, precision: str) -> Path:
    return cache_root() / "ir" / f"ov-{openvino_version_tag()}" / spec.set_name / precision / f"{spec.name}.xml"


def variants_dir(set_name: str) -> Path:
    """The folder of a set's lab variants (pruned, clustered, distilled models), one folder per name."""
    return cache_root() / "ir" / f"ov-{openvino_version_tag()}" / set_name / "variants"


def variant_ir_path(spec: ModelSpec, name: str) -> Path:
    return variants_dir(spec.set_name) / name / f"{spec.name}.xml"


def omz_root() -> Path:
    return cache_root() / "omz"


def omz_ir_path(spec: ModelSpec, omz_precision: str) -> Path:
    return omz_root() / "intel" / spec.omz_name / omz_precision / f"{spec.omz_name}.xml"


def compiled_model_cache() -> Path:
    """OpenVINO's compiled-model cache (``CACHE_DIR``), for runs whose settings ask for it."""
    return cache_root() / "ov-model-cache"


def collector_dir() -> Path:
    """Where the project's ITT collector library is built."""
    return cache_root() / "collector"


def record_path(xml: Path) -> Path:
    return xml.with_suffix(".record.json")


def write_ir_record(xml: Path, **extra: object) -> None:
    """Record the sha256 of an IR pair so later loads can refuse a tampered or truncated file."""
    record = {
        "xml_sha256": sha256_file(xml),
        "bin_sha256": sha256_file(xml.with_suffix(".bin")),
        **extra,
    }
    atomic_write_bytes(record_path(xml), json.dumps(record, indent=1).encode())


def ir_problem(xml: Path) -> str | None:
    """Why the IR at ``xml`` cannot be used (missing, no or damaged record, sha256 mismatch), or None."""
    bin_path = xml.with_suffix(".bin")
    record_file = record_path(xml)
    for path in (xml, bin_path, record_file):
        if not path.exists():
            return f"{path} is missing"
    try:
        record = json.loads(record_file.read_bytes())
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        record = None
    if not isinstance(record, dict):
        return f"{record_file} is not a valid record (tampered or truncated)"
    for path, key in ((xml, "xml_sha256"), (bin_path, "bin_sha256")):
        if sha256_file(path) != record.get(key):
            return f"{path} does not match the sha256 recorded when it was made (tampered or truncated)"
    return None


def rendered_record_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.record.json")


def write_rendered_record(path: Path, **extra: object) -> None:
    """Record the sha256 of a file rendered into the cache (the sample clip) as it was made."""
    record = {"sha256": sha256_file(path), **extra}
    atomic_write_bytes(rendered_record_path(path), json.dumps(record, indent=1).encode())


def rendered_problem(path: Path) -> str | None:
    """Why the rendered file ``path`` cannot be used (missing, no or damaged record, sha256
    mismatch), or None. Hashes the whole file: for ``models verify``, not for every run."""
    record_file = rendered_record_path(path)
    for needed in (path, record_file):
        if not needed.exists():
            return f"{needed} is missing"
    try:
        record = json.loads(record_file.read_bytes())
    except ValueError:
        record = None
    if not isinstance(record, dict) or sha256_file(path) != record.get("sha256"):
        return f"{path} does not match the sha256 recorded when it was rendered (damaged)"
    return None
