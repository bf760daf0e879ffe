"""Vosk models on disk: the official small model per language, what a model folder holds, installing one.

alphacephei publishes MD5 sums only (in model-list.json); the SHA-256 below are those of the official
archives as pinned, identically, by several independent projects (Yocto recipes, application manifests).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import httpx

MODELS_URL = "https://alphacephei.com/vosk/models/"


@dataclass(frozen=True)
class ModelRelease:
    name: str
    sha256: str

    @property
    def url(self) -> str:
        return f"{MODELS_URL}{self.name}.zip"


RELEASES = {
    "fr": ModelRelease(
        "vosk-model-small-fr-0.22", "cabf6180e177eb9b3a9a9d43a437bd5e549f3a7d09525e5d69a3fed787be12ad"
    ),
    "de": ModelRelease(
        "vosk-model-small-de-0.15", "b7e53c90b1f0a38456f4cd62b366ecd58803cd97cd42b06438e2c131713d5e43"
    ),
    "en": ModelRelease(
        "vosk-model-small-en-us-0.15", "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
    ),
}

Progress = Callable[[int, int | None], None]  # (bytes just received, total expected if the server said)


class InstallError(Exception):
    """The model could not be installed; nothing was left behind."""


def is_vosk_model(folder: Path) -> bool:
    """The layout every current Vosk model has: an acoustic model, its configuration and a graph."""
    return (
        (folder / "am" / "final.mdl").is_file()
        and (folder / "conf" / "model.conf").is_file()
        and (folder / "graph").is_dir()
    )


def install_model(url: str, sha256: str, target: Path, on_progress: Progress | None = None) -> None:
    """Download the archive at `url`, check its SHA-256, unpack it and move the model it holds to `target`,
    replacing what is there. Everything in between happens in a temporary folder beside `target` (so the
    final move is a rename on one file system), removed whatever happens.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".download-{target.name}-", dir=target.parent))
    try:
        archive = work / "model.zip"
        received = download(url, archive, on_progress)
        if received != sha256.lower():
            raise InstallError(
                f"checksum mismatch for {url}: expected sha256 {sha256.lower()}, got {received}; "
                "nothing was installed (pass --sha256 with the received value only if you trust the source)"
            )
        _move_into_place(_model_root(unpack(archive, work / "unpacked")), target, work / "replaced")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def download(url: str, into: Path, on_progress: Progress | None = None) -> str:
    """Stream `url` into the file `into`; the hex SHA-256 of what was received."""
    digest = hashlib.sha256()
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=30.0) as response:
            response.raise_for_status()
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
            with into.open("wb") as out:
                for chunk in response.iter_bytes(1 << 16):
                    out.write(chunk)
                    digest.update(chunk)
                    if on_progress:
                        on_progress(len(chunk), total)
    except httpx.HTTPStatusError as exc:
        raise InstallError(f"{url} answered HTTP {exc.response.status_code}") from None
    except httpx.HTTPError as exc:
        raise InstallError(f"could not download {url}: {exc or type(exc).__name__}") from None
    return digest.hexdigest()


def unpack(archive: Path, into: Path) -> Path:
    """Extract a zip archive into `into`, refusing any member that would land outside it (zip-slip)."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            for name in zipped.namelist():
                if _escapes(name):
                    raise InstallError(f"refusing the archive: member {name!r} points outside its folder")
            zipped.extractall(into)
    except zipfile.BadZipFile:
        raise InstallError("the download is not a zip archive") from None
    return into


def _escapes(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    drive = ":" in path.as_posix().split("/")[0]  # C:/… on Windows
    return path.is_absolute() or ".." in path.parts or drive


def _model_root(unpacked: Path) -> Path:
    """The model folder of an unpacked archive: the archive itself, or its one top folder (as official)."""
    if is_vosk_model(unpacked):
        return unpacked
    folders = [entry for entry in unpacked.iterdir() if entry.is_dir()]
    if len(folders) == 1 and is_vosk_model(folders[0]):
        return folders[0]
    raise InstallError("the archive holds no Vosk model (am/final.mdl, conf/model.conf, graph/)")


def _move_into_place(model: Path, target: Path, replaced: Path) -> None:
    if target.exists():
        target.rename(replaced)
    try:
        model.rename(target)
    except OSError:
        if replaced.exists():
            replaced.rename(target)
        raise
