"""A dispute pauses collection and the claim is checked; hardship is met with care: a pause, lower
payments or a person, never a refusal by the bot."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlmodel import Session

from bot.actions.handoff import summary
from bot.actions.support import (
    after_outcome,
    asks,
    in_session,
    intent_of,
    language,
    say,
    settings,
    today,
    verified,
)
from debt.choices import classify_dispute_reason, parse_hardship_choice, vulnerability_signals
from debt.disclosure import format_day, hardship_options_text
from debt.outcomes import open_dispute, open_hardship, request_handoff

MAX_DETAILS = 1000


def _free_text(value: Any) -> str:
    return " ".join(str(value or "").split())[:MAX_DETAILS]


ActionAskDisputeReason = asks("dispute_reason", "ask_dispute_reason", __name__)


class ValidateDisputeForm(FormValidationAction):
    def name(self) -> str:
        return "validate_dispute_form"

    async def validate_dispute_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = _free_text(value)
        return {"dispute_reason": text or None}


class ActionRecordDispute(Action):
    def name(self) -> str:
        return "action_record_dispute"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        details = _free_text(tracker.get_slot("dispute_reason"))
        reason = classify_dispute_reason(details, language(tracker))

        def record(session: Session) -> list[EventType]:
            context = verified(session, tracker)
            open_dispute(session, context.conversation, context.account, reason=reason, details=details)
            say(dispatcher, tracker, "dispute_recorded")
            return after_outcome(dispatcher, tracker, session, context)

        events = await in_session(record)
        return [SlotSet("dispute_reason", None), SlotSet("pending", "nothing"), *events]


class ActionAskHardshipCircumstances(Action):
    def name(self) -> str:
        return "action_ask_hardship_circumstances"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # Acknowledged already when it was told before verification.
        if tracker.get_slot("pending") != "hardship":
            say(dispatcher, tracker, "hardship_acknowledge")
        say(dispatcher, tracker, "ask_hardship_circumstances")
        return []


class ActionAskHardshipChoice(Action):
    def name(self) -> str:
        return "action_ask_hardship_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang, days = language(tracker), settings().hardship_hold_days
        jurisdiction = await in_session(lambda s: verified(s, tracker).facts.jurisdiction)
        dispatcher.utter_message(text=hardship_options_text(jurisdiction, lang, pause_days=days))
        return []


class ValidateHardshipForm(FormValidationAction):
    def name(self) -> str:
        return "validate_hardship_form"

    async def validate_hardship_circumstances(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # Whatever the person chooses to share, even nothing much, is enough to go on.
        return {"hardship_circumstances": _free_text(value) or "-"}

    async def validate_hardship_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        by_intent = {"request_plan": "plan", "request_human": "advisor", "promise_to_pay": "plan"}
        choice = by_intent.get(intent_of(tracker)) or parse_hardship_choice(
            _free_text(value), language(tracker)
        )
        if choice is None:
            say(dispatcher, tracker, "hardship_choice_not_understood")
        return {"hardship_choice": choice}


class ActionRecordHardship(Action):
    """The case paused in every branch (a person assesses it); then the pause, lower payments or a person."""

    def name(self) -> str:
        return "action_record_hardship"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        circumstances = _free_text(tracker.get_slot("hardship_circumstances"))
        choice = tracker.get_slot("hardship_choice") or "pause"
        vulnerable = vulnerability_signals(circumstances, lang)
        hold_days = settings().hardship_hold_days
        handoff_summary = summary(tracker, "hardship: the debtor asked for an adviser")

        def record(session: Session) -> list[EventType]:
            context = verified(session, tracker)
            case = open_hardship(
                session,
                context.conversation,
                context.account,
                circumstances=None if circumstances == "-" else circumstances,
                vulnerability=vulnerable,
                today=today(),
                hold_days=hold_days,
            )
            until = format_day(case.hold_until or today(), lang)
            if choice == "advisor":
                request_handoff(session, context.conversation, reason="hardship", summary=handoff_summary)
                say(dispatcher, tracker, "hardship_advisor", until=until)
                return []
            if choice == "plan":
                say(dispatcher, tracker, "hardship_plan_intro")
                return [SlotSet("hardship_plan", True), FollowupAction("plan_form")]
            say(dispatcher, tracker, "hardship_pause_recorded", until=until)
            return after_outcome(dispatcher, tracker, session, context)

        events = await in_session(record)
        reset = [SlotSet(name, None) for name in ("hardship_circumstances", "hardship_choice")]
        return [*reset, SlotSet("pending", "nothing"), *events]
