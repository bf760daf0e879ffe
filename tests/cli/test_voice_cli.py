"""`collect voice download-model` against a real HTTP server on loopback serving a small fake model."""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import main
from core.settings import get_settings

MODEL_FILES = {
    "am/final.mdl": b"acoustic model",
    "conf/model.conf": b"--min-active=200\n",
    "conf/mfcc.conf": b"--use-energy=false\n",
    "graph/HCLr.fst": b"graph",
    "graph/Gr.fst": b"grammar",
}


def _archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


MODEL_ZIP = _archive({f"vosk-model-small-fr-0.22/{name}": data for name, data in MODEL_FILES.items()})
SLIP_ZIP = _archive({**MODEL_FILES, "../../outside.txt": b"owned"})
FILES = {"/fr.zip": MODEL_ZIP, "/slip.zip": SLIP_ZIP}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = FILES.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VOSK_MODELS_DIR", str(tmp_path / "vosk-models"))
    get_settings.cache_clear()
    return tmp_path / "vosk-models"


def _download(*args: str) -> Result:
    return CliRunner().invoke(main, ["voice", "download-model", *args])


def test_a_checked_download_is_installed_where_it_is_found_by_default(server: str, models_dir: Path) -> None:
    result = _download("fr", "--url", f"{server}/fr.zip", "--sha256", _sha256(MODEL_ZIP))

    assert result.exit_code == 0, result.output
    assert (models_dir / "fr" / "am" / "final.mdl").read_bytes() == b"acoustic model"
    assert sorted(p.name for p in models_dir.iterdir()) == ["fr"]  # no temporary files left
    assert "VOSK_MODEL_PATH_FR needs no value" in result.output


def test_another_folder_prints_the_setting_to_give(server: str, models_dir: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    result = _download(
        "de", "--dir", str(elsewhere), "--url", f"{server}/fr.zip", "--sha256", _sha256(MODEL_ZIP)
    )

    assert result.exit_code == 0, result.output
    assert f"VOSK_MODEL_PATH_DE={elsewhere.resolve() / 'de'}" in result.output
    assert (elsewhere / "de" / "graph" / "Gr.fst").exists()
    assert not models_dir.exists()


def test_a_wrong_checksum_installs_nothing_and_leaves_nothing(server: str, models_dir: Path) -> None:
    result = _download("fr", "--url", f"{server}/fr.zip", "--sha256", "0" * 64)

    assert result.exit_code != 0
    assert "checksum mismatch" in result.output and _sha256(MODEL_ZIP) in result.output
    assert list(models_dir.iterdir()) == []


def test_without_sha256_the_official_checksum_is_required(server: str, models_dir: Path) -> None:
    result = _download("fr", "--url", f"{server}/fr.zip")

    assert result.exit_code != 0
    assert "cabf6180e177eb9b3a9a9d43a437bd5e549f3a7d09525e5d69a3fed787be12ad" in result.output
    assert list(models_dir.iterdir()) == []


def test_an_archive_that_escapes_its_folder_is_refused(server: str, models_dir: Path, tmp_path: Path) -> None:
    result = _download("fr", "--url", f"{server}/slip.zip", "--sha256", _sha256(SLIP_ZIP))

    assert result.exit_code != 0 and "outside" in result.output
    assert list(models_dir.iterdir()) == []
    assert not list(tmp_path.rglob("outside.txt"))


def test_a_missing_archive_is_a_clear_error(server: str, models_dir: Path) -> None:
    result = _download("en", "--url", f"{server}/missing.zip", "--sha256", "0" * 64)

    assert result.exit_code != 0 and "answered HTTP 404" in result.output
    assert list(models_dir.iterdir()) == []


def test_an_unreachable_server_is_a_clear_error(models_dir: Path) -> None:
    result = _download("en", "--url", "http://127.0.0.1:9/model.zip", "--sha256", "0" * 64)

    assert result.exit_code != 0 and "could not download http://127.0.0.1:9/model.zip" in result.output


def test_an_installed_model_stays_unless_forced(server: str, models_dir: Path) -> None:
    args = ("fr", "--url", f"{server}/fr.zip", "--sha256", _sha256(MODEL_ZIP))
    assert _download(*args).exit_code == 0
    (models_dir / "fr" / "am" / "final.mdl").write_bytes(b"a model of our own")

    kept = _download(*args)
    assert kept.exit_code == 0 and "already installed" in kept.output
    assert (models_dir / "fr" / "am" / "final.mdl").read_bytes() == b"a model of our own"

    refused = _download("fr", "--url", f"{server}/fr.zip", "--sha256", "0" * 64, "--force")
    assert refused.exit_code != 0
    assert (models_dir / "fr" / "am" / "final.mdl").read_bytes() == b"a model of our own"

    forced = _download(*args, "--force")
    assert forced.exit_code == 0, forced.output
    assert (models_dir / "fr" / "am" / "final.mdl").read_bytes() == b"acoustic model"
    assert sorted(p.name for p in models_dir.iterdir()) == ["fr"]


def test_a_folder_in_the_way_that_is_no_model_is_not_replaced_silently(server: str, models_dir: Path) -> None:
    (models_dir / "fr").mkdir(parents=True)
    (models_dir / "fr" / "notes.txt").write_text("mine")

    result = _download("fr", "--url", f"{server}/fr.zip", "--sha256", _sha256(MODEL_ZIP))

    assert result.exit_code != 0 and "holds no Vosk model" in result.output
    assert (models_dir / "fr" / "notes.txt").read_text() == "mine"


def test_a_malformed_sha256_is_refused_before_any_download(models_dir: Path) -> None:
    result = _download("fr", "--sha256", "abc")
    assert result.exit_code == 2 and "64 hexadecimal digits" in result.output
