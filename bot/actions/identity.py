"""The identity form: name, then one secret, three attempts (rule: debt.identity, debt.verification)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlmodel import Session

from bot.actions.support import conversation_of, in_session, language, say, today
from debt.identity import MAX_ATTEMPTS, attempts_left
from debt.outcomes import record_identity_failed, record_identity_verified
from debt.verification import Secrets, parse_secrets, verify_caller

# Slot values that close the form without keeping what the person said.
CHECKED = "checked"
MAX_NAME_LENGTH = 120


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
        if len(name.split()) < 2:
            say(dispatcher, tracker, "ask_name")
            return {"claimed_name": None}
        return {"claimed_name": name}

    async def validate_identity_secret(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        secrets = parse_secrets(value if isinstance(value, str) else "", language(tracker), today())
        if not secrets:
            # Nothing that could be a secret: ask again without spending an attempt.
            say(dispatcher, tracker, "ask_secret")
            return {"identity_secret": None}
        failures = int(tracker.get_slot("identity_failures") or 0)
        claimed = tracker.get_slot("claimed_name") or ""
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
