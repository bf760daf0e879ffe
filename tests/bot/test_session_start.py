"""action_session_start: the gateway's metadata becomes slots; verification never carries over."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.session import ActionSessionStart, slots_from_metadata


def tracker(slots: dict[str, Any]) -> Tracker:
    return Tracker("sender-1", slots, {}, [], False, None, {}, "action_listen")


def run(slots: dict[str, Any]) -> list[dict[str, Any]]:
    return asyncio.run(ActionSessionStart().run(CollectingDispatcher(), tracker(slots), {}))


def test_metadata_becomes_slots() -> None:
    meta = {
        "channel": "sms",
        "language": "de",
        "account_ref": "WWH-200417",
        "conversation_id": 42,
        "direction": "inbound",
    }
    events = run({"session_started_metadata": meta})
    assert events[0] == SessionStarted()
    assert events[-1] == ActionExecuted("action_listen")
    assert {e["name"]: e["value"] for e in events[1:-1]} == {
        "channel": "sms",
        "language": "de",
        "candidate_account": "WWH-200417",
        "conversation_id": 42.0,
        "direction": "inbound",
    }


def test_malformed_metadata_is_ignored() -> None:
    assert (
        slots_from_metadata(
            {
                "language": "it",
                "channel": "fax",
                "conversation_id": "42",
                "account_ref": "x" * 65,
                "direction": "sideways",
            }
        )
        == {}
    )
    assert slots_from_metadata({"conversation_id": True}) == {}
    assert slots_from_metadata({"language": "FR-fr"}) == {"language": "fr"}


def test_situation_carries_over_but_verification_does_not() -> None:
    events = run(
        {
            "language": "fr",
            "candidate_account": "NEB-104233",
            "verified": True,
            "session_started_metadata": None,
        }
    )
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert values == {"language": "fr", "candidate_account": "NEB-104233"}
    assert SlotSet("verified", True) not in events


def test_the_account_gives_the_language_when_the_gateway_did_not(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlmodel import Session

    from core.settings import get_settings
    from debt.db import make_engine
    from tests.factories import make_account

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    get_settings.cache_clear()
    with Session(make_engine(sqlite_url)) as session:
        make_account(session, account_ref="WWH-200417", language="de", country="DE")
        session.commit()
    events = run({"session_started_metadata": {"channel": "sms", "account_ref": "WWH-200417"}})
    assert SlotSet("language", "de") in events
    get_settings.cache_clear()
