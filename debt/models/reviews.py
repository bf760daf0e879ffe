"""Quality review of conversations in the console: a supervisor's marks on a conversation or one of its
turns, and where the review of each conversation stands."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from debt.clock import UTCDateTime, utcnow


class ReviewStatus(StrEnum):
    UNREVIEWED = "unreviewed"  # no row in conversation_review means the same
    IN_REVIEW = "in_review"
    REVIEWED = "reviewed"
    FOLLOW_UP = "follow_up"  # reviewed, something must be done (coaching, a correction, a call back)


class ReviewVerdict(StrEnum):
    FINE = "fine"
    ISSUE = "issue"
    COMMENT = "comment"  # a remark without judgement


class ReviewCategory(StrEnum):
    """What an issue is about; required for an issue, absent otherwise."""

    COMPLIANCE = "compliance"
    TONE = "tone"
    WRONG_UNDERSTANDING = "wrong_understanding"
    OTHER = "other"


class ReviewMark(SQLModel, table=True):
    """One reviewer's mark on a conversation (turn_id None) or on one of its turns. Marks are kept as
    written: a change of mind is a new mark, or the author withdraws theirs (withdrawn_at)."""

    __tablename__ = "review_mark"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    turn_id: int | None = Field(default=None, foreign_key="turn.id")
    verdict: ReviewVerdict = Field(sa_type=String(12))
    category: ReviewCategory | None = Field(default=None, sa_type=String(24), index=True)
    comment: str = Field(default="", sa_type=Text)
    reviewer_id: int = Field(foreign_key="console_user.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConversationReview(SQLModel, table=True):
    """Where the review of a conversation stands; a conversation without a row is unreviewed."""

    __tablename__ = "conversation_review"

    conversation_id: int = Field(foreign_key="conversation.id", primary_key=True)
    status: ReviewStatus = Field(sa_type=String(12), index=True)
    reviewer_id: int = Field(foreign_key="console_user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
