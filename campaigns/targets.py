"""What happens to one campaign target, as database steps: claimed, contacted, then reached, tried again
on the next channel, refused or escalated to a person.

The order that keeps a contact from being made twice or lost: a try takes its own idempotency key
and is marked SENDING before the provider is asked; `send_sms`/`place_call` record the attempt under
that key before Twilio sees it and keep Twilio's SID after. A target left SENDING (the worker died, or
Twilio's answer was lost) is looked up at Twilio before anything is sent again (campaigns/contact.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from debt.clock import utcnow
from debt.contact_policy import decide, facts_for
from debt.models import (
    Account,
    Call,
    Campaign,
    CampaignStatus,
    CampaignTarget,
    Channel,
    ContactAttempt,
    TargetState,
)
from integrations.twilio_sms import is_final as sms_final
from voice.call_status import is_final as call_final

# SMS without a delivery report this long after Twilio took it: the carrier has it, count it reached.
SMS_REPORT_WAIT = timedelta(hours=1)
SMS_REACHED = frozenset({"delivered", "read"})
IN_FLIGHT = (TargetState.QUEUED, TargetState.SENDING)


def idempotency_key(target: CampaignTarget) -> str:
    return f"campaign:{target.campaign_id}:{target.id}:{target.tries}"


@dataclass(frozen=True)
class Try:
    """One contact to make, as the job that makes it needs it."""

    target_id: int
    campaign_id: int
    key: str
    channel: Channel
    to: str
    language: str
    account_ref: str
    template: str
    since: datetime  # when the try began: Twilio's record of it is not older


def claim(
    session: Session, campaign_id: int, channel: str, now: datetime, limit: int
) -> list[tuple[int, int]]:
    """Up to `limit` due targets on `channel` become QUEUED; (target id, tries) of each.

    SKIP LOCKED lets several dispatchers share a campaign on PostgreSQL (SQLite has one writer)."""
    if limit <= 0:
        return []
    due = (
        select(CampaignTarget.id)
        .where(
            CampaignTarget.campaign_id == campaign_id,
            CampaignTarget.state == TargetState.PLANNED,
            CampaignTarget.channel == channel,
            CampaignTarget.due_at <= now,
        )
        .order_by(col(CampaignTarget.due_at), col(CampaignTarget.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.exec(due).all())
    if not ids:
        return []
    session.execute(
        update(CampaignTarget)
        .where(col(CampaignTarget.id).in_(ids))
        .values(state=TargetState.QUEUED, updated_at=now)
    )
    tries = session.exec(
        select(CampaignTarget.id, CampaignTarget.tries).where(col(CampaignTarget.id).in_(ids))
    )
    return sorted(tries.all(), key=lambda row: ids.index(row[0]))


def begin(
    session: Session, target_id: int, tries: int, now: datetime, sending_timeout: timedelta
) -> Try | None:
    """The QUEUED target starts its try (SENDING, a new key); None when it is not this job's any more."""
    target = session.get(CampaignTarget, target_id, with_for_update=True)
    if target is None or target.state != TargetState.QUEUED or target.tries != tries:
        return None  # a duplicate job, or the campaign was cancelled meanwhile
    campaign = session.get(Campaign, target.campaign_id)
    assert campaign is not None
    if campaign.status != CampaignStatus.RUNNING or now >= campaign.window_end:
        target.state = TargetState.PLANNED  # paused: waits; finished: the dispatcher settles it
        session.add(target)
        return None
    account = session.get(Account, target.account_id)
    assert account is not None
    target.tries += 1
    target.state = TargetState.SENDING
    target.due_at = now + sending_timeout  # still SENDING then: look it up at Twilio
    target.updated_at = now
    session.add(target)
    return Try(
        target_id=target_id,
        campaign_id=campaign.id,  # type: ignore[arg-type]
        key=idempotency_key(target),
        channel=Channel(target.channel),
        to=target.to,
        language=target.language,
        account_ref=account.account_ref,
        template=campaign.template,
        since=now,
    )


