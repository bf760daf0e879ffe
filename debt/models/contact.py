"""Contact attempts: every outbound contact, with the policy decision that allowed or refused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from debt.clock import UTCDateTime, utcnow
from debt.models.enums import Channel


class ContactAttempt(SQLModel, table=True):
    __tablename__ = "contact_attempt"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    channel: Channel = Field(sa_type=String(10))
    to: str = Field(sa_type=String(100))
    purpose: str = Field(default="reminder", sa_type=String(40))
    allowed: bool
    # The policy's reason, kept as proof that the contact was allowed (or why not).
    decision_reason: str = Field(sa_type=String(200))
    idempotency_key: str = Field(sa_type=String(100), unique=True)
    provider_sid: str | None = Field(default=None, sa_type=String(64), index=True)
    status: str = Field(default="planned", sa_type=String(20))
    campaign_id: int | None = Field(default=None, index=True)
    scheduled_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
