"""Outbound calls: every call passes the contact policy and is recorded before Twilio is asked to ring.

The attempt (with the policy's decision) and the call's row are stored first, under the
idempotency key, so a retry never rings twice; Twilio's SID is kept once it answers. The
answer URL names our call, so the answer webhook finds it even before the SID is stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session, select

from core.logs import get_logger
from core.settings import Settings
from debt.clock import utcnow
from debt.contact_policy import Purpose, check_and_record, update_attempt
from debt.db import in_thread
from debt.models import Account, Channel
from integrations.twilio_rest import TwilioRejected, TwilioThrottled, TwilioUnavailable
from integrations.twilio_voice import CallControl
from integrations.twilio_webhooks import TwilioRoute
from voice import call_store
from voice.twiml import url

log = get_logger("voice")
T = TypeVar("T")


@dataclass(frozen=True)
class CallOutcome:
    placed: bool
    reason: str  # "placed", or the policy's or Twilio's reason
    attempt_id: int | None = None
    call_id: int | None = None
    sid: str | None = None
    retry: bool = False  # Twilio throttled or unreachable: the same key may be tried again later
    maybe_sent: bool = False  # no answer in time: Twilio may have placed it all the same


async def place_call(
    settings: Settings,
    engine: Engine,
    control: CallControl,
    *,
    account_ref: str,
    to: str,
    purpose: Purpose,
    idempotency_key: str,
    at: datetime | None = None,
) -> CallOutcome:
    """Ring `to` about an account if the contact policy allows it now; once per idempotency key."""
    at = at or utcnow()

    def decide(session: Session) -> tuple[bool, str, int, int | None, str | None, bool]:
        account = session.exec(select(Account).where(Account.account_ref == account_ref)).one()
        decision, attempt = check_and_record(
            session, account, Channel.VOICE, to, at, purpose=purpose, idempotency_key=idempotency_key
        )
        if not decision.allowed:
            return False, f"{decision.reason}: {decision.detail}", attempt.id, None, None, False  # type: ignore[return-value]
        call, new = call_store.placed_call(
            session, attempt, from_number=settings.twilio_from_number, mode=settings.voice_mode
        )
        # A call already asked of Twilio (it has a SID or a final status) is not asked again.
        again = new or (call.call_sid is None and call.status == "queued" and attempt.status == "retry")
        return True, "placed", attempt.id, call.id, call.call_sid, again  # type: ignore[return-value]

    allowed, reason, attempt_id, call_id, sid, ring = await in_thread(engine, decide)
    if not allowed:
        log.info("call_refused", attempt=attempt_id, reason=reason)
        return CallOutcome(False, reason, attempt_id)
    if not ring:
        return CallOutcome(True, "placed", attempt_id, call_id, sid)
    assert call_id is not None
    try:
        placed = await asyncio.to_thread(
            control.place,
            to,
            answer_url=url(settings, TwilioRoute.VOICE_ANSWER, call=call_id),
            status_url=url(settings, TwilioRoute.VOICE_STATUS, call=call_id),
        )
    except TwilioRejected as exc:
        await in_thread(engine, lambda s: call_store.note_placed(s, call_id, None, "failed"))
        log.warning("call_rejected", attempt=attempt_id, error=str(exc))
        return CallOutcome(False, f"twilio refused the call: {exc}", attempt_id, call_id)
    except (TwilioThrottled, TwilioUnavailable) as exc:
        await in_thread(engine, lambda s: update_attempt(s, attempt_id, status="retry"))
        log.warning("call_not_placed", attempt=attempt_id, error=str(exc))
        maybe_sent = isinstance(exc, TwilioUnavailable) and exc.maybe_sent
        return CallOutcome(False, str(exc), attempt_id, call_id, retry=True, maybe_sent=maybe_sent)
    await in_thread(engine, lambda s: call_store.note_placed(s, call_id, placed.sid, placed.status))
    log.info("call_placed", attempt=attempt_id, call=call_id, sid=placed.sid)
    return CallOutcome(True, "placed", attempt_id, call_id, placed.sid)
