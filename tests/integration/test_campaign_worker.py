"""The worker process on the real Redis queue and PostgreSQL, texting through the fake Twilio REST
server: killed (SIGKILL) while Twilio is creating a message, then restarted, it finishes the campaign
with every account texted exactly once."""

from __future__ import annotations

import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlmodel import Session, select

from campaigns.service import CampaignOrder, create_campaign
from debt.clock import utcnow
from debt.db import make_engine
from debt.models import CampaignTarget, ContactAttempt, TargetState
from tests.campaigns.reachable import reachable_accounts
from tests.fake_twilio import FakeTwilio
from tests.integration.processes import start, stop

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REDIS_URL = "redis://127.0.0.1:6379/13"
ACCOUNTS = 30


def _wait(condition: Callable[[], bool], timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    tail = log.read_text()[-3000:] if log else ""
    raise TimeoutError(f"{what} after {timeout} s\n{tail}")


def _worker(pg_url: str, twilio: FakeTwilio, log: Path) -> object:
    env = {
        "DATABASE_URL": pg_url,
        "REDIS_URL": REDIS_URL,
        "TWILIO_API_BASE": twilio.base_url,
        "TWILIO_ACCOUNT_SID": twilio.account_sid,
        "TWILIO_AUTH_TOKEN": twilio.auth_token,
        "SENDING_TIMEOUT_SECONDS": "5",
        "ENV": "test",
        "LOG_FORMAT": "json",
    }
    return start([sys.executable, "-m", "campaigns.worker"], log, env)


def test_a_worker_killed_mid_campaign_loses_no_contact_and_doubles_none(
    pg_url: str, twilio: FakeTwilio, tmp_path: Path
) -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()
    engine = make_engine(pg_url)
    with Session(engine, expire_on_commit=False) as session:
        reachable_accounts(session, ACCOUNTS)
        campaign = create_campaign(
            session,
            CampaignOrder(
                name="kill test",
                channels=("sms",),
                window_start=utcnow() - timedelta(minutes=1),
                window_end=utcnow() + timedelta(minutes=30),
                sms_per_second=5.0,
            ),
        )
        session.commit()

    first = _worker(pg_url, twilio, tmp_path / "worker-1.log")
    try:
        _wait(lambda: len(twilio.messages) >= 10, 90, "10 messages sent", tmp_path / "worker-1.log")
        asked = len(twilio.requests)
        twilio.stall_next(3.0)  # Twilio creates the next message, but only answers after the kill
        _wait(lambda: len(twilio.requests) > asked, 10, "the stalled request arrived")
    finally:
        stop(first, signal.SIGKILL)  # type: ignore[arg-type]
    sent_before_restart = len(twilio.messages)

    second = _worker(pg_url, twilio, tmp_path / "worker-2.log")
    try:

        def all_settled() -> bool:
            with Session(engine) as session:
                states = session.exec(
                    select(CampaignTarget.state).where(CampaignTarget.campaign_id == campaign.id)
                ).all()
            return len(states) == ACCOUNTS and all(s == TargetState.SENT for s in states)

        _wait(all_settled, 120, "every target contacted", tmp_path / "worker-2.log")
    finally:
        stop(second)  # type: ignore[arg-type]

    per_phone = Counter(m["to"] for m in twilio.messages.values())
    assert len(per_phone) == ACCOUNTS, "no account was lost"
    assert set(per_phone.values()) == {1}, "nobody was texted twice"
    assert sent_before_restart < ACCOUNTS, "the kill happened mid-campaign"
    with Session(engine) as session:
        attempts = session.exec(select(ContactAttempt)).all()
    assert len(attempts) == ACCOUNTS
    assert {a.provider_sid for a in attempts} == set(twilio.messages)
    log = (tmp_path / "worker-2.log").read_text()
    assert "campaign_contact_found" in log, "the message whose answer was lost was found at Twilio"