def contacted(session: Session, target_id: int, attempt_id: int | None, now: datetime) -> None:
    """The provider took the contact: wait for what became of it."""
    target = _target(session, target_id)
    target.state, target.attempt_id, target.attempts = TargetState.SENT, attempt_id, target.attempts + 1
    target.last_reason, target.updated_at = "contacted", now
    session.add(target)


def provider_away(
    session: Session, target_id: int, attempt_id: int | None, reason: str, now: datetime, pause: timedelta
) -> None:
    """Twilio throttled or did not answer: the try stays SENDING and is looked up after `pause`."""
    target = _target(session, target_id)
    target.attempt_id, target.due_at = attempt_id, now + pause
    target.last_reason, target.updated_at = reason[:200], now
    session.add(target)


def refused(session: Session, target_id: int, attempt_id: int | None, reason: str, now: datetime) -> None:
    """The policy said no now: wait until it would say yes, inside the window; else settle the target."""
    target = _target(session, target_id)
    campaign = session.get(Campaign, target.campaign_id)
    account = session.get(Account, target.account_id)
    assert campaign is not None and account is not None
    decision = decide(facts_for(session, account, target.channel, target.to, now), target.channel, now)
    target.attempt_id, target.last_reason, target.updated_at = attempt_id, reason[:200], now
    later = decision.next_allowed_at
    if decision.allowed:
        later = now  # allowed again already (a hold lifted in between)
    if later is not None and later < campaign.window_end:
        target.state, target.due_at = TargetState.PLANNED, later
    else:
        target.state = TargetState.REFUSED
    session.add(target)


def rejected(session: Session, target_id: int, attempt_id: int | None, reason: str, now: datetime) -> None:
    """Twilio refused the destination (invalid, unsubscribed): the try counts, the next channel may work."""
    target = _target(session, target_id)
    campaign = session.get(Campaign, target.campaign_id)
    assert campaign is not None
    target.attempt_id, target.attempts = attempt_id, target.attempts + 1
    _next_try(target, campaign, reason, now, backoff=timedelta(0))
    session.add(target)


def _next_try(
    target: CampaignTarget, campaign: Campaign, reason: str, now: datetime, *, backoff: timedelta
) -> None:
    """Not reached: try again on the next channel after the back-off, or hand the account to a person."""
    target.last_reason, target.updated_at = reason[:200], now
    if target.attempts >= campaign.max_attempts:
        target.state = TargetState.ESCALATED
        target.last_reason = f"not reached after {target.attempts} attempts ({reason})"[:200]
        return
    channels = campaign.channels.split(",")
    target.channel = channels[target.attempts % len(channels)]
    target.state, target.due_at = TargetState.PLANNED, now + backoff


def backoff(base_minutes: float, attempts: int) -> timedelta:
    return timedelta(minutes=base_minutes * 2 ** max(attempts - 1, 0))


def settle_contacted(session: Session, campaign_id: int, now: datetime, base_minutes: float) -> int:
    """SENT targets whose contact has an outcome: reached, or tried again / escalated. How many moved."""
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    rows = session.exec(
        select(CampaignTarget, ContactAttempt, Call)
        .join(ContactAttempt, col(ContactAttempt.id) == CampaignTarget.attempt_id)
        .outerjoin(Call, col(Call.attempt_id) == ContactAttempt.id)
        .where(CampaignTarget.campaign_id == campaign_id, CampaignTarget.state == TargetState.SENT)
    ).all()
    moved = 0
    for target, attempt, call in rows:
        outcome = _call_outcome(call) if target.channel == Channel.VOICE else _sms_outcome(attempt, now)
        if outcome is None:
            continue
        reached, reason = outcome
        if reached:
            target.state, target.last_reason, target.updated_at = TargetState.DONE, reason, now
        else:
            _next_try(target, campaign, reason, now, backoff=backoff(base_minutes, target.attempts))
        session.add(target)
        moved += 1
    return moved


def _sms_outcome(attempt: ContactAttempt, now: datetime) -> tuple[bool, str] | None:
    if attempt.status in SMS_REACHED:
        return True, f"sms {attempt.status}"
    if sms_final(attempt.status):
        return False, f"sms {attempt.status}"
    if attempt.attempted_at and now - attempt.attempted_at >= SMS_REPORT_WAIT:
        return True, f"sms {attempt.status}, no delivery report"
    return None


