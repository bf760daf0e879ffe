"""The console's tables on the real PostgreSQL: migration 0007, sign-in, the failure count, sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from console.auth import console_now
from core.settings import load_settings
from debt.models import ConsoleSession, ConsoleUser
from tests.console.helpers import Clock, add_user, sign_in

pytestmark = pytest.mark.postgres


def test_sign_in_lock_and_session_on_postgres(pg_url: str) -> None:
    from server import create_app

    clock = Clock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    app = create_app(load_settings(database_url=pg_url, env="test"))
    app.dependency_overrides[console_now] = lambda: clock.now
    add_user(app.state.engine, "ada", name="Ada Admin")
    with TestClient(app, follow_redirects=False) as client:
        for n in range(5):
            assert sign_in(client, "ADA", f"wrong password {n}").status_code == 401
        with Session(app.state.engine) as db:
            user = db.exec(select(ConsoleUser)).one()
        assert user.locked_until == clock.now + timedelta(minutes=15) and user.failed_logins == 0

        clock.advance(minutes=16)
        assert sign_in(client, "ada").status_code == 303
        assert "Welcome, Ada Admin" in client.get("/console").text
        with Session(app.state.engine) as db:
            session = db.exec(select(ConsoleSession)).one()
        assert session.expires_at == clock.now + timedelta(hours=12) and len(session.token_hash) == 64
