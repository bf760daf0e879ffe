"""Conversations on any channel, their turns, their flags and their handoffs to advisors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from debt.clock import UTCDateTime, utcnow
from debt.models.enums import Channel, ConversationStatus, HandoffStatus, TurnRole


class Conversation(SQLModel, table=True):
    # One open conversation per party and channel: two first messages at once cannot open two.
    __table_args__ = (
        Index(
            "uq_conversation_open_party",
            "channel",
            "party",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(sa_type=String(10), index=True)
    # The other party as the channel knows it: an E.164 phone, a chat session id.
    party: str = Field(sa_type=String(100), index=True)
    debtor_id: int | None = Field(default=None, foreign_key="debtor.id", index=True)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    direction: str = Field(default="inbound", sa_type=String(10))
    language: str | None = Field(default=None, sa_type=String(2))
    status: ConversationStatus = Field(default=ConversationStatus.OPEN, sa_type=String(10), index=True)
    # Where the conversation runs in Rasa (the REST channel's sender id).
    sender_id: str = Field(sa_type=String(80), unique=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    last_activity_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The advisor who took the conversation over in the console's inbox: while set, the bot is silent.
    held_by_user_id: int | None = Field(default=None, foreign_key="console_user.id", index=True)
    held_since: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConversationFlagRow(SQLModel, table=True):
    """What happened in a conversation (see enums.ConversationFlag), one row per flag."""

    __tablename__ = "conversation_flag"
    __table_args__ = (UniqueConstraint("conversation_id", "flag"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    flag: str = Field(sa_type=String(24), index=True)
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# What the search index of the turns holds: their words, lowercased, in every language alike.
_SEARCH_DOCUMENT = text("to_tsvector('simple', text)")


class Turn(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        # Search in the transcripts (console/conversation_search.py, migration 0008); PostgreSQL only.
        Index("ix_turn_text_search", _SEARCH_DOCUMENT, postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    seq: int
    role: TurnRole = Field(sa_type=String(10))
    text: str = Field(sa_type=Text)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    channel: Channel = Field(sa_type=String(10))
    intent: str | None = Field(default=None, sa_type=String(40))
    confidence: float | None = Field(default=None, sa_type=Float)
    # Provider id of the message (Twilio MessageSid, CallSid+sequence): unique, for idempotency.
    external_id: str | None = Field(default=None, sa_type=String(64), unique=True)
    # A debtor turn's progress, or a late bot reply's delivery (TurnState); empty otherwise.
    state: str | None = Field(default=None, sa_type=String(10), index=True)
    # The debtor turn a bot turn answers (its seq).
    reply_to: int | None = None
    meta: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class Handoff(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    reason: str = Field(sa_type=String(40))
    summary: str = Field(sa_type=Text)
    status: HandoffStatus = Field(default=HandoffStatus.WAITING, sa_type=String(10), index=True)
    advisor: str | None = Field(default=None, sa_type=String(100))
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
