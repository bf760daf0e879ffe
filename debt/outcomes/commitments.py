"""Records what the debtor commits to pay: a promise, a plan, a debit day, a payment to check."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from debt.arrangements import Plan
from debt.clock import utcnow
from debt.models import (
    Account,
    AccountStatus,
    Arrangement,
    ArrangementStatus,
    Conversation,
    ConversationFlag,
    Instalment,
    Payment,
    PromiseToPay,
)
from debt.money import CENT
from debt.outcomes._common import (
    DEBTOR,
    LAST_DEBIT_DAY,
    PROMISE_MAX_DAYS,
    OutsidePolicy,
    _audit,
    _cancel_pending_promises,
    _flag,
    _money,
    _refuse_if_settled,
    _set_status,
)


def record_promise(
    session: Session,
    conversation: Conversation,
    account: Account,
    *,
    promised_date: date,
    amount: Decimal | None = None,
    today: date,
    max_days: int = PROMISE_MAX_DAYS,
    actor: str = DEBTOR,
) -> PromiseToPay:
    """A promise to pay on a date, no later than `max_days` ahead; it replaces a pending one."""
    _refuse_if_settled(account)
    limit = today + timedelta(days=max_days)
    if promised_date < today:
        raise OutsidePolicy("date_in_past", f"{promised_date} is in the past", limit=today)
    if promised_date > limit:
        raise OutsidePolicy("beyond_promise_limit", f"a promise may not go beyond {limit}", limit=limit)
    amount = (account.balance if amount is None else amount).quantize(CENT)
    if amount <= 0:
        raise OutsidePolicy("amount_not_positive", f"{amount} is not an amount to pay", limit=account.balance)
    if amount > account.balance:
        raise OutsidePolicy("amount_above_balance", f"{amount} is more than is owed", limit=account.balance)

    replaced = _cancel_pending_promises(session, account)
    promise = PromiseToPay(
        account_id=account.id,
        conversation_id=conversation.id,
        amount=amount,
        promised_date=promised_date,
    )
    session.add(promise)
    _set_status(session, account, AccountStatus.PROMISE_TO_PAY, promised_date)
    session.flush()
    _flag(session, conversation, ConversationFlag.PROMISE_TO_PAY)
    _audit(
        session,
        actor=actor,
        action="promise.recorded",
        entity="promise_to_pay",
        entity_id=promise.id,
        conversation=conversation,
        account_ref=account.account_ref,
        amount=_money(amount),
        currency=account.currency,
        promised_date=promised_date.isoformat(),
        replaced_promises=replaced,
    )
    session.flush()
    return promise


def record_arrangement(
    session: Session,
    conversation: Conversation,
    account: Account,
    plan: Plan,
    *,
    actor: str = DEBTOR,
) -> Arrangement:
    """An instalment plan for the whole balance; its instalments sum exactly to it.

    It replaces a pending promise and an earlier active plan of the account.
    """
    _refuse_if_settled(account)
    if (
        not plan.instalments
        or len(plan.instalments) != len(plan.due_dates)
        or sum(plan.instalments, Decimal("0")) != plan.total
        or plan.total != account.balance
    ):
        raise OutsidePolicy(
            "plan_total_mismatch",
            f"the instalments must sum to the balance of {account.balance}",
            limit=account.balance,
        )

    cancelled = _cancel_pending_promises(session, account)
    earlier = session.exec(
        select(Arrangement).where(
            Arrangement.account_id == account.id, Arrangement.status == ArrangementStatus.ACTIVE
        )
    ).all()
    for old in earlier:
        old.status = ArrangementStatus.CANCELLED
        session.add(old)
    arrangement = Arrangement(
        account_id=account.id,
        conversation_id=conversation.id,
        total=plan.total,
        instalment_count=len(plan.instalments),
        first_due=plan.due_dates[0],
    )
    session.add(arrangement)
    session.flush()
    for seq, (due, amount) in enumerate(zip(plan.due_dates, plan.instalments, strict=True), start=1):
        session.add(Instalment(arrangement_id=arrangement.id, seq=seq, due_date=due, amount=amount))
    # The status holds until the last instalment falls due.
    _set_status(session, account, AccountStatus.ARRANGEMENT, plan.due_dates[-1])
    _flag(session, conversation, ConversationFlag.ARRANGEMENT)
    _audit(
        session,
        actor=actor,
        action="arrangement.recorded",
        entity="arrangement",
        entity_id=arrangement.id,
        conversation=conversation,
        account_ref=account.account_ref,
        total=_money(plan.total),
        currency=account.currency,
        instalments=len(plan.instalments),
        first_due=plan.due_dates[0].isoformat(),
        last_due=plan.due_dates[-1].isoformat(),
        cancelled_promises=cancelled,
        replaced_arrangements=[a.id for a in earlier],
    )
    session.flush()
    return arrangement


def record_direct_debit_day(
    session: Session, conversation: Conversation, account: Account, day: int, *, actor: str = DEBTOR
) -> Account:
    """Move the direct debit to a day after payday; only days that exist in every month (1–28)."""
    if not 1 <= day <= 31:
        raise OutsidePolicy("not_a_day_of_month", f"{day} is not a day of the month", limit=LAST_DEBIT_DAY)
    if day > LAST_DEBIT_DAY:
        raise OutsidePolicy(
            "day_not_in_every_month",
            f"the {day}th does not exist in every month: choose a day up to the {LAST_DEBIT_DAY}th",
            limit=LAST_DEBIT_DAY,
        )
    previous = account.direct_debit_day
    account.direct_debit_day = day
    account.updated_at = utcnow()
    session.add(account)
    _audit(
        session,
        actor=actor,
        action="direct_debit_day.changed",
        entity="account",
        entity_id=account.id,
        conversation=conversation,
        account_ref=account.account_ref,
        previous_day=previous,
        day=day,
    )
    session.flush()
    return account


def record_payment_claim(
    session: Session,
    conversation: Conversation,
    account: Account,
    *,
    paid_on: date,
    method: str,
    amount: Decimal | None = None,
    reference: str | None = None,
    actor: str = DEBTOR,
) -> Payment:
    """The debtor says they paid: a payment to check; it counts (and the status moves) once confirmed."""
    amount = (account.balance if amount is None else amount).quantize(CENT)
    if amount <= 0:
        raise OutsidePolicy("amount_not_positive", f"{amount} is not an amount paid", limit=account.balance)
    payment = Payment(
        account_id=account.id,
        amount=amount,
        currency=account.currency,
        paid_on=paid_on,
        method=method[:30],
        reference=reference[:100] if reference else None,
        confirmed=False,
    )
    session.add(payment)
    session.flush()
    _audit(
        session,
        actor=actor,
        action="payment_check.opened",
        entity="payment",
        entity_id=payment.id,
        conversation=conversation,
        account_ref=account.account_ref,
        amount=_money(amount),
        currency=account.currency,
        paid_on=paid_on.isoformat(),
        method=payment.method,
    )
    session.flush()
    return payment


def record_payment_instructions(
    session: Session,
    conversation: Conversation,
    account: Account,
    *,
    method: str,
    channel: str,
    actor: str = DEBTOR,
) -> None:
    """The debtor asked to pay in full and was sent the payment provider's instructions."""
    _refuse_if_settled(account)
    _audit(
        session,
        actor=actor,
        action="payment.instructions_sent",
        entity="account",
        entity_id=account.id,
        conversation=conversation,
        account_ref=account.account_ref,
        amount=_money(account.balance),
        currency=account.currency,
        method=method,
        channel=channel,
    )
    session.flush()
