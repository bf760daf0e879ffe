"""The SMS webhook over HTTP, signed with Twilio's own RequestValidator; the bot is a fake at its boundary.

Bad input gets a clear 4xx and stores nothing; every accepted message is stored and answered.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from core.settings import Settings, load_settings
from debt.db import make_engine, session_scope
from debt.models import Consent, ConsentStatus, ContactAttempt, Turn, TurnRole
from integrations.twilio_webhooks import TwilioRoute, callback_url
from tests.channels.test_turns import FakeRasa
from tests.factories import make_account

TOKEN = "sms-webhook-test-token-0123456789"
BASE = "https://collect.example.com"
PHONE = "+33639980012"


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return load_settings(
        database_url=sqlite_url, twilio_auth_token=TOKEN, public_base_url=BASE, rasa_timeout_seconds=1
    )


def params(body: str = "Bonjour", sid: str = "SM" + "1" * 32, sender: str = PHONE, **extra: str) -> dict:
    return {"MessageSid": sid, "From": sender, "To": "+33189000000", "Body": body, "NumMedia": "0", **extra}


def post(client: TestClient, form: dict, route: str = TwilioRoute.SMS, signature: str | None = None):
    url = callback_url(client.app.state.settings, route)
    signature = signature if signature is not None else RequestValidator(TOKEN).compute_signature(url, form)
    return client.post(
        route,
        content=urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )


def messages(response) -> list[str]:
    assert response.headers["content-type"].startswith("application/xml")
    return [m.text or "" for m in ET.fromstring(response.text).iter("Message")]  # noqa: S314 (our own TwiML)


def turns(settings: Settings) -> list[Turn]:
    with Session(make_engine(settings.database_url)) as session:
        return list(session.exec(select(Turn).order_by(Turn.conversation_id, Turn.seq)).all())


def test_a_signed_message_is_stored_and_answered_with_twiml(client: TestClient, settings: Settings) -> None:
    response = post(client, params("Bonjour 👋"))
    assert response.status_code == 200
    assert messages(response) == ["echo: Bonjour 👋"]
    debtor, bot = turns(settings)
    assert (debtor.role, debtor.text, debtor.external_id) == (TurnRole.DEBTOR, "Bonjour 👋", "SM" + "1" * 32)
    assert bot.text == "echo: Bonjour 👋"


@pytest.mark.parametrize("signature", ["", "forged", "c29tZXRoaW5nIGVsc2U="])
def test_an_unsigned_or_forged_request_is_403_and_stores_nothing(
    client: TestClient, settings: Settings, signature: str
) -> None:
    assert post(client, params(), signature=signature).status_code == 403
    assert turns(settings) == []


def test_a_retry_of_the_same_message_sid_gets_the_same_answer_without_a_second_turn(
    client: TestClient, settings: Settings, rasa: FakeRasa
) -> None:
    first, second = post(client, params("combien ?")), post(client, params("combien ?"))
    assert messages(first) == messages(second) == ["echo: combien ?"]
    assert len(rasa.received) == 1 and len(turns(settings)) == 2


@pytest.mark.parametrize(
    ("form", "detail"),
    [
        ({"From": PHONE, "Body": "x"}, "missing field MessageSid"),
        ({"MessageSid": "SM" + "2" * 32, "Body": "x"}, "missing field From"),
        ({"MessageSid": "not-a-sid", "From": PHONE, "Body": "x"}, "not a Twilio message id"),
        ({}, "missing field MessageSid"),
    ],
)
def test_missing_or_malformed_fields_are_400_and_store_nothing(
    client: TestClient, settings: Settings, form: dict, detail: str
) -> None:
    response = post(client, form)
    assert response.status_code == 400 and detail in response.json()["detail"]
    assert turns(settings) == []


def test_a_body_over_64_kb_is_413(client: TestClient, settings: Settings) -> None:
    response = post(client, params("x" * 70_000))
    assert response.status_code == 413
    assert turns(settings) == []


def test_a_body_that_is_not_utf8_is_400(client: TestClient) -> None:
    response = client.post(
        TwilioRoute.SMS,
        content=b"MessageSid=SM1&Body=%FF\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"},
    )
    assert response.status_code == 400 and "UTF-8" in response.json()["detail"]


def test_a_media_only_message_is_kept_and_answered_without_the_bot(
    client: TestClient, settings: Settings, rasa: FakeRasa
) -> None:
    form = params("", NumMedia="1", MediaContentType0="image/jpeg", MediaUrl0="https://api.twilio.com/m/1")
    response = post(client, form)
    assert response.status_code == 200
    assert messages(response) == [
        "Merci. Je ne peux lire que du texte : pouvez-vous m'écrire votre message ?"
    ]
    assert rasa.received == []
    assert turns(settings)[0].meta["media"] == ["image/jpeg"]


def test_a_short_code_or_whatsapp_sender_is_a_party_without_an_account(
    client: TestClient, settings: Settings, rasa: FakeRasa
) -> None:
    post(client, params("hi", sender="36179"))
    post(client, params("hi", sid="SM" + "3" * 32, sender="whatsapp:+33639980012"))
    parties = [metadata.get("account_ref") for _, _, metadata in rasa.received]
    assert parties == [None, None]
    assert all(t.role != TurnRole.DEBTOR or t.text == "hi" for t in turns(settings))


def test_stop_start_and_help_are_answered_at_once_without_the_bot(
    client: TestClient, settings: Settings, rasa: FakeRasa
) -> None:
    with session_scope(make_engine(settings.database_url)) as session:
        debtor_id = make_account(session, phone=PHONE, language="en").debtor_id

    stop = post(client, params("Stop", sid="SM" + "a" * 32))
    assert messages(stop) == ["Understood: we won't contact you by text message again."]
    with Session(make_engine(settings.database_url)) as session:
        assert (
            session.exec(select(Consent.status).where(Consent.debtor_id == debtor_id)).one()
            == ConsentStatus.OPTED_OUT
        )
    help_ = post(client, params("HELP", sid="SM" + "b" * 32))
    assert "+33189000000" in messages(help_)[0] and "STOP" in messages(help_)[0]
    start = post(client, params("start", sid="SM" + "c" * 32))
    assert messages(start)[0].startswith("Understood: you will receive our texts again")
    with Session(make_engine(settings.database_url)) as session:
        assert (
            session.exec(select(Consent.status).where(Consent.debtor_id == debtor_id)).one()
            == ConsentStatus.GRANTED
        )
    assert rasa.received == []


def test_a_long_reply_is_split_into_messages_that_fit(client: TestClient, rasa: FakeRasa) -> None:
    sentence = "Votre dossier est bien enregistré et nous revenons vers vous rapidement. "
    text = sentence * 12

    async def long_turn(sender, text_in, metadata, *, timeout=None):
        from integrations.rasa_client import BotReply

        return BotReply([text.strip()], "inform", 0.9)

    rasa.turn = long_turn  # type: ignore[method-assign]
    parts = messages(post(client, params("?")))
    assert len(parts) > 1
    assert all(len(p) <= 3 * 153 for p in parts)
    assert " ".join(parts).split() == text.split()


def test_the_bot_down_gets_a_holding_reply_not_an_error(
    client: TestClient, settings: Settings, rasa: FakeRasa
) -> None:
    rasa.up = False
    response = post(client, params("bonjour"))
    assert response.status_code == 200
    assert messages(response)[0].startswith("Merci pour votre message, il est bien enregistré")
    assert turns(settings)[0].state == "queued"


def test_delivery_status_moves_forward_only(client: TestClient, settings: Settings) -> None:
    sid = "SM" + "d" * 32
    with session_scope(make_engine(settings.database_url)) as session:
        account = make_account(session, phone=PHONE)
        session.add(
            ContactAttempt(
                account_id=account.id,
                debtor_id=account.debtor_id,
                channel="sms",
                to=PHONE,
                allowed=True,
                decision_reason="allowed: test",
                idempotency_key="status-test",
                provider_sid=sid,
                status="queued",
            )
        )
    for status in ("sent", "delivered", "sent", "queued"):
        response = post(client, {"MessageSid": sid, "MessageStatus": status}, route=TwilioRoute.SMS_STATUS)
        assert response.status_code == 204
    with Session(make_engine(settings.database_url)) as session:
        assert session.exec(select(ContactAttempt.status)).one() == "delivered"
    unknown = post(
        client, {"MessageSid": "SM" + "e" * 32, "MessageStatus": "sent"}, route=TwilioRoute.SMS_STATUS
    )
    assert unknown.status_code == 204
    assert post(client, {"MessageSid": sid}, route=TwilioRoute.SMS_STATUS).status_code == 400
