"""Calling a debtor from the API (an advisor, an operator): through the contact policy, or refused."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field
from sqlmodel import Session

from api.deps import get_app_settings, require_api_token
from api.outbound_sms import destination
from core.settings import Settings
from voice.outbound import place_call

router = APIRouter(prefix="/api", tags=["calls"], dependencies=[Depends(require_api_token)])


class OutboundCall(BaseModel):
    account_ref: str = Field(min_length=1, max_length=64)
    # Default: the debtor's valid phone on file.
    to: str | None = Field(default=None, max_length=32)
    # A retry with the same key never rings twice.
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=100)


@router.post("/calls")
async def call_a_debtor(
    order: OutboundCall, request: Request, settings: Settings = Depends(get_app_settings)
) -> dict[str, Any]:
    """Ring the debtor about an account. 409 when the contact policy refuses it (the reason says why and
    the attempt is recorded), 503 when Twilio is unreachable (retry with the same key)."""
    engine = request.app.state.engine
    with Session(engine) as session:
        to = destination(session, order.account_ref, order.to, settings.default_jurisdiction)
    key = order.idempotency_key or f"api:{uuid.uuid4().hex}"
    outcome = await place_call(
        settings,
        engine,
        request.app.state.call_control,
        account_ref=order.account_ref,
        to=to,
        purpose="collection",
        idempotency_key=key,
    )
    if outcome.retry:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, outcome.reason)
    if not outcome.placed:
        raise HTTPException(status.HTTP_409_CONFLICT, outcome.reason)
    return {
        "placed": True,
        "sid": outcome.sid,
        "call_id": outcome.call_id,
        "attempt_id": outcome.attempt_id,
        "to": to,
        "idempotency_key": key,
    }
