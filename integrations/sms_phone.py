"""A phone texting the gateway as Twilio does: form-encoded webhooks signed with Twilio's own
RequestValidator, TwiML answers read back into the messages the phone would receive.

Used by `collect text` (trying the assistant without Twilio), the tests and the benchmark.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from twilio.request_validator import RequestValidator

SMS_ROUTE = "/twilio/sms"
OUR_NUMBER = "+33189000000"
ACCOUNT_SID = "AC" + "0" * 32


def new_sid() -> str:
    return "SM" + uuid.uuid4().hex


def twiml_messages(xml: str) -> list[str]:
    return [m.text or "" for m in ET.fromstring(xml).iter("Message")]  # noqa: S314 (the gateway's own TwiML)


@dataclass
class SmsPeer:
    base_url: str  # the gateway's PUBLIC_BASE_URL: what Twilio signs
    auth_token: str
    phone: str
    to: str = OUR_NUMBER
    account_sid: str = ACCOUNT_SID

    def request(self, text: str, sid: str | None = None) -> tuple[bytes, dict[str, str]]:
        form = {
            "MessageSid": sid or new_sid(),
            "AccountSid": self.account_sid,
            "From": self.phone,
            "To": self.to,
            "Body": text,
            "NumMedia": "0",
            "NumSegments": "1",
        }
        signature = RequestValidator(self.auth_token).compute_signature(self.base_url + SMS_ROUTE, form)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        return urlencode(form).encode(), headers

    def send(self, text: str, sid: str | None = None, *, timeout: float = 60) -> list[str]:
        body, headers = self.request(text, sid)
        response = httpx.post(self.base_url + SMS_ROUTE, content=body, headers=headers, timeout=timeout)
        response.raise_for_status()
        return twiml_messages(response.text)

    async def send_async(self, client: httpx.AsyncClient, text: str, sid: str | None = None) -> list[str]:
        body, headers = self.request(text, sid)
        response = await client.post(self.base_url + SMS_ROUTE, content=body, headers=headers)
        response.raise_for_status()
        return twiml_messages(response.text)
