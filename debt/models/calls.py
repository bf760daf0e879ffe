"""Phone calls: one row per Twilio call, its progress, how it was answered, and its recordings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from debt.clock import UTCDateTime, utcnow


class Call(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Twilio's CallSid; empty for an outbound call until Twilio has created it.
    call_sid: str | None = Field(default=None, sa_type=String(64), unique=True)
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id", index=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    # The contact attempt (and so the policy decision) behind an outbound call.
    attempt_id: int | None = Field(default=None, foreign_key="contact_attempt.id", unique=True)
    direction: str = Field(default="inbound", sa_type=String(10))
    from_number: str = Field(sa_type=String(32))
    to_number: str = Field(sa_type=String(32))
    mode: str = Field(default="gather", sa_type=String(10))
    # Twilio's call status, moving forward only (voice/call_status.py).
    status: str = Field(default="queued", sa_type=String(20), index=True)
    # Answering-machine detection: human, machine_end_beep, fax, unknown...
    answered_by: str | None = Field(default=None, sa_type=String(24))
    # Where the call stands in our flow: dialogue, voicemail, queued for an advisor, with an advisor...
    stage: str = Field(default="dialogue", sa_type=String(20))
    end_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    duration_seconds: int | None = None
    recording_requested: bool = False
    # When the caller objected to the recording (after the notice): never started after it, stopped if on.
    recording_objected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CallRecording(SQLModel, table=True):
    __tablename__ = "call_recording"

    id: int | None = Field(default=None, primary_key=True)
    recording_sid: str = Field(sa_type=String(64), unique=True)
    call_id: int | None = Field(default=None, foreign_key="call.id", index=True)
    call_sid: str = Field(sa_type=String(64), index=True)
    url: str | None = Field(default=None, sa_type=Text)
    status: str = Field(default="in-progress", sa_type=String(20))
    duration_seconds: int | None = None
    channels: int | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
