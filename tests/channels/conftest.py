"""The gateway app with a fake bot at the Rasa boundary; each module gives its own `settings`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from channels.turns import TurnProcessor
from core.settings import Settings
from integrations.locks import InProcessLocks
from tests.channels.test_turns import FakeRasa
from voice.call_flow import CallFlow


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def client(settings: Settings, rasa: FakeRasa) -> Iterator[TestClient]:
    from server import create_app

    app = create_app(settings)
    with TestClient(app) as test_client:
        app.state.turns = TurnProcessor(settings, app.state.engine, rasa, InProcessLocks())  # type: ignore[arg-type]
        app.state.call_flow = CallFlow(settings, app.state.turns)
        yield test_client
