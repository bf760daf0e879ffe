"""The REST API: bearer token on /api/*, accounts with masked contact data, conversations with filters."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from debt.conversations import add_turn, open_conversation, set_flag
from debt.models import Channel, ConversationFlag, TurnRole
from tests.factories import make_account


def _seed(client: TestClient) -> tuple[str, int]:
    with Session(client.app.state.engine) as session:
        account = make_account(session, account_ref="HEB-123456")
        conversation = open_conversation(
            session, channel=Channel.SMS, party="+33639980012", account_id=account.id, language="fr"
        )
        add_turn(session, conversation, role=TurnRole.DEBTOR, text="<script>alert(1)</script> bonjour")
        add_turn(session, conversation, role=TurnRole.BOT, text="Bonjour", intent="greet", confidence=0.97)
        set_flag(session, conversation.id, ConversationFlag.IDENTITY_VERIFIED)
        session.add(conversation)
        other = open_conversation(session, channel=Channel.CHAT, party="web-abc")
        session.commit()
        del other
        return account.account_ref, conversation.id


def test_api_requires_the_bearer_token(client: TestClient) -> None:
    for headers in (
        {"Authorization": ""},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic eDp5"},
    ):
        response = client.get("/api/conversations", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


def test_account_with_masked_contact_points(client: TestClient) -> None:
    ref, _ = _seed(client)
    body = client.get(f"/api/accounts/{ref}").json()
    assert body["balance"] == "51.10"
    assert body["status"] == "open"
    assert body["flags"] == ["identity_verified"]
    shown = {p["kind"]: p["value"] for p in body["contact_points"]}
    assert shown == {
        "phone": "+336••••••12",
        "email": "j•••@example.fr",
        "address": "•• rue des Lilas, 75011 Paris",
    }
    assert "birth_date" not in str(body)
    assert body["arrangements"] == [] and body["opt_outs"] == []


def test_unknown_account_is_404(client: TestClient) -> None:
    assert client.get("/api/accounts/NOPE-000000").status_code == 404


def test_conversations_filtered(client: TestClient) -> None:
    ref, conversation_id = _seed(client)
    assert len(client.get("/api/conversations").json()["items"]) == 2
    by_ref = client.get("/api/conversations", params={"account_ref": ref}).json()["items"]
    assert [c["id"] for c in by_ref] == [conversation_id]
    by_phone = client.get("/api/conversations", params={"phone": "06 39 98 00 12"}).json()["items"]
    assert [c["id"] for c in by_phone] == [conversation_id]
    assert (
        client.get("/api/conversations", params={"channel": "chat"}).json()["items"][0]["party"] == "web-abc"
    )
    flagged = client.get("/api/conversations", params={"flag": "identity_verified"}).json()["items"]
    assert [c["id"] for c in flagged] == [conversation_id]
    assert client.get("/api/conversations", params={"flag": "dispute"}).json()["items"] == []
    future = client.get("/api/conversations", params={"since": "2099-01-01T00:00:00Z"}).json()
    assert future["items"] == []


def test_bad_filters_are_422(client: TestClient) -> None:
    assert client.get("/api/conversations", params={"flag": "nonsense"}).status_code == 422
    assert client.get("/api/conversations", params={"phone": "not a phone"}).status_code == 422
    assert client.get("/api/conversations", params={"limit": 0}).status_code == 422


def test_conversation_detail_keeps_text_as_typed(client: TestClient) -> None:
    _, conversation_id = _seed(client)
    body = client.get(f"/api/conversations/{conversation_id}").json()
    assert [t["role"] for t in body["turns"]] == ["debtor", "bot"]
    assert body["turns"][0]["text"] == "<script>alert(1)</script> bonjour"
    assert body["turns"][1]["intent"] == "greet"
    assert client.get("/api/conversations/999999").status_code == 404
