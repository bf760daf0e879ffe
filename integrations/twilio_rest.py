"""Twilio's REST client for our account, and its failures in three kinds a caller can act on.

`twilio_client` is the one place a `twilio.rest.Client` is built: every call has a
timeout, and TWILIO_API_BASE (a fake on loopback in tests) replaces the scheme and
host of every URL the library builds, for Messages, Calls and any other domain.
`call_twilio` runs one request and turns what went wrong into: rejected (do not retry
as is), throttled (retry later), unavailable (Twilio or the network; maybe done anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar
from urllib.parse import SplitResult, urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import MaxRetryError, NewConnectionError

from core.settings import Settings

TIMEOUT_SECONDS = 10.0
# Twilio's clock and ours differ a little; its date_created has a one-second resolution.
CLOCK_SKEW = timedelta(seconds=5)
T = TypeVar("T")


class TwilioError(RuntimeError):
    """Twilio did not do what was asked. `code` is Twilio's error code (twilio.com/docs/api/errors/CODE)."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.message = message
        self.code = code
        self.status = status


class TwilioRejected(TwilioError):
    """A 4xx answer, e.g. 21610 the recipient replied STOP, 21211 an invalid number: do not retry as is."""

    def __init__(self, code: int | None, message: str, *, status: int | None = None) -> None:
        super().__init__(message, code=code, status=status)


class TwilioThrottled(TwilioError):
    """HTTP 429 / code 20429: never processed by Twilio, safe to send again after a pause."""


class TwilioUnavailable(TwilioError):
    """5xx, timeout or connection error. `maybe_sent` when Twilio may have done it anyway
    (a read timeout, a 5xx): sending again could do it twice."""

    def __init__(self, message: str, *, maybe_sent: bool, code: int | None = None, status: int | None = None):
        super().__init__(message, code=code, status=status)
        self.maybe_sent = maybe_sent


def api_url(settings: Settings, url: str) -> str:
    """A Twilio URL as our calls reach it: at TWILIO_API_BASE (scheme, host and path prefix) when set."""
    if settings.twilio_api_base is None:
        return url
    return _rebased(urlsplit(settings.twilio_api_base), url)


def _rebased(base: SplitResult, url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, parts.fragment))


class _BaseUrlHttpClient(TwilioHttpClient):
    """Sends each request to `base` (scheme, host and path prefix) instead of the Twilio host."""

    def __init__(self, base: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self._base = urlsplit(base)

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Response:
        return super().request(method, _rebased(self._base, url), *args, **kwargs)


def twilio_client(settings: Settings, *, timeout: float = TIMEOUT_SECONDS) -> Client:
    """Twilio's REST client for our account; calls go to TWILIO_API_BASE when it is set."""
    if settings.twilio_api_base is None:
        http_client = TwilioHttpClient(timeout=timeout)
    else:
        http_client = _BaseUrlHttpClient(settings.twilio_api_base, timeout)
    return Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client)


def call_twilio(request: Callable[[], T]) -> T:
    """Run one REST request; failures come back as TwilioRejected, TwilioThrottled or TwilioUnavailable."""
    try:
        return request()
    except (TwilioRestException, TwilioServiceException) as exc:
        raise _from_twilio(exc) from exc
    except TwilioException as exc:  # a list page refused: the library raises its base class as it is
        raise _page_refused(exc) from exc
    except requests.Timeout as exc:
        # A connect timeout never reached Twilio; a read timeout may have been too late to hear "201".
        raise TwilioUnavailable(
            f"timeout: {exc}", maybe_sent=not isinstance(exc, requests.ConnectTimeout)
        ) from exc
    except requests.ConnectionError as exc:
        raise TwilioUnavailable(f"connection error: {exc}", maybe_sent=not _never_connected(exc)) from exc


def _page_refused(exc: TwilioException) -> TwilioError:
    """A list page Twilio did not give ("Unable to fetch page", its HTTP answer) as one of our three
    kinds: reading twice does no harm, so "maybe sent" never applies."""
    response = exc.args[1] if len(exc.args) > 1 else None
    status = getattr(response, "status_code", None)
    message = f"{exc.args[0] if exc.args else exc}: {getattr(response, 'text', '')}"[:300]
    if status == 429:
        return TwilioThrottled(message, status=status)
    if status is None or status >= 500:
        return TwilioUnavailable(message, maybe_sent=False, status=status)
    return TwilioRejected(None, message, status=status)


def _from_twilio(exc: TwilioRestException | TwilioServiceException) -> TwilioError:
    status = exc.status
    if isinstance(exc, TwilioServiceException):
        code, message = exc.code, exc.detail or exc.title
    else:
        # Without a code in the answer, the library puts the HTTP status in its place.
        code = exc.code if exc.code != status else None
        message = str(exc.msg).removeprefix("Unable to create record: ")
    if status == 429 or code == 20429:
        return TwilioThrottled(message, code=code, status=status)
    if status >= 500:
        return TwilioUnavailable(message, maybe_sent=True, code=code, status=status)
    return TwilioRejected(code, message, status=status)


def _never_connected(exc: requests.ConnectionError) -> bool:
    """Refused, unreachable or unresolvable: the request never left this machine."""
    reason = exc.args[0] if exc.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, NewConnectionError)
