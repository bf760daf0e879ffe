"""Outbound SMS through Twilio's own REST client, and the order of delivery statuses.

`twilio_client` is the one place a `twilio.rest.Client` is built: every call has a
timeout, and TWILIO_API_BASE (a fake on loopback in tests) replaces the scheme and
host of every URL the library builds, for Messages, Calls and any other domain.
Errors come back as three kinds a caller can act on: rejected (do not retry this
message as it is), throttled (retry later), unavailable (Twilio or the network).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import MaxRetryError, NewConnectionError

from core.settings import Settings

TIMEOUT_SECONDS = 10.0


class SmsError(RuntimeError):
    """Twilio did not take the message. `code` is Twilio's error code (twilio.com/docs/api/errors/CODE)."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.message = message
        self.code = code
        self.status = status


class SmsRejected(SmsError):
    """A 4xx answer, e.g. 21610 the recipient replied STOP, 21211 an invalid number: do not retry as is."""

    def __init__(self, code: int | None, message: str, *, status: int | None = None) -> None:
        super().__init__(message, code=code, status=status)


class SmsThrottled(SmsError):
    """HTTP 429 / code 20429: never processed by Twilio, safe to send again after a pause."""


class SmsUnavailable(SmsError):
    """5xx, timeout or connection error. `maybe_sent` when Twilio may have queued the message anyway
    (a read timeout, a 5xx): sending again could deliver it twice."""

    def __init__(self, message: str, *, maybe_sent: bool, code: int | None = None, status: int | None = None):
        super().__init__(message, code=code, status=status)
        self.maybe_sent = maybe_sent


@dataclass(frozen=True)
class SentSms:
    sid: str
    status: str


class _BaseUrlHttpClient(TwilioHttpClient):
    """Sends each request to `base` (scheme, host and path prefix) instead of the Twilio host."""

    def __init__(self, base: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base)

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Response:
        parts = urlsplit(url)
        url = urlunsplit(
            (self._base.scheme, self._base.netloc, self._base.path + parts.path, parts.query, parts.fragment)
        )
        return super().request(method, url, *args, **kwargs)


def twilio_client(settings: Settings, *, timeout: float = TIMEOUT_SECONDS) -> Client:
    """Twilio's REST client for our account; calls go to TWILIO_API_BASE when it is set."""
    if settings.twilio_api_base is None:
        http_client = TwilioHttpClient(timeout=timeout)
    else:
        http_client = _BaseUrlHttpClient(settings.twilio_api_base, timeout)
    return Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client)


class SmsSender:
    """Sends one SMS from TWILIO_FROM_NUMBER. Synchronous (the twilio client is): run it in a thread."""

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._from = settings.twilio_from_number
        self._client = client or twilio_client(settings)

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SentSms:
        options = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self._client.messages.create(to=to, from_=self._from, body=body, **options)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _from_twilio(exc) from exc
        except requests.Timeout as exc:
            # A connect timeout never reached Twilio; a read timeout may have been too late to hear "201".
            raise SmsUnavailable(
                f"timeout: {exc}", maybe_sent=not isinstance(exc, requests.ConnectTimeout)
            ) from exc
        except requests.ConnectionError as exc:
            raise SmsUnavailable(f"connection error: {exc}", maybe_sent=not _never_connected(exc)) from exc
        return SentSms(sid=message.sid, status=message.status)


def _from_twilio(exc: TwilioRestException | TwilioServiceException) -> SmsError:
    status = exc.status
    if isinstance(exc, TwilioServiceException):
        code, message = exc.code, exc.detail or exc.title
    else:
        # Without a code in the answer, the library puts the HTTP status in its place.
        code = exc.code if exc.code != status else None
        message = str(exc.msg).removeprefix("Unable to create record: ")
    if status == 429 or code == 20429:
        return SmsThrottled(message, code=code, status=status)
    if status >= 500:
        return SmsUnavailable(message, maybe_sent=True, code=code, status=status)
    return SmsRejected(code, message, status=status)


def _never_connected(exc: requests.ConnectionError) -> bool:
    """Refused, unreachable or unresolvable: the request never left this machine."""
    reason = exc.args[0] if exc.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, NewConnectionError)


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
