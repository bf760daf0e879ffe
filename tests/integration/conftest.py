"""Real servers for integration tests: a trained Rasa model served by `rasa run`, the action server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.processes import ROOT, free_port, rasa_and_actions, start, stop, wait_http

RASA_TOKEN = "integration-rasa-token"
MODEL = ROOT / "models" / "current.tar.gz"


@dataclass(frozen=True)
class RasaStack:
    rasa_url: str
    token: str
    action_server_url: str
    database_url: str


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    """`rasa run` with the trained model and the action server over one SQLite database."""
    if not MODEL.exists():
        pytest.fail("no trained model at models/current.tar.gz: `make test` trains it (scripts/train.sh)")
    from debt.db import migrate

    folder: Path = tmp_path_factory.mktemp("rasa")
    database_url = f"sqlite:///{folder / 'collect.db'}"
    migrate(database_url)
    with rasa_and_actions(folder, database_url, RASA_TOKEN) as (rasa_url, action_url):
        yield RasaStack(rasa_url, RASA_TOKEN, action_url, database_url)


TWILIO_TOKEN = "integration-twilio-auth-token-0123456789"


@dataclass(frozen=True)
class Gateway:
    url: str
    twilio_token: str
    database_url: str


@contextmanager
def running_gateway(folder: Path, database_url: str, rasa_url: str, **env: str) -> Iterator[Gateway]:
    """`uvicorn server:app` on a free port, signing URL = its own address (PUBLIC_BASE_URL)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start(
        [
            str(ROOT / ".venv/bin/python"),
            "-m",
            "uvicorn",
            "server:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        folder / "gateway.log",
        {
            "DATABASE_URL": database_url,
            "RASA_URL": rasa_url,
            "RASA_TOKEN": RASA_TOKEN,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "PUBLIC_BASE_URL": url,
            "ENV": "test",
            **env,
        },
    )
    try:
        wait_http(f"{url}/healthz", process, folder / "gateway.log", 60)
        yield Gateway(url, TWILIO_TOKEN, database_url)
    finally:
        stop(process)


@pytest.fixture(scope="session")
def gateway(rasa_stack: RasaStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """The gateway in front of the session's Rasa stack, on the same database."""
    folder = tmp_path_factory.mktemp("gateway")
    with running_gateway(folder, rasa_stack.database_url, rasa_stack.rasa_url) as running:
        yield running
