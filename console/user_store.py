"""Console users in the database: create, find, list, disable; for the users page and `collect users`."""

from __future__ import annotations

import re

from sqlmodel import Session, col, select, update

from console.passwords import hash_password, weak_password_reason
from debt.clock import utcnow
from debt.models import ConsoleRole, ConsoleSession, ConsoleUser

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
MAX_DISPLAY_NAME = 120


class UserError(ValueError):
    """A user cannot be created or changed as asked; the message says why, for the person asking."""


def normalise_login(login: str) -> str:
    return login.strip().lower()


def check_login(login: str) -> str:
    """The login as stored (lower case), or UserError."""
    normalised = normalise_login(login)
    if not LOGIN_PATTERN.match(normalised):
        raise UserError(
            "a login has 2 to 64 characters: letters, digits, dot, dash, underscore or @, "
            "starting with a letter or a digit"
        )
    return normalised


def find_user(db: Session, login: str) -> ConsoleUser | None:
    return db.exec(select(ConsoleUser).where(ConsoleUser.login == normalise_login(login))).first()


def create_user(
    db: Session, login: str, password: str, role: ConsoleRole | str, display_name: str = ""
) -> ConsoleUser:
    """A new active user (flushed, not committed). UserError for a bad login, name, role or password,
    or a login already taken."""
    login = check_login(login)
    display_name = " ".join(display_name.split()) or login
    if len(display_name) > MAX_DISPLAY_NAME:
        raise UserError(f"a display name has at most {MAX_DISPLAY_NAME} characters")
    try:
        role = ConsoleRole(role)
    except ValueError:
        raise UserError(f"a role is one of {', '.join(r.value for r in ConsoleRole)}") from None
    reason = weak_password_reason(password, login)
    if reason:
        raise UserError(reason)
    if find_user(db, login) is not None:
        raise UserError(f"the login {login!r} is taken")
    user = ConsoleUser(
        login=login, display_name=display_name, password_hash=hash_password(password), role=role
    )
    db.add(user)
    db.flush()
    return user


def list_users(db: Session) -> list[ConsoleUser]:
    return list(db.exec(select(ConsoleUser).order_by(col(ConsoleUser.login))).all())


def disable_user(db: Session, login: str) -> ConsoleUser:
    """The user can no longer sign in, and every open session of theirs ends now."""
    user = find_user(db, login)
    if user is None:
        raise UserError(f"no user {normalise_login(login)!r}")
    user.active = False
    db.add(user)
    revoke_sessions(db, user)
    return user


def revoke_sessions(db: Session, user: ConsoleUser) -> None:
    db.exec(
        update(ConsoleSession)
        .where(col(ConsoleSession.user_id) == user.id, col(ConsoleSession.revoked).is_(False))
        .values(revoked=True, last_seen_at=utcnow())
    )
