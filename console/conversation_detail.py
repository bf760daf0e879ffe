"""Everything the conversation page shows: the turns with what was decided between them, the flags,
the handoffs, the call recordings and the account beside it."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, literal_column, or_
from sqlmodel import Session, col, select

from console.conversation_masking import mask_party
from console.review_marks import MARKED, STATUS_SET, WITHDRAWN
from debt.masking import mask_contact_point
from debt.models import (
    Account,
    AuditEntry,
    Call,
    CallRecording,
    ContactPoint,
    Conversation,
    ConversationFlagRow,
    Creditor,
    Debtor,
    Handoff,
    Turn,
)
from debt.money import format_money

# The audit entry of a reading.
OPENED = "conversation_opened"
# What people did in the console about the conversation after the fact (readings, playbacks, reviews):
# the audit log and the review panel show these; the transcript shows what happened in the conversation.
PLAYED = "recording_played"
CONSOLE_ACTIONS = (OPENED, PLAYED, MARKED, WITHDRAWN, STATUS_SET)
# debt/outcomes names the conversation of an entry in its details, while the conversation runs. No index
# has that JSON key: the lookup is bounded by time (ix_audit_log_at) to the conversation's span and this
# margins: what is recorded just after the last turn (a handoff when the assistant is unavailable), and
# the clocks of the gateway and the action server, which may differ a little.
AFTER_LAST_TURN = timedelta(hours=1)
CLOCK_SKEW = timedelta(minutes=1)
_CONVERSATION_KEY = {
    "postgresql": "(audit_log.details ->> 'conversation_id')",
    "sqlite": "CAST(json_extract(audit_log.details, '$.conversation_id') AS TEXT)",
}


@dataclass(frozen=True)
class TurnView:
    turn: Turn
    decisions: list[AuditEntry] = field(default_factory=list)  # recorded after it, before the next turn


@dataclass(frozen=True)
class RecordingView:
    recording_sid: str
    url: str
    status: str
    duration_seconds: int | None


@dataclass(frozen=True)
class AccountView:
    account_ref: str
    creditor: str
    debtor: str
    balance: str
    status: str
    status_until: date | None
    due_date: date
    product: str | None
    contacts: list[tuple[str, str, bool]]  # kind, masked value, still valid


@dataclass(frozen=True)
class ConversationView:
    conversation: Conversation
    party: str  # masked
    flags: list[ConversationFlagRow]
    opening: list[AuditEntry]  # decisions recorded before the first turn
    turns: list[TurnView]
    handoffs: list[Handoff]
    recordings: list[RecordingView]
    account: AccountView | None


def load_conversation(db: Session, conversation_id: int) -> ConversationView | None:
    conversation = db.get(Conversation, conversation_id)
    if conversation is None:
        return None
    turns = db.exec(
        select(Turn).where(col(Turn.conversation_id) == conversation_id).order_by(col(Turn.seq))
    ).all()
    opening, turn_views = _place_decisions(list(turns), _decisions(db, conversation))
    flags = db.exec(
        select(ConversationFlagRow)
        .where(col(ConversationFlagRow.conversation_id) == conversation_id)
        .order_by(col(ConversationFlagRow.set_at))
    ).all()
    handoffs = db.exec(
        select(Handoff)
        .where(col(Handoff.conversation_id) == conversation_id)
        .order_by(col(Handoff.requested_at))
    ).all()
    return ConversationView(
        conversation=conversation,
        party=mask_party(conversation.party),
        flags=list(flags),
        opening=opening,
        turns=turn_views,
        handoffs=list(handoffs),
        recordings=_recordings(db, conversation_id),
        account=_account(db, conversation.account_id),
    )


def _about(dialect: str, conversation: Conversation) -> ColumnElement[bool]:
    """Entries about the conversation: named in their details while it ran, or with it as their entity."""
    key = str(conversation.id)
    last = max(conversation.last_activity_at, conversation.closed_at or conversation.started_at)
    in_details = literal_column(_CONVERSATION_KEY.get(dialect, _CONVERSATION_KEY["sqlite"]))
    return or_(
        and_(
            col(AuditEntry.at).between(conversation.started_at - CLOCK_SKEW, last + AFTER_LAST_TURN),
            in_details == key,
        ),
        and_(col(AuditEntry.entity) == "conversation", col(AuditEntry.entity_id) == key),
    )


def _decisions(db: Session, conversation: Conversation) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(_about(db.get_bind().dialect.name, conversation))
        .where(col(AuditEntry.action).not_in(CONSOLE_ACTIONS))
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    return list(db.exec(query).all())


def _place_decisions(
    turns: list[Turn], decisions: list[AuditEntry]
) -> tuple[list[AuditEntry], list[TurnView]]:
    """Each decision goes under the last turn said before it: what the bot decided on hearing it."""
    views = [TurnView(turn) for turn in turns]
    moments = [turn.at for turn in turns]
    opening: list[AuditEntry] = []
    for entry in decisions:
        index = bisect_right(moments, entry.at) - 1
        (views[index].decisions if index >= 0 else opening).append(entry)
    return opening, views


def _recordings(db: Session, conversation_id: int) -> list[RecordingView]:
    rows = db.exec(
        select(CallRecording)
        .join(Call, col(Call.id) == col(CallRecording.call_id))
        .where(col(Call.conversation_id) == conversation_id)
        .order_by(col(CallRecording.id))
    ).all()
    # A player for Twilio's recordings only: the page plays them through console/recordings.py, which
    # fetches nothing else.
    return [
        RecordingView(row.recording_sid, row.url, row.status, row.duration_seconds)
        for row in rows
        if row.url and row.url.startswith("https://api.twilio.com/")
    ]


def _account(db: Session, account_id: int | None) -> AccountView | None:
    if account_id is None:
        return None
    found = db.exec(
        select(Account, Creditor.name, Debtor)
        .join(Creditor, col(Creditor.id) == col(Account.creditor_id))
        .join(Debtor, col(Debtor.id) == col(Account.debtor_id))
        .where(col(Account.id) == account_id)
    ).first()
    if found is None:
        return None
    account, creditor, debtor = found
    points = db.exec(
        select(ContactPoint).where(col(ContactPoint.debtor_id) == debtor.id).order_by(col(ContactPoint.id))
    ).all()
    return AccountView(
        account_ref=account.account_ref,
        creditor=creditor,
        debtor=debtor.full_name,
        balance=format_money(account.balance, account.currency, "en"),
        status=account.status,
        status_until=account.status_until,
        due_date=account.due_date,
        product=account.product,
        contacts=[(point.kind, mask_contact_point(point), point.valid) for point in points],
    )
