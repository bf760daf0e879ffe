"""Real servers for integration tests: a trained Rasa model served by `rasa run`, the action server."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.processes import ROOT, rasa_and_actions

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
