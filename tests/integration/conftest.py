"""Real servers for integration tests: a trained Rasa model served by `rasa run`, the action server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.processes import ROOT, free_port, start, stop, wait_http

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
    rasa_port, actions_port = free_port(), free_port()
    action_url = f"http://127.0.0.1:{actions_port}/webhook"
    env = {
        "DATABASE_URL": database_url,
        "RASA_TOKEN": RASA_TOKEN,
        "RASA_PORT": str(rasa_port),
        "ACTION_SERVER_URL": action_url,
        "ENV": "test",
    }
    actions = start(
        [
            str(ROOT / ".venv/bin/python"),
            "-m",
            "rasa_sdk",
            "--actions",
            "bot.actions",
            "--port",
            str(actions_port),
        ],
        folder / "actions.log",
        env,
    )
    rasa = start(["bash", str(ROOT / "scripts/rasa-server.sh")], folder / "rasa.log", env)
    try:
        wait_http(f"http://127.0.0.1:{actions_port}/health", actions, folder / "actions.log", 60)
        wait_http(f"http://127.0.0.1:{rasa_port}/status?token={RASA_TOKEN}", rasa, folder / "rasa.log", 240)
        yield RasaStack(f"http://127.0.0.1:{rasa_port}", RASA_TOKEN, action_url, database_url)
    finally:
        stop(rasa)
        stop(actions)
