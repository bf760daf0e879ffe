"""Follow-ups of what debtors agreed to: a reminder before a promise or an instalment falls due and,
once its date has passed, whether it was kept, with a polite text when it was not.

The worker runs `run_follow_ups` every hour. It first settles what has fallen due (statuses and audit
through debt.outcomes.follow_ups, at any hour), then texts. Every text goes through
channels.sms_delivery.send_sms, so the contact policy decides and a refusal is recorded with its reason.
The idempotency key names the promise or the instalment and the kind of text, so a re-run never
texts twice; and a text refused once is not tried again under its key: a reminder the policy refuses
(an opt-out, a dispute, a weekly cap or a Sunday lasting past the promised date) is simply not sent.
So the policy's answer is read first: when the block lifts before the text stops being useful (the
night, the cool-off after a conversation), the text waits for a later run instead of being refused
for good. A text Twilio could not take (throttled, unreachable) is sent again by the next run.

Dates are the debtor's: "tomorrow" is tomorrow where the phone rings (its zone, else the
jurisdiction's), and a promise or a plan is judged by the calendar of its jurisdiction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from campaigns import templates
from channels.sms_delivery import send_sms
from core.logs import get_logger
from core.settings import Settings
from debt.contact_hours import CALLING_HOURS
from debt.contact_policy import decide, facts_for
from debt.db import in_thread
from debt.models import (
    Account,
    Arrangement,
    ArrangementStatus,
    Channel,
    ContactAttempt,
    Debtor,
    Instalment,
    InstalmentStatus,
    Payment,
    PromiseStatus,
    PromiseToPay,
)
from debt.outcomes import follow_ups as outcomes
from debt.outcomes.contact import phone_to_text
from debt.phones import timezone_of
from integrations.twilio_sms import SmsSender

log = get_logger("follow_ups")

PROMISE_REMINDER_AHEAD = timedelta(days=1)
INSTALMENT_REMINDER_AHEAD = timedelta(days=3)
# The promised date itself, then one day of grace for a payment made on it to reach the account.
PROMISE_JUDGED_AFTER = timedelta(days=2)
# An instalment is judged once it is past due by two days.
INSTALMENT_JUDGED_AFTER = timedelta(days=2)
MISSED_TO_BREAK = 2
# A text about a broken promise or a missed instalment helps for a week; later it would come out of
# the blue, and a person should pick the case up instead.
NOTICE_FOR = timedelta(days=7)
ZERO = Decimal("0.00")


@dataclass(slots=True)
class FollowUpSummary:
    promises_kept: int = 0
    promises_broken: int = 0
    instalments_paid: int = 0
    instalments_missed: int = 0
    arrangements_broken: int = 0
    arrangements_completed: int = 0
    # Left as they are: the debtor reported a payment that is not checked yet.
    awaiting_payment_check: int = 0
    sent: int = 0
    refused: int = 0  # by the contact policy, recorded with its reason
    waiting: int = 0  # blocked for now (night, Sunday, cool-off): a later run tries again
    undelivered: int = 0  # allowed, but Twilio refused or was unreachable
    no_phone: int = 0  # no valid phone on file


@dataclass(frozen=True, slots=True)
class FollowUpText:
    template: str
    key: str
    account_ref: str
    to: str
    language: str
    day: date  # the date the text is about
    # Past it, the text no longer helps: a block that lasts longer is a refusal.
    deadline: datetime


class Step(StrEnum):
    DONE = "done"  # this key was decided before, or its moment has passed
    WAIT = "wait"
    SEND = "send"
    REFUSE = "refuse"  # send_sms records the refusal


async def run_follow_ups(
    settings: Settings, engine: Engine, sender: SmsSender, at: datetime
) -> FollowUpSummary:
    """Settle the promises and instalments that have fallen due at `at`, then send the texts due.

    Once per text and key: a text the contact policy refused is recorded as refused and never retried.
    """
    summary = FollowUpSummary()
    await in_thread(engine, lambda session: settle(session, at, summary))
    texts, no_phone = await in_thread(engine, lambda session: texts_due(session, at))
    summary.no_phone = no_phone
    for text in texts:
        await _send(settings, engine, sender, text, at, summary)
    log.info("follow_ups_done", **asdict(summary))
    return summary


# --- Settling what has fallen due ---


def settle(session: Session, at: datetime, summary: FollowUpSummary) -> None:
    for promise, account in _pending_promises_until(session, at.date()):
        _settle_promise(session, account, promise, local_day(at, jurisdiction_zone(account)), summary)
    for arrangement, account in _active_arrangements_due_until(session, at.date()):
        _settle_arrangement(session, account, arrangement, local_day(at, jurisdiction_zone(account)), summary)


def _settle_promise(
    session: Session, account: Account, promise: PromiseToPay, today: date, summary: FollowUpSummary
) -> None:
    if today < promise.promised_date + PROMISE_JUDGED_AFTER:
        return
    paid, claimed = _paid_since(session, account, promise.created_at)
    if _total(paid) >= promise.amount:
        outcomes.record_promise_kept(session, account, promise, paid=_total(paid))
        summary.promises_kept += 1
    elif _total(paid) + _total(claimed) >= promise.amount:
        summary.awaiting_payment_check += 1
    else:
        outcomes.record_promise_broken(session, account, promise, paid=_total(paid))
        summary.promises_broken += 1


def _settle_arrangement(
    session: Session, account: Account, arrangement: Arrangement, today: date, summary: FollowUpSummary
) -> None:
    """Payments are not matched to instalments: what was paid since the plan started is set against
    what has fallen due so far, instalment by instalment."""
    instalments = _instalments(session, arrangement)
    paid, claimed = _paid_since(session, account, arrangement.created_at)
    for instalment, due_so_far in _with_due_so_far(instalments):
        if instalment.status != InstalmentStatus.DUE or today < instalment.due_date + INSTALMENT_JUDGED_AFTER:
            continue
        covered_on = _covered_on(paid, due_so_far)
        if covered_on is not None:
            outcomes.record_instalment_paid(
                session, account, instalment, paid_on=covered_on, paid=_total(paid)
            )
            summary.instalments_paid += 1
        elif _total(paid) + _total(claimed) >= due_so_far:
            summary.awaiting_payment_check += 1
        else:
            outcomes.record_instalment_missed(session, account, instalment, paid=_total(paid))
            summary.instalments_missed += 1
    missed = sum(i.status == InstalmentStatus.MISSED for i in instalments)
    if missed >= MISSED_TO_BREAK:
        outcomes.record_arrangement_broken(session, account, arrangement, missed=missed)
        summary.arrangements_broken += 1
    elif all(i.status == InstalmentStatus.PAID for i in instalments):
        outcomes.record_arrangement_completed(session, account, arrangement)
        summary.arrangements_completed += 1


def _pending_promises_until(session: Session, last: date) -> list[tuple[PromiseToPay, Account]]:
    return list(
        session.exec(
            select(PromiseToPay, Account)
            .join(Account, col(Account.id) == PromiseToPay.account_id)
            .where(PromiseToPay.status == PromiseStatus.PENDING, PromiseToPay.promised_date <= last)
        ).all()
    )


def _active_arrangements_due_until(session: Session, last: date) -> list[tuple[Arrangement, Account]]:
    with_due = select(Instalment.arrangement_id).where(
        Instalment.status == InstalmentStatus.DUE, Instalment.due_date <= last
    )
    return list(
        session.exec(
            select(Arrangement, Account)
            .join(Account, col(Account.id) == Arrangement.account_id)
            .where(Arrangement.status == ArrangementStatus.ACTIVE, col(Arrangement.id).in_(with_due))
        ).all()
    )


def _instalments(session: Session, arrangement: Arrangement) -> list[Instalment]:
    return list(
        session.exec(
            select(Instalment)
            .where(Instalment.arrangement_id == arrangement.id)
            .order_by(col(Instalment.seq))
        ).all()
    )


def _with_due_so_far(instalments: Iterable[Instalment]) -> Iterator[tuple[Instalment, Decimal]]:
    due_so_far = ZERO
    for instalment in instalments:
        due_so_far += instalment.amount
        yield instalment, due_so_far


def _paid_since(session: Session, account: Account, since: datetime) -> tuple[list[Payment], list[Payment]]:
    """Payments on the account from the day of `since` on, by date: confirmed ones, then reported ones
    still to check (a reported payment counts once it is confirmed)."""
    first_day = local_day(since, jurisdiction_zone(account))
    payments = session.exec(
        select(Payment)
        .where(Payment.account_id == account.id, Payment.paid_on >= first_day)
        .order_by(col(Payment.paid_on), col(Payment.id))
    ).all()
    return [p for p in payments if p.confirmed], [p for p in payments if not p.confirmed]


def _total(payments: Iterable[Payment]) -> Decimal:
    return sum((p.amount for p in payments), ZERO)


def _covered_on(payments: Iterable[Payment], amount: Decimal) -> date | None:
    """The day the running total of `payments` (by date) reached `amount`."""
    running = ZERO
    for payment in payments:
        running += payment.amount
        if running >= amount:
            return payment.paid_on
    return None


# --- The texts due ---


@dataclass(frozen=True, slots=True)
class _Due:
    account: Account
    template: str
    key: str
    day: date  # the date the text is about
    ahead: timedelta | None = None  # a reminder: sent this long before `day`, in the debtor's zone
    useful_until: date | None = None  # a notice: sent until the end of this day


def texts_due(session: Session, at: datetime) -> tuple[list[FollowUpText], int]:
    """The texts to send at `at`, and how many were left out for want of a valid phone."""
    texts: list[FollowUpText] = []
    no_phone = 0
    for due in (
        *_promise_reminders(session, at),
        *_broken_promise_notices(session, at),
        *_instalment_reminders(session, at),
        *_missed_instalment_notices(session, at),
    ):
        to = phone_to_text(session, due.account.debtor_id)
        zone = destination_zone(to, due.account)
        if due.ahead is not None and local_day(at, zone) + due.ahead != due.day:
            continue
        if to is None:
            no_phone += 1
            continue
        texts.append(_text(session, due, to, zone))
    return texts, no_phone


def _text(session: Session, due: _Due, to: str, zone: ZoneInfo) -> FollowUpText:
    debtor = session.get(Debtor, due.account.debtor_id)
    assert debtor is not None
    last_useful = due.useful_until or due.day - timedelta(days=1)
    return FollowUpText(
        template=due.template,
        key=due.key,
        account_ref=due.account.account_ref,
        to=to,
        language=str(debtor.language),
        day=due.day,
        deadline=start_of(last_useful + timedelta(days=1), zone),
    )


def _promise_reminders(session: Session, at: datetime) -> Iterator[_Due]:
    # A day either side of UTC's date: the debtor's own date is checked once their zone is known.
    days = (at.date(), at.date() + PROMISE_REMINDER_AHEAD + timedelta(days=1))
    rows = session.exec(
        select(PromiseToPay, Account)
        .join(Account, col(Account.id) == PromiseToPay.account_id)
        .where(PromiseToPay.status == PromiseStatus.PENDING, col(PromiseToPay.promised_date).between(*days))
    ).all()
    for promise, account in rows:
        paid, _ = _paid_since(session, account, promise.created_at)
        if _total(paid) < promise.amount:  # else paid already: nothing to remind
            key = f"promise:{promise.id}:reminder"
            yield _Due(
                account, templates.PROMISE_REMINDER, key, promise.promised_date, PROMISE_REMINDER_AHEAD
            )


def _instalment_reminders(session: Session, at: datetime) -> Iterator[_Due]:
    days = (
        at.date() + INSTALMENT_REMINDER_AHEAD - timedelta(days=1),
        at.date() + INSTALMENT_REMINDER_AHEAD + timedelta(days=1),
    )
    rows = session.exec(
        select(Instalment, Arrangement, Account)
        .join(Arrangement, col(Arrangement.id) == Instalment.arrangement_id)
        .join(Account, col(Account.id) == Arrangement.account_id)
        .where(
            Instalment.status == InstalmentStatus.DUE,
            Arrangement.status == ArrangementStatus.ACTIVE,
            col(Instalment.due_date).between(*days),
        )
    ).all()
    for instalment, arrangement, account in rows:
        paid, _ = _paid_since(session, account, arrangement.created_at)
        if _total(paid) < _due_up_to(session, arrangement, instalment):  # else paid ahead
            key = f"instalment:{instalment.id}:due"
            yield _Due(account, templates.INSTALMENT_DUE, key, instalment.due_date, INSTALMENT_REMINDER_AHEAD)


def _due_up_to(session: Session, arrangement: Arrangement, last: Instalment) -> Decimal:
    return next(due for i, due in _with_due_so_far(_instalments(session, arrangement)) if i.id == last.id)


def _broken_promise_notices(session: Session, at: datetime) -> Iterator[_Due]:
    oldest = at.date() - PROMISE_JUDGED_AFTER - NOTICE_FOR
    rows = session.exec(
        select(PromiseToPay, Account)
        .join(Account, col(Account.id) == PromiseToPay.account_id)
        .where(PromiseToPay.status == PromiseStatus.BROKEN, PromiseToPay.promised_date >= oldest)
    ).all()
    for promise, account in rows:
        if not _newer_commitment(session, account, promise.created_at):
            key = f"promise:{promise.id}:broken"
            until = promise.promised_date + PROMISE_JUDGED_AFTER + NOTICE_FOR
            yield _Due(account, templates.BROKEN_PROMISE, key, promise.promised_date, useful_until=until)


def _missed_instalment_notices(session: Session, at: datetime) -> Iterator[_Due]:
    oldest = at.date() - INSTALMENT_JUDGED_AFTER - NOTICE_FOR
    rows = session.exec(
        select(Instalment, Arrangement, Account)
        .join(Arrangement, col(Arrangement.id) == Instalment.arrangement_id)
        .join(Account, col(Account.id) == Arrangement.account_id)
        .where(
            Instalment.status == InstalmentStatus.MISSED,
            # A plan broken by this very instalment still deserves the offer to adjust it.
            col(Arrangement.status).in_([ArrangementStatus.ACTIVE, ArrangementStatus.BROKEN]),
            Instalment.due_date >= oldest,
        )
    ).all()
    for instalment, arrangement, account in rows:
        if not _newer_commitment(session, account, arrangement.created_at):
            key = f"instalment:{instalment.id}:missed"
            until = instalment.due_date + INSTALMENT_JUDGED_AFTER + NOTICE_FOR
            yield _Due(account, templates.INSTALMENT_MISSED, key, instalment.due_date, useful_until=until)


def _newer_commitment(session: Session, account: Account, since: datetime) -> bool:
    """A new date or plan was agreed after `since`: the old one is not chased."""
    pending = select(PromiseToPay.id).where(
        PromiseToPay.account_id == account.id,
        PromiseToPay.status == PromiseStatus.PENDING,
        PromiseToPay.created_at > since,
    )
    plan = select(Arrangement.id).where(
        Arrangement.account_id == account.id,
        Arrangement.status == ArrangementStatus.ACTIVE,
        Arrangement.created_at > since,
    )
    return session.exec(pending).first() is not None or session.exec(plan).first() is not None


# --- Who, where, when ---


def jurisdiction_zone(account: Account) -> ZoneInfo:
    hours = CALLING_HOURS.get(account.jurisdiction.upper())
    return ZoneInfo(hours.default_tz) if hours else ZoneInfo("UTC")


def destination_zone(to: str | None, account: Account) -> ZoneInfo:
    """Where the phone rings (as the contact policy reads its hours), else the jurisdiction's zone."""
    zone = timezone_of(to) if to else None
    return ZoneInfo(zone) if zone else jurisdiction_zone(account)


