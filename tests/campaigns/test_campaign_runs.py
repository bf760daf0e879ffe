"""Campaigns run by the dispatcher on the in-process queue, against the fake Twilio REST server: every
planned account is contacted once, at the campaign's pace, within its limits; pausing, Twilio's
throttling and a lost answer from Twilio neither lose a contact nor make one twice."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta

from sqlmodel import Session, select

from campaigns.contact import Providers
from campaigns.contact import contact_target as make_contact
from campaigns.dispatcher import Dispatcher, LocalQueue
from campaigns.planner import plan_campaign
from campaigns.service import CampaignOrder, act, create_campaign, get_campaign, progress
from campaigns.targets import claim
from core.settings import Settings
from debt.clock import utcnow
from debt.db import make_engine
from debt.models import Call, CampaignStatus, CampaignTarget, ContactAttempt, TargetState
from integrations.twilio_rest import twilio_client
from integrations.twilio_sms import SmsSender
from integrations.twilio_voice import CallControl
from tests.campaigns.reachable import reachable_accounts
from tests.fake_twilio import FakeTwilio

OPEN = frozenset({TargetState.PLANNED, TargetState.QUEUED, TargetState.SENDING})


def _settings(twilio: FakeTwilio, sqlite_url: str) -> Settings:
    return twilio.settings(
        database_url=sqlite_url,
        env="test",
        sending_timeout_seconds=5,
        provider_retry_seconds=1,
        dispatch_interval_seconds=0.05,
    )


def _campaign(settings: Settings, accounts: int, **order: object) -> int:
    engine = make_engine(settings.database_url)
    with Session(engine, expire_on_commit=False) as session:
        reachable_accounts(session, accounts)
        values: dict[str, object] = {
            "name": "November reminders",
            "channels": ("sms",),
            "window_start": utcnow() - timedelta(minutes=1),
            "window_end": utcnow() + timedelta(minutes=30),
            "sms_per_second": 20.0,
            "created_by": "test",
        }
        campaign = create_campaign(session, CampaignOrder(**(values | order)))  # type: ignore[arg-type]
        session.commit()
        return campaign.id  # type: ignore[return-value]


class Run:
    """The worker's dispatcher and queue in this process, for a while."""

    def __init__(self, settings: Settings, *, twilio_timeout: float = 10.0) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        client = twilio_client(settings, timeout=twilio_timeout)
        self.providers = Providers(SmsSender(settings, client), CallControl(settings, client))
        self.queue = LocalQueue(
            lambda target_id, tries: make_contact(settings, self.engine, self.providers, target_id, tries)
        )
        self.dispatcher = Dispatcher(settings, self.engine, self.providers, self.queue)

    def until(self, done: object, timeout: float = 30.0) -> None:
        async def scenario() -> None:
            stop = asyncio.Event()
            running = asyncio.create_task(self.dispatcher.run(stop))
            deadline = time.monotonic() + timeout
            while not await asyncio.to_thread(done) and time.monotonic() < deadline:  # type: ignore[arg-type]
                await asyncio.sleep(0.05)
            stop.set()
            await running
            await self.queue.drain()

        asyncio.run(scenario())

    def targets(self, campaign_id: int) -> list[CampaignTarget]:
        with Session(self.engine) as session:
            return list(
                session.exec(select(CampaignTarget).where(CampaignTarget.campaign_id == campaign_id)).all()
            )

    def settled(self, campaign_id: int) -> bool:
        found = self.targets(campaign_id)
        return bool(found) and all(t.state not in OPEN for t in found)


def test_every_planned_account_gets_the_first_reminder_once(twilio: FakeTwilio, sqlite_url: str) -> None:
    settings = _settings(twilio, sqlite_url)
    campaign_id = _campaign(settings, 8)
    run = Run(settings)

    run.until(lambda: run.settled(campaign_id))

    sent = list(twilio.messages.values())
    assert len(sent) == 8
    assert len({m["to"] for m in sent}) == 8
    assert all("AR Services" in m["body"] and "49" not in m["body"] for m in sent)
    with Session(run.engine) as session:
        attempts = session.exec(select(ContactAttempt)).all()
        assert sorted(a.idempotency_key for a in attempts) == sorted(
            f"campaign:{campaign_id}:{t.id}:1" for t in run.targets(campaign_id)
        )
        assert all(a.allowed and a.provider_sid for a in attempts)
        figures = progress(session, campaign_id)
    assert figures.by_state == {"sent": 8} and figures.contacts == 8
    assert figures.campaign.status == "running"  # waiting for the delivery reports


def test_contacts_follow_the_campaign_pace(twilio: FakeTwilio, sqlite_url: str) -> None:
    settings = _settings(twilio, sqlite_url)
    campaign_id = _campaign(settings, 12, sms_per_second=4.0)
    run = Run(settings)

    run.until(lambda: run.settled(campaign_id))

    times = sorted(r.received_at for r in twilio.requests if r.method == "POST")
    spread = times[-1] - times[0]
    # 12 contacts at 4 per second: 11 intervals of 0.25 s.
    assert 2.2 <= spread <= 4.5


