"""What goes to a person: a request for an advisor, a complaint, what the bot could not understand;
and an opt-out, honoured at once."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlmodel import Session

from bot.actions.support import (
    candidate_account,
    close_form,
    conversation_of,
    in_session,
    language,
    say,
    text_of,
)
from debt.disclosure import stop_contact_text
from debt.outcomes import record_complaint, record_opt_out, request_handoff

# Rephrase once; the second time in a row the bot does not understand, a person takes over.
MAX_FALLBACKS = 2
NOT_UNDERSTOOD = {"nlu_fallback", "out_of_scope"}
MAX_WORDING = 500


def summary(tracker: Tracker, reason: str) -> str:
    """What the advisor reads first: who, in which language, what was asked. Never a secret's value."""
    asked: list[str] = []
    for event in tracker.events:
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if intent and intent not in asked and intent not in ("inform", "affirm", "deny", "nlu_fallback"):
                asked.append(intent)
    who = (
        f"verified, case {tracker.get_slot('verified_account')}"
        if tracker.get_slot("verified")
        else "identity not verified"
    )
    channel = tracker.get_slot("channel") or "chat"
    return (
        f"{reason}. {who}; {channel}, language {language(tracker)}; asked about: {', '.join(asked) or '-'}."
    )


async def hand_over(tracker: Tracker, reason: str) -> None:
    text = summary(tracker, reason)
    await in_session(
        lambda session: request_handoff(
            session, conversation_of(session, tracker), reason=reason, summary=text
        )
    )


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await hand_over(tracker, "requested by the debtor")
        say(dispatcher, tracker, "handoff_to_human")
        return [*close_form(), SlotSet("offer", "nothing")]


class ActionComplaint(Action):
    def name(self) -> str:
        return "action_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        wording = text_of(tracker)[:MAX_WORDING]

        def record(session: Session) -> None:
            account = candidate_account(session, tracker) if tracker.get_slot("verified") else None
            record_complaint(session, conversation_of(session, tracker), account, text=wording)

        await in_session(record)
        say(dispatcher, tracker, "complaint_recorded_handoff")
        return [*close_form(), SlotSet("offer", "nothing")]


def misunderstood_in_a_row(tracker: Tracker) -> int:
    """How many of the person's last messages in a row the bot could not place."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
        if intent not in NOT_UNDERSTOOD:
            break
        count += 1
    return max(count, 1)


class ActionFallback(Action):
    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if misunderstood_in_a_row(tracker) < MAX_FALLBACKS:
            say(dispatcher, tracker, "rephrase")
            return []
        await hand_over(tracker, "not understood twice")
        say(dispatcher, tracker, "fallback_handoff")
        return close_form()


class ActionStopContact(Action):
    """An opt-out for the channel the person uses, in whatever words, confirmed once."""

    def name(self) -> str:
        return "action_stop_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        channel = tracker.get_slot("channel") or "chat"
        wording = text_of(tracker)[:MAX_WORDING]

        def record(session: Session) -> None:
            account = candidate_account(session, tracker)
            if account is not None:
                conversation = conversation_of(session, tracker)
                record_opt_out(
                    session,
                    debtor_id=account.debtor_id,
                    channel=channel,
                    wording=wording,
                    conversation=conversation,
                )

        await in_session(record)
        dispatcher.utter_message(text=stop_contact_text(language(tracker), channel))
        return [*close_form(), SlotSet("offer", "nothing")]