def local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def start_of(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight of `day`, in UTC (the offset of that very day, so summer time is right)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


# --- Sending ---


async def _send(
    settings: Settings,
    engine: Engine,
    sender: SmsSender,
    text: FollowUpText,
    at: datetime,
    summary: FollowUpSummary,
) -> None:
    step = await in_thread(engine, lambda session: next_step(session, text, at))
    if step == Step.DONE:
        return
    if step == Step.WAIT:
        summary.waiting += 1
        return
    body = templates.render_sms(text.template, text.language, settings, date=text.day)
    outcome = await send_sms(
        settings,
        engine,
        sender,
        account_ref=text.account_ref,
        to=text.to,
        body=body,
        purpose="collection",
        idempotency_key=text.key,
        at=at,
    )
    if outcome.sent:
        summary.sent += 1
    elif step == Step.REFUSE and not outcome.retry:
        summary.refused += 1
    else:
        summary.undelivered += 1
        log.warning("follow_up_not_delivered", key=text.key, reason=outcome.reason)


def next_step(session: Session, text: FollowUpText, at: datetime) -> Step:
    """What to do with `text` now: the contact policy's answer, read before send_sms records it, so
    that a block lifting before the deadline makes the text wait instead of refusing it for good."""
    if at >= text.deadline:
        return Step.DONE
    stored = session.exec(select(ContactAttempt).where(ContactAttempt.idempotency_key == text.key)).first()
    if stored is not None:
        # Twilio could not take it last time: send_sms sends it again under the same key.
        return Step.SEND if stored.status == "retry" and not stored.provider_sid else Step.DONE
    account = session.exec(select(Account).where(Account.account_ref == text.account_ref)).one()
    decision = decide(facts_for(session, account, Channel.SMS, text.to, at), Channel.SMS, at)
    if decision.allowed:
        return Step.SEND
    if decision.next_allowed_at is not None and decision.next_allowed_at < text.deadline:
        return Step.WAIT
    return Step.REFUSE
