"""People who use the supervisor and advisor console, and their signed-in sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from debt.clock import UTCDateTime, utcnow


class ConsoleRole(StrEnum):
    ADVISOR = "advisor"  # answers handed-off conversations
    SUPERVISOR = "supervisor"  # reviews conversations, follows campaigns and the figures
    ADMIN = "admin"  # all of the above, and manages the console's users


class ConsoleUser(SQLModel, table=True):
    __tablename__ = "console_user"

    id: int | None = Field(default=None, primary_key=True)
    # Lower case; the audit log names the user "user:<login>".
    login: str = Field(sa_type=String(64), unique=True, index=True)
    display_name: str = Field(sa_type=String(120))
    # scrypt$n$r$p$salt$hash (console/passwords.py); never the password itself.
    password_hash: str = Field(sa_type=String(200))
    role: ConsoleRole = Field(sa_type=String(12))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Failed sign-ins since the last success or lock; at the limit the login is locked for a while.
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConsoleSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a copy of
    the database opens no session."""

    __tablename__ = "console_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_type=String(64), unique=True, index=True)
    user_id: int = Field(foreign_key="console_user.id", index=True)
    # Sent back in every form of this session (hidden field `csrf`).
    csrf_token: str = Field(sa_type=String(64))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The absolute end, whatever the activity.
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked: bool = False
