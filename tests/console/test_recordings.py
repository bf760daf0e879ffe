"""The recording player's source: the gateway fetches a call recording from Twilio (the fake on loopback)
with the account's credentials and streams it back, for who may open the conversation, and only from
Twilio's address of a recording of that conversation."""

from __future__ import annotations

import socket
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

import console.recordings as section
from console.recordings import router
from core.settings import DEV_TWILIO_SID, Settings
from debt.conversations import open_conversation
from debt.db import session_scope
from debt.models import AuditEntry, Call, CallRecording, Channel, Handoff
from tests.conftest import API_TOKEN
from tests.console.helpers import signed_in_client
from tests.factories import make_account
from tests.fake_twilio import FakeTwilio

AUDIO = bytes(range(256)) * 40  # 10 240 bytes


def sid(digit: int) -> str:
    return "RE" + str(digit) * 32


RECORDING = sid(1)  # of the conversation the assistant kept
HANDED_OVER = sid(2)  # of a conversation handed over to an advisor
RECORDINGS = f"/2010-04-01/Accounts/{DEV_TWILIO_SID}/Recordings"
TWILIO = f"https://api.twilio.com{RECORDINGS}"
# Rows that must never make the gateway fetch anything: sid -> stored RecordingUrl ("{fake}": its address).
UNSAFE = {
    sid(3): f"{{fake}}{RECORDINGS}/{sid(3)}",  # plain http
    sid(4): f"https://evil.example{RECORDINGS}/{sid(4)}",
    sid(5): f"https://api.twilio.com@evil.example{RECORDINGS}/{sid(5)}",
    sid(6): f"https://api.twilio.com/2010-04-01/Accounts/{DEV_TWILIO_SID}/Messages.json",
    sid(7): f"{TWILIO}/{RECORDING}",  # another recording's address
    sid(8): f"{TWILIO}/{sid(8)}?x=1",
    sid(9): "",  # in progress: no address yet
}


@pytest.fixture
def settings(sqlite_url: str, twilio: FakeTwilio) -> Settings:
    return twilio.settings(database_url=sqlite_url, api_token=API_TOKEN, env="test")


def include_section(app: FastAPI) -> None:
    """The route, for as long as console/routes.py does not list it yet."""
    if not any(getattr(route, "endpoint", None) is section.play_recording for route in app.routes):
        app.include_router(router)


@dataclass
class Seeded:
    kept: int  # voice, no handoff: RECORDING and the UNSAFE rows
    handed_over: int  # voice, handed over: HANDED_OVER


def add_call(db: Session, conversation_id: int, call_sid: str, recordings: dict[str, str]) -> None:
    call = Call(
        call_sid=call_sid,
        conversation_id=conversation_id,
        direction="outbound",
        from_number="+33100000000",
        to_number="+4915112345678",
    )
    db.add(call)
    db.flush()
    for recording_sid, address in recordings.items():
        db.add(
            CallRecording(
                recording_sid=recording_sid, call_id=call.id, call_sid=call_sid, url=address or None
            )
        )


@pytest.fixture
def seeded(app: FastAPI, engine: Engine, staff: dict[str, str], twilio: FakeTwilio) -> Seeded:
    include_section(app)
    twilio.media[RECORDING] = AUDIO
    twilio.media[HANDED_OVER] = AUDIO[:100]
    with session_scope(engine) as db:
        account = make_account(db, phone="+4915112345678", language="de", country="DE")
        kept = open_conversation(db, channel=Channel.VOICE, party="+4915112345678", account_id=account.id)
        unsafe = {key: address.format(fake=twilio.base_url) for key, address in UNSAFE.items()}
        add_call(db, kept.id, "CA01", {RECORDING: f"{TWILIO}/{RECORDING}", **unsafe})
        handed = open_conversation(db, channel=Channel.VOICE, party="+33639980012")
        add_call(db, handed.id, "CA02", {HANDED_OVER: f"{TWILIO}/{HANDED_OVER}"})
        db.add(Handoff(conversation_id=handed.id, reason="dispute", summary="Conteste la facture"))
        db.flush()
        return Seeded(kept.id, handed.id)


def url(conversation_id: int | str, recording_sid: str = RECORDING, extension: str = "mp3") -> str:
    return f"/console/conversations/{conversation_id}/recordings/{recording_sid}.{extension}"


