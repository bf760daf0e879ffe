"""The identity form: name plus one secret against the database, three attempts, nothing disclosed."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlmodel import Session, select

from bot.actions.identity import CHECKED, ValidateIdentityForm
from core.settings import get_settings
from debt.db import make_engine
from debt.messages import render
from debt.models import AuditEntry, Conversation, ConversationFlagRow, Handoff
from tests.factories import make_account

AMOUNT = re.compile(r"\d+[.,]\d{2}")
REFERENCE = re.compile(r"[A-Z]{2,4}-\d{6}")


@pytest.fixture
def database(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    with Session(make_engine(sqlite_url)) as session:
        make_account(session, account_ref="NEB-104233", first_name="Jeanne", last_name="Dupont-Lefèvre")
        session.commit()
    return sqlite_url


def tracker(slots: dict[str, Any], text: str = "", entities: list[dict] | None = None) -> Tracker:
    message = {"text": text, "entities": entities or [], "intent": {"name": "inform", "confidence": 0.9}}
    base = {"language": "fr", "channel": "sms", "requested_slot": "identity_secret"}
    return Tracker("sms-test-1", {**base, **slots}, message, [], False, None, {"name": "identity_form"}, "")


def secret(slots: dict[str, Any], text: str) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    result = asyncio.run(
        ValidateIdentityForm().validate_identity_secret(text, dispatcher, tracker(slots, text), {})
    )
    return result, [m["text"] for m in dispatcher.messages]


def flags(url: str) -> set[str]:
    with Session(make_engine(url)) as session:
        return set(session.exec(select(ConversationFlagRow.flag)).all())


def test_name_and_birth_date_verify_the_candidate(database: str) -> None:
    slots = {"claimed_name": "Jeanne Dupont-Lefèvre", "candidate_account": "NEB-104233"}
    result, said = secret(slots, "je suis née le 12/03/85")
    assert result == {"identity_secret": CHECKED, "verified": True, "verified_account": "NEB-104233"}
    assert said == [render("identity_verified", "fr")]
    assert flags(database) == {"identity_verified"}
    with Session(make_engine(database)) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "identity.verified")).one()
        assert entry.details["secret_kind"] == "birth_date"
        assert "1985" not in str(entry.details)
        assert session.exec(select(Conversation)).one().sender_id == "sms-test-1"


def test_an_unknown_caller_is_found_by_name_and_case_reference(database: str) -> None:
    result, _ = secret({"claimed_name": "jeanne dupont lefevre"}, "ma référence c'est neb 104233")
    assert result["verified"] is True and result["verified_account"] == "NEB-104233"


def test_postcode_said_digit_by_digit(database: str) -> None:
    result, _ = secret({"claimed_name": "Jeanne Dupont-Lefèvre"}, "sept cinq zéro un un")
    assert result["verified"] is True


def test_a_wrong_secret_spends_an_attempt_and_discloses_nothing(database: str) -> None:
    result, said = secret(
        {"claimed_name": "Jeanne Dupont-Lefèvre", "candidate_account": "NEB-104233"}, "21/03/1985"
    )
    assert result == {"claimed_name": None, "identity_secret": None, "identity_failures": 1.0}
    assert "2" in said[0]
    assert not any(AMOUNT.search(m) or REFERENCE.search(m) for m in said)
    assert flags(database) == set()


def test_the_spouse_with_the_right_birth_date_is_not_verified(database: str) -> None:
    slots = {"claimed_name": "Marc Dupont-Lefèvre son mari", "candidate_account": "NEB-104233"}
    result, said = secret(slots, "12 mars 1985")
    assert "verified" not in result
    assert not any(AMOUNT.search(m) or REFERENCE.search(m) for m in said)


def test_the_third_failure_hands_off(database: str) -> None:
    slots = {"claimed_name": "Jeanne Dupont-Lefèvre", "identity_failures": 2.0}
    result, said = secret(slots, "01/01/1990")
    assert result == {"identity_secret": CHECKED, "identity_failures": 3.0, "identity_failed": True}
    assert len(said) == 1
    assert flags(database) == {"identity_failed", "handoff"}
    with Session(make_engine(database)) as session:
        assert session.exec(select(Handoff)).one().reason == "identity_failed"


def test_something_that_is_no_secret_spends_no_attempt(database: str) -> None:
    result, said = secret({"claimed_name": "Jeanne Dupont-Lefèvre"}, "pourquoi vous me demandez ça")
    assert result == {"identity_secret": None}
    assert "identity_failures" not in result
    assert len(said) == 1


def test_a_single_word_is_not_a_full_name(database: str) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker({"requested_slot": "claimed_name"}, "Jeanne")
    assert asyncio.run(ValidateIdentityForm().validate_claimed_name("Jeanne", dispatcher, t, {})) == {
        "claimed_name": None
    }
    entity = [{"entity": "name", "value": "Jeanne Dupont-Lefèvre"}]
    t = tracker({"requested_slot": "claimed_name"}, "c'est Jeanne Dupont-Lefèvre", entity)
    result = asyncio.run(ValidateIdentityForm().validate_claimed_name("c'est ...", dispatcher, t, {}))
    assert result == {"claimed_name": "Jeanne Dupont-Lefèvre"}
