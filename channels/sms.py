"""Twilio Messaging: the inbound SMS webhook and the delivery-status callback.

Thin: Twilio's form in, one neutral turn (channels/turns.py), TwiML out. Signatures
are checked by integrations/twilio_webhooks.signed_form before anything is read.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from twilio.twiml.messaging_response import MessagingResponse

from channels.local_answers import TEXT_ONLY, sms_keyword
from channels.sms_delivery import record_delivery_status
from channels.turn_store import Inbound
from channels.turns import TurnProcessor
from debt.models import Channel
from integrations.sms_text import gsm_friendly, pack
from integrations.twilio_webhooks import TwilioRoute, party_of, signed_form

router = APIRouter(tags=["twilio"])

_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def get_turns(request: Request) -> TurnProcessor:
    return request.app.state.turns


def _required(form: dict[str, str], *names: str) -> str:
    for name in names:
        if value := form.get(name, "").strip():
            return value
    raise HTTPException(status.HTTP_400_BAD_REQUEST, f"missing field {names[0]}")


def twiml(messages: list[str]) -> Response:
    response = MessagingResponse()
    for body in messages:
        response.message(body)
    return Response(str(response), media_type="application/xml")


@router.post(TwilioRoute.SMS)
async def inbound_sms(
    request: Request,
    form: dict[str, str] = Depends(signed_form),
    turns: TurnProcessor = Depends(get_turns),
) -> Response:
    """A text from a debtor (or anyone): stored, answered in order, the reply as TwiML."""
    sid = _required(form, "MessageSid", "SmsMessageSid", "SmsSid")
    if not _SID.match(sid):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "MessageSid is not a Twilio message id")
    sender = _required(form, "From")
    body = form.get("Body", "").strip()
    try:
        media = max(0, int(form.get("NumMedia") or 0))
    except ValueError:
        media = 0
    meta: dict[str, object] = {"to": form.get("To", "")[:32]}
    if media:
        meta["media"] = [form.get(f"MediaContentType{i}", "")[:80] for i in range(min(media, 10))]
    result = await turns.handle(
        Inbound(
            channel=Channel.SMS,
            party=party_of(sender),
            text=body,
            external_id=sid,
            local=sms_keyword(body) if body else TEXT_ONLY,
            meta=meta,
        )
    )
    settings = request.app.state.settings
    return twiml(pack([gsm_friendly(t) for t in result.replies], max_segments=settings.sms_max_segments))


@router.post(TwilioRoute.SMS_STATUS, status_code=status.HTTP_204_NO_CONTENT)
async def sms_status(request: Request, form: dict[str, str] = Depends(signed_form)) -> Response:
    """Delivery progress of a message we sent; a late or unknown status never moves it backwards."""
    sid = _required(form, "MessageSid", "SmsSid")
    new_status = _required(form, "MessageStatus", "SmsStatus").lower()
    await record_delivery_status(request.app.state.engine, sid, new_status, form.get("ErrorCode") or None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
