"""The job that makes one campaign contact, and the look-up that settles a contact whose fate is unknown.

Both go through the one way the product texts (`channels.sms_delivery.send_sms`) or rings
(`voice.outbound.place_call`): the contact policy decides again at the moment of contact.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from campaigns import targets
from campaigns.service import TEMPLATES
from campaigns.templates import render_sms
from channels.sms_delivery import send_sms
from core.logs import get_logger
from core.settings import Settings
from debt.clock import utcnow
from debt.contact_policy import update_attempt
from debt.db import in_thread
from debt.models import Call, Campaign, CampaignTarget, Channel, ContactAttempt, TargetState
from integrations.twilio_rest import TwilioError
from integrations.twilio_sms import SmsSender
from integrations.twilio_voice import CallControl
from voice import call_store
from voice.outbound import place_call

log = get_logger("campaigns")


@dataclass(frozen=True)
class Providers:
    sms: SmsSender
    calls: CallControl


async def contact_target(
    settings: Settings, engine: Engine, providers: Providers, target_id: int, tries: int
) -> str:
    """Make the contact of a QUEUED target (a duplicate job does nothing). What happened, for the log."""
    timeout = timedelta(seconds=settings.sending_timeout_seconds)
    attempt = await in_thread(engine, lambda s: targets.begin(s, target_id, tries, utcnow(), timeout))
    if attempt is None:
        return "skipped"
    if attempt.channel == Channel.SMS:
        sent = await send_sms(
            settings,
            engine,
            providers.sms,
            account_ref=attempt.account_ref,
            to=attempt.to,
            body=render_sms(TEMPLATES[attempt.template], attempt.language, settings),
            purpose="collection",
            idempotency_key=attempt.key,
        )
        done, attempt_id, reason, retry, maybe_sent = (
            sent.sent,
            sent.attempt_id,
            sent.reason,
            sent.retry,
            sent.maybe_sent,
        )
    else:
        placed = await place_call(
            settings,
            engine,
            providers.calls,
            account_ref=attempt.account_ref,
            to=attempt.to,
            purpose="collection",
            idempotency_key=attempt.key,
        )
        done, attempt_id, reason, retry, maybe_sent = (
            placed.placed,
            placed.attempt_id,
            placed.reason,
            placed.retry,
            placed.maybe_sent,
        )
    # Twilio may still be working on a request that timed out: look it up only once it would be done.
    pause = timeout if maybe_sent else timedelta(seconds=settings.provider_retry_seconds)
    await in_thread(engine, lambda s: _record(s, attempt, attempt_id, done, retry, reason, pause))
    log.info("campaign_contact", target=target_id, key=attempt.key, channel=attempt.channel, outcome=reason)
    return reason


def _record(
    session: Session,
    attempt: targets.Try,
    attempt_id: int | None,
    done: bool,
    retry: bool,
    reason: str,
    pause: timedelta,
) -> None:
    now = utcnow()
    if done:
        targets.contacted(session, attempt.target_id, attempt_id, now)
    elif retry:
        targets.provider_away(session, attempt.target_id, attempt_id, reason, now, pause)
    elif reason.startswith("twilio"):
        targets.rejected(session, attempt.target_id, attempt_id, reason, now)
    else:
        targets.refused(session, attempt.target_id, attempt_id, reason, now)


@dataclass(frozen=True)
class _Unsure:
    channel: str
    to: str
    language: str
    template: str
    attempt: ContactAttempt | None
    call_id: int | None


async def settle_unsure(
    settings: Settings, engine: Engine, providers: Providers, target_id: int
) -> int | None:
    """A target left SENDING: find what became of its try. The tries to enqueue it with when it must be
    made again (Twilio has no trace of it), else None."""
    unsure = await in_thread(engine, lambda s: _unsure(s, target_id))
    if unsure is None:
        return None
    attempt, now = unsure.attempt, utcnow()
    if attempt is None:  # the worker stopped before the attempt was recorded: nothing went out
        return await in_thread(engine, lambda s: targets.retry_same_key(s, target_id, now))
    if not attempt.allowed:
        await in_thread(
            engine, lambda s: targets.refused(s, target_id, attempt.id, attempt.decision_reason, now)
        )
        return None
    if attempt.provider_sid:
        await in_thread(engine, lambda s: targets.contacted(s, target_id, attempt.id, now))
        return None
    try:
        sid, status = await asyncio.to_thread(_look_up, settings, providers, unsure, attempt)
    except TwilioError as exc:
        away, pause = str(exc), timedelta(seconds=settings.provider_retry_seconds)
        await in_thread(engine, lambda s: targets.provider_away(s, target_id, attempt.id, away, now, pause))
        return None
    if sid is None:
        log.info("campaign_contact_not_made", target=target_id, key=attempt.idempotency_key)

        def again(session: Session) -> int:
            update_attempt(session, attempt.id, status="retry")
            return targets.retry_same_key(session, target_id, now)

        return await in_thread(engine, again)
    log.info("campaign_contact_found", target=target_id, key=attempt.idempotency_key, sid=sid)

    def found(session: Session) -> None:
        if unsure.call_id is not None:
            call_store.note_placed(session, unsure.call_id, sid, status)
        else:
            update_attempt(session, attempt.id, status=status, sid=sid, attempted=attempt.scheduled_at)
        targets.contacted(session, target_id, attempt.id, now)

    await in_thread(engine, found)
    return None


def _unsure(session: Session, target_id: int) -> _Unsure | None:
    target = session.get(CampaignTarget, target_id)
    if target is None or target.state != TargetState.SENDING:
        return None
    campaign = session.get(Campaign, target.campaign_id)
    assert campaign is not None
    attempt = targets.attempt_of(session, target)
    call_id = None
    if attempt is not None:
        call_id = session.exec(select(Call.id).where(Call.attempt_id == attempt.id)).first()
        session.expunge(attempt)
    return _Unsure(target.channel, target.to, target.language, campaign.template, attempt, call_id)


def _look_up(
    settings: Settings, providers: Providers, unsure: _Unsure, attempt: ContactAttempt
) -> tuple[str | None, str]:
    """Twilio's SID and status of the try, or (None, "") when Twilio has no trace of it."""
    if unsure.channel == Channel.SMS:
        body = render_sms(TEMPLATES[unsure.template], unsure.language, settings)
        sent = providers.sms.find_sent(unsure.to, body, attempt.scheduled_at)
        return (sent.sid, sent.status) if sent else (None, "")
    placed = providers.calls.find_placed(unsure.to, attempt.scheduled_at)
    return (placed.sid, placed.status) if placed else (None, "")
