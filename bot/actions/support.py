"""What every action needs: the conversation's language, the catalogue, the database off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlmodel import Session

from core.settings import get_settings
from debt.clock import utcnow
from debt.db import engine_for, session_scope
from debt.messages import render
from debt.models import Channel, Conversation
from debt.outcomes import conversation_for_sender

T = TypeVar("T")


def language(tracker: Tracker) -> str:
    return tracker.get_slot("language") or "en"


def say(dispatcher: CollectingDispatcher, tracker: Tracker, key: str, **values: Any) -> None:
    dispatcher.utter_message(text=render(key, language(tracker), **values))


def today() -> date:
    return utcnow().date()


async def in_session(work: Callable[[Session], T]) -> T:
    """Run `work` with a session that commits on success, in a thread (the action server is async)."""
    settings = get_settings()

    def run() -> T:
        with session_scope(engine_for(settings.database_url)) as session:
            return work(session)

    return await asyncio.to_thread(run)


def conversation_of(session: Session, tracker: Tracker) -> Conversation:
    """The conversation this tracker belongs to (the gateway opened it; direct REST use opens one)."""
    channel = tracker.get_slot("channel") or Channel.CHAT
    return conversation_for_sender(
        session,
        tracker.sender_id,
        channel=Channel(channel),
        party=tracker.sender_id,
        account_ref=tracker.get_slot("candidate_account"),
        language=tracker.get_slot("language"),
    )
