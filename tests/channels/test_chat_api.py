"""The web chat API: the same turns as SMS; bad input is a clear 4xx and stores nothing."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from core.settings import Settings, load_settings
from debt.db import make_engine
from debt.models import Conversation, Turn
from tests.channels.test_turns import FakeRasa

ROUTE = "/api/chat/messages"


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return load_settings(database_url=sqlite_url, rasa_timeout_seconds=1, company_name="Recouvrement Exemple")


def stored(settings: Settings) -> list[Turn]:
    with Session(make_engine(settings.database_url)) as session:
        return list(session.exec(select(Turn)).all())


def test_a_first_message_opens_a_session_and_the_next_continues_it(
    client: TestClient, settings: Settings, rasa: FakeRasa
) -> None:
    first = client.post(ROUTE, json={"text": "bonjour", "language": "fr"})
    assert first.status_code == 200
    body = first.json()
    assert len(body["session"]) >= 16 and body["pending"] is False
    assert [(r["role"], r["text"], r["seq"]) for r in body["replies"]] == [("bot", "echo: bonjour", 2)]
    second = client.post(ROUTE, json={"session": body["session"], "text": "combien je dois ?"})
    assert second.json()["replies"][0]["text"] == "echo: combien je dois ?"
    assert rasa.received[0][0] == rasa.received[1][0]  # one Rasa conversation
    assert rasa.received[0][2]["channel"] == "chat" and rasa.received[0][2]["language"] == "fr"
    with Session(make_engine(settings.database_url)) as session:
        conversation = session.exec(select(Conversation)).one()
        assert (conversation.channel, conversation.party) == ("chat", body["session"])


def test_the_transcript_after_a_seq_is_what_the_page_polls(client: TestClient) -> None:
    session = client.post(ROUTE, json={"text": "bonjour"}).json()["session"]
    client.post(ROUTE, json={"session": session, "text": "encore"})
    turns = client.get(ROUTE, params={"session": session, "after": 2}).json()["turns"]
    assert [(t["seq"], t["role"], t["text"]) for t in turns] == [
        (3, "debtor", "encore"),
        (4, "bot", "echo: encore"),
    ]
    assert client.get(ROUTE, params={"session": "x" * 20}).status_code == 404
    assert client.get(ROUTE, params={"session": "short"}).status_code == 422


def test_the_bot_down_gives_a_holding_reply_and_the_answer_arrives_by_polling(
    client: TestClient, rasa: FakeRasa
) -> None:
    rasa.up = False
    held = client.post(ROUTE, json={"text": "bonjour", "language": "en"}).json()
    assert held["pending"] is True
    assert held["replies"][0]["text"].startswith("Thank you for your message, it has been saved")
    rasa.up = True
    asyncio.run(client.app.state.turns.retry_waiting())
    turns = client.get(ROUTE, params={"session": held["session"], "after": held["replies"][0]["seq"]}).json()
    assert [t["text"] for t in turns["turns"]] == ["echo: bonjour"]


@pytest.mark.parametrize(
    ("content", "status", "detail"),
    [
        (b"", 400, "empty body"),
        (b"{not json", 400, "not JSON"),
        (b'["a list"]', 400, "JSON object"),
        (b'{"text": "caf\xe9"}', 400, "not UTF-8"),
        (b'{"text": "   "}', 422, "empty"),
        (b'{"text": 12}', 422, "text"),
        (b'{"text": "hi", "language": "es"}', 422, "language"),
        (b'{"text": "hi", "session": "../../etc"}', 422, "session"),
        (b'{"text": "' + b"a" * 2001 + b'"}', 422, "2000"),
        (b'{"text": "' + b"a" * 70_000 + b'"}', 413, "65536 bytes"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_stores_nothing(
    client: TestClient, settings: Settings, content: bytes, status: int, detail: str
) -> None:
    response = client.post(ROUTE, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert stored(settings) == []


def test_emoji_and_other_scripts_go_through(client: TestClient) -> None:
    body = client.post(ROUTE, json={"text": "Merci 🙏 — Grüße, 谢谢"}).json()
    assert body["replies"][0]["text"] == "echo: Merci 🙏 — Grüße, 谢谢"


def test_the_page_is_served_with_the_company_name(client: TestClient) -> None:
    page = client.get("/chat")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<meta name="company" content="Recouvrement Exemple">' in page.text
    assert client.get("/static/chat.js").status_code == 200
    assert client.get("/static/chat.css").status_code == 200