def _call_outcome(call: Call | None) -> tuple[bool, str] | None:
    if call is None or not call_final(call.status):
        return None
    if call.status != "completed":
        return False, f"call {call.status}"
    if call.answered_by and call.answered_by.startswith(("machine", "fax")):
        return False, f"call answered by {call.answered_by}"
    return True, "call answered"


def calls_in_flight(session: Session, campaign_id: int) -> int:
    """Calls of the campaign being placed or not ended yet: what max_concurrent_calls bounds."""
    starting = session.exec(
        select(func.count())
        .select_from(CampaignTarget)
        .where(
            CampaignTarget.campaign_id == campaign_id,
            CampaignTarget.channel == Channel.VOICE,
            col(CampaignTarget.state).in_(IN_FLIGHT),
        )
    ).one()
    ringing = session.exec(
        select(func.count())
        .select_from(CampaignTarget)
        .join(Call, col(Call.attempt_id) == CampaignTarget.attempt_id)
        .where(
            CampaignTarget.campaign_id == campaign_id,
            CampaignTarget.channel == Channel.VOICE,
            CampaignTarget.state == TargetState.SENT,
            col(Call.status).not_in(["completed", "busy", "failed", "no-answer", "canceled"]),
        )
    ).one()
    return int(starting) + int(ringing)


def stale_queued(session: Session, campaign_id: int, older_than: datetime) -> list[tuple[int, int]]:
    """QUEUED targets no job took (the queue lost them, or the worker died after claiming)."""
    rows = session.exec(
        select(CampaignTarget.id, CampaignTarget.tries).where(
            CampaignTarget.campaign_id == campaign_id,
            CampaignTarget.state == TargetState.QUEUED,
            CampaignTarget.updated_at < older_than,
        )
    ).all()
    for target_id, _ in rows:
        _target(session, target_id).updated_at = utcnow()
    return list(rows)


def unsure(session: Session, campaign_id: int, now: datetime) -> list[int]:
    """SENDING targets past their time: their fate must be asked of Twilio."""
    return list(
        session.exec(
            select(CampaignTarget.id).where(
                CampaignTarget.campaign_id == campaign_id,
                CampaignTarget.state == TargetState.SENDING,
                CampaignTarget.due_at <= now,
            )
        ).all()
    )


def retry_same_key(session: Session, target_id: int, now: datetime) -> int:
    """Twilio has no trace of the try: it is made again under the same key. The tries to enqueue with."""
    target = _target(session, target_id)
    target.tries -= 1  # begin() adds it back: the same idempotency key
    target.state, target.updated_at = TargetState.QUEUED, now
    session.add(target)
    return target.tries


def attempt_of(session: Session, target: CampaignTarget) -> ContactAttempt | None:
    return session.exec(
        select(ContactAttempt).where(ContactAttempt.idempotency_key == idempotency_key(target))
    ).first()


def finish_campaigns(session: Session, campaign_id: int, now: datetime) -> bool:
    """Past its window nothing more is started; once every target is settled the campaign is complete."""
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    if now >= campaign.window_end:
        session.execute(
            update(CampaignTarget)
            .where(CampaignTarget.campaign_id == campaign_id, CampaignTarget.state == TargetState.PLANNED)
            .values(state=TargetState.CANCELLED, last_reason="the campaign window ended", updated_at=now)
        )
    open_targets = session.exec(
        select(func.count())
        .select_from(CampaignTarget)
        .where(
            CampaignTarget.campaign_id == campaign_id,
            col(CampaignTarget.state).in_(
                [TargetState.PLANNED, TargetState.QUEUED, TargetState.SENDING, TargetState.SENT]
            ),
        )
    ).one()
    if open_targets:
        return False
    campaign.status, campaign.finished_at, campaign.updated_at = CampaignStatus.COMPLETED, now, now
    session.add(campaign)
    return True


def _target(session: Session, target_id: int) -> CampaignTarget:
    target = session.get(CampaignTarget, target_id)
    assert target is not None
    return target
