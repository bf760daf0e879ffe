"""Sessions end after 30 idle minutes, after 12 hours whatever happens, at sign-out, and when a user is
disabled."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from console.sessions import COOKIE
from console.user_store import disable_user
from debt.db import session_scope
from debt.models import AuditEntry, ConsoleSession
from tests.console.helpers import ORIGIN, Clock, signed_in_client


def _signed_in(answer) -> bool:
    return answer.status_code == 200


def test_thirty_idle_minutes_end_the_session(web: TestClient, staff: dict[str, str], clock: Clock) -> None:
    signed_in_client(web, "sam")
    clock.advance(minutes=29, seconds=59)
    assert _signed_in(web.get("/console"))  # activity: the idle time starts again
    clock.advance(minutes=29, seconds=59)
    assert _signed_in(web.get("/console"))
    clock.advance(minutes=30)
    answer = web.get("/console")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"


def test_activity_within_the_last_minute_is_not_written_again(
    web: TestClient, engine: Engine, staff: dict[str, str], clock: Clock
) -> None:
    signed_in_client(web, "sam")
    signed_in_at = clock.now
    clock.advance(seconds=30)
    web.get("/console")
    with Session(engine) as db:
        assert db.exec(select(ConsoleSession)).one().last_seen_at == signed_in_at
    clock.advance(seconds=31)
    web.get("/console")
    with Session(engine) as db:
        assert db.exec(select(ConsoleSession)).one().last_seen_at == clock.now


def test_twelve_hours_end_the_session_however_active(
    web: TestClient, staff: dict[str, str], clock: Clock
) -> None:
    signed_in_client(web, "sam")
    for _ in range(47):  # every 15 minutes for 11 h 45 min
        clock.advance(minutes=15)
        assert _signed_in(web.get("/console"))
    clock.advance(minutes=14, seconds=59)
    assert _signed_in(web.get("/console"))
    clock.advance(seconds=1)
    assert web.get("/console").status_code == 303


def test_signing_out_ends_the_session_on_the_server(
    web: TestClient, engine: Engine, staff: dict[str, str]
) -> None:
    csrf = signed_in_client(web, "val")
    token = web.cookies[COOKIE]

    answer = web.post("/console/logout", data={"csrf": csrf}, headers={"Origin": ORIGIN})

    assert answer.status_code == 303 and answer.headers["location"] == "/console/login?signed_out=1"
    cleared = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    assert "max-age=0" in cleared.lower() and "path=/console" in cleared.lower()
    assert COOKIE not in web.cookies
    assert "You are signed out." in web.get("/console/login?signed_out=1").text
    # A copy of the cookie kept from before is worth nothing now.
    web.cookies.set(COOKIE, token, path="/console")
    assert web.get("/console").status_code == 303
    with Session(engine) as db:
        assert db.exec(select(ConsoleSession)).one().revoked
        entry = db.exec(select(AuditEntry).where(AuditEntry.action == "console_logout")).one()
    assert entry.actor == "user:val"


def test_signing_out_needs_the_form_token(web: TestClient, staff: dict[str, str]) -> None:
    signed_in_client(web, "val")
    assert web.post("/console/logout", data={}, headers={"Origin": ORIGIN}).status_code == 403
    assert _signed_in(web.get("/console"))


def test_disabling_a_user_ends_their_sessions(web: TestClient, engine: Engine, staff: dict[str, str]) -> None:
    signed_in_client(web, "val")
    with session_scope(engine) as db:
        disable_user(db, "val")
    assert web.get("/console").status_code == 303


def test_a_made_up_cookie_opens_nothing(web: TestClient, staff: dict[str, str]) -> None:
    for value in ("x" * 43, "", "x" * 500):
        web.cookies.set(COOKIE, value, path="/console")
        assert web.get("/console").status_code == 303
