"""Signing in: success, one answer for every failure, the per-login lock, the per-address throttle."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from console import passwords
from console.sessions import COOKIE, token_hash
from console.throttle import InProcessThrottle
from console.user_store import disable_user
from core.settings import load_settings
from debt.db import session_scope
from debt.models import AuditEntry, ConsoleSession, ConsoleUser
from tests.console.helpers import ORIGIN, PASSWORD, Clock, add_user, csrf_token, sign_in

FAILED = "Unknown login or wrong password."


def _user(engine: Engine, login: str) -> ConsoleUser:
    with Session(engine) as db:
        return db.exec(select(ConsoleUser).where(ConsoleUser.login == login)).one()


def _error(page) -> str:
    found = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', page.text, re.S)
    return found[1] if found else ""


def test_the_right_password_opens_a_session_and_goes_where_asked(
    web: TestClient, engine: Engine, staff: dict[str, str], clock: Clock
) -> None:
    answer = sign_in(web, "ada", next_path="/console/users")

    assert answer.status_code == 303 and answer.headers["location"] == "/console/users"
    token = web.cookies[COOKIE]
    with Session(engine) as db:
        (session,) = db.exec(select(ConsoleSession)).all()
        entry = db.exec(select(AuditEntry).where(AuditEntry.action == "console_login")).one()
    # Only the token's hash is stored, and the session ends 12 hours from now at the latest.
    assert session.token_hash == token_hash(token) and token not in session.token_hash
    assert session.expires_at == clock.now + timedelta(hours=12)
    assert (entry.actor, entry.entity, entry.entity_id) == ("user:ada", "console_user", str(session.user_id))
    user = _user(engine, "ada")
    assert user.last_login_at == clock.now and user.failed_logins == 0
    assert web.get("/console").status_code == 200


def test_the_login_is_not_case_sensitive(web: TestClient, staff: dict[str, str]) -> None:
    assert sign_in(web, "  ADA ").status_code == 303


def test_the_session_cookie_is_httponly_lax_and_scoped_to_the_console(
    web: TestClient, staff: dict[str, str]
) -> None:
    answer = sign_in(web, "ada")
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert cookie.startswith(f"{COOKIE}=")
    assert "httponly" in attributes and "samesite=lax" in cookie.lower() and "path=/console" in cookie.lower()
    assert "secure" not in attributes  # PUBLIC_BASE_URL is http:// in tests
    assert "max-age" not in attributes and "expires" not in attributes  # ends with the browser


def test_the_cookie_is_secure_when_the_console_is_served_over_https(sqlite_url: str, clock: Clock) -> None:
    from console.auth import console_now
    from server import create_app

    settings = load_settings(database_url=sqlite_url, env="test", public_base_url="https://collect.example")
    app = create_app(settings)
    app.dependency_overrides[console_now] = lambda: clock.now
    add_user(app.state.engine, "ada")
    with TestClient(app, base_url="https://collect.example", follow_redirects=False) as client:
        form = client.get("/console/login")
        assert "secure" in form.headers["set-cookie"].lower()  # the sign-in form's cookie too
        answer = client.post(
            "/console/login",
            data={"login": "ada", "password": PASSWORD, "csrf": csrf_token(form)},
            headers={"Origin": "https://collect.example"},
        )
    assert answer.status_code == 303
    session_cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(COOKIE + "="))
    assert "; secure" in session_cookie.lower()


def test_unknown_login_and_wrong_password_get_the_same_answer_and_cost(
    web: TestClient, engine: Engine, staff: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real, calls = passwords._scrypt, []
    monkeypatch.setattr(passwords, "_scrypt", lambda *a, **k: calls.append(a[2]) or real(*a, **k))

    wrong = sign_in(web, "ada", "not the password at all")
    wrong_calls, calls[:] = list(calls), []
    unknown = sign_in(web, "nobody", "not the password at all")

    assert wrong.status_code == unknown.status_code == 401
    assert _error(wrong) == _error(unknown) and _error(wrong).startswith(FAILED)
    assert wrong_calls == calls == [2**14]  # one scrypt each: the same time
    assert COOKIE not in web.cookies
    with Session(engine) as db:
        unknown_entry = db.exec(select(AuditEntry).where(AuditEntry.entity_id.is_(None))).one()
    assert unknown_entry.details == {"address": "testclient", "reason": "unknown"}  # not what was typed


def test_a_disabled_user_gets_the_same_answer(web: TestClient, engine: Engine, staff: dict[str, str]) -> None:
    with session_scope(engine) as db:
        disable_user(db, "val")
    answer = sign_in(web, "val")
    assert answer.status_code == 401 and _error(answer).startswith(FAILED)


def test_five_failures_lock_the_login_for_fifteen_minutes(
    web: TestClient, engine: Engine, staff: dict[str, str], clock: Clock
) -> None:
    for attempt in range(1, 5):
        assert sign_in(web, "sam", f"wrong password {attempt}").status_code == 401
        assert _user(engine, "sam").failed_logins == attempt
    fifth = sign_in(web, "sam", "wrong password 5")
    locked = _user(engine, "sam")
    assert locked.locked_until == clock.now + timedelta(minutes=15)

    # Locked: even the right password gets the same answer as any failure.
    clock.advance(minutes=14)
    during = sign_in(web, "sam")
    assert during.status_code == 401 and _error(during) == _error(fifth)
    assert _user(engine, "sam").locked_until == locked.locked_until  # attempts while locked do not extend it

    clock.advance(minutes=1, seconds=1)
    assert sign_in(web, "sam").status_code == 303
    assert (_user(engine, "sam").failed_logins, _user(engine, "sam").locked_until) == (0, None)
    with Session(engine) as db:
        entries = db.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    failures = [e.details["reason"] for e in entries if e.action == "console_login_failed"]
    assert failures == ["password"] * 5 + ["locked"]
    assert [e.action for e in entries].count("console_user_locked") == 1


def test_a_success_resets_the_count(web: TestClient, engine: Engine, staff: dict[str, str]) -> None:
    for _ in range(4):
        sign_in(web, "sam", "wrong password")
    assert sign_in(web, "sam").status_code == 303
    assert _user(engine, "sam").failed_logins == 0


def test_one_address_failing_too_often_waits(
    app: FastAPI, web: TestClient, staff: dict[str, str], clock: Clock
) -> None:
    app.state.console_throttle = InProcessThrottle(max_failures=3, window_seconds=600)
    for login in ("x1", "x2", "x3"):  # many logins from one address: no single login gets locked
        assert sign_in(web, login).status_code == 401

    blocked = sign_in(web, "ada")  # even the right password waits
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "300"
    assert "Too many failed sign-ins" in _error(blocked)
    assert COOKIE not in web.cookies

    clock.advance(seconds=601)  # the window slides past the failures
    assert sign_in(web, "ada").status_code == 303


def test_the_throttle_counts_failures_only(
    app: FastAPI, web: TestClient, staff: dict[str, str], clock: Clock
) -> None:
    app.state.console_throttle = InProcessThrottle(max_failures=2, window_seconds=600)
    for _ in range(3):
        assert sign_in(web, "ada").status_code == 303
        web.cookies.clear()
    sign_in(web, "x1")
    assert sign_in(web, "ada").status_code == 303


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/console",
        "//evil.example/console",
        "/\\evil.example",
        "/console\\@evil.example",
        "/elsewhere",
        "/console/login?next=/console",
        "javascript:alert(1)",
    ],
)
def test_after_signing_in_only_a_console_page_is_a_destination(
    web: TestClient, staff: dict[str, str], target: str
) -> None:
    answer = sign_in(web, "ada", next_path=target)
    assert answer.status_code == 303 and answer.headers["location"] == "/console"


def test_a_console_page_asked_for_is_kept_through_the_sign_in(web: TestClient, staff: dict[str, str]) -> None:
    redirect = web.get("/console/users?created=val")
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/console/login?next=%2Fconsole%2Fusers%3Fcreated%3Dval"
    form = web.get(redirect.headers["location"])
    assert 'name="next" value="/console/users?created=val"' in form.text
    answer = web.post(
        "/console/login",
        data={
            "login": "ada",
            "password": PASSWORD,
            "csrf": csrf_token(form),
            "next": "/console/users?created=val",
        },
        headers={"Origin": ORIGIN},
    )
    assert answer.headers["location"] == "/console/users?created=val"


def test_the_sign_in_page_of_a_signed_in_user_goes_on(web: TestClient, staff: dict[str, str]) -> None:
    sign_in(web, "ada")
    assert web.get("/console/login?next=/console/users").headers["location"] == "/console/users"


def test_each_sign_in_is_a_new_session_and_ends_the_previous_one(
    web: TestClient, engine: Engine, staff: dict[str, str], clock: Clock
) -> None:
    sign_in(web, "ada")
    first = web.cookies[COOKIE]
    clock.advance(minutes=31)  # idle: the sign-in form shows again, the browser still sends the old cookie
    sign_in(web, "ada")
    second = web.cookies[COOKIE]
    assert first != second
    with Session(engine) as db:
        old = db.exec(select(ConsoleSession).where(ConsoleSession.token_hash == token_hash(first))).one()
    assert old.revoked


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda data, headers: data.pop("csrf"), "missing token"),
        (lambda data, headers: data.update(csrf="x" * 43), "wrong token"),
        (lambda data, headers: headers.update(Origin="https://evil.example"), "another origin"),
        (lambda data, headers: headers.pop("Origin"), "no origin nor referer"),
    ],
)
def test_the_sign_in_form_is_protected_against_forgery(
    web: TestClient, staff: dict[str, str], change, why: str
) -> None:
    form = web.get("/console/login")
    data = {"login": "ada", "password": PASSWORD, "csrf": csrf_token(form)}
    headers = {"Origin": ORIGIN}
    change(data, headers)
    answer = web.post("/console/login", data=data, headers=headers)
    assert answer.status_code == 403, why
    assert COOKIE not in web.cookies


def test_the_sign_in_form_keeps_its_token_across_tabs(web: TestClient, staff: dict[str, str]) -> None:
    first = csrf_token(web.get("/console/login"))
    second = csrf_token(web.get("/console/login"))
    assert first == second
