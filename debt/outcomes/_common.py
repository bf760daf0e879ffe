"""What every outcome shares: the policy refusal, its limits, the audit entry, flags and status."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from debt.clock import utcnow
from debt.conversations import set_flag
from debt.masking import mask_contact_point
from debt.models import (
    Account,
    AccountStatus,
    AuditEntry,
    ContactPoint,
    Conversation,
    ConversationFlag,
    PromiseStatus,
    PromiseToPay,
)
from debt.money import CENT

DEBTOR = "debtor"
PROMISE_MAX_DAYS = 30
HARDSHIP_HOLD_DAYS = 30
# A debit day that exists in every month (February has 28 days).
LAST_DEBIT_DAY = 28
WRONG_PARTY_REASON = "wrong party: reached someone else"


class OutsidePolicy(ValueError):
    """The outcome is outside what the bot may record; `limit` is the nearest value allowed."""

    def __init__(self, reason_code: str, message: str, limit: object = None) -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message
        self.limit = limit


def _audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    conversation: Conversation | None,
    **details: Any,
) -> AuditEntry:
    if conversation is not None:
        details["conversation_id"] = conversation.id
    entry = AuditEntry(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        details=details,
    )
    session.add(entry)
    return entry


def _flag(session: Session, conversation: Conversation, *flags: ConversationFlag) -> None:
    assert conversation.id is not None, "flush the conversation before recording outcomes"
    for flag in flags:
        set_flag(session, conversation.id, flag)


def _set_status(session: Session, account: Account, status: AccountStatus, until: date | None) -> None:
    account.status = status
    account.status_until = until
    account.updated_at = utcnow()
    session.add(account)


def _cancel_pending_promises(session: Session, account: Account) -> list[int]:
    """A plan, a dispute or a hold replaces what was promised: nobody chases a promise made before."""
    pending = session.exec(
        select(PromiseToPay).where(
            PromiseToPay.account_id == account.id, PromiseToPay.status == PromiseStatus.PENDING
        )
    ).all()
    for promise in pending:
        promise.status = PromiseStatus.CANCELLED
        session.add(promise)
    return [p.id for p in pending if p.id is not None]


def _refuse_if_settled(account: Account) -> None:
    if account.status in (AccountStatus.PAID, AccountStatus.CLOSED) or account.balance <= 0:
        raise OutsidePolicy("account_settled", f"account {account.account_ref} has nothing left to pay")


def _money(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


def _masked(point: ContactPoint) -> str:
    """'phone +336••••••12': the kind, then the value as a log may show it."""
    return f"{point.kind} {mask_contact_point(point)}"
