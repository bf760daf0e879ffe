"""Records what pauses collection: a dispute until reviewed, a hardship hold for a number of days."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from sqlmodel import Session

from debt.models import Account, AccountStatus, Conversation, ConversationFlag, Dispute, HardshipCase
from debt.outcomes._common import (
    DEBTOR,
    HARDSHIP_HOLD_DAYS,
    OutsidePolicy,
    _audit,
    _cancel_pending_promises,
    _flag,
    _set_status,
)


class DisputeReason(StrEnum):
    CONTRACT_CANCELLED = "contract_cancelled"
    NEVER_ORDERED = "never_ordered"
    ALREADY_PAID = "already_paid"
    WRONG_AMOUNT = "wrong_amount"
    SERVICE_NOT_PROVIDED = "service_not_provided"
    FRAUD = "fraud"
    OTHER = "other"


def open_dispute(
    session: Session,
    conversation: Conversation,
    account: Account,
    *,
    reason: DisputeReason | str,
    details: str | None = None,
    actor: str = DEBTOR,
) -> Dispute:
    """A contested claim pauses collection until it is reviewed (no end date: the review decides)."""
    reason = DisputeReason(reason)
    cancelled = _cancel_pending_promises(session, account)
    dispute = Dispute(
        account_id=account.id, conversation_id=conversation.id, reason=reason.value, details=details
    )
    session.add(dispute)
    _set_status(session, account, AccountStatus.DISPUTED, None)
    session.flush()
    _flag(session, conversation, ConversationFlag.DISPUTE)
    _audit(
        session,
        actor=actor,
        action="dispute.opened",
        entity="dispute",
        entity_id=dispute.id,
        conversation=conversation,
        account_ref=account.account_ref,
        reason=reason.value,
        cancelled_promises=cancelled,
    )
    session.flush()
    return dispute


def open_hardship(
    session: Session,
    conversation: Conversation,
    account: Account,
    *,
    circumstances: str | None,
    vulnerability: bool,
    today: date,
    hold_days: int = HARDSHIP_HOLD_DAYS,
    actor: str = DEBTOR,
) -> HardshipCase:
    """Hardship leads to forbearance: collection holds for `hold_days` while a person assesses it.

    The circumstances (often health data, GDPR art. 9) stay in the case, never in the audit log.
    """
    if hold_days < 1:
        raise OutsidePolicy("hold_not_positive", "a hold lasts at least one day", limit=HARDSHIP_HOLD_DAYS)
    hold_until = today + timedelta(days=hold_days)
    cancelled = _cancel_pending_promises(session, account)
    case = HardshipCase(
        account_id=account.id,
        conversation_id=conversation.id,
        circumstances=circumstances,
        vulnerability=vulnerability,
        hold_until=hold_until,
    )
    session.add(case)
    _set_status(session, account, AccountStatus.HARDSHIP_HOLD, hold_until)
    session.flush()
    flags = [ConversationFlag.HARDSHIP] + ([ConversationFlag.VULNERABILITY] if vulnerability else [])
    _flag(session, conversation, *flags)
    _audit(
        session,
        actor=actor,
        action="hardship.opened",
        entity="hardship_case",
        entity_id=case.id,
        conversation=conversation,
        account_ref=account.account_ref,
        vulnerability=vulnerability,
        hold_until=hold_until.isoformat(),
        cancelled_promises=cancelled,
    )
    session.flush()
    return case
