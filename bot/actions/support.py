"""What every action needs: the conversation's language, the catalogue, the database off the event loop,
and the verification gate read from the database (not from a slot alone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlmodel import Session, select

from core.settings import Settings, get_settings
from debt.clock import utcnow
from debt.db import engine_for, in_thread
from debt.disclosure import DebtFacts, NotVerified, debt_facts
from debt.language import JURISDICTION_LANGUAGE, conversation_language, detect_language
from debt.messages import render
from debt.models import (
    Account,
    Channel,
    Conversation,
    ConversationFlag,
    ConversationFlagRow,
    Creditor,
    Debtor,
)
from debt.outcomes import contact_on_file, conversation_for_sender

T = TypeVar("T")


# The person's first messages decide the language when neither the gateway nor the account did.
LANGUAGE_MESSAGES = 3


def _first_texts(tracker: Tracker) -> list[str]:
    texts = [str(e.get("text") or "") for e in tracker.events if e.get("event") == "user"]
    return (texts or [str(tracker.latest_message.get("text") or "")])[:LANGUAGE_MESSAGES]


def language(tracker: Tracker) -> str:
    """The slot (from the account, via the gateway), else the first messages, else the default's."""
    if tracker.get_slot("language"):
        return str(tracker.get_slot("language"))
    default = JURISDICTION_LANGUAGE[get_settings().default_jurisdiction]
    return conversation_language(None, _first_texts(tracker), default=default)


def language_events(tracker: Tracker) -> list[EventType]:
    """Keep the language once the messages have shown it, so that it no longer moves."""
    if tracker.get_slot("language"):
        return []
    detected = detect_language(" ".join(_first_texts(tracker)))
    return [SlotSet("language", detected)] if detected else []


def say(dispatcher: CollectingDispatcher, tracker: Tracker, key: str, **values: Any) -> None:
    dispatcher.utter_message(text=render(key, language(tracker), **values))


def say_call_us_back(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """For whoever is not the debtor: an apology, the neutral name and the number to call back."""
    current = get_settings()
    say(
        dispatcher,
        tracker,
        "wrong_person_apology",
        neutral_company=current.company_neutral_name,
        callback_number=current.callback_number,
    )


def text_of(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def intent_of(tracker: Tracker) -> str:
    return str((tracker.latest_message.get("intent") or {}).get("name") or "")


def today() -> date:
    return utcnow().date()


def settings() -> Settings:
    return get_settings()


async def in_session(work: Callable[[Session], T]) -> T:
    """Run `work` with a session that commits on success, in a thread (the action server is async)."""
    return await in_thread(engine_for(get_settings().database_url), work)


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


def account_by_ref(session: Session, account_ref: str | None) -> Account | None:
    if not account_ref:
        return None
    return session.exec(select(Account).where(Account.account_ref == account_ref)).first()


@dataclass(frozen=True)
class Verified:
    """The right party's conversation, account and the facts that may now be told."""

    conversation: Conversation
    account: Account
    debtor: Debtor
    facts: DebtFacts


def verified(session: Session, tracker: Tracker) -> Verified:
    """The verified context, or NotVerified: the conversation itself must carry the identity check."""
    conversation = conversation_of(session, tracker)
    account = account_by_ref(session, tracker.get_slot("verified_account"))
    checked = (
        account is not None
        and conversation.account_id == account.id
        and _has_flag(session, conversation, ConversationFlag.IDENTITY_VERIFIED)
    )
    if account is None or not checked:
        raise NotVerified("identity not verified in this conversation")
    creditor = session.get(Creditor, account.creditor_id)
    facts = debt_facts(account, creditor.name if creditor else "", verified=checked)
    debtor = session.get(Debtor, account.debtor_id)
    assert debtor is not None
    return Verified(conversation, account, debtor, facts)


def candidate_account(session: Session, tracker: Tracker) -> Account | None:
    """The account the verified identity, or else the number or campaign, points at."""
    return account_by_ref(session, tracker.get_slot("verified_account")) or account_by_ref(
        session, tracker.get_slot("candidate_account")
    )


def _has_flag(session: Session, conversation: Conversation, flag: ConversationFlag) -> bool:
    row = session.exec(
        select(ConversationFlagRow).where(
            ConversationFlagRow.conversation_id == conversation.id, ConversationFlagRow.flag == flag.value
        )
    ).first()
    return row is not None


def asks(slot: str, key: str, module: str) -> type[Action]:
    """The action a form runs to ask for `slot`: one text of the catalogue.

    The class is named ActionAsk<Slot> and must be bound to that name in `module` (the action
    server's worker processes find it there by name).
    """

    async def run(
        self: Action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(dispatcher, tracker, key)
        return []

    action_name = f"action_ask_{slot}"
    class_name = "ActionAsk" + "".join(part.title() for part in slot.split("_"))
    namespace = {
        "name": lambda self: action_name,
        "run": run,
        "__module__": module,
        "__qualname__": class_name,
    }
    return type(class_name, (Action,), namespace)


def close_form() -> list[EventType]:
    """Leave whatever form is open (the person asked for something else)."""
    return [ActiveLoop(None), SlotSet("requested_slot", None)]


def after_outcome(
    dispatcher: CollectingDispatcher, tracker: Tracker, session: Session, context: Verified
) -> list[EventType]:
    """After an outcome: read the contact data back once per conversation, else ask what else."""
    if tracker.get_slot("contact_checked"):
        say(dispatcher, tracker, "ask_anything_else")
        return [SlotSet("offer", "nothing")]
    address, email = contact_on_file(session, context.debtor.id or 0)
    nothing = render("contact_not_on_file", language(tracker))
    say(
        dispatcher,
        tracker,
        "contact_data_confirm",
        address=address.value if address else nothing,
        email=email.value if email else nothing,
    )
    return [SlotSet("offer", "contact_check"), SlotSet("contact_checked", True)]
