"""Outbound SMS: every message passes the contact policy and is recorded before Twilio sees it.

`send_sms` is the one way the product texts a debtor (an advisor's message, late
replies after an outage, campaign reminders later). The attempt is stored with the
policy's decision first, under an idempotency key, so a retry never texts twice;
Twilio's SID and then its delivery statuses (monotonic) are kept on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from channels import turn_store as store
from core.logs import get_logger
from core.settings import Settings
from debt.clock import utcnow
from debt.contact_policy import Decision, Purpose, check_and_record, update_attempt
from debt.db import in_thread
from debt.models import Account, Channel, ContactAttempt, ContactKind, ContactPoint, Turn
from debt.outcomes.consent import record_opt_out
from integrations.sms_text import gsm_friendly, pack
from integrations.twilio_rest import TwilioRejected, TwilioThrottled, TwilioUnavailable
from integrations.twilio_sms import SentSms, SmsSender, advance_status
from integrations.twilio_webhooks import TwilioRoute, callback_url

log = get_logger("sms")

UNSUBSCRIBED = 21610  # the recipient replied STOP to this sender: Twilio refuses until START
INVALID_NUMBERS = frozenset({21211, 21214, 21614})  # not a valid (mobile) number


@dataclass(frozen=True)
class SmsOutcome:
    sent: bool
    reason: str  # "sent", or the policy's or Twilio's reason
    attempt_id: int | None = None
    sid: str | None = None
    retry: bool = False  # Twilio throttled or unreachable: the same key may be sent again later
    maybe_sent: bool = False  # no answer in time: Twilio may have sent it all the same


async def send_sms(
    settings: Settings,
    engine: Engine,
    sender: SmsSender,
    *,
    account_ref: str,
    to: str,
    body: str,
    purpose: Purpose,
    idempotency_key: str,
    at: datetime | None = None,
) -> SmsOutcome:
    """Text `to` about an account if the contact policy allows it now; once per idempotency key."""
    at = at or utcnow()

    def decide(session: Session) -> tuple[Decision, ContactAttempt]:
        account = session.exec(select(Account).where(Account.account_ref == account_ref)).one()
        return check_and_record(
            session, account, Channel.SMS, to, at, purpose=purpose, idempotency_key=idempotency_key
        )

    decision, attempt = await in_thread(engine, decide)
    if attempt.provider_sid:  # this key was sent already
        return SmsOutcome(True, "sent", attempt.id, attempt.provider_sid)
    if not decision.allowed:
        log.info("sms_refused", attempt=attempt.id, reason=decision.reason)
        return SmsOutcome(False, f"{decision.reason}: {decision.detail}", attempt.id)
    sent, outcome = await _deliver(sender, settings, to, body)
    if isinstance(sent, TwilioRejected):
        rejected = sent
        await in_thread(engine, lambda s: _rejected(s, attempt.id, rejected))
    elif outcome.retry:
        await in_thread(engine, lambda s: update_attempt(s, attempt.id, status="retry"))
        log.warning("sms_not_sent", attempt=attempt.id, error=outcome.reason)
    elif isinstance(sent, SentSms):
        delivered = sent
        await in_thread(
            engine,
            lambda s: update_attempt(
                s, attempt.id, status=delivered.status, sid=delivered.sid, attempted=utcnow()
            ),
        )
    return replace(outcome, attempt_id=attempt.id)


def _rejected(session: Session, attempt_id: int | None, exc: TwilioRejected) -> None:
    """Twilio refused the message: learn what it tells about the person or the number."""
    update_attempt(session, attempt_id, status="failed")
    attempt = session.get(ContactAttempt, attempt_id)
    assert attempt is not None
    attempt.decision_reason = f"{attempt.decision_reason} | twilio {exc.code}"[:200]
    if exc.code == UNSUBSCRIBED:
        record_opt_out(
            session, debtor_id=attempt.debtor_id, channel=Channel.SMS, wording="STOP (carrier 21610)"
        )
    elif exc.code in INVALID_NUMBERS:
        for point in session.exec(
            select(ContactPoint).where(
                ContactPoint.debtor_id == attempt.debtor_id,
                ContactPoint.kind == ContactKind.PHONE,
                ContactPoint.value == attempt.to,
            )
        ).all():
            point.valid = False
            point.invalid_reason = f"twilio {exc.code}: {exc.message}"[:200]
            session.add(point)


def late_sms_sender(
    settings: Settings, engine: Engine, sender: SmsSender | None = None
) -> Callable[[store.Context, list[Turn]], Awaitable[None]]:
    """Texts the replies the bot gave after a holding reply; what fails waits for the next retry."""
    sender = sender or SmsSender(settings)

    async def deliver(context: store.Context, late: list[Turn]) -> None:
        messages = pack([gsm_friendly(t.text) for t in late], max_segments=settings.sms_max_segments)
        sids: list[str] = []
        for i, body in enumerate(messages):
            key = f"late:{context.id}:{late[0].seq}:{i}"
            if context.account_ref:
                outcome = await send_sms(
                    settings,
                    engine,
                    sender,
                    account_ref=context.account_ref,
                    to=context.party,
                    body=body,
                    purpose="reply",
                    idempotency_key=key,
                )
            else:  # a number we do not know: no account to record against, the turn keeps the SID
                _, outcome = await _deliver(sender, settings, context.party, body)
            if outcome.retry:
                return  # Twilio is away: the turns stay to send, the next retry sends them
            if outcome.sid:
                sids.append(outcome.sid)
            elif not outcome.sent:
                log.warning("late_reply_refused", conversation=context.id, reason=outcome.reason)
        ids = [t.id for t in late if t.id is not None]
        await in_thread(engine, lambda s: store.mark_delivered(s, ids, "sms", sids=sids))

    return deliver


async def _deliver(
    sender: SmsSender, settings: Settings, to: str, body: str
) -> tuple[SentSms | TwilioRejected | None, SmsOutcome]:
    """Hand one message to Twilio; what Twilio said, and the outcome it means."""
    try:
        sent = await asyncio.to_thread(
            sender.send, to, body, status_callback=callback_url(settings, TwilioRoute.SMS_STATUS)
        )
    except TwilioRejected as exc:
        return exc, SmsOutcome(False, f"twilio {exc.code}: {exc.message}"[:200])
    except (TwilioThrottled, TwilioUnavailable) as exc:
        maybe_sent = isinstance(exc, TwilioUnavailable) and exc.maybe_sent
        return None, SmsOutcome(False, f"twilio unavailable: {exc}"[:200], retry=True, maybe_sent=maybe_sent)
    return sent, SmsOutcome(True, "sent", sid=sent.sid)


async def record_delivery_status(engine: Engine, sid: str, status: str, error_code: str | None) -> bool:
    """Twilio's status callback: move the attempt forward, never back. False for an unknown SID."""

    def update(session: Session) -> bool:
        attempt = session.exec(select(ContactAttempt).where(ContactAttempt.provider_sid == sid)).first()
        if attempt is None:
            return False
        kept = advance_status(attempt.status, status)
        if kept != attempt.status:
            attempt.status = kept
            attempt.updated_at = utcnow()
            if error_code and kept in ("failed", "undelivered"):
                attempt.decision_reason = f"{attempt.decision_reason} | delivery error {error_code}"[:200]
            session.add(attempt)
        return True

    known = await in_thread(engine, update)
    if not known:
        log.info("sms_status_unknown_sid", sid=sid, status=status)
    return bool(known)
