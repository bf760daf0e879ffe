"""What became of a promise or a plan once its date has passed: kept or broken, paid or missed.

Recorded by the follow-ups (campaigns/follow_ups.py), not in a conversation: the actor is the system
and no conversation flag is set. Like every outcome, each function takes the caller's session (the
caller commits) and appends one audit entry.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from debt.models import (
    Account,
    AccountStatus,
    Arrangement,
    ArrangementStatus,
    Instalment,
    InstalmentStatus,
    PromiseStatus,
    PromiseToPay,
)
from debt.outcomes._common import _audit, _money, _set_status

SYSTEM = "system"


def record_promise_kept(session: Session, account: Account, promise: PromiseToPay, *, paid: Decimal) -> None:
    """Enough was paid since the promise was made."""
    _close_promise(session, account, promise, PromiseStatus.KEPT, paid)


def record_promise_broken(
    session: Session, account: Account, promise: PromiseToPay, *, paid: Decimal
) -> None:
    """The date and its grace day have passed without enough being paid: collection resumes."""
    _close_promise(session, account, promise, PromiseStatus.BROKEN, paid)


def record_instalment_paid(
    session: Session, account: Account, instalment: Instalment, *, paid_on: date, paid: Decimal
) -> None:
    """The payments since the plan started cover this instalment and the ones before it."""
    instalment.status = InstalmentStatus.PAID
    instalment.paid_on = paid_on
    session.add(instalment)
    _audit_instalment(session, account, instalment, "instalment.paid", paid, paid_on=paid_on.isoformat())


def record_instalment_missed(
    session: Session, account: Account, instalment: Instalment, *, paid: Decimal
) -> None:
    """Past due by the grace days and the payments since the plan started do not cover it."""
    instalment.status = InstalmentStatus.MISSED
    session.add(instalment)
    _audit_instalment(session, account, instalment, "instalment.missed", paid)


def record_arrangement_broken(
    session: Session, account: Account, arrangement: Arrangement, *, missed: int
) -> None:
    """Too many instalments missed: the plan ends and collection resumes."""
    arrangement.status = ArrangementStatus.BROKEN
    session.add(arrangement)
    if account.status == AccountStatus.ARRANGEMENT:
        _set_status(session, account, AccountStatus.OPEN, None)
    _audit_arrangement(session, account, arrangement, "arrangement.broken", missed=missed)


def record_arrangement_completed(session: Session, account: Account, arrangement: Arrangement) -> None:
    """Every instalment is paid. The account's balance and status follow the payments, not the plan."""
    arrangement.status = ArrangementStatus.COMPLETED
    session.add(arrangement)
    _audit_arrangement(session, account, arrangement, "arrangement.completed")


def _close_promise(
    session: Session, account: Account, promise: PromiseToPay, status: PromiseStatus, paid: Decimal
) -> None:
    promise.status = status
    session.add(promise)
    if account.status == AccountStatus.PROMISE_TO_PAY and not _other_pending_promise(session, promise):
        _set_status(session, account, AccountStatus.OPEN, None)
    _audit(
        session,
        actor=SYSTEM,
        action=f"promise.{status}",
        entity="promise_to_pay",
        entity_id=promise.id,
        conversation=None,
        account_ref=account.account_ref,
        amount=_money(promise.amount),
        paid_since_promise=_money(paid),
        currency=account.currency,
        promised_date=promise.promised_date.isoformat(),
    )
    session.flush()


def _other_pending_promise(session: Session, promise: PromiseToPay) -> bool:
    return (
        session.exec(
            select(PromiseToPay.id).where(
                PromiseToPay.account_id == promise.account_id,
                PromiseToPay.status == PromiseStatus.PENDING,
                PromiseToPay.id != promise.id,
            )
        ).first()
        is not None
    )


def _audit_instalment(
    session: Session, account: Account, instalment: Instalment, action: str, paid: Decimal, **details: object
) -> None:
    _audit(
        session,
        actor=SYSTEM,
        action=action,
        entity="instalment",
        entity_id=instalment.id,
        conversation=None,
        account_ref=account.account_ref,
        arrangement_id=instalment.arrangement_id,
        seq=instalment.seq,
        amount=_money(instalment.amount),
        paid_since_plan_start=_money(paid),
        currency=account.currency,
        due_date=instalment.due_date.isoformat(),
        **details,
    )
    session.flush()


def _audit_arrangement(
    session: Session, account: Account, arrangement: Arrangement, action: str, **details: object
) -> None:
    _audit(
        session,
        actor=SYSTEM,
        action=action,
        entity="arrangement",
        entity_id=arrangement.id,
        conversation=None,
        account_ref=account.account_ref,
        **details,
    )
    session.flush()
