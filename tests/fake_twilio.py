"""A fake Twilio REST API on loopback: the real twilio client talks to it through TWILIO_API_BASE.

It answers like api.twilio.com for the resources we use: create, fetch and list Messages
and Calls; start, list and stop (update) a call's Recordings (201 with the resource's JSON,
400 with Twilio's error codes for a missing or invalid parameter), the audio of the recordings
put in `media` (.mp3 and .wav, with byte ranges), 401 (code 20003) without the account's HTTP
basic auth, 404 (code 20404) elsewhere. Every request is recorded; answers can be scripted:

    with serve_twilio() as twilio:
        twilio.fail_next(400, 21610, "Attempt to send to unsubscribed recipient")
        SmsSender(twilio.settings()).send(...)   # raises TwilioRejected
        assert twilio.requests[0].form["To"] == "+33612345678"
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from core.settings import DEV_TWILIO_SID, DEV_TWILIO_TOKEN, Settings, load_settings
from integrations.sms_text import TWILIO_MAX_CHARS, segments

API_VERSION = "2010-04-01"
_ROUTE = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/(?P<kind>Messages|Calls)(?:/(?P<sid>\w+))?\.json$"
)
_RECORDINGS = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Calls/(?P<call>CA\w+)/Recordings\.json$"
)
_RECORDING = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Calls/(?P<call>CA\w+)/Recordings/(?P<sid>RE\w+)\.json$"
)
_MEDIA = re.compile(
    rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Recordings/(?P<sid>RE\w+)\.(?P<extension>mp3|wav)$"
)
_MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/x-wav"}
_JSON = {"Content-Type": "application/json; charset=utf-8"}
_RANGE = re.compile(r"bytes=(?P<start>\d+)-(?P<end>\d*)")  # one range from a byte on: what players ask
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True)
class FakeRequest:
    method: str
    path: str
    params: list[tuple[str, str]]  # the form (POST) or query (GET) parameters, in order, repeats kept
    auth: tuple[str, str] | None  # HTTP basic auth (user, password)
    headers: dict[str, str]
    received_at: float = field(default_factory=time.monotonic)

    @property
    def form(self) -> dict[str, str]:
        return dict(self.params)

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers.items() if key.lower() == name.lower()), None)


@dataclass(frozen=True)
class Media:
    """A binary answer (a recording's audio) with its own headers; every other answer is JSON."""

    content: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class _Scripted:
    status: int
    body: dict[str, Any]
    stall_seconds: float = 0.0


class TwilioError(Exception):
    def __init__(self, status: int, code: int | None, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_body(status: int, code: int | None, message: str) -> dict[str, Any]:
    """Twilio's error document; without a code the twilio client reports the HTTP status instead."""
    body: dict[str, Any] = {"message": message, "status": status}
    if code is not None:
        body |= {"code": code, "more_info": f"https://www.twilio.com/docs/errors/{code}"}
    return body


@dataclass
class FakeTwilio:
    base_url: str
    account_sid: str
    auth_token: str
    requests: list[FakeRequest] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # sid -> resource, in creation order
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    recordings: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, bytes] = field(default_factory=dict)  # recording sid -> its audio
    _script: list[_Scripted] = field(default_factory=list, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _closing: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    def settings(self, **overrides: object) -> Settings:
        """Settings that point the real twilio client at this fake, with this account's credentials."""
        values: dict[str, object] = {
            "twilio_api_base": self.base_url,
            "twilio_account_sid": self.account_sid,
            "twilio_auth_token": self.auth_token,
        }
        return load_settings(**(values | overrides))

    def fail_next(self, status: int, code: int | None = None, message: str = "scripted failure") -> None:
        """The next request (whatever its route) gets this error instead of its answer; calls queue up."""
        with self._lock:
            self._script.append(_Scripted(status, error_body(status, code, message)))

    def stall_next(self, seconds: float) -> None:
        """The next request waits `seconds` before its normal answer (for the client's timeout)."""
        with self._lock:
            self._script.append(_Scripted(0, {}, stall_seconds=seconds))

    # -- the server side, called from the handler threads -----------------------------------------

    def handle(self, request: FakeRequest) -> tuple[int, dict[str, Any] | Media]:
        with self._lock:
            self.requests.append(request)
            scripted = self._script.pop(0) if self._script else None
        if scripted and scripted.stall_seconds:
            self._closing.wait(scripted.stall_seconds)
        elif scripted:
            return scripted.status, scripted.body
        try:
            return self._answer(request)
        except TwilioError as exc:
            return exc.status, error_body(exc.status, exc.code, exc.message)

    def _answer(self, request: FakeRequest) -> tuple[int, dict[str, Any] | Media]:
        if request.auth != (self.account_sid, self.auth_token):
            raise TwilioError(401, 20003, "Authenticate")
        media = _MEDIA.match(request.path)
        if media and media["account"] == self.account_sid and request.method == "GET":
            return self._media(media["sid"], media["extension"], request.header("Range"), request.path)
        recording = _RECORDINGS.match(request.path)
        if recording and recording["account"] == self.account_sid and request.method == "POST":
            resource = self._start_recording(recording["call"], request.form)
            with self._lock:
                self.recordings[resource["sid"]] = resource
            return 201, resource
        if recording and recording["account"] == self.account_sid and request.method == "GET":
            return 200, self._call_recordings(recording["call"])
        one = _RECORDING.match(request.path)
        if one and one["account"] == self.account_sid and request.method == "POST":
            return 200, self._update_recording(one["call"], one["sid"], request.form)
        route = _ROUTE.match(request.path)
        if not route or route["account"] != self.account_sid:
            raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
        store = self.messages if route["kind"] == "Messages" else self.calls
        if request.method == "GET" and route["sid"]:
            if route["sid"] not in store:
                raise TwilioError(404, 20404, f"The requested resource {request.path} was not found")
            return 200, store[route["sid"]]
        if request.method == "GET" and not route["sid"]:
            return 200, self._list(route["kind"], store, dict(request.params))
        if request.method == "POST" and not route["sid"]:
            create = self._create_message if route["kind"] == "Messages" else self._create_call
            resource = create(request.form)
            with self._lock:
                store[resource["sid"]] = resource
            return 201, resource
        raise TwilioError(405, 20004, "Method not allowed")

    def _list(self, kind: str, store: dict[str, dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        """A list page, newest first, filtered on To and From as Twilio does (one page: enough here)."""
        with self._lock:
            found = [r for r in reversed(store.values()) if _matches(r, query)]
        size = int(query.get("PageSize") or 50)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/{kind}.json"
        return {
            kind.lower(): found[:size],
            "uri": uri,
            "first_page_uri": uri,
            "next_page_uri": None,
            "previous_page_uri": None,
            "page": 0,
            "page_size": size,
            "start": 0,
            "end": max(len(found[:size]) - 1, 0),
        }

    def _create_message(self, form: dict[str, str]) -> dict[str, Any]:
        to, body = form.get("To", ""), form.get("Body", "")
        if not to:
            raise TwilioError(400, 21604, "A 'To' phone number is required.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            raise TwilioError(400, 21603, "A 'From' phone number is required.")
        if not (body or form.get("MediaUrl") or form.get("ContentSid")):
            raise TwilioError(400, 21602, "Message body is required.")
        if len(body) > TWILIO_MAX_CHARS:
            raise TwilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        _check_to(to)
        sid = "SM" + secrets.token_hex(16)
        return self._resource("Messages", sid) | {
            "to": to,
            "from": form.get("From"),
            "body": body,
            "status": "queued" if form.get("From") else "accepted",
            "direction": "outbound-api",
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_segments": str(segments(body)),  # Twilio sends these counts as strings
            "num_media": "1" if form.get("MediaUrl") else "0",
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "price": None,
            "price_unit": "USD",
        }

    def _create_call(self, form: dict[str, str]) -> dict[str, Any]:
        to = form.get("To", "")
        if not to:
            raise TwilioError(400, 21201, "No 'To' number is specified")
        if not form.get("From"):
            raise TwilioError(400, 21213, "No 'From' number is specified")
        if not (form.get("Url") or form.get("Twiml") or form.get("ApplicationSid")):
            raise TwilioError(400, 21205, "Url parameter is required.")
        _check_to(to)
        sid = "CA" + secrets.token_hex(16)
        return self._resource("Calls", sid) | {
            "to": to,
            "from": form["From"],
            "status": "queued",
            "direction": "outbound-api",
            "answered_by": None,
            "duration": None,
            "start_time": None,
            "end_time": None,
            "parent_call_sid": None,
            "price": None,
            "price_unit": "USD",
        }

    def _start_recording(self, call_sid: str, form: dict[str, str]) -> dict[str, Any]:
        """Twilio records calls it placed or received; here, any call SID (inbound calls are not created)."""
        sid = "RE" + secrets.token_hex(16)
        return self._resource(f"Calls/{call_sid}/Recordings", sid) | {
            "call_sid": call_sid,
            "status": "in-progress",
            "channels": 2 if form.get("RecordingChannels") == "dual" else 1,
            "source": "StartCallRecordingAPI",
            "start_time": None,
            "duration": "-1",
            "error_code": None,
            "conference_sid": None,
            "price": None,
            "price_unit": "USD",
            "track": form.get("RecordingTrack", "both"),
            "status_callback": form.get("RecordingStatusCallback"),
        }

    def _call_recordings(self, call_sid: str) -> dict[str, Any]:
        """A call's recordings, newest first, whatever their status (in-progress ones too)."""
        with self._lock:
            found = [r for r in reversed(self.recordings.values()) if r["call_sid"] == call_sid]
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{call_sid}/Recordings.json"
        return {
            "recordings": found,
            "uri": uri,
            "first_page_uri": uri,
            "next_page_uri": None,
            "previous_page_uri": None,
            "page": 0,
            "page_size": 50,
            "start": 0,
            "end": max(len(found) - 1, 0),
        }

    def _update_recording(self, call_sid: str, sid: str, form: dict[str, str]) -> dict[str, Any]:
        """Pause, resume or stop a recording in progress (Twilio then calls its status callback, which
        tests post themselves)."""
        status = form.get("Status", "")
        if status not in ("stopped", "paused", "in-progress"):
            raise TwilioError(400, 20001, f"Invalid Status: {status!r}")
        with self._lock:
            recording = self.recordings.get(sid)
            if recording is None or recording["call_sid"] != call_sid:
                raise TwilioError(404, 20404, f"The requested resource {sid} was not found")
            if recording["status"] not in ("in-progress", "paused"):
                raise TwilioError(400, 21220, "Recording is not in progress")
            recording["status"] = status
            return dict(recording)

    def _media(self, sid: str, extension: str, wanted: str | None, path: str) -> tuple[int, Media]:
        """The audio, or the one range of it asked for (206), as Twilio's media store answers."""
        with self._lock:
            audio = self.media.get(sid)
        if audio is None:
            raise TwilioError(404, 20404, f"The requested resource {path} was not found")
        headers = {"Content-Type": _MEDIA_TYPES[extension], "Accept-Ranges": "bytes"}
        found = _RANGE.fullmatch(wanted or "")
        if found is None:
            return 200, Media(audio, headers)
        start, end = int(found["start"]), min(int(found["end"] or len(audio) - 1), len(audio) - 1)
        if start > end:
            return 416, Media(b"", headers | {"Content-Range": f"bytes */{len(audio)}"})
        content_range = f"bytes {start}-{end}/{len(audio)}"
        return 206, Media(audio[start : end + 1], headers | {"Content-Range": content_range})

    def _resource(self, kind: str, sid: str) -> dict[str, Any]:
        now = format_datetime(datetime.now(UTC))
        return {
            "sid": sid,
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "date_created": now,
            "date_updated": now,
            "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/{kind}/{sid}.json",
        }

    def close(self) -> None:
        self._closing.set()


def _matches(resource: dict[str, Any], query: dict[str, str]) -> bool:
    return all(query.get(key) in (None, resource.get(key.lower())) for key in ("To", "From"))


def _check_to(to: str) -> None:
    if not _E164.match(to.removeprefix("whatsapp:")):
        raise TwilioError(400, 21211, f"Invalid 'To' Phone Number: {to}")


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password


@contextmanager
def serve_twilio(
    account_sid: str = DEV_TWILIO_SID, auth_token: str = DEV_TWILIO_TOKEN
) -> Iterator[FakeTwilio]:
    """Run the fake on 127.0.0.1 (a free port) for the duration of the block."""
    fake: FakeTwilio

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            request = FakeRequest(
                method=self.command,
                path=parts.path,
                params=parse_qsl(raw if self.command == "POST" else parts.query, keep_blank_values=True),
                auth=_basic_auth(self.headers.get("Authorization")),
                headers=dict(self.headers.items()),
            )
            status, body = fake.handle(request)
            if isinstance(body, Media):
                payload, headers = body.content, body.headers
            else:
                payload, headers = json.dumps(body).encode(), _JSON
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up (a timeout test): nothing to answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake = FakeTwilio(f"http://127.0.0.1:{server.server_address[1]}", account_sid, auth_token)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.close()
        server.shutdown()
        server.server_close()
