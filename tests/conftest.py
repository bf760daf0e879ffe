"""Fixtures shared by the whole suite: databases (SQLite file, real PostgreSQL), settings, API client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from core.settings import Settings, get_settings, load_settings
from debt.db import migrate
from tests.fake_twilio import FakeTwilio, serve_twilio

# The servers CI starts (.ci/run); override to point the suite elsewhere.
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
API_TOKEN = "test-api-token"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test reads the developer's environment or the stack's data/ folder."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("ENV", "test")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'default.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'collect.db'}"
    migrate(url)
    return url


def _new_pg_database() -> tuple[str, str]:
    name = f"collect_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return name, f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, migrated database on the real PostgreSQL server, dropped afterwards."""
    name, url = _new_pg_database()
    try:
        migrate(url)
        yield url
    finally:
        from debt.db import engine_for

        engine_for.cache_clear()
        _drop_pg_database(name)


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """A fresh database on the real PostgreSQL server, not migrated."""
    name, url = _new_pg_database()
    try:
        yield url
    finally:
        _drop_pg_database(name)


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return load_settings(database_url=sqlite_url, api_token=API_TOKEN, env="test")


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from server import create_app

    with TestClient(create_app(settings)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {API_TOKEN}"
        yield test_client


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    """Twilio's REST API on loopback (tests/fake_twilio.py); its `settings()` point the real client at it."""
    with serve_twilio() as fake:
        yield fake


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium (tests/browser.py); the project installs it for tests, so its absence fails."""
    from tests.browser import ChromiumMissing, chromium

    try:
        with chromium() as started:
            yield started
    except ChromiumMissing as exc:
        pytest.fail(str(exc), pytrace=False)
