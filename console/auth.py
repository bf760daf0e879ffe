"""Who is signed in to the console, with which role, and signing in.

Routes depend on `require_user(*roles)`: the signed-in `ConsoleUser`, else a redirect to the sign-in
page (GET) or 401 (other methods); 403 when their role is not among `roles` (none given: any role).
On POST it also checks the CSRF token and the origin (console/csrf.py), so no console form can skip it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, HTTPException, Request, status
from sqlmodel import Session, col, update

from api.deps import get_app_settings, get_session
from console.audit import record
from console.csrf import SAFE_METHODS, check_csrf
from console.nav import HOME
from console.passwords import hash_password, needs_rehash, spend_verify_time, verify_password
from console.sessions import COOKIE, live_session, open_session
from console.user_store import find_user
from core.logs import get_logger
from core.settings import Settings
from debt.clock import utcnow
from debt.models import ConsoleRole, ConsoleSession, ConsoleUser

LOGIN_PATH = "/console/login"
LOCK_AFTER = 5  # failed sign-ins in a row
LOCK_FOR = timedelta(minutes=15)

log = get_logger("console.auth")


def console_now() -> datetime:
    """The time every console check uses; tests override this dependency to move the clock."""
    return utcnow()


class LoginRequired(Exception):
    """Not signed in on a page: the route class answers with a redirect to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def login_url(next_path: str | None = None) -> str:
    target = safe_next(next_path)
    return LOGIN_PATH if target == HOME else f"{LOGIN_PATH}?{urlencode({'next': target})}"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console path of this site, never another site (open redirect)."""
    if not value or not value.startswith(HOME) or "\\" in value or not value.isprintable():
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith(LOGIN_PATH):
        return HOME
    return value


def client_address(request: Request) -> str:
    # uvicorn puts the address from X-Forwarded-For here only for proxies in --forwarded-allow-ips.
    return request.client.host if request.client else "unknown"


def signed_in(
    request: Request, db: Session = Depends(get_session), now: datetime = Depends(console_now)
) -> tuple[ConsoleSession, ConsoleUser] | None:
    """The live session of the request's cookie and its user, or None. Kept on request.state for the
    templates (user, CSRF token)."""
    found = live_session(db, request.cookies.get(COOKIE), now)
    if found is not None:
        request.state.console_session, request.state.console_user = found
        request.state.console_csrf = found[0].csrf_token
    return found


def require_user(*roles: ConsoleRole | str) -> Callable[..., Awaitable[ConsoleUser]]:
    """A dependency giving the signed-in user whose role is one of `roles` (any role when none)."""
    allowed = frozenset(ConsoleRole(role) for role in roles)

    async def current_user(
        request: Request,
        found: tuple[ConsoleSession, ConsoleUser] | None = Depends(signed_in),
        settings: Settings = Depends(get_app_settings),
    ) -> ConsoleUser:
        if found is None:
            if request.method in SAFE_METHODS:
                query = f"?{request.url.query}" if request.url.query else ""
                raise LoginRequired(request.url.path + query)
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Your session has ended: sign in again.")
        session, user = found
        if request.method not in SAFE_METHODS:
            await check_csrf(request, settings, session.csrf_token)
        if allowed and user.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Your role does not give access to this page.")
        return user

    return current_user


def current_session(request: Request) -> ConsoleSession:
    """The session `require_user` found for this request."""
    return request.state.console_session


def sign_in(db: Session, login: str, password: str, now: datetime, address: str) -> str | None:
    """A new session's token for the right login and password, else None. An unknown login, a disabled
    user, a wrong password and a locked login look the same from outside and cost the same time."""
    user = find_user(db, login) if len(login) <= 64 else None
    # Every failure writes one audit entry, so none is quicker than another. What was typed as an unknown
    # login is not kept: people type their password into the login field.
    if user is None or not user.active:
        spend_verify_time(password)
        record(db, "anonymous", "console_login_failed", "console_user", address=address, reason="unknown")
        log.info("console_login_failed", reason="unknown_login", address=address)
        return None
    matches = verify_password(password, user.password_hash)
    if user.locked_until is not None and now < user.locked_until:
        record(
            db, "anonymous", "console_login_failed", "console_user", user.id, address=address, reason="locked"
        )
        log.info("console_login_failed", reason="locked", user_id=user.id, address=address)
        return None
    if not matches:
        _count_failure(db, user, now, address)
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.add(user)
    token = open_session(db, user, now)
    record(db, user, "console_login", "console_user", user.id, address=address)
    log.info("console_login", user_id=user.id, address=address)
    return token


def _count_failure(db: Session, user: ConsoleUser, now: datetime, address: str) -> None:
    # Counted in the database (x = x + 1): parallel guesses cannot all read the same count.
    db.exec(
        update(ConsoleUser)
        .where(col(ConsoleUser.id) == user.id)
        .values(failed_logins=col(ConsoleUser.failed_logins) + 1)
    )
    db.refresh(user)
    details = {"address": address, "reason": "password", "failures": user.failed_logins}
    record(db, "anonymous", "console_login_failed", "console_user", user.id, **details)
    log.info("console_login_failed", reason="wrong_password", user_id=user.id, address=address)
    if user.failed_logins >= LOCK_AFTER:
        user.failed_logins = 0
        user.locked_until = now + LOCK_FOR
        db.add(user)
        until = user.locked_until.isoformat()
        record(db, "system", "console_user_locked", "console_user", user.id, until=until)
        log.warning("console_user_locked", user_id=user.id, address=address)
