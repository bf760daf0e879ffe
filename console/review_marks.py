"""Quality review of a conversation: marks on it or on its turns, and its review status.

Plain functions on a session; the caller commits. Every change is in the audit log with the reviewer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from console.audit import record
from debt.models import (
    ConsoleUser,
    Conversation,
    ConversationReview,
    ReviewCategory,
    ReviewMark,
    ReviewStatus,
    ReviewVerdict,
    Turn,
)

MAX_COMMENT = 2000
# Audit actions, entity "conversation".
MARKED, WITHDRAWN, STATUS_SET = "review_marked", "review_mark_withdrawn", "review_status_set"

VERDICT_LABELS = {
    ReviewVerdict.FINE: "Fine",
    ReviewVerdict.ISSUE: "Issue",
    ReviewVerdict.COMMENT: "Comment",
}
CATEGORY_LABELS = {
    ReviewCategory.COMPLIANCE: "Compliance",
    ReviewCategory.TONE: "Tone",
    ReviewCategory.WRONG_UNDERSTANDING: "Wrong understanding",
    ReviewCategory.OTHER: "Other",
}
STATUS_LABELS = {
    ReviewStatus.UNREVIEWED: "Not reviewed",
    ReviewStatus.IN_REVIEW: "In review",
    ReviewStatus.REVIEWED: "Reviewed",
    ReviewStatus.FOLLOW_UP: "Follow-up needed",
}


class ReviewRefused(ValueError):
    """Why a mark or a status cannot be saved (shown to the reviewer as is)."""


@dataclass(frozen=True)
class MarkView:
    mark: ReviewMark
    reviewer: str  # display name
    own: bool  # written by the person looking: they may withdraw it


@dataclass(frozen=True)
class ReviewView:
    status: ReviewStatus
    reviewer: str | None  # who set the status last
    updated_at: datetime | None
    on_conversation: list[MarkView]
    on_turns: dict[int, list[MarkView]]  # by turn id
    issues: int  # marks of verdict issue, not withdrawn


def _checked(verdict: str, category: str, comment: str) -> tuple[ReviewVerdict, ReviewCategory | None, str]:
    try:
        chosen = ReviewVerdict(verdict)
    except ValueError:
        raise ReviewRefused("choose fine, issue or comment") from None
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ReviewRefused(f"a comment has at most {MAX_COMMENT} characters")
    kind: ReviewCategory | None = None
    if chosen == ReviewVerdict.ISSUE:
        try:
            kind = ReviewCategory(category)
        except ValueError:
            raise ReviewRefused(
                "an issue needs its category: compliance, tone, wrong understanding or other"
            ) from None
    elif category:
        raise ReviewRefused("only an issue has a category")
    if chosen == ReviewVerdict.COMMENT and not comment:
        raise ReviewRefused("a comment needs its text")
    return chosen, kind, comment


def add_mark(
    db: Session,
    conversation_id: int,
    reviewer: ConsoleUser,
    *,
    verdict: str,
    category: str = "",
    comment: str = "",
    turn_id: int | None = None,
    now: datetime,
) -> ReviewMark:
    """Mark the conversation, or one of its turns when `turn_id` is given. A first mark puts an
    unreviewed conversation in review."""
    if db.get(Conversation, conversation_id) is None:
        raise LookupError(f"no conversation {conversation_id}")
    chosen, kind, text = _checked(verdict, category, comment)
    if turn_id is not None:
        turn = db.get(Turn, turn_id)
        if turn is None or turn.conversation_id != conversation_id:
            raise ReviewRefused("this turn is not in the conversation")
    assert reviewer.id is not None
    mark = ReviewMark(
        conversation_id=conversation_id,
        turn_id=turn_id,
        verdict=chosen,
        category=kind,
        comment=text,
        reviewer_id=reviewer.id,
        at=now,
    )
    db.add(mark)
    db.flush()
    if review_status(db, conversation_id) == ReviewStatus.UNREVIEWED:
        _put_status(db, conversation_id, reviewer, ReviewStatus.IN_REVIEW, now)
    record(
        db,
        reviewer,
        MARKED,
        "conversation",
        conversation_id,
        mark_id=mark.id,
        turn_id=turn_id,
        verdict=chosen.value,
        category=kind.value if kind else None,
    )
    return mark


def withdraw_mark(
    db: Session, conversation_id: int, mark_id: int, reviewer: ConsoleUser, *, now: datetime
) -> ReviewMark:
    """The author takes their mark back; it stays in the database, shown as withdrawn to nobody."""
    mark = db.get(ReviewMark, mark_id)
    if mark is None or mark.conversation_id != conversation_id:
        raise LookupError(f"no mark {mark_id} in conversation {conversation_id}")
    if mark.reviewer_id != reviewer.id:
        raise ReviewRefused("only its author withdraws a mark")
    if mark.withdrawn_at is None:
        mark.withdrawn_at = now
        db.add(mark)
        record(db, reviewer, WITHDRAWN, "conversation", conversation_id, mark_id=mark_id)
    return mark


def set_status(
    db: Session, conversation_id: int, reviewer: ConsoleUser, status: str, *, now: datetime
) -> ReviewStatus:
    if db.get(Conversation, conversation_id) is None:
        raise LookupError(f"no conversation {conversation_id}")
    try:
        chosen = ReviewStatus(status)
    except ValueError:
        raise ReviewRefused("choose a review status from the list") from None
    before = review_status(db, conversation_id)
    if chosen != before:
        _put_status(db, conversation_id, reviewer, chosen, now)
        record(
            db,
            reviewer,
            STATUS_SET,
            "conversation",
            conversation_id,
            status=chosen.value,
            was=before.value,
        )
    return chosen


def _put_status(
    db: Session, conversation_id: int, reviewer: ConsoleUser, status: ReviewStatus, now: datetime
) -> None:
    assert reviewer.id is not None
    row = db.get(ConversationReview, conversation_id)
    if row is None:
        row = ConversationReview(
            conversation_id=conversation_id, status=status, reviewer_id=reviewer.id, updated_at=now
        )
    else:
        row.status, row.reviewer_id, row.updated_at = status, reviewer.id, now
    db.add(row)
    db.flush()


def review_status(db: Session, conversation_id: int) -> ReviewStatus:
    row = db.get(ConversationReview, conversation_id)
    return ReviewStatus(row.status) if row else ReviewStatus.UNREVIEWED


def load_review(db: Session, conversation_id: int, viewer: ConsoleUser) -> ReviewView:
    """The review of a conversation as its page shows it: standing marks, oldest first."""
    rows = db.exec(
        select(ReviewMark, ConsoleUser.display_name)
        .join(ConsoleUser, col(ConsoleUser.id) == col(ReviewMark.reviewer_id))
        .where(col(ReviewMark.conversation_id) == conversation_id, col(ReviewMark.withdrawn_at).is_(None))
        .order_by(col(ReviewMark.at), col(ReviewMark.id))
    ).all()
    on_conversation: list[MarkView] = []
    on_turns: dict[int, list[MarkView]] = defaultdict(list)
    for mark, name in rows:
        view = MarkView(mark, name, mark.reviewer_id == viewer.id)
        (on_turns[mark.turn_id] if mark.turn_id is not None else on_conversation).append(view)
    state = db.exec(
        select(ConversationReview, ConsoleUser.display_name)
        .join(ConsoleUser, col(ConsoleUser.id) == col(ConversationReview.reviewer_id))
        .where(col(ConversationReview.conversation_id) == conversation_id)
    ).first()
    return ReviewView(
        status=ReviewStatus(state[0].status) if state else ReviewStatus.UNREVIEWED,
        reviewer=state[1] if state else None,
        updated_at=state[0].updated_at if state else None,
        on_conversation=on_conversation,
        on_turns=dict(on_turns),
        issues=sum(1 for mark, _ in rows if mark.verdict == ReviewVerdict.ISSUE),
    )
