"""Outbound SMS through Twilio's REST client (integrations/twilio_rest.py), and the order of
delivery statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from twilio.rest import Client

from core.settings import Settings
from integrations.twilio_rest import CLOCK_SKEW, call_twilio, twilio_client


@dataclass(frozen=True)
class SentSms:
    sid: str
    status: str


class SmsSender:
    """Sends one SMS from TWILIO_FROM_NUMBER. Synchronous (the twilio client is): run it in a thread."""

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._from = settings.twilio_from_number
        self._client = client or twilio_client(settings)

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SentSms:
        options = {"status_callback": status_callback} if status_callback else {}
        message = call_twilio(
            lambda: self._client.messages.create(to=to, from_=self._from, body=body, **options)
        )
        return SentSms(sid=message.sid, status=message.status)

    def find_sent(self, to: str, body: str, since: datetime) -> SentSms | None:
        """The message with this body sent to `to` from our number at or after `since`, if Twilio has one:
        what tells whether a send whose answer was lost happened."""
        messages = call_twilio(lambda: self._client.messages.list(to=to, from_=self._from, limit=20))
        for message in messages:
            if message.body == body and message.date_created and message.date_created >= since - CLOCK_SKEW:
                return SentSms(sid=message.sid, status=message.status)
        return None


# Delivery statuses (twilio.com/docs/messaging/api/message-resource#message-status-values).
# Callbacks may arrive out of order: a status only ever moves forward.
_OUTBOUND = {
    "accepted": 0,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "partially_delivered": 5,
    "canceled": 5,
    "read": 6,
}
_INBOUND = {"receiving": 0, "received": 1}
FINAL_STATUSES = frozenset(
    {"delivered", "undelivered", "failed", "partially_delivered", "canceled", "read", "received"}
)


def is_final(status: str | None) -> bool:
    return status in FINAL_STATUSES


def advance_status(current: str | None, new: str) -> str:
    """The status to keep when `new` is reported while we hold `current`.

    A later stage replaces an earlier one; a late "sent" never overwrites "delivered",
    one final status never replaces another (only "read" follows them), an unknown
    status never replaces a known one, and inbound and outbound statuses do not mix.
    """
    for order in (_OUTBOUND, _INBOUND):
        if current in order:
            return new if new in order and order[new] > order[current] else current
    return new  # nothing known yet: take what Twilio says
