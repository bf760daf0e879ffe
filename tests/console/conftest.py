"""The gateway with the console, a clock the tests move, and an admin, a supervisor and an advisor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from console.auth import console_now
from core.settings import Settings
from debt.models import ConsoleRole
from tests.console.helpers import Clock, add_user


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))


@pytest.fixture
def app(settings: Settings, clock: Clock) -> FastAPI:
    from server import create_app

    app = create_app(settings)
    app.dependency_overrides[console_now] = lambda: clock.now
    return app


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    return app.state.engine


@pytest.fixture
def web(app: FastAPI) -> Iterator[TestClient]:
    """A browser-like client: no API token, follows no redirect unless asked."""
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def staff(engine: Engine) -> dict[str, str]:
    """Logins by role."""
    add_user(engine, "ada", ConsoleRole.ADMIN, name="Ada Admin")
    add_user(engine, "sam", ConsoleRole.SUPERVISOR, name="Sam Supervisor")
    add_user(engine, "val", ConsoleRole.ADVISOR, name="Val Advisor")
    return {"admin": "ada", "supervisor": "sam", "advisor": "val"}
