"""Signing in and out: GET and POST /console/login, POST /console/logout."""

from __future__ import annotations

from datetime import datetime

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session

from api.deps import get_app_settings, get_engine, get_session
from console.audit import record
from console.auth import (
    LOCK_AFTER,
    LOCK_FOR,
    LOGIN_PATH,
    client_address,
    console_now,
    current_session,
    require_user,
    safe_next,
    sign_in,
    signed_in,
)
from console.csrf import LOGIN_COOKIE, check_login_csrf, clear_login_cookie, new_login_token, set_login_cookie
from console.nav import HOME
from console.sessions import COOKIE, clear_session_cookie, revoke, revoke_token, set_session_cookie
from console.templating import render
from console.throttle import login_throttle
from console.web import console_router
from core.settings import Settings
from debt.db import in_thread
from debt.models import ConsoleSession, ConsoleUser

router = console_router()

# One answer for an unknown login, a wrong password, a disabled or a locked user: nobody learns from
# it which logins exist. It says how the lock works, so a person who is locked knows to wait.
FAILED = (
    f"Unknown login or wrong password. After {LOCK_AFTER} failed attempts in a row, "
    f"a login is locked for {int(LOCK_FOR.total_seconds() // 60)} minutes."
)
THROTTLED = "Too many failed sign-ins from your network. Wait a few minutes, then try again."
SIGNED_OUT = "You are signed out."


def login_page(
    request: Request,
    settings: Settings,
    *,
    next_path: str,
    login: str = "",
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    existing = request.cookies.get(LOGIN_COOKIE, "")
    # Kept while valid: two sign-in tabs must not invalidate each other's form.
    token = existing if 32 <= len(existing) <= 64 else new_login_token()
    request.state.console_csrf = token
    context = {"next_path": next_path, "login": login, "error": error, "notice": notice}
    response = render(request, "login.html", context, status_code=status_code, headers=headers)
    set_login_cookie(response, token, settings)
    return response


@router.get(LOGIN_PATH)
def login_form(
    request: Request,
    next_path: str | None = Query(None, alias="next"),
    signed_out: bool = False,
    found: tuple[ConsoleSession, ConsoleUser] | None = Depends(signed_in),
    settings: Settings = Depends(get_app_settings),
) -> Response:
    if found is not None:
        return RedirectResponse(safe_next(next_path), status_code=303)
    notice = SIGNED_OUT if signed_out else None
    return login_page(request, settings, next_path=safe_next(next_path), notice=notice)


@router.post(LOGIN_PATH)
async def login_submit(
    request: Request,
    login: str = Form(""),
    password: str = Form(""),
    csrf: str = Form(""),
    next_path: str = Form(HOME, alias="next"),
    settings: Settings = Depends(get_app_settings),
    engine: Engine = Depends(get_engine),
    now: datetime = Depends(console_now),
) -> Response:
    check_login_csrf(request, settings, csrf)
    next_path = safe_next(next_path)
    address = client_address(request)
    throttle = login_throttle(request)
    if await throttle.blocked(address, now.timestamp()):
        return login_page(
            request,
            settings,
            next_path=next_path,
            login=login,
            error=THROTTLED,
            status_code=429,
            headers={"Retry-After": "300"},
        )
    previous = request.cookies.get(COOKIE)

    def attempt(db: Session) -> str | None:
        token = sign_in(db, login, password, now, address)
        if token is not None:
            revoke_token(db, previous, now)  # a browser holds one session at a time
        return token

    token = await in_thread(engine, attempt)
    if token is None:
        await throttle.failed(address, now.timestamp())
        return login_page(request, settings, next_path=next_path, login=login, error=FAILED, status_code=401)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, token, settings)
    clear_login_cookie(response, settings)
    return response


@router.post("/console/logout")
def logout(
    request: Request,
    user: ConsoleUser = Depends(require_user()),
    db: Session = Depends(get_session),
    now: datetime = Depends(console_now),
    settings: Settings = Depends(get_app_settings),
) -> Response:
    revoke(db, current_session(request), now)
    record(db, user, "console_logout", "console_user", user.id, address=client_address(request))
    db.commit()
    response = RedirectResponse(f"{LOGIN_PATH}?signed_out=1", status_code=303)
    clear_session_cookie(response, settings)
    return response
