"""Records what goes to a person: a handoff to an advisor, a complaint; an advisor taking a text
conversation over from the console's inbox and handing it back to the bot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from debt.models import (
    Account,
    Channel,
    ConsoleUser,
    Conversation,
    ConversationFlag,
    ConversationStatus,
    Handoff,
    HandoffStatus,
    Turn,
    TurnRole,
    TurnState,
)
from debt.outcomes._common import DEBTOR, _audit, _flag


def _handoff(
    session: Session, conversation: Conversation, *, reason: str, summary: str
) -> tuple[Handoff, bool]:
    """The conversation's waiting or active handoff, or a new one; True when new."""
    current = session.exec(
        select(Handoff)
        .where(
            Handoff.conversation_id == conversation.id,
            Handoff.status.in_([HandoffStatus.WAITING, HandoffStatus.ACTIVE]),  # type: ignore[attr-defined]
        )
        .order_by(Handoff.id)  # type: ignore[arg-type]
    ).first()
    if current is not None:
        _flag(session, conversation, ConversationFlag.HANDOFF)
        return current, False
    handoff = Handoff(
        conversation_id=conversation.id,
        account_id=conversation.account_id,
        reason=reason[:40],
        summary=summary,
    )
    session.add(handoff)
    session.flush()
    _flag(session, conversation, ConversationFlag.HANDOFF)
    return handoff, True


def request_handoff(
    session: Session, conversation: Conversation, *, reason: str, summary: str, actor: str = DEBTOR
) -> Handoff:
    """Ask for an advisor; a conversation waits for at most one (asking again returns it)."""
    handoff, new = _handoff(session, conversation, reason=reason, summary=summary)
    if new:
        _audit(
            session,
            actor=actor,
            action="handoff.requested",
            entity="handoff",
            entity_id=handoff.id,
            conversation=conversation,
            reason=handoff.reason,
        )
        session.flush()
    return handoff


def record_complaint(
    session: Session,
    conversation: Conversation,
    account: Account | None,
    *,
    text: str,
    actor: str = DEBTOR,
) -> Handoff:
    """A complaint always reaches a person: it is flagged and handed to an advisor with its words."""
    summary = f"Complaint: {text}"
    handoff, new = _handoff(session, conversation, reason="complaint", summary=summary)
    if not new:  # an advisor is already asked for: the complaint joins what they will read
        handoff.summary = f"{handoff.summary}\n{summary}"
        session.add(handoff)
    _flag(session, conversation, ConversationFlag.COMPLAINT)
    _audit(
        session,
        actor=actor,
        action="complaint.recorded",
        entity="conversation",
        entity_id=conversation.id,
        conversation=conversation,
        account_ref=account.account_ref if account else None,
        handoff_id=handoff.id,
    )
    session.flush()
    return handoff


# A call's handoff goes to the advisors' phone queue (voice/); only text conversations are taken over.
TAKEABLE_CHANNELS = frozenset({Channel.SMS, Channel.CHAT})


class TakeoverRefused(ValueError):
    """Why a conversation cannot be taken over or handed back now (shown to the advisor as is)."""


def waiting_handoff(session: Session, conversation_id: int) -> Handoff | None:
    return session.exec(
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.status == HandoffStatus.WAITING)
        .order_by(col(Handoff.id))
    ).first()


def active_handoff(session: Session, conversation_id: int) -> Handoff | None:
    return session.exec(
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id, Handoff.status == HandoffStatus.ACTIVE)
        .order_by(col(Handoff.id).desc())
    ).first()


def holder_of(session: Session, conversation_id: int) -> int | None:
    """The console user holding the conversation; None while the bot answers it."""
    return session.exec(
        select(Conversation.held_by_user_id).where(Conversation.id == conversation_id)
    ).first()


def take_over(
    session: Session, conversation_id: int, advisor: ConsoleUser, *, actor: str, now: datetime
) -> Handoff:
    """An advisor takes a waiting text conversation: from now on they answer it and the bot is silent."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise LookupError(f"no conversation {conversation_id}")
    if conversation.channel not in TAKEABLE_CHANNELS:
        raise TakeoverRefused("a call is answered from the advisors' phone queue, not here")
    if conversation.status != ConversationStatus.OPEN:
        raise TakeoverRefused("the conversation has ended")
    if conversation.held_by_user_id is not None:
        current = active_handoff(session, conversation_id)
        if conversation.held_by_user_id == advisor.id and current is not None:
            return current  # taken twice by the same person (a double click): nothing changes
        raise TakeoverRefused(f"{_name_of(session, conversation.held_by_user_id)} holds it already")
    handoff = waiting_handoff(session, conversation_id)
    if handoff is None:
        raise TakeoverRefused("no handoff is waiting in this conversation")
    # Claimed only while nobody holds it: of two advisors clicking at once, exactly one gets it.
    claimed = session.exec(  # type: ignore[call-overload]
        update(Conversation)
        .where(col(Conversation.id) == conversation_id, col(Conversation.held_by_user_id).is_(None))
        .values(held_by_user_id=advisor.id, held_since=now)
    )
    if claimed.rowcount == 0:
        raise TakeoverRefused("another advisor has just taken it over")
    session.refresh(conversation)
    handoff.status = HandoffStatus.ACTIVE
    handoff.advisor = advisor.login
    handoff.accepted_at = now
    session.add(handoff)
    _audit(
        session,
        actor=actor,
        action="handoff.taken",
        entity="handoff",
        entity_id=handoff.id,
        conversation=conversation,
    )
    session.flush()
    return handoff


def hand_back(
    session: Session, conversation_id: int, *, outcome: str, actor: str, now: datetime
) -> Handoff | None:
    """The advisor is done: the bot answers the conversation again and the handoff ends with `outcome`.

    Debtor messages still waiting are the advisor's (they were written to a person): the bot answers
    only what comes next.
    """
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise LookupError(f"no conversation {conversation_id}")
    if conversation.held_by_user_id is None:
        raise TakeoverRefused("nobody holds this conversation")
    leave_to_advisor(session, conversation_id)
    conversation.held_by_user_id = None
    conversation.held_since = None
    session.add(conversation)
    handoff = active_handoff(session, conversation_id)
    if handoff is not None:
        handoff.status = HandoffStatus.RETURNED
        handoff.ended_at = now
        session.add(handoff)
    _audit(
        session,
        actor=actor,
        action="handoff.returned",
        entity="handoff",
        entity_id=handoff.id if handoff else None,
        conversation=conversation,
        outcome=outcome,
    )
    session.flush()
    return handoff


def _name_of(session: Session, user_id: int) -> str:
    user = session.get(ConsoleUser, user_id)
    return user.display_name if user else "another advisor"


def leave_to_advisor(session: Session, conversation_id: int, seqs: list[int] | None = None) -> int:
    """Mark debtor turns waiting for the bot (all, or `seqs`) as the advisor's: the bot never sees them.

    Keyword turns (STOP, HELP: meta "local") are left alone: they are answered without the bot, held
    conversation or not. Returns how many turns were marked.
    """
    query = select(Turn).where(
        Turn.conversation_id == conversation_id,
        Turn.role == TurnRole.DEBTOR,
        col(Turn.state).in_([TurnState.RECEIVED, TurnState.QUEUED]),
    )
    if seqs is not None:
        query = query.where(col(Turn.seq).in_(seqs))
    marked = 0
    for turn in session.exec(query).all():
        if turn.meta.get("local"):
            continue
        turn.state = TurnState.ANSWERED
        turn.meta = {**turn.meta, "for_advisor": True}
        session.add(turn)
        marked += 1
    return marked
