"""Conversations: opening one, recording turns and flags, reading them back."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from debt.clock import utcnow
from debt.models import (
    Account,
    Channel,
    Conversation,
    ConversationFlag,
    ConversationFlagRow,
    ConversationStatus,
    Turn,
    TurnRole,
)


class ConversationNotFound(LookupError):
    pass


def open_conversation(
    session: Session,
    *,
    channel: Channel,
    party: str,
    debtor_id: int | None = None,
    account_id: int | None = None,
    language: str | None = None,
    direction: str = "inbound",
) -> Conversation:
    conversation = Conversation(
        channel=channel,
        party=party,
        debtor_id=debtor_id,
        account_id=account_id,
        language=language,
        direction=direction,
        sender_id=f"{channel}-{uuid.uuid4().hex}",
    )
    session.add(conversation)
    session.flush()
    return conversation


def add_turn(
    session: Session,
    conversation: Conversation,
    *,
    role: TurnRole,
    text: str,
    intent: str | None = None,
    confidence: float | None = None,
    external_id: str | None = None,
    meta: dict[str, Any] | None = None,
    at: datetime | None = None,
    state: str | None = None,
    reply_to: int | None = None,
) -> Turn:
    """Append a turn as the next `seq`.

    Two writers may number a turn alike: the unique (conversation, seq) refuses the second, whose
    caller retries its transaction (channels/turn_store.py does).
    """
    last = session.exec(select(func.max(Turn.seq)).where(Turn.conversation_id == conversation.id)).one()
    turn = Turn(
        conversation_id=conversation.id,
        seq=(last or 0) + 1,
        role=role,
        text=text,
        channel=conversation.channel,
        intent=intent,
        confidence=confidence,
        external_id=external_id,
        meta=meta or {},
        at=at or utcnow(),
        state=state,
        reply_to=reply_to,
    )
    conversation.last_activity_at = turn.at
    session.add(turn)
    session.add(conversation)
    session.flush()
    return turn


def set_flag(session: Session, conversation_id: int, flag: ConversationFlag) -> bool:
    """Record that something happened in the conversation; True when the flag is new."""
    exists = session.exec(
        select(ConversationFlagRow.id).where(
            ConversationFlagRow.conversation_id == conversation_id, ConversationFlagRow.flag == flag
        )
    ).first()
    if exists:
        return False
    try:
        with session.begin_nested():
            session.add(ConversationFlagRow(conversation_id=conversation_id, flag=flag))
    except IntegrityError:  # set concurrently by another process
        return False
    return True


def flags_of(session: Session, conversation_id: int) -> list[str]:
    return sorted(
        session.exec(
            select(ConversationFlagRow.flag).where(ConversationFlagRow.conversation_id == conversation_id)
        ).all()
    )


def list_conversations(
    session: Session,
    *,
    account_ref: str | None = None,
    phone: str | None = None,
    channel: str | None = None,
    flag: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = select(Conversation, Account.account_ref).join(
        Account, Account.id == Conversation.account_id, isouter=True
    )
    if account_ref:
        query = query.where(Account.account_ref == account_ref)
    if phone:
        query = query.where(Conversation.party == phone)
    if channel:
        query = query.where(Conversation.channel == channel)
    if since:
        query = query.where(Conversation.started_at >= since)
    if flag:
        query = query.where(
            Conversation.id.in_(  # type: ignore[union-attr]
                select(ConversationFlagRow.conversation_id).where(ConversationFlagRow.flag == flag)
            )
        )
    query = query.order_by(Conversation.started_at.desc(), Conversation.id.desc()).offset(offset).limit(limit)  # type: ignore[union-attr]
    found = session.exec(query).all()
    ids = [c.id for c, _ in found]
    flags: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for cid, f in session.exec(
            select(ConversationFlagRow.conversation_id, ConversationFlagRow.flag).where(
                ConversationFlagRow.conversation_id.in_(ids)  # type: ignore[attr-defined]
            )
        ).all():
            flags[cid].append(f)
    return [_summary(c, ref, sorted(flags[c.id])) for c, ref in found]


def _summary(conversation: Conversation, account_ref: str | None, flags: list[str]) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "channel": conversation.channel,
        "direction": conversation.direction,
        "party": conversation.party,
        "account_ref": account_ref,
        "language": conversation.language,
        "status": conversation.status,
        "started_at": conversation.started_at,
        "last_activity_at": conversation.last_activity_at,
        "flags": flags,
    }


def conversation_detail(session: Session, conversation_id: int) -> dict[str, Any]:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    account_ref = None
    if conversation.account_id is not None:
        account = session.get(Account, conversation.account_id)
        account_ref = account.account_ref if account else None
    turns = session.exec(select(Turn).where(Turn.conversation_id == conversation_id).order_by(Turn.seq)).all()
    detail = _summary(conversation, account_ref, flags_of(session, conversation_id))
    detail["turns"] = [
        {
            "seq": t.seq,
            "role": t.role,
            "text": t.text,
            "at": t.at,
            "intent": t.intent,
            "confidence": t.confidence,
            "meta": t.meta,
        }
        for t in turns
    ]
    return detail


def close_inactive(session: Session, *, idle_for: timedelta, now: datetime | None = None) -> int:
    """Close open conversations without activity for `idle_for`; the next message opens a new one.
    A conversation an advisor holds stays open until they hand it back."""
    now = now or utcnow()
    stale = session.exec(
        select(Conversation).where(
            Conversation.status == ConversationStatus.OPEN,
            Conversation.last_activity_at < now - idle_for,
            col(Conversation.held_by_user_id).is_(None),
        )
    ).all()
    for conversation in stale:
        conversation.status = ConversationStatus.CLOSED
        conversation.closed_at = now
        session.add(conversation)
    return len(stale)
