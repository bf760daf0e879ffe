"""Running one action or one form validation against a Tracker fixture and a real database."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlmodel import Session, select

from debt.db import make_engine
from debt.identity import SecretKind
from debt.models import Account, AuditEntry, Channel, ConversationFlagRow
from debt.outcomes import conversation_for_sender, record_identity_verified

SENDER = "sms-test-1"


def tracker(
    slots: dict[str, Any],
    text: str = "",
    intent: str = "inform",
    entities: list[dict] | None = None,
    active_loop: str | None = None,
    events: list[dict] | None = None,
) -> Tracker:
    message = {"text": text, "entities": entities or [], "intent": {"name": intent, "confidence": 0.9}}
    base = {"language": "fr", "channel": "sms"}
    loop = {"name": active_loop} if active_loop else {}
    return Tracker(SENDER, {**base, **slots}, message, events or [], False, None, loop, "action_listen")


@dataclass
class Result:
    events: list[dict[str, Any]]
    said: list[str]

    def slots(self) -> dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}

    def event_names(self) -> list[str]:
        return [e["event"] for e in self.events]

    @property
    def text(self) -> str:
        return "\n".join(self.said)


def run(action: Action, slots: dict[str, Any], text: str = "", intent: str = "inform", **kw: Any) -> Result:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker(slots, text, intent, **kw), {}))
    return Result(events, [m["text"] for m in dispatcher.messages])


def validate(form: Any, slot: str, value: Any, slots: dict[str, Any], intent: str = "inform") -> Result:
    """One `validate_<slot>` of a form; the result's events are the slot values it returns."""
    dispatcher = CollectingDispatcher()
    method = getattr(form, f"validate_{slot}")
    text = value if isinstance(value, str) else ""
    returned = asyncio.run(method(value, dispatcher, tracker(slots, text, intent), {}))
    events = [{"event": "slot", "name": k, "value": v} for k, v in returned.items()]
    return Result(events, [m["text"] for m in dispatcher.messages])


def verify(url: str, account_ref: str, sender: str = SENDER) -> dict[str, Any]:
    """Record a passed identity check for `sender`, as the identity form does; returns the slots."""
    with Session(make_engine(url)) as session:
        account = session.exec(select(Account).where(Account.account_ref == account_ref)).one()
        conversation = conversation_for_sender(session, sender, channel=Channel.SMS, party="+33639980012")
        record_identity_verified(session, conversation, account, SecretKind.BIRTH_DATE)
        session.commit()
    return {"verified": True, "verified_account": account_ref, "candidate_account": account_ref}


def flags(url: str) -> set[str]:
    with Session(make_engine(url)) as session:
        return set(session.exec(select(ConversationFlagRow.flag)).all())


def audit_actions(url: str) -> list[str]:
    with Session(make_engine(url)) as session:
        return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)).all())
