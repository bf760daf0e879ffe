"""The figures that tell whether collection works, over a period of UTC days.

Every figure is an aggregate query (GROUP BY, SUM over CASE): the database counts, Python only divides.
The same definitions are written on the dashboard (console/templates/dashboard.html), so keep the two
together when one changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Float, and_, case, exists, func, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col, select

from debt.models import (
    Account,
    Arrangement,
    Channel,
    ContactAttempt,
    Conversation,
    ConversationFlag,
    ConversationFlagRow,
    ConversationStatus,
    Dispute,
    Handoff,
    HandoffStatus,
    HardshipCase,
    Payment,
    PromiseStatus,
    PromiseToPay,
)

MAX_DAYS = 366
# What the provider reports when a person got the contact: an SMS delivered or read; a call answered by
# a person (Twilio's AnsweredBy, or "completed" when machine detection was off). Machines do not count.
SMS_REACHED = frozenset({"delivered", "read"})
CALL_REACHED = frozenset({"human", "unknown", "completed"})


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """From the first to the last day, both included, in UTC."""

    first: date
    last: date

    @classmethod
    def ending(cls, today: date, days: int = 30) -> Period:
        return cls(today - timedelta(days=days - 1), today)

    @classmethod
    def parse(cls, first: str | None, last: str | None, today: date, default_days: int = 30) -> Period:
        """From a form's `from` and `to` (YYYY-MM-DD, either may be empty); PeriodError says what is wrong."""
        default = cls.ending(today, default_days)
        start = parse_day(first, "from") if first else None
        end = parse_day(last, "to") if last else None
        if start is None and end is None:
            return default
        if end is None:
            end = max(start, today) if start is not None else today
        if start is None:
            start = end - timedelta(days=default_days - 1)
        if start > end:
            raise PeriodError("the first day comes after the last")
        if (end - start).days + 1 > MAX_DAYS:
            raise PeriodError(f"a period has at most {MAX_DAYS} days")
        return cls(start, end)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        """The moment after the period (excluded)."""
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def holds(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


def parse_day(text: str, name: str) -> date:
    """A day typed in a form as YYYY-MM-DD; PeriodError names the field otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"{name}: a date as YYYY-MM-DD") from None


@dataclass(frozen=True)
class Ratio:
    part: int
    whole: int

    @property
    def share(self) -> float | None:
        return self.part / self.whole if self.whole else None

    def percent(self) -> str:
        share = self.share
        return "—" if share is None else f"{share * 100:.1f}%"


# ---- SQL that differs between SQLite and PostgreSQL --------------------------------------------------


class utc_day(FunctionElement):
    """The UTC calendar day of a stored moment."""

    type = Date()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTCDateTime as UTC text without a zone.
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC' AS DATE)"


class seconds_between(FunctionElement):
    """Seconds from the first moment to the second."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    # julianday is a double of days: about 40 µs of noise, rounded away at the millisecond.
    return f"round((julianday({b}) - julianday({a})) * 86400.0, 3)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({b} - {a}))"


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def percentile(db: Session, value: Any, where: ColumnElement[bool], n: int, p: float) -> float | None:
    """The p-quantile of `value` over the `n` rows matching `where`, interpolated between the two
    nearest ranks (PostgreSQL's percentile_cont); the database sorts and returns at most two rows."""
    if n == 0:
        return None
    rank = (n - 1) * p
    low = math.floor(rank)
    two = db.exec(select(value).where(where).order_by(value).offset(low).limit(2)).all()
    first = float(two[0])
    second = float(two[1]) if len(two) > 1 else first
    return first + (second - first) * (rank - low)


# ---- conversations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationFigures:
    conversations: int = 0
    with_account: int = 0  # linked to an account, before or by identity verification
    right_party: int = 0  # linked to an account and identity verified (verifying links the account)
    verification_tried: int = 0  # identity verified or failed
    identity_verified: int = 0
    identity_failed: int = 0
    closed: int = 0
    contained: int = 0  # closed without a handoff
    handed_off: int = 0
    promise_right_party: int = 0  # right party and a promise to pay
    flags: dict[str, int] = field(default_factory=dict)  # conversations per flag

    @property
    def right_party_rate(self) -> Ratio:
        return Ratio(self.right_party, self.with_account)

    @property
    def verification_success(self) -> Ratio:
        return Ratio(self.identity_verified, self.verification_tried)

    @property
    def verification_failure(self) -> Ratio:
        return Ratio(self.identity_failed, self.verification_tried)

    @property
    def containment(self) -> Ratio:
        return Ratio(self.contained, self.closed)

    @property
    def promise_rate(self) -> Ratio:
        return Ratio(self.promise_right_party, self.right_party)


def _flag(flag: ConversationFlag) -> ColumnElement[int]:
    return func.max(case((ConversationFlagRow.flag == flag.value, 1), else_=0)).label(flag.value)


def conversation_figures(db: Session, period: Period) -> ConversationFigures:
    """Conversations started in the period, with what each one's flags say (set at any time)."""
    handoff_row = exists().where(Handoff.conversation_id == Conversation.id)
    each = (
        select(
            Conversation.id,
            func.max(case((col(Conversation.account_id).is_not(None), 1), else_=0)).label("with_account"),
            func.max(case((Conversation.status == ConversationStatus.CLOSED, 1), else_=0)).label("closed"),
            func.max(case((handoff_row, 1), else_=0)).label("handoff_row"),
            *(_flag(flag) for flag in ConversationFlag),
        )
        .outerjoin(ConversationFlagRow, col(ConversationFlagRow.conversation_id) == Conversation.id)
        .where(period.holds(Conversation.started_at))
        .group_by(col(Conversation.id))
        .subquery()
    )
    c = each.c
    verified, failed = c[ConversationFlag.IDENTITY_VERIFIED.value], c[ConversationFlag.IDENTITY_FAILED.value]
    handed_off = or_(c[ConversationFlag.HANDOFF.value] == 1, c.handoff_row == 1)
    figures = {
        "conversations": func.count(),
        "with_account": _count_if(c.with_account == 1),
        "right_party": _count_if(and_(verified == 1, c.with_account == 1)),
        "verification_tried": _count_if(or_(verified == 1, failed == 1)),
        "identity_verified": _count_if(verified == 1),
        "identity_failed": _count_if(failed == 1),
        "closed": _count_if(c.closed == 1),
        "contained": _count_if(and_(c.closed == 1, ~handed_off)),
        "handed_off": _count_if(handed_off),
        "promise_right_party": _count_if(
            and_(verified == 1, c.with_account == 1, c[ConversationFlag.PROMISE_TO_PAY.value] == 1)
        ),
    }
    flags = {f"flag_{flag.value}": _count_if(c[flag.value] == 1) for flag in ConversationFlag}
    row = db.exec(select(*(e.label(name) for name, e in {**figures, **flags}.items()))).one()._mapping
    return ConversationFigures(
        **{name: int(row[name]) for name in figures},
        flags={flag: int(row[f"flag_{flag.value}"]) for flag in ConversationFlag},
    )


# ---- per day ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyActivity:
    days: list[date]
    conversations: list[int]
    handoffs: list[int]


def daily_activity(db: Session, period: Period) -> DailyActivity:
    """Conversations started and handoffs asked for, per UTC day (days without any count 0)."""

    def per_day(moment: Any) -> dict[date, int]:
        day = utc_day(moment)
        rows = db.exec(select(day, func.count()).where(period.holds(moment)).group_by(day)).all()
        return {found: int(n) for found, n in rows}

    conversations, handoffs = per_day(Conversation.started_at), per_day(Handoff.requested_at)
    days = period.days
    return DailyActivity(days, [conversations.get(d, 0) for d in days], [handoffs.get(d, 0) for d in days])


# ---- handoffs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoffFigures:
    requested: int = 0
    taken_over: int = 0  # an advisor accepted it
    abandoned: int = 0  # ended before an advisor took it (the caller hung up)
    waiting: int = 0  # nobody has taken it yet
    wait_median: float | None = None  # seconds from the request to an advisor taking over
    wait_p90: float | None = None


def handoff_figures(db: Session, period: Period) -> HandoffFigures:
    asked = period.holds(Handoff.requested_at)
    accepted = col(Handoff.accepted_at).is_not(None)
    row = db.exec(
        select(
            func.count(),
            _count_if(accepted),
            _count_if(and_(Handoff.status == HandoffStatus.ABANDONED, ~accepted)),
            _count_if(Handoff.status == HandoffStatus.WAITING),
        ).where(asked)
    ).one()
    requested, taken_over, abandoned, waiting = (int(n) for n in row)
    wait = seconds_between(Handoff.requested_at, Handoff.accepted_at)
    taken = and_(asked, accepted)
    return HandoffFigures(
        requested,
        taken_over,
        abandoned,
        waiting,
        percentile(db, wait, taken, taken_over, 0.5),
        percentile(db, wait, taken, taken_over, 0.9),
    )


# ---- money: promises, arrangements, payments --------------------------------------------------------


@dataclass(frozen=True)
class Amounts:
    """How many, and how much per currency."""

    count: int = 0
    by_currency: dict[str, Decimal] = field(default_factory=dict)

    def __add__(self, other: Amounts) -> Amounts:
        currencies = self.by_currency.keys() | other.by_currency.keys()
        zero = Decimal("0.00")
        return Amounts(
            self.count + other.count,
            {c: self.by_currency.get(c, zero) + other.by_currency.get(c, zero) for c in sorted(currencies)},
        )


def total(amounts: Iterable[Amounts]) -> Amounts:
    return sum(amounts, Amounts())


def _amounts_by(db: Session, key: Any, amount: Any, account_id: Any, where: ColumnElement[bool]) -> dict:
    rows = db.exec(
        select(key, Account.currency, func.count(), func.sum(amount))
        .join(Account, col(Account.id) == account_id)
        .where(where)
        .group_by(key, col(Account.currency))
    ).all()
    found: dict[Any, Amounts] = {}
    for group, currency, n, amount in rows:
        found[group] = found.get(group, Amounts()) + Amounts(int(n), {currency: amount})
    return found


@dataclass(frozen=True)
class PromiseFigures:
    by_status: dict[str, Amounts]

    def of(self, status: PromiseStatus) -> Amounts:
        return self.by_status.get(status.value, Amounts())

    @property
    def made(self) -> Amounts:
        return total(self.by_status.values())

    @property
    def kept_rate(self) -> Ratio:
        kept, broken = self.of(PromiseStatus.KEPT).count, self.of(PromiseStatus.BROKEN).count
        return Ratio(kept, kept + broken)


def promise_figures(db: Session, period: Period) -> PromiseFigures:
    """Promises made in the period, by what became of them (judged two days after their date)."""
    found = _amounts_by(
        db,
        PromiseToPay.status,
        PromiseToPay.amount,
        PromiseToPay.account_id,
        period.holds(PromiseToPay.created_at),
    )
    return PromiseFigures({str(status): amounts for status, amounts in found.items()})


def arrangement_figures(db: Session, period: Period) -> dict[str, Amounts]:
    """Instalment plans agreed in the period, by status, with their totals."""
    agreed = period.holds(Arrangement.created_at)
    found = _amounts_by(db, Arrangement.status, Arrangement.total, Arrangement.account_id, agreed)
    return {str(status): amounts for status, amounts in found.items()}


def collected(db: Session, period: Period) -> Amounts:
    """Confirmed payments dated in the period (reported ones count once they are confirmed)."""
    rows = db.exec(
        select(Payment.currency, func.count(), func.sum(Payment.amount))
        .where(
            col(Payment.confirmed).is_(True),
            Payment.paid_on >= period.first,
            Payment.paid_on <= period.last,
        )
        .group_by(col(Payment.currency))
    ).all()
    return Amounts(sum(int(n) for _, n, _ in rows), {currency: total for currency, _, total in rows})


# ---- cases: disputes and hardship -------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFigures:
    disputes: dict[str, int]  # opened in the period, by outcome so far
    hardship: int
    hardship_vulnerable: int


def case_figures(db: Session, period: Period) -> CaseFigures:
    disputes = db.exec(
        select(Dispute.status, func.count())
        .where(period.holds(Dispute.opened_at))
        .group_by(col(Dispute.status))
    ).all()
    hardship = db.exec(
        select(func.count(), _count_if(col(HardshipCase.vulnerability).is_(True))).where(
            period.holds(HardshipCase.created_at)
        )
    ).one()
    return CaseFigures({str(s): int(n) for s, n in disputes}, int(hardship[0]), int(hardship[1]))


# ---- outbound contacts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelContacts:
    made: int = 0  # allowed by the policy and handed to the provider
    reached: int = 0
    refused: int = 0  # refused by the contact policy

    @property
    def reached_rate(self) -> Ratio:
        return Ratio(self.reached, self.made)


@dataclass(frozen=True)
class OutboundFigures:
    by_channel: dict[str, ChannelContacts]

    @property
    def total(self) -> ChannelContacts:
        rows = self.by_channel.values()
        return ChannelContacts(
            sum(r.made for r in rows), sum(r.reached for r in rows), sum(r.refused for r in rows)
        )


def outbound_figures(db: Session, period: Period) -> OutboundFigures:
    """Contact attempts made in the period (attempted_at) and those the policy refused (scheduled_at)."""
    reached = or_(
        and_(ContactAttempt.channel == Channel.SMS, col(ContactAttempt.status).in_(SMS_REACHED)),
        and_(ContactAttempt.channel == Channel.VOICE, col(ContactAttempt.status).in_(CALL_REACHED)),
    )
    made = db.exec(
        select(ContactAttempt.channel, func.count(), _count_if(reached))
        .where(col(ContactAttempt.allowed).is_(True), period.holds(ContactAttempt.attempted_at))
        .group_by(col(ContactAttempt.channel))
    ).all()
    refused = db.exec(
        select(ContactAttempt.channel, func.count())
        .where(col(ContactAttempt.allowed).is_(False), period.holds(ContactAttempt.scheduled_at))
        .group_by(col(ContactAttempt.channel))
    ).all()
    by_channel: dict[str, ChannelContacts] = {
        str(channel): ChannelContacts(int(n), int(ok)) for channel, n, ok in made
    }
    for channel, n in refused:
        known = by_channel.get(str(channel), ChannelContacts())
        by_channel[str(channel)] = ChannelContacts(known.made, known.reached, int(n))
    return OutboundFigures(dict(sorted(by_channel.items())))


# ---- all of it --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    period: Period
    conversations: ConversationFigures
    daily: DailyActivity
    handoffs: HandoffFigures
    promises: PromiseFigures
    arrangements: dict[str, Amounts]
    collected: Amounts
    cases: CaseFigures
    outbound: OutboundFigures


def dashboard(db: Session, period: Period) -> Dashboard:
    return Dashboard(
        period,
        conversation_figures(db, period),
        daily_activity(db, period),
        handoff_figures(db, period),
        promise_figures(db, period),
        arrangement_figures(db, period),
        collected(db, period),
        case_figures(db, period),
        outbound_figures(db, period),
    )
