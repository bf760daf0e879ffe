"""A campaign target's life, step by step on the database: claimed, begun once, contacted, and then
reached, tried again on the next channel after a back-off, refused, or escalated to a person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from campaigns import targets
from campaigns.dispatcher import Pacer
from debt.db import make_engine
from debt.models import (
    Call,
    Campaign,
    CampaignStatus,
    CampaignTarget,
    ContactAttempt,
    TargetState,
)
from tests.factories import make_account

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Paris
SENDING_TIMEOUT = timedelta(seconds=60)


@pytest.fixture
def session(sqlite_url: str) -> Session:
    with Session(make_engine(sqlite_url), expire_on_commit=False) as session:
        yield session


def _campaign(session: Session, **fields: object) -> Campaign:
    values: dict[str, object] = {
        "name": f"c{id(fields)}",
        "channels": "sms,voice",
        "status": CampaignStatus.RUNNING,
        "window_start": NOW - timedelta(hours=1),
        "window_end": NOW + timedelta(days=7),
        "max_attempts": 3,
    }
    campaign = Campaign(**(values | fields))
    session.add(campaign)
    session.flush()
    return campaign


def _target(
    session: Session, campaign: Campaign, *, channel: str = "sms", due: datetime = NOW
) -> CampaignTarget:
    account = make_account(session)
    target = CampaignTarget(
        campaign_id=campaign.id,
        account_id=account.id,
        debtor_id=account.debtor_id,
        channel=channel,
        to="+33639980012",
        due_at=due,
    )
    session.add(target)
    session.flush()
    return target


def _sent(session: Session, target: CampaignTarget, status: str = "queued") -> ContactAttempt:
    """The target's try went out: its attempt as send_sms/place_call would have recorded it."""
    claimed = targets.claim(session, target.campaign_id, target.channel, NOW, 1)
    attempt_of_try = targets.begin(session, target.id, claimed[0][1], NOW, SENDING_TIMEOUT)
    attempt = ContactAttempt(
        account_id=target.account_id,
        debtor_id=target.debtor_id,
        channel=target.channel,
        to=target.to,
        purpose="collection",
        allowed=True,
        decision_reason="allowed: test",
        idempotency_key=attempt_of_try.key,
        status=status,
        provider_sid="SM" + "0" * 32 if target.channel == "sms" else "CA" + "0" * 32,
        attempted_at=NOW,
    )
    session.add(attempt)
    session.flush()
    targets.contacted(session, target.id, attempt.id, NOW)
    return attempt


def test_claim_takes_due_targets_of_the_channel_in_order_and_queues_them(session: Session) -> None:
    campaign = _campaign(session)
    late = _target(session, campaign, due=NOW - timedelta(minutes=1))
    early = _target(session, campaign, due=NOW - timedelta(minutes=5))
    _target(session, campaign, due=NOW + timedelta(minutes=1))  # not due
    _target(session, campaign, channel="voice")  # other channel

    claimed = targets.claim(session, campaign.id, "sms", NOW, 10)

    assert claimed == [(early.id, 0), (late.id, 0)]
    session.flush()
    session.refresh(early)
    assert early.state == TargetState.QUEUED
    assert targets.claim(session, campaign.id, "sms", NOW, 10) == []


def test_a_try_begins_once_with_its_own_key(session: Session) -> None:
    campaign = _campaign(session)
    target = _target(session, campaign)
    [(target_id, tries)] = targets.claim(session, campaign.id, "sms", NOW, 1)

    first = targets.begin(session, target_id, tries, NOW, SENDING_TIMEOUT)
    duplicate = targets.begin(session, target_id, tries, NOW, SENDING_TIMEOUT)

    assert first is not None and first.key == f"campaign:{campaign.id}:{target.id}:1"
    assert duplicate is None
    session.flush()
    session.refresh(target)
    assert target.state == TargetState.SENDING and target.due_at == NOW + SENDING_TIMEOUT


def test_a_paused_campaign_puts_a_queued_target_back(session: Session) -> None:
    campaign = _campaign(session)
    target = _target(session, campaign)
    [(target_id, tries)] = targets.claim(session, campaign.id, "sms", NOW, 1)
    campaign.status = CampaignStatus.PAUSED

    assert targets.begin(session, target_id, tries, NOW, SENDING_TIMEOUT) is None
    session.flush()
    session.refresh(target)
    assert target.state == TargetState.PLANNED and target.tries == 0


def test_a_delivered_sms_settles_the_target_as_reached(session: Session) -> None:
    campaign = _campaign(session)
    target = _target(session, campaign)
    _sent(session, target, status="delivered")

    assert targets.settle_contacted(session, campaign.id, NOW, 120) == 1
    session.flush()
    session.refresh(target)
    assert target.state == TargetState.DONE and target.attempts == 1


