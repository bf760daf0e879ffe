"""GET /console/conversations/{id}/recordings/{sid}.mp3 (or .wav): a call recording, played through the
gateway.

The console's policy lets a page load media from itself only, and Twilio serves recordings to the
account's HTTP basic auth: so the gateway fetches the audio with the account's credentials and streams
it back. It fetches nothing but a recording of the conversation: the stored RecordingUrl must be
Twilio's own https address of that recording, and the request goes where every Twilio REST call goes
(TWILIO_API_BASE when set). Who may play it is who may open the conversation.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import httpx
from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import StreamingResponse
from sqlmodel import Session, col, select

from api.deps import get_app_settings, get_session
from console.audit import record
from console.conversation_detail import PLAYED
from console.conversations import PATH, handed_off_only, readers
from console.web import console_router
from core.logs import get_logger
from core.settings import Settings
from debt.models import Call, CallRecording, ConsoleUser, Conversation, Handoff
from integrations.twilio_rest import TIMEOUT_SECONDS, api_url

router = console_router()
log = get_logger("console.recordings")

MEDIA_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}
TWILIO_HOST = "api.twilio.com"  # where Twilio's recording callbacks say the recordings are
_RECORDING_PATH = re.compile(r"/2010-04-01/Accounts/AC\w+/Recordings/(?P<sid>RE\w+)")
_RANGE = re.compile(r"bytes=[0-9, -]{1,100}")
_FORWARDED = ("content-length", "content-range", "accept-ranges")


@router.get(PATH + "/{conversation_id}/recordings/{recording_sid}.{extension}")
async def play_recording(
    request: Request,
    conversation_id: int,
    recording_sid: str,
    extension: str,
    user: ConsoleUser = Depends(readers),
    db: Session = Depends(get_session),
    settings: Settings = Depends(get_app_settings),
) -> StreamingResponse:
    if extension not in MEDIA_TYPES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "The console plays recordings as .mp3 or .wav.")
    stored = await asyncio.to_thread(_stored_url, db, user, conversation_id, recording_sid)
    url = media_url(settings, stored, recording_sid, extension)
    if url is None:
        log.warning("recording_url_refused", conversation_id=conversation_id, recording_sid=recording_sid)
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This recording has no address at Twilio to play.")

    wanted = request.headers.get("range")
    wanted = wanted if wanted and _RANGE.fullmatch(wanted) else None
    client, upstream = await _fetch(url, settings, wanted)
    try:
        _check(upstream, recording_sid)
    except HTTPException:
        await _close(client, upstream)
        raise
    # Seeking asks again from further on: only the start of a playback is an entry in the audit log.
    if wanted is None or wanted.startswith("bytes=0-"):
        await asyncio.to_thread(_record_played, db, user, conversation_id, recording_sid)
    headers = {name: upstream.headers[name] for name in _FORWARDED if name in upstream.headers}
    return StreamingResponse(
        _relay(client, upstream),
        status_code=upstream.status_code,
        media_type=MEDIA_TYPES[extension],
        headers=headers,
    )


def _stored_url(db: Session, user: ConsoleUser, conversation_id: int, recording_sid: str) -> str:
    """The RecordingUrl kept for this recording of this conversation, if this user may open it."""
    try:
        if db.get(Conversation, conversation_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No conversation has this number.")
        handed_off = db.exec(
            select(Handoff.id).where(col(Handoff.conversation_id) == conversation_id).limit(1)
        ).first()
        if handed_off_only(user) and handed_off is None:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "Advisors open the conversations that were handed over to a person.",
            )
        row = db.exec(
            select(CallRecording)
            .join(Call, col(Call.id) == col(CallRecording.call_id))
            .where(col(Call.conversation_id) == conversation_id)
            .where(col(CallRecording.recording_sid) == recording_sid)
        ).first()
        if row is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, "This conversation has no recording with this name."
            )
        return row.url or ""
    finally:
        # Ends the read: no database connection is held while the audio streams.
        db.commit()


def _record_played(db: Session, user: ConsoleUser, conversation_id: int, recording_sid: str) -> None:
    record(db, user, PLAYED, "conversation", conversation_id, recording_sid=recording_sid)
    db.commit()


def media_url(settings: Settings, stored: str, recording_sid: str, extension: str) -> str | None:
    """The audio's URL, from the stored RecordingUrl; None unless that is Twilio's https address of this
    very recording (a row is no way to make the gateway fetch another address with our credentials)."""
    parts = urlsplit(stored)
    found = _RECORDING_PATH.fullmatch(parts.path)
    if parts.scheme != "https" or parts.netloc != TWILIO_HOST or parts.query or parts.fragment:
        return None
    if found is None or found["sid"] != recording_sid:
        return None
    return api_url(settings, urlunsplit(("https", TWILIO_HOST, f"{parts.path}.{extension}", "", "")))


async def _fetch(
    url: str, settings: Settings, wanted: str | None
) -> tuple[httpx.AsyncClient, httpx.Response]:
    # Twilio may redirect to its media store; httpx drops the credentials when leaving Twilio's origin.
    client = httpx.AsyncClient(
        auth=(settings.twilio_account_sid, settings.twilio_auth_token),
        timeout=TIMEOUT_SECONDS,
        follow_redirects=True,
        max_redirects=3,
    )
    headers = {"Accept-Encoding": "identity"}  # the bytes as stored, so Content-Length and ranges hold
    if wanted:
        headers["Range"] = wanted
    try:
        return client, await client.send(client.build_request("GET", url, headers=headers), stream=True)
    except httpx.HTTPError as exc:
        await client.aclose()
        log.warning("recording_fetch_failed", error=type(exc).__name__)
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, "Twilio could not be reached for the recording: try again shortly."
        ) from exc


def _check(upstream: httpx.Response, recording_sid: str) -> None:
    """Twilio's answer as ours: the audio (200, 206), else an error page that says what happened."""
    code = upstream.status_code
    if code in (status.HTTP_200_OK, status.HTTP_206_PARTIAL_CONTENT):
        return
    if code == status.HTTP_404_NOT_FOUND:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "The recording is no longer at Twilio.")
    if code == status.HTTP_416_RANGE_NOT_SATISFIABLE:
        content_range = upstream.headers.get("content-range")
        headers = {"Content-Range": content_range} if content_range else None
        raise HTTPException(code, "The recording is shorter than the part asked for.", headers=headers)
    log.warning("recording_fetch_refused", status=code, recording_sid=recording_sid)
    if code in (status.HTTP_401_UNAUTHORIZED, status.HTTP_403_FORBIDDEN):
        message = "Twilio refused the account's credentials for the recording."
    else:
        message = f"Twilio answered HTTP {code} for the recording: try again shortly."
    raise HTTPException(status.HTTP_502_BAD_GATEWAY, message)


async def _relay(client: httpx.AsyncClient, upstream: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in upstream.aiter_raw():
            yield chunk
    finally:
        await _close(client, upstream)


async def _close(client: httpx.AsyncClient, upstream: httpx.Response) -> None:
    await upstream.aclose()
    await client.aclose()