def played(engine: Engine) -> list[AuditEntry]:
    with Session(engine) as db:
        return list(db.exec(select(AuditEntry).where(AuditEntry.action == section.PLAYED)).all())


def closed_port() -> int:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return free.getsockname()[1]


# ---- playing ---------------------------------------------------------------------------------------------


def test_a_supervisor_plays_a_recording(
    web: TestClient, engine: Engine, seeded: Seeded, twilio: FakeTwilio
) -> None:
    signed_in_client(web, "sam")
    answer = web.get(url(seeded.kept))
    assert answer.status_code == 200, answer.text
    assert answer.content == AUDIO
    assert answer.headers["content-type"] == "audio/mpeg"
    assert answer.headers["content-length"] == str(len(AUDIO))
    assert "no-store" in answer.headers["cache-control"]
    assert answer.headers["x-content-type-options"] == "nosniff"

    [fetched] = twilio.requests
    assert fetched.method == "GET"
    assert fetched.path == f"{RECORDINGS}/{RECORDING}.mp3"
    assert fetched.auth == (twilio.account_sid, twilio.auth_token)

    [entry] = played(engine)
    assert (entry.actor, entry.entity, entry.entity_id) == ("user:sam", "conversation", str(seeded.kept))
    assert entry.details == {"recording_sid": RECORDING}


def test_the_wav_too(web: TestClient, seeded: Seeded, twilio: FakeTwilio) -> None:
    signed_in_client(web, "sam")
    answer = web.get(url(seeded.kept, extension="wav"))
    assert answer.status_code == 200 and answer.content == AUDIO
    assert answer.headers["content-type"] == "audio/wav"
    assert twilio.requests[0].path == f"{RECORDINGS}/{RECORDING}.wav"
    assert web.get(url(seeded.kept, extension="ogg")).status_code == 404
    assert len(twilio.requests) == 1


