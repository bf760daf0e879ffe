"""Signed-in sessions: a random token in a cookie, its SHA-256 in the database, idle and absolute limits.

OWASP's session management cheat sheet: a short idle timeout for an application that shows personal
data (30 minutes here), an absolute limit for a working day (12 hours), a new session at every sign-in
(no fixation), and a server-side end at sign-out.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from fastapi import Response
from sqlmodel import Session, select

from core.settings import Settings
from debt.models import ConsoleSession, ConsoleUser

COOKIE = "collect_console"
COOKIE_PATH = "/console"
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# last_seen_at is written at most this often: a page with many requests is not a write each.
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(db: Session, user: ConsoleUser, now: datetime) -> str:
    """A new session for `user` (flushed); returns the token for the cookie, which is stored nowhere."""
    token = secrets.token_urlsafe(32)
    db.add(
        ConsoleSession(
            token_hash=token_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_TIMEOUT,
        )
    )
    db.flush()
    return token


def live_session(db: Session, token: str | None, now: datetime) -> tuple[ConsoleSession, ConsoleUser] | None:
    """The session of `token` and its user, when neither revoked, expired, idle too long nor disabled.
    Marks it seen (committing) at most every TOUCH_EVERY."""
    if not token or len(token) > 128:
        return None
    found = db.exec(
        select(ConsoleSession, ConsoleUser)
        .join(ConsoleUser, ConsoleUser.id == ConsoleSession.user_id)
        .where(ConsoleSession.token_hash == token_hash(token))
    ).first()
    if found is None:
        return None
    session, user = found
    if session.revoked or not user.active or now >= session.expires_at:
        return None
    if now - session.last_seen_at >= IDLE_TIMEOUT:
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        session.last_seen_at = now
        db.add(session)
        db.commit()
    return session, user


def revoke(db: Session, session: ConsoleSession, now: datetime) -> None:
    session.revoked = True
    session.last_seen_at = now
    db.add(session)


def cookie_secure(settings: Settings) -> bool:
    """Secure cookies wherever the console is served over https; plain http only on a developer's machine
    or in tests (a Secure cookie would never come back over http)."""
    return not settings.public_base_url.startswith("http://")


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    # No Max-Age: the cookie ends with the browser; the server's limits end the session anyway.
    response.set_cookie(
        COOKIE,
        token,
        path=COOKIE_PATH,
        secure=cookie_secure(settings),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE, path=COOKIE_PATH, secure=cookie_secure(settings), httponly=True, samesite="lax"
    )


def revoke_token(db: Session, token: str | None, now: datetime) -> None:
    """End the session of `token`, if there is one (a new sign-in in a browser that had one)."""
    if not token or len(token) > 128:
        return
    session = db.exec(select(ConsoleSession).where(ConsoleSession.token_hash == token_hash(token))).first()
    if session is not None and not session.revoked:
        revoke(db, session, now)
