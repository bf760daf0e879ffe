"""Property-based: across random portfolios, time zones and clock changes, no planned contact breaks the
contact policy. Whatever the accounts (jurisdiction, zone of the phone, status and hold, opt-outs,
recent attempts, a recent conversation) and whenever the campaign is planned (days around the spring
and autumn clock changes in Europe and the US, any hour), every PLANNED target is due at a moment the
policy allows for that account, channel and destination, inside the campaign window; every other
target is REFUSED with its reason."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, SQLModel, select

from campaigns.planner import plan_campaign
from debt.contact_policy import decide, facts_for
from debt.conversations import open_conversation
from debt.db import make_engine
from debt.models import (
    Account,
    AccountStatus,
    Campaign,
    CampaignTarget,
    Channel,
    ContactAttempt,
    TargetState,
)
from debt.outcomes import record_opt_out
from tests.factories import make_account

# Numbers whose zone the phone settles: Paris, Berlin, London, New York, Los Angeles, Honolulu.
PHONES = ("+3363998", "+49151234", "+4479123", "+1212456", "+1213456", "+1808234")
# Clock changes of 2026: Europe 29 March and 25 October, the US 8 March and 1 November.
CHANGE_DAYS = (date(2026, 3, 29), date(2026, 10, 25), date(2026, 3, 8), date(2026, 11, 1))


@dataclass(frozen=True)
class Shape:
    jurisdiction: str
    phone: str
    status: AccountStatus
    hold_days: int | None
    opted_out: bool
    attempts_hours_ago: tuple[float, ...]
    talked_hours_ago: float | None


shapes = st.builds(
    Shape,
    jurisdiction=st.sampled_from(("FR", "DE", "GB", "US")),
    phone=st.sampled_from(PHONES),
    status=st.sampled_from(
        (AccountStatus.OPEN, AccountStatus.OPEN, AccountStatus.PROMISE_TO_PAY, AccountStatus.HARDSHIP_HOLD)
    ),
    hold_days=st.one_of(st.none(), st.integers(0, 10)),
    opted_out=st.booleans(),
    attempts_hours_ago=st.lists(st.floats(0.5, 200), max_size=9).map(tuple),
    talked_hours_ago=st.one_of(st.none(), st.floats(0.1, 200)),
)
moments = st.builds(
    lambda day, offset, minutes: (
        datetime.combine(day, datetime.min.time(), UTC) + timedelta(days=offset, minutes=minutes)
    ),
    st.sampled_from(CHANGE_DAYS),
    st.integers(-2, 2),
    st.integers(0, 24 * 60 - 1),
)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


def _portfolio(session: Session, portfolio: list[Shape], at: datetime) -> None:
    for n, shape in enumerate(portfolio):
        account = make_account(session, phone=f"{shape.phone}{n:04d}", country=shape.jurisdiction)
        account.status = shape.status
        if shape.status == AccountStatus.HARDSHIP_HOLD and shape.hold_days is not None:
            account.status_until = at.date() + timedelta(days=shape.hold_days)
        account.due_date = at.date() - timedelta(days=60)
        session.add(account)
        if shape.opted_out:
            record_opt_out(session, debtor_id=account.debtor_id, channel="sms", wording="STOP")
        for k, hours in enumerate(shape.attempts_hours_ago):
            session.add(
                ContactAttempt(
                    account_id=account.id,
                    debtor_id=account.debtor_id,
                    channel="sms" if k % 2 else "voice",
                    to=f"{shape.phone}{n:04d}",
                    purpose="collection",
                    allowed=True,
                    decision_reason="allowed: earlier",
                    idempotency_key=f"earlier:{n}:{k}",
                    status="delivered",
                    attempted_at=at - timedelta(hours=hours),
                )
            )
        if shape.talked_hours_ago is not None:
            talk = open_conversation(
                session, channel=Channel.SMS, party=f"{shape.phone}{n:04d}", account_id=account.id
            )
            talk.last_activity_at = at - timedelta(hours=shape.talked_hours_ago)
            session.add(talk)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(portfolio=st.lists(shapes, min_size=1, max_size=8), at=moments, days=st.integers(1, 10))
def test_no_planned_contact_breaks_the_policy(
    database: Path, portfolio: list[Shape], at: datetime, days: int
) -> None:
    url = f"sqlite:///{database / f'plan-{uuid.uuid4().hex}.db'}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        _portfolio(session, portfolio, at)
        campaign = Campaign(
            name="property", channels="sms,voice", window_start=at, window_end=at + timedelta(days=days)
        )
        session.add(campaign)
        session.commit()

    plan_campaign(engine, campaign.id, at)  # type: ignore[arg-type]

    with Session(engine) as session:
        found = session.exec(select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id)).all()
        assert len(found) == len(portfolio)
        for target in found:
            if target.state == TargetState.REFUSED:
                assert target.last_reason
                continue
            assert target.state == TargetState.PLANNED
            assert at <= target.due_at < campaign.window_end
            account = session.get(Account, target.account_id)
            facts = facts_for(session, account, target.channel, target.to, target.due_at)
            decision = decide(facts, target.channel, target.due_at)
            assert decision.allowed, (target.channel, target.due_at, decision)
    engine.dispose()
