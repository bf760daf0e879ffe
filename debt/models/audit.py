"""The audit log: who did what to which record, and when. Append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlmodel import Field, SQLModel

from debt.clock import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # "system", "debtor", "import", "user:<login>", "api"
    actor: str = Field(sa_type=String(100), index=True)
    action: str = Field(sa_type=String(60), index=True)
    entity: str = Field(sa_type=String(40))
    entity_id: str | None = Field(default=None, sa_type=String(64), index=True)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
