"""Texting a debtor through the API: the real twilio client against a fake Twilio REST server on
loopback (TWILIO_API_BASE), every message through the contact policy, refusals with their reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

import channels.sms_delivery
from core.settings import Settings, load_settings
from debt.db import make_engine, session_scope
from debt.models import Account, Channel, ContactAttempt, ContactKind, ContactPoint
from debt.outcomes.consent import is_opted_out, record_opt_out
from tests.conftest import API_TOKEN
from tests.factories import make_account
from tests.fake_twilio import FakeTwilio

PHONE = "+33639980012"
WEDNESDAY_10_PARIS = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
SUNDAY_10_PARIS = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(sqlite_url: str, twilio: FakeTwilio) -> Settings:
    return load_settings(
        database_url=sqlite_url,
        api_token=API_TOKEN,
        twilio_api_base=twilio.base_url,
        public_base_url="https://collect.example.com",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    from server import create_app

    with TestClient(create_app(settings)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {API_TOKEN}"
        yield test_client


@pytest.fixture
def account_ref(settings: Settings) -> str:
    with session_scope(make_engine(settings.database_url)) as session:
        return make_account(session, account_ref="SMS-API-1", phone=PHONE).account_ref


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(channels.sms_delivery, "utcnow", lambda: moment)


def attempts(settings: Settings) -> list[ContactAttempt]:
    with Session(make_engine(settings.database_url)) as session:
        return list(session.exec(select(ContactAttempt).order_by(ContactAttempt.id)).all())


def test_an_allowed_sms_is_recorded_then_sent_with_the_status_callback(
    client: TestClient, settings: Settings, twilio: FakeTwilio, account_ref: str, monkeypatch
) -> None:
    at(monkeypatch, WEDNESDAY_10_PARIS)
    response = client.post("/api/sms", json={"account_ref": account_ref, "text": "Bonjour, un rappel."})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["to"] == PHONE and body["sid"] in twilio.messages
    form = twilio.requests[-1].form
    assert (form["To"], form["Body"]) == (PHONE, "Bonjour, un rappel.")
    assert form["StatusCallback"] == "https://collect.example.com/twilio/sms/status"
    (attempt,) = attempts(settings)
    assert (attempt.allowed, attempt.provider_sid, attempt.status) == (True, body["sid"], "queued")
    assert attempt.decision_reason.startswith("allowed")


def test_without_a_number_the_text_goes_to_the_mobile_not_a_newer_landline(
    client: TestClient, settings: Settings, twilio: FakeTwilio, account_ref: str, monkeypatch
) -> None:
    with session_scope(make_engine(settings.database_url)) as session:
        debtor_id = session.exec(select(Account.debtor_id).where(Account.account_ref == account_ref)).one()
        session.add(ContactPoint(debtor_id=debtor_id, kind=ContactKind.PHONE, value="+33142685300"))
    at(monkeypatch, WEDNESDAY_10_PARIS)
    response = client.post("/api/sms", json={"account_ref": account_ref, "text": "Bonjour, un rappel."})
    assert response.status_code == 200, response.text
    assert response.json()["to"] == PHONE == twilio.requests[-1].form["To"]


def test_the_same_idempotency_key_never_texts_twice(
    client: TestClient, twilio: FakeTwilio, account_ref: str, monkeypatch
) -> None:
    at(monkeypatch, WEDNESDAY_10_PARIS)
    message = {"account_ref": account_ref, "text": "Rappel", "idempotency_key": "reminder-1"}
    first, second = client.post("/api/sms", json=message), client.post("/api/sms", json=message)
    assert first.json()["sid"] == second.json()["sid"]
    assert len(twilio.messages) == 1


def test_sunday_is_refused_with_its_reason_and_nothing_is_sent(
    client: TestClient, settings: Settings, twilio: FakeTwilio, account_ref: str, monkeypatch
) -> None:
    at(monkeypatch, SUNDAY_10_PARIS)
    response = client.post("/api/sms", json={"account_ref": account_ref, "text": "Rappel"})
    assert response.status_code == 409 and response.json()["detail"].startswith("outside_hours")
    assert twilio.messages == {}
    (attempt,) = attempts(settings)
    assert (attempt.allowed, attempt.status) == (False, "refused")


def test_an_opted_out_debtor_is_not_texted(
    client: TestClient, settings: Settings, twilio: FakeTwilio, account_ref: str, monkeypatch
) -> None:
    at(monkeypatch, WEDNESDAY_10_PARIS)
    with session_scope(make_engine(settings.database_url)) as session:
        account = session.exec(select(Account).where(Account.account_ref == account_ref)).one()
        record_opt_out(session, debtor_id=account.debtor_id, channel=Channel.SMS, wording="STOP")
    response = client.post("/api/sms", json={"account_ref": account_ref, "text": "Rappel"})
    assert response.status_code == 409 and response.json()["detail"].startswith("opted_out")
    assert twilio.messages == {}


def test_the_fourth_sms_in_a_week_is_refused(client: TestClient, account_ref: str, monkeypatch) -> None:
    at(monkeypatch, WEDNESDAY_10_PARIS)
    statuses = [
        client.post("/api/sms", json={"account_ref": account_ref, "text": f"n{i}"}).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 409]


def test_twilio_saying_the_person_replied_stop_records_the_opt_out(
    client: TestClient, settings: Settings, twilio: FakeTwilio, account_ref: str, monkeypatch
) -> None:
    at(monkeypatch, WEDNESDAY_10_PARIS)
    twilio.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")
    response = client.post("/api/sms", json={"account_ref": account_ref, "text": "Rappel"})
    assert response.status_code == 409 and "21610" in response.json()["detail"]
    with Session(make_engine(settings.database_url)) as session:
        debtor_id = attempts(settings)[0].debtor_id
        assert is_opted_out(session, debtor_id, Channel.SMS)
    assert attempts(settings)[0].status == "failed"


def test_twilio_down_is_503_and_the_same_key_sends_once_when_it_is_back(
    client: TestClient, twilio: FakeTwilio, account_ref: str, monkeypatch
) -> None:
    at(monkeypatch, WEDNESDAY_10_PARIS)
    twilio.fail_next(500, None, "Internal error")
    message = {"account_ref": account_ref, "text": "Rappel", "idempotency_key": "k-503"}
    assert client.post("/api/sms", json=message).status_code == 503
    assert client.post("/api/sms", json=message).status_code == 200
    assert len(twilio.messages) == 1


@pytest.mark.parametrize(
    ("message", "status"),
    [
        ({"account_ref": "NOPE", "text": "x"}, 404),
        ({"account_ref": "SMS-API-1", "text": ""}, 422),
        ({"account_ref": "SMS-API-1", "text": "x", "to": "not a phone"}, 422),
        ({"text": "x"}, 422),
    ],
)
def test_bad_requests_are_4xx(client: TestClient, account_ref: str, message: dict, status: int) -> None:
    assert client.post("/api/sms", json=message).status_code == status


def test_the_api_needs_its_token(client: TestClient, account_ref: str) -> None:
    assert client.post("/api/sms", json={}, headers={"Authorization": ""}).status_code == 401
