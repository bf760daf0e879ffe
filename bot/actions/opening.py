"""The first words, the last words, and what is said whatever the state: bot or person, fallback."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlmodel import Session

from bot.actions.support import (
    account_by_ref,
    close_form,
    in_session,
    intent_of,
    language,
    language_events,
    say,
    say_call_us_back,
    settings,
)
from debt.disclosure import opening_text, recording_notice_text
from debt.models import Debtor


def recording_notice(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """On a call, before anything is recorded: that it is, for how long, and that one may object."""
    if tracker.get_slot("channel") == "voice":
        jurisdiction = settings().default_jurisdiction
        dispatcher.utter_message(text=recording_notice_text(jurisdiction, language(tracker)))


def opening_events(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The company named once per conversation, before anything else (no creditor: not verified yet)."""
    if tracker.get_slot("opened"):
        return language_events(tracker)
    company = settings().company_name
    recording_notice(dispatcher, tracker)
    key = "opening_inbound" if intent_of(tracker) == "greet" else "opening_inbound_short"
    say(dispatcher, tracker, key, company=company)
    return [SlotSet("opened", True), *language_events(tracker)]


class ActionOpening(Action):
    """Inbound: the company and an offer to help. Outbound: the debtor asked for by name, nothing more."""

    def name(self) -> str:
        return "action_opening"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("direction") == "outbound" and not tracker.get_slot("opened"):
            ref = tracker.get_slot("candidate_account")

            def names(session: Session) -> tuple[str, str] | None:
                account = account_by_ref(session, ref)
                debtor = session.get(Debtor, account.debtor_id) if account else None
                return (debtor.first_name, debtor.last_name) if debtor else None

            found = await in_session(names)
            if found is not None:
                recording_notice(dispatcher, tracker)
                text = opening_text(
                    language(tracker),
                    company=settings().company_neutral_name,
                    direction="outbound",
                    first_name=found[0],
                    last_name=found[1],
                )
                dispatcher.utter_message(text=text)
                return [SlotSet("opened", True), SlotSet("offer", "ask_for_debtor")]
        if tracker.get_slot("opened"):
            say(dispatcher, tracker, "ask_anything_else")
        return opening_events(dispatcher, tracker)


class ActionGoodbye(Action):
    def name(self) -> str:
        return "action_goodbye"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        say(dispatcher, tracker, "goodbye")
        return [*close_form(), SlotSet("offer", "nothing")]


class ActionBotChallenge(Action):
    """An honest answer: an automated assistant; a person is offered."""

    def name(self) -> str:
        return "action_bot_challenge"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        say(dispatcher, tracker, "bot_challenge", company=settings().company_name)
        return [SlotSet("offer", "handoff")]


class ActionDeclineOffer(Action):
    def name(self) -> str:
        return "action_decline_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("offer") == "ask_for_debtor":
            # Not there (or not saying): a neutral message to pass on; the number is not marked wrong.
            say_call_us_back(dispatcher, tracker)
        else:
            say(dispatcher, tracker, "handoff_offer_declined")
        return [SlotSet("offer", "nothing")]
