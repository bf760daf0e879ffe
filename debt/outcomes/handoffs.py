"""Records what goes to a person: a handoff to an advisor, a complaint."""

from __future__ import annotations

from sqlmodel import Session, select

from debt.models import Account, Conversation, ConversationFlag, Handoff, HandoffStatus
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
