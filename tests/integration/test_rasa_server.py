"""The trained model served by a real `rasa run`, and the gateway's readiness against it."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from core.settings import load_settings
from server import create_app
from tests.integration.conftest import RasaStack

pytestmark = pytest.mark.rasa


def test_http_api_is_token_protected(rasa_stack: RasaStack) -> None:
    assert httpx.get(f"{rasa_stack.rasa_url}/status").status_code == 401
    status = httpx.get(f"{rasa_stack.rasa_url}/status", params={"token": rasa_stack.token}).json()
    assert status["model_file"] == "current.tar.gz"


def test_rest_channel_answers_with_metadata(rasa_stack: RasaStack) -> None:
    reply = httpx.post(
        f"{rasa_stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": "it-rest-1", "message": "hello", "metadata": {"channel": "chat", "language": "en"}},
        timeout=30,
    )
    assert reply.status_code == 200
    assert reply.json() and all("text" in m for m in reply.json())


def test_gateway_is_ready_against_the_real_servers(rasa_stack: RasaStack) -> None:
    settings = load_settings(
        database_url=rasa_stack.database_url,
        rasa_url=rasa_stack.rasa_url,
        rasa_token=rasa_stack.token,
        action_server_url=rasa_stack.action_server_url,
        env="test",
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert set(response.json()["components"]) == {"database", "rasa", "actions"}


def test_gateway_is_not_ready_with_a_wrong_rasa_token(rasa_stack: RasaStack) -> None:
    settings = load_settings(
        database_url=rasa_stack.database_url,
        rasa_url=rasa_stack.rasa_url,
        rasa_token="wrong",
        action_server_url=rasa_stack.action_server_url,
    )
    with TestClient(create_app(settings)) as client:
        body = client.get("/readyz").json()
    assert body["failing"] == ["rasa"]


def test_session_starts_with_the_gateways_metadata(rasa_stack: RasaStack) -> None:
    metadata = {"channel": "sms", "language": "de", "account_ref": "WWH-200417", "conversation_id": 7}
    reply = httpx.post(
        f"{rasa_stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": "it-session-1", "message": "hallo", "metadata": metadata},
        timeout=30,
    )
    assert reply.status_code == 200
    tracker = httpx.get(
        f"{rasa_stack.rasa_url}/conversations/it-session-1/tracker", params={"token": rasa_stack.token}
    ).json()
    slots = tracker["slots"]
    assert (slots["channel"], slots["language"], slots["candidate_account"]) == ("sms", "de", "WWH-200417")
    assert slots["conversation_id"] == 7.0
    assert slots["verified"] is False
    # The greeting follows the language the gateway gave.
    assert reply.json()[0]["text"].startswith("Guten Tag")