def test_an_sms_without_report_counts_as_reached_after_an_hour(session: Session) -> None:
    campaign = _campaign(session)
    target = _target(session, campaign)
    _sent(session, target, status="sent")

    assert targets.settle_contacted(session, campaign.id, NOW + timedelta(minutes=30), 120) == 0
    assert targets.settle_contacted(session, campaign.id, NOW + timedelta(hours=1), 120) == 1
    session.flush()
    session.refresh(target)
    assert target.state == TargetState.DONE


def test_an_undelivered_sms_is_tried_again_by_call_after_the_back_off(session: Session) -> None:
    campaign = _campaign(session)
    target = _target(session, campaign)
    _sent(session, target, status="undelivered")

    targets.settle_contacted(session, campaign.id, NOW, 120)

    session.flush()
    session.refresh(target)
    assert target.state == TargetState.PLANNED
    assert target.channel == "voice"  # the next channel of sms,voice
    assert target.due_at == NOW + timedelta(minutes=120)
    assert target.last_reason == "sms undelivered"


@pytest.mark.parametrize(
    ("status", "answered_by", "reached"),
    [
        ("completed", "human", True),
        ("completed", None, True),
        ("completed", "machine_end_beep", False),
        ("busy", None, False),
        ("no-answer", None, False),
        ("in-progress", "human", None),
    ],
)
def test_a_call_is_reached_when_a_person_answered(
    session: Session, status: str, answered_by: str | None, reached: bool | None
) -> None:
    campaign = _campaign(session, channels="voice")
    target = _target(session, campaign, channel="voice")
    attempt = _sent(session, target)
    session.add(
        Call(
            attempt_id=attempt.id,
            account_id=target.account_id,
            direction="outbound",
            from_number="+15005550006",
            to_number=target.to,
            mode="gather",
            status=status,
            answered_by=answered_by,
            stage="ended",
        )
    )
    session.flush()

    targets.settle_contacted(session, campaign.id, NOW, 120)

    session.flush()
    session.refresh(target)
    expected = {True: TargetState.DONE, False: TargetState.PLANNED, None: TargetState.SENT}[reached]
    assert target.state == expected
    assert targets.calls_in_flight(session, campaign.id) == (1 if reached is None else 0)


def test_back_off_doubles_with_each_attempt() -> None:
    assert [targets.backoff(60, n) for n in (1, 2, 3)] == [timedelta(hours=h) for h in (1, 2, 4)]


def test_after_max_attempts_the_account_goes_to_a_person(session: Session) -> None:
    campaign = _campaign(session, max_attempts=2, channels="sms")
    target = _target(session, campaign)
    for attempt_no in (1, 2):
        _sent(session, target, status="failed")
        targets.settle_contacted(session, campaign.id, NOW, 120)
        session.flush()
        session.refresh(target)
        if attempt_no == 1:
            target.due_at = NOW  # the back-off is over
            session.add(target)
            session.flush()

    assert target.state == TargetState.ESCALATED
    assert target.last_reason.startswith("not reached after 2 attempts")


def test_a_refusal_waits_for_the_policy_or_settles_the_target(session: Session) -> None:
    campaign = _campaign(session)
    target = _target(session, campaign)
    sunday = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)  # no SMS on Sundays in France

    targets.refused(session, target.id, None, "outside_hours: Sunday", sunday)

    session.flush()
    session.refresh(target)
    assert target.state == TargetState.PLANNED
    assert target.due_at == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Paris

    campaign.window_end = sunday + timedelta(hours=3)
    targets.refused(session, target.id, None, "outside_hours: Sunday", sunday)
    session.flush()
    session.refresh(target)
    assert target.state == TargetState.REFUSED


def test_a_campaign_completes_when_every_target_is_settled(session: Session) -> None:
    campaign = _campaign(session)
    target = _target(session, campaign)
    assert not targets.finish_campaigns(session, campaign.id, NOW)

    assert targets.finish_campaigns(session, campaign.id, campaign.window_end)

    session.flush()
    session.refresh(target)
    assert target.state == TargetState.CANCELLED and target.last_reason == "the campaign window ended"
    assert campaign.status == CampaignStatus.COMPLETED


def test_the_pacer_spaces_contacts_and_owes_nothing_after_a_pause() -> None:
    pacer = Pacer(rate=5)
    assert pacer.slots(100.0, 1.0, 100) == pytest.approx([100.0, 100.2, 100.4, 100.6, 100.8])
    assert pacer.slots(100.2, 1.0, 100) == pytest.approx([101.0])
    after_pause = pacer.slots(200.0, 1.0, 100)
    assert after_pause == pytest.approx([200.0, 200.2, 200.4, 200.6, 200.8])  # nothing owed
    pacer.give_back(2)  # two slots found nobody due: they are handed out again
    assert pacer.slots(200.5, 1.0, 100)[0] == pytest.approx(200.6)


def test_the_pacer_never_gives_more_than_the_room(session: Session) -> None:
    assert len(Pacer(rate=50).slots(0.0, 1.0, 3)) == 3
