"""Texting a debtor from the API (an advisor, an operator): through the contact policy, or refused."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from api.deps import get_app_settings, require_api_token
from channels.sms_delivery import send_sms
from core.settings import Settings
from debt.models import Account
from debt.outcomes.contact import phone_to_text
from debt.phones import PhoneError, normalise_phone

router = APIRouter(prefix="/api", tags=["sms"], dependencies=[Depends(require_api_token)])


class OutboundSms(BaseModel):
    account_ref: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=1600)
    # Default: the debtor's phone to text on file (debt.phones.preferred_phone: the newest mobile).
    to: str | None = Field(default=None, max_length=32)
    # A retry with the same key never texts twice.
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=100)


def destination(session: Session, account_ref: str, to: str | None, jurisdiction: str) -> str:
    account = session.exec(select(Account).where(Account.account_ref == account_ref)).first()
    if account is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account {account_ref!r}")
    if to:
        try:
            return normalise_phone(to, jurisdiction)
        except PhoneError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    phone = phone_to_text(session, account.debtor_id)
    if phone is None:
        raise HTTPException(status.HTTP_409_CONFLICT, "no valid phone number on file for this debtor")
    return phone


@router.post("/sms")
async def text_a_debtor(
    message: OutboundSms, request: Request, settings: Settings = Depends(get_app_settings)
) -> dict[str, Any]:
    """Send one SMS about an account. 409 when the contact policy refuses it (the reason says why and
    the attempt is recorded), 503 when Twilio is unreachable (retry with the same key)."""
    engine = request.app.state.engine
    with Session(engine) as session:
        to = destination(session, message.account_ref, message.to, settings.default_jurisdiction)
    key = message.idempotency_key or f"api:{uuid.uuid4().hex}"
    outcome = await send_sms(
        settings,
        engine,
        request.app.state.sms_sender,
        account_ref=message.account_ref,
        to=to,
        body=message.text,
        purpose="collection",
        idempotency_key=key,
    )
    if outcome.retry:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, outcome.reason)
    if not outcome.sent:
        raise HTTPException(status.HTTP_409_CONFLICT, outcome.reason)
    return {
        "sent": True,
        "sid": outcome.sid,
        "attempt_id": outcome.attempt_id,
        "to": to,
        "idempotency_key": key,
    }
