"""A phone calling the gateway as Twilio does in gather mode: signed webhooks for the call and each
thing said or typed, TwiML answers read back into what the caller hears and what happens next.

Used by `collect call` (trying the assistant by voice without Twilio) and the tests.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import httpx
from twilio.request_validator import RequestValidator

VOICE_ROUTE = "/twilio/voice"
OUR_NUMBER = "+33189000000"
ACCOUNT_SID = "AC" + "0" * 32


def new_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


@dataclass
class VoicePeer:
    base_url: str  # the gateway's PUBLIC_BASE_URL: what Twilio signs
    auth_token: str
    phone: str
    to: str = OUR_NUMBER
    account_sid: str = ACCOUNT_SID
    call_sid: str = field(default_factory=new_call_sid)
    twiml: ET.Element | None = None

    def call(self, *, timeout: float = 60) -> list[str]:
        """Ring the gateway; returns what the caller hears first."""
        return self._post(self.base_url + VOICE_ROUTE, {}, timeout)

    def say(self, text: str, *, timeout: float = 60) -> list[str]:
        return self._post(self._next_url(), {"SpeechResult": text, "Confidence": "0.9"}, timeout)

    def press(self, digits: str, *, timeout: float = 60) -> list[str]:
        return self._post(self._next_url(), {"Digits": digits}, timeout)

    def keep_quiet(self, *, timeout: float = 60) -> list[str]:
        """Say nothing: Twilio falls through the <Gather> to the <Redirect> after it."""
        redirect = self._element("Redirect")
        return self._post((redirect.text or "").strip(), {}, timeout)

    def post(self, url: str, fields: dict[str, str], *, timeout: float = 60) -> list[str]:
        """Any other webhook of the call (a queue's result, a whisper), signed over `url`."""
        return self._post(url, fields, timeout)

    @property
    def queue(self) -> str | None:
        """The advisors' queue the call was put in, if any."""
        enqueue = self.twiml.find("Enqueue") if self.twiml is not None else None
        return enqueue.text if enqueue is not None else None

    @property
    def listening(self) -> bool:
        return self.twiml is not None and self.twiml.find("Gather") is not None

    @property
    def hung_up(self) -> bool:
        return self.twiml is not None and self.twiml.find("Hangup") is not None

    def _next_url(self) -> str:
        return self._element("Gather").get("action", "")

    def _element(self, tag: str) -> ET.Element:
        found = self.twiml.find(tag) if self.twiml is not None else None
        if found is None:
            raise RuntimeError(f"the call is not waiting for the caller (no <{tag}>)")
        return found

    def _post(self, url: str, fields: dict[str, str], timeout: float) -> list[str]:
        form = {
            "CallSid": self.call_sid,
            "AccountSid": self.account_sid,
            "From": self.phone,
            "To": self.to,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **fields,
        }
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        parts = urlsplit(url)
        target = self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")
        response = httpx.post(
            target,
            content=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
            timeout=timeout,
        )
        response.raise_for_status()
        self.twiml = ET.fromstring(response.text)  # noqa: S314 (the gateway's own TwiML)
        return [s.text or "" for s in self.twiml.iter("Say")]
