"""Debtors and how to reach them: contact points with validity, consents per channel."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint, event, inspect
from sqlmodel import Field, SQLModel

from debt.clock import UTCDateTime, utcnow
from debt.models.enums import Channel, ConsentStatus, ContactKind, Language
from debt.phones import phone_facts


class Debtor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Stable key of the person within the portfolio (normalised name + birth date),
    # so several accounts of one person share a debtor.
    person_key: str = Field(sa_type=String(200), unique=True, index=True)
    first_name: str = Field(sa_type=String(100))
    last_name: str = Field(sa_type=String(100), index=True)
    birth_date: date | None = Field(default=None, index=True)
    language: Language = Field(default=Language.FR, sa_type=String(2))
    country: str = Field(default="FR", sa_type=String(2))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ContactPoint(SQLModel, table=True):
    """A phone (E.164), an e-mail or a postal address of a debtor, and whether it still works."""

    __tablename__ = "contact_point"
    __table_args__ = (UniqueConstraint("debtor_id", "kind", "value"),)

    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    kind: ContactKind = Field(sa_type=String(10))
    # Phones: E.164; e-mails: normalised address; addresses: one normalised line.
    value: str = Field(sa_type=String(400), index=True)
    address_line: str | None = Field(default=None, sa_type=String(200))
    postcode: str | None = Field(default=None, sa_type=String(16), index=True)
    city: str | None = Field(default=None, sa_type=String(100))
    country: str | None = Field(default=None, sa_type=String(2))
    # What a phone's number tells (debt.phones), worked out when the row is written, so that planning
    # a campaign reads it instead of parsing a million numbers: its zone (NO_ZONE: it tells none) and
    # whether it is a mobile. NULL: not a phone, or written by something that did not work them out
    # (the readers then do).
    time_zone: str | None = Field(default=None, sa_type=String(40))
    mobile: bool | None = None
    valid: bool = True
    invalid_reason: str | None = Field(default=None, sa_type=String(200))
    source: str = Field(default="import", sa_type=String(20))
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


@event.listens_for(ContactPoint, "before_insert")
@event.listens_for(ContactPoint, "before_update")
def _phone_facts(_mapper: Any, _connection: Any, point: ContactPoint) -> None:
    if point.kind != ContactKind.PHONE:
        point.time_zone = point.mobile = None
    elif point.time_zone is None or point.mobile is None or inspect(point).attrs.value.history.has_changes():
        point.time_zone, point.mobile = phone_facts(point.value)


class Consent(SQLModel, table=True):
    """Current consent of a debtor for one channel; every change is also in the audit log."""

    __table_args__ = (UniqueConstraint("debtor_id", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    channel: Channel = Field(sa_type=String(10))
    status: ConsentStatus = Field(sa_type=String(12))
    source: str = Field(default="import", sa_type=String(40))
    wording: str | None = Field(default=None, sa_type=String(400))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
