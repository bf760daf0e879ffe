"""Follow-ups of promises and plans: the real twilio client against the fake Twilio REST server on
loopback, every text through the contact policy, statuses recorded with their audit entry."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

import channels.sms_delivery
from campaigns.follow_ups import FollowUpSummary, local_day, run_follow_ups, start_of
from core.settings import Settings
from debt.db import make_engine, session_scope
from debt.models import (
    Account,
    AccountStatus,
    Arrangement,
    ArrangementStatus,
    AuditEntry,
    Channel,
    ContactAttempt,
    ContactKind,
    ContactPoint,
    Instalment,
    InstalmentStatus,
    Payment,
    PromiseStatus,
    PromiseToPay,
)
from debt.outcomes.consent import record_opt_out
from integrations.twilio_sms import SmsSender
from tests.factories import make_account
from tests.fake_twilio import FakeTwilio

PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY = date(2026, 11, 18)
WEDNESDAY_10_PARIS = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
WEDNESDAY_02_PARIS = datetime(2026, 11, 18, 1, 0, tzinfo=UTC)
LAST_WEEK = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def settings(sqlite_url: str, twilio: FakeTwilio) -> Settings:
    return twilio.settings(database_url=sqlite_url, public_base_url="https://collect.example.com")


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def run(settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch):
    """One run of the follow-ups at `at`, the delivery clock set to the same moment."""

    def run_at(at: datetime) -> FollowUpSummary:
        monkeypatch.setattr(channels.sms_delivery, "utcnow", lambda: at)
        return asyncio.run(run_follow_ups(settings, engine, SmsSender(settings), at))

    return run_at


def new_account(engine: Engine, **details: str) -> Account:
    with session_scope(engine) as session:
        return make_account(session, **details)


def promise(engine: Engine, account: Account, on: date, amount: str = "51.10") -> int:
    with session_scope(engine) as session:
        row = PromiseToPay(
            account_id=account.id, amount=Decimal(amount), promised_date=on, created_at=LAST_WEEK
        )
        session.add(row)
        _set_status(session, account, AccountStatus.PROMISE_TO_PAY)
        session.flush()
        assert row.id is not None
        return row.id


def plan(engine: Engine, account: Account, *due: date, amount: str = "25.55") -> list[int]:
    with session_scope(engine) as session:
        arrangement = Arrangement(
            account_id=account.id,
            total=Decimal(amount) * len(due),
            instalment_count=len(due),
            first_due=due[0],
            created_at=LAST_WEEK - timedelta(days=60),
        )
        session.add(arrangement)
        session.flush()
        rows = [
            Instalment(arrangement_id=arrangement.id, seq=seq, due_date=day, amount=Decimal(amount))
            for seq, day in enumerate(due, start=1)
        ]
        session.add_all(rows)
        _set_status(session, account, AccountStatus.ARRANGEMENT)
        session.flush()
        return [row.id for row in rows if row.id is not None]


def _set_status(session: Session, account: Account, status: AccountStatus) -> None:
    row = session.get(Account, account.id)
    assert row is not None
    row.status = status
    session.add(row)


def pay(engine: Engine, account: Account, amount: str, on: date, *, confirmed: bool = True) -> None:
    with session_scope(engine) as session:
        session.add(
            Payment(
                account_id=account.id,
                amount=Decimal(amount),
                paid_on=on,
                method="transfer",
                confirmed=confirmed,
            )
        )


def get(engine: Engine, model: type, row_id: int | None):
    with Session(engine) as session:
        return session.get(model, row_id)


def audit_actions(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [entry.action for entry in session.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]


def attempt(engine: Engine, key: str) -> ContactAttempt | None:
    with Session(engine) as session:
        return session.exec(select(ContactAttempt).where(ContactAttempt.idempotency_key == key)).first()


def bodies(twilio: FakeTwilio) -> list[tuple[str, str]]:
    return [(message["to"], message["body"]) for message in twilio.messages.values()]


# --- Promises ---


def test_a_promise_is_reminded_the_day_before_and_not_two_days_before(
    engine: Engine, twilio: FakeTwilio, run
) -> None:
    tomorrow = new_account(engine, phone="+33639980011")
    after_tomorrow = new_account(engine, phone="+33639980022")
    reminded = promise(engine, tomorrow, WEDNESDAY + timedelta(days=1))
    promise(engine, after_tomorrow, WEDNESDAY + timedelta(days=2))

    summary = run(WEDNESDAY_10_PARIS)

    assert summary.sent == 1
    ((to, body),) = bodies(twilio)
    assert to == "+33639980011"
    assert body.startswith("Bonjour, c'est AR Services.") and "le 19 novembre 2026" in body
    assert "51" not in body and tomorrow.account_ref not in body
    stored = attempt(engine, f"promise:{reminded}:reminder")
    assert stored is not None and stored.provider_sid in twilio.messages and stored.purpose == "collection"


def test_a_run_twice_at_the_same_moment_sends_once(engine: Engine, twilio: FakeTwilio, run) -> None:
    promise(engine, new_account(engine), WEDNESDAY + timedelta(days=1))
    first, second = run(WEDNESDAY_10_PARIS), run(WEDNESDAY_10_PARIS)
    assert (first.sent, second.sent, len(twilio.messages)) == (1, 0, 1)


def test_at_night_the_reminder_waits_for_the_morning_instead_of_being_refused(
    engine: Engine, twilio: FakeTwilio, run
) -> None:
    promised = promise(engine, new_account(engine), WEDNESDAY + timedelta(days=1))
    night = run(WEDNESDAY_02_PARIS)
    assert (night.waiting, night.sent, night.refused) == (1, 0, 0)
    assert attempt(engine, f"promise:{promised}:reminder") is None and twilio.messages == {}
    morning = run(WEDNESDAY_10_PARIS)
    assert morning.sent == 1


def test_a_promise_paid_in_full_is_kept_and_nobody_is_texted(engine: Engine, twilio: FakeTwilio, run) -> None:
    account = new_account(engine)
    kept = promise(engine, account, date(2026, 11, 16))
    pay(engine, account, "30.00", date(2026, 11, 12))
    pay(engine, account, "21.10", date(2026, 11, 16))

    summary = run(WEDNESDAY_10_PARIS)

    assert (summary.promises_kept, summary.promises_broken, summary.sent) == (1, 0, 0)
    assert get(engine, PromiseToPay, kept).status == PromiseStatus.KEPT
    assert get(engine, Account, account.id).status == AccountStatus.OPEN
    assert audit_actions(engine) == ["promise.kept"]
    assert twilio.messages == {}


def test_a_promise_is_judged_only_after_its_day_of_grace(engine: Engine, run) -> None:
    account = new_account(engine)
    promised = promise(engine, account, date(2026, 11, 16))
    run(WEDNESDAY_10_PARIS - timedelta(days=1))
    assert get(engine, PromiseToPay, promised).status == PromiseStatus.PENDING
    run(WEDNESDAY_10_PARIS)
    assert get(engine, PromiseToPay, promised).status == PromiseStatus.BROKEN


def test_an_unpaid_promise_is_broken_and_the_debtor_texted_once(
    engine: Engine, twilio: FakeTwilio, run
) -> None:
    account = new_account(engine)
    broken = promise(engine, account, date(2026, 11, 16))
    pay(engine, account, "20.00", date(2026, 11, 16))
    pay(engine, account, "40.00", date(2026, 11, 2))  # before the promise was made: it does not count

    first = run(WEDNESDAY_10_PARIS)
    second = run(WEDNESDAY_10_PARIS + timedelta(hours=1))

    assert (first.promises_broken, first.sent, second.promises_broken, second.sent) == (1, 1, 0, 0)
    assert get(engine, PromiseToPay, broken).status == PromiseStatus.BROKEN
    assert get(engine, Account, account.id).status == AccountStatus.OPEN
    assert audit_actions(engine) == ["promise.broken"]
    ((_, body),) = bodies(twilio)
    assert "La date convenue est passée" in body and "autre date" in body
    assert attempt(engine, f"promise:{broken}:broken") is not None


def test_a_payment_reported_but_not_checked_holds_the_promise(
    engine: Engine, twilio: FakeTwilio, run
) -> None:
    account = new_account(engine)
    held = promise(engine, account, date(2026, 11, 16))
    pay(engine, account, "51.10", date(2026, 11, 16), confirmed=False)
    summary = run(WEDNESDAY_10_PARIS)
    assert (summary.awaiting_payment_check, summary.promises_broken) == (1, 0)
    assert get(engine, PromiseToPay, held).status == PromiseStatus.PENDING
    assert twilio.messages == {}


def test_an_opted_out_debtor_gets_nothing_and_the_refusal_is_recorded(
    engine: Engine, twilio: FakeTwilio, run
) -> None:
    account = new_account(engine)
    promised = promise(engine, account, WEDNESDAY + timedelta(days=1))
    with session_scope(engine) as session:
        record_opt_out(session, debtor_id=account.debtor_id, channel=Channel.SMS, wording="STOP")

    first, second = run(WEDNESDAY_10_PARIS), run(WEDNESDAY_10_PARIS + timedelta(hours=1))

    assert (first.refused, first.sent, second.refused) == (1, 0, 0)
    assert twilio.messages == {}
    refused = attempt(engine, f"promise:{promised}:reminder")
    assert refused is not None and not refused.allowed and refused.status == "refused"
    assert refused.decision_reason.startswith("opted_out")


def test_a_text_twilio_could_not_take_is_sent_by_the_next_run(
    engine: Engine, twilio: FakeTwilio, run
) -> None:
    promise(engine, new_account(engine), WEDNESDAY + timedelta(days=1))
    twilio.fail_next(429, 20429, "Too Many Requests")
    first = run(WEDNESDAY_10_PARIS)
    second = run(WEDNESDAY_10_PARIS + timedelta(hours=1))
    assert (first.undelivered, first.sent, second.sent, len(twilio.messages)) == (1, 0, 1, 1)


def test_the_reminder_goes_to_the_mobile_in_the_debtors_language(
    engine: Engine, twilio: FakeTwilio, run
) -> None:
    account = new_account(engine, phone="+4915112345678", language="de", country="DE")
    with session_scope(engine) as session:  # a landline, updated more recently
        session.add(ContactPoint(debtor_id=account.debtor_id, kind=ContactKind.PHONE, value="+493012345678"))
    promise(engine, account, WEDNESDAY + timedelta(days=1))

    run(WEDNESDAY_10_PARIS)

    ((to, body),) = bodies(twilio)
    assert to == "+4915112345678"
    assert body.startswith("Guten Tag, hier ist AR Services.") and "19. November 2026" in body


def test_a_debtor_without_a_valid_phone_is_counted_not_texted(
    engine: Engine, twilio: FakeTwilio, run
) -> None:
    account = new_account(engine)
    with session_scope(engine) as session:
        for point in session.exec(select(ContactPoint).where(ContactPoint.debtor_id == account.debtor_id)):
            point.valid = False
            session.add(point)
    promise(engine, account, WEDNESDAY + timedelta(days=1))
    summary = run(WEDNESDAY_10_PARIS)
    assert (summary.no_phone, summary.sent) == (1, 0) and twilio.messages == {}


# --- "Tomorrow" is the debtor's ---


@pytest.mark.parametrize(
    "evening",
    [
        datetime(2026, 10, 28, 0, 30, tzinfo=UTC),  # 20:30 on Tuesday 27 October in New York (summer time)
        datetime(2026, 11, 18, 1, 30, tzinfo=UTC),  # 20:30 on Tuesday 17 November in New York (winter time)
    ],
)
def test_tomorrow_is_the_debtors_local_tomorrow(
    evening: datetime, engine: Engine, twilio: FakeTwilio, run
) -> None:
    local_tomorrow = evening.date()  # UTC is already a day ahead of New York
    new_yorker = new_account(engine, phone="+12125550123", language="en", country="US")
    utc_tomorrow = new_account(engine, phone="+12125550124", language="en", country="US")
    promise(engine, new_yorker, local_tomorrow)
    promise(engine, utc_tomorrow, local_tomorrow + timedelta(days=1))

    run(evening)

    ((to, body),) = bodies(twilio)
    assert to == "+12125550123"
    assert f"the date you agreed with us: {local_tomorrow.day} {local_tomorrow:%B} 2026" in body


def test_the_local_day_and_its_midnight_follow_summer_time() -> None:
    assert local_day(datetime(2026, 3, 28, 23, 30, tzinfo=UTC), PARIS) == date(2026, 3, 29)
    assert local_day(datetime(2026, 10, 24, 22, 30, tzinfo=UTC), PARIS) == date(2026, 10, 25)
    # The night the clocks go forward, Paris moves from UTC+1 to UTC+2.
    assert start_of(date(2026, 3, 29), PARIS) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert start_of(date(2026, 3, 30), PARIS) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


# --- Instalments ---


def test_an_instalment_is_reminded_three_days_before(engine: Engine, twilio: FakeTwilio, run) -> None:
    account = new_account(engine)
    first, _ = plan(engine, account, WEDNESDAY + timedelta(days=3), WEDNESDAY + timedelta(days=33))

    summary = run(WEDNESDAY_10_PARIS)

    assert summary.sent == 1
    ((_, body),) = bodies(twilio)
    assert "la prochaine échéance convenue avec nous est le 21 novembre 2026" in body
    assert attempt(engine, f"instalment:{first}:due") is not None


def test_an_instalment_paid_ahead_is_not_reminded(engine: Engine, twilio: FakeTwilio, run) -> None:
    account = new_account(engine)
    plan(engine, account, WEDNESDAY + timedelta(days=3))
    pay(engine, account, "25.55", WEDNESDAY - timedelta(days=1))
    run(WEDNESDAY_10_PARIS)
    assert twilio.messages == {}


def test_an_unpaid_instalment_is_missed_and_the_debtor_texted_once(
    engine: Engine, twilio: FakeTwilio, run
) -> None:
    account = new_account(engine)
    paid, missed, _ = plan(engine, account, date(2026, 10, 16), date(2026, 11, 16), date(2026, 12, 16))
    pay(engine, account, "25.55", date(2026, 10, 15))

    first = run(WEDNESDAY_10_PARIS)
    second = run(WEDNESDAY_10_PARIS + timedelta(hours=1))

    assert (first.instalments_paid, first.instalments_missed, first.sent, second.sent) == (1, 1, 1, 0)
    assert get(engine, Instalment, paid).paid_on == date(2026, 10, 15)
    assert get(engine, Instalment, missed).status == InstalmentStatus.MISSED
    ((_, body),) = bodies(twilio)
    assert "L'échéance du 16 novembre 2026 est en attente" in body
    assert attempt(engine, f"instalment:{missed}:missed") is not None
    assert audit_actions(engine) == ["instalment.paid", "instalment.missed"]


def test_an_instalment_is_judged_once_past_due_by_two_days(engine: Engine, run) -> None:
    account = new_account(engine)
    (instalment,) = plan(engine, account, WEDNESDAY - timedelta(days=1))
    run(WEDNESDAY_10_PARIS)
    assert get(engine, Instalment, instalment).status == InstalmentStatus.DUE
    run(WEDNESDAY_10_PARIS + timedelta(days=1))
    assert get(engine, Instalment, instalment).status == InstalmentStatus.MISSED


def test_two_missed_instalments_break_the_plan(engine: Engine, twilio: FakeTwilio, run) -> None:
    account = new_account(engine)
    plan(engine, account, date(2026, 10, 16), date(2026, 11, 16), date(2026, 12, 16))

    summary = run(WEDNESDAY_10_PARIS)

    assert (summary.instalments_missed, summary.arrangements_broken) == (2, 1)
    with Session(engine) as session:
        arrangement = session.exec(select(Arrangement).where(Arrangement.account_id == account.id)).one()
    assert arrangement.status == ArrangementStatus.BROKEN
    assert get(engine, Account, account.id).status == AccountStatus.OPEN
    assert audit_actions(engine) == ["instalment.missed", "instalment.missed", "arrangement.broken"]
    # October's instalment is a month old: only November's is worth a text.
    ((_, body),) = bodies(twilio)
    assert "16 novembre 2026" in body


def test_a_plan_paid_to_the_end_is_completed(engine: Engine, twilio: FakeTwilio, run) -> None:
    account = new_account(engine)
    plan(engine, account, date(2026, 10, 16), date(2026, 11, 16))
    pay(engine, account, "51.10", date(2026, 11, 14))
    summary = run(WEDNESDAY_10_PARIS)
    assert (summary.instalments_paid, summary.arrangements_completed, summary.sent) == (2, 1, 0)
    assert audit_actions(engine)[-1] == "arrangement.completed"
