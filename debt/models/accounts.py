"""Creditors, accounts (the claims) and what happens to them: payments, plans, promises, disputes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from debt.clock import UTCDateTime, utcnow
from debt.models.enums import (
    AccountStatus,
    ArrangementStatus,
    DisputeStatus,
    HardshipStatus,
    InstalmentStatus,
    PromiseStatus,
)
from debt.money import MoneyType


class Creditor(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(200), unique=True, index=True)
    # What the creditor lets the assistant agree on its own (debt.arrangements.PlanPolicy);
    # empty: the defaults there.
    min_instalment: Decimal | None = Field(default=None, sa_type=MoneyType)
    max_months: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Account(SQLModel, table=True):
    """One claim handed over by a creditor; `account_ref` is the case reference given to the debtor."""

    id: int | None = Field(default=None, primary_key=True)
    account_ref: str = Field(sa_type=String(64), unique=True, index=True)
    debtor_id: int = Field(foreign_key="debtor.id", index=True)
    creditor_id: int = Field(foreign_key="creditor.id", index=True)
    jurisdiction: str = Field(sa_type=String(2), index=True)
    invoice_ref: str | None = Field(default=None, sa_type=String(64))
    product: str | None = Field(default=None, sa_type=String(200))
    currency: str = Field(default="EUR", sa_type=String(3))
    principal: Decimal = Field(sa_type=MoneyType)
    interest: Decimal = Field(default=Decimal("0.00"), sa_type=MoneyType)
    # Collection fees as claimed by the creditor; whether they are owed is
    # decided by the jurisdiction (debt.fees) and shown by fees_charged.
    fees: Decimal = Field(default=Decimal("0.00"), sa_type=MoneyType)
    fees_charged: Decimal = Field(default=Decimal("0.00"), sa_type=MoneyType)
    balance: Decimal = Field(sa_type=MoneyType, index=True)
    due_date: date = Field(index=True)
    status: AccountStatus = Field(default=AccountStatus.OPEN, sa_type=String(20), index=True)
    # End of a dispute or hardship hold, a promise date, ...: when the status should be looked at again.
    status_until: date | None = None
    direct_debit_day: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Payment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    amount: Decimal = Field(sa_type=MoneyType)
    currency: str = Field(default="EUR", sa_type=String(3))
    paid_on: date
    method: str = Field(sa_type=String(30))
    reference: str | None = Field(default=None, sa_type=String(100))
    # A payment the debtor reports is checked before it counts.
    confirmed: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Arrangement(SQLModel, table=True):
    """An instalment plan agreed with the debtor; its instalments sum exactly to `total`."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id")
    total: Decimal = Field(sa_type=MoneyType)
    instalment_count: int
    first_due: date
    status: ArrangementStatus = Field(default=ArrangementStatus.ACTIVE, sa_type=String(12))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Instalment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("arrangement_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    arrangement_id: int = Field(foreign_key="arrangement.id", index=True)
    seq: int
    due_date: date = Field(index=True)
    amount: Decimal = Field(sa_type=MoneyType)
    status: InstalmentStatus = Field(default=InstalmentStatus.DUE, sa_type=String(10))
    paid_on: date | None = None


class PromiseToPay(SQLModel, table=True):
    __tablename__ = "promise_to_pay"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id")
    amount: Decimal = Field(sa_type=MoneyType)
    promised_date: date = Field(index=True)
    status: PromiseStatus = Field(default=PromiseStatus.PENDING, sa_type=String(10))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Dispute(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id")
    reason: str = Field(sa_type=String(40))
    details: str | None = Field(default=None, sa_type=Text)
    status: DisputeStatus = Field(default=DisputeStatus.OPEN, sa_type=String(10))
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class HardshipCase(SQLModel, table=True):
    __tablename__ = "hardship_case"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id")
    circumstances: str | None = Field(default=None, sa_type=Text)
    vulnerability: bool = False
    hold_until: date | None = None
    status: HardshipStatus = Field(default=HardshipStatus.OPEN, sa_type=String(10))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
