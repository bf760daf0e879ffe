"""Who is speaking: the identity form (name, then one secret, three attempts), what is held until
it passes, what is said once it has, and the apology when someone else answered."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlmodel import Session

from bot.actions.opening import opening_events
from bot.actions.support import (
    asks,
    candidate_account,
    close_form,
    conversation_of,
    in_session,
    intent_of,
    language,
    say,
    say_call_us_back,
    settings,
    today,
    verified,
)
from debt.disclosure import NotVerified, disclosure_for, explain_debt
from debt.identity import MAX_ATTEMPTS, attempts_left
from debt.outcomes import record_identity_failed, record_identity_verified, record_wrong_party
from debt.verification import Secrets, parse_secrets, verify_caller

# Slot values that close the form without keeping what the person said.
CHECKED = "checked"
MAX_NAME_LENGTH = 120
_LETTERS = re.compile(r"[^\W\d_]{2,}")

# What a request made before verification becomes once the person is verified.
PENDING_BY_INTENT = {
    "ask_balance": "explain",
    "ask_debt_origin": "explain",
    "promise_to_pay": "promise",
    "request_plan": "plan",
    "pay_full": "pay_full",
    "change_payment_date": "debit_day",
    "already_paid": "paid",
    "dispute": "dispute",
    "hardship": "hardship",
}


def _claimed_name(value: Any, tracker: Tracker) -> str:
    entity = next(tracker.get_latest_entity_values("name"), None)
    text = entity or (value if isinstance(value, str) else "")
    return " ".join(text.split())[:MAX_NAME_LENGTH]


class ValidateIdentityForm(FormValidationAction):
    def name(self) -> str:
        return "validate_identity_form"

    async def validate_claimed_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = _claimed_name(value, tracker)
        if len(_LETTERS.findall(name)) < 2:
            say(dispatcher, tracker, "name_not_understood")
            return {"claimed_name": None}
        # "Jeanne Dupont, 12/03/85" in one message: the secret is checked straight away.
        secrets = parse_secrets(str(tracker.latest_message.get("text") or ""), language(tracker), today())
        if secrets:
            return {"claimed_name": name, **await self._check(name, secrets, dispatcher, tracker)}
        return {"claimed_name": name}

    async def validate_identity_secret(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == CHECKED:
            return {"identity_secret": CHECKED}
        secrets = parse_secrets(value if isinstance(value, str) else "", language(tracker), today())
        if not secrets:
            # Nothing that could be a secret: ask again without spending an attempt.
            say(dispatcher, tracker, "secret_not_understood")
            return {"identity_secret": None}
        return await self._check(tracker.get_slot("claimed_name") or "", secrets, dispatcher, tracker)

    async def _check(
        self, claimed: str, secrets: Secrets, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        failures = int(tracker.get_slot("identity_failures") or 0)
        if failures >= MAX_ATTEMPTS:  # no fourth guess, even a right one
            say(dispatcher, tracker, "identity_failed_handoff")
            return {"identity_secret": CHECKED, "identity_failed": True}
        outcome, account_ref = await in_session(lambda s: _check(s, tracker, claimed, secrets, failures))
        if outcome == "verified":
            say(dispatcher, tracker, "identity_verified")
            return {"identity_secret": CHECKED, "verified": True, "verified_account": account_ref}
        failures += 1
        if failures >= MAX_ATTEMPTS:
            say(dispatcher, tracker, "identity_failed_handoff")
            return {"identity_secret": CHECKED, "identity_failures": float(failures), "identity_failed": True}
        say(dispatcher, tracker, "identity_retry", attempts_left=attempts_left(failures))
        return {"claimed_name": None, "identity_secret": None, "identity_failures": float(failures)}


def _check(
    session: Session, tracker: Tracker, claimed_name: str, secrets: Secrets, failures: int
) -> tuple[str, str | None]:
    conversation = conversation_of(session, tracker)
    result = verify_caller(
        session,
        claimed_name=claimed_name,
        secrets=secrets,
        candidate_account=tracker.get_slot("candidate_account"),
    )
    if result.verified and result.account is not None and result.secret_kind is not None:
        record_identity_verified(session, conversation, result.account, result.secret_kind)
        return "verified", result.account.account_ref
    if failures + 1 >= MAX_ATTEMPTS:
        record_identity_failed(session, conversation, failures + 1)
    return "failed", None


ActionAskClaimedName = asks("claimed_name", "ask_name", __name__)


ActionAskIdentitySecret = asks("identity_secret", "ask_secret", __name__)


class ActionHoldRequest(Action):
    """A debt request before verification: remembered, and the reason for asking who is speaking."""

    def name(self) -> str:
        return "action_hold_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = opening_events(dispatcher, tracker)
        intent = intent_of(tracker)
        if tracker.get_slot("identity_failed"):
            # Three failed checks: an advisor takes over; the bot asks for no more secrets.
            say(dispatcher, tracker, "identity_failed_handoff")
            return events
        if intent == "hardship":
            say(dispatcher, tracker, "hardship_held_acknowledge")
        if tracker.active_loop_name == "identity_form":
            say(dispatcher, tracker, "hold_request_again")
        elif intent in PENDING_BY_INTENT:
            say(dispatcher, tracker, "hold_request")
        pending = PENDING_BY_INTENT.get(intent)
        return [*events, SlotSet("offer", "nothing"), *([SlotSet("pending", pending)] if pending else [])]


class ActionIdentityDone(Action):
    """Verified: the jurisdiction's disclosure, then the debt explained. Failed: nothing more is said."""

    def name(self) -> str:
        return "action_identity_done"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = language(tracker)
        company = settings().company_name

        def explain(session: Session) -> list[str] | None:
            try:
                context = verified(session, tracker)
            except NotVerified:
                return None
            return [disclosure_for(context.facts, lang, company=company), explain_debt(context.facts, lang)]

        texts = await in_session(explain) if tracker.get_slot("verified") else None
        if texts is None:
            return [SlotSet("pending", "nothing")]
        for text in texts:
            dispatcher.utter_message(text=text)
        if tracker.get_slot("pending") in (None, "nothing", "explain"):
            say(dispatcher, tracker, "ask_how_to_help_after_explanation")
        return [SlotSet("identity_secret", None), SlotSet("claimed_name", None)]


class ActionWrongPerson(Action):
    """Someone else answered: an apology, nothing disclosed, the number no longer the debtor's."""

    def name(self) -> str:
        return "action_wrong_person"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        def record(session: Session) -> None:
            conversation = conversation_of(session, tracker)
            account = candidate_account(session, tracker)
            if account is not None:
                phone = conversation.party if conversation.party.startswith("+") else None
                record_wrong_party(session, conversation, account, phone)

        if tracker.get_slot("verified"):
            # The verified debtor saying "it wasn't me" contests the claim: it is checked, not dropped.
            return [FollowupAction("dispute_form")]
        await in_session(record)
        say_call_us_back(dispatcher, tracker)
        return [*close_form(), SlotSet("pending", "nothing")]