def test_a_paused_campaign_contacts_nobody_until_resumed(twilio: FakeTwilio, sqlite_url: str) -> None:
    settings = _settings(twilio, sqlite_url)
    campaign_id = _campaign(settings, 4)
    run = Run(settings)
    plan_campaign(run.engine, campaign_id, utcnow())
    with Session(run.engine) as session:
        get_campaign(session, campaign_id).status = CampaignStatus.RUNNING
        act(session, campaign_id, "pause")
        session.commit()

    run.until(lambda: False, timeout=1.5)
    assert twilio.messages == {}

    with Session(run.engine) as session:
        act(session, campaign_id, "resume")
        session.commit()
    run.until(lambda: run.settled(campaign_id))
    assert len(twilio.messages) == 4


def test_throttling_by_twilio_delays_a_contact_without_doubling_it(
    twilio: FakeTwilio, sqlite_url: str
) -> None:
    settings = _settings(twilio, sqlite_url)
    campaign_id = _campaign(settings, 3)
    twilio.fail_next(429, 20429, "Too Many Requests")
    run = Run(settings)

    run.until(lambda: run.settled(campaign_id) and len(twilio.messages) == 3, timeout=60)

    assert Counter(m["to"] for m in twilio.messages.values()).most_common(1)[0][1] == 1
    assert {t.state for t in run.targets(campaign_id)} == {TargetState.SENT}


def test_a_lost_answer_from_twilio_is_looked_up_not_sent_again(twilio: FakeTwilio, sqlite_url: str) -> None:
    settings = _settings(twilio, sqlite_url)
    campaign_id = _campaign(settings, 2, sms_per_second=1.0)
    twilio.stall_next(2.0)  # the first message is created, but its answer comes after the client gave up
    run = Run(settings, twilio_timeout=0.5)

    run.until(lambda: run.settled(campaign_id), timeout=60)

    assert len(twilio.messages) == 2
    assert len({m["to"] for m in twilio.messages.values()}) == 2
    lookups = [r for r in twilio.requests if r.method == "GET"]
    assert lookups, "the unsure contact was looked up at Twilio"
    with Session(run.engine) as session:
        sids = set(session.exec(select(ContactAttempt.provider_sid)).all())
    assert sids == set(twilio.messages)


def test_calls_stay_within_the_concurrent_limit(twilio: FakeTwilio, sqlite_url: str) -> None:
    settings = _settings(twilio, sqlite_url)
    _campaign(settings, 5, channels=("voice",), calls_per_second=20.0, max_concurrent_calls=2)
    run = Run(settings)

    run.until(lambda: len(twilio.calls) >= 2, timeout=20)
    run.until(lambda: False, timeout=1.0)
    assert len(twilio.calls) == 2  # the two calls have not ended: nobody else is rung

    with Session(run.engine) as session:
        for call in session.exec(select(Call)).all():
            call.status, call.answered_by = "completed", "human"
            session.add(call)
        session.commit()
    run.until(lambda: len(twilio.calls) >= 4, timeout=20)
    assert len(twilio.calls) == 4


def test_a_cancelled_campaign_settles_what_was_not_contacted(twilio: FakeTwilio, sqlite_url: str) -> None:
    settings = _settings(twilio, sqlite_url)
    campaign_id = _campaign(settings, 3, sms_per_second=0.2)
    run = Run(settings)
    run.until(lambda: len(twilio.messages) >= 1, timeout=20)
    with Session(run.engine) as session:
        act(session, campaign_id, "cancel")
        session.commit()
    run.until(lambda: False, timeout=1.0)

    states = Counter(t.state for t in run.targets(campaign_id))
    assert states[TargetState.CANCELLED] >= 1
    assert len(twilio.messages) == states[TargetState.SENT]


def test_a_throttled_contact_waits_for_a_look_up(twilio: FakeTwilio, sqlite_url: str) -> None:
    settings = _settings(twilio, sqlite_url)
    campaign_id = _campaign(settings, 1)
    run = Run(settings)
    plan_campaign(run.engine, campaign_id, utcnow())
    with Session(run.engine) as session:
        get_campaign(session, campaign_id).status = CampaignStatus.RUNNING
        session.commit()
        [(target_id, tries)] = claim(session, campaign_id, "sms", utcnow(), 1)
        session.commit()
    twilio.fail_next(429, 20429, "Too Many Requests")

    outcome = asyncio.run(make_contact(settings, run.engine, run.providers, target_id, tries))

    assert outcome.startswith("twilio unavailable")
    [target] = run.targets(campaign_id)
    assert target.state == TargetState.SENDING and target.attempt_id is not None
    assert timedelta(0) < target.due_at - utcnow() <= timedelta(seconds=settings.provider_retry_seconds)
    assert twilio.messages == {}
