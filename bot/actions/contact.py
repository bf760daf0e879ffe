"""A call back at a time the person chooses, inside permitted hours; contact data confirmed or updated."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlmodel import Session

from bot.actions.handoff import summary
from bot.actions.support import (
    asks,
    candidate_account,
    conversation_of,
    in_session,
    intent_of,
    language,
    say,
    settings,
    text_of,
    verified,
)
from debt import contact_hours
from debt.clock import utcnow
from debt.contact_text import ContactUpdate, parse_contact_update
from debt.disclosure import format_moment
from debt.models import Account
from debt.outcomes import (
    OutsidePolicy,
    confirm_contact_data,
    record_callback,
    request_handoff,
    update_contact_data,
)
from debt.spoken import parse_callback_time


def _zone(session: Session, tracker: Tracker) -> tuple[str, str]:
    """The jurisdiction and time zone the person is called in."""
    account = candidate_account(session, tracker)
    jurisdiction = account.jurisdiction if account else settings().default_jurisdiction
    return jurisdiction, contact_hours.default_tz(jurisdiction)


class ActionAskCallbackTime(Action):
    def name(self) -> str:
        return "action_ask_callback_time"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not tracker.get_slot("callback_offer"):
            say(dispatcher, tracker, "callback_ask_time")
        return []


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"

    async def validate_callback_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        lang, offer = language(tracker), tracker.get_slot("callback_offer")
        if offer and intent_of(tracker) == "affirm":
            return {"callback_time": offer, "callback_offer": None}
        jurisdiction, tz = await in_session(lambda s: _zone(s, tracker))
        now = utcnow().astimezone(ZoneInfo(tz))
        at = parse_callback_time(value if isinstance(value, str) else "", lang, now)
        if at is None or at <= now:
            say(dispatcher, tracker, "callback_time_not_understood")
            return {"callback_time": None, "callback_offer": None}
        if not contact_hours.is_permitted(at, jurisdiction, tz):
            upcoming = contact_hours.next_permitted(at, jurisdiction, tz)
            say(dispatcher, tracker, "callback_outside_hours", next_time=format_moment(upcoming, lang))
            return {"callback_time": None, "callback_offer": upcoming.isoformat()}
        return {"callback_time": at.isoformat(), "callback_offer": None}


class ActionRecordCallback(Action):
    """Planned on the verified (or the number's) account; without one, an advisor calls back."""

    def name(self) -> str:
        return "action_record_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        asked = datetime.fromisoformat(str(tracker.get_slot("callback_time")))
        note = summary(tracker, f"callback asked for {asked.isoformat()}")

        def record(session: Session) -> tuple[str, datetime]:
            conversation = conversation_of(session, tracker)
            jurisdiction, tz = _zone(session, tracker)
            at = asked.astimezone(ZoneInfo(tz))
            account: Account | None = candidate_account(session, tracker)
            if account is None:
                request_handoff(session, conversation, reason="callback", summary=note)
                return "callback_no_account", at
            try:
                record_callback(session, conversation, account, at=at, jurisdiction=jurisdiction, tz_name=tz)
            except OutsidePolicy:
                request_handoff(session, conversation, reason="callback", summary=note)
                return "callback_no_account", at
            return "callback_recorded", at

        key, at = await in_session(record)
        say(dispatcher, tracker, key, when=format_moment(at, lang))
        return [SlotSet("callback_time", None), SlotSet("callback_offer", None)]


# --- Contact data ---


class ActionContactConfirmed(Action):
    """The address and e-mail on file are still right: they are marked as confirmed today."""

    def name(self) -> str:
        return "action_contact_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        def confirm(session: Session) -> None:
            context = verified(session, tracker)
            confirm_contact_data(session, context.conversation, context.debtor)

        await in_session(confirm)
        say(dispatcher, tracker, "contact_data_updated")
        say(dispatcher, tracker, "ask_anything_else")
        return [SlotSet("offer", "nothing")]


ActionAskContactUpdate = asks("contact_update", "ask_contact_update", __name__)


def _as_slot(update: ContactUpdate) -> str:
    return json.dumps({k: v for k, v in update.__dict__.items() if v is not None}, sort_keys=True)


class ValidateContactForm(FormValidationAction):
    def name(self) -> str:
        return "validate_contact_form"

    async def validate_contact_update(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        country = await in_session(lambda s: verified(s, tracker).debtor.country)
        update = parse_contact_update(value if isinstance(value, str) else "", country)
        if update is None:
            say(dispatcher, tracker, "contact_update_not_understood")
            return {"contact_update": None}
        return {"contact_update": _as_slot(update)}


class ActionContactUpdate(Action):
    """New contact data, from the form or said straight away, normalised and recorded."""

    def name(self) -> str:
        return "action_contact_update"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        raw = tracker.get_slot("contact_update")

        def update(session: Session) -> bool:
            context = verified(session, tracker)
            values = json.loads(raw) if raw else None
            if values is None:
                parsed = parse_contact_update(text_of(tracker), context.debtor.country)
                values = json.loads(_as_slot(parsed)) if parsed else None
            if not values:
                return False
            try:
                update_contact_data(session, context.conversation, context.debtor, **values)
            except ValueError:  # EmailError, AddressError: nothing written
                return False
            return True

        if not await in_session(update):
            # Asked again through the form, whose end comes back here.
            say(dispatcher, tracker, "contact_update_not_understood")
            return [
                SlotSet("contact_update", None),
                SlotSet("offer", "nothing"),
                FollowupAction("contact_form"),
            ]
        say(dispatcher, tracker, "contact_data_updated")
        say(dispatcher, tracker, "ask_anything_else")
        return [SlotSet("contact_update", None), SlotSet("offer", "nothing")]
