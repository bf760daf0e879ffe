"""The start of a conversation session: what the gateway knows goes into slots.

The gateway sends metadata with every message (REST channel): the channel, the
conversation's id, the language when the account gives one, and a candidate
account when the caller's number or the campaign points at one. A candidate
is not a verified person: the identity flow still runs.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlmodel import Session

from bot.actions.support import account_by_ref, in_session
from debt.models import Debtor

LANGUAGES = {"fr", "de", "en"}
CHANNELS = {"sms", "voice", "chat"}

# Slots that describe the person's situation and survive a new session (an SMS
# conversation resumed the next day); verification does not: it is asked again.
CARRIED_OVER = ("language", "candidate_account", "channel", "direction")


def slots_from_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """The slots a session starts with; unknown or malformed values are left out."""
    slots: dict[str, Any] = {}
    language = str(metadata.get("language") or "").lower()[:2]
    if language in LANGUAGES:
        slots["language"] = language
    channel = str(metadata.get("channel") or "").lower()
    if channel in CHANNELS:
        slots["channel"] = channel
    direction = str(metadata.get("direction") or "").lower()
    if direction in {"inbound", "outbound"}:
        slots["direction"] = direction
    account = metadata.get("account_ref")
    if isinstance(account, str) and 0 < len(account) <= 64:
        slots["candidate_account"] = account
    conversation_id = metadata.get("conversation_id")
    if isinstance(conversation_id, int) and not isinstance(conversation_id, bool) and conversation_id > 0:
        slots["conversation_id"] = float(conversation_id)
    return slots


def _debtor_language(session: Session, account_ref: str) -> str | None:
    account = account_by_ref(session, account_ref)
    debtor = session.get(Debtor, account.debtor_id) if account else None
    language = (debtor.language or "").lower()[:2] if debtor else ""
    return language if language in LANGUAGES else None


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        carried = {
            name: tracker.get_slot(name) for name in CARRIED_OVER if tracker.get_slot(name) is not None
        }
        fresh = slots_from_metadata(tracker.get_slot("session_started_metadata") or {})
        account = fresh.get("candidate_account") or carried.get("candidate_account")
        if "language" not in fresh and "language" not in carried and account:
            # The gateway knew the account but not its language: the debtor's own, from the file.
            known = await in_session(lambda session: _debtor_language(session, account))
            if known:
                fresh["language"] = known
        events: list[EventType] = [SessionStarted()]
        events += [SlotSet(name, value) for name, value in {**carried, **fresh}.items()]
        events.append(ActionExecuted("action_listen"))
        return events
