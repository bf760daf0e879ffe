"""Outbound campaigns: what to reach and how fast, the plan (one target per account), and the
do-not-contact list that every outbound contact respects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from debt.clock import UTCDateTime, utcnow
from debt.models.enums import CampaignStatus, TargetState


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(200), unique=True)
    # The selection of accounts, as JSON (campaigns.filters.AccountFilter).
    filter: str = Field(default="{}", sa_type=Text)
    # In order of preference: "sms,voice".
    channels: str = Field(sa_type=String(40))
    # SMS template of the first contact (debt/messages: campaign_<template>).
    template: str = Field(default="first_reminder", sa_type=String(40))
    status: CampaignStatus = Field(default=CampaignStatus.DRAFT, sa_type=String(12), index=True)
    # Contacts happen only inside [window_start, window_end), and inside the policy's hours.
    window_start: datetime = Field(sa_type=UTCDateTime)
    window_end: datetime = Field(sa_type=UTCDateTime)
    max_concurrent_calls: int = 10
    calls_per_second: float = 1.0
    sms_per_second: float = 5.0
    # Attempts on an account before it is listed for a person (letter, formal notice).
    max_attempts: int = 4
    planned: int = 0  # targets written by the planner
    skipped: int = 0  # accounts the policy or missing contact data kept out of the plan
    created_by: str = Field(default="api", sa_type=String(100))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    planned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CampaignTarget(SQLModel, table=True):
    """One account of a campaign: which channel and destination next, when, and what became of it."""

    __tablename__ = "campaign_target"
    __table_args__ = (
        Index("ix_campaign_target_due", "campaign_id", "state", "due_at"),
        Index("ix_campaign_target_account", "campaign_id", "account_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    account_id: int = Field(foreign_key="account.id", index=True)
    debtor_id: int
    channel: str = Field(sa_type=String(10))
    to: str = Field(sa_type=String(100))
    language: str = Field(default="fr", sa_type=String(2))
    state: TargetState = Field(default=TargetState.PLANNED, sa_type=String(12))
    due_at: datetime = Field(sa_type=UTCDateTime)
    # Dispatches: each has its own idempotency key, campaign:<campaign>:<target>:<tries>.
    tries: int = 0
    attempts: int = 0  # contacts made (the policy allowed them and the provider took them)
    attempt_id: int | None = None  # the contact attempt of the current try
    last_reason: str | None = Field(default=None, sa_type=String(200))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DoNotContact(SQLModel, table=True):
    """A phone, e-mail or whole debtor nobody may contact, whatever the channel or campaign."""

    __tablename__ = "do_not_contact"

    id: int | None = Field(default=None, primary_key=True)
    # E.164 phone or normalised e-mail; None when the whole debtor is listed.
    value: str | None = Field(default=None, sa_type=String(400), index=True, unique=True)
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id", index=True)
    reason: str = Field(sa_type=String(200))
    added_by: str = Field(default="system", sa_type=String(100))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