def test_a_range_is_passed_through_and_only_a_playback_start_is_audited(
    web: TestClient, engine: Engine, seeded: Seeded, twilio: FakeTwilio
) -> None:
    signed_in_client(web, "sam")
    start = web.get(url(seeded.kept), headers={"Range": "bytes=0-"})
    assert start.status_code == 206 and start.content == AUDIO
    assert start.headers["content-range"] == f"bytes 0-10239/{len(AUDIO)}"
    assert start.headers["accept-ranges"] == "bytes"
    assert len(played(engine)) == 1

    seek = web.get(url(seeded.kept), headers={"Range": "bytes=5000-5099"})
    assert seek.status_code == 206 and seek.content == AUDIO[5000:5100]
    assert seek.headers["content-range"] == f"bytes 5000-5099/{len(AUDIO)}"
    assert seek.headers["content-length"] == "100"
    assert twilio.requests[-1].header("Range") == "bytes=5000-5099"
    assert len(played(engine)) == 1  # seeking is no new playback

    beyond = web.get(url(seeded.kept), headers={"Range": "bytes=99999-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(AUDIO)}"
    assert len(played(engine)) == 1

    web.get(url(seeded.kept))  # played again from the start
    assert len(played(engine)) == 2


# ---- what is never fetched -------------------------------------------------------------------------------


def test_a_recording_of_another_conversation_or_an_unknown_one_is_a_404(
    web: TestClient, engine: Engine, seeded: Seeded, twilio: FakeTwilio
) -> None:
    signed_in_client(web, "sam")
    for path, message in [
        (url(seeded.handed_over, RECORDING), "This conversation has no recording with this name."),
        (url(seeded.kept, HANDED_OVER), "This conversation has no recording with this name."),
        (url(seeded.kept, sid(0)), "This conversation has no recording with this name."),
        (url(99999), "No conversation has this number."),
    ]:
        answer = web.get(path)
        assert answer.status_code == 404 and message in answer.text, path
    assert web.get(url("abc")).status_code == 400
    assert twilio.requests == [] and played(engine) == []


@pytest.mark.parametrize("unsafe", list(UNSAFE))
def test_a_stored_address_that_is_not_twilios_for_this_recording_is_never_fetched(
    web: TestClient, engine: Engine, seeded: Seeded, twilio: FakeTwilio, unsafe: str
) -> None:
    twilio.media[unsafe] = AUDIO
    signed_in_client(web, "sam")
    answer = web.get(url(seeded.kept, unsafe))
    assert answer.status_code == 404
    assert "This recording has no address at Twilio to play." in answer.text
    assert twilio.requests == [] and played(engine) == []


def test_without_twilio_api_base_the_address_is_twilios_own(settings: Settings) -> None:
    production_like = settings.model_copy(update={"twilio_api_base": None})
    expected = f"{TWILIO}/{RECORDING}.mp3"
    assert section.media_url(production_like, f"{TWILIO}/{RECORDING}", RECORDING, "mp3") == expected
    prefixed = settings.model_copy(update={"twilio_api_base": "http://127.0.0.1:9/twilio"})
    assert section.media_url(prefixed, f"{TWILIO}/{RECORDING}", RECORDING, "wav") == (
        f"http://127.0.0.1:9/twilio{RECORDINGS}/{RECORDING}.wav"
    )


# ---- when Twilio fails -----------------------------------------------------------------------------------


def test_a_recording_twilio_no_longer_has_is_a_404(
    web: TestClient, engine: Engine, seeded: Seeded, twilio: FakeTwilio
) -> None:
    del twilio.media[RECORDING]
    signed_in_client(web, "sam")
    answer = web.get(url(seeded.kept))
    assert answer.status_code == 404 and "The recording is no longer at Twilio." in answer.text
    assert len(twilio.requests) == 1 and played(engine) == []


def test_twilio_unreachable_is_a_502(
    app: FastAPI, web: TestClient, engine: Engine, seeded: Seeded, settings: Settings
) -> None:
    app.state.settings = settings.model_copy(update={"twilio_api_base": f"http://127.0.0.1:{closed_port()}"})
    signed_in_client(web, "sam")
    answer = web.get(url(seeded.kept))
    assert answer.status_code == 502
    assert "Twilio could not be reached for the recording" in answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert played(engine) == []


@pytest.mark.parametrize(("status", "code"), [(503, None), (500, 20500), (429, 20429)])
def test_a_twilio_error_is_a_502(
    web: TestClient, engine: Engine, seeded: Seeded, twilio: FakeTwilio, status: int, code: int | None
) -> None:
    signed_in_client(web, "sam")
    twilio.fail_next(status, code, "scripted")
    answer = web.get(url(seeded.kept))
    assert answer.status_code == 502 and f"Twilio answered HTTP {status} for the recording" in answer.text
    assert played(engine) == []


def test_credentials_twilio_refuses_are_a_502_that_says_so(
    app: FastAPI, web: TestClient, seeded: Seeded, settings: Settings, twilio: FakeTwilio
) -> None:
    app.state.settings = settings.model_copy(update={"twilio_auth_token": "not-the-token"})
    signed_in_client(web, "sam")
    answer = web.get(url(seeded.kept))
    assert answer.status_code == 502
    assert "Twilio refused the account&#39;s credentials for the recording." in answer.text
    assert twilio.requests[0].auth == (twilio.account_sid, "not-the-token")


def test_a_twilio_that_does_not_answer_in_time_is_a_502(
    web: TestClient, seeded: Seeded, twilio: FakeTwilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(section, "TIMEOUT_SECONDS", 0.2)
    twilio.stall_next(5)
    signed_in_client(web, "sam")
    assert web.get(url(seeded.kept)).status_code == 502


# ---- roles -----------------------------------------------------------------------------------------------


def test_an_advisor_plays_the_recordings_of_handed_over_conversations_only(
    web: TestClient, engine: Engine, seeded: Seeded, twilio: FakeTwilio
) -> None:
    signed_in_client(web, "val")
    refused = web.get(url(seeded.kept))
    assert refused.status_code == 403 and "handed over to a person" in refused.text
    assert twilio.requests == []
    answer = web.get(url(seeded.handed_over, HANDED_OVER))
    assert answer.status_code == 200 and answer.content == AUDIO[:100]
    assert [(e.actor, e.entity_id) for e in played(engine)] == [("user:val", str(seeded.handed_over))]


def test_an_admin_plays_nothing(web: TestClient, seeded: Seeded, twilio: FakeTwilio) -> None:
    signed_in_client(web, "ada")
    assert web.get(url(seeded.kept)).status_code == 403
    assert twilio.requests == []


def test_signing_in_is_needed(web: TestClient, seeded: Seeded, twilio: FakeTwilio) -> None:
    answer = web.get(url(seeded.kept))
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login?next=%2Fconsole%2Fconversations%2F")
    assert twilio.requests == []
