"""Twilio webhooks: the routes, the URLs we give Twilio, and the signature check, from one place.

Twilio signs the full URL it called plus the POSTed parameters with the auth
token (X-Twilio-Signature, https://www.twilio.com/docs/usage/security). The URL
is rebuilt from PUBLIC_BASE_URL and the route, never from forwarded headers a
caller could forge.
"""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import parse_qsl

from fastapi import Depends, HTTPException, Request, status
from twilio.request_validator import RequestValidator

from api.deps import get_app_settings
from core.settings import Settings

MAX_BODY_BYTES = 64 * 1024
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class TwilioRoute(StrEnum):
    SMS = "/twilio/sms"
    SMS_STATUS = "/twilio/sms/status"
    VOICE = "/twilio/voice"  # an inbound call
    VOICE_ANSWER = "/twilio/voice/answer"  # an outbound call answered (by a person or a machine)
    VOICE_TURN = "/twilio/voice/turn"  # what a <Gather> heard
    VOICE_WAIT = "/twilio/voice/wait"  # played while the caller waits for an advisor
    VOICE_QUEUE_RESULT = "/twilio/voice/queue-result"  # how waiting for an advisor ended
    VOICE_WHISPER = "/twilio/voice/whisper"  # what the advisor hears before the caller
    VOICE_ADVISOR = "/twilio/voice/advisor"  # an advisor's phone takes the next caller
    VOICE_STATUS = "/twilio/voice/status"
    VOICE_RECORDING = "/twilio/voice/recording"
    VOICE_STREAM_ENDED = "/twilio/voice/stream-ended"  # our Media Stream closed: what the call does next
    MEDIA = "/twilio/media"  # the Media Streams websocket


def party_of(number: str) -> str:
    """A From or To of Twilio's as conversations know it: E.164 when it is a phone number, else as sent
    (a short code, "anonymous", a client name)."""
    compact = re.sub(r"[\s().-]", "", number.removeprefix("whatsapp:"))
    return compact if _E164.match(compact) else number.strip()[:100]


def callback_url(settings: Settings, route: TwilioRoute, query: str = "") -> str:
    """The absolute URL Twilio calls for `route`: the same string it signs."""
    url = settings.public_url(route)
    return f"{url}?{query}" if query else url


def stream_url(settings: Settings) -> str:
    """The websocket URL Twilio connects Media Streams to (and signs): PUBLIC_BASE_URL as ws(s)."""
    return "ws" + settings.public_url(TwilioRoute.MEDIA).removeprefix("http")


def signed_upgrade(settings: Settings, path: str, query: str, signature: str) -> bool:
    """Twilio signs a Media Streams websocket request like a webhook with no parameters."""
    url = "ws" + settings.public_url(path).removeprefix("http") + (f"?{query}" if query else "")
    return bool(signature) and RequestValidator(settings.twilio_auth_token).validate(url, {}, signature)


def parse_form(body: bytes) -> dict[str, str]:
    """Twilio's x-www-form-urlencoded body; 413 when too large, 400 when not UTF-8."""
    if len(body) > MAX_BODY_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body over {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"body is not UTF-8 (byte {exc.start})") from None
    return dict(parse_qsl(text, keep_blank_values=True))


async def signed_form(request: Request, settings: Settings = Depends(get_app_settings)) -> dict[str, str]:
    """The webhook's parameters, once its signature is proven; 403 otherwise."""
    form = parse_form(await request.body())
    route = request.url.path
    url = settings.public_url(route) + (f"?{request.url.query}" if request.url.query else "")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(settings.twilio_auth_token).validate(url, form, signature):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid Twilio signature")
    return form
