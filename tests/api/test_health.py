"""/healthz and /readyz: ready only when the database, Rasa, the action server (and Redis when set) answer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from server import create_app
from tests.httpstub import serve

RASA_AND_ACTIONS = {"/status": (200, {"model_file": "current.tar.gz"}), "/health": (200, {"status": "ok"})}


def _client(settings: Settings, **overrides: object) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=overrides)))


def test_healthz_answers_without_token(settings: Settings) -> None:
    with _client(settings) as client:
        assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_names_every_failing_component(settings: Settings) -> None:
    with _client(
        settings, rasa_url="http://127.0.0.1:9", action_server_url="http://127.0.0.1:9/webhook"
    ) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["rasa", "actions"]
    assert body["components"]["database"]["ok"] is True


def test_readyz_is_ready_when_components_answer(settings: Settings) -> None:
    with (
        serve(RASA_AND_ACTIONS) as base,
        _client(settings, rasa_url=base, action_server_url=f"{base}/webhook") as client,
    ):
        response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ready"


def test_readyz_reports_rasa_refusing_the_token(settings: Settings) -> None:
    routes = {"/status": (401, {"message": "unauthorized"}), "/health": (200, {})}
    with (
        serve(routes) as base,
        _client(settings, rasa_url=base, action_server_url=f"{base}/webhook") as client,
    ):
        body = client.get("/readyz").json()
    assert body["failing"] == ["rasa"]
    assert "HTTP 401" in body["components"]["rasa"]["detail"]


def test_readyz_reports_a_missing_database(settings: Settings, tmp_path) -> None:
    # The URL names a folder: SQLite cannot open it as a database file.
    with (
        serve(RASA_AND_ACTIONS) as base,
        _client(
            settings,
            database_url=f"sqlite:///{tmp_path}",
            rasa_url=base,
            action_server_url=f"{base}/webhook",
        ) as client,
    ):
        body = client.get("/readyz").json()
    assert body["failing"] == ["database"]


@pytest.mark.redis
def test_readyz_checks_the_real_redis_when_configured(settings: Settings) -> None:
    with serve(RASA_AND_ACTIONS) as base:
        with _client(
            settings,
            redis_url="redis://127.0.0.1:6379/15",
            rasa_url=base,
            action_server_url=f"{base}/webhook",
        ) as client:
            ok = client.get("/readyz")
        with _client(
            settings, redis_url="redis://127.0.0.1:1/0", rasa_url=base, action_server_url=f"{base}/webhook"
        ) as client:
            down = client.get("/readyz")
    assert ok.status_code == 200
    assert ok.json()["components"]["redis"] == {"ok": True, "detail": "pong"}
    assert down.status_code == 503
    assert down.json()["failing"] == ["redis"]
